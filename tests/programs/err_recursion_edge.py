# the default recursion limit is 1000 frames, as in CPython: 998 nested calls
# below <module> still work, 999 raise RecursionError
def depth(n):
    if n == 0:
        return 0
    return 1 + depth(n - 1)


print(depth(998))
print(depth(999))
