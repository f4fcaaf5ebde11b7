# the `if __name__ == "__main__":` idiom
def collatz_len(n):
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n //= 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def longest(limit):
    best = 0
    best_n = 0
    for n in range(1, limit):
        s = collatz_len(n)
        if s > best:
            best = s
            best_n = n
    return best_n, best


def main():
    print("collatz 27:", collatz_len(27))
    print("longest below 1000:", longest(1000))


print("before main")
if __name__ == "__main__":
    main()
else:
    print("imported")
if __name__ != "__main__":
    print("never")
print("after main")
