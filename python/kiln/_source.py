"""The source Kiln compiles for a Python function.

A decorated function is compiled from its own source together with what it
reaches: the functions it calls (by name, from the same module or another
cell), the modules it uses (``numpy``, ``math``, ``numba``) and module-level
constants, frozen at their values on the first call as Numba freezes them.

Functions keep their line numbers where they can: the function called is
laid out at the line it has in its file, and so is every other function of
that file, so that Kiln's errors point at the real file and line.
Everything else (functions from other files or notebook cells, imports,
constants) follows at the end of the text.
"""

import ast
import inspect
import math
import textwrap
import types

import numpy as np

from ._kiln import TypingError

# The Python modules Kiln knows, imported under any name.
MODULES = ("numpy", "math", "numba", "random")
# The alias for numpy when a constant needs it (np.float32(0.5)).
NP = "_kiln_np"


class Unit:
    """The functions and names one compilation gathers."""

    def __init__(self):
        self.functions = {}  # name -> (object, filename, first line, lines)
        self.order = []
        self.prologue = []
        self.bound = {}  # name -> what it was bound to
        self.np_alias = False

    def add_function(self, f):
        f = getattr(f, "py_func", f)
        name = f.__name__
        if name in self.functions:
            if self.functions[name][0] is not f:
                raise TypingError(
                    f"two functions named '{name}' are used: Kiln compiles one "
                    "module, so give them different names"
                )
            return
        try:
            lines, start = inspect.getsourcelines(f)
        except (OSError, TypeError) as e:
            raise TypingError(f"cannot find the source of '{name}': {e}") from None
        text = textwrap.dedent("".join(lines))
        try:
            tree = ast.parse(text)
        except SyntaxError as e:
            raise TypingError(f"cannot parse the source of '{name}': {e}") from None
        node = tree.body[0] if tree.body else None
        if not isinstance(node, ast.FunctionDef) or node.name != name:
            raise TypingError(
                f"'{name}' is not defined by a def statement: Kiln compiles def functions"
            )
        lines = text.splitlines()
        # Decorators are Python's business: their lines are left blank.
        first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        for i in range(first - 1, node.lineno - 1):
            lines[i] = ""
        filename = inspect.getsourcefile(f) or f.__code__.co_filename
        self.functions[name] = (f, filename, start, lines)
        self.order.append(name)
        self.bound[name] = f
        closure = inspect.getclosurevars(f).nonlocals
        for n in sorted(free_names(node)):
            if n in closure:
                self.bind(n, closure[n], name)
            elif n in f.__globals__:
                self.bind(n, f.__globals__[n], name)
            # Builtins and undefined names are Kiln's to resolve.

    def bind(self, n, v, user):
        if n in self.bound:
            if self.bound[n] is v or (is_constant(v) and self.bound[n] == v):
                return
            raise TypingError(
                f"'{n}' means different things in the functions Kiln compiles "
                f"together (in '{user}'); rename one"
            )
        self.bound[n] = v
        if isinstance(v, types.ModuleType):
            mod = v.__name__
            if mod not in MODULES:
                raise TypingError(
                    f"'{user}' uses module '{mod}' as '{n}': Kiln functions use "
                    f"{', '.join(MODULES)}"
                )
            self.prologue.append(f"import {mod}" if n == mod else f"import {mod} as {n}")
            return
        if hasattr(v, "py_func") or isinstance(v, types.FunctionType):
            f = getattr(v, "py_func", v)
            if f.__name__ != n:
                raise TypingError(
                    f"'{user}' calls '{f.__name__}' as '{n}': call it by its own name"
                )
            del self.bound[n]
            self.add_function(f)
            return
        literal = self.literal(v)
        if literal is not None:
            self.prologue.append(f"{n} = {literal}")
            return
        owner = imported_from(v)
        if owner is not None:
            name = v.__name__
            self.prologue.append(
                f"from {owner} import {name}" + ("" if name == n else f" as {n}")
            )
            return
        if isinstance(v, np.ndarray):
            raise TypingError(
                f"'{user}' reads the global array '{n}': Kiln functions take "
                "arrays as arguments; pass it in"
            )
        raise TypingError(
            f"'{user}' uses '{n}', a {type(v).__name__}: Kiln functions use numbers, "
            "tuples of numbers, dtypes, numpy, math and other compiled functions"
        )

    def numpy(self):
        if not self.np_alias:
            self.np_alias = True
            self.prologue.insert(0, f"import numpy as {NP}")
        return NP

    def literal(self, v):
        """Source text for a constant, or None."""
        if v is None or isinstance(v, (bool, str)):
            return repr(v)
        if isinstance(v, int):
            return repr(int(v))
        if isinstance(v, float):
            if math.isnan(v):
                return "(1e999 - 1e999)"
            if math.isinf(v):
                return "1e999" if v > 0 else "-1e999"
            return repr(float(v))
        if isinstance(v, np.generic) and v.dtype.kind in "biuf":
            item = self.literal(v.item())
            if isinstance(v, np.float64):
                return item
            return f"{self.numpy()}.{v.dtype.name}({item})"
        if isinstance(v, type) and issubclass(v, np.generic):
            return f"{self.numpy()}.{np.dtype(v).name}"
        if isinstance(v, np.dtype) and v.kind in "biuf":
            return f"{self.numpy()}.{v.name}"
        if isinstance(v, tuple):
            items = [self.literal(i) for i in v]
            if all(i is not None for i in items):
                return "(" + "".join(i + ", " for i in items) + ")"
        return None

    def text(self):
        """The module's text and the file name to report it under."""
        root = self.functions[self.order[0]]
        filename = root[1]
        out = []
        rest = []
        for name in self.order:
            _, fname, start, lines = self.functions[name]
            end = start - 1 + len(lines)
            if fname == filename and all(not out[i] for i in range(start - 1, min(end, len(out)))):
                if len(out) < end:
                    out.extend([""] * (end - len(out)))
                out[start - 1 : end] = lines
            else:
                rest.append(lines)
        for lines in rest:
            out.append("")
            out.extend(lines)
        out.append("")
        out.extend(self.prologue)
        return filename, "\n".join(out) + "\n"


def is_constant(v):
    return isinstance(v, (int, float, bool, str, tuple, np.generic)) or v is None


def imported_from(v):
    """The module to import a function from: numpy's and math's functions,
    numba's prange and decorators."""
    name = getattr(v, "__name__", None)
    if not isinstance(name, str):
        return None
    for mod in ("math", "numpy", "numba"):
        m = __import__(mod) if mod != "numba" else _numba()
        if m is not None and getattr(m, name, None) is v:
            return mod
    return None


def _numba():
    try:
        import numba

        return numba
    except ImportError:
        return None


def free_names(fn):
    """Names a function reads that it does not bind itself."""
    local = {a.arg for a in fn.args.args + fn.args.posonlyargs + fn.args.kwonlyargs}
    if fn.args.vararg:
        local.add(fn.args.vararg.arg)
    if fn.args.kwarg:
        local.add(fn.args.kwarg.arg)
    loads = set()
    body = fn.args.defaults + [d for d in fn.args.kw_defaults if d is not None] + fn.body
    for node in (n for part in body for n in ast.walk(part)):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loads.add(node.id)
            else:
                local.add(node.id)
    # Globals that shadow builtins are still globals: the caller looks each
    # name up in the function's globals, where builtins are not.
    return loads - local


def build(fn):
    """The module text for `fn`: (filename, text, function name)."""
    unit = Unit()
    unit.add_function(fn)
    filename, text = unit.text()
    return filename, text, unit.order[0]


def function_names(text):
    """The top-level functions a module's text defines."""
    return [n.name for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)]
