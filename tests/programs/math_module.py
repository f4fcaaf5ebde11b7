# the math module: functions and constants
import math
from math import sqrt

print(math.pi, math.e)
print(math.sqrt(2.0), sqrt(16.0), math.sqrt(0.0), sqrt(1e-10))
print(math.floor(2.5), math.floor(-2.5), math.ceil(2.5), math.ceil(-2.5))
print(math.floor(7.0), math.ceil(-0.5), math.floor(-0.0))
print(math.fabs(-3.5), math.fabs(2.0), math.fabs(-0.0))
print(math.exp(0.0), math.exp(1.0), math.exp(-1.0))
print(math.log(1.0), math.log(math.e), math.log(10.0))
print(math.log2(8.0), math.log2(1024.0), math.log10(1000.0), math.log10(0.001))
print(math.sin(0.0), math.cos(0.0), math.tan(0.0))
print(math.sin(math.pi / 2.0), math.cos(math.pi), math.tan(math.pi / 4.0))
print(math.atan2(1.0, 1.0), math.atan2(-1.0, -1.0), math.atan2(0.0, -1.0))
print(math.inf, -math.inf, math.nan)
print(math.sqrt(4), math.exp(2), math.floor(3), math.fabs(-4))


def hypot(a, b):
    return math.sqrt(a * a + b * b)


def deg(r):
    return r * 180.0 / math.pi


print(hypot(3.0, 4.0), hypot(5, 12), deg(math.atan2(1.0, 0.0)))
s = 0.0
for i in range(1, 11):
    s += math.log(float(i))
print(s, math.exp(s))
