# a name assigned only inside a while loop whose body never ran
def last_square(n):
    k = 0
    while k < n:
        sq = k * k
        k += 1
    return sq


print(last_square(3))
print(last_square(0))
