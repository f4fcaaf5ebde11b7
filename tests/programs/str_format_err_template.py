# a template read at run time names an argument the call does not have
def fill(template, a, b):
    return template.format(a, b)


print(fill("{} and {}", 1, 2.5))
print(fill("{1}/{0}", "x", "y"))
print(fill("{0} {2}", 3, 4))
