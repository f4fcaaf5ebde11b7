# round(x, ndigits) on floats is correctly rounded, as in CPython
print(round(2.675, 2), round(0.285, 2), round(1.005, 2), round(0.1, 20), round(-0.0, 1))
print(round(123.456, -1), round(1234567.0, -3), round(25.0, -1), round(35.0, -1))
print(round(1.5e20, -19), round(1e22, -21), round(3.3e25, -24))
print(round(1e300, -299), round(7.77e100, -98), round(5e-324, 400))
print(round(1.23456789e-10, 12), round(9.995, 2), round(-9.995, 2), round(0.045, 2))
print(round(123456789.987654321, 5), round(0.5, 0), round(1.5, 0), round(-2.5, 0))
print(round(float("inf"), 2), round(float("nan"), 2), round(float("-inf"), -3))
# round(int, ndigits): ties to even at a power of ten, an int
print(round(1250, -2), round(1350, -2), round(-1250, -2), round(1251, -2), round(15, -1))
print(round(5, -1), round(-5, -1), round(123, 2), round(True, 1), round(-987654321, -4))
print(round(9223372036854775807, -30), round(7, 0), round(-15, -1), round(25, -1))


