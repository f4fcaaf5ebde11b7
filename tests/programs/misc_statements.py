# annotated assignment, elif chains, pass, expression statements, nested ifs
def classify(n: int) -> int:
    kind: int = 0
    if n < 0:
        kind = -1
    elif n == 0:
        pass
    elif n < 10:
        kind = 1
    elif n < 100:
        kind = 2
    else:
        kind = 3
    return kind


def nested_if(a, b):
    if a > 0:
        if b > 0:
            return 1
        else:
            if b == 0:
                return 2
            return 3
    elif a == 0:
        return 4
    return 5


def side(x):
    print("side effect", x)
    return x


total: float = 0.0
t = (-5, 0, 7, 42, 1000)
print(t[0], classify(t[0]))
print(t[1], classify(t[1]))
print(t[2], classify(t[2]))
print(t[-2], classify(t[-2]))
print(t[-1], classify(t[-1]))
for a in range(-1, 2):
    for b in range(-1, 2):
        print(nested_if(a, b), end=" ")
print()
side(3)
side(1.5) + 1.0
classify(5)
x = -(-3)
y = ~-1
z = not -1
print(x, y, z, -x, +x, - - x)
i = 10
while i > 0:
    i -= 3
else:
    print("while-else i =", i)
