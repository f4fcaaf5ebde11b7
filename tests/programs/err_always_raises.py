# a function that never returns normally (it always raises), called as a statement
def fail(code):
    print("failing with code", code)
    raise RuntimeError("always fails")


def check(n):
    if n < 0:
        raise ValueError("negative")
    print("checked", n)


check(3)
print("before")
fail(7)
print("not reached")
