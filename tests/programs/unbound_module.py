# module code reads a name that was assigned only on a path not taken:
# NameError, as for any global
limit = 3
for k in range(limit):
    if k > 1:
        late = k
print(late)
if limit > 5:
    never = 1
print("before")
print(never)
