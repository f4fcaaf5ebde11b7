//! Sorting along the last axis (NumPy's order: NaNs last; ties keep their
//! order, as NumPy's stable sort does) and cumulative sums and products.
//!
//! The runtime has allocated the outputs and spent the fuel; these only
//! compute, one row (or one line along an axis) at a time.

use typer::tir::Reduction;
use typer::DType;
use vm::array::{for_each_offset, load, sort_order as order, store, Array, Val};

/// Calls `f` with the byte offset of the start of every row (the last
/// axis) of an array of this shape and these strides.
fn rows(shape: &[usize], strides: &[isize], mut f: impl FnMut(isize)) {
    let nd = shape.len();
    if nd == 0 || shape.contains(&0) {
        return;
    }
    for_each_offset(&shape[..nd - 1], [&strides[..nd - 1]], |_, [o]| f(o));
}

/// Reads one row of `n` elements.
///
/// # Safety
/// The row lies inside the array.
unsafe fn read_row(a: &Array, start: isize, n: usize, step: isize) -> Vec<Val> {
    (0..n)
        // SAFETY: the caller's contract.
        .map(|i| unsafe { load(a.dtype, a.data.offset(start + i as isize * step)) })
        .collect()
}

/// Sorts `a` in place along its last axis.
pub fn sort(a: &Array) {
    let shape = a.shape();
    let Some(&n) = shape.last() else { return };
    let step = a.strides()[shape.len() - 1];
    rows(shape, a.strides(), |start| {
        // SAFETY: rows of the array's own shape and strides.
        let mut v = unsafe { read_row(a, start, n, step) };
        v.sort_by(order);
        for (i, x) in v.into_iter().enumerate() {
            // SAFETY: as above.
            unsafe { store(a.dtype, a.data.offset(start + i as isize * step), x) };
        }
    });
}

/// Writes into `out` (int64, `a`'s shape) the indices that sort each row of `a`.
pub fn argsort(a: &Array, out: &Array) {
    let shape = a.shape();
    let Some(&n) = shape.last() else { return };
    let nd = shape.len();
    let (step, ostep) = (a.strides()[nd - 1], out.strides()[nd - 1]);
    let mut outs = Vec::new();
    rows(shape, out.strides(), |o| outs.push(o));
    let mut k = 0;
    rows(shape, a.strides(), |start| {
        // SAFETY: rows of the array's own shape and strides.
        let v = unsafe { read_row(a, start, n, step) };
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|&i, &j| order(&v[i], &v[j]));
        for (i, &x) in idx.iter().enumerate() {
            // SAFETY: `out` has `a`'s shape; this is row k of it.
            unsafe {
                store(
                    DType::I64,
                    out.data.offset(outs[k] + i as isize * ostep),
                    Val::I(x as i64),
                )
            };
        }
        k += 1;
    });
}

/// One step of a cumulative sum or product in `acc`.
fn step(f: Reduction, acc: DType, s: Val, x: Val) -> Val {
    let x = x.to(acc);
    match (f, s, x) {
        (Reduction::Prod, Val::F(a), Val::F(b)) => Val::F(if acc == DType::F32 {
            (a as f32 * b as f32) as f64
        } else {
            a * b
        }),
        (_, Val::F(a), Val::F(b)) => Val::F(if acc == DType::F32 {
            (a as f32 + b as f32) as f64
        } else {
            a + b
        }),
        (Reduction::Prod, Val::U(a), Val::U(b)) => Val::U(a.wrapping_mul(b)),
        (_, Val::U(a), Val::U(b)) => Val::U(a.wrapping_add(b)),
        (Reduction::Prod, a, b) => Val::I(a.as_i64().wrapping_mul(b.as_i64())),
        (_, a, b) => Val::I(a.as_i64().wrapping_add(b.as_i64())),
    }
}

/// `np.cumsum` / `np.cumprod` of `a` into `out` (of dtype `acc`): of the
/// elements in C order into a 1-D `out` (no axis), or along `axis` into
/// an `out` of `a`'s shape.
pub fn cumulate(f: Reduction, acc: DType, a: &Array, axis: Option<usize>, out: &Array) {
    match axis {
        None => {
            let mut s: Option<Val> = None;
            let ostep = out.strides().first().copied().unwrap_or(0);
            for_each_offset(a.shape(), [a.strides()], |k, [o]| {
                // SAFETY: offsets inside `a`.
                let x = unsafe { load(a.dtype, a.data.offset(o)) };
                let v = match s {
                    None => x.to(acc),
                    Some(p) => step(f, acc, p, x),
                };
                s = Some(v);
                // SAFETY: `out` has one element per element of `a`.
                unsafe { store(acc, out.data.offset(k as isize * ostep), v) };
            });
        }
        Some(ax) => {
            let ost = out.strides()[ax];
            // Element k (in C order) is first along the axis when its index
            // there, (k / inner) % shape[ax], is 0.
            let inner: usize = a.shape()[ax + 1..].iter().product();
            let len = a.shape()[ax];
            for_each_offset(a.shape(), [a.strides(), out.strides()], |k, [o, w]| {
                // SAFETY: offsets inside `a` and `out`, which share a shape.
                let x = unsafe { load(a.dtype, a.data.offset(o)) };
                let v = if (k / inner.max(1)).is_multiple_of(len.max(1)) {
                    x.to(acc)
                } else {
                    // SAFETY: the previous element along the axis, written
                    // already (C order visits it first).
                    step(f, acc, unsafe { load(acc, out.data.offset(w - ost)) }, x)
                };
                // SAFETY: as above.
                unsafe { store(acc, out.data.offset(w), v) };
            });
        }
    }
}
