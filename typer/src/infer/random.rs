//! The random generators: `np.random` (NumPy's legacy global
//! `RandomState`) and Python's `random`. Every call is one runtime
//! operation ([`RtOp::Random`]) on the generator state the VM keeps, so
//! both tiers draw the same stream.

use super::arrays::rt;
use super::*;
use crate::types::{DType, Layout};

/// The `np.random` functions Kiln has, for the message about the others.
const NP_NAMES: &str = "seed random random_sample rand randn standard_normal uniform normal \
                        randint choice shuffle permutation";
/// The `random` functions Kiln has.
const PY_NAMES: &str = "seed random uniform randint randrange choice shuffle gauss";

impl Cx<'_> {
    /// Is `e` `np.random` (NumPy imported as a module under that name)?
    pub(super) fn is_np_random(&self, e: &Expr) -> bool {
        self.is_np_module(e, "random")
    }

    /// Is `e` the submodule `np.<sub>` (NumPy imported as a module)?
    pub(super) fn is_np_module(&self, e: &Expr, sub: &str) -> bool {
        match &e.kind {
            ExprKind::Attribute(m, attr) if attr == sub => matches!(
                &m.kind,
                ExprKind::Name(n) if !self.assigned.contains(n)
                    && matches!(self.prog.imports.get(n), Some(Import::Module(ModuleKind::Numpy)))
            ),
            _ => false,
        }
    }

    pub(super) fn call_random(
        &mut self,
        kind: ModuleKind,
        name: &str,
        fspan: Span,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<TExpr> {
        if kind == ModuleKind::PyRandom {
            return self.call_py_random(name, fspan, args, kwargs, span);
        }
        let full = format!("np.random.{name}");
        let (f, mut ops, size) = match name {
            "seed" => {
                let a = self.signature(&full, args, kwargs, &["seed"], 0, span)?;
                let ops = match a[0] {
                    Some(e) if !matches!(e.kind, ExprKind::None) => {
                        vec![self.int_operand(&full, e, "an int seed")?]
                    }
                    _ => vec![],
                };
                return Ok(rt(RtOp::Random(RandFn::NpSeed), ops, Type::None, span));
            }
            "random" | "random_sample" | "standard_normal" => {
                let a = self.signature(&full, args, kwargs, &["size"], 0, span)?;
                let f = if name == "standard_normal" {
                    RandFn::NpGauss
                } else {
                    RandFn::NpRandom
                };
                (f, vec![], self.size_arg(a[0])?)
            }
            "rand" | "randn" => {
                if let Some(k) = kwargs.first() {
                    return Err(Diagnostic::new(
                        DiagKind::Arity,
                        k.name_span,
                        format!("{full}() takes no keyword arguments"),
                    )
                    .help("pass the dimensions positionally: np.random.rand(2, 3)"));
                }
                let f = if name == "randn" {
                    RandFn::NpGauss
                } else {
                    RandFn::NpRandom
                };
                let size = if args.is_empty() {
                    None
                } else {
                    let mut dims = Vec::with_capacity(args.len());
                    for a in args {
                        dims.push(self.int_operand(&full, a, "integer dimensions")?);
                    }
                    let n = dims.len();
                    let t = texpr(
                        TExprKind::Tuple(dims),
                        Type::tuple(vec![Type::Int; n]),
                        span,
                    );
                    Some((t, n as u8))
                };
                (f, vec![], size)
            }
            "uniform" | "normal" => {
                let names: &[&str] = if name == "uniform" {
                    &["low", "high", "size"]
                } else {
                    &["loc", "scale", "size"]
                };
                let a = self.signature(&full, args, kwargs, names, 0, span)?;
                let defaults = [0.0, 1.0];
                let mut ops = Vec::with_capacity(2);
                for (i, d) in defaults.into_iter().enumerate() {
                    ops.push(match a[i] {
                        Some(e) => self.float_operand(&full, e)?,
                        None => texpr(TExprKind::Const(Const::Float(d)), Type::Float, span),
                    });
                }
                let f = if name == "uniform" {
                    RandFn::NpUniform
                } else {
                    RandFn::NpNormal
                };
                (f, ops, self.size_arg(a[2])?)
            }
            "randint" => {
                let a = self.signature(
                    &full,
                    args,
                    kwargs,
                    &["low", "high", "size", "dtype"],
                    1,
                    span,
                )?;
                // NumPy returns a Python int or bool for the builtin dtypes
                // (the default is `int`), else a NumPy scalar.
                let (dt, scalar) = match a[3] {
                    None => (DType::I64, Type::Int),
                    Some(d) => {
                        let dt = self.dtype_expr(d)?;
                        if dt.is_float() {
                            return Err(type_err(
                                d.span,
                                format!("Unsupported dtype dtype('{dt}') for randint"),
                            ));
                        }
                        let scalar = match &d.kind {
                            ExprKind::Name(n) if n == "int" && self.is_builtin_name(n) => Type::Int,
                            ExprKind::Name(n) if n == "bool" && self.is_builtin_name(n) => {
                                Type::Bool
                            }
                            _ => Type::Scalar(dt),
                        };
                        (dt, scalar)
                    }
                };
                let low = self.int_operand(&full, a[0].unwrap(), "integer bounds")?;
                let mut ops = match a[1] {
                    Some(h) if !matches!(h.kind, ExprKind::None) => {
                        vec![low, self.int_operand(&full, h, "integer bounds")?]
                    }
                    _ => vec![texpr(TExprKind::Const(Const::Int(0)), Type::Int, span), low],
                };
                let size = self.size_arg(a[2])?;
                let ty = match &size {
                    Some((_, nd)) => Type::array(dt, *nd, Layout::C),
                    None => scalar,
                };
                ops.extend(size.map(|s| s.0));
                return Ok(self.random_op(RandFn::NpRandint(dt), ops, ty, span));
            }
            "choice" => {
                let a =
                    self.signature(&full, args, kwargs, &["a", "size", "replace", "p"], 1, span)?;
                let replace = match a[2] {
                    None => true,
                    Some(e) => match self.prog.const_eval(e) {
                        Some(Const::Bool(b)) => b,
                        Some(Const::Int(v)) => v != 0,
                        _ => {
                            return Err(Diagnostic::new(
                                DiagKind::Unsupported,
                                e.span,
                                "replace= must be a constant True or False in Kiln",
                            ))
                        }
                    },
                };
                let x = self.population(&full, a[0].unwrap(), 1)?;
                let size = self.size_arg(a[1])?;
                let elem = match x.ty.as_array() {
                    Some(at) => at.dtype,
                    None => DType::I64,
                };
                let ty = match (&size, x.ty.as_array()) {
                    (Some((_, nd)), _) => Type::array(elem, *nd, Layout::C),
                    (None, Some(_)) => Type::Scalar(elem),
                    (None, None) => Type::Int,
                };
                let mut ops = vec![x];
                let p = match a[3].filter(|p| !matches!(p.kind, ExprKind::None)) {
                    Some(p) => {
                        ops.push(self.probabilities(p)?);
                        true
                    }
                    None => false,
                };
                ops.extend(size.map(|s| s.0));
                let f = RandFn::NpChoice { replace, p };
                return Ok(self.random_op(f, ops, ty, span));
            }
            "shuffle" => {
                let a = self.signature(&full, args, kwargs, &["x"], 1, span)?;
                let Some((x, at)) = self.array_operand(a[0].unwrap(), &full)? else {
                    return Ok(unknown(span));
                };
                if at.ndim == 0 {
                    return Err(type_err(x.span, "len() of unsized object"));
                }
                return Ok(rt(
                    RtOp::Random(RandFn::NpShuffle),
                    vec![x],
                    Type::None,
                    span,
                ));
            }
            "permutation" => {
                let a = self.signature(&full, args, kwargs, &["x"], 1, span)?;
                let x = self.population(&full, a[0].unwrap(), 1)?;
                let ty = match x.ty.as_array() {
                    Some(at) => Type::array(at.dtype, at.ndim, Layout::C),
                    None => Type::array(DType::I64, 1, Layout::C),
                };
                return Ok(self.random_op(RandFn::NpPermutation, vec![x], ty, span));
            }
            _ => {
                return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    fspan,
                    format!("np.random.{name} is not supported in Kiln"),
                )
                .help(format!(
                    "Kiln has np.random.{{{}}}",
                    NP_NAMES.replace(' ', ", ")
                )))
            }
        };
        let ty = match &size {
            Some((_, nd)) => Type::array(DType::F64, *nd, Layout::C),
            None => Type::Float,
        };
        ops.extend(size.map(|s| s.0));
        Ok(self.random_op(f, ops, ty, span))
    }

    fn call_py_random(
        &mut self,
        name: &str,
        fspan: Span,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<TExpr> {
        let full = format!("random.{name}");
        let (f, ops, ty) = match name {
            "seed" => {
                let a = self.signature(&full, args, kwargs, &["a"], 0, span)?;
                let ops = match a[0] {
                    Some(e) if !matches!(e.kind, ExprKind::None) => {
                        vec![self.int_operand(&full, e, "an int seed or None")?]
                    }
                    _ => vec![],
                };
                (RandFn::PySeed, ops, Type::None)
            }
            "random" => {
                self.signature(&full, args, kwargs, &[], 0, span)?;
                (RandFn::PyRandom, vec![], Type::Float)
            }
            "uniform" => {
                let a = self.signature(&full, args, kwargs, &["a", "b"], 2, span)?;
                let mut ops = Vec::with_capacity(2);
                for e in [a[0].unwrap(), a[1].unwrap()] {
                    let x = self.expr(e)?;
                    let t = match &x.ty {
                        Type::Bool | Type::Int => Type::Int,
                        Type::Float => Type::Float,
                        Type::Unknown => Type::Unknown,
                        t => {
                            return Err(type_err(
                                x.span,
                                format!("{full}() takes Python numbers in Kiln, not {t}"),
                            )
                            .help("convert with float() first"))
                        }
                    };
                    ops.push(x.cast(&t));
                }
                (RandFn::PyUniform, ops, Type::Float)
            }
            "randint" => {
                let a = self.signature(&full, args, kwargs, &["a", "b"], 2, span)?;
                let ops = vec![
                    self.int_operand(&full, a[0].unwrap(), "integer bounds")?,
                    self.int_operand(&full, a[1].unwrap(), "integer bounds")?,
                ];
                (RandFn::PyRandint, ops, Type::Int)
            }
            "choice" | "shuffle" => {
                let names: &[&str] = if name == "choice" { &["seq"] } else { &["x"] };
                let a = self.signature(&full, args, kwargs, names, 1, span)?;
                let x = self.expr(a[0].unwrap())?;
                let at = match x.ty.as_array() {
                    Some(at) if at.ndim == 1 => at.clone(),
                    _ if x.ty.is_unknown() => return Ok(unknown(span)),
                    _ => {
                        return Err(Diagnostic::new(
                            DiagKind::Unsupported,
                            x.span,
                            format!(
                                "{full}() of a {} is not supported in Kiln; it takes a 1-D array",
                                x.ty
                            ),
                        ))
                    }
                };
                if name == "choice" {
                    (RandFn::PyChoice, vec![x], Type::Scalar(at.dtype))
                } else {
                    (RandFn::PyShuffle, vec![x], Type::None)
                }
            }
            "gauss" => {
                let a = self.signature(&full, args, kwargs, &["mu", "sigma"], 0, span)?;
                let mut ops = Vec::with_capacity(2);
                for (i, d) in [0.0, 1.0].into_iter().enumerate() {
                    ops.push(match a[i] {
                        Some(e) => self.float_operand(&full, e)?,
                        None => texpr(TExprKind::Const(Const::Float(d)), Type::Float, span),
                    });
                }
                (RandFn::PyGauss, ops, Type::Float)
            }
            "randrange" => {
                let a = self.signature(&full, args, kwargs, &["start", "stop", "step"], 1, span)?;
                let start = self.int_operand(&full, a[0].unwrap(), "integer arguments")?;
                let stop = a[1].filter(|e| !matches!(e.kind, ExprKind::None));
                let one = texpr(TExprKind::Const(Const::Int(1)), Type::Int, span);
                let ops = match stop {
                    None => {
                        if let Some(s) = a[2] {
                            return Err(Diagnostic::new(
                                DiagKind::Arity,
                                s.span,
                                "Missing a non-None stop argument",
                            ));
                        }
                        let zero = texpr(TExprKind::Const(Const::Int(0)), Type::Int, span);
                        vec![zero, start, one]
                    }
                    Some(stop) => {
                        let stop = self.int_operand(&full, stop, "integer arguments")?;
                        let step = match a[2] {
                            Some(s) => self.int_operand(&full, s, "integer arguments")?,
                            None => one,
                        };
                        vec![start, stop, step]
                    }
                };
                (RandFn::PyRandrange(stop.is_none()), ops, Type::Int)
            }
            _ => {
                return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    fspan,
                    format!("random.{name} is not supported in Kiln"),
                )
                .help(format!(
                    "Kiln has random.{{{}}}",
                    PY_NAMES.replace(' ', ", ")
                )))
            }
        };
        Ok(self.random_op(f, ops, ty, span))
    }

    /// The operation, or an unknown while an operand's type is.
    fn random_op(&self, f: RandFn, ops: Vec<TExpr>, ty: Type, span: Span) -> TExpr {
        if ops.iter().any(|o| o.ty.is_unknown()) {
            return unknown(span);
        }
        rt(RtOp::Random(f), ops, ty, span)
    }

    /// An integer operand, as a Python int.
    pub(super) fn int_operand(&mut self, full: &str, e: &Expr, what: &str) -> Result<TExpr> {
        let x = self.expr(e)?;
        if x.ty.is_unknown() {
            return Ok(x);
        }
        if !x.ty.is_intlike() {
            return Err(type_err(
                x.span,
                format!("{full}() takes {what} in Kiln, not {}", x.ty),
            ));
        }
        Ok(x.cast(&Type::Int))
    }

    /// A float operand (any number), as a Python float.
    pub(super) fn float_operand(&mut self, full: &str, e: &Expr) -> Result<TExpr> {
        let x = self.expr(e)?;
        if x.ty.is_unknown() {
            return Ok(x);
        }
        if !x.ty.is_number() {
            return Err(type_err(
                x.span,
                format!("{full}() takes numbers in Kiln, not {}", x.ty),
            )
            .help("arrays of parameters are not supported; draw in a loop"));
        }
        Ok(x.cast(&Type::Float))
    }

    /// `choice`'s and `permutation`'s first argument: an int, or an array
    /// of at least `min_ndim` dimensions (`choice` wants exactly one).
    fn population(&mut self, full: &str, e: &Expr, min_ndim: u8) -> Result<TExpr> {
        let x = self.expr(e)?;
        match &x.ty {
            t if t.is_intlike() => Ok(x.cast(&Type::Int)),
            Type::Array(at) if full.ends_with("choice") && at.ndim != 1 => {
                Err(type_err(x.span, "a must be 1-dimensional"))
            }
            Type::Array(at) if at.ndim < min_ndim => Err(type_err(
                x.span,
                "x must be an integer or at least 1-dimensional",
            )),
            Type::Array(_) | Type::Unknown => Ok(x),
            t => Err(type_err(
                x.span,
                format!("{full}() takes an int or an array in Kiln, not {t}"),
            )),
        }
    }

    /// `choice`'s `p`: a 1-D array of numbers, or a list or tuple of
    /// numbers (an array of float64 then, as NumPy makes it).
    fn probabilities(&mut self, p: &Expr) -> Result<TExpr> {
        let x = match &p.kind {
            ExprKind::List(_) | ExprKind::Tuple(_) => {
                self.array_literal(p, Some(DType::F64), p.span)?
            }
            _ => self.expr(p)?,
        };
        match &x.ty {
            Type::Unknown => Ok(x),
            Type::Array(at) if at.ndim == 1 => Ok(x),
            Type::Array(at) if at.ndim == 0 => Err(type_err(x.span, "len() of unsized object")),
            Type::Array(_) => Err(type_err(x.span, "'p' must be 1-dimensional")),
            t => Err(type_err(
                x.span,
                format!(
                    "np.random.choice()'s p must be an array or a list of numbers in Kiln, not {t}"
                ),
            )),
        }
    }

    /// A `size=` argument: absent or None, or a shape with its dimensions.
    fn size_arg(&mut self, e: Option<&Expr>) -> Result<Option<(TExpr, u8)>> {
        match e {
            None => Ok(None),
            Some(e) if matches!(e.kind, ExprKind::None) => Ok(None),
            Some(e) => Ok(Some(self.shape_arg(e)?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::types::{DType, Layout, Type};

    fn err(src: &str) -> String {
        match crate::check(&format!("import numpy as np\n{src}\n")) {
            Ok(_) => panic!("accepted:\n{src}"),
            Err(e) => e.message,
        }
    }

    fn ty(src: &str) -> Type {
        let p = crate::check(&format!("import numpy as np\nx = {src}\n")).unwrap();
        let main = &p.specs[0];
        let x = main.locals.iter().find(|l| l.name == "x").unwrap();
        x.ty.clone()
    }

    #[test]
    fn randint_dtypes_and_choice_weights() {
        assert!(err("print(np.random.randint(5, dtype=np.float64))")
            .contains("Unsupported dtype dtype('float64') for randint"));
        assert!(err("print(np.random.choice(4, p=np.zeros((2, 2))))")
            .contains("'p' must be 1-dimensional"));
        assert!(err("print(np.random.choice(4, p=0.25))").contains("p must be an array"));
        // NumPy returns a Python int or bool for the builtins, else its scalar.
        assert_eq!(ty("np.random.randint(5)"), Type::Int);
        assert_eq!(ty("np.random.randint(5, dtype=int)"), Type::Int);
        assert_eq!(ty("np.random.randint(2, dtype=bool)"), Type::Bool);
        let i64 = Type::Scalar(DType::I64);
        assert_eq!(ty("np.random.randint(5, dtype=np.int64)"), i64);
        let u8 = Type::Scalar(DType::U8);
        assert_eq!(ty("np.random.randint(5, dtype=np.uint8)"), u8);
        let a = Type::array(DType::I16, 1, Layout::C);
        assert_eq!(ty("np.random.randint(5, size=3, dtype=np.int16)"), a);
        assert_eq!(ty("np.random.choice(4, p=[0.5, 0.5, 0.0, 0.0])"), Type::Int);
        let two_d = "import random\nrandom.shuffle(np.zeros((2, 2)))";
        assert!(err(two_d).contains("takes a 1-D array"));
        assert!(err("import random\nrandom.choice((1, 2))").contains("takes a 1-D array"));
    }
}
