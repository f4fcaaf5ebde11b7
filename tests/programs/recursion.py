# direct recursion
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)


def gcd(a, b):
    if b == 0:
        return a
    return gcd(b, a % b)


def ackermann(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))


def power(x, n):
    if n == 0:
        return 1.0
    half = power(x, n // 2)
    if n % 2 == 0:
        return half * half
    return half * half * x


def hanoi(n, src, dst, via):
    if n == 0:
        return 0
    moves = hanoi(n - 1, src, via, dst)
    moves += 1
    moves += hanoi(n - 1, via, dst, src)
    return moves


def depth(n):
    if n == 0:
        return 0
    return 1 + depth(n - 1)


print(fib(20))
print(fact(20), fact(0), fact(1))
print(gcd(1071, 462), gcd(17, 5), gcd(0, 9))
print(ackermann(2, 3), ackermann(3, 3))
print(power(2.0, 10), power(1.5, 7), power(10.0, 0))
print(hanoi(10, 1, 3, 2))
print(depth(900))
for i in range(12):
    print(fib(i), end=" ")
print()
