//! Kiln: a tiered virtual machine for typed array programs written in a
//! Numba-compatible subset of Python.
//!
//! This crate is the facade a host program uses: it wires the front end
//! (`typer`), the bytecode VM (`vm`), the native kernels (`stdlib`) and the
//! optimizing native tier (`jit`, x86-64 and aarch64) behind one [`Vm`]
//! type, and it owns the `vm` command-line tool and the C API ([`capi`],
//! `include/kiln.h`). It adds no semantics of its own.
//!
//! # Load and call
//!
//! [`Vm::load`] parses, types and compiles a program; [`Vm::call`]
//! specialises a function for its arguments' types on first use and runs
//! it. Errors are values: a compile error carries its rendered diagnostic,
//! an exception its traceback.
//!
//! ```
//! use kiln::{Error, Value, Vm};
//! let mut vm = Vm::new(kiln::Config::default());
//! let m = vm.load("example.py", "def add(a, b):\n    return a + b\n").unwrap();
//! assert_eq!(vm.call(&m, "add", &[Value::Int(2), Value::Float(0.5)]).unwrap(), Value::Float(2.5));
//!
//! let Err(Error::Compile { rendered, .. }) = vm.load("bad.py", "def f(:\n    pass\n") else { panic!() };
//! assert!(rendered.starts_with("bad.py:1:6: syntax error"), "{rendered}");
//! let d = vm.load("d.py", "def d(x):\n    return 1 // x\n").unwrap();
//! let Err(Error::Runtime(e)) = vm.call(&d, "d", &[Value::Int(0)]) else { panic!() };
//! assert_eq!(e.kind, "ZeroDivisionError");
//! assert!(e.render().contains("d.py\", line 2, in d"), "{}", e.render());
//! ```
//!
//! # Arrays
//!
//! Arrays go in without copying ([`Vm::array_from_vec`] moves a vector in;
//! [`Vm::array_from_raw`] wraps host memory with any strides) and come
//! back as [`ArrayRef`]s owning their memory, shared with scripts by
//! reference count. With the `ndarray` feature, the `ndarray` module
//! converts to and from `ndarray` arrays, viewing without copying.
//!
//! ```
//! use kiln::{Value, Vm, NDARRAY};
//! let mut vm = Vm::new(kiln::Config::default());
//! let m = vm.load("s.py", "def scale(a, k):\n    return a * k\n").unwrap();
//! let a = vm.array_from_vec(vec![1.0f64, 2.0, 3.0], &[3], NDARRAY);
//! let Value::Array(r) = vm.call(&m, "scale", &[Value::Array(a), Value::Float(2.0)]).unwrap() else { panic!() };
//! assert_eq!(r.to_vec_f64(), vec![2.0, 4.0, 6.0]);
//! assert_eq!(r.to_string(), "[2. 4. 6.]");
//! ```
//!
//! # Array types and their memory
//!
//! A host registers array subtypes ([`Vm::register_array_type`]) with a
//! typing hook that says which class a ufunc's result has, and routes a
//! class's `_allocate` to its own allocator: a C allocator table
//! ([`Vm::use_external_allocator`], Numba's `ExternalMemAllocator`) or a
//! native function ([`Vm::overload_classmethod`]). The seed: `MyArray`'s
//! memory comes from a counting allocator; `a * 2 + a` allocates twice (a
//! subtype with a ufunc hook gets one call per ufunc, as in Numba), frees
//! the temporary at once and the result with its last reference.
//!
//! ```
//! use std::cell::Cell;
//! use std::ffi::c_void;
//! use std::rc::Rc;
//! use kiln::{ExternalMemAllocator, UfuncHook, Value, Vm, NDARRAY};
//! extern "C" { fn malloc(n: usize) -> *mut c_void; fn free(p: *mut c_void); }
//! unsafe extern "C" fn counted_malloc(n: usize, calls: *mut c_void) -> *mut c_void {
//!     // SAFETY: `calls` is the counter below, which outlives every array.
//!     let calls = unsafe { &*(calls as *const Cell<u32>) };
//!     calls.set(calls.get() + 1);
//!     unsafe { malloc(n) }
//! }
//! unsafe extern "C" fn plain_free(p: *mut c_void, _: *mut c_void) { unsafe { free(p) } }
//!
//! let calls = Cell::new(0u32);
//! let mut vm = Vm::new(kiln::Config::default());
//! let keep: UfuncHook = Rc::new(|_, _, _| Some(1)); // results are MyArrays (class 1)
//! let my = vm.register_array_type("MyArray", NDARRAY, Some(keep));
//! let table = ExternalMemAllocator {
//!     malloc: counted_malloc,
//!     realloc: None,
//!     free: plain_free,
//!     opaque_data: &calls as *const Cell<u32> as *mut c_void,
//! };
//! // SAFETY: the functions wrap malloc and free, and `calls` outlives the
//! // arrays (it is declared before them, so dropped after).
//! let mine = unsafe { vm.use_external_allocator(my, "mine", table) }.unwrap();
//! let m = vm.load("seed.py", "def foo(a):\n    return a * 2 + a\n").unwrap();
//! let a = vm.array_from_vec(vec![0i64, 1, 2, 3], &[4], my); // host memory: no allocation
//! let Value::Array(r) = vm.call(&m, "foo", &[Value::Array(a)]).unwrap() else { panic!() };
//! assert_eq!((r.to_string().as_str(), vm.class_name(r.class()).as_str()), ("[0 3 6 9]", "MyArray"));
//! assert_eq!((calls.get(), mine.stats().live()), (2, 1));
//! drop(r);
//! assert_eq!(mine.stats().live(), 0);
//! ```
//!
//! # Limits and statistics
//!
//! [`Config::limits`] bounds the work of each call (fuel) and its
//! recursion, [`Config::max_memory`] the array and string memory live at once (and
//! the call stack, on its own); both
//! stop a script with a Python exception, never the host. They can change
//! between calls ([`Vm::set_limits`], [`Vm::set_max_memory`]).
//! [`Vm::alloc_stats`] counts the allocations of every allocator,
//! [`Vm::jit_stats`] and [`Vm::jit_compiles`] what the native tier did.
//!
//! ```
//! use kiln::{Config, Error, Tier, Value, Vm};
//! let mut cfg = Config { tier: Tier::Jit, ..Config::default() };
//! cfg.limits.fuel = Some(1_000_000);
//! cfg.max_memory = Some(1 << 20);
//! let mut vm = Vm::new(cfg);
//! let m = vm.load("t.py", "import numpy as np\ndef make(n):\n    return np.ones(n).sum()\n").unwrap();
//! assert_eq!(vm.call(&m, "make", &[Value::Int(1000)]).unwrap(), Value::Float(1000.0));
//! let Err(Error::Runtime(e)) = vm.call(&m, "make", &[Value::Int(1 << 20)]) else { panic!() };
//! assert_eq!(e.kind, "MemoryError");
//! let (name, stats) = &vm.alloc_stats()[0];
//! assert_eq!((name.as_str(), stats.allocs, stats.live()), ("system", 1, 0));
//! assert_eq!(vm.jit_stats().functions, 1);
//! assert_eq!(vm.jit_compiles()[0].function, "make");
//! ```
//!
//! # Features
//!
//! - `ndarray`: the `ndarray` module, conversions to and from the
//!   `ndarray` crate's arrays.

#![warn(missing_docs)]

pub mod capi;
#[cfg(feature = "ndarray")]
pub mod ndarray;

use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use typer::classes::UfuncHook;
pub use typer::{DType, Diagnostic, Source, Type};
pub use vm::classmethods::{AllocRequest, Classmethod, NativeAllocate, NativeAllocator};
pub use vm::meminfo::{AllocStats, Allocator, ExternalMemAllocator, MemInfo};
pub use vm::{Exception, Limits};

use typer::classes::{Classes, ClassesRef};
use typer::types::{ArrayType, Layout};
use vm::array::{self, Array};

/// Which tier runs compiled code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tier {
    /// The bytecode interpreter only.
    Interp,
    /// Compile every specialisation before its first call.
    Jit,
    /// Interpret, and compile what gets hot.
    #[default]
    Auto,
}

impl Tier {
    /// The tier named `interp`, `jit` or `auto` (as `vm run --tier` takes).
    pub fn parse(s: &str) -> Option<Tier> {
        match s {
            "interp" => Some(Tier::Interp),
            "jit" => Some(Tier::Jit),
            "auto" => Some(Tier::Auto),
            _ => None,
        }
    }
}

/// How a [`Vm`] runs programs. Limits stop a runaway script with an error
/// instead of hanging or exhausting the host:
///
/// ```
/// use kiln::{Config, Error, Vm};
/// let mut cfg = Config::default();
/// cfg.limits.fuel = Some(10_000);
/// cfg.max_memory = Some(1 << 20);
/// let mut vm = Vm::new(cfg);
/// let m = vm.load("t.py", "def spin():\n    while True:\n        pass\n").unwrap();
/// let Err(Error::Runtime(e)) = vm.call(&m, "spin", &[]) else { panic!() };
/// assert!(e.message.contains("fuel"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Which tier runs compiled code.
    pub tier: Tier,
    /// When `Tier::Auto` compiles a function.
    pub hot: Hot,
    /// Recursion depth and fuel: `limits.fuel` bounds a run's work, one unit
    /// per loop iteration and call, per 32 elements an array operation
    /// processes, per array element printed and per 32 bytes of a string
    /// made or printed (see [`Limits::fuel`]).
    pub limits: Limits,
    /// Most bytes of array and string memory live at once (all allocators
    /// together, and the strings the script made); an allocation or a
    /// string beyond it is a `MemoryError`. It also bounds the call
    /// stack, counted on its own (its registers, and its frame records, each
    /// at most this many bytes): a call that would need more raises
    /// `MemoryError` at the same call in every tier.
    pub max_memory: Option<u64>,
}

/// When the `auto` tier compiles a function: once the interpreter has run
/// `threshold` of its calls and loop back-edges (`jit` is the same policy
/// with a threshold of 0: a function is compiled before it first runs).
/// Native code is entered at the next call, or at the loop's head: the
/// interpreter offers a loop to native code every `window` back-edges and
/// calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hot {
    /// Back-edges and calls between two offers of a loop to native code.
    pub window: u64,
    /// Calls and loop back-edges a function runs in the interpreter before
    /// it is compiled.
    pub threshold: u32,
}

impl Default for Hot {
    fn default() -> Hot {
        Hot {
            window: 1000,
            threshold: 1000,
        }
    }
}

/// An array class: [`NDARRAY`] or a subtype from [`Vm::register_array_type`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClassId(pub u32);

/// The plain NumPy array class.
pub const NDARRAY: ClassId = ClassId(0);

/// A reference to an array shared with scripts. Dropping the last reference
/// (here or in a script) frees the memory through its class's allocator.
///
/// An array does not borrow the [`Vm`] that made it: it stays valid after
/// that VM is dropped (its allocator lives as long as its memory), and it
/// may be passed to another VM of the same thread. Its class is a number
/// that only means something in the VM that registered it; a VM refuses
/// arrays of a class it does not know. Not `Send`: the reference count is
/// not atomic.
pub struct ArrayRef {
    ptr: *mut Array,
}

impl ArrayRef {
    fn get(&self) -> &Array {
        // SAFETY: an ArrayRef always holds one reference to a live header.
        unsafe { &*self.ptr }
    }
    /// The element type.
    pub fn dtype(&self) -> DType {
        self.get().dtype
    }
    /// The length of each dimension (empty for a 0-d array).
    pub fn shape(&self) -> Vec<usize> {
        self.get().shape().to_vec()
    }
    /// The array class (its name: [`Vm::class_name`]).
    pub fn class(&self) -> ClassId {
        ClassId(self.get().class)
    }
    /// The strides in bytes, one per dimension (negative for reversed views).
    pub fn strides(&self) -> Vec<isize> {
        self.get().strides().to_vec()
    }
    /// The address of the first element. It stays valid while any reference
    /// to the array lives (this one, a clone, or one a script holds); reads
    /// and writes through it must stay inside `shape` and `strides`.
    pub fn data_ptr(&self) -> *mut u8 {
        self.get().data
    }
    /// Whether the elements are laid out in C order with no gaps.
    pub fn is_c_contiguous(&self) -> bool {
        self.get().is_c_contiguous()
    }
    /// The elements in C order, converted to f64.
    pub fn to_vec_f64(&self) -> Vec<f64> {
        self.collect(|v| v.as_f64())
    }
    /// The elements in C order, converted to i64.
    pub fn to_vec_i64(&self) -> Vec<i64> {
        self.collect(|v| v.as_i64())
    }
    /// Element `k` in C order, converted to f64; `None` past the end.
    pub fn get_f64(&self, k: usize) -> Option<f64> {
        let a = self.get();
        if k >= a.size() {
            return None;
        }
        let mut rest = k;
        let mut off = 0isize;
        for d in (0..a.shape().len()).rev() {
            let n = a.shape()[d];
            off += (rest % n) as isize * a.strides()[d];
            rest /= n;
        }
        // SAFETY: `k` is inside the array, so `off` is the byte offset of an
        // element of the live array.
        Some(unsafe { array::load(a.dtype, a.data.offset(off)) }.as_f64())
    }
    fn collect<T>(&self, f: impl Fn(array::Val) -> T) -> Vec<T> {
        let a = self.get();
        let mut out = Vec::with_capacity(a.size());
        array::for_each_offset(a.shape(), [a.strides()], |_, [o]| {
            // SAFETY: offsets inside the live array.
            out.push(f(unsafe { array::load(a.dtype, a.data.offset(o)) }))
        });
        out
    }
    fn ty(&self, classes: &Classes) -> Type {
        let a = self.get();
        Type::Array(Rc::new(ArrayType {
            dtype: a.dtype,
            ndim: a.ndim,
            layout: layout_of(a),
            class: a.class,
            class_name: if a.class == 0 {
                None
            } else {
                Some(classes.name(a.class))
            },
        }))
    }
}

/// The layout a host array is typed with.
fn layout_of(a: &Array) -> Layout {
    if a.is_c_contiguous() {
        Layout::C
    } else {
        Layout::A
    }
}

impl Clone for ArrayRef {
    fn clone(&self) -> ArrayRef {
        // SAFETY: the header is live while self is.
        unsafe { array::retain(self.ptr) };
        ArrayRef { ptr: self.ptr }
    }
}

impl Drop for ArrayRef {
    fn drop(&mut self) {
        // SAFETY: this handle owns one reference.
        unsafe { array::release(self.ptr) };
    }
}

impl PartialEq for ArrayRef {
    /// The same array object.
    fn eq(&self, other: &ArrayRef) -> bool {
        self.ptr == other.ptr
    }
}

impl fmt::Display for ArrayRef {
    /// NumPy's `str()` of the array.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&vm::rt::array_str(self.get()))
    }
}

impl fmt::Debug for ArrayRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "array({}, shape={:?})", self.dtype(), self.shape())
    }
}

/// Element types a host array can be built from.
pub trait Element: Copy + 'static {
    /// The Kiln dtype of this Rust type.
    const DTYPE: DType;
}
macro_rules! element {
    ($($t:ty => $d:ident),*) => { $(impl Element for $t { const DTYPE: DType = DType::$d; })* };
}
element!(bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16, u32 => U32, u64 => U64, f32 => F32, f64 => F64);

/// A value passed to or returned from a script function.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Python's `None`.
    None,
    /// A `bool` (also a NumPy bool scalar result).
    Bool(bool),
    /// An `int` (also a NumPy integer scalar result, converted).
    Int(i64),
    /// A `float` (also a NumPy float scalar result, converted).
    Float(f64),
    /// A tuple, of any of these.
    Tuple(Vec<Value>),
    /// An array: passed without copying, shared with the script.
    Array(ArrayRef),
}

impl Value {
    /// Is `t` the type [`Value::ty`] gives this value? Without building it.
    /// Scalars inline (a repeated call checks each argument), the rest out
    /// of line.
    #[inline]
    fn fits(&self, t: &Type) -> bool {
        match (self, t) {
            (Value::None, Type::None)
            | (Value::Bool(_), Type::Bool)
            | (Value::Int(_), Type::Int)
            | (Value::Float(_), Type::Float) => true,
            (Value::Tuple(_) | Value::Array(_), _) => self.fits_nested(t),
            _ => false,
        }
    }
    fn fits_nested(&self, t: &Type) -> bool {
        match (self, t) {
            (Value::Tuple(items), Type::Tuple(tys)) => {
                items.len() == tys.len() && items.iter().zip(tys.iter()).all(|(v, t)| v.fits(t))
            }
            (Value::Array(a), Type::Array(t)) => {
                let h = a.get();
                h.dtype == t.dtype
                    && h.ndim == t.ndim
                    && h.class == t.class
                    && t.layout == layout_of(h)
            }
            _ => false,
        }
    }
    fn ty(&self, classes: &Classes) -> Type {
        match self {
            Value::None => Type::None,
            Value::Bool(_) => Type::Bool,
            Value::Int(_) => Type::Int,
            Value::Float(_) => Type::Float,
            Value::Tuple(items) => Type::tuple(items.iter().map(|v| v.ty(classes)).collect()),
            Value::Array(a) => a.ty(classes),
        }
    }
    /// Registers for a call; arrays get a new reference the callee owns.
    #[inline(always)]
    fn flatten(&self, out: &mut smallvec::SmallVec<[u64; 8]>) {
        match self {
            Value::None => {}
            Value::Bool(b) => out.push(*b as u64),
            Value::Int(v) => out.push(*v as u64),
            Value::Float(v) => out.push(v.to_bits()),
            Value::Tuple(items) => Value::flatten_all(items, out),
            Value::Array(a) => {
                // SAFETY: the handle keeps the header live.
                unsafe { array::retain(a.ptr) };
                out.push(a.ptr as u64);
            }
        }
    }
    fn flatten_all(items: &[Value], out: &mut smallvec::SmallVec<[u64; 8]>) {
        items.iter().for_each(|i| i.flatten(out));
    }
    /// Values from result registers; array results' references move into
    /// the returned handles. Scalars inline: the value is built where the
    /// caller keeps it.
    #[inline(always)]
    fn unflatten(ty: &Type, regs: &mut impl Iterator<Item = u64>) -> Value {
        match ty {
            Type::Bool | Type::Scalar(DType::Bool) => Value::Bool(regs.next().unwrap_or(0) != 0),
            Type::Int => Value::Int(regs.next().unwrap_or(0) as i64),
            Type::Float | Type::Scalar(DType::F64) | Type::Scalar(DType::F32) => {
                Value::Float(f64::from_bits(regs.next().unwrap_or(0)))
            }
            Type::Scalar(_) => Value::Int(regs.next().unwrap_or(0) as i64),
            _ => Value::unflatten_nested(ty, regs),
        }
    }
    fn unflatten_nested(ty: &Type, regs: &mut impl Iterator<Item = u64>) -> Value {
        match ty {
            Type::Tuple(items) => {
                Value::Tuple(items.iter().map(|t| Value::unflatten(t, regs)).collect())
            }
            // A null register (no array) must never become a handle.
            Type::Array(_) => match regs.next().unwrap_or(0) as *mut Array {
                p if p.is_null() => Value::None,
                ptr => Value::Array(ArrayRef { ptr }),
            },
            _ => Value::None,
        }
    }
}

/// An error from loading or running a script.
#[derive(Debug)]
pub enum Error {
    /// The program does not compile: the diagnostic, rendered with its source.
    Compile {
        /// Where and what, for tools.
        diagnostic: Diagnostic,
        /// `file:line:col`, the source line, a caret and the message.
        rendered: String,
    },
    /// A Python exception escaped the script (with its traceback).
    Runtime(Exception),
    /// The host called something that does not exist or with wrong arguments.
    Call(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Compile { rendered, .. } => f.write_str(rendered),
            Error::Runtime(e) => f.write_str(&e.render()),
            Error::Call(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

/// A loaded program: its typed specialisations and their bytecode. It
/// belongs to the [`Vm`] that loaded it; another VM refuses it.
pub struct Module {
    prog: RefCell<typer::Program>,
    code: RefCell<vm::Module>,
    source: Rc<Source>,
    /// The id of the VM that loaded it.
    owner: u64,
    /// The specialisations host calls reached, by name and argument types:
    /// a repeated call finds its code here without typing its arguments.
    calls: RefCell<Vec<CallSite>>,
}

struct CallSite {
    name: Box<str>,
    args: Vec<Type>,
    spec: u32,
}

/// How long a module's code and tables were: compiling more only appends
/// to them, so cutting them back undoes a compile that failed part way.
struct Kept {
    protos: usize,
    strings: usize,
    rtops: usize,
    formats: usize,
}

impl Kept {
    fn of(code: &vm::Module) -> Kept {
        Kept {
            protos: code.protos.len(),
            strings: code.strings.len(),
            rtops: code.rtops.len(),
            formats: code.formats.len(),
        }
    }

    fn restore(&self, code: &mut vm::Module) {
        code.protos.truncate(self.protos);
        code.strings.truncate(self.strings);
        code.rtops.truncate(self.rtops);
        code.formats.truncate(self.formats);
    }
}

/// The most call sites a module remembers; calls past them take the
/// typing path, which is slower but the same.
const MAX_CALL_SITES: usize = 64;

/// `a == b` inline: names are short, and a call of `memcmp` for each
/// remembered call site costs a host call more than the comparison.
#[inline]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

impl Module {
    /// The specialisation a call of `name` with `args` ran before.
    fn known(&self, name: &str, args: &[Value]) -> Option<u32> {
        self.calls
            .borrow()
            .iter()
            .find(|c| {
                same(&c.name, name)
                    && c.args.len() == args.len()
                    && args.iter().zip(&c.args).all(|(v, t)| v.fits(t))
            })
            .map(|c| c.spec)
    }

    /// The bytecode of every compiled specialisation, as `vm dis` prints it.
    pub fn disassemble(&self) -> String {
        vm::dis::disassemble(&self.code.borrow())
    }
    /// The bytecode of every compiled specialisation with its native code
    /// under each instruction, disassembled, as `vm asm` prints it. Compiles
    /// to native code what is not yet; on a host without a backend the
    /// listing is the bytecode alone.
    pub fn machine_code(&self) -> String {
        jit::compile_module(&self.code.borrow());
        vm::dis::disassemble_with(&self.code.borrow(), &jit::listing::instruction)
    }
    /// As [`Module::machine_code`], for instruction set `arch` (`x86-64`,
    /// `aarch64`): on another host than `arch`'s, the code is generated
    /// for it (from address 0), listed and never run. Errs naming the
    /// sets it lists when it cannot list `arch`.
    pub fn machine_code_for(&self, arch: &str) -> Result<String, String> {
        use jit::listing::Arch;
        match Arch::parse(arch) {
            Some(a) if Some(a) == Arch::HOST => Ok(self.machine_code()),
            Some(Arch::Arm64) => Ok(jit::listing::arm64(&self.code.borrow())),
            _ => Err(format!(
                "cannot list '{arch}' on this host: --arch takes aarch64{}",
                if Arch::HOST == Some(Arch::X64) {
                    " or x86-64"
                } else {
                    ""
                }
            )),
        }
    }
    /// Every compiled specialisation in the native tier's low IR (blocks,
    /// loops, exits with their write-back maps), as `vm asm --ir` prints it.
    pub fn low_ir(&self) -> String {
        jit::listing::ir(&self.code.borrow())
    }
    /// Every compiled specialisation as annotated source (`--inspect-types`).
    pub fn inspect_types(&self) -> String {
        typer::inspect::inspect_types_with(
            &self.prog.borrow(),
            &self.source,
            &vm::compile::fused_leaves,
        )
    }
    /// The program's source text and name.
    pub fn source(&self) -> &Source {
        &self.source
    }
}

/// A Kiln virtual machine: configuration, array classes with their
/// classmethods, and execution state.
pub struct Vm {
    /// Unique in the process: tells this VM's modules from others'.
    id: u64,
    config: Config,
    classes: ClassesRef,
    machine: vm::Machine,
    jit: Rc<std::cell::Cell<JitStats>>,
    compiles: Rc<RefCell<Vec<JitCompile>>>,
}

/// What the native-code tier has done in a [`Vm`] so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct JitStats {
    /// Functions compiled to native code.
    pub functions: u32,
    /// Time spent compiling them, in seconds.
    pub seconds: f64,
    /// Times the interpreter handed a function to its native code (at a
    /// call, a return, after an instruction native code left to it, or at
    /// a loop's head): few when native code runs on its own.
    pub entries: u64,
}

/// One function compiled to native code, and how long it took.
#[derive(Clone, Debug, PartialEq)]
pub struct JitCompile {
    /// The function's name.
    pub function: String,
    /// Bytecode instructions it has.
    pub bytecodes: usize,
    /// Time the native tier took to compile it.
    pub seconds: f64,
    /// That time by phase.
    pub phases: JitPhases,
}

pub use jit::Phases as JitPhases;

/// Compiles `p`, adding to `stats` and `compiles`.
fn compile_timed(
    p: &vm::Proto,
    m: &vm::Module,
    stats: &std::cell::Cell<JitStats>,
    compiles: &RefCell<Vec<JitCompile>>,
) -> Option<vm::tiering::Native> {
    let t = std::time::Instant::now();
    let mut phases = JitPhases::default();
    let code = jit::compile_timed(p, m, &mut phases);
    let seconds = t.elapsed().as_secs_f64();
    let mut s = stats.get();
    s.functions += code.is_some() as u32;
    s.seconds += seconds;
    stats.set(s);
    if code.is_some() {
        compiles.borrow_mut().push(JitCompile {
            function: p.name.to_string(),
            bytecodes: p.code.len(),
            seconds,
            phases,
        });
    }
    code
}

impl Vm {
    /// A VM whose scripts print to the process's standard output.
    pub fn new(config: Config) -> Vm {
        Vm::with_output(config, Box::new(std::io::stdout()))
    }

    /// Compiles to native code what the tier asks for before anything
    /// runs: nothing, since both native tiers compile a function when the
    /// interpreter first finds it hot (`Hot`; with `Tier::Jit`, at once).
    fn tier_up(&self, _code: &mut vm::Module) {}

    /// Functions compiled to native code so far, and the time it took.
    pub fn jit_stats(&self) -> JitStats {
        JitStats {
            entries: self.machine.native_entries,
            ..self.jit.get()
        }
    }

    /// Every function compiled to native code so far, in order, with its
    /// size and compile time.
    pub fn jit_compiles(&self) -> Vec<JitCompile> {
        self.compiles.borrow().clone()
    }

    /// A VM whose scripts print to `out`.
    pub fn with_output(config: Config, out: Box<dyn Write>) -> Vm {
        // The VM calls every kernel through its runtime table, which the
        // kernel library fills (once per process) before anything runs.
        stdlib::install();
        let classes = Classes::shared();
        let mut machine = vm::Machine::new(out, config.limits.clone(), classes.clone());
        machine.rt.table.mem_limit = config.max_memory;
        machine.native = config.tier != Tier::Interp;
        let jit = Rc::new(std::cell::Cell::new(JitStats::default()));
        let compiles = Rc::new(RefCell::new(Vec::new()));
        if config.tier != Tier::Interp {
            jit::prepare();
            // One policy: `jit` is `auto` with nothing to wait for.
            let threshold = match config.tier {
                Tier::Jit => 0,
                _ => config.hot.threshold,
            };
            let (stats, log) = (jit.clone(), compiles.clone());
            machine.set_tiering(Some(vm::Tiering {
                window: config.hot.window,
                threshold,
                compile: Box::new(move |p, m| compile_timed(p, m, &stats, &log)),
            }));
        }
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Vm {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            config,
            classes,
            machine,
            jit,
            compiles,
        }
    }

    /// Replaces the recursion and fuel limits for the next calls.
    pub fn set_limits(&mut self, limits: Limits) {
        self.machine.limits = limits.clone();
        self.config.limits = limits;
    }

    /// Replaces the cap on live array and string memory and on the call stack (`None`:
    /// no cap) for the next allocations and calls.
    pub fn set_max_memory(&mut self, bytes: Option<u64>) {
        self.machine.rt.table.mem_limit = bytes;
        self.config.max_memory = bytes;
    }

    /// Is `c` a class registered in this VM?
    pub fn has_class(&self, c: ClassId) -> bool {
        (c.0 as usize) < self.classes.borrow().defs.len()
    }

    fn check_class(&self, c: ClassId) -> Result<(), Error> {
        if self.has_class(c) {
            Ok(())
        } else {
            Err(Error::Call(format!(
                "array class {} is not registered in this VM",
                c.0
            )))
        }
    }

    /// The configuration, with the limits as last set.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Registers an array subtype of `base` with the memory model of a plain
    /// array, and its typing hook (`__array_ufunc__` at type level): given a
    /// ufunc name, the method and the input types, it returns the result
    /// class or declines with `None`.
    ///
    /// ```
    /// use std::rc::Rc;
    /// use kiln::{Type, Value, Vm, NDARRAY};
    /// let mut vm = Vm::new(kiln::Config::default());
    /// // Results of ufuncs on Celsius arrays are Celsius arrays (class 1).
    /// let hook: kiln::UfuncHook = Rc::new(|_ufunc: &str, _method: &str, _inputs: &[Type]| Some(1));
    /// let celsius = vm.register_array_type("Celsius", NDARRAY, Some(hook));
    /// let m = vm.load("t.py", "def warm(t):\n    return t + 1.5\n").unwrap();
    /// let t = vm.array_from_vec(vec![20.0f64, 21.0], &[2], celsius);
    /// let Value::Array(r) = vm.call(&m, "warm", &[Value::Array(t)]).unwrap() else { panic!() };
    /// assert_eq!(vm.class_name(r.class()), "Celsius");
    /// assert!(m.inspect_types().contains("Celsius(1, float64, C)"));
    /// ```
    ///
    /// # Panics
    /// When `base` is not registered in this VM ([`Vm::try_register_array_type`]
    /// returns an error instead).
    pub fn register_array_type(
        &mut self,
        name: &str,
        base: ClassId,
        hook: Option<UfuncHook>,
    ) -> ClassId {
        self.try_register_array_type(name, base, hook)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Vm::register_array_type`], with an unknown base class an error. A
    /// base is always registered before its subtypes, so class chains never
    /// form a cycle.
    ///
    /// ```
    /// use kiln::{ClassId, Vm};
    /// let mut vm = Vm::new(kiln::Config::default());
    /// // Class 1 would be the new class itself.
    /// assert!(vm.try_register_array_type("Loop", ClassId(1), None).is_err());
    /// ```
    pub fn try_register_array_type(
        &mut self,
        name: &str,
        base: ClassId,
        hook: Option<UfuncHook>,
    ) -> Result<ClassId, Error> {
        self.check_class(base)?;
        Ok(ClassId(
            self.classes.borrow_mut().register(name, base.0, hook),
        ))
    }

    /// The display name of a class (`MyArray`).
    pub fn class_name(&self, c: ClassId) -> String {
        self.classes.borrow().name(c.0).to_string()
    }

    /// Overrides classmethod `name` (`"_allocate"`) of an array class, for
    /// both tiers; it takes effect at the next allocation, even in code
    /// already compiled. Subtypes without their own inherit it. A class not
    /// registered in this VM is an error.
    ///
    /// A native `_allocate` sees the request (class, dtype, dimensions) and
    /// hands out blocks of an allocator it chooses, here one of its own:
    ///
    /// ```
    /// use std::ffi::c_void;
    /// use std::rc::Rc;
    /// use kiln::{AllocRequest, Allocator, Classmethod, MemInfo, NativeAllocator, Value, Vm, NDARRAY};
    /// unsafe extern "C" fn allocate(size: usize, align: u32, req: *const AllocRequest, pool: *mut c_void) -> *mut MemInfo {
    ///     // SAFETY: the VM passes a valid request, and `pool` is the
    ///     // allocator boxed below, which outlives every array.
    ///     let (req, pool) = unsafe { (&*req, &*(pool as *const Rc<Allocator>)) };
    ///     assert_eq!(req.ndim, 1);
    ///     kiln::meminfo_alloc(pool, size, align as usize)
    /// }
    /// let pool = Box::new(Allocator::system());
    /// let mut vm = Vm::new(kiln::Config::default());
    /// // SAFETY: `allocate` returns blocks of `kiln::meminfo_alloc`, and
    /// // `pool` is dropped after the VM and every array (declared first).
    /// let imp = unsafe { NativeAllocator::new(allocate, &*pool as *const Rc<Allocator> as *mut c_void) };
    /// vm.overload_classmethod(NDARRAY, "_allocate", Classmethod::Native(imp)).unwrap();
    /// let m = vm.load("t.py", "import numpy as np\ndef make(n):\n    return np.arange(n)\n").unwrap();
    /// let r = vm.call(&m, "make", &[Value::Int(5)]).unwrap();
    /// assert_eq!((pool.stats().allocs, pool.stats().live()), (1, 1));
    /// drop(r);
    /// assert_eq!(pool.stats().live(), 0);
    /// ```
    pub fn overload_classmethod(
        &mut self,
        class: ClassId,
        name: &str,
        imp: Classmethod,
    ) -> Result<(), Error> {
        self.machine
            .rt
            .table
            .set(class.0, name, imp)
            .map_err(Error::Call)
    }

    /// Routes the arrays of `class` to an external allocator (the C table of
    /// Numba's `nrt_external.h`), and returns its handle for statistics. A
    /// class not registered in this VM is an error.
    ///
    /// # Safety
    /// The table keeps the contract of [`Allocator::new`]: its functions
    /// behave as malloc and free, and stay callable with its `opaque_data`
    /// while any array of the class lives (also after the VM is dropped).
    ///
    /// ```
    /// use std::ffi::c_void;
    /// use kiln::{ExternalMemAllocator, Value, Vm, NDARRAY};
    /// extern "C" { fn malloc(n: usize) -> *mut c_void; fn free(p: *mut c_void); }
    /// unsafe extern "C" fn my_malloc(n: usize, _: *mut c_void) -> *mut c_void { unsafe { malloc(n) } }
    /// unsafe extern "C" fn my_free(p: *mut c_void, _: *mut c_void) { unsafe { free(p) } }
    ///
    /// let mut vm = Vm::new(kiln::Config::default());
    /// let table = ExternalMemAllocator { malloc: my_malloc, realloc: None, free: my_free, opaque_data: std::ptr::null_mut() };
    /// // SAFETY: the table wraps the C library's malloc and free, which are
    /// // always callable and ignore the null opaque data.
    /// let counted = unsafe { vm.use_external_allocator(NDARRAY, "counted", table) }.unwrap();
    /// let m = vm.load("t.py", "import numpy as np\ndef make(n):\n    return np.zeros(n) + 1\n").unwrap();
    /// let r = vm.call(&m, "make", &[Value::Int(8)]).unwrap();
    /// assert_eq!((counted.stats().allocs, counted.stats().frees), (2, 1));
    /// drop(r);
    /// assert_eq!(counted.stats().frees, 2);
    /// ```
    ///
    /// Without `unsafe` it does not compile: a safe `extern "C" fn` returning
    /// any pointer would fit the table.
    ///
    /// ```compile_fail,E0133
    /// # use kiln::{ExternalMemAllocator, Vm, NDARRAY};
    /// # fn route(vm: &mut Vm, table: ExternalMemAllocator) {
    /// vm.use_external_allocator(NDARRAY, "unchecked", table);
    /// # }
    /// ```
    pub unsafe fn use_external_allocator(
        &mut self,
        class: ClassId,
        name: &str,
        table: ExternalMemAllocator,
    ) -> Result<Rc<Allocator>, Error> {
        // SAFETY: the caller keeps the table's contract.
        let a = unsafe { Allocator::new(name, table) };
        self.overload_classmethod(class, "_allocate", Classmethod::External(a.clone()))?;
        Ok(a)
    }

    /// An array over the host's vector (moved in, not copied) with the given
    /// C-order shape, tagged with its array class.
    ///
    /// # Panics
    /// When the shape does not match the vector's length, has more than 8
    /// dimensions, or the class is not registered
    /// ([`Vm::try_array_from_vec`] returns an error instead).
    pub fn array_from_vec<T: Element>(
        &mut self,
        data: Vec<T>,
        shape: &[usize],
        class: ClassId,
    ) -> ArrayRef {
        self.try_array_from_vec(data, shape, class)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Vm::array_from_vec`], with a shape that does not fit the data (or
    /// overflows), too many dimensions or an unknown class an error.
    ///
    /// ```
    /// use kiln::{Vm, NDARRAY};
    /// let mut vm = Vm::new(kiln::Config::default());
    /// // 2^63 * 2 wraps to 0 in usize: still not the shape of an empty vector.
    /// assert!(vm.try_array_from_vec(Vec::<f64>::new(), &[1 << 63, 2], NDARRAY).is_err());
    /// ```
    pub fn try_array_from_vec<T: Element>(
        &mut self,
        data: Vec<T>,
        shape: &[usize],
        class: ClassId,
    ) -> Result<ArrayRef, Error> {
        self.check_class(class)?;
        check_shape(shape, data.len(), T::DTYPE.itemsize())?;
        Ok(self.host_array(data, shape, class))
    }

    /// An array over memory the host owns, without copying: any strides (in
    /// bytes, negative for reversed views), released by dropping `keep` when
    /// the last reference to the array goes (a script may keep one past the
    /// call). Writes by the script go through to the host's memory.
    ///
    /// An error when the class is unknown, there are more than 8 dimensions,
    /// `strides` and `shape` differ in length, or `data` or a stride is not
    /// a multiple of the element size (Kiln reads elements aligned).
    ///
    /// # Safety
    /// Every element `shape` and `strides` reach from `data` is readable and
    /// writable memory that nothing else frees or moves while `keep` lives,
    /// and that no other thread touches while a script runs. While an
    /// `ndarray` view of the array lives (the `ndarray` feature), nothing
    /// touches that memory but the view: the view sees the array's other
    /// references, not the host's own pointers to its memory.
    ///
    /// ```
    /// use kiln::{DType, Value, Vm, NDARRAY};
    /// let mut vm = Vm::new(kiln::Config::default());
    /// let m = vm.load("s.py", "def bump(a):\n    a[0] += 1.0\n    return a.sum()\n").unwrap();
    /// let mut buf = vec![1.0f64, 2.0, 3.0, 4.0];
    /// // The odd elements, reversed: a view with stride -16 starting at buf[3].
    /// let p = unsafe { buf.as_mut_ptr().add(3) } as *mut u8;
    /// let a = unsafe { vm.array_from_raw(p, DType::F64, &[2], &[-16], NDARRAY, Box::new(())) }.unwrap();
    /// assert_eq!(vm.call(&m, "bump", &[Value::Array(a)]).unwrap(), Value::Float(7.0));
    /// assert_eq!(buf, vec![1.0, 2.0, 3.0, 5.0]);
    /// ```
    pub unsafe fn array_from_raw(
        &mut self,
        data: *mut u8,
        dtype: DType,
        shape: &[usize],
        strides: &[isize],
        class: ClassId,
        keep: Box<dyn std::any::Any>,
    ) -> Result<ArrayRef, Error> {
        self.check_class(class)?;
        let n = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
        check_shape(shape, n.unwrap_or(usize::MAX), dtype.itemsize())?;
        if strides.len() != shape.len() {
            return Err(Error::Call(format!(
                "{} strides for {} dimensions",
                strides.len(),
                shape.len()
            )));
        }
        let size = dtype.itemsize();
        if !(data as usize).is_multiple_of(size)
            || strides
                .iter()
                .any(|s| !s.unsigned_abs().is_multiple_of(size))
        {
            return Err(Error::Call(format!(
                "array data and strides must be multiples of the element size ({size} bytes)"
            )));
        }
        // SAFETY: the caller's contract covers every offset reached; the
        // shape and strides were checked to agree in length and to fit.
        let ptr = unsafe { array::from_host_strided(data, dtype, shape, strides, class.0, keep) };
        Ok(ArrayRef { ptr })
    }

    /// An array over `data`, whose shape [`check_shape`] accepted.
    fn host_array<T: Element>(
        &mut self,
        data: Vec<T>,
        shape: &[usize],
        class: ClassId,
    ) -> ArrayRef {
        let mut data = data.into_boxed_slice();
        let ptr = data.as_mut_ptr() as *mut u8;
        let keep: Box<dyn std::any::Any> = Box::new(data);
        ArrayRef {
            ptr: array::from_host(ptr, T::DTYPE, shape, class.0, keep),
        }
    }

    /// Parses, types and compiles a program.
    pub fn load(&mut self, name: &str, text: &str) -> Result<Module, Error> {
        let source = Rc::new(Source::new(name, text));
        match vm::load(source.clone(), self.classes.clone()) {
            Ok((prog, mut code)) => {
                self.tier_up(&mut code);
                Ok(Module {
                    prog: RefCell::new(prog),
                    code: RefCell::new(code),
                    source,
                    owner: self.id,
                    calls: RefCell::new(Vec::new()),
                })
            }
            Err(d) => Err(compile_error(d, &source)),
        }
    }

    /// Runs the module's top-level code, as `vm run` does.
    pub fn run_main(&mut self, m: &Module) -> Result<(), Error> {
        self.check_module(m)?;
        let code = m.code.borrow();
        let r = self.machine.call(&code, 0, &[]).map(|_| ());
        self.machine.flush();
        r.map_err(Error::Runtime)
    }

    /// Calls a top-level function with arguments, specialising it for their
    /// types on first use.
    /// A call that fails (to type, to compile, or in the script) leaves the
    /// module as it was: later calls behave as if it had not been made.
    ///
    /// ```
    /// use kiln::{Value, Vm, NDARRAY};
    /// let mut vm = Vm::new(kiln::Config::default());
    /// let m = vm.load("t.py", "def add(a, b):\n    return a + b\n").unwrap();
    /// let a = vm.array_from_vec(vec![1.0f64], &[1], NDARRAY);
    /// assert!(vm.call(&m, "add", &[Value::Array(a), Value::Bool(true)]).is_ok());
    /// assert!(vm.call(&m, "add", &[Value::Tuple(vec![]), Value::Int(1)]).is_err());
    /// assert_eq!(vm.call(&m, "add", &[Value::Int(2), Value::Int(3)]).unwrap(), Value::Int(5));
    /// ```
    pub fn call(&mut self, m: &Module, name: &str, args: &[Value]) -> Result<Value, Error> {
        self.check_module(m)?;
        // Arguments that fit a call made before are of classes that were
        // checked then: only a new one needs checking.
        let id = match m.known(name, args) {
            Some(id) => id,
            None => {
                for a in args {
                    self.check_value(a)?;
                }
                self.prepare(m, name, args)?
            }
        };
        let code = m.code.borrow();
        let p = &code.protos[id as usize];
        // Most calls pass a few registers: no allocation for them.
        let mut regs: smallvec::SmallVec<[u64; 8]> = smallvec::SmallVec::new();
        for a in args {
            a.flatten(&mut regs);
        }
        let r = self.machine.call(&code, id, &regs).map(|_| ());
        self.machine.flush();
        // The result is built last, where it is returned: built before the
        // flush it would be copied piecemeal and read back whole, which
        // stalls every call.
        match r {
            Ok(()) => {
                let out = self.machine.results(p.nret as usize);
                Ok(Value::unflatten(&p.ret, &mut out.iter().copied()))
            }
            Err(e) => Err(Error::Runtime(e)),
        }
    }

    /// Types and compiles the specialisation a call of `name` with `args`
    /// needs, and remembers it for the next such call.
    #[cold]
    fn prepare(&mut self, m: &Module, name: &str, args: &[Value]) -> Result<u32, Error> {
        let tys: Vec<Type> = {
            let classes = self.classes.borrow();
            args.iter().map(|a| a.ty(&classes)).collect()
        };
        let id = self.specialise(m, name, &tys)?;
        let code = m.code.borrow();
        let p = &code.protos[id as usize];
        let want: usize = p.nargs as usize;
        let given: usize = args
            .iter()
            .map(|a| vm::compile::width(&a.ty(&self.classes.borrow())) as usize)
            .sum();
        if given != want {
            // Defaults the host did not pass are not supplied from here.
            return Err(Error::Call(format!(
                "{name}: pass every argument explicitly from the host"
            )));
        }
        drop(code);
        let mut calls = m.calls.borrow_mut();
        if calls.len() < MAX_CALL_SITES {
            calls.push(CallSite {
                name: name.into(),
                args: tys,
                spec: id,
            });
        }
        Ok(id)
    }

    fn check_module(&self, m: &Module) -> Result<(), Error> {
        if m.owner == self.id {
            Ok(())
        } else {
            Err(Error::Call(
                "the module was loaded by another VM; load it in this one".into(),
            ))
        }
    }

    /// Arrays of classes this VM does not know are refused: their class
    /// number would name nothing (or something else) here.
    fn check_value(&self, v: &Value) -> Result<(), Error> {
        match v {
            Value::Array(a) => self.check_class(a.class()),
            Value::Tuple(items) => items.iter().try_for_each(|i| self.check_value(i)),
            _ => Ok(()),
        }
    }

    /// Types and compiles the specialisation of `name` for `tys`. A request
    /// that fails leaves the module as it was (a failed specialisation left
    /// in it would fail every later call), without typing it again.
    fn specialise(&self, m: &Module, name: &str, tys: &[Type]) -> Result<u32, Error> {
        let mut prog = m.prog.borrow_mut();
        let before = prog.specs.len();
        let mark = prog.mark();
        let id = match prog.specialise(name, tys.to_vec()) {
            Ok(id) => id,
            Err(e) => {
                prog.rollback(mark);
                return Err(Error::Call(e));
            }
        };
        if prog.specs.len() == before {
            // Solved and compiled when it was made: a repeated call need not
            // type anything again.
            prog.commit();
            return Ok(id);
        }
        let mut code = m.code.borrow_mut();
        let kept = Kept::of(&code);
        let r = prog
            .solve()
            .and_then(|()| vm::compile::compile_more(&prog, &mut code));
        if let Err(d) = r {
            kept.restore(&mut code);
            prog.rollback(mark);
            return Err(compile_error(d, &m.source));
        }
        prog.commit();
        self.tier_up(&mut code);
        Ok(id)
    }

    /// Allocation statistics of every allocator this VM routes arrays to,
    /// by name (`system` first, for plain arrays): what a script's arrays
    /// cost, and whether any are still live.
    ///
    /// ```
    /// use kiln::{Value, Vm};
    /// let mut vm = Vm::new(kiln::Config::default());
    /// let m = vm.load("t.py", "import numpy as np\ndef f(n):\n    return (np.ones(n) * 2).sum()\n").unwrap();
    /// vm.call(&m, "f", &[Value::Int(100)]).unwrap();
    /// let stats = vm.alloc_stats();
    /// assert_eq!(stats[0].0, "system");
    /// // np.ones(n) and the product: two arrays, freed before the call returns.
    /// assert_eq!((stats[0].1.allocs, stats[0].1.live()), (2, 0));
    /// ```
    pub fn alloc_stats(&self) -> Vec<(String, AllocStats)> {
        self.machine
            .rt
            .table
            .allocators()
            .iter()
            .map(|a| (a.name.clone(), a.stats()))
            .collect()
    }

    /// Flushes what scripts printed to the output.
    pub fn flush(&mut self) {
        self.machine.flush();
    }
}

/// Checks that a C-order `shape` of `itemsize`-byte elements fits `len`
/// elements, with every stride and byte offset representable: the product
/// is checked (a wrapping product could match a short buffer) and so is the
/// span with empty dimensions counted as one.
fn check_shape(shape: &[usize], len: usize, itemsize: usize) -> Result<(), Error> {
    if shape.len() > array::MAX_NDIM {
        return Err(Error::Call(format!(
            "an array has at most {} dimensions, not {}",
            array::MAX_NDIM,
            shape.len()
        )));
    }
    let span = shape
        .iter()
        .try_fold(itemsize, |acc, &d| acc.checked_mul(d.max(1)))
        .filter(|&b| b <= isize::MAX as usize);
    let n = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    match (span, n) {
        (Some(_), Some(n)) if n == len => Ok(()),
        (Some(_), Some(n)) => Err(Error::Call(format!(
            "shape {shape:?} has {n} elements but the data has {len}"
        ))),
        _ => Err(Error::Call(format!(
            "shape {shape:?} is too large: its size in bytes overflows"
        ))),
    }
}

fn compile_error(d: Diagnostic, source: &Source) -> Error {
    let rendered = d.render(source);
    Error::Compile {
        diagnostic: d,
        rendered,
    }
}

/// A MemInfo allocated through an external allocator table, for native
/// `_allocate` implementations.
pub fn meminfo_alloc(allocator: &Rc<Allocator>, size: usize, align: usize) -> *mut MemInfo {
    vm::meminfo::alloc(allocator, size, align).unwrap_or(std::ptr::null_mut())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::c_void;

    extern "C" {
        fn malloc(n: usize) -> *mut c_void;
        fn free(p: *mut c_void);
    }
    unsafe extern "C" fn count_malloc(n: usize, calls: *mut c_void) -> *mut c_void {
        // SAFETY: `calls` is the test's live counter (see `counting`).
        unsafe {
            (*(calls as *const std::cell::Cell<u32>))
                .set(1 + (*(calls as *const std::cell::Cell<u32>)).get())
        };
        // SAFETY: plain C malloc.
        unsafe { malloc(n) }
    }
    unsafe extern "C" fn count_free(p: *mut c_void, _: *mut c_void) {
        // SAFETY: `p` came from `count_malloc`.
        unsafe { free(p) }
    }
    fn counting(calls: &std::cell::Cell<u32>) -> ExternalMemAllocator {
        ExternalMemAllocator {
            malloc: count_malloc,
            realloc: None,
            free: count_free,
            opaque_data: calls as *const _ as *mut c_void,
        }
    }

    const ADD: &str = "def add(a, b):\n    return a + b\n";

    #[test]
    fn arrays_outlive_their_vm() {
        let calls = Box::new(std::cell::Cell::new(0));
        let mut vm = Vm::new(Config::default());
        // SAFETY: the counter outlives every array (declared first, dropped
        // last) and the functions wrap C malloc and free.
        let alloc =
            unsafe { vm.use_external_allocator(NDARRAY, "counted", counting(&calls)) }.unwrap();
        let m = vm.load("t.py", ADD).unwrap();
        let a = vm.array_from_vec(vec![1.0f64, 2.0], &[2], NDARRAY);
        let Value::Array(r) = vm
            .call(&m, "add", &[Value::Array(a.clone()), Value::Float(1.0)])
            .unwrap()
        else {
            panic!("an array")
        };
        drop(m);
        drop(vm);
        assert_eq!(r.to_vec_f64(), vec![2.0, 3.0]);
        assert_eq!(a.to_string(), "[1. 2.]");
        assert_eq!(alloc.stats().live(), 1);
        drop(r);
        assert_eq!(alloc.stats().live(), 0);
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn arrays_of_unknown_classes_are_refused() {
        let mut a = Vm::new(Config::default());
        let mut b = Vm::new(Config::default());
        let sub = a.register_array_type("Sub", NDARRAY, None);
        let x = a.array_from_vec(vec![1.0f64], &[1], sub);
        let plain = a.array_from_vec(vec![1.0f64], &[1], NDARRAY);
        let m = b.load("t.py", ADD).unwrap();
        let Err(Error::Call(e)) = b.call(&m, "add", &[Value::Array(x.clone()), Value::Float(1.0)])
        else {
            panic!("an error")
        };
        assert!(e.contains("not registered"), "{e}");
        // Also inside a tuple.
        assert!(b
            .call(
                &m,
                "add",
                &[Value::Tuple(vec![Value::Array(x)]), Value::Int(1)]
            )
            .is_err());
        // Plain arrays are the same class everywhere; the module still works.
        let Value::Array(r) = b
            .call(&m, "add", &[Value::Array(plain), Value::Float(1.0)])
            .unwrap()
        else {
            panic!("an array")
        };
        assert_eq!(r.to_vec_f64(), vec![2.0]);
    }

    #[test]
    fn modules_belong_to_their_vm() {
        let mut a = Vm::new(Config::default());
        let mut b = Vm::new(Config::default());
        let m = a.load("t.py", ADD).unwrap();
        let Err(Error::Call(e)) = b.call(&m, "add", &[Value::Int(1), Value::Int(2)]) else {
            panic!("an error")
        };
        assert!(e.contains("another VM"), "{e}");
        assert!(matches!(b.run_main(&m), Err(Error::Call(_))));
        assert_eq!(
            a.call(&m, "add", &[Value::Int(1), Value::Int(2)]).unwrap(),
            Value::Int(3)
        );
    }

    /// A 0-d host array behaves as a NumPy 0-d array in every tier: a
    /// ufunc on it gives a scalar, `a[()]` reads and writes its element.
    #[test]
    fn zero_d_host_arrays_work_like_numpy() {
        let src = "\
def g(a):
    return a + 1

def h(a):
    return a.T.T * 2.0

def k(a):
    a[()] = a[()] + 6.0
    return a
";
        for tier in [Tier::Interp, Tier::Jit, Tier::Auto] {
            let mut vm = Vm::new(Config {
                tier,
                ..Config::default()
            });
            let m = vm.load("z.py", src).unwrap();
            let a = vm.array_from_vec(vec![1.0f64], &[], NDARRAY);
            assert_eq!(
                vm.call(&m, "g", &[Value::Array(a.clone())]).unwrap(),
                Value::Float(2.0),
                "{tier:?}"
            );
            assert_eq!(
                vm.call(&m, "h", &[Value::Array(a.clone())]).unwrap(),
                Value::Float(2.0),
                "{tier:?}"
            );
            let Value::Array(r) = vm.call(&m, "k", &[Value::Array(a.clone())]).unwrap() else {
                panic!("an array")
            };
            assert!(r.shape().is_empty(), "{tier:?}");
            assert_eq!(a.to_vec_f64(), vec![7.0], "{tier:?}");
        }
    }

    #[test]
    fn shapes_are_checked() {
        let mut vm = Vm::new(Config::default());
        let err = |r: Result<ArrayRef, Error>| match r {
            Err(Error::Call(e)) => e,
            _ => panic!("an error"),
        };
        assert!(err(vm.try_array_from_vec(vec![1.0f64; 3], &[2], NDARRAY)).contains("3"));
        // Products that wrap to the data's length.
        assert!(
            err(vm.try_array_from_vec(Vec::<f64>::new(), &[1 << 63, 2], NDARRAY))
                .contains("too large")
        );
        assert!(
            err(vm.try_array_from_vec(vec![0u8; 0], &[0, usize::MAX], NDARRAY))
                .contains("too large")
        );
        assert!(
            err(vm.try_array_from_vec(vec![0i64; 4], &[1 << 62, 4], NDARRAY)).contains("too large")
        );
        assert!(err(vm.try_array_from_vec(vec![0i64; 1], &[1; 9], NDARRAY)).contains("at most 8"));
        assert!(
            err(vm.try_array_from_vec(vec![0i64; 1], &[1], ClassId(5))).contains("not registered")
        );
        let a = vm
            .try_array_from_vec(vec![0i64; 6], &[2, 1, 3], NDARRAY)
            .unwrap();
        assert_eq!(a.shape(), vec![2, 1, 3]);
        assert_eq!(a.get_f64(5), Some(0.0));
        assert_eq!(a.get_f64(6), None);
    }

    #[test]
    #[should_panic(expected = "has 3 elements but the data has 4")]
    fn array_from_vec_panics_on_a_wrong_shape() {
        let mut vm = Vm::new(Config::default());
        vm.array_from_vec(vec![1i32; 4], &[3], NDARRAY);
    }

    #[test]
    fn classes_must_exist() {
        let mut vm = Vm::new(Config::default());
        assert!(vm
            .try_register_array_type("Self", ClassId(1), None)
            .is_err());
        assert!(vm
            .try_register_array_type("Far", ClassId(u32::MAX), None)
            .is_err());
        let a = vm.try_register_array_type("A", NDARRAY, None).unwrap();
        assert_eq!(a, ClassId(1));
        let e = vm.overload_classmethod(
            ClassId(u32::MAX),
            "_allocate",
            Classmethod::External(Allocator::system()),
        );
        assert!(matches!(e, Err(Error::Call(_))));
        let calls = std::cell::Cell::new(0);
        // SAFETY: the table wraps C malloc and free; the counter outlives the
        // VM and no array of it is made.
        let r = unsafe { vm.use_external_allocator(ClassId(7), "x", counting(&calls)) };
        assert!(r.is_err());
        // A refused allocator is not listed.
        assert_eq!(vm.alloc_stats().len(), 1);
    }

    #[test]
    fn failed_calls_leave_the_module_usable() {
        for tier in [Tier::Interp, Tier::Jit, Tier::Auto] {
            failed_calls_leave_the_module_usable_in(tier);
        }
    }

    fn failed_calls_leave_the_module_usable_in(tier: Tier) {
        let mut vm = Vm::new(Config {
            tier,
            ..Config::default()
        });
        let m = vm
            .load(
                "t.py",
                "def add(a, b):\n    return a + b\n\ndef twice(x):\n    return add(x, x)\n",
            )
            .unwrap();
        let a = vm.array_from_vec(vec![1.0f64, 2.0], &[2], NDARRAY);
        assert_eq!(
            vm.call(&m, "twice", &[Value::Int(4)]).unwrap(),
            Value::Int(8)
        );
        let Value::Array(r) = vm.call(&m, "twice", &[Value::Array(a.clone())]).unwrap() else {
            panic!()
        };
        assert_eq!(r.to_vec_f64(), vec![2.0, 4.0]);
        let types = |m: &Module, n: usize| -> Vec<String> {
            m.prog.borrow().specs[..n]
                .iter()
                .map(|s| format!("{:?} {:?} -> {:?}", s.func, s.args, s.ret))
                .collect()
        };
        let n = m.prog.borrow().specs.len();
        let before = types(&m, n);
        for _ in 0..2 {
            assert!(matches!(
                vm.call(&m, "add", &[Value::None, Value::Int(3)]),
                Err(Error::Compile { .. })
            ));
            assert!(vm
                .call(&m, "add", &[Value::Array(a.clone()), Value::None])
                .is_err());
            assert_eq!(
                vm.call(&m, "add", &[Value::Int(2), Value::Int(3)]).unwrap(),
                Value::Int(5)
            );
            assert_eq!(
                vm.call(&m, "twice", &[Value::Int(4)]).unwrap(),
                Value::Int(8)
            );
            assert_eq!(
                vm.call(&m, "add", &[Value::Float(0.5), Value::Float(0.25)])
                    .unwrap(),
                Value::Float(0.75)
            );
        }
        // A failed call leaves nothing behind: the module has what it had
        // and what the successful calls since added (add(float, float)),
        // typed as they were.
        assert_eq!(m.prog.borrow().specs.len(), n + 1);
        assert_eq!(m.code.borrow().protos.len(), n + 1);
        assert_eq!(types(&m, n), before);
    }

    /// A call whose typing succeeds but whose bytecode does not fit (a
    /// function of more than 65535 instructions) is undone as well: the
    /// code and tables compiled part way are cut back with the types, and
    /// the module goes on as before, the same call failing the same way.
    #[test]
    fn a_call_failing_in_the_bytecode_compiler_leaves_nothing_behind() {
        // `wrapper` compiles (with a new string and format) before `big`
        // fails: its code is cut back too.
        let mut src = String::from(
            "def small(x):\n    return x + 1\n\n\
             def wrapper(x):\n    print('wrapping', f'{x:>6}')\n    return big(x)\n\n\
             def big(x):\n    s = x\n",
        );
        for _ in 0..40_000 {
            src.push_str("    s = s * 3 + x\n");
        }
        src.push_str("    return s\n");
        for tier in [Tier::Interp, Tier::Jit] {
            let mut vm = Vm::new(Config {
                tier,
                ..Config::default()
            });
            let m = vm.load("t.py", &src).unwrap();
            assert_eq!(
                vm.call(&m, "small", &[Value::Int(1)]).unwrap(),
                Value::Int(2)
            );
            for x in [0.5, 1.5] {
                let specs = m.prog.borrow().specs.len();
                let code = Kept::of(&m.code.borrow());
                let Err(Error::Compile {
                    rendered: message, ..
                }) = vm.call(&m, "wrapper", &[Value::Int(1)])
                else {
                    panic!("wrapper(1) should fail to compile")
                };
                assert!(message.contains("65535 instructions"), "{message}");
                assert_eq!(m.prog.borrow().specs.len(), specs);
                let now = Kept::of(&m.code.borrow());
                assert_eq!(
                    (now.protos, now.strings, now.rtops, now.formats),
                    (code.protos, code.strings, code.rtops, code.formats)
                );
                // A specialisation made now gets the number (and code) the
                // failed ones had.
                assert_eq!(
                    vm.call(&m, "small", &[Value::Float(x)]).unwrap(),
                    Value::Float(x + 1.0)
                );
                assert_eq!(
                    vm.call(&m, "small", &[Value::Int(2)]).unwrap(),
                    Value::Int(3)
                );
            }
        }
    }

    /// A function is compiled with the functions its native code calls,
    /// one after another: a callee the `auto` tier would never find hot
    /// (called once) is compiled with its hot caller, and one the caller
    /// inlined is not compiled on its own.
    #[test]
    fn callees_are_compiled_with_their_caller() {
        let src = "def inlined(x):\n    return x + 1\n\n\
                   def once(n):\n    if n < 2:\n        return n\n    return once(n - 1) + once(n - 2)\n\n\
                   def hot(n):\n    s = 0\n    for i in range(n):\n        s += inlined(i)\n    return s + once(3)\n";
        let mut vm = Vm::new(Config {
            tier: Tier::Auto,
            ..Config::default()
        });
        let m = vm.load("t.py", src).unwrap();
        let n = (Hot::default().threshold as i64) * 4;
        assert_eq!(
            vm.call(&m, "hot", &[Value::Int(n)]).unwrap(),
            Value::Int(n * (n + 1) / 2 + 2)
        );
        let names: Vec<String> = vm.jit_compiles().into_iter().map(|c| c.function).collect();
        assert_eq!(names, ["hot", "once"]);
    }

    /// A failed call undoes only its own work: code compiled before it,
    /// native code included, stays.
    #[test]
    fn a_failed_call_keeps_what_was_compiled() {
        let mut vm = Vm::new(Config {
            tier: Tier::Jit,
            ..Config::default()
        });
        let src = "def add(a, b):\n    return a + b\n\ndef twice(x):\n    return add(x, x)\n";
        let m = vm.load("t.py", src).unwrap();
        assert_eq!(
            vm.call(&m, "twice", &[Value::Int(4)]).unwrap(),
            Value::Int(8)
        );
        let compiled = vm.jit_compiles().len();
        assert!(compiled >= 1, "{compiled}");
        assert!(vm.call(&m, "twice", &[Value::None]).is_err());
        assert_eq!(
            vm.call(&m, "twice", &[Value::Int(5)]).unwrap(),
            Value::Int(10)
        );
        assert_eq!(vm.jit_compiles().len(), compiled);
    }

    #[test]
    fn limits_can_change_after_creation() {
        for tier in [Tier::Interp, Tier::Jit, Tier::Auto] {
            let mut vm = Vm::new(Config {
                tier,
                ..Config::default()
            });
            let m = vm
                .load("t.py", "import numpy as np\ndef spin():\n    while True:\n        pass\n\ndef big(n):\n    return np.zeros(n)\n")
                .unwrap();
            vm.set_limits(Limits {
                fuel: Some(10_000),
                ..Limits::default()
            });
            let Err(Error::Runtime(e)) = vm.call(&m, "spin", &[]) else {
                panic!()
            };
            assert!(e.message.contains("fuel"), "{}", e.message);
            vm.set_max_memory(Some(1 << 16));
            let Err(Error::Runtime(e)) = vm.call(&m, "big", &[Value::Int(1 << 16)]) else {
                panic!()
            };
            assert!(e.render().contains("MemoryError"));
            vm.set_max_memory(None);
            assert!(vm.call(&m, "big", &[Value::Int(1 << 16)]).is_ok());
        }
    }

    /// Repeated calls reuse a specialisation only for arguments of its
    /// exact types: a strided array never runs the C-layout code.
    #[test]
    fn repeated_calls_find_their_own_specialisation() {
        for tier in [Tier::Interp, Tier::Jit] {
            let mut vm = Vm::new(Config {
                tier,
                ..Config::default()
            });
            let m = vm.load("t.py", "def s(a):\n    return a.sum()\n").unwrap();
            let mut buf = vec![1.0f64, 2.0, 3.0, 4.0];
            let c = vm.array_from_vec(buf.clone(), &[4], NDARRAY);
            // SAFETY: two elements 16 bytes apart inside `buf`, which
            // outlives the array (dropped at the end of the iteration).
            let odd = unsafe {
                vm.array_from_raw(
                    buf.as_mut_ptr() as *mut u8,
                    DType::F64,
                    &[2],
                    &[16],
                    NDARRAY,
                    Box::new(()),
                )
            }
            .unwrap();
            for round in 0..3 {
                for _ in 0..3 {
                    let r = vm.call(&m, "s", &[Value::Array(c.clone())]).unwrap();
                    assert_eq!(r, Value::Float(10.0), "{tier:?}");
                    let r = vm.call(&m, "s", &[Value::Array(odd.clone())]).unwrap();
                    assert_eq!(r, Value::Float(4.0), "{tier:?}");
                }
                assert_eq!(m.calls.borrow().len(), 2, "{tier:?}");
                if round == 1 {
                    // A call that fails to type leaves the call sites.
                    assert!(vm.call(&m, "s", &[Value::Int(3)]).is_err());
                    assert_eq!(m.calls.borrow().len(), 2, "{tier:?}");
                }
            }
            drop(odd);
        }
    }

    #[test]
    fn a_null_array_register_is_no_handle() {
        let ty = Type::Array(Rc::new(ArrayType {
            dtype: DType::F64,
            ndim: 1,
            layout: Layout::C,
            class: 0,
            class_name: None,
        }));
        assert_eq!(Value::unflatten(&ty, &mut [0u64].into_iter()), Value::None);
        assert_eq!(Value::unflatten(&ty, &mut std::iter::empty()), Value::None);
    }
}
