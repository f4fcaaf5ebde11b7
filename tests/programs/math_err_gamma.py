import math


def falling(x):
    return math.gamma(x) / math.gamma(x - 2.0)


print(falling(5.5), math.lgamma(-2.5))
print(falling(2.0))
