# bools are ints in arithmetic (Python semantics for scalars)
def add(a, b):
    return a + b


def count_true(a, b, c):
    return a + b + c


print(add(True, 2), add(True, True), add(False, 0.5))
print(count_true(True, False, True), count_true(1 > 0, 2 > 3, 5 == 5))
print(True * 3, -True, ~False, True & False, True | False, True ^ True)
print(True == 1, False == 0, True + 0.5, True / 2)
t = 3 > 2
n = 0
for i in range(10):
    n += i % 3 == 0
print(t, n)
