//! The typed IR: one [`TFunc`] per specialisation, every expression carrying
//! its type, names resolved to locals, calls resolved to specialisations and
//! implicit conversions made explicit as [`TExprKind::Cast`] nodes. This is
//! what the bytecode compiler consumes; it never has to infer anything.

use crate::ast::{BinOp, CmpOp};
use crate::diag::Span;
use crate::types::Type;

pub type LocalId = u32;
pub type SpecId = u32;

#[derive(Clone, Debug)]
pub struct Local {
    pub name: String,
    pub ty: Type,
    /// Where the local first got its type (for diagnostics).
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct TFunc {
    /// `<module>` for the top-level code.
    pub name: String,
    pub args: Vec<Type>,
    pub params: Vec<LocalId>,
    pub locals: Vec<Local>,
    pub ret: Type,
    pub body: Vec<TStmt>,
    /// The `def` line (or the start of the file).
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    None,
    /// A dtype object (`np.float64`, `a.dtype`).
    DType(crate::types::DType),
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[derive(Clone, Debug)]
pub enum Target {
    Local(LocalId),
    Tuple(Vec<Target>),
}

#[derive(Clone, Debug)]
pub struct TStmt {
    pub kind: TStmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TStmtKind {
    Expr(TExpr),
    Assign(Target, TExpr),
    If(TExpr, Vec<TStmt>, Vec<TStmt>),
    While {
        cond: TExpr,
        body: Vec<TStmt>,
        orelse: Vec<TStmt>,
    },
    /// `for var in range(start, stop, step)`; all three are int64.
    ForRange {
        var: LocalId,
        start: TExpr,
        stop: TExpr,
        step: TExpr,
        body: Vec<TStmt>,
        orelse: Vec<TStmt>,
    },
    Break,
    Continue,
    Return(Option<TExpr>),
    Assert(TExpr, Option<String>),
    /// `raise Name("message")`.
    Raise(String, String),
    /// `raise Name(text)` with a message made at run time (a `Text`).
    RaiseText(String, TExpr),
    Print {
        args: Vec<TExpr>,
        sep: String,
        end: String,
    },
}

#[derive(Clone, Debug)]
pub struct TExpr {
    pub kind: TExprKind,
    pub ty: Type,
    pub span: Span,
}

/// Scalar built-in functions, each one kernel or one opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Intrinsic {
    /// A float → float math function from the runtime's kernel table.
    Math1(crate::builtins::Math1),
    /// `math.atan2(y, x)`.
    Atan2,
    Abs,
    Min,
    Max,
    /// `round(x)`: half to even, to int.
    Round,
    /// `round(x, n)`: correctly rounded, stays float.
    RoundN,
    /// `math.floor` / `math.ceil`: float to int.
    Floor,
    Ceil,
    IsNan,
    IsInf,
    IsFinite,
}

/// Scalar functions the runtime computes through its kernel table
/// ([`RtOp::Scalar`]): the `math` functions beyond the float table and
/// the roundings whose rules need more than one instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarFn {
    /// `math.hypot(x, y)`.
    Hypot,
    /// `math.copysign(x, y)`.
    Copysign,
    /// `math.fmod(x, y)`, with Python's domain error.
    Fmod,
    /// `math.gcd(a, b)` on ints.
    Gcd,
    /// `math.factorial(n)` on an int.
    Factorial,
    /// `math.isqrt(n)` on an int.
    Isqrt,
    /// `math.isclose(a, b, rel_tol, abs_tol)` on floats, a bool.
    IsClose,
    /// `math.expm1`, `math.log1p`, `math.asinh`, `math.acosh`,
    /// `math.atanh`, `math.erf`, `math.erfc` (the C library's, as CPython's).
    Expm1,
    Log1p,
    Asinh,
    Acosh,
    Atanh,
    Erf,
    Erfc,
    /// `math.gamma`, `math.lgamma`: CPython's own Lanczos approximations.
    Gamma,
    Lgamma,
    /// `math.ldexp(x, i)`: a float and an int.
    Ldexp,
    /// `round(n, ndigits)` on an int: half to even at a power of ten.
    RoundInt,
    /// NumPy's `round(x, decimals)` of a float scalar of this dtype:
    /// scaled by a power of ten, rounded half to even, scaled back, each
    /// step in the dtype.
    RoundNp(crate::types::DType),
}

impl ScalarFn {
    /// The name a program calls it by.
    pub fn name(self) -> &'static str {
        match self {
            ScalarFn::Hypot => "math.hypot",
            ScalarFn::Copysign => "math.copysign",
            ScalarFn::Fmod => "math.fmod",
            ScalarFn::Gcd => "math.gcd",
            ScalarFn::Factorial => "math.factorial",
            ScalarFn::Isqrt => "math.isqrt",
            ScalarFn::IsClose => "math.isclose",
            ScalarFn::Expm1 => "math.expm1",
            ScalarFn::Log1p => "math.log1p",
            ScalarFn::Asinh => "math.asinh",
            ScalarFn::Acosh => "math.acosh",
            ScalarFn::Atanh => "math.atanh",
            ScalarFn::Erf => "math.erf",
            ScalarFn::Erfc => "math.erfc",
            ScalarFn::Gamma => "math.gamma",
            ScalarFn::Lgamma => "math.lgamma",
            ScalarFn::Ldexp => "math.ldexp",
            ScalarFn::RoundInt | ScalarFn::RoundNp(_) => "round",
        }
    }
}

/// Draws from the random generators: NumPy's legacy global `RandomState`
/// (`np.random`) and Python's `random` module, each its own MT19937. A
/// draw that makes an array takes the shape as its last operand (an int or
/// a tuple of ints); the result type says whether it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RandFn {
    /// `np.random.seed(n)`; without an operand, back to the unseeded state.
    NpSeed,
    /// `np.random.random/random_sample/rand`: uniform on [0, 1).
    NpRandom,
    /// `np.random.standard_normal/randn`: the legacy polar Gaussian.
    NpGauss,
    /// `np.random.uniform(low, high)`, float operands.
    NpUniform,
    /// `np.random.normal(loc, scale)`, float operands.
    NpNormal,
    /// `np.random.randint(low, high, dtype=)`, integer operands, results
    /// of the dtype (drawn as NumPy draws each dtype).
    NpRandint(crate::types::DType),
    /// `np.random.choice(a)`: `a` an int (results are ints) or a 1-D array
    /// (results are its elements); `replace=False` draws a permutation;
    /// with `p`, the last operand (before the shape) is an array of
    /// probabilities.
    NpChoice { replace: bool, p: bool },
    /// `np.random.shuffle(a)`, in place along the first axis.
    NpShuffle,
    /// `np.random.permutation(x)`: of `np.arange(x)` for an int, else a
    /// shuffled copy.
    NpPermutation,
    /// `random.seed(n)`; without an operand, back to the unseeded state.
    PySeed,
    /// `random.random()`.
    PyRandom,
    /// `random.uniform(a, b)`, on the operands as Python numbers.
    PyUniform,
    /// `random.randrange(start, stop, step)`; `true` when called with the
    /// stop alone (its error message differs).
    PyRandrange(bool),
    /// `random.randint(a, b)`: `randrange(a, b + 1)`.
    PyRandint,
    /// `random.choice(a)` of a 1-D array: an element.
    PyChoice,
    /// `random.shuffle(a)` of a 1-D array, in place.
    PyShuffle,
    /// `random.gauss(mu, sigma)`, float operands.
    PyGauss,
}

impl RandFn {
    /// The name a program calls it by, for messages.
    pub fn name(self) -> &'static str {
        match self {
            RandFn::NpSeed => "np.random.seed",
            RandFn::NpRandom => "np.random.random",
            RandFn::NpGauss => "np.random.standard_normal",
            RandFn::NpUniform => "np.random.uniform",
            RandFn::NpNormal => "np.random.normal",
            RandFn::NpRandint(_) => "np.random.randint",
            RandFn::NpChoice { .. } => "np.random.choice",
            RandFn::NpShuffle => "np.random.shuffle",
            RandFn::NpPermutation => "np.random.permutation",
            RandFn::PySeed => "random.seed",
            RandFn::PyRandom => "random.random",
            RandFn::PyUniform => "random.uniform",
            RandFn::PyRandrange(_) => "random.randrange",
            RandFn::PyRandint => "random.randint",
            RandFn::PyChoice => "random.choice",
            RandFn::PyShuffle => "random.shuffle",
            RandFn::PyGauss => "random.gauss",
        }
    }
}

/// NumPy ufuncs: elementwise functions over broadcast operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ufunc {
    Add,
    Subtract,
    Multiply,
    TrueDivide,
    FloorDivide,
    Remainder,
    Power,
    Negative,
    Absolute,
    /// A float function (`np.sqrt`, `np.sin`, ...), one kernel of the math table.
    Float1(crate::builtins::Math1),
    Floor,
    Ceil,
    Arctan2,
    Minimum,
    Maximum,
    Fmin,
    Fmax,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    BitwiseAnd,
    BitwiseOr,
    BitwiseXor,
    Invert,
    LeftShift,
    RightShift,
    LogicalAnd,
    LogicalOr,
    LogicalNot,
    /// Round half to even, to a float (`np.rint`).
    Rint,
    /// Float classification, to bool (every integer is finite).
    IsNan,
    IsInf,
    IsFinite,
}

/// Reductions over a whole array or one axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reduction {
    Sum,
    Prod,
    Min,
    Max,
    Mean,
    ArgMin,
    ArgMax,
}

/// How a runtime operation receives one operand: an array (of a dtype) or a
/// scalar register holding a value of a dtype (int64 bits or float64 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arg {
    Array(crate::types::DType),
    Scalar(crate::types::DType),
    /// A Python int (int64 in its register): NumPy 2 requires it to fit
    /// the integer dtype it meets.
    PyInt,
}

/// What fills a new array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fill {
    Empty,
    Zeros,
    Ones,
    /// The last argument is the fill value.
    Value,
}

/// One subscript item: an integer index (one register), a slice whose
/// present bounds each take a register, `None`/`np.newaxis` (no register),
/// or an index array (one register).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Idx {
    Int,
    Slice {
        lo: bool,
        hi: bool,
        step: bool,
    },
    /// A new axis of length 1.
    NewAxis,
    /// An array of integers (any integer dtype, at least one dimension)
    /// indexing one axis.
    Array,
    /// A boolean mask indexing as many axes as it has dimensions.
    Mask,
}

/// An operation the runtime performs on arrays, with everything known
/// statically about it. Its operands are the node's arguments, flattened
/// into consecutive registers in order; the result type is the node's.
#[derive(Clone, Debug, PartialEq)]
pub enum RtOp {
    /// `np.empty/zeros/ones/full(shape)`: args are the shape's ints [, fill].
    New(Fill),
    /// `np.empty_like` and friends: args are the array [, fill].
    NewLike(Fill),
    /// `np.arange(start, stop, step)` in the result's dtype.
    Arange,
    /// `np.linspace(start, stop, num, endpoint)`.
    Linspace,
    /// `np.array([...])`: args are the elements, row-major, already of the dtype.
    FromElems(Vec<usize>),
    /// A C-contiguous copy (`np.copy`, `a.copy()`), same class and dtype.
    Copy,
    /// `a.astype(dtype)`: a copy converted to the result's dtype.
    Astype,
    /// `a.reshape(shape)`: args are the array and the new shape's ints (-1 allowed).
    Reshape,
    /// `a.T`: a view with the axes reversed.
    Transpose,
    /// An elementwise ufunc computing in `dt` on the given operands.
    Ufunc {
        f: Ufunc,
        dt: crate::types::DType,
        args: Vec<Arg>,
    },
    /// `a op= b` in place: the first operand is also the output.
    InPlace {
        f: Ufunc,
        dt: crate::types::DType,
        args: Vec<Arg>,
    },
    /// `np.where(c, x, y)`.
    Where(Vec<Arg>),
    /// A reduction accumulating in `acc`, over all elements or one axis.
    Reduce {
        f: Reduction,
        axis: Option<u8>,
        acc: crate::types::DType,
    },
    /// `np.dot(a, b)` computing in `dt`; `true` for `a @ b` / `np.matmul`
    /// (same result here, NumPy words its errors differently).
    Dot(crate::types::DType, bool),
    /// `a[...]`: an element (all indices integers) or a view.
    GetItem(Vec<Idx>),
    /// `a[...] = v`: the last argument is the value (scalar or array).
    SetItem(Vec<Idx>, Arg),
    /// `a[...]` with index arrays (`Idx::Array`, `Idx::Mask`): a copy.
    Take(Vec<Idx>),
    /// `a[...] = v` with index arrays: the last argument is the value.
    Put(Vec<Idx>, Arg),
    /// `np.nonzero(a)`: a tuple of int64 arrays, the indices of the
    /// nonzero elements along each axis; with `flat`, `np.flatnonzero(a)`,
    /// their positions in C order.
    NonZero { flat: bool },
    /// `np.searchsorted(a, v, side)`: where each `v` (a scalar or an
    /// array) goes in the sorted 1-D `a`, comparing in `dt`; `right` for
    /// `side='right'`.
    SearchSorted {
        right: bool,
        dt: crate::types::DType,
    },
    /// `np.unique(a)`: the sorted distinct elements (NaNs as one, last).
    Unique,
    /// `np.histogram(a, bins[, range])`: a tuple of the int64 counts and
    /// the edges. With `edges`, `bins` is an array of edges (returned as
    /// it is); else an int, the number of equal bins, over `range` (two
    /// Python numbers) if `range`, or from the least to the greatest
    /// element.
    Histogram { edges: bool, range: bool },
    /// `np.isclose(x, y, rtol, atol)`: `y` is converted to the float dtype
    /// `y`, `x - y` and the comparisons compute in `sub`, the tolerance
    /// `atol + rtol * abs(y)` in `tol`.
    IsClose {
        sub: crate::types::DType,
        y: crate::types::DType,
        tol: crate::types::DType,
        equal_nan: bool,
    },
    /// `a.fill(v)`.
    FillWith,
    /// `len(a)` (the first axis).
    Len,
    /// `a.shape` as a tuple of ints.
    Shape,
    /// `a.size`.
    Size,
    /// A scalar function of scalar operands.
    Scalar(ScalarFn),
    /// `np.cumsum`/`np.cumprod` accumulating in `acc`: of the flattened
    /// array (no axis) or along one axis.
    Cumulate {
        f: Reduction,
        axis: Option<u8>,
        acc: crate::types::DType,
    },
    /// `np.sort(a, axis)`, a sorted copy along `axis` (NaNs last); with
    /// `in_place`, `a.sort(axis)`. Ties keep their order (a stable sort).
    Sort { in_place: bool, axis: u8 },
    /// `np.argsort(a, axis)` along `axis`, stable.
    ArgSort(u8),
    /// `np.concatenate((a, b, ...), axis)`: the operands are the arrays.
    Concat(u8),
    /// `np.stack((a, b, ...), axis)`: the operands are arrays of one shape,
    /// joined along a new axis `axis` of the result.
    Stack(u8),
    /// `np.diff(a)` along the last axis.
    Diff,
    /// `np.eye(n, m, k)` in the result's dtype: the operands are n, m, k.
    Eye,
    /// The main diagonal of a 2-D array, a view (`np.diagonal`).
    Diagonal,
    /// `np.quantile(a, q)` (or, `percent`, `np.percentile`) with the
    /// linear method, of every element or along `axis`: the operands are
    /// the array and `q`, a Python int or float.
    Quantile { percent: bool, axis: Option<u8> },
    /// `math.frexp(x)`: the tuple (mantissa, exponent), as CPython's.
    Frexp,
    /// `math.modf(x)`: the tuple (fractional part, integral part), as CPython's.
    Modf,
    /// `np.var(a)` (or, `std`, its square root) of every element, or along
    /// `axis`, with `ddof` delta degrees of freedom: the mean and the sum of
    /// squares accumulate in `acc`, the deviations are of dtype `dev`.
    Var {
        std: bool,
        ddof: i64,
        axis: Option<u8>,
        acc: crate::types::DType,
        dev: crate::types::DType,
    },
    /// `np.median(a)` of every element.
    Median,
    /// `a.flat[i]`: element `i` in C order (negative from the end).
    FlatGet,
    /// A 0-d view of element `i` of an array in C order (an item of
    /// `np.nditer`).
    FlatView,
    /// Operand `which` of `np.nditer((a, b, ...), order=...)` as its loop
    /// reads it: broadcast to the operands' shape, with its axes in the
    /// order the iterator visits them (outermost first) and, for `K`,
    /// reversed where no operand steps forwards, so that element k in C
    /// order is the iterator's item k. Raises NumPy's errors for
    /// zero-sized or unbroadcastable operands.
    IterView { which: u8, order: IterOrder },
    /// `a.flat[i] = v`: the last argument is the value, of the array's dtype.
    FlatSet,
    /// Python's `sum(a)`, `min(a)` or `max(a)` of a 1-D array: its elements
    /// in order, as the builtins iterate (not NumPy's pairwise sum).
    PyFold(Reduction),
    /// `np.diag(v, k)`: the operands are the array (1-D or 2-D) and `k`.
    Diag,
    /// `np.nan_to_num(a, nan=, posinf=, neginf=)` of a float array (or
    /// scalar): the operands are the array, then the replacements given
    /// (floats), in that order, as the flags say.
    NanToNum { given: [bool; 3] },
    /// `np.interp(x, xp, fp, left=, right=)` in float64: the operands are
    /// `x` (a number or an array), `xp`, `fp`, then the ends given.
    Interp { given: [bool; 2] },
    /// `np.bincount(x[, weights], minlength)`: the operands are `x`, the
    /// weights if `weights`, and `minlength`.
    Bincount { weights: bool },
    /// `np.convolve(a, v, mode)` computing in `dt`.
    Convolve {
        mode: ConvolveMode,
        dt: crate::types::DType,
    },
    /// `np.linalg.norm(a)`: the 2-norm of the flattened array.
    Norm,
    /// `np.tile(a, reps)`: the operands are the array and `reps` (an int
    /// or a tuple of ints).
    Tile,
    /// `np.triu(m, k)` (`upper`) or `np.tril(m, k)`: a copy with the
    /// elements below (above) diagonal `k` of the last two axes zeroed.
    Tri { upper: bool },
    /// `np.roll(a, shift, axis)`: of the flattened array for no axis.
    Roll { axis: Option<u8> },
    /// `np.repeat(a, repeats)` of the flattened array, `repeats` an int.
    Repeat,
    /// `np.meshgrid(x, y, indexing=)`: a tuple of two arrays of the
    /// flattened operands, `ij` for matrix indexing.
    Meshgrid { ij: bool },
    /// A unary elementwise function computed by the runtime (not fused):
    /// the operand is an array (a number as a 0-d array; the result is then
    /// a number), the result of the node's dtype.
    Map(MapFn),
    /// `x, y, ... = a`: the `n` items along the first axis (elements of a
    /// 1-D array, views of the rows of more), as a tuple; Python's
    /// `ValueError` when the array does not have `n`.
    Unpack(u8),
    /// A draw from a random generator. It changes the generator's state:
    /// it is never reordered, merged with another or dropped.
    Random(RandFn),
}

/// The elementwise functions of [`RtOp::Map`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapFn {
    /// `x * x` in the dtype.
    Square,
    /// -1, 0 or 1 in the dtype (a NaN stays).
    Sign,
    /// `1 / x` of a float.
    Reciprocal,
    Log1p,
    Expm1,
    Cbrt,
    Exp2,
    Deg2Rad,
    Rad2Deg,
    Fabs,
}

/// The `mode` of `np.convolve`: every overlap, the middle `len(a)`
/// outputs, or only full overlaps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConvolveMode {
    Full,
    Same,
    Valid,
}

/// The order `np.nditer` visits elements in: C's, Fortran's, Fortran's
/// if every operand is Fortran-contiguous (`A`), or as they lie in memory
/// (`K`, NumPy's default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IterOrder {
    C,
    F,
    A,
    K,
}

/// How a format field shows its value: `format(value, spec)`, or
/// `format(str(value), spec)` and so on for `!s`, `!r` and `!a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Conv {
    Format,
    Str,
    Repr,
    Ascii,
}

/// A piece of a formatted string: text, or a field showing operand `arg`
/// with its conversion and its format spec (itself pieces, for nested
/// fields: `{x:{w}.2f}`).
#[derive(Clone, Debug, PartialEq)]
pub enum FmtPiece {
    Lit(String),
    Field {
        arg: u16,
        conv: Conv,
        spec: Vec<FmtPiece>,
    },
    /// `template.format(...)` with a template known only at run time
    /// (operand `arg`, a string), read then: its fields show the operands
    /// after it, `npos` positional arguments then the keywords `kw`.
    Template {
        arg: u16,
        npos: u16,
        kw: Vec<String>,
    },
}

#[derive(Clone, Debug)]
pub enum TExprKind {
    Const(Const),
    Local(LocalId),
    /// `-x`, `~x` (operand already of the result type).
    Neg(Box<TExpr>),
    Invert(Box<TExpr>),
    /// `not x` on a bool operand.
    Not(Box<TExpr>),
    /// Truth value of a scalar (`bool(x)`, `if x:`): the operand is any scalar.
    Truth(Box<TExpr>),
    /// Arithmetic/bitwise; both operands have the type the operation computes
    /// in (the node's type, except `/` on ints which computes in float).
    Binary(BinOp, Box<TExpr>, Box<TExpr>),
    /// `a < b <= c`: operands evaluated once, left to right, short-circuit.
    /// Each comparison carries the type both sides are converted to.
    Compare(Vec<TExpr>, Vec<(CmpOp, Type)>),
    /// `a and b` / `a or b` with both sides of the node's type.
    And(Box<TExpr>, Box<TExpr>),
    Or(Box<TExpr>, Box<TExpr>),
    IfExp(Box<TExpr>, Box<TExpr>, Box<TExpr>),
    Call(SpecId, Vec<TExpr>),
    Intrinsic(Intrinsic, Vec<TExpr>),
    /// Convert the operand to the node's type (int→float, bool→int,
    /// float→int truncating, and between NumPy scalar types).
    Cast(Box<TExpr>),
    Tuple(Vec<TExpr>),
    TupleGet(Box<TExpr>, usize),
    /// An array operation of the runtime.
    Rt(RtOp, Vec<TExpr>),
    /// An f-string or `str.format`: the operands, evaluated in order, and
    /// the pieces that show them. A `Text`.
    Format(std::rc::Rc<[FmtPiece]>, Vec<TExpr>),
}

impl TExpr {
    pub fn cast(self, to: &Type) -> TExpr {
        if &self.ty == to || self.ty == Type::Unknown || *to == Type::Unknown {
            return self;
        }
        if let (TExprKind::Tuple(items), Type::Tuple(tys)) = (&self.kind, to) {
            let items = items
                .iter()
                .cloned()
                .zip(tys.iter())
                .map(|(e, t)| e.cast(t))
                .collect();
            return TExpr {
                kind: TExprKind::Tuple(items),
                ty: to.clone(),
                span: self.span,
            };
        }
        // Fold conversions of Python-scalar constants, so `x * 2` on a float
        // carries the constant 2.0 instead of a run-time conversion.
        if let TExprKind::Const(c) = &self.kind {
            let folded = match (c, to) {
                (Const::Int(v), Type::Float) => Some(Const::Float(*v as f64)),
                (Const::Bool(b), Type::Float) => Some(Const::Float(*b as i64 as f64)),
                (Const::Bool(b), Type::Int) => Some(Const::Int(*b as i64)),
                (Const::Int(v), Type::Bool) => Some(Const::Bool(*v != 0)),
                (Const::Float(v), Type::Bool) => Some(Const::Bool(*v != 0.0)),
                _ => None,
            };
            if let Some(c) = folded {
                return TExpr {
                    kind: TExprKind::Const(c),
                    ty: to.clone(),
                    span: self.span,
                };
            }
        }
        let span = self.span;
        if (&self.ty, to) == (&Type::Str, &Type::Text) {
            // A literal's text, made at run time: a format of just it.
            let field = FmtPiece::Field {
                arg: 0,
                conv: Conv::Format,
                spec: Vec::new(),
            };
            return TExpr {
                kind: TExprKind::Format(vec![field].into(), vec![self]),
                ty: Type::Text,
                span,
            };
        }
        TExpr {
            kind: TExprKind::Cast(Box::new(self)),
            ty: to.clone(),
            span,
        }
    }
}
