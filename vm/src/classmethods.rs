//! The classmethod dispatch table: per array class, classmethods by name,
//! inherited from the base class when a class does not override one.
//!
//! `_allocate(allocsize, align)` is the classmethod every array allocation
//! of a class goes through. Both tiers look it up at allocation time, so an
//! override registered after code was compiled (or ran) takes effect at the
//! next allocation with nothing recompiled.

use std::cell::Cell;
use std::ffi::c_void;
use std::rc::Rc;

use hashbrown::HashMap;
use typer::classes::ClassesRef;
use typer::DType;

use crate::array::Raised;
use crate::meminfo::{self, Allocator, MemInfo};

/// What an `_allocate` is asked for, beyond size and alignment (Numba's
/// `_allocate` sees only the class; Kiln's also sees the array type).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct AllocRequest {
    /// The array class allocated for.
    pub class: u32,
    /// The element type, as `DType as u8`.
    pub dtype: u8,
    /// The number of dimensions.
    pub ndim: u32,
}

/// A native `_allocate`: returns a new MemInfo (see [`meminfo::alloc`]) owning
/// at least `allocsize` bytes aligned to `align`, or null for MemoryError.
pub type NativeAllocate = unsafe extern "C" fn(
    allocsize: usize,
    align: u32,
    req: *const AllocRequest,
    user: *mut c_void,
) -> *mut MemInfo;

/// An implementation of a classmethod.
#[derive(Clone)]
pub enum Classmethod {
    /// `_allocate` through an external allocator table (Numba's
    /// `NRT_MemInfo_alloc_safe_aligned_external` route).
    External(Rc<Allocator>),
    /// `_allocate` by a host function.
    Native(NativeAllocator),
}

/// A host's `_allocate` function with its user data, vouched for by the
/// `unsafe` constructor.
#[derive(Clone, Copy)]
pub struct NativeAllocator {
    f: NativeAllocate,
    user: *mut c_void,
}

impl NativeAllocator {
    /// # Safety
    /// `f` may be called with `user` for as long as the class uses it, from
    /// the thread that registered it, without calling back into the VM; it
    /// returns null or a MemInfo from [`meminfo::alloc`] (of which the VM
    /// takes the one reference) with at least `allocsize` data bytes aligned
    /// to `align`.
    pub unsafe fn new(f: NativeAllocate, user: *mut c_void) -> NativeAllocator {
        NativeAllocator { f, user }
    }
}

pub struct ClassTable {
    classes: ClassesRef,
    methods: Vec<HashMap<String, Classmethod>>,
    allocators: Vec<Rc<Allocator>>,
    /// Cap on bytes live across all allocators, for embedded use.
    pub mem_limit: Option<u64>,
    /// Bytes of the strings the VM's runs made that are alive: counted
    /// with the arrays against `mem_limit`.
    pub texts: Rc<Cell<u64>>,
}

impl ClassTable {
    /// A table where ndarray allocates with the system allocator.
    pub fn new(classes: ClassesRef) -> ClassTable {
        let system = Allocator::system();
        let mut t = ClassTable {
            classes,
            methods: Vec::new(),
            allocators: vec![system.clone()],
            mem_limit: None,
            texts: Rc::default(),
        };
        t.set(0, "_allocate", Classmethod::External(system))
            .expect("ndarray is always registered");
        t
    }

    pub fn classes(&self) -> &ClassesRef {
        &self.classes
    }

    /// Overrides classmethod `name` of `class` (Numba's `overload_classmethod`).
    /// A class that is not registered is an error.
    pub fn set(&mut self, class: u32, name: &str, m: Classmethod) -> Result<(), String> {
        if class as usize >= self.classes.borrow().defs.len() {
            return Err(format!("array class {class} is not registered"));
        }
        if let Classmethod::External(a) = &m {
            if !self.allocators.iter().any(|x| Rc::ptr_eq(x, a)) {
                self.allocators.push(a.clone());
            }
        }
        let c = class as usize;
        if self.methods.len() <= c {
            self.methods.resize_with(c + 1, HashMap::new);
        }
        self.methods[c].insert(name.to_string(), m);
        Ok(())
    }

    /// The classmethod `name` of `class`, or of its nearest base that has one.
    pub fn lookup(&self, class: u32, name: &str) -> Option<&Classmethod> {
        let classes = self.classes.borrow();
        let mut k = Some(class);
        // Bases are registered before their subtypes, so a chain is never
        // longer than the class list; the bound also stops at a cycle.
        for _ in 0..=classes.defs.len() {
            let Some(c) = k else { break };
            if let Some(m) = self.methods.get(c as usize).and_then(|t| t.get(name)) {
                return Some(m);
            }
            k = classes.defs.get(c as usize).and_then(|d| d.base);
        }
        None
    }

    /// Every allocator the table has routed memory to, the system one first.
    pub fn allocators(&self) -> &[Rc<Allocator>] {
        &self.allocators
    }

    /// The `MemoryError` of the memory limit if `want` more bytes would
    /// pass it, with the arrays of every allocator and the strings live.
    pub fn within_limit(&self, want: u64) -> Result<(), Raised> {
        let Some(limit) = self.mem_limit else {
            return Ok(());
        };
        let arrays: u64 = self
            .allocators
            .iter()
            .map(|a| a.stats().bytes_allocated - a.stats().bytes_freed)
            .sum();
        let live = arrays.saturating_add(self.texts.get());
        if live.saturating_add(want) > limit {
            return Err(("MemoryError", format!("memory limit of {limit} bytes exceeded (requested {want} bytes with {live} in use)")));
        }
        Ok(())
    }

    /// Allocates `size` data bytes for an array of `class` through its
    /// `_allocate`.
    pub fn allocate(
        &self,
        class: u32,
        dtype: DType,
        ndim: usize,
        size: usize,
        align: usize,
    ) -> Result<*mut MemInfo, Raised> {
        let failed = |n: usize| {
            (
                "MemoryError",
                format!("Requested allocation of {n} bytes failed."),
            )
        };
        self.within_limit(meminfo::block_size(size, align).unwrap_or(usize::MAX) as u64)?;
        match self.lookup(class, "_allocate") {
            Some(Classmethod::External(a)) => meminfo::alloc(a, size, align).map_err(failed),
            Some(Classmethod::Native(NativeAllocator { f, user })) => {
                let req = AllocRequest {
                    class,
                    dtype: dtype as u8,
                    ndim: ndim as u32,
                };
                // SAFETY: calling the host's allocate function as its C
                // contract says; it returns a MemInfo made by `meminfo::alloc`.
                let mi = unsafe { f(size, align as u32, &req, *user) };
                if mi.is_null() {
                    Err(failed(size))
                } else {
                    Ok(mi)
                }
            }
            None => Err((
                "TypeError",
                format!(
                    "array type {} has no _allocate",
                    self.classes.borrow().name(class)
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use typer::classes::Classes;

    #[test]
    fn subtypes_inherit_and_override_allocate() {
        let classes = Classes::shared();
        let sub = classes.borrow_mut().register("Sub", 0, None);
        let subsub = classes.borrow_mut().register("SubSub", sub, None);
        let mut t = ClassTable::new(classes);
        // Inherited from ndarray.
        assert!(
            matches!(t.lookup(subsub, "_allocate"), Some(Classmethod::External(a)) if a.name == "system")
        );
        let mine = Allocator::system();
        t.set(sub, "_allocate", Classmethod::External(mine.clone()))
            .unwrap();
        let mi = t.allocate(subsub, DType::I64, 1, 32, 32).unwrap();
        assert_eq!(mine.stats().allocs, 1);
        // SAFETY: the new block's one reference is ours.
        unsafe { meminfo::decref(mi) };
        assert_eq!(mine.stats().frees, 1);
        // ndarray still allocates with the system allocator.
        let mi = t.allocate(0, DType::I64, 1, 32, 32).unwrap();
        // SAFETY: the new block's one reference is ours.
        unsafe { meminfo::decref(mi) };
        assert_eq!(mine.stats().allocs, 1);
    }

    #[test]
    fn unknown_class_is_refused_not_grown_to() {
        let mut t = ClassTable::new(Classes::shared());
        let e = t
            .set(
                u32::MAX,
                "_allocate",
                Classmethod::External(Allocator::system()),
            )
            .unwrap_err();
        assert!(e.contains("not registered"), "{e}");
        // The refused allocator is not routed to either.
        assert_eq!(t.allocators().len(), 1);
    }

    #[test]
    fn lookup_stops_at_a_class_cycle() {
        let classes = Classes::shared();
        let a = classes.borrow_mut().register("A", 0, None);
        classes.borrow_mut().defs[a as usize].base = Some(a);
        let t = ClassTable::new(classes);
        assert!(t.lookup(a, "_allocate").is_none());
    }

    #[test]
    fn memory_limit_is_a_memory_error() {
        let mut t = ClassTable::new(Classes::shared());
        t.mem_limit = Some(1000);
        assert_eq!(
            t.allocate(0, DType::F64, 1, 10_000, 32).unwrap_err().0,
            "MemoryError"
        );
    }
}
