# np.square, sign, reciprocal, log1p, expm1, cbrt, exp2, deg2rad/radians,
# rad2deg/degrees and fabs, in NumPy's dtypes
import numpy as np
from numba import njit


@njit
def floats(x):
    print(np.square(x), np.sign(x), np.reciprocal(x))
    print(np.log1p(np.abs(x)), np.expm1(x), np.cbrt(x))
    print(np.exp2(x), np.deg2rad(x), np.radians(x), np.rad2deg(x), np.degrees(x), np.fabs(x))


@njit
def accurate(x):
    s = 0.0
    for v in np.log1p(x):
        s += v
    t = 0.0
    for v in np.expm1(x / 7):
        t += v
    u = 0.0
    for v in np.cbrt(x * 3.3):
        u += v
    w = 0.0
    for v in np.exp2(x / 3):
        w += v
    # The last bits of these functions differ between C libraries (and
    # NumPy's vector loops): sums shown to 9 digits.
    print(f"{s:.9e} {t:.9e} {u:.9e} {w:.9e}")
    return np.deg2rad(x).sum(), np.rad2deg(x).sum()


@njit
def others(i, f):
    print(np.square(i), np.sign(i), np.square(i > 1), np.sign(np.uint8(3)), np.square(np.int8(100)))
    print(np.cbrt(i), np.log1p(i.astype(np.int16)).dtype, np.sign(-2.5), np.square(3), np.fabs(-2))
    print(np.square(f), np.sign(f), np.cbrt(f), np.exp2(f), np.deg2rad(f), np.log1p(f[:2]))


floats(np.array([-2.0, -0.0, 0.0, 0.5, np.inf, np.nan]))
print(accurate(np.linspace(0.001, 50.0, 1001)))
others(np.array([-3, 0, 7]), np.array([0.0, -1.0, 8.0], dtype=np.float32))
