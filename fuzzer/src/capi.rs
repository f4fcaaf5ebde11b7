//! A harness for the C API (`include/kiln.h`): a byte string is read as a
//! sequence of calls with their arguments.
//!
//! The header promises that nothing a C host passes crashes the process:
//! NULL pointers, released, freed or made-up handles, handles of another VM
//! or thread, sizes that overflow and calls from a callback are errors. So
//! the harness passes all of those, and keeps only to what the header says
//! Kiln must still trust: a non-NULL string is NUL-terminated, a non-NULL
//! buffer is as long as the call's sizes say, allocator functions behave
//! like malloc and free.
//!
//! Besides crashes, panics and hangs, the harness checks the contract
//! itself: every status is a documented code and matches
//! `kiln_last_error_code()`, a failure has a message, a stale or foreign
//! handle is never accepted, an out-pointer query agrees with the array's
//! shape, a callback's call back into Kiln is refused, `KILN_E_INTERNAL`
//! (a caught bug in Kiln) never happens, and every external-allocator block
//! is freed once everything is released.

use std::ffi::{c_void, CStr, CString};

use kiln::capi::{self, KilnArray, KilnConfig, KilnModule, KilnValue, KilnVm};
use kiln::ExternalMemAllocator;

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

def spin(n):
    s = 0
    for i in range(n * 1000):
        s += i
    return s

print(make(3))
";

const SOURCES: [&str; 5] = [
    PROGRAM,
    "def f(:\n",
    "import numpy as np\nx = np.arange(5)\nprint(x[7])\n",
    "def g(a):\n    return a.T.T + 1\n",
    "import numpy as np\ndef h(a):\n    b = np.empty_like(a)\n    return b + a * 2\n",
];

const FUNCS: [&str; 15] = [
    "add", "scale", "make", "first", "pair", "say", "down", "rows", "at", "total", "spin", "g",
    "h", "missing", "",
];

/// Status codes the header documents.
const CODES: [i32; 8] = [
    capi::KILN_OK,
    capi::KILN_E_SCRIPT,
    capi::KILN_E_NULL,
    capi::KILN_E_HANDLE,
    capi::KILN_E_ARG,
    capi::KILN_E_MEMORY,
    capi::KILN_E_REENTRANT,
    capi::KILN_E_INTERNAL,
];

/// State shared with the external allocator's callbacks: counts, an
/// injected failure, and a call back into Kiln to make from inside one.
#[repr(C)]
struct Budget {
    mallocs: u64,
    failed: u64,
    frees: u64,
    /// Fails the `fail_at`-th malloc (0: never).
    fail_at: u64,
    /// When set, the next malloc calls `kiln_vm_set_fuel(reenter_vm, 0)`,
    /// which must be refused.
    reenter: bool,
    reenter_vm: *mut KilnVm,
    /// Statuses the refused calls returned other than KILN_E_REENTRANT.
    reentry_accepted: Vec<i32>,
}

extern "C" {
    fn malloc(n: usize) -> *mut c_void;
    fn free(p: *mut c_void);
}

unsafe extern "C" fn budget_malloc(n: usize, opaque: *mut c_void) -> *mut c_void {
    // SAFETY: `opaque` is the harness's `Budget`, which outlives the VM and
    // every array (the harness frees them before dropping it), and no other
    // reference to it is live while Kiln runs (the harness only touches it
    // between calls).
    let b = unsafe { &mut *(opaque as *mut Budget) };
    b.mallocs += 1;
    if b.reenter {
        b.reenter = false;
        let rc = capi::kiln_vm_set_fuel(b.reenter_vm, 0);
        if rc != capi::KILN_E_REENTRANT {
            b.reentry_accepted.push(rc);
        }
    }
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

/// What a run of the harness did, for its callers' sanity checks.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub calls: u32,
    pub errors: u32,
    /// External mallocs minus frees once everything was released.
    pub external_live: i64,
    /// The first broken promise of the header: (key, detail).
    pub broken: Option<(String, String)>,
}

/// `data` as C API calls, with a panic, a broken promise of the header or a
/// block the external allocator never got back as a failure.
pub fn check(data: &[u8]) -> Result<crate::exec::Reached, crate::exec::Failure> {
    let t = crate::exec::guarded("the C API", || run(data))?;
    if let Some((key, detail)) = t.broken {
        return Err(crate::exec::Failure {
            key: format!("C API: {key}"),
            detail,
        });
    }
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

/// The last error as the header describes it: (code, message).
fn last_error() -> (i32, String) {
    let e = capi::kiln_last_error(std::ptr::null());
    let msg = if e.is_null() {
        "<NULL>".to_string()
    } else {
        // SAFETY: a NUL-terminated string valid until the next Kiln call on
        // this thread (the header's promise); copied at once.
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    };
    (capi::kiln_last_error_code(), msg)
}

/// A module handle with the VM it was loaded by.
#[derive(Clone, Copy)]
struct Mod {
    m: *mut KilnModule,
    vm: *mut KilnVm,
}

struct Harness {
    t: Tally,
    trace: bool,
    budget: *mut Budget,
    /// The current VM (NULL after a failed kiln_vm_new_config).
    vm: *mut KilnVm,
    dead_vms: Vec<*mut KilnVm>,
    modules: Vec<Mod>,
    dead_modules: Vec<*mut KilnModule>,
    arrays: Vec<*mut KilnArray>,
    dead_arrays: Vec<*mut KilnArray>,
    /// Classes registered in the current VM, ndarray (0) first.
    classes: Vec<u32>,
    data: Vec<u8>,
}

impl Harness {
    fn say(&self, s: impl FnOnce() -> String) {
        if self.trace {
            eprintln!("{}", s());
        }
    }

    fn broken(&mut self, key: &str, detail: String) {
        if self.t.broken.is_none() {
            self.t.broken = Some((key.to_string(), detail));
        }
    }

    /// Checks what a call that returned status `rc` left in the last error.
    fn status(&mut self, func: &str, rc: i32) -> i32 {
        let (code, msg) = last_error();
        self.say(|| format!("  -> {rc} {msg:?}"));
        if !CODES.contains(&rc) {
            self.broken(
                "undocumented status",
                format!("{func} returned {rc} ({msg})"),
            );
        }
        if code != rc {
            self.broken(
                "kiln_last_error_code differs from the status",
                format!("{func} returned {rc}; kiln_last_error_code() is {code} ({msg:?})"),
            );
        }
        if rc == capi::KILN_OK && !msg.is_empty() {
            self.broken(
                "a message after a success",
                format!("{func} succeeded; kiln_last_error() is {msg:?}"),
            );
        }
        if rc != capi::KILN_OK {
            self.t.errors += 1;
            if msg.is_empty() {
                self.broken(
                    "a failure without a message",
                    format!("{func} returned {rc}"),
                );
            }
        }
        if rc == capi::KILN_E_INTERNAL {
            // Keyed on the message's first line, where the panic was.
            let head = msg.lines().next().unwrap_or("").to_string();
            let key = format!(
                "KILN_E_INTERNAL: {}",
                head.chars().take(160).collect::<String>()
            );
            self.broken(&key, format!("{func}: {msg}"));
        }
        rc
    }

    /// The status of a call that returns a handle: KILN_OK when it is
    /// non-NULL, the last error code otherwise (which must not be KILN_OK).
    fn handle_status<T>(&mut self, func: &str, p: *mut T) -> i32 {
        if !p.is_null() {
            return self.status(func, capi::KILN_OK);
        }
        let code = capi::kiln_last_error_code();
        if code == capi::KILN_OK {
            self.broken(
                "NULL returned with KILN_OK",
                format!("{func} returned NULL but kiln_last_error_code() is KILN_OK"),
            );
        }
        self.status(func, code)
    }

    /// A stale or foreign handle that the call accepted.
    fn expect_refused(&mut self, func: &str, rc: i32, what: &str) {
        if rc == capi::KILN_OK {
            self.broken(
                "a stale or foreign handle was accepted",
                format!("{func} returned KILN_OK with {what}"),
            );
        }
    }

    /// A class id: mostly one this VM registered, rarely any number.
    fn class_id(&mut self, d: &mut Bytes) -> u32 {
        match d.below(32) {
            0 => d.u32(),
            1 => d.below(64) as u32,
            _ => self.classes[d.below(self.classes.len())],
        }
    }

    /// An array handle: mostly a live one, sometimes released or NULL.
    fn some_array(&mut self, d: &mut Bytes) -> (*mut KilnArray, bool) {
        match d.below(16) {
            0 if !self.dead_arrays.is_empty() => {
                (self.dead_arrays[d.below(self.dead_arrays.len())], true)
            }
            1 => (std::ptr::null_mut(), false),
            _ if !self.arrays.is_empty() => (self.arrays[d.below(self.arrays.len())], false),
            _ => (std::ptr::null_mut(), false),
        }
    }

    /// A module handle: mostly a live one, sometimes freed, and whether the
    /// call must refuse it (freed, or of another VM).
    fn some_module(&mut self, d: &mut Bytes) -> Option<(*mut KilnModule, bool)> {
        if !self.dead_modules.is_empty() && d.below(16) == 0 {
            return Some((self.dead_modules[d.below(self.dead_modules.len())], true));
        }
        if self.modules.is_empty() {
            return None;
        }
        let m = self.modules[d.below(self.modules.len())];
        Some((m.m, m.vm != self.vm))
    }

    /// The VM for a call: mostly the current one, sometimes a freed one.
    fn some_vm(&mut self, d: &mut Bytes) -> (*mut KilnVm, bool) {
        if !self.dead_vms.is_empty() && d.below(32) == 0 {
            return (self.dead_vms[d.below(self.dead_vms.len())], true);
        }
        (self.vm, false)
    }

    fn load(&mut self, d: &mut Bytes) {
        let name = d.string(&["m.py", ""]);
        let src = if d.below(4) == 0 {
            d.string(&[])
        } else {
            CString::new(SOURCES[d.below(SOURCES.len())]).unwrap()
        };
        let (vm, stale) = self.some_vm(d);
        self.say(|| {
            format!(
                "m{} = kiln_load({vm:?}, {name:?}, {:?});",
                self.modules.len(),
                src.to_string_lossy().chars().take(60).collect::<String>()
            )
        });
        // SAFETY: both strings are NUL-terminated; the handle may be
        // anything (the API checks it).
        let m = unsafe { capi::kiln_load(vm, name.as_ptr(), src.as_ptr()) };
        let rc = self.handle_status("kiln_load", m);
        if stale {
            self.expect_refused("kiln_load", rc, "a freed VM");
        }
        if !m.is_null() {
            self.modules.push(Mod { m, vm });
        }
    }

    fn run_main(&mut self, d: &mut Bytes) {
        let Some((m, stale)) = self.some_module(d) else {
            return;
        };
        let vm = self.vm;
        self.say(|| format!("kiln_run_main({vm:?}, {m:?});"));
        let rc = capi::kiln_run_main(vm, m);
        let rc = self.status("kiln_run_main", rc);
        if stale {
            self.expect_refused("kiln_run_main", rc, "a freed or foreign module");
        }
    }

    fn call(&mut self, d: &mut Bytes) {
        let Some((m, mut stale)) = self.some_module(d) else {
            return;
        };
        let (vm, stale_vm) = self.some_vm(d);
        stale |= stale_vm;
        let func = d.string(&FUNCS);
        let nargs = if d.below(64) == 0 {
            capi::KILN_MAX_ARGS + d.below(2)
        } else {
            d.below(4)
        };
        let mut args = Vec::with_capacity(nargs);
        for k in 0..nargs {
            // Past the first few, arguments repeat (the count is the test).
            if k >= 4 {
                args.push(KilnValue {
                    kind: capi::KILN_INT,
                    i: 1,
                    f: 0.0,
                    array: std::ptr::null_mut(),
                });
                continue;
            }
            // Arrays and numbers mostly (what the functions take); None, a
            // bool and a kind that does not exist sometimes.
            let kind = [0, 1, 2, 3, 4, 5, 4, 4, 2, 3][d.below(10)];
            let (array, dead) = if kind == capi::KILN_ARRAY {
                self.some_array(d)
            } else {
                (std::ptr::null_mut(), false)
            };
            stale |= dead;
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
        let null_args = nargs > 0 && d.below(32) == 0;
        let null_result = d.below(32) == 0;
        self.say(|| {
            format!(
                "kiln_call({vm:?}, {m:?}, {func:?}, {}{:?}, {nargs}, {});",
                if null_args { "NULL /* " } else { "" },
                args.iter()
                    .take(4)
                    .map(|a| format!(
                        "{{kind {}, i {}, f {}, array {:?}}}",
                        a.kind, a.i, a.f, a.array
                    ))
                    .collect::<Vec<_>>(),
                if null_result { "NULL" } else { "&result" }
            )
        });
        let mut result = KilnValue {
            kind: 77,
            i: 77,
            f: 0.0,
            array: 77 as *mut KilnArray,
        };
        let rp: *mut KilnValue = if null_result {
            std::ptr::null_mut()
        } else {
            &mut result
        };
        let ap = if null_args {
            std::ptr::null()
        } else {
            args.as_ptr()
        };
        // SAFETY: `func` is NUL-terminated; `ap` is NULL or holds `nargs`
        // values; `rp` is NULL or writable. Handles may be anything.
        let rc = unsafe { capi::kiln_call(vm, m, func.as_ptr(), ap, nargs, rp) };
        let rc = self.status("kiln_call", rc);
        if stale {
            self.expect_refused("kiln_call", rc, "a freed VM, module or array");
        }
        if (null_result || null_args) && rc == capi::KILN_OK {
            self.broken("a NULL pointer was accepted", "kiln_call".into());
        }
        if null_result {
            return;
        }
        if rc != capi::KILN_OK && result.kind != capi::KILN_NONE {
            self.broken(
                "a failed kiln_call left a result",
                format!("status {rc}, result kind {}", result.kind),
            );
        }
        if rc == capi::KILN_OK {
            match result.kind {
                capi::KILN_ARRAY if !result.array.is_null() => self.arrays.push(result.array),
                capi::KILN_NONE | capi::KILN_BOOL | capi::KILN_INT | capi::KILN_FLOAT => {}
                k => self.broken(
                    "kiln_call's result is not a value",
                    format!("kind {k}, array {:?}", result.array),
                ),
            }
        }
    }

    fn array_new(&mut self, d: &mut Bytes) {
        let dtype = d.below(13) as u32;
        let most = if d.below(16) == 0 { 12 } else { 5 };
        let ndim = d.below(most);
        let mut shape: Vec<usize> = (0..ndim).map(|_| d.below(5)).collect();
        // Sizes that overflow must be refused before `data` is read (no
        // buffer could be that long), and a zero anywhere makes the rest
        // irrelevant.
        let huge = ndim > 0 && d.below(16) == 0;
        if huge {
            let k = d.below(ndim);
            shape[k] = [usize::MAX, usize::MAX / 2, 1 << 62, 1 << 61][d.below(4)];
            if ndim == 1 {
                shape.push(3);
            }
        }
        let shown = shape.clone();
        let ndim = shape.len();
        let n: usize = shape
            .iter()
            .try_fold(1usize, |a, &x| a.checked_mul(x))
            .unwrap_or(0);
        let fits = n <= 1 << 20;
        self.data.clear();
        if fits {
            self.data.extend((0..n * 8).map(|k| k as u8 ^ 0x5a));
        }
        let cls = self.class_id(d);
        let (vm, stale) = self.some_vm(d);
        let null_shape = ndim > 0 && d.below(32) == 0;
        let null_data = d.below(32) == 0;
        self.say(|| {
            format!(
                "a{} = kiln_array_new({vm:?}, dtype {dtype}, ndim {ndim}, shape {}{shown:?}, {}, cls {cls});",
                self.arrays.len(),
                if null_shape { "NULL /* " } else { "" },
                if null_data { "NULL" } else { "data" }
            )
        });
        let sp = if null_shape {
            std::ptr::null()
        } else {
            shape.as_ptr()
        };
        // Within the contract only: a non-NULL buffer as long as the shape
        // says, so a shape too large for one gets NULL, or a buffer
        // when its size overflows (which must be refused unread).
        let dp = if null_data || (!fits && !huge) {
            std::ptr::null()
        } else {
            self.data.as_ptr() as *const c_void
        };
        // SAFETY: `sp` is NULL or has `ndim` entries; `dp` is NULL, or holds
        // the shape's product of 8-byte elements (enough for every dtype),
        // or the shape's size overflows.
        let a = unsafe { capi::kiln_array_new(vm, dtype, ndim, sp, dp, cls) };
        let rc = self.handle_status("kiln_array_new", a);
        if stale {
            self.expect_refused("kiln_array_new", rc, "a freed VM");
        }
        if huge && n == 0 && shape.contains(&0) {
            // An empty array: fine either way.
        } else if huge && rc == capi::KILN_OK {
            self.broken(
                "an array whose size overflows was made",
                format!("shape {shown:?}"),
            );
        }
        if !a.is_null() {
            self.arrays.push(a);
        }
    }

    fn release(&mut self, d: &mut Bytes) {
        if !self.dead_arrays.is_empty() && d.below(8) == 0 {
            let a = self.dead_arrays[d.below(self.dead_arrays.len())];
            self.say(|| format!("kiln_array_release({a:?}); /* again */"));
            let rc = capi::kiln_array_release(a);
            let rc = self.status("kiln_array_release", rc);
            self.expect_refused("kiln_array_release", rc, "a released array");
            return;
        }
        if self.arrays.is_empty() {
            return;
        }
        let a = self.arrays.swap_remove(d.below(self.arrays.len()));
        self.say(|| format!("kiln_array_release({a:?});"));
        let rc = capi::kiln_array_release(a);
        if self.status("kiln_array_release", rc) != capi::KILN_OK {
            self.broken("a live array could not be released", format!("{rc}"));
        }
        self.dead_arrays.push(a);
    }

    fn query(&mut self, d: &mut Bytes) {
        let (a, dead) = self.some_array(d);
        let refuse = dead || a.is_null();
        let null_out = d.below(16) == 0;
        self.say(|| {
            format!(
                "queries on {a:?}{}",
                if null_out { ", out NULL" } else { "" }
            )
        });
        let mut nd = usize::MAX;
        let p: *mut usize = if null_out {
            std::ptr::null_mut()
        } else {
            &mut nd
        };
        // SAFETY: `p` is NULL or writable.
        let rc = unsafe { capi::kiln_array_ndim(a, p) };
        let rc = self.status("kiln_array_ndim", rc);
        if refuse || null_out {
            self.expect_refused(
                "kiln_array_ndim",
                rc,
                "a released or NULL array, or out NULL",
            );
            return;
        }
        if rc != capi::KILN_OK || nd > 8 {
            self.broken(
                "kiln_array_ndim failed on a live array",
                format!("{rc}, {nd}"),
            );
            return;
        }
        let mut size = 1usize;
        for i in 0..nd + 2 {
            let mut len = usize::MAX;
            // SAFETY: `len` is writable.
            let rc = unsafe { capi::kiln_array_dim(a, i, &mut len) };
            let rc = self.status("kiln_array_dim", rc);
            if (rc == capi::KILN_OK) != (i < nd) {
                self.broken(
                    "kiln_array_dim disagrees with kiln_array_ndim",
                    format!("dimension {i} of {nd}: {rc}"),
                );
            }
            if i < nd {
                size = size.saturating_mul(len);
            }
        }
        for k in [0, size.saturating_sub(1), size, d.u32() as usize % 64] {
            let mut v = 0.0;
            // SAFETY: `v` is writable.
            let rc = unsafe { capi::kiln_array_get_f64(a, k, &mut v) };
            let rc = self.status("kiln_array_get_f64", rc);
            if (rc == capi::KILN_OK) != (k < size) {
                self.broken(
                    "kiln_array_get_f64 disagrees with the shape",
                    format!("element {k} of {size}: {rc}"),
                );
            }
        }
        let s = capi::kiln_array_str(a);
        if self.handle_status("kiln_array_str", s) != capi::KILN_OK {
            return;
        }
        // SAFETY: a NUL-terminated string from kiln_array_str, not yet freed.
        let _ = unsafe { CStr::from_ptr(s) }.to_bytes().len();
        let rc = capi::kiln_string_free(s);
        if self.status("kiln_string_free", rc) != capi::KILN_OK {
            self.broken("a string could not be freed", format!("{rc}"));
        }
        if d.below(4) == 0 {
            // Freed twice: refused, not a double free.
            let rc = capi::kiln_string_free(s);
            let rc = self.status("kiln_string_free", rc);
            self.expect_refused("kiln_string_free", rc, "a freed string");
        }
    }

    fn register(&mut self, d: &mut Bytes) {
        let name = d.string(&["Celsius", "Sub", ""]);
        let base = self.class_id(d);
        let (vm, stale) = self.some_vm(d);
        let null_out = d.below(32) == 0;
        self.say(|| format!("kiln_register_array_type({vm:?}, {name:?}, base {base}, &out);"));
        let mut out = u32::MAX;
        let p: *mut u32 = if null_out {
            std::ptr::null_mut()
        } else {
            &mut out
        };
        // SAFETY: `name` is NUL-terminated; `p` is NULL or writable.
        let rc = unsafe { capi::kiln_register_array_type(vm, name.as_ptr(), base, p) };
        let rc = self.status("kiln_register_array_type", rc);
        if stale || null_out {
            self.expect_refused("kiln_register_array_type", rc, "a freed VM or out NULL");
        }
        let known = self.classes.contains(&base);
        if rc == capi::KILN_OK && !known {
            self.broken(
                "a class derived from an unknown base",
                format!("base {base}, registered {:?}", self.classes),
            );
        }
        if rc == capi::KILN_OK && !stale && !null_out {
            if self.classes.contains(&out) {
                self.broken(
                    "a class id handed out twice",
                    format!("{out} in {:?}", self.classes),
                );
            }
            self.classes.push(out);
        }
    }

    fn external_allocator(&mut self, d: &mut Bytes) {
        let cls = self.class_id(d);
        let (vm, stale) = self.some_vm(d);
        let fail_in = d.below(6) as u64;
        let reenter = d.below(4) == 0;
        let null_free = d.below(32) == 0;
        self.say(|| {
            format!(
                "kiln_set_external_allocator({vm:?}, cls {cls}, &table); /* fail malloc +{fail_in}{}{} */",
                if reenter { ", re-enter" } else { "" },
                if null_free { ", free NULL" } else { "" }
            )
        });
        // SAFETY: `budget` is live until after the VM and every array are
        // gone, and no callback runs between calls.
        unsafe {
            let b = &mut *self.budget;
            b.fail_at = b.mallocs + fail_in;
            b.reenter = reenter;
            b.reenter_vm = self.vm;
        }
        let table = ExternalMemAllocator {
            malloc: budget_malloc,
            realloc: None,
            free: budget_free,
            opaque_data: self.budget as *mut c_void,
        };
        let rc = if null_free {
            // The C layout with free NULL, which Rust's table type cannot hold.
            #[repr(C)]
            struct Raw {
                malloc: *const c_void,
                realloc: *const c_void,
                free: *const c_void,
                opaque: *mut c_void,
            }
            let raw = Raw {
                malloc: budget_malloc as *const c_void,
                realloc: std::ptr::null(),
                free: std::ptr::null(),
                opaque: self.budget as *mut c_void,
            };
            // SAFETY: `raw` has the layout of ExternalMemAllocator with a
            // NULL free, which the API must refuse before using the table.
            let rc = unsafe {
                capi::kiln_set_external_allocator(
                    vm,
                    cls,
                    &raw as *const Raw as *const ExternalMemAllocator,
                )
            };
            self.expect_refused("kiln_set_external_allocator", rc, "a NULL free");
            rc
        } else {
            // SAFETY: the table's functions and opaque data stay valid while
            // any array of the class lives (the budget is freed last).
            unsafe { capi::kiln_set_external_allocator(vm, cls, &table) }
        };
        let rc = self.status("kiln_set_external_allocator", rc);
        if stale {
            self.expect_refused("kiln_set_external_allocator", rc, "a freed VM");
        }
        if rc == capi::KILN_OK && !self.classes.contains(&cls) {
            self.broken(
                "an allocator for an unknown class",
                format!("class {cls}, registered {:?}", self.classes),
            );
        }
    }

    fn limits(&mut self, d: &mut Bytes) {
        let (vm, stale) = self.some_vm(d);
        let rc = if d.below(2) == 0 {
            let fuel = [0, 1, 7, 100, 10_000, u64::MAX][d.below(6)];
            self.say(|| format!("kiln_vm_set_fuel({vm:?}, {fuel});"));
            self.status("kiln_vm_set_fuel", capi::kiln_vm_set_fuel(vm, fuel))
        } else {
            let bytes = [0, 1, 64, 1000, 1 << 20, u64::MAX][d.below(6)];
            self.say(|| format!("kiln_vm_set_max_memory({vm:?}, {bytes});"));
            self.status(
                "kiln_vm_set_max_memory",
                capi::kiln_vm_set_max_memory(vm, bytes),
            )
        };
        if stale {
            self.expect_refused("kiln_vm_set_*", rc, "a freed VM");
        }
    }

    /// Frees the VM and makes another (arrays stay valid; modules of the
    /// old one can then only be freed).
    fn new_vm(&mut self, d: &mut Bytes) {
        // Rarely: most calls should meet a VM with some history.
        if d.below(4) != 0 {
            return;
        }
        let old = self.vm;
        self.say(|| format!("kiln_vm_free({old:?});"));
        let rc = capi::kiln_vm_free(old);
        let rc = self.status("kiln_vm_free", rc);
        if old.is_null() {
            self.expect_refused("kiln_vm_free", rc, "NULL");
        } else {
            if rc != capi::KILN_OK {
                self.broken("a live VM could not be freed", format!("{rc}"));
            }
            self.dead_vms.push(old);
        }
        if d.below(2) == 0 {
            self.vm = capi::kiln_vm_new();
            self.say(|| format!("vm = kiln_vm_new(); /* {:?} */", self.vm));
            self.handle_status("kiln_vm_new", self.vm);
        } else {
            let cfg = KilnConfig {
                // 3 is not a tier: a NULL VM, with which every later call
                // must fail cleanly.
                tier: [0, 0, 1, 1, 2, 2, 0, 3][d.below(8)],
                max_depth: [0, 1, 3, 50, u32::MAX][d.below(5)],
                fuel: [0, 1, 50, 10_000, u64::MAX][d.below(5)],
                max_memory: [0, 1, 100, 1 << 20, u64::MAX][d.below(5)],
            };
            let null_cfg = d.below(32) == 0;
            // SAFETY: `cfg` is a kiln_config (or NULL is passed).
            self.vm =
                unsafe { capi::kiln_vm_new_config(if null_cfg { std::ptr::null() } else { &cfg }) };
            self.say(|| {
                format!(
                    "vm = kiln_vm_new_config({}{{tier {}, max_depth {}, fuel {}, max_memory {}}}); /* {:?} */",
                    if null_cfg { "NULL /* " } else { "&" },
                    cfg.tier, cfg.max_depth, cfg.fuel, cfg.max_memory, self.vm
                )
            });
            let rc = self.handle_status("kiln_vm_new_config", self.vm);
            if (cfg.tier > 2 || null_cfg) && rc == capi::KILN_OK {
                self.broken(
                    "a bad kiln_config was accepted",
                    format!("tier {}", cfg.tier),
                );
            }
        }
        self.classes = vec![0];
        // SAFETY: no callback runs between calls.
        unsafe { (*self.budget).reenter_vm = self.vm };
    }

    /// Handles on another thread are not handles there.
    fn other_thread(&mut self, d: &mut Bytes) {
        let a = self.arrays.get(d.below(self.arrays.len().max(1))).copied();
        let m = self.modules.first().map(|m| m.m);
        let vm = self.vm as usize;
        self.say(|| "handles used on another thread".to_string());
        let (a, m) = (a.map(|p| p as usize), m.map(|p| p as usize));
        let accepted = std::thread::spawn(move || {
            let mut accepted = Vec::new();
            let vm = vm as *mut KilnVm;
            if !vm.is_null() && capi::kiln_vm_set_fuel(vm, 0) == capi::KILN_OK {
                accepted.push("kiln_vm_set_fuel");
            }
            if let Some(a) = a {
                let mut nd = 0usize;
                // SAFETY: `nd` is writable.
                if unsafe { capi::kiln_array_ndim(a as *const KilnArray, &mut nd) } == capi::KILN_OK
                {
                    accepted.push("kiln_array_ndim");
                }
                if capi::kiln_array_release(a as *mut KilnArray) == capi::KILN_OK {
                    accepted.push("kiln_array_release");
                }
            }
            if let Some(m) = m {
                if capi::kiln_run_main(vm, m as *mut KilnModule) == capi::KILN_OK {
                    accepted.push("kiln_run_main");
                }
            }
            accepted
        })
        .join()
        .unwrap_or_else(|_| vec!["(the thread panicked)"]);
        if !accepted.is_empty() {
            self.broken(
                "a handle was accepted on another thread",
                accepted.join(", "),
            );
        }
    }

    fn free_module(&mut self, d: &mut Bytes) {
        if !self.dead_modules.is_empty() && d.below(4) == 0 {
            let m = self.dead_modules[d.below(self.dead_modules.len())];
            self.say(|| format!("kiln_module_free({m:?}); /* again */"));
            let rc = capi::kiln_module_free(m);
            let rc = self.status("kiln_module_free", rc);
            self.expect_refused("kiln_module_free", rc, "a freed module");
            return;
        }
        if self.modules.is_empty() {
            return;
        }
        let m = self.modules.swap_remove(d.below(self.modules.len()));
        self.say(|| format!("kiln_module_free({:?});", m.m));
        let rc = capi::kiln_module_free(m.m);
        if self.status("kiln_module_free", rc) != capi::KILN_OK {
            self.broken("a live module could not be freed", format!("{rc}"));
        }
        self.dead_modules.push(m.m);
    }
}

/// Runs the calls `data` describes on a fresh VM, then releases everything.
pub fn run(data: &[u8]) -> Tally {
    let mut d = Bytes(data);
    let budget = Box::into_raw(Box::new(Budget {
        mallocs: 0,
        failed: 0,
        frees: 0,
        fail_at: 0,
        reenter: false,
        reenter_vm: std::ptr::null_mut(),
        reentry_accepted: Vec::new(),
    }));
    let mut h = Harness {
        t: Tally::default(),
        // KILN_FUZZ_TRACE=1 prints the calls, to turn a finding into C.
        trace: std::env::var_os("KILN_FUZZ_TRACE").is_some(),
        budget,
        vm: capi::kiln_vm_new(),
        dead_vms: Vec::new(),
        modules: Vec::new(),
        dead_modules: Vec::new(),
        arrays: Vec::new(),
        dead_arrays: Vec::new(),
        classes: vec![0],
        data: Vec::new(),
    };
    // SAFETY: no callback runs yet.
    unsafe { (*budget).reenter_vm = h.vm };
    h.say(|| format!("vm = kiln_vm_new(); /* {:?} */", h.vm));
    while !d.empty() && h.t.calls < 200 {
        h.t.calls += 1;
        match d.below(16) {
            0 | 1 => h.load(&mut d),
            2 => h.run_main(&mut d),
            3..=5 => h.call(&mut d),
            6 => h.array_new(&mut d),
            7 => h.release(&mut d),
            8 => h.query(&mut d),
            9 => h.register(&mut d),
            10 => h.external_allocator(&mut d),
            11 => h.free_module(&mut d),
            12 => h.limits(&mut d),
            13 => h.new_vm(&mut d),
            14 if d.below(8) == 0 => h.other_thread(&mut d),
            _ => {
                let e = last_error();
                h.say(|| format!("kiln_last_error(): {e:?}"));
            }
        }
    }
    for m in std::mem::take(&mut h.modules) {
        let rc = capi::kiln_module_free(m.m);
        if h.status("kiln_module_free", rc) != capi::KILN_OK {
            h.broken("a live module could not be freed", format!("{rc}"));
        }
    }
    for a in std::mem::take(&mut h.arrays) {
        let rc = capi::kiln_array_release(a);
        if h.status("kiln_array_release", rc) != capi::KILN_OK {
            h.broken("a live array could not be released", format!("{rc}"));
        }
    }
    if !h.vm.is_null() {
        let rc = capi::kiln_vm_free(h.vm);
        if h.status("kiln_vm_free", rc) != capi::KILN_OK {
            h.broken("a live VM could not be freed", format!("{rc}"));
        }
    }
    // SAFETY: nothing refers to `budget` any more: its VMs and arrays are gone.
    let b = unsafe { Box::from_raw(budget) };
    if !b.reentry_accepted.is_empty() {
        h.broken(
            "a call from an allocator callback was not refused",
            format!("statuses {:?}", b.reentry_accepted),
        );
    }
    h.t.external_live = b.mallocs as i64 - b.failed as i64 - b.frees as i64;
    h.t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_and_call_sequence_works_and_frees_everything() {
        std::env::remove_var("KILN_FUZZ_TRACE");
        // load PROGRAM as "m.py"; external allocator on ndarray that never
        // fails; call make(3); query the result; release it.
        let ops = [
            0u8, 0, 1, 0, // kiln_load(vm, "m.py", PROGRAM)
            10, 2, 0, 0, 1, 1, // allocator on class 0: never fails, no re-entry
            3, 0, 2, 1, 1, // kiln_call(vm, m0, "make", one argument:
            2, 1, 7, 0, 0, 0, 0, 0, 0, 0, 0, // the int 3),
            1, 1, // args and result given
            8, 2, 0, 1, 0, 0, 0, 0, 1, // queries on a0, its string freed once
            7, 0, // release a0
        ];
        let t = run(&ops);
        assert_eq!(t.calls, 5, "{t:?}");
        // Only the queries past the end: dimensions 1 and 2, element 3.
        assert_eq!(t.errors, 3, "{t:?}");
        assert_eq!(t.broken, None, "{t:?}");
        assert_eq!(t.external_live, 0, "{t:?}");
    }

    #[test]
    fn misuse_is_refused_and_checked() {
        // A campaign's worth of arbitrary calls, NULLs and stale handles
        // included, breaks none of the header's promises.
        let mut r = crate::rng::Rng::for_input(99, 0);
        for _ in 0..200 {
            let n = 16 + r.below(512);
            let data: Vec<u8> = (0..n).map(|_| r.next_u64() as u8).collect();
            let t = run(&data);
            assert_eq!(t.broken, None, "{data:?}");
            assert_eq!(t.external_live, 0, "{data:?}");
        }
    }
}
