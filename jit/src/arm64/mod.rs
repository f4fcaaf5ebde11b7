//! The aarch64 backend: [`asm::A64Asm`], the register-allocating
//! emitter's [`crate::backend::Asm`] over dynasm-rs.
//!
//! The code is assembled into a vector on any host: installed into the
//! executable region on an aarch64 host, listed (`vm asm --arch aarch64`)
//! or checked by the encoder tests, which so run in every `cargo test`,
//! elsewhere.

pub mod asm;
