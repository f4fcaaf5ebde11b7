# Floor division and modulo by powers of two (compiled to a shift and a
# mask) agree with Python's flooring for every sign.


def fdm(x):
    return x // 2, x % 2, x // 8, x % 8, x // 16384, x % 16384


for x in range(-20, 21):
    print(x, fdm(x))
print(fdm(16383), fdm(-16385), fdm(9223372036854775807))
m = -9223372036854775807 - 1
print(fdm(m))
print(fdm(True), 5 // 4 % 2)
