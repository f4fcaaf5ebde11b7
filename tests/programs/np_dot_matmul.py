# np.dot and @ for 1-D and 2-D operands, ints and floats, views and transposes
import numpy as np


def matmul_loops(a, b):
    n = a.shape[0]
    k = a.shape[1]
    p = b.shape[1]
    c = np.zeros((n, p))
    for i in range(n):
        for j in range(p):
            s = 0.0
            for t in range(k):
                s += a[i, t] * b[t, j]
            c[i, j] = s
    return c


def main():
    u = np.array([1, 2, 3])
    v = np.array([4, 5, 6])
    print(np.dot(u, v), u @ v)
    fu = np.array([0.5, 1.5, -2.0])
    print(np.dot(fu, v), fu @ fu)
    a = np.arange(6).reshape(2, 3)
    b = np.arange(12).reshape(3, 4)
    print(np.dot(a, b))
    print(a @ b)
    print(a @ u, np.dot(a, v))
    print(np.array([1, -1]) @ a)
    print(a @ a.T)
    print(a.T @ a)
    x = np.arange(9.0).reshape(3, 3) / 2
    y = np.ones((3, 3)) * 2
    print(x @ y)
    print((x @ x)[1])
    print(matmul_loops(x, x))
    c = b[:, ::2]
    print(a @ c)
    print(b[1] @ b[2], np.dot(b[:, 0], b[:, 3]))
    i32 = np.arange(4, dtype=np.int32).reshape(2, 2)
    r = i32 @ i32
    print(r, r.dtype)
    f32 = np.ones((2, 2), dtype=np.float32) * 1.5
    print((f32 @ f32).dtype, f32 @ f32)
    print((np.dot(u, v) + 1) * 2)
    m = np.array([[2.0, 0.0], [0.0, 3.0]])
    p = np.array([[1.0, 0.0], [0.0, 1.0]])
    for i in range(4):
        p = p @ m
    print(p)


main()
