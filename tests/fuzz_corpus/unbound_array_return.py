import numpy as np

def f(n):
    if n > 0:
        a = np.zeros(3)
    return a

print(f(0))
