# math.factorial of a negative number raises ValueError
import math


def f(n):
    s = 0
    for k in range(n, -3, -1):
        s += math.factorial(k)
        print(k, s)
    return s


print(f(3))
