# Python's random module, stream for stream CPython's
import random
from random import randint, uniform


def estimate_pi(n):
    inside = 0
    for i in range(n):
        x = random.random()
        y = random.random()
        if x * x + y * y < 1.0:
            inside += 1
    return 4.0 * inside / n


random.seed(12345)
print(random.random())
print(random.uniform(2, 5), uniform(-1.5, 1.5), random.uniform(3, 3))
print(random.uniform(True, 10.0), random.uniform(1, 2**60))
print(randint(1, 6))
print(random.randint(0, 1), random.randint(-5, 5), random.randint(10, 10))
print(random.randint(0, 2**32), random.randint(-2**40, 2**40))
print(random.randint(-2**63, 2**63 - 1))
print(random.randrange(7), random.randrange(2, 9), random.randrange(0, 100, 7))
print(random.randrange(10, -10, -3), random.randrange(-5, 5, 2))
print(estimate_pi(5000))
for s in (0, 1, 2**31, 2**32, 2**40 + 3, -7):
    random.seed(s)
    print(s, random.random(), random.randint(1, 1000))
random.seed(-7)
a = random.random()
random.seed(7)
print(a == random.random())
random.seed(None)
print(0.0 <= random.random() < 1.0)
