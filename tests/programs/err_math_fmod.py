# math.fmod by zero is a domain error, as in CPython
import math


def f(x, y):
    return math.fmod(x, y)


print(f(5.0, 2.0))
print(f(5.0, 0.0))
