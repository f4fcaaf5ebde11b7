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

/// One item of a subscript: as written (a slice needs its syntax), or an
/// element of a tuple used as the whole index.
pub(super) enum Item<'e> {
    Ast(&'e Expr),
    Typed(TExpr),
}

/// NumPy's message for more indices than the array has axes.
pub(super) fn too_many_indices(span: Span, ndim: u8, n: usize) -> Diagnostic {
    type_err(
        span,
        format!("too many indices for array: array is {ndim}-dimensional, but {n} were indexed"),
    )
}

#[cfg(test)]
mod tests {
    use crate::tir::{Idx, RtOp, TExprKind, TStmtKind};

    fn err(src: &str) -> String {
        match crate::check(src) {
            Ok(_) => panic!("accepted:\n{src}"),
            Err(e) => e.message,
        }
    }

    /// The type of `x` after `x = EXPR` at module level, with `a` a 1-D
    /// int64 array, `b` a 2-D float64 one, `c` a 3-D one.
    fn ty(expr: &str) -> String {
        let src = format!(
            "import numpy as np\na = np.arange(5)\nb = np.zeros((2, 3))\nc = np.zeros((2, 3, 4))\ni = np.array([0, 1])\nx = {expr}\n"
        );
        let p = crate::check(&src).unwrap_or_else(|e| panic!("{expr}: {}", e.message));
        let f = p.specs[0].body.as_ref().unwrap();
        let l = f.locals.iter().find(|l| l.name == "x").unwrap();
        l.ty.to_string()
    }

    #[test]
    fn index_arrays_give_copies_of_the_broadcast_dimensions() {
        assert_eq!(ty("a[i]"), "array(int64, 1d, C)");
        assert_eq!(ty("a[a > 2]"), "array(int64, 1d, C)");
        assert_eq!(ty("b[i]"), "array(float64, 2d, C)");
        assert_eq!(ty("b[i, 1]"), "array(float64, 1d, C)");
        assert_eq!(ty("b[:, i]"), "array(float64, 2d, C)");
        assert_eq!(ty("b[b > 0]"), "array(float64, 1d, C)");
        assert_eq!(ty("c[b > 0]"), "array(float64, 2d, C)");
        assert_eq!(ty("c[i, None, 1]"), "array(float64, 3d, C)");
        assert_eq!(
            ty("a[np.array([[0], [1]], dtype=np.uint8)]"),
            "array(int64, 2d, C)"
        );
        assert_eq!(ty("b[np.array([[0], [1]]), i]"), "array(float64, 2d, C)");
    }

    #[test]
    fn new_axes_give_views() {
        assert_eq!(ty("a[None]"), "array(int64, 2d, A)");
        assert_eq!(ty("a[:, np.newaxis]"), "array(int64, 2d, A)");
        assert_eq!(ty("a[2, None]"), "array(int64, 1d, A)");
        assert_eq!(ty("b[None, 1, None, :]"), "array(float64, 3d, A)");
        assert_eq!(ty("a[2]"), "int64");
    }

    #[test]
    fn writes_with_index_arrays_are_puts() {
        let p = crate::check(
            "import numpy as np\na = np.arange(5)\na[a > 2] = 0\na[np.array([1])] += 2\n",
        )
        .unwrap();
        let mut puts = 0;
        fn walk(s: &[crate::tir::TStmt], puts: &mut usize) {
            for s in s {
                match &s.kind {
                    TStmtKind::Expr(e) => {
                        if let TExprKind::Rt(RtOp::Put(k, _), _) = &e.kind {
                            assert!(k.contains(&Idx::Mask) || k.contains(&Idx::Array));
                            *puts += 1;
                        }
                    }
                    TStmtKind::If(_, a, b) => {
                        walk(a, puts);
                        walk(b, puts);
                    }
                    _ => {}
                }
            }
        }
        walk(&p.specs[0].body.as_ref().unwrap().body, &mut puts);
        assert_eq!(puts, 2);
    }

    #[test]
    fn unsupported_indices_say_what_to_do() {
        let pre = "import numpy as np\na = np.arange(5)\n";
        assert!(err(&format!("{pre}print(a[np.array([1.0])])\n"))
            .contains("must be of integer (or boolean) type"));
        assert!(err(&format!("{pre}print(a[[1.5, 2]])\n")).contains("integer (or boolean)"));
        assert!(err(&format!("{pre}print(a[True])\n")).contains("boolean scalar"));
        assert!(err(&format!("{pre}print(a[np.zeros((), np.int64)])\n")).contains("0-d array"));
        assert!(err(&format!("{pre}print(a[None, 1, 2])\n"))
            .contains("array is 1-dimensional, but 2 were indexed"));
        assert!(err(&format!("{pre}print(a[np.zeros((2, 2)) > 0])\n"))
            .contains("array is 1-dimensional, but 2 were indexed"));
        assert!(err(&format!(
            "{pre}print(a[None, None, None, None, None, None, None, None])\n"
        ))
        .contains("at most 8"));
        assert!(err(&format!("{pre}a[1.5] = 0\n")).contains("valid indices"));
        assert!(err(&format!("{pre}a[np.array([1])] += 1.5\n")).contains("same_kind"));
    }
}
