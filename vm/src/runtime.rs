//! The runtime entry table: the native functions compiled code calls,
//! gathered in one `#[repr(C)]` struct so that both tiers reach every kernel
//! the same way (the interpreter by field, JIT code by a fixed offset from a
//! pinned register holding the table's address).

use stdlib::math::Math1Fn;

use crate::array::{Array, Raised};
use crate::rt::{RtCtx, RtDesc};

/// Where a runtime operation called from native code leaves its exception.
pub type RaisedSlot = Option<Raised>;

/// An array operation (`Rt` instruction): the context (allocation through
/// the classmethod table), the call site, its register window and length.
/// Returns 0 on success; otherwise the exception is in `*raised`.
pub type RtExecFn = unsafe extern "C" fn(
    ctx: *const RtCtx,
    desc: *const RtDesc,
    regs: *mut u64,
    nregs: usize,
    raised: *mut RaisedSlot,
) -> u32;

#[repr(C)]
pub struct Runtime {
    /// Unary float kernels, indexed by `Math1` operands.
    pub math1: [Math1Fn; 16],
    pub atan2: extern "C" fn(f64, f64) -> f64,
    pub floordiv_f64: extern "C" fn(f64, f64) -> f64,
    pub mod_f64: extern "C" fn(f64, f64) -> f64,
    /// Every array operation, allocation included.
    pub rt_exec: RtExecFn,
    /// Adds a reference to an array header (null: nothing).
    pub retain: unsafe extern "C" fn(*mut Array),
    /// Drops a reference (null: nothing); the last frees the array through
    /// its allocator.
    pub release: unsafe extern "C" fn(*mut Array),
}

pub static RUNTIME: Runtime = Runtime {
    math1: stdlib::math::MATH1,
    atan2: stdlib::math::atan2,
    floordiv_f64: stdlib::scalar::floordiv_f64,
    mod_f64: stdlib::scalar::mod_f64,
    rt_exec,
    retain: rt_retain,
    release: rt_release,
};

/// # Safety
/// `a` is null or a live header.
unsafe extern "C" fn rt_retain(a: *mut Array) {
    // SAFETY: the caller's contract is `retain`'s.
    unsafe { crate::array::retain(a) }
}

/// # Safety
/// `a` is null or a live header the caller holds a reference to.
unsafe extern "C" fn rt_release(a: *mut Array) {
    // SAFETY: the caller's contract is `release`'s.
    unsafe { crate::array::release(a) }
}

/// The C-ABI entry of `rt::exec`.
///
/// # Safety
/// `ctx` and `desc` are live; `regs` points to `nregs` registers of the
/// calling frame, at least the call site's window; `raised` is writable.
unsafe extern "C" fn rt_exec(
    ctx: *const RtCtx,
    desc: *const RtDesc,
    regs: *mut u64,
    nregs: usize,
    raised: *mut RaisedSlot,
) -> u32 {
    // SAFETY: live, per the contract, and only read.
    let (ctx, desc) = unsafe { (&*ctx, &*desc) };
    // SAFETY: `nregs` registers of the calling frame, which nothing else
    // refers to while the operation runs.
    let window = unsafe { std::slice::from_raw_parts_mut(regs, nregs) };
    // A panic must not unwind into native code (or out of this C-ABI
    // function, which aborts the host): it becomes an exception.
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::rt::exec(ctx, desc, window)
    }))
    .unwrap_or_else(|_| {
        Err((
            "SystemError",
            "an array operation failed unexpectedly".into(),
        ))
    });
    match r {
        Ok(()) => 0,
        Err(e) => {
            // SAFETY: writable, per the contract, and holding a valid value.
            unsafe { *raised = Some(e) };
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_layout_is_stable() {
        // JIT code addresses fields by offset: keep them pointer-sized and in order.
        let p = std::mem::size_of::<usize>();
        assert_eq!(std::mem::size_of::<Runtime>(), 22 * p);
        assert_eq!(std::mem::offset_of!(Runtime, release), 21 * p);
        assert_eq!(std::mem::offset_of!(Runtime, atan2), 16 * p);
        assert_eq!((RUNTIME.math1[0])(9.0), 3.0);
    }
}
