# math.log(x, 1) divides by log(1) == 0
import math


def f(x, b):
    return math.log(x, b)


print(f(8.0, 2.0), f(1000, 10))
print(f(5.0, 1.0))
