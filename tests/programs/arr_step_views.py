# slices with steps (positive and negative) are views: writes through them
# are visible in the base and in other views
import numpy as np


def main():
    a = np.arange(12)
    ev = a[::2]
    od = a[1::2]
    print(ev, od)
    ev[1] = 100
    od[0] = -1
    print(a)
    r = a[::-1]
    print(r)
    r[0] = 50
    print(a[11], a)
    s = a[10:2:-3]
    print(s, len(s))
    s[1] = 7
    print(a)
    vv = ev[1::2]
    print(vv)
    vv[0] = 0
    print(a[2], ev[1])
    ev += 1000
    print(a)
    od *= 2
    print(a)
    sub = a[2:9]
    sub2 = sub[::3]
    sub2[2] = 42
    print(sub2, a[8])
    e = a[5:5]
    print(e, len(e), e.shape)
    big = a[3:100]
    print(big.shape)
    neg = a[-4::-4]
    print(neg)
    m = np.arange(20).reshape(4, 5)
    w = m[::2, ::2]
    print(w)
    w[1, 1] = -9
    print(m)
    rr = m[::-1, 1:4]
    print(rr)
    rr[0, 0] = 0
    print(m[3])


main()
