//! Kiln: a tiered virtual machine for typed array programs written in a
//! Numba-compatible subset of Python.
//!
//! This crate is the facade a host program uses: it wires the front end
//! (`typer`), the bytecode VM (`vm`), the native kernels (`stdlib`) and the
//! JIT (`jit`) behind one [`Vm`] type, and it owns the `vm` command-line
//! tool and the C API ([`capi`]). It adds no semantics of its own.
//!
//! ```
//! use kiln::{Value, Vm};
//! let mut vm = Vm::new(kiln::Config::default());
//! let m = vm.load("example.py", "def add(a, b):\n    return a + b\n").unwrap();
//! assert_eq!(vm.call(&m, "add", &[Value::Int(2), Value::Float(0.5)]).unwrap(), Value::Float(2.5));
//! ```
//!
//! Arrays go in without copying and come back owning their memory:
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

pub mod capi;

use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::rc::Rc;

pub use typer::classes::UfuncHook;
pub use typer::{DType, Diagnostic, Source, Type};
pub use vm::classmethods::{AllocRequest, Classmethod, NativeAllocate};
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
    pub tier: Tier,
    /// When `Tier::Auto` compiles a function.
    pub hot: Hot,
    /// Recursion depth and fuel: `limits.fuel` bounds a run's work, one unit
    /// per loop iteration and call, per 32 elements an array operation
    /// processes and per array element printed (see [`Limits::fuel`]).
    pub limits: Limits,
    /// Most bytes of array memory live at once (all allocators together);
    /// an allocation beyond it is a `MemoryError`.
    pub max_memory: Option<u64>,
}

/// When the `auto` tier compiles a function: the interpreter takes a
/// profile sample every `window` loop back-edges and calls, and compiles a
/// function once `threshold` samples fell in its loops (then enters the
/// native code at that loop's head).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hot {
    pub window: u64,
    pub threshold: u32,
}

impl Default for Hot {
    fn default() -> Hot {
        Hot {
            window: 1000,
            threshold: 2,
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
pub struct ArrayRef {
    ptr: *mut Array,
}

impl ArrayRef {
    fn get(&self) -> &Array {
        // SAFETY: an ArrayRef always holds one reference to a live header.
        unsafe { &*self.ptr }
    }
    pub fn dtype(&self) -> DType {
        self.get().dtype
    }
    pub fn shape(&self) -> Vec<usize> {
        self.get().shape().to_vec()
    }
    pub fn class(&self) -> ClassId {
        ClassId(self.get().class)
    }
    /// The elements in C order, converted to f64.
    pub fn to_vec_f64(&self) -> Vec<f64> {
        self.collect(|v| v.as_f64())
    }
    /// The elements in C order, converted to i64.
    pub fn to_vec_i64(&self) -> Vec<i64> {
        self.collect(|v| v.as_i64())
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
            layout: if a.is_c_contiguous() {
                Layout::C
            } else {
                Layout::A
            },
            class: a.class,
            class_name: if a.class == 0 {
                None
            } else {
                Some(classes.name(a.class))
            },
        }))
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
    const DTYPE: DType;
}
macro_rules! element {
    ($($t:ty => $d:ident),*) => { $(impl Element for $t { const DTYPE: DType = DType::$d; })* };
}
element!(bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16, u32 => U32, u64 => U64, f32 => F32, f64 => F64);

/// A value passed to or returned from a script function.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Tuple(Vec<Value>),
    Array(ArrayRef),
}

impl Value {
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
    fn flatten(&self, out: &mut Vec<u64>) {
        match self {
            Value::None => {}
            Value::Bool(b) => out.push(*b as u64),
            Value::Int(v) => out.push(*v as u64),
            Value::Float(v) => out.push(v.to_bits()),
            Value::Tuple(items) => items.iter().for_each(|i| i.flatten(out)),
            Value::Array(a) => {
                // SAFETY: the handle keeps the header live.
                unsafe { array::retain(a.ptr) };
                out.push(a.ptr as u64);
            }
        }
    }
    /// Values from result registers; array results' references move into
    /// the returned handles.
    fn unflatten(ty: &Type, regs: &mut impl Iterator<Item = u64>) -> Value {
        match ty {
            Type::Bool | Type::Scalar(DType::Bool) => Value::Bool(regs.next().unwrap_or(0) != 0),
            Type::Int => Value::Int(regs.next().unwrap_or(0) as i64),
            Type::Float | Type::Scalar(DType::F64) | Type::Scalar(DType::F32) => {
                Value::Float(f64::from_bits(regs.next().unwrap_or(0)))
            }
            Type::Scalar(_) => Value::Int(regs.next().unwrap_or(0) as i64),
            Type::Tuple(items) => {
                Value::Tuple(items.iter().map(|t| Value::unflatten(t, regs)).collect())
            }
            Type::Array(_) => Value::Array(ArrayRef {
                ptr: regs.next().unwrap_or(0) as *mut Array,
            }),
            _ => Value::None,
        }
    }
}

/// An error from loading or running a script.
#[derive(Debug)]
pub enum Error {
    /// The program does not compile: the diagnostic, rendered with its source.
    Compile {
        diagnostic: Diagnostic,
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

/// A loaded program: its typed specialisations and their bytecode.
pub struct Module {
    prog: RefCell<typer::Program>,
    code: RefCell<vm::Module>,
    source: Rc<Source>,
}

impl Module {
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
    /// Every compiled specialisation as annotated source (`--inspect-types`).
    pub fn inspect_types(&self) -> String {
        typer::inspect::inspect_types(&self.prog.borrow(), &self.source)
    }
    pub fn source(&self) -> &Source {
        &self.source
    }
}

/// A Kiln virtual machine: configuration, array classes with their
/// classmethods, and execution state.
pub struct Vm {
    config: Config,
    classes: ClassesRef,
    machine: vm::Machine,
    jit: Rc<std::cell::Cell<JitStats>>,
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

/// Compiles `p`, adding to `stats`.
fn compile_timed(
    p: &vm::Proto,
    m: &vm::Module,
    stats: &std::cell::Cell<JitStats>,
) -> Option<vm::tiering::Native> {
    let t = std::time::Instant::now();
    let code = jit::compile(p, m);
    let mut s = stats.get();
    s.functions += code.is_some() as u32;
    s.seconds += t.elapsed().as_secs_f64();
    stats.set(s);
    code
}

impl Vm {
    /// A VM whose scripts print to the process's standard output.
    pub fn new(config: Config) -> Vm {
        Vm::with_output(config, Box::new(std::io::stdout()))
    }

    /// Compiles to native code what the tier asks for: with `Tier::Jit`,
    /// every function before it runs.
    fn tier_up(&self, code: &mut vm::Module) {
        if self.config.tier == Tier::Jit {
            for p in &code.protos {
                if p.native().is_none() {
                    if let Some(n) = compile_timed(p, code, &self.jit) {
                        p.set_native(n);
                    }
                }
            }
        }
    }

    /// Functions compiled to native code so far, and the time it took.
    pub fn jit_stats(&self) -> JitStats {
        JitStats {
            entries: self.machine.native_entries,
            ..self.jit.get()
        }
    }

    /// A VM whose scripts print to `out`.
    pub fn with_output(config: Config, out: Box<dyn Write>) -> Vm {
        let classes = Classes::shared();
        let mut machine = vm::Machine::new(out, config.limits.clone(), classes.clone());
        machine.rt.table.mem_limit = config.max_memory;
        machine.native = config.tier != Tier::Interp;
        let jit = Rc::new(std::cell::Cell::new(JitStats::default()));
        if config.tier == Tier::Jit {
            machine.set_window(config.hot.window);
        }
        if config.tier == Tier::Auto {
            let stats = jit.clone();
            machine.set_tiering(Some(vm::Tiering {
                window: config.hot.window,
                threshold: config.hot.threshold,
                compile: Box::new(move |p, m| compile_timed(p, m, &stats)),
            }));
        }
        Vm {
            config,
            classes,
            machine,
            jit,
        }
    }

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
    pub fn register_array_type(
        &mut self,
        name: &str,
        base: ClassId,
        hook: Option<UfuncHook>,
    ) -> ClassId {
        ClassId(self.classes.borrow_mut().register(name, base.0, hook))
    }

    /// The display name of a class (`MyArray`).
    pub fn class_name(&self, c: ClassId) -> String {
        self.classes.borrow().name(c.0).to_string()
    }

    /// Overrides classmethod `name` (`"_allocate"`) of an array class, for
    /// both tiers; it takes effect at the next allocation, even in code
    /// already compiled. Subtypes without their own inherit it.
    pub fn overload_classmethod(&mut self, class: ClassId, name: &str, imp: Classmethod) {
        self.machine.rt.table.set(class.0, name, imp);
    }

    /// Routes the arrays of `class` to an external allocator (the C table of
    /// Numba's `nrt_external.h`), and returns its handle for statistics.
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
    /// let counted = vm.use_external_allocator(NDARRAY, "counted", table);
    /// let m = vm.load("t.py", "import numpy as np\ndef make(n):\n    return np.zeros(n) + 1\n").unwrap();
    /// let r = vm.call(&m, "make", &[Value::Int(8)]).unwrap();
    /// assert_eq!((counted.stats().allocs, counted.stats().frees), (2, 1));
    /// drop(r);
    /// assert_eq!(counted.stats().frees, 2);
    /// ```
    pub fn use_external_allocator(
        &mut self,
        class: ClassId,
        name: &str,
        table: ExternalMemAllocator,
    ) -> Rc<Allocator> {
        let a = Allocator::new(name, table);
        self.overload_classmethod(class, "_allocate", Classmethod::External(a.clone()));
        a
    }

    /// An array over the host's vector (moved in, not copied) with the given
    /// C-order shape, tagged with its array class.
    ///
    /// # Panics
    /// When the shape does not match the vector's length.
    pub fn array_from_vec<T: Element>(
        &mut self,
        data: Vec<T>,
        shape: &[usize],
        class: ClassId,
    ) -> ArrayRef {
        assert_eq!(
            shape.iter().product::<usize>(),
            data.len(),
            "shape does not match the data"
        );
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
                })
            }
            Err(d) => Err(compile_error(d, &source)),
        }
    }

    /// Runs the module's top-level code, as `vm run` does.
    pub fn run_main(&mut self, m: &Module) -> Result<(), Error> {
        let code = m.code.borrow();
        let r = self.machine.call(&code, 0, &[]);
        self.machine.flush();
        r.map(|_| ()).map_err(Error::Runtime)
    }

    /// Calls a top-level function with arguments, specialising it for their
    /// types on first use.
    pub fn call(&mut self, m: &Module, name: &str, args: &[Value]) -> Result<Value, Error> {
        let tys: Vec<Type> = {
            let classes = self.classes.borrow();
            args.iter().map(|a| a.ty(&classes)).collect()
        };
        let id = {
            let mut prog = m.prog.borrow_mut();
            let id = prog.specialise(name, tys).map_err(Error::Call)?;
            prog.solve().map_err(|d| compile_error(d, &m.source))?;
            let mut code = m.code.borrow_mut();
            vm::compile::compile_more(&prog, &mut code).map_err(|d| compile_error(d, &m.source))?;
            self.tier_up(&mut code);
            id
        };
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
        let mut regs = Vec::new();
        for a in args {
            a.flatten(&mut regs);
        }
        let ret = p.ret.clone();
        let out = self.machine.call(&code, id, &regs);
        self.machine.flush();
        let out = out.map_err(Error::Runtime)?;
        Ok(Value::unflatten(&ret, &mut out.into_iter()))
    }

    /// Allocation statistics of every allocator this VM routes arrays to.
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
