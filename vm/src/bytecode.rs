//! The instruction set, defined once in `ops!`: every opcode with its
//! operands, a one-line meaning and its flags (`[jump, term, raises, slow,
//! native]`, see [`Props`]). The macro derives the `Op` enum, the names, the
//! operand lists the disassembler and verifier walk, and each op's
//! properties, which generic code (the native tier's IR builder) reads
//! instead of listing ops itself.
//!
//! Registers are 64-bit slots of a frame (`R[a]`); every opcode is
//! specialised by type, so nothing checks a type at run time: `I` ops read
//! int64 (bools are 0/1 ints), `F` ops read float64 bit patterns.
//! An instruction is 8 bytes: an opcode byte and up to three 16-bit operands
//! (or one register and a 32-bit immediate).

/// Operand kinds: `R` register (`R8` one of the first 256), `L` code address, `K` index into the
/// function's constants, `N` a plain number (count, function id, kind),
/// `I` a signed 32-bit immediate.
pub type R = u16;
/// A register of the first 256, for the four-register ops.
pub type R8 = u8;
pub type L = u16;
pub type K = u16;
pub type N = u16;
pub type I = i32;
pub type J = i16;

/// What code that walks bytecode generically (the verifier, the native
/// tier's IR builder) needs to know of an op, from the flags in `ops!`:
/// `[jump, term, raises, slow, native]` after an op's operands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Props {
    /// Has a jump target (`Op::target`).
    pub jump: bool,
    /// Control never falls through to the next instruction.
    pub term: bool,
    /// May raise a Python exception (then nothing it would write is written).
    pub raises: bool,
    /// The interpreter runs it out of its loop, in `Machine::slow`.
    pub slow: bool,
    /// The native tier's IR builder lowers it; any other op leaves native
    /// code, and the interpreter executes it.
    pub native: bool,
}

impl Props {
    const NONE: Props = Props {
        jump: false,
        term: false,
        raises: false,
        slow: false,
        native: false,
    };
}

/// An operand of `Op::SAMPLES`, by its field's name.
macro_rules! sample {
    (a) => {
        1
    };
    (b) => {
        2
    };
    (c) => {
        3
    };
    (d) => {
        4
    };
    (v) => {
        5
    };
    (n) => {
        1
    };
    ($other:ident) => {
        0
    };
}

macro_rules! ops {
    ($( $(#[doc = $doc:literal])+ $name:ident { $($f:ident : $k:ident),* } $([$($flag:ident),*])? )*) => {
        /// One instruction with its operands.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        // The table's meanings index registers as `R[a]`, which is not a
        // link; `vm dis` prints the same text, so it stays plain.
        #[allow(rustdoc::broken_intra_doc_links)]
        pub enum Op {
            $( $(#[doc = $doc])+ $name { $($f: $k),* }, )*
        }

        impl Op {
            /// How many opcodes there are.
            pub const COUNT: u8 = Self::NAMES.len() as u8;

            /// Every opcode's name, in definition order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];

            pub fn name(&self) -> &'static str {
                match self { $(Op::$name { .. } => stringify!($name),)* }
            }

            /// The operands as (kind, value), kind being "R", "R8", "L", "K", "N", "I" or "J".
            pub fn operands(&self) -> smallvec::SmallVec<[(&'static str, i64); 4]> {
                match *self {
                    $(Op::$name { $($f),* } => smallvec::smallvec![$((stringify!($k), $f as i64)),*],)*
                }
            }

            /// The op's properties: the flags after its operands in the table.
            pub fn props(&self) -> Props {
                match self {
                    $(Op::$name { .. } => Props { $($($flag: true,)*)? ..Props::NONE },)*
                }
            }

            /// One instance of every opcode, in definition order, with
            /// distinct registers (`a`..`d` are 1..4, `v` 5) and every other
            /// operand 0: what tests that must cover every op walk.
            pub const SAMPLES: &'static [Op] = &[$(Op::$name { $($f: sample!($f)),* }),*];

            /// The one-line meaning from the table.
            pub fn doc(name: &str) -> &'static str {
                match name {
                    $(stringify!($name) => concat!($($doc),+),)*
                    _ => "",
                }
            }
        }
    };
}

ops! {
    /// R[a] = R[b]
    Mov { a: R, b: R } [native]
    /// R[a] = v (sign-extended)
    LoadI { a: R, v: I } [native]
    /// R[a] = K[k] (64 bits)
    LoadK { a: R, k: K } [native]

    /// R[a] = R[b] + R[c] (int64, wrapping)
    AddI { a: R, b: R, c: R } [native]
    /// R[a] = R[b] - R[c] (int64, wrapping)
    SubI { a: R, b: R, c: R } [native]
    /// R[a] = R[b] + v (int64, wrapping; `x - 1` is `x + -1`)
    AddIK { a: R, b: R, v: J } [native]
    /// R[a] = R[b] >> v (arithmetic; 0 <= v < 64): `x // 2**v`
    ShrIK { a: R, b: R, v: J } [native]
    /// R[a] = R[b] & v: `x % (v + 1)` when v + 1 is a power of two
    AndIK { a: R, b: R, v: J } [native]
    /// R[a] = R[b] * R[c] (int64, wrapping)
    MulI { a: R, b: R, c: R } [native]
    /// R[a] = R[b] // R[c], floored; ZeroDivisionError on 0
    FloorDivI { a: R, b: R, c: R } [raises, native]
    /// R[a] = R[b] % R[c], sign of divisor; ZeroDivisionError on 0
    ModI { a: R, b: R, c: R } [raises, native]
    /// R[a] = float(R[b]) / float(R[c]); ZeroDivisionError on 0
    DivI { a: R, b: R, c: R } [raises, native]
    /// R[a] = R[b] ** R[c] (wrapping); ValueError if R[c] < 0
    PowI { a: R, b: R, c: R } [raises, slow, native]
    /// R[a] = R[b] << R[c] (wrapping); ValueError if R[c] < 0
    ShlI { a: R, b: R, c: R } [raises, slow, native]
    /// R[a] = R[b] >> R[c] (arithmetic); ValueError if R[c] < 0
    ShrI { a: R, b: R, c: R } [raises, slow, native]
    /// R[a] = R[b] & R[c]
    AndI { a: R, b: R, c: R } [native]
    /// R[a] = R[b] | R[c]
    OrI { a: R, b: R, c: R } [native]
    /// R[a] = R[b] ^ R[c]
    XorI { a: R, b: R, c: R } [native]
    /// R[a] = -R[b] (wrapping)
    NegI { a: R, b: R } [native]
    /// R[a] = ~R[b]
    InvI { a: R, b: R } [native]
    /// R[a] = |R[b]| (wrapping)
    AbsI { a: R, b: R } [native]
    /// R[a] = R[c] if R[c] < R[b] else R[b] (Python's min)
    MinI { a: R, b: R, c: R } [native]
    /// R[a] = R[c] if R[c] > R[b] else R[b] (Python's max)
    MaxI { a: R, b: R, c: R } [native]

    /// R[a] = R[b] + R[c] (float64)
    AddF { a: R, b: R, c: R } [native]
    /// R[a] = R[b] - R[c]
    SubF { a: R, b: R, c: R } [native]
    /// R[a] = R[b] * R[c]
    MulF { a: R, b: R, c: R } [native]
    /// R[a] = R[b] / R[c]; ZeroDivisionError on 0.0
    DivF { a: R, b: R, c: R } [raises, native]
    /// R[a] = R[b] * R[c] + R[d], rounding after each step (not a fused
    /// multiply-add: the result is exactly that of the two operations)
    MulAddF { a: R8, b: R8, c: R8, d: R8 } [native]
    /// R[a] = R[b] * R[c] - R[d], rounding after each step
    MulSubF { a: R8, b: R8, c: R8, d: R8 } [native]
    /// R[a] = R[d] - R[b] * R[c], rounding after each step
    SubMulF { a: R8, b: R8, c: R8, d: R8 } [native]
    /// R[a] = R[b] // R[c] (Python floor); ZeroDivisionError on 0.0
    FloorDivF { a: R, b: R, c: R } [raises, slow, native]
    /// R[a] = R[b] % R[c] (Python modulo); ZeroDivisionError on 0.0
    ModF { a: R, b: R, c: R } [raises, slow, native]
    /// R[a] = R[b] ** R[c]; ZeroDivisionError for 0.0 ** negative
    PowF { a: R, b: R, c: R } [raises, slow, native]
    /// R[a] = R[b] + float(R[c]) (float plus int, Python's implicit promotion)
    AddFI { a: R, b: R, c: R } [native]
    /// R[a] = R[b] - float(R[c])
    SubFI { a: R, b: R, c: R } [native]
    /// R[a] = float(R[b]) - R[c]
    SubIF { a: R, b: R, c: R } [native]
    /// R[a] = R[b] * float(R[c])
    MulFI { a: R, b: R, c: R } [native]
    /// R[a] = R[b] / float(R[c]); ZeroDivisionError on 0
    DivFI { a: R, b: R, c: R } [raises, native]
    /// R[a] = float(R[b]) / R[c]; ZeroDivisionError on 0.0
    DivIF { a: R, b: R, c: R } [raises, native]
    /// R[a] = -R[b]
    NegF { a: R, b: R } [native]
    /// R[a] = |R[b]|
    AbsF { a: R, b: R } [native]
    /// R[a] = R[c] if R[c] < R[b] else R[b] (Python's min, nan-order kept)
    MinF { a: R, b: R, c: R } [native]
    /// R[a] = R[c] if R[c] > R[b] else R[b] (Python's max)
    MaxF { a: R, b: R, c: R } [native]
    /// R[a] = MATH1[f](R[b]) with Python math's ValueError/OverflowError
    Math1 { a: R, b: R, f: N } [raises, slow, native]
    /// R[a] = atan2(R[b], R[c])
    Atan2 { a: R, b: R, c: R } [slow, native]
    /// R[a] = round(R[b]) to int64, half to even
    RoundFI { a: R, b: R } [raises, slow, native]
    /// R[a] = round(R[b], R[c]) as float
    RoundFN { a: R, b: R, c: R } [slow, native]
    /// R[a] = floor(R[b]) to int64
    FloorFI { a: R, b: R } [raises, slow, native]
    /// R[a] = ceil(R[b]) to int64
    CeilFI { a: R, b: R } [raises, slow, native]
    /// R[a] = isnan(R[b]) / isinf / isfinite as selected by k (0, 1, 2)
    ClassF { a: R, b: R, k: N } [slow, native]

    /// R[a] = R[b] == R[c] (int64)
    EqI { a: R, b: R, c: R } [native]
    /// R[a] = R[b] != R[c]
    NeI { a: R, b: R, c: R } [native]
    /// R[a] = R[b] < R[c]
    LtI { a: R, b: R, c: R } [native]
    /// R[a] = R[b] <= R[c]
    LeI { a: R, b: R, c: R } [native]
    /// R[a] = R[b] == R[c] (float64)
    EqF { a: R, b: R, c: R } [native]
    /// R[a] = R[b] != R[c]
    NeF { a: R, b: R, c: R } [native]
    /// R[a] = R[b] < R[c]
    LtF { a: R, b: R, c: R } [native]
    /// R[a] = R[b] <= R[c]
    LeF { a: R, b: R, c: R } [native]

    /// R[a] = float(R[b])
    IToF { a: R, b: R } [native]
    /// R[a] = int(R[b]), truncating; ValueError/OverflowError on nan/inf/too big
    FToI { a: R, b: R } [raises, slow, native]
    /// R[a] = R[b] != 0
    IToB { a: R, b: R } [native]
    /// R[a] = R[b] != 0.0
    FToB { a: R, b: R } [native]
    /// R[a] = 1 - R[b] (bool not)
    NotB { a: R, b: R } [native]

    /// pc = t
    Jmp { t: L } [jump, term, native]
    /// if R[a] != 0: pc = t
    JmpT { a: R, t: L } [jump, native]
    /// if R[a] == 0: pc = t
    JmpF { a: R, t: L } [jump, native]
    /// if R[a] < R[b] (int64): pc = t
    JLtI { a: R, b: R, t: L } [jump, native]
    /// if R[a] <= R[b] (int64): pc = t
    JLeI { a: R, b: R, t: L } [jump, native]
    /// if R[a] == R[b] (int64): pc = t
    JEqI { a: R, b: R, t: L } [jump, native]
    /// if R[a] != R[b] (int64): pc = t
    JNeI { a: R, b: R, t: L } [jump, native]
    /// if R[a] < v (int64): pc = t
    JLtIK { a: R, v: J, t: L } [jump, native]
    /// if R[a] <= v: pc = t
    JLeIK { a: R, v: J, t: L } [jump, native]
    /// if R[a] > v: pc = t
    JGtIK { a: R, v: J, t: L } [jump, native]
    /// if R[a] >= v: pc = t
    JGeIK { a: R, v: J, t: L } [jump, native]
    /// if R[a] == v: pc = t
    JEqIK { a: R, v: J, t: L } [jump, native]
    /// if R[a] != v: pc = t
    JNeIK { a: R, v: J, t: L } [jump, native]
    /// range loop setup: R[a], R[a+1], R[a+2] = start, stop, step; R[a+1] becomes
    /// the trip count; if 0, pc = t, else R[v] = start. ValueError if step == 0
    ForPrep { a: R, v: R, t: L } [jump, raises, native]
    /// range loop step: if --R[a+1] > 0: R[a] += R[a+2]; R[v] = R[a]; pc = t
    ForLoop { a: R, v: R, t: L } [jump, native]
    /// range loop setup for step 1: R[a], R[a+1] = start, stop; if start >= stop,
    /// pc = t, else R[v] = start
    ForPrep1 { a: R, v: R, t: L } [jump, native]
    /// range loop step for step 1: if R[a] + 1 < R[a+1]: R[a] += 1; R[v] = R[a]; pc = t
    ForLoop1 { a: R, v: R, t: L } [jump, native]

    /// R[a] = R[b] normalised to NumPy scalar dtype k (wrap to a narrow int, round to float32)
    Norm { a: R, b: R, k: N } [slow, native]

    /// R[a] = R[b], adding a reference to the array (R[a] held nothing owned)
    Dup { a: R, b: R } [native]
    /// drop the array reference in R[a], then R[a] = R[b] (moving R[b]'s reference)
    Store { a: R, b: R } [native]
    /// drop the array reference in R[a] (if any); R[a] = 0
    Drop { a: R } [native]
    /// R[a] = R[b][R[c]] (1-D array element, bounds-checked, as its dtype's register bits)
    GetE { a: R, b: R, c: R } [raises, native]
    /// R[a] = R[b][R[c], R[c+1]] (2-D array element)
    GetE2 { a: R, b: R, c: R } [raises, native]
    /// R[a][R[b]] = R[c], an int64 value (converted to the dtype)
    SetEI { a: R, b: R, c: R } [raises, native]
    /// R[a][R[b]] = R[c], a float64 value
    SetEF { a: R, b: R, c: R } [raises, native]
    /// R[a][R[b], R[b+1]] = R[c], an int64 value
    SetE2I { a: R, b: R, c: R } [raises, native]
    /// R[a][R[b], R[b+1]] = R[c], a float64 value
    SetE2F { a: R, b: R, c: R } [raises, native]
    /// R[a] = R[b][R[c]] for a 1-D array of a 64-bit dtype (float64, int64,
    /// uint64): the element's bits as they are
    GetEW { a: R, b: R, c: R } [raises, native]
    /// R[a] = R[b][R[c], R[c+1]] for a 2-D array of a 64-bit dtype
    GetE2W { a: R, b: R, c: R } [raises, native]
    /// R[a][R[b]] = R[c] for a 1-D array whose dtype has R[c]'s representation
    /// (float64 value into float64, int64 into int64 or uint64): bits stored as they are
    SetEW { a: R, b: R, c: R } [raises, native]
    /// R[a][R[b], R[b+1]] = R[c], as SetEW for a 2-D array
    SetE2W { a: R, b: R, c: R } [raises, native]
    /// R[a] = R[b][R[c]] for a 1-D bool array (0 or 1)
    GetEB { a: R, b: R, c: R } [raises, native]
    /// R[a][R[b]] = R[c] != 0, an int64 value into a 1-D bool array
    SetEB { a: R, b: R, c: R } [raises, native]
    /// runtime array operation d of the module on the register window R[a..]
    Rt { a: R, d: N } [raises, slow, native]

    /// print R[a] formatted as kind f (see `pfmt`)
    Print { a: R, f: N } [raises, slow, native]
    /// print string constant s of the module
    PrintK { s: N } [slow, native]
    /// raise exception e (index into EXCEPTIONS) with message string s
    Raise { e: N, s: N } [term, raises, slow]
    /// R[a] = a new string: format d of the module on the operands in
    /// R[a..a+n] (n is the format's window)
    Fmt { a: R, n: N, d: N } [raises, slow, native]
    /// raise exception e (index into EXCEPTIONS) with the string in R[a]
    RaiseT { e: N, a: R } [term, raises, slow]
    /// if R[a] == 0, the local it stands for is unassigned: raise
    /// UnboundLocalError (k = 0) or, in module code, NameError (k = 1) with
    /// message string s. R[a] is the local's assigned flag, or an array
    /// local itself (null until assigned)
    Bound { a: R, s: N, k: N } [raises, native]

    // Call and return close the table: with a handled op last, the
    // interpreter's jump table needs no bound check.
    /// call function f with its frame at R[a]: arguments in R[a..], results to R[a..]
    Call { a: R, f: N } [raises, native]
    /// return R[a..a+n] to the caller
    Ret { a: R, n: N } [term, native]
    /// return R[a] to the caller, from a function without array locals
    Ret1 { a: R } [term, native]
}

/// `Bound` kinds.
pub mod unbound {
    /// A function's local: `UnboundLocalError`.
    pub const LOCAL: u16 = 0;
    /// A name of the module's code: `NameError`.
    pub const MODULE: u16 = 1;
}

/// `Print` kinds.
pub mod pfmt {
    pub const INT: u16 = 0;
    pub const FLOAT: u16 = 1;
    pub const BOOL: u16 = 2;
    pub const STR: u16 = 3;
    pub const FLOAT32: u16 = 4;
    /// A string index, printed as Python's repr (inside tuples).
    pub const STR_REPR: u16 = 5;
    /// An array (NumPy's str).
    pub const ARRAY: u16 = 6;
    /// A dtype object's name (a string index).
    pub const DTYPE: u16 = 7;
    /// A NumPy bool as its repr (inside tuples): `np.True_` or `np.False_`.
    pub const NPBOOL_REPR: u16 = 8;
    /// A string made at run time (a reference to its text).
    pub const TEXT: u16 = 9;
    /// A string made at run time, printed as Python's repr (inside tuples).
    pub const TEXT_REPR: u16 = 10;
    /// An array as NumPy's repr (inside tuples): `array([1, 2])`.
    pub const ARRAY_REPR: u16 = 11;
}

impl Op {
    /// Does control never fall through to the next instruction?
    pub fn is_terminator(&self) -> bool {
        self.props().term
    }
    /// The jump target, for ops that have one.
    pub fn target(&self) -> Option<L> {
        match *self {
            Op::Jmp { t }
            | Op::JmpT { t, .. }
            | Op::JmpF { t, .. }
            | Op::JLtI { t, .. }
            | Op::JLeI { t, .. }
            | Op::JEqI { t, .. }
            | Op::JNeI { t, .. }
            | Op::JLtIK { t, .. }
            | Op::JLeIK { t, .. }
            | Op::JGtIK { t, .. }
            | Op::JGeIK { t, .. }
            | Op::JEqIK { t, .. }
            | Op::JNeIK { t, .. }
            | Op::ForPrep { t, .. }
            | Op::ForLoop { t, .. }
            | Op::ForPrep1 { t, .. }
            | Op::ForLoop1 { t, .. } => Some(t),
            _ => None,
        }
    }
    pub fn set_target(&mut self, to: L) {
        match self {
            Op::Jmp { t }
            | Op::JmpT { t, .. }
            | Op::JmpF { t, .. }
            | Op::JLtI { t, .. }
            | Op::JLeI { t, .. }
            | Op::JEqI { t, .. }
            | Op::JNeI { t, .. }
            | Op::JLtIK { t, .. }
            | Op::JLeIK { t, .. }
            | Op::JGtIK { t, .. }
            | Op::JGeIK { t, .. }
            | Op::JEqIK { t, .. }
            | Op::JNeIK { t, .. }
            | Op::ForPrep { t, .. }
            | Op::ForLoop { t, .. }
            | Op::ForPrep1 { t, .. }
            | Op::ForLoop1 { t, .. } => *t = to,
            _ => panic!("set_target on {}", self.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_are_eight_bytes() {
        assert_eq!(std::mem::size_of::<Op>(), 8);
    }

    #[test]
    fn flags_agree_with_the_operands() {
        for op in Op::SAMPLES {
            let p = op.props();
            assert_eq!(p.jump, op.target().is_some(), "{}: jump flag", op.name());
            // Every op that ends control flow without a jump leaves the
            // function; one that is both is an unconditional jump.
            if p.term && !p.jump {
                assert!(matches!(
                    op,
                    Op::Ret { .. } | Op::Ret1 { .. } | Op::Raise { .. } | Op::RaiseT { .. }
                ));
            }
        }
        assert_eq!(Op::SAMPLES.len(), Op::NAMES.len());
        for (op, name) in Op::SAMPLES.iter().zip(Op::NAMES) {
            assert_eq!(op.name(), *name);
        }
        assert!(Op::Jmp { t: 0 }.is_terminator() && !Op::JmpT { a: 0, t: 0 }.is_terminator());
        assert!(Op::ModI { a: 0, b: 0, c: 0 }.props().raises);
        assert!(Op::Math1 { a: 0, b: 0, f: 0 }.props().slow);
    }

    #[test]
    fn table_is_complete() {
        for name in Op::NAMES {
            assert!(!Op::doc(name).is_empty(), "{name} has no meaning");
        }
        let op = Op::AddI { a: 1, b: 2, c: 3 };
        assert_eq!(op.name(), "AddI");
        assert_eq!(op.operands().as_slice(), &[("R", 1), ("R", 2), ("R", 3)]);
    }
}
