//! The x86-64 backend of [`Asm`] over dynasm-rs.
//!
//! Pinned: `rbx` the frame base (slot `r` at `[rbx + 8*r]`), `r12` the
//! fuel left in the window (`crate::fuel`), `r13` the `Cx`; spill slot `n` is
//! `Cx::spills[n]`. A native script call is `push pc; call`, its return
//! `ret 8` (a level: the return address, then the call's instruction). The emitter's scratch registers are `rax`, `r11`,
//! `xmm14`, `xmm15`; this file keeps `r10` and `xmm13` for itself (inside
//! one operation). Everything else is the allocator's.

// dynasm! converts register operands with `.into()`, which clippy sees as
// a conversion of u8 to itself.
#![allow(clippy::useless_conversion)]

use dynasmrt::x64::X64Relocation;
use dynasmrt::VecAssembler;

/// Assembles into a vector; the code is position-independent, and
/// `code::install` copies it into the executable region.
pub type Assembler = VecAssembler<X64Relocation>;
use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi};

use crate::backend::{Asm, Callee, Src, Word, MAX_SPILLS};
use crate::ir::{Cond, FCond, FOp, IOp, UnOp, Width};
use crate::layout::{
    CX_BASE, CX_FLOOR, CX_FUEL, CX_LEVELS, CX_RAISED, CX_RT, CX_RTOPS, CX_SP, CX_SPILLS, LEVEL,
    RTDESC_SIZE,
};

/// The allocator's registers a call clobbers (see `REGS`): what the
/// out-of-line refuel saves around its call.
const CLOBBERED_GPR: [u8; 6] = [1, 2, 6, 7, 8, 9];
const CLOBBERED_FPR: u8 = 13;
use crate::regalloc::{PReg, Regs};

/// The entry sequence of every function's native code (all the same: a
/// native script call goes from one function's code to another's), then
/// the epilogue at `epi`.
fn prologue(ops: &mut Assembler, epi: DynamicLabel) {
    // (cx, at) arrive in rdi, rsi (System V). Six pushes after the return
    // address and eight bytes leave rsp 16-byte aligned, and levels keep
    // it so.
    let done = ops.new_dynamic_label();
    dynasm!(ops
        ; .arch x64
        ; push rbx
        ; push r12
        ; push r13
        ; push rbp
        ; push r14
        ; push r15
        ; sub rsp, 8
        ; mov r13, rdi
        ; mov QWORD [rdi + CX_SP], rsp
        ; mov rax, QWORD [rdi + CX_LEVELS]
        ; shl rax, 4
        ; mov rcx, rsp
        ; sub rcx, rax
        ; add rcx, LEVEL
        ; mov QWORD [rdi + CX_FLOOR], rcx
        ; mov rbx, QWORD [rdi + CX_BASE]
        ; mov rax, QWORD [rdi + CX_FUEL]
        ; mov r12, QWORD [rax]
        ; jmp rsi
        ; =>epi
        ; cmp rsp, QWORD [r13 + CX_SP]
        ; je =>done
        ; mov r14d, eax
        ; mov rdi, r13
        ; mov rsi, rsp
        ; mov rax, QWORD crate::levels::records as *const () as usize as i64
        ; call rax
        ; mov eax, r14d
        ; =>done
        ; mov rsp, QWORD [r13 + CX_SP]
        ; mov rcx, QWORD [r13 + CX_FUEL]
        ; mov QWORD [rcx], r12
        ; add rsp, 8
        ; pop r15
        ; pop r14
        ; pop rbp
        ; pop r13
        ; pop r12
        ; pop rbx
        ; ret
    );
}

thread_local! {
    /// The last assembler this thread finished, emptied, and the buffer
    /// its code was copied out through: the next function reuses their
    /// memory, which otherwise grows step by step each time, the larger
    /// steps through the allocator's slow path.
    static SPARE: std::cell::RefCell<Option<(Assembler, Vec<u8>)>> =
        const { std::cell::RefCell::new(None) };
}

pub struct X64Asm {
    pub ops: Assembler,
    /// The buffer the code is copied out through.
    out: Vec<u8>,
    epi: DynamicLabel,
    /// Fuel ticks that spent a window's last unit: (here, back to the
    /// loop, the exit), placed after the code.
    refuels: Vec<(DynamicLabel, DynamicLabel, DynamicLabel)>,
    /// Vector lanes: 4 with AVX2 (ymm registers, VEX encodings), else 2
    /// (SSE2, which every x86-64 has).
    lanes: usize,
}

impl X64Asm {
    pub fn new() -> X64Asm {
        let avx2 = vm::cpu::simd() >= vm::cpu::Simd::Avx2;
        X64Asm::with_lanes(if avx2 { 4 } else { 2 })
    }

    /// An assembler whose vector operations use `lanes` lanes (4 only
    /// where the processor has AVX2).
    pub fn with_lanes(lanes: usize) -> X64Asm {
        let (mut ops, out) = SPARE
            .with(|s| s.borrow_mut().take())
            .unwrap_or_else(|| (Assembler::new(0), Vec::new()));
        let epi = ops.new_dynamic_label();
        X64Asm {
            ops,
            out,
            epi,
            refuels: Vec::new(),
            lanes,
        }
    }

    /// xmm13 = `bits` in every lane.
    fn vmask(&mut self, bits: i64) {
        dynasm!(self.ops ; .arch x64 ; mov r10, QWORD bits ; movq xmm13, r10);
        if self.lanes == 4 {
            dynasm!(self.ops ; .arch x64 ; vbroadcastsd ymm13, xmm13);
        } else {
            dynasm!(self.ops ; .arch x64 ; unpcklpd xmm13, xmm13);
        }
    }

    /// The out-of-line ends of the fuel ticks: the next window from
    /// `fuel::refuel` (the allocator's call-clobbered registers saved
    /// around the call, as the tick may be anywhere), or, with the run's
    /// fuel spent, the tick undone and the exit taken.
    fn place_refuels(&mut self) {
        let sites = std::mem::take(&mut self.refuels);
        if sites.is_empty() {
            return;
        }
        let routine = self.ops.new_dynamic_label();
        for (here, back, exit) in sites {
            dynasm!(self.ops
                ; .arch x64
                ; =>here
                ; call =>routine
                ; test r12, r12
                ; jnz =>back
                ; mov r12d, 1
                ; jmp =>exit
            );
        }
        // Entered with rsp 8 below a multiple of 16 (the native frame keeps
        // it aligned, the call pushed the return address): six pushes and
        // 13 floats leave it aligned for the call.
        let saved = 8 * CLOBBERED_FPR as i32;
        dynasm!(self.ops ; .arch x64 ; =>routine);
        for r in CLOBBERED_GPR {
            dynasm!(self.ops ; .arch x64 ; push Rq(r));
        }
        dynasm!(self.ops ; .arch x64 ; sub rsp, saved);
        for x in 0..CLOBBERED_FPR {
            dynasm!(self.ops ; .arch x64 ; movsd QWORD [rsp + 8 * x as i32], Rx(x));
        }
        dynasm!(self.ops
            ; .arch x64
            ; mov rdi, r13
            ; mov rax, QWORD crate::fuel::refuel as *const () as usize as i64
            ; call rax
            ; mov r12, rax
        );
        for x in 0..CLOBBERED_FPR {
            dynasm!(self.ops ; .arch x64 ; movsd Rx(x), QWORD [rsp + 8 * x as i32]);
        }
        dynasm!(self.ops ; .arch x64 ; add rsp, saved);
        for r in CLOBBERED_GPR.into_iter().rev() {
            dynasm!(self.ops ; .arch x64 ; pop Rq(r));
        }
        dynasm!(self.ops ; .arch x64 ; ret);
    }

    /// Puts the code in the executable region.
    pub fn finish(mut self) -> crate::code::Code {
        self.place_refuels();
        self.out.clear();
        self.out.extend(
            self.ops
                .drain()
                .unwrap_or_else(|e| panic!("the code's labels resolve: {e}")),
        );
        let code = crate::code::install(&self.out);
        SPARE.with(|s| *s.borrow_mut() = Some((self.ops, self.out)));
        code
    }

    fn jcc(&mut self, c: Cond, l: DynamicLabel) {
        match c {
            Cond::Eq => dynasm!(self.ops ; .arch x64 ; je =>l),
            Cond::Ne => dynasm!(self.ops ; .arch x64 ; jne =>l),
            Cond::Lt => dynasm!(self.ops ; .arch x64 ; jl =>l),
            Cond::Le => dynasm!(self.ops ; .arch x64 ; jle =>l),
            Cond::Gt => dynasm!(self.ops ; .arch x64 ; jg =>l),
            Cond::Ge => dynasm!(self.ops ; .arch x64 ; jge =>l),
            Cond::Below => dynasm!(self.ops ; .arch x64 ; jb =>l),
            Cond::AboveEq => dynasm!(self.ops ; .arch x64 ; jae =>l),
        }
    }

    fn cmp(&mut self, a: PReg, b: Src) {
        match b {
            Src::R(b) => dynasm!(self.ops ; .arch x64 ; cmp Rq(a), Rq(b)),
            Src::K(k) => dynasm!(self.ops ; .arch x64 ; cmp Rq(a), DWORD k),
        }
    }

    /// `r10b = c` after the last compare.
    fn setcc(&mut self, c: Cond) {
        match c {
            Cond::Eq => dynasm!(self.ops ; .arch x64 ; sete r10b),
            Cond::Ne => dynasm!(self.ops ; .arch x64 ; setne r10b),
            Cond::Lt => dynasm!(self.ops ; .arch x64 ; setl r10b),
            Cond::Le => dynasm!(self.ops ; .arch x64 ; setle r10b),
            Cond::Gt => dynasm!(self.ops ; .arch x64 ; setg r10b),
            Cond::Ge => dynasm!(self.ops ; .arch x64 ; setge r10b),
            Cond::Below => dynasm!(self.ops ; .arch x64 ; setb r10b),
            Cond::AboveEq => dynasm!(self.ops ; .arch x64 ; setae r10b),
        }
    }

    /// `if c { r10 = s }` after the last compare.
    /// `d = s` when the flags say `c`.
    fn cmov(&mut self, c: Cond, d: PReg, s: PReg) {
        match c {
            Cond::Eq => dynasm!(self.ops ; .arch x64 ; cmove Rq(d), Rq(s)),
            Cond::Ne => dynasm!(self.ops ; .arch x64 ; cmovne Rq(d), Rq(s)),
            Cond::Lt => dynasm!(self.ops ; .arch x64 ; cmovl Rq(d), Rq(s)),
            Cond::Le => dynasm!(self.ops ; .arch x64 ; cmovle Rq(d), Rq(s)),
            Cond::Gt => dynasm!(self.ops ; .arch x64 ; cmovg Rq(d), Rq(s)),
            Cond::Ge => dynasm!(self.ops ; .arch x64 ; cmovge Rq(d), Rq(s)),
            Cond::Below => dynasm!(self.ops ; .arch x64 ; cmovb Rq(d), Rq(s)),
            Cond::AboveEq => dynasm!(self.ops ; .arch x64 ; cmovae Rq(d), Rq(s)),
        }
    }

    /// `ucomisd` with the operands ordered so that `Lt`/`Le` read as
    /// "above" (false when unordered).
    fn fcompare(&mut self, c: FCond, a: PReg, b: PReg) {
        let (x, y) = match c {
            FCond::Lt | FCond::Le => (b, a),
            FCond::Eq | FCond::Ne => (a, b),
        };
        dynasm!(self.ops ; .arch x64 ; ucomisd Rx(x), Rx(y));
    }

    /// `d op= s` for the two-address integer operations.
    fn op2(&mut self, op: IOp, d: PReg, s: Src) {
        match (op, s) {
            (IOp::Add, Src::R(s)) => dynasm!(self.ops ; .arch x64 ; add Rq(d), Rq(s)),
            (IOp::Sub, Src::R(s)) => dynasm!(self.ops ; .arch x64 ; sub Rq(d), Rq(s)),
            (IOp::Mul, Src::R(s)) => dynasm!(self.ops ; .arch x64 ; imul Rq(d), Rq(s)),
            (IOp::And, Src::R(s)) => dynasm!(self.ops ; .arch x64 ; and Rq(d), Rq(s)),
            (IOp::Or, Src::R(s)) => dynasm!(self.ops ; .arch x64 ; or Rq(d), Rq(s)),
            (IOp::Xor, Src::R(s)) => dynasm!(self.ops ; .arch x64 ; xor Rq(d), Rq(s)),
            (IOp::Add, Src::K(k)) => dynasm!(self.ops ; .arch x64 ; add Rq(d), DWORD k),
            (IOp::Sub, Src::K(k)) => dynasm!(self.ops ; .arch x64 ; sub Rq(d), DWORD k),
            (IOp::Mul, Src::K(k)) => dynasm!(self.ops ; .arch x64 ; imul Rq(d), Rq(d), DWORD k),
            (IOp::And, Src::K(k)) => dynasm!(self.ops ; .arch x64 ; and Rq(d), DWORD k),
            (IOp::Or, Src::K(k)) => dynasm!(self.ops ; .arch x64 ; or Rq(d), DWORD k),
            (IOp::Xor, Src::K(k)) => dynasm!(self.ops ; .arch x64 ; xor Rq(d), DWORD k),
            (IOp::Sar, Src::K(k)) => {
                dynasm!(self.ops ; .arch x64 ; sar Rq(d), (k & 63) as i8)
            }
            _ => unreachable!("{op:?} is not two-address"),
        }
    }

    /// Python's `//` (`modulo` false) or `%` of `a` by `b` (not zero).
    fn divide(&mut self, modulo: bool, d: PReg, a: PReg, b: Src) {
        // idiv takes rax and rdx: rdx is saved around it, the divisor goes
        // to r11 through the stack (it may be in rax or rdx).
        dynasm!(self.ops ; .arch x64 ; push rdx);
        match b {
            Src::R(b) => dynasm!(self.ops ; .arch x64 ; push Rq(b) ; mov rax, Rq(a) ; pop r11),
            Src::K(k) => dynasm!(self.ops ; .arch x64 ; mov rax, Rq(a) ; mov r11, DWORD k),
        }
        if modulo {
            dynasm!(self.ops
                ; .arch x64
                ; cmp r11, -1
                ; jne >div
                ; xor edx, edx
                ; jmp >done
                ; div:
                ; cqo
                ; idiv r11
                ; test rdx, rdx
                ; je >done
                ; mov rax, rdx
                ; xor rax, r11
                ; jns >done
                ; add rdx, r11
                ; done:
                ; mov rax, rdx
                ; pop rdx
            );
        } else {
            // MIN // -1 wraps to MIN, as the interpreter's wrapping_div.
            dynasm!(self.ops
                ; .arch x64
                ; cmp r11, -1
                ; jne >div
                ; neg rax
                ; jmp >done
                ; div:
                ; cqo
                ; idiv r11
                ; test rdx, rdx
                ; je >done
                ; xor rdx, r11
                ; jns >done
                ; dec rax
                ; done:
                ; pop rdx
            );
        }
        if d != 0 {
            dynasm!(self.ops ; .arch x64 ; mov Rq(d), rax);
        }
    }
}

impl Default for X64Asm {
    fn default() -> Self {
        X64Asm::new()
    }
}

fn slot(r: u16) -> i32 {
    r as i32 * 8
}

fn spill(n: u32) -> i32 {
    debug_assert!(n < MAX_SPILLS);
    CX_SPILLS + n as i32 * 8
}

impl Asm for X64Asm {
    type Label = DynamicLabel;

    // rbx r12 r13 pinned, rax r11 r10 scratch, rsp the stack.
    const REGS: Regs = Regs {
        gpr: &[1, 2, 6, 7, 8, 9],
        gpr_saved: &[5, 14, 15],
        fpr: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    };
    const SCRATCH: [PReg; 2] = [0, 11];
    const FSCRATCH: [PReg; 2] = [14, 15];
    const RET: PReg = 0;
    const FRET: PReg = 0;
    // rdi rsi rdx rcx r8 r9, xmm0..xmm7 (System V's order).
    const ARGS: &'static [PReg] = &[7, 6, 2, 1, 8, 9];
    const FARGS: &'static [PReg] = &[0, 1, 2, 3, 4, 5, 6, 7];

    fn new_label(&mut self) -> DynamicLabel {
        self.ops.new_dynamic_label()
    }

    fn bind(&mut self, l: DynamicLabel) {
        dynasm!(self.ops ; .arch x64 ; =>l);
    }

    fn offset(&self) -> usize {
        self.ops.offset().0
    }

    fn align(&mut self, n: usize) {
        while !self.offset().is_multiple_of(n) {
            dynasm!(self.ops ; .arch x64 ; nop);
        }
    }

    fn prologue(&mut self) {
        let epi = self.epi;
        prologue(&mut self.ops, epi);
    }

    fn exit(&mut self, code: u32) {
        let epi = self.epi;
        dynasm!(self.ops ; .arch x64 ; mov eax, code as i32 ; jmp =>epi);
    }

    fn mov(&mut self, d: PReg, s: PReg) {
        if d != s {
            dynasm!(self.ops ; .arch x64 ; mov Rq(d), Rq(s));
        }
    }

    fn movi(&mut self, d: PReg, k: i64) {
        if k == 0 {
            dynasm!(self.ops ; .arch x64 ; xor Rd(d), Rd(d));
        } else if let Ok(k) = i32::try_from(k) {
            dynasm!(self.ops ; .arch x64 ; mov Rq(d), DWORD k);
        } else {
            dynasm!(self.ops ; .arch x64 ; mov Rq(d), QWORD k);
        }
    }

    fn fmov(&mut self, d: PReg, s: PReg) {
        if d != s {
            dynasm!(self.ops ; .arch x64 ; movaps Rx(d), Rx(s));
        }
    }

    fn bits_to_f(&mut self, d: PReg, s: PReg) {
        dynasm!(self.ops ; .arch x64 ; movq Rx(d), Rq(s));
    }

    fn bits_to_i(&mut self, d: PReg, s: PReg) {
        dynasm!(self.ops ; .arch x64 ; movq Rq(d), Rx(s));
    }

    fn load_slot(&mut self, d: PReg, r: u16) {
        dynasm!(self.ops ; .arch x64 ; mov Rq(d), QWORD [rbx + slot(r)]);
    }

    fn store_slot(&mut self, r: u16, s: PReg) {
        dynasm!(self.ops ; .arch x64 ; mov QWORD [rbx + slot(r)], Rq(s));
    }

    fn fload_slot(&mut self, d: PReg, r: u16) {
        dynasm!(self.ops ; .arch x64 ; movsd Rx(d), QWORD [rbx + slot(r)]);
    }

    fn fstore_slot(&mut self, r: u16, s: PReg) {
        dynasm!(self.ops ; .arch x64 ; movsd QWORD [rbx + slot(r)], Rx(s));
    }

    fn load_spill(&mut self, d: PReg, n: u32) {
        dynasm!(self.ops ; .arch x64 ; mov Rq(d), QWORD [r13 + spill(n)]);
    }

    fn store_spill(&mut self, n: u32, s: PReg) {
        dynasm!(self.ops ; .arch x64 ; mov QWORD [r13 + spill(n)], Rq(s));
    }

    fn fload_spill(&mut self, d: PReg, n: u32) {
        dynasm!(self.ops ; .arch x64 ; movsd Rx(d), QWORD [r13 + spill(n)]);
    }

    fn fstore_spill(&mut self, n: u32, s: PReg) {
        dynasm!(self.ops ; .arch x64 ; movsd QWORD [r13 + spill(n)], Rx(s));
    }

    fn load(&mut self, w: Width, d: PReg, base: PReg, off: i32) {
        match w {
            Width::W64 => dynasm!(self.ops ; .arch x64 ; mov Rq(d), QWORD [Rq(base) + off]),
            Width::W8 => dynasm!(self.ops ; .arch x64 ; movzx Rd(d), BYTE [Rq(base) + off]),
        }
    }

    fn store(&mut self, w: Width, base: PReg, off: i32, s: PReg) {
        match w {
            Width::W64 => dynasm!(self.ops ; .arch x64 ; mov QWORD [Rq(base) + off], Rq(s)),
            Width::W8 => dynasm!(self.ops ; .arch x64 ; mov BYTE [Rq(base) + off], Rb(s)),
        }
    }

    fn fload(&mut self, d: PReg, base: PReg, off: i32) {
        dynasm!(self.ops ; .arch x64 ; movsd Rx(d), QWORD [Rq(base) + off]);
    }

    fn fstore(&mut self, base: PReg, off: i32, s: PReg) {
        dynasm!(self.ops ; .arch x64 ; movsd QWORD [Rq(base) + off], Rx(s));
    }

    fn alu(&mut self, op: IOp, d: PReg, a: PReg, b: Src) {
        match op {
            IOp::FloorDiv => self.divide(false, d, a, b),
            IOp::Mod => self.divide(true, d, a, b),
            IOp::Min | IOp::Max => {
                // c only when strictly smaller (larger): ties keep b.
                let c = if op == IOp::Min { Cond::Lt } else { Cond::Gt };
                let b = match b {
                    Src::R(b) => b,
                    Src::K(k) => {
                        dynasm!(self.ops ; .arch x64 ; mov r11, DWORD k);
                        11
                    }
                };
                dynasm!(self.ops ; .arch x64 ; mov r10, Rq(a) ; cmp Rq(b), r10);
                self.cmov(c, 10, b);
                dynasm!(self.ops ; .arch x64 ; mov Rq(d), r10);
            }
            // Into another register: one instruction, not a copy first.
            IOp::Add if d != a && matches!(b, Src::K(_)) => {
                let Src::K(k) = b else { unreachable!() };
                dynasm!(self.ops ; .arch x64 ; lea Rq(d), [Rq(a) + k]);
            }
            IOp::Mul if matches!(b, Src::K(_)) => {
                let Src::K(k) = b else { unreachable!() };
                dynasm!(self.ops ; .arch x64 ; imul Rq(d), Rq(a), DWORD k);
            }
            IOp::Shl | IOp::Sar => match b {
                Src::K(k) => {
                    let n = (k & 63) as i8;
                    self.mov(d, a);
                    if op == IOp::Shl {
                        dynasm!(self.ops ; .arch x64 ; shl Rq(d), n);
                    } else {
                        dynasm!(self.ops ; .arch x64 ; sar Rq(d), n);
                    }
                }
                Src::R(b) => {
                    // The count goes in cl: rcx is saved around the shift
                    // (it may hold a, b or d).
                    dynasm!(self.ops ; .arch x64 ; mov r10, Rq(a) ; push rcx ; mov rcx, Rq(b));
                    if op == IOp::Shl {
                        dynasm!(self.ops ; .arch x64 ; shl r10, cl);
                    } else {
                        dynasm!(self.ops ; .arch x64 ; sar r10, cl);
                    }
                    dynasm!(self.ops ; .arch x64 ; pop rcx ; mov Rq(d), r10);
                }
            },
            IOp::MulHi => {
                // One-operand imul: rdx:rax = rax * b, rdx saved around it
                // (b may be in it: the push keeps it there).
                let Src::R(b) = b else {
                    unreachable!("the emitter puts the factor in a register")
                };
                dynasm!(self.ops
                    ; .arch x64
                    ; push rdx
                    ; mov rax, Rq(a)
                    ; imul Rq(b)
                    ; mov r10, rdx
                    ; pop rdx
                    ; mov Rq(d), r10
                );
            }
            IOp::UDiv => {
                // As `divide`: rdx saved, the divisor through the stack.
                dynasm!(self.ops ; .arch x64 ; push rdx);
                match b {
                    Src::R(b) => {
                        dynasm!(self.ops ; .arch x64 ; push Rq(b) ; mov rax, Rq(a) ; pop r11)
                    }
                    Src::K(k) => dynasm!(self.ops ; .arch x64 ; mov rax, Rq(a) ; mov r11, DWORD k),
                }
                dynasm!(self.ops ; .arch x64 ; xor edx, edx ; div r11 ; pop rdx);
                if d != 0 {
                    dynasm!(self.ops ; .arch x64 ; mov Rq(d), rax);
                }
            }
            _ => {
                if d == a {
                    self.op2(op, d, b);
                } else if b == Src::R(d) {
                    match op {
                        IOp::Add | IOp::Mul | IOp::And | IOp::Or | IOp::Xor => {
                            self.op2(op, d, Src::R(a))
                        }
                        IOp::Sub => {
                            dynasm!(self.ops ; .arch x64 ; neg Rq(d) ; add Rq(d), Rq(a))
                        }
                        _ => {
                            dynasm!(self.ops ; .arch x64 ; mov r10, Rq(d) ; mov Rq(d), Rq(a));
                            self.op2(op, d, Src::R(10));
                        }
                    }
                } else {
                    self.mov(d, a);
                    self.op2(op, d, b);
                }
            }
        }
    }

    fn un(&mut self, op: UnOp, d: PReg, a: PReg) {
        match op {
            UnOp::Neg => {
                self.mov(d, a);
                dynasm!(self.ops ; .arch x64 ; neg Rq(d));
            }
            UnOp::Not => {
                self.mov(d, a);
                dynasm!(self.ops ; .arch x64 ; not Rq(d));
            }
            UnOp::Abs => {
                // -a when it is positive, else a (MIN stays MIN).
                dynasm!(self.ops
                    ; .arch x64
                    ; mov r10, Rq(a)
                    ; neg r10
                    ; cmovl r10, Rq(a)
                    ; mov Rq(d), r10
                );
            }
            _ => unreachable!("{op:?} is not an integer operation"),
        }
    }

    fn falu(&mut self, op: FOp, d: PReg, a: PReg, b: PReg) {
        let op2 = |s: &mut Self, d: PReg, b: PReg| match op {
            FOp::Add => dynasm!(s.ops ; .arch x64 ; addsd Rx(d), Rx(b)),
            FOp::Sub => dynasm!(s.ops ; .arch x64 ; subsd Rx(d), Rx(b)),
            FOp::Mul => dynasm!(s.ops ; .arch x64 ; mulsd Rx(d), Rx(b)),
            FOp::Div => dynasm!(s.ops ; .arch x64 ; divsd Rx(d), Rx(b)),
            FOp::Min => dynasm!(s.ops ; .arch x64 ; minsd Rx(d), Rx(b)),
            FOp::Max => dynasm!(s.ops ; .arch x64 ; maxsd Rx(d), Rx(b)),
        };
        if self.lanes == 4 {
            // With AVX, the three-operand forms: no copy of an operand.
            // minsd x, y is x < y ? x : y (y when unordered): b < a ? b : a.
            match op {
                FOp::Add => dynasm!(self.ops ; .arch x64 ; vaddsd Rx(d), Rx(a), Rx(b)),
                FOp::Sub => dynasm!(self.ops ; .arch x64 ; vsubsd Rx(d), Rx(a), Rx(b)),
                FOp::Mul => dynasm!(self.ops ; .arch x64 ; vmulsd Rx(d), Rx(a), Rx(b)),
                FOp::Div => dynasm!(self.ops ; .arch x64 ; vdivsd Rx(d), Rx(a), Rx(b)),
                FOp::Min => dynasm!(self.ops ; .arch x64 ; vminsd Rx(d), Rx(b), Rx(a)),
                FOp::Max => dynasm!(self.ops ; .arch x64 ; vmaxsd Rx(d), Rx(b), Rx(a)),
            }
            return;
        }
        match op {
            // minsd x, y is x < y ? x : y (y when unordered): b < a ? b : a.
            FOp::Min | FOp::Max => {
                dynasm!(self.ops ; .arch x64 ; movaps xmm13, Rx(b));
                op2(self, 13, a);
                self.fmov(d, 13);
            }
            _ if d == a => op2(self, d, b),
            FOp::Add | FOp::Mul if d == b => op2(self, d, a),
            _ if d == b => {
                dynasm!(self.ops ; .arch x64 ; movaps xmm13, Rx(b));
                self.fmov(d, a);
                op2(self, d, 13);
            }
            _ => {
                self.fmov(d, a);
                op2(self, d, b);
            }
        }
    }

    fn fun(&mut self, op: UnOp, d: PReg, a: PReg) {
        match op {
            UnOp::FSqrt => dynasm!(self.ops ; .arch x64 ; sqrtsd Rx(d), Rx(a)),
            UnOp::F32 => {
                dynasm!(self.ops ; .arch x64 ; cvtsd2ss xmm13, Rx(a) ; cvtss2sd Rx(d), xmm13)
            }
            UnOp::FNeg => {
                dynasm!(self.ops ; .arch x64 ; mov r10, QWORD i64::MIN ; movq xmm13, r10);
                self.fmov(d, a);
                dynasm!(self.ops ; .arch x64 ; xorpd Rx(d), xmm13);
            }
            UnOp::FAbs => {
                dynasm!(self.ops ; .arch x64 ; mov r10, QWORD i64::MAX ; movq xmm13, r10);
                self.fmov(d, a);
                dynasm!(self.ops ; .arch x64 ; andpd Rx(d), xmm13);
            }
            _ => unreachable!("{op:?} is not a float operation"),
        }
    }

    fn itof(&mut self, d: PReg, s: PReg) {
        // xorps first: cvtsi2sd writes only the low lane, and would wait
        // for the register's last writer otherwise.
        dynasm!(self.ops ; .arch x64 ; xorps Rx(d), Rx(d) ; cvtsi2sd Rx(d), Rq(s));
    }

    fn ftoi(&mut self, d: PReg, s: PReg) {
        dynasm!(self.ops ; .arch x64 ; cvttsd2si Rq(d), Rx(s));
    }

    fn set(&mut self, c: Cond, d: PReg, a: PReg, b: Src) {
        self.cmp(a, b);
        self.setcc(c);
        dynasm!(self.ops ; .arch x64 ; movzx Rd(d), r10b);
    }

    fn fset(&mut self, c: FCond, d: PReg, a: PReg, b: PReg) {
        self.fcompare(c, a, b);
        match c {
            FCond::Lt => dynasm!(self.ops ; .arch x64 ; seta r10b),
            FCond::Le => dynasm!(self.ops ; .arch x64 ; setae r10b),
            FCond::Eq => dynasm!(self.ops ; .arch x64 ; sete r10b ; setnp r11b ; and r10b, r11b),
            FCond::Ne => dynasm!(self.ops ; .arch x64 ; setne r10b ; setp r11b ; or r10b, r11b),
        }
        dynasm!(self.ops ; .arch x64 ; movzx Rd(d), r10b);
    }

    fn select(&mut self, c: Cond, d: PReg, a: PReg, b: Src, t: PReg, f: PReg) {
        // In place when `d` holds one of the choices already, or can take
        // one before the compare reads `a` and `b`; else through r10.
        let compared = d == a || b == Src::R(d);
        if d == f {
            self.cmp(a, b);
            self.cmov(c, d, t);
        } else if d == t {
            self.cmp(a, b);
            self.cmov(c.negate(), d, f);
        } else if !compared {
            dynasm!(self.ops ; .arch x64 ; mov Rq(d), Rq(f));
            self.cmp(a, b);
            self.cmov(c, d, t);
        } else {
            self.cmp(a, b);
            dynasm!(self.ops ; .arch x64 ; mov r10, Rq(f));
            self.cmov(c, 10, t);
            dynasm!(self.ops ; .arch x64 ; mov Rq(d), r10);
        }
    }

    fn branch(&mut self, c: Cond, a: PReg, b: Src, l: DynamicLabel) {
        self.cmp(a, b);
        self.jcc(c, l);
    }

    fn fbranch(&mut self, c: FCond, a: PReg, b: PReg, l: DynamicLabel) {
        self.fcompare(c, a, b);
        match c {
            FCond::Lt => dynasm!(self.ops ; .arch x64 ; ja =>l),
            FCond::Le => dynasm!(self.ops ; .arch x64 ; jae =>l),
            FCond::Eq => dynasm!(self.ops ; .arch x64 ; jp >skip ; je =>l ; skip:),
            FCond::Ne => dynasm!(self.ops ; .arch x64 ; jp =>l ; jne =>l),
        }
    }

    fn fbranch_not(&mut self, c: FCond, a: PReg, b: PReg, l: DynamicLabel) {
        self.fcompare(c, a, b);
        // Unordered sets ZF, PF and CF: "not above" and "below" take it.
        match c {
            FCond::Lt => dynasm!(self.ops ; .arch x64 ; jbe =>l),
            FCond::Le => dynasm!(self.ops ; .arch x64 ; jb =>l),
            FCond::Eq => dynasm!(self.ops ; .arch x64 ; jp =>l ; jne =>l),
            FCond::Ne => dynasm!(self.ops ; .arch x64 ; jp >skip ; je =>l ; skip:),
        }
    }

    fn jump(&mut self, l: DynamicLabel) {
        dynasm!(self.ops ; .arch x64 ; jmp =>l);
    }

    fn fuel(&mut self, l: DynamicLabel) {
        let (here, back) = (self.ops.new_dynamic_label(), self.ops.new_dynamic_label());
        dynasm!(self.ops
            ; .arch x64
            ; dec r12
            ; jz =>here
            ; =>back
        );
        self.refuels.push((here, back, l));
    }

    fn fuel_left(&mut self, d: PReg) {
        dynasm!(self.ops ; .arch x64 ; mov Rq(d), r12);
    }

    fn spend(&mut self, n: Src) {
        match n {
            Src::R(n) => dynasm!(self.ops ; .arch x64 ; sub r12, Rq(n)),
            Src::K(k) => dynasm!(self.ops ; .arch x64 ; sub r12, DWORD k),
        }
    }

    fn lanes(&self) -> usize {
        self.lanes
    }

    fn vload(&mut self, d: PReg, base: PReg, off: i32) {
        if self.lanes == 4 {
            dynasm!(self.ops ; .arch x64 ; vmovupd Ry(d), [Rq(base) + off]);
        } else {
            dynasm!(self.ops ; .arch x64 ; movupd Rx(d), [Rq(base) + off]);
        }
    }

    fn vstore(&mut self, base: PReg, off: i32, s: PReg) {
        if self.lanes == 4 {
            dynasm!(self.ops ; .arch x64 ; vmovupd [Rq(base) + off], Ry(s));
        } else {
            dynasm!(self.ops ; .arch x64 ; movupd [Rq(base) + off], Rx(s));
        }
    }

    fn vfalu(&mut self, op: FOp, d: PReg, a: PReg, b: PReg) {
        if self.lanes == 4 {
            match op {
                FOp::Add => dynasm!(self.ops ; .arch x64 ; vaddpd Ry(d), Ry(a), Ry(b)),
                FOp::Sub => dynasm!(self.ops ; .arch x64 ; vsubpd Ry(d), Ry(a), Ry(b)),
                FOp::Mul => dynasm!(self.ops ; .arch x64 ; vmulpd Ry(d), Ry(a), Ry(b)),
                FOp::Div => dynasm!(self.ops ; .arch x64 ; vdivpd Ry(d), Ry(a), Ry(b)),
                _ => unreachable!("{op:?} is not a vector operation"),
            }
            return;
        }
        let op2 = |s: &mut Self, d: PReg, b: PReg| match op {
            FOp::Add => dynasm!(s.ops ; .arch x64 ; addpd Rx(d), Rx(b)),
            FOp::Sub => dynasm!(s.ops ; .arch x64 ; subpd Rx(d), Rx(b)),
            FOp::Mul => dynasm!(s.ops ; .arch x64 ; mulpd Rx(d), Rx(b)),
            FOp::Div => dynasm!(s.ops ; .arch x64 ; divpd Rx(d), Rx(b)),
            _ => unreachable!("{op:?} is not a vector operation"),
        };
        match op {
            _ if d == a => op2(self, d, b),
            FOp::Add | FOp::Mul if d == b => op2(self, d, a),
            _ if d == b => {
                dynasm!(self.ops ; .arch x64 ; movaps xmm13, Rx(b));
                self.fmov(d, a);
                op2(self, d, 13);
            }
            _ => {
                self.fmov(d, a);
                op2(self, d, b);
            }
        }
    }

    fn vfun(&mut self, op: UnOp, d: PReg, a: PReg) {
        let four = self.lanes == 4;
        match op {
            UnOp::FSqrt if four => dynasm!(self.ops ; .arch x64 ; vsqrtpd Ry(d), Ry(a)),
            UnOp::FSqrt => dynasm!(self.ops ; .arch x64 ; sqrtpd Rx(d), Rx(a)),
            UnOp::FNeg | UnOp::FAbs => {
                let neg = op == UnOp::FNeg;
                self.vmask(if neg { i64::MIN } else { i64::MAX });
                match (four, neg) {
                    (true, true) => dynasm!(self.ops ; .arch x64 ; vxorpd Ry(d), Ry(a), ymm13),
                    (true, false) => dynasm!(self.ops ; .arch x64 ; vandpd Ry(d), Ry(a), ymm13),
                    (false, _) => {
                        self.fmov(d, a);
                        if neg {
                            dynasm!(self.ops ; .arch x64 ; xorpd Rx(d), xmm13);
                        } else {
                            dynasm!(self.ops ; .arch x64 ; andpd Rx(d), xmm13);
                        }
                    }
                }
            }
            _ => unreachable!("{op:?} is not a vector operation"),
        }
    }

    fn splat(&mut self, d: PReg, s: PReg) {
        if self.lanes == 4 {
            dynasm!(self.ops ; .arch x64 ; vbroadcastsd Ry(d), Rx(s));
        } else {
            self.fmov(d, s);
            dynasm!(self.ops ; .arch x64 ; unpcklpd Rx(d), Rx(d));
        }
    }

    fn vend(&mut self) {
        if self.lanes == 4 {
            dynasm!(self.ops ; .arch x64 ; vzeroupper);
        }
    }

    fn call(&mut self, f: usize, args: &[PReg], fargs: &[PReg]) {
        // Into rdi, rsi and xmm0, xmm1 without overwriting an argument not
        // yet moved: the first goes through r10 / xmm13.
        match *args {
            [] => {}
            [a] => self.mov(7, a),
            [a, b] => {
                dynasm!(self.ops ; .arch x64 ; mov r10, Rq(a));
                self.mov(6, b);
                dynasm!(self.ops ; .arch x64 ; mov rdi, r10);
            }
            _ => unreachable!("at most two integer arguments"),
        }
        match *fargs {
            [] => {}
            [a] => self.fmov(0, a),
            [a, b] => {
                dynasm!(self.ops ; .arch x64 ; movaps xmm13, Rx(a));
                self.fmov(1, b);
                dynasm!(self.ops ; .arch x64 ; movaps xmm0, xmm13);
            }
            _ => unreachable!("at most two float arguments"),
        }
        // rsp is 16-byte aligned here (see `prologue`).
        dynasm!(self.ops
            ; .arch x64
            ; mov rax, QWORD f as i64
            ; call rax
        );
    }

    fn call_rt(&mut self, f: usize, op: usize, slot: u16, window: usize) {
        let off = (op * RTDESC_SIZE) as i32;
        let regs = slot as i32 * 8;
        dynasm!(self.ops
            ; .arch x64
            ; mov rdi, QWORD [r13 + CX_RT]
            ; mov rsi, QWORD [r13 + CX_RTOPS]
            ; add rsi, DWORD off
            ; lea rdx, [rbx + regs]
            ; mov rcx, QWORD window as i64
            ; mov r8, QWORD [r13 + CX_RAISED]
            ; mov rax, QWORD [r13 + CX_FUEL]
            ; mov QWORD [rax], r12
            ; mov rax, QWORD f as i64
            ; call rax
            ; mov r10, QWORD [r13 + CX_FUEL]
            ; mov r12, QWORD [r10]
        );
    }

    fn call_cx(&mut self, f: usize, k: u64, x: Word) {
        // (cx, k, x) in rdi, rsi, rdx: x first, as it may be in either.
        match x {
            Word::None => {}
            Word::R(r) => self.mov(2, r),
            Word::Slot(r) => dynasm!(self.ops ; .arch x64 ; lea rdx, [rbx + r as i32 * 8]),
        }
        self.movi(6, k as i64);
        dynasm!(self.ops
            ; .arch x64
            ; mov rdi, r13
            ; mov rax, QWORD [r13 + CX_FUEL]
            ; mov QWORD [rax], r12
            ; mov rax, QWORD f as i64
            ; call rax
            ; mov r10, QWORD [r13 + CX_FUEL]
            ; mov r12, QWORD [r10]
        );
    }

    fn load_cx(&mut self, d: PReg, off: i32) {
        dynasm!(self.ops ; .arch x64 ; mov Rq(d), QWORD [r13 + off]);
    }

    fn move_base(&mut self, slots: i32) {
        dynasm!(self.ops ; .arch x64 ; add rbx, slots * 8);
    }

    fn sp(&mut self, d: PReg) {
        dynasm!(self.ops ; .arch x64 ; mov Rq(d), rsp);
    }

    fn branch_sp(&mut self, c: Cond, off: i32, l: DynamicLabel) {
        dynasm!(self.ops ; .arch x64 ; cmp rsp, QWORD [r13 + off]);
        self.jcc(c, l);
    }

    fn call_entry(&mut self) {}

    fn call_native(&mut self, pc: u32, to: Callee<DynamicLabel>) {
        dynasm!(self.ops ; .arch x64 ; push pc as i32);
        match to {
            Callee::Label(l) => dynasm!(self.ops ; .arch x64 ; call =>l),
            Callee::Reg(r) => dynasm!(self.ops ; .arch x64 ; call Rq(r)),
        }
    }

    fn ret_native(&mut self) {
        dynasm!(self.ops ; .arch x64 ; ret 8);
    }

    fn push_level(&mut self, pc: u32) {
        dynasm!(self.ops ; .arch x64 ; push pc as i32 ; push 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::checks;

    /// Assembles `body` between the entry sequence and an exit, runs it on
    /// `slots` and returns them.
    fn run(slots: &[u64], body: impl FnOnce(&mut X64Asm)) -> Vec<u64> {
        run_lanes(X64Asm::new().lanes, slots, body)
    }

    fn run_lanes(lanes: usize, slots: &[u64], body: impl FnOnce(&mut X64Asm)) -> Vec<u64> {
        let mut s = slots.to_vec();
        let mut a = X64Asm::with_lanes(lanes);
        a.prologue();
        let at = a.offset();
        body(&mut a);
        a.exit(0);
        let buf = a.finish();
        let mut fuel = 10u64;
        let mut cx = vm::tiering::Cx::bare(s.as_mut_ptr(), &mut fuel);
        // SAFETY: the code follows the `Enter` contract (prologue first),
        // touches only the slots each test passes, and returns.
        unsafe {
            let enter: vm::tiering::Enter = std::mem::transmute(buf.ptr(0));
            enter(&mut cx, buf.ptr(at));
        }
        s
    }

    #[test]
    fn native_calls_return_past_their_level() {
        let mut want = [0; 5];
        let s = run(&[0; 6], |a| want = crate::backend::checks::native_calls(a));
        assert_eq!(s[..5], want);
    }

    #[test]
    fn runtime_calls_get_the_cx_their_constant_and_word() {
        checks::runtime_calls_from_every_register::<X64Asm>(&|slots, body| run(slots, |a| body(a)));
    }

    #[test]
    fn division_floors_whichever_registers_hold_the_operands() {
        let cases = [
            (7, 2),
            (-7, 2),
            (7, -2),
            (-7, -2),
            (6, 3),
            (i64::MIN, -1),
            (i64::MIN, 1),
            (5, -1),
            (0, -5),
        ];
        // Operands and result in rdx (taken by idiv), in the scratch
        // registers, and apart.
        let placements: [(PReg, PReg, PReg); 5] =
            [(1, 6, 7), (2, 6, 2), (6, 2, 2), (0, 11, 0), (11, 0, 8)];
        for (x, y) in cases {
            for &(ra, rb, rd) in &placements {
                for m in [false, true] {
                    // rdx, when no operand, keeps its value.
                    let keep = [ra, rb, rd].contains(&2);
                    let s = run(&[x as u64, y as u64, 0, 77], |a| {
                        a.load_slot(ra, 0);
                        a.load_slot(rb, 1);
                        if !keep {
                            a.movi(2, 77);
                        }
                        let op = if m { IOp::Mod } else { IOp::FloorDiv };
                        a.alu(op, rd, ra, Src::R(rb));
                        a.store_slot(2, rd);
                        if !keep {
                            a.store_slot(3, 2);
                        }
                    });
                    let want = if m {
                        checks::modulo(x, y)
                    } else {
                        checks::floordiv(x, y)
                    };
                    let what = if m { "%" } else { "//" };
                    assert_eq!(s[2] as i64, want, "{x} {what} {y} in {ra},{rb} -> {rd}");
                    assert_eq!(s[3], 77, "rdx kept");
                }
            }
        }
    }

    #[test]
    fn three_address_forms_agree_when_operands_alias() {
        for op in [IOp::Add, IOp::Sub, IOp::Mul, IOp::Xor, IOp::Min, IOp::Max] {
            let (x, y) = (-5i64, 3i64);
            let want = match op {
                IOp::Add => x + y,
                IOp::Sub => x - y,
                IOp::Mul => x * y,
                IOp::Xor => x ^ y,
                IOp::Min => x.min(y),
                _ => x.max(y),
            };
            // d == a, d == b, all distinct, and an immediate.
            for (ra, rb, rd) in [(1, 2, 1), (1, 2, 2), (1, 2, 6)] {
                let s = run(&[x as u64, y as u64, 0], |a| {
                    a.load_slot(ra, 0);
                    a.load_slot(rb, 1);
                    a.alu(op, rd, ra, Src::R(rb));
                    a.store_slot(2, rd);
                });
                assert_eq!(s[2] as i64, want, "{op:?} {ra},{rb} -> {rd}");
            }
            let s = run(&[x as u64, 0, 0], |a| {
                a.load_slot(1, 0);
                a.alu(op, 6, 1, Src::K(y as i32));
                a.store_slot(2, 6);
            });
            assert_eq!(s[2] as i64, want, "{op:?} with an immediate");
        }
    }

    #[test]
    fn selects_agree_whichever_registers_alias() {
        // Registers 1, 2, 6, 7 hold a = 4, b = 9, t = 100, f = 200.
        let vals = [4i64, 9, 100, 200];
        let regs = [1u8, 2, 6, 7];
        for c in [Cond::Lt, Cond::Ge, Cond::Eq, Cond::Ne] {
            for (ka, kb, kt, kf) in [(0, 1, 2, 3), (0, 1, 1, 0), (0, 0, 2, 3), (2, 1, 2, 3)] {
                let (x, y, t, f) = (vals[ka], vals[kb], vals[kt], vals[kf]);
                let holds = match c {
                    Cond::Lt => x < y,
                    Cond::Ge => x >= y,
                    Cond::Eq => x == y,
                    _ => x != y,
                };
                let want = if holds { t } else { f };
                // Into a, b, t, f or a register of its own (8).
                for d in [regs[ka], regs[kb], regs[kt], regs[kf], 8] {
                    let s = run(&[4, 9, 100, 200, 0], |a| {
                        for (k, &r) in regs.iter().enumerate() {
                            a.load_slot(r, k as u16);
                        }
                        a.select(c, d, regs[ka], Src::R(regs[kb]), regs[kt], regs[kf]);
                        a.store_slot(4, d);
                    });
                    assert_eq!(s[4] as i64, want, "{c:?} {ka} {kb} {kt} {kf} into {d}");
                }
            }
        }
    }

    #[test]
    fn float_operations_agree_in_either_encoding() {
        let mut widths = vec![2];
        if std::arch::is_x86_feature_detected!("avx2") {
            widths.push(4);
        }
        let ops = [FOp::Add, FOp::Sub, FOp::Mul, FOp::Div, FOp::Min, FOp::Max];
        for lanes in widths {
            for op in ops {
                for (d, a, b) in [(3, 1, 2), (1, 1, 2), (2, 1, 2), (1, 1, 1)] {
                    let (x, y) = (7.5f64, -2.0f64);
                    let s = run_lanes(lanes, &[x.to_bits(), y.to_bits(), 0], |asm| {
                        asm.fload_slot(1, 0);
                        asm.fload_slot(2, 1);
                        asm.falu(op, d, a, b);
                        asm.fstore_slot(2, d);
                    });
                    let y = if b == a { x } else { y };
                    let want = match op {
                        FOp::Add => x + y,
                        FOp::Sub => x - y,
                        FOp::Mul => x * y,
                        FOp::Div => x / y,
                        FOp::Min => x.min(y),
                        FOp::Max => x.max(y),
                    };
                    assert_eq!(
                        f64::from_bits(s[2]),
                        want,
                        "{op:?} x{d} = x{a}, x{b}, {lanes} lanes"
                    );
                }
            }
        }
    }

    #[test]
    fn float_min_max_and_selects_keep_pythons_order() {
        for (x, y) in [
            (1.0, 2.0),
            (2.0, 1.0),
            (f64::NAN, 1.0),
            (1.0, f64::NAN),
            (0.0, -0.0),
        ] {
            let s = run(&[f64::to_bits(x), f64::to_bits(y), 0, 0, 0], |a| {
                a.fload_slot(1, 0);
                a.fload_slot(2, 1);
                a.falu(FOp::Min, 3, 1, 2);
                a.fstore_slot(2, 3);
                a.falu(FOp::Max, 2, 1, 2);
                a.fstore_slot(3, 2);
                a.fload_slot(2, 1);
                a.falu(FOp::Sub, 2, 1, 2);
                a.fstore_slot(4, 2);
            });
            let min = if y < x { y } else { x };
            let max = if y > x { y } else { x };
            assert_eq!(s[2], min.to_bits(), "min({x}, {y})");
            assert_eq!(s[3], max.to_bits(), "max({x}, {y})");
            assert_eq!(f64::from_bits(s[4]).to_bits(), (x - y).to_bits());
        }
        for i in [-3i64, 0, 4] {
            let s = run(&[i as u64, 10, 0, 0], |a| {
                a.load_slot(1, 0);
                a.load_slot(2, 1);
                a.alu(IOp::Add, 6, 1, Src::R(2));
                a.select(Cond::Lt, 1, 1, Src::K(0), 6, 1);
                a.store_slot(2, 1);
                a.un(UnOp::Abs, 7, 1);
                a.set(Cond::AboveEq, 8, 1, Src::R(2));
                a.store_slot(3, 8);
            });
            assert_eq!(s[2] as i64, if i < 0 { i + 10 } else { i });
            assert_eq!(s[3], 0);
        }
    }

    #[test]
    fn shifts_unsigned_division_conversions_and_negated_float_branches() {
        checks::shifts_unsigned_division_conversions_and_negated_float_branches::<X64Asm>(
            &|slots, body| run(slots, |a| body(a)),
        );
    }

    #[test]
    fn vector_operations_compute_each_lane() {
        let mut widths = vec![2];
        if std::arch::is_x86_feature_detected!("avx2") {
            widths.push(4);
        }
        for lanes in widths {
            checks::vectors_compute_each_lane(lanes, 3, &move |slots, body| {
                run_lanes(lanes, slots, |a| body(a))
            });
        }
    }
}
