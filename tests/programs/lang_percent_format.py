# printf-style '%' formatting with a literal template, and str()
import numpy as np
from numba import njit

FMT = "%s=%.3f"


@njit
def show(a, n, name):
    print("n=%d" % n, "%5d|%-5d|%05d|%+d|% d" % (n, n, -n, n, n))
    print("%.2f %8.3f %-8.1f| %e %.3E %g %G" % (a[0], a[1], a[2], a[0], a[1], 1e-7, 2.5e20))
    print("%x %X %#x %o %#o %5.1f%%" % (255, 255, 255, 8, 8, 99.5))
    print("%s and %r, %s %10s|%-6s|" % (name, name, a, True, "ab"))
    print("%d %i %u" % (3.99, -2.5, True), "%s" % (a.mean(),), FMT % ("mean", a.mean()))
    print("%.1f %s %d" % (np.float32(0.1), np.float32(0.1), np.int8(-5)), "%%d")
    t = (1, 2.5)
    print("%d-%s" % t, str(n) + "/" + str(a[0]) + str(np.int32(7)) + str(True) + str())
    s = "rows: %d" % len(a)
    return s


print(show(np.array([1.2345, -2.5, 1000.0]), 42, "abc"))
print("%d items" % 3.7)
