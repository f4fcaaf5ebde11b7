//! Nested functions, lifted to module level. A function defined inside
//! another and only called there becomes a top-level function named
//! `outer.inner` that takes the enclosing function's variables it reads as
//! leading parameters; each call passes their values at the time of the
//! call, which is what a Python closure reads (late binding). A nested
//! function that is used other than by calling it, or whose name the
//! enclosing function also assigns, is refused.

use hashbrown::{HashMap, HashSet};

use crate::ast::*;
use crate::diag::{DiagKind, Diagnostic, Result};

/// The module's statements with every nested function (one level deep)
/// lifted out of its top-level function and placed after it.
pub fn lift_nested(body: Vec<Stmt>) -> Result<Vec<Stmt>> {
    let mut out = Vec::with_capacity(body.len());
    for s in body {
        match s.kind {
            StmtKind::FunctionDef(f) => {
                let (outer, lifted) = lift_in(*f)?;
                out.push(Stmt {
                    kind: StmtKind::FunctionDef(Box::new(outer)),
                    span: s.span,
                });
                out.extend(lifted.into_iter().map(|f| Stmt {
                    span: f.span,
                    kind: StmtKind::FunctionDef(Box::new(f)),
                }));
            }
            kind => out.push(Stmt { kind, span: s.span }),
        }
    }
    Ok(out)
}

/// Takes the function definitions out of a block (not out of nested
/// functions), leaving `pass` in their place.
fn take_defs(body: &mut [Stmt], out: &mut Vec<FuncDef>) {
    for s in body.iter_mut() {
        match &mut s.kind {
            StmtKind::FunctionDef(_) => {
                let k = std::mem::replace(&mut s.kind, StmtKind::Pass);
                if let StmtKind::FunctionDef(f) = k {
                    out.push(*f);
                }
            }
            StmtKind::If { body, orelse, .. }
            | StmtKind::While { body, orelse, .. }
            | StmtKind::For { body, orelse, .. } => {
                take_defs(body, out);
                take_defs(orelse, out);
            }
            _ => {}
        }
    }
}

/// The names a function binds: its parameters and what its body assigns.
fn locals_of(params: &[Param], body: &[Stmt]) -> HashSet<String> {
    let mut set: HashSet<String> = params.iter().map(|p| p.name.clone()).collect();
    let mut counts = HashMap::new();
    crate::infer::count_assignments(body, &mut counts);
    set.extend(counts.into_keys());
    set
}

fn lift_in(mut f: FuncDef) -> Result<(FuncDef, Vec<FuncDef>)> {
    let mut nested = Vec::new();
    take_defs(&mut f.body, &mut nested);
    if nested.is_empty() {
        return Ok((f, nested));
    }
    let outer_locals = locals_of(&f.params, &f.body);
    let names: Vec<String> = nested.iter().map(|n| n.name.clone()).collect();
    for n in &nested {
        if outer_locals.contains(&n.name) || names.iter().filter(|m| **m == n.name).count() > 1 {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                n.name_span,
                format!(
                    "'{}' is a nested function that '{}' also binds to something else, which Kiln does not support",
                    n.name, f.name
                ),
            )
            .help("give the nested function a name of its own"));
        }
    }
    // What each nested function reads of the enclosing one's variables,
    // itself or through the nested functions it calls.
    let mut free: Vec<HashSet<String>> = Vec::new();
    let mut calls: Vec<Vec<usize>> = Vec::new();
    let mut own: Vec<HashSet<String>> = Vec::new();
    for n in &nested {
        let mine = locals_of(&n.params, &n.body);
        let mut read = HashSet::new();
        stmts_names(&n.body, &mut read);
        for p in &n.params {
            if let Some(d) = &p.default {
                expr_names(d, &mut read);
            }
        }
        free.push(
            read.iter()
                .filter(|r| outer_locals.contains(*r) && !mine.contains(*r))
                .cloned()
                .collect(),
        );
        calls.push(
            names
                .iter()
                .enumerate()
                .filter(|(_, m)| read.contains(*m) && !mine.contains(*m))
                .map(|(i, _)| i)
                .collect(),
        );
        own.push(mine);
    }
    loop {
        let mut grew = false;
        for i in 0..nested.len() {
            for &j in &calls[i].clone() {
                let add: Vec<String> = free[j]
                    .iter()
                    .filter(|v| !free[i].contains(*v) && !own[i].contains(*v))
                    .cloned()
                    .collect();
                grew |= !add.is_empty();
                free[i].extend(add);
            }
        }
        if !grew {
            break;
        }
    }
    let free: Vec<Vec<String>> = free
        .into_iter()
        .map(|s| {
            let mut v: Vec<String> = s.into_iter().collect();
            v.sort();
            v
        })
        .collect();
    let plan = Plan {
        outer: f.name.clone(),
        names: &names,
        free: &free,
    };
    plan.stmts(&mut f.body, &HashSet::new())?;
    let mut lifted = Vec::new();
    for (i, mut n) in nested.into_iter().enumerate() {
        plan.stmts(&mut n.body, &own[i])?;
        let extra = free[i].iter().map(|v| Param {
            name: v.clone(),
            span: n.name_span,
            default: None,
            annotation: None,
        });
        let mut params: Vec<Param> = extra.collect();
        params.append(&mut n.params);
        n.params = params;
        n.name = format!("{}.{}", f.name, n.name);
        lifted.push(n);
    }
    Ok((f, lifted))
}

/// How calls to the nested functions are rewritten.
struct Plan<'a> {
    outer: String,
    names: &'a [String],
    free: &'a [Vec<String>],
}

impl Plan<'_> {
    fn stmts(&self, body: &mut [Stmt], shadow: &HashSet<String>) -> Result<()> {
        for s in body {
            match &mut s.kind {
                StmtKind::Assign { targets, value } => {
                    for t in targets {
                        self.expr(t, shadow)?;
                    }
                    self.expr(value, shadow)?;
                }
                StmtKind::AugAssign { target, value, .. } => {
                    self.expr(target, shadow)?;
                    self.expr(value, shadow)?;
                }
                StmtKind::AnnAssign { target, value, .. } => {
                    self.expr(target, shadow)?;
                    if let Some(v) = value {
                        self.expr(v, shadow)?;
                    }
                }
                StmtKind::Expr(e) | StmtKind::Return(Some(e)) | StmtKind::Raise(Some(e)) => {
                    self.expr(e, shadow)?
                }
                StmtKind::If { test, body, orelse } | StmtKind::While { test, body, orelse } => {
                    self.expr(test, shadow)?;
                    self.stmts(body, shadow)?;
                    self.stmts(orelse, shadow)?;
                }
                StmtKind::For {
                    target,
                    iter,
                    body,
                    orelse,
                } => {
                    self.expr(target, shadow)?;
                    self.expr(iter, shadow)?;
                    self.stmts(body, shadow)?;
                    self.stmts(orelse, shadow)?;
                }
                StmtKind::Assert { test, msg } => {
                    self.expr(test, shadow)?;
                    if let Some(m) = msg {
                        self.expr(m, shadow)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn nested(&self, n: &str, shadow: &HashSet<String>) -> Option<usize> {
        if shadow.contains(n) {
            return None;
        }
        self.names.iter().position(|m| m == n)
    }

    fn expr(&self, e: &mut Expr, shadow: &HashSet<String>) -> Result<()> {
        match &mut e.kind {
            ExprKind::Call { func, args, kwargs } => {
                if let ExprKind::Name(n) = &func.kind {
                    if let Some(i) = self.nested(n, shadow) {
                        let span = func.span;
                        func.kind = ExprKind::Name(format!("{}.{}", self.outer, n));
                        let extra = self.free[i].iter().map(|v| Expr {
                            kind: ExprKind::Name(v.clone()),
                            span,
                        });
                        let mut all: Vec<Expr> = extra.collect();
                        all.append(args);
                        *args = all;
                    }
                } else {
                    self.expr(func, shadow)?;
                }
                for a in args.iter_mut() {
                    self.expr(a, shadow)?;
                }
                for k in kwargs {
                    self.expr(&mut k.value, shadow)?;
                }
            }
            ExprKind::Name(n) => {
                if self.nested(n, shadow).is_some() {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        e.span,
                        format!("the nested function '{n}' can only be called in Kiln, not used as a value"),
                    )
                    .help("call it where it is needed, or define it at module level"));
                }
            }
            _ => {
                let mut err = Ok(());
                children_mut(e, &mut |c| {
                    if err.is_ok() {
                        err = self.expr(c, shadow);
                    }
                });
                err?;
            }
        }
        Ok(())
    }
}

/// Applies `f` to each direct subexpression of `e` (calls and names are
/// handled by the caller).
fn children_mut(e: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
    match &mut e.kind {
        ExprKind::Unary(_, a) | ExprKind::Attribute(a, _) => f(a),
        ExprKind::Binary(_, a, b) | ExprKind::BoolOp(_, a, b) | ExprKind::Subscript(a, b) => {
            f(a);
            f(b);
        }
        ExprKind::Compare(a, rest) => {
            f(a);
            for (_, b) in rest {
                f(b);
            }
        }
        ExprKind::IfExp { test, body, orelse } => {
            f(test);
            f(body);
            f(orelse);
        }
        ExprKind::Call { func, args, kwargs } => {
            f(func);
            args.iter_mut().for_each(&mut *f);
            for k in kwargs {
                f(&mut k.value);
            }
        }
        ExprKind::Slice(a, b, c) => {
            for x in [a, b, c].into_iter().flatten() {
                f(x);
            }
        }
        ExprKind::Tuple(items) | ExprKind::List(items) => items.iter_mut().for_each(f),
        ExprKind::FString(parts) => fstr_mut(parts, f),
        _ => {}
    }
}

fn fstr_mut(parts: &mut [FStrPart], f: &mut dyn FnMut(&mut Expr)) {
    for p in parts {
        if let FStrPart::Field { value, spec, .. } = p {
            f(value);
            fstr_mut(spec, f);
        }
    }
}

/// Every name an expression reads.
fn expr_names(e: &Expr, out: &mut HashSet<String>) {
    let mut e = e.clone();
    names_mut(&mut e, out);
}

fn names_mut(e: &mut Expr, out: &mut HashSet<String>) {
    if let ExprKind::Name(n) = &e.kind {
        out.insert(n.clone());
        return;
    }
    children_mut(e, &mut |c| names_mut(c, out));
}

/// Every name a block reads (its nested functions aside).
fn stmts_names(body: &[Stmt], out: &mut HashSet<String>) {
    for s in body {
        match &s.kind {
            StmtKind::Assign { targets, value } => {
                targets.iter().for_each(|t| expr_names(t, out));
                expr_names(value, out);
            }
            StmtKind::AugAssign { target, value, .. } => {
                expr_names(target, out);
                expr_names(value, out);
            }
            StmtKind::AnnAssign { target, value, .. } => {
                expr_names(target, out);
                if let Some(v) = value {
                    expr_names(v, out);
                }
            }
            StmtKind::Expr(e) | StmtKind::Return(Some(e)) | StmtKind::Raise(Some(e)) => {
                expr_names(e, out)
            }
            StmtKind::If { test, body, orelse } | StmtKind::While { test, body, orelse } => {
                expr_names(test, out);
                stmts_names(body, out);
                stmts_names(orelse, out);
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                expr_names(target, out);
                expr_names(iter, out);
                stmts_names(body, out);
                stmts_names(orelse, out);
            }
            StmtKind::Assert { test, msg } => {
                expr_names(test, out);
                if let Some(m) = msg {
                    expr_names(m, out);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    fn check(src: &str) -> Result<(), String> {
        crate::check(src).map(|_| ()).map_err(|e| e.message)
    }

    #[test]
    fn nested_functions_are_called_with_what_they_read() {
        let ok = "def f(n):\n    m = 2\n    def g(k):\n        return k * m + n\n    return g(1)\nprint(f(3))\n";
        check(ok).unwrap();
        let p = crate::check(ok).unwrap();
        let g = p.function_def("f.g").expect("lifted");
        let names: Vec<&str> = g.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["m", "n", "k"]);
    }

    #[test]
    fn what_cannot_be_lifted_is_refused() {
        let value =
            "def f():\n    def g():\n        return 1\n    h = g\n    return h()\nprint(f())\n";
        assert!(check(value).unwrap_err().contains("can only be called"));
        let rebound =
            "def f():\n    def g():\n        return 1\n    g = 2\n    return g\nprint(f())\n";
        assert!(check(rebound).unwrap_err().contains("also binds"));
        let deep = "def f():\n    def g():\n        def h():\n            return 1\n        return h()\n    return g()\nprint(f())\n";
        assert!(check(deep)
            .unwrap_err()
            .contains("nested in a nested function"));
    }
}
