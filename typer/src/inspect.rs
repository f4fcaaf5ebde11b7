//! `inspect_types`: every specialisation as annotated source, in the spirit
//! of Numba's `Dispatcher.inspect_types()` — a header with the argument
//! types, then each source line preceded by the typed IR statements it
//! produced (`$2 = a * 2 :: array(int64, 1d, C)`).

use std::fmt::Write;

use crate::diag::{Source, Span};
use crate::infer::{FuncRef, Program};
use crate::tir::*;

/// Says whether an expression is compiled as one fused elementwise
/// operation, and if so which of the nodes under it are its leaves (the
/// operands evaluated before it; the rest is computed in its single pass).
pub type FusedLeaves<'h> = &'h dyn for<'e> Fn(&'e TExpr) -> Option<Vec<&'e TExpr>>;

/// Renders every specialisation of a solved program, functions first in
/// the order they were specialised, then the module's top-level code.
pub fn inspect_types(prog: &Program, src: &Source) -> String {
    inspect_types_with(prog, src, &|_| None)
}

/// As [`inspect_types`], showing each fused expression as one statement
/// (`$3 = fused((a * 2) + a) :: ...`), as the compiler `fused` decides.
pub fn inspect_types_with(prog: &Program, src: &Source, fused: FusedLeaves) -> String {
    let mut out = String::new();
    let mut order: Vec<usize> = (0..prog.specs.len())
        .filter(|&i| prog.specs[i].func != FuncRef::Module)
        .collect();
    order.extend((0..prog.specs.len()).filter(|&i| prog.specs[i].func == FuncRef::Module));
    for i in order {
        let f = prog.spec(i as SpecId);
        let is_module = prog.specs[i].func == FuncRef::Module;
        if is_module && f.body.is_empty() {
            continue;
        }
        render(prog, f, is_module, src, fused, &mut out);
    }
    out
}

struct Ctx<'a> {
    prog: &'a Program,
    fused: FusedLeaves<'a>,
    f: &'a TFunc,
    src: &'a Source,
    /// (line, statement text), in emission order.
    lines: Vec<(usize, String)>,
    next: usize,
}

fn render(
    prog: &Program,
    f: &TFunc,
    is_module: bool,
    src: &Source,
    fused: FusedLeaves,
    out: &mut String,
) {
    let args: Vec<String> = f.args.iter().map(|t| format!("{t},")).collect();
    let _ = writeln!(out, "{} ({})", f.name, args.join(" "));
    let _ = writeln!(out, "{}", "-".repeat(80));
    let _ = writeln!(out, "# File: {}", src.name);
    let mut cx = Ctx {
        prog,
        fused,
        f,
        src,
        lines: Vec::new(),
        next: 1,
    };
    let def_line = src.line_col(f.span.start).0;
    for (i, &p) in f.params.iter().enumerate() {
        let l = &f.locals[p as usize];
        cx.lines.push((
            def_line,
            format!("{} = arg({i}, name={}) :: {}", l.name, l.name, l.ty),
        ));
    }
    cx.block(&f.body);
    // The lines to show: the function's own, or the module's top-level statements.
    let mut shown: Vec<usize> = if is_module {
        let mut v: Vec<usize> = f.body.iter().flat_map(|s| stmt_lines(src, s)).collect();
        v.sort_unstable();
        v.dedup();
        v
    } else {
        let last = f
            .body
            .iter()
            .map(|s| src.line_col(s.span.end.saturating_sub(1)).0)
            .max()
            .unwrap_or(def_line);
        (def_line..=last).collect()
    };
    shown.retain(|&l| !src.line_text(l).trim().is_empty() || cx.lines.iter().any(|(x, _)| *x == l));
    for l in shown {
        let _ = writeln!(out, "# --- LINE {l} --- ");
        for (_, text) in cx.lines.iter().filter(|(x, _)| *x == l) {
            let _ = writeln!(out, "# {text}");
        }
        let _ = writeln!(out, "{}", src.line_text(l));
    }
    let _ = writeln!(out, "{}", "=".repeat(80));
}

fn stmt_lines(src: &Source, s: &TStmt) -> Vec<usize> {
    let (a, b) = (
        src.line_col(s.span.start).0,
        src.line_col(s.span.end.saturating_sub(1)).0,
    );
    (a..=b.max(a)).collect()
}

impl Ctx<'_> {
    fn line(&self, span: Span) -> usize {
        self.src.line_col(span.start).0
    }

    fn emit(&mut self, span: Span, text: String) {
        let l = self.line(span);
        self.lines.push((l, text));
    }

    fn block(&mut self, b: &[TStmt]) {
        for s in b {
            self.stmt(s);
        }
    }

    fn target(&self, t: &Target) -> String {
        match t {
            Target::Local(id) => self.f.locals[*id as usize].name.clone(),
            Target::Tuple(items) => items
                .iter()
                .map(|i| self.target(i))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    fn stmt(&mut self, s: &TStmt) {
        match &s.kind {
            TStmtKind::Expr(e) => {
                let v = self.expr(e);
                if !matches!(e.kind, TExprKind::Rt(..) | TExprKind::Call(..)) {
                    self.emit(s.span, format!("discard {v}"));
                }
            }
            TStmtKind::Assign(t, e) => {
                let v = self.expr(e);
                let name = self.target(t);
                self.emit(s.span, format!("{name} = {v} :: {}", e.ty));
            }
            TStmtKind::If(c, a, b) => {
                let v = self.expr(c);
                self.emit(s.span, format!("branch {v}"));
                self.block(a);
                self.block(b);
            }
            TStmtKind::While { cond, body, orelse } => {
                let v = self.expr(cond);
                self.emit(s.span, format!("loop while {v}"));
                self.block(body);
                self.block(orelse);
            }
            TStmtKind::ForRange {
                var,
                start,
                stop,
                step,
                body,
                orelse,
            } => {
                let (a, b, c) = (self.expr(start), self.expr(stop), self.expr(step));
                let name = self.f.locals[*var as usize].name.clone();
                self.emit(s.span, format!("{name} = range({a}, {b}, {c}) :: int64"));
                self.block(body);
                self.block(orelse);
            }
            TStmtKind::Break => self.emit(s.span, "break".into()),
            TStmtKind::Continue => self.emit(s.span, "continue".into()),
            TStmtKind::Return(v) => {
                let t = match v {
                    Some(v) => {
                        let x = self.expr(v);
                        format!("return {x} :: {}", v.ty)
                    }
                    None => "return None".into(),
                };
                self.emit(s.span, t);
            }
            TStmtKind::Assert(c, _) => {
                let v = self.expr(c);
                self.emit(s.span, format!("assert {v}"));
            }
            TStmtKind::Raise(n, m) => self.emit(s.span, format!("raise {n}({m:?})")),
            TStmtKind::RaiseText(n, m) => {
                let v = self.expr(m);
                self.emit(s.span, format!("raise {n}({v})"));
            }
            TStmtKind::Print { args, .. } => {
                let a: Vec<String> = args.iter().map(|x| self.expr(x)).collect();
                self.emit(s.span, format!("print({})", a.join(", ")));
            }
        }
    }

    /// Names a value: locals and constants by themselves, everything else
    /// as a new `$n` defined by its own statement.
    fn expr(&mut self, e: &TExpr) -> String {
        match &e.kind {
            TExprKind::Local(id) => return self.f.locals[*id as usize].name.clone(),
            TExprKind::Const(c) => return const_text(c),
            _ => {}
        }
        let fused = match &e.kind {
            TExprKind::Rt(..) => (self.fused)(e),
            _ => None,
        };
        let text = match (&e.kind, fused) {
            (TExprKind::Rt(op, args), Some(leaves)) => {
                let is_leaf = |x: &TExpr| leaves.iter().any(|l| std::ptr::eq(*l, x));
                match op {
                    RtOp::SetItem(..) => {
                        let (value, target) = args.split_last().expect("setitem has a value");
                        let mut a: Vec<String> = target.iter().map(|x| self.expr(x)).collect();
                        a.push(format!("fused({})", self.fused_text(value, &is_leaf)));
                        format!("setitem({})", a.join(", "))
                    }
                    RtOp::InPlace { f, dt, .. } => {
                        let t = self.expr(&args[0]);
                        let v = self.fused_text(&args[1], &is_leaf);
                        format!(
                            "fused(np.{}({t}, {v}, out={t})) [loop {dt}]",
                            ufunc_text(*f)
                        )
                    }
                    _ => {
                        let t = self.fused_text(e, &is_leaf);
                        // The outermost operator needs no parentheses.
                        let bare = match op {
                            RtOp::Ufunc { f, .. } if args.len() == 2 && op_symbol(*f).is_some() => {
                                &t[1..t.len() - 1]
                            }
                            _ => &t,
                        };
                        format!("fused({bare})")
                    }
                }
            }
            (kind, _) => self.plain(kind),
        };
        let name = format!("${}", self.next);
        self.next += 1;
        self.emit(e.span, format!("{name} = {text} :: {}", e.ty));
        name
    }

    /// A fused expression's tree as one text: its leaves named as usual,
    /// its operations inline.
    fn fused_text(&mut self, e: &TExpr, is_leaf: &dyn Fn(&TExpr) -> bool) -> String {
        let TExprKind::Rt(op, args) = &e.kind else {
            return self.expr(e);
        };
        if is_leaf(e) {
            return self.expr(e);
        }
        let a: Vec<String> = args.iter().map(|x| self.fused_text(x, is_leaf)).collect();
        match op {
            RtOp::Ufunc { f, .. } if a.len() == 2 && op_symbol(*f).is_some() => {
                format!("({} {} {})", a[0], op_symbol(*f).unwrap(), a[1])
            }
            _ => rt_text(op, &a),
        }
    }

    /// The text of an expression's own operation (`$n = <text>`), its
    /// operands named first.
    fn plain(&mut self, kind: &TExprKind) -> String {
        match kind {
            TExprKind::Local(id) => self.f.locals[*id as usize].name.clone(),
            TExprKind::Const(c) => const_text(c),
            TExprKind::Neg(x) => format!("-{}", self.expr(x)),
            TExprKind::Invert(x) => format!("~{}", self.expr(x)),
            TExprKind::Not(x) => format!("not {}", self.expr(x)),
            TExprKind::Truth(x) => format!("bool({})", self.expr(x)),
            TExprKind::Binary(op, l, r) => {
                let (a, b) = (self.expr(l), self.expr(r));
                format!("{a} {} {b}", op.symbol())
            }
            TExprKind::Compare(operands, ops) => {
                let mut s = self.expr(&operands[0]);
                for (i, (op, _)) in ops.iter().enumerate() {
                    let r = self.expr(&operands[i + 1]);
                    let _ = write!(s, " {} {r}", op.symbol());
                }
                s
            }
            TExprKind::And(l, r) | TExprKind::Or(l, r) => {
                let w = if matches!(kind, TExprKind::And(..)) {
                    "and"
                } else {
                    "or"
                };
                let (a, b) = (self.expr(l), self.expr(r));
                format!("{a} {w} {b}")
            }
            TExprKind::IfExp(c, a, b) => {
                let (c, a, b) = (self.expr(c), self.expr(a), self.expr(b));
                format!("{a} if {c} else {b}")
            }
            TExprKind::Call(spec, args) => {
                let a: Vec<String> = args.iter().map(|x| self.expr(x)).collect();
                format!("call {}({})", self.prog.spec(*spec).name, a.join(", "))
            }
            TExprKind::Intrinsic(i, args) => {
                let a: Vec<String> = args.iter().map(|x| self.expr(x)).collect();
                format!("{}({})", intrinsic_name(*i), a.join(", "))
            }
            TExprKind::Cast(x) => {
                let v = self.expr(x);
                format!("cast(value={v})")
            }
            TExprKind::Tuple(items) => {
                let a: Vec<String> = items.iter().map(|x| self.expr(x)).collect();
                format!("build_tuple({})", a.join(", "))
            }
            TExprKind::TupleGet(t, i) => format!("static_getitem({}, {i})", self.expr(t)),
            TExprKind::Rt(op, args) => {
                let a: Vec<String> = args.iter().map(|x| self.expr(x)).collect();
                rt_text(op, &a)
            }
            TExprKind::Format(_, args) => {
                let a: Vec<String> = args.iter().map(|x| self.expr(x)).collect();
                format!("format({})", a.join(", "))
            }
        }
    }
}

fn const_text(c: &Const) -> String {
    match c {
        Const::None => "None".into(),
        Const::Bool(b) => if *b { "True" } else { "False" }.into(),
        Const::Int(v) => v.to_string(),
        Const::Float(v) => crate_float(*v),
        Const::Str(s) => format!("{s:?}"),
        Const::DType(d) => format!("np.{d}"),
    }
}

fn crate_float(v: f64) -> String {
    let s = format!("{v:?}");
    if s.contains(['.', 'e', 'n', 'i']) {
        s
    } else {
        format!("{s}.0")
    }
}

fn intrinsic_name(i: Intrinsic) -> String {
    match i {
        Intrinsic::Math1(m) => format!("math.{}", m.name()),
        Intrinsic::Atan2 => "math.atan2".into(),
        Intrinsic::Abs => "abs".into(),
        Intrinsic::Min => "min".into(),
        Intrinsic::Max => "max".into(),
        Intrinsic::Round | Intrinsic::RoundN => "round".into(),
        Intrinsic::Floor => "math.floor".into(),
        Intrinsic::Ceil => "math.ceil".into(),
        Intrinsic::IsNan => "math.isnan".into(),
        Intrinsic::IsInf => "math.isinf".into(),
        Intrinsic::IsFinite => "math.isfinite".into(),
    }
}

fn rt_text(op: &RtOp, a: &[String]) -> String {
    let args = a.join(", ");
    match op {
        RtOp::New(f) => format!("np.{}({args})", fill_name(*f, "")),
        RtOp::NewLike(f) => format!("np.{}({args})", fill_name(*f, "_like")),
        RtOp::Arange => format!("np.arange({args})"),
        RtOp::Linspace => format!("np.linspace({args})"),
        RtOp::FromElems(shape) => format!("np.array([{args}]) (shape {shape:?})"),
        RtOp::Copy => format!("np.copy({args})"),
        RtOp::Astype => format!("astype({args})"),
        RtOp::Reshape => format!("reshape({args})"),
        RtOp::Transpose => format!("transpose({args})"),
        RtOp::Ufunc { f, .. } if a.len() == 2 && op_symbol(*f).is_some() => {
            format!("{} {} {}", a[0], op_symbol(*f).unwrap(), a[1])
        }
        RtOp::Ufunc { f, dt, .. } => format!("np.{}({args}) [loop {dt}]", ufunc_text(*f)),
        RtOp::InPlace { f, dt, .. } => format!(
            "np.{}({args}, out={}) [loop {dt}]",
            ufunc_text(*f),
            a.first().map_or("", |s| s)
        ),
        RtOp::Where(_) => format!("np.where({args})"),
        RtOp::Reduce { f, axis, acc } => {
            let ax = axis.map_or(String::new(), |x| format!(", axis={x}"));
            format!(
                "np.{}({args}{ax}) [acc {acc}]",
                format!("{f:?}").to_lowercase()
            )
        }
        RtOp::Dot(_, false) => format!("np.dot({args})"),
        RtOp::Dot(_, true) => format!("np.matmul({args})"),
        RtOp::GetItem(_) | RtOp::Take(_) => format!("getitem({args})"),
        RtOp::SetItem(..) | RtOp::Put(..) => format!("setitem({args})"),
        RtOp::NonZero { flat: false } => format!("np.nonzero({args})"),
        RtOp::NonZero { flat: true } => format!("np.flatnonzero({args})"),
        RtOp::SearchSorted { right, .. } => {
            let side = if *right { "right" } else { "left" };
            format!("np.searchsorted({args}, side='{side}')")
        }
        RtOp::Unique => format!("np.unique({args})"),
        RtOp::Histogram { .. } => format!("np.histogram({args})"),
        RtOp::IsClose {
            equal_nan: true, ..
        } => format!("np.isclose({args}, equal_nan=True)"),
        RtOp::IsClose { .. } => format!("np.isclose({args})"),
        RtOp::FillWith => format!("fill({args})"),
        RtOp::Len => format!("len({args})"),
        RtOp::Shape => format!("getattr({args}, shape)"),
        RtOp::Size => format!("getattr({args}, size)"),
        RtOp::Scalar(f) => format!("{}({args})", f.name()),
        RtOp::FlatGet => format!("flat_getitem({args})"),
        RtOp::Cumulate { f, axis, acc } => {
            let name = if *f == Reduction::Prod {
                "cumprod"
            } else {
                "cumsum"
            };
            match axis {
                Some(k) => format!("np.{name}({args}, axis={k}) [acc {acc}]"),
                None => format!("np.{name}({args}) [acc {acc}]"),
            }
        }
        RtOp::Sort {
            in_place: false,
            axis,
        } => format!("np.sort({args}, axis={axis})"),
        RtOp::Sort {
            in_place: true,
            axis,
        } => format!("sort_in_place({args}, axis={axis})"),
        RtOp::ArgSort(axis) => format!("np.argsort({args}, axis={axis})"),
        RtOp::Concat(k) => format!("np.concatenate(({args}), axis={k})"),
        RtOp::Stack(k) => format!("np.stack(({args}), axis={k})"),
        RtOp::Diff => format!("np.diff({args})"),
        RtOp::Eye => format!("np.eye({args})"),
        RtOp::Diagonal => format!("np.diagonal({args})"),
        RtOp::Quantile { percent, axis } => {
            let ax = axis.map_or(String::new(), |x| format!(", axis={x}"));
            let f = if *percent { "percentile" } else { "quantile" };
            format!("np.{f}({args}{ax})")
        }
        RtOp::PyFold(f) => format!("{}({args})", format!("{f:?}").to_lowercase()),
        RtOp::Diag => format!("np.diag({args})"),
        RtOp::NanToNum { .. } => format!("np.nan_to_num({args})"),
        RtOp::Interp { .. } => format!("np.interp({args})"),
        RtOp::Bincount { .. } => format!("np.bincount({args})"),
        RtOp::Convolve { mode, dt } => {
            let m = format!("{mode:?}").to_lowercase();
            format!("np.convolve({args}, mode='{m}') [loop {dt}]")
        }
        RtOp::Norm => format!("np.linalg.norm({args})"),
        RtOp::Unpack(n) => format!("unpack({args}, {n})"),
        RtOp::Tile => format!("np.tile({args})"),
        RtOp::Tri { upper: true } => format!("np.triu({args})"),
        RtOp::Tri { upper: false } => format!("np.tril({args})"),
        RtOp::Roll { axis: Some(k) } => format!("np.roll({args}, axis={k})"),
        RtOp::Roll { axis: None } => format!("np.roll({args})"),
        RtOp::Repeat => format!("np.repeat({args})"),
        RtOp::Meshgrid { ij } => {
            let i = if *ij { "ij" } else { "xy" };
            format!("np.meshgrid({args}, indexing='{i}')")
        }
        RtOp::Map(f) => format!("np.{}({args})", format!("{f:?}").to_lowercase()),
        RtOp::Frexp => format!("math.frexp({args})"),
        RtOp::Modf => format!("math.modf({args})"),
        RtOp::Var {
            std,
            ddof,
            axis,
            acc,
            ..
        } => {
            let ax = axis.map_or(String::new(), |x| format!(", axis={x}"));
            format!(
                "np.{}({args}{ax}, ddof={ddof}) [acc {acc}]",
                if *std { "std" } else { "var" }
            )
        }
        RtOp::Median => format!("np.median({args})"),
        RtOp::FlatSet => format!("flat_setitem({args})"),
        RtOp::FlatView => format!("flat_view({args})"),
        RtOp::IterView { which, order } => {
            format!("nditer_view({args}, which={which}, order={order:?})")
        }
        RtOp::Random(f) => format!("{}({args})", f.name()),
    }
}

fn fill_name(f: Fill, suffix: &str) -> String {
    let base = match f {
        Fill::Empty => "empty",
        Fill::Zeros => "zeros",
        Fill::Ones => "ones",
        Fill::Value => "full",
    };
    format!("{base}{suffix}")
}

/// The operator a binary ufunc is written with, if any.
fn op_symbol(f: Ufunc) -> Option<&'static str> {
    use Ufunc::*;
    Some(match f {
        Add => "+",
        Subtract => "-",
        Multiply => "*",
        TrueDivide => "/",
        FloorDivide => "//",
        Remainder => "%",
        Power => "**",
        Equal => "==",
        NotEqual => "!=",
        Less => "<",
        LessEqual => "<=",
        Greater => ">",
        GreaterEqual => ">=",
        BitwiseAnd => "&",
        BitwiseOr => "|",
        BitwiseXor => "^",
        LeftShift => "<<",
        RightShift => ">>",
        _ => return None,
    })
}

fn ufunc_text(f: Ufunc) -> String {
    crate::infer::ufunc_name(f)
}

#[cfg(test)]
mod tests {
    use crate::diag::Source;

    #[test]
    fn seed_function_is_annotated_numba_style() {
        let text =
            "import numpy as np\n\ndef foo(a):\n    return a * 2 + a\n\nprint(foo(np.arange(4)))\n";
        let prog = crate::check(text).unwrap();
        let out = super::inspect_types(&prog, &Source::new("seed.py", text));
        assert!(out.starts_with("foo (array(int64, 1d, C),)\n"), "{out}");
        assert!(
            out.contains("# a = arg(0, name=a) :: array(int64, 1d, C)"),
            "{out}"
        );
        assert!(out.contains("# $1 = a * 2 :: array(int64, 1d, C)"), "{out}");
        assert!(
            out.contains("# $2 = $1 + a :: array(int64, 1d, C)"),
            "{out}"
        );
        assert!(out.contains("# --- LINE 4 --- \n"), "{out}");
        assert!(out.contains(&"=".repeat(80)), "{out}");
    }

    #[test]
    fn fused_expressions_show_as_one_statement() {
        let text = "import numpy as np\n\ndef foo(a, b):\n    return np.sqrt(a * a + b) * 2.0\n\n\
                    x = np.ones(3)\nprint(foo(x, x))\n";
        let prog = crate::check(text).unwrap();
        // As a compiler might decide: the whole expression, over the locals.
        fn leaves(e: &super::TExpr) -> Option<Vec<&super::TExpr>> {
            fn collect<'e>(e: &'e super::TExpr, out: &mut Vec<&'e super::TExpr>) {
                match &e.kind {
                    super::TExprKind::Rt(_, args) => args.iter().for_each(|a| collect(a, out)),
                    _ => out.push(e),
                }
            }
            let mut v = Vec::new();
            collect(e, &mut v);
            (e.ty.as_array().is_some() && v.len() == 4).then_some(v)
        }
        let out = super::inspect_types_with(&prog, &Source::new("f.py", text), &leaves);
        assert!(
            out.contains(
                "# $1 = fused(np.sqrt(((a * a) + b)) [loop float64] * 2.0) :: array(float64, 1d, C)"
            ),
            "{out}"
        );
        let foo = out.split(&"=".repeat(80)).next().unwrap_or("");
        assert!(!foo.contains("$2 = "), "{out}");
    }
}
