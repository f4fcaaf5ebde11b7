def f():
	if True:
        return 1

print(f())
