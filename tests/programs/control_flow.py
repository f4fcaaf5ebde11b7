# while/else, for/else, break/continue, nested loops, pass
def count_down(n):
    while n > 0:
        print("n =", n)
        n -= 1
    else:
        print("while finished normally")
    return n


def find_first_multiple(start, stop, k):
    i = start
    while i < stop:
        if i % k == 0:
            print("found", i)
            break
        i += 1
    else:
        print("no multiple of", k, "in", start, stop)
        return -1
    return i


def skip_odds(n):
    total = 0
    for i in range(n):
        if i % 2 == 1:
            continue
        total += i
    else:
        print("for-else runs after continue-only loop")
    return total


def nested(n):
    pairs = 0
    for i in range(n):
        for j in range(n):
            if j > i:
                break
            if (i + j) % 3 == 0:
                continue
            pairs += 1
        else:
            pass
    return pairs


def search_pair(target):
    for a in range(1, 20):
        for b in range(a, 20):
            if a * b == target:
                print("pair", a, b)
                break
        else:
            continue
        break
    else:
        print("no pair for", target)
        return False
    return True


count_down(3)
print(find_first_multiple(10, 20, 7))
print(find_first_multiple(10, 13, 7))
print(skip_odds(10))
print(nested(6))
print(search_pair(42))
print(search_pair(397))
k = 0
while True:
    k += 1
    if k < 5:
        continue
    if k >= 8:
        break
    print("k", k)
print("done", k)
