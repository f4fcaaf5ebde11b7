//! `np.dot` and `@`: inner products along the first operand's last axis and
//! the second's first (or only) axis, in the order NumPy's reference loop
//! adds them.

use typer::DType;
use vm::array::{load, store, Array, Val};

/// The product kernel of the runtime table: the runtime has checked that
/// the reduced axes agree; for two vectors the value, otherwise the product
/// written into `out` (fresh, C-contiguous, of the result's shape).
pub fn dot(dt: DType, x: &Array, y: &Array, out: Option<&Array>) -> Val {
    // SAFETY: `get` is called by `inner` only, for offsets of elements inside
    // `x` (row `i`, k < xn along its last axis) and `y` (column `j`, k < xn
    // along its reduced axis, which has xn elements too).
    let get = |a: &Array, off: isize| unsafe { load(a.dtype, a.data.offset(off)) }.to(dt);
    let mul_add = |s: Val, p: Val, q: Val| match (s, p, q) {
        (Val::F(s), Val::F(p), Val::F(q)) => Val::F(s + p * q),
        (Val::U(s), Val::U(p), Val::U(q)) => Val::U(s.wrapping_add(p.wrapping_mul(q))),
        (s, p, q) => {
            if dt == DType::Bool {
                Val::I((s.truthy() || (p.truthy() && q.truthy())) as i64)
            } else {
                Val::I(s.as_i64().wrapping_add(p.as_i64().wrapping_mul(q.as_i64())))
            }
        }
    };
    let zero = Val::I(0).to(dt);
    let xn = x.shape[x.ndim as usize - 1];
    let ylen_axis = if y.ndim == 1 { 0 } else { y.ndim as usize - 2 };
    let xs = x.strides[x.ndim as usize - 1];
    let ys = y.strides[ylen_axis];
    let inner = |xo: isize, yo: isize| {
        let mut s = zero;
        for k in 0..xn as isize {
            s = mul_add(s, get(x, xo + k * xs), get(y, yo + k * ys));
        }
        s
    };
    let Some(o) = out else {
        return inner(0, 0);
    };
    let rows = if x.ndim == 2 { x.shape[0] } else { 1 };
    let cols = if y.ndim == 2 { y.shape[1] } else { 1 };
    let xr = if x.ndim == 2 { x.strides[0] } else { 0 };
    let yc = if y.ndim == 2 { y.strides[1] } else { 0 };
    let mut k = 0;
    for i in 0..rows {
        for j in 0..cols {
            let v = inner(i as isize * xr, j as isize * yc);
            // SAFETY: k < rows * cols elements of the fresh C array.
            unsafe { store(o.dtype, o.data.add(k * o.dtype.itemsize()), v) };
            k += 1;
        }
    }
    zero
}
