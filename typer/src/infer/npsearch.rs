//! NumPy's searching, counting and comparing functions: `nonzero`,
//! `flatnonzero`, `searchsorted`, `unique`, `histogram`, `isclose` and
//! `allclose`. Each is one runtime operation (`allclose` is `all` of
//! `isclose`), typed here with NumPy's result dtypes.

use super::arrays::rt;
use super::*;
use crate::types::{DType, Layout};

/// An int64 array of `ndim` dimensions, NumPy's `intp` result.
fn intp(ndim: u8) -> Type {
    Type::array(DType::I64, ndim, Layout::C)
}

/// The float dtype `isclose` converts `y` to (NumPy's `result_type(y, 1.)`),
/// as a type: a Python scalar becomes a Python float.
fn inexact(t: &Type) -> Option<Type> {
    Some(match t {
        Type::Bool | Type::Int | Type::Float => Type::Float,
        Type::Scalar(d) => Type::Scalar(if d.is_float() { *d } else { DType::F64 }),
        Type::Array(a) => {
            let dtype = if a.dtype.is_float() {
                a.dtype
            } else {
                DType::F64
            };
            Type::array(dtype, a.ndim, a.layout)
        }
        _ => return None,
    })
}

impl Cx<'_> {
    /// The functions of this module: `None` when `name` is none of them.
    pub(super) fn call_numpy_search(
        &mut self,
        name: &str,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<Option<TExpr>> {
        let full = format!("np.{name}");
        let e = match name {
            "nonzero" | "flatnonzero" => {
                let a = self.signature(&full, args, kwargs, &["a"], 1, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let flat = name == "flatnonzero";
                let ty = if flat {
                    intp(1)
                } else if at.ndim == 0 {
                    return Err(type_err(
                        x.span,
                        "Calling nonzero on 0d arrays is not allowed. Use np.atleast_1d(scalar).nonzero() instead.",
                    ));
                } else {
                    Type::tuple(vec![intp(1); at.ndim as usize])
                };
                rt(RtOp::NonZero { flat }, vec![x], ty, span)
            }
            "searchsorted" => {
                let a = self.signature(&full, args, kwargs, &["a", "v", "side"], 2, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                if at.ndim != 1 {
                    return Err(type_err(
                        x.span,
                        format!("np.searchsorted() needs a 1-D array in Kiln (NumPy: object too deep for desired array), not {}", x.ty),
                    ));
                }
                let right = match a[2] {
                    None => false,
                    Some(e) => match &e.kind {
                        ExprKind::Str(s) if s == "left" => false,
                        ExprKind::Str(s) if s == "right" => true,
                        _ => {
                            return Err(type_err(
                                e.span,
                                "side must be 'left' or 'right', written as a string literal",
                            ))
                        }
                    },
                };
                let v = self.expr(a[1].unwrap())?;
                // NumPy compares in the common dtype of the array and the
                // values, a Python scalar counting as int64 or float64.
                let vd = match &v.ty {
                    Type::Unknown => return Ok(Some(unknown(span))),
                    Type::Array(va) => va.dtype,
                    t => t.scalar_dtype().ok_or_else(|| {
                        type_err(
                            v.span,
                            format!("np.searchsorted() needs numbers to look for, not {t}"),
                        )
                    })?,
                };
                let ty = match v.ty.as_array() {
                    Some(va) => intp(va.ndim),
                    None => Type::Scalar(DType::I64),
                };
                let dt = DType::promote(at.dtype, vd);
                rt(RtOp::SearchSorted { right, dt }, vec![x, v], ty, span)
            }
            "unique" => {
                let a = self.signature(&full, args, kwargs, &["ar"], 1, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let ty = Type::array(at.dtype, 1, Layout::C);
                rt(RtOp::Unique, vec![x], ty, span)
            }
            "isclose" | "allclose" => {
                let names = ["a", "b", "rtol", "atol", "equal_nan"];
                let a = self.signature(&full, args, kwargs, &names, 2, span)?;
                let x = self.expr(a[0].unwrap())?;
                let y = self.expr(a[1].unwrap())?;
                let mut tolerance = |k: usize, default: f64| -> Result<TExpr> {
                    let Some(e) = a[k] else {
                        return Ok(texpr(
                            TExprKind::Const(Const::Float(default)),
                            Type::Float,
                            span,
                        ));
                    };
                    let t = self.expr(e)?;
                    if !t.ty.is_python_scalar() && !t.ty.is_unknown() {
                        return Err(type_err(
                            t.span,
                            format!("{} must be a Python number in Kiln, not {}", names[k], t.ty),
                        ));
                    }
                    Ok(t.cast(&Type::Float))
                };
                let rtol = tolerance(2, 1e-5)?;
                let atol = tolerance(3, 1e-8)?;
                let equal_nan = match a[4] {
                    None => false,
                    Some(e) => match self.prog.const_eval(e) {
                        Some(Const::Bool(b)) => b,
                        _ => {
                            return Err(Diagnostic::new(
                                DiagKind::Unsupported,
                                e.span,
                                "equal_nan must be True or False in Kiln",
                            ))
                        }
                    },
                };
                if x.ty.is_unknown() || y.ty.is_unknown() {
                    return Ok(Some(unknown(span)));
                }
                let not_number = |t: &TExpr| {
                    type_err(
                        t.span,
                        format!("{full}() compares numbers or arrays, not {}", t.ty),
                    )
                };
                if inexact(&x.ty).is_none() {
                    return Err(not_number(&x));
                }
                let yt = inexact(&y.ty).ok_or_else(|| not_number(&y))?;
                let sub = arrays::result_dtype(&[x.ty.clone(), yt.clone()])
                    .ok_or_else(|| not_number(&x))?;
                let tol = arrays::result_dtype(&[yt.clone(), Type::Float, Type::Float])
                    .ok_or_else(|| not_number(&y))?;
                let ydt = yt.scalar_dtype().or(yt.as_array().map(|a| a.dtype));
                let ndim = [&x.ty, &y.ty]
                    .iter()
                    .filter_map(|t| t.as_array().map(|a| a.ndim))
                    .max();
                let ty = match ndim {
                    Some(n) => Type::array(DType::Bool, n, Layout::C),
                    None => Type::Scalar(DType::Bool),
                };
                let op = RtOp::IsClose {
                    sub,
                    y: ydt.unwrap_or(DType::F64),
                    tol,
                    equal_nan,
                };
                let close = rt(op, vec![x, y, rtol, atol], ty, span);
                if name == "isclose" {
                    close
                } else if close.ty.as_array().is_some() {
                    // A Python bool, as NumPy's `bool(np.all(...))`.
                    self.truth_reduce("all", close, None, span)?
                        .cast(&Type::Bool)
                } else {
                    close.cast(&Type::Bool)
                }
            }
            "histogram" => {
                let a = self.signature(&full, args, kwargs, &["a", "bins", "range"], 1, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                if at.dtype == DType::Bool {
                    return Err(type_err(
                        x.span,
                        "np.histogram() needs numbers: NumPy cannot subtract booleans; convert with .astype(np.int64)",
                    ));
                }
                let bins = match a[1] {
                    None => texpr(TExprKind::Const(Const::Int(10)), Type::Int, span),
                    Some(e) => self.expr(e)?,
                };
                let edges_ty = match &bins.ty {
                    Type::Unknown => return Ok(Some(unknown(span))),
                    Type::Array(b) if b.ndim != 1 => {
                        return Err(type_err(bins.span, "`bins` must be 1d, when an array"))
                    }
                    Type::Array(b) if b.dtype == DType::Bool => {
                        return Err(type_err(
                            bins.span,
                            "`bins` must hold numbers, not booleans",
                        ))
                    }
                    Type::Array(_) => Some(bins.ty.clone()),
                    t if t.is_intlike() => None,
                    _ => {
                        return Err(type_err(
                            bins.span,
                            "`bins` must be an integer, a string, or an array",
                        )
                        .help("Kiln takes an int or an array of edges"))
                    }
                };
                let mut targs = vec![x];
                let edges = edges_ty.is_some();
                targs.push(if edges { bins } else { bins.cast(&Type::Int) });
                let range = match a[2] {
                    Some(e) if !matches!(e.kind, ExprKind::None) => {
                        let ExprKind::Tuple(items) = &e.kind else {
                            return Err(Diagnostic::new(
                                DiagKind::Unsupported,
                                e.span,
                                "range must be written (lo, hi) in Kiln",
                            ));
                        };
                        if items.len() != 2 {
                            return Err(type_err(e.span, "range must be (lo, hi)"));
                        }
                        for it in items {
                            let t = self.expr(it)?;
                            if t.ty.is_unknown() {
                                return Ok(Some(unknown(span)));
                            }
                            if !t.ty.is_python_scalar() {
                                return Err(type_err(
                                    t.span,
                                    format!("range must hold Python numbers in Kiln, not {}", t.ty),
                                )
                                .help("convert with float()"));
                            }
                            let ty = if t.ty == Type::Float {
                                Type::Float
                            } else {
                                Type::Int
                            };
                            targs.push(t.cast(&ty));
                        }
                        true
                    }
                    _ => false,
                };
                let edges_ty = edges_ty.unwrap_or_else(|| {
                    let d = if at.dtype == DType::F32 {
                        DType::F32
                    } else {
                        DType::F64
                    };
                    Type::array(d, 1, Layout::C)
                });
                let ty = Type::tuple(vec![intp(1), edges_ty]);
                rt(RtOp::Histogram { edges, range }, targs, ty, span)
            }
            _ => return Ok(None),
        };
        Ok(Some(e))
    }
}

#[cfg(test)]
mod tests {
    fn err(src: &str) -> String {
        match crate::check(&format!("import numpy as np\na = np.arange(4)\n{src}\n")) {
            Ok(_) => panic!("accepted:\n{src}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn arguments_numpy_refuses_are_refused_with_its_words() {
        assert!(err("print(np.nonzero(np.zeros(())))").contains("0d arrays"));
        assert!(err("print(np.searchsorted(np.zeros((2, 2)), 1.0))").contains("1-D"));
        assert!(err("print(np.searchsorted(a, 1, side='middle'))").contains("'left' or 'right'"));
        assert!(err("print(np.searchsorted(a, 1, sorter=a))").contains("unexpected keyword"));
        assert!(err("print(np.isclose(a, a, rtol=np.float32(1)))").contains("Python number"));
        let b = "b = True\nprint(np.isclose(a, a, equal_nan=b))";
        crate::check(&format!("import numpy as np\na = np.arange(4)\n{b}\n")).unwrap();
        assert!(err("print(np.isclose(a, a, equal_nan=a[0] > 0))").contains("True or False"));
        assert!(err("print(np.unique(a, return_counts=True))").contains("unexpected keyword"));
        assert!(err("print(np.histogram(a, 2.5))").contains("must be an integer"));
        assert!(err("print(np.histogram(a, np.zeros((2, 2))))").contains("1d"));
        assert!(err("r = (0, 1)\nprint(np.histogram(a, 2, r))").contains("(lo, hi)"));
        assert!(err("print(np.histogram(a, 2, (a[0], 3)))").contains("Python numbers"));
        assert!(err("print(np.histogram(a > 1))").contains("booleans"));
        assert!(err("print(np.histogram(a, 2, density=True))").contains("unexpected keyword"));
    }
}
