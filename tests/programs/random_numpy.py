# np.random: the legacy global generator, stream for stream NumPy's
import numpy as np


def walk(n):
    # a random walk drawn one step at a time (a hot loop for the native tier)
    x = 0.0
    for i in range(n):
        x += np.random.standard_normal()
        if np.random.random() < 0.1:
            x -= np.random.uniform(0.0, 1.0)
    return x


def dice(n):
    counts = np.zeros(6, np.int64)
    for i in range(n):
        counts[np.random.randint(0, 6)] += 1
    return counts


np.random.seed(42)
print(np.random.random())
print(np.random.random_sample(3))
print(np.random.rand(2, 3))
print(np.random.rand())
print(np.random.randn(4))
print(np.random.randn())
print(np.random.standard_normal((2, 2)))
print(np.random.uniform())
print(np.random.uniform(-3, 3, 4))
print(np.random.uniform(low=1.0, high=1.5, size=(2,)))
print(np.random.normal())
print(np.random.normal(10.0, 2.0, size=3))
print(np.random.normal(scale=0.0))

# the spare Gaussian waits across other draws, until a reseed drops it
np.random.seed(7)
g = np.random.randn()
u = np.random.random()
print(g, u, np.random.randn())
np.random.seed(7)
print(np.random.randn(), np.random.random())
np.random.seed(7)
g = np.random.randn()
np.random.seed(7)
print(np.random.randn())

# bounded integers: 32-bit draws below 2**32, 64-bit draws above
np.random.seed(2024)
print(np.random.randint(10))
print(np.random.randint(5, 6))
print(np.random.randint(-10, 10, size=8))
print(np.random.randint(0, 2**32, size=3))
print(np.random.randint(0, 2**32 + 1, size=3))
print(np.random.randint(-2**62, 2**62, size=2))
print(np.random.randint(0, 2**63 - 1))
print(np.random.randint(3, size=(2, 5)))
print(np.random.randint(5, 1, size=0))

# choice, shuffle, permutation
np.random.seed(1)
print(np.random.choice(10))
print(np.random.choice(10, 5))
print(np.random.choice(10, (2, 3), replace=False))
print(np.random.choice(5, 5, replace=False))
vals = np.array([1.5, -2.0, 3.25, 8.0])
print(np.random.choice(vals))
print(np.random.choice(vals, size=6))
print(np.random.choice(vals, 2, False))
flags = np.array([True, False])
print(np.random.choice(flags, 5))
a = np.arange(10)
np.random.shuffle(a)
print(a)
m = np.arange(12).reshape(4, 3)
np.random.shuffle(m)
print(m)
np.random.shuffle(m[:, 0])
print(m)
print(np.random.permutation(8))
print(np.random.permutation(np.arange(5) * 10))
print(np.random.permutation(m.T))
print(np.random.permutation(0))

np.random.seed(3)
print(walk(2000))
print(dice(3000))
np.random.seed(0)
print(np.random.random(), np.random.randint(100))
np.random.seed()
print(np.random.random() >= 0.0)
