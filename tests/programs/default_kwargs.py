# default and keyword arguments
def f(a, b=2, c=3.5):
    print("a", a, "b", b, "c", c)
    return a + b + c


def g(x, y=10, flag=False):
    if flag:
        return x - y
    return x + y


def h(first, second):
    return first * 10 + second


print(f(1))
print(f(1, 5))
print(f(1, 5, 0.5))
print(f(1, c=4.0))
print(f(b=7, a=1))
print(f(c=1.0, b=1, a=1))
print(g(1), g(1, 2), g(1, flag=True), g(1, 3, True), g(y=100, x=1, flag=True))
print(h(1, 2), h(second=1, first=2), h(3, second=4))


def annotated(n: int, scale: float = 2.0) -> float:
    return n * scale


print(annotated(3), annotated(3, 0.5), annotated(scale=-1.0, n=4))


def neg_default(x, d=-1, e=-0.5):
    return x * d + e


print(neg_default(2), neg_default(2, 3), neg_default(2, e=1.0))
