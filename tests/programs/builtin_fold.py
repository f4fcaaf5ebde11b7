# Python's sum, min and max of an array (the elements in order, as the
# builtins iterate) and of a tuple, and divmod
import numpy as np
from numba import njit


@njit
def folds(a):
    return sum(a), min(a), max(a)


@njit
def over_tuples(t):
    print(sum(t), min(t), max(t), sum((1, 2.5, True)), sum((np.int8(100), 100)))
    print(sum(t, 10), sum((0.5, 0.25), 1.0), max((3, 9, 4)), min((2.5,)))


@njit
def divmods(a, b):
    q, r = divmod(a, b)
    print(q, r, divmod(-a, b), divmod(a, -b), divmod(a * 1.5, b))


print(folds(np.array([3.0, -1.5, 2.0, 7.25])))
print(folds(np.full(10, 0.1)), np.sum(np.full(10, 0.1)))
print(folds(np.array([100, 100, -7], dtype=np.int8)))
print(folds(np.array([True, False, True])))
print(folds(np.array([np.nan, 1.0, 2.0])), folds(np.array([1.0, np.nan, 0.5])))
print(folds(np.array([2, 7, 1], dtype=np.uint64)), folds(np.arange(5, dtype=np.float32) / 3))
print(folds(np.arange(10)[::-3]))
over_tuples((4, -2, 9))
divmods(17, 5)
divmods(-7, 2)
print(divmod(7.5, 2), divmod(-7.5, 2))
print(min(np.array([], dtype=np.int64)))
