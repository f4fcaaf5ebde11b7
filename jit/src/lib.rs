//! Kiln's native-code tier.
//!
//! This crate will lower the VM's typed register bytecode to machine code
//! with two handwritten backends of the same shape, `x86_64` and `aarch64`,
//! each emitting through dynasm-rs behind one `MacroAssembler` trait that the
//! single-pass code generator speaks. Compiled code calls the runtime through
//! the same `#[repr(C)]` entry table as the interpreter (`vm::runtime`), keeps
//! that table's address in a pinned callee-saved register, and reproduces the
//! interpreter's behaviour exactly: output, exceptions with their lines, and
//! allocator calls.
//!
//! It holds no backend yet: until it does, every tier runs the interpreter.

/// Names every bytecode op the backends must lower; the coverage test of
/// each backend will compare its table against this one.
pub fn ops_to_lower() -> &'static [&'static str] {
    vm::bytecode::Op::NAMES
}
