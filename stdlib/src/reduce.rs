//! Reductions: sums (NumPy's pairwise summation for floats, so they round
//! as NumPy's do), products, means, minima, maxima and their positions,
//! over a whole array or along one axis.

use typer::tir::Reduction;
use typer::DType;
use vm::array::{for_each_offset, load, store, Array, Raised, Val};

/// NumPy's pairwise summation (the order `np.add.reduce` uses on a
/// contiguous run), so float sums round as NumPy's do.
fn pairwise_sum(v: &[f64], f32_acc: bool) -> f64 {
    let add = |a: f64, b: f64| {
        if f32_acc {
            (a as f32 + b as f32) as f64
        } else {
            a + b
        }
    };
    let n = v.len();
    if n < 8 {
        let mut s = if f32_acc { -0.0f32 as f64 } else { -0.0 };
        for &x in v {
            s = add(s, x);
        }
        s
    } else if n <= 128 {
        let mut r = [v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]];
        let mut i = 8;
        while i < n - n % 8 {
            for j in 0..8 {
                r[j] = add(r[j], v[i + j]);
            }
            i += 8;
        }
        let mut res = add(
            add(add(r[0], r[1]), add(r[2], r[3])),
            add(add(r[4], r[5]), add(r[6], r[7])),
        );
        while i < n {
            res = add(res, v[i]);
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        add(
            pairwise_sum(&v[..n2], f32_acc),
            pairwise_sum(&v[n2..], f32_acc),
        )
    }
}

fn reduce_values(f: Reduction, acc: DType, vals: &[Val], what: &str) -> Result<Val, Raised> {
    let n = vals.len();
    Ok(match f {
        Reduction::Sum if acc.is_float() => {
            let v: Vec<f64> = vals.iter().map(|x| x.as_f64()).collect();
            Val::F(if n == 0 {
                0.0
            } else {
                pairwise_sum(&v, acc == DType::F32)
            })
        }
        Reduction::Sum if acc.is_unsigned() => {
            Val::U(vals.iter().fold(0u64, |s, x| s.wrapping_add(x.as_u64())))
        }
        Reduction::Sum => Val::I(vals.iter().fold(0i64, |s, x| s.wrapping_add(x.as_i64()))),
        Reduction::Prod if acc.is_float() => Val::F(vals.iter().fold(1.0, |s, x| s * x.as_f64())),
        Reduction::Prod if acc.is_unsigned() => {
            Val::U(vals.iter().fold(1u64, |s, x| s.wrapping_mul(x.as_u64())))
        }
        Reduction::Prod => Val::I(vals.iter().fold(1i64, |s, x| s.wrapping_mul(x.as_i64()))),
        Reduction::Mean => {
            let v: Vec<f64> = vals.iter().map(|x| x.as_f64()).collect();
            let s = if n == 0 {
                0.0
            } else {
                pairwise_sum(&v, acc == DType::F32)
            };
            Val::F(s / n as f64)
        }
        Reduction::Min | Reduction::Max | Reduction::ArgMin | Reduction::ArgMax => {
            if n == 0 {
                let name = match f {
                    Reduction::Min => {
                        "zero-size array to reduction operation minimum which has no identity"
                            .to_string()
                    }
                    Reduction::Max => {
                        "zero-size array to reduction operation maximum which has no identity"
                            .to_string()
                    }
                    _ => format!("attempt to get {what} of an empty sequence"),
                };
                return Err(("ValueError", name));
            }
            let is_min = matches!(f, Reduction::Min | Reduction::ArgMin);
            let mut best = 0;
            for i in 1..n {
                let (a, b) = (vals[best], vals[i]);
                let better = match (a, b) {
                    (Val::F(a), _) if a.is_nan() => false,
                    (_, Val::F(b)) if b.is_nan() => true,
                    (Val::F(a), Val::F(b)) => {
                        if is_min {
                            b < a
                        } else {
                            b > a
                        }
                    }
                    (Val::U(a), Val::U(b)) => {
                        if is_min {
                            b < a
                        } else {
                            b > a
                        }
                    }
                    (a, b) => {
                        let (a, b) = (a.as_i64(), b.as_i64());
                        if is_min {
                            b < a
                        } else {
                            b > a
                        }
                    }
                };
                if better {
                    best = i;
                }
            }
            match f {
                Reduction::ArgMin | Reduction::ArgMax => Val::I(best as i64),
                _ => vals[best],
            }
        }
    })
}

/// The whole-array reduction kernel of the runtime table.
pub fn reduce_all(f: Reduction, acc: DType, a: &Array) -> Result<Val, Raised> {
    if let Some(v) = reduce_contiguous(f, acc, a) {
        return Ok(v);
    }
    let mut vals = Vec::with_capacity(a.size());
    for_each_offset(a.shape(), [a.strides()], |_, [o]| {
        // SAFETY: offsets inside the array.
        vals.push(unsafe { load(a.dtype, a.data.offset(o)) })
    });
    let what = if f == Reduction::ArgMin {
        "argmin"
    } else {
        "argmax"
    };
    reduce_values(f, acc, &vals, what)
}

/// Sums, means, minima and maxima of contiguous float64 and int64 arrays,
/// read in place (the general path copies every element out first).
fn reduce_contiguous(f: Reduction, acc: DType, a: &Array) -> Option<Val> {
    let n = a.size();
    // Another accumulator (`np.sum(a, dtype=np.float32)`) rounds differently.
    let other_acc = acc != a.dtype && matches!(f, Reduction::Sum | Reduction::Mean);
    if n == 0 || other_acc || !a.is_c_contiguous() || !(a.data as usize).is_multiple_of(8) {
        return None;
    }
    match (a.dtype, f) {
        (DType::F64, Reduction::Sum | Reduction::Mean | Reduction::Min | Reduction::Max) => {
            // SAFETY: a contiguous, aligned float64 array of n elements.
            let v = unsafe { std::slice::from_raw_parts(a.data as *const f64, n) };
            Some(Val::F(match f {
                Reduction::Sum => pairwise_sum(v, false),
                Reduction::Mean => pairwise_sum(v, false) / n as f64,
                // NumPy propagates nan through min and max.
                _ if v.iter().any(|x| x.is_nan()) => f64::NAN,
                // The first of equal values wins (0.0 before -0.0), as in the general path.
                Reduction::Min => v[1..].iter().fold(v[0], |m, &x| if x < m { x } else { m }),
                _ => v[1..].iter().fold(v[0], |m, &x| if x > m { x } else { m }),
            }))
        }
        (DType::I64, Reduction::Sum | Reduction::Min | Reduction::Max) => {
            // SAFETY: a contiguous, aligned int64 array of n elements.
            let v = unsafe { std::slice::from_raw_parts(a.data as *const i64, n) };
            Some(Val::I(match f {
                Reduction::Sum => v.iter().fold(0i64, |s, &x| s.wrapping_add(x)),
                Reduction::Min => *v.iter().min()?,
                _ => *v.iter().max()?,
            }))
        }
        _ => None,
    }
}

/// The reduction kernel along `axis`, into a fresh output of the other axes.
pub fn reduce_axis(
    f: Reduction,
    acc: DType,
    a: &Array,
    axis: usize,
    o: &Array,
) -> Result<(), Raised> {
    let mut oshape: Vec<usize> = a.shape().to_vec();
    oshape.remove(axis);
    let mut ostr: Vec<isize> = a.strides().to_vec();
    ostr.remove(axis);
    let n = a.shape[axis];
    let st = a.strides[axis];
    let what = if f == Reduction::ArgMin {
        "argmin"
    } else {
        "argmax"
    };
    let mut err = None;
    for_each_offset(&oshape, [&ostr, o.strides()], |_, [i, w]| {
        let vals: Vec<Val> = (0..n)
            // SAFETY: offsets along the reduced axis, inside the array.
            .map(|k| unsafe { load(a.dtype, a.data.offset(i + k as isize * st)) })
            .collect();
        match reduce_values(f, acc, &vals, what) {
            // SAFETY: offset inside the output.
            Ok(v) => unsafe { store(o.dtype, o.data.offset(w), v) },
            Err(e) => err = err.take().or(Some(e)),
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
