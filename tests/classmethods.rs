//! Array subtypes, `_allocate` overrides and external allocators, through
//! the embedding API: the seed's exact allocator trace, hook fallback and
//! errors, overrides taking effect on the next call, inheritance, plain
//! arrays staying on the default allocator, freeing on unwinding, allocation
//! failure, and the fuel and memory limits.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::rc::Rc;

use kiln::{
    ClassId, Config, Error, ExternalMemAllocator, Tier, Type, UfuncHook, Value, Vm, NDARRAY,
};

extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    fn free(ptr: *mut c_void);
}

/// What a recording allocator saw: ("malloc", size, ptr, opaque) / ("free", 0, ptr, opaque).
type Trace = RefCell<Vec<(&'static str, usize, usize, usize)>>;

struct Recorder {
    trace: Trace,
    /// When non-zero, the malloc that many calls from now fails.
    fail_at: Cell<usize>,
}

unsafe extern "C" fn rec_malloc(size: usize, opaque: *mut c_void) -> *mut c_void {
    // SAFETY: `opaque` is the boxed Recorder the test registered, alive for
    // as long as the allocator is used.
    let r = unsafe { &*(opaque as *const Recorder) };
    match r.fail_at.get() {
        0 => {}
        1 => {
            r.fail_at.set(0);
            r.trace
                .borrow_mut()
                .push(("malloc", size, 0, opaque as usize));
            return std::ptr::null_mut();
        }
        k => r.fail_at.set(k - 1),
    }
    // SAFETY: plain C malloc; any size may be asked for.
    let p = unsafe { malloc(size) };
    r.trace
        .borrow_mut()
        .push(("malloc", size, p as usize, opaque as usize));
    p
}

unsafe extern "C" fn rec_free(ptr: *mut c_void, opaque: *mut c_void) {
    // SAFETY: as in `rec_malloc`.
    let r = unsafe { &*(opaque as *const Recorder) };
    r.trace
        .borrow_mut()
        .push(("free", 0, ptr as usize, opaque as usize));
    // SAFETY: `ptr` came from `rec_malloc`'s C malloc and is freed once.
    unsafe { free(ptr) }
}

fn recorder() -> Box<Recorder> {
    Box::new(Recorder {
        trace: RefCell::new(Vec::new()),
        fail_at: Cell::new(0),
    })
}

fn table(r: &Recorder) -> ExternalMemAllocator {
    ExternalMemAllocator {
        malloc: rec_malloc,
        realloc: None,
        free: rec_free,
        opaque_data: r as *const Recorder as *mut c_void,
    }
}

/// A hook that accepts everything and returns `class`, counting its calls.
fn accept_hook(class: Rc<Cell<u32>>, calls: Rc<Cell<usize>>) -> UfuncHook {
    Rc::new(move |_: &str, _: &str, _: &[Type]| {
        calls.set(calls.get() + 1);
        Some(class.get())
    })
}

fn vm_with_myarray(tier: Tier) -> (Vm, ClassId, Rc<Cell<usize>>) {
    let mut vm = Vm::with_output(
        Config {
            tier,
            ..Config::default()
        },
        Box::new(std::io::sink()),
    );
    let class = Rc::new(Cell::new(0));
    let calls = Rc::new(Cell::new(0));
    let my = vm.register_array_type(
        "MyArray",
        NDARRAY,
        Some(accept_hook(class.clone(), calls.clone())),
    );
    class.set(my.0);
    (vm, my, calls)
}

const FOO: &str = "def foo(a):\n    return a * 2 + a\n";

#[test]
fn seed_allocator_trace_in_every_tier() {
    for tier in [Tier::Interp, Tier::Jit, Tier::Auto] {
        let (mut vm, my, calls) = vm_with_myarray(tier);
        let rec = recorder();
        // SAFETY: the recorder wraps C malloc and free and outlives every
        // array of the class (they are dropped before it).
        unsafe { vm.use_external_allocator(my, "MyArray", table(&rec)) }.unwrap();
        let m = vm.load("foo.py", FOO).unwrap();
        let a = vm.array_from_vec((0..4i64).collect(), &[4], my);
        let Value::Array(r) = vm.call(&m, "foo", &[Value::Array(a)]).unwrap() else {
            panic!("not an array")
        };
        assert!(calls.get() >= 2, "the hook typed both operations");
        assert_eq!(r.to_vec_i64(), vec![0, 3, 6, 9]);
        assert_eq!(r.class(), my);
        assert_eq!(vm.class_name(r.class()), "MyArray");
        let opaque = &*rec as *const Recorder as usize;
        let t = rec.trace.borrow().clone();
        assert_eq!(t.len(), 3, "{tier:?}: {t:?}");
        assert_eq!((t[0].0, t[0].1, t[0].3), ("malloc", 144, opaque));
        assert_eq!((t[1].0, t[1].1, t[1].3), ("malloc", 144, opaque));
        // The temporary `a * 2` is freed, with the pointer its malloc returned.
        assert_eq!((t[2].0, t[2].2, t[2].3), ("free", t[0].2, opaque));
        drop(r);
        let t = rec.trace.borrow().clone();
        assert_eq!(t.len(), 4);
        assert_eq!((t[3].0, t[3].2, t[3].3), ("free", t[1].2, opaque));
        let s = vm.alloc_stats();
        assert!(s.iter().all(|(_, s)| s.allocs == s.frees), "{s:?}");
    }
}

#[test]
fn hooks_are_asked_in_numpy_order_and_declining_falls_back() {
    let mut vm = Vm::with_output(Config::default(), Box::new(std::io::sink()));
    let asked: Rc<RefCell<Vec<&'static str>>> = Rc::new(RefCell::new(Vec::new()));
    let (a1, a2) = (asked.clone(), asked.clone());
    // Base declines; Derived (a subclass of Base) accepts and returns Base.
    let base_id = Rc::new(Cell::new(0));
    let b2 = base_id.clone();
    let base = vm.register_array_type(
        "Base",
        NDARRAY,
        Some(Rc::new(move |_: &str, _: &str, _: &[Type]| {
            a1.borrow_mut().push("Base");
            None
        })),
    );
    base_id.set(base.0);
    let derived = vm.register_array_type(
        "Derived",
        base,
        Some(Rc::new(move |_: &str, _: &str, _: &[Type]| {
            a2.borrow_mut().push("Derived");
            Some(b2.get())
        })),
    );
    let m = vm.load("t.py", "def f(x, y):\n    return x + y\n").unwrap();
    let x = vm.array_from_vec(vec![1.0f64, 2.0], &[2], base);
    let y = vm.array_from_vec(vec![10.0f64, 20.0], &[2], derived);
    let Value::Array(r) = vm
        .call(&m, "f", &[Value::Array(x), Value::Array(y)])
        .unwrap()
    else {
        panic!()
    };
    // Derived is asked first even though it is the right operand.
    assert_eq!(asked.borrow().first(), Some(&"Derived"));
    assert_eq!(r.class(), base);
    assert_eq!(r.to_vec_f64(), vec![11.0, 22.0]);
}

#[test]
fn every_hook_declining_is_a_type_error() {
    let mut vm = Vm::with_output(Config::default(), Box::new(std::io::sink()));
    let no = vm.register_array_type(
        "Picky",
        NDARRAY,
        Some(Rc::new(|_: &str, _: &str, _: &[Type]| None)),
    );
    let m = vm.load("t.py", "def f(x):\n    return x * 2\n").unwrap();
    let x = vm.array_from_vec(vec![1i64, 2], &[2], no);
    match vm.call(&m, "f", &[Value::Array(x)]) {
        Err(Error::Compile { rendered, .. }) => {
            assert!(rendered.contains("multiply"), "{rendered}");
            assert!(rendered.contains("Picky(1, int64, C)"), "{rendered}");
            assert!(rendered.contains("declined"), "{rendered}");
        }
        other => panic!("expected a type error, got {other:?}"),
    }
}

#[test]
fn override_after_first_call_takes_effect_next_call() {
    let (mut vm, my, _) = vm_with_myarray(Tier::Auto);
    let m = vm.load("foo.py", FOO).unwrap();
    let a = vm.array_from_vec(vec![1i64, 2, 3], &[3], my);
    let r1 = vm.call(&m, "foo", &[Value::Array(a.clone())]).unwrap();
    let rec = recorder();
    // SAFETY: the recorder wraps C malloc and free and outlives every
    // array of the class (they are dropped before it).
    unsafe { vm.use_external_allocator(my, "late", table(&rec)) }.unwrap();
    assert!(rec.trace.borrow().is_empty());
    let r2 = vm.call(&m, "foo", &[Value::Array(a)]).unwrap();
    let mallocs = rec
        .trace
        .borrow()
        .iter()
        .filter(|t| t.0 == "malloc")
        .count();
    assert_eq!(mallocs, 2, "the override applies to already compiled code");
    drop((r1, r2));
    let frees = rec.trace.borrow().iter().filter(|t| t.0 == "free").count();
    assert_eq!(frees, 2);
}

#[test]
fn subtypes_inherit_their_base_allocate_and_ndarray_is_untouched() {
    let (mut vm, my, _) = vm_with_myarray(Tier::Auto);
    let sub = vm.register_array_type("SubArray", my, None);
    let rec = recorder();
    // SAFETY: the recorder wraps C malloc and free and outlives every
    // array of the class (they are dropped before it).
    unsafe { vm.use_external_allocator(my, "MyArray", table(&rec)) }.unwrap();
    let m = vm.load("foo.py", FOO).unwrap();
    let s = vm.array_from_vec(vec![1i64, 2], &[2], sub);
    let r = vm.call(&m, "foo", &[Value::Array(s)]).unwrap();
    assert_eq!(
        rec.trace
            .borrow()
            .iter()
            .filter(|t| t.0 == "malloc")
            .count(),
        2,
        "SubArray inherits MyArray's _allocate"
    );
    drop(r);
    let before = rec.trace.borrow().len();
    let plain = vm.array_from_vec(vec![1i64, 2], &[2], NDARRAY);
    let r = vm.call(&m, "foo", &[Value::Array(plain)]).unwrap();
    drop(r);
    assert_eq!(
        rec.trace.borrow().len(),
        before,
        "plain arrays stay on the default allocator"
    );
    let sys = vm
        .alloc_stats()
        .into_iter()
        .find(|(n, _)| n == "system")
        .unwrap()
        .1;
    assert_eq!((sys.allocs, sys.frees), (2, 2));
}

#[test]
fn runtime_error_frees_every_temporary_through_its_allocator() {
    let (mut vm, my, _) = vm_with_myarray(Tier::Auto);
    let rec = recorder();
    // SAFETY: the recorder wraps C malloc and free and outlives every
    // array of the class (they are dropped before it).
    unsafe { vm.use_external_allocator(my, "MyArray", table(&rec)) }.unwrap();
    let src = "def inner(a, i):\n    t = a * 3\n    u = t + a\n    return u[i]\n\ndef outer(a, i):\n    keep = a + 1\n    return inner(keep, i) + inner(a * 2, i)\n";
    let m = vm.load("t.py", src).unwrap();
    let a = vm.array_from_vec(vec![1i64, 2, 3], &[3], my);
    match vm.call(&m, "outer", &[Value::Array(a), Value::Int(10)]) {
        Err(Error::Runtime(e)) => {
            assert_eq!(e.kind, "IndexError");
            assert!(e.render().contains("line 4, in inner"), "{}", e.render());
        }
        other => panic!("expected IndexError, got {other:?}"),
    }
    let t = rec.trace.borrow();
    let mallocs = t.iter().filter(|x| x.0 == "malloc").count();
    let frees = t.iter().filter(|x| x.0 == "free").count();
    assert!(mallocs >= 3);
    assert_eq!(mallocs, frees, "{t:?}");
}

#[test]
fn malloc_failure_is_memory_error_and_the_vm_stays_usable() {
    let (mut vm, my, _) = vm_with_myarray(Tier::Auto);
    let rec = recorder();
    // SAFETY: the recorder wraps C malloc and free and outlives every
    // array of the class (they are dropped before it).
    unsafe { vm.use_external_allocator(my, "MyArray", table(&rec)) }.unwrap();
    let m = vm.load("foo.py", FOO).unwrap();
    let a = vm.array_from_vec(vec![1i64, 2, 3], &[3], my);
    // The first allocation (`a * 2`) fails; then the second (`+`) fails,
    // after the first result exists: it must be freed on the way out.
    for at in [1, 2] {
        rec.fail_at.set(at);
        match vm.call(&m, "foo", &[Value::Array(a.clone())]) {
            Err(Error::Runtime(e)) => {
                assert_eq!(e.kind, "MemoryError");
                assert!(
                    e.message
                        .starts_with("Requested allocation of 136 bytes failed"),
                    "{}",
                    e.message
                );
            }
            other => panic!("expected MemoryError, got {other:?}"),
        }
    }
    let r = vm.call(&m, "foo", &[Value::Array(a)]).unwrap();
    let Value::Array(r) = r else { panic!() };
    assert_eq!(r.to_vec_i64(), vec![3, 6, 9]);
    drop(r);
    let t = rec.trace.borrow();
    let ok_mallocs = t.iter().filter(|x| x.0 == "malloc" && x.2 != 0).count();
    let frees = t.iter().filter(|x| x.0 == "free").count();
    assert_eq!(ok_mallocs, frees, "{t:?}");
}

#[test]
fn fuel_and_memory_limits_stop_runaway_scripts() {
    let mut cfg = Config::default();
    cfg.limits.fuel = Some(100_000);
    let mut vm = Vm::with_output(cfg, Box::new(std::io::sink()));
    let m = vm
        .load("spin.py", "def spin():\n    while True:\n        pass\n")
        .unwrap();
    match vm.call(&m, "spin", &[]) {
        Err(Error::Runtime(e)) => assert!(e.message.contains("fuel"), "{}", e.message),
        other => panic!("expected the fuel limit, got {other:?}"),
    }

    let cfg = Config {
        max_memory: Some(1 << 20),
        ..Config::default()
    };
    let mut vm = Vm::with_output(cfg, Box::new(std::io::sink()));
    let src = "import numpy as np\n\ndef hog():\n    keep = np.zeros(10)\n    n = 1000\n    while True:\n        keep = keep + np.zeros(n)[:10]\n        big = np.ones(n)\n        n *= 2\n";
    let m = vm.load("hog.py", src).unwrap();
    match vm.call(&m, "hog", &[]) {
        Err(Error::Runtime(e)) => {
            assert_eq!(e.kind, "MemoryError");
            assert!(e.message.contains("memory limit"), "{}", e.message);
        }
        other => panic!("expected the memory limit, got {other:?}"),
    }
    let s = vm.alloc_stats();
    assert!(s.iter().all(|(_, s)| s.allocs == s.frees), "{s:?}");
    // Still usable after both.
    let m = vm.load("ok.py", "def one():\n    return 1\n").unwrap();
    assert_eq!(vm.call(&m, "one", &[]).unwrap(), Value::Int(1));
}
