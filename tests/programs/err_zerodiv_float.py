# float division by zero raises ZeroDivisionError
def inverse(x):
    return 1.0 / x


for i in range(3, -1, -1):
    print(inverse(i * 0.5))
