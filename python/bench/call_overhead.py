"""Call overhead from Python: Kiln's dispatcher against Numba's, side by side.

Times, per call, a trivial function of two ints and `a * 2 + a` on 10^6
int64 elements (a fresh result array each call), after a warm-up call that
compiles, in CPU time of the calling thread (on a shared machine the wall
clock also counts the time other processes hold the CPU). The contenders
take turns within each round (Kiln, Numba, Python/NumPy, then the next
round), so that a machine whose speed drifts slows them alike; each figure
is the median over `--repeat` rounds of `--number` calls (a thousandth as
many for the arrays), and the last row the median of Kiln's time over
Numba's, round by round. Run in a venv that has both packages:

    python python/bench/call_overhead.py [--tier jit|auto|interp]

Numba is optional: without it only Kiln and Python/NumPy are measured.
"""

import argparse
import statistics
import sys
import time
import timeit

import numpy as np

import kiln


def trivial(x, y):
    return x + y


def axpa(a):
    return a * 2 + a


def per_call(f, args, number):
    t = timeit.Timer(lambda: f(*args), timer=time.thread_time)
    return t.timeit(number=number) / number * 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tier", default="jit", choices=["interp", "jit", "auto"])
    p.add_argument("--number", type=int, default=100_000, help="calls per round (trivial)")
    p.add_argument("--repeat", type=int, default=21, help="rounds")
    args = p.parse_args()

    a = np.arange(1_000_000, dtype=np.int64)
    big = max(1, args.number // 1000)
    rows = [("kiln", kiln.njit(tier=args.tier)(trivial), kiln.njit(tier=args.tier)(axpa))]
    try:
        import numba
    except ImportError:
        numba = None
    if numba is not None:
        rows.append((f"numba {numba.__version__}", numba.njit(trivial), numba.njit(axpa)))
    rows.append(("python/numpy", trivial, axpa))
    for _, t, b in rows:
        t(1, 2)  # compile
        assert (b(a) == a * 3).all()
    times = {name: ([], []) for name, _, _ in rows}
    for _ in range(args.repeat):
        for name, t, b in rows:
            times[name][0].append(per_call(t, (1, 2), args.number))
            times[name][1].append(per_call(b, (a,), big))

    def ratio(i):
        if numba is None:
            return ""
        k, n = times["kiln"][i], times[rows[1][0]][i]
        return f"{statistics.median(x / y for x, y in zip(k, n)):.2f}"

    print(
        f"tier {args.tier}; thread CPU time, median of {args.repeat} interleaved rounds; "
        f"python {sys.version.split()[0]}, numpy {np.__version__}"
    )
    print(f"{'':<16}{'trivial (us/call)':>20}{'a*2+a, 1e6 (us/call)':>24}")
    for name, _, _ in rows:
        t, b = times[name]
        print(f"{name:<16}{statistics.median(t):>20.3f}{statistics.median(b):>24.1f}")
    if numba is not None:
        print(f"{'kiln / numba':<16}{ratio(0):>20}{ratio(1):>24}")


if __name__ == "__main__":
    main()
