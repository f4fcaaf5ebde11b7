# stacking and the function forms of array methods: vstack, hstack,
# column_stack, row_stack, np.reshape, np.transpose, np.expand_dims,
# np.shape/size/ndim, and np.where(c) as np.nonzero(c)
import numpy as np
from numba import njit


@njit
def stacks(a, b, m):
    print(np.vstack((a, b)))
    print(np.hstack((a, b)), np.hstack((m, m)))
    print(np.vstack((m, a)), np.row_stack((a, a)).shape)
    print(np.column_stack((a, b)))
    print(np.column_stack((m, a[:2])))
    print(np.hstack((a, 7)), np.vstack((a, 7.5)))
    print(np.vstack([a.astype(np.int32), b]).dtype, np.hstack((a, np.ones(2, np.float32))).dtype)


@njit
def forms(n):
    a = np.arange(n * 2).reshape((n, 2))
    print(np.reshape(a, (2, n)), np.reshape(a, -1), np.reshape(a, (-1, 1)).shape)
    print(np.transpose(a), np.transpose(np.arange(3)))
    b = np.arange(4.0)
    print(np.expand_dims(b, 0), np.expand_dims(b, 1).shape, np.expand_dims(b, -1).shape)
    print(np.expand_dims(a, 1).shape, np.expand_dims(a, -1).shape)
    e = np.expand_dims(b, 0)
    e[0, 1] = 9.0
    print(b)
    print(np.shape(a), np.size(a), np.ndim(a), np.shape(b), np.ndim(2.5))


@njit
def where1(a, m):
    i = np.where(a > 2)[0]
    r, c = np.where(m % 2 == 0)
    print(i, r, c, a[np.where(a < 3)])
    for k in np.where(a == 4)[0]:
        print("four at", k)


a = np.array([1.0, 2.0, 3.0])
b = np.array([4.0, 5.0, 6.0])
m = np.array([[1.0, 2.0], [3.0, 4.0]])
stacks(a, b, m)
forms(3)
where1(np.array([4, 1, 5, 2, 4]), np.arange(6).reshape(2, 3))
print(np.hstack((m, np.zeros((3, 2)))))
