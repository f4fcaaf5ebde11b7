//! The runtime entry table: the native functions compiled code calls,
//! gathered in one `#[repr(C)]` struct so that both tiers reach every kernel
//! the same way (the interpreter by field, JIT code by a fixed offset from a
//! pinned register holding the table's address).

use stdlib::math::Math1Fn;

#[repr(C)]
pub struct Runtime {
    /// Unary float kernels, indexed by `Math1` operands.
    pub math1: [Math1Fn; 16],
    pub atan2: extern "C" fn(f64, f64) -> f64,
    pub floordiv_f64: extern "C" fn(f64, f64) -> f64,
    pub mod_f64: extern "C" fn(f64, f64) -> f64,
}

pub static RUNTIME: Runtime = Runtime {
    math1: stdlib::math::MATH1,
    atan2: stdlib::math::atan2,
    floordiv_f64: stdlib::scalar::floordiv_f64,
    mod_f64: stdlib::scalar::mod_f64,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_layout_is_stable() {
        // JIT code addresses fields by offset: keep them pointer-sized and in order.
        let p = std::mem::size_of::<usize>();
        assert_eq!(std::mem::size_of::<Runtime>(), 19 * p);
        assert_eq!(std::mem::offset_of!(Runtime, atan2), 16 * p);
        assert_eq!((RUNTIME.math1[0])(9.0), 3.0);
    }
}
