s = 'í €'
print(s)
