# if/elif without else: the name is assigned on two paths of three
def sign_name(x):
    if x > 0:
        word = "positive"
        k = 1
    elif x < 0:
        word = "negative"
        k = -1
    print(word, k)
    return k


def always(x):
    if x > 0:
        k = 1
    elif x < 0:
        k = -1
    else:
        k = 0
    return k


print(always(5), always(-5), always(0))
print(sign_name(2.5))
print(sign_name(-1.0))
print(sign_name(0.0))
