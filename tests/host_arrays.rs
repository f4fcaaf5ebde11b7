//! Arrays over host memory with any strides (`Vm::array_from_raw`): writes
//! go through to the host, and two arguments that alias the same host
//! buffer are seen to overlap, as NumPy sees `a += a[::-1]`.

use kiln::{Config, DType, Tier, Value, Vm, NDARRAY};

fn vm(tier: Tier) -> Vm {
    Vm::new(Config {
        tier,
        ..Config::default()
    })
}

#[test]
fn aliasing_host_arguments_overlap_in_every_tier() {
    let src = "def f(a, b):\n    a += b\n    a += a * b\n";
    for tier in [Tier::Interp, Tier::Jit, Tier::Auto] {
        let mut vm = vm(tier);
        let m = vm.load("alias.py", src).unwrap();
        let mut buf: Vec<f64> = (1..=5).map(f64::from).collect();
        let p = buf.as_mut_ptr() as *mut u8;
        // SAFETY: both views stay inside `buf`, which outlives the call.
        let (a, b) = unsafe {
            let a = vm.array_from_raw(p, DType::F64, &[5], &[8], NDARRAY, Box::new(()));
            let b = vm.array_from_raw(p.add(32), DType::F64, &[5], &[-8], NDARRAY, Box::new(()));
            (a.unwrap(), b.unwrap())
        };
        vm.call(&m, "f", &[Value::Array(a), Value::Array(b)])
            .unwrap();
        // NumPy: a = [1..5]; a += a[::-1] -> [6,6,6,6,6]; then
        // a += a * a[::-1] -> 6 + 36 = 42 everywhere.
        assert_eq!(buf, vec![42.0; 5], "{tier:?}");
    }
}

#[test]
fn misaligned_or_mismatched_layouts_are_refused() {
    let mut vm = vm(Tier::Interp);
    let mut buf = [0u64; 4];
    let p = buf.as_mut_ptr() as *mut u8;
    // SAFETY: every call below is refused before the memory is used.
    unsafe {
        assert!(vm
            .array_from_raw(p.add(1), DType::F64, &[2], &[8], NDARRAY, Box::new(()))
            .is_err());
        assert!(vm
            .array_from_raw(p, DType::F64, &[2], &[12], NDARRAY, Box::new(()))
            .is_err());
        assert!(vm
            .array_from_raw(p, DType::F64, &[2, 2], &[8], NDARRAY, Box::new(()))
            .is_err());
    }
}

#[test]
fn keep_is_dropped_with_the_last_reference() {
    use std::rc::Rc;
    let mut vm = vm(Tier::Auto);
    let m = vm.load("k.py", "def g(a):\n    return a[::2]\n").unwrap();
    let token = Rc::new(());
    let mut buf = vec![1i32, 2, 3, 4];
    let p = buf.as_mut_ptr() as *mut u8;
    // SAFETY: `buf` outlives every reference to the array.
    let a =
        unsafe { vm.array_from_raw(p, DType::I32, &[4], &[4], NDARRAY, Box::new(token.clone())) }
            .unwrap();
    let Value::Array(v) = vm.call(&m, "g", &[Value::Array(a)]).unwrap() else {
        panic!("not an array")
    };
    assert_eq!(
        Rc::strong_count(&token),
        2,
        "the view keeps the host memory"
    );
    assert_eq!(v.to_vec_i64(), vec![1, 3]);
    assert_eq!(v.strides(), vec![8]);
    drop(v);
    assert_eq!(Rc::strong_count(&token), 1);
}
