//! What the code generator asks of a backend: a small two-address machine
//! over the frame's register slots, a handful of scratch registers, and
//! branches to instructions or out to the interpreter. Each architecture
//! implements it once (`x64`, later `aarch64`), legalising as it needs;
//! `lower` speaks only this trait.

/// Integer scratch registers. None survives a call; nothing here calls.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Gp {
    G0,
    G1,
    G2,
    G3,
    G4,
    G5,
}

/// Float scratch registers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fp {
    F0,
    F1,
}

/// Two-address integer operations: `dst = dst op src` (64-bit, wrapping).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Alu {
    Add,
    Sub,
    Mul,
    And,
    Or,
    Xor,
}

/// Two-address float64 operations.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FAlu {
    Add,
    Sub,
    Mul,
    Div,
}

/// Conditions on the last integer compare `cmp a, b`: signed, except
/// `Below`/`AboveEq` (unsigned).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Cond {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Below,
    AboveEq,
}

impl Cond {
    pub fn negate(self) -> Cond {
        match self {
            Cond::Eq => Cond::Ne,
            Cond::Ne => Cond::Eq,
            Cond::Lt => Cond::Ge,
            Cond::Le => Cond::Gt,
            Cond::Gt => Cond::Le,
            Cond::Ge => Cond::Lt,
            Cond::Below => Cond::AboveEq,
            Cond::AboveEq => Cond::Below,
        }
    }
}

/// Float comparisons `a op b` with Python's rules: every one is false when
/// an operand is NaN, except `Ne`, which is true.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum FCond {
    Eq,
    Ne,
    Lt,
    Le,
}

/// A code position local to one function.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Label(pub usize);

pub trait Masm {
    /// Starts the code of a function of `n` instructions: the entry
    /// sequence, which jumps to the instruction the caller asked for.
    fn begin(&mut self, n: usize);
    /// The code of instruction `pc` starts here (an entry point).
    fn bind_pc(&mut self, pc: usize);
    fn label(&mut self) -> Label;
    fn bind(&mut self, l: Label);

    /// Leaves native code: the interpreter executes instruction `pc` next.
    fn exit(&mut self, pc: usize);
    /// Leaves at `pc` when `c` holds after the last compare.
    fn exit_if(&mut self, c: Cond, pc: usize);
    /// Counts one unit of fuel for a backward jump at `pc`; leaves at `pc`
    /// instead when that unit is the last (the interpreter then executes
    /// the jump and raises the fuel error).
    fn fuel_tick(&mut self, pc: usize);

    fn load(&mut self, dst: Gp, slot: u16);
    fn store(&mut self, slot: u16, src: Gp);
    fn load_imm(&mut self, dst: Gp, v: i64);
    /// `dst = [base + off]`, 64 bits.
    fn load_field(&mut self, dst: Gp, base: Gp, off: i32);
    /// `dst = [base + off]`, 16 and 8 bits, zero-extended.
    fn load_u16(&mut self, dst: Gp, base: Gp, off: i32);
    fn load_u8(&mut self, dst: Gp, base: Gp, off: i32);
    /// `[base + off] = src`, 64 bits.
    fn store_field(&mut self, base: Gp, off: i32, src: Gp);
    /// Compares `a` with `[base + off]`.
    fn cmp_field(&mut self, a: Gp, base: Gp, off: i32);
    /// `[addr] = src`, 64 bits.
    fn store_at(&mut self, addr: Gp, src: Gp);
    /// `[addr] = src`, its low 8 bits.
    fn store_u8_at(&mut self, addr: Gp, src: Gp);
    /// `dst` = the address of the `vm::tiering::Cx` this entry runs on.
    fn cx(&mut self, dst: Gp);
    /// `dst` = the native address of instruction `pc`.
    fn lea_pc(&mut self, dst: Gp, pc: usize);
    /// The frame base (slot 0's address) becomes `src`, or moves by `bytes`.
    fn set_base(&mut self, src: Gp);
    fn base_add(&mut self, bytes: i32);
    /// Continues at the native address in `r`.
    fn jump_reg(&mut self, r: Gp);
    /// Calls the C function at `f` with `arg` as its one argument. Every
    /// scratch register is lost.
    fn call_c(&mut self, f: usize, arg: Gp);
    /// Calls `RUNTIME.rt_exec` for runtime operation `op` (an index into
    /// `Cx::rtops`) on the registers from `slot`, `window` of them; its
    /// status is left in `G0` (0: done). Every scratch register is lost.
    fn call_rt(&mut self, f: usize, op: usize, slot: u16, window: usize);
    /// When `c` holds: leaves at `pc` with the exception in `Cx::raised`
    /// (the instruction raised; the interpreter unwinds from it).
    fn raise_if(&mut self, c: Cond, pc: usize);
    fn mov(&mut self, dst: Gp, src: Gp);
    fn alu(&mut self, op: Alu, dst: Gp, src: Gp);
    fn alu_imm(&mut self, op: Alu, dst: Gp, v: i32);
    fn neg(&mut self, r: Gp);
    fn not(&mut self, r: Gp);
    /// Arithmetic shift right by `n` (0..64).
    fn sar_imm(&mut self, r: Gp, n: u8);
    fn cmp(&mut self, a: Gp, b: Gp);
    fn cmp_imm(&mut self, a: Gp, v: i32);
    /// `dst = c ? 1 : 0` after the last compare.
    fn set(&mut self, c: Cond, dst: Gp);
    /// `if c { dst = src }` after the last compare.
    fn select(&mut self, c: Cond, dst: Gp, src: Gp);
    /// To the code of instruction `pc` when `c` holds.
    fn branch(&mut self, c: Cond, pc: usize);
    fn branch_label(&mut self, c: Cond, l: Label);
    fn jump(&mut self, pc: usize);

    fn fload(&mut self, dst: Fp, slot: u16);
    fn fstore(&mut self, slot: u16, src: Fp);
    fn falu(&mut self, op: FAlu, dst: Fp, src: Fp);
    fn fneg(&mut self, r: Fp);
    fn fabs(&mut self, r: Fp);
    fn int_to_float(&mut self, dst: Fp, src: Gp);
    /// `dst = a c b ? 1 : 0`.
    fn fset(&mut self, c: FCond, a: Fp, b: Fp, dst: Gp);
    /// To instruction `pc` when `a c b`.
    fn fbranch(&mut self, c: FCond, a: Fp, b: Fp, pc: usize);
    /// Leaves at `pc` when `a` is zero (either sign; NaN is not zero).
    fn fexit_if_zero(&mut self, a: Fp, pc: usize);
}
