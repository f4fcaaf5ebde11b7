# NumPy float formatting in arrays: trailing dots, padding, precision 8,
# scientific notation when the range is large or values tiny, inf/nan, -0.,
# float32; and scalar elements print as Python reprs
import numpy as np


def main():
    print(np.array([0.0, 1.5, 3.0]))
    print(np.array([1.0, 2.0, 3.0]))
    print(np.array([0.1, 0.25, 100.0]))
    print(np.array([1.0 / 3, 2.0 / 3]))
    print(np.array([1e-5, 1.0]))
    print(np.array([1e10, 1.0]))
    print(np.array([1e16, 2.0]))
    print(np.array([123456789.0, 0.5]))
    print(np.array([1e-10, 2e-10]))
    print(np.array([np.inf, -np.inf, np.nan, 1.0]))
    print(np.array([-0.0, 0.0, -1.5]))
    print(np.array([0.001, 0.0001]))
    print(np.array([12345.678, 0.001]))
    print(np.array([-1.25, 10.5, -100.125]))
    print(np.arange(5) / 7)
    print(np.array([1.5, np.nan]), np.array([np.inf]))
    print(np.array([0.1, 0.2, 0.3], dtype=np.float32) * 3)
    print(np.array([1e20, 1.0], dtype=np.float32))
    print(np.array([2.0 ** 60, 1.0]))
    m = np.array([[1.5, -22.25], [333.0, 0.0]])
    print(m)
    print(np.array([[1e-6, 1.0], [2.0, 3.0]]))
    x = np.arange(4) / 8
    print(x[1], x[3], x[1] + x[2], x[3] * 3)
    y = np.array([1e-5, 1e16, 123.456, 0.1])
    print(y[0], y[1], y[2], y[3])
    print(np.array([0.1]) + np.array([0.2]), (np.array([0.1]) + np.array([0.2]))[0])
    print(np.zeros(3), -np.zeros(2))
    print(np.array([5.0, 50.0, 500.0, 5000.0, 50000.0]))
    print(np.array([99999999.0, 0.5]))
    print(np.array([1.0, 1000000.0]), np.array([1.0, 10000000.0]))


main()
