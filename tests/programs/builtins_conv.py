# round, int, float, bool, abs, min, max on scalars
print(round(2.5), round(3.5), round(-2.5), round(0.5), round(1.5), round(-0.4))
print(round(2.675), round(7), round(-7))
print(round(3.14159, 2), round(2.5, 0), round(-1.25, 1), round(1234.5678, 1))
print(int(3.99), int(-3.99), int(0.5), int(-0.5), int(7), int(True), int(False))
print(float(3), float(-7), float(True), float(2.5))
print(bool(0), bool(1), bool(-3), bool(0.0), bool(-0.0), bool(0.1), bool(True))
print(abs(-3), abs(3), abs(-2.5), abs(0), abs(-0.0), abs(-9223372036854775807))
print(min(3, 1, 2), max(3, 1, 2), min(-1, -5), max(-1, -5))
print(min(2.5, -1.0), max(2.5, -1.0), min(0.1, 0.2, 0.05), max(1e10, 1e-10))
print(min(7, 7), max(4, 9, 2, 11, 3))


def clamp(x, lo, hi):
    return max(lo, min(x, hi))


print(clamp(5, 0, 10), clamp(-5, 0, 10), clamp(50, 0, 10))
print(clamp(0.5, 0.0, 1.0), clamp(1.5, 0.0, 1.0))
n = int(2.0 ** 40)
print(n, n + 1)
f = float(n)
print(f)
print(int(1e18), int(-1e18))
print(round(1e15 + 0.5), round(123.456))
