# a module constant is read by functions that do not assign it; a function
# that assigns the name anywhere makes it local, so reading it first raises
SCALE = 10


def scaled(x):
    return x * SCALE


def rescaled(x):
    y = x * SCALE
    SCALE = 2
    return y * SCALE


print(scaled(4))
print(rescaled(4))
