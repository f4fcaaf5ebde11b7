//! Searching and comparing: `np.nonzero`, `np.flatnonzero`,
//! `np.searchsorted`, `np.unique` and `np.isclose`, with NumPy's results
//! and dtypes.

use std::cmp::Ordering;

use super::*;
use crate::array::sort_order;

/// An array of `n` int64s filled from `f`, of the plain class.
fn intp_array(
    cx: &RtCtx,
    shape: &[usize],
    f: impl FnMut(usize) -> i64,
) -> Result<*mut Array, Raised> {
    let out = new_array(&cx.table, 0, DType::I64, shape, false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let o = unsafe { &*out };
    fill(o, elems(shape), f);
    Ok(out)
}

/// Stores `f(k)` as element `k` (C order) of a fresh C-contiguous int64 array.
fn fill(o: &Array, n: usize, mut f: impl FnMut(usize) -> i64) {
    let p = o.data as *mut i64;
    for k in 0..n {
        // SAFETY: the array has `n` int64 elements, contiguous (fresh).
        unsafe { p.add(k).write_unaligned(f(k)) };
    }
}

/// `np.nonzero(a)`: one int64 array per axis into `regs`; `np.flatnonzero(a)`
/// (`flat`): the C-order positions.
pub(super) fn nonzero(
    cx: &RtCtx,
    flat: bool,
    ops: &[Opnd],
    regs: &mut [u64],
) -> Result<(), Raised> {
    let a = arr(&ops[0]);
    cx.charge(a.size())?;
    let mut at = Vec::new();
    let mut failed = false;
    for_each_offset(a.shape(), [a.strides()], |k, [o]| {
        // SAFETY: offsets inside the array.
        if unsafe { load(a.dtype, a.data.offset(o)) }.truthy() {
            failed |= at.try_reserve(1).is_err();
            if !failed {
                at.push(k);
            }
        }
    });
    if failed {
        return Err(("MemoryError", "out of memory for np.nonzero".into()));
    }
    let n = at.len();
    if flat {
        cx.charge(n)?;
        regs[0] = intp_array(cx, &[n], |k| at[k] as i64)? as u64;
        return Ok(());
    }
    let nd = a.ndim as usize;
    if regs.len() < nd {
        return Err(mismatch("np.nonzero"));
    }
    cx.charge(n.saturating_mul(nd))?;
    for axis in 0..nd {
        // The index along `axis` of the element at C-order position p.
        let inner: usize = a.shape()[axis + 1..].iter().product();
        let len = a.shape[axis];
        match intp_array(cx, &[n], |k| ((at[k] / inner) % len) as i64) {
            Ok(x) => regs[axis] = x as u64,
            Err(e) => {
                for r in &regs[..axis] {
                    // SAFETY: the arrays made above, whose one reference
                    // is ours and not handed out.
                    unsafe { array::release(*r as *mut Array) };
                }
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Where `v` goes in the sorted `a` (its first place, or with `right` its
/// last), comparing in `dt` in NumPy's sort order.
fn place(a: &Array, v: Val, dt: DType, right: bool) -> usize {
    let v = v.to(dt);
    let (mut lo, mut hi) = (0usize, a.shape[0]);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        // SAFETY: mid < the length of the 1-D array.
        let x = unsafe { load(a.dtype, a.data.offset(mid as isize * a.strides[0])) }.to(dt);
        let before = match sort_order(&x, &v) {
            Ordering::Less => true,
            Ordering::Equal => right,
            Ordering::Greater => false,
        };
        if before {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// `np.searchsorted(a, v, side)`: an int64 scalar for a scalar `v`, an
/// int64 array of `v`'s shape for an array.
pub(super) fn searchsorted(
    cx: &RtCtx,
    right: bool,
    dt: DType,
    ops: &[Opnd],
    regs: &mut [u64],
) -> Result<(), Raised> {
    let a = arr(&ops[0]);
    if a.ndim != 1 {
        return Err(mismatch("np.searchsorted"));
    }
    match &ops[1] {
        Opnd::Arr(_) if arr(&ops[1]).ndim > 0 => {
            let v = arr(&ops[1]);
            cx.charge(v.size())?;
            let out = new_array(&cx.table, 0, DType::I64, v.shape(), false)?;
            // SAFETY: `new_array` returned a live header, owned here.
            let o = unsafe { &*out };
            for_each_offset(v.shape(), [v.strides(), o.strides()], |_, [i, k]| {
                // SAFETY: offsets inside `v` and inside the new array of its shape.
                unsafe {
                    let x = load(v.dtype, v.data.offset(i));
                    store(
                        DType::I64,
                        o.data.offset(k),
                        Val::I(place(a, x, dt, right) as i64),
                    );
                }
            });
            put_arr(regs, out);
        }
        o => {
            let (x, _) = scalar(o);
            regs[0] = place(a, x, dt, right) as u64;
        }
    }
    Ok(())
}

/// `np.unique(a)`: the distinct elements of `a`, sorted, in a new 1-D
/// array (every NaN counts as one, as NumPy 2's `equal_nan=True`).
pub(super) fn unique(cx: &RtCtx, ops: &[Opnd]) -> Result<*mut Array, Raised> {
    let a = arr(&ops[0]);
    let n = a.size();
    cx.charge(n)?;
    let mut vals = Vec::new();
    vals.try_reserve_exact(n)
        .map_err(|_| ("MemoryError", "out of memory for np.unique".to_string()))?;
    for_each_offset(a.shape(), [a.strides()], |_, [o]| {
        // SAFETY: offsets inside the array.
        vals.push(unsafe { load(a.dtype, a.data.offset(o)) })
    });
    vals.sort_by(sort_order);
    vals.dedup_by(|x, y| sort_order(x, y) == Ordering::Equal);
    cx.charge(vals.len())?;
    let out = new_array(&cx.table, a.class, a.dtype, &[vals.len()], false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let o = unsafe { &*out };
    for (k, v) in vals.iter().enumerate() {
        // SAFETY: k < the new array's length; its stride is the item size.
        unsafe { store(a.dtype, o.data.add(k * a.itemsize()), *v) };
    }
    Ok(out)
}

/// `x` rounded to `dt` (float32 or float64).
fn round_to(x: f64, dt: DType) -> f64 {
    if dt == DType::F32 {
        x as f32 as f64
    } else {
        x
    }
}

/// `a + b`, `a * b`, `|a - b|` computed in `dt`.
fn add(a: f64, b: f64, dt: DType) -> f64 {
    if dt == DType::F32 {
        (a as f32 + b as f32) as f64
    } else {
        a + b
    }
}

fn mul(a: f64, b: f64, dt: DType) -> f64 {
    if dt == DType::F32 {
        (a as f32 * b as f32) as f64
    } else {
        a * b
    }
}

fn dist(a: f64, b: f64, dt: DType) -> f64 {
    if dt == DType::F32 {
        (a as f32 - b as f32).abs() as f64
    } else {
        (a - b).abs()
    }
}

/// NumPy's `isclose` of two elements: `|x - y| <= atol + rtol * |y|` for a
/// finite `y`, or `x == y`, or (with `equal_nan`) both NaN.
fn close(x: Val, y: Val, tols: (f64, f64), dts: (DType, DType, DType), equal_nan: bool) -> bool {
    let (rtol, atol) = tols;
    let (sub, ydt, tol) = dts;
    let y = round_to(y.as_f64(), ydt);
    let (xs, ys) = (round_to(x.as_f64(), sub), round_to(y, sub));
    let bound = add(
        round_to(atol, tol),
        mul(round_to(rtol, tol), y.abs(), tol),
        tol,
    );
    let near = dist(xs, ys, sub) <= round_to(bound, sub) && y.is_finite();
    near || xs == ys || (equal_nan && xs.is_nan() && y.is_nan())
}

/// `np.isclose(x, y, rtol, atol)`: a bool array of the broadcast shape, or
/// a bool scalar of two scalars.
pub(super) fn isclose(
    cx: &RtCtx,
    dts: (DType, DType, DType),
    equal_nan: bool,
    ops: &[Opnd],
    regs: &mut [u64],
) -> Result<(), Raised> {
    let tols = (scalar(&ops[2]).0.as_f64(), scalar(&ops[3]).0.as_f64());
    let (x, y) = (&ops[0], &ops[1]);
    let shapes = array_shapes(&ops[..2]);
    if shapes.is_empty() {
        regs[0] = close(scalar(x).0, scalar(y).0, tols, dts, equal_nan) as u64;
        return Ok(());
    }
    let shape = broadcast(&shapes)?;
    cx.charge(elems(&shape))?;
    let out = new_array(&cx.table, 0, DType::Bool, &shape, false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let o = unsafe { &*out };
    // A scalar operand reads as an array of one element, stride 0.
    let cell = |op: &Opnd| -> (Val, DType, *const u8, [isize; MAX_NDIM]) {
        match op {
            Opnd::Arr(_) => {
                let a = arr(op);
                (
                    Val::I(0),
                    a.dtype,
                    a.data,
                    broadcast_strides(a.shape(), a.strides(), &shape),
                )
            }
            o => {
                let (v, d) = scalar(o);
                (v, d, std::ptr::null(), [0; MAX_NDIM])
            }
        }
    };
    let (xv, xd, xp, xs) = cell(x);
    let (yv, yd, yp, ys) = cell(y);
    let nd = shape.len();
    for_each_offset(
        &shape,
        [&xs[..nd], &ys[..nd], o.strides()],
        |_, [i, j, k]| {
            // SAFETY: broadcast offsets inside each array operand (a scalar
            // operand has no pointer and is not read through one), and an
            // element of the new array of the broadcast shape.
            unsafe {
                let a = if xp.is_null() {
                    xv
                } else {
                    load(xd, xp.offset(i))
                };
                let b = if yp.is_null() {
                    yv
                } else {
                    load(yd, yp.offset(j))
                };
                let r = close(a, b, tols, dts, equal_nan);
                store(DType::Bool, o.data.offset(k), Val::I(r as i64));
            }
        },
    );
    put_arr(regs, out);
    Ok(())
}
