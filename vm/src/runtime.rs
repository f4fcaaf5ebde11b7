//! The runtime entry table: the native functions compiled code calls,
//! gathered in one `#[repr(C)]` struct so that both tiers reach every kernel
//! the same way (the interpreter by field, JIT code by a fixed offset from a
//! pinned register holding the table's address, or by the address a field
//! holds).
//!
//! This crate implements the array operations (`rt_exec`) and reference
//! counting, but no kernel: the loops that compute (ufuncs, fused
//! expressions, reductions, products), Python's scalar semantics and
//! number formatting come from a kernel library through [`Kernels`],
//! which the embedding crate installs once at start-up ([`install`]).
//! Until then the table is absent, and using it is a programming error
//! that panics with a message saying so.

use std::sync::OnceLock;

use typer::tir::{RandFn, Reduction, ScalarFn, Ufunc};
use typer::DType;

use crate::array::{Array, Raised, Val};
use crate::rt::{RtCtx, RtDesc};

/// A unary float kernel as compiled code calls it.
pub type Math1Fn = extern "C" fn(f64) -> f64;

/// Where a runtime operation called from native code leaves its exception.
pub type RaisedSlot = Option<Raised>;

/// An array operation (`Rt` instruction): the context (allocation through
/// the classmethod table), the call site, its register window and length.
/// Returns 0 on success; otherwise the exception is in `*raised`.
pub type RtExecFn = unsafe extern "C" fn(
    ctx: *const RtCtx,
    desc: *const RtDesc,
    regs: *mut u64,
    nregs: usize,
    raised: *mut RaisedSlot,
) -> u32;

/// One element, as read from an array of some dtype, for the formatter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Elem {
    Bool(bool),
    Int(i64),
    UInt(u64),
    F32(f32),
    F64(f64),
}

/// A value a format field shows, as Python's `format(value, spec)` sees
/// it: NumPy scalars are converted to the Python number they hold first
/// (as NumPy's `__format__` does); `Other` is any other value (an array,
/// a tuple, None) by its `str` and its type's name, which only the empty
/// spec formats.
#[derive(Clone, Copy, Debug)]
pub enum Field<'a> {
    Int(i128),
    Bool(bool),
    Float(f64),
    Str(&'a str),
    Other {
        text: &'a str,
        type_name: &'static str,
    },
}

/// An input of an elementwise kernel: an array, read as if broadcast to the
/// output's shape, or one value for every element.
#[derive(Clone, Copy)]
pub enum Input<'a> {
    Arr(&'a Array),
    Scalar(Val),
}

/// One node of a fused elementwise expression, in postfix order: each node
/// pops its operands from the evaluation stack and pushes its value.
#[derive(Clone, Debug, PartialEq)]
pub enum FusedNode {
    /// Leaf `k` of the expression (an array read at the element, or a
    /// scalar), converted to the kind of dtype `dt`, the loop dtype of the
    /// operation that reads it. `py_int`: a Python int, which NumPy 2
    /// requires to fit an integer loop dtype.
    Input { k: u16, dt: DType, py_int: bool },
    /// The ufunc `f` computing in `dt`, whose result has dtype `out` (`dt`,
    /// bool for comparisons, or an in-place target's dtype): every value is
    /// narrowed to `out` as NumPy's temporary array would hold it.
    Ufunc { f: Ufunc, dt: DType, out: DType },
    /// `np.where(c, x, y)` with a result of dtype `out`.
    Where { out: DType },
}

/// A fused elementwise expression: one pass over the result's elements that
/// computes the whole tree for each and allocates nothing but the result.
#[derive(Clone, Debug, PartialEq)]
pub struct Fused {
    pub nodes: Vec<FusedNode>,
    /// How many of the call site's operands, at its end, are the leaves.
    pub leaves: u16,
    /// The most values on the evaluation stack at once.
    pub depth: u16,
}

impl Fused {
    /// The operations (ufuncs and `where`s) in the expression.
    pub fn ops(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| !matches!(n, FusedNode::Input { .. }))
            .count()
    }
}

/// Python's scalar semantics the interpreter executes, through the table.
pub mod scalar {
    use super::kernels;

    /// A Python exception raised by a scalar kernel: (exception name, message).
    pub type ScalarError = (&'static str, &'static str);

    pub const INT_DIV_ZERO: ScalarError =
        ("ZeroDivisionError", "integer division or modulo by zero");
    pub const INT_MOD_ZERO: ScalarError = ("ZeroDivisionError", "integer modulo by zero");
    pub const DIV_ZERO: ScalarError = ("ZeroDivisionError", "division by zero");
    pub const FLOAT_DIV_ZERO: ScalarError = ("ZeroDivisionError", "float division by zero");
    pub const FLOAT_FLOORDIV_ZERO: ScalarError =
        ("ZeroDivisionError", "float floor division by zero");
    pub const FLOAT_MOD_ZERO: ScalarError = ("ZeroDivisionError", "float modulo");
    pub const ZERO_NEG_POW: ScalarError = (
        "ZeroDivisionError",
        "0.0 cannot be raised to a negative power",
    );
    pub const NEG_INT_POW: ScalarError = (
        "ValueError",
        "Integers to negative integer powers are not allowed.",
    );
    pub const NEG_SHIFT: ScalarError = ("ValueError", "negative shift count");
    pub const NAN_TO_INT: ScalarError = ("ValueError", "cannot convert float NaN to integer");
    pub const INF_TO_INT: ScalarError =
        ("OverflowError", "cannot convert float infinity to integer");
    pub const BIG_TO_INT: ScalarError = ("OverflowError", "float is too large to convert to int64");

    #[inline]
    pub fn floordiv_i64(a: i64, b: i64) -> i64 {
        (kernels().floordiv_i64)(a, b)
    }
    #[inline]
    pub fn mod_i64(a: i64, b: i64) -> i64 {
        (kernels().mod_i64)(a, b)
    }
    pub fn pow_i64(a: i64, b: i64) -> Result<i64, ScalarError> {
        (kernels().pow_i64)(a, b)
    }
    pub fn pow_f64(a: f64, b: f64) -> Result<f64, ScalarError> {
        (kernels().pow_f64)(a, b)
    }
    pub fn shl_i64(a: i64, b: i64) -> Result<i64, ScalarError> {
        (kernels().shl_i64)(a, b)
    }
    pub fn shr_i64(a: i64, b: i64) -> Result<i64, ScalarError> {
        (kernels().shr_i64)(a, b)
    }
    pub fn f64_to_i64(x: f64) -> Result<i64, ScalarError> {
        (kernels().f64_to_i64)(x)
    }
    pub fn round_i64(x: f64) -> Result<i64, ScalarError> {
        (kernels().round_i64)(x)
    }
    pub fn round_f64(x: f64, n: i64) -> f64 {
        (kernels().round_f64)(x, n)
    }
}

/// A Mersenne Twister (MT19937) as NumPy and CPython keep it: the 624
/// words of state and the position of the next one to temper.
#[derive(Clone, Debug)]
pub struct Mt19937 {
    pub key: [u32; 624],
    pub pos: usize,
}

/// The random generators of one VM: NumPy's legacy global `RandomState`
/// (`np.random`) with the spare Gaussian its polar method keeps, and
/// Python's `random`. A generator is `None` until it is first seeded or
/// drawn from; the kernels then seed it as the unseeded state.
#[derive(Clone, Debug, Default)]
pub struct Generators {
    pub np: Option<Box<Mt19937>>,
    pub gauss: Option<f64>,
    pub py: Option<Box<Mt19937>>,
    /// The second value of `random.gauss`'s last pair, until drawn.
    pub py_gauss: Option<f64>,
}

/// What a random draw gives: a scalar, a new array (an owned reference),
/// or nothing (seeding, shuffling in place).
pub enum Drawn {
    Val(Val),
    Arr(*mut Array),
    None,
}

/// Allocates a draw's result: a C-contiguous array of a dtype and shape,
/// after checking the shape and spending the fuel for its elements.
pub type NewArrayFn<'a> = &'a dyn Fn(DType, &[i64]) -> Result<*mut Array, Raised>;

/// What a draw reads besides the generators.
pub struct DrawArgs<'a> {
    /// The scalar operands.
    pub vals: &'a [Val],
    /// The array operand (shuffled, permuted or sampled).
    pub input: Option<&'a Array>,
    /// `choice`'s probabilities (`p=`).
    pub weights: Option<&'a Array>,
    /// The result's shape when it is an array.
    pub shape: Option<&'a [i64]>,
    pub new: NewArrayFn<'a>,
    /// Spends fuel for work beyond the result's elements.
    pub charge: &'a dyn Fn(usize) -> Result<(), Raised>,
}

/// A random draw (see [`Kernels::random`]).
pub type RandomFn = fn(RandFn, &mut Generators, &DrawArgs) -> Result<Drawn, Raised>;

/// `str(a)` of an array of a dtype and shape, from its elements by index.
pub type ArrayStrFn = fn(DType, &[usize], &dyn Fn(&[usize]) -> Elem) -> String;
/// A ufunc computing in a dtype over inputs into an output (see [`Kernels::ufunc`]).
pub type UfuncFn = fn(Ufunc, DType, &[Input], &Array, bool) -> Result<(), Raised>;

/// The kernels a kernel library provides: everything that computes on
/// numbers and arrays or formats them. Rust-ABI entries are called by the
/// interpreter and by the array operations; the C-ABI ones are also copied
/// into [`Runtime`] for native code.
pub struct Kernels {
    /// Unary float kernels, indexed by `Math1` operands.
    pub math1: [Math1Fn; 16],
    pub atan2: extern "C" fn(f64, f64) -> f64,
    pub floordiv_f64: extern "C" fn(f64, f64) -> f64,
    pub mod_f64: extern "C" fn(f64, f64) -> f64,
    /// Python's `math` errors for a `Math1` result (`x` in, `y` out).
    pub math1_error: fn(x: f64, y: f64) -> Option<scalar::ScalarError>,

    pub floordiv_i64: fn(i64, i64) -> i64,
    pub mod_i64: fn(i64, i64) -> i64,
    pub pow_i64: fn(i64, i64) -> Result<i64, scalar::ScalarError>,
    pub pow_f64: fn(f64, f64) -> Result<f64, scalar::ScalarError>,
    pub shl_i64: fn(i64, i64) -> Result<i64, scalar::ScalarError>,
    pub shr_i64: fn(i64, i64) -> Result<i64, scalar::ScalarError>,
    pub f64_to_i64: fn(f64) -> Result<i64, scalar::ScalarError>,
    pub round_i64: fn(f64) -> Result<i64, scalar::ScalarError>,
    pub round_f64: fn(f64, i64) -> f64,
    /// A scalar function of the `RtOp::Scalar` operation, on its operands
    /// as their registers hold them (int64, uint64 or float64).
    pub scalar_fn: fn(ScalarFn, &[Val]) -> Result<Val, Raised>,

    /// Appends a float as Python's `str` shows it.
    pub write_float: fn(&mut String, f64),
    /// Python's `repr` of a string.
    pub str_repr: fn(&str) -> String,
    /// Python's `format(value, spec)`, appended to the string.
    pub format: fn(&mut String, Field, &str) -> Result<(), Raised>,
    /// Python's `ascii()` of a value from its `repr()`.
    pub ascii: fn(&str) -> String,
    /// `str()` of a NumPy scalar.
    pub scalar_str: fn(Elem) -> String,
    /// `str(a)` of an array of a dtype and shape, from its elements by index.
    pub array_str: ArrayStrFn,
    /// `repr(a)` of an array of a dtype and shape, from its elements by index.
    pub array_repr: ArrayStrFn,
    /// How many elements `str(a)` shows for a shape.
    pub shown_elements: fn(&[usize]) -> usize,

    /// One element of a ufunc on values already of the loop dtype's kind.
    pub ufunc_scalar: fn(Ufunc, DType, &[Val]) -> Result<Val, Raised>,
    /// A ufunc computing in a dtype over inputs broadcast to the output's
    /// shape, into the output. `in_place`: the output is the first input's
    /// array (`a += b`), and other inputs may share its memory; every
    /// result is then computed from the old values.
    pub ufunc: UfuncFn,
    /// A fused expression over its leaves into the output: a fresh array,
    /// an in-place target (its first leaf) or a selection of an array. An
    /// output sharing memory with a leaf other than as that same view gets
    /// every result computed from the old values before any is written, as
    /// NumPy's temporary would.
    pub fused: fn(&Fused, &[Input], &Array) -> Result<(), Raised>,
    /// `np.where(c, x, y)` into a fresh output.
    pub where_: fn(&[Input], &Array),
    /// A reduction of every element, accumulating in a dtype.
    pub reduce_all: fn(Reduction, DType, &Array) -> Result<Val, Raised>,
    /// A reduction along an axis into a fresh output of the remaining axes.
    pub reduce_axis: fn(Reduction, DType, &Array, usize, &Array) -> Result<(), Raised>,
    /// `np.dot` of aligned operands computing in a dtype: the value of two
    /// vectors, or the product written into the output.
    pub dot: fn(DType, &Array, &Array, Option<&Array>) -> Val,
    /// A cumulative sum or product in a dtype, of every element (C order)
    /// into a 1-D output, or along an axis into an output of the input's shape.
    pub cumulate: fn(Reduction, DType, &Array, Option<usize>, &Array),
    /// Sorts an array in place along its last axis (NaNs last, stable).
    pub sort: fn(&Array),
    /// The int64 indices that sort each row of an array, into an output of its shape.
    pub argsort: fn(&Array, &Array),
    /// A draw from a generator ([`DrawArgs`]). Each draw checks its arguments as
    /// NumPy or CPython does, in the same order, before it allocates.
    pub random: RandomFn,
}

#[repr(C)]
pub struct Runtime {
    /// Unary float kernels, indexed by `Math1` operands.
    pub math1: [Math1Fn; 16],
    pub atan2: extern "C" fn(f64, f64) -> f64,
    pub floordiv_f64: extern "C" fn(f64, f64) -> f64,
    pub mod_f64: extern "C" fn(f64, f64) -> f64,
    /// Every array operation, allocation included.
    pub rt_exec: RtExecFn,
    /// Adds a reference to an array header (null: nothing).
    pub retain: unsafe extern "C" fn(*mut Array),
    /// Drops a reference (null: nothing); the last frees the array through
    /// its allocator.
    pub release: unsafe extern "C" fn(*mut Array),
    /// `Print`, `PrintK` and `Fmt`, as the interpreter runs them
    /// (`crate::out`).
    pub print: crate::out::IoFn,
    pub print_k: crate::out::IoFn,
    pub fmt: crate::out::IoFn,
    /// The kernel library's entries (after the C-ABI ones, whose offsets
    /// native code relies on).
    pub kernels: Kernels,
}

/// The process's runtime table, once installed; `RUNTIME.field` reads it.
pub struct Table(OnceLock<Runtime>);

impl std::ops::Deref for Table {
    type Target = Runtime;
    #[inline]
    fn deref(&self) -> &Runtime {
        match self.0.get() {
            Some(r) => r,
            None => not_installed(),
        }
    }
}

#[cold]
#[inline(never)]
fn not_installed() -> ! {
    panic!(
        "the runtime's kernel table is not installed: call vm::runtime::install with a kernel \
         library's table before loading or running a program (kiln::Vm::new does)"
    )
}

pub static RUNTIME: Table = Table(OnceLock::new());

/// Installs the kernel library: the first call fills the table, later ones
/// (the same library, from every VM a process creates) change nothing.
pub fn install(k: Kernels) -> &'static Runtime {
    RUNTIME.0.get_or_init(|| {
        // The kernels and native code pick their loops by it: detected
        // here, once, with the rest of the process's setup.
        crate::cpu::simd();
        Runtime {
            math1: k.math1,
            atan2: k.atan2,
            floordiv_f64: k.floordiv_f64,
            mod_f64: k.mod_f64,
            rt_exec,
            retain: rt_retain,
            release: rt_release,
            print: crate::out::native_print,
            print_k: crate::out::native_print_k,
            fmt: crate::out::native_fmt,
            kernels: k,
        }
    })
}

/// Has [`install`] run?
pub fn installed() -> bool {
    RUNTIME.0.get().is_some()
}

/// The installed kernel library.
#[inline]
pub fn kernels() -> &'static Kernels {
    &RUNTIME.kernels
}

/// # Safety
/// `a` is null or a live header.
unsafe extern "C" fn rt_retain(a: *mut Array) {
    // SAFETY: the caller's contract is `retain`'s.
    unsafe { crate::array::retain(a) }
}

/// # Safety
/// `a` is null or a live header the caller holds a reference to.
unsafe extern "C" fn rt_release(a: *mut Array) {
    // SAFETY: the caller's contract is `release`'s.
    unsafe { crate::array::release(a) }
}

/// The C-ABI entry of `rt::exec`.
///
/// # Safety
/// `ctx` and `desc` are live; `regs` points to `nregs` registers of the
/// calling frame, at least the call site's window; `raised` is writable.
unsafe extern "C" fn rt_exec(
    ctx: *const RtCtx,
    desc: *const RtDesc,
    regs: *mut u64,
    nregs: usize,
    raised: *mut RaisedSlot,
) -> u32 {
    // SAFETY: live, per the contract, and only read.
    let (ctx, desc) = unsafe { (&*ctx, &*desc) };
    // SAFETY: `nregs` registers of the calling frame, which nothing else
    // refers to while the operation runs.
    let window = unsafe { std::slice::from_raw_parts_mut(regs, nregs) };
    // A panic must not unwind into native code (or out of this C-ABI
    // function, which aborts the host): it becomes an exception.
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::rt::exec(ctx, desc, window)
    }))
    .unwrap_or_else(|_| {
        Err((
            "SystemError",
            "an array operation failed unexpectedly".into(),
        ))
    });
    match r {
        Ok(()) => 0,
        Err(e) => {
            // SAFETY: writable, per the contract, and holding a valid value.
            unsafe { *raised = Some(e) };
            1
        }
    }
}

/// For this crate's own tests, which run programs but compute nothing: a
/// table whose kernels are absent (calling one panics saying so).
#[cfg(test)]
pub(crate) fn install_without_kernels() {
    fn absent() -> ! {
        panic!("no kernel library in the vm crate's own tests")
    }
    extern "C" fn absent1(_: f64) -> f64 {
        absent()
    }
    extern "C" fn absent2(_: f64, _: f64) -> f64 {
        absent()
    }
    install(Kernels {
        math1: [absent1; 16],
        atan2: absent2,
        floordiv_f64: absent2,
        mod_f64: absent2,
        math1_error: |_, _| absent(),
        floordiv_i64: |_, _| absent(),
        mod_i64: |_, _| absent(),
        pow_i64: |_, _| absent(),
        pow_f64: |_, _| absent(),
        shl_i64: |_, _| absent(),
        shr_i64: |_, _| absent(),
        f64_to_i64: |_| absent(),
        round_i64: |_| absent(),
        round_f64: |_, _| absent(),
        scalar_fn: |_, _| absent(),
        write_float: |_, _| absent(),
        str_repr: |_| absent(),
        format: |_, _, _| absent(),
        ascii: |_| absent(),
        scalar_str: |_| absent(),
        array_str: |_, _, _| absent(),
        array_repr: |_, _, _| absent(),
        shown_elements: |_| absent(),
        ufunc_scalar: |_, _, _| absent(),
        ufunc: |_, _, _, _, _| absent(),
        fused: |_, _, _| absent(),
        where_: |_, _| absent(),
        reduce_all: |_, _, _| absent(),
        reduce_axis: |_, _, _, _, _| absent(),
        dot: |_, _, _, _| absent(),
        cumulate: |_, _, _, _, _| absent(),
        sort: |_| absent(),
        argsort: |_, _| absent(),
        random: |_, _, _| absent(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_layout_is_stable() {
        // JIT code addresses fields by offset: keep them pointer-sized and in order.
        let p = std::mem::size_of::<usize>();
        assert_eq!(std::mem::offset_of!(Runtime, atan2), 16 * p);
        assert_eq!(std::mem::offset_of!(Runtime, rt_exec), 19 * p);
        assert_eq!(std::mem::offset_of!(Runtime, release), 21 * p);
        assert_eq!(std::mem::offset_of!(Runtime, fmt), 24 * p);
        assert_eq!(std::mem::offset_of!(Runtime, kernels), 25 * p);
    }
}
