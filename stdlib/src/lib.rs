//! Kiln's native kernels: the operations both execution tiers call instead
//! of re-implementing them — Python's scalar semantics (floor division,
//! modulo, powers, rounding), Python's and NumPy's number formatting, the
//! math functions, the array kernels (ufunc loops, fused expressions,
//! reductions, products), and the random generators' streams.
//!
//! The VM reaches all of them through its runtime table
//! (`vm::runtime::Kernels`), which [`install`] fills: this crate implements
//! the VM's kernel interface, the VM does not name it. Everything here is a
//! plain function of its arguments: no VM state but what a call is handed
//! (a random draw gets the generators' state), no allocation through the
//! VM (the runtime allocates outputs and spends fuel, for a random draw
//! through the allocator it passes in, once the draw's arguments are
//! checked), no knowledge of bytecode. Kernels that JIT code calls directly are `extern "C"`.

pub mod arrayfmt;
pub mod elementwise;
pub mod fmt;
pub mod format;
pub mod fused;
pub mod linalg;
pub mod math;
pub mod random;
pub mod reduce;
pub mod scalar;
pub mod sort;
pub mod ufunc;

use vm::runtime::Kernels;

/// The runtime table's kernel entries, all from this crate.
pub fn kernels() -> Kernels {
    Kernels {
        math1: math::MATH1,
        atan2: math::atan2,
        floordiv_f64: scalar::floordiv_f64,
        mod_f64: scalar::mod_f64,
        math1_error: math::math1_error,
        floordiv_i64: scalar::floordiv_i64,
        mod_i64: scalar::mod_i64,
        pow_i64: scalar::pow_i64,
        pow_f64: scalar::pow_f64,
        shl_i64: scalar::shl_i64,
        shr_i64: scalar::shr_i64,
        f64_to_i64: scalar::f64_to_i64,
        round_i64: scalar::round_i64,
        round_f64: scalar::round_f64,
        scalar_fn: math::scalar_fn,
        write_float: fmt::write_float,
        str_repr: fmt::str_repr,
        format: format::format,
        ascii: format::ascii,
        scalar_str: arrayfmt::scalar_str,
        array_str: arrayfmt::array_str,
        array_repr: arrayfmt::array_repr,
        shown_elements: arrayfmt::shown_elements,
        ufunc_scalar: elementwise::apply,
        ufunc: elementwise::ufunc,
        fused: fused::fused,
        where_: elementwise::where_,
        reduce_all: reduce::reduce_all,
        reduce_axis: reduce::reduce_axis,
        dot: linalg::dot,
        cumulate: sort::cumulate,
        sort: sort::sort,
        argsort: sort::argsort,
        random: random::draw,
    }
}

/// Installs these kernels as the VM's (once per process; later calls
/// change nothing). The embedding crate calls it before it loads a program.
pub fn install() {
    vm::runtime::install(kernels());
}
