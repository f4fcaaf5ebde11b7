"""Kiln's exceptions arrive as Python's, with Kiln's traceback."""

import numpy as np
import pytest

import kiln

TIERS = ["interp", "jit", "auto"]


def oob(a, i):
    return a[i]


def divide(x, y):
    return x // y


def mismatch(a, b):
    return a + b


def check(x):
    assert x > 0, "x must be positive"
    return x


def raises(x):
    if x > 1:
        raise ValueError("too big")
    return x


def deep(n):
    return deep(n + 1) + 1


def bad_types(a):
    return a + (1, 2)


def inner(a):
    return a[5]


def outer(a):
    return inner(a) * 2


@pytest.fixture(params=TIERS)
def tier(request):
    return request.param


def jit(f, tier):
    return kiln.njit(tier=tier)(f)


def test_index_error(tier):
    f = jit(oob, tier)
    with pytest.raises(IndexError, match="index 10 is out of bounds for axis 0 with size 3") as e:
        f(np.zeros(3), 10)
    tb = e.value.kiln_traceback
    assert "test_errors.py" in tb and "return a[i]" in tb and "^" in tb
    assert any("in oob" in n for n in e.value.__notes__)
    assert f(np.arange(3.0), -1) == 2.0


def test_zero_division(tier):
    f = jit(divide, tier)
    with pytest.raises(ZeroDivisionError):
        f(1, 0)
    assert f(7, 2) == 3


def test_broadcast_mismatch_is_a_value_error(tier):
    f = jit(mismatch, tier)
    with pytest.raises(ValueError, match="broadcast"):
        f(np.zeros(3), np.zeros(4))


def test_assert_and_raise(tier):
    with pytest.raises(AssertionError, match="x must be positive"):
        jit(check, tier)(-1)
    with pytest.raises(ValueError, match="too big"):
        jit(raises, tier)(5)


def test_recursion_error(tier):
    with pytest.raises(RecursionError):
        jit(deep, tier)(0)


def test_errors_in_callees_point_at_the_callee(tier):
    f = jit(outer, tier)
    with pytest.raises(IndexError) as e:
        f(np.zeros(2))
    tb = e.value.kiln_traceback
    assert tb.index("in outer") < tb.index("in inner")
    assert "return a[5]" in tb


def test_typing_errors():
    f = kiln.njit(bad_types)
    with pytest.raises(kiln.TypingError) as e:
        f(np.zeros(2))
    text = str(e.value)
    assert "test_errors.py" in text and "return a + (1, 2)" in text and "^" in text
    # A failed signature does not stay: others still compile and run.
    np.testing.assert_array_equal(kiln.njit(mismatch)(np.ones(2), 1.0), [2.0, 2.0])


def test_unsupported_globals_are_named():
    data = np.zeros(3)

    def reads_global(i):
        return data[i]

    with pytest.raises(kiln.TypingError, match="global array 'data'"):
        kiln.njit(reads_global)(0)


def test_memory_limit():
    def big(n):
        return np.zeros(n)

    kiln.config(max_memory=1 << 16)
    try:
        with pytest.raises(MemoryError):
            kiln.njit(big)(1 << 20)
    finally:
        kiln.config(max_memory=None)
    assert kiln.njit(big)(10).shape == (10,)


def test_the_vm_stays_usable_after_errors(tier):
    f = jit(oob, tier)
    for _ in range(3):
        with pytest.raises(IndexError):
            f(np.zeros(1), 4)
        assert f(np.ones(2), 1) == 1.0
