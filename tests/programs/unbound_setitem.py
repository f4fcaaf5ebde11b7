# an element assignment evaluates its value before its target: with both
# unassigned, the value's name is the one reported
import numpy as np


def put(n):
    if n > 5:
        arr = np.zeros(3)
        val = 1.5
    arr[0] = val
    arr[1:] = val * 2.0
    return arr


print(put(9))
print(put(1))
