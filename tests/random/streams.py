# Draws that tests/random_streams.rs runs in Kiln and in CPython + NumPy,
# comparing digests of the streams. Each function seeds, then returns an
# array of n draws (float64 or int64).
import numpy as np
import random


def np_random(seed, n):
    np.random.seed(seed)
    return np.random.random(n)


def np_rand_scalar(seed, n):
    np.random.seed(seed)
    out = np.empty(n)
    for i in range(n):
        out[i] = np.random.rand()
    return out


def np_randn(seed, n):
    np.random.seed(seed)
    return np.random.randn(n)


def np_gauss_interleaved(seed, n):
    # the spare Gaussian survives the uniform draws between Gaussians
    np.random.seed(seed)
    out = np.empty(n)
    for i in range(n):
        if i % 3 == 2:
            out[i] = np.random.random()
        else:
            out[i] = np.random.standard_normal()
    return out


def np_normal(seed, n):
    np.random.seed(seed)
    return np.random.normal(2.5, 3.0, size=n)


def np_uniform(seed, n):
    np.random.seed(seed)
    return np.random.uniform(-4.0, 9.0, n)


def np_randint32(seed, n):
    np.random.seed(seed)
    return np.random.randint(-7, 1000, size=n)


def np_randint64(seed, n):
    np.random.seed(seed)
    return np.random.randint(-3, 2**40 + 7, size=n)


def np_randint_scalar(seed, n):
    np.random.seed(seed)
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = np.random.randint(i % 1000 + 1)
    return out


def np_choice(seed, n):
    np.random.seed(seed)
    return np.random.choice(3000, n)


def np_choice_array(seed, n):
    np.random.seed(seed)
    return np.random.choice(np.arange(50) * 0.5, n)


def np_choice_unique(seed, n):
    np.random.seed(seed)
    return np.random.choice(n + 17, n, replace=False)


def np_randint_int8(seed, n):
    # 8-bit draws share 32-bit words, four to a word
    np.random.seed(seed)
    return np.random.randint(-100, 27, size=n, dtype=np.int8).astype(np.int64)


def np_randint_uint8_full(seed, n):
    np.random.seed(seed)
    return np.random.randint(0, 256, n, dtype=np.uint8).astype(np.int64)


def np_randint_uint16(seed, n):
    np.random.seed(seed)
    return np.random.randint(3, 40000, n, dtype=np.uint16).astype(np.int64)


def np_randint_int16_scalar(seed, n):
    # one word per scalar draw: the buffer lives for one call
    np.random.seed(seed)
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = np.random.randint(-9, i % 500 + 2, dtype=np.int16)
    return out


def np_randint_bool(seed, n):
    np.random.seed(seed)
    return np.random.randint(0, 2, n, dtype=np.bool_).astype(np.int64)


def np_randint_int32(seed, n):
    np.random.seed(seed)
    return np.random.randint(-5, 2**31 - 1, n, dtype=np.int32).astype(np.int64)


def np_randint_uint32_full(seed, n):
    np.random.seed(seed)
    return np.random.randint(0, 2**32, n, dtype=np.uint32).astype(np.int64)


def np_choice_p(seed, n):
    np.random.seed(seed)
    w = np.arange(50) + 1.0
    return np.random.choice(50, n, p=w / w.sum())


def np_choice_p_float32(seed, n):
    np.random.seed(seed)
    w = np.arange(1, 21, dtype=np.float32)
    return np.random.choice(np.arange(20) * 0.25, n, p=w / w.sum())


def np_choice_p_unique(seed, n):
    np.random.seed(seed)
    w = np.linspace(1.0, 2.0, n + 17)
    return np.random.choice(n + 17, n, replace=False, p=w / w.sum())


def np_permutation(seed, n):
    np.random.seed(seed)
    return np.random.permutation(n)


def np_shuffle(seed, n):
    np.random.seed(seed)
    a = np.arange(n) * 3
    np.random.shuffle(a)
    return a


def py_random(seed, n):
    random.seed(seed)
    out = np.empty(n)
    for i in range(n):
        out[i] = random.random()
    return out


def py_uniform(seed, n):
    random.seed(seed)
    out = np.empty(n)
    for i in range(n):
        out[i] = random.uniform(-2, 7.5)
    return out


def py_randint(seed, n):
    random.seed(seed)
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = random.randint(-3, i * 1000003 + 2**33)
    return out


def py_randrange(seed, n):
    random.seed(seed)
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = random.randrange(i % 97 + 1)
    return out


def py_gauss(seed, n):
    random.seed(seed)
    out = np.empty(n)
    for i in range(n):
        out[i] = random.gauss(1.5, 2.0)
    return out


def py_shuffle(seed, n):
    random.seed(seed)
    a = np.arange(n) * 7
    random.shuffle(a)
    return a
