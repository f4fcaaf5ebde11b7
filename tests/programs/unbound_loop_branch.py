# a name assigned in one branch of a loop body and read on later iterations
def carry(n, start):
    for i in range(n):
        if i % 2 == start:
            prev = i * 10
        else:
            print("reading prev at", i)
            print(prev)
    return prev


print(carry(4, 0))
print(carry(4, 1))
