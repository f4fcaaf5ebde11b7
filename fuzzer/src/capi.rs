//! A harness for the C API (`include/kiln.h`): a byte string is read as a
//! sequence of calls with their arguments. Every call keeps to the header's
//! documented contract (live handles, NUL-terminated strings, argument
//! arrays of the stated length, data buffers as long as the shape says);
//! everything else is the fuzzer's choice: sources, function names, value
//! kinds, dtype codes, shapes, class ids, allocator failures.

use std::ffi::{c_char, c_void, CStr, CString};

use kiln::capi::{self, KilnValue, KilnVm};
use kiln::{ArrayRef, ExternalMemAllocator, Module};

/// Reads the fuzzer's bytes; zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let Some((&b, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        b
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn u64(&mut self) -> u64 {
        (self.u32() as u64) << 32 | self.u32() as u64
    }
    fn below(&mut self, n: usize) -> usize {
        self.u8() as usize % n
    }
    /// A string: one of `known`, or raw bytes up to a length (cut at the
    /// first NUL, since the C API only ever sees up to there).
    fn string(&mut self, known: &[&str]) -> CString {
        let k = self.below(known.len() + 1);
        if k < known.len() {
            return CString::new(known[k]).unwrap();
        }
        let n = self.below(64);
        let take = n.min(self.0.len());
        let (s, rest) = self.0.split_at(take);
        self.0 = rest;
        let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
        CString::new(&s[..end]).unwrap()
    }
    fn empty(&self) -> bool {
        self.0.is_empty()
    }
}

const PROGRAM: &str = "\
import numpy as np

def add(a, b):
    return a + b

def scale(a, k):
    return a * k

def make(n):
    return np.zeros(n) + 1

def first(a):
    return a[0]

def pair(a):
    return (a, a)

def say(x):
    print(x)

def down(n):
    if n > 0:
        return down(n - 1)
    return n

def rows(a):
    return a.shape[0]

def at(a, i):
    return a[i]

def total(a):
    return a.sum()

print(make(3))
";

const SOURCES: [&str; 4] = [
    PROGRAM,
    "def f(:\n",
    "import numpy as np\nx = np.arange(5)\nprint(x[7])\n",
    "def g(a):\n    return a.T.T + 1\n",
];

const FUNCS: [&str; 13] = [
    "add", "scale", "make", "first", "pair", "say", "down", "rows", "at", "total", "g", "missing",
    "",
];

/// Allocation counts for the external allocator: fails the `fail_at`-th
/// malloc (0: never).
#[repr(C)]
struct Budget {
    mallocs: u64,
    failed: u64,
    frees: u64,
    fail_at: u64,
}

extern "C" {
    fn malloc(n: usize) -> *mut c_void;
    fn free(p: *mut c_void);
}

unsafe extern "C" fn budget_malloc(n: usize, opaque: *mut c_void) -> *mut c_void {
    // SAFETY: `opaque` is the harness's `Budget`, which outlives the VM and
    // every array (the harness frees them before dropping it).
    let b = unsafe { &mut *(opaque as *mut Budget) };
    b.mallocs += 1;
    if b.mallocs == b.fail_at {
        b.failed += 1;
        return std::ptr::null_mut();
    }
    // SAFETY: plain C malloc; a NULL result is handled by the caller.
    unsafe { malloc(n) }
}

unsafe extern "C" fn budget_free(p: *mut c_void, opaque: *mut c_void) {
    // SAFETY: as in `budget_malloc`.
    let b = unsafe { &mut *(opaque as *mut Budget) };
    b.frees += 1;
    // SAFETY: `p` came from `budget_malloc` (the table's contract).
    unsafe { free(p) }
}

/// A class id: mostly ndarray or one of the first subtypes, rarely any
/// number at all (one that was never registered).
fn class_id(d: &mut Bytes) -> u32 {
    match d.below(32) {
        0 => d.u32(),
        1 => d.below(64) as u32,
        _ => d.below(3) as u32,
    }
}

/// What a run of the harness did, for its callers' sanity checks.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub calls: u32,
    pub errors: u32,
    /// External mallocs minus frees once everything was released.
    pub external_live: i64,
}

/// `data` as C API calls, with a panic or a block the external allocator
/// never got back as a failure.
pub fn check(data: &[u8]) -> Result<crate::exec::Reached, crate::exec::Failure> {
    let t = crate::exec::guarded("the C API", || run(data))?;
    if t.external_live != 0 {
        return Err(crate::exec::Failure {
            key: "C API: external allocator blocks never freed".into(),
            detail: format!("{t:?}"),
        });
    }
    Ok(if t.errors > 0 {
        crate::exec::Reached::RuntimeError
    } else {
        crate::exec::Reached::Finished
    })
}

/// Runs the calls `data` describes on a fresh VM, then releases everything.
pub fn run(data: &[u8]) -> Tally {
    let mut d = Bytes(data);
    let mut t = Tally::default();
    let budget = Box::into_raw(Box::new(Budget {
        mallocs: 0,
        failed: 0,
        frees: 0,
        fail_at: 0,
    }));
    let vm: *mut KilnVm = capi::kiln_vm_new();
    let mut modules: Vec<*mut Module> = Vec::new();
    let mut arrays: Vec<*mut ArrayRef> = Vec::new();
    let mut data_buf: Vec<u8> = Vec::new();
    // KILN_FUZZ_TRACE=1 prints the calls, to turn a finding into C.
    let trace = std::env::var_os("KILN_FUZZ_TRACE").is_some();
    let say = |s: String| {
        if trace {
            eprintln!("{s}");
        }
    };
    while !d.empty() && t.calls < 200 {
        t.calls += 1;
        match d.below(12) {
            0 | 1 => {
                let name = d.string(&["m.py", ""]);
                let src = if d.below(4) == 0 {
                    d.string(&[])
                } else {
                    CString::new(SOURCES[d.below(SOURCES.len())]).unwrap()
                };
                say(format!(
                    "m{} = kiln_load(vm, {name:?}, {:?});",
                    modules.len(),
                    src.to_string_lossy().chars().take(60).collect::<String>()
                ));
                // SAFETY: `vm` is live; both strings are NUL-terminated.
                let m = unsafe { capi::kiln_load(vm, name.as_ptr(), src.as_ptr()) };
                if m.is_null() {
                    t.errors += 1;
                } else {
                    modules.push(m);
                }
            }
            2 if !modules.is_empty() => {
                let mi = d.below(modules.len());
                let m = modules[mi];
                say(format!("kiln_run_main(vm, m{mi});"));
                // SAFETY: `vm` and `m` are live.
                if unsafe { capi::kiln_run_main(vm, m) } != 0 {
                    t.errors += 1;
                }
            }
            3..=5 if !modules.is_empty() => {
                let m = modules[d.below(modules.len())];
                let func = d.string(&FUNCS);
                let nargs = d.below(4);
                let mut args = Vec::with_capacity(nargs);
                for _ in 0..nargs {
                    let kind = d.below(6) as u32;
                    let array = if arrays.is_empty() || d.below(8) == 0 {
                        std::ptr::null_mut()
                    } else {
                        arrays[d.below(arrays.len())]
                    };
                    args.push(KilnValue {
                        kind,
                        // Extremes fail fast; a middling size such as 2**31
                        // would make a script allocate for real.
                        i: match d.below(8) {
                            0 => [i64::MIN, i64::MAX, -1, 1 << 62][d.below(4)],
                            _ => d.below(16) as i64 - 4,
                        },
                        f: f64::from_bits(d.u64()),
                        array,
                    });
                }
                say(format!(
                    "kiln_call(vm, m?, {func:?}, {:?}, {nargs}, &result);",
                    args.iter()
                        .map(|a| format!(
                            "{{kind {}, i {}, f {}, array {:?}}}",
                            a.kind, a.i, a.f, a.array
                        ))
                        .collect::<Vec<_>>()
                ));
                let mut result = KilnValue {
                    kind: 0,
                    i: 0,
                    f: 0.0,
                    array: std::ptr::null_mut(),
                };
                // SAFETY: `vm`, `m` live; `func` NUL-terminated; `args`
                // holds `nargs` values whose non-null arrays are live;
                // `result` is writable.
                let rc = unsafe {
                    capi::kiln_call(vm, m, func.as_ptr(), args.as_ptr(), nargs, &mut result)
                };
                if rc != 0 {
                    t.errors += 1;
                } else if result.kind == capi::KILN_ARRAY && !result.array.is_null() {
                    arrays.push(result.array);
                }
            }
            6 => {
                let dtype = d.below(13) as u32;
                let ndim = d.below(5);
                let shape: Vec<usize> = (0..ndim).map(|_| d.below(5)).collect();
                let n: usize = shape.iter().product::<usize>() * 8;
                data_buf.clear();
                data_buf.extend((0..n).map(|k| k as u8 ^ 0x5a));
                let cls = class_id(&mut d);
                say(format!("a{} = kiln_array_new(vm, dtype {dtype}, ndim {ndim}, shape {shape:?}, data, cls {cls});", arrays.len()));
                // SAFETY: `vm` live; `shape` has `ndim` entries; `data_buf`
                // holds the shape's product of 8-byte elements, enough for
                // every dtype.
                let a = unsafe {
                    capi::kiln_array_new(
                        vm,
                        dtype,
                        ndim,
                        shape.as_ptr(),
                        data_buf.as_ptr() as *const c_void,
                        cls,
                    )
                };
                if a.is_null() {
                    t.errors += 1;
                } else {
                    arrays.push(a);
                }
            }
            7 if !arrays.is_empty() => {
                let a = arrays.swap_remove(d.below(arrays.len()));
                // SAFETY: `a` is live and leaves the harness's list.
                unsafe { capi::kiln_array_release(a) };
            }
            8 if !arrays.is_empty() => {
                let a = arrays[d.below(arrays.len())];
                let i = d.below(10);
                let k = d.u32() as usize % 64;
                // SAFETY: `a` is live; the string from kiln_array_str is
                // freed once, with kiln_string_free.
                unsafe {
                    let nd = capi::kiln_array_ndim(a);
                    let _ = capi::kiln_array_dim(a, i.min(nd + 1));
                    let _ = capi::kiln_array_get_f64(a, k);
                    let s = capi::kiln_array_str(a);
                    if !s.is_null() {
                        let _ = CStr::from_ptr(s).to_bytes().len();
                        capi::kiln_string_free(s);
                    }
                }
            }
            9 => {
                let name = d.string(&["Celsius", "Sub", ""]);
                let base = class_id(&mut d);
                say(format!(
                    "kiln_register_array_type(vm, {name:?}, base {base});"
                ));
                // SAFETY: `vm` live; `name` NUL-terminated.
                let _ = unsafe { capi::kiln_register_array_type(vm, name.as_ptr(), base) };
            }
            10 => {
                let cls = class_id(&mut d);
                say(format!(
                    "kiln_set_external_allocator(vm, cls {cls}, &table);"
                ));
                // SAFETY: `budget` is live until after the VM and every
                // array are gone.
                unsafe { (*budget).fail_at = (*budget).mallocs + d.below(6) as u64 };
                let table = ExternalMemAllocator {
                    malloc: budget_malloc,
                    realloc: None,
                    free: budget_free,
                    opaque_data: budget as *mut c_void,
                };
                // SAFETY: `vm` live; the table's functions and opaque data
                // stay valid while any array of the class lives.
                if unsafe { capi::kiln_set_external_allocator(vm, cls, &table) } != 0 {
                    t.errors += 1;
                }
            }
            _ => {
                // SAFETY: `vm` is live; the error text is valid until the
                // next call on it.
                let e: *const c_char = unsafe { capi::kiln_last_error(vm) };
                if !e.is_null() {
                    // SAFETY: a NUL-terminated string owned by the VM.
                    let _ = unsafe { CStr::from_ptr(e) }.to_bytes().len();
                }
                if !modules.is_empty() && d.below(3) == 0 {
                    let m = modules.swap_remove(d.below(modules.len()));
                    // SAFETY: `m` is live and leaves the harness's list.
                    unsafe { capi::kiln_module_free(m) };
                }
            }
        }
    }
    for m in modules {
        // SAFETY: each module is live and freed once.
        unsafe { capi::kiln_module_free(m) };
    }
    for a in arrays {
        // SAFETY: each array is live and released once.
        unsafe { capi::kiln_array_release(a) };
    }
    // SAFETY: `vm` is live and not used again.
    unsafe { capi::kiln_vm_free(vm) };
    // SAFETY: nothing refers to `budget` any more: its VM and arrays are gone.
    let b = unsafe { Box::from_raw(budget) };
    t.external_live = b.mallocs as i64 - b.failed as i64 - b.frees as i64;
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_and_call_sequence_works_and_frees_everything() {
        // load PROGRAM as "m.py"; external allocator on ndarray that never
        // fails; call make(3); release the result.
        let ops = [
            0u8, 0, 1, 0, 10, 1, 0, 3, 0, 2, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 7, 0,
        ];
        let t = run(&ops);
        assert!(t.calls >= 4, "{t:?}");
        assert_eq!(t.external_live, 0, "{t:?}");
    }
}
