# mutual recursion, including functions defined after their first caller
def is_even(n):
    if n == 0:
        return True
    return is_odd(n - 1)


def is_odd(n):
    if n == 0:
        return False
    return is_even(n - 1)


def hof_f(n):
    if n == 0:
        return 1
    return n - hof_m(hof_f(n - 1))


def hof_m(n):
    if n == 0:
        return 0
    return n - hof_f(hof_m(n - 1))


def ping(n, acc):
    if n <= 0:
        return acc
    return pong(n - 1, acc + 1.5)


def pong(n, acc):
    if n <= 0:
        return acc
    return ping(n - 1, acc * 2.0)


print(is_even(10), is_odd(10), is_even(7), is_odd(7), is_even(0))
for i in range(15):
    print(hof_f(i), end=" ")
print()
for i in range(15):
    print(hof_m(i), end=" ")
print()
print(ping(10, 0.0), pong(5, 1.0))


def early(n):
    return later(n) + 1


def later(n):
    return n * 100


print(early(5))
