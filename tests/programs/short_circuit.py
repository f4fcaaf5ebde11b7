# and/or short-circuit and return one of their operands
def t(x):
    print("t", x)
    return x


print(0 or 5, 3 or 5, 0 and 5, 3 and 5, 0 or 0, 2 and 0)
print(0.0 or 2.5, 1.5 or 2.5, 0.0 and 2.5, 1.5 and 2.5)
print(True and False, True or False, False or False, not True, not 0, not 3.0)
print(t(0) or t(7))
print(t(1) or t(7))
print(t(0) and t(7))
print(t(2) and t(7))
print(t(0) or t(0) or t(9))
print(t(1) and t(2) and t(0) and t(4))
x = 4
y = x > 3 and x < 10
z = x < 3 or x > 10
print(y, z)


def safe_div(a, b):
    return b != 0 and a // b > 1


print(safe_div(10, 0), safe_div(10, 3), safe_div(10, 7))
if x and not z:
    print("x truthy, z falsy")
n = 0
if n or t(3) > 2:
    print("second operand decided")
