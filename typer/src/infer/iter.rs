//! `for` loops over more than a plain `range` or array: `enumerate` and
//! `zip` (nested, with tuple targets), tuple literals and tuples, `a.flat`
//! `np.ndindex(shape)` and `np.nditer(ops)`. Each becomes a `range` loop over a hidden
//! counter `k` from 0 to the number of items, whose body first binds the
//! target to item `k`: what the iterables are is known statically, so no
//! iterator object exists at run time.
//!
//! As in Python, every iterable is evaluated once, before the loop, in
//! order (`zip(a, b)`: `a` first); the loop sees those values even if the
//! body reassigns the names they came from.

use super::arrays::rt;
use super::*;
use crate::types::{ArrayType, DType, Layout};

/// One iterable of a loop, with what its items are made from.
enum Source {
    /// `range(start, stop, step)` with a constant step: item k is
    /// `start + k * step`.
    Range { start: TExpr, step: i64 },
    /// An array: item k is `a[k]` (an element, or a row view).
    Array(TExpr),
    /// A tuple: item k is its element k, all of one type.
    Tuple(TExpr, Type),
    /// `a.flat`: item k is the k-th element in C order.
    Flat(TExpr),
    /// `np.ndindex(shape)`: item k is the k-th index tuple in C order.
    NdIndex(TExpr, usize),
    /// `np.nditer(ops)`: item k is a 0-d view of element k (in C order)
    /// of each view prepared before the loop, one per operand ([`RtOp::IterView`]);
    /// a tuple of them when `ops` was a tuple of more than one.
    NdIter(Vec<TExpr>, bool),
    /// `enumerate(inner, start)`: item k is `(start + k, inner's item k)`.
    Enumerate(TExpr, Box<Source>),
    /// `zip(...)`: item k is the tuple of each one's item k.
    Zip(Vec<Source>),
}

fn int(v: i64, span: Span) -> TExpr {
    texpr(TExprKind::Const(Const::Int(v)), Type::Int, span)
}

fn bin(op: BinOp, l: TExpr, r: TExpr, span: Span) -> TExpr {
    texpr(
        TExprKind::Binary(op, Box::new(l), Box::new(r)),
        Type::Int,
        span,
    )
}

fn max0(e: TExpr, span: Span) -> TExpr {
    texpr(
        TExprKind::Intrinsic(Intrinsic::Max, vec![int(0, span), e]),
        Type::Int,
        span,
    )
}

/// The names of `target` that an item of `np.nditer` (a read-only view
/// in NumPy) is bound to.
fn readonly_names(target: &Expr, item: &TExpr, out: &mut Vec<String>) {
    match (&target.kind, &item.kind) {
        (ExprKind::Name(n), TExprKind::Rt(RtOp::FlatView, _)) => out.push(n.clone()),
        (ExprKind::Tuple(ts) | ExprKind::List(ts), TExprKind::Tuple(xs)) => {
            for (t, x) in ts.iter().zip(xs) {
                readonly_names(t, x, out);
            }
        }
        _ => {}
    }
}

impl Cx<'_> {
    /// Types a `for` loop whose iterable is one of this module's forms;
    /// `None` when it is a plain `range` or array, typed by the caller.
    pub(super) fn for_iter(
        &mut self,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> Result<Option<TStmtKind>> {
        let special = match &iter.kind {
            ExprKind::Call { func, .. } => match &func.kind {
                ExprKind::Name(n) => {
                    matches!(n.as_str(), "enumerate" | "zip") && self.is_builtin_name(n)
                        || matches!(
                            self.numpy_member(func).as_deref(),
                            Some("ndindex" | "nditer")
                        )
                }
                ExprKind::Attribute(..) => {
                    matches!(
                        self.numpy_member(func).as_deref(),
                        Some("ndindex" | "nditer")
                    )
                }
                _ => false,
            },
            ExprKind::Tuple(_) => true,
            ExprKind::Attribute(_, attr) => attr == "flat",
            _ => false,
        };
        if !special {
            return Ok(None);
        }
        let mut pre = Vec::new();
        let mut lens = Vec::new();
        let src = self.source(iter, &mut pre, &mut lens)?;
        self.loop_over(target, src, pre, lens, iter.span, body, orelse)
            .map(Some)
    }

    /// `for target in t` over a tuple value (`for d in dims`).
    pub(super) fn for_tuple(
        &mut self,
        target: &Expr,
        t: TExpr,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> Result<TStmtKind> {
        let (mut pre, mut lens) = (Vec::new(), Vec::new());
        let span = t.span;
        let src = self.tuple_source(t, &mut pre, &mut lens)?;
        self.loop_over(target, src, pre, lens, span, body, orelse)
    }

    /// The loop over the items of `src` (`lens`: the lengths of its
    /// iterables, the shortest of which counts), after the statements
    /// `pre` that evaluate the iterables.
    #[allow(clippy::too_many_arguments)]
    fn loop_over(
        &mut self,
        target: &Expr,
        src: Source,
        mut pre: Vec<TStmt>,
        mut lens: Vec<TExpr>,
        span: Span,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> Result<TStmtKind> {
        let n = match lens.len() {
            0 => int(0, span),
            1 => lens.pop().unwrap(),
            _ => texpr(TExprKind::Intrinsic(Intrinsic::Min, lens), Type::Int, span),
        };
        let k = self.assign_local(&format!("$k{}", span.start), &Type::Int, span)?;
        let kx = texpr(TExprKind::Local(k), Type::Int, span);
        let item = self.item(&src, &kx, span);
        if item.ty.is_unknown() {
            return Ok(TStmtKind::Expr(unknown(span)));
        }
        let mut ro = Vec::new();
        readonly_names(target, &item, &mut ro);
        let (t, v) = self.bind(target, item)?;
        let outer = self.readonly.len();
        self.readonly.extend(ro);
        self.loops += 1;
        let b = self.block(body);
        self.loops -= 1;
        self.readonly.truncate(outer);
        let mut stmts = vec![TStmt {
            kind: TStmtKind::Assign(t, v),
            span,
        }];
        stmts.extend(b?);
        pre.push(TStmt {
            kind: TStmtKind::ForRange {
                var: k,
                start: int(0, span),
                stop: n,
                step: int(1, span),
                body: stmts,
                orelse: self.block(orelse)?,
            },
            span,
        });
        Ok(self.seq(pre, span))
    }

    /// Is `n` the builtin of that name here (not a local, function or import)?
    pub(super) fn is_builtin_name(&self, n: &str) -> bool {
        !self.assigned.contains(n)
            && !self.prog.func_index.contains_key(n)
            && !self.prog.imports.contains_key(n)
            && !self.prog.consts.contains_key(n)
    }

    /// The NumPy function an expression names (`np.ndindex`, or `ndindex`
    /// imported from numpy).
    fn numpy_member(&self, f: &Expr) -> Option<String> {
        match &f.kind {
            ExprKind::Attribute(m, attr) => match &m.kind {
                ExprKind::Name(n) if !self.assigned.contains(n) => matches!(
                    self.prog.imports.get(n),
                    Some(Import::Module(ModuleKind::Numpy))
                )
                .then(|| attr.clone()),
                _ => None,
            },
            ExprKind::Name(n) if !self.assigned.contains(n) => match self.prog.imports.get(n) {
                Some(Import::Member(ModuleKind::Numpy, m)) => Some(m.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// Stores a value evaluated before the loop in a fresh hidden local
    /// (even a local's value: the body may reassign the local).
    fn before_loop(&mut self, v: TExpr, what: &str, pre: &mut Vec<TStmt>) -> Result<TExpr> {
        if let TExprKind::Const(_) = v.kind {
            return Ok(v);
        }
        let name = format!("${what}{}.{}", v.span.start, pre.len());
        let id = self.assign_local(&name, &v.ty, v.span)?;
        let ty = self.locals[id as usize].ty.clone();
        let span = v.span;
        pre.push(TStmt {
            kind: TStmtKind::Assign(Target::Local(id), v.cast(&ty)),
            span,
        });
        Ok(texpr(TExprKind::Local(id), ty, span))
    }

    fn source(&mut self, e: &Expr, pre: &mut Vec<TStmt>, lens: &mut Vec<TExpr>) -> Result<Source> {
        let span = e.span;
        if let ExprKind::Call { func, args, kwargs } = &e.kind {
            let name = match &func.kind {
                ExprKind::Name(n) if self.is_builtin_name(n) => Some(n.as_str()),
                _ => None,
            };
            match name {
                Some("enumerate") => {
                    if args.is_empty() || args.len() > 2 {
                        return Err(Diagnostic::new(
                            DiagKind::Arity,
                            span,
                            format!("enumerate() takes 1 or 2 arguments ({} given)", args.len()),
                        ));
                    }
                    let mut start = args.get(1);
                    for k in kwargs {
                        if k.name != "start" || start.is_some() {
                            return Err(Diagnostic::new(
                                DiagKind::Arity,
                                k.name_span,
                                format!(
                                    "enumerate() got an unexpected keyword argument '{}'",
                                    k.name
                                ),
                            ));
                        }
                        start = Some(&k.value);
                    }
                    let inner = self.source(&args[0], pre, lens)?;
                    let s = match start {
                        Some(x) => {
                            let t = self.expr(x)?;
                            if !t.ty.is_intlike() && !t.ty.is_unknown() {
                                return Err(type_err(
                                    t.span,
                                    format!(
                                        "'{}' object cannot be interpreted as an integer",
                                        py_name(&t.ty)
                                    ),
                                ));
                            }
                            self.before_loop(t.cast(&Type::Int), "start", pre)?
                        }
                        None => int(0, span),
                    };
                    return Ok(Source::Enumerate(s, Box::new(inner)));
                }
                Some("zip") => {
                    if let Some(k) = kwargs.first() {
                        return Err(Diagnostic::new(
                            DiagKind::Arity,
                            k.name_span,
                            "zip() takes no keyword arguments in Kiln",
                        ));
                    }
                    if args.is_empty() {
                        return Err(Diagnostic::new(
                            DiagKind::Unsupported,
                            span,
                            "zip() of nothing is an empty loop; Kiln needs at least one iterable",
                        ));
                    }
                    let mut items = Vec::new();
                    for a in args {
                        items.push(self.source(a, pre, lens)?);
                    }
                    return Ok(Source::Zip(items));
                }
                Some("range") => return self.range_source(args, kwargs, span, pre, lens),
                _ => {}
            }
            if self.numpy_member(func).as_deref() == Some("nditer") {
                return self.nditer_source(args, kwargs, span, pre, lens);
            }
            if self.numpy_member(func).as_deref() == Some("ndindex") {
                if let Some(k) = kwargs.first() {
                    return Err(Diagnostic::new(
                        DiagKind::Arity,
                        k.name_span,
                        "np.ndindex() takes no keyword arguments",
                    ));
                }
                // `np.ndindex(shape)` or `np.ndindex(d0, d1, ...)`.
                let shape = if args.len() == 1 {
                    let t = self.expr(&args[0])?;
                    match &t.ty {
                        ty if ty.is_intlike() => texpr(
                            TExprKind::Tuple(vec![t.cast(&Type::Int)]),
                            Type::tuple(vec![Type::Int]),
                            span,
                        ),
                        Type::Tuple(items) if items.iter().all(Type::is_intlike) => {
                            let want = Type::tuple(vec![Type::Int; items.len()]);
                            t.cast(&want)
                        }
                        _ => {
                            return Err(type_err(
                                t.span,
                                format!(
                                    "np.ndindex() needs a shape (a tuple of ints), not {}",
                                    t.ty
                                ),
                            ))
                        }
                    }
                } else {
                    let mut items = Vec::new();
                    for a in args {
                        items.push(self.int_arg(a, "np.ndindex() dimensions")?);
                    }
                    let ty = Type::tuple(vec![Type::Int; items.len()]);
                    texpr(TExprKind::Tuple(items), ty, span)
                };
                let nd = match &shape.ty {
                    Type::Tuple(t) => t.len(),
                    _ => 0,
                };
                let shape = self.before_loop(shape, "shape", pre)?;
                let mut n = int(1, span);
                for i in 0..nd {
                    let d = texpr(
                        TExprKind::TupleGet(Box::new(shape.clone()), i),
                        Type::Int,
                        span,
                    );
                    n = bin(BinOp::Mul, n, max0(d, span), span);
                }
                lens.push(n);
                return Ok(Source::NdIndex(shape, nd));
            }
        }
        if let ExprKind::Attribute(base, attr) = &e.kind {
            if attr == "flat" {
                let a = self.expr(base)?;
                if a.ty.as_array().is_some() {
                    let a = self.before_loop(a, "flat", pre)?;
                    lens.push(rt(RtOp::Size, vec![a.clone()], Type::Int, span));
                    return Ok(Source::Flat(a));
                }
                if !a.ty.is_unknown() {
                    return Err(type_err(span, format!("{} has no attribute 'flat'", a.ty)));
                }
                return Ok(Source::Tuple(unknown(span), Type::Unknown));
            }
        }
        let t = self.expr(e)?;
        if t.ty.as_array().is_some() {
            let a = self.before_loop(t, "iter", pre)?;
            lens.push(rt(RtOp::Len, vec![a.clone()], Type::Int, span));
            return Ok(Source::Array(a));
        }
        match &t.ty {
            Type::Tuple(_) => self.tuple_source(t, pre, lens),
            Type::Unknown => Ok(Source::Tuple(t, Type::Unknown)),
            ty => Err(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                format!("'{}' object is not iterable in Kiln", py_name(ty)),
            )
            .help("loops iterate over range(...), arrays, tuples, a.flat, np.ndindex(...), np.nditer(...), enumerate(...) and zip(...)")),
        }
    }

    /// `np.nditer(op, order=...)`: `op` an array or a number, or a tuple or
    /// list of them (a tuple of one gives items, not tuples of one, as in
    /// NumPy). Numbers become 0-d arrays.
    fn nditer_source(
        &mut self,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
        pre: &mut Vec<TStmt>,
        lens: &mut Vec<TExpr>,
    ) -> Result<Source> {
        let full = "np.nditer";
        let names = ["op", "flags", "op_flags", "op_dtypes", "order"];
        let a = self.signature(full, args, kwargs, &names, 1, span)?;
        if let Some((i, e)) = a
            .iter()
            .enumerate()
            .skip(1)
            .take(3)
            .find_map(|(i, e)| e.map(|e| (i, e)))
        {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                e.span,
                format!("np.nditer()'s {} is not supported in Kiln", names[i]),
            )
            .help("its items are read-only 0-d arrays of each operand's dtype, visited in order= 'K' (memory order, the default), 'C', 'F' or 'A'"));
        }
        let order =
            match a[4] {
                None => IterOrder::K,
                Some(e) => match &e.kind {
                    ExprKind::Str(s) if s == "C" => IterOrder::C,
                    ExprKind::Str(s) if s == "F" => IterOrder::F,
                    ExprKind::Str(s) if s == "A" => IterOrder::A,
                    ExprKind::Str(s) if s == "K" => IterOrder::K,
                    _ => return Err(type_err(
                        e.span,
                        "order must be one of 'C', 'F', 'A', or 'K', written as a string literal",
                    )),
                },
            };
        let op = a[0].unwrap();
        let (exprs, multi): (Vec<TExpr>, bool) = match &op.kind {
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let mut xs = Vec::new();
                for e in items {
                    xs.push(self.expr(e)?);
                }
                let multi = xs.len() != 1;
                (xs, multi)
            }
            _ => {
                let t = self.expr(op)?;
                match &t.ty {
                    Type::Tuple(tys) => {
                        let xs = (0..tys.len())
                            .map(|i| {
                                texpr(
                                    TExprKind::TupleGet(Box::new(t.clone()), i),
                                    tys[i].clone(),
                                    t.span,
                                )
                            })
                            .collect();
                        (xs, tys.len() != 1)
                    }
                    _ => (vec![t], false),
                }
            }
        };
        if exprs.is_empty() {
            return Err(Diagnostic::new(
                DiagKind::Type,
                op.span,
                "Must provide at least one operand",
            ));
        }
        if exprs.len() > 64 {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                op.span,
                "np.nditer() of more than 64 operands is not supported",
            ));
        }
        // Operands are evaluated in order and held before the loop.
        let mut ops = Vec::with_capacity(exprs.len());
        let mut dts = Vec::with_capacity(exprs.len());
        let mut ndim = 0;
        for x in exprs {
            let x = match &x.ty {
                Type::Unknown => return Ok(Source::Tuple(unknown(span), Type::Unknown)),
                Type::Array(at) => {
                    ndim = ndim.max(at.ndim);
                    dts.push(at.dtype);
                    x
                }
                t => match t.scalar_dtype() {
                    Some(d) => {
                        // A number is a 0-d array, as np.asarray makes it.
                        dts.push(d);
                        let sp = x.span;
                        let shape =
                            texpr(TExprKind::Tuple(Vec::new()), Type::tuple(Vec::new()), sp);
                        rt(
                            RtOp::New(Fill::Value),
                            vec![shape, x],
                            Type::array(d, 0, Layout::C),
                            sp,
                        )
                    }
                    None => {
                        return Err(type_err(
                            x.span,
                            format!("np.nditer() needs arrays or numbers in Kiln, not {}", x.ty),
                        ))
                    }
                },
            };
            ops.push(self.before_loop(x, "nditer", pre)?);
        }
        let mut views = Vec::with_capacity(ops.len());
        for (i, &d) in dts.iter().enumerate() {
            let op = RtOp::IterView {
                which: i as u8,
                order,
            };
            let v = rt(op, ops.clone(), Type::array(d, ndim, Layout::A), span);
            views.push(self.before_loop(v, "nditer", pre)?);
        }
        lens.push(rt(RtOp::Size, vec![views[0].clone()], Type::Int, span));
        Ok(Source::NdIter(views, multi))
    }

    fn tuple_source(
        &mut self,
        t: TExpr,
        pre: &mut Vec<TStmt>,
        lens: &mut Vec<TExpr>,
    ) -> Result<Source> {
        let Type::Tuple(items) = t.ty.clone() else {
            unreachable!("a tuple")
        };
        if items.is_empty() {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                t.span,
                "a loop over an empty tuple is not supported in Kiln",
            ));
        }
        let mut ty = Type::Unknown;
        for (i, it) in items.iter().enumerate() {
            ty = Type::unify(&ty, it).ok_or_else(|| {
                type_err(
                    t.span,
                    format!(
                        "a loop over a tuple needs elements of one type; element {i} is {it}, an earlier one {ty}"
                    ),
                )
                .help("loop over a tuple of numbers, or of arrays of one dtype and dimension")
            })?;
        }
        let n = items.len() as i64;
        let t = self.before_loop(t, "tuple", pre)?;
        lens.push(int(n, t.span));
        Ok(Source::Tuple(t, ty))
    }

    /// `range(...)` inside `enumerate` or `zip`: its step must be a constant.
    fn range_source(
        &mut self,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
        pre: &mut Vec<TStmt>,
        lens: &mut Vec<TExpr>,
    ) -> Result<Source> {
        if let Some(k) = kwargs.first() {
            return Err(Diagnostic::new(
                DiagKind::Arity,
                k.name_span,
                "range() takes no keyword arguments",
            ));
        }
        if args.is_empty() || args.len() > 3 {
            return Err(Diagnostic::new(
                DiagKind::Arity,
                span,
                format!("range expected 1 to 3 arguments, got {}", args.len()),
            ));
        }
        let step = match args.get(2) {
            None => 1,
            Some(s) => match self.prog.const_eval(s) {
                Some(Const::Int(0)) => {
                    return Err(Diagnostic::new(
                        DiagKind::Type,
                        s.span,
                        "range() arg 3 must not be zero",
                    ))
                }
                Some(Const::Int(v)) => v,
                _ => {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        s.span,
                        "a range inside enumerate() or zip() needs a constant step in Kiln",
                    )
                    .help("loop over the range directly, or compute the index from a counter"))
                }
            },
        };
        let (start, stop) = if args.len() == 1 {
            (int(0, span), self.int_arg(&args[0], "range() arguments")?)
        } else {
            let a = self.int_arg(&args[0], "range() arguments")?;
            let b = self.int_arg(&args[1], "range() arguments")?;
            (a, b)
        };
        let start = self.before_loop(start, "start", pre)?;
        let stop = self.before_loop(stop, "stop", pre)?;
        // The number of items: ceil((stop - start) / step), at least 0.
        let n = if step == 1 {
            bin(BinOp::Sub, stop, start.clone(), span)
        } else if step > 0 {
            let d = bin(BinOp::Sub, stop, start.clone(), span);
            let d = bin(BinOp::Add, d, int(step - 1, span), span);
            bin(BinOp::FloorDiv, d, int(step, span), span)
        } else {
            let d = bin(BinOp::Sub, start.clone(), stop, span);
            let d = bin(BinOp::Add, d, int(-step - 1, span), span);
            bin(BinOp::FloorDiv, d, int(step.wrapping_neg(), span), span)
        };
        lens.push(max0(n, span));
        Ok(Source::Range { start, step })
    }

    /// Item `k` of a source.
    fn item(&mut self, src: &Source, k: &TExpr, span: Span) -> TExpr {
        match src {
            Source::Range { start, step } => {
                let off = if *step == 1 {
                    k.clone()
                } else {
                    bin(BinOp::Mul, k.clone(), int(*step, span), span)
                };
                bin(BinOp::Add, start.clone(), off, span)
            }
            Source::Array(a) => {
                let at = a.ty.as_array().cloned().unwrap();
                let ty = if at.ndim == 1 {
                    Type::Scalar(at.dtype)
                } else {
                    Type::Array(Rc::new(ArrayType {
                        ndim: at.ndim - 1,
                        layout: Layout::A,
                        ..at
                    }))
                };
                rt(
                    RtOp::GetItem(vec![Idx::Int]),
                    vec![a.clone(), k.clone()],
                    ty,
                    span,
                )
            }
            Source::Flat(a) => {
                let d = a.ty.as_array().map_or(DType::F64, |at| at.dtype);
                rt(
                    RtOp::FlatGet,
                    vec![a.clone(), k.clone()],
                    Type::Scalar(d),
                    span,
                )
            }
            Source::NdIter(views, multi) => {
                let mut xs: Vec<TExpr> = views
                    .iter()
                    .map(|v| {
                        let d = v.ty.as_array().map_or(DType::F64, |at| at.dtype);
                        rt(
                            RtOp::FlatView,
                            vec![v.clone(), k.clone()],
                            Type::array(d, 0, Layout::C),
                            span,
                        )
                    })
                    .collect();
                if !*multi {
                    return xs.pop().unwrap();
                }
                let ty = Type::tuple(xs.iter().map(|x| x.ty.clone()).collect());
                texpr(TExprKind::Tuple(xs), ty, span)
            }
            Source::NdIndex(shape, nd) => {
                // Index i of item k: (k // (d[i+1] * ... )) % d[i], in C order.
                let dim = |i: usize| {
                    texpr(
                        TExprKind::TupleGet(Box::new(shape.clone()), i),
                        Type::Int,
                        span,
                    )
                };
                let mut items = Vec::with_capacity(*nd);
                for i in 0..*nd {
                    let mut q = k.clone();
                    if i + 1 < *nd {
                        let mut inner = dim(i + 1);
                        for j in i + 2..*nd {
                            inner = bin(BinOp::Mul, inner, dim(j), span);
                        }
                        q = bin(BinOp::FloorDiv, q, inner, span);
                    }
                    if i > 0 {
                        q = bin(BinOp::Mod, q, dim(i), span);
                    }
                    items.push(q);
                }
                let ty = Type::tuple(vec![Type::Int; *nd]);
                texpr(TExprKind::Tuple(items), ty, span)
            }
            Source::Tuple(t, ty) => {
                let Type::Tuple(tys) = &t.ty else {
                    return unknown(span);
                };
                // Element k, chosen by comparing k with each position.
                let n = tys.len();
                let get = |i: usize| {
                    texpr(
                        TExprKind::TupleGet(Box::new(t.clone()), i),
                        tys[i].clone(),
                        span,
                    )
                    .cast(ty)
                };
                let mut e = get(n - 1);
                for i in (0..n - 1).rev() {
                    let c = texpr(
                        TExprKind::Compare(
                            vec![k.clone(), int(i as i64, span)],
                            vec![(CmpOp::Eq, Type::Int)],
                        ),
                        Type::Bool,
                        span,
                    );
                    e = texpr(
                        TExprKind::IfExp(Box::new(c), Box::new(get(i)), Box::new(e)),
                        ty.clone(),
                        span,
                    );
                }
                e
            }
            Source::Enumerate(start, inner) => {
                let i = match &start.kind {
                    TExprKind::Const(Const::Int(0)) => k.clone(),
                    _ => bin(BinOp::Add, start.clone(), k.clone(), span),
                };
                let x = self.item(inner, k, span);
                let ty = Type::tuple(vec![Type::Int, x.ty.clone()]);
                texpr(TExprKind::Tuple(vec![i, x]), ty, span)
            }
            Source::Zip(items) => {
                let xs: Vec<TExpr> = items.iter().map(|s| self.item(s, k, span)).collect();
                let ty = Type::tuple(xs.iter().map(|x| x.ty.clone()).collect());
                texpr(TExprKind::Tuple(xs), ty, span)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    fn err(src: &str) -> String {
        let src = format!("import numpy as np\na = np.arange(4)\n{src}\n");
        match crate::check(&src) {
            Ok(_) => panic!("accepted:\n{src}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn nditer_refuses_what_kiln_does_not_do() {
        let ro = "for x in np.nditer(a):\n    x[()] = 1";
        assert!(err(ro).contains("read-only"), "{}", err(ro));
        let ro = "for i, (x, y) in enumerate(np.nditer((a, a))):\n    y += 1";
        assert!(err(ro).contains("output array is read-only"));
        let flags = "for x in np.nditer(a, flags=['multi_index']):\n    pass";
        assert!(err(flags).contains("flags is not supported"));
        let opf = "for x in np.nditer(a, op_flags=['readwrite']):\n    pass";
        assert!(err(opf).contains("op_flags is not supported"));
        let order = "for x in np.nditer(a, order='Q'):\n    pass";
        assert!(err(order).contains("'C', 'F', 'A', or 'K'"));
        let order = "o = 'C'\nfor x in np.nditer(a, order=o):\n    pass";
        assert!(err(order).contains("string literal"));
        let empty = "for x in np.nditer(()):\n    pass";
        assert!(err(empty).contains("at least one operand"));
        let text = "for x in np.nditer((a, 'ab')):\n    pass";
        assert!(err(text).contains("arrays or numbers"));
        let kw = "for x in np.nditer(a, buffersize=8):\n    pass";
        assert!(err(kw).contains("unexpected keyword"));
        // A write to the array itself, or to a new value bound to another
        // name, is fine.
        let ok = "for x in np.nditer(a):\n    a[0] = x\n    y = x + 1\nprint(a)\n";
        crate::check(&format!("import numpy as np\na = np.arange(4)\n{ok}")).unwrap();
    }
}
