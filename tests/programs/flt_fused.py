# Products added to or subtracted from a value are rounded twice, exactly as
# the two operations: a fused multiply-add would give other digits here.
import numpy as np


def muladd(a, b, c):
    return a * b + c


def addmul(a, b, c):
    return c + a * b


def mulsub(a, b, c):
    return a * b - c


def submul(a, b, c):
    return c - a * b


def poly(x):
    # Horner's rule: every step is a product plus a constant.
    return ((2.5 * x - 1.25) * x + 0.375) * x - 0.0625


def dot(n):
    s = 0.0
    for i in range(n):
        s += (i * 0.1) * (i * 0.3)
    return s


def scalars(n):
    a = np.float64(0.1)
    s = np.float64(0.0)
    for i in range(n):
        s = a * a + s
    return s


def show(a, b, c):
    print(muladd(a, b, c), addmul(a, b, c), mulsub(a, b, c), submul(a, b, c))


inf = float("inf")
show(0.1, 3.0, -0.3)
show(1.0 + 2.0 ** -52, 1.0 - 2.0 ** -53, -1.0)
show(1e308, 10.0, -1e308)
show(-0.0, 1.0, 0.0)
show(0.0, -1.0, -0.0)
show(inf, 0.0, 1.0)
show(inf, 1.0, -inf)
show(float("nan"), 1.0, 2.0)
show(3.0, 7.0, 1e-300)
print(poly(0.7), poly(-3.25), poly(1e10))
print(dot(1000))
print(scalars(10))
x = 1.5
y = x * x - x * 0.5 + x * x * x
print(y)
