//! The seed notebook, reproduced: an array subtype `MyArray` whose typing
//! hook decides what ufuncs on it return, and whose `_allocate` is routed to
//! an external allocator that prints every call.
//!
//! Run with `cargo run --example myarray`.

use std::cell::Cell;
use std::ffi::c_void;
use std::rc::Rc;

use kiln::{ClassId, Config, ExternalMemAllocator, Type, Value, Vm};

extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    fn free(ptr: *mut c_void);
}

fn show(data: *mut c_void) -> String {
    if data.is_null() {
        "None".into()
    } else {
        format!("{data:p}")
    }
}

/// The allocator: C malloc, printing each call.
unsafe extern "C" fn malloc_func(size: usize, data: *mut c_void) -> *mut c_void {
    // SAFETY: plain C malloc.
    let out = unsafe { malloc(size) };
    println!(">>> Malloc size={size} data={} -> {out:p}", show(data));
    out
}

/// The deallocator: C free, printing each call.
unsafe extern "C" fn free_func(ptr: *mut c_void, data: *mut c_void) {
    println!(">>> Free ptr={ptr:p} data={}", show(data));
    // SAFETY: `ptr` came from `malloc_func`.
    unsafe { free(ptr) }
}

fn main() {
    let mut vm = Vm::new(Config::default());

    // MyArray, with the typing hook of MyArrayType.__array_ufunc__: it
    // accepts any mix of arrays and numbers and says the result is a MyArray.
    let my_class = Rc::new(Cell::new(0u32));
    let hook_class = my_class.clone();
    let hook: kiln::UfuncHook = Rc::new(move |_ufunc: &str, method: &str, inputs: &[Type]| {
        if method != "__call__"
            || !inputs
                .iter()
                .all(|t| t.as_array().is_some() || t.is_number())
        {
            return None;
        }
        let me = inputs
            .iter()
            .find(|t| t.to_string().starts_with("MyArray"))
            .map(|t| t.to_string())
            .unwrap_or_default();
        let list: Vec<String> = inputs.iter().map(|t| t.to_string()).collect();
        println!(
            "{me}.__array_ufunc__ method={method} inputs=({})",
            list.join(", ")
        );
        Some(hook_class.get())
    });
    let my_array: ClassId = vm.register_array_type("MyArray", kiln::NDARRAY, Some(hook));
    my_class.set(my_array.0);

    // Override the allocator of MyArray: the external allocator table.
    let table = ExternalMemAllocator {
        malloc: malloc_func,
        realloc: None,
        free: free_func,
        opaque_data: std::ptr::null_mut(),
    };
    // SAFETY: the table's functions wrap C malloc and free and ignore the
    // null opaque data; they stay callable for the whole program.
    let allocator = unsafe { vm.use_external_allocator(my_array, "MyArray allocator", table) }
        .expect("MyArray is registered");

    let m = vm
        .load("foo.py", "def foo(a):\n    return a * 2 + a\n")
        .expect("foo compiles");

    // a = MyArray(buf.shape, buf.dtype, buf) with buf = np.arange(4)
    let a = vm.array_from_vec((0..4i64).collect(), &[4], my_array);
    println!("a = {a} ({})", vm.class_name(a.class()));

    let result = vm.call(&m, "foo", &[Value::Array(a)]).expect("foo runs");
    let Value::Array(r) = result else {
        unreachable!("foo returns an array")
    };
    println!(
        "foo(a) = {r} of type {}({}, {}, C)",
        vm.class_name(r.class()),
        r.shape().len(),
        r.dtype()
    );
    let s = allocator.stats();
    println!("during the call: {} mallocs, {} frees", s.allocs, s.frees);

    print!("{}", m.inspect_types());

    println!("dropping the result:");
    drop(r);
    let s = allocator.stats();
    println!(
        "in all: {} mallocs, {} frees, {} bytes allocated, {} freed",
        s.allocs, s.frees, s.bytes_allocated, s.bytes_freed
    );
}
