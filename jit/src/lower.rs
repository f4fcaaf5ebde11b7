//! The single-pass code generator: each bytecode instruction becomes a
//! short sequence of [`Masm`] operations on the frame's slots. Instructions
//! it does not lower become an exit to the interpreter, which executes them
//! and enters the code again after them (see `vm::tiering`). An instruction
//! that is about to raise exits before changing anything, so the
//! interpreter raises it, at the same line, with the same message.

use vm::bytecode::Op;
use vm::runtime::RUNTIME;
use vm::Proto;

use crate::masm::{Alu, Cond, FAlu, FCond, Fp, Gp, Masm};

use Fp::*;
use Gp::*;

use crate::layout::*;

/// Lowers every instruction of `p`; returns how many run natively (the
/// rest exit to the interpreter).
pub fn lower<M: Masm>(m: &mut M, p: &Proto, protos: &[Proto], rtops: &[vm::rt::RtDesc]) -> usize {
    m.begin(p.code.len());
    let mut native = 0;
    for (pc, op) in p.code.iter().enumerate() {
        m.bind_pc(pc);
        if op_code(m, p, protos, rtops, pc, *op) {
            native += 1;
        } else {
            m.exit(pc);
        }
    }
    native
}

/// Emits instruction `op` at `pc`; false when it is left to the interpreter.
fn op_code<M: Masm>(
    m: &mut M,
    p: &Proto,
    protos: &[Proto],
    rtops: &[vm::rt::RtDesc],
    pc: usize,
    op: Op,
) -> bool {
    match op {
        Op::Mov { a, b } => {
            m.load(G0, b);
            m.store(a, G0);
        }
        Op::LoadI { a, v } => {
            m.load_imm(G0, v as i64);
            m.store(a, G0);
        }
        Op::LoadK { a, k } => {
            m.load_imm(G0, p.consts[k as usize] as i64);
            m.store(a, G0);
        }
        Op::AddI { a, b, c } => int2(m, Alu::Add, a, b, c),
        Op::SubI { a, b, c } => int2(m, Alu::Sub, a, b, c),
        Op::MulI { a, b, c } => int2(m, Alu::Mul, a, b, c),
        Op::AndI { a, b, c } => int2(m, Alu::And, a, b, c),
        Op::OrI { a, b, c } => int2(m, Alu::Or, a, b, c),
        Op::XorI { a, b, c } => int2(m, Alu::Xor, a, b, c),
        Op::AddIK { a, b, v } => int_imm(m, Alu::Add, a, b, v as i32),
        Op::AndIK { a, b, v } => int_imm(m, Alu::And, a, b, v as i32),
        Op::ShrIK { a, b, v } => {
            m.load(G0, b);
            m.sar_imm(G0, v as u8);
            m.store(a, G0);
        }
        Op::NegI { a, b } => {
            m.load(G0, b);
            m.neg(G0);
            m.store(a, G0);
        }
        Op::InvI { a, b } => {
            m.load(G0, b);
            m.not(G0);
            m.store(a, G0);
        }
        Op::AbsI { a, b } => {
            m.load(G0, b);
            m.mov(G1, G0);
            m.neg(G1);
            m.cmp_imm(G0, 0);
            m.select(Cond::Lt, G0, G1);
            m.store(a, G0);
        }
        // Python's min/max: the second operand only when strictly smaller
        // (larger), so ties keep the first.
        Op::MinI { a, b, c } => int_pick(m, Cond::Lt, a, b, c),
        Op::MaxI { a, b, c } => int_pick(m, Cond::Gt, a, b, c),

        Op::AddF { a, b, c } => float2(m, FAlu::Add, a, b, c),
        Op::SubF { a, b, c } => float2(m, FAlu::Sub, a, b, c),
        Op::MulF { a, b, c } => float2(m, FAlu::Mul, a, b, c),
        Op::DivF { a, b, c } => {
            m.fload(F1, c);
            m.fexit_if_zero(F1, pc);
            m.fload(F0, b);
            m.falu(FAlu::Div, F0, F1);
            m.fstore(a, F0);
        }
        Op::MulAddF { a, b, c, d } => mul_then(m, FAlu::Add, false, a, b, c, d),
        Op::MulSubF { a, b, c, d } => mul_then(m, FAlu::Sub, false, a, b, c, d),
        Op::SubMulF { a, b, c, d } => mul_then(m, FAlu::Sub, true, a, b, c, d),
        Op::AddFI { a, b, c } => float_int(m, FAlu::Add, a, b, c),
        Op::SubFI { a, b, c } => float_int(m, FAlu::Sub, a, b, c),
        Op::MulFI { a, b, c } => float_int(m, FAlu::Mul, a, b, c),
        Op::DivFI { a, b, c } => {
            m.load(G0, c);
            m.cmp_imm(G0, 0);
            m.exit_if(Cond::Eq, pc);
            m.int_to_float(F1, G0);
            m.fload(F0, b);
            m.falu(FAlu::Div, F0, F1);
            m.fstore(a, F0);
        }
        Op::SubIF { a, b, c } => {
            m.load(G0, b);
            m.int_to_float(F0, G0);
            m.fload(F1, c);
            m.falu(FAlu::Sub, F0, F1);
            m.fstore(a, F0);
        }
        Op::DivIF { a, b, c } => {
            m.fload(F1, c);
            m.fexit_if_zero(F1, pc);
            m.load(G0, b);
            m.int_to_float(F0, G0);
            m.falu(FAlu::Div, F0, F1);
            m.fstore(a, F0);
        }
        Op::NegF { a, b } => {
            m.fload(F0, b);
            m.fneg(F0);
            m.fstore(a, F0);
        }
        Op::AbsF { a, b } => {
            m.fload(F0, b);
            m.fabs(F0);
            m.fstore(a, F0);
        }

        Op::EqI { a, b, c } => int_cmp(m, Cond::Eq, a, b, c),
        Op::NeI { a, b, c } => int_cmp(m, Cond::Ne, a, b, c),
        Op::LtI { a, b, c } => int_cmp(m, Cond::Lt, a, b, c),
        Op::LeI { a, b, c } => int_cmp(m, Cond::Le, a, b, c),
        Op::EqF { a, b, c } => float_cmp(m, FCond::Eq, a, b, c),
        Op::NeF { a, b, c } => float_cmp(m, FCond::Ne, a, b, c),
        Op::LtF { a, b, c } => float_cmp(m, FCond::Lt, a, b, c),
        Op::LeF { a, b, c } => float_cmp(m, FCond::Le, a, b, c),

        Op::IToF { a, b } => {
            m.load(G0, b);
            m.int_to_float(F0, G0);
            m.fstore(a, F0);
        }
        Op::IToB { a, b } => {
            m.load(G0, b);
            m.cmp_imm(G0, 0);
            m.set(Cond::Ne, G1);
            m.store(a, G1);
        }
        Op::NotB { a, b } => int_imm(m, Alu::Xor, a, b, 1),
        // Unassigned: leave before anything changes; the interpreter raises.
        Op::Bound { a, .. } => {
            m.load(G0, a);
            m.cmp_imm(G0, 0);
            m.exit_if(Cond::Eq, pc);
        }

        Op::Jmp { t } => {
            if t as usize <= pc {
                m.fuel_tick(pc);
            }
            m.jump(t as usize);
        }
        Op::JmpT { a, t } => test_jump(m, Cond::Ne, a, t, pc),
        Op::JmpF { a, t } => test_jump(m, Cond::Eq, a, t, pc),
        Op::JLtI { a, b, t } => cmp_jump(m, Cond::Lt, a, b, t, pc),
        Op::JLeI { a, b, t } => cmp_jump(m, Cond::Le, a, b, t, pc),
        Op::JEqI { a, b, t } => cmp_jump(m, Cond::Eq, a, b, t, pc),
        Op::JNeI { a, b, t } => cmp_jump(m, Cond::Ne, a, b, t, pc),
        Op::JLtIK { a, v, t } => imm_jump(m, Cond::Lt, a, v, t, pc),
        Op::JLeIK { a, v, t } => imm_jump(m, Cond::Le, a, v, t, pc),
        Op::JGtIK { a, v, t } => imm_jump(m, Cond::Gt, a, v, t, pc),
        Op::JGeIK { a, v, t } => imm_jump(m, Cond::Ge, a, v, t, pc),
        Op::JEqIK { a, v, t } => imm_jump(m, Cond::Eq, a, v, t, pc),
        Op::JNeIK { a, v, t } => imm_jump(m, Cond::Ne, a, v, t, pc),
        Op::ForPrep1 { a, v, t } => {
            m.load(G0, a);
            m.load(G1, a + 1);
            m.cmp(G0, G1);
            branch(m, Cond::Ge, t, pc);
            m.store(v, G0);
        }
        Op::ForLoop1 { a, v, t } => {
            let done = m.label();
            m.load(G0, a);
            m.alu_imm(Alu::Add, G0, 1);
            m.load(G1, a + 1);
            m.cmp(G0, G1);
            m.branch_label(Cond::Ge, done);
            m.fuel_tick(pc);
            m.store(a, G0);
            m.store(v, G0);
            m.jump(t as usize);
            m.bind(done);
        }

        Op::GetEW { a, b, c } => {
            element(m, b, &[c], pc);
            m.load_field(G1, G0, 0);
            m.store(a, G1);
        }
        Op::GetE2W { a, b, c } => {
            element(m, b, &[c, c + 1], pc);
            m.load_field(G1, G0, 0);
            m.store(a, G1);
        }
        Op::SetEW { a, b, c } => {
            element(m, a, &[b], pc);
            m.load(G1, c);
            m.store_at(G0, G1);
        }
        Op::GetEB { a, b, c } => {
            element(m, b, &[c], pc);
            m.load_u8(G1, G0, 0);
            m.cmp_imm(G1, 0);
            m.set(Cond::Ne, G2);
            m.store(a, G2);
        }
        Op::SetEB { a, b, c } => {
            element(m, a, &[b], pc);
            m.load(G1, c);
            m.cmp_imm(G1, 0);
            m.set(Cond::Ne, G2);
            m.store_u8_at(G0, G2);
        }
        Op::SetE2W { a, b, c } => {
            element(m, a, &[b, b + 1], pc);
            m.load(G1, c);
            m.store_at(G0, G1);
        }
        Op::Call { a, f } => return call(m, p, &protos[f as usize], pc, a, f),
        Op::Ret1 { a } => ret1(m, pc, a, &[], 1),
        Op::Ret { a, n } => ret1(m, pc, a, &p.ref_locals, n),
        Op::Rt { a, d } => {
            let Some(desc) = rtops.get(d as usize) else {
                return false;
            };
            m.call_rt(RUNTIME.rt_exec as usize, d as usize, a, desc.window());
            m.cmp_imm(G0, 0);
            m.raise_if(Cond::Ne, pc);
        }
        Op::Dup { a, b } => {
            m.load(G0, b);
            m.store(a, G0);
            m.call_c(RUNTIME.retain as usize, G0);
        }
        Op::Store { a, b } => {
            m.load(G1, a);
            m.load(G0, b);
            m.store(a, G0);
            m.call_c(RUNTIME.release as usize, G1);
        }
        Op::Drop { a } => {
            m.load(G1, a);
            m.load_imm(G0, 0);
            m.store(a, G0);
            m.call_c(RUNTIME.release as usize, G1);
        }
        _ => return false,
    }
    true
}

/// Most constant registers and array locals a native call sets up in the
/// callee's frame; a callee with more is called by the interpreter.
const SETUP_MAX: usize = 32;

/// A call of function `f` (`callee`) with its frame at `R[a]`, done as the
/// interpreter's `Call` does it (a frame record, the callee's frame with
/// its constant registers filled and array locals cleared, one unit of
/// fuel) and then a jump into the callee's native code. Whatever the
/// native path cannot do leaves the whole call to the interpreter before
/// anything changes: a callee without native code, a full frame buffer
/// (the depth limit), a stack too short, the last unit of fuel. False
/// (the interpreter's, always) for a callee with a large frame setup.
fn call<M: Masm>(m: &mut M, p: &Proto, callee: &Proto, pc: usize, a: u16, f: u16) -> bool {
    if callee.kvals.len() + callee.zero_locals.len() > SETUP_MAX {
        return false;
    }
    m.cx(G4);
    m.load_field(G3, G4, CX_CTL);
    m.load_field(G2, G3, CTL_FP);
    m.cmp_field(G2, G3, CTL_FEND);
    m.exit_if(Cond::Eq, pc);
    m.load_field(G0, G4, CX_PROTOS);
    m.alu_imm(Alu::Add, G0, f as i32 * PROTO_SIZE);
    // fbase + a + callee.nregs <= stack length
    m.load_u16(G5, G0, PROTO_NREGS);
    m.alu_imm(Alu::Add, G5, a as i32);
    m.load_field(G1, G3, CTL_FBASE);
    m.alu(Alu::Add, G5, G1);
    m.cmp_field(G5, G4, CX_STACK_LEN);
    m.exit_if(Cond::Gt, pc);
    m.load_field(G1, G0, PROTO_ENTRY);
    m.cmp_imm(G1, 0);
    m.exit_if(Cond::Eq, pc);
    m.fuel_tick(pc);
    // The caller's record, resuming at pc + 1 in both tiers.
    m.load_field(G5, G3, CTL_CUR);
    m.store_field(G2, FRAME_PROTO, G5);
    m.load_imm(G5, p.code.as_ptr().wrapping_add(pc + 1) as i64);
    m.store_field(G2, FRAME_IP, G5);
    m.load_field(G5, G3, CTL_FBASE);
    m.store_field(G2, FRAME_BASE, G5);
    m.lea_pc(G4, pc + 1);
    m.store_field(G2, FRAME_RESUME, G4);
    m.alu_imm(Alu::Add, G2, FRAME_SIZE);
    m.store_field(G3, CTL_FP, G2);
    // The callee's frame starts at the argument block.
    m.store_field(G3, CTL_CUR, G0);
    m.alu_imm(Alu::Add, G5, a as i32);
    m.store_field(G3, CTL_FBASE, G5);
    m.base_add(a as i32 * 8);
    // The frame setup the interpreter's `Call` does, from the callee's
    // tables (fixed once compiled).
    for (k, &bits) in callee.kvals.iter().enumerate() {
        m.load_imm(G5, bits as i64);
        m.store(callee.kbase + k as u16, G5);
    }
    if !callee.zero_locals.is_empty() {
        m.load_imm(G5, 0);
        for &r in &callee.zero_locals {
            m.store(r, G5);
        }
    }
    m.jump_reg(G1);
    true
}

/// `Ret` and `Ret1`: the frame's array locals released (`refs`), the `n`
/// results moved to `R[0..n]`, then back to a caller whose native code
/// made the call, by its record. A return from the run's first frame, or to
/// a caller the interpreter called from, is the interpreter's.
fn ret1<M: Masm>(m: &mut M, pc: usize, a: u16, refs: &[u16], n: u16) {
    m.cx(G4);
    m.load_field(G3, G4, CX_CTL);
    m.load_field(G2, G3, CTL_FP);
    m.cmp_field(G2, G4, CX_FRAMES);
    m.exit_if(Cond::Eq, pc);
    m.alu_imm(Alu::Sub, G2, FRAME_SIZE);
    m.load_field(G1, G2, FRAME_RESUME);
    m.cmp_imm(G1, 0);
    m.exit_if(Cond::Eq, pc);
    if !refs.is_empty() {
        // The calls lose every scratch register: release first, then
        // find the record again.
        for &r in refs {
            m.load(G1, r);
            m.load_imm(G0, 0);
            m.store(r, G0);
            m.call_c(RUNTIME.release as usize, G1);
        }
        m.cx(G4);
        m.load_field(G3, G4, CX_CTL);
        m.load_field(G2, G3, CTL_FP);
        m.alu_imm(Alu::Sub, G2, FRAME_SIZE);
        m.load_field(G1, G2, FRAME_RESUME);
    }
    // Upward, in order: a >= 0, so no value is overwritten before it moves.
    for k in 0..n {
        m.load(G0, a + k);
        m.store(k, G0);
    }
    m.store_field(G3, CTL_FP, G2);
    m.load_field(G0, G2, FRAME_PROTO);
    m.store_field(G3, CTL_CUR, G0);
    m.load_field(G0, G2, FRAME_BASE);
    m.store_field(G3, CTL_FBASE, G0);
    m.alu_imm(Alu::Mul, G0, 8);
    m.load_field(G5, G4, CX_STACK);
    m.alu(Alu::Add, G0, G5);
    m.set_base(G0);
    m.jump_reg(G1);
}

fn int2<M: Masm>(m: &mut M, op: Alu, a: u16, b: u16, c: u16) {
    m.load(G0, b);
    m.load(G1, c);
    m.alu(op, G0, G1);
    m.store(a, G0);
}

fn int_imm<M: Masm>(m: &mut M, op: Alu, a: u16, b: u16, v: i32) {
    m.load(G0, b);
    m.alu_imm(op, G0, v);
    m.store(a, G0);
}

fn int_pick<M: Masm>(m: &mut M, c: Cond, a: u16, b: u16, cr: u16) {
    m.load(G0, b);
    m.load(G1, cr);
    m.cmp(G1, G0);
    m.select(c, G0, G1);
    m.store(a, G0);
}

fn int_cmp<M: Masm>(m: &mut M, c: Cond, a: u16, b: u16, cr: u16) {
    m.load(G0, b);
    m.load(G1, cr);
    m.cmp(G0, G1);
    m.set(c, G2);
    m.store(a, G2);
}

fn float2<M: Masm>(m: &mut M, op: FAlu, a: u16, b: u16, c: u16) {
    m.fload(F0, b);
    m.fload(F1, c);
    m.falu(op, F0, F1);
    m.fstore(a, F0);
}

/// `R[a] = R[b] op float(R[c])`.
fn float_int<M: Masm>(m: &mut M, op: FAlu, a: u16, b: u16, c: u16) {
    m.load(G0, c);
    m.int_to_float(F1, G0);
    m.fload(F0, b);
    m.falu(op, F0, F1);
    m.fstore(a, F0);
}

/// `R[a] = R[b] * R[c] op R[d]`, or `R[d] op R[b] * R[c]` when `flip`;
/// rounded after each step, as the interpreter.
#[allow(clippy::too_many_arguments)]
fn mul_then<M: Masm>(m: &mut M, op: FAlu, flip: bool, a: u8, b: u8, c: u8, d: u8) {
    m.fload(F0, b as u16);
    m.fload(F1, c as u16);
    m.falu(FAlu::Mul, F0, F1);
    m.fload(F1, d as u16);
    if flip {
        m.falu(op, F1, F0);
        m.fstore(a as u16, F1);
    } else {
        m.falu(op, F0, F1);
        m.fstore(a as u16, F0);
    }
}

fn float_cmp<M: Masm>(m: &mut M, c: FCond, a: u16, b: u16, cr: u16) {
    m.fload(F0, b);
    m.fload(F1, cr);
    m.fset(c, F0, F1, G0);
    m.store(a, G0);
}

/// To instruction `t` when `c` holds after the last compare; a backward
/// jump counts fuel, as the interpreter's does.
fn branch<M: Masm>(m: &mut M, c: Cond, t: u16, pc: usize) {
    let t = t as usize;
    if t > pc {
        m.branch(c, t);
    } else {
        let skip = m.label();
        m.branch_label(c.negate(), skip);
        m.fuel_tick(pc);
        m.jump(t);
        m.bind(skip);
    }
}

fn test_jump<M: Masm>(m: &mut M, c: Cond, a: u16, t: u16, pc: usize) {
    m.load(G0, a);
    m.cmp_imm(G0, 0);
    branch(m, c, t, pc);
}

fn cmp_jump<M: Masm>(m: &mut M, c: Cond, a: u16, b: u16, t: u16, pc: usize) {
    m.load(G0, a);
    m.load(G1, b);
    m.cmp(G0, G1);
    branch(m, c, t, pc);
}

fn imm_jump<M: Masm>(m: &mut M, c: Cond, a: u16, v: i16, t: u16, pc: usize) {
    m.load(G0, a);
    m.cmp_imm(G0, v as i32);
    branch(m, c, t, pc);
}

/// The address of element `[R[i0], R[i1]..]` of the array in slot `arr`,
/// left in `G0`; exits at `pc` for an unassigned array or an index out of
/// bounds (the interpreter raises). Negative indices count from the end.
fn element<M: Masm>(m: &mut M, arr: u16, idx: &[u16], pc: usize) {
    m.load(G0, arr);
    m.cmp_imm(G0, 0);
    m.exit_if(Cond::Eq, pc);
    m.load_imm(G4, 0);
    for (axis, &i) in idx.iter().enumerate() {
        let axis = axis as i32;
        m.load(G1, i);
        m.load_field(G2, G0, ARRAY_SHAPE + 8 * axis);
        // j = i < 0 ? i + n : i; then one unsigned compare against n.
        m.mov(G3, G1);
        m.alu(Alu::Add, G3, G2);
        m.cmp_imm(G1, 0);
        m.select(Cond::Lt, G1, G3);
        m.cmp(G1, G2);
        m.exit_if(Cond::AboveEq, pc);
        m.load_field(G3, G0, ARRAY_STRIDES + 8 * axis);
        m.alu(Alu::Mul, G1, G3);
        m.alu(Alu::Add, G4, G1);
    }
    m.load_field(G0, G0, ARRAY_DATA);
    m.alu(Alu::Add, G0, G4);
}
