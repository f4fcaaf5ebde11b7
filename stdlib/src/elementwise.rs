//! Elementwise kernels over strided, broadcast arrays: ufuncs (through the
//! typed loops of [`crate::ufunc`] when the operands allow, else one
//! element at a time with conversions) and `np.where`.
//!
//! The runtime has checked shapes, allocated the output and spent the fuel;
//! a kernel only computes. Inputs are read as if broadcast to the output's
//! shape.

use typer::tir::Ufunc;
use typer::DType;
use vm::array::{broadcast_strides, for_each_offset, load, store, Array, Raised, Val, MAX_NDIM};
use vm::runtime::Input;

/// Strides of every input broadcast to `shape`, then the output's.
pub(crate) fn operand_strides(ins: &[Input], o: &Array) -> Vec<[isize; MAX_NDIM]> {
    let shape = o.shape();
    let mut st: Vec<[isize; MAX_NDIM]> = ins
        .iter()
        .map(|x| match x {
            Input::Arr(a) => broadcast_strides(a.shape(), a.strides(), shape),
            Input::Scalar(_) => [0; MAX_NDIM],
        })
        .collect();
    let mut s = [0isize; MAX_NDIM];
    s[..shape.len()].copy_from_slice(o.strides());
    st.push(s);
    st
}

/// Does an input other than the first (the output itself, in place) share
/// the output's memory block?
pub(crate) fn overlaps(ins: &[Input], o: &Array, in_place: bool) -> bool {
    in_place
        && ins
            .iter()
            .skip(1)
            .any(|x| matches!(x, Input::Arr(a) if a.shares_memory(o)))
}

/// The ufunc kernel of the runtime table (see `vm::runtime::Kernels::ufunc`).
pub fn ufunc(f: Ufunc, dt: DType, ins: &[Input], o: &Array, in_place: bool) -> Result<(), Raised> {
    let shape = o.shape();
    if typed_loop(f, dt, ins, o, in_place) {
        return Ok(());
    }
    // Inputs are read in full before the output is written when they share
    // memory with it (in-place `a += a[::-1]`).
    let overlap = overlaps(ins, o, in_place);
    let st = operand_strides(ins, o);
    let strides: Vec<&[isize]> = st.iter().map(|s| &s[..shape.len()]).collect();
    let scalars: Vec<Val> = ins
        .iter()
        .map(|x| match x {
            Input::Scalar(v) => v.to(dt),
            Input::Arr(_) => Val::I(0),
        })
        .collect();
    let mut results = Vec::new();
    let mut vals = [Val::I(0); 3];
    let mut err = None;
    let n = ins.len();
    visit(shape, &strides, |off| {
        for (j, x) in ins.iter().enumerate() {
            vals[j] = match x {
                // SAFETY: broadcast offsets inside the input array.
                Input::Arr(a) => unsafe { load(a.dtype, a.data.offset(off[j])) }.to(dt),
                Input::Scalar(_) => scalars[j],
            };
        }
        match apply(f, dt, &vals[..n]) {
            Ok(r) if overlap => results.push(r),
            // SAFETY: offset inside the output array.
            Ok(r) => unsafe { store(o.dtype, o.data.offset(off[n]), r) },
            Err(e) => {
                if err.is_none() {
                    err = Some(e);
                }
            }
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    if overlap {
        for_each_offset(shape, [o.strides()], |k, [off]| {
            // SAFETY: offsets inside the output array.
            unsafe { store(o.dtype, o.data.offset(off), results[k]) }
        });
    }
    Ok(())
}

/// Runs the ufunc through a typed inner loop of [`crate::ufunc`] when every
/// array operand already has the loop dtype (and the output does too, or is
/// bool for a comparison): one call per row of the last axis. Returns false
/// when the operands do not fit, leaving the work to the converting path.
fn typed_loop(f: Ufunc, dt: DType, ins: &[Input], o: &Array, in_place: bool) -> bool {
    let shape = o.shape();
    let arrays_fit = ins.iter().all(|x| match x {
        Input::Arr(a) => a.dtype == dt && !(in_place && a.shares_memory(o) && !std::ptr::eq(*a, o)),
        Input::Scalar(_) => true,
    });
    if !arrays_fit || (o.dtype != dt && o.dtype != DType::Bool) || shape.is_empty() {
        return false;
    }
    // Scalars become one element of the loop dtype, read with stride 0.
    let mut scal = [[0u8; 8]; 2];
    let mut ptrs = [std::ptr::null::<u8>(); 2];
    let mut strides = [[0isize; MAX_NDIM]; 2];
    for (j, x) in ins.iter().enumerate().take(2) {
        match x {
            Input::Arr(a) => {
                ptrs[j] = a.data;
                strides[j] = broadcast_strides(a.shape(), a.strides(), shape);
            }
            Input::Scalar(v) => {
                // SAFETY: the buffer has room for any dtype (8 bytes).
                unsafe { store(dt, scal[j].as_mut_ptr(), v.to(dt)) };
                ptrs[j] = scal[j].as_ptr();
            }
        }
    }
    let nd = shape.len();
    let inner = shape[nd - 1];
    let outer = &shape[..nd - 1];
    match ins.len() {
        2 => {
            let Some(k) = crate::ufunc::loop2(f, dt) else {
                return false;
            };
            let (s0, s1) = (&strides[0][..nd - 1], &strides[1][..nd - 1]);
            for_each_offset(outer, [s0, s1, &o.strides()[..nd - 1]], |_, [p, q, w]| {
                // SAFETY: each row lies inside its (broadcast) operand.
                unsafe {
                    k(
                        inner,
                        ptrs[0].offset(p),
                        strides[0][nd - 1],
                        ptrs[1].offset(q),
                        strides[1][nd - 1],
                        o.data.offset(w),
                        o.strides[nd - 1],
                    )
                }
            });
        }
        1 => {
            let Some(k) = crate::ufunc::loop1(f, dt) else {
                return false;
            };
            if o.dtype != dt {
                return false;
            }
            for_each_offset(
                outer,
                [&strides[0][..nd - 1], &o.strides()[..nd - 1]],
                |_, [p, w]| {
                    // SAFETY: each row lies inside its operand and the output.
                    unsafe {
                        k(
                            inner,
                            ptrs[0].offset(p),
                            strides[0][nd - 1],
                            o.data.offset(w),
                            o.strides[nd - 1],
                        )
                    }
                },
            );
        }
        _ => return false,
    }
    true
}

/// Visits broadcast offsets for any number of operands, in C order.
pub(crate) fn visit(shape: &[usize], strides: &[&[isize]], mut f: impl FnMut(&[isize])) {
    let total: usize = shape.iter().product();
    if total == 0 {
        return;
    }
    let nd = shape.len();
    let m = strides.len();
    let mut idx = [0usize; MAX_NDIM];
    let mut off = vec![0isize; m];
    for _ in 0..total {
        f(&off);
        let mut d = nd;
        while d > 0 {
            d -= 1;
            idx[d] += 1;
            for j in 0..m {
                off[j] += strides[j][d];
            }
            if idx[d] < shape[d] {
                break;
            }
            for j in 0..m {
                off[j] -= strides[j][d] * shape[d] as isize;
            }
            idx[d] = 0;
        }
    }
}

/// Comparisons and logical ufuncs, the same for every kind of value
/// (a nan compares unordered: only `!=` holds).
fn compare_or_logical(f: Ufunc, x: Val, y: Val) -> Option<Val> {
    use std::cmp::Ordering as O;
    let ord = || match (x, y) {
        (Val::F(a), Val::F(b)) => a.partial_cmp(&b),
        (Val::U(a), Val::U(b)) => Some(a.cmp(&b)),
        (a, b) => Some(a.as_i64().cmp(&b.as_i64())),
    };
    let r = match f {
        Ufunc::Equal => ord() == Some(O::Equal),
        Ufunc::NotEqual => ord() != Some(O::Equal),
        Ufunc::Less => ord() == Some(O::Less),
        Ufunc::LessEqual => matches!(ord(), Some(O::Less | O::Equal)),
        Ufunc::Greater => ord() == Some(O::Greater),
        Ufunc::GreaterEqual => matches!(ord(), Some(O::Greater | O::Equal)),
        Ufunc::LogicalAnd => x.truthy() && y.truthy(),
        Ufunc::LogicalOr => x.truthy() || y.truthy(),
        Ufunc::LogicalNot => !x.truthy(),
        Ufunc::IsNan => matches!(x, Val::F(v) if v.is_nan()),
        Ufunc::IsInf => matches!(x, Val::F(v) if v.is_infinite()),
        Ufunc::IsFinite => !matches!(x, Val::F(v) if !v.is_finite()),
        _ => return None,
    };
    Some(Val::I(r as i64))
}

/// One element of a ufunc, on operands already in the loop dtype's kind.
pub fn apply(f: Ufunc, dt: DType, v: &[Val]) -> Result<Val, Raised> {
    use Ufunc::*;
    let x = v[0];
    let y = v.get(1).copied().unwrap_or(Val::I(0).to(dt));
    if let Some(r) = compare_or_logical(f, x, y) {
        return Ok(r);
    }
    Ok(match (x, y) {
        (Val::F(a), Val::F(b)) if dt.is_float() => match f {
            Add => Val::F(a + b),
            Subtract => Val::F(a - b),
            Multiply => Val::F(a * b),
            TrueDivide => Val::F(a / b),
            FloorDivide => Val::F(if b == 0.0 {
                a / b
            } else {
                crate::scalar::floordiv_f64(a, b)
            }),
            Remainder => Val::F(if b == 0.0 {
                f64::NAN
            } else {
                crate::scalar::mod_f64(a, b)
            }),
            Power => Val::F(a.powf(b)),
            Negative => Val::F(-a),
            Absolute => Val::F(a.abs()),
            Float1(m) => Val::F((crate::math::MATH1[m as usize])(a)),
            Floor => Val::F(a.floor()),
            Ceil => Val::F(a.ceil()),
            Rint => Val::F(a.round_ties_even()),
            Arctan2 => Val::F(a.atan2(b)),
            Minimum => Val::F(crate::scalar::minimum_f64(a, b)),
            Maximum => Val::F(crate::scalar::maximum_f64(a, b)),
            Fmin => Val::F(crate::scalar::fmin_f64(a, b)),
            Fmax => Val::F(crate::scalar::fmax_f64(a, b)),
            BitwiseAnd | BitwiseOr | BitwiseXor | Invert | LeftShift | RightShift => {
                unreachable!("typer rejects bitwise ops on floats")
            }
            Equal | NotEqual | Less | LessEqual | Greater | GreaterEqual | LogicalAnd
            | LogicalOr | LogicalNot | IsNan | IsInf | IsFinite => {
                unreachable!("handled by compare_or_logical")
            }
        },
        (Val::U(a), Val::U(b)) => match f {
            Add => Val::U(a.wrapping_add(b)),
            Subtract => Val::U(a.wrapping_sub(b)),
            Multiply => Val::U(a.wrapping_mul(b)),
            FloorDivide => Val::U(a.checked_div(b).unwrap_or(0)),
            Remainder => Val::U(a.checked_rem(b).unwrap_or(0)),
            Power => Val::U(a.wrapping_pow(b.min(u32::MAX as u64) as u32)),
            Negative => Val::U(a.wrapping_neg()),
            Absolute => Val::U(a),
            Minimum | Fmin => Val::U(a.min(b)),
            Maximum | Fmax => Val::U(a.max(b)),
            BitwiseAnd => Val::U(a & b),
            BitwiseOr => Val::U(a | b),
            BitwiseXor => Val::U(a ^ b),
            Invert => Val::U(!a),
            LeftShift => Val::U(if b < 64 { a << b } else { 0 }),
            RightShift => Val::U(if b < 64 { a >> b } else { 0 }),
            Floor | Ceil | Rint => Val::U(a),
            TrueDivide | Float1(_) | Arctan2 => unreachable!("float loops"),
            Equal | NotEqual | Less | LessEqual | Greater | GreaterEqual | LogicalAnd
            | LogicalOr | LogicalNot | IsNan | IsInf | IsFinite => {
                unreachable!("handled by compare_or_logical")
            }
        },
        (a, b) => {
            let (a, b) = (a.as_i64(), b.as_i64());
            let boolean = dt == DType::Bool;
            match f {
                Add if boolean => Val::I((a != 0 || b != 0) as i64),
                Multiply if boolean => Val::I((a != 0 && b != 0) as i64),
                Add => Val::I(a.wrapping_add(b)),
                Subtract => Val::I(a.wrapping_sub(b)),
                Multiply => Val::I(a.wrapping_mul(b)),
                FloorDivide => Val::I(if b == 0 {
                    0
                } else {
                    crate::scalar::floordiv_i64(a, b)
                }),
                Remainder => Val::I(if b == 0 {
                    0
                } else {
                    crate::scalar::mod_i64(a, b)
                }),
                Power => {
                    if b < 0 {
                        return Err((
                            "ValueError",
                            "Integers to negative integer powers are not allowed.".into(),
                        ));
                    }
                    Val::I(crate::scalar::pow_i64(a, b).unwrap_or(0))
                }
                Negative => Val::I(a.wrapping_neg()),
                Absolute => Val::I(a.wrapping_abs()),
                Minimum | Fmin => Val::I(a.min(b)),
                Maximum | Fmax => Val::I(a.max(b)),
                BitwiseAnd => Val::I(a & b),
                BitwiseOr => Val::I(a | b),
                BitwiseXor => Val::I(a ^ b),
                Invert if boolean => Val::I((a == 0) as i64),
                Invert => Val::I(!a),
                LeftShift => Val::I(if (0..64).contains(&b) {
                    a.wrapping_shl(b as u32)
                } else {
                    0
                }),
                RightShift => Val::I(if (0..64).contains(&b) {
                    a >> b
                } else if a < 0 {
                    -1
                } else {
                    0
                }),
                Floor | Ceil | Rint => Val::I(a),
                TrueDivide | Float1(_) | Arctan2 => unreachable!("float loops"),
                Equal | NotEqual | Less | LessEqual | Greater | GreaterEqual | LogicalAnd
                | LogicalOr | LogicalNot | IsNan | IsInf | IsFinite => {
                    unreachable!("handled by compare_or_logical")
                }
            }
        }
    })
}

/// `np.where(c, x, y)` into a fresh output (the where kernel of the table).
pub fn where_(ins: &[Input], o: &Array) {
    let shape = o.shape();
    let st = operand_strides(ins, o);
    let strides: Vec<&[isize]> = st.iter().map(|s| &s[..shape.len()]).collect();
    let get = |j: usize, off: isize| match ins[j] {
        // SAFETY: broadcast offsets inside the operand.
        Input::Arr(a) => unsafe { load(a.dtype, a.data.offset(off)) },
        Input::Scalar(v) => v,
    };
    visit(shape, &strides, |off| {
        let v = if get(0, off[0]).truthy() {
            get(1, off[1])
        } else {
            get(2, off[2])
        };
        // SAFETY: offset inside the output.
        unsafe { store(o.dtype, o.data.offset(off[3]), v) }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::rc::Rc;
    use typer::tir::{Arg, Idx, RtOp};
    use typer::types::{ArrayType, Layout};
    use typer::Type;
    use vm::array::{self, new_array};
    use vm::classmethods::ClassTable;
    use vm::rt::{exec, RtCtx, RtDesc};

    fn f64_array(ndim: u8) -> Type {
        Type::Array(Rc::new(ArrayType {
            dtype: DType::F64,
            ndim,
            layout: Layout::C,
            class: 0,
            class_name: None,
        }))
    }

    /// A 2-D float64 array of `rows` x `cols` holding 0, 1, 2, ...
    fn counting(cx: &RtCtx, rows: usize, cols: usize) -> *mut Array {
        let a = new_array(&cx.table, 0, DType::F64, &[rows, cols], false).unwrap();
        // SAFETY: a fresh C array of rows * cols float64.
        unsafe {
            for i in 0..rows * cols {
                ((*a).data as *mut f64).add(i).write(i as f64);
            }
        }
        a
    }

    fn values(a: *mut Array) -> Vec<f64> {
        // SAFETY: a live array; its elements are read at their offsets.
        let a = unsafe { &*a };
        let mut v = Vec::new();
        for_each_offset(a.shape(), [a.strides()], |_, [o]| {
            // SAFETY: offsets inside the array.
            v.push(unsafe { load(a.dtype, a.data.offset(o)) }.as_f64())
        });
        v
    }

    /// `a += a` and `a += a.T`-like overlaps through `exec`, on rows longer
    /// than the typed loops' buffer: the typed loop runs in place, an
    /// operand that is another view of the output goes through a copy.
    #[test]
    fn in_place_operations_on_their_own_memory() {
        crate::install();
        let cx = RtCtx::new(ClassTable::new(typer::classes::Classes::shared()));
        let (rows, cols) = (3, 70);
        let a = counting(&cx, rows, cols);
        let add = RtDesc {
            op: RtOp::InPlace {
                f: Ufunc::Add,
                dt: DType::F64,
                args: vec![Arg::Array(DType::F64), Arg::Array(DType::F64)],
            },
            args: vec![f64_array(2), f64_array(2)],
            ret: Type::None,
            fused: None,
        };
        let mut regs = [a as u64, a as u64];
        exec(&cx, &add, &mut regs).unwrap();
        let want: Vec<f64> = (0..rows * cols).map(|i| 2.0 * i as f64).collect();
        assert_eq!(values(a), want);
        // a[1:] += a[:-1] (rows): the second operand overlaps the output.
        let rows_view = |lo: i64, hi: i64| {
            let get = RtDesc {
                op: RtOp::GetItem(vec![Idx::Slice {
                    lo: true,
                    hi: true,
                    step: false,
                }]),
                args: vec![f64_array(2), Type::Int, Type::Int],
                ret: f64_array(2),
                fused: None,
            };
            let mut r = [a as u64, lo as u64, hi as u64];
            exec(&cx, &get, &mut r).unwrap();
            r[0] as *mut Array
        };
        let (lo, hi) = (rows_view(1, 3), rows_view(0, 2));
        let mut regs = [lo as u64, hi as u64];
        exec(&cx, &add, &mut regs).unwrap();
        let got = values(a);
        assert_eq!(got.len(), rows * cols);
        for (i, &got) in got.iter().enumerate() {
            let old = 2.0 * i as f64;
            let want = if i < cols {
                old
            } else {
                old + 2.0 * (i - cols) as f64
            };
            assert_eq!(got, want, "element {i}");
        }
        // SAFETY: the views and the array, one reference each.
        unsafe {
            array::release(lo);
            array::release(hi);
            array::release(a);
        }
        let s = cx.table.allocators()[0].stats();
        assert_eq!(s.allocs, s.frees);
    }
}
