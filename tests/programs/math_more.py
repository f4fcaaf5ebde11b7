# math functions beyond the basic float table, with CPython's results
import math


def show(x, y):
    print(math.hypot(x, y), math.copysign(x, -y), math.fmod(x, y), math.fmod(-x, y))
    print(math.log(x, 2), math.log(x, 10), math.log(x, y), math.log(8, 2))
    print(math.degrees(x), math.radians(y), math.trunc(-x), math.trunc(x))
    print(math.expm1(1e-10), math.log1p(1e-10), math.asinh(x), math.acosh(x + 1))
    print(math.atanh(0.5), math.erf(0.5), math.erfc(0.5), math.erf(-x))
    print(math.isnan(x), math.isinf(x), math.isfinite(x), math.isnan(math.nan))


def ints(a, b):
    print(math.gcd(a, b), math.gcd(-a, b), math.gcd(a, 0), math.gcd(0, 0))
    print(math.factorial(0), math.factorial(5), math.factorial(20))
    print(math.floor(a / b), math.ceil(a / b), math.trunc(a), math.copysign(3, -0.0))


def specials():
    inf = math.inf
    print(math.hypot(inf, math.nan), math.fmod(2.5, inf), math.copysign(inf, -1.0))
    print(math.isinf(-inf), math.isfinite(inf), math.hypot(-3, 4), math.fmod(7, 3))


show(3.0, 4.0)
show(10.5, 0.75)
ints(12, 18)
ints(35, 14)
specials()
print(math.log(100.0, 10.0), math.log(2, 2), math.hypot(1e200, 1e200))
