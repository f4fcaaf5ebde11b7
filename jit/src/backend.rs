//! What the emitter (`emit`) asks of an architecture: three-address
//! operations on the register allocator's physical registers, with
//! immediates, plus the few things native code does with the records it
//! shares with the interpreter (frame slots, the fuel counter, calls into
//! the runtime). Each backend legalises on its own: two-address machines
//! copy first, operands that alias are taken care of, immediates too wide
//! for an instruction go through a register the backend keeps to itself.
//! The x86-64 backend is `x64::asm`; an aarch64 one implements the same
//! trait with nothing above it changing.
//!
//! Registers: the allocator hands out [`Asm::REGS`]; the emitter uses
//! [`Asm::SCRATCH`] and [`Asm::FSCRATCH`] for values that live in spill
//! slots (operand `k` of an instruction in `SCRATCH[k]`, a result in
//! `SCRATCH[0]`); whatever else a backend needs inside one operation it
//! keeps outside both sets.

use crate::ir::{Cond, FCond, FOp, IOp, UnOp, Width};
use crate::regalloc::{PReg, Regs};

/// The second operand of an integer operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Src {
    R(PReg),
    /// Fits in 32 bits (the emitter puts wider constants in a register).
    K(i32),
}

/// Spill slots native code has (in `Cx::spills`, shared by every
/// function: a native script call writes every live value to the frame
/// first). A function that needs more is compiled otherwise.
pub const MAX_SPILLS: u32 = vm::tiering::SPILLS as u32;

/// The word a call into the runtime table ([`Asm::call_cx`]) passes last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Word {
    /// Nothing the callee reads.
    None,
    /// A register's value.
    R(PReg),
    /// The address of a frame slot.
    Slot(u16),
}

/// What a native script call calls.
#[derive(Clone, Copy, Debug)]
pub enum Callee<L> {
    /// This function's own call entry.
    Label(L),
    /// A native address in a register.
    Reg(PReg),
}

pub trait Asm {
    type Label: Copy;

    /// Registers the allocator may use.
    const REGS: Regs;
    /// Integer and float registers the emitter loads spilled operands
    /// into; never allocated.
    const SCRATCH: [PReg; 2];
    const FSCRATCH: [PReg; 2];
    /// Where a call leaves its integer and float result.
    const RET: PReg;
    const FRET: PReg;
    /// Where a native script call passes its callee's arguments: integer
    /// and pointer arguments in `ARGS`, floats in `FARGS`, each list in
    /// turn (see `emit::arg_regs`); the rest stay in the callee's frame.
    /// Allocatable registers that neither [`Asm::call_native`] nor
    /// [`Asm::call_entry`] touches.
    const ARGS: &'static [PReg];
    const FARGS: &'static [PReg];

    fn new_label(&mut self) -> Self::Label;
    fn bind(&mut self, l: Self::Label);
    /// The current position in the code, in bytes from its start.
    fn offset(&self) -> usize;
    /// Pads with no-ops to a multiple of `n` bytes (a loop's head: its
    /// instructions fetched in as few blocks as they fit; code that falls
    /// in runs through the padding once).
    fn align(&mut self, n: usize);

    /// The entry sequence (the `vm::tiering::Enter` ABI: saves what the
    /// caller's ABI preserves, pins the frame base and the `Cx`, loads the
    /// window's fuel count (`*Cx::fuel`) into a register of its own,
    /// writes `Cx::sp` and `Cx::floor` (`sp - LEVEL * (levels - 1)`), and
    /// continues at the address it was given); then the shared epilogue
    /// that [`Asm::exit`] jumps to, which makes frame records of the
    /// levels on the machine stack (`crate::levels::records`), puts the
    /// stack pointer back and writes the fuel count back to `*Cx::fuel`
    /// (see `crate::fuel`).
    fn prologue(&mut self);
    /// Leaves native code: the interpreter gets `code` (an instruction,
    /// maybe with `vm::tiering::RAISED`).
    fn exit(&mut self, code: u32);

    fn mov(&mut self, d: PReg, s: PReg);
    fn movi(&mut self, d: PReg, k: i64);
    fn fmov(&mut self, d: PReg, s: PReg);
    /// A float register from an integer's bits, and back.
    fn bits_to_f(&mut self, d: PReg, s: PReg);
    fn bits_to_i(&mut self, d: PReg, s: PReg);

    /// Frame slot `r` of the current function.
    fn load_slot(&mut self, d: PReg, r: u16);
    fn store_slot(&mut self, r: u16, s: PReg);
    fn fload_slot(&mut self, d: PReg, r: u16);
    fn fstore_slot(&mut self, r: u16, s: PReg);
    /// Spill slot `n` (below [`MAX_SPILLS`]).
    fn load_spill(&mut self, d: PReg, n: u32);
    fn store_spill(&mut self, n: u32, s: PReg);
    fn fload_spill(&mut self, d: PReg, n: u32);
    fn fstore_spill(&mut self, n: u32, s: PReg);
    /// `d = [base + off]` (a byte zero-extends).
    fn load(&mut self, w: Width, d: PReg, base: PReg, off: i32);
    fn store(&mut self, w: Width, base: PReg, off: i32, s: PReg);
    fn fload(&mut self, d: PReg, base: PReg, off: i32);
    fn fstore(&mut self, base: PReg, off: i32, s: PReg);

    /// `d = a op b`, 64-bit wrapping, with Python's `//`, `%` (b not zero;
    /// `MIN // -1` wraps), `min` and `max`, shifts by `b` mod 64, unsigned
    /// division (see `ir::IOp`).
    fn alu(&mut self, op: IOp, d: PReg, a: PReg, b: Src);
    /// `Neg`, `Not`, `Abs` (wrapping).
    fn un(&mut self, op: UnOp, d: PReg, a: PReg);
    /// `d = a op b` on float64 (`Min`/`Max` as `ir::FOp` says).
    fn falu(&mut self, op: FOp, d: PReg, a: PReg, b: PReg);
    /// `FNeg`, `FAbs`, `FSqrt`, `F32`.
    fn fun(&mut self, op: UnOp, d: PReg, a: PReg);
    fn itof(&mut self, d: PReg, s: PReg);
    /// `d` = float `s` truncated to int64 (it fits).
    fn ftoi(&mut self, d: PReg, s: PReg);

    /// `d = (a c b) ? 1 : 0`.
    fn set(&mut self, c: Cond, d: PReg, a: PReg, b: Src);
    fn fset(&mut self, c: FCond, d: PReg, a: PReg, b: PReg);
    /// `d = (a c b) ? t : f`.
    fn select(&mut self, c: Cond, d: PReg, a: PReg, b: Src, t: PReg, f: PReg);
    fn branch(&mut self, c: Cond, a: PReg, b: Src, l: Self::Label);
    fn fbranch(&mut self, c: FCond, a: PReg, b: PReg, l: Self::Label);
    /// Jumps to `l` when `a c b` does not hold (an unordered compare
    /// included).
    fn fbranch_not(&mut self, c: FCond, a: PReg, b: PReg, l: Self::Label);
    fn jump(&mut self, l: Self::Label);
    /// Counts one unit of fuel in the fuel register. When that spends the
    /// window's last unit, takes the next window with `crate::fuel::refuel`
    /// (out of line, every allocatable register it clobbers preserved) and
    /// goes on; when the run has none left, undoes the tick and goes to
    /// `l`.
    fn fuel(&mut self, l: Self::Label);

    /// The fuel left in the window, and a count of `n` units at once
    /// (fewer than are left).
    fn fuel_left(&mut self, d: PReg);
    fn spend(&mut self, n: Src);

    /// How many float64 lanes the vector operations below work on (at
    /// least 2). A float register holds a vector; nothing but these
    /// operations reads or writes lanes other than the first.
    fn lanes(&self) -> usize;
    /// `lanes` elements from and to `[base + off]` (any alignment).
    fn vload(&mut self, d: PReg, base: PReg, off: i32);
    fn vstore(&mut self, base: PReg, off: i32, s: PReg);
    /// Each lane as `falu` (`Add`, `Sub`, `Mul`, `Div`) and `fun` (`FNeg`,
    /// `FAbs`, `FSqrt`) do it.
    fn vfalu(&mut self, op: FOp, d: PReg, a: PReg, b: PReg);
    fn vfun(&mut self, op: UnOp, d: PReg, a: PReg);
    /// `s`'s first lane in every lane of `d`.
    fn splat(&mut self, d: PReg, s: PReg);
    /// Where scalar code follows vector code.
    fn vend(&mut self);

    /// Calls the C function at `f` with integer arguments `args` and float
    /// arguments `fargs` (at most two of each); every register outside
    /// `REGS.gpr_saved` is lost.
    fn call(&mut self, f: usize, args: &[PReg], fargs: &[PReg]);
    /// Calls `RUNTIME.rt_exec` (at `f`) for runtime operation `op` on the
    /// frame's slots from `slot`, `window` of them; its status (0: done)
    /// in `RET`. The fuel register is written to `*Cx::fuel` before the
    /// call and read back after it (the operation spends from it).
    fn call_rt(&mut self, f: usize, op: usize, slot: u16, window: usize);
    /// Calls `f(cx, k, x)`, a function of the runtime table taking the
    /// `Cx` (printing: `vm::out::IoFn`), the constant `k` and the word `x`;
    /// its result (a word) in `RET`. As for [`Asm::call_rt`], the fuel
    /// register is written to `*Cx::fuel` before and read back after;
    /// every register outside `REGS.gpr_saved` is lost.
    fn call_cx(&mut self, f: usize, k: u64, x: Word);
    /// `d` = the word at `off` in the `Cx`.
    fn load_cx(&mut self, d: PReg, off: i32);
    /// The frame base moves by `slots` slots (up to a callee's frame, back
    /// down to its caller's).
    fn move_base(&mut self, slots: i32);

    /// `d` = the machine stack pointer.
    fn sp(&mut self, d: PReg);
    /// Jumps to `l` when the machine stack pointer `c` the word at `off`
    /// in the `Cx`.
    fn branch_sp(&mut self, c: Cond, off: i32, l: Self::Label);
    /// What a function's native-call entry does first (before its code
    /// for instruction 0, with the arguments in `ARGS` and `FARGS`).
    fn call_entry(&mut self);
    /// A native script call by instruction `pc`: pushes a level
    /// (`layout::LEVEL` bytes, `pc` at `LEVEL_PC`, the return address at
    /// the stack pointer once the callee's call entry has run) and calls
    /// `to`; the callee's [`Asm::ret_native`] comes back right after.
    /// Every allocatable register is lost.
    fn call_native(&mut self, pc: u32, to: Callee<Self::Label>);
    /// Returns from a native call, popping its level.
    fn ret_native(&mut self);
    /// Pushes a level for the call by instruction `pc` without calling
    /// (an inlined call whose frame an exit makes).
    fn push_level(&mut self, pc: u32);
}

/// Code every backend's tests run (natively, or under qemu-user): what
/// `Asm` operations do on a real machine.
#[cfg(test)]
pub(crate) mod checks;
