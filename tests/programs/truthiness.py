# truth values of ints, floats and bools in if/while/not
def digits(n):
    c = 0
    while n:
        n //= 10
        c += 1
    return c


def halvings(x):
    c = 0
    while x:
        x = x * 0.5
        c += 1
        if c > 2000:
            break
    return c


def truthy(x):
    if x:
        return 1
    return 0


print(digits(0), digits(7), digits(12345), digits(9223372036854775807))
print(halvings(1.0), halvings(0.0))
print(truthy(0), truthy(-1), truthy(0.0), truthy(-0.0), truthy(1e-300), truthy(True), truthy(False))
print(truthy(float("nan")), truthy(float("inf")))
print(not 0, not 1, not 0.0, not 2.5, not not 3)
x = 3
while x:
    print("x", x)
    x -= 1
if not x:
    print("x is zero")
y = 0.0
if y:
    print("never")
elif not y:
    print("y is zero")
else:
    print("never either")
