# NumPy's str of big arrays: more than 1000 elements are summarised with
# "..." (3 items at each edge), 1-D lines wrap at 75 characters, 2-D
# summaries elide rows and columns
import numpy as np


def main():
    a = np.arange(1000)
    print(a[:40])
    print(np.arange(1001))
    print(np.arange(2000) * 2)
    f = np.linspace(0, 1, 2001)
    print(f)
    m = np.arange(2000).reshape(40, 50)
    print(m)
    g = np.arange(1500.0).reshape(3, 500) / 4
    print(g)
    t = np.zeros((20, 10, 10), dtype=np.int8)
    t[19, 9, 9] = 7
    print(t)
    b = np.arange(1200) % 3 == 0
    print(b)
    w = np.arange(30) * 1000003
    print(w)
    n = np.arange(60) - 30
    print(n)
    small = np.arange(1000).reshape(10, 100)
    print(small[0])
    print(small[:, :3])


main()
