//! Array classes: `ndarray` and the subtypes a host registers, with the
//! typing hook that decides what class a ufunc on them returns (the
//! analogue of Numba's `MyArrayType.__array_ufunc__`).

use std::cell::RefCell;
use std::rc::Rc;

use crate::types::Type;

/// The typing hook of an array class: given the ufunc's name, the method
/// (`"__call__"`) and the input types, the class of the result, or `None`
/// to decline. The typer may call it more than once for one operation.
pub type UfuncHook = Rc<dyn Fn(&str, &str, &[Type]) -> Option<u32>>;

pub struct ClassDef {
    pub name: Rc<str>,
    /// The base class (None only for ndarray, class 0).
    pub base: Option<u32>,
    pub hook: Option<UfuncHook>,
}

/// Every array class a program may see. Shared between the VM, which
/// registers classes, and the typer, which consults their hooks.
pub struct Classes {
    pub defs: Vec<ClassDef>,
}

pub type ClassesRef = Rc<RefCell<Classes>>;

impl Default for Classes {
    fn default() -> Classes {
        Classes {
            defs: vec![ClassDef {
                name: "ndarray".into(),
                base: None,
                hook: None,
            }],
        }
    }
}

impl Classes {
    pub fn shared() -> ClassesRef {
        Rc::new(RefCell::new(Classes::default()))
    }

    /// Registers a subtype of `base` and returns its class id.
    pub fn register(&mut self, name: &str, base: u32, hook: Option<UfuncHook>) -> u32 {
        self.defs.push(ClassDef {
            name: name.into(),
            base: Some(base),
            hook,
        });
        (self.defs.len() - 1) as u32
    }

    /// Is `c` the class `of` or derived from it?
    pub fn is_subclass(&self, c: u32, of: u32) -> bool {
        let mut k = Some(c);
        while let Some(x) = k {
            if x == of {
                return true;
            }
            k = self.defs.get(x as usize).and_then(|d| d.base);
        }
        false
    }

    /// The hook of a class, inherited from its bases.
    pub fn hook(&self, c: u32) -> Option<UfuncHook> {
        let mut k = Some(c);
        while let Some(x) = k {
            let d = self.defs.get(x as usize)?;
            if let Some(h) = &d.hook {
                return Some(h.clone());
            }
            k = d.base;
        }
        None
    }

    pub fn name(&self, c: u32) -> Rc<str> {
        self.defs
            .get(c as usize)
            .map_or_else(|| "ndarray".into(), |d| d.name.clone())
    }
}
