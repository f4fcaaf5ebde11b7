def f():
    return y

print(f())
