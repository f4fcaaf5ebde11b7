# integer modulo by zero
def wrap(i, n):
    return i % n


print(wrap(7, 3), wrap(-7, 3))
n = 3
while n >= 0:
    print(wrap(10, n))
    n -= 1
