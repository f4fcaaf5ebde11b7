# A float loop of 10**7 iterations (one multiply-add and one int-to-float product each).
def loop(n):
    x = 0.0
    for i in range(n):
        x = x * 0.999 + i * 0.5
    return x


print(loop(10000000))
