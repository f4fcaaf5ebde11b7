//! Typing of arrays: NumPy constructors, ufuncs and operators with NEP 50
//! promotion, reductions, indexing and views, attributes and methods. Every
//! array operation becomes one [`RtOp`] node for the runtime.

use super::index::{too_many_indices, Index, Item};
use super::*;
use crate::types::{ArrayType, DType, Layout, MAX_NDIM};

/// A NumPy function known to the typer.
enum NpFn {
    New(Fill),
    Like(Fill),
    Arange,
    Linspace,
    Array,
    Copy,
    Ufunc(Ufunc, usize),
    Reduce(Reduction),
    Dot(bool),
    Where,
}

fn np_fn(name: &str) -> Option<NpFn> {
    use Ufunc::*;
    Some(match name {
        "empty" => NpFn::New(Fill::Empty),
        "zeros" => NpFn::New(Fill::Zeros),
        "ones" => NpFn::New(Fill::Ones),
        "full" => NpFn::New(Fill::Value),
        "empty_like" => NpFn::Like(Fill::Empty),
        "zeros_like" => NpFn::Like(Fill::Zeros),
        "ones_like" => NpFn::Like(Fill::Ones),
        "full_like" => NpFn::Like(Fill::Value),
        "arange" => NpFn::Arange,
        "linspace" => NpFn::Linspace,
        "array" | "asarray" => NpFn::Array,
        "copy" => NpFn::Copy,
        "sum" => NpFn::Reduce(Reduction::Sum),
        "prod" => NpFn::Reduce(Reduction::Prod),
        "min" | "amin" => NpFn::Reduce(Reduction::Min),
        "max" | "amax" => NpFn::Reduce(Reduction::Max),
        "mean" => NpFn::Reduce(Reduction::Mean),
        "argmin" => NpFn::Reduce(Reduction::ArgMin),
        "argmax" => NpFn::Reduce(Reduction::ArgMax),
        "dot" => NpFn::Dot(false),
        "matmul" => NpFn::Dot(true),
        "where" => NpFn::Where,
        "add" => NpFn::Ufunc(Add, 2),
        "subtract" => NpFn::Ufunc(Subtract, 2),
        "multiply" => NpFn::Ufunc(Multiply, 2),
        "divide" | "true_divide" => NpFn::Ufunc(TrueDivide, 2),
        "floor_divide" => NpFn::Ufunc(FloorDivide, 2),
        "remainder" | "mod" => NpFn::Ufunc(Remainder, 2),
        "power" => NpFn::Ufunc(Power, 2),
        "negative" => NpFn::Ufunc(Negative, 1),
        "absolute" | "abs" => NpFn::Ufunc(Absolute, 1),
        "floor" => NpFn::Ufunc(Floor, 1),
        "ceil" => NpFn::Ufunc(Ceil, 1),
        "arctan2" => NpFn::Ufunc(Arctan2, 2),
        "minimum" => NpFn::Ufunc(Minimum, 2),
        "maximum" => NpFn::Ufunc(Maximum, 2),
        "fmin" => NpFn::Ufunc(Fmin, 2),
        "fmax" => NpFn::Ufunc(Fmax, 2),
        "equal" => NpFn::Ufunc(Equal, 2),
        "not_equal" => NpFn::Ufunc(NotEqual, 2),
        "less" => NpFn::Ufunc(Less, 2),
        "less_equal" => NpFn::Ufunc(LessEqual, 2),
        "greater" => NpFn::Ufunc(Greater, 2),
        "greater_equal" => NpFn::Ufunc(GreaterEqual, 2),
        "bitwise_and" => NpFn::Ufunc(BitwiseAnd, 2),
        "bitwise_or" => NpFn::Ufunc(BitwiseOr, 2),
        "bitwise_xor" => NpFn::Ufunc(BitwiseXor, 2),
        "invert" | "bitwise_not" => NpFn::Ufunc(Invert, 1),
        "left_shift" => NpFn::Ufunc(LeftShift, 2),
        "right_shift" => NpFn::Ufunc(RightShift, 2),
        "logical_and" => NpFn::Ufunc(LogicalAnd, 2),
        "logical_or" => NpFn::Ufunc(LogicalOr, 2),
        "logical_not" => NpFn::Ufunc(LogicalNot, 1),
        "rint" => NpFn::Ufunc(Rint, 1),
        "isnan" => NpFn::Ufunc(IsNan, 1),
        "isinf" => NpFn::Ufunc(IsInf, 1),
        "isfinite" => NpFn::Ufunc(IsFinite, 1),
        _ => {
            let m = match name {
                "arctan" => Math1::Atan,
                "arcsin" => Math1::Asin,
                "arccos" => Math1::Acos,
                "trunc" => Math1::Trunc,
                n => Math1::from_name(n).filter(|m| *m != Math1::Fabs)?,
            };
            NpFn::Ufunc(Ufunc::Float1(m), 1)
        }
    })
}

/// NumPy's name of a ufunc.
pub fn ufunc_name(f: Ufunc) -> String {
    use Ufunc::*;
    match f {
        Add => "add",
        Subtract => "subtract",
        Multiply => "multiply",
        TrueDivide => "divide",
        FloorDivide => "floor_divide",
        Remainder => "remainder",
        Power => "power",
        Negative => "negative",
        Absolute => "absolute",
        Float1(m) => return m.name().to_string(),
        Floor => "floor",
        Ceil => "ceil",
        Arctan2 => "arctan2",
        Minimum => "minimum",
        Maximum => "maximum",
        Fmin => "fmin",
        Fmax => "fmax",
        Equal => "equal",
        NotEqual => "not_equal",
        Less => "less",
        LessEqual => "less_equal",
        Greater => "greater",
        GreaterEqual => "greater_equal",
        BitwiseAnd => "bitwise_and",
        BitwiseOr => "bitwise_or",
        BitwiseXor => "bitwise_xor",
        Invert => "invert",
        LeftShift => "left_shift",
        RightShift => "right_shift",
        LogicalAnd => "logical_and",
        LogicalOr => "logical_or",
        LogicalNot => "logical_not",
        Rint => "rint",
        IsNan => "isnan",
        IsInf => "isinf",
        IsFinite => "isfinite",
    }
    .to_string()
}

/// The ufunc an operator stands for.
pub(super) fn binop_ufunc(op: BinOp) -> Option<Ufunc> {
    Some(match op {
        BinOp::Add => Ufunc::Add,
        BinOp::Sub => Ufunc::Subtract,
        BinOp::Mul => Ufunc::Multiply,
        BinOp::Div => Ufunc::TrueDivide,
        BinOp::FloorDiv => Ufunc::FloorDivide,
        BinOp::Mod => Ufunc::Remainder,
        BinOp::Pow => Ufunc::Power,
        BinOp::BitAnd => Ufunc::BitwiseAnd,
        BinOp::BitOr => Ufunc::BitwiseOr,
        BinOp::BitXor => Ufunc::BitwiseXor,
        BinOp::LShift => Ufunc::LeftShift,
        BinOp::RShift => Ufunc::RightShift,
        BinOp::MatMul => return None,
    })
}

pub(super) fn cmp_ufunc(op: CmpOp) -> Ufunc {
    match op {
        CmpOp::Eq => Ufunc::Equal,
        CmpOp::Ne => Ufunc::NotEqual,
        CmpOp::Lt => Ufunc::Less,
        CmpOp::Le => Ufunc::LessEqual,
        CmpOp::Gt => Ufunc::Greater,
        CmpOp::Ge => Ufunc::GreaterEqual,
    }
}

/// NumPy 2's result dtype of mixed operands (NEP 50): array dtypes and NumPy
/// scalars are strong and promote; Python scalars are weak and only lift the
/// kind (a Python float with integers gives float64).
pub(super) fn result_dtype(inputs: &[Type]) -> Option<DType> {
    let mut strong: Option<DType> = None;
    for t in inputs {
        let d = match t {
            Type::Array(a) => a.dtype,
            Type::Scalar(d) => *d,
            _ => continue,
        };
        strong = Some(strong.map_or(d, |s| DType::promote(s, d)));
    }
    let mut r = match strong {
        Some(s) => s,
        None => {
            // Only Python scalars: NumPy takes them as int64/float64/bool.
            let mut r = DType::Bool;
            for t in inputs {
                r = match (r, t) {
                    (_, Type::Float) | (DType::F64, _) => DType::F64,
                    (_, Type::Int) | (DType::I64, _) => DType::I64,
                    (r, _) => r,
                };
            }
            return Some(r);
        }
    };
    for t in inputs {
        if t.is_python_scalar() {
            r = crate::types::weak_promote(r, t);
        } else if !matches!(t, Type::Array(_) | Type::Scalar(_)) {
            return None;
        }
    }
    Some(r)
}

/// The dtype a float function computes in for an input dtype; `None` where
/// NumPy would compute in float16, which Kiln does not have.
fn float_fn_dtype(d: DType) -> Option<DType> {
    match d {
        DType::Bool | DType::I8 | DType::U8 => None,
        DType::I16 | DType::U16 | DType::F32 => Some(DType::F32),
        _ => Some(DType::F64),
    }
}

/// The loop dtype and output dtype of a ufunc on these input types.
pub(super) fn ufunc_sig(f: Ufunc, inputs: &[Type]) -> std::result::Result<(DType, DType), String> {
    use Ufunc::*;
    let c = result_dtype(inputs).ok_or_else(|| "operands are not numbers or arrays".to_string())?;
    let float16 = || {
        format!("its NumPy result would be float16 (from {c}), which Kiln does not support; convert with .astype(np.float32) first")
    };
    Ok(match f {
        Add | Multiply | Maximum | Minimum | Fmax | Fmin | Absolute => (c, c),
        Subtract | Negative if c == DType::Bool => {
            return Err(
                "NumPy does not support subtracting or negating booleans; use ^ or ~ instead"
                    .into(),
            )
        }
        Subtract | Negative => (c, c),
        FloorDivide | Remainder | Power if c == DType::Bool => (DType::I8, DType::I8),
        FloorDivide | Remainder | Power => (c, c),
        TrueDivide => {
            let d = if c.is_float() { c } else { DType::F64 };
            (d, d)
        }
        // NumPy 2 keeps integer (and boolean) dtypes through floor and ceil.
        Floor | Ceil if !c.is_float() => (c, c),
        Float1(_) | Arctan2 | Floor | Ceil => {
            let d = if c.is_float() {
                c
            } else {
                float_fn_dtype(c).ok_or_else(float16)?
            };
            (d, d)
        }
        Equal | NotEqual | Less | LessEqual | Greater | GreaterEqual => (c, DType::Bool),
        BitwiseAnd | BitwiseOr | BitwiseXor | Invert | LeftShift | RightShift => {
            if c.is_float() {
                return Err(format!(
                    "bitwise operations need integer or boolean operands, not {c}"
                ));
            }
            let d = if matches!(f, LeftShift | RightShift) && c == DType::Bool {
                DType::I8
            } else {
                c
            };
            (d, d)
        }
        LogicalAnd | LogicalOr | LogicalNot | IsNan | IsInf | IsFinite => (c, DType::Bool),
        Rint => {
            let d = if c.is_float() {
                c
            } else {
                float_fn_dtype(c).ok_or_else(float16)?
            };
            (d, d)
        }
    })
}

fn arg_of(t: &Type) -> Option<Arg> {
    Some(match t {
        Type::Array(a) => Arg::Array(a.dtype),
        Type::Int => Arg::PyInt,
        t => Arg::Scalar(t.scalar_dtype()?),
    })
}

fn ndim_of(t: &Type) -> u8 {
    t.as_array().map_or(0, |a| a.ndim)
}

/// The accumulator dtype of a reduction, as NumPy picks it.
fn reduce_acc(f: Reduction, d: DType) -> DType {
    match f {
        Reduction::Sum | Reduction::Prod => match d {
            DType::Bool | DType::I8 | DType::I16 | DType::I32 => DType::I64,
            DType::U8 | DType::U16 | DType::U32 => DType::U64,
            d => d,
        },
        Reduction::Mean => {
            if d == DType::F32 {
                DType::F32
            } else {
                DType::F64
            }
        }
        Reduction::ArgMin | Reduction::ArgMax => DType::I64,
        Reduction::Min | Reduction::Max => d,
    }
}

pub(super) fn rt(op: RtOp, args: Vec<TExpr>, ty: Type, span: Span) -> TExpr {
    texpr(TExprKind::Rt(op, args), ty, span)
}

impl Cx<'_> {
    /// A dtype named by an expression: `np.float64`, `np.int32`, `bool`,
    /// `float`, `int`, `"float32"`, `a.dtype`.
    pub(super) fn dtype_expr(&mut self, e: &Expr) -> Result<DType> {
        let name = match &e.kind {
            ExprKind::Attribute(m, attr) => match &m.kind {
                ExprKind::Name(n)
                    if matches!(
                        self.prog.imports.get(n),
                        Some(Import::Module(ModuleKind::Numpy))
                    ) =>
                {
                    Some(attr.clone())
                }
                _ => None,
            },
            ExprKind::Name(n) if !self.assigned.contains(n) => match self.prog.imports.get(n) {
                Some(Import::Member(ModuleKind::Numpy, m)) => Some(m.clone()),
                // The builtins that name dtypes; other names (a dtype
                // alias `DT = np.float32`) are values.
                _ if matches!(n.as_str(), "int" | "float" | "bool") => Some(n.clone()),
                _ => None,
            },
            ExprKind::Str(s) => Some(s.clone()),
            _ => None,
        };
        if let Some(d) = name.as_deref().and_then(DType::from_name) {
            return Ok(d);
        }
        if name.as_deref() == Some("float16") {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                e.span,
                "float16 is not supported in Kiln",
            ));
        }
        if name.is_none() {
            let t = self.expr(e)?;
            if let Type::DTypeObj(d) = t.ty {
                return Ok(d);
            }
        }
        Err(type_err(
            e.span,
            "expected a dtype such as np.float64, np.int32 or np.bool_",
        ))
    }

    fn dtype_kwarg(
        &mut self,
        kwargs: &[Keyword],
        allowed: &[&str],
        fname: &str,
    ) -> Result<Option<DType>> {
        let mut dt = None;
        for k in kwargs {
            if k.name == "dtype" {
                dt = Some(self.dtype_expr(&k.value)?);
            } else if !allowed.contains(&k.name.as_str()) {
                return Err(Diagnostic::new(
                    DiagKind::Arity,
                    k.name_span,
                    format!(
                        "np.{fname}() got an unexpected keyword argument '{}' in Kiln",
                        k.name
                    ),
                ));
            }
        }
        Ok(dt)
    }

    /// Splits a NumPy call's arguments into the `n` positional operands
    /// before its dtype and the dtype, given either as one more positional
    /// argument (`np.zeros(n, np.int64)`) or as `dtype=`.
    fn dtype_args<'e>(
        &mut self,
        full: &str,
        args: &'e [Expr],
        kwargs: &[Keyword],
        n: usize,
        allowed: &[&str],
    ) -> Result<(&'e [Expr], Option<DType>)> {
        let fname = full.strip_prefix("np.").unwrap_or(full);
        let by_name = self.dtype_kwarg(kwargs, allowed, fname)?;
        if args.len() <= n {
            return Ok((args, by_name));
        }
        if args.len() > n + 1 {
            return Err(Diagnostic::new(
                DiagKind::Arity,
                args[n + 1].span,
                format!(
                    "{full}() takes at most {} positional arguments ({} given)",
                    n + 1,
                    args.len()
                ),
            ));
        }
        if by_name.is_some() {
            let k = kwargs.iter().find(|k| k.name == "dtype").unwrap();
            return Err(Diagnostic::new(
                DiagKind::Arity,
                k.name_span,
                format!(
                    "argument for {fname}() given by name ('dtype') and position ({})",
                    n + 1
                ),
            ));
        }
        let d = self.dtype_expr(&args[n])?;
        Ok((&args[..n], Some(d)))
    }

    /// A shape argument: an int, or a tuple of ints; returns the expression
    /// cast to ints and the number of dimensions.
    pub(super) fn shape_arg(&mut self, e: &Expr) -> Result<(TExpr, u8)> {
        let t = self.expr(e)?;
        match &t.ty {
            ty if ty.is_intlike() => Ok((t.cast(&Type::Int), 1)),
            Type::Tuple(items) if items.iter().all(Type::is_intlike) => {
                let n = items.len() as u8;
                let want = Type::tuple(vec![Type::Int; n as usize]);
                Ok((t.cast(&want), n))
            }
            Type::Unknown => Ok((t, 1)),
            ty => Err(type_err(
                t.span,
                format!("a shape must be an int or a tuple of ints, not {ty}"),
            )),
        }
    }

    pub(super) fn call_numpy(
        &mut self,
        name: &str,
        fspan: Span,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<TExpr> {
        if let Some(d) =
            DType::from_name(name).filter(|_| !matches!(name, "int" | "float" | "bool"))
        {
            return self.dtype_call(d, args, kwargs, span);
        }
        if let Some(e) = self.call_numpy_more(name, args, kwargs, span)? {
            return Ok(e);
        }
        if let Some(e) = self.call_numpy_search(name, args, kwargs, span)? {
            return Ok(e);
        }
        if let Some(e) = self.call_numpy_extra(name, args, kwargs, span)? {
            return Ok(e);
        }
        let Some(f) = np_fn(name) else {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                fspan,
                format!("np.{name} is not supported in Kiln"),
            )
            .help("see the README's list of the NumPy functions Kiln supports"));
        };
        let full = format!("np.{name}");
        match f {
            NpFn::New(fill) => {
                let want = if fill == Fill::Value { 2 } else { 1 };
                let (args, dt) = self.dtype_args(&full, args, kwargs, want, &[])?;
                if args.len() != want {
                    return Err(Diagnostic::new(
                        DiagKind::Arity,
                        span,
                        format!(
                            "{full}() takes {want} positional arguments and a dtype ({} given)",
                            args.len()
                        ),
                    ));
                }
                let (shape, nd) = self.shape_arg(&args[0])?;
                let mut targs = vec![shape];
                let dtype = if fill == Fill::Value {
                    let v = self.expr(&args[1])?;
                    let d = dt
                        .or_else(|| result_dtype(std::slice::from_ref(&v.ty)))
                        .ok_or_else(|| type_err(v.span, "the fill value must be a number"))?;
                    targs.push(v);
                    d
                } else {
                    dt.unwrap_or(DType::F64)
                };
                Ok(rt(
                    RtOp::New(fill),
                    targs,
                    Type::array(dtype, nd, Layout::C),
                    span,
                ))
            }
            NpFn::Like(fill) => {
                let want = if fill == Fill::Value { 2 } else { 1 };
                let (args, dt) = self.dtype_args(&full, args, kwargs, want, &[])?;
                let a = self.args_exact(&full, args, &[], want..=want, span)?;
                let Some(at) = a[0].ty.as_array().cloned() else {
                    return self.unknown_or(&a[0], &format!("{full}() needs an array"));
                };
                let ty = Type::Array(Rc::new(ArrayType {
                    dtype: dt.unwrap_or(at.dtype),
                    layout: Layout::C,
                    ..at
                }));
                Ok(rt(RtOp::NewLike(fill), a, ty, span))
            }
            NpFn::Arange => {
                let (args, dt) = self.dtype_args(&full, args, kwargs, 3, &[])?;
                let a = self.args_exact(&full, args, &[], 1..=3, span)?;
                for x in &a {
                    self.need_number(&full, x)?;
                }
                if a.iter().any(|x| x.ty.is_unknown()) {
                    return Ok(unknown(span));
                }
                let d = dt.unwrap_or_else(|| {
                    result_dtype(&a.iter().map(|x| x.ty.clone()).collect::<Vec<_>>())
                        .unwrap_or(DType::I64)
                });
                let d = if d == DType::Bool { DType::I64 } else { d };
                // Compute the range in int64 or float64, whichever the dtype needs.
                let st = if d.is_float() || a.iter().any(|x| x.ty.is_float()) {
                    Type::Float
                } else {
                    Type::Int
                };
                let mut it = a.into_iter().map(|x| x.cast(&st));
                let c = |v: f64| {
                    if st == Type::Float {
                        texpr(TExprKind::Const(Const::Float(v)), Type::Float, span)
                    } else {
                        texpr(TExprKind::Const(Const::Int(v as i64)), Type::Int, span)
                    }
                };
                let (x, y, z) = (it.next().unwrap(), it.next(), it.next());
                let (start, stop, step) = match (y, z) {
                    (None, _) => (c(0.0), x, c(1.0)),
                    (Some(y), None) => (x, y, c(1.0)),
                    (Some(y), Some(z)) => (x, y, z),
                };
                Ok(rt(
                    RtOp::Arange,
                    vec![start, stop, step],
                    Type::array(d, 1, Layout::C),
                    span,
                ))
            }
            NpFn::Linspace => {
                let names = [
                    "start", "stop", "num", "endpoint", "retstep", "dtype", "axis",
                ];
                let a = self.signature(&full, args, kwargs, &names, 2, span)?;
                for (i, what) in [(4, "retstep=True"), (6, "axis")] {
                    if let Some(e) = a[i] {
                        if !matches!(
                            self.prog.const_eval(e),
                            Some(Const::Bool(false) | Const::Int(0) | Const::None)
                        ) {
                            return Err(Diagnostic::new(
                                DiagKind::Unsupported,
                                e.span,
                                format!("np.linspace() with {what} is not supported in Kiln"),
                            ));
                        }
                    }
                }
                let mut v = Vec::with_capacity(4);
                for e in [a[0], a[1]].into_iter().flatten() {
                    let x = self.expr(e)?;
                    if !x.ty.is_number() && !x.ty.is_unknown() {
                        return Err(type_err(
                            x.span,
                            format!("np.linspace() takes numbers in Kiln, not {}", x.ty),
                        ));
                    }
                    v.push(x.cast(&Type::Float));
                }
                let num = match a[2] {
                    Some(e) => self.expr(e)?,
                    None => texpr(TExprKind::Const(Const::Int(50)), Type::Int, span),
                };
                if !num.ty.is_intlike() && !num.ty.is_unknown() {
                    return Err(type_err(num.span, "np.linspace's num must be an integer"));
                }
                v.push(num.cast(&Type::Int));
                let endpoint = match a[3] {
                    Some(e) => {
                        let t = self.expr(e)?;
                        self.truth(t)?
                    }
                    None => texpr(TExprKind::Const(Const::Bool(true)), Type::Bool, span),
                };
                v.push(endpoint);
                let dt = match a[5] {
                    Some(e) if !matches!(e.kind, ExprKind::None) => self.dtype_expr(e)?,
                    _ => DType::F64,
                };
                Ok(rt(RtOp::Linspace, v, Type::array(dt, 1, Layout::C), span))
            }
            NpFn::Array => {
                let (args, dt) = self.dtype_args(&full, args, kwargs, 1, &[])?;
                if args.len() != 1 {
                    return Err(Diagnostic::new(
                        DiagKind::Arity,
                        span,
                        "np.array() takes one list",
                    ));
                }
                self.array_literal(&args[0], dt, span)
            }
            NpFn::Copy => {
                let a = self.args_exact(&full, args, kwargs, 1..=1, span)?;
                self.copy_of(a.into_iter().next().unwrap(), span)
            }
            NpFn::Ufunc(u, n) => {
                if let Some(k) = kwargs.first() {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        k.name_span,
                        format!("{full}() keyword arguments are not supported in Kiln"),
                    ));
                }
                let a = self.args_exact(&full, args, &[], n..=n, span)?;
                self.ufunc(u, a, span)
            }
            NpFn::Reduce(r) => {
                let (keep, kwargs) = self.keepdims(kwargs)?;
                let (a, axis, dtype) = self.reduce_args(r, &full, true, args, &kwargs, span)?;
                let a = self.expr(a.unwrap())?;
                let nd = a.ty.as_array().map_or(0, |t| t.ndim);
                let e = self.reduce_in(r, a, axis, dtype, span)?;
                self.kept(e, keep, nd, axis, span)
            }
            NpFn::Dot(matmul) => {
                let a = self.args_exact(&full, args, kwargs, 2..=2, span)?;
                let mut it = a.into_iter();
                self.dot(it.next().unwrap(), it.next().unwrap(), span, matmul)
            }
            NpFn::Where => {
                // `np.where(c)` is NumPy's `np.nonzero(c)`.
                if args.len() == 1 && kwargs.is_empty() {
                    return self
                        .call_numpy_search("nonzero", args, kwargs, span)?
                        .ok_or_else(|| type_err(span, "np.where() needs an array"));
                }
                if args.len() != 3 || !kwargs.is_empty() {
                    return Err(Diagnostic::new(
                        DiagKind::Arity,
                        span,
                        format!(
                            "np.where() takes 1 or 3 arguments ({} given)",
                            args.len() + kwargs.len()
                        ),
                    ));
                }
                let mut a = self.args_exact(&full, args, kwargs, 3..=3, span)?;
                if a.iter().any(|x| x.ty.is_unknown()) {
                    return Ok(unknown(span));
                }
                // Of numbers only, NumPy gives a 0-d array: the condition
                // becomes one.
                if a.iter().all(|x| x.ty.as_array().is_none()) {
                    if let Some(d) = a[0].ty.scalar_dtype() {
                        let c = a.remove(0);
                        let sp = c.span;
                        let shape =
                            texpr(TExprKind::Tuple(Vec::new()), Type::tuple(Vec::new()), sp);
                        let ty = Type::array(d, 0, Layout::C);
                        a.insert(0, rt(RtOp::New(Fill::Value), vec![shape, c], ty, sp));
                    }
                }
                let kinds: Option<Vec<Arg>> = a.iter().map(|x| arg_of(&x.ty)).collect();
                let kinds =
                    kinds.ok_or_else(|| type_err(span, "np.where() needs arrays or numbers"))?;
                let d = result_dtype(&[a[1].ty.clone(), a[2].ty.clone()]).unwrap_or(DType::F64);
                let nd = a.iter().map(|x| ndim_of(&x.ty)).max().unwrap_or(0);
                Ok(rt(
                    RtOp::Where(kinds),
                    a,
                    Type::array(d, nd, Layout::C),
                    span,
                ))
            }
        }
    }

    /// `np.float32(x)` and friends: a NumPy scalar of that dtype from a
    /// number (as `int(x)` converts), or `astype` of an array.
    fn dtype_call(
        &mut self,
        d: DType,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<TExpr> {
        let a = self.args_exact(&format!("np.{d}"), args, kwargs, 1..=1, span)?;
        let x = a.into_iter().next().unwrap();
        if let Some(at) = x.ty.as_array().cloned() {
            let ty = Type::Array(Rc::new(ArrayType {
                dtype: d,
                layout: Layout::C,
                ..at
            }));
            return Ok(rt(RtOp::Astype, vec![x], ty, span));
        }
        self.need_number(&format!("np.{d}"), &x)?;
        let mut e = x.cast(&Type::Scalar(d));
        e.span = span;
        Ok(e)
    }

    fn unknown_or(&self, e: &TExpr, msg: &str) -> Result<TExpr> {
        if e.ty.is_unknown() {
            Ok(unknown(e.span))
        } else {
            Err(type_err(e.span, format!("{msg}, not {}", e.ty)))
        }
    }

    /// A reduction's array (`with_a`: the function's first argument, not a
    /// method's object), `axis` and (for `sum`, `prod` and `mean`) `dtype`,
    /// positional or keywords.
    #[allow(clippy::type_complexity)]
    /// A reduction's `keepdims=` (a constant bool) and its other keywords.
    fn keepdims(&self, kwargs: &[Keyword]) -> Result<(bool, Vec<Keyword>)> {
        let mut keep = false;
        let mut rest = Vec::new();
        for k in kwargs {
            if k.name == "keepdims" {
                keep = match self.prog.const_eval(&k.value) {
                    Some(Const::Bool(b)) => b,
                    _ => {
                        return Err(Diagnostic::new(
                            DiagKind::Unsupported,
                            k.value.span,
                            "keepdims must be True or False in Kiln",
                        ))
                    }
                };
            } else {
                rest.push(k.clone());
            }
        }
        Ok((keep, rest))
    }

    /// A reduction's result with `keepdims=True`: the reduced axis kept
    /// with length 1 (a view), or every axis for a reduction of all.
    fn kept(
        &mut self,
        e: TExpr,
        keep: bool,
        ndim: u8,
        axis: Option<i64>,
        span: Span,
    ) -> Result<TExpr> {
        if !keep || e.ty.is_unknown() || ndim == 0 {
            return Ok(e);
        }
        let k = match axis {
            Some(k) if e.ty.as_array().is_some() || ndim == 1 => {
                let n = ndim as i64;
                (if k < 0 { k + n } else { k }) as usize
            }
            _ => {
                // Every axis reduced: an array of ones in its shape.
                let Some(d) = e.ty.scalar_dtype() else {
                    return Ok(e);
                };
                let one = texpr(TExprKind::Const(Const::Int(1)), Type::Int, span);
                let shape = texpr(
                    TExprKind::Tuple(vec![one; ndim as usize]),
                    Type::tuple(vec![Type::Int; ndim as usize]),
                    span,
                );
                return Ok(rt(
                    RtOp::New(Fill::Value),
                    vec![shape, e],
                    Type::array(d, ndim, Layout::C),
                    span,
                ));
            }
        };
        if e.ty.as_array().is_none() {
            // A 1-D array reduced along its axis: a scalar made (1,).
            let d = e.ty.scalar_dtype().unwrap_or(DType::F64);
            let one = texpr(TExprKind::Const(Const::Int(1)), Type::Int, span);
            let shape = texpr(
                TExprKind::Tuple(vec![one]),
                Type::tuple(vec![Type::Int]),
                span,
            );
            return Ok(rt(
                RtOp::New(Fill::Value),
                vec![shape, e],
                Type::array(d, 1, Layout::C),
                span,
            ));
        }
        let all = Expr {
            kind: ExprKind::Slice(None, None, None),
            span,
        };
        let mut items = vec![all; k];
        items.push(Expr {
            kind: ExprKind::None,
            span,
        });
        let idx = Expr {
            kind: ExprKind::Tuple(items),
            span,
        };
        self.subscript_array(e, &idx, span)
    }

    fn reduce_args<'e>(
        &mut self,
        r: Reduction,
        full: &str,
        with_a: bool,
        args: &'e [Expr],
        kwargs: &'e [Keyword],
        span: Span,
    ) -> Result<(Option<&'e Expr>, Option<i64>, Option<DType>)> {
        let names: &[&str] = match r {
            Reduction::Sum | Reduction::Prod | Reduction::Mean => &["a", "axis", "dtype"],
            _ => &["a", "axis"],
        };
        let names = if with_a { names } else { &names[1..] };
        let mut a = self.signature(full, args, kwargs, names, with_a as usize, span)?;
        let first = if with_a { a.remove(0) } else { None };
        let axis = match a[0] {
            None => None,
            Some(e) => match self.prog.const_eval(e) {
                Some(Const::Int(v)) => Some(v),
                Some(Const::None) => None,
                _ => return Err(type_err(e.span, "axis must be a constant integer in Kiln")),
            },
        };
        let dtype = match a.get(1).copied().flatten() {
            Some(e) if !matches!(e.kind, ExprKind::None) => {
                let d = self.dtype_expr(e)?;
                let ok = match r {
                    Reduction::Mean => d.is_float(),
                    _ => d != DType::Bool,
                };
                if !ok {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        e.span,
                        format!("{full}() with dtype {d} is not supported in Kiln"),
                    ));
                }
                Some(d)
            }
            _ => None,
        };
        Ok((first, axis, dtype))
    }

    /// `np.array([...])` with scalar elements, nested lists for 2-D and up.
    pub(super) fn array_literal(
        &mut self,
        e: &Expr,
        dt: Option<DType>,
        span: Span,
    ) -> Result<TExpr> {
        fn walk(
            cx: &mut Cx,
            e: &Expr,
            depth: usize,
            shape: &mut Vec<usize>,
            out: &mut Vec<TExpr>,
        ) -> Result<()> {
            match &e.kind {
                ExprKind::List(items) | ExprKind::Tuple(items) => {
                    if shape.len() == depth {
                        shape.push(items.len());
                    } else if shape[depth] != items.len() || shape.len() < depth {
                        return Err(type_err(
                            e.span,
                            "np.array() needs a rectangular nested list",
                        ));
                    }
                    for i in items {
                        walk(cx, i, depth + 1, shape, out)?;
                    }
                    Ok(())
                }
                _ => {
                    if shape.len() != depth {
                        return Err(type_err(
                            e.span,
                            "np.array() needs a rectangular nested list",
                        ));
                    }
                    let t = cx.expr(e)?;
                    if !t.ty.is_number() && !t.ty.is_unknown() {
                        return Err(type_err(
                            t.span,
                            format!("np.array() elements must be numbers, not {}", t.ty),
                        ));
                    }
                    out.push(t);
                    Ok(())
                }
            }
        }
        let mut shape = Vec::new();
        let mut elems = Vec::new();
        if matches!(e.kind, ExprKind::List(_) | ExprKind::Tuple(_)) {
            walk(self, e, 0, &mut shape, &mut elems)?;
        } else {
            let t = self.expr(e)?;
            match t.ty.as_array() {
                Some(at) => {
                    let Some(d) = dt.filter(|&d| d != at.dtype) else {
                        return self.copy_of(t, span);
                    };
                    let ty = Type::Array(Rc::new(ArrayType {
                        dtype: d,
                        layout: Layout::C,
                        ..at.clone()
                    }));
                    return Ok(rt(RtOp::Astype, vec![t], ty, span));
                }
                // A number makes a 0-d array.
                None if t.ty.is_number() || t.ty.is_unknown() => elems.push(t),
                None => {
                    return Err(type_err(
                        e.span,
                        format!(
                        "np.array() takes a number, an array or a list of numbers in Kiln, not {}",
                        t.ty
                    ),
                    ))
                }
            }
        }
        if elems.iter().any(|x| x.ty.is_unknown()) {
            return Ok(unknown(span));
        }
        if shape.len() > 32 {
            return Err(type_err(span, "too many dimensions"));
        }
        let d = match dt {
            Some(d) => d,
            None if elems.is_empty() => DType::F64,
            None => {
                let tys: Vec<Type> = elems.iter().map(|x| x.ty.clone()).collect();
                result_dtype(&tys).unwrap_or(DType::F64)
            }
        };
        let st = if d.is_float() { Type::Float } else { Type::Int };
        let elems = elems
            .into_iter()
            .map(|x| {
                if x.ty.is_float() && !d.is_float() {
                    x
                } else {
                    x.cast(&st)
                }
            })
            .collect();
        let nd = shape.len() as u8;
        Ok(rt(
            RtOp::FromElems(shape),
            elems,
            Type::array(d, nd, Layout::C),
            span,
        ))
    }

    pub(super) fn copy_of(&mut self, a: TExpr, span: Span) -> Result<TExpr> {
        let Some(at) = a.ty.as_array().cloned() else {
            return self.unknown_or(&a, "np.copy() needs an array");
        };
        let ty = Type::Array(Rc::new(ArrayType {
            layout: Layout::C,
            ..at
        }));
        Ok(rt(RtOp::Copy, vec![a], ty, span))
    }

    /// An elementwise ufunc on arrays and/or scalars.
    pub(super) fn ufunc(&mut self, f: Ufunc, args: Vec<TExpr>, span: Span) -> Result<TExpr> {
        if args.iter().any(|x| x.ty.is_unknown()) {
            return Ok(unknown(span));
        }
        let tys: Vec<Type> = args.iter().map(|x| x.ty.clone()).collect();
        let kinds: Option<Vec<Arg>> = tys.iter().map(arg_of).collect();
        let names = tys
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let kinds = kinds.ok_or_else(|| {
            type_err(
                span,
                format!(
                    "ufunc '{}' is not supported for the input types ({names})",
                    ufunc_name(f)
                ),
            )
        })?;
        let (dt, out) = ufunc_sig(f, &tys)
            .map_err(|m| type_err(span, format!("ufunc '{}' on ({names}): {m}", ufunc_name(f))))?;
        let nd = tys.iter().map(ndim_of).max().unwrap_or(0);
        let ty = if nd == 0 {
            Type::Scalar(out)
        } else {
            let (class, class_name) = self.result_class(f, &tys, span)?;
            Type::Array(Rc::new(ArrayType {
                dtype: out,
                ndim: nd,
                layout: Layout::C,
                class,
                class_name,
            }))
        };
        Ok(rt(RtOp::Ufunc { f, dt, args: kinds }, args, ty, span))
    }

    /// The class of a ufunc's result: the inputs' array subtypes are asked,
    /// through their typing hooks, in NumPy's order (subclasses before their
    /// bases, otherwise left to right); the first that accepts decides. With
    /// no subtype inputs the result is a plain ndarray.
    fn result_class(
        &mut self,
        f: Ufunc,
        tys: &[Type],
        span: Span,
    ) -> Result<(u32, Option<Rc<str>>)> {
        let classes = self.prog.classes.clone();
        let classes = classes.borrow();
        let mut order: Vec<u32> = Vec::new();
        for t in tys {
            let Some(a) = t.as_array() else { continue };
            if a.class == 0 || order.contains(&a.class) {
                continue;
            }
            let at = order
                .iter()
                .position(|&o| o != a.class && classes.is_subclass(a.class, o))
                .unwrap_or(order.len());
            order.insert(at, a.class);
        }
        if order.is_empty() {
            return Ok((0, None));
        }
        let name = ufunc_name(f);
        let mut asked = false;
        for &c in &order {
            if let Some(hook) = classes.hook(c) {
                asked = true;
                if let Some(rc) = hook(&name, "__call__", tys) {
                    let n = if rc == 0 {
                        None
                    } else {
                        Some(classes.name(rc))
                    };
                    return Ok((rc, n));
                }
            }
        }
        if !asked {
            // Subtypes without a hook keep their class, like NumPy's wrapping.
            return Ok((order[0], Some(classes.name(order[0]))));
        }
        let names = tys
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        Err(type_err(span, format!("ufunc '{name}' is not supported for ({names}): every array type's __array_ufunc__ hook declined it"))
            .help("make the array type's hook accept these input types"))
    }

    pub(super) fn reduce(
        &mut self,
        f: Reduction,
        a: TExpr,
        axis: Option<i64>,
        span: Span,
    ) -> Result<TExpr> {
        self.reduce_in(f, a, axis, None, span)
    }

    /// A reduction accumulating in `dtype` when given (`np.sum(a,
    /// dtype=np.int8)`), else in NumPy's default for the array's dtype. A
    /// number reduces as the 0-d array NumPy makes of it.
    pub(super) fn reduce_in(
        &mut self,
        f: Reduction,
        a: TExpr,
        axis: Option<i64>,
        dtype: Option<DType>,
        span: Span,
    ) -> Result<TExpr> {
        let a = match a.ty.scalar_dtype() {
            Some(d) => {
                let sp = a.span;
                let shape = texpr(TExprKind::Tuple(Vec::new()), Type::tuple(Vec::new()), sp);
                rt(
                    RtOp::New(Fill::Value),
                    vec![shape, a],
                    Type::array(d, 0, Layout::C),
                    sp,
                )
            }
            None => a,
        };
        let Some(at) = a.ty.as_array().cloned() else {
            return self.unknown_or(&a, "a reduction needs an array");
        };
        let acc = dtype.unwrap_or_else(|| reduce_acc(f, at.dtype));
        let out = match f {
            Reduction::Min | Reduction::Max => at.dtype,
            _ => acc,
        };
        let (axis, ty) = match axis {
            None => (None, Type::Scalar(out)),
            Some(k) => {
                let n = at.ndim as i64;
                let k2 = if k < 0 { k + n } else { k };
                if !(0..n).contains(&k2) {
                    return Err(type_err(
                        span,
                        format!("axis {k} is out of bounds for array of dimension {n}"),
                    ));
                }
                let ty = if n == 1 {
                    Type::Scalar(out)
                } else {
                    Type::array(out, at.ndim - 1, Layout::C)
                };
                (Some(k2 as u8), ty)
            }
        };
        Ok(rt(RtOp::Reduce { f, axis, acc }, vec![a], ty, span))
    }

    /// `np.dot` (or, with `matmul`, `@` / `np.matmul`, which word errors differently).
    pub(super) fn dot(&mut self, a: TExpr, b: TExpr, span: Span, matmul: bool) -> Result<TExpr> {
        if a.ty.is_unknown() || b.ty.is_unknown() {
            return Ok(unknown(span));
        }
        let (Some(x), Some(y)) = (a.ty.as_array().cloned(), b.ty.as_array().cloned()) else {
            return Err(type_err(
                span,
                format!("np.dot and @ need two arrays, not {} and {}", a.ty, b.ty),
            ));
        };
        if !(1..=2).contains(&x.ndim) || !(1..=2).contains(&y.ndim) {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                "np.dot and @ support 1-D and 2-D arrays in Kiln",
            ));
        }
        let d = DType::promote(x.dtype, y.dtype);
        let d = if d == DType::Bool { DType::Bool } else { d };
        let ty = match (x.ndim, y.ndim) {
            (1, 1) => Type::Scalar(d),
            (2, 2) => Type::array(d, 2, Layout::C),
            _ => Type::array(d, 1, Layout::C),
        };
        Ok(rt(RtOp::Dot(d, matmul), vec![a, b], ty, span))
    }

    /// Typing of `a[...]` on an array: an element, a view, or (with index
    /// arrays) a copy.
    pub(super) fn subscript_array(&mut self, a: TExpr, idx: &Expr, span: Span) -> Result<TExpr> {
        let at = a.ty.as_array().cloned().unwrap();
        let Some(ix) = self.index_items(idx, at.ndim)? else {
            return Ok(unknown(span));
        };
        let ty = ix.result(&at);
        let mut args = ix.args;
        args.insert(0, a);
        let op = if ix.fancy {
            RtOp::Take(ix.kinds)
        } else {
            RtOp::GetItem(ix.kinds)
        };
        Ok(rt(op, args, ty, span))
    }

    /// Is `e` a call `np.nonzero(c)` or `np.where(c)`?
    fn is_nonzero_call(&self, e: &Expr) -> bool {
        let ExprKind::Call { func, args, kwargs } = &e.kind else {
            return false;
        };
        let ExprKind::Attribute(m, f) = &func.kind else {
            return false;
        };
        (f == "nonzero" || (f == "where" && args.len() == 1 && kwargs.is_empty()))
            && matches!(&m.kind, ExprKind::Name(n) if !self.assigned.contains(n)
                && matches!(self.prog.imports.get(n), Some(Import::Module(ModuleKind::Numpy))))
    }

    /// The items of a subscript: their kinds, the expressions they need
    /// (ints, slice bounds, index arrays) and the result's dimensions;
    /// `None` while an item's type is not inferred yet.
    pub(super) fn index_items(&mut self, idx: &Expr, ndim: u8) -> Result<Option<Index>> {
        // A tuple as the whole index (`a[idx]` for an index from
        // np.ndindex or a.shape-like values, `a[np.nonzero(m)]` through a
        // name) indexes with each element.
        let mut from_tuple = None;
        if self.is_nonzero_call(idx) {
            // `a[np.where(c)]`, `a[np.nonzero(c)]` of a 1-D `c`: the one
            // index array, taken from the call, which runs once.
            let t = self.expr(idx)?;
            match &t.ty {
                Type::Tuple(tys) if tys.len() == 1 => {
                    let ty = tys[0].clone();
                    let item = texpr(TExprKind::TupleGet(Box::new(t), 0), ty, idx.span);
                    from_tuple = Some(vec![item]);
                }
                Type::Tuple(_) => {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        idx.span,
                        "indexing with np.nonzero() of an array of several dimensions, written in the subscript, is not supported in Kiln",
                    )
                    .help("assign it to a name first: idx = np.nonzero(m); a[idx]"));
                }
                _ => {}
            }
        } else if let ExprKind::Name(_) = idx.kind {
            let t = self.expr(idx)?;
            if let Type::Tuple(tys) = &t.ty {
                if !tys.iter().all(Type::is_intlike) {
                    let items = (0..tys.len())
                        .map(|k| {
                            texpr(
                                TExprKind::TupleGet(Box::new(t.clone()), k),
                                tys[k].clone(),
                                idx.span,
                            )
                        })
                        .collect::<Vec<_>>();
                    from_tuple = Some(items);
                } else {
                    if tys.len() > ndim as usize {
                        return Err(too_many_indices(idx.span, ndim, tys.len()));
                    }
                    let args = (0..tys.len())
                        .map(|k| {
                            texpr(
                                TExprKind::TupleGet(Box::new(t.clone()), k),
                                tys[k].clone(),
                                idx.span,
                            )
                            .cast(&Type::Int)
                        })
                        .collect();
                    return Ok(Some(Index {
                        kinds: vec![Idx::Int; tys.len()],
                        args,
                        ndim: ndim - tys.len() as u8,
                        fancy: false,
                    }));
                }
            }
        }
        let items: Vec<Item> = match (&idx.kind, from_tuple) {
            (_, Some(items)) => items.into_iter().map(Item::Typed).collect(),
            (ExprKind::Tuple(items), _) => items.iter().map(Item::Ast).collect(),
            _ => vec![Item::Ast(idx)],
        };
        let mut kinds = Vec::new();
        let mut args = Vec::new();
        // Axes indexed, dimensions the basic items keep or add, and the
        // dimensions of the index arrays' broadcast shape.
        let (mut used, mut kept, mut fancy_ndim) = (0usize, 0usize, 0u8);
        let mut pending = false;
        for it in items {
            let t = match it {
                Item::Typed(t) => t,
                Item::Ast(it) => {
                    if let ExprKind::Slice(lo, hi, step) = &it.kind {
                        for b in [lo, hi, step].into_iter().flatten() {
                            args.push(self.int_arg(b, "slice indices")?);
                        }
                        kinds.push(Idx::Slice {
                            lo: lo.is_some(),
                            hi: hi.is_some(),
                            step: step.is_some(),
                        });
                        used += 1;
                        kept += 1;
                        continue;
                    }
                    if let ExprKind::List(items) = &it.kind {
                        // NumPy indexes with the array it makes of the
                        // list: ints index, bools mask. An empty list is
                        // an empty int64 index.
                        let dt = items.is_empty().then_some(DType::I64);
                        self.array_literal(it, dt, it.span)?
                    } else {
                        self.expr(it)?
                    }
                }
            };
            match &t.ty {
                Type::Unknown => {
                    pending = true;
                    continue;
                }
                Type::None => {
                    if !matches!(t.kind, TExprKind::Const(_) | TExprKind::Local(_)) {
                        return Err(Diagnostic::new(
                            DiagKind::Unsupported,
                            t.span,
                            "a new axis must be written None or np.newaxis in Kiln",
                        ));
                    }
                    kinds.push(Idx::NewAxis);
                    kept += 1;
                }
                Type::Bool | Type::Scalar(DType::Bool) => {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        t.span,
                        "a boolean scalar as an index is not supported in Kiln",
                    )
                    .help("index with an int, or with a boolean array as a mask"));
                }
                ty if ty.is_intlike() => {
                    args.push(t.cast(&Type::Int));
                    kinds.push(Idx::Int);
                    used += 1;
                }
                Type::Array(x) => {
                    if x.dtype.is_float() {
                        return Err(type_err(
                            t.span,
                            format!(
                                "arrays used as indices must be of integer (or boolean) type, not {}",
                                t.ty
                            ),
                        ));
                    }
                    if x.ndim == 0 {
                        return Err(Diagnostic::new(
                            DiagKind::Unsupported,
                            t.span,
                            "a 0-d array as an index is not supported in Kiln",
                        )
                        .help("index with an int: a[int(i)]"));
                    }
                    if x.dtype == DType::Bool {
                        kinds.push(Idx::Mask);
                        used += x.ndim as usize;
                        fancy_ndim = fancy_ndim.max(1);
                    } else {
                        kinds.push(Idx::Array);
                        used += 1;
                        fancy_ndim = fancy_ndim.max(x.ndim);
                    }
                    args.push(t);
                }
                ty => {
                    return Err(type_err(
                        t.span,
                        format!("only integers, slices, None (np.newaxis) and integer or boolean arrays are valid indices, not {ty}"),
                    ));
                }
            }
        }
        if used > ndim as usize {
            return Err(too_many_indices(idx.span, ndim, used));
        }
        let out = kept + (ndim as usize - used) + fancy_ndim as usize;
        if out > MAX_NDIM {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                idx.span,
                format!("this index gives an array of {out} dimensions; Kiln arrays have at most {MAX_NDIM}"),
            ));
        }
        if pending {
            return Ok(None);
        }
        Ok(Some(Index {
            kinds,
            args,
            ndim: out as u8,
            fancy: fancy_ndim > 0,
        }))
    }

    /// `a[...] = v` (and, with `aug`, `a[...] op= v`) as a statement.
    pub(super) fn setitem(
        &mut self,
        target: &Expr,
        aug: Option<BinOp>,
        v: TExpr,
        span: Span,
    ) -> Result<TStmtKind> {
        let ExprKind::Subscript(base, idx) = &target.kind else {
            unreachable!()
        };
        if let ExprKind::Attribute(fbase, attr) = &base.kind {
            if attr == "flat" {
                return self.flat_setitem(fbase, idx, aug, v, span);
            }
        }
        if let ExprKind::Name(n) = &base.kind {
            if !self.assigned.contains(n) && self.prog.frozen.contains_key(n) {
                return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    target.span,
                    format!("'{n}' is a module-level array, which functions read frozen (as Numba does): it cannot be assigned to"),
                )
                .help(format!("work on a copy: w = {n}.copy()")));
            }
            if self.readonly.contains(n) {
                return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    target.span,
                    format!("'{n}' is an item of np.nditer, a read-only view: NumPy raises ValueError: assignment destination is read-only"),
                )
                .help("write to the array itself, through an index from np.ndindex(a.shape)"));
            }
        }
        let a = self.expr(base)?;
        if a.ty.is_unknown() {
            return Ok(TStmtKind::Expr(unknown(span)));
        }
        let Some(at) = a.ty.as_array().cloned() else {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                target.span,
                format!(
                    "assigning to an element of a {} is not supported in Kiln",
                    a.ty
                ),
            ));
        };
        // Evaluate the array and the indices once, into hidden locals, so
        // that `a[f()] += 1` calls f once.
        let mut pre = Vec::new();
        let a = self.hidden(a, "arr", &mut pre)?;
        let Some(ix) = self.index_items(idx, at.ndim)? else {
            return Ok(TStmtKind::Expr(unknown(span)));
        };
        let mut idx_locals = Vec::new();
        for x in ix.args.clone() {
            idx_locals.push(self.hidden(x, "idx", &mut pre)?);
        }
        let kinds = ix.kinds.clone();
        let is_elem = !ix.fancy && ix.ndim == 0 && !kinds.contains(&Idx::NewAxis);
        let mut get_args = vec![a.clone()];
        get_args.extend(idx_locals.iter().cloned());
        let v = match aug {
            None => v,
            Some(op) if is_elem => {
                let cur = rt(
                    RtOp::GetItem(kinds.clone()),
                    get_args,
                    Type::Scalar(at.dtype),
                    span,
                );
                self.binary(op, cur, v, span)?
            }
            Some(op) if ix.fancy => {
                // NumPy's `a[idx] += v`: a copy of the selection, the
                // operation in place on it, the copy written back (so a
                // repeated index adds once).
                let cur = rt(RtOp::Take(kinds.clone()), get_args, ix.result(&at), span);
                let cur = self.hidden_always(cur, "sel", &mut pre)?;
                let stmt = self.inplace(op, cur.clone(), v, span)?;
                pre.push(TStmt { kind: stmt, span });
                cur
            }
            Some(op) => {
                // A slice: the operation is in place on the view.
                let view = rt(RtOp::GetItem(kinds.clone()), get_args, ix.result(&at), span);
                let stmt = self.inplace(op, view, v, span)?;
                pre.push(TStmt { kind: stmt, span });
                return Ok(self.seq(pre, span));
            }
        };
        if v.ty.is_unknown() {
            return Ok(TStmtKind::Expr(unknown(span)));
        }
        let vk = arg_of(&v.ty)
            .ok_or_else(|| type_err(v.span, format!("cannot assign a {} into an array", v.ty)))?;
        let mut args = vec![a];
        args.extend(idx_locals);
        args.push(v);
        let op = if ix.fancy {
            RtOp::Put(kinds, vk)
        } else {
            RtOp::SetItem(kinds, vk)
        };
        pre.push(TStmt {
            kind: TStmtKind::Expr(rt(op, args, Type::None, span)),
            span,
        });
        Ok(self.seq(pre, span))
    }

    /// The array and the index of `a.flat[i]`.
    pub(super) fn flat_index(&mut self, base: &Expr, idx: &Expr) -> Result<(TExpr, TExpr)> {
        let a = self.expr(base)?;
        if a.ty.as_array().is_none() && !a.ty.is_unknown() {
            return Err(type_err(
                base.span,
                format!("{} has no attribute 'flat'", a.ty),
            ));
        }
        if let ExprKind::Slice(..) | ExprKind::Tuple(_) = idx.kind {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                idx.span,
                "a.flat takes one integer index in Kiln",
            )
            .help("use a.ravel()[lo:hi] or index the array"));
        }
        let i = self.int_arg(idx, "a.flat indices")?;
        Ok((a, i))
    }

    /// `a.flat[i] = v` (and `a.flat[i] op= v`).
    fn flat_setitem(
        &mut self,
        base: &Expr,
        idx: &Expr,
        aug: Option<BinOp>,
        v: TExpr,
        span: Span,
    ) -> Result<TStmtKind> {
        let (a, i) = self.flat_index(base, idx)?;
        let Some(at) = a.ty.as_array().cloned() else {
            return Ok(TStmtKind::Expr(unknown(span)));
        };
        let mut pre = Vec::new();
        let a = self.hidden(a, "arr", &mut pre)?;
        let i = self.hidden(i, "idx", &mut pre)?;
        let elem = Type::Scalar(at.dtype);
        let v = match aug {
            None => v,
            Some(op) => {
                let cur = rt(
                    RtOp::FlatGet,
                    vec![a.clone(), i.clone()],
                    elem.clone(),
                    span,
                );
                self.binary(op, cur, v, span)?
            }
        };
        if v.ty.is_unknown() {
            return Ok(TStmtKind::Expr(unknown(span)));
        }
        if !v.ty.is_number() {
            return Err(type_err(
                v.span,
                format!("cannot assign a {} to an array element", v.ty),
            ));
        }
        pre.push(TStmt {
            kind: TStmtKind::Expr(rt(
                RtOp::FlatSet,
                vec![a, i, v.cast(&elem)],
                Type::None,
                span,
            )),
            span,
        });
        Ok(self.seq(pre, span))
    }

    /// `x, a[i] = ...`: the value goes to a hidden local, then each target
    /// is assigned its element in order.
    pub(super) fn unpack_to_targets(
        &mut self,
        items: &[Expr],
        v: TExpr,
        span: Span,
    ) -> Result<TStmtKind> {
        let tys: Vec<Type> = match &v.ty {
            Type::Tuple(t) if t.len() == items.len() => t.to_vec(),
            Type::Unknown => return Ok(TStmtKind::Expr(unknown(span))),
            t => {
                return Err(type_err(
                    v.span,
                    format!("cannot unpack a {t} into {} targets", items.len()),
                ))
            }
        };
        let mut pre = Vec::new();
        let tup = self.hidden_always(v, "tuple", &mut pre)?;
        for (k, (item, ty)) in items.iter().zip(tys).enumerate() {
            let elem = texpr(TExprKind::TupleGet(Box::new(tup.clone()), k), ty, item.span);
            let kind = if let ExprKind::Subscript(..) = item.kind {
                self.setitem(item, None, elem, span)?
            } else {
                let (t, e) = self.bind(item, elem)?;
                TStmtKind::Assign(t, e)
            };
            pre.push(TStmt { kind, span });
        }
        Ok(self.seq(pre, span))
    }

    /// Several statements where one is expected.
    pub(super) fn seq(&self, mut stmts: Vec<TStmt>, span: Span) -> TStmtKind {
        if stmts.len() == 1 {
            return stmts.pop().unwrap().kind;
        }
        TStmtKind::If(
            texpr(TExprKind::Const(Const::Bool(true)), Type::Bool, span),
            stmts,
            Vec::new(),
        )
    }

    /// Stores a value in a fresh hidden local (named so no program can
    /// refer to it) and returns a reference to it.
    fn hidden(&mut self, v: TExpr, what: &str, pre: &mut Vec<TStmt>) -> Result<TExpr> {
        if let TExprKind::Local(_) | TExprKind::Const(_) = v.kind {
            return Ok(v);
        }
        let name = format!("${what}{}", v.span.start + pre.len() as u32 * 7919);
        let id = self.assign_local(&name, &v.ty, v.span)?;
        let ty = self.locals[id as usize].ty.clone();
        let span = v.span;
        pre.push(TStmt {
            kind: TStmtKind::Assign(Target::Local(id), v.cast(&ty)),
            span,
        });
        Ok(texpr(TExprKind::Local(id), ty, span))
    }

    /// `a op= v` on an array: computes in place into `a`, which every alias sees.
    pub(super) fn inplace(
        &mut self,
        op: BinOp,
        a: TExpr,
        v: TExpr,
        span: Span,
    ) -> Result<TStmtKind> {
        let Some(f) = binop_ufunc(op) else {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                "in-place @= is not supported in Kiln",
            ));
        };
        if v.ty.is_unknown() {
            return Ok(TStmtKind::Expr(unknown(span)));
        }
        let at = a.ty.as_array().cloned().unwrap();
        let tys = [a.ty.clone(), v.ty.clone()];
        let (dt, out) = ufunc_sig(f, &tys).map_err(|m| {
            type_err(
                span,
                format!("{}= on ({}, {}): {m}", op.symbol(), a.ty, v.ty),
            )
        })?;
        if !can_cast_same_kind(out, at.dtype) {
            return Err(type_err(span, format!("Cannot cast ufunc '{}' output from dtype('{out}') to dtype('{}') with casting rule 'same_kind'", ufunc_name(f), at.dtype))
                .help("assign the result to a new name, or convert with .astype() first"));
        }
        let kinds = vec![
            Arg::Array(at.dtype),
            arg_of(&v.ty).ok_or_else(|| type_err(v.span, "expected a number or an array"))?,
        ];
        Ok(TStmtKind::Expr(rt(
            RtOp::InPlace { f, dt, args: kinds },
            vec![a, v],
            Type::None,
            span,
        )))
    }

    /// `for x in arr`: iterates the first axis through hidden locals.
    pub(super) fn for_array(
        &mut self,
        target: &Expr,
        it: TExpr,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> Result<TStmtKind> {
        let at = it.ty.as_array().cloned().unwrap();
        let span = it.span;
        let mut pre = Vec::new();
        let arr = self.hidden_always(it, "iter", &mut pre)?;
        let len = rt(RtOp::Len, vec![arr.clone()], Type::Int, span);
        let ivar = self.assign_local(&format!("$i{}", span.start), &Type::Int, span)?;
        let elem_ty = if at.ndim == 1 {
            Type::Scalar(at.dtype)
        } else {
            Type::Array(Rc::new(ArrayType {
                ndim: at.ndim - 1,
                layout: Layout::A,
                ..at
            }))
        };
        let elem = rt(
            RtOp::GetItem(vec![Idx::Int]),
            vec![arr, texpr(TExprKind::Local(ivar), Type::Int, span)],
            elem_ty,
            span,
        );
        let (t, v) = self.bind(target, elem)?;
        self.loops += 1;
        let b = self.block(body);
        self.loops -= 1;
        let mut stmts = vec![TStmt {
            kind: TStmtKind::Assign(t, v),
            span,
        }];
        stmts.extend(b?);
        let zero = texpr(TExprKind::Const(Const::Int(0)), Type::Int, span);
        let one = texpr(TExprKind::Const(Const::Int(1)), Type::Int, span);
        pre.push(TStmt {
            kind: TStmtKind::ForRange {
                var: ivar,
                start: zero,
                stop: len,
                step: one,
                body: stmts,
                orelse: self.block(orelse)?,
            },
            span,
        });
        Ok(self.seq(pre, span))
    }

    pub(super) fn hidden_always(
        &mut self,
        v: TExpr,
        what: &str,
        pre: &mut Vec<TStmt>,
    ) -> Result<TExpr> {
        if let TExprKind::Local(_) = v.kind {
            return Ok(v);
        }
        self.hidden(v, what, pre)
    }

    /// Attributes of arrays.
    pub(super) fn array_attr(&mut self, a: TExpr, attr: &str, span: Span) -> Result<TExpr> {
        let at = a.ty.as_array().cloned().unwrap();
        Ok(match attr {
            "shape" => rt(
                RtOp::Shape,
                vec![a],
                Type::tuple(vec![Type::Int; at.ndim as usize]),
                span,
            ),
            "size" => rt(RtOp::Size, vec![a], Type::Int, span),
            "ndim" => texpr(
                TExprKind::Const(Const::Int(at.ndim as i64)),
                Type::Int,
                span,
            ),
            "dtype" => texpr(
                TExprKind::Const(Const::DType(at.dtype)),
                Type::DTypeObj(at.dtype),
                span,
            ),
            "T" => {
                let layout = match at.layout {
                    Layout::C => Layout::F,
                    Layout::F => Layout::C,
                    Layout::A => Layout::A,
                };
                rt(
                    RtOp::Transpose,
                    vec![a],
                    Type::Array(Rc::new(ArrayType { layout, ..at })),
                    span,
                )
            }
            "flat" => {
                return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    span,
                    "a.flat is supported as `for x in a.flat` and `a.flat[i]` in Kiln",
                )
                .help("use a.ravel() for a flat array"))
            }
            "itemsize" => texpr(
                TExprKind::Const(Const::Int(at.dtype.itemsize() as i64)),
                Type::Int,
                span,
            ),
            _ => {
                return Err(type_err(
                    span,
                    format!("arrays have no attribute '{attr}' in Kiln"),
                ))
            }
        })
    }

    /// Methods of arrays.
    pub(super) fn array_method(
        &mut self,
        a: TExpr,
        name: &str,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<TExpr> {
        let at = a.ty.as_array().cloned().unwrap();
        let full = format!("ndarray.{name}");
        if matches!(
            name,
            "round"
                | "clip"
                | "any"
                | "all"
                | "cumsum"
                | "cumprod"
                | "sort"
                | "argsort"
                | "ravel"
                | "flatten"
                | "var"
                | "std"
                | "diagonal"
                | "trace"
        ) {
            let e = self.array_method_more(a, name, args, kwargs, span)?;
            return Ok(e.expect("a method of this list"));
        }
        let red = match name {
            "sum" => Some(Reduction::Sum),
            "prod" => Some(Reduction::Prod),
            "min" => Some(Reduction::Min),
            "max" => Some(Reduction::Max),
            "mean" => Some(Reduction::Mean),
            "argmin" => Some(Reduction::ArgMin),
            "argmax" => Some(Reduction::ArgMax),
            _ => None,
        };
        if let Some(r) = red {
            let (keep, kwargs) = self.keepdims(kwargs)?;
            let (_, axis, dtype) = self.reduce_args(r, &full, false, args, &kwargs, span)?;
            let nd = at.ndim;
            let e = self.reduce_in(r, a, axis, dtype, span)?;
            return self.kept(e, keep, nd, axis, span);
        }
        match name {
            "copy" => {
                self.args_exact(&full, args, kwargs, 0..=0, span)?;
                self.copy_of(a, span)
            }
            "astype" => {
                if args.len() != 1 {
                    return Err(Diagnostic::new(
                        DiagKind::Arity,
                        span,
                        "astype() takes one dtype",
                    ));
                }
                let d = self.dtype_expr(&args[0])?;
                let ty = Type::Array(Rc::new(ArrayType {
                    dtype: d,
                    layout: Layout::C,
                    ..at
                }));
                Ok(rt(RtOp::Astype, vec![a], ty, span))
            }
            "fill" => {
                let v = self.args_exact(&full, args, kwargs, 1..=1, span)?;
                let v = v.into_iter().next().unwrap();
                self.need_number(&full, &v)?;
                Ok(rt(RtOp::FillWith, vec![a, v], Type::None, span))
            }
            "reshape" => {
                if let Some(k) = kwargs.first() {
                    return Err(Diagnostic::new(
                        DiagKind::Arity,
                        k.name_span,
                        "reshape() takes no keyword arguments in Kiln",
                    ));
                }
                let (shape, nd) = if args.len() == 1 {
                    self.shape_arg(&args[0])?
                } else {
                    let mut items = Vec::new();
                    for x in args {
                        let t = self.expr(x)?;
                        if !t.ty.is_intlike() && !t.ty.is_unknown() {
                            return Err(type_err(t.span, "reshape() takes integers"));
                        }
                        items.push(t.cast(&Type::Int));
                    }
                    let ty = Type::tuple(vec![Type::Int; items.len()]);
                    let n = items.len() as u8;
                    (texpr(TExprKind::Tuple(items), ty, span), n)
                };
                if nd == 0 {
                    return Err(Diagnostic::new(
                        DiagKind::Arity,
                        span,
                        "reshape() needs a shape",
                    ));
                }
                let ty = Type::Array(Rc::new(ArrayType {
                    ndim: nd,
                    layout: Layout::A,
                    ..at
                }));
                Ok(rt(RtOp::Reshape, vec![a, shape], ty, span))
            }
            _ => Err(type_err(
                span,
                format!("arrays have no method '{name}' in Kiln"),
            )
            .help("array methods: copy astype reshape fill sum prod min max mean argmin argmax any all cumsum cumprod sort argsort ravel flatten clip round var std diagonal trace; many others are NumPy functions: np.name(a, ...)")),
        }
    }
}

/// NumPy's 'same_kind' casting: within a kind any size, and up the order
/// bool < unsigned < signed < float.
fn can_cast_same_kind(from: DType, to: DType) -> bool {
    let kind = |d: DType| {
        if d == DType::Bool {
            0
        } else if d.is_float() {
            3
        } else if d.is_unsigned() {
            1
        } else {
            2
        }
    };
    let (a, b) = (kind(from), kind(to));
    a <= b
}
