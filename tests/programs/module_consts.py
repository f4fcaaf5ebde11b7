# module-level constants readable from functions
N = 10
SCALE = 2.5
OFFSET = -3
LIMIT = 1_000_000
DEBUG = False
MASK = 0xFF
TINY = 1e-9


def scaled(i):
    return i * SCALE + OFFSET


def total():
    s = 0.0
    for i in range(N):
        s += scaled(i)
    return s


def masked(x):
    if DEBUG:
        print("debug", x)
    return x & MASK


def under_limit(x):
    return x < LIMIT


def close(a, b):
    return abs(a - b) < TINY


print(total(), scaled(4))
print(masked(0x1234), masked(-1))
print(under_limit(999999), under_limit(LIMIT))
print(close(0.1 + 0.2, 0.3), close(1.0, 1.1))
print(N * 2, SCALE, OFFSET, DEBUG)
