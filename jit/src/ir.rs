//! The low IR between the bytecode and a backend: typed SSA values (int64,
//! float64, pointer) in basic blocks with block parameters, a control-flow
//! graph with its dominator tree and natural loops, and exits that carry
//! their frame-slot write-back maps.
//!
//! Built from a function's bytecode one instruction at a time ([`build`]):
//! the op table's flags (`vm::bytecode::Props`) say where blocks end and
//! which ops this builder lowers; an op it does not lower ends its block
//! with an exit, and the interpreter executes it.
//!
//! **Frames and exits.** The interpreter's state is the frame's slots.
//! Native code keeps slot values in SSA values instead and writes them back
//! only where the interpreter (or a callee, or a runtime operation) will read
//! the frame: every [`Exit`] lists `(slot, value)` for each slot live at its
//! instruction whose value is not already in the frame, as LuaJIT's
//! snapshots do. Script calls and runtime operations write back the same
//! way before they run, and read what they may have changed from the frame
//! afterwards.
//!
//! **Entries.** Native code is entered at instruction 0, at the heads of
//! loops (targets of backward jumps, where the interpreter lands after a
//! fuel window or after executing an exit's instruction) and after calls.
//! An entry block loads the slots live there from the frame and jumps to
//! the loop's preheader, so whatever a loop optimisation hoists there runs
//! on every way in. An entry inside an outermost loop (at an inner loop's
//! head, after a call) would enter that loop from the side, and it would
//! be no natural loop: such entries go to a side copy of the outermost
//! loop's instructions instead, whose jumps back to its head go to its
//! preheader. Every loop of the function's own code then has one way in,
//! loops nest, and what an inner loop computes the same way each time can
//! leave all the loops around it; the interpreter never runs more than one
//! iteration of a loop before going back to native code.
//!
//! **While loops** (`Jmp test; head: body; test: if c goto head`) get
//! their test again before the loop, which they then enter at the head
//! only, as range loops do.

use std::fmt::{self, Write};

use vm::bytecode::{pfmt, Op};
use vm::Proto;

use crate::pool::{self, Buf};

/// Conditions on an integer compare `a op b`: signed, except
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

/// A value's register class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    I64,
    F64,
    /// An address (an array header, a data pointer): an integer register,
    /// kept apart so that loop optimisations can tell arrays from numbers.
    Ptr,
}

impl Class {
    pub fn is_float(self) -> bool {
        self == Class::F64
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Value(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Block(pub u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExitId(pub u32);

/// Integer operations, 64-bit and wrapping, with Python's rounding where
/// it differs from the machine's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IOp {
    Add,
    Sub,
    Mul,
    And,
    Or,
    Xor,
    /// Arithmetic shift right, and shift left, by the amount mod 64.
    Sar,
    Shl,
    /// Unsigned division (the divisor is not zero).
    UDiv,
    /// The high 64 bits of the signed 128-bit product.
    MulHi,
    /// Python's `//` (floored; the divisor is not zero).
    FloorDiv,
    /// Python's `%` (the divisor's sign; the divisor is not zero).
    Mod,
    /// Python's `min`/`max` of (b, c): c only when strictly smaller/larger.
    Min,
    Max,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FOp {
    Add,
    Sub,
    Mul,
    Div,
    /// Python's `min`/`max` of (b, c): c only when it compares
    /// smaller/larger (NaN order kept).
    Min,
    Max,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Neg,
    Not,
    Abs,
    FNeg,
    FAbs,
    FSqrt,
    /// int64 to float64.
    IToF,
    /// float64 to int64, truncating (the value fits).
    FToI,
    /// Rounded to float32 and back.
    F32,
    /// The float in every lane of a vector (for a vector loop's operands
    /// from before it; as a scalar, the float itself).
    Splat,
    /// A float64's bits as an int64 and back (no conversion).
    FBits,
    IBits,
}

/// Memory widths of loads and stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    W64,
    /// One byte; loads zero-extend, stores keep the low byte.
    W8,
}

/// What a condition compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Test {
    /// Integer compare with a value or an immediate.
    I(Cond, Value, Rhs),
    F(FCond, Value, Value),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rhs {
    V(Value),
    K(i64),
}

/// The functions native code calls, resolved to addresses by the backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CFn {
    Retain,
    Release,
    /// `RUNTIME.math1[k]`.
    Math1(u16),
    Atan2,
    /// Python's `**`, `//`, `%` and `round(x, n)` on numbers, where the
    /// operation cannot raise (see `crate::scalar`).
    PowI,
    PowF,
    FloorDivF,
    ModF,
    RoundN,
    /// An element of any dtype read as its register's bits, and written
    /// from an int64 or float64 (the array, the element's address; the
    /// value as a float argument).
    GetElem,
    SetElemI,
    SetElemF,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Inst {
    /// A block parameter: the value arriving along the edge taken.
    Param,
    /// A frame slot's current contents.
    LoadSlot(u16),
    Const(u64),
    Bin(IOp, Value, Rhs),
    FBin(FOp, Value, Value),
    Un(UnOp, Value),
    /// 1 when the test holds, else 0.
    Set(Test),
    /// `test ? a : b`.
    Select(Test, Value, Value),
    /// `[addr + off]`: an element of an array.
    Load(Width, Value, i32),
    /// A word of an array's header at `off` (its data pointer, shape or
    /// strides), which nothing changes while the array lives.
    Field(Value, i32),
    Store(Width, Value, i32, Value),
    CallC(CFn, Vec<Value>),
    /// `x + k`, computed only where an exit writes it back (never placed
    /// in a block): what a loop's counter was before its step, so that the
    /// step may overwrite the counter's register.
    Offset(Value, i64),
    /// 1 when the test holds, else 0, computed only where an exit writes
    /// it back (never placed in a block): a comparison's result that only
    /// the branch on it reads, as a test, besides the exits.
    Flag(Test),
    /// Leaves native code at the exit when the test holds.
    Guard(Test, ExitId),
    /// Counts one unit of fuel; leaves at the exit instead when it is the
    /// last of the window (the interpreter spends it).
    Fuel(ExitId),
    /// The fuel left in the window (what `Fuel` counts down).
    FuelLeft,
    /// Counts this many units at once: fewer than are left in the window,
    /// so that the interpreter would have counted them without taking the
    /// next window.
    Spend(Rhs),
    /// Runtime operation `d` on the frame's slots from `a`: the exit's map
    /// is written back first; on an exception it leaves with `RAISED`.
    Rt {
        a: u16,
        d: u16,
        exit: ExitId,
    },
    /// `Print` of `x` as kind `k` (`vm::bytecode::pfmt`), through the
    /// runtime table (the interpreter's own code), which neither reads
    /// nor writes the frame. Its result is the call's status: a guard on
    /// it leaves at a raised exit when it is not 0 (the exception is in
    /// `Cx::raised`). Not pure: it runs where it is, however its status
    /// is used.
    Print {
        k: u16,
        x: Value,
    },
    /// `PrintK` of string `s` (it cannot raise).
    PrintK(u16),
    /// `Fmt` of format `d` on the frame's slots from `a`, into slot `a`:
    /// as `Rt`, the exit's map is written back first, and on an exception
    /// it leaves with `RAISED`.
    Fmt {
        a: u16,
        d: u16,
        exit: ExitId,
    },
}

/// The values one instruction reads (at most four: a select's test and
/// its two values), without a heap allocation.
#[derive(Clone, Copy)]
pub struct Args {
    n: u8,
    v: [Value; 4],
}

impl Args {
    fn push(&mut self, x: Value) {
        self.v[self.n as usize] = x;
        self.n += 1;
    }
}

impl std::ops::Deref for Args {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        &self.v[..self.n as usize]
    }
}

impl IntoIterator for Args {
    type Item = Value;
    type IntoIter = std::iter::Take<std::array::IntoIter<Value, 4>>;
    fn into_iter(self) -> Self::IntoIter {
        self.v.into_iter().take(self.n as usize)
    }
}

impl Inst {
    /// The values it reads, in order.
    pub fn args(&self) -> Args {
        let mut v = Args {
            n: 0,
            v: [Value(0); 4],
        };
        let rhs = |r: &Rhs, v: &mut Args| {
            if let Rhs::V(x) = r {
                v.push(*x)
            }
        };
        let test = |t: &Test, v: &mut Args| match t {
            Test::I(_, a, b) => {
                v.push(*a);
                rhs(b, v)
            }
            Test::F(_, a, b) => {
                v.push(*a);
                v.push(*b)
            }
        };
        match self {
            Inst::Param | Inst::LoadSlot(_) | Inst::Const(_) | Inst::Fuel(_) | Inst::FuelLeft => {}
            Inst::Rt { .. } | Inst::PrintK(_) | Inst::Fmt { .. } => {}
            Inst::Print { x, .. } => v.push(*x),
            Inst::Spend(a) => rhs(a, &mut v),
            Inst::Bin(_, a, b) => {
                v.push(*a);
                rhs(b, &mut v)
            }
            Inst::FBin(_, a, b) => {
                v.push(*a);
                v.push(*b)
            }
            Inst::Un(_, a) | Inst::Offset(a, _) => v.push(*a),
            Inst::Set(t) | Inst::Guard(t, _) | Inst::Flag(t) => test(t, &mut v),
            Inst::Select(t, a, b) => {
                test(t, &mut v);
                v.push(*a);
                v.push(*b)
            }
            Inst::Load(_, a, _) | Inst::Field(a, _) => v.push(*a),
            Inst::Store(_, a, _, x) => {
                v.push(*a);
                v.push(*x)
            }
            Inst::CallC(_, xs) => xs.iter().for_each(|&x| v.push(x)),
        }
        v
    }

    pub fn map_args(&mut self, f: &impl Fn(Value) -> Value) {
        let rhs = |r: &mut Rhs| {
            if let Rhs::V(x) = r {
                *x = f(*x)
            }
        };
        let test = |t: &mut Test| map_test(t, f);
        match self {
            Inst::Param | Inst::LoadSlot(_) | Inst::Const(_) | Inst::Fuel(_) | Inst::FuelLeft => {}
            Inst::Rt { .. } | Inst::PrintK(_) | Inst::Fmt { .. } => {}
            Inst::Print { x, .. } => *x = f(*x),
            Inst::Spend(a) => rhs(a),
            Inst::Bin(_, a, b) => {
                *a = f(*a);
                rhs(b)
            }
            Inst::FBin(_, a, b) => {
                *a = f(*a);
                *b = f(*b)
            }
            Inst::Un(_, a) | Inst::Load(_, a, _) | Inst::Field(a, _) | Inst::Offset(a, _) => {
                *a = f(*a)
            }
            Inst::Set(t) | Inst::Guard(t, _) | Inst::Flag(t) => test(t),
            Inst::Select(t, a, b) => {
                test(t);
                *a = f(*a);
                *b = f(*b)
            }
            Inst::Store(_, a, _, x) => {
                *a = f(*a);
                *x = f(*x)
            }
            Inst::CallC(_, xs) => xs.iter_mut().for_each(|x| *x = f(*x)),
        }
    }

    /// The exit it may leave at.
    pub fn exit(&self) -> Option<ExitId> {
        match *self {
            Inst::Guard(_, x) | Inst::Fuel(x) => Some(x),
            Inst::Rt { exit, .. } | Inst::Fmt { exit, .. } => Some(exit),
            _ => None,
        }
    }

    pub fn exit_mut(&mut self) -> Option<&mut ExitId> {
        match self {
            Inst::Guard(_, x) | Inst::Fuel(x) => Some(x),
            Inst::Rt { exit, .. } | Inst::Fmt { exit, .. } => Some(exit),
            _ => None,
        }
    }

    /// Does it call out of native code (every register outside
    /// `Regs::gpr_saved` lost)?
    pub fn calls(&self) -> bool {
        matches!(
            self,
            Inst::CallC(..)
                | Inst::Rt { .. }
                | Inst::Print { .. }
                | Inst::PrintK(_)
                | Inst::Fmt { .. }
        )
    }

    /// Does it produce a value?
    pub fn has_result(&self) -> bool {
        !matches!(
            self,
            Inst::Store(..)
                | Inst::Guard(..)
                | Inst::Fuel(_)
                | Inst::Spend(_)
                | Inst::Rt { .. }
                | Inst::PrintK(_)
                | Inst::Fmt { .. }
                | Inst::CallC(
                    CFn::Retain | CFn::Release | CFn::SetElemI | CFn::SetElemF,
                    _
                )
        )
    }
}

/// A jump to `to`, with the values of its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    pub to: Block,
    pub args: Vec<Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    Jump(Edge),
    Branch(Test, Edge, Edge),
    /// Leaves native code: the interpreter executes the exit's instruction.
    Exit(ExitId),
    /// A script call of function `f` with its frame at slot `a`: the exit's
    /// map is written back, then native code calls the callee's native code
    /// through the frame records, or leaves the call to the interpreter at
    /// the exit (the depth limit, no native callee, a stack too short, the
    /// last unit of fuel). Nothing stays in registers across it: the code
    /// after the call is reached from entry block `resume` (at the next
    /// instruction), which loads the frame, whichever tier returns there.
    Call {
        a: u16,
        f: u16,
        exit: ExitId,
        resume: Block,
    },
    /// `Ret`/`Ret1` of `R[a..a+n]`: the exit's map is written back, the
    /// function's array locals released, and control goes to a native
    /// caller (or leaves at the exit, to the interpreter's).
    Return {
        a: u16,
        n: u16,
        exit: ExitId,
    },
}

/// A terminator's successors or edges (at most two), without a heap
/// allocation.
pub type Two<T> = smallvec::SmallVec<[T; 2]>;

impl Term {
    pub fn succs(&self) -> Two<Block> {
        match self {
            Term::Jump(e) => smallvec::smallvec![e.to],
            Term::Branch(_, t, f) => smallvec::smallvec![t.to, f.to],
            Term::Exit(_) | Term::Return { .. } | Term::Call { .. } => Two::new(),
        }
    }
    /// The exit it may leave at.
    pub fn exit_mut(&mut self) -> Option<&mut ExitId> {
        match self {
            Term::Exit(x) | Term::Return { exit: x, .. } | Term::Call { exit: x, .. } => Some(x),
            _ => None,
        }
    }
    pub fn edges_mut(&mut self) -> Two<&mut Edge> {
        match self {
            Term::Jump(e) => smallvec::smallvec![e],
            Term::Branch(_, t, f) => smallvec::smallvec![t, f],
            _ => Two::new(),
        }
    }
    pub fn edges(&self) -> Two<&Edge> {
        match self {
            Term::Jump(e) => smallvec::smallvec![e],
            Term::Branch(_, t, f) => smallvec::smallvec![t, f],
            _ => Two::new(),
        }
    }
}

/// Where native code hands an instruction to the interpreter.
#[derive(Clone, Debug, PartialEq)]
pub struct Exit {
    pub pc: usize,
    /// The instruction already ran and raised (the exception is in
    /// `Cx::raised`): the interpreter unwinds from it.
    pub raised: bool,
    /// The frame slots to write before leaving, with their values.
    pub map: Vec<(u16, Value)>,
    /// The inlined calls it is inside, outermost first: their frames are
    /// made real before leaving (frame records pushed, the innermost
    /// callee made current), and `pc` is the innermost callee's. Slots in
    /// `map` count from the compiled function's frame.
    pub frames: Vec<Inlined>,
}

/// An inlined call an exit is inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inlined {
    /// The callee (an index into the module's functions).
    pub f: u16,
    /// The call, in its caller (the compiled function or the previous
    /// inlined callee).
    pub pc: usize,
    /// The callee's first slot, from the compiled function's frame.
    pub base: u16,
}

#[derive(Clone, Debug, Default)]
pub struct BlockData {
    pub params: Vec<Value>,
    pub insts: Vec<Value>,
    pub term: Option<Term>,
    /// The first instruction it lowers (entry and preheader blocks: their
    /// loop head's).
    pub pc: usize,
    /// Entered from the interpreter at `pc` (loads its live slots).
    pub entry: bool,
    /// Rarely runs (the checked version of a loop that has an unchecked
    /// one): the register allocator weighs its uses as if outside loops.
    pub cold: bool,
    /// A vector loop's block (`crate::vector`): its float instructions
    /// each do this many iterations' work at once.
    pub lanes: u8,
    /// Scalar float code after vector code: starts by clearing the
    /// vectors' upper lanes where the backend needs that (`Asm::vend`).
    pub vend: bool,
}

#[derive(Clone, Debug)]
pub struct Loop {
    pub header: Block,
    /// The block every way into the loop goes through (entries included).
    pub preheader: Option<Block>,
    pub blocks: Vec<Block>,
    /// Enclosing loop (an index into `Func::loops`).
    pub parent: Option<usize>,
    pub depth: u32,
}

/// One function in the low IR.
#[derive(Clone, Debug, Default)]
pub struct Func {
    /// Every value's definition; `Value(i)` is `insts[i]`.
    pub insts: Vec<Inst>,
    pub class: Vec<Class>,
    pub blocks: Vec<BlockData>,
    pub exits: Vec<Exit>,
    /// (instruction, entry block), in pc order; instruction 0 first.
    pub entries: Vec<(usize, Block)>,
    pub preds: Vec<Vec<Block>>,
    /// Immediate dominators (`None`: an entry block).
    pub idom: Vec<Option<Block>>,
    /// Each block's span in a preorder walk of the dominator tree, from
    /// the same analysis as `idom`: `a` dominates `b` when `b`'s span is
    /// inside `a`'s.
    pub dom_span: Vec<(u32, u32)>,
    pub loops: Vec<Loop>,
    /// Bytecode instructions lowered to IR, and those left to the
    /// interpreter (exits in place of the instruction).
    pub lowered: usize,
    pub unlowered: usize,
    /// Until [`finish`]: the script calls of an outermost loop whose
    /// resume entry goes into the loop's side copy. The loop's own code
    /// after such a call is reached only once the call is inlined, so its
    /// block keeps every parameter until then.
    pub after: Vec<After>,
    /// What the last function compiled on this thread left behind, for
    /// this one's blocks, edges and exits to reuse (see [`recycle`]).
    spare: Spare,
}

/// Emptied blocks, value lists and exit maps, their room kept.
#[derive(Clone, Debug, Default)]
struct Spare {
    blocks: Vec<BlockData>,
    vals: Vec<Vec<Value>>,
    maps: Vec<Vec<(u16, Value)>>,
    /// The last analysis's predecessor lists and loops (for the first
    /// analysis of the next function).
    preds: Vec<Vec<Block>>,
    loops: Vec<Loop>,
}

thread_local! {
    static SPARE_FUNC: std::cell::Cell<Option<Func>> = const { std::cell::Cell::new(None) };
}

/// Keeps `f`'s memory for the next function [`build`] or
/// [`build_open`] makes on this thread: its lists emptied, their room
/// kept, and its blocks, edges' value lists and exits' maps emptied for
/// reuse.
pub fn recycle(mut f: Func) {
    // (At most as many of each are kept as this function had: what the
    // next one of its size needs, not what every function ever made.)
    let (nb, nx) = (f.blocks.len(), f.exits.len());
    let sp = &mut f.spare;
    let mut edges = 0;
    for mut b in f.blocks.drain(..) {
        match b.term.take() {
            Some(Term::Jump(e)) => {
                edges += 1;
                sp.vals.push(e.args);
            }
            Some(Term::Branch(_, y, n)) => {
                edges += 2;
                sp.vals.extend([y.args, n.args]);
            }
            _ => {}
        }
        b.params.clear();
        b.insts.clear();
        sp.blocks.push(b);
    }
    for x in f.exits.drain(..) {
        sp.maps.push(x.map);
    }
    // (The newest are kept: the oldest go.)
    fn keep_last<T>(v: &mut Vec<T>, n: usize) {
        let extra = v.len().saturating_sub(n);
        v.drain(..extra);
    }
    keep_last(&mut sp.blocks, nb);
    keep_last(&mut sp.vals, edges);
    keep_last(&mut sp.maps, nx);
    sp.vals.iter_mut().for_each(Vec::clear);
    sp.maps.iter_mut().for_each(Vec::clear);
    f.insts.clear();
    f.class.clear();
    f.entries.clear();
    f.idom.clear();
    f.dom_span.clear();
    sp.preds = std::mem::take(&mut f.preds);
    sp.loops = std::mem::take(&mut f.loops);
    f.after.clear();
    f.lowered = 0;
    f.unlowered = 0;
    SPARE_FUNC.with(|c| c.set(Some(f)));
}

impl Func {
    /// An empty function: the last recycled one's memory when there is
    /// one.
    fn fresh() -> Func {
        SPARE_FUNC.with(|c| c.take()).unwrap_or_default()
    }

    /// A new block starting at `pc`, its lists from the spare ones.
    pub fn new_block(&mut self, pc: usize) -> Block {
        let b = Block(self.blocks.len() as u32);
        let mut bd = self.spare.blocks.pop().unwrap_or_default();
        bd.pc = pc;
        bd.entry = false;
        bd.cold = false;
        bd.lanes = 0;
        bd.vend = false;
        self.blocks.push(bd);
        b
    }

    /// An empty value list (an edge's arguments), from the spare ones.
    pub fn vals(&mut self) -> Vec<Value> {
        self.spare.vals.pop().unwrap_or_default()
    }

    /// An empty exit map, from the spare ones.
    fn map(&mut self) -> Vec<(u16, Value)> {
        self.spare.maps.pop().unwrap_or_default()
    }
}

/// A call of a loop whose resume entry goes into its side copy.
#[derive(Clone, Debug)]
pub struct After {
    /// The block the call ends.
    pub call: Block,
    /// The block of the code after the call in the loop itself.
    pub next: Block,
    /// The slot each of `next`'s parameters holds.
    pub slots: Vec<u16>,
}

/// A fast hash for the optimisations' maps, whose keys are the compiler's
/// own small values (FxHash's mixing: nothing hostile to defend against).
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(i as u64)
    }
    fn write_u16(&mut self, i: u16) {
        self.write_u64(i as u64)
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64)
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64)
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

/// Why a function has no IR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsupported(pub String);

// ---------------------------------------------------------------------------
// Bytecode facts: slot effects, leaders, liveness.

/// Which slots an instruction reads and writes. `all` marks an instruction
/// this builder does not model, which may read any slot.
#[derive(Default)]
struct Effects {
    uses: smallvec::SmallVec<[u16; 8]>,
    defs: smallvec::SmallVec<[u16; 4]>,
    all: bool,
}

fn effects(p: &Proto, protos: &[Proto], rtops: &[vm::rt::RtDesc], pc: usize, op: Op) -> Effects {
    let mut e = Effects::default();
    let r3 = |e: &mut Effects, a: u16, b: u16, c: u16| {
        e.defs.push(a);
        e.uses.extend([b, c]);
    };
    match op {
        Op::Mov { a, b }
        | Op::NegI { a, b }
        | Op::InvI { a, b }
        | Op::AbsI { a, b }
        | Op::NegF { a, b }
        | Op::AbsF { a, b }
        | Op::IToF { a, b }
        | Op::FToI { a, b }
        | Op::IToB { a, b }
        | Op::FToB { a, b }
        | Op::NotB { a, b }
        | Op::RoundFI { a, b }
        | Op::FloorFI { a, b }
        | Op::CeilFI { a, b }
        | Op::AddIK { a, b, .. }
        | Op::ShrIK { a, b, .. }
        | Op::AndIK { a, b, .. }
        | Op::Math1 { a, b, .. }
        | Op::ClassF { a, b, .. }
        | Op::Norm { a, b, .. } => {
            e.defs.push(a);
            e.uses.push(b);
        }
        Op::LoadI { a, .. } | Op::LoadK { a, .. } => e.defs.push(a),
        Op::AddI { a, b, c }
        | Op::SubI { a, b, c }
        | Op::MulI { a, b, c }
        | Op::FloorDivI { a, b, c }
        | Op::ModI { a, b, c }
        | Op::DivI { a, b, c }
        | Op::PowI { a, b, c }
        | Op::ShlI { a, b, c }
        | Op::ShrI { a, b, c }
        | Op::AndI { a, b, c }
        | Op::OrI { a, b, c }
        | Op::XorI { a, b, c }
        | Op::MinI { a, b, c }
        | Op::MaxI { a, b, c }
        | Op::AddF { a, b, c }
        | Op::SubF { a, b, c }
        | Op::MulF { a, b, c }
        | Op::DivF { a, b, c }
        | Op::FloorDivF { a, b, c }
        | Op::ModF { a, b, c }
        | Op::PowF { a, b, c }
        | Op::AddFI { a, b, c }
        | Op::SubFI { a, b, c }
        | Op::SubIF { a, b, c }
        | Op::MulFI { a, b, c }
        | Op::DivFI { a, b, c }
        | Op::DivIF { a, b, c }
        | Op::MinF { a, b, c }
        | Op::MaxF { a, b, c }
        | Op::Atan2 { a, b, c }
        | Op::RoundFN { a, b, c }
        | Op::EqI { a, b, c }
        | Op::NeI { a, b, c }
        | Op::LtI { a, b, c }
        | Op::LeI { a, b, c }
        | Op::EqF { a, b, c }
        | Op::NeF { a, b, c }
        | Op::LtF { a, b, c }
        | Op::LeF { a, b, c }
        | Op::GetE { a, b, c }
        | Op::GetEW { a, b, c }
        | Op::GetEB { a, b, c } => r3(&mut e, a, b, c),
        Op::GetE2 { a, b, c } | Op::GetE2W { a, b, c } => {
            r3(&mut e, a, b, c);
            e.uses.push(c + 1);
        }
        Op::MulAddF { a, b, c, d } | Op::MulSubF { a, b, c, d } | Op::SubMulF { a, b, c, d } => {
            e.defs.push(a as u16);
            e.uses.extend([b as u16, c as u16, d as u16]);
        }
        Op::SetEI { a, b, c }
        | Op::SetEF { a, b, c }
        | Op::SetEW { a, b, c }
        | Op::SetEB { a, b, c } => e.uses.extend([a, b, c]),
        Op::SetE2I { a, b, c } | Op::SetE2F { a, b, c } | Op::SetE2W { a, b, c } => {
            e.uses.extend([a, b, b + 1, c])
        }
        Op::Jmp { .. } | Op::PrintK { .. } | Op::Raise { .. } => {}
        Op::JmpT { a, .. }
        | Op::JmpF { a, .. }
        | Op::JLtIK { a, .. }
        | Op::JLeIK { a, .. }
        | Op::JGtIK { a, .. }
        | Op::JGeIK { a, .. }
        | Op::JEqIK { a, .. }
        | Op::JNeIK { a, .. }
        | Op::Print { a, .. }
        | Op::Bound { a, .. } => e.uses.push(a),
        Op::JLtI { a, b, .. }
        | Op::JLeI { a, b, .. }
        | Op::JEqI { a, b, .. }
        | Op::JNeI { a, b, .. } => e.uses.extend([a, b]),
        // The loop variable (and the counters) are written only on the way
        // into the loop: on the other way out they keep their values, which
        // a read after a loop that ran zero times finds. So no kills.
        Op::ForPrep { a, .. } | Op::ForLoop { a, .. } => e.uses.extend([a, a + 1, a + 2]),
        Op::ForPrep1 { a, .. } | Op::ForLoop1 { a, .. } => e.uses.extend([a, a + 1]),
        Op::Dup { a, b } => {
            e.defs.push(a);
            e.uses.push(b);
        }
        Op::Store { a, b } => {
            e.defs.push(a);
            e.uses.extend([a, b]);
        }
        Op::Drop { a } => {
            e.defs.push(a);
            e.uses.push(a);
        }
        Op::Rt { a, d } => match rtops.get(d as usize) {
            Some(desc) => {
                let w = desc.window() as u16;
                e.uses.extend(a..a + w);
                e.defs.extend(a..a + w);
            }
            None => e.all = true,
        },
        Op::Call { a, f } => match protos.get(f as usize) {
            Some(c) => {
                e.uses.extend(a..a + c.nargs);
                e.defs.extend(a..a + c.nret.max(1));
            }
            None => e.all = true,
        },
        Op::Ret { a, n } => e.uses.extend(a..a + n),
        Op::Ret1 { a } => e.uses.push(a),
        Op::RaiseT { a, .. } => e.uses.push(a),
        Op::Fmt { a, n, .. } => {
            e.uses.extend(a..a + n);
            e.defs.push(a);
        }
        #[allow(unreachable_patterns)]
        _ => e.all = true,
    }
    // What the interpreter reads when this instruction raises or returns:
    // unwinding and `Ret` release the array locals, and unwinding the owned
    // temporaries live here.
    let props = op.props();
    if props.raises || props.term {
        e.uses.extend(p.ref_locals.iter().copied());
        e.uses.extend(p.live_at(pc).iter().copied());
    }
    e
}

/// The bytecode's shape: which instructions start blocks, the loop heads,
/// and the slots live into every instruction.
struct Shape {
    /// Constant registers no instruction writes: each holds its value
    /// (the caller's frame setup put it there) from entry on.
    konst: Buf<Option<u64>>,
    leader: Buf<bool>,
    loop_head: Buf<bool>,
    /// The slots live into instruction `pc`, in increasing order:
    /// `live[live_at[pc]..live_at[pc + 1]]`.
    live: Buf<u16>,
    live_at: Buf<u32>,
}

/// Does native code run `op` on the frame (a script call, a runtime
/// operation, a format: they read their operands from it and write their
/// results there)?
fn on_frame(op: &Op) -> bool {
    matches!(op, Op::Call { .. } | Op::Rt { .. } | Op::Fmt { .. })
}

crate::pool::pooled!(Effects, Want);

fn successors(op: &Op, pc: usize, n: usize) -> Two<usize> {
    let mut s = Two::new();
    if let Some(t) = op.target() {
        s.push(t as usize);
    }
    if !op.props().term && pc + 1 < n {
        s.push(pc + 1);
    }
    s
}

fn shape(p: &Proto, protos: &[Proto], rtops: &[vm::rt::RtDesc]) -> Shape {
    let n = p.code.len();
    let nregs = p.nregs as usize;
    let mut leader = pool::filled(n, false);
    let mut loop_head = pool::filled(n, false);
    leader[0] = true;
    for (pc, op) in p.code.iter().enumerate() {
        if let Some(t) = op.target() {
            leader[t as usize] = true;
            if t as usize <= pc {
                loop_head[t as usize] = true;
            }
        }
        let props = op.props();
        // An instruction left to the interpreter, and one on the frame,
        // end their blocks: what follows reads the frame again.
        let ends = props.jump || props.term || !props.native || on_frame(op);
        if ends && pc + 1 < n {
            leader[pc + 1] = true;
        }
    }
    let mut fx = pool::empty::<Effects>();
    fx.extend(
        p.code
            .iter()
            .enumerate()
            .map(|(pc, &op)| effects(p, protos, rtops, pc, op)),
    );
    let mut konst = pool::filled(nregs, None);
    for (k, &bits) in p.kvals.iter().enumerate() {
        if let Some(c) = konst.get_mut(p.kbase as usize + k) {
            *c = Some(bits);
        }
    }
    for e in fx.iter() {
        if e.all {
            konst.iter_mut().for_each(|c| *c = None);
        }
        for &d in &e.defs {
            konst[d as usize] = None;
        }
    }
    // Sets of slots, `words` words each, one per instruction.
    let words = nregs.div_ceil(64).max(1);
    let mut live_in = pool::filled(n * words, 0u64);
    let mut cur = pool::filled(words, 0u64);
    // Backward to a fixpoint; instruction order is nearly reverse
    // postorder, so few rounds.
    let mut changed = true;
    while changed {
        changed = false;
        for pc in (0..n).rev() {
            cur.iter_mut().for_each(|w| *w = 0);
            for q in successors(&p.code[pc], pc, n) {
                for (w, x) in cur.iter_mut().zip(&live_in[q * words..]) {
                    *w |= x;
                }
            }
            let e = &fx[pc];
            if e.all {
                for r in 0..nregs {
                    cur[r / 64] |= 1 << (r % 64);
                }
            } else {
                for &d in &e.defs {
                    cur[d as usize / 64] &= !(1 << (d % 64));
                }
                for &u in &e.uses {
                    cur[u as usize / 64] |= 1 << (u % 64);
                }
            }
            let at = &mut live_in[pc * words..(pc + 1) * words];
            if at != &cur[..] {
                at.copy_from_slice(&cur);
                changed = true;
            }
        }
    }
    let mut live = pool::empty::<u16>();
    let mut live_at = pool::empty::<u32>();
    for pc in 0..n {
        live_at.push(live.len() as u32);
        for (w, &bits) in live_in[pc * words..(pc + 1) * words].iter().enumerate() {
            let mut b = bits;
            while b != 0 {
                let r = (w * 64) as u16 + b.trailing_zeros() as u16;
                // A constant register is never a block parameter nor
                // written back: it is its constant wherever it is read.
                if konst[r as usize].is_none() {
                    live.push(r);
                }
                b &= b - 1;
            }
        }
    }
    live_at.push(live.len() as u32);
    Shape {
        konst,
        leader,
        loop_head,
        live,
        live_at,
    }
}

// ---------------------------------------------------------------------------
// The builder.

use crate::layout::{ARRAY_DATA as DATA, ARRAY_SHAPE as SHAPE, ARRAY_STRIDES as STRIDES};

/// A class constraint on a value, solved by union-find.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Want {
    Any,
    Gp,
    Ptr,
    F64,
}

struct Builder<'a> {
    p: &'a Proto,
    shape: Shape,
    f: Func,
    /// The block being filled and each slot's current value in it.
    cur: Block,
    defs: Buf<Option<Value>>,
    /// IR block of each leader instruction.
    at: Buf<Option<Block>>,
    /// Preheader of each loop head.
    pre: Buf<Option<Block>>,
    /// The same in the side copies of outermost loops (see [`build`]).
    side_at: Buf<Option<Block>>,
    side_pre: Buf<Option<Block>>,
    /// The outermost loop (head, last instruction) whose side copy is being
    /// lowered.
    side: Option<(usize, usize)>,
    /// A loop head that a backward jump enters through its preheader: the
    /// test of a while loop, lowered again before the loop.
    into: Option<usize>,
    uf: Buf<u32>,
    want: Buf<Want>,
    conflict: Option<String>,
}

impl<'a> Builder<'a> {
    fn value(&mut self, i: Inst) -> Value {
        let v = Value(self.f.insts.len() as u32);
        self.f.insts.push(i);
        self.f.class.push(Class::I64);
        self.uf.push(v.0);
        self.want.push(Want::Any);
        v
    }

    fn emit(&mut self, i: Inst) -> Value {
        let v = self.value(i);
        self.f.blocks[self.cur.0 as usize].insts.push(v);
        v
    }

    fn find(&mut self, v: Value) -> usize {
        let mut x = v.0 as usize;
        while self.uf[x] as usize != x {
            self.uf[x] = self.uf[self.uf[x] as usize];
            x = self.uf[x] as usize;
        }
        x
    }

    fn meet(&mut self, a: Want, b: Want) -> Want {
        use Want::*;
        match (a, b) {
            (Any, x) | (x, Any) => x,
            (F64, F64) => F64,
            (F64, _) | (_, F64) => {
                self.conflict
                    .get_or_insert_with(|| "a slot holds both floats and integers".into());
                F64
            }
            (Ptr, _) | (_, Ptr) => Ptr,
            (Gp, Gp) => Gp,
        }
    }

    fn constrain(&mut self, v: Value, w: Want) {
        let r = self.find(v);
        self.want[r] = self.meet(self.want[r], w);
    }

    fn unify(&mut self, a: Value, b: Value) {
        let (x, y) = (self.find(a), self.find(b));
        if x != y {
            let w = self.meet(self.want[x], self.want[y]);
            self.uf[y] = x as u32;
            self.want[x] = w;
        }
    }

    fn new_block(&mut self, pc: usize) -> Block {
        self.f.new_block(pc)
    }

    /// Where the slots live at `pc` are in `shape.live`.
    fn live(&self, pc: usize) -> std::ops::Range<usize> {
        self.shape.live_at[pc] as usize..self.shape.live_at[pc + 1] as usize
    }

    /// The current values of the slots live at `pc`.
    fn live_values(&mut self, pc: usize) -> Vec<Value> {
        let mut v = self.f.vals();
        v.reserve(self.live(pc).len());
        for k in self.live(pc) {
            let r = self.shape.live[k];
            let x = self.get(r);
            v.push(x);
        }
        v
    }

    /// Slot `r`'s current value (from the frame, if nothing in this block
    /// has defined it since the last call).
    fn get(&mut self, r: u16) -> Value {
        if let Some(v) = self.defs[r as usize] {
            return v;
        }
        let v = match self.shape.konst[r as usize] {
            Some(bits) => self.emit(Inst::Const(bits)),
            None => self.emit(Inst::LoadSlot(r)),
        };
        self.defs[r as usize] = Some(v);
        v
    }

    /// Slot `r`'s value in class `w`: the same value, or its bits moved
    /// to the other register class when it is already known as the other
    /// (a constant register holds 0 for both `0` and `0.0`).
    fn get_as(&mut self, r: u16, w: Want) -> Value {
        let v = self.get(r);
        let root = self.find(v);
        let have = self.want[root];
        let v = match (have == Want::F64, w == Want::F64) {
            (true, false) if have != Want::Any => self.emit(Inst::Un(UnOp::FBits, v)),
            (false, true) if have != Want::Any => self.emit(Inst::Un(UnOp::IBits, v)),
            _ => v,
        };
        self.constrain(v, w);
        v
    }

    fn geti(&mut self, r: u16) -> Value {
        self.get_as(r, Want::Gp)
    }

    fn getf(&mut self, r: u16) -> Value {
        self.get_as(r, Want::F64)
    }

    fn getp(&mut self, r: u16) -> Value {
        self.get_as(r, Want::Ptr)
    }

    fn set(&mut self, r: u16, v: Value) {
        self.defs[r as usize] = Some(v);
    }

    fn seti(&mut self, r: u16, v: Value) {
        self.constrain(v, Want::Gp);
        self.set(r, v);
    }

    fn setf(&mut self, r: u16, v: Value) {
        self.constrain(v, Want::F64);
        self.set(r, v);
    }

    /// An exit at `pc` whose map is every slot live there.
    fn exit(&mut self, pc: usize, raised: bool) -> ExitId {
        let mut map = self.f.map();
        map.reserve(self.live(pc).len());
        for k in self.live(pc) {
            let r = self.shape.live[k];
            let x = self.get(r);
            map.push((r, x));
        }
        let id = ExitId(self.f.exits.len() as u32);
        self.f.exits.push(Exit {
            pc,
            raised,
            map,
            frames: Vec::new(),
        });
        id
    }

    fn guard(&mut self, t: Test, pc: usize) {
        let x = self.exit(pc, false);
        self.emit(Inst::Guard(t, x));
    }

    /// An edge to the code of instruction `t` from instruction `from` in the
    /// current block: into a loop through its preheader, around it (a
    /// backward jump) to its header.
    fn edge(&mut self, t: usize, from: usize) -> Edge {
        let to = self.target(t, t > from || self.into == Some(t));
        let args = self.live_values(t);
        Edge { to, args }
    }

    /// The block of instruction `t` as a jump reaches it: a loop's
    /// preheader when it comes from before the loop (`into`), else its
    /// header. In a side copy, what is inside the copied loop is the
    /// copy's, and its head the loop's own preheader.
    fn target(&self, t: usize, into: bool) -> Block {
        let (at, pre) = match self.side {
            Some((h, e)) if t > h && t <= e => (&self.side_at, &self.side_pre),
            Some((h, _)) if t == h => return self.pre[h].expect("a loop head has a preheader"),
            _ => (&self.at, &self.pre),
        };
        let p = if into { pre[t] } else { None };
        p.or(at[t]).expect("a jump target starts a block")
    }

    fn finish(&mut self, t: Term) {
        let b = &mut self.f.blocks[self.cur.0 as usize];
        debug_assert!(b.term.is_none());
        b.term = Some(t);
    }

    /// Starts filling block `b`, whose parameters are the slots live at
    /// `pc`.
    fn start(&mut self, b: Block, pc: usize) {
        self.cur = b;
        self.defs.iter_mut().for_each(|d| *d = None);
        let n = self.live(pc).len();
        self.f.blocks[b.0 as usize].params.reserve_exact(n);
        for k in self.live(pc) {
            let r = self.shape.live[k];
            let v = self.value(Inst::Param);
            self.f.blocks[b.0 as usize].params.push(v);
            self.defs[r as usize] = Some(v);
        }
    }

    fn const_(&mut self, bits: u64) -> Value {
        self.emit(Inst::Const(bits))
    }

    /// The address of element `[idx..]` of the array in slot `arr`; exits
    /// at `pc` for an unassigned array or an index out of bounds.
    fn element(&mut self, arr: u16, idx: &[u16], pc: usize) -> Value {
        let a = self.getp(arr);
        self.guard(Test::I(Cond::Eq, a, Rhs::K(0)), pc);
        let mut off = None;
        for (axis, &i) in idx.iter().enumerate() {
            let axis = axis as i32;
            let i = self.geti(i);
            let n = self.emit(Inst::Field(a, SHAPE + 8 * axis));
            let wrapped = self.emit(Inst::Bin(IOp::Add, i, Rhs::V(n)));
            let j = self.emit(Inst::Select(Test::I(Cond::Lt, i, Rhs::K(0)), wrapped, i));
            self.guard(Test::I(Cond::AboveEq, j, Rhs::V(n)), pc);
            let s = self.emit(Inst::Field(a, STRIDES + 8 * axis));
            let o = self.emit(Inst::Bin(IOp::Mul, j, Rhs::V(s)));
            off = Some(match off {
                None => o,
                Some(acc) => self.emit(Inst::Bin(IOp::Add, acc, Rhs::V(o))),
            });
        }
        let data = self.emit(Inst::Field(a, DATA));
        self.constrain(data, Want::Ptr);
        let addr = self.emit(Inst::Bin(IOp::Add, data, Rhs::V(off.expect("an index"))));
        self.constrain(addr, Want::Ptr);
        addr
    }

    fn ibin(&mut self, op: IOp, a: u16, b: u16, c: u16) {
        let (x, y) = (self.geti(b), self.geti(c));
        let v = self.emit(Inst::Bin(op, x, Rhs::V(y)));
        self.seti(a, v);
    }

    fn ibin_k(&mut self, op: IOp, a: u16, b: u16, k: i64) {
        let x = self.geti(b);
        let v = self.emit(Inst::Bin(op, x, Rhs::K(k)));
        self.seti(a, v);
    }

    fn fbin(&mut self, op: FOp, a: u16, x: Value, y: Value) {
        let v = self.emit(Inst::FBin(op, x, y));
        self.setf(a, v);
    }

    fn itof(&mut self, r: u16) -> Value {
        let x = self.geti(r);
        let v = self.emit(Inst::Un(UnOp::IToF, x));
        self.constrain(v, Want::F64);
        v
    }

    fn fconst(&mut self, x: f64) -> Value {
        let v = self.const_(x.to_bits());
        self.constrain(v, Want::F64);
        v
    }

    fn un(&mut self, op: UnOp, x: Value, w: Want) -> Value {
        let v = self.emit(Inst::Un(op, x));
        self.constrain(v, w);
        v
    }

    fn bin(&mut self, op: IOp, x: Value, y: Rhs) -> Value {
        let v = self.emit(Inst::Bin(op, x, y));
        self.constrain(v, Want::Gp);
        v
    }

    fn fset(&mut self, t: Test) -> Value {
        let v = self.emit(Inst::Set(t));
        self.constrain(v, Want::Gp);
        v
    }

    /// Leaves at `pc` unless float `x` truncates into int64's range (not
    /// NaN, not infinite): what `int(x)` raises for, and `math.floor`,
    /// `math.ceil` and `round` too (each rounds within the range exactly
    /// when `x` is in it).
    fn fits_i64(&mut self, x: Value, pc: usize) {
        const TWO_63: f64 = 9_223_372_036_854_775_808.0;
        let (lo, hi) = (self.fconst(-TWO_63), self.fconst(TWO_63));
        self.guard(Test::F(FCond::Ne, x, x), pc);
        self.guard(Test::F(FCond::Lt, x, lo), pc);
        self.guard(Test::F(FCond::Le, hi, x), pc);
    }

    /// Python's rounding of float `x` (known to fit int64) to an int:
    /// `t`, its truncation, moved by the fraction `x - t` (exact).
    fn round_to_int(&mut self, op: Op, x: Value) -> Value {
        let t = self.un(UnOp::FToI, x, Want::Gp);
        let tf = self.un(UnOp::IToF, t, Want::F64);
        match op {
            Op::FloorFI { .. } => {
                let below = self.fset(Test::F(FCond::Lt, x, tf));
                self.bin(IOp::Sub, t, Rhs::V(below))
            }
            Op::CeilFI { .. } => {
                let above = self.fset(Test::F(FCond::Lt, tf, x));
                self.bin(IOp::Add, t, Rhs::V(above))
            }
            _ => {
                // Half to even: up past +0.5, or at it from an odd t;
                // down likewise.
                let d = self.emit(Inst::FBin(FOp::Sub, x, tf));
                self.constrain(d, Want::F64);
                let (half, mhalf) = (self.fconst(0.5), self.fconst(-0.5));
                let odd = self.bin(IOp::And, t, Rhs::K(1));
                let past = self.fset(Test::F(FCond::Lt, half, d));
                let at = self.fset(Test::F(FCond::Eq, d, half));
                let tie = self.bin(IOp::And, at, Rhs::V(odd));
                let up = self.bin(IOp::Or, past, Rhs::V(tie));
                let past = self.fset(Test::F(FCond::Lt, d, mhalf));
                let at = self.fset(Test::F(FCond::Eq, d, mhalf));
                let tie = self.bin(IOp::And, at, Rhs::V(odd));
                let down = self.bin(IOp::Or, past, Rhs::V(tie));
                let r = self.bin(IOp::Add, t, Rhs::V(up));
                self.bin(IOp::Sub, r, Rhs::V(down))
            }
        }
    }

    fn callc(&mut self, f: CFn, args: Vec<Value>, w: Want) -> Value {
        let v = self.emit(Inst::CallC(f, args));
        self.constrain(v, w);
        v
    }

    fn nonzero_f(&mut self, x: Value, pc: usize) {
        let z = self.const_(0f64.to_bits());
        self.constrain(z, Want::F64);
        self.guard(Test::F(FCond::Eq, x, z), pc);
    }

    fn set_test(&mut self, a: u16, t: Test) {
        let v = self.emit(Inst::Set(t));
        self.seti(a, v);
    }

    /// A conditional jump to `t` on `test`; a taken backward jump counts
    /// fuel, as the interpreter's does.
    fn branch(&mut self, test: Test, t: usize, pc: usize) {
        let fall = self.edge(pc + 1, pc);
        if t > pc {
            let taken = self.edge(t, pc);
            self.finish(Term::Branch(test, taken, fall));
            return;
        }
        // The back edge gets a block of its own for the fuel count; it has
        // one predecessor, so this block's values reach it as they are.
        let back = self.new_block(pc);
        self.finish(Term::Branch(
            test,
            Edge {
                to: back,
                args: vec![],
            },
            fall,
        ));
        self.cur = back;
        let x = self.exit(pc, false);
        self.emit(Inst::Fuel(x));
        let e = self.edge(t, pc);
        self.finish(Term::Jump(e));
    }

    /// Lowers one instruction; false when it is left to the interpreter
    /// (the block then ends with an exit).
    fn op(&mut self, pc: usize, op: Op) -> bool {
        use Op::*;
        if !op.props().native {
            return false;
        }
        match op {
            Mov { a, b } => {
                let v = self.get(b);
                self.set(a, v);
            }
            LoadI { a, v } => {
                let v = self.const_(v as i64 as u64);
                self.set(a, v);
            }
            LoadK { a, k } => {
                let v = self.const_(self.p.consts[k as usize]);
                self.set(a, v);
            }
            AddI { a, b, c } => self.ibin(IOp::Add, a, b, c),
            SubI { a, b, c } => self.ibin(IOp::Sub, a, b, c),
            MulI { a, b, c } => self.ibin(IOp::Mul, a, b, c),
            AndI { a, b, c } => self.ibin(IOp::And, a, b, c),
            OrI { a, b, c } => self.ibin(IOp::Or, a, b, c),
            XorI { a, b, c } => self.ibin(IOp::Xor, a, b, c),
            MinI { a, b, c } => self.ibin(IOp::Min, a, b, c),
            MaxI { a, b, c } => self.ibin(IOp::Max, a, b, c),
            AddIK { a, b, v } => self.ibin_k(IOp::Add, a, b, v as i64),
            AndIK { a, b, v } => self.ibin_k(IOp::And, a, b, v as i64),
            ShrIK { a, b, v } => self.ibin_k(IOp::Sar, a, b, (v & 63) as i64),
            FloorDivI { a, b, c } | ModI { a, b, c } => {
                let d = self.geti(c);
                self.guard(Test::I(Cond::Eq, d, Rhs::K(0)), pc);
                let x = self.geti(b);
                let o = if matches!(op, FloorDivI { .. }) {
                    IOp::FloorDiv
                } else {
                    IOp::Mod
                };
                let v = self.emit(Inst::Bin(o, x, Rhs::V(d)));
                self.seti(a, v);
            }
            DivI { a, b, c } => {
                let d = self.geti(c);
                self.guard(Test::I(Cond::Eq, d, Rhs::K(0)), pc);
                let (x, y) = (self.itof(b), self.itof(c));
                self.fbin(FOp::Div, a, x, y);
            }
            NegI { a, b } | InvI { a, b } | AbsI { a, b } => {
                let u = match op {
                    NegI { .. } => UnOp::Neg,
                    InvI { .. } => UnOp::Not,
                    _ => UnOp::Abs,
                };
                let x = self.geti(b);
                let v = self.emit(Inst::Un(u, x));
                self.seti(a, v);
            }
            AddF { a, b, c }
            | SubF { a, b, c }
            | MulF { a, b, c }
            | MinF { a, b, c }
            | MaxF { a, b, c } => {
                let o = match op {
                    AddF { .. } => FOp::Add,
                    SubF { .. } => FOp::Sub,
                    MulF { .. } => FOp::Mul,
                    MinF { .. } => FOp::Min,
                    _ => FOp::Max,
                };
                let (x, y) = (self.getf(b), self.getf(c));
                self.fbin(o, a, x, y);
            }
            DivF { a, b, c } => {
                let y = self.getf(c);
                self.nonzero_f(y, pc);
                let x = self.getf(b);
                self.fbin(FOp::Div, a, x, y);
            }
            MulAddF { a, b, c, d } | MulSubF { a, b, c, d } | SubMulF { a, b, c, d } => {
                let (x, y, z) = (
                    self.getf(b as u16),
                    self.getf(c as u16),
                    self.getf(d as u16),
                );
                let m = self.emit(Inst::FBin(FOp::Mul, x, y));
                self.constrain(m, Want::F64);
                match op {
                    MulAddF { .. } => self.fbin(FOp::Add, a as u16, m, z),
                    MulSubF { .. } => self.fbin(FOp::Sub, a as u16, m, z),
                    _ => self.fbin(FOp::Sub, a as u16, z, m),
                }
            }
            AddFI { a, b, c } | SubFI { a, b, c } | MulFI { a, b, c } => {
                let o = match op {
                    AddFI { .. } => FOp::Add,
                    SubFI { .. } => FOp::Sub,
                    _ => FOp::Mul,
                };
                let x = self.getf(b);
                let y = self.itof(c);
                self.fbin(o, a, x, y);
            }
            DivFI { a, b, c } => {
                let d = self.geti(c);
                self.guard(Test::I(Cond::Eq, d, Rhs::K(0)), pc);
                let x = self.getf(b);
                let y = self.itof(c);
                self.fbin(FOp::Div, a, x, y);
            }
            SubIF { a, b, c } => {
                let x = self.itof(b);
                let y = self.getf(c);
                self.fbin(FOp::Sub, a, x, y);
            }
            DivIF { a, b, c } => {
                let y = self.getf(c);
                self.nonzero_f(y, pc);
                let x = self.itof(b);
                self.fbin(FOp::Div, a, x, y);
            }
            NegF { a, b } | AbsF { a, b } => {
                let u = if matches!(op, NegF { .. }) {
                    UnOp::FNeg
                } else {
                    UnOp::FAbs
                };
                let x = self.getf(b);
                let v = self.emit(Inst::Un(u, x));
                self.setf(a, v);
            }
            Math1 { a, b, f } => {
                let x = self.getf(b);
                if f == 0 {
                    // sqrt: an error exactly for x < 0 (NaN for a negative
                    // argument; -0.0 gives -0.0).
                    let z = self.const_(0f64.to_bits());
                    self.constrain(z, Want::F64);
                    self.guard(Test::F(FCond::Lt, x, z), pc);
                    let v = self.emit(Inst::Un(UnOp::FSqrt, x));
                    self.setf(a, v);
                } else {
                    let y = self.emit(Inst::CallC(CFn::Math1(f), vec![x]));
                    self.constrain(y, Want::F64);
                    // `math1_error`: NaN from a number, or an infinity from
                    // a finite number, raises.
                    let nan_y = self.emit(Inst::Set(Test::F(FCond::Ne, y, y)));
                    let num_x = self.emit(Inst::Set(Test::F(FCond::Eq, x, x)));
                    let bad1 = self.emit(Inst::Bin(IOp::And, nan_y, Rhs::V(num_x)));
                    let inf = self.const_(f64::INFINITY.to_bits());
                    self.constrain(inf, Want::F64);
                    let ay = self.emit(Inst::Un(UnOp::FAbs, y));
                    let ax = self.emit(Inst::Un(UnOp::FAbs, x));
                    self.constrain(ay, Want::F64);
                    self.constrain(ax, Want::F64);
                    let inf_y = self.emit(Inst::Set(Test::F(FCond::Eq, ay, inf)));
                    let fin_x = self.emit(Inst::Set(Test::F(FCond::Lt, ax, inf)));
                    let bad2 = self.emit(Inst::Bin(IOp::And, inf_y, Rhs::V(fin_x)));
                    let bad = self.emit(Inst::Bin(IOp::Or, bad1, Rhs::V(bad2)));
                    self.guard(Test::I(Cond::Ne, bad, Rhs::K(0)), pc);
                    self.setf(a, y);
                }
            }
            Atan2 { a, b, c } => {
                let (x, y) = (self.getf(b), self.getf(c));
                let v = self.emit(Inst::CallC(CFn::Atan2, vec![x, y]));
                self.setf(a, v);
            }
            EqI { a, b, c } | NeI { a, b, c } | LtI { a, b, c } | LeI { a, b, c } => {
                let cc = match op {
                    EqI { .. } => Cond::Eq,
                    NeI { .. } => Cond::Ne,
                    LtI { .. } => Cond::Lt,
                    _ => Cond::Le,
                };
                let (x, y) = (self.geti(b), self.geti(c));
                self.set_test(a, Test::I(cc, x, Rhs::V(y)));
            }
            EqF { a, b, c } | NeF { a, b, c } | LtF { a, b, c } | LeF { a, b, c } => {
                let cc = match op {
                    EqF { .. } => FCond::Eq,
                    NeF { .. } => FCond::Ne,
                    LtF { .. } => FCond::Lt,
                    _ => FCond::Le,
                };
                let (x, y) = (self.getf(b), self.getf(c));
                self.set_test(a, Test::F(cc, x, y));
            }
            IToF { a, b } => {
                let v = self.itof(b);
                self.setf(a, v);
            }
            IToB { a, b } => {
                let x = self.geti(b);
                self.set_test(a, Test::I(Cond::Ne, x, Rhs::K(0)));
            }
            FToB { a, b } => {
                let x = self.getf(b);
                let z = self.const_(0f64.to_bits());
                self.constrain(z, Want::F64);
                self.set_test(a, Test::F(FCond::Ne, x, z));
            }
            NotB { a, b } => self.ibin_k(IOp::Xor, a, b, 1),
            FToI { a, b } => {
                let x = self.getf(b);
                self.fits_i64(x, pc);
                let t = self.un(UnOp::FToI, x, Want::Gp);
                self.seti(a, t);
            }
            FloorFI { a, b } | CeilFI { a, b } | RoundFI { a, b } => {
                let x = self.getf(b);
                self.fits_i64(x, pc);
                let r = self.round_to_int(op, x);
                self.seti(a, r);
            }
            ClassF { a, b, k } => {
                let x = self.getf(b);
                let inf = self.fconst(f64::INFINITY);
                let t = match k {
                    0 => Test::F(FCond::Ne, x, x),
                    1 => {
                        let ax = self.un(UnOp::FAbs, x, Want::F64);
                        Test::F(FCond::Eq, ax, inf)
                    }
                    _ => {
                        let ax = self.un(UnOp::FAbs, x, Want::F64);
                        Test::F(FCond::Lt, ax, inf)
                    }
                };
                self.set_test(a, t);
            }
            Norm { a, b, k } => {
                use typer::DType;
                let d = vm::interp::DTYPES
                    .get(k as usize)
                    .copied()
                    .unwrap_or(DType::I64);
                if d.is_float() {
                    let x = self.getf(b);
                    let v = self.un(UnOp::F32, x, Want::F64);
                    self.setf(a, v);
                } else {
                    let x = self.geti(b);
                    let signed = |s: &mut Self, bits: i64| {
                        let l = s.bin(IOp::Shl, x, Rhs::K(64 - bits));
                        s.bin(IOp::Sar, l, Rhs::K(64 - bits))
                    };
                    let v = match d {
                        DType::Bool => self.fset(Test::I(Cond::Ne, x, Rhs::K(0))),
                        DType::I8 => signed(self, 8),
                        DType::I16 => signed(self, 16),
                        DType::I32 => signed(self, 32),
                        DType::U8 => self.bin(IOp::And, x, Rhs::K(0xff)),
                        DType::U16 => self.bin(IOp::And, x, Rhs::K(0xffff)),
                        DType::U32 => self.bin(IOp::And, x, Rhs::K(0xffff_ffff)),
                        _ => x,
                    };
                    self.seti(a, v);
                }
            }
            ShlI { a, b, c } | ShrI { a, b, c } | PowI { a, b, c } => {
                let y = self.geti(c);
                self.guard(Test::I(Cond::Lt, y, Rhs::K(0)), pc);
                let x = self.geti(b);
                let v = match op {
                    // Past 63 places: 0.
                    ShlI { .. } => {
                        let s = self.bin(IOp::Shl, x, Rhs::V(y));
                        let z = self.const_(0);
                        let v = self.emit(Inst::Select(Test::I(Cond::Ge, y, Rhs::K(64)), z, s));
                        self.constrain(v, Want::Gp);
                        v
                    }
                    // Past 63 places: the sign.
                    ShrI { .. } => {
                        let m = self.bin(IOp::Min, y, Rhs::K(63));
                        self.bin(IOp::Sar, x, Rhs::V(m))
                    }
                    _ => self.callc(CFn::PowI, vec![x, y], Want::Gp),
                };
                self.seti(a, v);
            }
            PowF { a, b, c } => {
                let (x, y) = (self.getf(b), self.getf(c));
                // 0.0 ** a finite negative number raises.
                let zero = self.fconst(0.0);
                let inf = self.fconst(f64::INFINITY);
                let z = self.fset(Test::F(FCond::Eq, x, zero));
                let neg = self.fset(Test::F(FCond::Lt, y, zero));
                let ay = self.un(UnOp::FAbs, y, Want::F64);
                let fin = self.fset(Test::F(FCond::Lt, ay, inf));
                let zn = self.bin(IOp::And, z, Rhs::V(neg));
                let bad = self.bin(IOp::And, zn, Rhs::V(fin));
                self.guard(Test::I(Cond::Ne, bad, Rhs::K(0)), pc);
                let v = self.callc(CFn::PowF, vec![x, y], Want::F64);
                self.setf(a, v);
            }
            FloorDivF { a, b, c } | ModF { a, b, c } => {
                let y = self.getf(c);
                self.nonzero_f(y, pc);
                let x = self.getf(b);
                let f = if matches!(op, FloorDivF { .. }) {
                    CFn::FloorDivF
                } else {
                    CFn::ModF
                };
                let v = self.callc(f, vec![x, y], Want::F64);
                self.setf(a, v);
            }
            RoundFN { a, b, c } => {
                let (x, n) = (self.getf(b), self.geti(c));
                let v = self.callc(CFn::RoundN, vec![x, n], Want::F64);
                self.setf(a, v);
            }
            Bound { a, .. } => {
                let x = self.get(a);
                self.guard(Test::I(Cond::Eq, x, Rhs::K(0)), pc);
            }
            ForPrep { a, v, t } => {
                let (start, stop, step) = (self.geti(a), self.geti(a + 1), self.geti(a + 2));
                self.guard(Test::I(Cond::Eq, step, Rhs::K(0)), pc);
                // The range's ends low to high, and the step's size.
                let up = Test::I(Cond::Gt, step, Rhs::K(0));
                let sel = |s: &mut Self, x: Value, y: Value| {
                    let v = s.emit(Inst::Select(up, x, y));
                    s.constrain(v, Want::Gp);
                    v
                };
                let lo = sel(self, start, stop);
                let hi = sel(self, stop, start);
                let neg = self.un(UnOp::Neg, step, Want::Gp);
                let size = sel(self, step, neg);
                let skip = self.edge(t as usize, pc);
                let body = self.new_block(pc);
                self.finish(Term::Branch(
                    Test::I(Cond::Ge, lo, Rhs::V(hi)),
                    skip,
                    Edge {
                        to: body,
                        args: vec![],
                    },
                ));
                self.cur = body;
                // (hi - lo - 1) / size + 1, unsigned: the count fits 64 bits.
                let span = self.bin(IOp::Sub, hi, Rhs::V(lo));
                let span = self.bin(IOp::Add, span, Rhs::K(-1));
                let q = self.bin(IOp::UDiv, span, Rhs::V(size));
                let count = self.bin(IOp::Add, q, Rhs::K(1));
                self.seti(a + 1, count);
                self.seti(v, start);
                let e = self.edge(pc + 1, pc);
                self.finish(Term::Jump(e));
            }
            ForLoop { a, v, t } => {
                let count = self.geti(a + 1);
                let left = self.bin(IOp::Add, count, Rhs::K(-1));
                let (again, out) = (self.new_block(pc), self.new_block(pc));
                self.finish(Term::Branch(
                    Test::I(Cond::Ne, left, Rhs::K(0)),
                    Edge {
                        to: again,
                        args: vec![],
                    },
                    Edge {
                        to: out,
                        args: vec![],
                    },
                ));
                let defs = self.defs.clone();
                self.cur = out;
                self.seti(a + 1, left);
                let done = self.edge(pc + 1, pc);
                self.finish(Term::Jump(done));
                self.defs = defs;
                self.cur = again;
                // The fuel exit executes the ForLoop again: nothing set yet.
                let ex = self.exit(pc, false);
                self.emit(Inst::Fuel(ex));
                let (i, step) = (self.geti(a), self.geti(a + 2));
                let x = self.bin(IOp::Add, i, Rhs::V(step));
                self.seti(a + 1, left);
                self.seti(a, x);
                self.seti(v, x);
                let e = self.edge(t as usize, pc);
                self.finish(Term::Jump(e));
            }

            Jmp { t } => {
                let t = t as usize;
                if t <= pc {
                    let x = self.exit(pc, false);
                    self.emit(Inst::Fuel(x));
                }
                let e = self.edge(t, pc);
                self.finish(Term::Jump(e));
            }
            JmpT { a, t } | JmpF { a, t } => {
                let x = self.geti(a);
                let cc = if matches!(op, JmpT { .. }) {
                    Cond::Ne
                } else {
                    Cond::Eq
                };
                self.branch(Test::I(cc, x, Rhs::K(0)), t as usize, pc);
            }
            JLtI { a, b, t } | JLeI { a, b, t } | JEqI { a, b, t } | JNeI { a, b, t } => {
                let cc = match op {
                    JLtI { .. } => Cond::Lt,
                    JLeI { .. } => Cond::Le,
                    JEqI { .. } => Cond::Eq,
                    _ => Cond::Ne,
                };
                let (x, y) = (self.geti(a), self.geti(b));
                self.branch(Test::I(cc, x, Rhs::V(y)), t as usize, pc);
            }
            JLtIK { a, v, t }
            | JLeIK { a, v, t }
            | JGtIK { a, v, t }
            | JGeIK { a, v, t }
            | JEqIK { a, v, t }
            | JNeIK { a, v, t } => {
                let cc = match op {
                    JLtIK { .. } => Cond::Lt,
                    JLeIK { .. } => Cond::Le,
                    JGtIK { .. } => Cond::Gt,
                    JGeIK { .. } => Cond::Ge,
                    JEqIK { .. } => Cond::Eq,
                    _ => Cond::Ne,
                };
                let x = self.geti(a);
                self.branch(Test::I(cc, x, Rhs::K(v as i64)), t as usize, pc);
            }
            ForPrep1 { a, v, t } => {
                let (start, stop) = (self.geti(a), self.geti(a + 1));
                // Into the loop when start < stop, with R[v] = start.
                let skip = self.edge(t as usize, pc);
                let body = self.new_block(pc);
                self.finish(Term::Branch(
                    Test::I(Cond::Ge, start, Rhs::V(stop)),
                    skip,
                    Edge {
                        to: body,
                        args: vec![],
                    },
                ));
                self.cur = body;
                self.seti(v, start);
                let e = self.edge(pc + 1, pc);
                self.finish(Term::Jump(e));
            }
            ForLoop1 { a, v, t } => {
                let (i, stop) = (self.geti(a), self.geti(a + 1));
                let x = self.emit(Inst::Bin(IOp::Add, i, Rhs::K(1)));
                self.constrain(x, Want::Gp);
                // After the step nothing reads the counter as it was but
                // the ways out, which take it as `x - 1`: the step may
                // overwrite the counter's register.
                let (again, out) = (self.new_block(pc), self.new_block(pc));
                self.finish(Term::Branch(
                    Test::I(Cond::Lt, x, Rhs::V(stop)),
                    Edge {
                        to: again,
                        args: vec![],
                    },
                    Edge {
                        to: out,
                        args: vec![],
                    },
                ));
                let defs = self.defs.clone();
                self.cur = out;
                let before = self.emit(Inst::Bin(IOp::Add, x, Rhs::K(-1)));
                self.constrain(before, Want::Gp);
                for d in self.defs.iter_mut().filter(|d| **d == Some(i)) {
                    *d = Some(before);
                }
                let done = self.edge(pc + 1, pc);
                self.finish(Term::Jump(done));
                self.defs = defs;
                self.cur = again;
                // The fuel exit re-executes the ForLoop1: R[a] not yet
                // stepped.
                let ex = self.exit(pc, false);
                let before = self.value(Inst::Offset(x, -1));
                self.constrain(before, Want::Gp);
                for (_, v) in self.f.exits[ex.0 as usize].map.iter_mut() {
                    if *v == i {
                        *v = before;
                    }
                }
                self.emit(Inst::Fuel(ex));
                self.seti(a, x);
                self.seti(v, x);
                let e = self.edge(t as usize, pc);
                self.finish(Term::Jump(e));
            }

            GetEW { a, b, c } | GetE2W { a, b, c } | GetEB { a, b, c } => {
                let idx: &[u16] = if matches!(op, GetE2W { .. }) {
                    &[c, c + 1]
                } else {
                    &[c]
                };
                let addr = self.element(b, idx, pc);
                if matches!(op, GetEB { .. }) {
                    let byte = self.emit(Inst::Load(Width::W8, addr, 0));
                    self.set_test(a, Test::I(Cond::Ne, byte, Rhs::K(0)));
                } else {
                    // The element's bits: the class comes from the uses.
                    let v = self.emit(Inst::Load(Width::W64, addr, 0));
                    self.set(a, v);
                }
            }
            SetEW { a, b, c } | SetE2W { a, b, c } | SetEB { a, b, c } => {
                let idx: &[u16] = if matches!(op, SetE2W { .. }) {
                    &[b, b + 1]
                } else {
                    &[b]
                };
                let addr = self.element(a, idx, pc);
                if matches!(op, SetEB { .. }) {
                    let x = self.geti(c);
                    let bit = self.emit(Inst::Set(Test::I(Cond::Ne, x, Rhs::K(0))));
                    self.emit(Inst::Store(Width::W8, addr, 0, bit));
                } else {
                    let x = self.get(c);
                    self.emit(Inst::Store(Width::W64, addr, 0, x));
                }
            }
            GetE { a, b, c } | GetE2 { a, b, c } => {
                let idx: &[u16] = if matches!(op, GetE2 { .. }) {
                    &[c, c + 1]
                } else {
                    &[c]
                };
                let addr = self.element(b, idx, pc);
                let arr = self.getp(b);
                // The element's bits, as its dtype's register holds them.
                let v = self.callc(CFn::GetElem, vec![arr, addr], Want::Gp);
                self.set(a, v);
            }
            SetEI { a, b, c } | SetE2I { a, b, c } | SetEF { a, b, c } | SetE2F { a, b, c } => {
                let idx: &[u16] = if matches!(op, SetE2I { .. } | SetE2F { .. }) {
                    &[b, b + 1]
                } else {
                    &[b]
                };
                let addr = self.element(a, idx, pc);
                let arr = self.getp(a);
                let (f, x) = if matches!(op, SetEI { .. } | SetE2I { .. }) {
                    let x = self.geti(c);
                    (CFn::SetElemI, self.un(UnOp::IBits, x, Want::F64))
                } else {
                    (CFn::SetElemF, self.getf(c))
                };
                self.emit(Inst::CallC(f, vec![arr, addr, x]));
            }
            Dup { a, b } => {
                let x = self.getp(b);
                self.emit(Inst::CallC(CFn::Retain, vec![x]));
                self.set(a, x);
            }
            Store { a, b } => {
                let old = self.getp(a);
                let x = self.getp(b);
                self.set(a, x);
                self.emit(Inst::CallC(CFn::Release, vec![old]));
            }
            Drop { a } => {
                let old = self.getp(a);
                let z = self.const_(0);
                self.constrain(z, Want::Ptr);
                self.set(a, z);
                self.emit(Inst::CallC(CFn::Release, vec![old]));
            }
            Rt { a, d } => {
                let exit = self.exit(pc, true);
                self.emit(Inst::Rt { a, d, exit });
                self.defs.iter_mut().for_each(|d| *d = None);
                let e = self.edge(pc + 1, pc);
                self.finish(Term::Jump(e));
            }
            Fmt { a, d, .. } => {
                let exit = self.exit(pc, true);
                self.emit(Inst::Fmt { a, d, exit });
                self.defs.iter_mut().for_each(|d| *d = None);
                let e = self.edge(pc + 1, pc);
                self.finish(Term::Jump(e));
            }
            Print { a, f: k } => {
                // The register's bits, as an integer argument.
                let x = match k {
                    pfmt::FLOAT | pfmt::FLOAT32 => {
                        let x = self.getf(a);
                        self.un(UnOp::FBits, x, Want::Gp)
                    }
                    pfmt::ARRAY | pfmt::ARRAY_REPR | pfmt::TEXT | pfmt::TEXT_REPR => self.getp(a),
                    _ => self.geti(a),
                };
                let status = self.emit(Inst::Print { k, x });
                self.constrain(status, Want::Gp);
                let exit = self.exit(pc, true);
                self.emit(Inst::Guard(Test::I(Cond::Ne, status, Rhs::K(0)), exit));
            }
            PrintK { s } => {
                self.emit(Inst::PrintK(s));
            }
            Call { a, f } => {
                let exit = self.exit(pc, false);
                let resume = self
                    .f
                    .entries
                    .iter()
                    .find(|&&(at, _)| at == pc + 1)
                    .map(|&(_, b)| b);
                let Some(resume) = resume else {
                    self.finish(Term::Exit(exit));
                    return true;
                };
                let next = self.target(pc + 1, true);
                let goes = self.f.blocks[resume.0 as usize].term.as_ref();
                let elsewhere = !matches!(goes, Some(Term::Jump(e)) if e.to == next);
                if self.side.is_none() && elsewhere {
                    let slots = self.live(pc + 1).map(|k| self.shape.live[k]).collect();
                    self.f.after.push(After {
                        call: self.cur,
                        next,
                        slots,
                    });
                }
                self.finish(Term::Call { a, f, exit, resume });
            }
            Ret { a, n } => {
                let exit = self.exit(pc, false);
                self.finish(Term::Return { a, n, exit });
            }
            Ret1 { a } => {
                let exit = self.exit(pc, false);
                self.finish(Term::Return { a, n: 1, exit });
            }
            _ => return false,
        }
        true
    }
}

/// Most bytecode instructions of a function compiled through the IR.
pub const MAX_OPS: usize = 4096;

/// The IR of `p` (one of the module's functions, `protos`, with its
/// runtime operations `rtops`).
pub fn build(p: &Proto, protos: &[Proto], rtops: &[vm::rt::RtDesc]) -> Result<Func, Unsupported> {
    let mut f = build_open(p, protos, rtops)?;
    finish(&mut f);
    Ok(f)
}

/// What [`build`] does last: exits stop writing back what the frame
/// already holds, and the control-flow graph is analysed.
pub fn finish(f: &mut Func) {
    if !f.after.is_empty() {
        f.after.clear();
        remove_trivial_params(f);
    }
    drop_clean_writes(f);
    analyze(f);
}

/// The IR of `p` before [`finish`]: every exit's map still has every slot
/// live at its instruction (what inlining `p` into a caller needs), and
/// there are no dominators or loops yet.
pub fn build_open(
    p: &Proto,
    protos: &[Proto],
    rtops: &[vm::rt::RtDesc],
) -> Result<Func, Unsupported> {
    let n = p.code.len();
    if n == 0 {
        return Err(Unsupported("no code".into()));
    }
    // Liveness and register allocation take time quadratic in the blocks
    // of a function: one of tens of thousands of instructions (a generated
    // 20000-term comparison chain) would take a minute to compile. Such a
    // function is interpreted.
    if n > MAX_OPS {
        return Err(Unsupported(format!(
            "{n} instructions, more than the {MAX_OPS} the register allocator takes"
        )));
    }
    let shape = shape(p, protos, rtops);
    // Room for the values and blocks a function of this size usually
    // makes, so that the lists do not grow a step at a time.
    let values = 4 * n + 16;
    let mut f = Func::fresh();
    f.insts.reserve(values);
    f.class.reserve(values);
    f.blocks.reserve(n + 8);
    let mut b = Builder {
        p,
        f,
        cur: Block(0),
        defs: pool::filled(p.nregs as usize, None),
        at: pool::filled(n, None),
        pre: pool::filled(n, None),
        side_at: pool::filled(n, None),
        side_pre: pool::filled(n, None),
        side: None,
        into: None,
        uf: pool::empty(),
        want: pool::empty(),
        conflict: None,
        shape,
    };
    // Entries first (so that an entry's block number says so), then a
    // preheader before each loop head, then the code's blocks in pc order.
    // (After a call: where a native return lands, and where the
    // interpreter goes back to native code after it ran the call.)
    let after_call = |pc: usize| matches!(p.code[pc - 1], Op::Call { .. });
    let mut entries = vec![0];
    entries.extend((1..n).filter(|&pc| b.shape.loop_head[pc] || after_call(pc)));
    // An entry inside an outermost loop (at an inner loop's head, after a
    // call) would enter that loop from the side, and the loop would be no
    // natural loop: such an entry goes to a copy of the loop's
    // instructions instead (its side copy), whose jumps back to the
    // loop's head go to the loop's preheader. The loop itself has one way
    // in, so that what its inner loops compute the same way each time can
    // leave them all, and the copy is the code as it would be without it.
    let outer = outer_spans(p);
    let side_of = |pc: usize| outer.iter().copied().find(|&(h, e)| h < pc && pc <= e);
    let mut sides: Vec<(usize, usize)> = entries.iter().filter_map(|&pc| side_of(pc)).collect();
    sides.dedup();
    for &pc in &entries {
        let e = b.new_block(pc);
        b.f.blocks[e.0 as usize].entry = true;
        b.f.entries.push((pc, e));
    }
    for pc in 0..n {
        if b.shape.loop_head[pc] {
            b.pre[pc] = Some(b.new_block(pc));
        }
        if b.shape.leader[pc] {
            b.at[pc] = Some(b.new_block(pc));
        }
    }
    for &(h, e) in &sides {
        for pc in h + 1..=e {
            if b.shape.loop_head[pc] {
                b.side_pre[pc] = Some(b.new_block(pc));
            }
            if b.shape.leader[pc] {
                b.side_at[pc] = Some(b.new_block(pc));
            }
        }
    }
    for (pc, e) in b.f.entries.clone() {
        b.cur = e;
        b.defs.iter_mut().for_each(|d| *d = None);
        // The interpreter lands at a range loop's head only after its
        // `ForLoop` jumped there, which leaves the counter and the loop
        // variable equal: one value for both (one register in the loop).
        let mut back = p.code[pc..]
            .iter()
            .filter(|op| op.target() == Some(pc as u16));
        if let (Some(&(Op::ForLoop1 { a, v, .. } | Op::ForLoop { a, v, .. })), None) =
            (back.next(), back.next())
        {
            let x = b.get(a);
            b.set(v, x);
        }
        // From "before" the loop: through its preheader.
        b.side = side_of(pc);
        let to = b.target(pc, true);
        b.side = None;
        let args = b.live_values(pc);
        b.finish(Term::Jump(Edge { to, args }));
    }
    for pc in 0..n {
        for pre in [b.pre[pc], b.side_pre[pc]].into_iter().flatten() {
            b.start(pre, pc);
            let to = if Some(pre) == b.pre[pc] {
                b.at[pc]
            } else {
                b.side_at[pc]
            };
            let to = to.expect("a loop head starts a block");
            let args = b.live_values(pc);
            b.finish(Term::Jump(Edge { to, args }));
        }
    }
    lower(&mut b, 0, n, true);
    for &(h, e) in &sides {
        b.side = Some((h, e));
        let first = (h + 1..=e).find(|&pc| b.shape.leader[pc]);
        if let Some(first) = first {
            lower(&mut b, first, e + 1, false);
        }
        b.side = None;
    }
    if let Some(c) = b.conflict.take() {
        return Err(Unsupported(c));
    }
    // Edges unify their arguments with the parameters they arrive in; an
    // argument already known in the other class moves its bits across.
    for bi in 0..b.f.blocks.len() {
        let nedges = b.f.blocks[bi].term.as_ref().map_or(0, |t| t.edges().len());
        for ei in 0..nedges {
            let edge = |f: &Func| -> (Block, usize) {
                let e = f.blocks[bi].term.as_ref().unwrap().edges()[ei];
                (e.to, e.args.len())
            };
            let (to, nargs) = edge(&b.f);
            for k in 0..nargs {
                let x = b.f.blocks[bi].term.as_ref().unwrap().edges()[ei].args[k];
                let prm = b.f.blocks[to.0 as usize].params[k];
                let (wx, wp) = {
                    let (rx, rp) = (b.find(x), b.find(prm));
                    (b.want[rx], b.want[rp])
                };
                let float = |w: Want| w == Want::F64;
                let definite = |w: Want| w != Want::Any;
                if definite(wx) && definite(wp) && float(wx) != float(wp) {
                    let u = if float(wp) { UnOp::IBits } else { UnOp::FBits };
                    let c = b.value(Inst::Un(u, x));
                    b.f.blocks[bi].insts.push(c);
                    b.unify(c, prm);
                    b.f.blocks[bi].term.as_mut().unwrap().edges_mut()[ei].args[k] = c;
                } else {
                    b.unify(x, prm);
                }
            }
        }
    }
    if let Some(c) = b.conflict.take() {
        return Err(Unsupported(c));
    }
    let mut f = std::mem::take(&mut b.f);
    for v in 0..f.insts.len() {
        let r = b.find(Value(v as u32));
        f.class[v] = match b.want[r] {
            Want::F64 => Class::F64,
            Want::Ptr => Class::Ptr,
            Want::Gp | Want::Any => Class::I64,
        };
    }
    remove_trivial_params(&mut f);
    unstep(&mut f);
    Ok(f)
}

/// Lowers the blocks of instructions `from..to` (`from` a leader) into
/// the blocks made for them (the side copy's when `b.side` is set);
/// `count`: they are the function's code, counted as lowered or not.
fn lower(b: &mut Builder, from: usize, to: usize, count: bool) {
    let p = b.p;
    let n = p.code.len();
    let mut pc = from;
    while pc < to {
        let blk = match b.side {
            Some(_) => b.side_at[pc],
            None => b.at[pc],
        };
        b.start(blk.expect("a leader"), pc);
        loop {
            let op = p.code[pc];
            if let Some((t, end)) = rotation(b, pc) {
                // `Jmp` to a while loop's test: the test again, here,
                // entering the loop through its preheader.
                b.into = Some(pc + 1);
                for q in t..=end {
                    let lowered = b.op(q, p.code[q]);
                    debug_assert!(lowered, "a rotated test is native");
                }
                b.into = None;
                b.f.lowered += count as usize;
            } else if b.op(pc, op) {
                b.f.lowered += count as usize;
            } else {
                b.f.unlowered += count as usize;
                let x = b.exit(pc, false);
                b.finish(Term::Exit(x));
            }
            pc += 1;
            let ended = b.f.blocks[b.cur.0 as usize].term.is_some();
            if pc >= n || b.shape.leader[pc] {
                if !ended {
                    // Falls through into the next leader.
                    let e = b.edge(pc, pc - 1);
                    b.finish(Term::Jump(e));
                }
                break;
            }
            if ended {
                // Unreachable rest of a block (after a terminator that is
                // not followed by a leader): still lowered, into a block
                // no edge reaches.
                let nb = b.new_block(pc);
                match b.side {
                    Some(_) => b.side_at[pc] = Some(nb),
                    None => b.at[pc] = Some(nb),
                }
                b.start(nb, pc);
            }
        }
    }
}

/// A while loop's shape, `Jmp test; head: body; test: ...; if c goto
/// head`: for the `Jmp` at `pc`, the test's instructions `t..=end` when
/// they are a few native ones whose last jumps back to `pc + 1`, a loop
/// head (the loop is then entered at its head only, through its
/// preheader, with the test done before it).
fn rotation(b: &Builder, pc: usize) -> Option<(usize, usize)> {
    let code = &b.p.code;
    let Op::Jmp { t } = code[pc] else {
        return None;
    };
    let t = t as usize;
    if t <= pc + 1 || !b.shape.loop_head[pc + 1] {
        return None;
    }
    const MOST: usize = 8;
    for (end, &op) in code.iter().enumerate().skip(t).take(MOST) {
        let props = op.props();
        if end > t && b.shape.leader[end] {
            return None;
        }
        if !props.native || props.term || on_frame(&op) {
            return None;
        }
        if let Some(target) = op.target() {
            let conditional = !matches!(
                op,
                Op::Jmp { .. }
                    | Op::ForPrep1 { .. }
                    | Op::ForLoop1 { .. }
                    | Op::ForPrep { .. }
                    | Op::ForLoop { .. }
            );
            return (conditional && target as usize == pc + 1).then_some((t, end));
        }
    }
    None
}

/// Each outermost loop of the bytecode: its head and its last backward
/// jump there (Python's loops nest, so their spans do).
fn outer_spans(p: &Proto) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (pc, op) in p.code.iter().enumerate() {
        if let Some(t) = op.target() {
            let t = t as usize;
            if t <= pc {
                match spans.iter_mut().find(|s| s.0 == t) {
                    Some(s) => s.1 = s.1.max(pc),
                    None => spans.push((t, pc)),
                }
            }
        }
    }
    let inside = |a: (usize, usize), b: (usize, usize)| a != b && b.0 <= a.0 && a.1 <= b.1;
    let mut outer: Vec<(usize, usize)> = spans
        .iter()
        .copied()
        .filter(|&s| !spans.iter().any(|&o| inside(s, o)))
        .collect();
    outer.sort_unstable();
    outer
}

/// Removes block parameters that receive one value along every edge (or
/// themselves, around a loop), and those that always receive the same as
/// another: what is loop-invariant then reads as one value inside the
/// loop, and two slots that hold one value take one register.
pub(crate) fn remove_trivial_params(f: &mut Func) {
    fn res(fwd: &[Value], mut v: Value) -> Value {
        while fwd[v.0 as usize] != v {
            v = fwd[v.0 as usize];
        }
        v
    }
    let nb = f.blocks.len();
    let mut fwd = crate::pool::empty::<Value>();
    fwd.extend((0..f.insts.len() as u32).map(Value));
    // The edges arriving at every block, (from, which of its edges), in
    // one list: block `b`'s are `into[at[b]..at[b + 1]]`.
    let mut at = crate::pool::filled(nb + 1, 0u32);
    for b in &f.blocks {
        for s in b.term.iter().flat_map(|t| t.succs()) {
            at[s.0 as usize + 1] += 1;
        }
    }
    for b in 0..nb {
        at[b + 1] += at[b];
    }
    let mut into = crate::pool::filled(at[nb] as usize, (0u32, 0u8));
    let mut next = crate::pool::empty::<u32>();
    next.extend_from_slice(&at);
    for (bi, b) in f.blocks.iter().enumerate() {
        for (ei, s) in b.term.iter().flat_map(|t| t.succs()).enumerate() {
            into[next[s.0 as usize] as usize] = (bi as u32, ei as u8);
            next[s.0 as usize] += 1;
        }
    }
    fn edge_args(t: &Term, ei: u8) -> &[Value] {
        match (t, ei) {
            (Term::Jump(e), _) | (Term::Branch(_, e, _), 0) | (Term::Branch(_, _, e), _) => &e.args,
            _ => &[],
        }
    }
    // Which parameters the block being looked at keeps (reused).
    let mut kept = crate::pool::empty::<usize>();
    let mut keep = crate::pool::empty::<bool>();
    // The blocks whose parameters stay until their call is inlined.
    let mut held = crate::pool::filled(nb, false);
    for x in &f.after {
        held[x.next.0 as usize] = true;
    }
    let mut any = false;
    loop {
        let mut removed = false;
        for bi in 0..nb {
            if held[bi] || f.blocks[bi].params.is_empty() {
                continue;
            }
            let edges = &into[at[bi] as usize..at[bi + 1] as usize];
            // The arguments arriving along each edge (resolved as they are
            // read: this block's own parameters may be forwarded below).
            let blocks = &f.blocks;
            let ins: smallvec::SmallVec<[&[Value]; 4]> = edges
                .iter()
                .map(|&(from, ei)| {
                    let t = blocks[from as usize]
                        .term
                        .as_ref()
                        .expect("an edge's block ends");
                    edge_args(t, ei)
                })
                .collect();
            let b = &f.blocks[bi];
            kept.clear();
            for (k, &prm) in b.params.iter().enumerate() {
                let mut only = None;
                let mut trivial = true;
                for args in &ins {
                    let v = res(&fwd, args[k]);
                    if v == prm || Some(v) == only {
                        continue;
                    }
                    if only.is_some() {
                        trivial = false;
                        break;
                    }
                    only = Some(v);
                }
                // A parameter that receives what an earlier kept one does
                // on every edge (the loop counter and the loop variable of
                // a range loop) is that one.
                let twin = kept.iter().copied().find(|&k0: &usize| {
                    let prm0 = b.params[k0];
                    ins.iter().all(|args| {
                        let (x, x0) = (res(&fwd, args[k]), res(&fwd, args[k0]));
                        x == x0 || (x == prm && x0 == prm0)
                    })
                });
                match (trivial, only, twin) {
                    (true, Some(v), _) => fwd[prm.0 as usize] = v,
                    (_, _, Some(k0)) => fwd[prm.0 as usize] = b.params[k0],
                    _ => kept.push(k),
                }
            }
            let np = b.params.len();
            drop(ins);
            if kept.len() == np {
                continue;
            }
            // Only this block's own analysis reads its parameters and the
            // arguments arriving at it, so they go at once.
            removed = true;
            crate::pool::refill(&mut keep, np, false);
            kept.iter().for_each(|&k| keep[k] = true);
            let mut k = 0;
            f.blocks[bi].params.retain(|_| {
                k += 1;
                keep[k - 1]
            });
            for &(from, ei) in edges {
                let t = f.blocks[from as usize]
                    .term
                    .as_mut()
                    .expect("an edge's block ends");
                let mut k = 0;
                t.edges_mut()[ei as usize].args.retain(|_| {
                    k += 1;
                    keep[k - 1]
                });
            }
        }
        any |= removed;
        if !removed {
            break;
        }
    }
    // (Nothing went: nothing is forwarded.)
    if !any {
        return;
    }
    let r = |v: Value| res(&fwd, v);
    for i in &mut f.insts {
        i.map_args(&r);
    }
    for b in &mut f.blocks {
        if let Some(t) = b.term.as_mut() {
            if let Term::Branch(t, ..) = t {
                map_test(t, &r);
            }
            for e in t.edges_mut() {
                e.args.iter_mut().for_each(|v| *v = r(*v));
            }
        }
    }
    for x in &mut f.exits {
        x.map.iter_mut().for_each(|(_, v)| *v = r(*v));
    }
}

/// A range loop's ways out after the step `x = i + 1` read `x - 1` for
/// every slot that held `i` (the builder rewrote the counter's; the loop
/// variable's is the same value only once parameters are merged), so that
/// nothing but the step reads `i`.
fn unstep(f: &mut Func) {
    for b in 0..f.blocks.len() {
        let Some(Term::Branch(Test::I(Cond::Lt, x, _), yes, no)) = &f.blocks[b].term else {
            continue;
        };
        let (x, yes, no) = (*x, yes.to, no.to);
        let Inst::Bin(IOp::Add, i, Rhs::K(1)) = f.insts[x.0 as usize] else {
            continue;
        };
        let before = f.blocks[no.0 as usize].insts.iter().copied().find(
            |&v| matches!(f.insts[v.0 as usize], Inst::Bin(IOp::Add, y, Rhs::K(-1)) if y == x),
        );
        let Some(before) = before else {
            continue;
        };
        if let Some(t) = f.blocks[no.0 as usize].term.as_mut() {
            for e in t.edges_mut() {
                e.args
                    .iter_mut()
                    .filter(|v| **v == i)
                    .for_each(|v| *v = before);
            }
        }
        let exits: Vec<ExitId> = f.blocks[yes.0 as usize]
            .insts
            .iter()
            .filter_map(|&v| match f.insts[v.0 as usize] {
                Inst::Fuel(ex) => Some(ex),
                _ => None,
            })
            .collect();
        for ex in exits {
            let off = f.exits[ex.0 as usize]
                .map
                .iter()
                .map(|&(_, v)| v)
                .find(|&v| matches!(f.insts[v.0 as usize], Inst::Offset(y, -1) if y == x));
            let Some(off) = off else { continue };
            for (_, v) in f.exits[ex.0 as usize].map.iter_mut() {
                if *v == i {
                    *v = off;
                }
            }
        }
    }
}

pub fn map_test(t: &mut Test, f: &impl Fn(Value) -> Value) {
    match t {
        Test::I(_, a, b) => {
            *a = f(*a);
            if let Rhs::V(x) = b {
                *x = f(*x)
            }
        }
        Test::F(_, a, b) => {
            *a = f(*a);
            *b = f(*b)
        }
    }
}

/// An exit need not write a slot back with the value it was loaded from,
/// unless instruction 0's entry loaded it: a native caller passes the
/// arguments in registers (`emit`), and the frame does not hold them then.
fn drop_clean_writes(f: &mut Func) {
    let insts = &f.insts;
    let mut arg = vec![false; insts.len()];
    if let Some(&(0, b)) = f.entries.first() {
        f.blocks[b.0 as usize]
            .insts
            .iter()
            .for_each(|v| arg[v.0 as usize] = true);
    }
    for x in &mut f.exits {
        x.map.retain(|&(r, v)| {
            !matches!(insts[v.0 as usize], Inst::LoadSlot(s) if s == r) || arg[v.0 as usize]
        });
    }
}

/// Predecessors, dominators (Cooper, Harvey and Kennedy's iteration over
/// reverse postorder from the entries) and natural loops.
pub fn analyze(f: &mut Func) {
    let nb = f.blocks.len();
    // (The lists of the last analysis are reused, or the last function's.)
    if f.preds.is_empty() {
        f.preds = std::mem::take(&mut f.spare.preds);
    }
    f.preds.resize_with(nb, Vec::new);
    f.preds.iter_mut().for_each(Vec::clear);
    for (bi, b) in f.blocks.iter().enumerate() {
        for s in b.term.iter().flat_map(|t| t.succs()) {
            f.preds[s.0 as usize].push(Block(bi as u32));
        }
    }
    // Reverse postorder from a virtual root above every entry.
    let order = f.rpo();
    const UNSEEN: usize = usize::MAX;
    let mut rpo = crate::pool::filled(nb, UNSEEN);
    for (i, b) in order.iter().enumerate() {
        rpo[b.0 as usize] = i;
    }
    // Immediate dominators as rpo positions; -1 is the virtual root, -2
    // not yet known.
    let mut idom = crate::pool::filled(order.len(), -2isize);
    for (i, b) in order.iter().enumerate() {
        if f.blocks[b.0 as usize].entry {
            idom[i] = -1;
        }
    }
    let intersect = |idom: &[isize], mut a: isize, mut b: isize| {
        while a != b {
            while a > b {
                a = idom[a as usize];
            }
            while b > a {
                b = idom[b as usize];
            }
        }
        a
    };
    let mut changed = true;
    while changed {
        changed = false;
        for (i, b) in order.iter().enumerate() {
            if f.blocks[b.0 as usize].entry {
                continue;
            }
            let mut new: Option<isize> = None;
            for p in &f.preds[b.0 as usize] {
                let pi = rpo[p.0 as usize];
                if pi == UNSEEN || idom[pi] == -2 {
                    continue;
                }
                new = Some(match new {
                    None => pi as isize,
                    Some(x) => intersect(&idom, x, pi as isize),
                });
            }
            if let Some(d) = new {
                if idom[i] != d {
                    idom[i] = d;
                    changed = true;
                }
            }
        }
    }
    crate::pool::refill(&mut f.idom, nb, None);
    for (i, b) in order.iter().enumerate() {
        if idom[i] >= 0 {
            f.idom[b.0 as usize] = Some(order[idom[i] as usize]);
        }
    }
    dom_spans(f);
    // Natural loops: a back edge b -> h where h dominates b.
    let dominates = |f: &Func, h: Block, b: Block| f.dominates(h, b);
    // (The last analysis's loops give their block lists to the new ones.)
    let mut old = std::mem::take(&mut f.loops);
    if old.is_empty() {
        old = std::mem::take(&mut f.spare.loops);
    }
    let mut loops: Vec<Loop> = Vec::with_capacity(old.len());
    // (One membership mark per block, cleared after each loop.)
    let mut member = crate::pool::filled(nb, false);
    let mut stack = crate::pool::empty::<Block>();
    for &h in order.iter() {
        stack.clear();
        stack.extend(
            f.preds[h.0 as usize]
                .iter()
                .copied()
                .filter(|&p| rpo[p.0 as usize] != UNSEEN && dominates(f, h, p)),
        );
        if stack.is_empty() {
            continue;
        }
        member[h.0 as usize] = true;
        let mut body = old.pop().map(|l| l.blocks).unwrap_or_default();
        body.clear();
        body.push(h);
        while let Some(b) = stack.pop() {
            if !member[b.0 as usize] {
                member[b.0 as usize] = true;
                body.push(b);
                stack.extend(f.preds[b.0 as usize].iter().copied());
            }
        }
        body.sort();
        let mut outside = f.preds[h.0 as usize]
            .iter()
            .copied()
            .filter(|p| !member[p.0 as usize]);
        let preheader = match (outside.next(), outside.next()) {
            (Some(p), None)
                if f.blocks[p.0 as usize]
                    .term
                    .as_ref()
                    .is_some_and(|t| t.succs().len() == 1) =>
            {
                Some(p)
            }
            _ => None,
        };
        for b in &body {
            member[b.0 as usize] = false;
        }
        loops.push(Loop {
            header: h,
            preheader,
            blocks: body,
            parent: None,
            depth: 1,
        });
    }
    // Nesting: a loop's parent is the smallest other loop containing its
    // header. Headers are in rpo order, so outer loops come first.
    for i in 0..loops.len() {
        let h = loops[i].header;
        let parent = (0..loops.len())
            .filter(|&j| {
                j != i
                    && loops[j].blocks.len() > loops[i].blocks.len()
                    && loops[j].blocks.binary_search(&h).is_ok()
            })
            .min_by_key(|&j| loops[j].blocks.len());
        loops[i].parent = parent;
    }
    for i in 0..loops.len() {
        let mut d = 1;
        let mut p = loops[i].parent;
        while let Some(j) = p {
            d += 1;
            p = loops[j].parent;
        }
        loops[i].depth = d;
    }
    f.loops = loops;
}

/// `f.dom_span` from `f.idom`: every block is numbered in a preorder walk
/// of the dominator tree (each root, an entry or an unreachable block,
/// and the blocks it dominates), its span running past its last
/// descendant.
fn dom_spans(f: &mut Func) {
    let nb = f.idom.len();
    // The tree's children, in one list: block `b`'s are
    // `kids[at[b]..at[b + 1]]`.
    let mut at = crate::pool::filled(nb + 1, 0u32);
    for d in f.idom.iter().flatten() {
        at[d.0 as usize + 1] += 1;
    }
    for b in 0..nb {
        at[b + 1] += at[b];
    }
    let mut next = crate::pool::empty::<u32>();
    next.extend_from_slice(&at[..nb]);
    let mut kids = crate::pool::filled(at[nb] as usize, Block(0));
    for (b, d) in f.idom.iter().enumerate() {
        if let Some(d) = d {
            kids[next[d.0 as usize] as usize] = Block(b as u32);
            next[d.0 as usize] += 1;
        }
    }
    crate::pool::refill(&mut f.dom_span, nb, (0, 0));
    let mut n = 0u32;
    let mut stack = crate::pool::empty::<(Block, usize)>();
    for root in 0..nb {
        if f.idom[root].is_some() {
            continue;
        }
        stack.push((Block(root as u32), 0));
        f.dom_span[root].0 = n;
        n += 1;
        while let Some(&mut (b, ref mut k)) = stack.last_mut() {
            let (lo, hi) = (at[b.0 as usize] as usize, at[b.0 as usize + 1] as usize);
            if lo + *k < hi {
                let c = kids[lo + *k];
                *k += 1;
                f.dom_span[c.0 as usize].0 = n;
                n += 1;
                stack.push((c, 0));
            } else {
                f.dom_span[b.0 as usize].1 = n;
                stack.pop();
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The listing (`vm asm --ir`).

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

impl fmt::Display for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b{}", self.0)
    }
}

fn rhs(r: &Rhs) -> String {
    match r {
        Rhs::V(v) => v.to_string(),
        Rhs::K(k) => k.to_string(),
    }
}

fn test(t: &Test) -> String {
    match t {
        Test::I(c, a, b) => format!("{a} {} {}", cond(*c), rhs(b)),
        Test::F(c, a, b) => format!("{a} {} {b}", fcond(*c)),
    }
}

fn cond(c: Cond) -> &'static str {
    match c {
        Cond::Eq => "==",
        Cond::Ne => "!=",
        Cond::Lt => "<",
        Cond::Le => "<=",
        Cond::Gt => ">",
        Cond::Ge => ">=",
        Cond::Below => "<u",
        Cond::AboveEq => ">=u",
    }
}

fn fcond(c: FCond) -> &'static str {
    match c {
        FCond::Eq => "==.",
        FCond::Ne => "!=.",
        FCond::Lt => "<.",
        FCond::Le => "<=.",
    }
}

fn edge(e: &Edge) -> String {
    let args: Vec<String> = e.args.iter().map(|v| v.to_string()).collect();
    format!("{}({})", e.to, args.join(", "))
}

impl Func {
    /// The blocks reachable from the entries, in reverse postorder (a
    /// block after its dominators, a loop's blocks together).
    pub fn rpo(&self) -> crate::pool::Buf<Block> {
        let nb = self.blocks.len();
        let mut seen = crate::pool::filled(nb, false);
        let mut post = crate::pool::empty();
        let mut stack = crate::pool::empty::<(Block, usize)>();
        for &(_, e) in &self.entries {
            if seen[e.0 as usize] {
                continue;
            }
            seen[e.0 as usize] = true;
            stack.push((e, 0usize));
            while let Some((b, i)) = stack.pop() {
                let succs = self.blocks[b.0 as usize]
                    .term
                    .as_ref()
                    .map(|t| t.succs())
                    .unwrap_or_default();
                if i < succs.len() {
                    stack.push((b, i + 1));
                    let s = succs[i];
                    if !seen[s.0 as usize] {
                        seen[s.0 as usize] = true;
                        stack.push((s, 0));
                    }
                } else {
                    post.push(b);
                }
            }
        }
        post.reverse();
        post
    }

    /// Every value block `b` reads: its instructions' operands, its
    /// terminator's, and the write-back maps of the exits they may take.
    pub fn block_uses(&self, b: Block) -> Vec<Value> {
        let mut u = Vec::new();
        self.each_use(b, |v| u.push(v));
        u
    }

    /// Calls `u` with every value block `b` reads (as [`Func::block_uses`]
    /// lists them).
    pub fn each_use(&self, b: Block, mut u: impl FnMut(Value)) {
        let bd = &self.blocks[b.0 as usize];
        for &v in &bd.insts {
            let i = &self.insts[v.0 as usize];
            i.args().into_iter().for_each(&mut u);
            if let Some(x) = i.exit() {
                self.each_exit_read(x, &mut u);
            }
        }
        if let Some(t) = &bd.term {
            match t {
                Term::Branch(Test::I(_, x, r), ..) => {
                    u(*x);
                    if let Rhs::V(y) = r {
                        u(*y);
                    }
                }
                Term::Branch(Test::F(_, x, y), ..) => {
                    u(*x);
                    u(*y)
                }
                _ => {}
            }
            for e in t.edges() {
                e.args.iter().copied().for_each(&mut u);
            }
            if let Term::Exit(x) | Term::Return { exit: x, .. } | Term::Call { exit: x, .. } = t {
                self.each_exit_read(*x, &mut u);
            }
        }
    }

    /// Calls `u` with the values exit `x` reads to write its map back (an
    /// offset's operand for the offset, a flag's for the flag).
    #[inline]
    pub fn each_exit_read(&self, x: ExitId, mut u: impl FnMut(Value)) {
        for &(_, v) in &self.exits[x.0 as usize].map {
            match &self.insts[v.0 as usize] {
                i @ (Inst::Offset(..) | Inst::Flag(_)) => i.args().into_iter().for_each(&mut u),
                _ => u(v),
            }
        }
    }

    /// The block that defines each value (`None`: defined nowhere, or
    /// removed).
    pub fn def_blocks(&self) -> crate::pool::Buf<Option<Block>> {
        let mut d = crate::pool::filled(self.insts.len(), None);
        for (bi, b) in self.blocks.iter().enumerate() {
            for &v in b.params.iter().chain(&b.insts) {
                d[v.0 as usize] = Some(Block(bi as u32));
            }
        }
        d
    }

    /// Does `a` dominate `b` (by the last analysis: a block made since
    /// dominates only itself)?
    pub fn dominates(&self, a: Block, b: Block) -> bool {
        if a == b {
            return true;
        }
        match (
            self.dom_span.get(a.0 as usize),
            self.dom_span.get(b.0 as usize),
        ) {
            (Some(&(a0, a1)), Some(&(b0, b1))) => a0 <= b0 && b1 <= a1,
            _ => false,
        }
    }

    /// The loop (innermost) each block is in: [`Func::loop_of`] of every
    /// block at once.
    pub fn loops_of(&self) -> Vec<Option<usize>> {
        let mut inner: Vec<Option<usize>> = vec![None; self.blocks.len()];
        for (l, lp) in self.loops.iter().enumerate() {
            for b in &lp.blocks {
                let cur = &mut inner[b.0 as usize];
                match *cur {
                    Some(c) if self.loops[c].depth >= lp.depth => {}
                    _ => *cur = Some(l),
                }
            }
        }
        inner
    }

    /// The loop (innermost) that block `b` is in.
    pub fn loop_of(&self, b: Block) -> Option<usize> {
        (0..self.loops.len())
            .filter(|&i| self.loops[i].blocks.contains(&b))
            .max_by_key(|&i| self.loops[i].depth)
    }

    fn inst_text(&self, v: Value) -> String {
        let cls = match self.class[v.0 as usize] {
            Class::I64 => "i64",
            Class::F64 => "f64",
            Class::Ptr => "ptr",
        };
        let i = &self.insts[v.0 as usize];
        let body = match i {
            Inst::Param => "param".to_string(),
            Inst::LoadSlot(r) => format!("load_slot r{r}"),
            Inst::Const(bits) => {
                if self.class[v.0 as usize] == Class::F64 {
                    format!("const {:?}", f64::from_bits(*bits))
                } else {
                    format!("const {}", *bits as i64)
                }
            }
            Inst::Bin(op, a, b) => format!("{} {a}, {}", format!("{op:?}").to_lowercase(), rhs(b)),
            Inst::FBin(op, a, b) => format!("f{} {a}, {b}", format!("{op:?}").to_lowercase()),
            Inst::Un(op, a) => format!("{} {a}", format!("{op:?}").to_lowercase()),
            Inst::Set(t) => format!("set {}", test(t)),
            Inst::Select(t, a, b) => format!("select {} ? {a} : {b}", test(t)),
            Inst::Load(w, a, off) => format!("load.{} [{a} + {off}]", width(*w)),
            Inst::Field(a, off) => format!("field [{a} + {off}]"),
            Inst::Store(w, a, off, x) => return format!("store.{} [{a} + {off}], {x}", width(*w)),
            Inst::CallC(c, args) => {
                let args: Vec<String> = args.iter().map(|v| v.to_string()).collect();
                let s = format!("call {c:?}({})", args.join(", "));
                if !i.has_result() {
                    return s;
                }
                s
            }
            Inst::Offset(a, k) => format!("offset {a}, {k}"),
            Inst::Flag(t) => format!("flag {}", test(t)),
            Inst::Guard(t, x) => return format!("guard {} -> exit{}", test(t), x.0),
            Inst::Fuel(x) => return format!("fuel -> exit{}", x.0),
            Inst::FuelLeft => "fuel_left".to_string(),
            Inst::Spend(a) => return format!("spend {}", rhs(a)),
            Inst::Rt { a, d, exit } => return format!("rt #{d} r{a} -> exit{}", exit.0),
            Inst::Print { k, x } => format!("print.{k} {x}"),
            Inst::PrintK(s) => return format!("print_k #{s}"),
            Inst::Fmt { a, d, exit } => return format!("fmt #{d} r{a} -> exit{}", exit.0),
        };
        format!("{v}:{cls} = {body}")
    }

    /// The function as text: blocks with their parameters, loop nesting
    /// and dominators, then the exits with their write-back maps.
    pub fn listing(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "  ; {} instructions lowered, {} left to the interpreter, {} loops",
            self.lowered,
            self.unlowered,
            self.loops.len()
        );
        for (bi, b) in self.blocks.iter().enumerate() {
            let blk = Block(bi as u32);
            let params: Vec<String> = b
                .params
                .iter()
                .map(|&v| {
                    let c = match self.class[v.0 as usize] {
                        Class::I64 => "i64",
                        Class::F64 => "f64",
                        Class::Ptr => "ptr",
                    };
                    format!("{v}:{c}")
                })
                .collect();
            let mut notes = vec![format!("pc {}", b.pc)];
            if b.entry {
                notes.push("entry".into());
            }
            if b.lanes > 0 {
                notes.push(format!("{} lanes", b.lanes));
            }
            if let Some(l) = self.loop_of(blk) {
                let lp = &self.loops[l];
                if lp.header == blk {
                    notes.push(format!("loop header, depth {}", lp.depth));
                } else {
                    notes.push(format!("in loop {}", lp.header));
                }
            }
            if self.loops.iter().any(|l| l.preheader == Some(blk)) {
                notes.push("preheader".into());
            }
            if let Some(Some(d)) = self.idom.get(bi) {
                notes.push(format!("idom {d}"));
            }
            if self.preds.get(bi).is_some_and(|p| p.is_empty()) && !b.entry {
                notes.push("unreachable".into());
            }
            let _ = writeln!(
                out,
                "  {blk}({}):   ; {}",
                params.join(", "),
                notes.join(", ")
            );
            for &v in &b.insts {
                let _ = writeln!(out, "    {}", self.inst_text(v));
            }
            let t = match &b.term {
                Some(Term::Jump(e)) => format!("jump {}", edge(e)),
                Some(Term::Branch(t, a, c)) => {
                    format!("branch {} ? {} : {}", test(t), edge(a), edge(c))
                }
                Some(Term::Exit(x)) => format!("exit{}", x.0),
                Some(Term::Call { a, f, exit, resume }) => {
                    format!("call f{f} r{a}, resume {resume} -> exit{}", exit.0)
                }
                Some(Term::Return { a, n, exit }) => {
                    format!("return r{a}..{} -> exit{}", a + n, exit.0)
                }
                None => "<no terminator>".into(),
            };
            let _ = writeln!(out, "    {t}");
        }
        for (i, x) in self.exits.iter().enumerate() {
            let map: Vec<String> = x
                .map
                .iter()
                .map(|(r, v)| match self.insts[v.0 as usize] {
                    Inst::Offset(y, k) => format!("r{r}={y}{k:+}"),
                    Inst::Flag(t) => format!("r{r}=({})", test(&t)),
                    _ => format!("r{r}={v}"),
                })
                .collect();
            let inl: String = x
                .frames
                .iter()
                .map(|fr| format!(" in f{} (call at pc {}, r{}..)", fr.f, fr.pc, fr.base))
                .collect();
            let _ = writeln!(
                out,
                "  exit{i}: pc {}{}{inl}  [{}]",
                x.pc,
                if x.raised { " raised" } else { "" },
                map.join(" ")
            );
        }
        out
    }
}

fn width(w: Width) -> &'static str {
    match w {
        Width::W64 => "64",
        Width::W8 => "8",
    }
}

/// The ops this builder leaves to the interpreter: the raising ones, which
/// end native code (the interpreter raises, with its traceback and
/// unwinding). Every other op has a lowering (the op table's `native` flag
/// says which), printing and formatting included, and a new op must join
/// one side or the other (`every_op_lowers_or_is_an_exit`).
pub const EXITS: &[&str] = &["Raise", "RaiseT"];

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::rc::Rc;

    pub(crate) fn module(src: &str) -> vm::Module {
        let source = Rc::new(typer::Source::new("t.py", src));
        let (_, m) = vm::load(source, typer::classes::Classes::shared()).expect("compiles");
        m
    }

    fn func(m: &vm::Module, name: &str) -> Func {
        let p = m
            .protos
            .iter()
            .find(|p| p.name == name)
            .expect("the function");
        build(p, &m.protos, &m.rtops).expect("IR")
    }

    /// A recycled function's memory serves the next one, and what is kept
    /// does not grow from one function to the next (the loop passes make
    /// blocks and edges the builder's spares do not supply).
    #[test]
    fn recycled_memory_is_reused_and_bounded() {
        let m = module(
            "import numpy as np\n\
             def s(a, x, y):\n    for i in range(len(x)):\n        y[i] = a * x[i] + y[i]\n\
             s(2.0, np.zeros(3), np.zeros(3))\n",
        );
        let regs = crate::regalloc::Regs {
            gpr: &[1, 2, 6, 7, 8, 9],
            gpr_saved: &[5, 14, 15],
            fpr: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        };
        let spare = || {
            SPARE_FUNC.with(|c| {
                let f = c.take();
                let n = f
                    .as_ref()
                    .map(|f| (f.spare.blocks.len(), f.spare.vals.len(), f.spare.maps.len()));
                c.set(f);
                n
            })
        };
        let mut kept = Vec::new();
        let mut listings = Vec::new();
        for _ in 0..6 {
            let mut f = func(&m, "s");
            crate::opt::optimize(&mut f, &regs, 4);
            listings.push(f.listing());
            recycle(f);
            kept.push(spare().expect("a spare function"));
        }
        // The same IR every time, from reused memory as from new.
        assert!(listings.iter().all(|l| *l == listings[0]));
        assert_eq!(kept[2], kept[5], "{kept:?}");
    }

    /// A function too long for the allocator's quadratic passes is left to
    /// the interpreter, and refusing it takes no time.
    #[test]
    fn huge_functions_are_interpreted() {
        let chain = vec!["i"; 3000].join(" < ");
        let src = format!(
            "def f(n):\n    c = 0\n    for i in range(n):\n        if ({chain}):\n            c += 1\n    return c\nf(3)\n"
        );
        let m = module(&src);
        let p = m.protos.iter().find(|p| p.name == "f").unwrap();
        assert!(p.code.len() > MAX_OPS, "{}", p.code.len());
        let Err(e) = build(p, &m.protos, &m.rtops) else {
            panic!("a function this long built its IR")
        };
        assert!(e.0.contains("instructions"), "{}", e.0);
        #[cfg(target_arch = "x86_64")]
        {
            let t = std::time::Instant::now();
            assert!(crate::compile(p, &m).is_none());
            assert!(t.elapsed() < std::time::Duration::from_secs(20));
        }
    }

    /// Every op says which slots it reads and writes (an op that did not
    /// would make every slot live there, and no register a constant).
    #[test]
    fn every_op_has_its_slot_effects() {
        let m = module("def f(x):\n    return x\nf(1)\n");
        let host = m.protos.iter().find(|p| p.name == "f").unwrap();
        for op in Op::SAMPLES {
            let mut p = host.clone();
            p.code = vec![*op, Op::Ret1 { a: 0 }];
            p.spans = vec![host.spans[0]; 2];
            p.nregs = 8;
            let protos = vec![p.clone()];
            // (A call or runtime operation the module does not have reads
            // anything.)
            if matches!(op, Op::Call { .. } | Op::Rt { .. }) {
                continue;
            }
            assert!(!effects(&p, &protos, &[], 0, *op).all, "{}", op.name());
        }
    }

    #[test]
    fn every_op_lowers_or_is_an_exit() {
        // A host function to dress each op in: [op, Ret1 r0].
        let m = module("def f(x):\n    return x\nf(1)\n");
        let host = m.protos.iter().find(|p| p.name == "f").unwrap();
        for op in Op::SAMPLES {
            let mut p = host.clone();
            p.code = vec![*op, Op::Ret1 { a: 0 }];
            p.spans = vec![host.spans[0]; 2];
            p.nregs = 8;
            p.consts = vec![0];
            let protos = vec![p.clone()];
            let name = op.name();
            let f = build(&p, &protos, &[]).unwrap_or_else(|e| panic!("{name}: {}", e.0));
            let native = op.props().native;
            let listed = EXITS.contains(&name);
            assert!(
                native != listed,
                "{name}: lower it in ir::Builder::op and flag it `native` in the op table, \
                 or list it in ir::EXITS (the interpreter executes it)"
            );
            assert_eq!(
                f.lowered,
                1 + native as usize,
                "{name}: flagged native but the IR builder has no lowering for it"
            );
        }
    }

    #[test]
    fn number_and_element_operations_are_native() {
        let m = module(
            "import math\nimport numpy as np\n\
             def f(n, x):\n    a = np.zeros(6, dtype=np.int32)\n    b = np.ones((2, 3), dtype=np.float32)\n    \
             t = 0\n    s = 0.0\n    for i in range(n):\n        y = i * x\n        \
             t += int(y) + math.floor(y) + math.ceil(y) + round(y) + (i << t % 9) + (i >> 3) + i ** 3\n        \
             s += y ** x + y // x + y % x + round(y, 2) + math.isnan(y)\n        \
             a[i % 6] = a[(i + 1) % 6] + 7\n        b[i % 2, 1] = b[1, i % 3] * 0.5\n        \
             for k in range(n, i, -2):\n            t += k\n    return t + s\n\
             f(3, 0.5)\n",
        );
        let f = func(&m, "f");
        let p = m.protos.iter().find(|p| p.name == "f").unwrap();
        // Only the `Raise` after the last statement is left.
        let raises = p
            .code
            .iter()
            .filter(|op| matches!(op, Op::Raise { .. }))
            .count();
        assert_eq!(raises, 1);
        assert_eq!(f.unlowered, 1, "{}", f.listing());
    }

    #[test]
    fn a_range_loop_is_found_with_its_preheader_and_invariants() {
        let m = module(
            "import numpy as np\n\
             def s(a):\n    t = 0.0\n    for i in range(len(a)):\n        t += a[i]\n    return t\n\
             s(np.zeros(3))\n",
        );
        let f = func(&m, "s");
        assert_eq!(f.loops.len(), 1);
        let l = &f.loops[0];
        assert_eq!(l.depth, 1);
        let pre = l.preheader.expect("a preheader");
        // Both ways in (the function's code and the interpreter's entry at
        // the loop head) go through the preheader.
        let entry = f
            .entries
            .iter()
            .find(|(pc, _)| *pc != 0)
            .expect("a loop entry")
            .1;
        assert_eq!(
            f.blocks[entry.0 as usize].term.as_ref().unwrap().succs()[..],
            [pre]
        );
        assert_eq!(f.idom[l.header.0 as usize], Some(pre));
        // The array is one value all through the loop (not a parameter of
        // the header), and the sum a float parameter.
        let header = &f.blocks[l.header.0 as usize];
        let loads: Vec<Value> = l
            .blocks
            .iter()
            .flat_map(|b| f.blocks[b.0 as usize].insts.iter().copied())
            .filter(|&v| matches!(f.insts[v.0 as usize], Inst::Load(Width::W64, _, 0)))
            .collect();
        assert_eq!(loads.len(), 1, "one element load");
        assert_eq!(f.class[loads[0].0 as usize], Class::F64);
        assert!(header
            .params
            .iter()
            .any(|&v| f.class[v.0 as usize] == Class::F64));
        let arrays: Vec<Value> = f
            .insts
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i, Inst::Field(_, o) if *o == DATA))
            .map(|(_, i)| i.args()[0])
            .collect();
        assert_eq!(arrays.len(), 1);
        assert!(!header.params.contains(&arrays[0]));
        // The bounds guard's exit writes back the loop's state: the index
        // and the sum among it.
        let guards: Vec<&Exit> = f
            .blocks
            .iter()
            .flat_map(|b| b.insts.iter())
            .filter_map(|&v| match &f.insts[v.0 as usize] {
                Inst::Guard(Test::I(Cond::AboveEq, ..), x) => Some(&f.exits[x.0 as usize]),
                _ => None,
            })
            .collect();
        assert_eq!(guards.len(), 1);
        assert!(guards[0]
            .map
            .iter()
            .any(|&(_, v)| header.params.contains(&v)));
        assert!(f.listing().contains("loop header, depth 1"));
    }

    #[test]
    fn only_the_step_reads_a_range_loops_counter() {
        let m = module(
            "import numpy as np\n\
             def s(a):\n    t = 0.0\n    for i in range(len(a)):\n        t += a[i]\n    return t\n\
             s(np.zeros(3))\n",
        );
        let f = func(&m, "s");
        let l = &f.loops[0];
        let header = &f.blocks[l.header.0 as usize];
        let i = header
            .params
            .iter()
            .copied()
            .find(|&p| f.class[p.0 as usize] == Class::I64)
            .expect("the counter");
        // The fuel exit writes the counter and the loop variable back as
        // `x - 1`; the way out passes `x - 1` on.
        let fuel = f
            .insts
            .iter()
            .find_map(|i| match i {
                Inst::Fuel(x) => Some(&f.exits[x.0 as usize]),
                _ => None,
            })
            .expect("a fuel count");
        let offsets = fuel
            .map
            .iter()
            .filter(|&&(_, v)| matches!(f.insts[v.0 as usize], Inst::Offset(_, -1)))
            .count();
        assert_eq!(offsets, 2, "{}", f.listing());
        let Some(Term::Branch(_, _, out)) = f.blocks.iter().find_map(|b| match &b.term {
            Some(t @ Term::Branch(Test::I(Cond::Lt, x, _), ..))
                if f.insts[x.0 as usize] == Inst::Bin(IOp::Add, i, Rhs::K(1)) =>
            {
                Some(t.clone())
            }
            _ => None,
        }) else {
            panic!("the step's test\n{}", f.listing());
        };
        let out = &f.blocks[out.to.0 as usize];
        assert!(
            out.term.as_ref().unwrap().edges()[0]
                .args
                .iter()
                .all(|&v| v != i),
            "{}",
            f.listing()
        );
        assert!(f
            .exits
            .iter()
            .filter(|x| x.pc == fuel.pc)
            .all(|x| x.map.iter().all(|&(_, v)| v != i)));
    }

    #[test]
    fn every_loop_head_is_an_entry_and_back_edges_count_fuel() {
        let m = module(
            "def g(n):\n    t = 0\n    for i in range(n):\n        for j in range(i):\n            t += i % 3 + j\n    return t\n\
             g(4)\n",
        );
        let f = func(&m, "g");
        let p = m.protos.iter().find(|p| p.name == "g").unwrap();
        // Instruction 0 and both loops' heads (backward jumps' targets).
        let heads: Vec<usize> = p
            .code
            .iter()
            .enumerate()
            .filter_map(|(pc, op)| op.target().filter(|&t| t as usize <= pc))
            .map(|t| t as usize)
            .collect();
        assert_eq!(heads.len(), 2);
        let at: Vec<usize> = f.entries.iter().map(|&(pc, _)| pc).collect();
        assert_eq!(at[0], 0);
        for h in &heads {
            assert!(at.contains(h), "an entry at {h}: {at:?}");
        }
        // Both loops are natural, with preheaders, the inner one inside
        // the outer one; the entry at the inner head goes to a copy of the
        // outer loop's instructions, where the inner loop is natural too
        // and the outer one is entered through its preheader again.
        assert_eq!(f.loops.len(), 3, "{}", f.listing());
        assert!(f.loops.iter().all(|l| l.preheader.is_some()));
        let outer = f
            .loops
            .iter()
            .position(|l| {
                l.depth == 1
                    && f.loops
                        .iter()
                        .any(|m| m.parent.is_some_and(|p| f.loops[p].header == l.header))
            })
            .expect("an outer loop");
        let inner = f
            .loops
            .iter()
            .find(|l| l.depth == 2)
            .expect("a nested loop");
        assert_eq!(inner.parent, Some(outer));
        let side = f
            .entries
            .iter()
            .find(|&&(pc, _)| pc == heads[1].max(heads[0]))
            .expect("the inner entry")
            .1;
        let into = f.blocks[side.0 as usize].term.as_ref().unwrap().succs()[0];
        assert!(
            f.loops
                .iter()
                .any(|l| l.preheader == Some(into) && l.depth == 1),
            "{}",
            f.listing()
        );
        assert!(f
            .loops
            .iter()
            .all(|l| l.preheader != Some(into) || !f.loops[outer].blocks.contains(&l.header)));
        // Every back edge (a jump to a loop head) counts one unit of fuel;
        // `%` guards its divisor.
        let mut back = 0;
        for b in &f.blocks {
            let Some(Term::Jump(e)) = &b.term else {
                continue;
            };
            let to = &f.blocks[e.to.0 as usize];
            if !b.entry && to.pc < b.pc && heads.contains(&to.pc) {
                back += 1;
                let fuel = b
                    .insts
                    .iter()
                    .any(|&v| matches!(f.insts[v.0 as usize], Inst::Fuel(_)));
                assert!(fuel, "{}", f.listing());
            }
        }
        assert!(back >= 2, "{}", f.listing());
        assert!(f.insts.iter().any(|i| matches!(i, Inst::Bin(IOp::Mod, ..))));
        // Only the trailing `Raise` (no return) is left to the interpreter.
        assert_eq!(f.unlowered, 1, "{}", f.listing());
    }

    #[test]
    fn an_unlowered_op_exits_with_the_live_slots() {
        let m = module("def h(x):\n    y = x + 1.5\n    print(y)\n    return y * 2.0\nh(1.0)\n");
        let f = func(&m, "h");
        assert!(f.unlowered >= 1);
        let x = f
            .exits
            .iter()
            .find(|x| {
                matches!(
                    m.protos.iter().find(|p| p.name == "h").unwrap().code[x.pc],
                    Op::Print { .. } | Op::PrintK { .. }
                )
            })
            .expect("an exit at the print");
        // y is live after the print and was computed natively: written back.
        assert!(x
            .map
            .iter()
            .any(|&(_, v)| matches!(f.insts[v.0 as usize], Inst::FBin(FOp::Add, ..))));
        // Nothing is written back that the frame already holds.
        assert!(x
            .map
            .iter()
            .all(|&(r, v)| f.insts[v.0 as usize] != Inst::LoadSlot(r)));
    }
}
