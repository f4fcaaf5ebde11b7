//! More of what ordinary array code calls: Python's `sum`, `min` and `max`
//! of a 1-D array, `np.diag`, `np.nan_to_num`, `np.interp`, `np.bincount`,
//! `np.convolve` and `np.linalg.norm`, each computed as CPython or NumPy
//! computes it (the same order of operations, so the same rounding).

use super::*;
use typer::tir::{ConvolveMode, MapFn};

/// The element `i` of a 1-D array.
fn at(a: &Array, i: usize) -> Val {
    // SAFETY: callers pass i < a.shape[0] of a live 1-D array.
    unsafe { load(a.dtype, a.data.offset(i as isize * a.strides[0])) }
}

/// Python's `sum(a)`, `min(a)` and `max(a)` of a 1-D array: the elements
/// in order, `0 + a[0] + a[1] + ...` in the array's dtype (a bool counts
/// as an int64), and for `min` (`max`) each element replacing the one kept
/// when it is `<` (`>`) it, as the builtins compare.
pub(super) fn py_fold(cx: &RtCtx, f: Reduction, a: &Array, dt: DType) -> Result<Val, Raised> {
    let n = a.shape[0];
    cx.charge(n)?;
    if f == Reduction::Sum {
        let mut acc = Val::I(0).to(dt);
        for i in 0..n {
            let x = at(a, i).to(dt);
            acc = match (acc, x) {
                (Val::F(s), Val::F(x)) if dt == DType::F32 => Val::F((s as f32 + x as f32) as f64),
                (Val::F(s), Val::F(x)) => Val::F(s + x),
                (Val::U(s), Val::U(x)) => Val::U(s.wrapping_add(x)).to(dt),
                (s, x) => Val::I(array::wrap(s.as_i64().wrapping_add(x.as_i64()), dt)),
            };
        }
        return Ok(acc);
    }
    if n == 0 {
        let name = if f == Reduction::Min { "min" } else { "max" };
        return Err(("ValueError", format!("{name}() arg is an empty sequence")));
    }
    let less = |x: Val, y: Val| match (x, y) {
        (Val::F(x), Val::F(y)) => x < y,
        (Val::U(x), Val::U(y)) => x < y,
        (x, y) => x.as_i64() < y.as_i64(),
    };
    let mut best = at(a, 0);
    for i in 1..n {
        let x = at(a, i);
        let better = if f == Reduction::Min {
            less(x, best)
        } else {
            less(best, x)
        };
        if better {
            best = x;
        }
    }
    Ok(best)
}

/// `np.diag(v, k)`: of a 1-D array, a square array of zeros with `v` on
/// diagonal `k`; of a 2-D array, a copy of its diagonal `k`.
pub(super) fn diag(cx: &RtCtx, a: &Array, k: i64, dt: DType) -> Result<*mut Array, Raised> {
    let off = k.unsigned_abs() as usize;
    // The (row, column) of element i of diagonal k.
    let pos = |i: usize| if k >= 0 { (i, i + off) } else { (i + off, i) };
    if a.ndim == 1 {
        let n = a.shape[0].checked_add(off).ok_or_else(too_big)?;
        let shape = [n, n];
        cx.charge(elems(&shape))?;
        let out = new_array(&cx.table, 0, dt, &shape, true)?;
        // SAFETY: `new_array` returned a live header, owned here.
        let o = unsafe { &*out };
        for i in 0..a.shape[0] {
            let (r, c) = pos(i);
            let p = r as isize * o.strides[0] + c as isize * o.strides[1];
            // SAFETY: r, c < n: inside the fresh n x n array.
            unsafe { store(dt, o.data.offset(p), at(a, i)) };
        }
        return Ok(out);
    }
    let (rows, cols) = (a.shape[0], a.shape[1]);
    let n = if k >= 0 {
        rows.min(cols.saturating_sub(off))
    } else {
        cols.min(rows.saturating_sub(off))
    };
    cx.charge(n)?;
    let out = new_array(&cx.table, 0, dt, &[n], false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let o = unsafe { &*out };
    for i in 0..n {
        let (r, c) = pos(i);
        let p = r as isize * a.strides[0] + c as isize * a.strides[1];
        // SAFETY: r < rows and c < cols by the choice of n; the output has n elements.
        unsafe {
            store(
                dt,
                o.data.offset(i as isize * o.strides[0]),
                load(a.dtype, a.data.offset(p)),
            )
        };
    }
    Ok(out)
}

fn too_big() -> Raised {
    ("ValueError", "array is too big".into())
}

/// `np.nan_to_num(a, nan=, posinf=, neginf=)` of a float array: a copy with
/// NaNs and infinities replaced (the infinities by the dtype's greatest and
/// least finite values unless given).
pub(super) fn nan_to_num(
    cx: &RtCtx,
    a: &Array,
    dt: DType,
    with: [Option<f64>; 3],
) -> Result<Result<Val, *mut Array>, Raised> {
    let big = if dt == DType::F32 {
        f32::MAX as f64
    } else {
        f64::MAX
    };
    let nan = with[0].unwrap_or(0.0);
    let (pos, neg) = (with[1].unwrap_or(big), with[2].unwrap_or(-big));
    let fix = |v: Val| {
        let x = v.as_f64();
        Val::F(if x.is_nan() {
            nan
        } else if x == f64::INFINITY {
            pos
        } else if x == f64::NEG_INFINITY {
            neg
        } else {
            x
        })
        .to(dt)
    };
    if a.ndim == 0 {
        // SAFETY: a 0-d array holds its one element at `data`.
        return Ok(Ok(fix(unsafe { load(a.dtype, a.data) })));
    }
    let out = copy_as(cx, a, dt)?;
    // SAFETY: `copy_as` returned a live C-contiguous header, owned here.
    let o = unsafe { &*out };
    for_each_offset(o.shape(), [o.strides()], |_, [p]| {
        // SAFETY: offsets inside the fresh copy.
        unsafe { store(dt, o.data.offset(p), fix(load(dt, o.data.offset(p)))) }
    });
    Ok(Err(out))
}

/// `np.interp(x, xp, fp, left, right)` in float64, as NumPy's
/// `arr_interp` computes it: the last sample point at or below each `x`
/// found by bisection, the slope between it and the next, and the other
/// end of the segment tried when that gives a NaN.
pub(super) fn interp(
    cx: &RtCtx,
    x: &Opnd,
    xp: &Array,
    fp: &Array,
    ends: [Option<f64>; 2],
) -> Result<Result<Val, *mut Array>, Raised> {
    let n = xp.shape[0];
    if n == 0 {
        return Err(("ValueError", "array of sample points is empty".into()));
    }
    if fp.shape[0] != n {
        return Err(("ValueError", "fp and xp are not of the same length.".into()));
    }
    let dx: Vec<f64> = (0..n).map(|i| at(xp, i).as_f64()).collect();
    let dy: Vec<f64> = (0..n).map(|i| at(fp, i).as_f64()).collect();
    let left = ends[0].unwrap_or(dy[0]);
    let right = ends[1].unwrap_or(dy[n - 1]);
    let one = |v: f64| -> f64 {
        if n == 1 {
            return if v < dx[0] {
                left
            } else if v > dx[0] {
                right
            } else {
                dy[0]
            };
        }
        if v.is_nan() {
            return v;
        }
        if v > dx[n - 1] {
            return right;
        }
        if v < dx[0] {
            return left;
        }
        // The last j with dx[j] <= v.
        let j = dx.partition_point(|&p| p <= v).saturating_sub(1);
        if j == n - 1 || dx[j] == v {
            return dy[j];
        }
        let slope = (dy[j + 1] - dy[j]) / (dx[j + 1] - dx[j]);
        let mut r = slope * (v - dx[j]) + dy[j];
        if r.is_nan() {
            r = slope * (v - dx[j + 1]) + dy[j + 1];
            if r.is_nan() && dy[j] == dy[j + 1] {
                r = dy[j];
            }
        }
        r
    };
    let xa = match x {
        Opnd::Arr(_) if arr(x).ndim > 0 => arr(x),
        _ => return Ok(Ok(Val::F(one(scalar(x).0.as_f64())))),
    };
    cx.charge(xa.size())?;
    let out = new_array(&cx.table, 0, DType::F64, xa.shape(), false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let o = unsafe { &*out };
    for_each_offset(xa.shape(), [xa.strides(), o.strides()], |_, [i, w]| {
        // SAFETY: offsets inside `x` and the output, of one shape.
        unsafe {
            let v = load(xa.dtype, xa.data.offset(i)).as_f64();
            store(DType::F64, o.data.offset(w), Val::F(one(v)));
        }
    });
    Ok(Err(out))
}

/// `np.bincount(x, weights, minlength)`: how often each value of the
/// non-negative ints `x` occurs (int64), or the sum of the weights of its
/// occurrences, in order (float64).
pub(super) fn bincount(
    cx: &RtCtx,
    x: &Array,
    weights: Option<&Array>,
    minlength: i64,
) -> Result<*mut Array, Raised> {
    if minlength < 0 {
        return Err(("ValueError", "'minlength' must not be negative".into()));
    }
    let n = x.shape[0];
    cx.charge(n)?;
    let mut top = -1i64;
    for i in 0..n {
        let v = at(x, i).as_i64();
        if v < 0 || (x.dtype == DType::U64 && at(x, i).as_u64() > i64::MAX as u64) {
            return Err((
                "ValueError",
                "'list' argument must have no negative elements".into(),
            ));
        }
        top = top.max(v);
    }
    if let Some(w) = weights {
        if w.shape[0] != n {
            return Err((
                "ValueError",
                "The weights and list don't have the same length.".into(),
            ));
        }
    }
    let len = usize::try_from(top.saturating_add(1).max(minlength)).map_err(|_| too_big())?;
    cx.charge(len)?;
    let dt = if weights.is_some() {
        DType::F64
    } else {
        DType::I64
    };
    let out = new_array(&cx.table, 0, dt, &[len], true)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let o = unsafe { &*out };
    for i in 0..n {
        let k = at(x, i).as_i64() as isize * o.strides[0];
        // SAFETY: 0 <= x[i] <= top < len: inside the output.
        unsafe {
            let p = o.data.offset(k);
            let v = match weights {
                Some(w) => Val::F(load(dt, p).as_f64() + at(w, i).as_f64()),
                None => Val::I(load(dt, p).as_i64() + 1),
            };
            store(dt, p, v);
        }
    }
    Ok(out)
}

/// `np.convolve(a, v, mode)` in dtype `dt`, as NumPy computes it: the
/// longer operand slides under the shorter one reversed, each output the
/// dot product of the overlap (NumPy's `_pyarray_correlate`).
pub(super) fn convolve(
    cx: &RtCtx,
    a: &Array,
    v: &Array,
    mode: ConvolveMode,
    dt: DType,
) -> Result<*mut Array, Raised> {
    let (a, v) = if v.shape[0] > a.shape[0] {
        (v, a)
    } else {
        (a, v)
    };
    let (n1, n2) = (a.shape[0], v.shape[0]);
    if n1 == 0 {
        return Err(("ValueError", "a cannot be empty".into()));
    }
    if n2 == 0 {
        return Err(("ValueError", "v cannot be empty".into()));
    }
    let (n_left, n_right, len) = match mode {
        ConvolveMode::Valid => (0, 0, n1 - n2 + 1),
        ConvolveMode::Same => (n2 / 2, n2 - n2 / 2 - 1, n1),
        ConvolveMode::Full => (n2 - 1, n2 - 1, n1 + n2 - 1),
    };
    cx.charge(len.saturating_mul(n2))?;
    let ac = copy_as(cx, a, dt)?;
    let vc = match copy_as(cx, v, dt) {
        Ok(c) => c,
        Err(e) => {
            // SAFETY: the copy's one reference is ours; not used again.
            unsafe { array::release(ac) };
            return Err(e);
        }
    };
    // SAFETY: `copy_as` returned live C-contiguous headers, owned here.
    let (x, y) = unsafe { (&*ac, &*vc) };
    // The reversed kernel, in place.
    let isz = y.itemsize() as isize;
    for i in 0..n2 / 2 {
        let j = n2 - 1 - i;
        // SAFETY: i, j < n2: elements of the fresh copy.
        unsafe {
            let (p, q) = (
                y.data.offset(i as isize * isz),
                y.data.offset(j as isize * isz),
            );
            let t = load(dt, p);
            store(dt, p, load(dt, q));
            store(dt, q, t);
        }
    }
    let r = new_array(&cx.table, 0, dt, &[len], false).inspect(|&out| {
        // SAFETY: `new_array` returned a live header, owned here.
        let o = unsafe { &*out };
        let xsz = x.itemsize() as isize;
        let mut w = 0isize;
        let mut dot = |i1: usize, i2: usize, n: usize| {
            let xs = borrowed(x, x.data.wrapping_offset(i1 as isize * xsz), &[n]);
            let ys = borrowed(y, y.data.wrapping_offset(i2 as isize * isz), &[n]);
            let s = (kernels().dot)(dt, &xs, &ys, None);
            // SAFETY: w counts the `len` outputs.
            unsafe { store(dt, o.data.offset(w * o.strides[0]), s) };
            w += 1;
        };
        let (mut i1, mut i2, mut n) = (0usize, n_left, n2 - n_left);
        for _ in 0..n_left {
            dot(i1, i2, n);
            n += 1;
            i2 -= 1;
        }
        for _ in 0..n1 - n2 + 1 {
            dot(i1, i2, n);
            i1 += 1;
        }
        for _ in 0..n_right {
            n -= 1;
            dot(i1, i2, n);
            i1 += 1;
        }
    });
    // SAFETY: the copies' one references are ours; not used again.
    unsafe {
        array::release(ac);
        array::release(vc);
    }
    r
}

/// `np.linalg.norm(a)`: the 2-norm of the flattened array, the square root
/// of its dot product with itself, in float32 for float32 and float64
/// otherwise.
pub(super) fn norm(cx: &RtCtx, a: &Array, dt: DType) -> Result<Val, Raised> {
    cx.charge(a.size())?;
    let c = copy_as(cx, a, dt)?;
    // SAFETY: `copy_as` returned a live C-contiguous header, owned here.
    let cr = unsafe { &*c };
    let mut flat = borrowed(cr, cr.data, &[cr.size()]);
    flat.ndim = 1;
    flat.strides[0] = cr.itemsize() as isize;
    let s = (kernels().dot)(dt, &flat, &flat, None).as_f64();
    // SAFETY: the copy's one reference is ours; not used again.
    unsafe { array::release(c) };
    Ok(Val::F(if dt == DType::F32 {
        (s as f32).sqrt() as f64
    } else {
        s.sqrt()
    }))
}

/// One element of [`MapFn`] `f` in dtype `dt`, as NumPy's loop computes it
/// (float32 in float32, the C library's functions).
fn map_one(f: MapFn, dt: DType, v: Val) -> Val {
    let single = dt == DType::F32;
    let float = |g: fn(f64) -> f64, h: fn(f32) -> f32| {
        let x = v.as_f64();
        Val::F(if single { h(x as f32) as f64 } else { g(x) })
    };
    match f {
        MapFn::Square => match v.to(dt) {
            Val::F(x) if single => Val::F((x as f32 * x as f32) as f64),
            Val::F(x) => Val::F(x * x),
            Val::U(x) => Val::U(x.wrapping_mul(x)),
            Val::I(x) => Val::I(x.wrapping_mul(x)),
        },
        MapFn::Sign => match v.to(dt) {
            Val::F(x) if x.is_nan() => Val::F(x),
            Val::F(x) => Val::F(if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }),
            Val::U(x) => Val::U((x > 0) as u64),
            Val::I(x) => Val::I(x.signum()),
        },
        MapFn::Reciprocal => float(|x| 1.0 / x, |x| 1.0 / x),
        MapFn::Log1p => float(f64::ln_1p, f32::ln_1p),
        MapFn::Expm1 => float(f64::exp_m1, f32::exp_m1),
        MapFn::Cbrt => float(f64::cbrt, f32::cbrt),
        MapFn::Exp2 => float(f64::exp2, f32::exp2),
        MapFn::Deg2Rad => float(
            |x| x * (std::f64::consts::PI / 180.0),
            |x| x * (std::f32::consts::PI / 180.0),
        ),
        MapFn::Rad2Deg => float(
            |x| x * (180.0 / std::f64::consts::PI),
            |x| x * (180.0 / std::f32::consts::PI),
        ),
        MapFn::Fabs => float(f64::abs, f32::abs),
    }
}

/// [`MapFn`] `f` of every element of `a` into a new array of dtype `dt`, or
/// of the one element of a 0-d `a` (a number).
pub(super) fn map(
    cx: &RtCtx,
    f: MapFn,
    a: &Array,
    dt: DType,
) -> Result<Result<Val, *mut Array>, Raised> {
    if a.ndim == 0 {
        // SAFETY: a 0-d array holds its one element at `data`.
        return Ok(Ok(map_one(f, dt, unsafe { load(a.dtype, a.data) })));
    }
    cx.charge(a.size())?;
    let out = new_array(&cx.table, 0, dt, a.shape(), false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let o = unsafe { &*out };
    for_each_offset(a.shape(), [a.strides(), o.strides()], |_, [i, w]| {
        // SAFETY: offsets inside `a` and the output, of one shape.
        unsafe {
            let v = load(a.dtype, a.data.offset(i));
            store(dt, o.data.offset(w), map_one(f, dt, v));
        }
    });
    Ok(Err(out))
}

/// The element of `a` at C-order position `k`.
fn flat_at(a: &Array, k: usize) -> Val {
    let mut off = 0isize;
    let mut rest = k;
    for d in (0..a.ndim as usize).rev() {
        let n = a.shape[d].max(1);
        off += (rest % n) as isize * a.strides[d];
        rest /= n;
    }
    // SAFETY: k < a.size(): the offset is inside the array.
    unsafe { load(a.dtype, a.data.offset(off)) }
}

/// A new array of `shape` and `a`'s dtype whose element at each C-order
/// position is `f` of it: a position of `a` (C order) or zero.
fn gather(
    cx: &RtCtx,
    a: &Array,
    shape: &[usize],
    f: impl Fn(usize) -> Option<usize>,
) -> Result<*mut Array, Raised> {
    let n = elems(shape);
    cx.charge(n)?;
    let out = new_array(&cx.table, 0, a.dtype, shape, true)?;
    // SAFETY: `new_array` returned a live C-contiguous header, owned here.
    let o = unsafe { &*out };
    let isz = o.itemsize() as isize;
    for k in 0..n {
        if let Some(src) = f(k) {
            // SAFETY: k < n: element k of the fresh C-contiguous output.
            unsafe { store(a.dtype, o.data.offset(k as isize * isz), flat_at(a, src)) };
        }
    }
    Ok(out)
}

/// The multi-index of C-order position `k` in `shape`.
fn unflat(shape: &[usize], mut k: usize) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        let n = shape[d].max(1);
        idx[d] = k % n;
        k /= n;
    }
    idx
}

/// The C-order position of a multi-index in `shape`.
fn flat(shape: &[usize], idx: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |p, (&i, &n)| p * n + i)
}

/// `np.tile(a, reps)`: `a` repeated `reps[i]` times along each axis
/// (`reps` and the shape padded with leading ones to the same length).
pub(super) fn tile(cx: &RtCtx, a: &Array, reps: &[i64]) -> Result<*mut Array, Raised> {
    let nd = reps.len().max(a.ndim as usize);
    if nd > MAX_NDIM {
        return Err((
            "ValueError",
            format!("np.tile() would give more than {MAX_NDIM} dimensions"),
        ));
    }
    let mut src = vec![1usize; nd - a.ndim as usize];
    src.extend_from_slice(a.shape());
    let mut r = vec![1usize; nd - reps.len()];
    for &k in reps {
        r.push(usize::try_from(k.max(0)).map_err(|_| too_big())?);
    }
    let shape: Vec<usize> = src
        .iter()
        .zip(&r)
        .map(|(&s, &k)| s.checked_mul(k).ok_or_else(too_big))
        .collect::<Result<_, _>>()?;
    gather(cx, a, &shape, |k| {
        let idx: Vec<usize> = unflat(&shape, k)
            .iter()
            .zip(&src)
            .map(|(&i, &n)| i % n)
            .collect();
        Some(flat(&src, &idx))
    })
}

/// `np.triu(m, k)` / `np.tril(m, k)`: zeros below (above) diagonal `k` of
/// the last two axes.
pub(super) fn tri(cx: &RtCtx, a: &Array, upper: bool, k: i64) -> Result<*mut Array, Raised> {
    let shape = a.shape().to_vec();
    let nd = shape.len();
    gather(cx, a, &shape, |p| {
        let idx = unflat(&shape, p);
        let d = idx[nd - 1] as i64 - idx[nd - 2] as i64;
        let keep = if upper { d >= k } else { d <= k };
        keep.then_some(p)
    })
}

/// `np.roll(a, shift, axis)`: elements moved `shift` places forward,
/// those past the end coming round to the start.
pub(super) fn roll(
    cx: &RtCtx,
    a: &Array,
    shift: i64,
    axis: Option<usize>,
) -> Result<*mut Array, Raised> {
    let shape = a.shape().to_vec();
    let back = |i: usize, n: usize| -> usize {
        let n = n as i64;
        (i as i64 - shift).rem_euclid(n.max(1)) as usize
    };
    match axis {
        None => {
            let n = a.size();
            gather(cx, a, &shape, |p| Some(back(p, n)))
        }
        Some(ax) => gather(cx, a, &shape, |p| {
            let mut idx = unflat(&shape, p);
            idx[ax] = back(idx[ax], shape[ax]);
            Some(flat(&shape, &idx))
        }),
    }
}

/// `np.repeat(a, r)`: each element of the flattened array `r` times.
pub(super) fn repeat(cx: &RtCtx, a: &Array, r: i64) -> Result<*mut Array, Raised> {
    if r < 0 {
        return Err(("ValueError", "negative dimensions are not allowed".into()));
    }
    let r = r as usize;
    let n = a.size().checked_mul(r).ok_or_else(too_big)?;
    gather(cx, a, &[n], |p| Some(p / r))
}

/// `np.meshgrid(x, y)`: `x` along the rows and `y` down the columns of two
/// arrays of shape `(len(y), len(x))`, or with `ij` of `(len(x), len(y))`.
pub(super) fn meshgrid(
    cx: &RtCtx,
    x: &Array,
    y: &Array,
    ij: bool,
) -> Result<(*mut Array, *mut Array), Raised> {
    let (nx, ny) = (x.size(), y.size());
    let shape = if ij { [nx, ny] } else { [ny, nx] };
    let cols = shape[1];
    let gx = gather(cx, x, &shape, |p| {
        Some(if ij { p / cols } else { p % cols })
    })?;
    match gather(cx, y, &shape, |p| {
        Some(if ij { p % cols } else { p / cols })
    }) {
        Ok(gy) => Ok((gx, gy)),
        Err(e) => {
            // SAFETY: the first grid's one reference is ours; not handed out.
            unsafe { array::release(gx) };
            Err(e)
        }
    }
}
