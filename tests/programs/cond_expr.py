# conditional expressions
def sign(x):
    return 1 if x > 0 else (-1 if x < 0 else 0)


def fsign(x):
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0


def noisy(x):
    print("noisy", x)
    return x


print(sign(5), sign(-5), sign(0))
print(fsign(2.5), fsign(-0.1), fsign(0.0))
for i in range(-2, 3):
    print(i, 1 if i > 0 else 0, abs(i) if i % 2 == 0 else -abs(i))
print(noisy(1) if True else noisy(2))
print(noisy(1) if False else noisy(2))
a = 3
b = 7
m = a if a > b else b
print(m)
print((a, b) if a < b else (b, a))
