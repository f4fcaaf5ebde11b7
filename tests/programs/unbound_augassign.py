# augmented assignment to a local that has no value yet
def accumulate(n):
    for i in range(n):
        s += i
    return s


print("start")
print(accumulate(3))
