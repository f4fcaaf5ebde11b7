# tuples: return several values, unpack, swap, index by constant, print
def divmod_(a, b):
    return a // b, a % b


def minmax(a, b, c):
    lo = min(a, b, c)
    hi = max(a, b, c)
    return (lo, hi)


def stats(x, y):
    return x + y, x * y, x - y, x / y


q, r = divmod_(17, 5)
print(q, r)
print(divmod_(-17, 5))
lo, hi = minmax(3, -1, 2)
print(lo, hi)
t = stats(6.0, 4.0)
print(t)
print(t[0], t[1], t[-1], t[-2])
a, b, c, d = t
print(d, c, b, a)
x = 1
y = 2
x, y = y, x
print(x, y)
x, y = x + y, x * y
print(x, y)
p = (1, 2.5, True)
print(p)
print((1,), (1, 2), ((1, 2), (3, (4, 5))))
print(("a", 1), ("x", "y"), (1, "two", 3.0, False))
n = ((1, 2), 3)
print(n[0][1], n[1])


def fib_pair(n):
    a, b = 0, 1
    for i in range(n):
        a, b = b, a + b
    return a, b


print(fib_pair(10), fib_pair(50))


def rotate(t3):
    a, b, c = t3
    return b, c, a


print(rotate((1, 2, 3)), rotate(rotate((1.5, 2.5, 3.5))))
print((-0.0, 1e-05, float("inf")))
