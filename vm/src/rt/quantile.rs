//! `np.quantile` and `np.percentile` with NumPy's default (`linear`)
//! method, computed as NumPy's `_quantile` does: each lane sorted (NaNs
//! last, a NaN making the result NaN), the virtual index `(n - 1) * q`, and
//! NumPy's `_lerp` between its two neighbours in the array's own dtype
//! (float32 stays float32, integers interpolate in float64 from a
//! difference that wraps in their dtype). An integer `q` of `quantile`
//! picks an element without interpolation, keeping the array's dtype.

use super::*;

/// Which function, and how to read its `q`.
#[derive(Clone, Copy)]
pub(super) struct Q {
    pub percent: bool,
    /// `q` as given: an int (only `quantile` picks then) or a float.
    pub q: Val,
}

impl Q {
    /// `q` as a fraction, checked as NumPy checks it (a NaN is out of range).
    fn fraction(&self) -> Result<f64, Raised> {
        let q = match self.q {
            Val::F(f) => f,
            v => v.as_i64() as f64,
        };
        let (q, msg) = if self.percent {
            (q / 100.0, "Percentiles must be in the range [0, 100]")
        } else {
            (q, "Quantiles must be in the range [0, 1]")
        };
        if !(0.0..=1.0).contains(&q) {
            return Err(("ValueError", msg.into()));
        }
        Ok(q)
    }
}

/// The quantile of every element (`axis` None) or along `axis` into a new
/// array of the other axes, of dtype `out_dt`.
pub(super) fn quantile(
    cx: &RtCtx,
    a: &Array,
    q: Q,
    axis: Option<usize>,
    out_dt: DType,
) -> Result<Result<Val, *mut Array>, Raised> {
    let frac = q.fraction()?;
    let pick = !q.percent && !matches!(q.q, Val::F(_));
    let c = copy_as(cx, a, a.dtype)?;
    // SAFETY: `copy_as` returned a live C-contiguous header, owned here.
    let cr = unsafe { &*c };
    let r = sorted_lanes(cx, cr, axis, |lanes, n, step| {
        let at = |start: isize, i: usize| {
            // SAFETY: element i < n of a lane of the sorted copy.
            unsafe { load(cr.dtype, cr.data.offset(start + i as isize * step)) }
        };
        let value = |start: isize| -> Val {
            if cr.dtype.is_float() && at(start, n - 1).as_f64().is_nan() {
                return Val::F(f64::NAN);
            }
            if pick {
                // q is 0 or 1: the first or the last.
                return at(start, if frac == 0.0 { 0 } else { n - 1 });
            }
            let vi = (n - 1) as f64 * frac;
            // NumPy's `_get_indexes`: past the last index both neighbours
            // are index -1, and the weight is counted from there.
            let (prev, next) = if vi >= (n - 1) as f64 {
                (-1.0, -1.0)
            } else {
                let p = vi.floor();
                (p, p + 1.0)
            };
            let index = |k: f64| if k < 0.0 { n - 1 } else { k as usize };
            let (x, y) = (at(start, index(prev)), at(start, index(next)));
            Val::F(lerp(cr.dtype, x, y, vi - prev))
        };
        match axis {
            Some(_) if a.ndim > 1 => {
                let mut oshape = a.shape().to_vec();
                oshape.remove(axis.unwrap_or(0));
                let out = new_array(&cx.table, 0, out_dt, &oshape, false)?;
                // SAFETY: `new_array` returned a live header, owned here.
                let o = unsafe { &*out };
                let mut k = 0;
                for_each_offset(&oshape, [o.strides()], |_, [w]| {
                    let v = value(lanes[k]);
                    k += 1;
                    // SAFETY: offset inside the output.
                    unsafe { store(out_dt, o.data.offset(w), v) };
                });
                Ok(Err(out))
            }
            _ => Ok(Ok(value(lanes[0]))),
        }
    });
    // SAFETY: the copy's one reference is ours; not used again.
    unsafe { array::release(c) };
    r
}

/// Sorts each lane of the contiguous copy `c` along `axis` (every element
/// for None) in place, then gives `f` the start of each lane in C order of
/// the other axes, the lane's length and its stride.
fn sorted_lanes<T>(
    cx: &RtCtx,
    c: &Array,
    axis: Option<usize>,
    f: impl FnOnce(&[isize], usize, isize) -> Result<T, Raised>,
) -> Result<T, Raised> {
    let nd = c.ndim as usize;
    let (shape, strides) = match axis {
        Some(k) if nd > 0 => {
            // The lane's axis moved last, so the sort kernel sorts along it.
            let mut shape = c.shape().to_vec();
            let mut strides = c.strides().to_vec();
            let (n, st) = (shape.remove(k), strides.remove(k));
            shape.push(n);
            strides.push(st);
            (shape, strides)
        }
        _ => (vec![c.size()], vec![c.itemsize() as isize]),
    };
    let n = *shape.last().unwrap_or(&1);
    let mut view = borrowed(c, c.data, &shape);
    view.ndim = shape.len() as u8;
    view.strides[..shape.len()].copy_from_slice(&strides);
    cx.charge(c.size())?;
    let lanes_shape = &shape[..shape.len() - 1];
    let mut lanes = Vec::new();
    for_each_offset(lanes_shape, [&strides[..shape.len() - 1]], |_, [o]| {
        lanes.push(o)
    });
    if n == 0 && !lanes.is_empty() {
        return Err((
            "IndexError",
            "index -1 is out of bounds for axis 0 with size 0".into(),
        ));
    }
    (kernels().sort)(&view);
    f(&lanes, n, *strides.last().unwrap_or(&0))
}

/// NumPy's `_lerp(a, b, t)`: `a + (b - a) * t`, or `b - (b - a) * (1 - t)`
/// where `t >= 0.5`, in float32 for float32 and in float64 from a
/// difference taken in the integer dtype otherwise.
fn lerp(dt: DType, a: Val, b: Val, t: f64) -> f64 {
    match dt {
        DType::F32 => {
            let (a, b) = (a.as_f64() as f32, b.as_f64() as f32);
            let d = b - a;
            (if t >= 0.5 {
                b - d * ((1.0 - t) as f32)
            } else {
                a + d * t as f32
            }) as f64
        }
        DType::F64 => {
            let (a, b) = (a.as_f64(), b.as_f64());
            let d = b - a;
            if t >= 0.5 {
                b - d * (1.0 - t)
            } else {
                a + d * t
            }
        }
        _ => {
            let d = int_difference(dt, a, b);
            let (a, b) = (a.as_f64(), b.as_f64());
            if t >= 0.5 {
                b - d * (1.0 - t)
            } else {
                a + d * t
            }
        }
    }
}

/// `b - a` in the integer dtype `dt`, wrapping as NumPy's does, as a float.
fn int_difference(dt: DType, a: Val, b: Val) -> f64 {
    if dt.is_unsigned() {
        let d = match b.as_u64().wrapping_sub(a.as_u64()) {
            d if dt == DType::U64 => d,
            d => d & ((1u64 << (dt.itemsize() * 8)) - 1),
        };
        return d as f64;
    }
    let d = b.as_i64().wrapping_sub(a.as_i64());
    let shift = 64 - dt.itemsize() as u32 * 8;
    ((d << shift) >> shift) as f64
}

/// The quantile for each `q` of the array `qs` (float64, C order): a
/// float64 array of `qs`'s shape followed by the other axes of `a`.
pub(super) fn quantiles(
    cx: &RtCtx,
    a: &Array,
    qs: &Array,
    percent: bool,
    axis: Option<usize>,
) -> Result<*mut Array, Raised> {
    let mut shape = qs.shape().to_vec();
    if let Some(k) = axis.filter(|_| a.ndim > 1) {
        shape.extend(
            a.shape()
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != k)
                .map(|(_, &d)| d),
        );
    }
    let mut values = Vec::new();
    for_each_offset(qs.shape(), [qs.strides()], |_, [o]| {
        // SAFETY: offsets inside `qs`.
        values.push(unsafe { load(qs.dtype, qs.data.offset(o)) });
    });
    let out = new_array(&cx.table, 0, DType::F64, &shape, false)?;
    // SAFETY: `new_array` returned a live C-contiguous header, owned here.
    let o = unsafe { &*out };
    let mut w = 0isize;
    for q in values {
        let one = Q {
            percent,
            q: Val::F(q.as_f64()),
        };
        let r = match quantile(cx, a, one, axis, DType::F64) {
            Ok(r) => r,
            Err(e) => {
                // SAFETY: the output's one reference is ours; not handed out.
                unsafe { array::release(out) };
                return Err(e);
            }
        };
        match r {
            Ok(v) => {
                // SAFETY: w counts the output's elements in C order.
                unsafe { store(DType::F64, o.data.offset(w * 8), v) };
                w += 1;
            }
            Err(part) => {
                // SAFETY: `quantile` returned a live header, owned here.
                let p = unsafe { &*part };
                for_each_offset(p.shape(), [p.strides()], |_, [i]| {
                    // SAFETY: offsets inside the part; w counts the
                    // output's elements, of which the part fills its share.
                    unsafe {
                        store(
                            DType::F64,
                            o.data.offset(w * 8),
                            load(p.dtype, p.data.offset(i)),
                        )
                    };
                    w += 1;
                });
                // SAFETY: the part's one reference is ours; not used again.
                unsafe { array::release(part) };
            }
        }
    }
    Ok(out)
}
