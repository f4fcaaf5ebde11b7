//! Kiln's native-code tier.
//!
//! This crate lowers the VM's typed register bytecode to machine code: a
//! single-pass code generator (`lower`) speaks one `MacroAssembler` trait
//! (`masm::Masm`), implemented per architecture through dynasm-rs. The x86-64
//! backend (`x64`) exists; aarch64 is to come, with the same shape. It does
//! not decide when to compile (the caller does: `--tier jit` compiles every
//! function before it runs) and it does not run code: the interpreter
//! enters native code and takes it back (`vm::tiering`).
//!
//! The code works on the interpreter's frames, and leaves to the
//! interpreter every instruction it does not lower and every instruction
//! about to raise, which keeps the two tiers equal by construction.
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

pub mod listing;
pub mod lower;
pub mod masm;
#[cfg(target_arch = "x86_64")]
pub mod x64;

use vm::Module;

/// Compiles every function of `m` that has no native code yet, on hosts
/// with a backend; returns how many functions were compiled.
pub fn compile_module(m: &Module) -> usize {
    let mut n = 0;
    for p in &m.protos {
        if p.native.get().is_none() {
            if let Some(code) = compile(p) {
                let _ = p.native.set(code);
                n += 1;
            }
        }
    }
    n
}

/// A function's native code, or `None` where there is no backend.
#[cfg(target_arch = "x86_64")]
pub fn compile(p: &vm::Proto) -> Option<vm::tiering::Native> {
    use std::rc::Rc;
    let mut a = x64::X64::new();
    lower::lower(&mut a, p);
    let code = a.finish();
    // SAFETY: the entry sequence at `start` follows the `Enter` contract
    // (System V: base, fuel, address in rdi, rsi, rdx; the next instruction
    // in eax), and the buffer stays mapped as long as `Native::code` lives.
    let enter: vm::tiering::Enter = unsafe { std::mem::transmute(code.buf.ptr(code.start)) };
    let entries: Rc<[*const u8]> = code.entries.iter().map(|&o| code.buf.ptr(o)).collect();
    Some(vm::tiering::Native {
        enter,
        entries,
        start: code.buf.ptr(code.start),
        // (Either may be the end of the buffer: no pointer into it.)
        exits: code.buf.as_ptr().wrapping_add(code.exits.0),
        end: code.buf.as_ptr().wrapping_add(code.buf.len()),
        code: Rc::new(code.buf),
    })
}

#[cfg(not(target_arch = "x86_64"))]
pub fn compile(_p: &vm::Proto) -> Option<vm::tiering::Native> {
    None
}

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
