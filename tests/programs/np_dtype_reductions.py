# dtype positionally and as a keyword in reductions, cumulative sums, linspace,
# eye and identity; axis positionally; var/std's ddof after axis, dtype, out.
import numpy as np

def main():
    a = np.arange(6).reshape(2, 3)
    print(np.sum(a, 0, np.float32), np.sum(a, dtype=np.int8).dtype, a.sum(dtype=np.float32))
    print(np.prod(a, 1, np.float64), a.mean(dtype=np.float32), np.mean(a, 0, np.float32))
    print(np.cumsum(a, 1, np.float32), a.cumsum(dtype=np.int32).dtype, np.cumprod(a, None, np.float64))
    print(np.linspace(0, 1, 5, True, False, np.float32))
    print(np.eye(3, 3, 0, np.int32), np.identity(2, np.uint8))
    print(np.full_like(a, 2.5, np.float32), np.asarray([1, 2], np.int16))
    print(np.arange(5, dtype=np.float32).astype(np.int8))
    print(np.array(3.5, np.float32), np.ones(3, 'int32'), np.zeros(2, dtype='float32').dtype)
    print(np.std(a), np.var(a, None, None, None, 1))
    print(np.max(a, 0), np.min(a, axis=1), np.argmax(a, 1))

main()


def more():
    b = np.arange(10, dtype=np.int8) * 20
    print(b.sum(), b.sum(dtype=np.int8), np.sum(b, None, np.int16), b.prod(dtype=np.uint8))
    print(np.linspace(0, 1, 4, endpoint=False), np.linspace(2, 3, 1, False), np.linspace(0, 10, 5, dtype=int))
    print(np.linspace(1.0, 2.0, 0, False), np.mean(b, dtype=np.float64), b.mean(0, np.float32))
    print(np.cumsum(b, dtype=np.int8), b.cumprod(0, np.float64)[-1])


more()
