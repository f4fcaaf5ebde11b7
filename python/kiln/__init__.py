"""Kiln from Python: compile Numba-subset functions and call them with NumPy arrays.

>>> import numpy as np, kiln
>>> @kiln.njit
... def foo(a):
...     return a * 2 + a
>>> foo(np.arange(4))
array([0, 3, 6, 9])

Arrays are passed without copying (writes go through to the caller's
array) and results are NumPy arrays over Kiln's memory, freed through their
class's allocator when NumPy drops them. Kiln's exceptions are raised as
Python's (``IndexError``, ``ZeroDivisionError``, ...) with Kiln's traceback
as a note; a function that does not compile raises ``kiln.TypingError``.

Array subtypes and their allocators come from Python too, as in Numba's
``@overload_classmethod`` notebook: ``register_array_type(MyArray,
MyArrayType)`` and ``use_external_allocator(MyArray, table)`` with a
``ctypes`` ``ExternalMemAllocator`` table.

The VMs, modules and arrays belong to the thread that made them.
"""

import ctypes
import functools
import inspect
import os

import numpy as np

from . import types
from ._kiln import Dispatcher as _DispatcherBase
from ._kiln import KilnError, TypingError
from ._kiln import Vm as _Vm
from ._source import build as _build
from ._source import function_names as _function_names

__all__ = [
    "jit",
    "njit",
    "load",
    "register_array_type",
    "use_external_allocator",
    "overload_classmethod",
    "alloc_stats",
    "jit_stats",
    "config",
    "vm",
    "types",
    "TypingError",
    "KilnError",
]

TIERS = ("interp", "jit", "auto")

_default = {"tier": os.environ.get("KILN_TIER", "auto"), "fuel": None, "max_memory": None}
_vms = {}


class _ArrayClass:
    def __init__(self, cls, typecls, name, base):
        self.cls = cls
        self.typecls = typecls
        self.name = name
        self.base = base
        self.allocator = None  # (name, address, what keeps the table alive)


# Registered array classes; the one at index i is class i + 1 in every VM.
_classes = []


def config(tier=None, fuel=None, max_memory=None):
    """Sets the tier (``interp``, ``jit``, ``auto``) of functions compiled
    from now on without one of their own, and, for every call from now on,
    the fuel (units of work) and the cap on live array bytes (None: no
    bound)."""
    if tier is not None:
        if tier not in TIERS:
            raise ValueError(f"unknown tier {tier!r}: use one of {TIERS}")
        _default["tier"] = tier
    _default["fuel"] = fuel
    _default["max_memory"] = max_memory
    for v in _vms.values():
        v.set_limits(fuel, max_memory)


def vm(tier=None):
    """The VM of a tier (the default tier when None), made on first use with
    every registered array class and allocator."""
    tier = tier or _default["tier"]
    v = _vms.get(tier)
    if v is None:
        if tier not in TIERS:
            raise ValueError(f"unknown tier {tier!r}: use one of {TIERS}")
        v = _Vm(tier, _default["fuel"], _default["max_memory"])
        for c in _classes:
            _install(v, c)
            if c.allocator is not None:
                v.use_external_allocator(_class_id(c), c.allocator[0], c.allocator[1])
        _vms[tier] = v
    return v


def _class_id(c):
    return _classes.index(c) + 1


def _install(v, c):
    hook = None
    if c.typecls is not None and c.typecls.__array_ufunc__ is not types.Array.__array_ufunc__:
        hook = functools.partial(_ufunc_hook, c)
    v.register_array_type(c.cls, c.name, 0 if c.base is None else _class_id(c.base), hook)


def _find(x):
    """The registered class of an ndarray subclass, a type class or an
    instance of one."""
    for c in _classes:
        if x is c.cls or x is c.typecls or (c.typecls is not None and type(x) is c.typecls):
            return c
    return None


def _to_type(desc):
    text, dtype, ndim, layout, class_name = desc
    if dtype is None:
        return types.scalar(text)
    for c in _classes:
        if c.name == class_name and c.typecls is not None:
            return c.typecls(types.scalar(dtype), ndim, layout)
    return types.Array(types.scalar(dtype), ndim, layout, name=text)


def _ufunc_hook(c, ufunc, method, inputs):
    tys = [_to_type(d) for d in inputs]
    me = next((t for t in tys if type(t) is c.typecls), None)
    if me is None:
        return None
    r = me.__array_ufunc__(getattr(np, ufunc, ufunc), method, *tys)
    if r is NotImplemented or r is None:
        return None
    found = _find(r)
    if found is None:
        if r is types.Array or r is np.ndarray or isinstance(r, types.Array):
            return 0
        raise TypeError(f"__array_ufunc__ returned {r!r}: return an array type or NotImplemented")
    return _class_id(found)


def register_array_type(cls, typecls=None, name=None):
    """Registers ``cls``, a subclass of ``np.ndarray``, as a Kiln array
    subtype. ``typecls``, a subclass of ``kiln.types.Array``, is its type
    at compile time: its ``__array_ufunc__(self, ufunc, method, *inputs)``
    gets the input types of a ufunc on the subtype and returns the result's
    type class (or the ndarray subclass), or ``NotImplemented``. Arrays of
    ``cls`` passed to Kiln keep their class, and results of the class come
    back as ``cls``. Returns the class id."""
    if not (isinstance(cls, type) and issubclass(cls, np.ndarray)):
        raise TypeError(f"{cls!r} is not a subclass of numpy.ndarray")
    if typecls is not None and not (isinstance(typecls, type) and issubclass(typecls, types.Array)):
        raise TypeError(f"{typecls!r} is not a subclass of kiln.types.Array")
    if _find(cls) is not None:
        raise ValueError(f"{cls.__name__} is already registered")
    base = next((_find(b) for b in cls.__mro__[1:] if _find(b) is not None), None)
    c = _ArrayClass(cls, typecls, name or cls.__name__, base)
    _classes.append(c)
    for v in _vms.values():
        _install(v, c)
    return _class_id(c)


def use_external_allocator(cls, table, name=None):
    """Routes the memory of arrays of the registered class ``cls`` (or its
    type class) to an external allocator table: a ``ctypes.Structure`` with
    Numba's ``ExternalMemAllocator`` fields (malloc, realloc, free,
    opaque data) or its address. The functions are called for every array
    allocation and free, inside calls and when NumPy drops a result; they
    must stay alive while arrays of the class do (keep the ``CFUNCTYPE``
    objects referenced)."""
    c = _find(cls)
    if c is None:
        raise ValueError(f"{cls!r} is not registered: call kiln.register_array_type first")
    if isinstance(table, ctypes.Structure):
        if ctypes.sizeof(table) != 4 * ctypes.sizeof(ctypes.c_void_p):
            raise TypeError("the allocator table must have four pointer fields")
        address = ctypes.addressof(table)
    elif isinstance(table, int):
        address = table
    else:
        raise TypeError("pass the allocator table as a ctypes.Structure or its address")
    name = name or f"{c.name} allocator"
    # Checked by a VM before it is kept for VMs made later.
    for v in list(_vms.values()) or [vm()]:
        v.use_external_allocator(_class_id(c), name, address)
    c.allocator = (name, address, table)


def overload_classmethod(cls, method, table):
    """Numba's spelling for classmethod overrides: ``_allocate`` of an array
    class takes an external allocator table (see ``use_external_allocator``)."""
    if method != "_allocate":
        raise ValueError(f"Kiln array classes have the classmethod '_allocate', not {method!r}")
    use_external_allocator(cls, table)


def alloc_stats():
    """Allocation statistics per allocator, summed over the VMs:
    ``{name: {"allocs", "frees", "live", "bytes_allocated", "bytes_freed"}}``."""
    out = {}
    for v in _vms.values():
        for name, s in v.alloc_stats():
            d = out.setdefault(name, dict.fromkeys(s, 0))
            for k, x in s.items():
                d[k] += x
    return out


def jit_stats():
    """What the native tier has done, per VM tier."""
    return {t: v.jit_stats() for t, v in _vms.items()}


# Numba's decorator options: accepted (Kiln decides what it needs), with
# `nogil` releasing the GIL while the function runs; `tier` is Kiln's.
OPTIONS = {
    "nopython",
    "forceobj",
    "looplift",
    "nogil",
    "cache",
    "parallel",
    "fastmath",
    "boundscheck",
    "error_model",
    "inline",
    "locals",
    "debug",
    "opt",
    "no_cpython_wrapper",
    "no_cfunc_wrapper",
    "no_rewrites",
    "target",
    "_nrt",
    "tier",
}


class Dispatcher(_DispatcherBase):
    """A compiled function: the first call compiles it (with the functions
    and constants it reaches) and each new argument-type signature adds a
    specialisation, as Numba's dispatcher does."""

    def __init__(self, py_func, options):
        self.py_func = py_func
        self.targetoptions = dict(options)
        self._tier = options.get("tier")
        self._nogil = bool(options.get("nogil", False))
        self._module = None
        self._signature = inspect.signature(py_func)
        functools.update_wrapper(self, py_func)

    def _compile(self):
        filename, text, name = _build(self.py_func)
        self._module = vm(self._tier).load(filename, text)
        return self._module.function(name, self._nogil), len(self._signature.parameters)

    def _bind(self, args, kwargs):
        b = self._signature.bind(*args, **(kwargs or {}))
        b.apply_defaults()
        return b.args

    def recompile(self):
        """Compiles again on the next call, reading globals anew."""
        self._reset()
        self._module = None

    @property
    def module(self):
        """The Kiln module the function was compiled into (None before the
        first call)."""
        return self._module

    def _need(self):
        if self._module is None:
            raise RuntimeError(f"{self.__name__} is not compiled yet: call it first")
        return self._module

    @property
    def signatures(self):
        """The argument types of each specialisation of this function
        compiled so far, as Kiln prints them: ``["(int64, float64)"]``."""
        if self._module is None:
            return []
        lines = self._module.inspect_types().splitlines()
        head = self.py_func.__name__ + " ("
        return [
            line[len(head) - 1 :]
            for line, rule in zip(lines, lines[1:])
            if line.startswith(head) and rule.startswith("-----")
        ]

    def inspect_types(self, file=None):
        """Prints every compiled specialisation as annotated source."""
        print(self._need().inspect_types().rstrip("\n"), file=file)

    def disassemble(self):
        """The bytecode of every compiled specialisation."""
        return self._need().disassemble()

    def machine_code(self, arch=None):
        """The bytecode with the native code of each instruction (`vm asm`)."""
        return self._need().machine_code(arch)

    inspect_asm = machine_code

    def low_ir(self):
        return self._need().low_ir()

    @property
    def tier(self):
        return self._tier or _default["tier"]

    def __repr__(self):
        return f"kiln.Dispatcher({self.py_func.__qualname__})"


def jit(*args, **options):
    """Compiles a function with Kiln: ``@jit``, ``@jit(nogil=True)``,
    ``@jit("f8(f8[:])")`` (signatures are accepted; Kiln specialises on
    the first call of each), or ``jit(f)``. Takes Numba's options and
    ``tier="interp"|"jit"|"auto"``."""
    unknown = set(options) - OPTIONS
    if unknown:
        raise TypeError(f"unknown option(s) {sorted(unknown)}: Kiln takes {sorted(OPTIONS)}")
    if options.get("tier") not in (None,) + TIERS:
        raise ValueError(f"unknown tier {options['tier']!r}: use one of {TIERS}")
    if args and callable(args[0]) and not isinstance(args[0], (str, list, tuple)):
        if len(args) > 1:
            raise TypeError("jit(f) takes the function and keyword options")
        return Dispatcher(args[0], options)
    return lambda f: Dispatcher(f, options)


njit = jit


class Module:
    """A whole Kiln module: its functions are attributes."""

    def __init__(self, module):
        self._module = module
        for n in _function_names(module.source):
            setattr(self, n, module.function(n))

    def inspect_types(self, file=None):
        print(self._module.inspect_types().rstrip("\n"), file=file)

    def disassemble(self):
        return self._module.disassemble()

    def machine_code(self, arch=None):
        return self._module.machine_code(arch)

    def low_ir(self):
        return self._module.low_ir()

    def run(self):
        """Runs the module's top-level code, as ``vm run`` does."""
        self._module.run()


def load(path_or_source, tier=None):
    """Compiles a whole module, from a file path or source text, for calling
    its functions: ``m = kiln.load("prog.py"); m.f(x)``."""
    text = None
    if isinstance(path_or_source, os.PathLike) or (
        isinstance(path_or_source, str) and "\n" not in path_or_source and os.path.exists(path_or_source)
    ):
        name = os.fspath(path_or_source)
        with open(name, encoding="utf-8") as f:
            text = f.read()
    else:
        name, text = "<string>", path_or_source
    return Module(vm(tier).load(name, text))
