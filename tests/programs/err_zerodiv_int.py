# integer floor division by zero raises ZeroDivisionError (after some output)
def average_gap(total, count):
    return total // count


def report(total, count):
    print("total", total, "count", count)
    return average_gap(total, count)


print(report(10, 3))
print(report(10, 0))
print("not reached")
