# str.format: automatic, numbered and keyword fields, conversions, nested
# specs, and strings built from formatted pieces
import numpy as np


def table(names, values):
    line = "{:<6}|{:>10}|"
    out = line.format("name", "value")
    for name, v in zip(names, values):
        out = out + "\n" + line.format(name, "{:.4g}".format(v))
    return out


print("{} + {} = {}".format(1, 2, 1 + 2))
print("{0}{1}{0}{1}{0}".format("ab", "-"))
print("{x:.3f} {y!r} {x!s:>10}|".format(x=2.0 / 3.0, y="why"))
print("{:{fill}^{width}}|".format("mid", fill="*", width=11))
print("{0:b} {0:o} {0:x} {0:#X} {0:,}".format(1000000))
print("{:%} {:.2e} {:g} {:n}".format(0.25, 12345.6789, 1e-7, 1234.5))
print("{{}} {{{}}}".format(7))
print("{} {} {}".format(np.float32(0.25), np.int16(-3), np.bool_(False)))
print("{!r} {!r} {!r}".format(np.float32(0.25), np.int16(-3), np.bool_(False)))
print("{}".format(np.arange(3)), "{}".format((1, 2.5)), "{}".format(None))
print(table(("a", "bb", "ccc"), np.array([1.0, 123456.0, 0.000123])))
greeting = "hello" + ", " + "world"
who = "{}!".format(greeting)
print(who + " " + who)
unused = "{0}".format(1, 2.5, "extra")
print(unused)
