"""Call overhead from Python: Kiln's dispatcher against Numba's, side by side.

Times, per call, a trivial function of two ints and `a * 2 + a` on 10^6
int64 elements (a fresh result array each call), after a warm-up call that
compiles. Each figure is the median of `--repeat` rounds of `--number`
calls. Run in a venv that has both packages:

    python python/bench/call_overhead.py [--tier jit|auto|interp]

Numba is optional: without it only Kiln is measured.
"""

import argparse
import statistics
import sys
import timeit

import numpy as np

import kiln


def trivial(x, y):
    return x + y


def axpa(a):
    return a * 2 + a


def measure(f, args, number, repeat):
    f(*args)  # compile
    runs = timeit.repeat(lambda: f(*args), number=number, repeat=repeat)
    return statistics.median(runs) / number * 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tier", default="jit", choices=["interp", "jit", "auto"])
    p.add_argument("--number", type=int, default=200_000, help="calls per round (trivial)")
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args()

    a = np.arange(1_000_000, dtype=np.int64)
    big = max(1, args.number // 1000)
    rows = []
    kt = kiln.njit(tier=args.tier)(trivial)
    ka = kiln.njit(tier=args.tier)(axpa)
    rows.append(("kiln", measure(kt, (1, 2), args.number, args.repeat),
                 measure(ka, (a,), big, args.repeat)))
    assert (ka(a) == a * 3).all()
    try:
        import numba
    except ImportError:
        numba = None
    if numba is not None:
        nt = numba.njit(trivial)
        na = numba.njit(axpa)
        rows.append((f"numba {numba.__version__}", measure(nt, (1, 2), args.number, args.repeat),
                     measure(na, (a,), big, args.repeat)))
    rows.append(("python/numpy", measure(trivial, (1, 2), args.number, args.repeat),
                 measure(axpa, (a,), big, args.repeat)))
    print(f"tier {args.tier}; median of {args.repeat} rounds; python {sys.version.split()[0]}, numpy {np.__version__}")
    print(f"{'':<16}{'trivial (us/call)':>20}{'a*2+a, 1e6 (us/call)':>24}")
    for name, t, b in rows:
        print(f"{name:<16}{t:>20.3f}{b:>24.1f}")


if __name__ == "__main__":
    main()
