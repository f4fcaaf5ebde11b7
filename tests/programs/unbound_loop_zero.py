# a loop variable read after a loop that ran zero times is unbound, as in
# CPython
def last_index(n):
    for i in range(n):
        pass
    return i


def last_square(n):
    k = 0
    while k < n:
        sq = k * k
        k += 1
    return sq


print(last_index(5), last_index(1))
print(last_square(4), last_square(1))
print(last_index(0))
