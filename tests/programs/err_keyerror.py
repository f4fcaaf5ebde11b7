# raising a builtin exception by name with a message; CPython shows a KeyError's
# message as the repr of its argument
def lookup(k):
    if k > 2:
        raise KeyError("missing key")
    return k * 10


print(lookup(1))
print(lookup(5))
