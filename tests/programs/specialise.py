# one function called at several argument types gets one specialisation each
def add(a, b):
    return a + b


def twice(x):
    return x + x


def describe(x):
    if x > 0:
        print("positive", x)
    else:
        print("not positive", x)
    return x * 2


def halve(x):
    return x / 2


def scale(x, k):
    y = x
    y = y * k
    return y


print(add(1, 2), add(1.5, 2.25), add(1, 2.5), add(2.5, 1))
print(twice(21), twice(0.25), twice(-3))
print(describe(3), describe(-2.5), describe(0))
print(halve(7), halve(7.0), halve(-1))
print(scale(3, 4), scale(3, 0.5), scale(0.5, 3))
print(add(1, 2) + add(0.5, 0.5))
