import numpy as np

def f(a):
    return a[9223372036854775807]

print(f(np.arange(3)))
