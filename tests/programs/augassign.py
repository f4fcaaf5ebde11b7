# augmented assignment with every arithmetic and bitwise operator
def ints(x):
    x += 5
    print(x)
    x -= 2
    print(x)
    x *= 7
    print(x)
    x //= 3
    print(x)
    x %= 10
    print(x)
    x **= 3
    print(x)
    x <<= 2
    print(x)
    x >>= 1
    print(x)
    x &= 0b111100
    print(x)
    x |= 1
    print(x)
    x ^= 0b1010
    print(x)
    return x


def floats(y):
    y += 0.5
    y -= 0.25
    y *= 4.0
    y /= 3.0
    y //= 0.5
    y %= 1.5
    y **= 2.0
    return y


def int_to_true_div(n):
    n /= 4
    return n


print(ints(1))
print(ints(-9))
print(floats(10.0), floats(-3.5))
print(int_to_true_div(10), int_to_true_div(8))
acc = 0
for i in range(1, 6):
    acc += i * i
print(acc)
