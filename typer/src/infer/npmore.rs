//! More of NumPy: rounding, clipping, truth reductions, cumulative
//! reductions, sorting, concatenation, differences, moments, and the
//! constructors and views of linear algebra. Several are compositions of
//! operations the runtime already has (`np.clip` is a maximum then a
//! minimum, as NumPy computes it); the rest are runtime operations.

use super::arrays::rt;
use super::*;
use crate::types::{ArrayType, DType, Layout};

fn int(v: i64, span: Span) -> TExpr {
    texpr(TExprKind::Const(Const::Int(v)), Type::Int, span)
}

fn float(v: f64, span: Span) -> TExpr {
    texpr(TExprKind::Const(Const::Float(v)), Type::Float, span)
}

fn shape(items: &[i64], span: Span) -> TExpr {
    let v = items.iter().map(|&k| int(k, span)).collect();
    texpr(
        TExprKind::Tuple(v),
        Type::tuple(vec![Type::Int; items.len()]),
        span,
    )
}

fn arr_of(at: &ArrayType, dtype: DType, ndim: u8, layout: Layout) -> Type {
    Type::Array(Rc::new(ArrayType {
        dtype,
        ndim,
        layout,
        ..at.clone()
    }))
}

/// What `var` and `std` were given besides the array.
struct MomentArgs {
    axis: Option<i64>,
    /// The dtype given, and where.
    dtype: Option<(DType, Span)>,
    ddof: i64,
}

impl Cx<'_> {
    /// Positional arguments then keywords, matched to `names` as a Python
    /// signature would; every name after `required` is optional.
    pub(super) fn signature<'e>(
        &self,
        full: &str,
        args: &'e [Expr],
        kwargs: &'e [Keyword],
        names: &[&str],
        required: usize,
        span: Span,
    ) -> Result<Vec<Option<&'e Expr>>> {
        if args.len() > names.len() {
            return Err(Diagnostic::new(
                DiagKind::Arity,
                span,
                format!(
                    "{full}() takes at most {} positional arguments in Kiln ({} given)",
                    names.len(),
                    args.len()
                ),
            ));
        }
        let mut out: Vec<Option<&Expr>> = vec![None; names.len()];
        for (i, a) in args.iter().enumerate() {
            out[i] = Some(a);
        }
        for k in kwargs {
            let Some(i) = names.iter().position(|n| *n == k.name) else {
                return Err(Diagnostic::new(
                    DiagKind::Arity,
                    k.name_span,
                    format!(
                        "{full}() got an unexpected keyword argument '{}' in Kiln",
                        k.name
                    ),
                )
                .help(format!("{full}() takes {}", names.join(", "))));
            };
            if out[i].is_some() {
                return Err(Diagnostic::new(
                    DiagKind::Arity,
                    k.name_span,
                    format!("{full}() got multiple values for argument '{}'", k.name),
                ));
            }
            out[i] = Some(&k.value);
        }
        if let Some(i) = (0..required).find(|&i| out[i].is_none()) {
            return Err(Diagnostic::new(
                DiagKind::Arity,
                span,
                format!("{full}() missing required argument '{}'", names[i]),
            ));
        }
        Ok(out)
    }

    /// A constant integer argument (`decimals`, `axis`, `ddof`, `k`).
    pub(super) fn const_int(&self, e: Option<&Expr>, default: i64, what: &str) -> Result<i64> {
        match e {
            None => Ok(default),
            Some(e) => match self.prog.const_eval(e) {
                Some(Const::Int(v)) => Ok(v),
                Some(Const::Bool(b)) => Ok(b as i64),
                _ => Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    e.span,
                    format!("{what} must be a constant integer in Kiln"),
                )),
            },
        }
    }

    /// An array operand (a number as the 0-d array NumPy makes of it), or
    /// `None` while its type is still unknown.
    pub(super) fn array_operand(
        &mut self,
        e: &Expr,
        full: &str,
    ) -> Result<Option<(TExpr, ArrayType)>> {
        let a = self.expr(e)?;
        if let Some(d) = a.ty.scalar_dtype() {
            let sp = a.span;
            let shape = texpr(TExprKind::Tuple(Vec::new()), Type::tuple(Vec::new()), sp);
            let ty = Type::array(d, 0, Layout::C);
            let at = ty.as_array().cloned().unwrap();
            return Ok(Some((
                rt(RtOp::New(Fill::Value), vec![shape, a], ty, sp),
                at,
            )));
        }
        match a.ty.as_array().cloned() {
            Some(at) => Ok(Some((a, at))),
            None if a.ty.is_unknown() => Ok(None),
            None => Err(type_err(
                a.span,
                format!("{full}() needs an array in Kiln, not {}", a.ty),
            )),
        }
    }

    /// An axis of an array of `ndim` dimensions, normalised.
    pub(super) fn axis_of(&self, k: i64, ndim: u8, span: Span) -> Result<u8> {
        let n = ndim as i64;
        let j = if k < 0 { k + n } else { k };
        if !(0..n).contains(&j) {
            return Err(type_err(
                span,
                format!("axis {k} is out of bounds for array of dimension {n}"),
            ));
        }
        Ok(j as u8)
    }

    /// The NumPy functions of this module: `None` when `name` is none.
    pub(super) fn call_numpy_more(
        &mut self,
        name: &str,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<Option<TExpr>> {
        let full = format!("np.{name}");
        let e = match name {
            "round" | "around" => {
                let a = self.signature(&full, args, kwargs, &["a", "decimals"], 1, span)?;
                let d = self.const_int(a[1], 0, "decimals")?;
                let x = self.expr(a[0].unwrap())?;
                self.round_to(x, d, span)?
            }
            "clip" => {
                let a = self.signature(&full, args, kwargs, &["a", "a_min", "a_max"], 3, span)?;
                let x = self.expr(a[0].unwrap())?;
                self.clip(x, a[1].unwrap(), a[2].unwrap(), span)?
            }
            "any" | "all" | "count_nonzero" => {
                let a = self.signature(&full, args, kwargs, &["a", "axis"], 1, span)?;
                let Some((x, _)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let axis = match a[1] {
                    Some(e) if !matches!(e.kind, ExprKind::None) => {
                        Some(self.const_int(Some(e), 0, "axis")?)
                    }
                    _ => None,
                };
                self.truth_reduce(name, x, axis, span)?
            }
            "cumsum" | "cumprod" => {
                let a = self.signature(&full, args, kwargs, &["a", "axis", "dtype"], 1, span)?;
                let Some((x, _)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let (axis, dtype) = self.cumulate_args(a[1], a[2])?;
                self.cumulate(name, x, axis, dtype, span)?
            }
            "sort" | "argsort" => {
                let names = ["a", "axis", "kind", "order", "stable"];
                let a = self.signature(&full, args, kwargs, &names, 1, span)?;
                let axis = self.sort_axis(&a[1..], &full)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                self.sorted(name == "argsort", false, x, &at, axis, span)?
            }
            "ravel" => {
                let a = self.signature(&full, args, kwargs, &["a"], 1, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                self.ravel(x, &at, false, span)
            }
            "outer" => {
                let a = self.signature(&full, args, kwargs, &["a", "b"], 2, span)?;
                let (Some((x, xt)), Some((y, yt))) = (
                    self.array_operand(a[0].unwrap(), &full)?,
                    self.array_operand(a[1].unwrap(), &full)?,
                ) else {
                    return Ok(Some(unknown(span)));
                };
                let col = rt(
                    RtOp::Reshape,
                    vec![x, shape(&[-1, 1], span)],
                    arr_of(&xt, xt.dtype, 2, Layout::A),
                    span,
                );
                let row = rt(
                    RtOp::Reshape,
                    vec![y, shape(&[1, -1], span)],
                    arr_of(&yt, yt.dtype, 2, Layout::A),
                    span,
                );
                self.ufunc(Ufunc::Multiply, vec![col, row], span)?
            }
            "diagonal" | "trace" => {
                let a = self.signature(&full, args, kwargs, &["a"], 1, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                if at.ndim != 2 {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        x.span,
                        format!(
                            "{full}() of a {}-D array is not supported in Kiln; it needs a 2-D one",
                            at.ndim
                        ),
                    ));
                }
                let d = rt(
                    RtOp::Diagonal,
                    vec![x],
                    arr_of(&at, at.dtype, 1, Layout::A),
                    span,
                );
                if name == "trace" {
                    self.reduce(Reduction::Sum, d, None, span)?
                } else {
                    d
                }
            }
            "eye" | "identity" => {
                let names: &[&str] = if name == "eye" {
                    &["N", "M", "k", "dtype"]
                } else {
                    &["n", "dtype"]
                };
                let a = self.signature(&full, args, kwargs, names, 1, span)?;
                let n = self.int_arg(a[0].unwrap(), "np.eye() sizes")?;
                let (m, k, dt) = if name == "eye" {
                    let m = match a[1] {
                        Some(e) if !matches!(e.kind, ExprKind::None) => {
                            self.int_arg(e, "np.eye() sizes")?
                        }
                        _ => n.clone(),
                    };
                    let k = match a[2] {
                        Some(e) => self.int_arg(e, "np.eye()'s k")?,
                        None => int(0, span),
                    };
                    (m, k, a[3])
                } else {
                    (n.clone(), int(0, span), a[1])
                };
                let d = match dt {
                    Some(e) => self.dtype_expr(e)?,
                    None => DType::F64,
                };
                rt(RtOp::Eye, vec![n, m, k], Type::array(d, 2, Layout::C), span)
            }
            "concatenate" => {
                let a = self.signature(&full, args, kwargs, &["arrays", "axis"], 1, span)?;
                let axis = self.const_int(a[1], 0, "axis")?;
                self.concatenate(a[0].unwrap(), axis, false, span)?
            }
            "stack" => {
                let a = self.signature(&full, args, kwargs, &["arrays", "axis"], 1, span)?;
                let axis = self.const_int(a[1], 0, "axis")?;
                self.concatenate(a[0].unwrap(), axis, true, span)?
            }
            "reshape" => {
                let a = self.signature(&full, args, kwargs, &["a", "shape"], 2, span)?;
                let Some((x, _)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let shape = std::slice::from_ref(a[1].unwrap());
                self.array_method(x, "reshape", shape, &[], span)?
            }
            "transpose" => {
                let a = self.signature(&full, args, kwargs, &["a"], 1, span)?;
                let Some((x, _)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                self.array_attr(x, "T", span)?
            }
            "size" | "shape" | "ndim" => {
                let a = self.signature(&full, args, kwargs, &["a"], 1, span)?;
                let Some((x, _)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                self.array_attr(x, name, span)?
            }
            "flip" | "fliplr" | "flipud" => {
                let names: &[&str] = if name == "flip" {
                    &["m", "axis"]
                } else {
                    &["m"]
                };
                let a = self.signature(&full, args, kwargs, names, 1, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let sp = x.span;
                let all = Expr {
                    kind: ExprKind::Slice(None, None, None),
                    span: sp,
                };
                let minus_one = Box::new(Expr {
                    kind: ExprKind::Int(-1),
                    span: sp,
                });
                let back = Expr {
                    kind: ExprKind::Slice(None, None, Some(minus_one)),
                    span: sp,
                };
                // A view with the axes reversed: `a[::-1]`, `a[:, ::-1]`, ...
                let items = match name {
                    "fliplr" if at.ndim < 2 => return Err(type_err(sp, "Input must be >= 2-d.")),
                    "flipud" if at.ndim < 1 => return Err(type_err(sp, "Input must be >= 1-d.")),
                    "fliplr" => vec![all, back],
                    "flipud" => vec![back],
                    _ => match a
                        .get(1)
                        .copied()
                        .flatten()
                        .filter(|e| !matches!(e.kind, ExprKind::None))
                    {
                        Some(e) => {
                            let k = self.const_int(Some(e), 0, "axis")?;
                            let k = self.axis_of(k, at.ndim, e.span)?;
                            let mut v = vec![all; k as usize];
                            v.push(back);
                            v
                        }
                        None => vec![back; at.ndim as usize],
                    },
                };
                let idx = Expr {
                    kind: ExprKind::Tuple(items),
                    span: sp,
                };
                self.subscript_array(x, &idx, span)?
            }
            "expand_dims" => {
                let a = self.signature(&full, args, kwargs, &["a", "axis"], 2, span)?;
                let k = self.const_int(a[1], 0, "axis")?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let k = self.axis_of(k, at.ndim + 1, a[1].unwrap().span)?;
                // `a[:, ..., None]`: a view with the new axis at `k`.
                let sp = a[1].unwrap().span;
                let mut items = vec![
                    Expr {
                        kind: ExprKind::Slice(None, None, None),
                        span: sp
                    };
                    k as usize
                ];
                items.push(Expr {
                    kind: ExprKind::None,
                    span: sp,
                });
                let idx = Expr {
                    kind: ExprKind::Tuple(items),
                    span: sp,
                };
                self.subscript_array(x, &idx, span)?
            }
            "vstack" | "row_stack" | "hstack" | "column_stack" => {
                let a = self.signature(&full, args, kwargs, &["tup"], 1, span)?;
                self.stack_as(name, a[0].unwrap(), span)?
            }
            "diff" => {
                let a = self.signature(&full, args, kwargs, &["a", "n", "axis"], 1, span)?;
                let n = self.const_int(a[1], 1, "n")?;
                let Some((mut x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let axis = match a[2] {
                    Some(e) => {
                        let k = self.const_int(Some(e), -1, "axis")?;
                        Some((self.axis_of(k, at.ndim.max(1), e.span)?, e.span))
                    }
                    None => None,
                };
                // Along the first axis of a 2-D array: the last axis of its
                // transpose, transposed back.
                let flip = match axis {
                    Some((k, _)) if at.ndim == 2 && k == 0 => true,
                    Some((k, sp)) if k + 1 != at.ndim => {
                        return Err(Diagnostic::new(
                            DiagKind::Unsupported,
                            sp,
                            "np.diff() along an axis other than the last (or the first of a 2-D array) is not supported in Kiln",
                        ))
                    }
                    _ => false,
                };
                if flip {
                    let ty = arr_of(&at, at.dtype, 2, Layout::A);
                    x = rt(RtOp::Transpose, vec![x], ty, span);
                }
                if n < 0 {
                    return Err(type_err(
                        span,
                        format!("order must be non-negative but got {n}"),
                    ));
                }
                if at.dtype == DType::Bool {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        span,
                        "np.diff() of a bool array is not supported in Kiln",
                    ));
                }
                for _ in 0..n {
                    x = rt(
                        RtOp::Diff,
                        vec![x],
                        arr_of(&at, at.dtype, at.ndim, Layout::C),
                        span,
                    );
                }
                if flip {
                    let ty = arr_of(&at, at.dtype, 2, Layout::F);
                    x = rt(RtOp::Transpose, vec![x], ty, span);
                }
                x
            }
            "var" | "std" => {
                let names = ["a", "axis", "dtype", "out", "ddof"];
                let a = self.signature(&full, args, kwargs, &names, 1, span)?;
                let m = self.moment_args(&full, &a[1..])?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                self.moment(name == "std", x, &at, m, span)?
            }
            "percentile" | "quantile" => {
                let names = [
                    "a",
                    "q",
                    "axis",
                    "out",
                    "overwrite_input",
                    "method",
                    "keepdims",
                    "weights",
                    "interpolation",
                ];
                let a = self.signature(&full, args, kwargs, &names, 2, span)?;
                self.quantile_options(&full, &a[3..])?;
                let axis = match a[2].filter(|e| !matches!(e.kind, ExprKind::None)) {
                    Some(e) => Some(self.const_int(Some(e), 0, "axis")?),
                    None => None,
                };
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let qe = a[1].unwrap();
                let q = match &qe.kind {
                    // A list of numbers is the array NumPy makes of it.
                    ExprKind::List(_) | ExprKind::Tuple(_) => {
                        self.call_numpy("array", qe.span, std::slice::from_ref(qe), &[], qe.span)?
                    }
                    _ => self.expr(qe)?,
                };
                self.quantile(name == "percentile", x, &at, q, axis, span)?
            }
            "median" => {
                let a = self.signature(&full, args, kwargs, &["a"], 1, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(Some(unknown(span)));
                };
                let d = if at.dtype == DType::F32 {
                    DType::F32
                } else {
                    DType::F64
                };
                rt(RtOp::Median, vec![x], Type::Scalar(d), span)
            }
            _ => return Ok(None),
        };
        Ok(Some(e))
    }

    /// The array methods of this module: `None` when `name` is none.
    pub(super) fn array_method_more(
        &mut self,
        a: TExpr,
        name: &str,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<Option<TExpr>> {
        let at = a.ty.as_array().cloned().unwrap();
        let full = format!("ndarray.{name}");
        let e = match name {
            "round" => {
                let x = self.signature(&full, args, kwargs, &["decimals"], 0, span)?;
                let d = self.const_int(x[0], 0, "decimals")?;
                self.round_to(a, d, span)?
            }
            "clip" => {
                let x = self.signature(&full, args, kwargs, &["min", "max"], 2, span)?;
                self.clip(a, x[0].unwrap(), x[1].unwrap(), span)?
            }
            "any" | "all" => {
                let x = self.signature(&full, args, kwargs, &["axis"], 0, span)?;
                let axis = match x[0] {
                    Some(e) if !matches!(e.kind, ExprKind::None) => {
                        Some(self.const_int(Some(e), 0, "axis")?)
                    }
                    _ => None,
                };
                self.truth_reduce(name, a, axis, span)?
            }
            "cumsum" | "cumprod" => {
                let x = self.signature(&full, args, kwargs, &["axis", "dtype"], 0, span)?;
                let (axis, dtype) = self.cumulate_args(x[0], x[1])?;
                self.cumulate(name, a, axis, dtype, span)?
            }
            "sort" | "argsort" => {
                let names = ["axis", "kind", "order", "stable"];
                let x = self.signature(&full, args, kwargs, &names, 0, span)?;
                let axis = self.sort_axis(&x, &full)?;
                let arg = name == "argsort";
                self.sorted(arg, !arg, a, &at, axis, span)?
            }
            "ravel" | "flatten" => {
                self.signature(&full, args, kwargs, &[], 0, span)?;
                return Ok(Some(self.ravel(a, &at, name == "flatten", span)));
            }
            "var" | "std" => {
                let names = ["axis", "dtype", "out", "ddof"];
                let x = self.signature(&full, args, kwargs, &names, 0, span)?;
                let m = self.moment_args(&full, &x)?;
                return Ok(Some(self.moment(name == "std", a, &at, m, span)?));
            }
            "diagonal" | "trace" => {
                self.signature(&full, args, kwargs, &[], 0, span)?;
                if at.ndim != 2 {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        span,
                        format!(
                            "{full}() of a {}-D array is not supported in Kiln; it needs a 2-D one",
                            at.ndim
                        ),
                    ));
                }
                let d = rt(
                    RtOp::Diagonal,
                    vec![a],
                    arr_of(&at, at.dtype, 1, Layout::A),
                    span,
                );
                if name == "trace" {
                    self.reduce(Reduction::Sum, d, None, span)?
                } else {
                    d
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(e))
    }

    /// The axis of `sort`/`argsort` (`None`: the flattened array) after
    /// checking `kind`, `order` and `stable` as NumPy does.
    fn sort_axis(&self, a: &[Option<&Expr>], method: &str) -> Result<Option<i64>> {
        let (axis, kind, order, stable) = (a[0], a[1], a[2], a[3]);
        if let Some(e) = order.filter(|e| !matches!(e.kind, ExprKind::None)) {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                e.span,
                "sorting by fields (order=) needs a structured array, which Kiln does not have",
            ));
        }
        let kind = kind.filter(|e| !matches!(e.kind, ExprKind::None));
        if let Some(e) = kind {
            // NumPy reads the first letter: quicksort, heapsort, mergesort, stable.
            let k = self.str_literal(e, "the sort kind")?;
            if !k.starts_with(['q', 'Q', 'h', 'H', 'm', 'M', 's', 'S']) {
                return Err(type_err(
                    e.span,
                    format!("sort kind must be one of 'quick', 'heap', or 'stable' (got '{k}')"),
                ));
            }
        }
        if let Some(e) = stable.filter(|e| !matches!(e.kind, ExprKind::None)) {
            if !matches!(self.prog.const_eval(e), Some(Const::Bool(_))) {
                return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    e.span,
                    "stable must be True, False or None, written as a constant",
                ));
            }
            if kind.is_some() {
                return Err(type_err(
                    e.span,
                    "`kind` and keyword parameters can't be provided at the same time. Use only one of them.",
                ));
            }
        }
        match axis {
            None => Ok(Some(-1)),
            Some(e) if matches!(e.kind, ExprKind::None) => {
                if method == "ndarray.sort" {
                    return Err(type_err(
                        e.span,
                        "'NoneType' object cannot be interpreted as an integer",
                    )
                    .help("sort a flattened copy instead: np.sort(a, axis=None)"));
                }
                Ok(None)
            }
            Some(e) => Ok(Some(self.const_int(Some(e), -1, "axis")?)),
        }
    }

    /// `np.sort` / `np.argsort` (`arg`) of an array along `axis`, or of the
    /// flattened array (`None`); with `in_place`, `a.sort(axis)`.
    fn sorted(
        &mut self,
        arg: bool,
        in_place: bool,
        x: TExpr,
        at: &ArrayType,
        axis: Option<i64>,
        span: Span,
    ) -> Result<TExpr> {
        let (x, at) = match axis {
            Some(_) => (x, at.clone()),
            None => {
                let flat = self.ravel(x, at, false, span);
                let at = flat.ty.as_array().cloned().unwrap();
                (flat, at)
            }
        };
        let k = self.axis_of(axis.unwrap_or(0), at.ndim, span)?;
        Ok(if arg {
            rt(
                RtOp::ArgSort(k),
                vec![x],
                arr_of(&at, DType::I64, at.ndim, Layout::C),
                span,
            )
        } else if in_place {
            rt(RtOp::Sort { in_place, axis: k }, vec![x], Type::None, span)
        } else {
            rt(
                RtOp::Sort { in_place, axis: k },
                vec![x],
                arr_of(&at, at.dtype, at.ndim, Layout::C),
                span,
            )
        })
    }

    /// `a.ravel()` (a view when it can be) or `a.flatten()` (a copy).
    fn ravel(&mut self, x: TExpr, at: &ArrayType, copy: bool, span: Span) -> TExpr {
        let x = if copy {
            rt(
                RtOp::Copy,
                vec![x],
                arr_of(at, at.dtype, at.ndim, Layout::C),
                span,
            )
        } else {
            x
        };
        rt(
            RtOp::Reshape,
            vec![x, shape(&[-1], span)],
            arr_of(at, at.dtype, 1, Layout::A),
            span,
        )
    }

    /// `var`'s and `std`'s `axis` (a constant, or None for every element),
    /// `dtype` (the accumulator), `out` (only None in Kiln) and `ddof`.
    fn moment_args(&mut self, full: &str, a: &[Option<&Expr>]) -> Result<MomentArgs> {
        fn given(e: Option<&Expr>) -> Option<&Expr> {
            e.filter(|e| !matches!(e.kind, ExprKind::None))
        }
        if let Some(e) = given(a[2]) {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                e.span,
                format!("{full}() with out= is not supported in Kiln; use the result it returns"),
            ));
        }
        let axis = match given(a[0]) {
            Some(e) => Some(self.const_int(Some(e), 0, "axis")?),
            None => None,
        };
        let dtype = match given(a[1]) {
            Some(e) => {
                let d = self.dtype_expr(e)?;
                if d == DType::Bool {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        e.span,
                        format!("{full}() with dtype bool is not supported in Kiln; give a number dtype"),
                    ));
                }
                Some((d, e.span))
            }
            None => None,
        };
        let ddof = self.const_int(a[3], 0, "ddof")?;
        Ok(MomentArgs { axis, dtype, ddof })
    }

    /// `np.var` / `np.std`: a float of every element, or along an axis an
    /// array of the others (a float for a 1-D array).
    fn moment(
        &mut self,
        std: bool,
        x: TExpr,
        at: &ArrayType,
        m: MomentArgs,
        span: Span,
    ) -> Result<TExpr> {
        // NumPy accumulates integers and bools in float64.
        let acc = m.dtype.map_or(
            if at.dtype == DType::F32 {
                DType::F32
            } else {
                DType::F64
            },
            |d| d.0,
        );
        let dev = DType::promote(at.dtype, acc);
        let axis = match m.axis {
            Some(k) => Some(self.axis_of(k, at.ndim, span)?),
            None => None,
        };
        if let Some((d, sp)) = m.dtype.filter(|d| !d.0.is_float()) {
            // An integer dtype sums in it: NumPy's `add` will not cast
            // floats to it, and `sqrt` will not write floats into it.
            if at.dtype.is_float() {
                return Err(type_err(
                    sp,
                    format!("Cannot cast ufunc 'add' input from dtype('{}') to dtype('{d}') with casting rule 'same_kind'", at.dtype),
                ));
            }
            if std && axis.is_some() && at.ndim > 1 {
                return Err(type_err(
                    sp,
                    format!("Cannot cast ufunc 'sqrt' output from dtype('float64') to dtype('{d}') with casting rule 'same_kind'"),
                )
                .help("give a float dtype, or take np.sqrt of np.var"));
            }
        }
        let (axis, ty) = match axis {
            Some(k) if at.ndim > 1 => (Some(k), Type::array(acc, at.ndim - 1, Layout::C)),
            _ => (None, Type::Scalar(acc)),
        };
        let op = RtOp::Var {
            std,
            ddof: m.ddof,
            axis,
            acc,
            dev,
        };
        Ok(rt(op, vec![x], ty, span))
    }

    /// `percentile`'s and `quantile`'s options past `axis`: Kiln takes
    /// them only as their defaults.
    fn quantile_options(&mut self, full: &str, a: &[Option<&Expr>]) -> Result<()> {
        let names = [
            "out",
            "overwrite_input",
            "method",
            "keepdims",
            "weights",
            "interpolation",
        ];
        for (e, what) in a.iter().zip(names) {
            let Some(e) = *e else { continue };
            let default = match (what, self.prog.const_eval(e)) {
                (_, Some(Const::None)) => what != "overwrite_input" && what != "keepdims",
                ("overwrite_input" | "keepdims", Some(Const::Bool(b))) => !b,
                ("method", Some(Const::Str(m))) => m == "linear",
                _ => false,
            };
            if !default {
                let help = match what {
                    "method" => "; only the default, method='linear'",
                    "overwrite_input" | "keepdims" => "; only False",
                    _ => "",
                };
                return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    e.span,
                    format!("{full}() with this {what}= is not supported in Kiln{help}"),
                ));
            }
        }
        Ok(())
    }

    /// `np.percentile(a, q)` / `np.quantile(a, q)` with a Python number `q`:
    /// a float (float32 for float32), or of `quantile` with an int `q` the
    /// element itself, in the array's dtype; along an axis, an array of the
    /// other axes.
    fn quantile(
        &mut self,
        percent: bool,
        x: TExpr,
        at: &ArrayType,
        q: TExpr,
        axis: Option<i64>,
        span: Span,
    ) -> Result<TExpr> {
        let full = if percent {
            "np.percentile"
        } else {
            "np.quantile"
        };
        if at.dtype == DType::Bool {
            return Err(type_err(
                x.span,
                format!("{full}() of a bool array: NumPy cannot subtract booleans; convert with .astype(np.int64)"),
            ));
        }
        let int_q = match &q.ty {
            Type::Int => true,
            Type::Float => false,
            t if t.is_unknown() => return Ok(unknown(span)),
            Type::Array(qt) => return self.quantiles(percent, x, at, q.clone(), qt, axis, span),
            t => {
                return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    q.span,
                    format!(
                        "{full}() with q of type {t} is not supported in Kiln; give a Python int or float"
                    ),
                ))
            }
        };
        let dt = if int_q && !percent {
            at.dtype
        } else if at.dtype == DType::F32 {
            DType::F32
        } else {
            DType::F64
        };
        let axis = match axis {
            Some(k) => Some(self.axis_of(k, at.ndim, span)?),
            None => None,
        };
        let (axis, ty) = match axis {
            Some(k) if at.ndim > 1 => (Some(k), Type::array(dt, at.ndim - 1, Layout::C)),
            _ => (None, Type::Scalar(dt)),
        };
        Ok(rt(RtOp::Quantile { percent, axis }, vec![x, q], ty, span))
    }

    /// `np.quantile` / `np.percentile` with an array of `q`s: the result's
    /// first axes are `q`'s, one quantile for each, in float64.
    #[allow(clippy::too_many_arguments)]
    fn quantiles(
        &mut self,
        percent: bool,
        x: TExpr,
        at: &ArrayType,
        q: TExpr,
        qt: &ArrayType,
        axis: Option<i64>,
        span: Span,
    ) -> Result<TExpr> {
        let full = if percent {
            "np.percentile"
        } else {
            "np.quantile"
        };
        let q = match qt.dtype {
            DType::F64 => q,
            d if percent && !d.is_float() && d != DType::Bool => {
                let ty = Type::array(DType::F64, qt.ndim, Layout::C);
                rt(RtOp::Astype, vec![q], ty, span)
            }
            d => {
                let what = if percent {
                    "numbers"
                } else {
                    "float64 fractions"
                };
                return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    q.span,
                    format!(
                        "{full}() with q an array of {d} is not supported in Kiln; give {what}"
                    ),
                )
                .help("convert with .astype(np.float64)"));
            }
        };
        if at.dtype == DType::F32 {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                x.span,
                format!("{full}() of a float32 array with an array of q is not supported in Kiln"),
            )
            .help("convert the data with .astype(np.float64), or give one q at a time"));
        }
        let axis = match axis {
            Some(k) => Some(self.axis_of(k, at.ndim, span)?),
            None => None,
        };
        let (axis, rest) = match axis {
            Some(k) if at.ndim > 1 => (Some(k), at.ndim - 1),
            _ => (None, 0),
        };
        let nd = qt.ndim + rest;
        if nd as usize > crate::types::MAX_NDIM {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                format!(
                    "{full}() would give more than {} dimensions",
                    crate::types::MAX_NDIM
                ),
            ));
        }
        let ty = Type::array(DType::F64, nd, Layout::C);
        Ok(rt(RtOp::Quantile { percent, axis }, vec![x, q], ty, span))
    }

    /// NumPy's rounding to `decimals` (`np.round`): of an array, a scale by
    /// a power of ten, `rint`, and the scale back, as NumPy computes it; an
    /// integer array is unchanged for `decimals >= 0` and otherwise rounded
    /// in float64 and converted back.
    fn round_to(&mut self, x: TExpr, decimals: i64, span: Span) -> Result<TExpr> {
        if x.ty.is_unknown() {
            return Ok(unknown(span));
        }
        let Some(at) = x.ty.as_array().cloned() else {
            if !x.ty.is_number() {
                return Err(type_err(
                    x.span,
                    format!("np.round() needs a number or an array, not {}", x.ty),
                ));
            }
            // A scalar: NumPy's scalar rounding, to a NumPy scalar.
            let d = match x.ty.scalar_dtype().unwrap() {
                DType::Bool => DType::I64,
                d => d,
            };
            let f = if d.is_float() {
                ScalarFn::RoundNp(d)
            } else {
                ScalarFn::RoundInt
            };
            let x = if d.is_float() {
                x.cast(&Type::Scalar(d))
            } else {
                x.cast(&Type::Int)
            };
            return Ok(rt(
                RtOp::Scalar(f),
                vec![x, int(decimals, span)],
                Type::Scalar(d),
                span,
            ));
        };
        if !at.dtype.is_float() && decimals >= 0 {
            return self.copy_of(x, span);
        }
        let p = 10f64.powi(decimals.unsigned_abs().min(400) as i32);
        let (scale, back) = if decimals >= 0 {
            (Ufunc::Multiply, Ufunc::TrueDivide)
        } else {
            (Ufunc::TrueDivide, Ufunc::Multiply)
        };
        let y = if decimals == 0 {
            self.ufunc(Ufunc::Rint, vec![x], span)?
        } else {
            let y = self.ufunc(scale, vec![x, float(p, span)], span)?;
            let y = self.ufunc(Ufunc::Rint, vec![y], span)?;
            self.ufunc(back, vec![y, float(p, span)], span)?
        };
        if at.dtype.is_float() {
            return Ok(y);
        }
        let ty = arr_of(&at, at.dtype, at.ndim, Layout::C);
        Ok(rt(RtOp::Astype, vec![y], ty, span))
    }

    /// `np.clip(a, lo, hi)`: the maximum with `lo`, then the minimum with
    /// `hi` (NaNs propagate); `None` leaves that side open.
    fn clip(&mut self, x: TExpr, lo: &Expr, hi: &Expr, span: Span) -> Result<TExpr> {
        let mut y = x;
        if !matches!(lo.kind, ExprKind::None) {
            let l = self.expr(lo)?;
            y = self.ufunc(Ufunc::Maximum, vec![y, l], span)?;
        }
        if !matches!(hi.kind, ExprKind::None) {
            let h = self.expr(hi)?;
            y = self.ufunc(Ufunc::Minimum, vec![y, h], span)?;
        }
        if matches!(lo.kind, ExprKind::None) && matches!(hi.kind, ExprKind::None) {
            return Err(type_err(span, "One of max or min must be given"));
        }
        Ok(y)
    }

    /// `np.any`, `np.all` and `np.count_nonzero`, from the count of the
    /// elements that are true (nonzero; NaN is true) or false.
    pub(super) fn truth_reduce(
        &mut self,
        name: &str,
        x: TExpr,
        axis: Option<i64>,
        span: Span,
    ) -> Result<TExpr> {
        if x.ty.is_unknown() {
            return Ok(unknown(span));
        }
        if x.ty.as_array().is_none() {
            return Err(type_err(
                x.span,
                format!("np.{name}() needs an array in Kiln, not {}", x.ty),
            ));
        }
        let test = if name == "all" {
            Ufunc::Equal
        } else {
            Ufunc::NotEqual
        };
        let t = self.ufunc(test, vec![x, int(0, span)], span)?;
        let n = self.reduce(Reduction::Sum, t, axis, span)?;
        if name == "count_nonzero" {
            // An int64 count (NumPy 2.3 on; earlier a Python int).
            return Ok(n);
        }
        let cmp = if name == "all" {
            Ufunc::Equal
        } else {
            Ufunc::Greater
        };
        self.ufunc(cmp, vec![n, int(0, span)], span)
    }

    /// `cumsum`'s and `cumprod`'s `axis` (None: the flattened array) and
    /// `dtype`.
    fn cumulate_args(
        &mut self,
        axis: Option<&Expr>,
        dtype: Option<&Expr>,
    ) -> Result<(Option<i64>, Option<DType>)> {
        let axis = match axis {
            Some(e) if !matches!(e.kind, ExprKind::None) => {
                Some(self.const_int(Some(e), 0, "axis")?)
            }
            _ => None,
        };
        let dtype = match dtype {
            Some(e) if !matches!(e.kind, ExprKind::None) => {
                let d = self.dtype_expr(e)?;
                if d == DType::Bool {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        e.span,
                        "accumulating in bool is not supported in Kiln",
                    ));
                }
                Some(d)
            }
            _ => None,
        };
        Ok((axis, dtype))
    }

    /// `np.cumsum` / `np.cumprod`, accumulating as NumPy's sum and product
    /// do, or in `dtype`.
    fn cumulate(
        &mut self,
        name: &str,
        x: TExpr,
        axis: Option<i64>,
        dtype: Option<DType>,
        span: Span,
    ) -> Result<TExpr> {
        if x.ty.is_unknown() {
            return Ok(unknown(span));
        }
        let Some(at) = x.ty.as_array().cloned() else {
            return Err(type_err(
                x.span,
                format!("np.{name}() needs an array in Kiln, not {}", x.ty),
            ));
        };
        let f = if name == "cumprod" {
            Reduction::Prod
        } else {
            Reduction::Sum
        };
        let acc = dtype.unwrap_or(match at.dtype {
            DType::Bool | DType::I8 | DType::I16 | DType::I32 => DType::I64,
            DType::U8 | DType::U16 | DType::U32 => DType::U64,
            d => d,
        });
        let (axis, ty) = match axis {
            None => (None, arr_of(&at, acc, 1, Layout::C)),
            Some(k) => (
                Some(self.axis_of(k, at.ndim, span)?),
                arr_of(&at, acc, at.ndim, Layout::C),
            ),
        };
        Ok(rt(RtOp::Cumulate { f, axis, acc }, vec![x], ty, span))
    }

    /// `np.concatenate((a, b, ...), axis)` of arrays of one dimension
    /// count, or with `stack`, `np.stack((a, b, ...), axis)` of arrays of
    /// one shape along a new axis.
    /// `np.vstack`, `np.hstack` and `np.column_stack`: each array made 2-D
    /// (1-D for `hstack`) as NumPy's `atleast_2d` does, a 1-D column for
    /// `column_stack`, then concatenated along the axis NumPy picks.
    fn stack_as(&mut self, name: &str, seq: &Expr, span: Span) -> Result<TExpr> {
        let items = self.array_items(seq, name)?;
        let Some((xs, tys)) = items else {
            return Ok(unknown(span));
        };
        let mut out = Vec::new();
        for (x, at) in xs.into_iter().zip(&tys) {
            let want: &[i64] = match (name, at.ndim) {
                ("hstack", 0) => &[1],
                ("hstack", _) => &[],
                ("column_stack", 0) => &[1, 1],
                ("column_stack", 1) => &[-1, 1],
                (_, 0) => &[1, 1],
                (_, 1) => &[1, -1],
                _ => &[],
            };
            out.push(if want.is_empty() {
                x
            } else {
                let sp = x.span;
                let ty = arr_of(at, at.dtype, want.len() as u8, Layout::A);
                rt(RtOp::Reshape, vec![x, shape(want, sp)], ty, sp)
            });
        }
        let axis = match name {
            "hstack" if tys[0].ndim <= 1 => 0,
            "hstack" | "column_stack" => 1,
            _ => 0,
        };
        self.join(out, axis, false, span)
    }

    /// The arrays of a tuple or list written out, typed: `None` while one
    /// is still unknown.
    fn array_items(
        &mut self,
        seq: &Expr,
        what: &str,
    ) -> Result<Option<(Vec<TExpr>, Vec<ArrayType>)>> {
        let (ExprKind::Tuple(items) | ExprKind::List(items)) = &seq.kind else {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                seq.span,
                format!("np.{what}() takes a tuple or list of arrays written out in Kiln"),
            )
            .help(format!("write np.{what}((a, b))")));
        };
        if items.is_empty() {
            return Err(Diagnostic::new(
                DiagKind::Type,
                seq.span,
                format!("need at least one array to {what}"),
            ));
        }
        let mut xs = Vec::new();
        let mut tys = Vec::new();
        for e in items {
            let Some((x, at)) = self.array_operand(e, &format!("np.{what}"))? else {
                return Ok(None);
            };
            xs.push(x);
            tys.push(at);
        }
        Ok(Some((xs, tys)))
    }

    fn concatenate(&mut self, seq: &Expr, axis: i64, stack: bool, span: Span) -> Result<TExpr> {
        let what = if stack { "stack" } else { "concatenate" };
        match self.array_items(seq, what)? {
            Some((xs, _)) => self.join(xs, axis, stack, span),
            None => Ok(unknown(span)),
        }
    }

    /// `np.concatenate` (or, `stack`, `np.stack`) of typed arrays.
    fn join(&mut self, xs: Vec<TExpr>, axis: i64, stack: bool, span: Span) -> Result<TExpr> {
        let tys: Vec<ArrayType> = xs.iter().filter_map(|x| x.ty.as_array().cloned()).collect();
        for (i, at) in tys.iter().enumerate().skip(1) {
            if at.ndim != tys[0].ndim {
                let msg = if stack {
                    "all input arrays must have the same shape".to_string()
                } else {
                    format!("all the input arrays must have same number of dimensions, but the array at index 0 has {} dimension(s) and the array at index {i} has {} dimension(s)", tys[0].ndim, at.ndim)
                };
                return Err(type_err(xs[i].span, msg));
            }
        }
        let first = tys[0].clone();
        if first.ndim == 0 && !stack {
            return Err(type_err(
                xs[0].span,
                "zero-dimensional arrays cannot be concatenated",
            ));
        }
        let ndim = first.ndim + stack as u8;
        if ndim as usize > crate::types::MAX_NDIM {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                format!(
                    "np.stack() of {}-D arrays is not supported in Kiln: arrays have at most {} dimensions",
                    first.ndim,
                    crate::types::MAX_NDIM
                ),
            ));
        }
        let k = self.axis_of(axis, ndim, span)?;
        let d = tys
            .iter()
            .skip(1)
            .fold(first.dtype, |d, t| DType::promote(d, t.dtype));
        let ty = Type::array(d, ndim, Layout::C);
        let op = if stack {
            RtOp::Stack(k)
        } else {
            RtOp::Concat(k)
        };
        Ok(rt(op, xs, ty, span))
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
    fn stack_refuses_what_it_cannot_join() {
        assert!(err("print(np.stack(a))").contains("tuple or list of arrays"));
        assert!(err("print(np.stack(()))").contains("need at least one array to stack"));
        assert!(err("print(np.stack((a, 1.0)))").contains("must have the same shape"));
        assert!(err("print(np.stack((a, a.reshape(2, 2))))").contains("same shape"));
        assert!(err("print(np.stack((a, a), axis=2))")
            .contains("axis 2 is out of bounds for array of dimension 2"));
        assert!(err("print(np.stack((a, a), axis=-3))").contains("axis -3 is out of bounds"));
        assert!(err("k = a[0]\nprint(np.stack((a, a), axis=k))").contains("constant integer"));
        assert!(err("print(np.stack((a, a), dtype=np.float32))").contains("unexpected keyword"));
        let e = "b = np.zeros((1, 1, 1, 1, 1, 1, 1, 1))\nprint(np.stack((b, b)))";
        assert!(err(e).contains("at most 8 dimensions"));
        crate::check("import numpy as np\na = np.arange(4)\nprint(np.stack((a, a), axis=-2))\n")
            .unwrap();
    }

    #[test]
    fn sort_arguments_are_checked_as_numpy_checks_them() {
        let m = "m = np.zeros((2, 3))\n";
        assert!(err(&format!("{m}print(np.sort(m, axis=2))"))
            .contains("axis 2 is out of bounds for array of dimension 2"));
        assert!(err("print(np.sort(np.zeros(())))").contains("dimension 0"));
        assert!(err("a.sort(axis=None)").contains("'NoneType' object cannot be interpreted"));
        assert!(err("print(np.sort(a, kind='bogus'))").contains("(got 'bogus')"));
        assert!(err("print(np.argsort(a, kind='stable', stable=True))")
            .contains("can't be provided at the same time"));
        assert!(err("print(np.sort(a, order='x'))").contains("structured array"));
        assert!(err("k = a[0]\nprint(np.sort(a, axis=k))").contains("constant integer"));
        let ok = "print(np.sort(a, kind='Q'), a.argsort(axis=None), np.sort(a, stable=False))\n";
        crate::check(&format!("import numpy as np\na = np.arange(4)\n{ok}")).unwrap();
    }

    #[test]
    fn quantiles_take_what_kiln_computes() {
        let m = "m = np.zeros((2, 3))\n";
        assert!(err(&format!("{m}print(np.quantile(m, 0.5, axis=2))"))
            .contains("axis 2 is out of bounds for array of dimension 2"));
        assert!(err("print(np.percentile(np.zeros(()), 5, axis=0))").contains("dimension 0"));
        assert!(err("print(np.quantile(a > 1, 0.5))").contains("subtract booleans"));
        assert!(err("print(np.quantile(a, a))").contains("float64 fractions"));
        assert!(err("print(np.quantile(a, np.float32(0.5)))").contains("Python int or float"));
        assert!(err("print(np.percentile(a, 5, method='lower'))").contains("method='linear'"));
        assert!(err("print(np.percentile(a, 5, keepdims=True))").contains("keepdims="));
        assert!(err("print(np.quantile(a, 0.5, out=a))").contains("out="));
        assert!(err("print(np.quantile(a, 0.5, overwrite_input=True))").contains("only False"));
        assert!(err("print(np.quantile(a))").contains("q"));
        let ok = "print(np.quantile(a, 1, None, None, False, 'linear', False, None, None))\n";
        crate::check(&format!("import numpy as np\na = np.arange(4)\n{ok}")).unwrap();
    }

    #[test]
    fn reductions_take_axis_and_dtype_where_numpy_does() {
        assert!(
            err("print(np.std(a, 1))").contains("axis 1 is out of bounds for array of dimension 1")
        );
        assert!(err("print(a.var(axis=-2))").contains("axis -2 is out of bounds"));
        assert!(err("k = a[0]\nprint(a.var(axis=k))").contains("constant integer"));
        assert!(err("print(a.var(dtype=bool))").contains("dtype bool is not supported"));
        assert!(err("print((a * 0.5).var(dtype=np.int64))").contains("Cannot cast ufunc 'add'"));
        let m = "m = np.ones((2, 2), np.int32)\nprint(m.std(0, np.int64))";
        assert!(err(m).contains("Cannot cast ufunc 'sqrt' output"));
        assert!(err("print(np.std(a, out=a))").contains("out= is not supported"));
        assert!(err("print(np.sum(a, dtype=bool))").contains("dtype bool is not supported"));
        assert!(err("print(np.mean(a, dtype=np.int32))").contains("dtype int32 is not supported"));
        assert!(err("print(np.min(a, 0, np.float32))").contains("at most 2 positional"));
        assert!(err("print(np.linspace(0, 1, 5, retstep=True))").contains("retstep=True"));
        assert!(err("print(np.cumsum(a, dtype=bool))").contains("bool is not supported"));
        let ok = "print(np.var(a, None, None, None, 1), np.sum(a, 0, np.int8), a.cumsum(0, np.float32))\n\
                  print(np.std(a, 0, np.float32), a.reshape(2, 2).var(-1, ddof=1))\n";
        crate::check(&format!("import numpy as np\na = np.arange(4)\n{ok}")).unwrap();
    }
}
