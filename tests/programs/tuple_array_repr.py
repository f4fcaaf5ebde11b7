# Inside a printed tuple (and with !r) an array shows its repr, as CPython
# prints it: array(...) with commas, wrapped under the bracket, with the
# shape and dtype NumPy adds.
import numpy as np
a = np.arange(5)
b = np.linspace(0, 1, 4)
print((a, b))
print(a, (a, 1.5))
print((np.arange(2000),))
print((np.zeros((0, 3)), np.zeros(0), np.zeros(0, np.int32)))
print((np.array(1.0), np.array(5), np.array(2.5, dtype=np.float32), np.array(True)))
print((np.arange(6, dtype=np.int32).reshape(2, 3), np.ones((2, 2, 2), np.float32)))
print((np.arange(30) * 1000.5,))
print((np.arange(100).reshape(4, 25),))
print((np.array([True, False]), np.array([1, 2], np.uint8), np.array([1e-10, 1.0])))
print((np.arange(12).reshape(3, 4) * 1e5, np.arange(1100).reshape(2, 550).astype(np.int8)))
print((np.arange(25, dtype=np.int16) * 1000,))
x = np.arange(3)
print(f"{x!r} {x!s} {x}")


def show(a, b):
    print((a, b), f"{b!r:>20}", "{0!r} {1}".format(a, b))
    for u, v in np.nditer((a, b)):
        print((u, v))


show(np.arange(3, dtype=np.int8), np.linspace(0.5, 1.0, 3))
for n in range(7, 12):
    print((np.arange(n, dtype=np.float32) * np.float32(1234.567),))
print((np.arange(8).reshape(2, 2, 2) - 3, "text", None, np.int32(4)))
t = (np.zeros(2), (np.ones(1, np.uint16), 2))
print(t, t[1])
print(f"{t}")
