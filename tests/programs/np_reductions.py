# reductions without axis, as functions and methods: sum prod min max mean
# argmin argmax over ints, floats, bools, views
import numpy as np


def main():
    a = np.array([3, -1, 4, 1, -5, 9, 2, 6])
    print(np.sum(a), a.sum(), np.prod(a), a.prod())
    print(np.min(a), a.min(), np.max(a), a.max())
    print(np.mean(a), a.mean())
    print(np.argmin(a), a.argmin(), np.argmax(a), a.argmax())
    f = np.array([0.5, 2.25, -1.5, 8.0, 2.25])
    print(np.sum(f), f.prod(), f.min(), f.max(), f.mean())
    print(f.argmax(), np.argmin(f))
    d = np.array([4, 9, 9, 1, 1])
    print(d.argmax(), d.argmin())
    b = np.array([True, False, True, True])
    print(b.sum(), np.max(b), np.min(b))
    # the dtype of a NumPy scalar s shows as (b0 + s).dtype
    b0 = np.zeros(1, dtype=np.bool_)
    i32 = np.arange(1, 6, dtype=np.int32)
    print(i32.sum(), (b0 + i32.sum()).dtype, i32.prod(), (b0 + i32.max()).dtype)
    u8 = np.full(300, 200, dtype=np.uint8)
    print(u8.sum(), (b0 + u8.sum()).dtype, u8.max(), (b0 + u8.max()).dtype)
    i8 = np.array([-100, -100, -100], dtype=np.int8)
    print(i8.sum(), (b0 + i8.sum()).dtype, i8.min())
    f32 = np.array([0.5, 1.5, 2.0], dtype=np.float32)
    print(f32.sum(), (b0 + f32.sum()).dtype, f32.mean(), (b0 + f32.mean()).dtype)
    m = np.arange(12).reshape(3, 4)
    print(m.sum(), np.prod(m[:, 1]), m.max(), m.argmax(), m.mean())
    v = m[::2, 1::2]
    print(v.sum(), v.min(), v.argmin(), v.argmax())
    r = np.arange(10)[::-1]
    print(r.argmin(), r.argmax(), r[2:7].sum())
    x = np.linspace(0, 1, 11)
    print(round(x.sum(), 10), round(x.mean(), 10))
    s = a.sum() + 1
    print(s, a.max() - a.min())
    big = np.arange(1, 21)
    print(big.prod())
    one = np.array([42])
    print(one.sum(), one.argmax(), one.mean())
    print(np.sum(np.array([1.5, 2.5]) * 2))


main()
