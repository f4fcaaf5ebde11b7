# np.histogram: counts and edges as NumPy computes them, values on edges included
import numpy as np


def show(t):
    print(t[0], t[1])


def main():
    a = np.array([0.5, 1.5, 1.5, 2.0, 3.7, 4.0, -1.0])
    show(np.histogram(a))
    show(np.histogram(a, 4, (0, 4)))
    show(np.histogram(a, bins=3, range=(0.5, 3.5)))
    show(np.histogram(np.arange(10), 3))
    show(np.histogram(np.full(4, 7), 2))
    x = np.linspace(0.0, 1.0, 101)
    show(np.histogram(x, 10))
    show(np.histogram(x.astype(np.float32), 10))
    show(np.histogram(x.astype(np.float32), 7, (0.1, 0.9)))
    show(np.histogram(x, np.array([0.0, 0.25, 0.5, 1.0])))
    show(np.histogram(np.arange(10), np.array([0, 2, 2, 9])))
    show(np.histogram(np.array([1.0, np.nan, 2.0]), 2, (0, 3)))
    show(np.histogram(np.zeros(0), 3))
    show(np.histogram(np.zeros(0, dtype=np.float32), 3))
    show(np.histogram(np.arange(12).reshape(3, 4).astype(np.int8), 5))

    # values on and near the edges, several dtypes and ranges
    show(np.histogram(((np.arange(83) * 20 % 26) / 2.5).astype(np.float64), 3, (-0.172, 5.146)))
    show(np.histogram((np.arange(55) * 5 % 6).astype(np.int16), 3, (0.755, 5.187)))
    show(np.histogram((np.arange(32) * 29 % 41).astype(np.uint8), 2))
    show(np.histogram(((np.arange(75) * 54 % 10) / 0.3).astype(np.float64), 19, (2.081, 9.687)))
    show(np.histogram(((np.arange(147) * 82 % 13) / 7).astype(np.float64), 18, (-1.702, 10.620)))
    show(np.histogram((np.arange(137) * 55 % 50).astype(np.int16), 19, (-0.501, 32.392)))
    show(np.histogram((np.arange(200) * 32 % 6).astype(np.int64), 17))
    show(np.histogram((np.arange(31) * 66 % 27).astype(np.int64), 5, (-1.804, 27.724)))
    show(np.histogram((np.arange(147) * 41 % 22).astype(np.int64), 20))
    show(np.histogram(((np.arange(70) * 61 % 45) / 2.5).astype(np.float64), 2, (1, 47)))
    show(np.histogram((np.arange(73) * 92 % 25).astype(np.int64), 1))
    show(np.histogram(((np.arange(56) * 37 % 9) / 2.5).astype(np.float32), 13, (-1.597, 19.620)))
    show(np.histogram((np.arange(72) * 18 % 28).astype(np.int64), 23))
    show(np.histogram(((np.arange(39) * 11 % 12) / 3).astype(np.float32), 22, (0, 6)))
    show(np.histogram((np.arange(73) * 1 % 10).astype(np.uint8), 12, (1.452, 22.073)))
    show(np.histogram((np.arange(168) * 87 % 48).astype(np.int16), 29, (5, 31)))
    show(np.histogram(((np.arange(163) * 52 % 4) / 3).astype(np.float64), 7))
    show(np.histogram(((np.arange(1) * 73 % 10) / 0.3).astype(np.float64), 12))
    show(np.histogram((np.arange(163) * 33 % 23).astype(np.int64), 16, (-2, 13)))
    show(np.histogram(((np.arange(123) * 62 % 20) / 1).astype(np.float32), 4))
    show(np.histogram((np.arange(133) * 3 % 14).astype(np.int64), 5, (1.791, 14.029)))
    show(np.histogram((np.arange(24) * 90 % 17).astype(np.int64), 30, (1.860, 22.706)))
    show(np.histogram(((np.arange(85) * 82 % 15) / 0.3).astype(np.float32), 26))
    show(np.histogram(((np.arange(133) * 64 % 23) / 2.5).astype(np.float64), 1, (1, 36)))
    show(np.histogram(((np.arange(115) * 93 % 23) / 7).astype(np.float64), 8, (-2, 20)))


main()
