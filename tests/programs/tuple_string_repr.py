# strings inside printed tuples are shown with repr(): quotes chosen and
# special characters escaped as CPython does
print(("plain", "it's", 'say "hi"', "both ' and \""))
print(("tab\there", "new\nline", "back\\slash", "cr\r"))
print(("", " ", "é", "π ≈ 3.14"))
print(("\x01", "\x7f", "\u00a0", "\u200b"))
print((1, "one"), (("nested", 2.5), True))
print("top-level strings are printed as-is: it's \"fine\"\ttab")
