# raise ValueError from a nested call; the traceback unwinds three frames
def check(x):
    if x < 0:
        raise ValueError("negative input not allowed")
    return x * 2


def middle(x):
    y = check(x) + 1
    return y


def outer(a, b):
    return middle(a) + middle(b)


print(outer(1, 2))
print(outer(3, -4))
print("not reached")
