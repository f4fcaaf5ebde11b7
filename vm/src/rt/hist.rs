//! `np.histogram`: NumPy's counts and edges, computed as NumPy computes
//! them (the edges by `linspace`, each value's bin from its scaled offset
//! then corrected against the edges, in the dtypes NumPy's promotion
//! gives), so that values on an edge land in the same bin.

use super::*;
use crate::array::sort_order;

/// `x` as a value of the float dtype `dt`.
fn round(x: f64, dt: DType) -> f64 {
    if dt == DType::F32 {
        x as f32 as f64
    } else {
        x
    }
}

/// An arithmetic operation on two values of the float dtype `dt`.
fn op(a: f64, b: f64, dt: DType, f: fn(f64, f64) -> f64, g: fn(f32, f32) -> f32) -> f64 {
    if dt == DType::F32 {
        g(a as f32, b as f32) as f64
    } else {
        f(a, b)
    }
}

fn sub(a: f64, b: f64, dt: DType) -> f64 {
    op(a, b, dt, |a, b| a - b, |a, b| a - b)
}

fn div(a: f64, b: f64, dt: DType) -> f64 {
    op(a, b, dt, |a, b| a / b, |a, b| a / b)
}

fn mul(a: f64, b: f64, dt: DType) -> f64 {
    op(a, b, dt, |a, b| a * b, |a, b| a * b)
}

fn add(a: f64, b: f64, dt: DType) -> f64 {
    op(a, b, dt, |a, b| a + b, |a, b| a + b)
}

fn value_error(msg: String) -> Raised {
    ("ValueError", msg)
}

/// A Python number as f-strings show it.
fn py_number(v: Val) -> String {
    match v {
        Val::F(x) => {
            let mut s = String::new();
            (kernels().write_float)(&mut s, x);
            s
        }
        v => v.as_i64().to_string(),
    }
}

/// `np.histogram(a, bins[, range])`: the counts and the edges into `regs`.
pub(super) fn histogram(
    cx: &RtCtx,
    edges_given: bool,
    range: bool,
    ops: &[Opnd],
    regs: &mut [u64],
) -> Result<(), Raised> {
    let a = arr(&ops[0]);
    if regs.len() < 2 {
        return Err(mismatch("np.histogram"));
    }
    cx.charge(a.size())?;
    let mut data = Vec::new();
    data.try_reserve_exact(a.size())
        .map_err(|_| ("MemoryError", "out of memory for np.histogram".to_string()))?;
    for_each_offset(a.shape(), [a.strides()], |_, [o]| {
        // SAFETY: offsets inside the array.
        data.push(unsafe { load(a.dtype, a.data.offset(o)) })
    });
    let (counts, edges) = if edges_given {
        let e = arr(&ops[1]);
        let counts = by_edges(a.dtype, data, e)?;
        // NumPy returns the array of edges itself.
        let Opnd::Arr(p) = ops[1] else {
            return Err(mismatch("np.histogram"));
        };
        // SAFETY: a live operand; the result takes a reference of its own.
        unsafe { array::retain(p) };
        (counts, p)
    } else {
        let nb = scalar(&ops[1]).0.as_i64();
        let bounds = if range {
            Some((scalar(&ops[2]).0, scalar(&ops[3]).0))
        } else {
            None
        };
        equal_bins(cx, a.dtype, &data, nb, bounds)?
    };
    cx.charge(counts.len())?;
    let c = match new_array(&cx.table, 0, DType::I64, &[counts.len()], false) {
        Ok(c) => c,
        Err(e) => {
            // SAFETY: the edges' reference, ours and not handed out.
            unsafe { array::release(edges) };
            return Err(e);
        }
    };
    // SAFETY: `new_array` returned a live header, owned here.
    let co = unsafe { &*c };
    for (k, &n) in counts.iter().enumerate() {
        // SAFETY: k < the new array's length, contiguous int64s.
        unsafe { (co.data as *mut i64).add(k).write_unaligned(n) };
    }
    regs[0] = c as u64;
    regs[1] = edges as u64;
    Ok(())
}

/// Counts against given edges, as NumPy's sorted search: values from one
/// edge up to the next, the last bin closed, compared in the common dtype.
fn by_edges(dt: DType, mut data: Vec<Val>, e: &Array) -> Result<Vec<i64>, Raised> {
    let n = e.shape[0];
    let edge = |k: usize| {
        // SAFETY: k < the length of the 1-D edges.
        unsafe { load(e.dtype, e.data.offset(k as isize * e.strides[0])) }
    };
    let decreases = (1..n).any(|k| match (edge(k - 1), edge(k)) {
        (Val::F(x), Val::F(y)) => x > y,
        (Val::U(x), Val::U(y)) => x > y,
        (x, y) => x.as_i64() > y.as_i64(),
    });
    if decreases {
        return Err(value_error(
            "`bins` must increase monotonically, when an array".into(),
        ));
    }
    let cmp = DType::promote(dt, e.dtype);
    for v in data.iter_mut() {
        *v = v.to(cmp);
    }
    data.sort_by(sort_order);
    // How many values come before edge k (after it too, for the last).
    let cum: Vec<usize> = (0..n)
        .map(|k| {
            let x = edge(k).to(cmp);
            let last = k + 1 == n;
            data.partition_point(|v| match sort_order(v, &x) {
                std::cmp::Ordering::Less => true,
                std::cmp::Ordering::Equal => last,
                std::cmp::Ordering::Greater => false,
            })
        })
        .collect();
    Ok(cum.windows(2).map(|w| (w[1] - w[0]) as i64).collect())
}

/// Equal bins: the edges by `linspace` from the range (or the least and
/// greatest values), then each value in range counted in its bin.
fn equal_bins(
    cx: &RtCtx,
    dt: DType,
    data: &[Val],
    nb: i64,
    bounds: Option<(Val, Val)>,
) -> Result<(Vec<i64>, *mut Array), Raised> {
    if nb < 1 {
        return Err(value_error(
            "`bins` must be positive, when an integer".into(),
        ));
    }
    let f32 = dt == DType::F32;
    // The edges' dtype; and the dtype of linspace and of the scaling,
    // float32 only where the range is the data's own float32 values (a
    // given range, or the 0 to 1 of no data, is Python numbers).
    let bin = if f32 { DType::F32 } else { DType::F64 };
    let lin = if f32 && bounds.is_none() && !data.is_empty() {
        DType::F32
    } else {
        DType::F64
    };
    let (mut first, mut last) = match bounds {
        Some((lo, hi)) => {
            let (l, h) = (lo.as_f64(), hi.as_f64());
            if l > h {
                return Err(value_error(
                    "max must be larger than min in range parameter.".into(),
                ));
            }
            if !(l.is_finite() && h.is_finite()) {
                return Err(value_error(format!(
                    "supplied range of [{}, {}] is not finite",
                    py_number(lo),
                    py_number(hi)
                )));
            }
            (l, h)
        }
        None if data.is_empty() => (0.0, 1.0),
        None => {
            // NumPy's min and max: a NaN anywhere is the answer.
            let nan = data.iter().find(|v| matches!(v, Val::F(x) if x.is_nan()));
            let (lo, hi) = match nan {
                Some(v) => (*v, *v),
                None => {
                    let lo = data.iter().copied().min_by(sort_order).unwrap_or(Val::I(0));
                    let hi = data.iter().copied().max_by(sort_order).unwrap_or(Val::I(0));
                    (lo, hi)
                }
            };
            let (l, h) = (lo.as_f64(), hi.as_f64());
            if !(l.is_finite() && h.is_finite()) {
                let show = |v: Val| (kernels().scalar_str)(elem(v, dt));
                return Err(value_error(format!(
                    "autodetected range of [{}, {}] is not finite",
                    show(lo),
                    show(hi)
                )));
            }
            (l, h)
        }
    };
    if first == last {
        first = sub(first, 0.5, lin);
        last = add(last, 0.5, lin);
    }
    let n = nb as usize;
    cx.charge(n + 1)?;
    // linspace(first, last, n + 1) in `lin`, stored as `bin`.
    let mut edges = Vec::new();
    edges
        .try_reserve_exact(n + 1)
        .map_err(|_| ("MemoryError", "out of memory for np.histogram".to_string()))?;
    let (lo, hi) = (round(first, lin), round(last, lin));
    let delta = sub(hi, lo, lin);
    let step = div(delta, nb as f64, lin);
    for i in 0..=n {
        let y = if i == n {
            hi
        } else if step == 0.0 {
            mul(div(i as f64, nb as f64, lin), delta, lin)
        } else {
            mul(i as f64, step, lin)
        };
        let y = if i == n { y } else { add(y, lo, lin) };
        edges.push(round(y, bin));
    }
    if edges.windows(2).any(|w| w[0] >= w[1]) {
        return Err(value_error(format!(
            "Too many bins for data range. Cannot create {nb} finite-sized bins."
        )));
    }
    // The scaling divides by the range's width in `lin` (exact for ints).
    let denom = delta;
    let (keep_lo, keep_hi) = if f32 {
        (round(first, DType::F32), round(last, DType::F32))
    } else {
        (first, last)
    };
    let base = round(first, bin);
    let mut counts = Vec::new();
    counts
        .try_reserve_exact(n)
        .map_err(|_| ("MemoryError", "out of memory for np.histogram".to_string()))?;
    counts.resize(n, 0i64);
    for v in data {
        let x = v.as_f64();
        if !(x >= keep_lo && x <= keep_hi) {
            continue;
        }
        let t = round(x, bin);
        let f = mul(div(sub(t, base, bin), denom, lin), nb as f64, lin);
        let mut k = (f as i64).clamp(0, nb - 1) as usize;
        if t < edges[k] && k > 0 {
            k -= 1;
        }
        if k + 1 < n && t >= edges[k + 1] {
            k += 1;
        }
        counts[k] += 1;
    }
    let out = new_array(&cx.table, 0, bin, &[n + 1], false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let o = unsafe { &*out };
    for (k, &e) in edges.iter().enumerate() {
        // SAFETY: k < the new array's length; its stride is the item size.
        unsafe { store(bin, o.data.add(k * bin.itemsize()), Val::F(e)) };
    }
    Ok((counts, out))
}
