# KeyError shows its message's repr, for a message made at run time too
def lookup(k):
    if k > 2:
        raise KeyError(f"key{k}")
    return k * 10


print(lookup(1))
print(lookup(3))
