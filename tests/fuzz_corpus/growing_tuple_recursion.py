def report(total, count):
    return report(((((((((total, 1), 1), 1), 1), 1), 1), 1), 1), count)

print(report(10, 3))
