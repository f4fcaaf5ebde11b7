"""Calls from Python: every dtype and layout, writes through views, results
that share Kiln's memory and free it when dropped."""

import gc
import sys
import threading

import numpy as np
import pytest

import kiln

TIERS = ["interp", "jit", "auto"]
DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
          np.uint32, np.uint64, np.float32, np.float64]

LIMIT = 7
SCALE = np.float32(0.5)
DT = np.float32


def twice(a):
    return a + a


def first(a):
    return a[0]


def fill(a, v):
    for i in range(a.shape[0]):
        a[i] = v
    return a.shape[0]


def fill2(m, v):
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            m[i, j] = v + i * 10 + j


def shift(a, b):
    a[1:] = b[:-1]


def ident(a):
    return a


def pair(x, y):
    return x + y, x * y


def helper(x):
    return x * LIMIT


def uses_globals(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += helper(a[i])
    return s + SCALE


def as_dt(n):
    return np.zeros(n, dtype=DT)


def defaults(a, k=3, scale=2.0):
    return a * k * scale


def make(n):
    return np.arange(n) * 2


def layouts(dtype):
    """The same values in C order, reversed, strided, Fortran order, a
    column of a 2-D array and 0-d."""
    base = (np.arange(24) % 5).astype(dtype)
    m = base.reshape(4, 6)
    return {
        "C": base[:8].copy(),
        "reversed": base[::-1],
        "strided": base[1::3],
        "F": np.asfortranarray(m),
        "column": m[:, 2],
        "2d view": m[1:, ::2],
        "0-d": np.array(base[3]),
    }


@pytest.fixture(params=TIERS)
def tier(request):
    return request.param


def jit(f, tier):
    return kiln.njit(tier=tier)(f)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_dtype_and_layout(tier, dtype):
    f = jit(twice, tier)
    for name, a in layouts(dtype).items():
        before = a.copy()
        r = f(a)
        want = a + a
        if a.ndim == 0:
            # Scalar results come back as Python scalars, as from Numba.
            assert r == want and type(r) is type(want.item()), name
            continue
        assert r.dtype == want.dtype, name
        np.testing.assert_array_equal(r, want, err_msg=name)
        np.testing.assert_array_equal(a, before, err_msg=name)
    g = jit(first, tier)
    for name in ("C", "reversed", "strided", "column"):
        a = layouts(dtype)[name]
        assert g(a) == a[0], name


@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int64, np.float32, np.float64])
def test_writes_go_through_views(tier, dtype):
    f = jit(fill, tier)
    a = np.zeros(10, dtype=dtype)
    assert f(a[::2], 7) == 5
    assert f(a[::-3], 1) == 4
    np.testing.assert_array_equal(a, np.array([1, 0, 7, 1, 7, 0, 1, 0, 7, 1], dtype=dtype))
    m = np.zeros((3, 4), dtype=dtype)
    f(m[:, 1], 5)
    assert (m[:, 1] == 5).all() and m.sum() == 15
    g = jit(fill2, tier)
    big = np.zeros((4, 6), dtype=dtype, order="F")
    view = big[1:, ::2]
    g(view, 1)
    want = np.zeros((4, 6), dtype=dtype)
    want[1:, ::2] = [[1 + i * 10 + j for j in range(3)] for i in range(3)]
    np.testing.assert_array_equal(big, want)


def test_aliasing_views_behave_as_numpy(tier):
    f = jit(shift, tier)
    a = np.arange(6.0)
    f(a, a)
    want = np.arange(6.0)
    want[1:] = want[:-1].copy()
    np.testing.assert_array_equal(a, want)


def test_returning_an_argument_gives_the_same_object(tier):
    f = jit(ident, tier)
    a = np.arange(3.0)
    assert f(a) is a
    v = a[::2]
    assert f(v) is v


def test_results_share_memory_and_are_freed_when_dropped(tier):
    f = jit(make, tier)
    gc.collect()
    before = kiln.alloc_stats()["system"]["live"]
    r = f(1000)
    assert isinstance(r, np.ndarray) and r.dtype == np.int64
    np.testing.assert_array_equal(r, np.arange(1000) * 2)
    assert r.flags.writeable and r.flags.c_contiguous and not r.flags.owndata
    assert type(r.base).__name__ == "ArrayOwner"
    assert kiln.alloc_stats()["system"]["live"] == before + 1
    view = r[10:20]
    del r
    gc.collect()
    # The view keeps the memory.
    assert kiln.alloc_stats()["system"]["live"] == before + 1
    assert view[0] == 20
    view[0] = 5
    del view
    gc.collect()
    assert kiln.alloc_stats()["system"]["live"] == before
    # Results fed back in are passed without copying.
    r = f(4)
    twice_r = jit(fill, tier)(r, 9)
    assert twice_r == 4 and (r == 9).all()


def test_scalars_tuples_and_numpy_scalars(tier):
    f = jit(pair, tier)
    assert f(3, 4) == (7, 12)
    assert f(1.5, 2) == (3.5, 3.0)
    assert f(True, True) == (2, 1)
    assert f(np.int32(3), np.int16(4)) == (7, 12)
    assert f(np.float32(1.5), np.float64(2.0)) == (3.5, 3.0)
    assert f(np.uint8(200), 1) == (201, 200)
    x, y = f(np.arange(3), 2)
    np.testing.assert_array_equal(x, [2, 3, 4])
    np.testing.assert_array_equal(y, [0, 2, 4])
    assert type(f(1, 2)[0]) is int and type(f(1.0, 2)[0]) is float


def test_globals_helpers_and_defaults(tier):
    f = jit(uses_globals, tier)
    assert f(np.arange(4.0)) == pytest.approx(42.5)
    g = jit(as_dt, tier)
    assert g(3).dtype == np.float32
    h = jit(defaults, tier)
    np.testing.assert_array_equal(h(np.ones(2)), [6.0, 6.0])
    np.testing.assert_array_equal(h(np.ones(2), scale=1.0), [3.0, 3.0])
    np.testing.assert_array_equal(h(k=1, a=np.ones(2)), [2.0, 2.0])


def test_closure_constants():
    n = 5

    def add_n(x):
        return x + n

    assert kiln.njit(add_n)(1) == 6


def test_unsupported_arguments_are_refused():
    f = kiln.njit(twice)
    with pytest.raises(TypeError, match="complex128"):
        f(np.zeros(2, dtype=np.complex128))
    with pytest.raises(TypeError, match="str"):
        f("text")
    with pytest.raises(TypeError, match="byte order"):
        f(np.zeros(2, dtype=">f8"))
    with pytest.raises(OverflowError):
        f(1 << 70)
    # The dispatcher still works.
    assert f(2) == 4


def test_read_only_arrays_are_copied():
    f = kiln.njit(fill)
    a = np.arange(4.0)
    a.flags.writeable = False
    assert f(a, 1.0) == 4
    np.testing.assert_array_equal(a, np.arange(4.0))


def test_numba_options_are_accepted():
    f = kiln.njit(cache=True, fastmath=True, parallel=False, boundscheck=True, nogil=True)(twice)
    assert f(2.0) == 4.0
    g = kiln.jit("f8(f8)", nopython=True)(twice)
    assert g(1.5) == 3.0
    with pytest.raises(TypeError, match="unknown option"):
        kiln.njit(no_such_option=1)(twice)


def test_nogil_calls_print_and_allocate(capsys):
    def loud(a):
        print("sum", a.sum())
        return a * 2

    f = kiln.njit(nogil=True)(loud)
    r = f(np.arange(3))
    np.testing.assert_array_equal(r, [0, 2, 4])
    assert capsys.readouterr().out == "sum 3\n"


def spin(n):
    s = 0
    for i in range(n):
        s += i % 7
    return s


def other_thread_ran_during(f):
    """Whether another Python thread ran while `f` ran. With a switch
    interval of 100 s this thread keeps the GIL unless it releases it."""
    go, done = threading.Event(), threading.Event()

    def other():
        go.wait()
        done.set()

    t = threading.Thread(target=other)
    t.start()
    old = sys.getswitchinterval()
    sys.setswitchinterval(100)
    try:
        go.set()
        f(3_000_000)
        ran = done.is_set()
    finally:
        sys.setswitchinterval(old)
        t.join()
    return ran


def test_nogil_releases_the_gil_while_kiln_runs():
    held = kiln.njit(tier="interp")(spin)
    released = kiln.njit(nogil=True, tier="interp")(spin)
    assert held(10) == released(10) == sum(i % 7 for i in range(10))
    assert not other_thread_ran_during(held)
    assert other_thread_ran_during(released)


def test_other_threads_are_refused_cleanly():
    f = kiln.njit(twice)
    assert f(1) == 2
    errors = []

    def other():
        try:
            f(1)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert errors and "thread" in str(errors[0])


def test_listings_and_stats():
    f = kiln.njit(tier="jit")(twice)
    assert f.signatures == []
    f(np.arange(3.0))
    f(2)
    f(3)
    assert f.signatures == ["(array(float64, 1d, C),)", "(int64,)"]
    text = f.module.inspect_types()
    assert "twice (array(float64, 1d, C),)" in text
    assert "twice" in f.disassemble()
    assert "twice" in f.machine_code()
    assert kiln.jit_stats()["jit"]["functions"] >= 1


def test_load_a_module(tmp_path):
    src = "import numpy as np\n\ndef area(r):\n    return 3.0 * r * r\n\ndef ones(n):\n    return np.ones(n)\n"
    m = kiln.load(src)
    assert m.area(2.0) == 12.0
    np.testing.assert_array_equal(m.ones(2), [1.0, 1.0])
    p = tmp_path / "prog.py"
    p.write_text(src + "\nprint('main', area(1.0))\n")
    m = kiln.load(str(p))
    assert m.area(1) == 3
    m.run()


def test_limits():
    def spin():
        while True:
            pass

    kiln.config(fuel=100_000)
    try:
        f = kiln.njit(tier="interp")(spin)
        with pytest.raises(Exception, match="fuel"):
            f()
    finally:
        kiln.config(fuel=None)


def transpose(a):
    return a.T


def test_views_of_arguments_share_their_memory(tier):
    m = np.arange(6.0).reshape(2, 3)
    t = jit(transpose, tier)(m)
    assert t.shape == (3, 2) and t.strides == (8, 24)
    assert np.shares_memory(t, m)
    t[0, 1] = 42.0
    assert m[1, 0] == 42.0


def test_empty_and_unaligned_arrays(tier):
    f = jit(twice, tier)
    assert f(np.zeros(0)).shape == (0,)
    assert f(np.zeros((0, 3), dtype=np.int32)).shape == (0, 3)
    unaligned = np.frombuffer(bytearray(17), dtype=np.float64, offset=1, count=2)
    with pytest.raises(ValueError, match="multiples of the element size"):
        f(unaligned)
