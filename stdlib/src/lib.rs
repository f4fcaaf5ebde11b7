//! Kiln's native kernels: the operations both execution tiers call instead
//! of re-implementing them — Python's scalar semantics (floor division,
//! modulo, powers, rounding), Python's and NumPy's number formatting, and the
//! math functions of the runtime's kernel table.
//!
//! Everything here is a plain function of its arguments: no VM state, no
//! allocation through the VM, no knowledge of bytecode. Kernels that JIT code
//! calls directly are `extern "C"`.

pub mod arrayfmt;
pub mod fmt;
pub mod math;
pub mod scalar;
pub mod ufunc;
