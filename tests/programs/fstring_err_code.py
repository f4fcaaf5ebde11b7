# a format code the value's type does not have raises CPython's ValueError
def show(x):
    return f"[{x:5d}]"


print(show(42))
print(show(True))
print(show(4.5))
