//! Definite assignment: which reads of a local may run before the local has
//! been assigned on some path.
//!
//! Python decides at compile time only which names are local (every name a
//! function assigns anywhere); whether a local holds a value is decided at
//! run time, and reading one that does not raises `UnboundLocalError`. A
//! register always holds some bits, so the bytecode compiler must check the
//! reads that can find a local unassigned. This analysis finds them, so that
//! every other read, the ones every path reaches with the local assigned,
//! costs nothing.
//!
//! The analysis runs forward over one specialisation's typed body and keeps
//! the set of locals assigned on every path to the current point. Nothing
//! unassigns a local (Kiln has no `del`), so a set only grows along a path:
//! a loop's head sees exactly what its entry sees, and no fixpoint is needed.
//! A read that runs without raising proves its local assigned for the rest of
//! the path; that is credited at statement boundaries only, so the result
//! does not depend on the order in which the compiler evaluates the operands
//! of one expression.

use std::collections::HashSet;

use crate::diag::Span;
use crate::tir::{Const, LocalId, TExpr, TExprKind, TFunc, TStmt, TStmtKind, Target};

/// The reads of one specialisation that may find their local unassigned.
#[derive(Clone, Debug, Default)]
pub struct Unbound {
    /// Each read as (local, span of the name). The compiler may evaluate a
    /// TIR node more than once (a lowered `for x in a` reads `a` in its
    /// bound and in its body); keying by span checks every copy, which is
    /// never wrong, only sometimes one check more than needed.
    reads: HashSet<(LocalId, Span)>,
    /// The locals with such reads, ascending.
    locals: Vec<LocalId>,
}

impl Unbound {
    /// Must this read of `local` at `span` check that the local is assigned?
    pub fn check(&self, local: LocalId, span: Span) -> bool {
        self.reads.contains(&(local, span))
    }

    /// The locals whose assignedness must be known at run time, ascending.
    pub fn locals(&self) -> &[LocalId] {
        &self.locals
    }

    /// How many reads need a check.
    pub fn len(&self) -> usize {
        self.reads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.reads.is_empty()
    }
}

/// Finds the reads of `f` that may run before their local is assigned.
/// Parameters are assigned on entry; every other local starts unassigned.
pub fn analyse(f: &TFunc) -> Unbound {
    let mut w = Walk {
        reads: HashSet::new(),
        breaks: Vec::new(),
    };
    let mut entry = Set::new(f.locals.len());
    for &p in &f.params {
        entry.insert(p);
    }
    let mut s = Some(entry);
    w.block(&f.body, &mut s);
    let mut locals: Vec<LocalId> = w.reads.iter().map(|&(l, _)| l).collect();
    locals.sort_unstable();
    locals.dedup();
    Unbound {
        reads: w.reads,
        locals,
    }
}

/// A set of locals, one bit each.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Set(Vec<u64>);

impl Set {
    fn new(n: usize) -> Set {
        Set(vec![0; n.div_ceil(64)])
    }
    fn contains(&self, l: LocalId) -> bool {
        let l = l as usize;
        self.0.get(l / 64).is_some_and(|w| w & (1 << (l % 64)) != 0)
    }
    fn insert(&mut self, l: LocalId) {
        let l = l as usize;
        if self.0.len() <= l / 64 {
            self.0.resize(l / 64 + 1, 0);
        }
        self.0[l / 64] |= 1 << (l % 64);
    }
    fn union(&mut self, o: &Set) {
        if self.0.len() < o.0.len() {
            self.0.resize(o.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a |= b;
        }
    }
    fn intersect(&mut self, o: &Set) {
        for (i, a) in self.0.iter_mut().enumerate() {
            *a &= o.0.get(i).copied().unwrap_or(0);
        }
    }
}

/// The state at a program point: the locals assigned on every path that
/// reaches it, or `None` where no path does (after `return`, `raise`,
/// `break`, `continue`).
type State = Option<Set>;

/// Where two paths join: what both have assigned.
fn meet(a: State, b: State) -> State {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(mut a), Some(b)) => {
            a.intersect(&b);
            Some(a)
        }
    }
}

struct Walk {
    reads: HashSet<(LocalId, Span)>,
    /// For each enclosing loop, the meet of the states at its `break`s.
    breaks: Vec<State>,
}

impl Walk {
    fn block(&mut self, body: &[TStmt], s: &mut State) {
        for st in body {
            if s.is_none() {
                // Unreachable code never reads anything.
                return;
            }
            self.stmt(st, s);
        }
    }

    /// Notes the reads of `e` evaluated in state `s`; the locals it reads
    /// whenever it runs are assigned afterwards.
    fn eval(&mut self, e: &TExpr, s: &mut State) {
        if let Some(set) = s {
            let mut read = Set::new(0);
            self.expr(e, set, &mut read);
            set.union(&read);
        }
    }

    fn stmt(&mut self, st: &TStmt, s: &mut State) {
        match &st.kind {
            TStmtKind::Expr(e) => self.eval(e, s),
            TStmtKind::Assign(t, e) => {
                self.eval(e, s);
                if let Some(set) = s {
                    assign(t, set);
                }
            }
            TStmtKind::If(c, a, b) => {
                self.eval(c, s);
                match c.kind {
                    // Lowerings wrap statement groups in `if True:`.
                    TExprKind::Const(Const::Bool(true)) => self.block(a, s),
                    TExprKind::Const(Const::Bool(false)) => self.block(b, s),
                    _ => {
                        let mut other = s.clone();
                        self.block(a, s);
                        self.block(b, &mut other);
                        *s = meet(s.take(), other);
                    }
                }
            }
            TStmtKind::While { cond, body, orelse } => {
                // The head sees the entry's state: a body only adds to it.
                self.eval(cond, s);
                let mut inside = s.clone();
                self.breaks.push(None);
                self.block(body, &mut inside);
                let broke = self.breaks.pop().flatten();
                if matches!(cond.kind, TExprKind::Const(Const::Bool(true))) {
                    *s = None;
                }
                self.block(orelse, s);
                *s = meet(s.take(), broke);
            }
            TStmtKind::ForRange {
                var,
                start,
                stop,
                step,
                body,
                orelse,
            } => {
                self.eval(start, s);
                self.eval(stop, s);
                self.eval(step, s);
                // The variable is assigned only once the loop runs: after
                // it, as in Python, it may still be unassigned.
                let mut inside = s.clone();
                if let Some(set) = &mut inside {
                    set.insert(*var);
                }
                self.breaks.push(None);
                self.block(body, &mut inside);
                let broke = self.breaks.pop().flatten();
                self.block(orelse, s);
                *s = meet(s.take(), broke);
            }
            TStmtKind::Break => {
                let here = s.take();
                if let Some(b) = self.breaks.last_mut() {
                    *b = match b.take() {
                        None => here,
                        Some(prev) => meet(Some(prev), here),
                    };
                }
            }
            TStmtKind::Continue | TStmtKind::Raise(..) => *s = None,
            TStmtKind::RaiseText(_, m) => {
                self.eval(m, s);
                *s = None;
            }
            TStmtKind::Return(v) => {
                if let Some(v) = v {
                    self.eval(v, s);
                }
                *s = None;
            }
            TStmtKind::Assert(c, _) => {
                self.eval(c, s);
                if matches!(c.kind, TExprKind::Const(Const::Bool(false))) {
                    *s = None;
                }
            }
            TStmtKind::Print { args, .. } => {
                for a in args {
                    self.eval(a, s);
                }
            }
        }
    }

    /// Records the reads in `e` of locals not in `s`; adds to `read` the
    /// locals `e` reads on every evaluation.
    fn expr(&mut self, e: &TExpr, s: &Set, read: &mut Set) {
        match &e.kind {
            TExprKind::Const(_) => {}
            TExprKind::Local(id) => {
                if !s.contains(*id) {
                    self.reads.insert((*id, e.span));
                }
                read.insert(*id);
            }
            TExprKind::Neg(x)
            | TExprKind::Invert(x)
            | TExprKind::Not(x)
            | TExprKind::Truth(x)
            | TExprKind::Cast(x)
            | TExprKind::TupleGet(x, _) => self.expr(x, s, read),
            TExprKind::Binary(_, l, r) => {
                self.expr(l, s, read);
                self.expr(r, s, read);
            }
            TExprKind::And(l, r) | TExprKind::Or(l, r) => {
                self.expr(l, s, read);
                self.expr(r, s, &mut Set::new(0));
            }
            TExprKind::IfExp(c, a, b) => {
                self.expr(c, s, read);
                self.expr(a, s, &mut Set::new(0));
                self.expr(b, s, &mut Set::new(0));
            }
            TExprKind::Compare(operands, _) => {
                // A chain stops at its first false comparison: operands
                // past the second may not run.
                for (i, o) in operands.iter().enumerate() {
                    if i < 2 {
                        self.expr(o, s, read);
                    } else {
                        self.expr(o, s, &mut Set::new(0));
                    }
                }
            }
            TExprKind::Call(_, args)
            | TExprKind::Intrinsic(_, args)
            | TExprKind::Tuple(args)
            | TExprKind::Rt(_, args)
            | TExprKind::Format(_, args) => {
                for a in args {
                    self.expr(a, s, read);
                }
            }
        }
    }
}

fn assign(t: &Target, s: &mut Set) {
    match t {
        Target::Local(id) => s.insert(*id),
        Target::Tuple(items) => items.iter().for_each(|t| assign(t, s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names of the function `name`'s reads that need a check, in
    /// source order, each with its line.
    fn checked(src: &str, name: &str, args: Vec<crate::Type>) -> Vec<(String, usize)> {
        let module = crate::parser::parse(src).unwrap();
        let mut p = crate::Program::new(module).unwrap();
        let module_id = p.module_spec();
        let id = if name == "<module>" {
            module_id
        } else {
            p.specialise(name, args).unwrap()
        };
        p.solve().unwrap();
        let f = p.spec(id);
        let u = analyse(f);
        let mut v: Vec<(u32, String)> = u
            .reads
            .iter()
            .map(|&(l, sp)| (sp.start, f.locals[l as usize].name.clone()))
            .collect();
        v.sort();
        v.into_iter()
            .map(|(start, n)| {
                let line = src[..start as usize].matches('\n').count() + 1;
                (n, line)
            })
            .collect()
    }

    fn int() -> Vec<crate::Type> {
        vec![crate::Type::Int]
    }

    fn names(v: &[(&str, usize)]) -> Vec<(String, usize)> {
        v.iter().map(|&(n, l)| (n.to_string(), l)).collect()
    }

    #[test]
    fn straight_line_reads_after_assignment_need_no_check() {
        let src = "def f(n):\n    x = n + 1\n    y = x * 2\n    return x + y\n";
        assert_eq!(checked(src, "f", int()), names(&[]));
    }

    #[test]
    fn a_read_before_the_assignment_is_checked() {
        let src = "def f(n):\n    print(i)\n    for i in range(n):\n        pass\n";
        assert_eq!(checked(src, "f", int()), names(&[("i", 2)]));
    }

    #[test]
    fn one_armed_if_leaves_the_name_maybe_unassigned() {
        let src = "def f(n):\n    if n > 0:\n        a = 1\n    return a\n";
        assert_eq!(checked(src, "f", int()), names(&[("a", 4)]));
        let both = "def f(n):\n    if n > 0:\n        a = 1\n    elif n < 0:\n        a = 2\n    else:\n        a = 3\n    return a\n";
        assert_eq!(checked(both, "f", int()), names(&[]));
        let elif_gap = "def f(n):\n    if n > 0:\n        a = 1\n    elif n < 0:\n        a = 2\n    return a\n";
        assert_eq!(checked(elif_gap, "f", int()), names(&[("a", 6)]));
    }

    #[test]
    fn branches_that_leave_do_not_weaken_the_join() {
        let src =
            "def f(n):\n    if n > 0:\n        a = 1\n    else:\n        return 0\n    return a\n";
        assert_eq!(checked(src, "f", int()), names(&[]));
        let raise = "def f(n):\n    if n > 0:\n        a = 1\n    else:\n        raise ValueError(\"no\")\n    return a\n";
        assert_eq!(checked(raise, "f", int()), names(&[]));
    }

    #[test]
    fn loops_may_run_zero_times() {
        let src = "def f(n):\n    for i in range(n):\n        s = i\n    print(i)\n    return s\n";
        assert_eq!(checked(src, "f", int()), names(&[("i", 4), ("s", 5)]));
        let w = "def f(n):\n    while n > 0:\n        s = n\n        n -= 1\n    return s\n";
        assert_eq!(checked(w, "f", int()), names(&[("s", 5)]));
    }

    #[test]
    fn the_loop_variable_is_assigned_inside_the_body() {
        let src = "def f(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n";
        assert_eq!(checked(src, "f", int()), names(&[]));
    }

    #[test]
    fn an_assignment_later_in_a_loop_body_does_not_cover_an_earlier_read() {
        let src = "def f(n):\n    for i in range(n):\n        if i > 0:\n            print(p)\n        p = i\n    return 0\n";
        assert_eq!(checked(src, "f", int()), names(&[("p", 4)]));
    }

    #[test]
    fn break_and_else_paths_meet_after_the_loop() {
        // Only the `else` (no break) path and the break path leave the
        // loop; both assign `r`.
        let src = "def f(n):\n    for i in range(n):\n        if i == 3:\n            r = 1\n            break\n    else:\n        r = 2\n    return r\n";
        assert_eq!(checked(src, "f", int()), names(&[]));
        let one = "def f(n):\n    for i in range(n):\n        if i == 3:\n            break\n    else:\n        r = 2\n    return r\n";
        assert_eq!(checked(one, "f", int()), names(&[("r", 7)]));
        let forever = "def f(n):\n    while True:\n        r = n\n        if n > 2:\n            break\n        n += 1\n    return r\n";
        assert_eq!(checked(forever, "f", int()), names(&[]));
    }

    #[test]
    fn continue_paths_do_not_reach_the_rest_of_the_body() {
        let src = "def f(n):\n    for i in range(n):\n        if i % 2 == 0:\n            continue\n        q = i\n        print(q)\n    return 0\n";
        assert_eq!(checked(src, "f", int()), names(&[]));
    }

    #[test]
    fn augmented_assignment_reads_first() {
        let src = "def f(n):\n    s += n\n    return s\n";
        assert_eq!(checked(src, "f", int()), names(&[("s", 2)]));
    }

    #[test]
    fn a_read_that_passed_its_check_proves_the_name_for_later_statements() {
        let src =
            "def f(n):\n    if n > 0:\n        x = 1\n    print(x)\n    print(x)\n    return x\n";
        assert_eq!(checked(src, "f", int()), names(&[("x", 4)]));
        // Not from a branch that may not run.
        let cond =
            "def f(n):\n    if n > 0:\n        x = 1\n    y = n > 1 and x > 0\n    return x\n";
        assert_eq!(checked(cond, "f", int()), names(&[("x", 4), ("x", 5)]));
    }

    #[test]
    fn parameters_and_module_constants_are_always_assigned() {
        let src = "K = 3\ndef f(n):\n    return n + K\n";
        assert_eq!(checked(src, "f", int()), names(&[]));
        let local = "K = 3\ndef f(n):\n    print(K)\n    K = n\n    return K\n";
        assert_eq!(checked(local, "f", int()), names(&[("K", 3)]));
    }

    #[test]
    fn module_code_is_analysed_too() {
        let src = "n = 3\nif n > 4:\n    z = 1\nprint(z)\n";
        assert_eq!(checked(src, "<module>", vec![]), names(&[("z", 4)]));
    }
}
