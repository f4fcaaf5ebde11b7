# floats print as Python's repr (shortest round trip)
print(1.0, 0.1, 0.5, 2.5, 100.0, -3.25)
print(0.1 + 0.2, 1.0 / 3.0, 2.0 / 3.0, 10.0 / 3.0)
print(1e-05, 0.0001, 1e-4, 0.00012345)
print(1e16, 1e15, 123456789012345678.0, 1e22, 1e100)
print(1.5e300 * 1.0e5, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308)
print(0.0, -0.0, 0.0 * -1.0, -1.0 * 0.0)
print(float("inf"), float("-inf"), float("nan"))
inf = float("inf")
print(inf - inf, inf * 0.0, -inf, inf + 1.0, 1.0 / inf, -1.0 / inf)
print(1e300 * 1e300, -1e300 * 1e300)
print(float(2 ** 53), float(2 ** 53 + 1), 9007199254740993.0)
print(3.0 * 1.1, 1.1 * 1.1, 0.1 * 3)
print(1.23456789012345678, 12345.678901234567, 0.000123456789)
print(100000000000000000.0, 1234567890123456.7)
print(.5, 5., 1_000.5, 1e3, 1E3, 2.5e-3)
x = 1.0
for i in range(8):
    x /= 10.0
    print(x, end=" ")
print()
y = 1.0
for i in range(8):
    y *= 37.5
    print(y, end=" ")
print()
print(inf > 1e308, -inf < -1e308, float("nan") == float("nan"), float("nan") != float("nan"))
