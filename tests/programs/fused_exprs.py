# Elementwise expressions that compile to fused operations: every dtype
# path, broadcasting, negative-stride views, in-place updates and slice
# assignments whose output overlaps their inputs.
import numpy as np


def axpa(a):
    return a * 2 + a


def hyp(a, b):
    return np.sqrt(a * a + b * b)


def main():
    a = np.arange(10)
    print(axpa(a))
    x = np.linspace(0.0, 3.0, 7)
    y = np.linspace(4.0, 0.0, 7)
    print(hyp(x, y))
    print(hyp(x[::-1], y[::-2][:1]))
    u = np.zeros((5, 5))
    u[0, :] = 1.0
    v = u.copy()
    v[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
    print(v)
    # The output overlaps the inputs: the right side is computed first.
    b = np.arange(6.0)
    b[1:] = (b[:-1] + b[1:]) / 2
    print(b)
    c = np.arange(6.0)
    c += c[::-1] * 2.0
    print(c)
    e = np.arange(6.0)
    e *= e + 1.0
    print(e)
    g = np.arange(12.0).reshape((3, 4))
    g[:, ::-1] = g * 10.0 + g[0]
    print(g)
    d = np.arange(6)
    print(np.where(d > 2, d * 2, -d))
    print(np.where((d % 2 == 0) & (d > 1), d * 1.5, d - 0.5))
    f = np.arange(6, dtype=np.float32)
    print((f * 1.1 + f) / 3, ((f * 1.1 + f) / 3).dtype)
    i8 = np.arange(6, dtype=np.int8)
    print(i8 * 100 + i8, (i8 * 100 + i8).dtype)
    u8 = np.arange(6, dtype=np.uint8)
    print((u8 - 3) * 2 + i8, ((u8 - 3) * 2 + i8).dtype)
    print((d // 0) + d)
    print(np.maximum(x * 2.0, y) - np.minimum(x, y * 0.5))
    col = np.arange(3.0).reshape((3, 1))
    row = np.arange(4.0)
    print(col * 10.0 + row * 2.0 - 1.0)
    print((np.arange(5) - 2) * 3 // 2 % 4)


main()
