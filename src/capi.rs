//! The C API: what `include/kiln.h` declares, over the Rust API.
//!
//! Every function takes and returns raw pointers; these are the only places
//! the facade trusts pointers from outside, and each documents what it
//! assumes. Errors are reported by return value, with the text readable
//! through `kiln_last_error`.

use std::ffi::{c_char, c_void, CStr, CString};
use std::rc::Rc;

use crate::{
    ArrayRef, ClassId, Config, DType, Error, ExternalMemAllocator, Module, Type, Value, Vm,
};

/// A VM with the last error's text.
pub struct KilnVm {
    vm: Vm,
    last_error: CString,
}

/// Kinds of `kiln_value`.
pub const KILN_NONE: u32 = 0;
pub const KILN_BOOL: u32 = 1;
pub const KILN_INT: u32 = 2;
pub const KILN_FLOAT: u32 = 3;
pub const KILN_ARRAY: u32 = 4;

/// A scalar or array argument or result.
#[repr(C)]
pub struct KilnValue {
    pub kind: u32,
    pub i: i64,
    pub f: f64,
    /// An owned array reference (release with `kiln_array_release`).
    pub array: *mut ArrayRef,
}

fn set_error(vm: &mut KilnVm, msg: String) {
    vm.last_error = CString::new(msg.replace('\0', " ")).unwrap_or_default();
}

/// # Safety
/// `s` is null or a NUL-terminated string.
unsafe fn cstr<'a>(s: *const c_char) -> Option<&'a str> {
    if s.is_null() {
        return None;
    }
    unsafe { CStr::from_ptr(s) }.to_str().ok()
}

/// Creates a VM whose scripts print to standard output.
#[no_mangle]
pub extern "C" fn kiln_vm_new() -> *mut KilnVm {
    Box::into_raw(Box::new(KilnVm {
        vm: Vm::new(Config::default()),
        last_error: CString::default(),
    }))
}

/// Frees a VM (arrays the host still holds stay valid).
///
/// # Safety
/// `vm` came from `kiln_vm_new` and is not used again.
#[no_mangle]
pub unsafe extern "C" fn kiln_vm_free(vm: *mut KilnVm) {
    if !vm.is_null() {
        drop(unsafe { Box::from_raw(vm) });
    }
}

/// The text of the last error on this VM (empty if none); valid until the
/// next call on the VM.
///
/// # Safety
/// `vm` is a live VM.
#[no_mangle]
pub unsafe extern "C" fn kiln_last_error(vm: *mut KilnVm) -> *const c_char {
    unsafe { (*vm).last_error.as_ptr() }
}

/// Parses, types and compiles a program; NULL on error.
///
/// # Safety
/// `vm` is live; `name` and `source` are NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn kiln_load(
    vm: *mut KilnVm,
    name: *const c_char,
    source: *const c_char,
) -> *mut Module {
    let vm = unsafe { &mut *vm };
    let (Some(name), Some(source)) = (unsafe { cstr(name) }, unsafe { cstr(source) }) else {
        set_error(vm, "name and source must be UTF-8 strings".into());
        return std::ptr::null_mut();
    };
    match vm.vm.load(name, source) {
        Ok(m) => Box::into_raw(Box::new(m)),
        Err(e) => {
            set_error(vm, e.to_string());
            std::ptr::null_mut()
        }
    }
}

/// # Safety
/// `m` came from `kiln_load` and is not used again.
#[no_mangle]
pub unsafe extern "C" fn kiln_module_free(m: *mut Module) {
    if !m.is_null() {
        drop(unsafe { Box::from_raw(m) });
    }
}

/// Runs the module's top-level code: 0 on success, -1 on error.
///
/// # Safety
/// `vm` and `m` are live.
#[no_mangle]
pub unsafe extern "C" fn kiln_run_main(vm: *mut KilnVm, m: *mut Module) -> i32 {
    let vm = unsafe { &mut *vm };
    match vm.vm.run_main(unsafe { &*m }) {
        Ok(()) => 0,
        Err(e) => {
            set_error(vm, e.to_string());
            -1
        }
    }
}

/// Calls `func` with `nargs` arguments; on success stores the result in
/// `*result` and returns 0, else returns -1 (see `kiln_last_error`).
/// Array arguments are borrowed (the call takes its own reference).
///
/// # Safety
/// `vm`, `m` are live; `func` is a NUL-terminated string; `args` points to
/// `nargs` values whose arrays are live; `result` is writable.
#[no_mangle]
pub unsafe extern "C" fn kiln_call(
    vm: *mut KilnVm,
    m: *mut Module,
    func: *const c_char,
    args: *const KilnValue,
    nargs: usize,
    result: *mut KilnValue,
) -> i32 {
    let vm = unsafe { &mut *vm };
    let Some(func) = (unsafe { cstr(func) }) else {
        set_error(vm, "function name must be a UTF-8 string".into());
        return -1;
    };
    let raw = if nargs == 0 {
        &[][..]
    } else {
        unsafe { std::slice::from_raw_parts(args, nargs) }
    };
    let mut vals = Vec::with_capacity(nargs);
    for a in raw {
        vals.push(match a.kind {
            KILN_BOOL => Value::Bool(a.i != 0),
            KILN_INT => Value::Int(a.i),
            KILN_FLOAT => Value::Float(a.f),
            KILN_ARRAY if !a.array.is_null() => Value::Array(unsafe { (*a.array).clone() }),
            _ => {
                set_error(vm, "unsupported argument kind".into());
                return -1;
            }
        });
    }
    match vm.vm.call(unsafe { &*m }, func, &vals) {
        Ok(v) => {
            let out = match v {
                Value::None => KilnValue {
                    kind: KILN_NONE,
                    i: 0,
                    f: 0.0,
                    array: std::ptr::null_mut(),
                },
                Value::Bool(b) => KilnValue {
                    kind: KILN_BOOL,
                    i: b as i64,
                    f: 0.0,
                    array: std::ptr::null_mut(),
                },
                Value::Int(i) => KilnValue {
                    kind: KILN_INT,
                    i,
                    f: 0.0,
                    array: std::ptr::null_mut(),
                },
                Value::Float(f) => KilnValue {
                    kind: KILN_FLOAT,
                    i: 0,
                    f,
                    array: std::ptr::null_mut(),
                },
                Value::Array(a) => KilnValue {
                    kind: KILN_ARRAY,
                    i: 0,
                    f: 0.0,
                    array: Box::into_raw(Box::new(a)),
                },
                Value::Tuple(_) => {
                    set_error(vm, "tuple results are not supported by the C API".into());
                    return -1;
                }
            };
            unsafe { result.write(out) };
            0
        }
        Err(e) => {
            set_error(vm, e.to_string());
            if let Error::Runtime(_) = e {
                return -1;
            }
            -1
        }
    }
}

/// Registers an array subtype of class `base` (0 is ndarray) whose ufunc
/// results are of the subtype too; returns its class id.
///
/// # Safety
/// `vm` is live; `name` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn kiln_register_array_type(
    vm: *mut KilnVm,
    name: *const c_char,
    base: u32,
) -> u32 {
    let vm = unsafe { &mut *vm };
    let name = unsafe { cstr(name) }.unwrap_or("Array").to_string();
    let id = Rc::new(std::cell::Cell::new(0u32));
    let hid = id.clone();
    let hook: crate::UfuncHook = Rc::new(move |_: &str, _: &str, _: &[Type]| Some(hid.get()));
    let c = vm.vm.register_array_type(&name, ClassId(base), Some(hook));
    id.set(c.0);
    c.0
}

/// Routes class `cls`'s `_allocate` to an external allocator table (copied).
///
/// # Safety
/// `vm` is live; `table` points to a valid table whose functions stay
/// callable while any array of the class lives.
#[no_mangle]
pub unsafe extern "C" fn kiln_set_external_allocator(
    vm: *mut KilnVm,
    cls: u32,
    table: *const ExternalMemAllocator,
) -> i32 {
    let vm = unsafe { &mut *vm };
    if table.is_null() {
        set_error(vm, "allocator table is NULL".into());
        return -1;
    }
    vm.vm
        .use_external_allocator(ClassId(cls), "external", unsafe { *table });
    0
}

fn dtype_from(code: u32) -> Option<DType> {
    DType::ALL.get(code as usize).copied()
}

/// A new array of class `cls` holding a copy of `data` (`ndim` dimensions
/// of `shape`, dtype code as in `kiln.h`); NULL on error.
///
/// # Safety
/// `vm` is live; `shape` has `ndim` entries; `data` holds the product of
/// the shape elements of the dtype.
#[no_mangle]
pub unsafe extern "C" fn kiln_array_new(
    vm: *mut KilnVm,
    dtype: u32,
    ndim: usize,
    shape: *const usize,
    data: *const c_void,
    cls: u32,
) -> *mut ArrayRef {
    let vm = unsafe { &mut *vm };
    let Some(dt) = dtype_from(dtype) else {
        set_error(vm, format!("unknown dtype code {dtype}"));
        return std::ptr::null_mut();
    };
    let shape = if ndim == 0 {
        &[][..]
    } else {
        unsafe { std::slice::from_raw_parts(shape, ndim) }
    };
    let n: usize = shape.iter().product();
    let bytes = n * dt.itemsize();
    let mut buf = vec![0u8; bytes].into_boxed_slice();
    if bytes > 0 {
        unsafe { std::ptr::copy_nonoverlapping(data as *const u8, buf.as_mut_ptr(), bytes) };
    }
    let ptr = buf.as_mut_ptr();
    let keep: Box<dyn std::any::Any> = Box::new(buf);
    Box::into_raw(Box::new(ArrayRef {
        ptr: vm::array::from_host(ptr, dt, shape, cls, keep),
    }))
}

/// Drops a reference to an array (frees it through its allocator when last).
///
/// # Safety
/// `a` came from this API and is not used again.
#[no_mangle]
pub unsafe extern "C" fn kiln_array_release(a: *mut ArrayRef) {
    if !a.is_null() {
        drop(unsafe { Box::from_raw(a) });
    }
}

/// Number of dimensions.
///
/// # Safety
/// `a` is a live array.
#[no_mangle]
pub unsafe extern "C" fn kiln_array_ndim(a: *const ArrayRef) -> usize {
    unsafe { (*a).shape().len() }
}

/// Length of dimension `i`.
///
/// # Safety
/// `a` is a live array.
#[no_mangle]
pub unsafe extern "C" fn kiln_array_dim(a: *const ArrayRef, i: usize) -> usize {
    unsafe { (*a).shape().get(i).copied().unwrap_or(0) }
}

/// Element `k` (C order) converted to double.
///
/// # Safety
/// `a` is a live array.
#[no_mangle]
pub unsafe extern "C" fn kiln_array_get_f64(a: *const ArrayRef, k: usize) -> f64 {
    unsafe { (*a).to_vec_f64().get(k).copied().unwrap_or(f64::NAN) }
}

/// NumPy's `str()` of the array; free with `kiln_string_free`.
///
/// # Safety
/// `a` is a live array.
#[no_mangle]
pub unsafe extern "C" fn kiln_array_str(a: *const ArrayRef) -> *mut c_char {
    CString::new(unsafe { (*a).to_string() })
        .unwrap_or_default()
        .into_raw()
}

/// # Safety
/// `s` came from `kiln_array_str` and is not used again.
#[no_mangle]
pub unsafe extern "C" fn kiln_string_free(s: *mut c_char) {
    if !s.is_null() {
        drop(unsafe { CString::from_raw(s) });
    }
}
