//! What a subscript of an array selects: the kinds of its items and the
//! dimensions of the result, shared by reads and assignments.

use super::*;
use crate::types::{ArrayType, Layout};

/// A typed subscript of an array.
pub(super) struct Index {
    pub kinds: Vec<Idx>,
    /// The expressions the items need, in order: ints, slice bounds,
    /// index arrays.
    pub args: Vec<TExpr>,
    /// Dimensions of the result (0: one element).
    pub ndim: u8,
    /// Has index arrays: the result is a copy, not a view.
    pub fancy: bool,
}

impl Index {
    /// The type `a[...]` reads: an element, a view of any layout, or a new
    /// C-contiguous array of the same class.
    pub fn result(&self, at: &ArrayType) -> Type {
        if !self.fancy && self.ndim == 0 && !self.kinds.contains(&Idx::NewAxis) {
            return Type::Scalar(at.dtype);
        }
        Type::Array(Rc::new(ArrayType {
            ndim: self.ndim,
            layout: if self.fancy { Layout::C } else { Layout::A },
            ..at.clone()
        }))
    }
}

/// NumPy's message for more indices than the array has axes.
pub(super) fn too_many_indices(span: Span, ndim: u8, n: usize) -> Diagnostic {
    type_err(
        span,
        format!("too many indices for array: array is {ndim}-dimensional, but {n} were indexed"),
    )
}
