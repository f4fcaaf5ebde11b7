# math.gamma and math.lgamma (CPython's own Lanczos sums, bit for bit) and
# math.ldexp, as Numba supports them.
import math


def main():
    xs = (0.5, 1.5, 2.5, 3.0, 4.5, 7.25, 10.5, 23.0, 24.0, 30.1, 100.7, 139.9, 140.3, 171.5, -0.5, -1.5, -2.25, -10.1, -140.6, -180.3, 1e-21, -1e-21, 1e-10, 5.524, 5.53, 0.001, 171.6, -199.9)
    for x in xs:
        print(x, math.gamma(x), math.lgamma(x))
    for x in (205.3, 2.0, 1.0, 1e300, -0.25, 3.5e-5):
        print(math.lgamma(x))
    print(math.gamma(-200.5), math.gamma(-250.5), math.gamma(math.inf), math.lgamma(-math.inf))
    print(math.ldexp(1.5, 3), math.ldexp(-3, -2), math.ldexp(1.0, -1075), math.ldexp(0.75, -1073), math.ldexp(1.0, 1023), math.ldexp(5.0, -10**10))
    s = 0.0
    for i in range(1, 2000):
        s += math.lgamma(i * 0.173) + math.gamma(i * 0.0731 - 50.0)
    print(s)


main()
