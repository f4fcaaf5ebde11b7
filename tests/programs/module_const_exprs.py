# module-level constants computed from constant expressions: NumPy scalar
# constructors keep their dtype, math functions and other constants fold
import math
import numpy as np

zero = np.float32(0.0)
eps = np.float32(1e-6)
one32 = np.float32(1) + zero
beta = 2 / math.log(1 + math.sqrt(2))
N = 8
HALF = N // 2
MASK = (1 << HALF) - 1
I8 = np.int8(100)
BIG = np.int64(2) ** 40
RATIO = N / 3
LOG8 = math.log(N, 2)
ANGLE = math.radians(30.0)
TAU2 = math.tau / 2 - math.pi
NEG = -np.float32(2.5)
FLAG = not (N > 10)
FLOOR = math.floor(-2.5) + math.ceil(2.1)
HYP = math.hypot(3.0, 4.0)
SCALED = float(N) * eps


def kernel(a):
    s = zero
    for i in range(a.shape[0]):
        if a[i] > eps:
            s += a[i]
    return s


def report():
    print(zero, eps, one32, beta)
    print(HALF, MASK, I8, BIG, RATIO, LOG8)
    print(ANGLE, TAU2, NEG, FLAG, FLOOR, HYP, SCALED)
    print(I8 + I8, eps * 2, zero == 0.0, one32 / 3)
    a = np.arange(N, dtype=np.float32) / N
    print(kernel(a), kernel(a) / beta)


report()
print(zero + eps, I8 * 2, math.sqrt(beta))
