"""Kiln's types as a typing hook sees them, in the spirit of ``numba.core.types``.

An array subtype's ``__array_ufunc__`` receives these for the inputs of a
ufunc and returns the class of the result (see ``kiln.register_array_type``).
"""


class Type:
    """A Kiln type; prints as Kiln prints it (``int64``, ``MyArray(1, int64, C)``)."""

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name

    __repr__ = __str__

    def __eq__(self, other):
        return type(self) is type(other) and self.name == other.name

    def __hash__(self):
        return hash((type(self), self.name))


class Boolean(Type):
    pass


class Number(Type):
    """An integer or floating-point scalar type."""


class Array(Type):
    """An array type: element type, number of dimensions and layout (C, F, A).

    Subclass it for an array subtype (its ``__array_ufunc__`` types ufuncs on
    arrays of the subtype), as ``numba.core.types.Array``.
    """

    def __init__(self, dtype, ndim, layout, readonly=False, aligned=True, name=None):
        if isinstance(dtype, str):
            dtype = Number(dtype) if dtype != "bool" else Boolean(dtype)
        self.dtype = dtype
        self.ndim = ndim
        self.layout = layout
        self.readonly = readonly
        self.aligned = aligned
        super().__init__(name or f"array({dtype}, {ndim}d, {layout})")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return NotImplemented


class Other(Type):
    """Any other type (tuples, none)."""


bool_ = Boolean("bool")
int64 = Number("int64")
float64 = Number("float64")


def scalar(text):
    """The type of a scalar Kiln describes as ``text``."""
    if text == "bool":
        return Boolean(text)
    if text.startswith(("int", "uint", "float")):
        return Number(text)
    return Other(text)
