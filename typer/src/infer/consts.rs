//! Module-level constants: expressions the typer evaluates once, as CPython
//! evaluates them when the module loads, so that functions can read them.
//!
//! A constant keeps its type: `zero = np.float32(0.0)` is a float32 for
//! every function that reads it, `DT = np.float32` is a dtype, and
//! `beta = 2 / math.log(3.0)` a Python float. Values are computed the way the
//! interpreter computes the same expression (in float64 and then narrowed
//! for a NumPy scalar, integers wrapping in int64), so a function reading
//! the constant sees what the module's own code computes at run time.
//! Anything that would raise, or that the typer cannot evaluate, is not a
//! constant: the module's code still runs it, and a function that reads it
//! is told it is not a constant.

use super::*;
use crate::types::DType;

/// Wraps an int64 to a narrower integer dtype, as NumPy's scalars hold it.
pub(super) fn wrap_int(v: i64, d: DType) -> i64 {
    match d {
        DType::I8 => v as i8 as i64,
        DType::I16 => v as i16 as i64,
        DType::I32 => v as i32 as i64,
        DType::U8 => v as u8 as i64,
        DType::U16 => v as u16 as i64,
        DType::U32 => v as u32 as i64,
        DType::Bool => (v != 0) as i64,
        _ => v,
    }
}

/// Does a Python int fit an integer dtype (NumPy 2 raises when it does not)?
fn py_int_fits(v: i64, d: DType) -> bool {
    match d {
        DType::U64 => v >= 0,
        DType::Bool | DType::I64 => true,
        d if d.is_float() => true,
        d => wrap_int(v, d) == v,
    }
}

fn as_f64(c: &Const) -> Option<f64> {
    match c {
        Const::Int(v) => Some(*v as f64),
        Const::Bool(b) => Some(*b as i64 as f64),
        Const::Float(v) => Some(*v),
        _ => None,
    }
}

fn as_i64(c: &Const) -> Option<i64> {
    match c {
        Const::Int(v) => Some(*v),
        Const::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

/// A value of type `ty`, normalised as the type holds it.
fn num(ty: Type, v: f64, i: i64) -> (Const, Type) {
    let c = match &ty {
        Type::Bool | Type::Scalar(DType::Bool) => Const::Bool(i != 0),
        Type::Float | Type::Scalar(DType::F64) => Const::Float(v),
        Type::Scalar(DType::F32) => Const::Float(v as f32 as f64),
        Type::Scalar(d) => Const::Int(wrap_int(i, *d)),
        _ => Const::Int(i),
    };
    (c, ty)
}

/// Python's float result of a math function: `None` where `math` raises
/// (a nan from a number, an infinity from a finite number).
fn math_ok(x: f64, y: f64) -> Option<f64> {
    if (y.is_nan() && !x.is_nan()) || (y.is_infinite() && x.is_finite()) {
        None
    } else {
        Some(y)
    }
}

/// `x ** y` on floats: `None` where Python raises (0.0 to a negative
/// power, overflow) or makes a complex (a negative base's fractional power).
fn py_pow(x: f64, y: f64) -> Option<f64> {
    let v = x.powf(y);
    let finite = x.is_finite() && y.is_finite();
    if (x == 0.0 && y < 0.0) || (v.is_nan() && !x.is_nan() && !y.is_nan()) {
        return None;
    }
    (!(v.is_infinite() && finite)).then_some(v)
}

fn float_to_int(x: f64) -> Option<i64> {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    let t = x.trunc();
    (t.is_finite() && (-TWO_63..TWO_63).contains(&t)).then_some(t as i64)
}

impl Program {
    /// Evaluates a module-level constant expression to its value and type.
    /// Is `e` what functions may read frozen from a module-level name: a
    /// tuple of constants, or a NumPy constructor of constants (lists of
    /// them too): `np.array([[1, 2], [3, 4]], np.int32)`,
    /// `np.linspace(0, 1, 11)`?
    pub(super) fn frozen_value(&self, e: &Expr) -> bool {
        fn tree(p: &Program, e: &Expr) -> bool {
            match &e.kind {
                ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().all(|i| tree(p, i)),
                _ => p.const_value(e).is_some(),
            }
        }
        // An operand of arithmetic on a frozen array.
        let operand = |x: &Expr| self.const_value(x).is_some() || self.frozen_array(x);
        match &e.kind {
            ExprKind::Tuple(items) => !items.is_empty() && items.iter().all(|i| tree(self, i)),
            ExprKind::Binary(_, a, b) => {
                operand(a) && operand(b) && (self.frozen_array(a) || self.frozen_array(b))
            }
            ExprKind::Unary(_, a) => self.frozen_array(a),
            _ => self.frozen_array(e),
        }
    }

    /// Is `e` an array expression of constants that can be frozen?
    fn frozen_array(&self, e: &Expr) -> bool {
        fn tree(p: &Program, e: &Expr) -> bool {
            match &e.kind {
                ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().all(|i| tree(p, i)),
                _ => p.const_value(e).is_some(),
            }
        }
        match &e.kind {
            ExprKind::Binary(..) | ExprKind::Unary(..) => self.frozen_value(e),
            ExprKind::Call { func, args, kwargs } => {
                let ExprKind::Attribute(m, f) = &func.kind else {
                    return false;
                };
                if matches!(f.as_str(), "reshape" | "astype" | "copy") && self.frozen_array(m) {
                    return args.iter().all(|a| tree(self, a))
                        && kwargs.iter().all(|k| tree(self, &k.value));
                }
                let numpy = matches!(&m.kind, ExprKind::Name(n)
                    if matches!(self.imports.get(n), Some(Import::Module(ModuleKind::Numpy))));
                numpy
                    && matches!(
                        f.as_str(),
                        "array"
                            | "asarray"
                            | "zeros"
                            | "ones"
                            | "empty"
                            | "full"
                            | "arange"
                            | "linspace"
                            | "eye"
                            | "identity"
                    )
                    && args.iter().all(|a| tree(self, a))
                    && kwargs.iter().all(|k| tree(self, &k.value))
            }
            _ => false,
        }
    }

    /// Can the module's own code change the array a frozen name holds (or
    /// an alias or view of it)? Only reading it in place is safe: in
    /// arithmetic, comparisons, `print`, `len` and NumPy's functions (but
    /// `np.random`'s); binding it, passing it to a function or calling its
    /// methods might change it, and then functions could not read it frozen.
    pub(super) fn module_changes(&self, body: &[Stmt], name: &str) -> bool {
        body.iter().any(|s| self.stmt_changes(s, name))
    }

    fn stmt_changes(&self, s: &Stmt, name: &str) -> bool {
        let e = |x: &Expr, safe: bool| self.expr_changes(x, name, safe);
        let target = |t: &Expr| match &t.kind {
            ExprKind::Name(_) => false,
            _ => e(t, false),
        };
        match &s.kind {
            StmtKind::FunctionDef(_) | StmtKind::Import(_) | StmtKind::ImportFrom(..) => false,
            StmtKind::Assign { targets, value } => {
                let defining = targets.len() == 1
                    && matches!(&targets[0].kind, ExprKind::Name(n) if n == name)
                    && self.frozen_value(value);
                targets.iter().any(target) || (!defining && e(value, false))
            }
            StmtKind::AugAssign {
                target: t, value, ..
            } => matches!(&t.kind, ExprKind::Name(n) if n == name) || target(t) || e(value, false),
            StmtKind::AnnAssign {
                target: t, value, ..
            } => target(t) || value.as_ref().is_some_and(|v| e(v, false)),
            StmtKind::Expr(x) | StmtKind::Return(Some(x)) | StmtKind::Raise(Some(x)) => e(x, false),
            StmtKind::If { test, body, orelse } | StmtKind::While { test, body, orelse } => {
                e(test, true)
                    || self.module_changes(body, name)
                    || self.module_changes(orelse, name)
            }
            StmtKind::For {
                target: t,
                iter,
                body,
                orelse,
            } => {
                target(t)
                    || e(iter, false)
                    || self.module_changes(body, name)
                    || self.module_changes(orelse, name)
            }
            StmtKind::Assert { test, msg } => {
                e(test, true) || msg.as_ref().is_some_and(|m| e(m, true))
            }
            _ => false,
        }
    }

    /// Does `x` use the frozen `name` where it could be changed (`safe`:
    /// the value at this position is only read)?
    fn expr_changes(&self, x: &Expr, name: &str, safe: bool) -> bool {
        let e = |y: &Expr, safe: bool| self.expr_changes(y, name, safe);
        match &x.kind {
            ExprKind::Name(n) => n == name && !safe,
            ExprKind::Unary(_, a) => e(a, true),
            ExprKind::Binary(_, a, b) | ExprKind::BoolOp(_, a, b) => e(a, true) || e(b, true),
            ExprKind::Compare(a, rest) => e(a, true) || rest.iter().any(|(_, b)| e(b, true)),
            ExprKind::IfExp { test, body, orelse } => {
                e(test, true) || e(body, safe) || e(orelse, safe)
            }
            ExprKind::Subscript(v, idx) => e(v, safe) || e(idx, true),
            ExprKind::Attribute(v, _) => e(v, safe),
            ExprKind::Slice(a, b, c) => [a, b, c].into_iter().flatten().any(|y| e(y, true)),
            ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().any(|y| e(y, safe)),
            ExprKind::FString(parts) => parts.iter().any(|p| match p {
                FStrPart::Field { value, .. } => e(value, true),
                FStrPart::Lit(_) => false,
            }),
            ExprKind::Call { func, args, kwargs } => {
                let reads = match &func.kind {
                    ExprKind::Name(f) => matches!(
                        f.as_str(),
                        "print"
                            | "len"
                            | "min"
                            | "max"
                            | "sum"
                            | "abs"
                            | "int"
                            | "float"
                            | "bool"
                            | "str"
                            | "round"
                    ),
                    ExprKind::Attribute(m, _) => matches!(&m.kind, ExprKind::Name(n)
                        if matches!(self.imports.get(n), Some(Import::Module(ModuleKind::Numpy) | Import::Module(ModuleKind::Math)))),
                    _ => false,
                };
                // Methods that only read (their results are new values).
                let reading = matches!(&func.kind, ExprKind::Attribute(_, m) if matches!(
                    m.as_str(),
                    "copy" | "sum" | "prod" | "mean" | "min" | "max" | "std" | "var" | "argmin"
                        | "argmax" | "any" | "all" | "astype" | "cumsum" | "cumprod" | "round"
                ));
                let method = matches!(&func.kind, ExprKind::Attribute(..)) && !reads;
                if reading {
                    return e(func, true)
                        || args.iter().any(|a| e(a, true))
                        || kwargs.iter().any(|k| e(&k.value, true));
                }
                (method && e(func, false))
                    || args.iter().any(|a| e(a, reads))
                    || kwargs.iter().any(|k| e(&k.value, reads))
            }
            _ => false,
        }
    }

    pub(super) fn const_value(&self, e: &Expr) -> Option<(Const, Type)> {
        Some(match &e.kind {
            ExprKind::Int(v) => (Const::Int(*v), Type::Int),
            ExprKind::Float(v) => (Const::Float(*v), Type::Float),
            ExprKind::Bool(b) => (Const::Bool(*b), Type::Bool),
            ExprKind::Str(s) => (Const::Str(s.clone()), Type::Str),
            ExprKind::None => (Const::None, Type::None),
            ExprKind::Name(n) => match self.consts.get(n) {
                Some(c) => c.clone(),
                None => match self.imports.get(n)? {
                    Import::Member(k @ (ModuleKind::Math | ModuleKind::Numpy), m) => {
                        self.module_attr(*k, m)?
                    }
                    _ => return None,
                },
            },
            ExprKind::Attribute(m, attr) => match &m.kind {
                ExprKind::Name(n) => match self.imports.get(n)? {
                    Import::Module(k) => self.module_attr(*k, attr)?,
                    _ => return None,
                },
                _ => return None,
            },
            ExprKind::Unary(op, x) => self.const_unary(*op, self.const_value(x)?)?,
            ExprKind::Binary(op, l, r) => {
                self.const_binary(*op, self.const_value(l)?, self.const_value(r)?)?
            }
            ExprKind::Compare(first, rest) => {
                let mut l = self.const_value(first)?;
                let mut all = true;
                for (op, r) in rest {
                    let r = self.const_value(r)?;
                    // Compared in the type both convert to, as the
                    // interpreter compares them.
                    let t = Type::promote_scalars(&l.1, &r.1)?;
                    let (x, y) = (
                        num(t.clone(), as_f64(&l.0)?, as_i64(&l.0).unwrap_or(0)),
                        num(t, as_f64(&r.0)?, as_i64(&r.0).unwrap_or(0)),
                    );
                    let ord = match (&x.0, &y.0) {
                        (Const::Float(a), Const::Float(b)) => a.partial_cmp(b),
                        (a, b) => Some(as_i64(a)?.cmp(&as_i64(b)?)),
                    };
                    use std::cmp::Ordering::*;
                    all &= match (op, ord) {
                        (CmpOp::Eq, o) => o == Some(Equal),
                        (CmpOp::Ne, o) => o != Some(Equal),
                        (CmpOp::Lt, o) => o == Some(Less),
                        (CmpOp::Le, o) => matches!(o, Some(Less | Equal)),
                        (CmpOp::Gt, o) => o == Some(Greater),
                        (CmpOp::Ge, o) => matches!(o, Some(Greater | Equal)),
                    };
                    l = r;
                }
                (Const::Bool(all), Type::Bool)
            }
            ExprKind::Call { func, args, kwargs } if kwargs.is_empty() => {
                let mut a = Vec::with_capacity(args.len());
                for x in args {
                    a.push(self.const_value(x)?);
                }
                let (module, name) = match &func.kind {
                    ExprKind::Name(n) => match self.imports.get(n) {
                        Some(Import::Member(k, m)) => (Some(*k), m.as_str()),
                        Some(_) => return None,
                        // A dtype alias called: `K = DT(1.5)`.
                        None => match self.consts.get(n) {
                            Some((Const::DType(d), _)) => (Some(ModuleKind::Numpy), ctor_name(*d)),
                            Some(_) => return None,
                            None if self.func_index.contains_key(n) => return None,
                            None => (None, n.as_str()),
                        },
                    },
                    ExprKind::Attribute(m, attr) => match &m.kind {
                        ExprKind::Name(n) => match self.imports.get(n)? {
                            Import::Module(k) => (Some(*k), attr.as_str()),
                            _ => return None,
                        },
                        _ => return None,
                    },
                    _ => return None,
                };
                self.const_call(module, name, a)?
            }
            _ => return None,
        })
    }

    /// `math.pi`, `np.inf`, `np.float32` (a dtype).
    fn module_attr(&self, k: ModuleKind, attr: &str) -> Option<(Const, Type)> {
        if let Some(v) = builtins::math_constant(attr) {
            return Some((Const::Float(v), Type::Float));
        }
        if k == ModuleKind::Numpy && attr == "newaxis" {
            return Some((Const::None, Type::None));
        }
        if k == ModuleKind::Numpy && !matches!(attr, "int" | "float" | "bool") {
            let d = DType::from_name(attr)?;
            return Some((Const::DType(d), Type::DTypeObj(d)));
        }
        None
    }

    fn const_unary(&self, op: UnaryOp, (c, ty): (Const, Type)) -> Option<(Const, Type)> {
        if !ty.is_number() {
            return None;
        }
        if op == UnaryOp::Not {
            return Some((Const::Bool(as_f64(&c)? == 0.0), Type::Bool));
        }
        let ty = match ty {
            Type::Bool => Type::Int,
            Type::Scalar(DType::Bool) if op != UnaryOp::Invert => return None,
            t => t,
        };
        Some(match (op, &c) {
            (UnaryOp::Pos, _) => num(ty, as_f64(&c)?, as_i64(&c).unwrap_or(0)),
            (UnaryOp::Neg, Const::Float(v)) => num(ty, -v, 0),
            (UnaryOp::Neg, _) => num(ty, 0.0, as_i64(&c)?.wrapping_neg()),
            (UnaryOp::Invert, Const::Float(_)) => return None,
            (UnaryOp::Invert, _) if ty == Type::Scalar(DType::Bool) => {
                num(ty, 0.0, (as_i64(&c)? == 0) as i64)
            }
            (UnaryOp::Invert, _) => num(ty, 0.0, !as_i64(&c)?),
            _ => return None,
        })
    }

    fn const_binary(
        &self,
        op: BinOp,
        (a, at): (Const, Type),
        (b, bt): (Const, Type),
    ) -> Option<(Const, Type)> {
        let t = Type::promote_scalars(&at, &bt)?;
        let bitwise = matches!(
            op,
            BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::LShift | BinOp::RShift
        );
        if bitwise {
            let (x, y) = (as_i64(&a)?, as_i64(&b)?);
            if t.is_float() {
                return None;
            }
            let ty = match t {
                Type::Bool if matches!(op, BinOp::LShift | BinOp::RShift) => Type::Int,
                t => t,
            };
            let v = match op {
                BinOp::BitAnd => x & y,
                BinOp::BitOr => x | y,
                BinOp::BitXor => x ^ y,
                BinOp::LShift if y < 0 => return None,
                BinOp::LShift => x.checked_shl(y.try_into().ok()?).unwrap_or(0),
                BinOp::RShift if y < 0 => return None,
                _ => x >> y.min(63),
            };
            return Some(num(ty, 0.0, v));
        }
        let ty = match t {
            Type::Bool => Type::Int,
            Type::Scalar(DType::Bool) => return None,
            t => t,
        };
        // The type the operation computes in, as the interpreter picks it.
        let (ty, float) = match op {
            BinOp::Div => match ty {
                Type::Scalar(d) if !d.is_float() => (Type::Scalar(DType::F64), true),
                Type::Scalar(_) => (ty, true),
                _ => (Type::Float, true),
            },
            BinOp::Pow if ty == Type::Int && as_i64(&b)? < 0 => (Type::Float, true),
            BinOp::MatMul => return None,
            _ => {
                let f = ty.is_float();
                (ty, f)
            }
        };
        if float {
            let (x, y) = (as_f64(&a)?, as_f64(&b)?);
            let v = match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div if y != 0.0 => x / y,
                BinOp::Pow => py_pow(x, y)?,
                _ => return None,
            };
            return Some(num(ty, v, 0));
        }
        let (x, y) = (as_i64(&a)?, as_i64(&b)?);
        let v = match op {
            BinOp::Add => x.wrapping_add(y),
            BinOp::Sub => x.wrapping_sub(y),
            BinOp::Mul => x.wrapping_mul(y),
            BinOp::FloorDiv | BinOp::Mod if y == 0 => return None,
            BinOp::FloorDiv => {
                let q = x.wrapping_div(y);
                if x.wrapping_rem(y) != 0 && ((x < 0) != (y < 0)) {
                    q - 1
                } else {
                    q
                }
            }
            BinOp::Mod => {
                let r = x.wrapping_rem(y);
                if r != 0 && ((r < 0) != (y < 0)) {
                    r + y
                } else {
                    r
                }
            }
            BinOp::Pow if y >= 0 => {
                let (mut base, mut e, mut r) = (x, y, 1i64);
                while e > 0 {
                    if e & 1 == 1 {
                        r = r.wrapping_mul(base);
                    }
                    e >>= 1;
                    base = base.wrapping_mul(base);
                }
                r
            }
            _ => return None,
        };
        Some(num(ty, 0.0, v))
    }

    /// A call in a constant expression: a NumPy scalar constructor, a
    /// `math` function, or a conversion builtin, on constant arguments.
    fn const_call(
        &self,
        module: Option<ModuleKind>,
        name: &str,
        a: Vec<(Const, Type)>,
    ) -> Option<(Const, Type)> {
        if a.iter().any(|(_, t)| !t.is_number()) {
            return None;
        }
        let f = |i: usize| a.get(i).and_then(|(c, _)| as_f64(c));
        let one = a.len() == 1;
        match module {
            Some(ModuleKind::Numpy) if one => {
                let d =
                    DType::from_name(name).filter(|_| !matches!(name, "int" | "float" | "bool"))?;
                let (c, t) = &a[0];
                Some(match (d, c) {
                    (DType::Bool, c) => num(Type::Scalar(d), 0.0, (as_f64(c)? != 0.0) as i64),
                    (d, c) if d.is_float() => num(Type::Scalar(d), as_f64(c)?, 0),
                    (d, Const::Float(v)) => num(Type::Scalar(d), 0.0, float_to_int(*v)?),
                    (d, c) => {
                        let v = as_i64(c)?;
                        if t.is_python_scalar() && !py_int_fits(v, d) {
                            return None;
                        }
                        num(Type::Scalar(d), 0.0, v)
                    }
                })
            }
            Some(ModuleKind::Math) => {
                let x = f(0)?;
                let v = match (name, a.len()) {
                    ("floor" | "ceil" | "trunc", 1) => {
                        if a[0].1.is_intlike() {
                            return Some((Const::Int(as_i64(&a[0].0)?), Type::Int));
                        }
                        let r = match name {
                            "floor" => x.floor(),
                            "ceil" => x.ceil(),
                            _ => x.trunc(),
                        };
                        return Some((Const::Int(float_to_int(r)?), Type::Int));
                    }
                    ("isnan", 1) => return Some((Const::Bool(x.is_nan()), Type::Bool)),
                    ("isinf", 1) => return Some((Const::Bool(x.is_infinite()), Type::Bool)),
                    ("isfinite", 1) => return Some((Const::Bool(x.is_finite()), Type::Bool)),
                    ("atan2", 2) => x.atan2(f(1)?),
                    ("hypot", 2) => x.hypot(f(1)?),
                    ("copysign", 2) => x.copysign(f(1)?),
                    ("log", 2) => {
                        let (n, d) = (math_ok(x, x.ln())?, math_ok(f(1)?, f(1)?.ln())?);
                        if d == 0.0 {
                            return None;
                        }
                        n / d
                    }
                    ("pow", 2) => py_pow(x, f(1)?)?,
                    ("degrees", 1) => x * (180.0 / std::f64::consts::PI),
                    ("radians", 1) => x * (std::f64::consts::PI / 180.0),
                    (n, 1) => {
                        let m = Math1::from_name(n)?;
                        let y = match m {
                            Math1::Sqrt => x.sqrt(),
                            Math1::Exp => x.exp(),
                            Math1::Log => x.ln(),
                            Math1::Log2 => x.log2(),
                            Math1::Log10 => x.log10(),
                            Math1::Sin => x.sin(),
                            Math1::Cos => x.cos(),
                            Math1::Tan => x.tan(),
                            Math1::Asin => x.asin(),
                            Math1::Acos => x.acos(),
                            Math1::Atan => x.atan(),
                            Math1::Sinh => x.sinh(),
                            Math1::Cosh => x.cosh(),
                            Math1::Tanh => x.tanh(),
                            Math1::Fabs => x.abs(),
                            Math1::Trunc => return None,
                        };
                        if m == Math1::Log && x == 0.0 {
                            return None;
                        }
                        y
                    }
                    _ => return None,
                };
                Some((Const::Float(math_ok(x, v)?), Type::Float))
            }
            None if one => {
                let (c, t) = &a[0];
                Some(match name {
                    "float" => (Const::Float(as_f64(c)?), Type::Float),
                    "int" => match c {
                        Const::Float(v) => (Const::Int(float_to_int(*v)?), Type::Int),
                        c => (Const::Int(as_i64(c)?), Type::Int),
                    },
                    "bool" => (Const::Bool(as_f64(c)? != 0.0), Type::Bool),
                    "abs" => match c {
                        Const::Float(v) => num(t.clone(), v.abs(), 0),
                        c => {
                            let ty = if *t == Type::Bool {
                                Type::Int
                            } else {
                                t.clone()
                            };
                            num(ty, 0.0, as_i64(c)?.wrapping_abs())
                        }
                    },
                    _ => return None,
                })
            }
            _ => None,
        }
    }
}

/// The NumPy scalar constructor of a dtype (`np.bool_` for bool, whose
/// `bool` would be Python's).
pub(super) fn ctor_name(d: DType) -> &'static str {
    if d == DType::Bool {
        "bool_"
    } else {
        d.name()
    }
}

#[cfg(test)]
mod frozen_tests {
    fn check(src: &str) -> Result<(), String> {
        crate::check(&format!("import numpy as np\n{src}\n"))
            .map(|_| ())
            .map_err(|e| e.message)
    }

    #[test]
    fn functions_read_module_arrays_frozen_unless_the_module_changes_them() {
        let f = "def f(i):\n    return W[i] + T[0]\nprint(f(1))";
        let with = |defs: &str| check(&format!("{defs}\n{f}"));
        with("W = np.array([1.0, 2.0])\nT = (1, 2)").unwrap();
        with("W = np.arange(4).reshape(2, 2) * 2\nT = (1,)").unwrap();
        with("W = np.zeros(3)\nT = (1, 2)\nprint(W.sum(), np.sum(W), W + 1)").unwrap();
        for change in [
            "W[0] = 5.0",
            "W += 1",
            "V = W",
            "W.fill(0)",
            "np.random.shuffle(W)",
        ] {
            let e = with(&format!("W = np.zeros(3)\nT = (1, 2)\n{change}")).unwrap_err();
            assert!(e.contains("'W' is not a constant"), "{change}: {e}");
        }
        let e = with("W = np.array([1.0, 2.0])\nT = (1, 2)\ndef g():\n    W[0] = 1.0\ng()")
            .unwrap_err();
        assert!(e.contains("cannot be assigned to"), "{e}");
        let e = with("n = 3\nn = 4\nW = np.zeros(n)\nT = (1, 2)").unwrap_err();
        assert!(e.contains("'W' is not a constant"), "{e}");
    }
}
