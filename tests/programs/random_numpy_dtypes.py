# np.random.randint with a dtype (8- and 16-bit draws share 32-bit words,
# bools take one bit each) and np.random.choice with probabilities, with
# and without replacement, as NumPy draws them for several seeds.
import numpy as np
for seed in (0, 1, 12345, 2**32 - 1):
    np.random.seed(seed)
    print(np.random.randint(0, 100, 8, dtype=np.int8), np.random.randint(-5, 5, dtype=np.int16))
    print(np.random.randint(0, 2, 20, dtype=np.bool_).astype(np.int64), np.random.randint(2, dtype=bool))
    print(np.random.randint(0, 256, 5, dtype=np.uint8), np.random.randint(-128, 128, (2, 3), dtype=np.int8))
    print(np.random.randint(-30000, 30000, 4, dtype=np.int16), np.random.randint(0, 65536, 3, dtype=np.uint16))
    print(np.random.randint(-10, 10**9, 4, dtype=np.int32), np.random.randint(0, 2**32 - 1, 3, dtype=np.uint32))
    print(np.random.randint(0, 2**40, 3, dtype=np.uint64), np.random.randint(5, dtype=int), f"{np.random.randint(5, dtype=np.int64)!r}")
    print(f"{np.random.randint(7, dtype=np.uint8)!r}", np.random.randint(1, 2, 3, dtype=np.int8))
    print(np.random.choice(5, 10, p=[0.1, 0.0, 0.3, 0.6, 0.0]))
    print(np.random.choice(5, p=np.array([0.2, 0.2, 0.2, 0.2, 0.2])))
    print(np.random.choice(np.arange(10) * 1.5, (2, 3), p=np.linspace(0, 1, 10) / 5.0))
    print(np.random.choice(5, 3, replace=False, p=[0.1, 0.0, 0.3, 0.6, 0.0]))
    print(np.random.choice(8, 6, False, np.array([1, 2, 3, 4, 5, 6, 7, 8], dtype=np.float32) / 36))
    print(np.random.choice(np.arange(20), 10, replace=False, p=np.full(20, 0.05)))
    print(np.random.choice(3, (0,), p=[0.5, 0.5, 0.0]), np.random.randint(0, 3, 0, dtype=np.int8))
