# int/float mixing, promotion of a local assigned int and float
def mean3(a, b, c):
    return (a + b + c) / 3


def accumulate(n):
    total = 0
    for i in range(n):
        total += 0.5
    return total


def maybe_float(flag):
    x = 1
    if flag:
        x = 2.5
    return x


def compare(a, b):
    return a < b, a == b, a > b


print(mean3(1, 2, 3), mean3(1.0, 2, 4))
print(accumulate(5), accumulate(1))
print(maybe_float(True))
print(compare(1, 1.0), compare(2, 2.5), compare(3.5, 3))
print(1 + 2.0, 3 * 0.5, 7 - 0.5, 2 ** 0.5 * 2 ** 0.5)
print(10 // 4.0, 10 % 4.0, -10 // 4.0, -10 % 4.0)
