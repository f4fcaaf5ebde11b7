# a local read before the loop that assigns it raises UnboundLocalError,
# never the register's old contents
import numpy as np


def total(a):
    print(len(a))
    print(i)
    for i in range(len(a)):
        pass


total(np.arange(4.0))
