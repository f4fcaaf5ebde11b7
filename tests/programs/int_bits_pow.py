# **, bitwise operators, shifts and int64-sized values (no overflow)
def bits(a, b):
    print(a & b, a | b, a ^ b, ~a, ~b)


bits(12, 10)
bits(-12, 10)
bits(0, -1)
bits(255, 15)
bits(-9223372036854775807 - 1, 9223372036854775807)
print(1 << 0, 1 << 10, 1 << 62, 3 << 20)
print(1024 >> 3, -1024 >> 3, -1 >> 10, -7 >> 1, 7 >> 1, 5 >> 63)
print(2 ** 10, 3 ** 0, (-2) ** 3, (-2) ** 4, 10 ** 18, 2 ** 62)
print(0 ** 0, 1 ** 100, 7 ** 2 ** 2)
print(2.0 ** 10, 2 ** 0.5, 2.0 ** -1, 4.0 ** 0.5, (-8.0) ** 3)
print(9223372036854775807, -9223372036854775807 - 1)
print(3037000499 * 3037000499)
print(4611686018427387904 + 4611686018427387903)


def popcount(x):
    c = 0
    while x:
        c += x & 1
        x >>= 1
    return c


def ipow(base, e):
    r = 1
    while e > 0:
        if e & 1:
            r *= base
        base *= base
        e >>= 1
    return r


print(popcount(0), popcount(1), popcount(255), popcount(9223372036854775807))
print(ipow(3, 13), 3 ** 13, ipow(7, 0), ipow(-3, 5))
x = 0b1010
x |= 0b0101
print(x)
x &= 0b0110
print(x)
x ^= 0xff
print(x)
x <<= 4
print(x)
x >>= 2
print(x)
x **= 2
print(x)
print(-2 ** 2, (-2) ** 2, -(2 ** 2))
