# small integer dtypes wrap around on overflow, in arithmetic, in element
# stores and in astype
import numpy as np


def main():
    i8 = np.array([100, 120, -128, 127], dtype=np.int8)
    print(i8 + 10, (i8 + 10).dtype)
    print(i8 * 2)
    print(-i8)
    u8 = np.array([0, 1, 200, 255], dtype=np.uint8)
    print(u8 + 100, u8 - 1)
    print(u8 * 3, (u8 * 3).dtype)
    i16 = np.arange(5, dtype=np.int16) * 10000
    print(i16, i16.dtype)
    u16 = np.array([0, 65535], dtype=np.uint16)
    print(u16 + 1)
    i32 = np.array([2147483647, -2147483648], dtype=np.int32)
    print(i32 + 1, i32 - 1)
    u32 = np.array([0, 4294967295], dtype=np.uint32)
    print(u32 + 1, (u32 + 1).dtype)
    big = np.array([9223372036854775807], dtype=np.int64)
    print(big + 1)
    u64 = np.array([0, 5], dtype=np.uint64)
    print(u64 - 1, (u64 - 1).dtype)
    a = np.zeros(4, dtype=np.uint8)
    for i in range(4):
        a[i] = i * 60 + 75
    print(a)
    s = np.zeros(3, dtype=np.int8)
    s[0] = 127
    s[0] += 1
    s[1] = 64
    s[1] *= 4
    s[2] = -100
    s[2] -= 100
    print(s)
    acc = np.zeros(1, dtype=np.uint8)
    for i in range(300):
        acc[0] += 1
    print(acc, acc[0])
    w = np.arange(250, 260).astype(np.uint8)
    print(w)
    x = np.array([-1, 256, 1000, -129]).astype(np.int8)
    print(x)
    y = np.array([-1, 70000]).astype(np.uint16)
    print(y)
    print(i8[3] + i8[3], u8[3] + u8[3])
    print(np.sum(u8), (np.zeros(1, dtype=np.bool_) + np.sum(u8)).dtype)


main()
