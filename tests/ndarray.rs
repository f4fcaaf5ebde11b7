//! Round trips between ndarray arrays and scripts (`--features ndarray`):
//! every dtype, layouts with any strides, both directions, with and
//! without copying, and the refusals that keep views sound.

use kiln::{ArrayRef, Config, DType, Element, Error, Tier, Value, Vm, NDARRAY};
use ndarray::{array, s, ArcArray, Array, ArrayD, ArrayView, Axis, Ix2, IxDyn};

const SRC: &str = "\
import numpy as np

def same(a):
    return a

def double(a):
    return a + a

def total(a):
    return a.sum()

def bump(a):
    a += 1

def both(a):
    return a, a[1:]

def views(n):
    b = np.arange(n * 4).reshape(n, 4)
    return b[::-1, ::2]

def cube():
    return np.arange(24.0).reshape(2, 3, 4).T[:, ::-1, 1:]
";

fn vm_and_module(tier: Tier) -> (Vm, kiln::Module) {
    let mut vm = Vm::new(Config {
        tier,
        ..Config::default()
    });
    let m = vm.load("t.py", SRC).unwrap();
    (vm, m)
}

fn call_array(vm: &mut Vm, m: &kiln::Module, f: &str, args: &[Value]) -> ArrayRef {
    match vm.call(m, f, args) {
        Ok(Value::Array(a)) => a,
        other => panic!("{f}: {other:?}"),
    }
}

/// An owned ndarray of every dtype moves into a script without a copy,
/// comes back as the same memory, views as the same values, and a
/// script's result views as ndarray computes it.
fn round_trip<T>(make: impl Fn(usize) -> T)
where
    T: Element + PartialEq + std::fmt::Debug,
{
    for tier in [Tier::Interp, Tier::Jit] {
        let (mut vm, m) = vm_and_module(tier);
        let x = Array::from_shape_fn((2, 3), |(i, j)| make(3 * i + j));
        let expect = x.clone().into_dyn();
        let ptr = x.as_ptr();
        let a = vm.array_from_ndarray(x, NDARRAY).unwrap();
        assert_eq!(a.dtype(), T::DTYPE);
        assert_eq!(a.data_ptr() as *const T, ptr, "no copy");
        let mut back = call_array(&mut vm, &m, "same", &[Value::Array(a)]);
        assert_eq!(back.data_ptr() as *const T, ptr, "the same memory");
        assert_eq!(back.view::<T>().unwrap(), expect);
        assert_eq!(back.view_mut::<T>().unwrap(), expect);
        assert_eq!(back.to_ndarray::<T>().unwrap(), expect);
    }
}

#[test]
fn every_dtype_round_trips_without_copying() {
    round_trip(|k| k % 2 == 1);
    round_trip(|k| k as i8 - 3);
    round_trip(|k| k as i16 * -300);
    round_trip(|k| k as i32 * -70_000);
    round_trip(|k| (k as i64) << 40);
    round_trip(|k| k as u8 + 250);
    round_trip(|k| k as u16 * 10_000);
    round_trip(|k| k as u32 * 800_000_000);
    round_trip(|k| (k as u64) << 60);
    round_trip(|k| k as f32 * 0.5);
    round_trip(|k| k as f64 / 3.0);
}

#[test]
fn other_element_types_are_refused() {
    let (mut vm, _) = vm_and_module(Tier::Interp);
    let mut a = vm.array_from_vec(vec![1i16, 2], &[2], NDARRAY);
    let Err(Error::Call(e)) = a.view::<i32>() else {
        panic!("a dtype error")
    };
    assert!(e.contains("int16") && e.contains("int32"), "{e}");
    assert!(a.view_mut::<u16>().is_err());
    assert!(a.to_ndarray::<f64>().is_err());
    assert_eq!(a.view::<i16>().unwrap(), array![1i16, 2].into_dyn());
}

/// Strided ndarray layouts go in as they are (no copy), and scripts
/// compute on them as on the C-order copy.
#[test]
fn strided_arrays_go_in_as_they_are() {
    let base = Array::from_shape_fn((4, 6), |(i, j)| (10 * i + j) as f64);
    let layouts: Vec<(&str, ArrayD<f64>)> = vec![
        ("c order", base.clone().into_dyn()),
        ("transposed", base.clone().reversed_axes().into_dyn()),
        (
            "reversed rows",
            base.clone().slice_move(s![..;-1, ..]).into_dyn(),
        ),
        (
            "stepped and reversed",
            base.clone().slice_move(s![1..;2, ..;-3]).into_dyn(),
        ),
        (
            "3-d permuted",
            Array::from_shape_fn((2, 3, 4), |(i, j, k)| (i * 100 + j * 10 + k) as f64)
                .permuted_axes([2, 0, 1])
                .into_dyn(),
        ),
        ("0-d", ArrayD::from_elem(IxDyn(&[]), 7.5)),
        ("empty", ArrayD::zeros(IxDyn(&[3, 0]))),
    ];
    for tier in [Tier::Interp, Tier::Jit] {
        let (mut vm, m) = vm_and_module(tier);
        for (name, x) in &layouts {
            let strides: Vec<isize> = x.strides().iter().map(|s| s * 8).collect();
            let a = vm.array_from_ndarray(x.clone(), NDARRAY).unwrap();
            assert_eq!(a.shape(), x.shape(), "{name}");
            if !x.is_empty() {
                assert_eq!(a.strides(), strides, "{name}");
            }
            assert_eq!(
                vm.call(&m, "total", &[Value::Array(a.clone())]).unwrap(),
                Value::Float(x.sum()),
                "{name} {tier:?}"
            );
            if x.ndim() == 0 {
                continue; // a 0-d `a + a` is a scalar
            }
            let mut r = call_array(&mut vm, &m, "double", &[Value::Array(a.clone())]);
            assert_eq!(r.view::<f64>().unwrap(), x.mapv(|v| v * 2.0), "{name}");
            // Writes in the script reach the host's buffer, now Kiln's.
            vm.call(&m, "bump", &[Value::Array(a.clone())]).unwrap();
            let mut a = a;
            assert_eq!(a.view::<f64>().unwrap(), x.mapv(|v| v + 1.0), "{name}");
        }
    }
}

/// Views a script returns (reversed, stepped, transposed, sliced) are
/// viewed by ndarray without a copy, values and strides as NumPy has them.
#[test]
fn script_views_are_ndarray_views() {
    for tier in [Tier::Interp, Tier::Jit] {
        let (mut vm, m) = vm_and_module(tier);
        let mut r = call_array(&mut vm, &m, "views", &[Value::Int(3)]);
        assert_eq!(r.strides(), vec![-32, 16]);
        let ptr = r.data_ptr() as *const i64;
        let v = r
            .view::<i64>()
            .unwrap()
            .into_dimensionality::<Ix2>()
            .unwrap();
        assert_eq!(v, array![[8, 10], [4, 6], [0, 2]]);
        assert_eq!(v.strides(), &[-4, 2]);
        assert_eq!(v.as_ptr(), ptr, "no copy");

        let mut c = call_array(&mut vm, &m, "cube", &[]);
        let want = Array::from_shape_fn((2, 3, 4), |(i, j, k)| (12 * i + 4 * j + k) as f64)
            .reversed_axes()
            .slice_move(s![.., ..;-1, 1..])
            .into_dyn();
        assert_eq!(c.to_ndarray::<f64>().unwrap(), want);
        assert!(c.to_ndarray::<f64>().unwrap().is_standard_layout());
        assert_eq!(c.view::<f64>().unwrap(), want);
        let mut w = c.view_mut::<f64>().unwrap();
        w[[0, 0, 0]] = -1.0;
        assert_eq!(vm.call(&m, "total", &[Value::Array(c)]).unwrap(), {
            Value::Float(want.sum() - want[[0, 0, 0]] - 1.0)
        });
    }
}

/// A mutable view's writes are what the next script call sees, and a
/// script's writes are what the next view sees.
#[test]
fn writes_go_both_ways() {
    let (mut vm, m) = vm_and_module(Tier::Auto);
    let mut a = vm.array_from_vec(vec![0u32; 6], &[2, 3], NDARRAY);
    a.view_mut::<u32>()
        .unwrap()
        .index_axis_mut(Axis(1), 2)
        .fill(5);
    assert_eq!(
        vm.call(&m, "total", &[Value::Array(a.clone())]).unwrap(),
        Value::Int(10)
    );
    vm.call(&m, "bump", &[Value::Array(a.clone())]).unwrap();
    assert_eq!(
        a.view::<u32>().unwrap(),
        array![[1, 1, 6], [1, 1, 6]].into_dyn()
    );
}

/// Arrays other references reach are not viewed (a script may write them
/// meanwhile), but copied, or viewed on the host's promise.
#[test]
fn shared_arrays_are_not_viewed() {
    let (mut vm, m) = vm_and_module(Tier::Interp);
    let a = vm.array_from_vec(vec![1.0f64, 2.0, 3.0], &[3], NDARRAY);
    let Value::Tuple(parts) = vm.call(&m, "both", &[Value::Array(a.clone())]).unwrap() else {
        panic!("a tuple")
    };
    let [Value::Array(mut whole), Value::Array(mut tail)] = <[Value; 2]>::try_from(parts).unwrap()
    else {
        panic!("two arrays")
    };
    // `whole` is `a` itself (two handles); `tail` views its memory.
    let Err(Error::Call(e)) = tail.view::<f64>() else {
        panic!("refused")
    };
    assert!(e.contains("shared"), "{e}");
    assert!(whole.view_mut::<f64>().is_err());
    assert_eq!(
        tail.to_ndarray::<f64>().unwrap(),
        array![2.0, 3.0].into_dyn()
    );
    // SAFETY: no script runs and nothing writes while the view lives.
    let v = unsafe { tail.view_unchecked::<f64>() }.unwrap();
    assert_eq!(v, array![2.0, 3.0].into_dyn());
    drop(v);
    drop(a);
    drop(whole);
    // Now `tail` is the only reference to the memory.
    tail.view_mut::<f64>().unwrap()[[0]] = 20.0;
    assert_eq!(
        vm.call(&m, "total", &[Value::Array(tail)]).unwrap(),
        Value::Float(23.0)
    );
}

/// A broadcast layout (two indices on one element) views read-only, but
/// a mutable view of it is refused.
#[test]
fn broadcast_arrays_are_not_viewed_mutably() {
    let (mut vm, m) = vm_and_module(Tier::Interp);
    let mut row = vec![1i64, 2, 3];
    // SAFETY: `row` outlives `a` and is not used while `a` lives.
    let mut a = unsafe {
        vm.array_from_raw(
            row.as_mut_ptr() as *mut u8,
            DType::I64,
            &[4, 3],
            &[0, 8],
            NDARRAY,
            Box::new(()),
        )
    }
    .unwrap();
    assert_eq!(
        vm.call(&m, "total", &[Value::Array(a.clone())]).unwrap(),
        Value::Int(24)
    );
    let Err(Error::Call(e)) = a.view_mut::<i64>() else {
        panic!("refused")
    };
    assert!(e.contains("same element"), "{e}");
    let v = a.view::<i64>().unwrap();
    assert_eq!(v.strides(), &[0, 1]);
    assert_eq!(v.sum_axis(Axis(0)), array![4, 8, 12].into_dyn());
    drop(a);
    row[0] = 0;
}

/// Views and shared data are copied in; unshared owned data is not.
#[test]
fn borrowed_data_is_copied_in() {
    let (mut vm, m) = vm_and_module(Tier::Interp);
    let x = array![[1.0f32, 2.0], [3.0, 4.0]];
    let v: ArrayView<f32, Ix2> = x.t();
    let a = vm.array_from_ndarray(v, NDARRAY).unwrap();
    assert_ne!(a.data_ptr() as *const f32, x.as_ptr());
    vm.call(&m, "bump", &[Value::Array(a.clone())]).unwrap();
    assert_eq!(
        x,
        array![[1.0f32, 2.0], [3.0, 4.0]],
        "the original is untouched"
    );
    let mut a = a;
    assert_eq!(
        a.view::<f32>().unwrap(),
        array![[2.0f32, 4.0], [3.0, 5.0]].into_dyn()
    );

    let shared: ArcArray<i64, Ix2> = array![[1, 2], [3, 4]].into_shared();
    let keep = shared.clone();
    let b = vm.array_from_ndarray(shared, NDARRAY).unwrap();
    assert_ne!(b.data_ptr() as *const i64, keep.as_ptr());
    vm.call(&m, "bump", &[Value::Array(b)]).unwrap();
    assert_eq!(keep, array![[1, 2], [3, 4]]);

    let alone: ArcArray<i64, Ix2> = array![[1, 2], [3, 4]].into_shared();
    let ptr = alone.as_ptr();
    let c = vm.array_from_ndarray(alone, NDARRAY).unwrap();
    assert_eq!(c.data_ptr() as *const i64, ptr);
}

/// A mutable view lent to a script: its writes land in the host's array.
#[test]
fn lent_views_are_written_in_place() {
    let (mut vm, m) = vm_and_module(Tier::Jit);
    let mut x = Array::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as i32);
    {
        let v = x.slice_mut(s![..;2, ..;-1]);
        // SAFETY: `a` goes into the call, which keeps nothing (bump
        // returns None); no reference outlives the block.
        let a = unsafe { vm.array_from_view_mut(v, NDARRAY) }.unwrap();
        assert_eq!(a.strides(), vec![32, -4]);
        vm.call(&m, "bump", &[Value::Array(a)]).unwrap();
    }
    let mut want = Array::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as i32);
    want.slice_mut(s![..;2, ..]).map_inplace(|v| *v += 1);
    assert_eq!(x, want);
}

#[test]
fn limits_are_errors() {
    let (mut vm, _) = vm_and_module(Tier::Interp);
    let nine = ArrayD::<u8>::zeros(IxDyn(&[1; 9]));
    let Err(Error::Call(e)) = vm.array_from_ndarray(nine, NDARRAY) else {
        panic!("refused")
    };
    assert!(e.contains("at most 8"), "{e}");
    assert!(vm
        .array_from_ndarray(array![1u8], kiln::ClassId(9))
        .is_err());
}
