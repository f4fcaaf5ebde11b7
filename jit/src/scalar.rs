//! The C-ABI functions native code calls for what it does not compute
//! inline: Python's `**`, float `//` and `%`, `round(x, n)`, and elements
//! of dtypes narrower than a register. Each computes exactly what the
//! interpreter does (the same kernels, through `vm::runtime`); native code
//! has already left for the interpreter wherever the operation raises, so
//! these never fail. A panic inside one would cross the C ABI: each
//! catches it and returns a value instead (the kernels do not panic).

use std::panic::{catch_unwind, AssertUnwindSafe};

use vm::array::{self, Array, Val};
use vm::runtime::{scalar, RUNTIME};

fn guarded<T>(or: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(or)
}

/// `a ** b` on int64, `b >= 0` (wrapping).
pub extern "C" fn pow_i64(a: i64, b: i64) -> i64 {
    guarded(0, || scalar::pow_i64(a, b).unwrap_or(0))
}

/// `a ** b` on float64, not `0.0 ** -finite`.
pub extern "C" fn pow_f64(a: f64, b: f64) -> f64 {
    guarded(f64::NAN, || scalar::pow_f64(a, b).unwrap_or(f64::NAN))
}

/// Python's `round(x, n)` as a float.
pub extern "C" fn round_f64(x: f64, n: i64) -> f64 {
    guarded(f64::NAN, || scalar::round_f64(x, n))
}

/// Python's float `//` and `%` (the divisor is not zero).
pub fn floordiv_f64() -> usize {
    RUNTIME.floordiv_f64 as usize
}

pub fn mod_f64() -> usize {
    RUNTIME.mod_f64 as usize
}

/// The element at `e` of array `a` as its dtype's register holds it.
///
/// # Safety
/// `a` is a live array header and `e` the address of one of its elements
/// (native code checked the index against the shape, as `array::elem1`).
pub unsafe extern "C" fn get_elem(a: *const Array, e: *const u8) -> u64 {
    // SAFETY: the caller's contract; the read is of one element of the
    // array's dtype.
    guarded(0, || unsafe {
        let dt = (*a).dtype;
        array::load(dt, e).to_bits(dt)
    })
}

/// Writes int64 `v` (its bits in a float register) to the element at `e`
/// of array `a`, converted to the array's dtype.
///
/// # Safety
/// As for [`get_elem`], and the element is writable.
pub unsafe extern "C" fn set_elem_i(a: *const Array, e: *mut u8, v: f64) {
    // SAFETY: the caller's contract.
    guarded((), || unsafe {
        array::store((*a).dtype, e, Val::I(v.to_bits() as i64))
    })
}

/// Writes float64 `v` to the element at `e` of array `a`, converted to the
/// array's dtype.
///
/// # Safety
/// As for [`set_elem_i`].
pub unsafe extern "C" fn set_elem_f(a: *const Array, e: *mut u8, v: f64) {
    // SAFETY: the caller's contract.
    guarded((), || unsafe { array::store((*a).dtype, e, Val::F(v)) })
}
