# ufuncs as np.* functions and operators: sqrt exp log sin cos floor ceil
# minimum maximum fmin fmax abs negative power, on ints and floats
import numpy as np


def rnd(a, n):
    out = np.empty_like(a)
    for i in range(len(a)):
        out[i] = round(a[i], n)
    return out


def main():
    x = np.array([0.25, 1.0, 4.0, 9.0])
    print(np.sqrt(x), np.sqrt(np.arange(5)))
    print(np.exp(np.array([0.0, 1.0, -1.0])))
    print(np.log(np.array([1.0, np.e, 10.0])))
    print(np.log2(np.array([1.0, 8.0])), np.log10(np.array([100.0, 0.001])))
    t = np.array([0.0, np.pi / 6, np.pi / 2, np.pi])
    print(rnd(np.sin(t), 12), rnd(np.cos(t), 12))
    print(np.tan(np.array([0.0, np.pi / 4])))
    v = np.array([-2.5, -0.5, 0.5, 1.5, 2.0])
    print(np.floor(v), np.ceil(v))
    print(np.abs(v), abs(v), np.absolute(np.array([-3, 3])))
    print(np.negative(v), -v, np.negative(np.arange(3)))
    i = np.array([-3, 7, 0, -8])
    print(np.abs(i), abs(i).dtype, np.floor(i).dtype)
    a = np.array([1, 5, 3, 8])
    b = np.array([4, 2, 3, 9])
    print(np.minimum(a, b), np.maximum(a, b), np.minimum(a, 4))
    n = np.array([1.0, np.nan, 3.0, np.nan])
    m = np.array([np.nan, 2.0, 1.0, np.nan])
    print(np.minimum(n, m), np.maximum(n, m))
    print(np.fmin(n, m), np.fmax(n, m))
    print(np.power(a, 2), np.power(2.0, a), a ** 3, np.power(x, 0.5))
    print(a ** b)
    print(np.power(np.arange(4, dtype=np.int8), 3))
    print(np.add(a, b), np.subtract(a, b), np.multiply(a, b))
    print(np.true_divide(a, b), np.floor_divide(a, b), np.remainder(a, b))
    print(a // np.array([-2, 2, -2, 3]), a % np.array([-2, 2, -2, 3]))
    print(np.arctan(np.array([0.0, 1.0])), np.arctan2(np.array([1.0]), np.array([1.0])))
    print(rnd(np.sinh(np.array([0.0, 1.0])), 10), np.tanh(np.array([0.0])))
    print(np.sqrt(np.array([-1.0, 4.0])), np.log(np.array([0.0, 1.0])))
    z = np.array([1.0, -1.0, 0.0])
    print(z / 0.0, np.arange(3) // np.zeros(3, dtype=np.int64))
    print(np.exp(np.zeros(2, dtype=np.float32)), np.exp(np.zeros(2, dtype=np.float32)).dtype)
    y = np.maximum(np.sin(np.linspace(0, 3, 4)), 0.5)
    print(rnd(y, 6))
    print(np.sqrt(np.abs(np.negative(x))) * 2)


main()
