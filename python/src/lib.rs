//! Kiln's Python extension module, `kiln._kiln`: VMs, the modules loaded
//! into them, and calls whose NumPy arguments are
//! passed without copying and whose array results are NumPy arrays over
//! Kiln's memory, freed through the array class's allocator when NumPy drops
//! them. The `kiln` package (`kiln/__init__.py`) builds on it: `njit`, the
//! source gathering, the array-type registry.
//!
//! Kiln's VM is not `Send` (its reference counts are not atomic), so what
//! holds Kiln state is in a [`Home`]: it belongs to the thread that made it,
//! and another thread gets a `RuntimeError`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::mem::ManuallyDrop;
use std::rc::Rc;

use kiln::{ArrayRef, ClassId, Config, DType, Error, ExternalMemAllocator, Tier, Type, Value};
use numpy::npyffi::{self, npy_intp, NPY_ARRAY_WRITEABLE, PY_ARRAY_API};
use numpy::{PyArrayDescr, PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyException, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString, PyTuple, PyType};
use smallvec::SmallVec;

pyo3::create_exception!(
    _kiln,
    TypingError,
    PyException,
    "A Kiln function does not compile for the types it was called with."
);
pyo3::create_exception!(
    _kiln,
    KilnError,
    PyRuntimeError,
    "An exception Kiln raised that has no Python built-in of its name."
);

/// Python array classes registered in a VM: the class id of each type
/// object (by address), and the type to build results of each class with.
#[derive(Default)]
struct Classes {
    ids: HashMap<usize, ClassId>,
    types: Vec<Option<Py<PyType>>>,
}

/// A value used only on the thread that made it. One check per use,
/// cheaper than PyO3's `unsendable` (which asks for the thread's handle
/// at every borrow) and an exception, not a panic, on another thread.
struct Home<T> {
    thread: usize,
    value: ManuallyDrop<T>,
}

/// This thread's mark: the address of a thread-local. Two live threads
/// never share it; a thread made after the owner exited may reuse it,
/// which is harmless as the owner can no longer use the value.
fn here() -> usize {
    thread_local!(static MARK: u8 = const { 0 });
    MARK.with(|m| m as *const u8 as usize)
}

impl<T> Home<T> {
    fn new(value: T) -> Home<T> {
        Home {
            thread: here(),
            value: ManuallyDrop::new(value),
        }
    }
    fn get(&self) -> PyResult<&T> {
        self.get_at(here())
    }
    /// As `get` on the thread whose mark is `mark`: a call that reaches
    /// several homes asks for the mark once.
    #[inline]
    fn get_at(&self, mark: usize) -> PyResult<&T> {
        if self.thread == mark {
            Ok(&self.value)
        } else {
            Err(PyRuntimeError::new_err(
                "Kiln objects belong to the thread that made them: compile and call \
                 Kiln functions on one thread (or one per thread)",
            ))
        }
    }
}

impl<T> Drop for Home<T> {
    fn drop(&mut self) {
        // Dropped on another thread (Python may collect anywhere), the
        // value is leaked: its reference counts are not atomic.
        if self.thread == here() {
            // SAFETY: dropped once, here, on its own thread.
            unsafe { ManuallyDrop::drop(&mut self.value) }
        }
    }
}

// SAFETY: the value is reached only through `get`, which checks that the
// caller runs on the owning thread, and dropped only there; so it never
// crosses threads though the `Home` does.
unsafe impl<T> Send for Home<T> {}
// SAFETY: as above: shared references reach the value only on one thread.
unsafe impl<T> Sync for Home<T> {}

/// A Kiln VM whose scripts print to Python's `sys.stdout`.
#[pyclass(frozen, module = "kiln._kiln")]
struct Vm {
    state: Home<VmState>,
}

struct VmState {
    vm: RefCell<kiln::Vm>,
    classes: Rc<RefCell<Classes>>,
}

impl Vm {
    fn state(&self) -> PyResult<&VmState> {
        self.state.get()
    }
    fn vm(&self) -> PyResult<std::cell::RefMut<'_, kiln::Vm>> {
        self.state()?.vm()
    }
}

impl VmState {
    /// The VM for a call; a call from a callback of another call (a typing
    /// hook, an allocator, output) finds it busy.
    fn vm(&self) -> PyResult<std::cell::RefMut<'_, kiln::Vm>> {
        self.vm.try_borrow_mut().map_err(|_| {
            PyRuntimeError::new_err(
                "the Kiln VM is busy: a Kiln function was called from a callback of another Kiln call",
            )
        })
    }
}

/// Script output, handed to `sys.stdout` (so that it shows in Jupyter) at
/// each flush; it takes the GIL, so it is safe where the GIL was released.
struct PyStdout;

impl Write for PyStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Python::attach(|py| {
            let text = String::from_utf8_lossy(buf);
            let r = py
                .import("sys")
                .and_then(|sys| sys.getattr("stdout"))
                .and_then(|out| out.call_method1("write", (text,)));
            if let Err(e) = r {
                e.write_unraisable(py, None);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Python::attach(|py| {
            let r = py
                .import("sys")
                .and_then(|sys| sys.getattr("stdout"))
                .and_then(|out| out.call_method0("flush"));
            if let Err(e) = r {
                e.write_unraisable(py, None);
            }
        });
        Ok(())
    }
}

fn parse_tier(tier: &str) -> PyResult<Tier> {
    Tier::parse(tier).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown tier '{tier}': use 'interp', 'jit' or 'auto'"
        ))
    })
}

#[pymethods]
impl Vm {
    #[new]
    #[pyo3(signature = (tier = "auto", fuel = None, max_memory = None, hot_threshold = None))]
    fn new(
        tier: &str,
        fuel: Option<u64>,
        max_memory: Option<u64>,
        hot_threshold: Option<u32>,
    ) -> PyResult<Vm> {
        let mut config = Config {
            tier: parse_tier(tier)?,
            max_memory,
            ..Config::default()
        };
        config.limits.fuel = fuel;
        if let Some(t) = hot_threshold {
            config.hot.threshold = t;
        }
        let classes = Classes {
            ids: HashMap::new(),
            types: vec![None],
        };
        Ok(Vm {
            state: Home::new(VmState {
                vm: RefCell::new(kiln::Vm::with_output(config, Box::new(PyStdout))),
                classes: Rc::new(RefCell::new(classes)),
            }),
        })
    }

    #[getter]
    fn tier(&self) -> PyResult<&'static str> {
        Ok(match self.vm()?.config().tier {
            Tier::Interp => "interp",
            Tier::Jit => "jit",
            Tier::Auto => "auto",
        })
    }

    /// Parses, types and compiles `text` (named `name` in errors).
    fn load(slf: &Bound<'_, Self>, name: &str, text: &str) -> PyResult<Module> {
        let m = slf.get().vm()?.load(name, text).map_err(to_pyerr)?;
        Ok(Module {
            vm: slf.clone().unbind(),
            m: Home::new(m),
        })
    }

    /// Registers the NumPy subclass `cls` as a Kiln array subtype of
    /// `base` (a class id) named `name`. `hook(ufunc, method, inputs)`, if
    /// given, types ufuncs on it: `inputs` is a tuple of
    /// `(text, dtype, ndim, layout, class_name)` (the last four None for
    /// scalars), and it returns the result's class id or None to decline.
    #[pyo3(signature = (cls, name, base = 0, hook = None))]
    fn register_array_type(
        &self,
        cls: &Bound<'_, PyType>,
        name: &str,
        base: u32,
        hook: Option<Py<PyAny>>,
    ) -> PyResult<u32> {
        let hook = hook.map(|h| -> kiln::UfuncHook {
            Rc::new(move |ufunc: &str, method: &str, inputs: &[Type]| {
                Python::attach(|py| {
                    let r = describe_types(py, inputs)
                        .and_then(|ins| h.call1(py, (ufunc, method, ins)))
                        .and_then(|r| r.extract::<Option<u32>>(py));
                    r.unwrap_or_else(|e| {
                        // A typing hook has no caller to raise to: say
                        // so and decline.
                        e.write_unraisable(py, None);
                        None
                    })
                })
            })
        });
        let id = self
            .vm()?
            .try_register_array_type(name, ClassId(base), hook)
            .map_err(to_pyerr)?;
        let mut classes = self.state()?.classes.borrow_mut();
        classes.ids.insert(cls.as_ptr() as usize, id);
        let k = id.0 as usize;
        if classes.types.len() <= k {
            classes.types.resize_with(k + 1, || None);
        }
        classes.types[k] = Some(cls.clone().unbind());
        Ok(id.0)
    }

    /// Routes the arrays of class `class_id` to the `ExternalMemAllocator`
    /// table at `address` (Numba's `nrt_external.h` layout: malloc, realloc,
    /// free, opaque data). The table is copied; its functions must stay
    /// callable while any array of the class lives.
    fn use_external_allocator(&self, class_id: u32, name: &str, address: usize) -> PyResult<()> {
        if address == 0 || !address.is_multiple_of(std::mem::align_of::<usize>()) {
            return Err(PyValueError::new_err(format!(
                "{address:#x} is not the address of an allocator table"
            )));
        }
        // SAFETY: the caller passes the address of a live table of four
        // pointers (a ctypes.Structure, as in Numba's API); it was checked
        // to be non-null and aligned.
        let words = unsafe { std::ptr::read(address as *const [usize; 4]) };
        if words[0] == 0 || words[2] == 0 {
            return Err(PyValueError::new_err(
                "the allocator table has no malloc or no free function",
            ));
        }
        // SAFETY: malloc and free are non-null function pointers with the
        // table's C signatures (the caller's contract, as in Numba); a null
        // realloc is `None` (`Option<fn>` is a nullable pointer).
        let table = unsafe { std::mem::transmute::<[usize; 4], ExternalMemAllocator>(words) };
        // SAFETY: as above, the functions behave as malloc and free; the
        // caller keeps them alive while arrays of the class live.
        unsafe {
            self.vm()?
                .use_external_allocator(ClassId(class_id), name, table)
        }
        .map_err(to_pyerr)?;
        Ok(())
    }

    /// Allocation statistics of every allocator, as
    /// `[(name, {"allocs", "frees", "live", "bytes_allocated", "bytes_freed"})]`.
    fn alloc_stats<'py>(&self, py: Python<'py>) -> PyResult<Vec<(String, Bound<'py, PyDict>)>> {
        self.vm()?
            .alloc_stats()
            .into_iter()
            .map(|(name, s)| {
                let d = PyDict::new(py);
                d.set_item("allocs", s.allocs)?;
                d.set_item("frees", s.frees)?;
                d.set_item("live", s.live())?;
                d.set_item("bytes_allocated", s.bytes_allocated)?;
                d.set_item("bytes_freed", s.bytes_freed)?;
                Ok((name, d))
            })
            .collect()
    }

    /// What the native tier has done: functions compiled, seconds spent,
    /// entries into native code.
    fn jit_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.vm()?.jit_stats();
        let d = PyDict::new(py);
        d.set_item("functions", s.functions)?;
        d.set_item("seconds", s.seconds)?;
        d.set_item("entries", s.entries)?;
        Ok(d)
    }

    /// Bounds the next calls: `fuel` units of work, `max_memory` bytes of
    /// live arrays and strings (None: unbounded).
    #[pyo3(signature = (fuel = None, max_memory = None))]
    fn set_limits(&self, fuel: Option<u64>, max_memory: Option<u64>) -> PyResult<()> {
        let mut vm = self.vm()?;
        let mut limits = vm.config().limits.clone();
        limits.fuel = fuel;
        vm.set_limits(limits);
        vm.set_max_memory(max_memory);
        Ok(())
    }
}

/// The ufunc hook's view of types: `(text, dtype, ndim, layout, class)`.
fn describe_types<'py>(py: Python<'py>, tys: &[Type]) -> PyResult<Bound<'py, PyTuple>> {
    let items: Vec<Bound<'py, PyTuple>> = tys
        .iter()
        .map(|t| {
            let text = t.to_string();
            match t.as_array() {
                Some(a) => (
                    text,
                    Some(a.dtype.name()),
                    Some(a.ndim),
                    Some(format!("{:?}", a.layout)),
                    a.class_name.as_deref().map(str::to_string),
                )
                    .into_pyobject(py),
                None => (
                    text,
                    None::<&str>,
                    None::<u8>,
                    None::<String>,
                    None::<String>,
                )
                    .into_pyobject(py),
            }
        })
        .collect::<PyResult<_>>()?;
    PyTuple::new(py, items)
}

/// A loaded Kiln module.
#[pyclass(frozen, module = "kiln._kiln")]
struct Module {
    vm: Py<Vm>,
    m: Home<kiln::Module>,
}

#[pymethods]
impl Module {
    /// Calls function `name` with positional arguments.
    #[pyo3(signature = (name, *args))]
    fn call(&self, py: Python<'_>, name: &str, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        call(py, here(), self, name, args, false)
    }

    /// A callable for function `name`; `nogil` releases the GIL while it runs.
    #[pyo3(signature = (name, nogil = false))]
    fn function(slf: &Bound<'_, Self>, name: &str, nogil: bool) -> Function {
        Function {
            module: slf.clone().unbind(),
            name: name.to_string(),
            nogil,
        }
    }

    /// Runs the module's top-level code, as `vm run` does.
    fn run(&self) -> PyResult<()> {
        let m = self.m.get()?;
        let r = self.vm.get().vm()?.run_main(m);
        r.map_err(to_pyerr)
    }

    /// Every compiled specialisation as annotated source.
    fn inspect_types(&self) -> PyResult<String> {
        Ok(self.m.get()?.inspect_types())
    }

    /// The bytecode of every compiled specialisation.
    fn disassemble(&self) -> PyResult<String> {
        Ok(self.m.get()?.disassemble())
    }

    /// The bytecode with native code under each instruction (`vm asm`);
    /// `arch` lists another instruction set's code.
    #[pyo3(signature = (arch = None))]
    fn machine_code(&self, arch: Option<&str>) -> PyResult<String> {
        let m = self.m.get()?;
        match arch {
            None => Ok(m.machine_code()),
            Some(a) => m.machine_code_for(a).map_err(PyValueError::new_err),
        }
    }

    /// The native tier's low IR of every compiled specialisation.
    fn low_ir(&self) -> PyResult<String> {
        Ok(self.m.get()?.low_ir())
    }

    /// The source text the module was compiled from.
    #[getter]
    fn source(&self) -> PyResult<String> {
        Ok(self.m.get()?.source().text.to_string())
    }

    #[getter]
    fn vm(&self, py: Python<'_>) -> Py<Vm> {
        self.vm.clone_ref(py)
    }
}

/// One function of a module, callable.
#[pyclass(frozen, module = "kiln._kiln")]
struct Function {
    module: Py<Module>,
    name: String,
    nogil: bool,
}

#[pymethods]
impl Function {
    #[pyo3(signature = (*args))]
    fn __call__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.call(py, here(), args)
    }

    #[getter]
    fn module(&self, py: Python<'_>) -> Py<Module> {
        self.module.clone_ref(py)
    }

    #[getter]
    fn __name__(&self) -> String {
        self.name.clone()
    }
}

impl Function {
    fn call(&self, py: Python<'_>, mark: usize, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        call(py, mark, self.module.get(), &self.name, args, self.nogil)
    }
}

/// The base of `kiln.Dispatcher`: calls go straight to the compiled
/// function; the first call asks the Python side (`_compile`) to compile
/// it, and calls with keywords or another number of arguments go through
/// `_bind`.
#[pyclass(frozen, subclass, module = "kiln._kiln")]
struct Dispatcher {
    compiled: Home<RefCell<Option<Compiled>>>,
}

/// A dispatcher's compiled function and its number of parameters.
type Compiled = (Py<Function>, usize);

#[pymethods]
impl Dispatcher {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Dispatcher {
        Dispatcher {
            compiled: Home::new(RefCell::new(None)),
        }
    }

    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        slf: &Bound<'_, Self>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let mark = here();
        let cell = slf.get().compiled.get_at(mark)?;
        let known = cell.borrow().as_ref().map(|(f, n)| (f.clone_ref(py), *n));
        let (f, nparams) = match known {
            Some(c) => c,
            None => {
                let (f, n): (Py<Function>, usize) = slf.call_method0("_compile")?.extract()?;
                *cell.borrow_mut() = Some((f.clone_ref(py), n));
                (f, n)
            }
        };
        let f = f.get();
        if kwargs.is_some_and(|k| !k.is_empty()) || args.len() != nparams {
            let bound = slf.call_method1("_bind", (args, kwargs))?;
            return f.call(py, mark, bound.cast::<PyTuple>()?);
        }
        f.call(py, mark, args)
    }

    /// Forgets the compiled function: the next call compiles again.
    fn _reset(&self) -> PyResult<()> {
        *self.compiled.get()?.borrow_mut() = None;
        Ok(())
    }

    #[getter]
    fn _function(&self, py: Python<'_>) -> PyResult<Option<Py<Function>>> {
        Ok(self
            .compiled
            .get()?
            .borrow()
            .as_ref()
            .map(|(f, _)| f.clone_ref(py)))
    }
}

/// Owns a Kiln array for the NumPy array that views it (its `base`):
/// dropping it releases the array, freeing it through its allocator.
#[pyclass(frozen, module = "kiln._kiln")]
struct ArrayOwner {
    array: Home<ArrayRef>,
}

#[pymethods]
impl ArrayOwner {
    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("<kiln array {:?}>", self.array.get()?))
    }
}

/// Moves values into a closure run without the GIL.
struct OnThisThread<T>(T);
// SAFETY: `Python::detach` runs its closure on the calling thread before
// it returns, so nothing inside ever reaches another thread; Python objects
// inside (kept by host arrays) are only dropped, which PyO3 defers to its
// reference pool while the GIL is released; script output and hooks take
// the GIL themselves.
unsafe impl<T> Send for OnThisThread<T> {}

/// Calls function `name` of `module` on the thread marked `mark`.
fn call(
    py: Python<'_>,
    mark: usize,
    module: &Module,
    name: &str,
    args: &Bound<'_, PyTuple>,
    nogil: bool,
) -> PyResult<Py<PyAny>> {
    let m = module.m.get_at(mark)?;
    let state = module.vm.get().state.get_at(mark)?;
    let mut vm = state.vm()?;
    // Each value is written into its slot: pushed, it would go through a
    // temporary written piecemeal and read back whole, which stalls.
    let n = args.len();
    let mut values: SmallVec<[Value; 4]> = if n <= 4 {
        let none = || Value::None;
        SmallVec::from_buf_and_len([none(), none(), none(), none()], n)
    } else {
        SmallVec::from_elem(Value::None, n)
    };
    // The Python object each host array stands for, to give back the same
    // object when a function returns its argument.
    let mut hosts: Vec<(ArrayRef, Bound<'_, PyAny>)> = Vec::new();
    // Bools, ints and floats, the common arguments, inline; the rest
    // through `to_value`.
    for (v, a) in values.iter_mut().zip(args.iter()) {
        if let Some(i) = a
            .is_exact_instance_of::<PyInt>()
            .then(|| int64(&a))
            .flatten()
        {
            *v = Value::Int(i);
        } else if let Ok(f) = a.cast_exact::<PyFloat>() {
            *v = Value::Float(f.value());
        } else if let Ok(b) = a.cast_exact::<PyBool>() {
            *v = Value::Bool(b.is_true());
        } else {
            *v = to_value(py, &mut vm, &state.classes.borrow(), a, &mut hosts)?;
        }
    }
    let r = if nogil {
        call_detached(py, &mut vm, m, name, values)
    } else {
        vm.call(m, name, &values)
    };
    drop(vm);
    // Ints and floats read in place (the result is not moved whole).
    match &r {
        Ok(Value::Int(i)) => return Ok((*i).into_pyobject(py)?.into_any().unbind()),
        Ok(Value::Float(f)) => return Ok(PyFloat::new(py, *f).into_any().unbind()),
        _ => {}
    }
    match r {
        Ok(v) => to_py(py, &state.classes.borrow(), v, &hosts),
        Err(e) => Err(to_pyerr(e)),
    }
}

/// `vm.call` with the GIL released. Out of line: the GIL-holding path
/// then keeps its result where it is read.
#[inline(never)]
fn call_detached(
    py: Python<'_>,
    vm: &mut kiln::Vm,
    m: &kiln::Module,
    name: &str,
    values: SmallVec<[Value; 4]>,
) -> Result<Value, Error> {
    let job = OnThisThread((vm, m, values));
    py.detach(move || {
        let job = job;
        let (vm, m, values) = job.0;
        OnThisThread(vm.call(m, name, &values))
    })
    .0
}

/// An int's value when it fits in 64 bits, else None (`to_value` then
/// raises the OverflowError). Out of line and in registers: a value that
/// comes back through memory stalls the call that reads it whole.
#[inline(never)]
fn int64(a: &Bound<'_, PyAny>) -> Option<i64> {
    a.extract().ok()
}

fn dtype_of(descr: &Bound<'_, PyArrayDescr>) -> Option<DType> {
    Some(match (descr.kind(), descr.itemsize()) {
        (b'b', 1) => DType::Bool,
        (b'i', 1) => DType::I8,
        (b'i', 2) => DType::I16,
        (b'i', 4) => DType::I32,
        (b'i', 8) => DType::I64,
        (b'u', 1) => DType::U8,
        (b'u', 2) => DType::U16,
        (b'u', 4) => DType::U32,
        (b'u', 8) => DType::U64,
        (b'f', 4) => DType::F32,
        (b'f', 8) => DType::F64,
        _ => return None,
    })
}

fn descr_of(py: Python<'_>, d: DType) -> Bound<'_, PyArrayDescr> {
    match d {
        DType::Bool => numpy::dtype::<bool>(py),
        DType::I8 => numpy::dtype::<i8>(py),
        DType::I16 => numpy::dtype::<i16>(py),
        DType::I32 => numpy::dtype::<i32>(py),
        DType::I64 => numpy::dtype::<i64>(py),
        DType::U8 => numpy::dtype::<u8>(py),
        DType::U16 => numpy::dtype::<u16>(py),
        DType::U32 => numpy::dtype::<u32>(py),
        DType::U64 => numpy::dtype::<u64>(py),
        DType::F32 => numpy::dtype::<f32>(py),
        DType::F64 => numpy::dtype::<f64>(py),
    }
}

/// NumPy's `generic`, the base of its scalar types.
fn numpy_generic(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static GENERIC: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    GENERIC.import(py, "numpy", "generic")
}

fn to_value<'py>(
    py: Python<'py>,
    vm: &mut kiln::Vm,
    classes: &Classes,
    a: Bound<'py, PyAny>,
    hosts: &mut Vec<(ArrayRef, Bound<'py, PyAny>)>,
) -> PyResult<Value> {
    if let Ok(b) = a.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = a.cast::<PyInt>() {
        return Ok(Value::Int(i.extract()?));
    }
    if let Ok(f) = a.cast::<PyFloat>() {
        return Ok(Value::Float(f.value()));
    }
    if let Ok(arr) = a.cast::<PyUntypedArray>() {
        return array_value(vm, classes, arr, hosts);
    }
    if a.is_none() {
        return Ok(Value::None);
    }
    if let Ok(t) = a.cast::<PyTuple>() {
        let items = t
            .iter()
            .map(|i| to_value(py, vm, classes, i, hosts))
            .collect::<PyResult<_>>()?;
        return Ok(Value::Tuple(items));
    }
    // NumPy scalars other than float64 (a float subclass) travel as the
    // Python scalar of their kind.
    if a.is_instance(numpy_generic(py)?)? {
        let item = a.call_method0("item")?;
        if item.cast::<PyBool>().is_ok()
            || item.cast::<PyInt>().is_ok()
            || item.cast::<PyFloat>().is_ok()
        {
            return to_value(py, vm, classes, item, hosts);
        }
    }
    Err(PyTypeError::new_err(format!(
        "cannot pass {} to a Kiln function: pass bools, ints, floats, NumPy scalars, \
         NumPy arrays of bool, (u)int8-64 or float32/64, or tuples of these",
        a.get_type().name()?
    )))
}

/// A NumPy array as a Kiln array over the same memory.
fn array_value<'py>(
    vm: &mut kiln::Vm,
    classes: &Classes,
    arr: &Bound<'py, PyUntypedArray>,
    hosts: &mut Vec<(ArrayRef, Bound<'py, PyAny>)>,
) -> PyResult<Value> {
    let descr = arr.dtype();
    let dtype = dtype_of(&descr).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "Kiln has no arrays of dtype {}: use bool, (u)int8-64, float32 or float64",
            descr.str().map(|s| s.to_string()).unwrap_or_default()
        ))
    })?;
    if descr.is_native_byteorder() == Some(false) {
        return Err(PyTypeError::new_err(
            "Kiln takes arrays in the machine's byte order: convert with a.astype(a.dtype.newbyteorder('='))",
        ));
    }
    let class = class_of(classes, &arr.get_type())?;
    // SAFETY: `arr` is a live NumPy array; its fields are read while the
    // GIL is held.
    let writeable = unsafe { (*arr.as_array_ptr()).fields.flags } & NPY_ARRAY_WRITEABLE != 0;
    // A read-only array may be read-only memory: Kiln gets a copy, as
    // writing to it from Python would fail.
    let arr: Bound<'py, PyUntypedArray> = if writeable {
        arr.clone()
    } else {
        arr.call_method0("copy")?.cast_into::<PyUntypedArray>()?
    };
    // SAFETY: as above.
    let data = unsafe { (*arr.as_array_ptr()).fields.data } as *mut u8;
    let keep: Py<PyAny> = arr.clone().into_any().unbind();
    // SAFETY: the data, shape and strides describe the live NumPy array's
    // elements; `keep` holds a reference to it, so NumPy neither frees nor
    // moves the buffer while Kiln holds the array (`ndarray.resize`
    // refuses to move a referenced array). The GIL, held or taken back
    // before Python code runs, keeps other threads off it during the call
    // except with `nogil`, where racing writers are the caller's, as in
    // Numba.
    let r = unsafe {
        vm.array_from_raw(
            data,
            dtype,
            arr.shape(),
            arr.strides(),
            class,
            Box::new(keep),
        )
    }
    .map_err(|e| PyValueError::new_err(e.to_string()))?;
    hosts.push((r.clone(), arr.into_any()));
    Ok(Value::Array(r))
}

/// The Kiln class of a NumPy array type: the registered class of the type
/// or of its nearest registered base, else ndarray.
fn class_of(classes: &Classes, ty: &Bound<'_, PyType>) -> PyResult<ClassId> {
    if classes.ids.is_empty() {
        return Ok(kiln::NDARRAY);
    }
    if let Some(&c) = classes.ids.get(&(ty.as_ptr() as usize)) {
        return Ok(c);
    }
    for base in ty.mro().iter() {
        if let Some(&c) = classes.ids.get(&(base.as_ptr() as usize)) {
            return Ok(c);
        }
    }
    Ok(kiln::NDARRAY)
}

fn to_py(
    py: Python<'_>,
    classes: &Classes,
    v: Value,
    hosts: &[(ArrayRef, Bound<'_, PyAny>)],
) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Value::None => py.None(),
        Value::Bool(b) => PyBool::new(py, b).to_owned().into_any().unbind(),
        Value::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        Value::Float(f) => PyFloat::new(py, f).into_any().unbind(),
        Value::Tuple(items) => {
            let items = items
                .into_iter()
                .map(|i| to_py(py, classes, i, hosts))
                .collect::<PyResult<Vec<_>>>()?;
            PyTuple::new(py, items)?.into_any().unbind()
        }
        Value::Array(r) => match hosts.iter().find(|(h, _)| *h == r) {
            Some((_, obj)) => obj.clone().unbind(),
            None => to_numpy(py, classes, r)?,
        },
    })
}

/// A NumPy array over a Kiln array's memory, of the class's Python type,
/// whose base owns the Kiln array.
fn to_numpy(py: Python<'_>, classes: &Classes, r: ArrayRef) -> PyResult<Py<PyAny>> {
    let mut dims: Vec<npy_intp> = r.shape().iter().map(|&d| d as npy_intp).collect();
    let mut strides: Vec<npy_intp> = r.strides().iter().map(|&s| s as npy_intp).collect();
    let data = r.data_ptr();
    let descr = descr_of(py, r.dtype());
    let subtype = match classes.types.get(r.class().0 as usize) {
        Some(Some(t)) => t.as_ptr() as *mut pyo3::ffi::PyTypeObject,
        // SAFETY: reads NumPy's ndarray type object from its API table.
        _ => unsafe { npyffi::get_type_object(py, npyffi::NpyTypes::PyArray_Type) },
    };
    let owner = Py::new(
        py,
        ArrayOwner {
            array: Home::new(r),
        },
    )?;
    // SAFETY: `descr` is a new reference the call steals; dims and strides
    // have one entry per dimension; `data` points at the Kiln array's
    // elements, which stay valid while `owner` (set as the base below)
    // lives; NumPy copies dims and strides.
    let arr = unsafe {
        PY_ARRAY_API.PyArray_NewFromDescr(
            py,
            subtype,
            descr.into_dtype_ptr(),
            dims.len() as std::os::raw::c_int,
            dims.as_mut_ptr(),
            strides.as_mut_ptr(),
            data as *mut std::os::raw::c_void,
            NPY_ARRAY_WRITEABLE,
            std::ptr::null_mut(),
        )
    };
    if arr.is_null() {
        return Err(PyErr::fetch(py));
    }
    // SAFETY: `arr` is the new array (owned reference); setting its base
    // steals the owner's reference, also when it fails.
    let status = unsafe {
        PY_ARRAY_API.PyArray_SetBaseObject(py, arr as *mut npyffi::PyArrayObject, owner.into_ptr())
    };
    // SAFETY: `arr` is an owned reference to a live object.
    let arr = unsafe { Bound::from_owned_ptr(py, arr) };
    if status != 0 {
        return Err(PyErr::fetch(py));
    }
    Ok(arr.unbind())
}

/// A Kiln error as the Python exception of the same name, with Kiln's
/// traceback as a note (and in `kiln_traceback`).
fn to_pyerr(e: Error) -> PyErr {
    match e {
        Error::Compile { rendered, .. } => TypingError::new_err(rendered),
        Error::Call(m) => PyTypeError::new_err(m),
        Error::Runtime(x) => Python::attach(|py| {
            let builtins = py.import("builtins");
            let base = py.get_type::<pyo3::exceptions::PyBaseException>();
            let ty = builtins
                .and_then(|b| b.getattr(x.kind.as_str()))
                .ok()
                .and_then(|t| t.cast_into::<PyType>().ok())
                .filter(|t| t.is_subclass(&base).unwrap_or(false))
                .unwrap_or_else(|| py.get_type::<KilnError>());
            let err = PyErr::from_type(ty, x.message.clone());
            let value = err.value(py);
            let rendered = x.render();
            let _ = value.setattr("kiln_traceback", PyString::new(py, &rendered));
            // The note is the traceback without its last line, which
            // Python prints already.
            let frames = rendered.trim_end().rsplit_once('\n').map_or("", |(f, _)| f);
            if !frames.is_empty() && value.hasattr("add_note").unwrap_or(false) {
                let _ = value.call_method1("add_note", (frames,));
            }
            err
        }),
    }
}

#[pymodule]
fn _kiln(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Vm>()?;
    m.add_class::<Module>()?;
    m.add_class::<Function>()?;
    m.add_class::<Dispatcher>()?;
    m.add_class::<ArrayOwner>()?;
    m.add("TypingError", m.py().get_type::<TypingError>())?;
    m.add("KilnError", m.py().get_type::<KilnError>())?;
    Ok(())
}
