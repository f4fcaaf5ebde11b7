# f-strings and str.format inside hot loops: format specs, conversions,
# nested specs, strings made in the loop and printed in tuples, and a
# format that raises part way through a loop
import numpy as np


def table(n):
    x = 1.0
    for i in range(n):
        x = x * 1.5 - i
        s = f"{i:>4d}|{x:12.4e}|{x:.3f}|{i:#x}|{i:08b}|{x!r}|{'t':^5}|{i % 3 == 0}"
        print(s)
        print(f"{i=} {x=:.2g}", "{} and {:+.1f}".format(i, x), (f"<{i}>", s), sep=" ~ ")
    return x


def widths(n):
    a = np.arange(6.0)
    for w in range(1, n):
        print(f"[{a[w % 6]:{w}.{w % 4}f}] [{w:>{w}}] [{w * 1000:,}] {a[:2]} {np.float32(w) / 3:.4f}")


def picky(n):
    spec = "{:d}"
    for i in range(n):
        x = i * 0.5
        if i < 5:
            print(spec.format(i))
        else:
            print(spec.format(x))


print(table(12))
widths(9)
picky(8)
