# Escape-time Mandelbrot set on a 400x400 grid.
import numpy as np
from numba import njit

SIZE = 400
MAX_ITER = 100


@njit
def escape(cr, ci, max_iter):
    zr = 0.0
    zi = 0.0
    for n in range(max_iter):
        zr2 = zr * zr
        zi2 = zi * zi
        if zr2 + zi2 > 4.0:
            return n
        zi = 2.0 * zr * zi + ci
        zr = zr2 - zi2 + cr
    return max_iter


@njit
def mandelbrot(h, w, max_iter):
    out = np.zeros((h, w), dtype=np.int64)
    for y in range(h):
        ci = -1.25 + 2.5 * y / (h - 1)
        for x in range(w):
            cr = -2.0 + 2.5 * x / (w - 1)
            out[y, x] = escape(cr, ci, max_iter)
    return out


def main():
    g = mandelbrot(SIZE, SIZE, MAX_ITER)
    print("mandelbrot", g.sum(), np.sum(g == MAX_ITER))


if __name__ == "__main__":
    main()
