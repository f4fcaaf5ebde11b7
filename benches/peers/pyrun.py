"""Time one benchmark program's main() under the running Python.

    python pyrun.py FILE STEADY_RUNS

Imports FILE as a module (so its `if __name__ == "__main__"` block does not
run), calls main() once (for Numba this includes compiling every function it
reaches), then STEADY_RUNS more times in the same process. What the program
prints is captured, not shown. Prints one JSON object on stdout:

    {"output": TEXT_OF_FIRST_CALL, "import_s": x, "first_s": x, "steady_s": [x, ...]}

`compare` runs it with the peers venv's Python: with NUMBA_DISABLE_JIT=1 for
CPython + NumPy, and as is for Numba. An exception in the program propagates
(traceback on stderr, exit status 1).
"""

import contextlib
import importlib.util
import io
import json
import sys
import time


def main():
    path, steady = sys.argv[1], int(sys.argv[2])
    spec = importlib.util.spec_from_file_location("kiln_bench_program", path)
    module = importlib.util.module_from_spec(spec)
    # Registered as imported modules are: Numba looks functions up through
    # sys.modules (a recursive @njit function fails to link without it).
    sys.modules[spec.name] = module
    t = time.perf_counter()
    spec.loader.exec_module(module)
    import_s = time.perf_counter() - t

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        t = time.perf_counter()
        module.main()
        first_s = time.perf_counter() - t
    times = []
    for _ in range(steady):
        with contextlib.redirect_stdout(io.StringIO()):
            t = time.perf_counter()
            module.main()
            times.append(time.perf_counter() - t)
    json.dump(
        {"output": out.getvalue(), "import_s": import_s, "first_s": first_s, "steady_s": times},
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
