# Python's random.choice and random.shuffle of 1-D arrays and random.gauss,
# drawing CPython's streams.
import random
import numpy as np


def main():
    for seed in (0, 7, 123456789):
        random.seed(seed)
        a = np.arange(10)
        random.shuffle(a)
        f = np.linspace(0.0, 1.0, 7)
        random.shuffle(f[::2])
        print(a, f, random.choice(a), random.choice(f[1:]))
        print(random.gauss(), random.gauss(2.0, 0.5), random.random(), random.gauss(sigma=3.0))
        random.seed(seed)
        print(random.gauss(1.0), random.choice(np.array([1.5, 2.5], dtype=np.float32)))
        s = 0.0
        for i in range(1000):
            s += random.gauss(0.5, 2) + random.choice(a)
        print(s)


main()
