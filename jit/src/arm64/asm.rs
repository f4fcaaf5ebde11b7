//! The aarch64 backend of [`Asm`] over dynasm-rs.
//!
//! Pinned: `x19` the frame base (slot `r` at `[x19 + 8*r]`), `x20` the
//! address of the fuel counter, `x21` the `Cx`; spill slot `n` is
//! `[sp + 8*n]`. The emitter's scratch registers are `x0` (also where a
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
//!   was saved by the entry sequence, which every exit returns through;
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
use dynasmrt::{dynasm, DynamicLabel, DynasmLabelApi, VecAssembler};

use crate::backend::{Asm, Src, MAX_SPILLS};
use crate::ir::{Cond, FCond, FOp, IOp, UnOp, Width};
use crate::layout::{CX_BASE, CX_FUEL, CX_RAISED, CX_RT, CX_RTOPS, RTDESC_SIZE};
use crate::regalloc::{PReg, Regs};

/// Registers this file keeps to itself.
const TMP: PReg = 16;
const TMP2: PReg = 17;
const FTMP: PReg = 29;

/// Bytes of the spill slots, below the saved registers.
const SPILLS: u32 = 8 * MAX_SPILLS;
/// Bytes of the saved registers: x29, x30, x19..x28, d8..d15.
const SAVED: i32 = 160;

const _: () = assert!(
    SPILLS % 16 == 0 && SPILLS < 4096,
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
}

impl Mem {
    fn bytes(self) -> i32 {
        match self {
            Mem::LdB | Mem::StB => 1,
            _ => 8,
        }
    }
}

/// An aarch64 assembler that hands out labels: the executable one, or a
/// vector of bytes on any host.
pub trait Target: DynasmLabelApi<Relocation = Aarch64Relocation> {
    fn label(&mut self) -> DynamicLabel;
}

impl Target for VecAssembler<Aarch64Relocation> {
    fn label(&mut self) -> DynamicLabel {
        self.new_dynamic_label()
    }
}

impl Target for dynasmrt::aarch64::Assembler {
    fn label(&mut self) -> DynamicLabel {
        self.new_dynamic_label()
    }
}

pub struct A64Asm<D> {
    pub ops: D,
    epi: DynamicLabel,
}

impl<D> A64Asm<D>
where
    D: Target,
{
    pub fn with(mut ops: D) -> A64Asm<D> {
        let epi = ops.label();
        A64Asm { ops, epi }
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
            }
        } else if (-256..256).contains(&off) {
            match m {
                Mem::LdX => dynasm!(self.ops ; .arch aarch64 ; ldur X(r), [X(base), off]),
                Mem::StX => dynasm!(self.ops ; .arch aarch64 ; stur X(r), [X(base), off]),
                Mem::LdB => dynasm!(self.ops ; .arch aarch64 ; ldurb W(r), [X(base), off]),
                Mem::StB => dynasm!(self.ops ; .arch aarch64 ; sturb W(r), [X(base), off]),
                Mem::LdD => dynasm!(self.ops ; .arch aarch64 ; ldur D(r), [X(base), off]),
                Mem::StD => dynasm!(self.ops ; .arch aarch64 ; stur D(r), [X(base), off]),
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
/// frame record and the registers AAPCS64 preserves go in 160 bytes, the
/// spill slots below them; `sp` stays 16-byte aligned at every call.
fn prologue<D: Target>(ops: &mut D, epi: DynamicLabel) {
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
        ; sub sp, sp, SPILLS
        ; mov x21, x0
        ; ldr x19, [x0, CX_BASE as u32]
        ; ldr x20, [x0, CX_FUEL as u32]
        ; br x1
        ; =>epi
        ; add sp, sp, SPILLS
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

fn spill(n: u32) -> u32 {
    debug_assert!(n < MAX_SPILLS);
    n * 8
}

impl<D> Asm for A64Asm<D>
where
    D: Target,
{
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

    fn new_label(&mut self) -> DynamicLabel {
        self.ops.label()
    }

    fn bind(&mut self, l: DynamicLabel) {
        dynasm!(self.ops ; .arch aarch64 ; =>l);
    }

    fn offset(&self) -> usize {
        self.ops.offset().0
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
        dynasm!(self.ops ; .arch aarch64 ; ldr X(d), [sp, spill(n)]);
    }

    fn store_spill(&mut self, n: u32, s: PReg) {
        dynasm!(self.ops ; .arch aarch64 ; str X(s), [sp, spill(n)]);
    }

    fn fload_spill(&mut self, d: PReg, n: u32) {
        dynasm!(self.ops ; .arch aarch64 ; ldr D(d), [sp, spill(n)]);
    }

    fn fstore_spill(&mut self, n: u32, s: PReg) {
        dynasm!(self.ops ; .arch aarch64 ; str D(s), [sp, spill(n)]);
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
            UnOp::FNeg => dynasm!(self.ops ; .arch aarch64 ; fneg D(d), D(a)),
            UnOp::FAbs => dynasm!(self.ops ; .arch aarch64 ; fabs D(d), D(a)),
            _ => unreachable!("{op:?} is not a float operation"),
        }
    }

    fn itof(&mut self, d: PReg, s: PReg) {
        dynasm!(self.ops ; .arch aarch64 ; scvtf D(d), X(s));
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

    fn jump(&mut self, l: DynamicLabel) {
        dynasm!(self.ops ; .arch aarch64 ; b =>l);
    }

    fn fuel(&mut self, l: DynamicLabel) {
        dynasm!(self.ops
            ; .arch aarch64
            ; ldr X(TMP), [x20]
            ; cmp XSP(TMP), 1
            ; b.eq =>l
            ; sub XSP(TMP), XSP(TMP), 1
            ; str X(TMP), [x20]
        );
    }

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
        self.movi(TMP, f as i64);
        // The status is a u32: the upper half of x0 is not defined.
        dynasm!(self.ops ; .arch aarch64 ; blr X(TMP) ; mov w0, w0);
    }

    fn cx(&mut self, d: PReg) {
        self.mov(d, 21);
    }

    fn set_base(&mut self, s: PReg) {
        self.mov(19, s);
    }

    fn jump_reg(&mut self, r: PReg) {
        dynasm!(self.ops ; .arch aarch64 ; br X(r));
    }
}
