"""The seed notebook's allocator trace, from a ctypes allocator table: two
mallocs and one free inside the call, one free when the result is dropped."""

import ctypes
import gc
import re

import numpy as np
import pytest

import kiln
from kiln import types

hook_calls = []


class MyArray(np.ndarray):
    pass


class MySub(MyArray):
    pass


class MyArrayType(types.Array):
    def __init__(self, dtype, ndim, layout, readonly=False, aligned=True):
        name = f"MyArray({ndim}, {dtype}, {layout})"
        super().__init__(dtype, ndim, layout, readonly=readonly, aligned=aligned, name=name)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__":
            for inp in inputs:
                if not isinstance(inp, (types.Array, types.Number)):
                    return NotImplemented
            hook_calls.append((ufunc, tuple(str(i) for i in inputs)))
            return MyArrayType
        return NotImplemented


lib = ctypes.CDLL(None)
lib.malloc.argtypes = [ctypes.c_size_t]
lib.malloc.restype = ctypes.c_size_t
lib.free.argtypes = [ctypes.c_void_p]


@ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
def malloc_func(size, data):
    out = lib.malloc(size)
    print(f">>> Malloc size={size} data={data} -> {hex(np.uintp(out))}")
    return out


@ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
def free_func(ptr, data):
    if lib is None:
        return
    print(f">>> Free ptr={hex(ptr)} data={data}")
    lib.free(ptr)


class ExternalMemAllocator(ctypes.Structure):
    _fields_ = [
        ("malloc_func", ctypes.c_void_p),
        ("realloc_func", ctypes.c_void_p),
        ("free_func", ctypes.c_void_p),
        ("data", ctypes.c_void_p),
    ]


allocator_table = ExternalMemAllocator(
    malloc_func=ctypes.cast(malloc_func, ctypes.c_void_p),
    realloc_func=None,
    free_func=ctypes.cast(free_func, ctypes.c_void_p),
    data=None,
)

kiln.register_array_type(MyArray, MyArrayType)
kiln.overload_classmethod(MyArrayType, "_allocate", allocator_table)


def foo(a):
    return a * 2 + a


def stats():
    return kiln.alloc_stats()["MyArray allocator"]


@pytest.mark.parametrize("tier", ["interp", "jit", "auto"])
def test_seed_trace(tier, capsys):
    gc.collect()
    capsys.readouterr()
    hook_calls.clear()
    before = stats() if "MyArray allocator" in kiln.alloc_stats() else None
    jit_foo = kiln.njit(tier=tier)(foo)
    buf = np.arange(4)
    a = MyArray(buf.shape, buf.dtype, buf)
    r = jit_foo(a)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3, out
    m1 = re.fullmatch(r">>> Malloc size=(\d+) data=None -> (0x[0-9a-f]+)", out[0])
    m2 = re.fullmatch(r">>> Malloc size=(\d+) data=None -> (0x[0-9a-f]+)", out[1])
    f1 = re.fullmatch(r">>> Free ptr=(0x[0-9a-f]+) data=None", out[2])
    assert m1 and m2 and f1, out
    # The intermediate `a * 2` is freed inside the call.
    assert f1.group(1) == m1.group(2)
    assert type(r) is MyArray
    np.testing.assert_array_equal(r, [0, 3, 6, 9])
    # The typing hook saw the seed's signatures.
    assert (np.multiply, ("MyArray(1, int64, C)", "int64")) in hook_calls
    assert (np.add, ("MyArray(1, int64, C)", "MyArray(1, int64, C)")) in hook_calls
    s = stats()
    if before is not None:
        assert s["allocs"] - before["allocs"] == 2
    assert s["live"] == 1
    del r
    gc.collect()
    out = capsys.readouterr().out.splitlines()
    assert out == [f">>> Free ptr={m2.group(2)} data=None"]
    assert stats()["live"] == 0
    assert "MyArray(1, int64, C)" in jit_foo.module.inspect_types()


def test_plain_arrays_keep_the_system_allocator(capsys):
    capsys.readouterr()
    r = kiln.njit(foo)(np.arange(4))
    assert type(r) is np.ndarray
    np.testing.assert_array_equal(r, [0, 3, 6, 9])
    assert capsys.readouterr().out == ""


def test_subclasses_of_a_registered_class_use_its_allocator(capsys):
    capsys.readouterr()
    buf = np.arange(3.0)
    a = MySub(buf.shape, buf.dtype, buf)
    r = kiln.njit(foo)(a)
    assert type(r) is MyArray
    del r
    gc.collect()
    out = capsys.readouterr().out
    assert out.count(">>> Malloc") == 2 and out.count(">>> Free") == 2


def test_registration_errors():
    with pytest.raises(TypeError):
        kiln.register_array_type(int)
    with pytest.raises(ValueError, match="already registered"):
        kiln.register_array_type(MyArray)
    with pytest.raises(ValueError, match="not registered"):
        kiln.use_external_allocator(np.matrix, allocator_table)
    empty = ExternalMemAllocator()

    class Other(np.ndarray):
        pass

    kiln.register_array_type(Other)
    with pytest.raises(ValueError, match="no malloc"):
        kiln.use_external_allocator(Other, empty)
