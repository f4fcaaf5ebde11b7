# for/while with else and break: names assigned on some exits only
def find(limit, target):
    for i in range(limit):
        if i * i == target:
            found = i
            break
    else:
        print("not found below", limit)
    return found


def search(n):
    i = 0
    while i < n:
        i += 1
        if i % 7 == 0:
            hit = i
            break
    else:
        hit = -1
    return hit


def skip_odd(n):
    t = 0
    for i in range(n):
        if i % 2 == 1:
            continue
        half = i // 2
        t += half
    return t


print(search(20), search(3))
print(skip_odd(10))
print(find(10, 49))
print(find(5, 49))
