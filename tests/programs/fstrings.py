# f-strings: the format-spec mini-language, conversions, self-documenting
# fields, nested specs, NumPy scalars and arrays, as CPython prints them
import numpy as np


def row(i, x, name):
    return f"{i:>3d} | {x:10.4f} | {x:<12.3e} | {name:^9} |"


def stats(a):
    return f"n={a.size} mean={a.mean():.3f} std={a.std():.3g} max={a.max()}"


pi = 3.141592653589793
n = 1234567
print(f"{pi}")
print(f"{pi:.2f} {pi:.0f} {pi:10.3f}| {pi:<10.3f}| {pi:^10.3f}| {pi:+.4e} {pi:E}")
print(f"{pi:g} {pi:.3g} {1e-5:g} {1e16:g} {123456789.0:g} {0.0001:g} {1e-4:.2g}")
print(f"{pi:.1%} {0.5:%} {1/3:.2%} {-0.25:8.1%}|")
print(f"{n:,} {n:_} {n:,.2f} {-n:012,} {n:x} {n:#X} {n:o} {n:#b} {255:08b}")
print(f"{n:d} {n:10d}| {n:<10d}| {n:^10d}| {n:+d} {-n: d} {n:=+12}")
print(f"{42:c}{33:c} {True} {False:>6} {True:d} {None}")
print(f"{'left':<8}|{'right':>8}|{'mid':*^9}|{'cut':.2}|")
print(f"{pi!r} {'quote'!r} {'é'!a} {n!s:>9}")
x = 0.1 + 0.2
print(f"{x=} {n = } {pi=:.3f} {x = !s}")
w, p = 12, 4
print(f"[{pi:{w}.{p}f}] [{pi:>{w}}] [{n:{'^'}{w},}]")
print(f"{{braces}} {{{n}}} {'}'} {'{'}")
print(f"{1e300 * 10} {-1e300 * 10:f} {float('nan'):+}")
print(f"{-0.0} {-0.0:z.2f} {-0.0001:z.2f} {0.125:.2f} {0.375:.2f} {2.5:.0f} {3.5:.0f}")
print(f"{1.0:.3} {100.0:.3} {1234.5:.3} {0.5:.0} {12.0:#g} {1.0:#.0f}")

# NumPy scalars: formatted as the Python number they hold; !s and !r are NumPy's
f32 = np.float32(0.1)
print(f"{f32} {f32:.3f} {f32!s} {f32!r} {np.float64(0.1)} {np.float64(2.5)!r}")
print(f"{np.int8(-5):+04d} {np.uint8(200):#x} {np.int64(7)!r} {np.bool_(True)} {np.bool_(True)!r}")
print(f"{np.float32(1e20)!s} {np.float32(3.0):g} {np.uint64(9223372036854775807) * np.uint64(2):,}")
a = np.linspace(0.0, 1.0, 5)
print(f"a = {a}")
print(f"{a.dtype} {a.dtype!r} {a.shape} {(1, 'two', 3.0)}")
print(stats(a))
for i in range(3):
    print(row(i, pi * i, f"n{i}"))

label = f"{n:,}"
print(label, (label, 1), label + "" if False else label)
