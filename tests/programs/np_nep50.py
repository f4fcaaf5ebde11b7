# NEP 50 promotion: Python scalars are weak, NumPy scalars (elements,
# reduction results) are strong
import numpy as np


def main():
    i32 = np.arange(4, dtype=np.int32)
    print((i32 + 1).dtype, i32 + 1)
    print((i32 * 2).dtype, (i32 - 7).dtype, (i32 // 2).dtype, (i32 % 2).dtype)
    print((i32 + 1.5).dtype, i32 + 1.5)
    print((i32 / 2).dtype, i32 / 2)
    k = 3
    print((i32 * k).dtype, i32 * k)
    x = 0.5
    print((i32 * x).dtype)
    u8 = np.array([1, 200], dtype=np.uint8)
    i8 = np.array([-1, 100], dtype=np.int8)
    print((u8 + i8).dtype, u8 + i8)
    print((u8 + u8).dtype, u8 + u8)
    print((u8 * 2).dtype)
    i16 = np.array([1, 2], dtype=np.int16)
    print((i8 + i16).dtype, (u8 + i16).dtype, (i16 + i32[:2]).dtype)
    u16 = np.array([1, 2], dtype=np.uint16)
    print((u16 + i8).dtype, (u16 + i16).dtype)
    u32 = np.array([1, 2], dtype=np.uint32)
    print((u32 + i32[:2]).dtype, (u32 + i8).dtype)
    u64 = np.array([1, 2], dtype=np.uint64)
    print((u64 + np.array([3, 4])).dtype, u64 + np.array([3, 4]))
    f32 = np.ones(2, dtype=np.float32)
    print((f32 + i8).dtype, (f32 + i16).dtype, (f32 + i32[:2]).dtype)
    print((f32 + u8).dtype, (f32 + np.array([1, 2])).dtype)
    b = np.array([True, False])
    # the dtype of a NumPy scalar s shows as (b + s).dtype
    print((b + b).dtype, (b + 1).dtype, (b * 1.5).dtype, (b + i8).dtype)
    a64 = np.arange(4)
    s = a64[1]
    print((i32 + s).dtype, i32 + s)
    t = i32[2]
    print((u8 + t).dtype, (b + (t + 1)).dtype, (b + t * 1.5).dtype)
    r = np.sum(i16)
    print((b + r).dtype, (i8 + r).dtype)
    fs = f32[0]
    print((b + (fs + 1)).dtype, (b + (fs + 1.5)).dtype, (i32 + fs).dtype)
    fd = np.arange(3.0)[1]
    print((f32 + fd).dtype)
    e8 = i8[1]
    print(e8 + 1, (b + (e8 + 1)).dtype, (b + e8 * s).dtype)
    print((i32 > 1).dtype, (i32 == 2.0).dtype)


main()
