//! More of the NumPy that ordinary array code calls: `diag`,
//! `nan_to_num`, `interp`, `bincount`, `convolve` and `np.linalg.norm`.
//! Each is one runtime operation, typed here with NumPy's result dtypes.

use super::arrays::rt;
use super::*;
use crate::types::{DType, Layout};

impl Cx<'_> {
    /// The functions of this module: `None` when `name` is none of them.
    pub(super) fn call_numpy_extra(
        &mut self,
        name: &str,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<Option<TExpr>> {
        let full = format!("np.{name}");
        let map = match name {
            "square" => Some(MapFn::Square),
            "sign" => Some(MapFn::Sign),
            "reciprocal" => Some(MapFn::Reciprocal),
            "log1p" => Some(MapFn::Log1p),
            "expm1" => Some(MapFn::Expm1),
            "cbrt" => Some(MapFn::Cbrt),
            "exp2" => Some(MapFn::Exp2),
            "deg2rad" | "radians" => Some(MapFn::Deg2Rad),
            "rad2deg" | "degrees" => Some(MapFn::Rad2Deg),
            "fabs" => Some(MapFn::Fabs),
            _ => None,
        };
        if let Some(f) = map {
            let a = self.signature(&full, args, kwargs, &["x"], 1, span)?;
            let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                return Ok(Some(unknown(span)));
            };
            let d = at.dtype;
            let no_loop = || {
                type_err(
                    x.span,
                    format!(
                        "ufunc '{name}' did not contain a loop with signature matching types ({d})"
                    ),
                )
            };
            let out = match f {
                MapFn::Square if d == DType::Bool => DType::I8,
                MapFn::Square => d,
                MapFn::Sign if d == DType::Bool => return Err(no_loop()),
                MapFn::Sign => d,
                MapFn::Reciprocal if !d.is_float() => return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    x.span,
                    "np.reciprocal() of integers is not supported in Kiln (NumPy truncates 1 / x)",
                )
                .help("divide a float: 1.0 / x")),
                _ if d.is_float() => d,
                _ => match d {
                    DType::I16 | DType::U16 => DType::F32,
                    DType::Bool | DType::I8 | DType::U8 => {
                        return Err(type_err(
                            x.span,
                            format!(
                            "np.{name}() of {d} would give float16, which Kiln does not support"
                        ),
                        )
                        .help("convert with .astype(np.float32) first"))
                    }
                    _ => DType::F64,
                },
            };
            let ty = match at.ndim {
                0 => Type::Scalar(out),
                n => Type::array(out, n, Layout::C),
            };
            return Ok(Some(rt(RtOp::Map(f), vec![x], ty, span)));
        }
        let e = match name {
            "tile" => {
                let a = self.signature(&full, args, kwargs, &["A", "reps"], 2, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let r = self.expr(a[1].unwrap())?;
                let n = match &r.ty {
                    Type::Unknown => return Ok(Some(unknown(span))),
                    t if t.is_intlike() => 1,
                    Type::Tuple(items)
                        if !items.is_empty() && items.iter().all(Type::is_intlike) =>
                    {
                        items.len()
                    }
                    t => {
                        return Err(type_err(
                            r.span,
                            format!("np.tile() takes an int or a tuple of ints as reps, not {t}"),
                        ))
                    }
                };
                let r = if n == 1 && r.ty.is_intlike() {
                    r.cast(&Type::Int)
                } else {
                    r.cast(&Type::tuple(vec![Type::Int; n]))
                };
                let nd = (n as u8).max(at.ndim);
                if nd as usize > crate::types::MAX_NDIM {
                    return Err(type_err(
                        span,
                        "np.tile() would give more dimensions than Kiln's arrays have",
                    ));
                }
                rt(
                    RtOp::Tile,
                    vec![x, r],
                    Type::array(at.dtype, nd, Layout::C),
                    span,
                )
            }
            "triu" | "tril" => {
                let a = self.signature(&full, args, kwargs, &["m", "k"], 1, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                if at.ndim < 2 {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        x.span,
                        format!(
                            "{full}() of a {}-D array is not supported in Kiln; it needs a 2-D one",
                            at.ndim
                        ),
                    ));
                }
                let k = match a[1] {
                    Some(e) => self.int_operand(&full, e, "an int k")?,
                    None => texpr(TExprKind::Const(Const::Int(0)), Type::Int, span),
                };
                let ty = Type::array(at.dtype, at.ndim, Layout::C);
                rt(
                    RtOp::Tri {
                        upper: name == "triu",
                    },
                    vec![x, k],
                    ty,
                    span,
                )
            }
            "roll" => {
                let a = self.signature(&full, args, kwargs, &["a", "shift", "axis"], 2, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let shift = self.int_operand(&full, a[1].unwrap(), "an int shift")?;
                let axis = match a[2].filter(|e| !matches!(e.kind, ExprKind::None)) {
                    Some(e) => {
                        let k = self.const_int(Some(e), 0, "axis")?;
                        Some(self.axis_of(k, at.ndim, e.span)?)
                    }
                    None => None,
                };
                let ty = Type::array(at.dtype, at.ndim, Layout::C);
                rt(RtOp::Roll { axis }, vec![x, shift], ty, span)
            }
            "repeat" => {
                let a = self.signature(&full, args, kwargs, &["a", "repeats", "axis"], 2, span)?;
                if let Some(e) = a[2].filter(|e| !matches!(e.kind, ExprKind::None)) {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        e.span,
                        "np.repeat() along an axis is not supported in Kiln",
                    )
                    .help("repeat the flattened array, or use np.tile"));
                }
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let r = self.int_operand(&full, a[1].unwrap(), "an int number of repeats")?;
                rt(
                    RtOp::Repeat,
                    vec![x, r],
                    Type::array(at.dtype, 1, Layout::C),
                    span,
                )
            }
            "meshgrid" => {
                if args.len() != 2 {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        span,
                        format!(
                            "np.meshgrid() of {} arrays is not supported in Kiln; give two",
                            args.len()
                        ),
                    ));
                }
                let mut ij = false;
                for k in kwargs {
                    match (k.name.as_str(), &k.value.kind) {
                        ("indexing", ExprKind::Str(s)) if s == "xy" || s == "ij" => ij = s == "ij",
                        ("indexing", _) => {
                            return Err(type_err(
                                k.value.span,
                                "Valid values for `indexing` are 'xy' and 'ij'.",
                            ))
                        }
                        _ => {
                            return Err(Diagnostic::new(
                                DiagKind::Arity,
                                k.name_span,
                                format!(
                                    "np.meshgrid() got an unexpected keyword argument '{}' in Kiln",
                                    k.name
                                ),
                            )
                            .help("np.meshgrid() takes x, y and indexing"))
                        }
                    }
                }
                let mut ops = Vec::new();
                for e in args {
                    let Some((p, _)) = self.array_operand(e, &full)? else {
                        return Ok(Some(unknown(span)));
                    };
                    ops.push(p);
                }
                let grid = |t: &Type| Type::array(t.as_array().unwrap().dtype, 2, Layout::C);
                let ty = Type::tuple(vec![grid(&ops[0].ty), grid(&ops[1].ty)]);
                rt(RtOp::Meshgrid { ij }, ops, ty, span)
            }
            "diag" => {
                let a = self.signature(&full, args, kwargs, &["v", "k"], 1, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let k = match a[1] {
                    Some(e) => self.int_operand(&full, e, "an int k")?,
                    None => texpr(TExprKind::Const(Const::Int(0)), Type::Int, span),
                };
                if !matches!(at.ndim, 1 | 2) {
                    return Err(type_err(x.span, "Input must be 1- or 2-d."));
                }
                let ty = Type::array(at.dtype, 3 - at.ndim, Layout::C);
                rt(RtOp::Diag, vec![x, k], ty, span)
            }
            "nan_to_num" => {
                let names = ["x", "copy", "nan", "posinf", "neginf"];
                let a = self.signature(&full, args, kwargs, &names, 1, span)?;
                if let Some(e) = a[1] {
                    if !matches!(e.kind, ExprKind::Bool(true)) {
                        return Err(Diagnostic::new(
                            DiagKind::Unsupported,
                            e.span,
                            "np.nan_to_num() with copy=False is not supported in Kiln",
                        )
                        .help("assign the result: a = np.nan_to_num(a)"));
                    }
                }
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                // NumPy gives a scalar for a number or a 0-d array.
                let ty = match at.ndim {
                    0 => Type::Scalar(at.dtype),
                    n => Type::array(at.dtype, n, Layout::C),
                };
                if !at.dtype.is_float() {
                    // Nothing to replace: NumPy returns a copy.
                    return Ok(Some(match at.ndim {
                        0 => zero_d_item(x),
                        _ => rt(RtOp::Copy, vec![x], ty, span),
                    }));
                }
                let mut ops = vec![x];
                let mut given = [false; 3];
                for k in 0..3 {
                    if let Some(e) = a[2 + k].filter(|e| !matches!(e.kind, ExprKind::None)) {
                        given[k] = true;
                        ops.push(self.float_operand(&full, e)?);
                    }
                }
                rt(RtOp::NanToNum { given }, ops, ty, span)
            }
            "interp" => {
                let names = ["x", "xp", "fp", "left", "right", "period"];
                let a = self.signature(&full, args, kwargs, &names, 3, span)?;
                if let Some(e) = a[5].filter(|e| !matches!(e.kind, ExprKind::None)) {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        e.span,
                        "np.interp() with a period is not supported in Kiln",
                    ));
                }
                let x = self.expr(a[0].unwrap())?;
                let mut ops = Vec::new();
                for e in [a[1].unwrap(), a[2].unwrap()] {
                    let Some((p, pt)) = self.array_operand(e, &full)? else {
                        return Ok(Some(unknown(span)));
                    };
                    if pt.ndim != 1 {
                        return Err(type_err(
                            p.span,
                            format!(
                                "np.interp() needs 1-D sample points and values, not {}",
                                p.ty
                            ),
                        ));
                    }
                    if pt.dtype == DType::Bool {
                        return Err(bool_refused(&p, &full));
                    }
                    ops.push(p);
                }
                let ty = match &x.ty {
                    Type::Unknown => return Ok(Some(unknown(span))),
                    Type::Array(at) if at.dtype != DType::Bool => {
                        Type::array(DType::F64, at.ndim, Layout::C)
                    }
                    t if t.is_number()
                        && t.scalar_dtype() != Some(DType::Bool)
                        && *t != Type::Bool =>
                    {
                        Type::Scalar(DType::F64)
                    }
                    _ => return Err(bool_refused(&x, &full)),
                };
                ops.insert(0, x);
                let mut given = [false; 2];
                for k in 0..2 {
                    if let Some(e) = a[3 + k].filter(|e| !matches!(e.kind, ExprKind::None)) {
                        given[k] = true;
                        ops.push(self.float_operand(&full, e)?);
                    }
                }
                rt(RtOp::Interp { given }, ops, ty, span)
            }
            "bincount" => {
                let names = ["x", "weights", "minlength"];
                let a = self.signature(&full, args, kwargs, &names, 1, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                if at.dtype.is_float() || at.dtype == DType::U64 {
                    return Err(type_err(
                        x.span,
                        format!("Cannot cast array data from dtype('{}') to dtype('int64') according to the rule 'safe'", at.dtype),
                    )
                    .help("np.bincount() counts non-negative integers: convert with .astype(np.int64)"));
                }
                if at.ndim != 1 {
                    return Err(type_err(x.span, "object too deep for desired array")
                        .help("np.bincount() needs a 1-D array"));
                }
                let mut ops = vec![x];
                let weights = match a[1].filter(|e| !matches!(e.kind, ExprKind::None)) {
                    Some(e) => {
                        let Some((w, wt)) = self.array_operand(e, &full)? else {
                            return Ok(Some(unknown(span)));
                        };
                        if wt.ndim != 1 {
                            return Err(type_err(w.span, "object too deep for desired array")
                                .help("the weights must be a 1-D array"));
                        }
                        ops.push(w);
                        true
                    }
                    None => false,
                };
                ops.push(match a[2] {
                    Some(e) => self.int_operand(&full, e, "an int minlength")?,
                    None => texpr(TExprKind::Const(Const::Int(0)), Type::Int, span),
                });
                let d = if weights { DType::F64 } else { DType::I64 };
                rt(
                    RtOp::Bincount { weights },
                    ops,
                    Type::array(d, 1, Layout::C),
                    span,
                )
            }
            "convolve" => {
                let a = self.signature(&full, args, kwargs, &["a", "v", "mode"], 2, span)?;
                let mode = match a[2] {
                    None => ConvolveMode::Full,
                    Some(e) => match &e.kind {
                        ExprKind::Str(s) if s == "full" => ConvolveMode::Full,
                        ExprKind::Str(s) if s == "same" => ConvolveMode::Same,
                        ExprKind::Str(s) if s == "valid" => ConvolveMode::Valid,
                        _ => return Err(type_err(
                            e.span,
                            "mode must be 'full', 'same' or 'valid', written as a string literal",
                        )),
                    },
                };
                let mut ops = Vec::new();
                let mut dt: Option<DType> = None;
                for e in [a[0].unwrap(), a[1].unwrap()] {
                    let Some((p, pt)) = self.array_operand(e, &full)? else {
                        return Ok(Some(unknown(span)));
                    };
                    if pt.ndim > 1 {
                        return Err(type_err(p.span, "object too deep for desired array")
                            .help("np.convolve() takes 1-D arrays"));
                    }
                    let p = if pt.ndim == 0 {
                        // NumPy makes a number a 1-D array of one element.
                        let sp = p.span;
                        let shape = texpr(
                            TExprKind::Tuple(vec![texpr(
                                TExprKind::Const(Const::Int(1)),
                                Type::Int,
                                sp,
                            )]),
                            Type::tuple(vec![Type::Int]),
                            sp,
                        );
                        rt(
                            RtOp::Reshape,
                            vec![p, shape],
                            Type::array(pt.dtype, 1, Layout::A),
                            sp,
                        )
                    } else {
                        p
                    };
                    dt = Some(dt.map_or(pt.dtype, |d| DType::promote(d, pt.dtype)));
                    ops.push(p);
                }
                let dt = dt.unwrap_or(DType::F64);
                rt(
                    RtOp::Convolve { mode, dt },
                    ops,
                    Type::array(dt, 1, Layout::C),
                    span,
                )
            }
            _ => return Ok(None),
        };
        Ok(Some(e))
    }

    /// `np.linalg.<name>(...)`.
    pub(super) fn call_linalg(
        &mut self,
        name: &str,
        fspan: Span,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<TExpr> {
        let full = format!("np.linalg.{name}");
        if name != "norm" {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                fspan,
                format!("{full} is not supported in Kiln"),
            )
            .help("of np.linalg, Kiln has norm(x) (the 2-norm of every element); np.dot and @ multiply matrices"));
        }
        let names = ["x", "ord", "axis", "keepdims"];
        let a = self.signature(&full, args, kwargs, &names, 1, span)?;
        for e in a[1..].iter().flatten() {
            if !matches!(e.kind, ExprKind::None | ExprKind::Bool(false)) {
                return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    e.span,
                    "np.linalg.norm() with ord, axis or keepdims is not supported in Kiln",
                )
                .help("for the 2-norm along an axis write np.sqrt(np.sum(x * x, axis=k))"));
            }
        }
        let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
            return Ok(unknown(span));
        };
        let d = if at.dtype == DType::F32 {
            DType::F32
        } else {
            DType::F64
        };
        Ok(rt(RtOp::Norm, vec![x], Type::Scalar(d), span))
    }
}

/// NumPy's refusal of booleans where it subtracts.
fn bool_refused(x: &TExpr, full: &str) -> Diagnostic {
    type_err(x.span, format!("{full}() needs numbers, not {}", x.ty))
        .help("convert with .astype(np.float64)")
}

#[cfg(test)]
mod tests {
    fn err(src: &str) -> String {
        match crate::check(&format!("import numpy as np\na = np.arange(4)\n{src}\n")) {
            Ok(_) => panic!("accepted:\n{src}"),
            Err(e) => e.message,
        }
    }

    fn ok(src: &str) {
        if let Err(e) = crate::check(&format!("import numpy as np\na = np.arange(4)\n{src}\n")) {
            panic!("refused:\n{src}\n{}", e.message);
        }
    }

    #[test]
    fn what_numpy_refuses_is_refused_with_its_words() {
        assert!(err("print(np.diag(np.zeros((2, 2, 2))))").contains("1- or 2-d"));
        assert!(err("print(np.diag(a, 1.5))").contains("an int k"));
        assert!(err("print(np.bincount(a * 0.5))").contains("according to the rule 'safe'"));
        assert!(err("print(np.bincount(a.reshape(2, 2)))").contains("too deep"));
        assert!(err("print(np.interp(a > 1, a, a))").contains("needs numbers"));
        assert!(err("print(np.interp(1.0, a.reshape(2, 2), a))").contains("1-D sample points"));
        assert!(
            err("print(np.convolve(a, a, mode='middle'))").contains("'full', 'same' or 'valid'")
        );
        assert!(err("print(np.convolve(a.reshape(2, 2), a))").contains("too deep"));
    }

    #[test]
    fn options_kiln_lacks_say_so() {
        assert!(err("print(np.nan_to_num(a, copy=False))").contains("copy=False"));
        assert!(err("print(np.interp(1.0, a, a, period=2.0))").contains("period"));
        assert!(err("print(np.linalg.norm(a, axis=0))").contains("ord, axis or keepdims"));
        assert!(err("print(np.linalg.inv(a))").contains("np.linalg.inv is not supported"));
        assert!(err("print(sum(a.reshape(2, 2)))").contains("2-D array"));
        assert!(err("print(sum(a, 1))").contains("start value"));
        assert!(err("def f():\n    return (1, 2)\nprint(max(f()))")
            .contains("a tuple that a call returns"));
        assert!(err("print(min(()))").contains("empty sequence"));
        assert!(err("def f():\n    return 3\nprint(divmod(f(), 2))").contains("calls a function"));
        let m = "m = np.ones((2, 2))\nprint(m[np.where(m > 0)])";
        assert!(err(m).contains("several dimensions"));
        assert!(err("print(np.percentile(a, np.array([0.5], np.float32)))").contains("float32"));
        assert!(err("print(np.quantile(a, [0, 1]))").contains("float64 fractions"));
        assert!(err("print(np.percentile(a.astype(np.float32), [50.0]))").contains("float32 array"));
    }

    #[test]
    fn elementwise_functions_refuse_what_numpy_or_kiln_cannot_compute() {
        assert!(err("print(np.sign(a > 1))").contains("did not contain a loop"));
        assert!(err("print(np.log1p(a.astype(np.int8)))").contains("float16"));
        assert!(err("print(np.reciprocal(a))").contains("of integers is not supported"));
        ok("print(np.square(a > 1), np.cbrt(a.astype(np.uint16)), np.sign(2.5), np.fabs(a))");
        assert!(err("print(np.fliplr(a))").contains("Input must be >= 2-d."));
        assert!(err("print(np.flip(a, 1))").contains("axis 1 is out of bounds"));
    }

    #[test]
    fn rearranging_functions_say_what_they_take() {
        assert!(err("print(np.tile(a, 1.5))").contains("an int or a tuple of ints"));
        assert!(err("print(np.triu(a))").contains("needs a 2-D one"));
        assert!(err("print(np.repeat(a, 2, axis=0))").contains("along an axis"));
        assert!(err("print(np.roll(a, 1, axis=1))").contains("axis 1 is out of bounds"));
        assert!(err("print(np.meshgrid(a, a, a))").contains("give two"));
        assert!(err("print(np.meshgrid(a, a, indexing='xx'))").contains("'xy' and 'ij'"));
        assert!(err("print(np.meshgrid(a, a, sparse=True))").contains("unexpected keyword"));
    }

    #[test]
    fn machine_limits_are_numpys() {
        assert!(err("print(np.finfo(np.int64).eps)").contains("not inexact"));
        assert!(err("print(np.iinfo(np.float32).max)").contains("Invalid integer data type 'f'"));
        assert!(err("print(np.finfo(np.float64).epsneg)").contains("no attribute 'epsneg'"));
        assert!(err("print(np.iinfo(np.uint64).max)").contains("does not fit"));
        ok("print(np.finfo(np.float32).eps, np.iinfo(np.int8).min, np.finfo((a * 0.5).dtype).max)");
    }

    #[test]
    fn the_forms_ordinary_code_writes_are_accepted() {
        ok("print(np.diag(a), np.nan_to_num(a * 0.5), np.interp(a, a, a), np.bincount(a))");
        ok("print(np.convolve(a, a, 'same'), np.linalg.norm(a), sum(a), min(a), max(a))");
        ok("x, y = divmod(7, 2)\nprint(x, y, np.percentile(a, [25, 75]), np.vstack((a, a)))");
        ok("p, q, r, s = a\nprint(p + q + r + s, a[np.where(a > 1)], np.where(a > 2))");
    }
}
