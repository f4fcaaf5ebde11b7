import numpy as np

def total(a):
    print(i)
    for i in range(len(a)):
        pass

total(np.arange(3))
