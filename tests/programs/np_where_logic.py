# comparisons and logical ops produce bool arrays; np.where with arrays and
# scalars; np.logical_*; bool arrays in arithmetic and reductions
import numpy as np


def main():
    a = np.arange(8)
    gt = a > 3
    print(gt, gt.dtype)
    print(a == 2, a != 2, a <= 1, a >= 6, a < 0)
    f = np.array([0.5, -1.0, 2.0, 0.0])
    print(f > 0, f == 0.0)
    both = (a > 1) & (a < 6)
    either = (a < 2) | (a > 6)
    print(both, either, ~both)
    print((a > 1) ^ (a > 4))
    print(np.logical_and(a > 1, a < 6), np.logical_or(a < 1, a > 6))
    print(np.logical_not(a > 3))
    print(np.where(a > 3, a, -a))
    print(np.where(a % 2 == 0, a * 10, 0))
    print(np.where(gt, 1.5, 0.0), np.where(gt, 1.5, 0.0).dtype)
    print(np.where(gt, a, 0.5).dtype, np.where(gt, 1, 0).dtype)
    i8 = np.arange(4, dtype=np.int8)
    print(np.where(i8 > 1, i8, 0).dtype)
    print(gt.sum(), np.sum(both), (a > 100).sum())
    print(gt * 2, (gt + gt).dtype, gt + 1)
    m = np.arange(12).reshape(3, 4)
    mm = m % 3 == 0
    print(mm)
    print(np.where(mm, m, 0))
    print(np.where(m > 5, m, np.arange(4)))
    print(m[1] > m[0], m[:, 2] == np.array([2, 6, 10]))
    x = np.array([1.0, np.nan, 3.0, np.inf])
    print(x == x, x > 2.0, x != x)
    cmp = np.arange(5) == np.arange(5)[::-1]
    print(cmp)
    b = np.array([True, False, True])
    c = np.array([False, False, True])
    print(b & c, b | c, b ^ c, ~b, b == c)
    print(np.logical_and(b, c), np.logical_or(b, c))
    cnt = 0
    for i in range(len(gt)):
        if gt[i]:
            cnt += 1
    print(cnt)


main()
