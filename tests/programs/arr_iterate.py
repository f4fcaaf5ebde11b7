# for x in arr over 1-D arrays (ints, floats, bools, views, reversed) and
# over the rows of a 2-D array (each loop variable keeps one type: a local
# assigned both ints and floats would be float64, a documented deviation)
import numpy as np


def total(a):
    s = 0
    for x in a:
        s += x
    return s


def main():
    a = np.array([5, 3, 8, 1])
    for x in a:
        print(x, end=" ")
    print()
    print(total(a), total(np.arange(10)[::2]), total(np.arange(5)[::-1]))
    f = np.linspace(0, 1, 5)
    for y in f:
        print(y)
    print(total(f))
    for b in a > 3:
        if b:
            print("big")
        else:
            print("small")
    for e in np.arange(4, dtype=np.int8):
        print(e * 100)
    cnt = 0
    for z in np.zeros(0):
        cnt += 1
    print(cnt)
    for x in a:
        if x == 8:
            break
        print("before", x)
    else:
        print("no break")
    m = np.arange(12).reshape(3, 4)
    for row in m:
        print(row, row.sum())
    for row in m:
        row[0] = -1
    print(m)
    for col in m.T:
        print(col)
    for i in range(m.shape[0]):
        r = m[i]
        for x in r:
            print(x, end=",")
    print()
    n = 0
    for x in a:
        a[n] = x * 2
        n += 1
    print(a)


main()
