# range() with one, two and three arguments, negative and empty ranges
def show(a, b, c):
    s = 0
    n = 0
    for i in range(a, b, c):
        print(i, end=" ")
        s += i
        n += 1
    print("| count", n, "sum", s)


for i in range(5):
    print(i, end=",")
print()
for i in range(3, 8):
    print(i, end=",")
print()
show(0, 10, 3)
show(10, 0, -3)
show(10, -10, -7)
show(-5, 5, 2)
show(5, 5, 1)
show(5, 5, -1)
show(0, 10, -1)
show(10, 0, 1)
show(-1, -10, -1)
show(100, 0, -25)
for i in range(-3):
    print("never")
for i in range(2, -2, -1):
    for j in range(i, 3):
        print(i, j, sep=":", end=" ")
print()
# the loop variable keeps its last value after the loop
last = -1
for last in range(7, 1, -2):
    pass
print("last", last)
