# math.frexp and math.modf: tuples as CPython returns them, with the
# special cases (zeros, infinities, NaNs, subnormals)
import math

import numpy as np


def parts(x):
    m, e = math.frexp(x)
    f, i = math.modf(x)
    return m, e, f, i


def main():
    for x in (8.0, 1.0, 0.5, 3.75, -3.75, 0.1, -0.0, 0.0, 1e308, -1e-310,
              5e-324, 2.0**-1074 * 3, 1.7976931348623157e308, 123456.789):
        print(x, math.frexp(x), math.modf(x))
    print(math.frexp(math.inf), math.frexp(-math.inf), math.frexp(math.nan))
    print(math.modf(math.inf), math.modf(-math.inf), math.modf(math.nan))
    print(math.modf(-2.0), math.modf(2.5), math.modf(-2.5), math.modf(1e300))
    print(math.frexp(8), math.frexp(-12), math.frexp(True), math.frexp(0))
    print(math.modf(7), math.modf(-7), math.modf(False))
    print(math.frexp(2**62 + 1), math.modf(2**53 + 1))
    print(math.frexp(np.float32(0.1)), math.modf(np.float64(-6.25)))
    m, e = math.frexp(10.0)
    print(m * 2.0**e, math.ldexp(m, e), e + 1, e // 2)
    total = 0.0
    for k in range(1, 50):
        f, i = math.modf(k / 7)
        total += f + i * 0.5
        m, e = math.frexp(k * 1.5)
        total += m * e
    print(total)
    print(parts(-17.125))
    t = math.frexp(6.0)
    print(t[0], t[1], len(t))


main()
