//! Kiln's native-code tier.
//!
//! This crate will lower the VM's typed register bytecode to machine code
//! with two handwritten backends of the same shape, `x86_64` and `aarch64`,
//! each emitting through dynasm-rs behind one `MacroAssembler` trait that the
//! single-pass code generator speaks. It holds no backend yet: until it does,
//! every tier runs the interpreter.
//!
//! What compiled code must reproduce exactly, as the interpreter does it
//! (`vm::interp`), so that both tiers print the same output, raise the same
//! errors at the same lines and make the same allocator calls:
//!
//! - **Frames.** A function's registers are 64-bit slots `R[0..nregs]` of one
//!   register stack; a call's frame starts at the caller's argument block
//!   (`Call { a, f }`: arguments in `R[a..]`, results come back there).
//!   On entry the callee's constant block `R[kbase..]` is filled from
//!   `Proto::kvals` and its non-parameter array locals (`Proto::zero_locals`)
//!   are zeroed. Recursion deeper than `Limits::max_depth` is
//!   `RecursionError`, decided before the callee runs.
//! - **Fuel.** One unit per call and per taken backward jump (`ForLoop`
//!   included); reaching zero is the fuel error at that instruction.
//! - **Arrays.** A register of array type holds null or an owned reference
//!   to a `vm::array::Array` header. `Dup`, `Store` and `Drop` are the only
//!   reference-count changes the compiler emits; `Ret` releases the frame's
//!   array locals (`Proto::ref_locals`) before moving results down.
//! - **Unwinding.** When an instruction raises, each frame releases its
//!   array locals and the temporaries live at its pc (`Proto::live_at`, the
//!   stack map), innermost first, and the traceback records each frame's
//!   span (`Proto::spans`, the line table).
//! - **Runtime calls.** Array operations (`Rt`), math kernels and Python's
//!   scalar semantics go through `vm::runtime::RUNTIME`, one `#[repr(C)]`
//!   table; compiled code keeps its address in a pinned register. Array
//!   allocation happens inside those calls, through the classmethod table,
//!   so `_allocate` overrides apply to compiled code with no recompilation.

/// Names every bytecode op the backends must lower; the coverage test of
/// each backend will compare its table against this one.
pub fn ops_to_lower() -> &'static [&'static str] {
    vm::bytecode::Op::NAMES
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_op_is_listed_once() {
        let ops = super::ops_to_lower();
        let mut sorted = ops.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ops.len());
        assert!(ops.contains(&"Call") && ops.contains(&"Rt"));
    }
}
