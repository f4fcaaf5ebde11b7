# chained comparisons evaluate each operand at most once, and stop early
def v(x):
    print("eval", x)
    return x


print(v(1) < v(2) < v(3))
print(v(3) < v(2) < v(1))
print(v(1) < v(5) > v(2) >= v(2))
print(v(1) == v(1) != v(2))
print(v(2) <= v(1) <= v(3))
if v(0) < v(10) < v(20):
    print("in range")
x = 5
print(0 < x < 10, 0 < x < 3, 1 <= x <= 5, x == 5 == 5.0, 1 < 2 > 0 < 3)
print(1.5 < 2 < 2.5, 3 > 2 > 1 > 0 > -1, 3 > 2 > 2)


def between(lo, x, hi):
    return lo <= x < hi


print(between(0, 0, 1), between(0, 1, 1), between(0.0, 0.5, 1.0))
