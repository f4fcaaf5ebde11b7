//! The C API: what `include/kiln.h` declares, over the Rust API.
//!
//! A C host can pass anything: NULL, a handle it already released, a handle
//! of another kind or thread, sizes that overflow, a table of NULL
//! functions, or call back in from a callback. None of it may crash the
//! process, so:
//!
//! - Handles are not pointers. `kiln_vm *`, `kiln_module *` and
//!   `kiln_array *` carry a number that is looked up in this thread's
//!   registry; numbers come from one process-wide counter and are never
//!   reused, so a released, foreign or made-up handle finds nothing and is
//!   an error (a generation-tagged handle whose generation is never
//!   repeated).
//! - Every entry point runs under `api`: it borrows the registry (a
//!   second borrow means a callback re-entered the API during a call, which
//!   is refused), catches any panic, and turns failures into a status code
//!   plus a message in a thread-local last error that needs no VM.
//! - Every pointer and size is checked before it is used; the pointers the
//!   API must still trust (a non-NULL `data` of the size the shape implies,
//!   a NUL-terminated string, a table of callable functions) are stated in
//!   `kiln.h`.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{
    ArrayRef, ClassId, Config, DType, Error, ExternalMemAllocator, Limits, Module, Tier, Type,
    Value, Vm,
};

// Status codes, as `kiln_status` in `kiln.h` says.

/// Success.
pub const KILN_OK: i32 = 0;
/// The program failed to compile or raised (also fuel and memory limits).
pub const KILN_E_SCRIPT: i32 = -1;
/// A required pointer argument is NULL.
pub const KILN_E_NULL: i32 = -2;
/// A handle that is released, freed, of another VM or thread, or never was one.
pub const KILN_E_HANDLE: i32 = -3;
/// A bad value: size, dtype, kind, class, function name or argument count.
pub const KILN_E_ARG: i32 = -4;
/// Memory for the request could not be had.
pub const KILN_E_MEMORY: i32 = -5;
/// Called from an allocator callback while a Kiln call runs.
pub const KILN_E_REENTRANT: i32 = -6;
/// A bug in Kiln, caught; the VM involved refuses further work.
pub const KILN_E_INTERNAL: i32 = -7;

// Kinds of `kiln_value`.

/// No value (`None`).
pub const KILN_NONE: u32 = 0;
/// A bool in `i` (0 or 1).
pub const KILN_BOOL: u32 = 1;
/// An int in `i`.
pub const KILN_INT: u32 = 2;
/// A float in `f`.
pub const KILN_FLOAT: u32 = 3;
/// An array in `array`.
pub const KILN_ARRAY: u32 = 4;

/// Most arguments one `kiln_call` may pass.
pub const KILN_MAX_ARGS: usize = 1024;

// Opaque handle types: never dereferenced, only looked up.

/// `kiln_vm`: a VM, from `kiln_vm_new*` until `kiln_vm_free`.
pub enum KilnVm {}
/// `kiln_module`: a loaded program, from `kiln_load` until `kiln_module_free`.
pub enum KilnModule {}
/// `kiln_array`: one reference to an array, from `kiln_array_new` or a
/// `kiln_call` result until `kiln_array_release`.
pub enum KilnArray {}

/// A scalar or array argument or result.
#[repr(C)]
pub struct KilnValue {
    /// `KILN_NONE`, `KILN_BOOL`, `KILN_INT`, `KILN_FLOAT` or `KILN_ARRAY`.
    pub kind: u32,
    /// The value of a bool or int.
    pub i: i64,
    /// The value of a float.
    pub f: f64,
    /// An array handle (an owned reference in a result).
    pub array: *mut KilnArray,
}

impl KilnValue {
    fn none() -> KilnValue {
        KilnValue {
            kind: KILN_NONE,
            i: 0,
            f: 0.0,
            array: std::ptr::null_mut(),
        }
    }
}

/// `kiln_config`: zero everywhere is the default configuration.
#[repr(C)]
pub struct KilnConfig {
    /// 0 auto, 1 interp, 2 jit.
    pub tier: u32,
    /// Largest number of recursive calls; 0 for the default (1000);
    /// above 1000000 the same as 1000000.
    pub max_depth: u32,
    /// Fuel of one host call (loop iterations, calls, array elements
    /// processed, as [`crate::Limits::fuel`] counts); 0 for no limit.
    pub fuel: u64,
    /// Most bytes of array memory live at once; 0 for no limit.
    pub max_memory: u64,
}

/// Numba's allocator table as C hands it over: any function may be NULL,
/// which the Rust type (non-nullable function pointers) cannot hold.
#[repr(C)]
#[derive(Clone, Copy)]
struct RawAllocatorTable {
    malloc: Option<::vm::meminfo::MallocFn>,
    realloc: Option<::vm::meminfo::ReallocFn>,
    free: Option<::vm::meminfo::FreeFn>,
    opaque_data: *mut c_void,
}

struct VmEntry {
    vm: Vm,
    /// Set while the VM runs code and left set if that panicked: its state
    /// may then be half-updated, so it refuses further work.
    poisoned: bool,
}

struct ModuleEntry {
    module: Module,
    vm: usize,
}

/// Everything the C host holds on this thread, by handle.
#[derive(Default)]
struct Registry {
    vms: HashMap<usize, VmEntry>,
    modules: HashMap<usize, ModuleEntry>,
    arrays: HashMap<usize, ArrayRef>,
    /// Strings from `kiln_array_str` not yet freed.
    strings: HashSet<usize>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry::default());
    static LAST_ERROR: RefCell<(i32, CString)> = RefCell::new((KILN_OK, CString::default()));
}

/// Handle numbers: process-wide, never reused, never 0 (NULL).
static NEXT_HANDLE: AtomicUsize = AtomicUsize::new(1);

fn new_handle() -> usize {
    NEXT_HANDLE.fetch_add(1, Ordering::Relaxed)
}

/// A failure: status code and message.
struct Fail(i32, String);

type Res<T> = Result<T, Fail>;

fn fail<T>(code: i32, msg: impl Into<String>) -> Res<T> {
    Err(Fail(code, msg.into()))
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        let code = match e {
            Error::Compile { .. } | Error::Runtime(_) => KILN_E_SCRIPT,
            Error::Call(_) => KILN_E_ARG,
        };
        Fail(code, e.to_string())
    }
}

fn set_last_error(code: i32, msg: &str) {
    let text = CString::new(msg.replace('\0', " ")).unwrap_or_default();
    // During thread teardown there is nowhere to keep it.
    let _ = LAST_ERROR.try_with(|e| {
        if let Ok(mut e) = e.try_borrow_mut() {
            *e = (code, text);
        }
    });
}

/// Runs one entry point: clears the last error, borrows the registry
/// (refusing re-entry), catches panics, and records a failure. `on_error`
/// makes what the function returns then from the status code.
fn api<T>(name: &str, on_error: fn(i32) -> T, body: impl FnOnce(&mut Registry) -> Res<T>) -> T {
    set_last_error(KILN_OK, "");
    let out = REGISTRY.try_with(|reg| {
        let Ok(mut reg) = reg.try_borrow_mut() else {
            return fail(
                KILN_E_REENTRANT,
                format!(
                    "{name}: called while another Kiln call is running on this thread (from an \
                     allocator or other callback); callbacks must not call back into Kiln"
                ),
            );
        };
        match catch_unwind(AssertUnwindSafe(|| body(&mut reg))) {
            Ok(r) => r,
            Err(p) => {
                let what = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                fail(KILN_E_INTERNAL, format!("{name}: internal error: {what}"))
            }
        }
    });
    match out {
        Ok(Ok(v)) => {
            // A callback's refused call may have set it meanwhile.
            set_last_error(KILN_OK, "");
            v
        }
        Ok(Err(Fail(code, msg))) => {
            set_last_error(code, &msg);
            on_error(code)
        }
        Err(_) => {
            set_last_error(
                KILN_E_INTERNAL,
                &format!("{name}: called while the thread is exiting"),
            );
            on_error(KILN_E_INTERNAL)
        }
    }
}

/// What a function returning a status returns on failure: the code.
fn status(code: i32) -> i32 {
    code
}

fn id_of<T>(p: *const T) -> usize {
    p as usize
}

fn handle<T>(id: usize) -> *mut T {
    id as *mut T
}

impl Registry {
    fn vm(&mut self, func: &str, vm: *mut KilnVm) -> Res<&mut VmEntry> {
        if vm.is_null() {
            return fail(KILN_E_NULL, format!("{func}: vm is NULL"));
        }
        match self.vms.get_mut(&id_of(vm)) {
            Some(e) if e.poisoned => fail(
                KILN_E_INTERNAL,
                format!("{func}: the VM stopped at an internal error; free it and make a new one"),
            ),
            Some(e) => Ok(e),
            None => fail(
                KILN_E_HANDLE,
                format!(
                    "{func}: vm is not a live VM of this thread (already freed, or not from \
                     kiln_vm_new)"
                ),
            ),
        }
    }

    fn module(&self, func: &str, m: *mut KilnModule, vm: *mut KilnVm) -> Res<&Module> {
        if m.is_null() {
            return fail(KILN_E_NULL, format!("{func}: module is NULL"));
        }
        match self.modules.get(&id_of(m)) {
            Some(e) if e.vm == id_of(vm) => Ok(&e.module),
            Some(_) => fail(
                KILN_E_HANDLE,
                format!("{func}: the module was loaded by another VM; load it in this one"),
            ),
            None => fail(
                KILN_E_HANDLE,
                format!(
                    "{func}: module is not a live module of this thread (already freed, or not \
                     from kiln_load)"
                ),
            ),
        }
    }

    fn array(&self, func: &str, a: *const KilnArray) -> Res<&ArrayRef> {
        if a.is_null() {
            return fail(KILN_E_NULL, format!("{func}: array is NULL"));
        }
        self.arrays.get(&id_of(a)).ok_or_else(|| {
            Fail(
                KILN_E_HANDLE,
                format!(
                    "{func}: array is not a live array of this thread (already released, or not \
                     from this API)"
                ),
            )
        })
    }

    fn add_array(&mut self, a: ArrayRef) -> *mut KilnArray {
        let id = new_handle();
        self.arrays.insert(id, a);
        handle(id)
    }

    /// Runs `f` on a VM, poisoning it if `f` panics.
    fn run<T>(
        &mut self,
        func: &str,
        vm: *mut KilnVm,
        f: impl FnOnce(&mut Vm, &Registry) -> Res<T>,
    ) -> Res<T> {
        // The entry is taken out so that `f` can also read the registry.
        let id = id_of(vm);
        self.vm(func, vm)?;
        let mut e = self.vms.remove(&id).expect("checked above");
        e.poisoned = true;
        let r = catch_unwind(AssertUnwindSafe(|| f(&mut e.vm, self)));
        e.poisoned = r.is_err();
        self.vms.insert(id, e);
        match r {
            Ok(r) => r,
            Err(p) => std::panic::resume_unwind(p),
        }
    }
}

fn need<T>(func: &str, what: &str, p: *const T) -> Res<()> {
    if p.is_null() {
        fail(KILN_E_NULL, format!("{func}: {what} is NULL"))
    } else {
        Ok(())
    }
}

/// # Safety
/// `s` is non-null and NUL-terminated (the caller checked null).
unsafe fn utf8<'a>(func: &str, what: &str, s: *const c_char) -> Res<&'a str> {
    need(func, what, s)?;
    // SAFETY: non-null, and NUL-terminated by the API's contract.
    unsafe { CStr::from_ptr(s) }
        .to_str()
        .map_err(|_| Fail(KILN_E_ARG, format!("{func}: {what} is not UTF-8")))
}

fn new_vm(cfg: &KilnConfig) -> Res<Vm> {
    let tier = match cfg.tier {
        0 => Tier::Auto,
        1 => Tier::Interp,
        2 => Tier::Jit,
        t => {
            return fail(
                KILN_E_ARG,
                format!("kiln_vm_new_config: tier {t} is not 0 (auto), 1 (interp) or 2 (jit)"),
            )
        }
    };
    let config = Config {
        tier,
        limits: limits(cfg.max_depth, cfg.fuel),
        max_memory: (cfg.max_memory != 0).then_some(cfg.max_memory),
        ..Config::default()
    };
    Ok(Vm::new(config))
}

fn limits(max_depth: u32, fuel: u64) -> Limits {
    Limits {
        max_depth: if max_depth == 0 {
            Limits::default().max_depth
        } else {
            max_depth as usize
        },
        fuel: (fuel != 0).then_some(fuel),
    }
}

fn add_vm(reg: &mut Registry, vm: Vm) -> *mut KilnVm {
    let id = new_handle();
    reg.vms.insert(
        id,
        VmEntry {
            vm,
            poisoned: false,
        },
    );
    handle(id)
}

/// Creates a VM with the default configuration; NULL on error.
#[no_mangle]
pub extern "C" fn kiln_vm_new() -> *mut KilnVm {
    api(
        "kiln_vm_new",
        |_| std::ptr::null_mut(),
        |reg| {
            let vm = new_vm(&KilnConfig {
                tier: 0,
                max_depth: 0,
                fuel: 0,
                max_memory: 0,
            })?;
            Ok(add_vm(reg, vm))
        },
    )
}

/// Creates a VM configured by `cfg`; NULL on error.
///
/// # Safety
/// `cfg` is NULL or points to a `kiln_config`.
#[no_mangle]
pub unsafe extern "C" fn kiln_vm_new_config(cfg: *const KilnConfig) -> *mut KilnVm {
    api(
        "kiln_vm_new_config",
        |_| std::ptr::null_mut(),
        |reg| {
            need("kiln_vm_new_config", "cfg", cfg)?;
            // SAFETY: non-null, and a kiln_config by the contract.
            let vm = new_vm(unsafe { &*cfg })?;
            Ok(add_vm(reg, vm))
        },
    )
}

/// Sets the fuel of each later call (0: no limit).
#[no_mangle]
pub extern "C" fn kiln_vm_set_fuel(vm: *mut KilnVm, fuel: u64) -> i32 {
    api("kiln_vm_set_fuel", status, |reg| {
        let e = reg.vm("kiln_vm_set_fuel", vm)?;
        let depth = e.vm.config().limits.max_depth;
        e.vm.set_limits(Limits {
            max_depth: depth,
            fuel: (fuel != 0).then_some(fuel),
        });
        Ok(KILN_OK)
    })
}

/// Sets the cap on live array memory (0: no limit).
#[no_mangle]
pub extern "C" fn kiln_vm_set_max_memory(vm: *mut KilnVm, bytes: u64) -> i32 {
    api("kiln_vm_set_max_memory", status, |reg| {
        let e = reg.vm("kiln_vm_set_max_memory", vm)?;
        e.vm.set_max_memory((bytes != 0).then_some(bytes));
        Ok(KILN_OK)
    })
}

/// Frees a VM. Arrays the host still holds stay valid; its modules can only
/// be freed.
#[no_mangle]
pub extern "C" fn kiln_vm_free(vm: *mut KilnVm) -> i32 {
    api("kiln_vm_free", status, |reg| {
        need("kiln_vm_free", "vm", vm)?;
        // A poisoned VM can still be freed.
        let Some(e) = reg.vms.remove(&id_of(vm)) else {
            return fail(
                KILN_E_HANDLE,
                "kiln_vm_free: vm is not a live VM of this thread (freed twice, or not from \
                 kiln_vm_new)",
            );
        };
        drop(e);
        Ok(KILN_OK)
    })
}

static EMPTY: &CStr = c"";

/// The message of the last call on this thread that failed ("" if the last
/// call succeeded); valid until the next Kiln call on this thread. `vm` is
/// not used (any value, NULL included, is fine).
#[no_mangle]
pub extern "C" fn kiln_last_error(_vm: *const KilnVm) -> *const c_char {
    LAST_ERROR
        .try_with(|e| e.try_borrow().map(|e| e.1.as_ptr()).ok())
        .ok()
        .flatten()
        .unwrap_or(EMPTY.as_ptr())
}

/// The status code of the last call on this thread (`KILN_OK` if it
/// succeeded).
#[no_mangle]
pub extern "C" fn kiln_last_error_code() -> i32 {
    LAST_ERROR
        .try_with(|e| e.try_borrow().map(|e| e.0).unwrap_or(KILN_E_INTERNAL))
        .unwrap_or(KILN_E_INTERNAL)
}

/// Parses, types and compiles a program; NULL on error.
///
/// # Safety
/// `name` and `source` are NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn kiln_load(
    vm: *mut KilnVm,
    name: *const c_char,
    source: *const c_char,
) -> *mut KilnModule {
    const F: &str = "kiln_load";
    api(
        F,
        |_| std::ptr::null_mut(),
        |reg| {
            reg.vm(F, vm)?;
            // SAFETY: NUL-terminated by the contract; NULL is checked.
            let (name, source) = unsafe { (utf8(F, "name", name)?, utf8(F, "source", source)?) };
            let module = reg.run(F, vm, |v, _| Ok(v.load(name, source)?))?;
            let id = new_handle();
            reg.modules.insert(
                id,
                ModuleEntry {
                    module,
                    vm: id_of(vm),
                },
            );
            Ok(handle(id))
        },
    )
}

/// Frees a module (also after its VM was freed).
#[no_mangle]
pub extern "C" fn kiln_module_free(m: *mut KilnModule) -> i32 {
    api("kiln_module_free", status, |reg| {
        need("kiln_module_free", "module", m)?;
        match reg.modules.remove(&id_of(m)) {
            Some(e) => {
                drop(e);
                Ok(KILN_OK)
            }
            None => fail(
                KILN_E_HANDLE,
                "kiln_module_free: module is not a live module of this thread (freed twice, or \
                 not from kiln_load)",
            ),
        }
    })
}

/// Runs the module's top-level code.
#[no_mangle]
pub extern "C" fn kiln_run_main(vm: *mut KilnVm, m: *mut KilnModule) -> i32 {
    const F: &str = "kiln_run_main";
    api(F, status, |reg| {
        reg.vm(F, vm)?;
        reg.module(F, m, vm)?;
        reg.run(F, vm, |v, reg| {
            let module = reg.module(F, m, vm)?;
            v.run_main(module)?;
            Ok(KILN_OK)
        })
    })
}

/// Calls `func` with `nargs` arguments and stores the result in `*result`.
///
/// # Safety
/// `func` is NULL or NUL-terminated; `args` is NULL or points to `nargs`
/// values; `result` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kiln_call(
    vm: *mut KilnVm,
    m: *mut KilnModule,
    func: *const c_char,
    args: *const KilnValue,
    nargs: usize,
    result: *mut KilnValue,
) -> i32 {
    const F: &str = "kiln_call";
    api(F, status, |reg| {
        need(F, "result", result)?;
        // SAFETY: non-null and writable by the contract. Cleared first, so
        // a failed call leaves no stale handle in it.
        unsafe { result.write(KilnValue::none()) };
        reg.vm(F, vm)?;
        reg.module(F, m, vm)?;
        // SAFETY: NUL-terminated by the contract; NULL is checked.
        let func = unsafe { utf8(F, "func", func)? };
        if nargs > KILN_MAX_ARGS {
            return fail(
                KILN_E_ARG,
                format!("{F}: nargs is {nargs}; at most {KILN_MAX_ARGS} arguments can be passed"),
            );
        }
        let raw = if nargs == 0 {
            &[][..]
        } else {
            need(F, "args", args)?;
            // SAFETY: non-null, `nargs` values by the contract, and nargs is
            // small enough that the byte length cannot overflow.
            unsafe { std::slice::from_raw_parts(args, nargs) }
        };
        let mut vals = Vec::with_capacity(nargs);
        for (k, a) in raw.iter().enumerate() {
            vals.push(match a.kind {
                KILN_NONE => Value::None,
                KILN_BOOL => Value::Bool(a.i != 0),
                KILN_INT => Value::Int(a.i),
                KILN_FLOAT => Value::Float(a.f),
                KILN_ARRAY => {
                    Value::Array(reg.array(&format!("{F}: argument {k}"), a.array)?.clone())
                }
                kind => {
                    return fail(
                        KILN_E_ARG,
                        format!("{F}: argument {k} has unknown kind {kind}"),
                    )
                }
            });
        }
        let v = reg.run(F, vm, |v, reg| {
            let module = reg.module(F, m, vm)?;
            Ok(v.call(module, func, &vals)?)
        })?;
        drop(vals);
        let out = match v {
            Value::None => KilnValue::none(),
            Value::Bool(b) => KilnValue {
                kind: KILN_BOOL,
                i: b as i64,
                ..KilnValue::none()
            },
            Value::Int(i) => KilnValue {
                kind: KILN_INT,
                i,
                ..KilnValue::none()
            },
            Value::Float(f) => KilnValue {
                kind: KILN_FLOAT,
                f,
                ..KilnValue::none()
            },
            Value::Array(a) => KilnValue {
                kind: KILN_ARRAY,
                array: reg.add_array(a),
                ..KilnValue::none()
            },
            Value::Tuple(_) => {
                return fail(
                    KILN_E_ARG,
                    format!("{F}: {func} returns a tuple, which the C API cannot return"),
                )
            }
        };
        // SAFETY: checked non-null above; writable by the contract.
        unsafe { result.write(out) };
        Ok(KILN_OK)
    })
}

/// Registers an array subtype of class `base` (0 is ndarray) whose ufunc
/// results are of the subtype too, and stores its class id in `*out`.
///
/// # Safety
/// `name` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kiln_register_array_type(
    vm: *mut KilnVm,
    name: *const c_char,
    base: u32,
    out: *mut u32,
) -> i32 {
    const F: &str = "kiln_register_array_type";
    api(F, status, |reg| {
        let e = reg.vm(F, vm)?;
        need(F, "out", out)?;
        // SAFETY: NUL-terminated by the contract; NULL is checked.
        let name = unsafe { utf8(F, "name", name)? };
        if !e.vm.has_class(ClassId(base)) {
            return fail(
                KILN_E_ARG,
                format!(
                    "{F}: base class {base} is not registered in this VM (a class can only \
                     derive from one registered before it)"
                ),
            );
        }
        let id = Rc::new(std::cell::Cell::new(0u32));
        let hid = id.clone();
        let hook: crate::UfuncHook = Rc::new(move |_: &str, _: &str, _: &[Type]| Some(hid.get()));
        let c =
            e.vm.try_register_array_type(name, ClassId(base), Some(hook))?;
        id.set(c.0);
        // SAFETY: non-null and writable by the contract.
        unsafe { out.write(c.0) };
        Ok(KILN_OK)
    })
}

/// Routes class `cls`'s `_allocate` to an external allocator table (copied).
///
/// # Safety
/// `table` is NULL or points to a table whose non-NULL functions behave as
/// malloc and free and stay callable while any array of the class lives.
#[no_mangle]
pub unsafe extern "C" fn kiln_set_external_allocator(
    vm: *mut KilnVm,
    cls: u32,
    table: *const ExternalMemAllocator,
) -> i32 {
    const F: &str = "kiln_set_external_allocator";
    api(F, status, |reg| {
        let e = reg.vm(F, vm)?;
        need(F, "table", table)?;
        // SAFETY: non-null; read with every function nullable, which is
        // how C may fill it (same layout: an Option of a function pointer
        // is a nullable pointer).
        let raw = unsafe { (table as *const RawAllocatorTable).read() };
        let (Some(malloc), Some(free)) = (raw.malloc, raw.free) else {
            return fail(
                KILN_E_ARG,
                format!("{F}: the table's malloc and free must not be NULL"),
            );
        };
        let t = ExternalMemAllocator {
            malloc,
            realloc: raw.realloc,
            free,
            opaque_data: raw.opaque_data,
        };
        // SAFETY: the functions keep the table's contract (the caller's
        // promise in kiln.h), and they cannot re-enter the VM: the registry
        // is borrowed whenever they can run, so a callback into Kiln fails.
        unsafe { e.vm.use_external_allocator(ClassId(cls), "external", t) }?;
        Ok(KILN_OK)
    })
}

/// A new array of class `cls` holding a copy of `data`; NULL on error.
///
/// # Safety
/// `shape` is NULL or has `ndim` entries; `data` is NULL or holds the
/// product of the shape elements of the dtype.
#[no_mangle]
pub unsafe extern "C" fn kiln_array_new(
    vm: *mut KilnVm,
    dtype: u32,
    ndim: usize,
    shape: *const usize,
    data: *const c_void,
    cls: u32,
) -> *mut KilnArray {
    const F: &str = "kiln_array_new";
    api(
        F,
        |_| std::ptr::null_mut(),
        |reg| {
            let e = reg.vm(F, vm)?;
            let Some(dt) = DType::ALL.get(dtype as usize).copied() else {
                return fail(KILN_E_ARG, format!("{F}: unknown dtype code {dtype}"));
            };
            if ndim > ::vm::array::MAX_NDIM {
                return fail(
                    KILN_E_ARG,
                    format!(
                        "{F}: ndim is {ndim}; an array has at most {} dimensions",
                        ::vm::array::MAX_NDIM
                    ),
                );
            }
            let shape = if ndim == 0 {
                &[][..]
            } else {
                need(F, "shape", shape)?;
                // SAFETY: non-null with `ndim` (at most 8) entries by the contract.
                unsafe { std::slice::from_raw_parts(shape, ndim) }
            };
            if !e.vm.has_class(ClassId(cls)) {
                return fail(
                    KILN_E_ARG,
                    format!("{F}: array class {cls} is not registered in this VM"),
                );
            }
            let Some(n) = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)) else {
                return fail(
                    KILN_E_ARG,
                    format!("{F}: shape {shape:?} is too large: its size overflows"),
                );
            };
            crate::check_shape(shape, n, dt.itemsize())
                .map_err(|e| Fail(KILN_E_ARG, format!("{F}: {e}")))?;
            let bytes = n * dt.itemsize();
            if let Some(limit) = e.vm.config().max_memory {
                if bytes as u64 > limit {
                    return fail(
                        KILN_E_MEMORY,
                        format!(
                        "{F}: the array's {bytes} bytes exceed the VM's memory limit of {limit}"
                    ),
                    );
                }
            }
            if bytes > 0 {
                need(F, "data", data)?;
            }
            // Words, so that the data is aligned for every dtype.
            let mut buf: Vec<u64> = Vec::new();
            if buf.try_reserve_exact(bytes.div_ceil(8)).is_err() {
                return fail(
                    KILN_E_MEMORY,
                    format!("{F}: could not allocate {bytes} bytes for the array"),
                );
            }
            buf.resize(bytes.div_ceil(8), 0);
            if bytes > 0 {
                // SAFETY: `data` holds `bytes` bytes by the contract; `buf` has
                // room for them; they do not overlap (buf is new).
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        data as *const u8,
                        buf.as_mut_ptr() as *mut u8,
                        bytes,
                    )
                };
            }
            let mut buf = buf.into_boxed_slice();
            let ptr = buf.as_mut_ptr() as *mut u8;
            let keep: Box<dyn std::any::Any> = Box::new(buf);
            let a = ArrayRef {
                ptr: ::vm::array::from_host(ptr, dt, shape, cls, keep),
            };
            Ok(reg.add_array(a))
        },
    )
}

/// Drops the host's reference to an array (freeing it through its
/// allocator when it was the last).
#[no_mangle]
pub extern "C" fn kiln_array_release(a: *mut KilnArray) -> i32 {
    const F: &str = "kiln_array_release";
    api(F, status, |reg| {
        reg.array(F, a)?;
        let arr = reg.arrays.remove(&id_of(a));
        drop(arr);
        Ok(KILN_OK)
    })
}

/// # Safety
/// `out` is NULL or writable.
unsafe fn put<T>(func: &str, out: *mut T, v: T) -> Res<i32> {
    need(func, "out", out)?;
    // SAFETY: non-null and writable by the contract.
    unsafe { out.write(v) };
    Ok(KILN_OK)
}

/// Stores the number of dimensions in `*out`.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kiln_array_ndim(a: *const KilnArray, out: *mut usize) -> i32 {
    const F: &str = "kiln_array_ndim";
    api(F, status, |reg| {
        let n = reg.array(F, a)?.shape().len();
        // SAFETY: forwarded from the contract.
        unsafe { put(F, out, n) }
    })
}

/// Stores the length of dimension `i` in `*out`.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kiln_array_dim(a: *const KilnArray, i: usize, out: *mut usize) -> i32 {
    const F: &str = "kiln_array_dim";
    api(F, status, |reg| {
        let shape = reg.array(F, a)?.shape();
        let Some(&d) = shape.get(i) else {
            return fail(
                KILN_E_ARG,
                format!(
                    "{F}: dimension {i} of an array with {} dimensions",
                    shape.len()
                ),
            );
        };
        // SAFETY: forwarded from the contract.
        unsafe { put(F, out, d) }
    })
}

/// Stores element `k` (C order) converted to double in `*out`.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kiln_array_get_f64(a: *const KilnArray, k: usize, out: *mut f64) -> i32 {
    const F: &str = "kiln_array_get_f64";
    api(F, status, |reg| {
        let arr = reg.array(F, a)?;
        let Some(v) = arr.get_f64(k) else {
            return fail(
                KILN_E_ARG,
                format!("{F}: element {k} of an array of shape {:?}", arr.shape()),
            );
        };
        // SAFETY: forwarded from the contract.
        unsafe { put(F, out, v) }
    })
}

/// NumPy's `str()` of the array, to free with `kiln_string_free`; NULL on
/// error.
#[no_mangle]
pub extern "C" fn kiln_array_str(a: *const KilnArray) -> *mut c_char {
    const F: &str = "kiln_array_str";
    api(
        F,
        |_| std::ptr::null_mut(),
        |reg| {
            let s = CString::new(reg.array(F, a)?.to_string()).unwrap_or_default();
            let p = s.into_raw();
            reg.strings.insert(p as usize);
            Ok(p)
        },
    )
}

/// Frees a string from `kiln_array_str`.
// Safe to call with any pointer: only one the registry recorded is freed.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
#[no_mangle]
pub extern "C" fn kiln_string_free(s: *mut c_char) -> i32 {
    const F: &str = "kiln_string_free";
    api(F, status, |reg| {
        need(F, "s", s)?;
        if !reg.strings.remove(&(s as usize)) {
            return fail(
                KILN_E_HANDLE,
                format!("{F}: not a live string from kiln_array_str (freed twice?)"),
            );
        }
        // SAFETY: the registry recorded it from `CString::into_raw` and it
        // was not freed since (it was still recorded).
        let owned = unsafe { CString::from_raw(s) };
        drop(owned);
        Ok(KILN_OK)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last() -> (i32, String) {
        // SAFETY: kiln_last_error returns a NUL-terminated string that lives
        // until the next call on this thread.
        let msg = unsafe { CStr::from_ptr(kiln_last_error(std::ptr::null())) };
        (kiln_last_error_code(), msg.to_string_lossy().into_owned())
    }

    #[test]
    fn a_panic_is_an_internal_error_and_poisons_the_vm() {
        let vm = kiln_vm_new();
        assert!(!vm.is_null());
        let r = api("kiln_test", status, |reg| {
            reg.run("kiln_test", vm, |_, _| -> Res<i32> { panic!("boom") })
        });
        assert_eq!(r, KILN_E_INTERNAL);
        let (code, msg) = last();
        assert_eq!(code, KILN_E_INTERNAL);
        assert!(msg.contains("boom"), "{msg}");
        // The VM refuses work, but can be freed.
        assert_eq!(kiln_vm_set_fuel(vm, 1), KILN_E_INTERNAL);
        assert!(last().1.contains("internal error"));
        assert_eq!(kiln_vm_free(vm), KILN_OK);
        assert_eq!(last(), (KILN_OK, String::new()));
    }

    #[test]
    fn the_registry_is_per_thread() {
        let vm = kiln_vm_new() as usize;
        let other = std::thread::spawn(move || kiln_vm_free(vm as *mut KilnVm))
            .join()
            .unwrap();
        assert_eq!(other, KILN_E_HANDLE);
        assert_eq!(kiln_vm_free(vm as *mut KilnVm), KILN_OK);
    }
}
