//! The x86-64 backend: [`Masm`] over dynasm-rs.
//!
//! Pinned registers: `rbx` holds the frame base (slot `r` is
//! `[rbx + 8*r]`), `r12` the fuel left in the window and `r13` the
//! `Cx`. Scratch: `rax rcx rdx rsi rdi r9` for `G0..G5`, `r8` and `xmm2`
//! inside single operations, `xmm0 xmm1` for `F0 F1`. Script calls jump,
//! see `lower`, so no scratch register needs saving; the entry sequence
//! ([`asm::prologue`], shared with the register-allocating backend in
//! [`asm`]) saves the pinned ones.

// dynasm! converts register operands with `.into()`, which clippy sees as
// a conversion of u8 to itself.
#![allow(clippy::useless_conversion)]

pub mod asm;

use asm::Assembler;
use dynasmrt::{dynasm, AssemblyOffset, DynamicLabel, DynasmApi, DynasmLabelApi};

use crate::masm::{Alu, Cond, FAlu, FCond, Fp, Gp, Label, Masm};

fn gp(r: Gp) -> u8 {
    match r {
        Gp::G0 => 0, // rax
        Gp::G1 => 1, // rcx
        Gp::G2 => 2, // rdx
        Gp::G3 => 6, // rsi
        Gp::G4 => 7, // rdi
        Gp::G5 => 9, // r9
    }
}

fn fp(r: Fp) -> u8 {
    match r {
        Fp::F0 => 0,
        Fp::F1 => 1,
    }
}

use crate::layout::{CX_FUEL, CX_RAISED, CX_RT, CX_RTOPS, RTDESC_SIZE};

fn slot(s: u16) -> i32 {
    s as i32 * 8
}

pub struct X64 {
    ops: Assembler,
    start: AssemblyOffset,
    pcs: Vec<DynamicLabel>,
    offsets: Vec<AssemblyOffset>,
    labels: Vec<DynamicLabel>,
    /// Exit stubs wanted so far: (label, instruction).
    stubs: Vec<(DynamicLabel, usize)>,
    /// Exits of instructions that raised: (label, instruction).
    raises: Vec<(DynamicLabel, usize)>,
    epilogue: DynamicLabel,
}

/// One function's machine code, before it is tied to its function.
pub struct Code {
    pub buf: crate::code::Code,
    pub start: AssemblyOffset,
    pub entries: Vec<AssemblyOffset>,
    /// Where the out-of-line exits start.
    pub exits: AssemblyOffset,
}

impl X64 {
    pub fn new() -> X64 {
        let mut ops = Assembler::new(0);
        let epilogue = ops.new_dynamic_label();
        X64 {
            start: ops.offset(),
            ops,
            pcs: Vec::new(),
            offsets: Vec::new(),
            labels: Vec::new(),
            stubs: Vec::new(),
            raises: Vec::new(),
            epilogue,
        }
    }

    fn stub(&mut self, pc: usize) -> DynamicLabel {
        if let Some(&(l, _)) = self.stubs.iter().find(|&&(_, p)| p == pc) {
            return l;
        }
        let l = self.ops.new_dynamic_label();
        self.stubs.push((l, pc));
        l
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

    /// `ucomisd` with the operands ordered so that `Lt`/`Le` read as
    /// "above" (false when unordered).
    fn fcompare(&mut self, c: FCond, a: Fp, b: Fp) {
        let (x, y) = match c {
            FCond::Lt | FCond::Le => (fp(b), fp(a)),
            FCond::Eq | FCond::Ne => (fp(a), fp(b)),
        };
        dynasm!(self.ops ; .arch x64 ; ucomisd Rx(x), Rx(y));
    }

    /// Emits the exit stubs and maps the code.
    pub fn finish(mut self) -> Code {
        let exits = self.ops.offset();
        for (l, pc) in std::mem::take(&mut self.stubs) {
            let epi = self.epilogue;
            dynasm!(self.ops
                ; .arch x64
                ; =>l
                ; mov eax, pc as i32
                ; jmp =>epi
            );
        }
        for (l, pc) in std::mem::take(&mut self.raises) {
            let epi = self.epilogue;
            let code = (pc | vm::tiering::RAISED) as i32;
            dynasm!(self.ops
                ; .arch x64
                ; =>l
                ; mov eax, code
                ; jmp =>epi
            );
        }
        let bytes = self
            .ops
            .finalize()
            .unwrap_or_else(|e| panic!("the code's labels resolve: {e}"));
        let buf = crate::code::install(&bytes);
        Code {
            buf,
            start: self.start,
            entries: self.offsets,
            exits,
        }
    }
}

impl Default for X64 {
    fn default() -> Self {
        X64::new()
    }
}

impl Masm for X64 {
    fn begin(&mut self, n: usize) {
        for _ in 0..n {
            let l = self.ops.new_dynamic_label();
            self.pcs.push(l);
        }
        self.offsets = vec![AssemblyOffset(0); n];
        let epi = self.epilogue;
        asm::prologue(&mut self.ops, epi);
    }

    fn bind_pc(&mut self, pc: usize) {
        let l = self.pcs[pc];
        self.offsets[pc] = self.ops.offset();
        dynasm!(self.ops ; .arch x64 ; =>l);
    }

    fn label(&mut self) -> Label {
        let l = self.ops.new_dynamic_label();
        self.labels.push(l);
        Label(self.labels.len() - 1)
    }

    fn bind(&mut self, l: Label) {
        let l = self.labels[l.0];
        dynasm!(self.ops ; .arch x64 ; =>l);
    }

    fn exit(&mut self, pc: usize) {
        let epi = self.epilogue;
        dynasm!(self.ops ; .arch x64 ; mov eax, pc as i32 ; jmp =>epi);
    }

    fn exit_if(&mut self, c: Cond, pc: usize) {
        let l = self.stub(pc);
        self.jcc(c, l);
    }

    fn fuel_tick(&mut self, pc: usize) {
        let l = self.stub(pc);
        dynasm!(self.ops
            ; .arch x64
            ; cmp r12, 1
            ; je =>l
            ; dec r12
        );
    }

    fn load(&mut self, dst: Gp, s: u16) {
        dynasm!(self.ops ; .arch x64 ; mov Rq(gp(dst)), QWORD [rbx + slot(s)]);
    }

    fn store(&mut self, s: u16, src: Gp) {
        dynasm!(self.ops ; .arch x64 ; mov QWORD [rbx + slot(s)], Rq(gp(src)));
    }

    fn load_imm(&mut self, dst: Gp, v: i64) {
        if let Ok(v) = i32::try_from(v) {
            dynasm!(self.ops ; .arch x64 ; mov Rq(gp(dst)), DWORD v);
        } else {
            dynasm!(self.ops ; .arch x64 ; mov Rq(gp(dst)), QWORD v);
        }
    }

    fn load_field(&mut self, dst: Gp, base: Gp, off: i32) {
        dynasm!(self.ops ; .arch x64 ; mov Rq(gp(dst)), QWORD [Rq(gp(base)) + off]);
    }

    fn load_u16(&mut self, dst: Gp, base: Gp, off: i32) {
        dynasm!(self.ops ; .arch x64 ; movzx Rd(gp(dst)), WORD [Rq(gp(base)) + off]);
    }

    fn load_u8(&mut self, dst: Gp, base: Gp, off: i32) {
        dynasm!(self.ops ; .arch x64 ; movzx Rd(gp(dst)), BYTE [Rq(gp(base)) + off]);
    }

    fn store_field(&mut self, base: Gp, off: i32, src: Gp) {
        dynasm!(self.ops ; .arch x64 ; mov QWORD [Rq(gp(base)) + off], Rq(gp(src)));
    }

    fn cmp_field(&mut self, a: Gp, base: Gp, off: i32) {
        dynasm!(self.ops ; .arch x64 ; cmp Rq(gp(a)), QWORD [Rq(gp(base)) + off]);
    }

    fn cx(&mut self, dst: Gp) {
        dynasm!(self.ops ; .arch x64 ; mov Rq(gp(dst)), r13);
    }

    fn lea_pc(&mut self, dst: Gp, pc: usize) {
        let l = self.pcs[pc];
        dynasm!(self.ops ; .arch x64 ; lea Rq(gp(dst)), [=>l]);
    }

    fn set_base(&mut self, src: Gp) {
        dynasm!(self.ops ; .arch x64 ; mov rbx, Rq(gp(src)));
    }

    fn base_add(&mut self, bytes: i32) {
        dynasm!(self.ops ; .arch x64 ; add rbx, DWORD bytes);
    }

    fn call_c(&mut self, f: usize, arg: Gp) {
        // rsp is 16-byte aligned here (see `begin`).
        dynasm!(self.ops
            ; .arch x64
            ; mov rdi, Rq(gp(arg))
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
            ; mov r8, QWORD [r13 + CX_FUEL]
            ; mov r12, QWORD [r8]
        );
    }

    fn raise_if(&mut self, c: Cond, pc: usize) {
        let l = self.ops.new_dynamic_label();
        self.raises.push((l, pc));
        self.jcc(c, l);
    }

    fn jump_reg(&mut self, r: Gp) {
        dynasm!(self.ops ; .arch x64 ; jmp Rq(gp(r)));
    }

    fn store_u8_at(&mut self, addr: Gp, src: Gp) {
        dynasm!(self.ops ; .arch x64 ; mov BYTE [Rq(gp(addr))], Rb(gp(src)));
    }

    fn store_at(&mut self, addr: Gp, src: Gp) {
        dynasm!(self.ops ; .arch x64 ; mov QWORD [Rq(gp(addr))], Rq(gp(src)));
    }

    fn mov(&mut self, dst: Gp, src: Gp) {
        dynasm!(self.ops ; .arch x64 ; mov Rq(gp(dst)), Rq(gp(src)));
    }

    fn alu(&mut self, op: Alu, dst: Gp, src: Gp) {
        let (d, s) = (gp(dst), gp(src));
        match op {
            Alu::Add => dynasm!(self.ops ; .arch x64 ; add Rq(d), Rq(s)),
            Alu::Sub => dynasm!(self.ops ; .arch x64 ; sub Rq(d), Rq(s)),
            Alu::Mul => dynasm!(self.ops ; .arch x64 ; imul Rq(d), Rq(s)),
            Alu::And => dynasm!(self.ops ; .arch x64 ; and Rq(d), Rq(s)),
            Alu::Or => dynasm!(self.ops ; .arch x64 ; or Rq(d), Rq(s)),
            Alu::Xor => dynasm!(self.ops ; .arch x64 ; xor Rq(d), Rq(s)),
        }
    }

    fn alu_imm(&mut self, op: Alu, dst: Gp, v: i32) {
        let d = gp(dst);
        match op {
            Alu::Add => dynasm!(self.ops ; .arch x64 ; add Rq(d), DWORD v),
            Alu::Sub => dynasm!(self.ops ; .arch x64 ; sub Rq(d), DWORD v),
            Alu::Mul => dynasm!(self.ops ; .arch x64 ; imul Rq(d), Rq(d), DWORD v),
            Alu::And => dynasm!(self.ops ; .arch x64 ; and Rq(d), DWORD v),
            Alu::Or => dynasm!(self.ops ; .arch x64 ; or Rq(d), DWORD v),
            Alu::Xor => dynasm!(self.ops ; .arch x64 ; xor Rq(d), DWORD v),
        }
    }

    fn neg(&mut self, r: Gp) {
        dynasm!(self.ops ; .arch x64 ; neg Rq(gp(r)));
    }

    fn not(&mut self, r: Gp) {
        dynasm!(self.ops ; .arch x64 ; not Rq(gp(r)));
    }

    fn sar_imm(&mut self, r: Gp, n: u8) {
        dynasm!(self.ops ; .arch x64 ; sar Rq(gp(r)), (n & 63) as i8);
    }

    fn cmp(&mut self, a: Gp, b: Gp) {
        dynasm!(self.ops ; .arch x64 ; cmp Rq(gp(a)), Rq(gp(b)));
    }

    fn cmp_imm(&mut self, a: Gp, v: i32) {
        dynasm!(self.ops ; .arch x64 ; cmp Rq(gp(a)), DWORD v);
    }

    fn set(&mut self, c: Cond, dst: Gp) {
        let d = gp(dst);
        match c {
            Cond::Eq => dynasm!(self.ops ; .arch x64 ; sete Rb(d)),
            Cond::Ne => dynasm!(self.ops ; .arch x64 ; setne Rb(d)),
            Cond::Lt => dynasm!(self.ops ; .arch x64 ; setl Rb(d)),
            Cond::Le => dynasm!(self.ops ; .arch x64 ; setle Rb(d)),
            Cond::Gt => dynasm!(self.ops ; .arch x64 ; setg Rb(d)),
            Cond::Ge => dynasm!(self.ops ; .arch x64 ; setge Rb(d)),
            Cond::Below => dynasm!(self.ops ; .arch x64 ; setb Rb(d)),
            Cond::AboveEq => dynasm!(self.ops ; .arch x64 ; setae Rb(d)),
        }
        dynasm!(self.ops ; .arch x64 ; movzx Rd(d), Rb(d));
    }

    fn select(&mut self, c: Cond, dst: Gp, src: Gp) {
        let (d, s) = (gp(dst), gp(src));
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

    fn branch(&mut self, c: Cond, pc: usize) {
        let l = self.pcs[pc];
        self.jcc(c, l);
    }

    fn branch_label(&mut self, c: Cond, l: Label) {
        let l = self.labels[l.0];
        self.jcc(c, l);
    }

    fn jump(&mut self, pc: usize) {
        let l = self.pcs[pc];
        dynasm!(self.ops ; .arch x64 ; jmp =>l);
    }

    fn fload(&mut self, dst: Fp, s: u16) {
        dynasm!(self.ops ; .arch x64 ; movsd Rx(fp(dst)), QWORD [rbx + slot(s)]);
    }

    fn fstore(&mut self, s: u16, src: Fp) {
        dynasm!(self.ops ; .arch x64 ; movsd QWORD [rbx + slot(s)], Rx(fp(src)));
    }

    fn falu(&mut self, op: FAlu, dst: Fp, src: Fp) {
        let (d, s) = (fp(dst), fp(src));
        match op {
            FAlu::Add => dynasm!(self.ops ; .arch x64 ; addsd Rx(d), Rx(s)),
            FAlu::Sub => dynasm!(self.ops ; .arch x64 ; subsd Rx(d), Rx(s)),
            FAlu::Mul => dynasm!(self.ops ; .arch x64 ; mulsd Rx(d), Rx(s)),
            FAlu::Div => dynasm!(self.ops ; .arch x64 ; divsd Rx(d), Rx(s)),
        }
    }

    fn fneg(&mut self, r: Fp) {
        dynasm!(self.ops
            ; .arch x64
            ; mov r8, QWORD i64::MIN
            ; movq xmm2, r8
            ; xorpd Rx(fp(r)), xmm2
        );
    }

    fn fabs(&mut self, r: Fp) {
        dynasm!(self.ops
            ; .arch x64
            ; mov r8, QWORD i64::MAX
            ; movq xmm2, r8
            ; andpd Rx(fp(r)), xmm2
        );
    }

    fn int_to_float(&mut self, dst: Fp, src: Gp) {
        let d = fp(dst);
        // xorps first: cvtsi2sd writes only the low lane, and would wait
        // for the register's last writer otherwise.
        dynasm!(self.ops ; .arch x64 ; xorps Rx(d), Rx(d) ; cvtsi2sd Rx(d), Rq(gp(src)));
    }

    fn fset(&mut self, c: FCond, a: Fp, b: Fp, dst: Gp) {
        let d = gp(dst);
        self.fcompare(c, a, b);
        match c {
            FCond::Lt => dynasm!(self.ops ; .arch x64 ; seta Rb(d)),
            FCond::Le => dynasm!(self.ops ; .arch x64 ; setae Rb(d)),
            FCond::Eq => dynasm!(self.ops ; .arch x64 ; sete Rb(d) ; setnp r8b ; and Rb(d), r8b),
            FCond::Ne => dynasm!(self.ops ; .arch x64 ; setne Rb(d) ; setp r8b ; or Rb(d), r8b),
        }
        dynasm!(self.ops ; .arch x64 ; movzx Rd(d), Rb(d));
    }

    fn fbranch(&mut self, c: FCond, a: Fp, b: Fp, pc: usize) {
        let l = self.pcs[pc];
        self.fcompare(c, a, b);
        match c {
            FCond::Lt => dynasm!(self.ops ; .arch x64 ; ja =>l),
            FCond::Le => dynasm!(self.ops ; .arch x64 ; jae =>l),
            FCond::Eq => dynasm!(self.ops ; .arch x64 ; jp >skip ; je =>l ; skip:),
            FCond::Ne => dynasm!(self.ops ; .arch x64 ; jp =>l ; jne =>l),
        }
    }

    fn fexit_if_zero(&mut self, a: Fp, pc: usize) {
        let l = self.stub(pc);
        dynasm!(self.ops
            ; .arch x64
            ; xorpd xmm2, xmm2
            ; ucomisd Rx(fp(a)), xmm2
            ; jp >skip
            ; je =>l
            ; skip:
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Assembles `body` as instruction 0 of a two-instruction function
    /// whose instruction 1 exits, runs it on `slots` with `fuel`, and
    /// returns the instruction it left at.
    fn run(slots: &mut [u64], fuel: &mut u64, body: impl FnOnce(&mut X64)) -> u32 {
        let mut a = X64::new();
        a.begin(2);
        a.bind_pc(0);
        body(&mut a);
        a.exit(1);
        a.bind_pc(1);
        a.exit(1);
        let code = a.finish();
        let mut cx = vm::tiering::Cx {
            base: slots.as_mut_ptr(),
            fuel,
            ctl: std::ptr::null_mut(),
            frames: std::ptr::null(),
            stack: slots.as_mut_ptr(),
            stack_len: slots.len(),
            protos: std::ptr::null(),
            rt: std::ptr::null(),
            rtops: std::ptr::null(),
            raised: std::ptr::null_mut(),
            window: 0,
        };
        // SAFETY: the code touches slots below slots.len() (each test keeps
        // to its own) and the fuel counter, and returns.
        unsafe {
            let enter: vm::tiering::Enter = std::mem::transmute(code.buf.ptr(code.start.0));
            enter(&mut cx, code.buf.ptr(code.entries[0].0))
        }
    }

    #[test]
    fn integer_ops_wrap_and_compare_signed() {
        let mut s = [i64::MAX as u64, 1, 0, 0, (-7i64) as u64];
        let mut fuel = 10;
        let at = run(&mut s, &mut fuel, |a| {
            a.load(Gp::G0, 0);
            a.load(Gp::G1, 1);
            a.alu(Alu::Add, Gp::G0, Gp::G1);
            a.store(2, Gp::G0);
            a.load(Gp::G2, 4);
            a.sar_imm(Gp::G2, 1);
            a.cmp_imm(Gp::G2, 0);
            a.set(Cond::Lt, Gp::G3);
            a.store(3, Gp::G3);
            a.store(4, Gp::G2);
        });
        assert_eq!(at, 1);
        assert_eq!(s[2] as i64, i64::MIN);
        assert_eq!(s[3], 1);
        assert_eq!(s[4] as i64, -4, "-7 // 2 floors");
    }

    #[test]
    fn float_compares_follow_python_on_nan() {
        for (x, y) in [
            (1.0, 2.0),
            (2.0, 1.0),
            (1.0, 1.0),
            (f64::NAN, 1.0),
            (1.0, f64::NAN),
        ] {
            let mut s = [x.to_bits(), y.to_bits(), 0, 0, 0, 0];
            let mut fuel = 10;
            run(&mut s, &mut fuel, |a| {
                a.fload(Fp::F0, 0);
                a.fload(Fp::F1, 1);
                for (k, c) in [FCond::Lt, FCond::Le, FCond::Eq, FCond::Ne]
                    .into_iter()
                    .enumerate()
                {
                    a.fset(c, Fp::F0, Fp::F1, Gp::G0);
                    a.store(2 + k as u16, Gp::G0);
                }
            });
            let want = [x < y, x <= y, x == y, x != y].map(|b| b as u64);
            assert_eq!(s[2..6], want, "{x} vs {y}");
        }
    }

    #[test]
    fn exits_leave_at_the_instruction_asked() {
        // Division guard: zero (either sign) exits at 0, NaN does not.
        for (d, at) in [(0.0, 0), (-0.0, 0), (f64::NAN, 1), (2.0, 1)] {
            let mut s = [d.to_bits()];
            let mut fuel = 10;
            let got = run(&mut s, &mut fuel, |a| {
                a.fload(Fp::F0, 0);
                a.fexit_if_zero(Fp::F0, 0);
            });
            assert_eq!(got, at, "divisor {d}");
        }
        // Fuel: the last unit is left for the interpreter to spend.
        for (f, at, left) in [(5, 1, 4), (1, 0, 1)] {
            let mut fuel = f;
            let got = run(&mut [0], &mut fuel, |a| a.fuel_tick(0));
            assert_eq!((got, fuel), (at, left));
        }
    }
}
