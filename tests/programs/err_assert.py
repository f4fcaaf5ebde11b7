# a failing assert with a message
def safe_sqrt_guess(x):
    assert x >= 0.0, "x must be non-negative"
    return x ** 0.5


assert 1 + 1 == 2
assert True, "never shown"
print(safe_sqrt_guess(16.0))
print(safe_sqrt_guess(-1.0))
