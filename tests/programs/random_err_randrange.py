# random.randint(a, b) with b < a raises CPython's ValueError
import random


def roll(n):
    return random.randint(1, n)


random.seed(1)
print(roll(6))
print(roll(0))
