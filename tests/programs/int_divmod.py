# floor division and modulo follow Python: the quotient rounds toward -inf
def dm(a, b):
    print(a, b, a // b, a % b, (a // b) * b + a % b == a)


dm(7, 2)
dm(-7, 2)
dm(7, -2)
dm(-7, -2)
dm(0, 5)
dm(0, -5)
dm(1, 1)
dm(-1, 3)
dm(6, -3)
dm(-6, 3)
dm(123456789012, 1000)
dm(-123456789012, 1000)
dm(9223372036854775807, 2)
dm(-9223372036854775807, 10)
dm(-9223372036854775807 - 1, 7)
print(7 / 2, -7 / 2, 1 / 3, 6 / 3, -6 / 4)


def fdm(a, b):
    print(a, b, a // b, a % b)


fdm(7.5, 2.0)
fdm(-7.5, 2.0)
fdm(7.5, -2.0)
fdm(-7.5, -2.0)
fdm(-7.0, 7.0)
fdm(7.0, -7.0)
fdm(5.0, 0.5)
fdm(1e300, 3.0)
fdm(7, 2.5)
fdm(-7, 2.5)
x = 100
x //= -7
print(x)
x %= 5
print(x)
