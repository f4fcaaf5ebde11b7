//! The x86-64 backend: [`asm::X64Asm`] implements the emitter's
//! [`crate::backend::Asm`] over dynasm-rs; nothing else in the crate knows
//! x86-64.

pub mod asm;
