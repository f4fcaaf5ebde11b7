//! The aarch64 backend of [`Asm`] over dynasm-rs.
//!
//! Pinned: `x19` the frame base (slot `r` at `[x19 + 8*r]`), `x20` the
//! fuel left in the window (`crate::fuel`), `x21` the `Cx`; spill slot `n` is
//! `Cx::spills[n]`. A native script call stores a level's instruction
//! below `sp` (`stp xzr, x16, [sp, -16]!`) and calls with `bl`; the
//! callee's call entry stores `x30` in the level's first word, and its
//! return loads it back and pops the level. The emitter's scratch registers are `x0` (also where a
//! call's integer result lands), `x15`, `d30`, `d31`; this file keeps
//! `x16`, `x17` (the intra-procedure-call registers, which nothing else
//! here uses) and `d29` for itself, inside one operation. `x18` (the
//! platform register) and `x29`, `x30` (frame record, link register) are
//! left alone. Everything else is the allocator's.
//!
//! What aarch64 needs that x86-64 does not, all of it here:
//! - immediates that do not encode (arithmetic immediates are 12 bits,
//!   maybe shifted by 12; logical ones are bitmask patterns; loads and
//!   stores take scaled unsigned or 9-bit signed offsets) go through
//!   `x16`; wide constants and addresses are built with `movz`/`movn` and
//!   `movk`;
//! - calls go through `x16` with `blr`; the link register they overwrite
//!   was saved by the entry sequence, which every exit returns through
//!   (the out-of-line refuel is reached with `bl` and keeps its own);
//! - a label's address (`addr_of`) is `adr`, pc-relative: the code is
//!   copied into the executable region as it is, and a function's code
//!   stays within the ±1 MiB that `adr` and the conditional branches to
//!   its out-of-line exits reach;
//! - runtime calls follow AAPCS64 (arguments in `x0..x7`, `d0..d7`; `x19`
//!   to `x28` and the low halves of `d8` to `d15` preserved), and a
//!   32-bit result (`rt_exec`'s status) is widened before it is compared:
//!   the upper half of `x0` is not defined;
//! - `sdiv` does not trap: a zero divisor never reaches it (the emitter
//!   guards) and `MIN / -1` gives `MIN`, the interpreter's wrapping
//!   result; Python's flooring is a fix-up of quotient and remainder;
//! - float compares set `C` and `V` on NaN: `mi` and `ls` are the ordered
//!   `<` and `<=`, `ne` is true when unordered, as Python's `!=`; `min`
//!   and `max` select with a compare (`fmin` would return NaN, and order
//!   zeros, otherwise than Python).

// dynasm! converts register operands with `.into()`, which clippy sees as
// a conversion of u8 to itself.
#![allow(clippy::useless_conversion)]

use dynasmrt::aarch64::Aarch64Relocation;
use dynasmrt::{dynasm, DynamicLabel, DynasmApi, DynasmLabelApi, VecAssembler};

use crate::backend::{Asm, Callee, Src, Word, MAX_SPILLS};
use crate::ir::{Cond, FCond, FOp, IOp, UnOp, Width};
use crate::layout::{
    CX_BASE, CX_FLOOR, CX_FUEL, CX_LEVELS, CX_RAISED, CX_RT, CX_RTOPS, CX_SP, CX_SPILLS, LEVEL,
    RTDESC_SIZE,
};
use crate::regalloc::{PReg, Regs};

/// Registers this file keeps to itself.
const TMP: PReg = 16;
const TMP2: PReg = 17;
const FTMP: PReg = 29;

/// Bytes of the saved registers: x29, x30, x19..x28, d8..d15.
const SAVED: i32 = 160;

const _: () = assert!(
    SAVED % 16 == 0 && LEVEL % 16 == 0,
    "sp stays 16-byte aligned"
);

/// An aarch64 condition code, as the flags of the last compare read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cc {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Unsigned `<`, `>=`.
    Lo,
    Hs,
    /// After `fcmp`: `<`, `<=`, both false when unordered.
    Mi,
    Ls,
}

fn cc(c: Cond) -> Cc {
    match c {
        Cond::Eq => Cc::Eq,
        Cond::Ne => Cc::Ne,
        Cond::Lt => Cc::Lt,
        Cond::Le => Cc::Le,
        Cond::Gt => Cc::Gt,
        Cond::Ge => Cc::Ge,
        Cond::Below => Cc::Lo,
        Cond::AboveEq => Cc::Hs,
    }
}

fn fcc(c: FCond) -> Cc {
    match c {
        FCond::Lt => Cc::Mi,
        FCond::Le => Cc::Ls,
        FCond::Eq => Cc::Eq,
        FCond::Ne => Cc::Ne,
    }
}

/// How `add d, a, #k` encodes: `Some((imm12, shifted, negated))`, the
/// immediate of `add` (or of `sub` when negated), maybe shifted left by 12.
pub fn arith_imm(k: i64) -> Option<(u32, bool, bool)> {
    let (neg, m) = if k < 0 {
        (true, k.unsigned_abs())
    } else {
        (false, k as u64)
    };
    if m < 4096 {
        Some((m as u32, false, neg))
    } else if m & 0xfff == 0 && m >> 12 < 4096 {
        Some(((m >> 12) as u32, true, neg))
    } else {
        None
    }
}

/// Does `k` encode as a 64-bit logical (bitmask) immediate?
pub fn logical_imm(k: i64) -> bool {
    dynasmrt::aarch64::encode_logical_immediate_64bit(k as u64).is_some()
}

/// The widths of memory access this file makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mem {
    LdX,
    StX,
    LdB,
    StB,
    LdD,
    StD,
    LdQ,
    StQ,
}

impl Mem {
    fn bytes(self) -> i32 {
        match self {
            Mem::LdB | Mem::StB => 1,
            Mem::LdQ | Mem::StQ => 16,
            _ => 8,
        }
    }
}

/// Assembles into a vector; the code is position-independent (branches
/// are relative, addresses built in registers), and `code::install`
/// copies it into the executable region.
pub type Assembler = VecAssembler<Aarch64Relocation>;

pub struct A64Asm {
    pub ops: Assembler,
    epi: DynamicLabel,
    /// Fuel ticks that spent a window's last unit: (here, back to the
    /// code, the exit), placed after the code.
    refuels: Vec<(DynamicLabel, DynamicLabel, DynamicLabel)>,
}

/// The registers the out-of-line refuel saves around its call: every one
/// a C call may clobber that the emitter or the allocator may hold a value
/// in (`x0`..`x15`; `d0`..`d7` and `d16`..`d31`, as AAPCS64 preserves only
/// `d8`..`d15`), and the link register of its own `bl`.
const REFUEL_GPR_PAIRS: u8 = 8;
const REFUEL_FPR_PAIRS: [u8; 12] = [0, 2, 4, 6, 16, 18, 20, 22, 24, 26, 28, 30];
/// Bytes the refuel routine reserves: the pairs above and `x30`, with `sp`
/// still 16-byte aligned.
const REFUEL_FRAME: u32 = 16 * (REFUEL_GPR_PAIRS as u32 + 1 + REFUEL_FPR_PAIRS.len() as u32);
/// Where `x30` and the float pairs are in it.
const REFUEL_LR: u32 = 16 * REFUEL_GPR_PAIRS as u32;
const REFUEL_FPRS: i32 = REFUEL_LR as i32 + 16;

const _: () = assert!(REFUEL_FRAME <= 504, "stp/ldp reach every saved pair");

impl A64Asm {
    /// An assembler whose code would start at address 0.
    pub fn new() -> A64Asm {
        let mut ops = Assembler::new(0);
        let epi = ops.new_dynamic_label();
        A64Asm {
            ops,
            epi,
            refuels: Vec::new(),
        }
    }

    /// The machine code, to list or to install.
    pub fn finish_bytes(mut self) -> Vec<u8> {
        self.place_refuels();
        self.ops
            .finalize()
            .unwrap_or_else(|e| panic!("the code's labels resolve: {e}"))
    }

    /// The out-of-line ends of the fuel ticks: the next window from
    /// `fuel::refuel` (every register a value may live in saved around
    /// the call, as the tick may be anywhere), or, with the run's fuel
    /// spent, the tick undone and the exit taken.
    fn place_refuels(&mut self) {
        let sites = std::mem::take(&mut self.refuels);
        if sites.is_empty() {
            return;
        }
        let routine = self.ops.new_dynamic_label();
        for (here, back, exit) in sites {
            dynasm!(self.ops
                ; .arch aarch64
                ; =>here
                ; bl =>routine
                ; cbnz x20, =>back
                ; movz x20, 1
                ; b =>exit
            );
        }
        dynasm!(self.ops
            ; .arch aarch64
            ; =>routine
            ; sub sp, sp, REFUEL_FRAME
        );
        for k in 0..REFUEL_GPR_PAIRS {
            let (r, at) = (2 * k, 16 * k as i32);
            dynasm!(self.ops ; .arch aarch64 ; stp X(r), X(r + 1), [sp, at]);
        }
        dynasm!(self.ops ; .arch aarch64 ; str x30, [sp, REFUEL_LR]);
        for (k, &r) in REFUEL_FPR_PAIRS.iter().enumerate() {
            let at = REFUEL_FPRS + 16 * k as i32;
            dynasm!(self.ops ; .arch aarch64 ; stp D(r), D(r + 1), [sp, at]);
        }
        dynasm!(self.ops ; .arch aarch64 ; mov x0, x21);
        self.movi(TMP, crate::fuel::refuel as *const () as usize as i64);
        dynasm!(self.ops ; .arch aarch64 ; blr X(TMP) ; mov x20, x0);
        for (k, &r) in REFUEL_FPR_PAIRS.iter().enumerate() {
            let at = REFUEL_FPRS + 16 * k as i32;
            dynasm!(self.ops ; .arch aarch64 ; ldp D(r), D(r + 1), [sp, at]);
        }
        dynasm!(self.ops ; .arch aarch64 ; ldr x30, [sp, REFUEL_LR]);
        for k in 0..REFUEL_GPR_PAIRS {
            let (r, at) = (2 * k, 16 * k as i32);
            dynasm!(self.ops ; .arch aarch64 ; ldp X(r), X(r + 1), [sp, at]);
        }
        dynasm!(self.ops
            ; .arch aarch64
            ; add sp, sp, REFUEL_FRAME
            ; ret
        );
    }

    /// Puts the code in the executable region.
    pub fn finish(self) -> crate::code::Code {
        crate::code::install(&self.finish_bytes())
    }

    fn bcond(&mut self, c: Cc, l: DynamicLabel) {
        match c {
            Cc::Eq => dynasm!(self.ops ; .arch aarch64 ; b.eq =>l),
            Cc::Ne => dynasm!(self.ops ; .arch aarch64 ; b.ne =>l),
            Cc::Lt => dynasm!(self.ops ; .arch aarch64 ; b.lt =>l),
            Cc::Le => dynasm!(self.ops ; .arch aarch64 ; b.le =>l),
            Cc::Gt => dynasm!(self.ops ; .arch aarch64 ; b.gt =>l),
            Cc::Ge => dynasm!(self.ops ; .arch aarch64 ; b.ge =>l),
            Cc::Lo => dynasm!(self.ops ; .arch aarch64 ; b.lo =>l),
            Cc::Hs => dynasm!(self.ops ; .arch aarch64 ; b.hs =>l),
            Cc::Mi => dynasm!(self.ops ; .arch aarch64 ; b.mi =>l),
            Cc::Ls => dynasm!(self.ops ; .arch aarch64 ; b.ls =>l),
        }
    }

    /// `d = c ? 1 : 0` after the last compare.
    fn cset(&mut self, c: Cc, d: PReg) {
        match c {
            Cc::Eq => dynasm!(self.ops ; .arch aarch64 ; cset X(d), eq),
            Cc::Ne => dynasm!(self.ops ; .arch aarch64 ; cset X(d), ne),
            Cc::Lt => dynasm!(self.ops ; .arch aarch64 ; cset X(d), lt),
            Cc::Le => dynasm!(self.ops ; .arch aarch64 ; cset X(d), le),
            Cc::Gt => dynasm!(self.ops ; .arch aarch64 ; cset X(d), gt),
            Cc::Ge => dynasm!(self.ops ; .arch aarch64 ; cset X(d), ge),
            Cc::Lo => dynasm!(self.ops ; .arch aarch64 ; cset X(d), lo),
            Cc::Hs => dynasm!(self.ops ; .arch aarch64 ; cset X(d), hs),
            Cc::Mi => dynasm!(self.ops ; .arch aarch64 ; cset X(d), mi),
            Cc::Ls => dynasm!(self.ops ; .arch aarch64 ; cset X(d), ls),
        }
    }

    /// `d = c ? t : f` after the last compare.
    fn csel(&mut self, c: Cc, d: PReg, t: PReg, f: PReg) {
        match c {
            Cc::Eq => dynasm!(self.ops ; .arch aarch64 ; csel X(d), X(t), X(f), eq),
            Cc::Ne => dynasm!(self.ops ; .arch aarch64 ; csel X(d), X(t), X(f), ne),
            Cc::Lt => dynasm!(self.ops ; .arch aarch64 ; csel X(d), X(t), X(f), lt),
            Cc::Le => dynasm!(self.ops ; .arch aarch64 ; csel X(d), X(t), X(f), le),
            Cc::Gt => dynasm!(self.ops ; .arch aarch64 ; csel X(d), X(t), X(f), gt),
            Cc::Ge => dynasm!(self.ops ; .arch aarch64 ; csel X(d), X(t), X(f), ge),
            Cc::Lo => dynasm!(self.ops ; .arch aarch64 ; csel X(d), X(t), X(f), lo),
            Cc::Hs => dynasm!(self.ops ; .arch aarch64 ; csel X(d), X(t), X(f), hs),
            Cc::Mi => dynasm!(self.ops ; .arch aarch64 ; csel X(d), X(t), X(f), mi),
            Cc::Ls => dynasm!(self.ops ; .arch aarch64 ; csel X(d), X(t), X(f), ls),
        }
    }

    /// `d = c ? t : f` on floats after the last compare.
    fn fcsel(&mut self, c: Cc, d: PReg, t: PReg, f: PReg) {
        match c {
            Cc::Mi => dynasm!(self.ops ; .arch aarch64 ; fcsel D(d), D(t), D(f), mi),
            Cc::Gt => dynasm!(self.ops ; .arch aarch64 ; fcsel D(d), D(t), D(f), gt),
            _ => unreachable!("float selects use mi and gt"),
        }
    }

    /// `cmp a, b`, the immediate legalised.
    fn cmp(&mut self, a: PReg, b: Src) {
        match b {
            Src::R(b) => dynasm!(self.ops ; .arch aarch64 ; cmp X(a), X(b)),
            Src::K(k) => match arith_imm(k as i64) {
                Some((m, false, false)) => dynasm!(self.ops ; .arch aarch64 ; cmp XSP(a), m),
                Some((m, true, false)) => {
                    dynasm!(self.ops ; .arch aarch64 ; cmp XSP(a), m, lsl 12)
                }
                Some((m, false, true)) => dynasm!(self.ops ; .arch aarch64 ; cmn XSP(a), m),
                Some((m, true, true)) => {
                    dynasm!(self.ops ; .arch aarch64 ; cmn XSP(a), m, lsl 12)
                }
                None => {
                    self.movi(TMP, k as i64);
                    dynasm!(self.ops ; .arch aarch64 ; cmp X(a), X(TMP));
                }
            },
        }
    }

    /// `d = a + k`, the immediate legalised (`d` and `a` may be `sp`-free
    /// registers only).
    fn addi(&mut self, d: PReg, a: PReg, k: i64) {
        match arith_imm(k) {
            Some((m, false, false)) => dynasm!(self.ops ; .arch aarch64 ; add XSP(d), XSP(a), m),
            Some((m, true, false)) => {
                dynasm!(self.ops ; .arch aarch64 ; add XSP(d), XSP(a), m, lsl 12)
            }
            Some((m, false, true)) => dynasm!(self.ops ; .arch aarch64 ; sub XSP(d), XSP(a), m),
            Some((m, true, true)) => {
                dynasm!(self.ops ; .arch aarch64 ; sub XSP(d), XSP(a), m, lsl 12)
            }
            None => {
                self.movi(TMP, k);
                dynasm!(self.ops ; .arch aarch64 ; add X(d), X(a), X(TMP));
            }
        }
    }

    /// A load or store of `r` at `[base + off]`: the scaled unsigned
    /// offset when it encodes, else the unscaled signed one, else the
    /// offset in `x16`.
    fn mem(&mut self, m: Mem, r: PReg, base: PReg, off: i32) {
        let size = m.bytes();
        if off >= 0 && off % size == 0 && off / size < 4096 {
            let off = off as u32;
            match m {
                Mem::LdX => dynasm!(self.ops ; .arch aarch64 ; ldr X(r), [X(base), off]),
                Mem::StX => dynasm!(self.ops ; .arch aarch64 ; str X(r), [X(base), off]),
                Mem::LdB => dynasm!(self.ops ; .arch aarch64 ; ldrb W(r), [X(base), off]),
                Mem::StB => dynasm!(self.ops ; .arch aarch64 ; strb W(r), [X(base), off]),
                Mem::LdD => dynasm!(self.ops ; .arch aarch64 ; ldr D(r), [X(base), off]),
                Mem::StD => dynasm!(self.ops ; .arch aarch64 ; str D(r), [X(base), off]),
                Mem::LdQ => dynasm!(self.ops ; .arch aarch64 ; ldr Q(r), [X(base), off]),
                Mem::StQ => dynasm!(self.ops ; .arch aarch64 ; str Q(r), [X(base), off]),
            }
        } else if (-256..256).contains(&off) {
            match m {
                Mem::LdX => dynasm!(self.ops ; .arch aarch64 ; ldur X(r), [X(base), off]),
                Mem::StX => dynasm!(self.ops ; .arch aarch64 ; stur X(r), [X(base), off]),
                Mem::LdB => dynasm!(self.ops ; .arch aarch64 ; ldurb W(r), [X(base), off]),
                Mem::StB => dynasm!(self.ops ; .arch aarch64 ; sturb W(r), [X(base), off]),
                Mem::LdD => dynasm!(self.ops ; .arch aarch64 ; ldur D(r), [X(base), off]),
                Mem::StD => dynasm!(self.ops ; .arch aarch64 ; stur D(r), [X(base), off]),
                Mem::LdQ => dynasm!(self.ops ; .arch aarch64 ; ldur Q(r), [X(base), off]),
                Mem::StQ => dynasm!(self.ops ; .arch aarch64 ; stur Q(r), [X(base), off]),
            }
        } else {
            self.movi(TMP, off as i64);
            match m {
                Mem::LdX => dynasm!(self.ops ; .arch aarch64 ; ldr X(r), [X(base), X(TMP)]),
                Mem::StX => dynasm!(self.ops ; .arch aarch64 ; str X(r), [X(base), X(TMP)]),
                Mem::LdB => dynasm!(self.ops ; .arch aarch64 ; ldrb W(r), [X(base), X(TMP)]),
                Mem::StB => dynasm!(self.ops ; .arch aarch64 ; strb W(r), [X(base), X(TMP)]),
                Mem::LdD => dynasm!(self.ops ; .arch aarch64 ; ldr D(r), [X(base), X(TMP)]),
                Mem::StD => dynasm!(self.ops ; .arch aarch64 ; str D(r), [X(base), X(TMP)]),
                Mem::LdQ => dynasm!(self.ops ; .arch aarch64 ; ldr Q(r), [X(base), X(TMP)]),
                Mem::StQ => dynasm!(self.ops ; .arch aarch64 ; str Q(r), [X(base), X(TMP)]),
            }
        }
    }

    /// Python's `//` (`modulo` false) or `%` of `a` by `b` (not zero).
    fn divide(&mut self, modulo: bool, d: PReg, a: PReg, b: PReg) {
        // q = a / b truncated (MIN / -1 = MIN), r = a - q*b; when r is not
        // zero and its sign differs from b's, q - 1 and r + b floor.
        dynasm!(self.ops
            ; .arch aarch64
            ; sdiv X(TMP), X(a), X(b)
            ; msub X(TMP2), X(TMP), X(b), X(a)
        );
        if modulo {
            dynasm!(self.ops
                ; .arch aarch64
                ; cbz X(TMP2), >done
                ; eor X(TMP), X(TMP2), X(b)
                ; tbz X(TMP), 63, >done
                ; add X(TMP2), X(TMP2), X(b)
                ; done:
                ; mov X(d), X(TMP2)
            );
        } else {
            dynasm!(self.ops
                ; .arch aarch64
                ; cbz X(TMP2), >done
                ; eor X(TMP2), X(TMP2), X(b)
                ; tbz X(TMP2), 63, >done
                ; sub XSP(TMP), XSP(TMP), 1
                ; done:
                ; mov X(d), X(TMP)
            );
        }
    }

    /// `d = a op k` for `and`, `orr`, `eor`: the bitmask immediate when it
    /// encodes, else through `x16`.
    fn logic(&mut self, op: IOp, d: PReg, a: PReg, b: Src) {
        let b = match b {
            Src::K(k) if logical_imm(k as i64) => {
                let k = k as i64 as u64;
                match op {
                    IOp::And => dynasm!(self.ops ; .arch aarch64 ; and XSP(d), X(a), k),
                    IOp::Or => dynasm!(self.ops ; .arch aarch64 ; orr XSP(d), X(a), k),
                    _ => dynasm!(self.ops ; .arch aarch64 ; eor XSP(d), X(a), k),
                }
                return;
            }
            Src::K(k) => {
                self.movi(TMP, k as i64);
                TMP
            }
            Src::R(b) => b,
        };
        match op {
            IOp::And => dynasm!(self.ops ; .arch aarch64 ; and X(d), X(a), X(b)),
            IOp::Or => dynasm!(self.ops ; .arch aarch64 ; orr X(d), X(a), X(b)),
            _ => dynasm!(self.ops ; .arch aarch64 ; eor X(d), X(a), X(b)),
        }
    }

    /// `b` in a register: its own, or `x16` holding the immediate.
    fn reg(&mut self, b: Src) -> PReg {
        match b {
            Src::R(b) => b,
            Src::K(k) => {
                self.movi(TMP, k as i64);
                TMP
            }
        }
    }
}

/// The entry sequence: `(cx, at)` arrive in `x0`, `x1` (AAPCS64). The
/// frame record and the registers AAPCS64 preserves go in 160 bytes;
/// `sp` stays 16-byte aligned at every call, levels included.
fn prologue(ops: &mut Assembler, epi: DynamicLabel) {
    let done = ops.new_dynamic_label();
    dynasm!(ops
        ; .arch aarch64
        ; stp x29, x30, [sp, -SAVED]!
        ; stp x19, x20, [sp, 16]
        ; stp x21, x22, [sp, 32]
        ; stp x23, x24, [sp, 48]
        ; stp x25, x26, [sp, 64]
        ; stp x27, x28, [sp, 80]
        ; stp d8, d9, [sp, 96]
        ; stp d10, d11, [sp, 112]
        ; stp d12, d13, [sp, 128]
        ; stp d14, d15, [sp, 144]
        ; mov x29, sp
        ; mov x21, x0
        ; add x16, sp, 0
        ; str x16, [x0, CX_SP as u32]
        ; ldr x17, [x0, CX_LEVELS as u32]
        ; sub x16, x16, x17, lsl 4
        ; add x16, x16, LEVEL as u32
        ; str x16, [x0, CX_FLOOR as u32]
        ; ldr x19, [x0, CX_BASE as u32]
        ; ldr x16, [x0, CX_FUEL as u32]
        ; ldr x20, [x16]
        ; br x1
        ; =>epi
        ; ldr x16, [x21, CX_SP as u32]
        ; add x17, sp, 0
        ; cmp x17, x16
        ; b.eq =>done
        ; mov w22, w0
        ; mov x0, x21
        ; add x1, sp, 0
        ; movz x16, (crate::levels::records as *const () as usize & 0xffff) as u32
        ; movk x16, ((crate::levels::records as *const () as usize >> 16) & 0xffff) as u32, lsl 16
        ; movk x16, ((crate::levels::records as *const () as usize >> 32) & 0xffff) as u32, lsl 32
        ; movk x16, ((crate::levels::records as *const () as usize >> 48) & 0xffff) as u32, lsl 48
        ; blr x16
        ; mov w0, w22
        ; =>done
        ; ldr x16, [x21, CX_SP as u32]
        ; add sp, x16, 0
        ; ldr x16, [x21, CX_FUEL as u32]
        ; str x20, [x16]
        ; ldp d14, d15, [sp, 144]
        ; ldp d12, d13, [sp, 128]
        ; ldp d10, d11, [sp, 112]
        ; ldp d8, d9, [sp, 96]
        ; ldp x27, x28, [sp, 80]
        ; ldp x25, x26, [sp, 64]
        ; ldp x23, x24, [sp, 48]
        ; ldp x21, x22, [sp, 32]
        ; ldp x19, x20, [sp, 16]
        ; ldp x29, x30, [sp], SAVED
        ; ret
    );
}

fn slot(r: u16) -> i32 {
    r as i32 * 8
}

fn spill(n: u32) -> i32 {
    debug_assert!(n < MAX_SPILLS);
    CX_SPILLS + n as i32 * 8
}

impl Default for A64Asm {
    fn default() -> Self {
        A64Asm::new()
    }
}

impl Asm for A64Asm {
    type Label = DynamicLabel;

    // x19 x20 x21 pinned, x0 x15 x16 x17 scratch, x18 x29 x30 reserved.
    const REGS: Regs = Regs {
        gpr: &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
        gpr_saved: &[22, 23, 24, 25, 26, 27, 28],
        // d8..d15 are saved by the entry sequence, so they are free to
        // use like the others (the allocator treats all as clobbered).
        fpr: &[
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
            24, 25, 26, 27, 28,
        ],
    };
    const SCRATCH: [PReg; 2] = [0, 15];
    const FSCRATCH: [PReg; 2] = [30, 31];
    const RET: PReg = 0;
    const FRET: PReg = 0;
    // x1..x8 (x0 is scratch), d0..d7.
    const ARGS: &'static [PReg] = &[1, 2, 3, 4, 5, 6, 7, 8];
    const FARGS: &'static [PReg] = &[0, 1, 2, 3, 4, 5, 6, 7];

    fn new_label(&mut self) -> DynamicLabel {
        self.ops.new_dynamic_label()
    }

    fn bind(&mut self, l: DynamicLabel) {
        dynasm!(self.ops ; .arch aarch64 ; =>l);
    }

    fn offset(&self) -> usize {
        self.ops.offset().0
    }

    fn align(&mut self, n: usize) {
        while !self.offset().is_multiple_of(n) {
            dynasm!(self.ops ; .arch aarch64 ; nop);
        }
    }

    fn prologue(&mut self) {
        let epi = self.epi;
        prologue(&mut self.ops, epi);
    }

    fn exit(&mut self, code: u32) {
        let epi = self.epi;
        let (lo, hi) = (code & 0xffff, code >> 16);
        dynasm!(self.ops ; .arch aarch64 ; movz w0, lo);
        if hi != 0 {
            dynasm!(self.ops ; .arch aarch64 ; movk w0, hi, lsl 16);
        }
        dynasm!(self.ops ; .arch aarch64 ; b =>epi);
    }

    fn mov(&mut self, d: PReg, s: PReg) {
        if d != s {
            dynasm!(self.ops ; .arch aarch64 ; mov X(d), X(s));
        }
    }

    fn movi(&mut self, d: PReg, k: i64) {
        let halves = |k: i64| (0..4u32).map(move |i| ((k >> (16 * i)) & 0xffff) as u32);
        let zeros = halves(k).filter(|&h| h == 0).count();
        let ones = halves(k).filter(|&h| h == 0xffff).count();
        // One instruction when it can: movz, movn, or orr of a bitmask.
        if zeros < 3 && ones < 3 && logical_imm(k) {
            dynasm!(self.ops ; .arch aarch64 ; orr XSP(d), xzr, k as u64);
            return;
        }
        // movn fills with ones, movz with zeros: start from the filler
        // most halves have, then movk the others.
        let fill = if ones > zeros { 0xffff } else { 0 };
        let mut rest = halves(k).enumerate().filter(|&(_, h)| h != fill);
        let (i, h) = rest.next().unwrap_or((0, fill));
        let sh = 16 * i as u32;
        if fill == 0 {
            dynasm!(self.ops ; .arch aarch64 ; movz X(d), h, lsl sh);
        } else {
            dynasm!(self.ops ; .arch aarch64 ; movn X(d), !h & 0xffff, lsl sh);
        }
        for (i, h) in rest {
            let sh = 16 * i as u32;
            dynasm!(self.ops ; .arch aarch64 ; movk X(d), h, lsl sh);
        }
    }

    fn fmov(&mut self, d: PReg, s: PReg) {
        if d != s {
            dynasm!(self.ops ; .arch aarch64 ; fmov D(d), D(s));
        }
    }

    fn bits_to_f(&mut self, d: PReg, s: PReg) {
        dynasm!(self.ops ; .arch aarch64 ; fmov D(d), X(s));
    }

    fn bits_to_i(&mut self, d: PReg, s: PReg) {
        dynasm!(self.ops ; .arch aarch64 ; fmov X(d), D(s));
    }

    fn load_slot(&mut self, d: PReg, r: u16) {
        self.mem(Mem::LdX, d, 19, slot(r));
    }

    fn store_slot(&mut self, r: u16, s: PReg) {
        self.mem(Mem::StX, s, 19, slot(r));
    }

    fn fload_slot(&mut self, d: PReg, r: u16) {
        self.mem(Mem::LdD, d, 19, slot(r));
    }

    fn fstore_slot(&mut self, r: u16, s: PReg) {
        self.mem(Mem::StD, s, 19, slot(r));
    }

    fn load_spill(&mut self, d: PReg, n: u32) {
        self.mem(Mem::LdX, d, 21, spill(n));
    }

    fn store_spill(&mut self, n: u32, s: PReg) {
        self.mem(Mem::StX, s, 21, spill(n));
    }

    fn fload_spill(&mut self, d: PReg, n: u32) {
        self.mem(Mem::LdD, d, 21, spill(n));
    }

    fn fstore_spill(&mut self, n: u32, s: PReg) {
        self.mem(Mem::StD, s, 21, spill(n));
    }

    fn load(&mut self, w: Width, d: PReg, base: PReg, off: i32) {
        let m = if w == Width::W64 { Mem::LdX } else { Mem::LdB };
        self.mem(m, d, base, off);
    }

    fn store(&mut self, w: Width, base: PReg, off: i32, s: PReg) {
        let m = if w == Width::W64 { Mem::StX } else { Mem::StB };
        self.mem(m, s, base, off);
    }

    fn fload(&mut self, d: PReg, base: PReg, off: i32) {
        self.mem(Mem::LdD, d, base, off);
    }

    fn fstore(&mut self, base: PReg, off: i32, s: PReg) {
        self.mem(Mem::StD, s, base, off);
    }

    fn alu(&mut self, op: IOp, d: PReg, a: PReg, b: Src) {
        match op {
            IOp::Add => match b {
                Src::R(b) => dynasm!(self.ops ; .arch aarch64 ; add X(d), X(a), X(b)),
                Src::K(k) => self.addi(d, a, k as i64),
            },
            IOp::Sub => match b {
                Src::R(b) => dynasm!(self.ops ; .arch aarch64 ; sub X(d), X(a), X(b)),
                Src::K(k) => self.addi(d, a, -(k as i64)),
            },
            IOp::Mul => match b {
                // A power of two is a shift (it wraps the same).
                Src::K(k) if k > 0 && (k as u32).is_power_of_two() => {
                    let n = k.trailing_zeros();
                    dynasm!(self.ops ; .arch aarch64 ; lsl X(d), X(a), n);
                }
                _ => {
                    let b = self.reg(b);
                    dynasm!(self.ops ; .arch aarch64 ; mul X(d), X(a), X(b));
                }
            },
            IOp::And | IOp::Or | IOp::Xor => self.logic(op, d, a, b),
            IOp::Sar => match b {
                Src::K(k) => {
                    let n = (k & 63) as u32;
                    dynasm!(self.ops ; .arch aarch64 ; asr X(d), X(a), n);
                }
                Src::R(b) => dynasm!(self.ops ; .arch aarch64 ; asr X(d), X(a), X(b)),
            },
            IOp::Shl => match b {
                Src::K(k) => {
                    let n = (k & 63) as u32;
                    dynasm!(self.ops ; .arch aarch64 ; lsl X(d), X(a), n);
                }
                Src::R(b) => dynasm!(self.ops ; .arch aarch64 ; lsl X(d), X(a), X(b)),
            },
            IOp::UDiv => {
                let b = self.reg(b);
                dynasm!(self.ops ; .arch aarch64 ; udiv X(d), X(a), X(b));
            }
            IOp::MulHi => {
                let b = self.reg(b);
                dynasm!(self.ops ; .arch aarch64 ; smulh X(d), X(a), X(b));
            }
            IOp::FloorDiv | IOp::Mod => {
                let b = self.reg(b);
                self.divide(op == IOp::Mod, d, a, b);
            }
            IOp::Min | IOp::Max => {
                // b only when strictly smaller (larger): ties keep a.
                let b = self.reg(b);
                dynasm!(self.ops ; .arch aarch64 ; cmp X(b), X(a));
                let c = if op == IOp::Min { Cc::Lt } else { Cc::Gt };
                self.csel(c, d, b, a);
            }
        }
    }

    fn un(&mut self, op: UnOp, d: PReg, a: PReg) {
        match op {
            UnOp::Neg => dynasm!(self.ops ; .arch aarch64 ; neg X(d), X(a)),
            UnOp::Not => dynasm!(self.ops ; .arch aarch64 ; mvn X(d), X(a)),
            // -a when a is negative (MIN stays MIN).
            UnOp::Abs => dynasm!(self.ops ; .arch aarch64 ; cmp XSP(a), 0 ; cneg X(d), X(a), lt),
            _ => unreachable!("{op:?} is not an integer operation"),
        }
    }

    fn falu(&mut self, op: FOp, d: PReg, a: PReg, b: PReg) {
        match op {
            FOp::Add => dynasm!(self.ops ; .arch aarch64 ; fadd D(d), D(a), D(b)),
            FOp::Sub => dynasm!(self.ops ; .arch aarch64 ; fsub D(d), D(a), D(b)),
            FOp::Mul => dynasm!(self.ops ; .arch aarch64 ; fmul D(d), D(a), D(b)),
            FOp::Div => dynasm!(self.ops ; .arch aarch64 ; fdiv D(d), D(a), D(b)),
            // b < a ? b : a (a when unordered), b > a ? b : a likewise.
            FOp::Min | FOp::Max => {
                dynasm!(self.ops ; .arch aarch64 ; fcmp D(b), D(a));
                let c = if op == FOp::Min { Cc::Mi } else { Cc::Gt };
                self.fcsel(c, d, b, a);
            }
        }
    }

    fn fun(&mut self, op: UnOp, d: PReg, a: PReg) {
        match op {
            UnOp::FSqrt => dynasm!(self.ops ; .arch aarch64 ; fsqrt D(d), D(a)),
            UnOp::F32 => {
                dynasm!(self.ops ; .arch aarch64 ; fcvt S(FTMP), D(a) ; fcvt D(d), S(FTMP))
            }
            UnOp::FNeg => dynasm!(self.ops ; .arch aarch64 ; fneg D(d), D(a)),
            UnOp::FAbs => dynasm!(self.ops ; .arch aarch64 ; fabs D(d), D(a)),
            _ => unreachable!("{op:?} is not a float operation"),
        }
    }

    fn itof(&mut self, d: PReg, s: PReg) {
        dynasm!(self.ops ; .arch aarch64 ; scvtf D(d), X(s));
    }

    fn ftoi(&mut self, d: PReg, s: PReg) {
        dynasm!(self.ops ; .arch aarch64 ; fcvtzs X(d), D(s));
    }

    fn set(&mut self, c: Cond, d: PReg, a: PReg, b: Src) {
        self.cmp(a, b);
        self.cset(cc(c), d);
    }

    fn fset(&mut self, c: FCond, d: PReg, a: PReg, b: PReg) {
        dynasm!(self.ops ; .arch aarch64 ; fcmp D(a), D(b));
        self.cset(fcc(c), d);
    }

    fn select(&mut self, c: Cond, d: PReg, a: PReg, b: Src, t: PReg, f: PReg) {
        self.cmp(a, b);
        self.csel(cc(c), d, t, f);
    }

    fn branch(&mut self, c: Cond, a: PReg, b: Src, l: DynamicLabel) {
        match (c, b) {
            (Cond::Eq, Src::K(0)) => dynasm!(self.ops ; .arch aarch64 ; cbz X(a), =>l),
            (Cond::Ne, Src::K(0)) => dynasm!(self.ops ; .arch aarch64 ; cbnz X(a), =>l),
            _ => {
                self.cmp(a, b);
                self.bcond(cc(c), l);
            }
        }
    }

    fn fbranch(&mut self, c: FCond, a: PReg, b: PReg, l: DynamicLabel) {
        dynasm!(self.ops ; .arch aarch64 ; fcmp D(a), D(b));
        self.bcond(fcc(c), l);
    }

    fn fbranch_not(&mut self, c: FCond, a: PReg, b: PReg, l: DynamicLabel) {
        dynasm!(self.ops ; .arch aarch64 ; fcmp D(a), D(b));
        // Unordered sets C and V: `pl` and `hi` take it, as `ne` does.
        match c {
            FCond::Lt => dynasm!(self.ops ; .arch aarch64 ; b.pl =>l),
            FCond::Le => dynasm!(self.ops ; .arch aarch64 ; b.hi =>l),
            FCond::Eq => dynasm!(self.ops ; .arch aarch64 ; b.ne =>l),
            FCond::Ne => dynasm!(self.ops ; .arch aarch64 ; b.eq =>l),
        }
    }

    fn jump(&mut self, l: DynamicLabel) {
        dynasm!(self.ops ; .arch aarch64 ; b =>l);
    }

    fn fuel(&mut self, l: DynamicLabel) {
        let (here, back) = (self.ops.new_dynamic_label(), self.ops.new_dynamic_label());
        dynasm!(self.ops
            ; .arch aarch64
            ; subs x20, x20, 1
            ; b.eq =>here
            ; =>back
        );
        self.refuels.push((here, back, l));
    }

    fn fuel_left(&mut self, d: PReg) {
        self.mov(d, 20);
    }

    fn spend(&mut self, n: Src) {
        match n {
            Src::R(n) => dynasm!(self.ops ; .arch aarch64 ; sub x20, x20, X(n)),
            Src::K(k) => self.addi(20, 20, -(k as i64)),
        }
    }

    fn lanes(&self) -> usize {
        2
    }

    fn vload(&mut self, d: PReg, base: PReg, off: i32) {
        self.mem(Mem::LdQ, d, base, off);
    }

    fn vstore(&mut self, base: PReg, off: i32, s: PReg) {
        self.mem(Mem::StQ, s, base, off);
    }

    fn vfalu(&mut self, op: FOp, d: PReg, a: PReg, b: PReg) {
        match op {
            FOp::Add => dynasm!(self.ops ; .arch aarch64 ; fadd V(d).D2, V(a).D2, V(b).D2),
            FOp::Sub => dynasm!(self.ops ; .arch aarch64 ; fsub V(d).D2, V(a).D2, V(b).D2),
            FOp::Mul => dynasm!(self.ops ; .arch aarch64 ; fmul V(d).D2, V(a).D2, V(b).D2),
            FOp::Div => dynasm!(self.ops ; .arch aarch64 ; fdiv V(d).D2, V(a).D2, V(b).D2),
            _ => unreachable!("{op:?} is not a vector operation"),
        }
    }

    fn vfun(&mut self, op: UnOp, d: PReg, a: PReg) {
        match op {
            UnOp::FSqrt => dynasm!(self.ops ; .arch aarch64 ; fsqrt V(d).D2, V(a).D2),
            UnOp::FNeg => dynasm!(self.ops ; .arch aarch64 ; fneg V(d).D2, V(a).D2),
            UnOp::FAbs => dynasm!(self.ops ; .arch aarch64 ; fabs V(d).D2, V(a).D2),
            _ => unreachable!("{op:?} is not a vector operation"),
        }
    }

    fn splat(&mut self, d: PReg, s: PReg) {
        dynasm!(self.ops ; .arch aarch64 ; dup V(d).D2, V(s).D[0]);
    }

    fn vend(&mut self) {}

    fn call(&mut self, f: usize, args: &[PReg], fargs: &[PReg]) {
        // Into x0, x1 and d0, d1 without overwriting an argument not yet
        // moved: the first goes through x16 / d29.
        match *args {
            [] => {}
            [a] => self.mov(0, a),
            [a, b] => {
                self.mov(TMP, a);
                self.mov(1, b);
                self.mov(0, TMP);
            }
            _ => unreachable!("at most two integer arguments"),
        }
        match *fargs {
            [] => {}
            [a] => self.fmov(0, a),
            [a, b] => {
                self.fmov(FTMP, a);
                self.fmov(1, b);
                self.fmov(0, FTMP);
            }
            _ => unreachable!("at most two float arguments"),
        }
        self.movi(TMP, f as i64);
        dynasm!(self.ops ; .arch aarch64 ; blr X(TMP));
    }

    fn call_rt(&mut self, f: usize, op: usize, slot: u16, window: usize) {
        let off = (op * RTDESC_SIZE) as i64;
        self.mem(Mem::LdX, 0, 21, CX_RT);
        self.mem(Mem::LdX, 1, 21, CX_RTOPS);
        self.addi(1, 1, off);
        self.addi(2, 19, slot as i64 * 8);
        self.movi(3, window as i64);
        self.mem(Mem::LdX, 4, 21, CX_RAISED);
        // The operation spends from the window's count.
        self.mem(Mem::LdX, TMP, 21, CX_FUEL);
        dynasm!(self.ops ; .arch aarch64 ; str x20, [X(TMP)]);
        self.movi(TMP, f as i64);
        // The status is a u32: the upper half of x0 is not defined.
        dynasm!(self.ops ; .arch aarch64 ; blr X(TMP) ; mov w0, w0);
        self.mem(Mem::LdX, TMP, 21, CX_FUEL);
        dynasm!(self.ops ; .arch aarch64 ; ldr x20, [X(TMP)]);
    }

    fn call_cx(&mut self, f: usize, k: u64, x: Word) {
        // (cx, k, x) in x0, x1, x2: x first, as it may be in either.
        match x {
            Word::None => {}
            Word::R(r) => self.mov(2, r),
            Word::Slot(r) => self.addi(2, 19, r as i64 * 8),
        }
        self.movi(1, k as i64);
        self.mov(0, 21);
        // The callee spends from the window's count.
        self.mem(Mem::LdX, TMP, 21, CX_FUEL);
        dynasm!(self.ops ; .arch aarch64 ; str x20, [X(TMP)]);
        self.movi(TMP, f as i64);
        dynasm!(self.ops ; .arch aarch64 ; blr X(TMP));
        self.mem(Mem::LdX, TMP, 21, CX_FUEL);
        dynasm!(self.ops ; .arch aarch64 ; ldr x20, [X(TMP)]);
    }

    fn load_cx(&mut self, d: PReg, off: i32) {
        self.mem(Mem::LdX, d, 21, off);
    }

    fn move_base(&mut self, slots: i32) {
        self.addi(19, 19, 8 * slots as i64);
    }

    fn sp(&mut self, d: PReg) {
        dynasm!(self.ops ; .arch aarch64 ; add XSP(d), sp, 0);
    }

    fn branch_sp(&mut self, c: Cond, off: i32, l: DynamicLabel) {
        self.mem(Mem::LdX, TMP, 21, off);
        dynasm!(self.ops ; .arch aarch64 ; add x17, sp, 0 ; cmp x17, X(TMP));
        self.bcond(cc(c), l);
    }

    fn call_entry(&mut self) {
        dynasm!(self.ops ; .arch aarch64 ; str x30, [sp]);
    }

    fn call_native(&mut self, pc: u32, to: Callee<DynamicLabel>) {
        self.push_level(pc);
        match to {
            Callee::Label(l) => dynasm!(self.ops ; .arch aarch64 ; bl =>l),
            Callee::Reg(r) => dynasm!(self.ops ; .arch aarch64 ; blr X(r)),
        }
    }

    fn ret_native(&mut self) {
        dynasm!(self.ops ; .arch aarch64 ; ldr x30, [sp], LEVEL ; ret);
    }

    fn push_level(&mut self, pc: u32) {
        self.movi(TMP, pc as i64);
        dynasm!(self.ops ; .arch aarch64 ; stp xzr, X(TMP), [sp, -LEVEL]!);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words `body` assembles to, on any host.
    fn words(body: impl FnOnce(&mut A64Asm)) -> Vec<u32> {
        let mut a = A64Asm::new();
        body(&mut a);
        let code = a.finish_bytes();
        code.chunks(4)
            .map(|w| u32::from_le_bytes(w.try_into().unwrap()))
            .collect()
    }

    /// The value a run of `movz`/`movn`/`movk`/`orr #bitmask` into one
    /// register leaves there, read from the encodings as the architecture
    /// manual defines them (not through the assembler that wrote them).
    fn evaluate(ws: &[u32]) -> i64 {
        let mut v = 0u64;
        for &w in ws {
            let (hw, imm) = ((w >> 21) & 3, ((w >> 5) & 0xffff) as u64);
            let sh = 16 * hw;
            match w & 0xff80_0000 {
                0xd280_0000 => v = imm << sh,
                0x9280_0000 => v = !(imm << sh),
                0xf280_0000 => v = (v & !(0xffff << sh)) | imm << sh,
                _ if w & 0xff80_03e0 == 0xb200_03e0 => {
                    // orr xd, xzr, #bitmask: DecodeBitMasks(N, imms, immr).
                    let (n, immr, imms) = ((w >> 22) & 1, (w >> 16) & 63, (w >> 10) & 63);
                    let len = 31 - ((n << 6) | (!imms & 63)).leading_zeros();
                    let size = 1u32 << len;
                    let s = imms & (size - 1);
                    let r = immr & (size - 1);
                    let welem = if s + 1 == 64 {
                        u64::MAX
                    } else {
                        (1u64 << (s + 1)) - 1
                    };
                    let mask = if size == 64 {
                        u64::MAX
                    } else {
                        (1u64 << size) - 1
                    };
                    let elem = ((welem >> r) | (welem << ((size - r) % size))) & mask;
                    let elem = if r == 0 { welem & mask } else { elem };
                    v = (0..64 / size).fold(0, |acc, i| acc | elem << (i * size));
                }
                _ => panic!("{w:08x} is not a constant move"),
            }
        }
        v as i64
    }

    #[test]
    fn known_encodings() {
        // Each as GNU as encodes it.
        let cases: Vec<(Vec<u32>, Vec<u32>)> = vec![
            (words(|a| a.movi(1, 0x1234)), vec![0xd2824681]),
            (words(|a| a.movi(1, -1)), vec![0x92800001]),
            (words(|a| a.movi(1, 0xffff_0000_ffff)), vec![0xb2003fe1]),
            (
                words(|a| a.movi(3, 0x1234_5678_9abc_def0)),
                vec![0xd29bde03, 0xf2b35783, 0xf2cacf03, 0xf2e24683],
            ),
            (words(|a| a.movi(2, -0x12345)), vec![0x92846882, 0xf2bfffc2]),
            (
                words(|a| a.alu(IOp::Add, 1, 2, Src::K(3 << 12))),
                vec![0x91400c41],
            ),
            (
                words(|a| a.alu(IOp::Sub, 1, 2, Src::K(-7))),
                vec![0x91001c41],
            ),
            (
                words(|a| a.alu(IOp::Add, 1, 2, Src::K(-7))),
                vec![0xd1001c41],
            ),
            (
                words(|a| a.alu(IOp::Add, 1, 2, Src::K(5000))),
                vec![0xd2827110, 0x8b100041],
            ),
            (
                words(|a| a.load_slot(1, 5000)),
                vec![0xd2938810, 0xf8706a61],
            ),
            (words(|a| a.load(Width::W64, 1, 2, -32)), vec![0xf85e0041]),
            (words(|a| a.load(Width::W8, 1, 2, 4095)), vec![0x397ffc41]),
            (
                words(|a| a.alu(IOp::And, 1, 2, Src::K(0xff))),
                vec![0x92401c41],
            ),
            (
                words(|a| a.set(Cond::Lt, 5, 4, Src::K(-1))),
                vec![0xb100049f, 0x9a9fa7e5],
            ),
            (
                words(|a| a.fset(FCond::Lt, 5, 1, 2)),
                vec![0x1e622020, 0x9a9f57e5],
            ),
            (
                words(|a| a.select(Cond::Lt, 1, 4, Src::R(5), 2, 3)),
                vec![0xeb05009f, 0x9a83b041],
            ),
            (
                words(|a| a.falu(FOp::Max, 1, 3, 2)),
                vec![0x1e632040, 0x1e63cc41],
            ),
        ];
        for (k, (got, want)) in cases.iter().enumerate() {
            assert_eq!(
                got.iter().map(|w| format!("{w:08x}")).collect::<Vec<_>>(),
                want.iter().map(|w| format!("{w:08x}")).collect::<Vec<_>>(),
                "case {k}"
            );
        }
    }

    #[test]
    fn every_constant_is_built_exactly_in_at_most_four_instructions() {
        let mut ks = vec![
            0,
            1,
            -1,
            i64::MIN,
            i64::MAX,
            0xffff,
            0x1_0000,
            -0x1_0000,
            0xffff_0000,
            0x5555_5555_5555_5555,
            0x00ff_00ff_00ff_00ff,
            0x0000_ffff_ffff_0000,
            -0x8000_0000,
            0x7fff_ffff,
            f64::to_bits(0.5) as i64,
            f64::to_bits(-1e300) as i64,
        ];
        // And a pseudo-random sweep, with halves often all zeros or ones.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut k = x;
            for h in 0..4 {
                match (x >> (60 - 2 * h)) & 3 {
                    0 => k &= !(0xffff << (16 * h)),
                    1 => k |= 0xffff << (16 * h),
                    _ => {}
                }
            }
            ks.push(k as i64);
        }
        for k in ks {
            let ws = words(|a| a.movi(7, k));
            assert!(ws.len() <= 4, "{k:#x} took {}", ws.len());
            assert!(ws.iter().all(|w| w & 31 == 7), "{k:#x}: into x7");
            assert_eq!(evaluate(&ws), k, "{k:#x}: {ws:08x?}");
        }
    }

    #[test]
    fn arithmetic_immediates_encode_what_they_say() {
        for k in [
            0i64, 1, 4095, 4096, 4097, 8192, 0xfff000, 0x1000000, -1, -4095, -4096, -0xfff000,
        ] {
            match arith_imm(k) {
                Some((m, shifted, neg)) => {
                    let v = (m as i64) << if shifted { 12 } else { 0 };
                    assert_eq!(if neg { -v } else { v }, k);
                    assert!(m < 4096);
                }
                None => assert!(
                    ![4096i64, 8192, 0xfff000, -4096, -0xfff000].contains(&k) && k.abs() >= 4096,
                    "{k} should encode"
                ),
            }
        }
        // Whatever the immediate, the emitted code assembles (dynasm
        // panics on one that does not encode).
        for k in [i32::MIN, i32::MAX, -4097, 4097, 0x1000, -0x1000, 0x12345, 0] {
            for op in [
                IOp::Add,
                IOp::Sub,
                IOp::Mul,
                IOp::And,
                IOp::Or,
                IOp::Xor,
                IOp::Sar,
            ] {
                words(|a| a.alu(op, 1, 2, Src::K(k)));
            }
            words(|a| a.set(Cond::Ge, 1, 2, Src::K(k)));
            words(|a| {
                let l = a.new_label();
                a.branch(Cond::Ne, 1, Src::K(k), l);
                a.bind(l);
            });
        }
    }

    #[test]
    fn memory_offsets_take_the_form_that_encodes() {
        use yaxpeax_arch::{Decoder, U8Reader};
        let text = |ws: &[u32]| -> String {
            let d = yaxpeax_arm::armv8::a64::InstDecoder::default();
            ws.iter()
                .map(|w| {
                    let b = w.to_le_bytes();
                    d.decode(&mut U8Reader::new(&b[..])).unwrap().to_string()
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        for (off, form) in [
            (0, "ldr x1, [x2]"),
            (8, "ldr x1, [x2, #0x8]"),
            (32760, "ldr x1, [x2, #0x7ff8]"),
            (32768, "ldr x1, [x2, x16]"),
            (12, "ldur x1, [x2, #0xc]"),
            (-256, "ldur x1, [x2, #-0x100]"),
            (-264, "ldr x1, [x2, x16]"),
            (i32::MIN, "ldr x1, [x2, x16]"),
        ] {
            let t = text(&words(|a| a.load(Width::W64, 1, 2, off)));
            assert!(t.ends_with(form), "{off}: {t}");
        }
        for (off, form) in [
            (4095, "strb w1, [x2, #0xfff]"),
            (4096, "strb w1, [x2, x16]"),
            (-1, "sturb w1, [x2, #-0x1]"),
        ] {
            let t = text(&words(|a| a.store(Width::W8, 2, off, 1)));
            assert!(t.ends_with(form), "{off}: {t}");
        }
        let t = text(&words(|a| a.fstore_slot(70, 3)));
        assert_eq!(t, "str d3, [x19, #0x230]");
        let t = text(&words(|a| a.fload_spill(3, MAX_SPILLS - 1)));
        assert_eq!(t, format!("ldr d3, [x21, #{:#x}]", CX_SPILLS + 0x1f8));
    }
}

/// The backend's code run, on aarch64 hosts (under qemu-user elsewhere).
#[cfg(all(test, target_arch = "aarch64"))]
mod run {
    use super::*;
    use crate::backend::checks;

    /// Fuel for a run: the window's count, the reserve, a window's size.
    #[derive(Clone, Copy)]
    struct Fuel {
        left: u64,
        reserve: u64,
        window: u64,
    }

    /// Assembles `body` between the entry sequence and an exit, runs it on
    /// `slots` with `fuel`, and returns the slots, the exit's code and the
    /// fuel (left, reserve) it left.
    fn run_fuel(
        slots: &[u64],
        fuel: Fuel,
        body: impl FnOnce(&mut A64Asm),
    ) -> (Vec<u64>, u32, (u64, u64)) {
        let mut s = slots.to_vec();
        let mut a = A64Asm::new();
        a.prologue();
        let at = a.offset();
        body(&mut a);
        a.exit(0);
        let buf = a.finish();
        let rt = vm::rt::RtCtx::new(vm::classmethods::ClassTable::new(
            typer::classes::Classes::shared(),
        ));
        rt.fuel.left.set(fuel.left);
        rt.fuel.reserve.set(fuel.reserve);
        let mut cx = vm::tiering::Cx::bare(s.as_mut_ptr(), rt.fuel.left.as_ptr());
        cx.rt = &rt;
        cx.window = fuel.window;
        // SAFETY: the code follows the `Enter` contract (prologue first),
        // touches only the slots each test passes and the fuel (through
        // `rt`, which outlives the run), and returns.
        let code = unsafe {
            let enter: vm::tiering::Enter = std::mem::transmute(buf.ptr(0));
            enter(&mut cx, buf.ptr(at))
        };
        (s, code, (rt.fuel.left.get(), rt.fuel.reserve.get()))
    }

    fn run(slots: &[u64], body: impl FnOnce(&mut A64Asm)) -> Vec<u64> {
        let fuel = Fuel {
            left: 10,
            reserve: 0,
            window: 10,
        };
        run_fuel(slots, fuel, body).0
    }

    #[test]
    fn runtime_calls_get_the_cx_their_constant_and_word() {
        checks::runtime_calls_from_every_register::<A64Asm>(&|slots, body| run(slots, |a| body(a)));
    }

    #[test]
    fn division_floors_whichever_registers_hold_the_operands() {
        let cases = [
            (7, 2),
            (-7, 2),
            (7, -2),
            (-7, -2),
            (6, 3),
            (-6, 3),
            (i64::MIN, -1),
            (i64::MIN, 1),
            (i64::MIN, i64::MAX),
            (5, -1),
            (0, -5),
        ];
        // Result apart, over the dividend, over the divisor, in scratch.
        let placements: [(PReg, PReg, PReg); 4] = [(1, 2, 3), (1, 2, 1), (1, 2, 2), (0, 15, 0)];
        for (x, y) in cases {
            for &(ra, rb, rd) in &placements {
                for m in [false, true] {
                    let s = run(&[x as u64, y as u64, 0], |a| {
                        a.load_slot(ra, 0);
                        a.load_slot(rb, 1);
                        let op = if m { IOp::Mod } else { IOp::FloorDiv };
                        a.alu(op, rd, ra, Src::R(rb));
                        a.store_slot(2, rd);
                    });
                    let want = if m {
                        checks::modulo(x, y)
                    } else {
                        checks::floordiv(x, y)
                    };
                    let what = if m { "%" } else { "//" };
                    assert_eq!(s[2] as i64, want, "{x} {what} {y} in {ra},{rb} -> {rd}");
                }
            }
        }
    }

    #[test]
    fn three_address_forms_agree_when_operands_alias() {
        for op in [
            IOp::Add,
            IOp::Sub,
            IOp::Mul,
            IOp::Xor,
            IOp::And,
            IOp::Or,
            IOp::Min,
            IOp::Max,
        ] {
            for (x, y) in [(-5i64, 3i64), (1 << 40, -4097), (7, 8)] {
                let want = match op {
                    IOp::Add => x.wrapping_add(y),
                    IOp::Sub => x.wrapping_sub(y),
                    IOp::Mul => x.wrapping_mul(y),
                    IOp::Xor => x ^ y,
                    IOp::And => x & y,
                    IOp::Or => x | y,
                    IOp::Min => x.min(y),
                    _ => x.max(y),
                };
                for (ra, rb, rd) in [(1, 2, 1), (1, 2, 2), (1, 2, 6)] {
                    let s = run(&[x as u64, y as u64, 0], |a| {
                        a.load_slot(ra, 0);
                        a.load_slot(rb, 1);
                        a.alu(op, rd, ra, Src::R(rb));
                        a.store_slot(2, rd);
                    });
                    assert_eq!(s[2] as i64, want, "{op:?} {x} {y} in {ra},{rb} -> {rd}");
                }
                let s = run(&[x as u64, 0, 0], |a| {
                    a.load_slot(1, 0);
                    a.alu(op, 6, 1, Src::K(y as i32));
                    a.store_slot(2, 6);
                });
                assert_eq!(s[2] as i64, want, "{op:?} {x} {y} with an immediate");
            }
        }
        let s = run(&[(-77i64) as u64, 0], |a| {
            a.load_slot(1, 0);
            a.alu(IOp::Sar, 2, 1, Src::K(3));
            a.store_slot(1, 2);
        });
        assert_eq!(s[1] as i64, -77 >> 3);
    }

    #[test]
    fn float_min_max_and_compares_keep_pythons_order() {
        for (x, y) in [
            (1.0, 2.0),
            (2.0, 1.0),
            (1.0, 1.0),
            (f64::NAN, 1.0),
            (1.0, f64::NAN),
            (0.0, -0.0),
            (-0.0, 0.0),
        ] {
            let s = run(&[x.to_bits(), y.to_bits(), 0, 0, 0, 0, 0, 0], |a| {
                a.fload_slot(1, 0);
                a.fload_slot(2, 1);
                a.falu(FOp::Min, 3, 1, 2);
                a.fstore_slot(2, 3);
                a.falu(FOp::Max, 3, 1, 2);
                a.fstore_slot(3, 3);
                for (k, c) in [FCond::Lt, FCond::Le, FCond::Eq, FCond::Ne]
                    .into_iter()
                    .enumerate()
                {
                    a.fset(c, 4, 1, 2);
                    a.store_slot(4 + k as u16, 4);
                }
            });
            let min = if y < x { y } else { x };
            let max = if y > x { y } else { x };
            assert_eq!(s[2], min.to_bits(), "min({x}, {y})");
            assert_eq!(s[3], max.to_bits(), "max({x}, {y})");
            let want = [x < y, x <= y, x == y, x != y].map(|b| b as u64);
            assert_eq!(s[4..8], want, "{x} vs {y}");
        }
        // Branches agree with the sets.
        for (x, y) in [(1.0f64, 2.0f64), (f64::NAN, 1.0), (2.0, 2.0)] {
            for (k, c) in [FCond::Lt, FCond::Le, FCond::Eq, FCond::Ne]
                .into_iter()
                .enumerate()
            {
                let s = run(&[x.to_bits(), y.to_bits(), 0], |a| {
                    let l = a.new_label();
                    a.fload_slot(1, 0);
                    a.fload_slot(2, 1);
                    a.movi(3, 0);
                    a.fbranch(c, 1, 2, l);
                    a.movi(3, 1);
                    a.bind(l);
                    a.store_slot(2, 3);
                });
                let want = [x < y, x <= y, x == y, x != y][k];
                assert_eq!(s[2] == 0, want, "{c:?} {x} {y}");
            }
        }
    }

    #[test]
    fn selects_sets_and_unary_operations() {
        for i in [-3i64, 0, 4, i64::MIN] {
            let s = run(&[i as u64, 10, 0, 0, 0, 0], |a| {
                a.load_slot(1, 0);
                a.load_slot(2, 1);
                a.alu(IOp::Add, 6, 1, Src::R(2));
                a.select(Cond::Lt, 7, 1, Src::K(0), 6, 1);
                a.store_slot(2, 7);
                a.set(Cond::AboveEq, 8, 1, Src::R(2));
                a.store_slot(3, 8);
                a.un(UnOp::Abs, 9, 1);
                a.store_slot(4, 9);
                a.un(UnOp::Not, 9, 1);
                a.store_slot(5, 9);
            });
            assert_eq!(s[2] as i64, if i < 0 { i.wrapping_add(10) } else { i });
            assert_eq!(s[3], ((i as u64) >= 10) as u64);
            assert_eq!(s[4] as i64, i.wrapping_abs());
            assert_eq!(s[5] as i64, !i);
        }
        let s = run(&[(-3i64) as u64, 0, 0], |a| {
            a.load_slot(1, 0);
            a.itof(2, 1);
            a.fun(UnOp::FAbs, 3, 2);
            a.fun(UnOp::FSqrt, 3, 3);
            a.fun(UnOp::FNeg, 3, 3);
            a.fstore_slot(1, 3);
            a.bits_to_i(4, 3);
            a.store_slot(2, 4);
        });
        assert_eq!(f64::from_bits(s[1]), -(3f64.sqrt()));
        assert_eq!(s[2], s[1]);
    }

    #[test]
    fn fuel_leaves_the_last_unit_and_exits_carry_their_code() {
        // (left, reserve) before one tick: the exit taken, and what is
        // left after.
        for (before, at, after) in [
            ((5u64, 0u64), 0u32, (4u64, 0u64)),
            ((1, 0), 9, (1, 0)),
            ((1, 25), 0, (10, 15)),
            ((1, 4), 0, (4, 0)),
        ] {
            let fuel = Fuel {
                left: before.0,
                reserve: before.1,
                window: 10,
            };
            let (_, code, left) = run_fuel(&[0], fuel, |a| {
                let l = a.new_label();
                let done = a.new_label();
                a.fuel(l);
                a.jump(done);
                a.bind(l);
                a.exit(9);
                a.bind(done);
            });
            assert_eq!((code, left), (at, after), "fuel {before:?}");
        }
        let raised = (5 | vm::tiering::RAISED) as u32;
        let fuel = Fuel {
            left: 1,
            reserve: 0,
            window: 1,
        };
        let (_, code, _) = run_fuel(&[0], fuel, |a| a.exit(raised));
        assert_eq!(code, raised);
    }

    /// A loop that ticks until the run's fuel is spent: every window taken
    /// from the reserve, the last unit left for the interpreter, and every
    /// register a value may live in kept across the out-of-line refuels.
    #[test]
    fn fuel_refuels_in_line_until_the_run_is_spent() {
        let gprs: Vec<PReg> = (0..16)
            .chain(A64Asm::REGS.gpr_saved.iter().copied())
            .collect();
        let fprs: Vec<PReg> = (0..32).filter(|&d| d != FTMP).collect();
        let n = 1 + gprs.len() + fprs.len();
        let mut slots = vec![0u64; n];
        let (s, code, left) = run_fuel(
            &slots,
            Fuel {
                left: 1,
                reserve: 25,
                window: 10,
            },
            |a| {
                let (top, out) = (a.new_label(), a.new_label());
                for (k, &r) in gprs.iter().enumerate() {
                    a.movi(r, 1000 + k as i64);
                }
                for (k, &d) in fprs.iter().enumerate() {
                    a.movi(TMP2, f64::to_bits(0.5 + k as f64) as i64);
                    a.bits_to_f(d, TMP2);
                }
                a.bind(top);
                a.fuel(out);
                // The count in a slot: every scratch register is in use.
                a.load_slot(TMP2, 0);
                a.alu(IOp::Add, TMP2, TMP2, Src::K(1));
                a.store_slot(0, TMP2);
                a.jump(top);
                a.bind(out);
                for (k, &r) in gprs.iter().enumerate() {
                    a.store_slot(1 + k as u16, r);
                }
                for (k, &d) in fprs.iter().enumerate() {
                    a.fstore_slot((1 + gprs.len() + k) as u16, d);
                }
            },
        );
        slots[0] = 25;
        for (k, _) in gprs.iter().enumerate() {
            slots[1 + k] = 1000 + k as u64;
        }
        for (k, _) in fprs.iter().enumerate() {
            slots[1 + gprs.len() + k] = f64::to_bits(0.5 + k as f64);
        }
        assert_eq!(code, 0);
        assert_eq!(s, slots);
        assert_eq!(left, (1, 0));
    }

    #[test]
    fn native_calls_return_past_their_level() {
        let mut want = [0; 5];
        let s = run(&[0; 6], |a| want = crate::backend::checks::native_calls(a));
        assert_eq!(s[..5], want);
    }

    extern "C" fn sub2(a: i64, b: i64) -> i64 {
        a - b
    }

    extern "C" fn fsub2(a: f64, b: f64) -> f64 {
        a - b
    }

    #[test]
    fn calls_pass_arguments_in_order_whatever_registers_hold_them() {
        // Arguments already in each other's argument registers, and in
        // the scratch registers.
        for (ra, rb) in [(1, 0), (0, 1), (1, 2), (15, 0), (2, 2)] {
            let s = run(&[50, 8, 0, 0, 0], |a| {
                a.load_slot(ra, 0);
                if rb != ra {
                    a.load_slot(rb, 1);
                }
                a.load_slot(22, 1);
                a.call(sub2 as *const () as usize, &[ra, rb], &[]);
                a.store_slot(2, Asm64::RET);
                // A preserved register survives the call.
                a.store_slot(3, 22);
            });
            let want = if ra == rb { 0 } else { 42 };
            assert_eq!((s[2], s[3]), (want, 8), "{ra},{rb}");
        }
        for (fa, fb) in [(1, 0), (0, 1), (3, 4), (30, 31)] {
            let s = run(&[5.5f64.to_bits(), 2.0f64.to_bits(), 0], |a| {
                a.fload_slot(fa, 0);
                a.fload_slot(fb, 1);
                a.call(fsub2 as *const () as usize, &[], &[fa, fb]);
                a.fstore_slot(2, Asm64::FRET);
            });
            assert_eq!(f64::from_bits(s[2]), 3.5, "{fa},{fb}");
        }
    }

    type Asm64 = A64Asm;

    #[test]
    fn shifts_unsigned_division_conversions_and_negated_float_branches() {
        checks::shifts_unsigned_division_conversions_and_negated_float_branches::<A64Asm>(
            &|slots, body| run(slots, |a| body(a)),
        );
    }

    #[test]
    fn vector_operations_compute_each_lane() {
        checks::vectors_compute_each_lane(2, 19, &|slots, body| run(slots, |a| body(a)));
    }
}
