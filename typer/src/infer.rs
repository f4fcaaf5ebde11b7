//! Type inference: from the syntax tree to one typed [`TFunc`] per
//! specialisation (function × argument types), like Numba's dispatcher.
//!
//! Inference is a fixpoint. A specialisation's return type starts
//! [`Type::Unknown`]; operations on unknowns give unknowns and never errors.
//! Every specialisation is re-inferred until no return type or local type
//! changes; then a specialisation that still returns an unknown can never
//! return (unbounded recursion) and gets int64, and the loop runs once more.
//! Locals keep one type per specialisation: the union of all assignments.

use std::rc::Rc;

use hashbrown::{HashMap, HashSet};

use crate::ast::*;
use crate::builtins::{self, Math1, ModuleKind};
use crate::diag::{DiagKind, Diagnostic, Result, Span};
use crate::tir::*;
use crate::types::Type;

mod arrays;
mod consts;
mod format;
mod index;
mod iter;
mod npextra;
mod npmore;
mod npsearch;
mod random;
pub use arrays::ufunc_name;

/// Where a name imported at module level points.
#[derive(Clone, Debug)]
enum Import {
    Module(ModuleKind),
    /// `from math import sqrt` and the like: (module, attribute).
    Member(ModuleKind, String),
}

/// Which function a specialisation is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FuncRef {
    Module,
    Def(usize),
}

#[derive(Clone, Debug)]
pub struct Spec {
    pub func: FuncRef,
    pub args: Vec<Type>,
    pub ret: Type,
    pub body: Option<TFunc>,
    error: Option<Diagnostic>,
    locals: Vec<Local>,
    /// The return type was never inferable (the function cannot return) and
    /// was defaulted; later rounds keep the default.
    defaulted: bool,
    /// The specialisations that read its return type: inferred again when
    /// it changes.
    readers: Vec<SpecId>,
}

/// A whole program being typed: its definitions and all specialisations.
pub struct Program {
    module: Rc<Vec<Stmt>>,
    funcs: Vec<Rc<FuncDef>>,
    func_index: HashMap<String, usize>,
    /// Module-level constants with their types.
    consts: HashMap<String, (Const, Type)>,
    /// Names assigned once at module level to a tuple of constants or an
    /// array made from constants (`W = np.array([0.25, 0.5, 0.25])`):
    /// functions read them as Numba does, frozen, each call making the
    /// array anew from the expression.
    frozen: HashMap<String, Rc<Expr>>,
    /// Names assigned at module level that are not constants.
    module_vars: HashSet<String>,
    imports: HashMap<String, Import>,
    pub specs: Vec<Spec>,
    spec_index: HashMap<(FuncRef, Vec<Type>), SpecId>,
    /// Array classes and their typing hooks.
    pub classes: crate::classes::ClassesRef,
    /// Set for one round once inference has converged with locals still
    /// untyped: see [`Program::solve`].
    untyped_from_aug: bool,
    /// The first call that requested each specialisation: (caller, call).
    call_sites: HashMap<SpecId, (SpecId, Span)>,
    /// Specialisations a host asked for ([`Program::specialise`]), whose
    /// results go back to it.
    host_calls: HashSet<SpecId>,
    /// (callee, caller) pairs already in the callee's `readers`.
    reads: HashSet<(SpecId, SpecId)>,
    /// Specialisations of each function.
    per_func: HashMap<FuncRef, usize>,
    /// What changed since [`Program::mark`], to undo it.
    journal: Option<Journal>,
}

/// The changes to a program since [`Program::mark`]: the specialisations
/// then, a copy of each of them before it changed, and the links added
/// between them.
struct Journal {
    len: usize,
    saved: HashMap<usize, Spec>,
    reads: Vec<(SpecId, SpecId)>,
    sites: Vec<SpecId>,
}

/// The state [`Program::rollback`] goes back to.
#[derive(Clone, Copy, Debug)]
pub struct Mark(usize);

/// Most specialisations of one function (runaway recursion on types: a
/// program that calls each function with a few argument types stays far
/// below it, however many functions it has).
const MAX_SPECS_PER_FUNC: usize = 4096;
/// Most specialisations of one module in all: calls name their callee with
/// 16 bits.
pub const MAX_SPECS: usize = 1 << 16;
/// Largest argument types a call may specialise a function for: tuples at
/// most this deep and of at most this many types in all. A recursive call
/// whose argument grows (`f((t, 1))`) reaches them within a few calls,
/// instead of making thousands of ever larger specialisations first.
const MAX_ARG_DEPTH: usize = 32;
const MAX_ARG_PARTS: usize = 1024;
/// Passes over one function until its locals settle; also the inferences
/// [`Program::solve`] may spend per specialisation on average.
const MAX_ROUNDS: usize = 64;

/// Specialisations waiting to be inferred, first in first out, each once.
#[derive(Default)]
struct Queue {
    items: std::collections::VecDeque<usize>,
    queued: Vec<bool>,
}

impl Queue {
    fn push(&mut self, i: usize) {
        if self.queued.len() <= i {
            self.queued.resize(i + 1, false);
        }
        if !self.queued[i] {
            self.queued[i] = true;
            self.items.push_back(i);
        }
    }

    fn pop(&mut self) -> Option<usize> {
        let i = self.items.pop_front()?;
        self.queued[i] = false;
        Some(i)
    }
}

/// Inferences one [`Program::solve`] has spent, and may spend per
/// specialisation.
struct Budget {
    spent: usize,
    per_spec: usize,
}

impl Program {
    /// Collects definitions, imports and module constants.
    pub fn new(module: Module) -> Result<Program> {
        let module = Module {
            body: crate::lift::lift_nested(module.body)?,
        };
        let mut p = Program {
            module: Rc::new(Vec::new()),
            funcs: Vec::new(),
            func_index: HashMap::new(),
            consts: HashMap::new(),
            frozen: HashMap::new(),
            module_vars: HashSet::new(),
            imports: HashMap::new(),
            specs: Vec::new(),
            spec_index: HashMap::new(),
            classes: crate::classes::Classes::shared(),
            untyped_from_aug: false,
            call_sites: HashMap::new(),
            host_calls: HashSet::new(),
            reads: HashSet::new(),
            per_func: HashMap::new(),
            journal: None,
        };
        let mut assign_counts: HashMap<String, usize> = HashMap::new();
        count_assignments(&module.body, &mut assign_counts);
        for stmt in &module.body {
            match &stmt.kind {
                StmtKind::FunctionDef(f) => {
                    check_decorators(f, &p.imports)?;
                    if let Some(&prev) = p.func_index.get(&f.name) {
                        return Err(Diagnostic::new(
                            DiagKind::Unsupported,
                            f.name_span,
                            format!("function '{}' is defined twice", f.name),
                        )
                        .note(p.funcs[prev].name_span, "first defined here")
                        .help("give the functions different names"));
                    }
                    if assign_counts.contains_key(&f.name) {
                        return Err(Diagnostic::new(
                            DiagKind::Unsupported,
                            f.name_span,
                            format!("'{}' is both a function and a variable", f.name),
                        ));
                    }
                    p.func_index.insert(f.name.clone(), p.funcs.len());
                    p.funcs.push(Rc::new((**f).clone()));
                }
                StmtKind::Import(names) => {
                    for (m, alias) in names {
                        let kind =
                            builtins::module_kind(m).ok_or_else(|| no_module(stmt.span, m))?;
                        // `import numpy.random` binds `numpy`.
                        let (name, kind) = match (alias, m.split_once('.')) {
                            (Some(a), _) => (a.clone(), kind),
                            (None, Some((head, _))) => (
                                head.to_string(),
                                builtins::module_kind(head)
                                    .ok_or_else(|| no_module(stmt.span, head))?,
                            ),
                            (None, None) => (m.clone(), kind),
                        };
                        p.imports.insert(name, Import::Module(kind));
                    }
                }
                StmtKind::ImportFrom(m, names) => {
                    let kind = builtins::module_kind(m).ok_or_else(|| no_module(stmt.span, m))?;
                    for (n, alias) in names {
                        let imp = match (kind, n.as_str()) {
                            (ModuleKind::Numpy, "random") => Import::Module(ModuleKind::NpRandom),
                            _ => Import::Member(kind, n.clone()),
                        };
                        p.imports
                            .insert(alias.clone().unwrap_or_else(|| n.clone()), imp);
                    }
                }
                StmtKind::Assign { targets, value } if targets.len() == 1 => {
                    if let ExprKind::Name(n) = &targets[0].kind {
                        if assign_counts.get(n) == Some(&1) {
                            if let Some(c) = p.const_value(value) {
                                p.consts.insert(n.clone(), c);
                            } else if p.frozen_value(value) {
                                p.frozen.insert(n.clone(), Rc::new(value.clone()));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let changed: Vec<String> = p
            .frozen
            .keys()
            .filter(|n| p.module_changes(&module.body, n))
            .cloned()
            .collect();
        for n in changed {
            p.frozen.remove(&n);
        }
        for name in assign_counts.keys() {
            if !p.consts.contains_key(name) && !p.frozen.contains_key(name) {
                p.module_vars.insert(name.clone());
            }
        }
        check_nested(&module.body, false)?;
        p.module = Rc::new(module.body);
        Ok(p)
    }

    /// Names of the top-level functions, in definition order.
    pub fn function_names(&self) -> impl Iterator<Item = &str> {
        self.funcs.iter().map(|f| f.name.as_str())
    }

    pub fn function_def(&self, name: &str) -> Option<&FuncDef> {
        self.func_index.get(name).map(|&i| &*self.funcs[i])
    }

    /// The specialisation of the module's top-level code (always id 0 once requested).
    pub fn module_spec(&mut self) -> SpecId {
        self.spec_for(FuncRef::Module, Vec::new())
    }

    /// Requests the specialisation of a top-level function for argument
    /// types (as a host call would), and types it with everything it reaches.
    pub fn specialise(
        &mut self,
        name: &str,
        args: Vec<Type>,
    ) -> std::result::Result<SpecId, String> {
        let Some(&f) = self.func_index.get(name) else {
            return Err(format!("no function named '{name}'"));
        };
        let def = &self.funcs[f];
        let (min, max) = arity(def);
        if args.len() < min || args.len() > max {
            return Err(format!(
                "{}() takes {} arguments but {} were given",
                name,
                arity_text(min, max),
                args.len()
            ));
        }
        let mut args = args;
        for p in &def.params[args.len()..] {
            let (_, t) = p
                .default
                .as_ref()
                .and_then(|d| self.const_value(d))
                .ok_or("default is not a constant")?;
            args.push(t);
        }
        let id = self.spec_for(FuncRef::Def(f), args);
        self.host_calls.insert(id);
        Ok(id)
    }

    fn spec_for(&mut self, func: FuncRef, args: Vec<Type>) -> SpecId {
        if let Some(&id) = self.spec_index.get(&(func, args.clone())) {
            return id;
        }
        let id = self.specs.len() as SpecId;
        *self.per_func.entry(func).or_default() += 1;
        self.spec_index.insert((func, args.clone()), id);
        self.specs.push(Spec {
            func,
            args,
            ret: Type::Unknown,
            body: None,
            error: None,
            locals: Vec::new(),
            defaulted: false,
            readers: Vec::new(),
        });
        id
    }

    /// Starts recording changes, so that [`Program::rollback`] can undo a
    /// request that fails (to type, or later to compile) without typing the
    /// program again. Replaces an earlier mark.
    pub fn mark(&mut self) -> Mark {
        self.journal = Some(Journal {
            len: self.specs.len(),
            saved: HashMap::new(),
            reads: Vec::new(),
            sites: Vec::new(),
        });
        Mark(self.specs.len())
    }

    /// Keeps the changes since [`Program::mark`] and stops recording.
    pub fn commit(&mut self) {
        self.journal = None;
    }

    /// Puts the program back as it was at `mark`: the specialisations made
    /// since are forgotten, the ones retyped since get their old types.
    pub fn rollback(&mut self, mark: Mark) {
        let Some(j) = self.journal.take() else {
            return;
        };
        debug_assert_eq!(j.len, mark.0);
        let n = j.len;
        for (i, s) in j.saved {
            self.specs[i] = s;
        }
        for s in self.specs.drain(n..) {
            let count = self.per_func.get_mut(&s.func).expect("counted when made");
            *count -= 1;
            if *count == 0 {
                self.per_func.remove(&s.func);
            }
            self.spec_index.remove(&(s.func, s.args));
        }
        for (callee, caller) in j.reads {
            self.reads.remove(&(callee, caller));
            if let Some(s) = self.specs.get_mut(callee as usize) {
                s.readers.retain(|&r| r != caller);
            }
        }
        for id in j.sites {
            self.call_sites.remove(&id);
        }
        self.host_calls.retain(|&h| (h as usize) < n);
        self.untyped_from_aug = false;
    }

    /// Keeps a copy of specialisation `i` as it was at the mark, before
    /// its first change since.
    fn save(&mut self, i: usize) {
        if let Some(j) = &mut self.journal {
            if i < j.len && !j.saved.contains_key(&i) {
                j.saved.insert(i, self.specs[i].clone());
            }
        }
    }

    /// Runs inference to its fixpoint over every specialisation requested so far
    /// (and those they reach). Returns the first error.
    ///
    /// A worklist: a specialisation is inferred again only when the return
    /// type of one it calls has changed (or its own locals had not settled),
    /// so a chain of calls of any length converges with a few inferences per
    /// specialisation. The work is bounded all the same: at most
    /// `MAX_ROUNDS` inferences per specialisation on average, at most
    /// `MAX_SPECS_PER_FUNC` specialisations of a function and
    /// [`MAX_SPECS`] in all.
    pub fn solve(&mut self) -> Result<()> {
        self.solve_within(MAX_ROUNDS)
    }

    /// [`Program::solve`] with `per_spec` inferences per specialisation.
    fn solve_within(&mut self, per_spec: usize) -> Result<()> {
        let mut queue = Queue::default();
        // Those not typed yet: the first call types all; a host's later
        // request types only what it adds.
        for i in 0..self.specs.len() {
            if self.specs[i].body.is_none() {
                queue.push(i);
            }
        }
        if let Some(first) = self.specs.iter().position(|s| s.body.is_none()) {
            self.check_count(first)?;
        }
        let mut budget = Budget { spent: 0, per_spec };
        let mut defaulted = false;
        let mut typed_aug = false;
        loop {
            while let Some(i) = queue.pop() {
                self.step(i, &mut queue, &mut budget)?;
            }
            // Converged. A specialisation whose return type is still unknown
            // returns only what it returns itself: it can never return, so any
            // type is sound; int64 lets its callers type-check.
            // Operations on unknown types never fail, so an error now is
            // not a consequence of a missing type: report it where it is,
            // before the defaults below type its callers (which would then
            // fail on a made-up type).
            if let Some(i) = self.specs.iter().position(|s| s.error.is_some()) {
                let e = self.specs[i].error.clone().unwrap();
                return Err(self.with_call_chain(e, i as SpecId));
            }
            if !defaulted {
                for i in 0..self.specs.len() {
                    if self.specs[i].ret.is_unknown() {
                        self.save(i);
                        let s = &mut self.specs[i];
                        s.ret = default_unknown(&s.ret);
                        s.defaulted = true;
                        defaulted = true;
                        for &r in &s.readers {
                            queue.push(r as usize);
                        }
                    }
                }
                if defaulted {
                    continue;
                }
            }
            // A local still untyped has only assignments that need its own
            // value first (`s += x` alone), so it is never assigned and
            // every read of it raises UnboundLocalError: any type is sound.
            // For one pass, an augmented assignment gives such a local the
            // type of its right side; later passes keep and widen it.
            let untyped = |s: &Spec| s.locals.iter().any(|l| l.ty == Type::Unknown);
            if !typed_aug && self.specs.iter().any(untyped) {
                typed_aug = true;
                self.untyped_from_aug = true;
                // The pass also infers what it requests, as it goes.
                let start = self.specs.len();
                let mut i = 0;
                while i < self.specs.len() {
                    if i >= start || untyped(&self.specs[i]) {
                        if let Err(e) = self.step(i, &mut queue, &mut budget) {
                            self.untyped_from_aug = false;
                            return Err(e);
                        }
                    }
                    i += 1;
                }
                self.untyped_from_aug = false;
                continue;
            }
            for (i, s) in self.specs.iter().enumerate() {
                if let Some(e) = &s.error {
                    return Err(self.with_call_chain(e.clone(), i as SpecId));
                }
            }
            for s in &self.specs {
                if let Some(sp) = find_unknown(s.body.as_ref().unwrap()) {
                    return Err(Diagnostic::new(
                        DiagKind::Type,
                        sp,
                        "cannot infer a type for this expression",
                    ));
                }
            }
            // Strings made at run time stay inside the program.
            for &id in &self.host_calls {
                if has_text(&self.specs[id as usize].ret) {
                    let name = &self.specs[id as usize].body.as_ref().unwrap().name;
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        self.spec_span(id as usize),
                        format!("{name}() returns a string made at run time, which Kiln cannot hand to a host"),
                    )
                    .help("print it in the function, or return the numbers it shows"));
                }
            }
            return Ok(());
        }
    }

    /// Infers specialisation `i` once and queues what its result affects:
    /// the callers that read its return type if that changed, itself if its
    /// locals had not settled, and every specialisation its body requested.
    fn step(&mut self, i: usize, queue: &mut Queue, budget: &mut Budget) -> Result<()> {
        budget.spent += 1;
        if budget.spent > budget.per_spec.saturating_mul(self.specs.len()) {
            return Err(Diagnostic::new(
                DiagKind::Limit,
                self.spec_span(i),
                "type inference did not converge",
            )
            .help(
                "the types of this function's variables or result kept changing as the \
                 functions it calls were typed; give each variable a single type",
            ));
        }
        let before = self.specs.len();
        let (body, mut ret, locals, error, settled) = self.infer_spec(i as SpecId);
        self.save(i);
        let spec = &mut self.specs[i];
        if spec.defaulted && ret.is_unknown() {
            ret = default_unknown(&ret);
        }
        if spec.ret != ret {
            for &r in &spec.readers {
                queue.push(r as usize);
            }
        }
        spec.ret = ret;
        spec.locals = locals;
        spec.body = Some(body);
        spec.error = error;
        if !settled {
            queue.push(i);
        }
        for n in before..self.specs.len() {
            queue.push(n);
        }
        self.check_count(before)
    }

    /// Checks the specialisations from `from` on against the limits on
    /// their number.
    fn check_count(&self, from: usize) -> Result<()> {
        for id in from..self.specs.len() {
            let func = self.specs[id].func;
            let FuncRef::Def(f) = func else { continue };
            if self.per_func[&func] > MAX_SPECS_PER_FUNC {
                let e = Diagnostic::new(
                    DiagKind::Limit,
                    self.spec_span(id),
                    format!(
                        "too many specialisations of '{}': it is called with more than \
                         {MAX_SPECS_PER_FUNC} different combinations of argument types",
                        self.funcs[f].name
                    ),
                )
                .help(
                    "a recursive call whose argument types change from call to call makes \
                     a new specialisation each time; keep them the same",
                );
                return Err(match self.call_sites.get(&(id as SpecId)) {
                    Some(&(_, sp)) => e.note(sp, "the call that needs one more"),
                    None => e,
                });
            }
        }
        if self.specs.len() > MAX_SPECS {
            // The first that does not fit.
            let id = MAX_SPECS;
            return Err(Diagnostic::new(
                DiagKind::Limit,
                self.spec_span(id),
                format!(
                    "program too large: it needs more than {MAX_SPECS} specialisations \
                     (one for each function and combination of argument types it is \
                     called with), and a module holds at most {MAX_SPECS}"
                ),
            )
            .help(
                "split it into programs loaded one by one, or make functions that differ \
                 only in constants one function with a parameter",
            ));
        }
        Ok(())
    }

    /// Adds to an error in a specialisation the calls that reached it, from
    /// the innermost out, as notes.
    fn with_call_chain(&self, mut e: Diagnostic, id: SpecId) -> Diagnostic {
        let mut seen = vec![id];
        let mut cur = id;
        while seen.len() <= 8 {
            let Some(&(c, sp)) = self.call_sites.get(&cur) else {
                break;
            };
            let spec = &self.specs[cur as usize];
            let name = match spec.func {
                FuncRef::Def(f) => self.funcs[f].name.clone(),
                FuncRef::Module => break,
            };
            let args: Vec<String> = spec.args.iter().map(|t| t.to_string()).collect();
            e = e.note(sp, format!("in {name}({}), called here", args.join(", ")));
            if seen.contains(&c) {
                break;
            }
            seen.push(c);
            cur = c;
        }
        e
    }

    fn spec_span(&self, id: usize) -> Span {
        match self.specs[id].func {
            FuncRef::Module => Span::default(),
            FuncRef::Def(f) => self.funcs[f].name_span,
        }
    }

    pub fn spec(&self, id: SpecId) -> &TFunc {
        self.specs[id as usize]
            .body
            .as_ref()
            .expect("spec typed by solve()")
    }

    /// Types one specialisation with the return types its callees have now;
    /// also says whether its locals settled within [`MAX_ROUNDS`] passes.
    fn infer_spec(&mut self, id: SpecId) -> (TFunc, Type, Vec<Local>, Option<Diagnostic>, bool) {
        let spec = &self.specs[id as usize];
        let func = spec.func;
        let args = spec.args.clone();
        let prev_locals = spec.locals.clone();
        let (name, params, body, span): (String, Vec<Param>, Rc<Vec<Stmt>>, Span) = match func {
            FuncRef::Module => (
                "<module>".into(),
                Vec::new(),
                self.module.clone(),
                Span::default(),
            ),
            FuncRef::Def(f) => {
                let d = self.funcs[f].clone();
                (
                    d.name.clone(),
                    d.params.clone(),
                    Rc::new(d.body.clone()),
                    d.span,
                )
            }
        };
        let mut assigned = HashSet::new();
        for p in &params {
            assigned.insert(p.name.clone());
        }
        collect_assigned(&body, &mut assigned);
        let mut locals = prev_locals;
        if locals.is_empty() {
            for (p, t) in params.iter().zip(&args) {
                locals.push(Local {
                    name: p.name.clone(),
                    ty: t.clone(),
                    span: p.span,
                });
            }
        }
        // Local fixpoint: re-run until no local's type widens during a pass;
        // that pass saw only final types, so its output is the result.
        let mut result = None;
        let mut settled = false;
        for _ in 0..MAX_ROUNDS {
            let mut cx = Cx {
                id,
                prog: self,
                is_module: func == FuncRef::Module,
                assigned: &assigned,
                local_index: local_index(&locals),
                locals: locals.clone(),
                ret: None,
                loops: 0,
                readonly: Vec::new(),
                prologue: Vec::new(),
            };
            let r = cx.block(&body).map(|b| {
                let mut p = std::mem::take(&mut cx.prologue);
                p.extend(b);
                p
            });
            let (mut ret, new_locals) = (cx.ret.take(), cx.locals);
            let (stmts, mut err) = match r {
                Ok(s) => (s, None),
                Err(e) => (Vec::new(), Some(e)),
            };
            if err.is_some() {
                // A failed pass says nothing about the return type; unknown
                // keeps callers from reporting follow-on errors first.
                ret = Some((Type::Unknown, span));
            } else if ret.is_none() {
                // No return statement: the function returns None, whether it
                // falls off its end or only ever raises.
                ret = Some((Type::None, span));
            } else if !terminates(&body) {
                ret = match ret {
                    None => Some((Type::None, span)),
                    Some((t, sp)) if t != Type::None && !t.is_unknown() && err.is_none() => {
                        err = Some(
                            Diagnostic::new(
                                DiagKind::Type,
                                span,
                                format!("function '{name}' returns {t} on some paths and falls off its end (returning None) on others"),
                            )
                            .note(sp, "returns a value here")
                            .help("add a return statement at the end of the function"),
                        );
                        Some((t, sp))
                    }
                    r => r,
                };
            }
            let stable = new_locals.len() == locals.len()
                && new_locals
                    .iter()
                    .map(|l| &l.ty)
                    .eq(locals.iter().map(|l| &l.ty));
            locals = new_locals;
            result = Some((stmts, ret.map_or(Type::Unknown, |(t, _)| t), err));
            if stable {
                settled = true;
                break;
            }
        }
        let (stmts, ret_ty, err) = result.unwrap();
        let tf = TFunc {
            name,
            args,
            params: (0..params.len() as LocalId).collect(),
            locals: locals.clone(),
            ret: ret_ty.clone(),
            body: stmts,
            span,
        };
        (tf, ret_ty, locals, err, settled)
    }

    /// Evaluates a module-level constant expression.
    fn const_eval(&self, e: &Expr) -> Option<Const> {
        self.const_value(e).map(|(c, _)| c)
    }
}

pub fn const_type(c: &Const) -> Type {
    match c {
        Const::DType(d) => Type::DTypeObj(*d),
        Const::None => Type::None,
        Const::Bool(_) => Type::Bool,
        Const::Int(_) => Type::Int,
        Const::Float(_) => Type::Float,
        Const::Str(_) => Type::Str,
    }
}

/// Does a value of this type hold a string made at run time?
fn has_text(t: &Type) -> bool {
    match t {
        Type::Text => true,
        Type::Tuple(items) => items.iter().any(has_text),
        _ => false,
    }
}

fn default_unknown(t: &Type) -> Type {
    match t {
        Type::Unknown => Type::Int,
        Type::Tuple(items) => Type::tuple(items.iter().map(default_unknown).collect()),
        t => t.clone(),
    }
}

fn no_module(span: Span, m: &str) -> Diagnostic {
    Diagnostic::new(
        DiagKind::Unsupported,
        span,
        format!("module '{m}' is not available in Kiln"),
    )
    .help("Kiln programs may import numpy, math and numba")
}

fn arity(f: &FuncDef) -> (usize, usize) {
    let min = f.params.iter().filter(|p| p.default.is_none()).count();
    (min, f.params.len())
}

fn arity_text(min: usize, max: usize) -> String {
    if min == max {
        format!("{min}")
    } else {
        format!("from {min} to {max}")
    }
}

/// Decorators from numba are accepted and ignored; anything else is not.
fn check_decorators(f: &FuncDef, imports: &HashMap<String, Import>) -> Result<()> {
    for d in &f.decorators {
        let target = match &d.kind {
            ExprKind::Call { func, .. } => func,
            _ => d,
        };
        let ok = match &target.kind {
            ExprKind::Name(n) => {
                matches!(imports.get(n), Some(Import::Member(ModuleKind::Numba, _)))
            }
            ExprKind::Attribute(m, _) => {
                matches!(&m.kind, ExprKind::Name(n) if matches!(imports.get(n), Some(Import::Module(ModuleKind::Numba))))
            }
            _ => false,
        };
        if !ok {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                d.span,
                "only numba decorators (@njit, @jit) are accepted",
            )
            .help("Kiln compiles every function; numba decorators are accepted and ignored"));
        }
    }
    Ok(())
}

/// Rejects nested function definitions and imports inside functions.
fn check_nested(body: &[Stmt], in_func: bool) -> Result<()> {
    for s in body {
        match &s.kind {
            StmtKind::FunctionDef(f) => {
                if in_func {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        f.span,
                        "a function nested in a nested function is not supported in Kiln (one level of nesting is)",
                    )
                    .help(
                        "define the function at module level and pass what it needs as arguments",
                    ));
                }
                check_nested(&f.body, true)?;
            }
            StmtKind::Import(_) | StmtKind::ImportFrom(..) if in_func => {
                return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    s.span,
                    "imports inside functions are not supported in Kiln",
                )
                .help("import at the top of the file"));
            }
            StmtKind::If { body, orelse, .. }
            | StmtKind::While { body, orelse, .. }
            | StmtKind::For { body, orelse, .. } => {
                check_nested(body, in_func)?;
                check_nested(orelse, in_func)?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn target_names<'a>(t: &'a Expr, out: &mut Vec<&'a str>) {
    match &t.kind {
        ExprKind::Name(n) => out.push(n),
        ExprKind::Tuple(items) => items.iter().for_each(|i| target_names(i, out)),
        _ => {}
    }
}

pub(crate) fn count_assignments(body: &[Stmt], counts: &mut HashMap<String, usize>) {
    let mut names = Vec::new();
    for s in body {
        names.clear();
        match &s.kind {
            StmtKind::Assign { targets, .. } => {
                targets.iter().for_each(|t| target_names(t, &mut names))
            }
            StmtKind::AugAssign { target, .. } => target_names(target, &mut names),
            StmtKind::AnnAssign {
                target,
                value: Some(_),
                ..
            } => target_names(target, &mut names),
            StmtKind::For {
                target,
                body,
                orelse,
                ..
            } => {
                target_names(target, &mut names);
                count_assignments(body, counts);
                count_assignments(orelse, counts);
            }
            StmtKind::If { body, orelse, .. } | StmtKind::While { body, orelse, .. } => {
                count_assignments(body, counts);
                count_assignments(orelse, counts);
            }
            _ => {}
        }
        for n in &names {
            *counts.entry(n.to_string()).or_default() += 1;
        }
    }
}

fn collect_assigned(body: &[Stmt], out: &mut HashSet<String>) {
    let mut counts = HashMap::new();
    count_assignments(body, &mut counts);
    out.extend(counts.into_keys());
}

/// Does control never reach the end of this block?
fn terminates(body: &[Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        StmtKind::Return(_) | StmtKind::Raise(_) => true,
        StmtKind::If { body, orelse, .. } => terminates(body) && terminates(orelse),
        // A loop that never breaks leaves only through its condition
        // failing (never, for `while True`), and then runs its `else`.
        StmtKind::While { test, body, orelse } => {
            !has_break(body) && (is_const_true(test) || terminates(orelse))
        }
        StmtKind::For { body, orelse, .. } => !has_break(body) && terminates(orelse),
        StmtKind::Assert { test, .. } => matches!(test.kind, ExprKind::Bool(false)),
        _ => false,
    })
}

fn is_const_true(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Bool(true)) || matches!(e.kind, ExprKind::Int(v) if v != 0)
}

fn has_break(body: &[Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        StmtKind::Break => true,
        StmtKind::If { body, orelse, .. } => has_break(body) || has_break(orelse),
        // A break in a nested loop's `else` leaves the enclosing loop.
        StmtKind::While { orelse, .. } | StmtKind::For { orelse, .. } => has_break(orelse),
        _ => false,
    })
}

fn find_unknown(f: &TFunc) -> Option<Span> {
    fn expr(e: &TExpr) -> Option<Span> {
        if e.ty.is_unknown() {
            return Some(e.span);
        }
        None
    }
    fn stmts(b: &[TStmt]) -> Option<Span> {
        for s in b {
            let r = match &s.kind {
                TStmtKind::Expr(e) | TStmtKind::Assign(_, e) => expr(e),
                TStmtKind::If(c, a, b) => expr(c).or_else(|| stmts(a)).or_else(|| stmts(b)),
                TStmtKind::While { cond, body, orelse } => {
                    expr(cond).or_else(|| stmts(body)).or_else(|| stmts(orelse))
                }
                TStmtKind::ForRange { body, orelse, .. } => stmts(body).or_else(|| stmts(orelse)),
                TStmtKind::Return(Some(e)) => expr(e),
                TStmtKind::Print { args, .. } => args.iter().find_map(expr),
                TStmtKind::RaiseText(_, e) => expr(e),
                _ => None,
            };
            if r.is_some() {
                return r;
            }
        }
        None
    }
    stmts(&f.body)
}

/// An exception's message: a literal, or text made at run time.
enum Message {
    Lit(String),
    Text(TExpr),
}

/// Inference state for one pass over one specialisation's body.
struct Cx<'a> {
    /// The specialisation being typed.
    id: SpecId,
    prog: &'a mut Program,
    is_module: bool,
    assigned: &'a HashSet<String>,
    locals: Vec<Local>,
    /// Position of each name in `locals`, so that a lookup does not scan
    /// every local (functions with many thousands of names stay linear).
    local_index: HashMap<String, LocalId>,
    ret: Option<(Type, Span)>,
    loops: usize,
    /// Names bound to the items of an `np.nditer` loop around the
    /// statement being typed: NumPy's items are read-only views.
    readonly: Vec<String>,
    /// What runs at entry: the frozen module-level arrays the function
    /// reads, made into hidden locals.
    prologue: Vec<TStmt>,
}

/// The first position of each name (as a linear scan would find it).
fn local_index(locals: &[Local]) -> HashMap<String, LocalId> {
    let mut m = HashMap::with_capacity(locals.len());
    for (i, l) in locals.iter().enumerate() {
        m.entry(l.name.clone()).or_insert(i as LocalId);
    }
    m
}

fn texpr(kind: TExprKind, ty: Type, span: Span) -> TExpr {
    TExpr { kind, ty, span }
}

fn unknown(span: Span) -> TExpr {
    texpr(TExprKind::Const(Const::None), Type::Unknown, span)
}

/// Can `e` be evaluated twice with the effect of once (no call, no draw)?
fn simple(e: &TExpr) -> bool {
    match &e.kind {
        TExprKind::Const(_) | TExprKind::Local(_) => true,
        TExprKind::Neg(x) | TExprKind::Cast(x) | TExprKind::TupleGet(x, _) => simple(x),
        TExprKind::Binary(_, x, y) => simple(x) && simple(y),
        _ => false,
    }
}

/// The element of a 0-d array (`a[()]`), which converts and tests as the
/// array does; any other value as it is.
fn zero_d_item(x: TExpr) -> TExpr {
    match x.ty.as_array() {
        Some(at) if at.ndim == 0 => {
            let ty = Type::Scalar(at.dtype);
            let sp = x.span;
            arrays::rt(RtOp::GetItem(Vec::new()), vec![x], ty, sp)
        }
        _ => x,
    }
}

fn type_err(span: Span, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::new(DiagKind::Type, span, msg)
}

fn py_name(t: &Type) -> String {
    match t {
        Type::Int => "int".into(),
        Type::Float => "float".into(),
        Type::Bool => "bool".into(),
        Type::Str => "str".into(),
        Type::None => "NoneType".into(),
        Type::Tuple(_) => "tuple".into(),
        t => t.to_string(),
    }
}

impl Cx<'_> {
    fn local(&mut self, name: &str, span: Span) -> LocalId {
        if let Some(&i) = self.local_index.get(name) {
            return i;
        }
        let id = self.locals.len() as LocalId;
        self.locals.push(Local {
            name: name.to_string(),
            ty: Type::Unknown,
            span,
        });
        self.local_index.insert(name.to_string(), id);
        id
    }

    fn assign_local(&mut self, name: &str, ty: &Type, span: Span) -> Result<LocalId> {
        let id = self.local(name, span);
        let l = &mut self.locals[id as usize];
        if l.ty == Type::Unknown {
            l.ty = ty.clone();
            l.span = span;
        } else if !ty.is_unknown() {
            match Type::unify(&l.ty, ty) {
                Some(t) => l.ty = t,
                None => {
                    return Err(type_err(
                        span,
                        format!(
                            "variable '{name}' is assigned a {ty} here, but a {} elsewhere",
                            l.ty
                        ),
                    )
                    .note(l.span, format!("'{name}' is {} here", l.ty))
                    .help("a variable keeps one type in a function; use another name"))
                }
            }
        }
        Ok(id)
    }

    fn block(&mut self, body: &[Stmt]) -> Result<Vec<TStmt>> {
        let mut out = Vec::with_capacity(body.len());
        for s in body {
            if let Some(t) = self.stmt(s)? {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// Types a statement. Compound statements, which nest, are dispatched
    /// from here and the rest from `simple_stmt`, so that this frame, which
    /// every nested block re-enters, stays small in unoptimised builds.
    fn stmt(&mut self, s: &Stmt) -> Result<Option<TStmt>> {
        match &s.kind {
            StmtKind::If { test, body, orelse } => self.stmt_if(test, body, orelse, s.span),
            StmtKind::While { test, body, orelse } => self.stmt_while(test, body, orelse, s.span),
            StmtKind::For { .. } => self.stmt_for(s),
            _ => self.simple_stmt(s),
        }
    }

    fn stmt_for(&mut self, s: &Stmt) -> Result<Option<TStmt>> {
        let StmtKind::For {
            target,
            iter,
            body,
            orelse,
        } = &s.kind
        else {
            unreachable!("stmt_for on another statement")
        };
        let kind = self.for_stmt(target, iter, body, orelse)?;
        Ok(Some(TStmt { kind, span: s.span }))
    }

    fn simple_stmt(&mut self, s: &Stmt) -> Result<Option<TStmt>> {
        let span = s.span;
        let kind = match &s.kind {
            StmtKind::FunctionDef(_)
            | StmtKind::Import(_)
            | StmtKind::ImportFrom(..)
            | StmtKind::Pass => return Ok(None),
            StmtKind::Expr(e) => return self.stmt_expr(e, span),
            StmtKind::Assign { targets, value }
                if targets.len() == 1 && has_subscript(&targets[0]) =>
            {
                self.stmt_setitem(&targets[0], value, span)?
            }
            StmtKind::Assign { targets, value } if targets.iter().any(has_subscript) => {
                // `a[i] = b[j] = v`: the value once, into a hidden local,
                // then each target from left to right.
                let v = self.expr(value)?;
                let mut out = Vec::new();
                let h = self.hidden_always(v, "chain", &mut out)?;
                for t in targets {
                    let kind = if has_subscript(t) {
                        match &t.kind {
                            ExprKind::Tuple(items) => {
                                self.unpack_to_targets(items, h.clone(), span)?
                            }
                            _ => self.setitem(t, None, h.clone(), span)?,
                        }
                    } else {
                        let (tt, vv) = self.bind(t, h.clone())?;
                        TStmtKind::Assign(tt, vv)
                    };
                    out.push(TStmt { kind, span });
                }
                self.seq(out, span)
            }
            StmtKind::Assign { targets, value } => self.stmt_assign(targets, value, span)?,
            StmtKind::AnnAssign { target, value, .. } => match value {
                None => return Ok(None),
                Some(value) => {
                    let v = self.expr(value)?;
                    let (t, v) = self.bind(target, v)?;
                    TStmtKind::Assign(t, v)
                }
            },
            StmtKind::AugAssign { target, op, value } => {
                return self.stmt_augassign(target, *op, value, span)
            }
            StmtKind::If { .. } | StmtKind::While { .. } | StmtKind::For { .. } => {
                return self.stmt(s)
            }
            StmtKind::Break | StmtKind::Continue => {
                if self.loops == 0 {
                    let w = if matches!(s.kind, StmtKind::Break) {
                        "break"
                    } else {
                        "continue"
                    };
                    return Err(Diagnostic::new(
                        DiagKind::Syntax,
                        span,
                        format!("'{w}' outside loop"),
                    ));
                }
                if matches!(s.kind, StmtKind::Break) {
                    TStmtKind::Break
                } else {
                    TStmtKind::Continue
                }
            }
            StmtKind::Return(value) => self.stmt_return(value.as_ref(), span)?,
            StmtKind::Raise(e) => {
                let Some(e) = e else {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        span,
                        "bare 'raise' is not supported in Kiln (there is no exception to re-raise)",
                    ));
                };
                match self.exception(e)? {
                    (name, Message::Lit(msg)) => TStmtKind::Raise(name, msg),
                    (name, Message::Text(m)) => TStmtKind::RaiseText(name, m),
                }
            }
            StmtKind::Assert { test, msg } => {
                let c = self.cond(test)?;
                let m = match msg {
                    None => None,
                    Some(m) => match self.str_literal(m, "an assert message") {
                        Ok(s) => Some(s),
                        Err(_) => {
                            // A message made at run time, made only when the
                            // test fails: `if not test: raise AssertionError(m)`.
                            let m = self.message(m)?;
                            let not = texpr(TExprKind::Not(Box::new(c)), Type::Bool, span);
                            let raise = TStmt {
                                kind: TStmtKind::RaiseText("AssertionError".into(), m),
                                span,
                            };
                            return Ok(Some(TStmt {
                                kind: TStmtKind::If(not, vec![raise], Vec::new()),
                                span,
                            }));
                        }
                    },
                };
                TStmtKind::Assert(c, m)
            }
        };
        Ok(Some(TStmt { kind, span }))
    }

    fn stmt_expr(&mut self, e: &Expr, span: Span) -> Result<Option<TStmt>> {
        if let ExprKind::Call { func, args, kwargs } = &e.kind {
            if matches!(&func.kind, ExprKind::Name(n) if n == "print" && !self.assigned.contains(n))
            {
                return Ok(Some(TStmt {
                    kind: self.print(args, kwargs)?,
                    span,
                }));
            }
        }
        if let ExprKind::Str(_) = e.kind {
            return Ok(None); // docstring
        }
        Ok(Some(TStmt {
            kind: TStmtKind::Expr(self.expr(e)?),
            span,
        }))
    }

    fn stmt_setitem(&mut self, target: &Expr, value: &Expr, span: Span) -> Result<TStmtKind> {
        let v = self.expr(value)?;
        match &target.kind {
            ExprKind::Tuple(items) => self.unpack_to_targets(items, v, span),
            _ => self.setitem(target, None, v, span),
        }
    }

    fn stmt_assign(&mut self, targets: &[Expr], value: &Expr, span: Span) -> Result<TStmtKind> {
        Ok({
            let v = self.expr(value)?;
            if targets.len() == 1 {
                let (t, v) = self.bind(&targets[0], v)?;
                TStmtKind::Assign(t, v)
            } else {
                // `a = b = v`: evaluate once into the first target, copy to the rest.
                let (first, v) = self.bind(&targets[0], v)?;
                let mut out = vec![TStmt {
                    kind: TStmtKind::Assign(first.clone(), v),
                    span,
                }];
                let src = target_as_expr(&first, &self.locals, targets[0].span);
                for t in &targets[1..] {
                    let (tt, vv) = self.bind(t, src.clone())?;
                    out.push(TStmt {
                        kind: TStmtKind::Assign(tt, vv),
                        span,
                    });
                }
                let cond = texpr(TExprKind::Const(Const::Bool(true)), Type::Bool, span);
                TStmtKind::If(cond, out, Vec::new())
            }
        })
    }

    fn stmt_augassign(
        &mut self,
        target: &Expr,
        op: BinOp,
        value: &Expr,
        span: Span,
    ) -> Result<Option<TStmt>> {
        let kind = match &target.kind {
            ExprKind::Subscript(..) => {
                let v = self.expr(value)?;
                self.setitem(target, Some(op), v, span)?
            }
            ExprKind::Name(n) => {
                let mut cur = self.expr(target)?;
                let rhs = self.expr(value)?;
                if cur.ty == Type::Unknown && self.prog.untyped_from_aug {
                    self.assign_local(n, &rhs.ty, target.span)?;
                    cur = self.expr(target)?;
                }
                if cur.ty.as_array().is_some() {
                    if self.readonly.contains(n) {
                        return Err(Diagnostic::new(
                            DiagKind::Unsupported,
                            target.span,
                            format!("'{n}' is an item of np.nditer, a read-only view: NumPy raises ValueError: output array is read-only"),
                        )
                        .help(format!("compute a new value instead: {n} = {n} {} ...", op.symbol())));
                    }
                    return Ok(Some(TStmt {
                        kind: self.inplace(op, cur, rhs, span)?,
                        span,
                    }));
                }
                let v = self.binary(op, cur, rhs, span)?;
                let (t, v) = self.bind(target, v)?;
                TStmtKind::Assign(t, v)
            }
            _ => return Err(unsupported_target(target)),
        };
        Ok(Some(TStmt { kind, span }))
    }

    fn stmt_if(
        &mut self,
        test: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        span: Span,
    ) -> Result<Option<TStmt>> {
        let c = self.cond(test)?;
        let kind = TStmtKind::If(c, self.block(body)?, self.block(orelse)?);
        Ok(Some(TStmt { kind, span }))
    }

    fn stmt_while(
        &mut self,
        test: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        span: Span,
    ) -> Result<Option<TStmt>> {
        let cond = self.cond(test)?;
        self.loops += 1;
        let body = self.block(body);
        self.loops -= 1;
        let kind = TStmtKind::While {
            cond,
            body: body?,
            orelse: self.block(orelse)?,
        };
        Ok(Some(TStmt { kind, span }))
    }

    fn stmt_return(&mut self, value: Option<&Expr>, span: Span) -> Result<TStmtKind> {
        Ok({
            if self.is_module {
                return Err(Diagnostic::new(
                    DiagKind::Syntax,
                    span,
                    "'return' outside function",
                ));
            }
            let v = match value {
                Some(v) => Some(self.expr(v)?),
                None => None,
            };
            let t = v.as_ref().map_or(Type::None, |v| v.ty.clone());
            let vspan = v.as_ref().map_or(span, |v| v.span);
            self.ret = Some(match self.ret.take() {
                None => (t, vspan),
                Some((old, osp)) => match Type::unify(&old, &t) {
                    Some(u) => (u, if old.is_unknown() { vspan } else { osp }),
                    None => {
                        return Err(type_err(
                            vspan,
                            format!("this returns {t}, but the function returns {old} elsewhere"),
                        )
                        .note(osp, format!("returns {old} here"))
                        .help("return one type from every path"))
                    }
                },
            });
            TStmtKind::Return(v)
        })
    }

    fn str_literal(&self, e: &Expr, what: &str) -> Result<String> {
        match &e.kind {
            ExprKind::Str(s) => Ok(s.clone()),
            ExprKind::Name(n) if !self.assigned.contains(n) => match self.prog.consts.get(n) {
                Some((Const::Str(s), _)) => Ok(s.clone()),
                _ => Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    e.span,
                    format!("{what} must be a string literal"),
                )),
            },
            _ => Err(Diagnostic::new(
                DiagKind::Unsupported,
                e.span,
                format!("{what} must be a string literal"),
            )),
        }
    }

    fn exception(&mut self, e: &Expr) -> Result<(String, Message)> {
        let (name, args, span) = match &e.kind {
            ExprKind::Name(n) => (n, &[][..], e.span),
            ExprKind::Call { func, args, kwargs } if kwargs.is_empty() => match &func.kind {
                ExprKind::Name(n) => (n, &args[..], func.span),
                _ => return Err(bad_raise(e.span)),
            },
            _ => return Err(bad_raise(e.span)),
        };
        if !builtins::EXCEPTIONS.contains(&name.as_str()) {
            return Err(Diagnostic::new(
                DiagKind::Name,
                span,
                format!("'{name}' is not a builtin exception Kiln knows"),
            )
            .help(format!("use one of: {}", builtins::EXCEPTIONS.join(", "))));
        }
        let msg = match args {
            [] => Message::Lit(String::new()),
            [m] => match self.str_literal(m, "an exception message") {
                Ok(s) => Message::Lit(s),
                Err(_) => Message::Text(self.message(m)?),
            },
            _ => {
                return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    e.span,
                    "exceptions take one string message in Kiln",
                ))
            }
        };
        Ok((name.clone(), msg))
    }

    fn print(&mut self, args: &[Expr], kwargs: &[Keyword]) -> Result<TStmtKind> {
        let mut sep = " ".to_string();
        let mut end = "\n".to_string();
        for k in kwargs {
            let slot = match k.name.as_str() {
                "sep" => &mut sep,
                "end" => &mut end,
                _ => {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        k.name_span,
                        format!("print() keyword '{}' is not supported in Kiln", k.name),
                    )
                    .help("print accepts sep= and end="))
                }
            };
            match &k.value.kind {
                ExprKind::None => {}
                _ => *slot = self.str_literal(&k.value, &format!("print's {}=", k.name))?,
            }
        }
        let mut targs = Vec::with_capacity(args.len());
        for a in args {
            let t = self.expr(a)?;
            if matches!(t.ty, Type::Array(_)) {
                // Arrays print through the runtime; nothing to check here.
            }
            targs.push(t);
        }
        Ok(TStmtKind::Print {
            args: targs,
            sep,
            end,
        })
    }

    fn for_stmt(
        &mut self,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> Result<TStmtKind> {
        if let Some(k) = self.for_iter(target, iter, body, orelse)? {
            return Ok(k);
        }
        // `numba.prange` has the semantics of `range` (its iterations may
        // run in any order under Numba; here they run in order).
        let imports = &self.prog.imports;
        let assigned = self.assigned;
        let is_range = |f: &Expr| match &f.kind {
            ExprKind::Name(n) if assigned.contains(n) => false,
            ExprKind::Name(n) if n == "range" => true,
            ExprKind::Name(n) => {
                matches!(imports.get(n), Some(Import::Member(ModuleKind::Numba, m)) if m == "prange")
            }
            ExprKind::Attribute(m, attr) if attr == "prange" => matches!(
                &m.kind,
                ExprKind::Name(n) if !assigned.contains(n)
                    && matches!(imports.get(n), Some(Import::Module(ModuleKind::Numba)))
            ),
            _ => false,
        };
        let (start, stop, step) = match &iter.kind {
            ExprKind::Call { func, args, kwargs } if is_range(func) => {
                if !matches!(target.kind, ExprKind::Name(_)) {
                    return Err(type_err(
                        target.span,
                        "cannot unpack an int: a range yields one int per iteration",
                    ));
                }
                if !kwargs.is_empty() {
                    return Err(Diagnostic::new(
                        DiagKind::Arity,
                        kwargs[0].name_span,
                        "range() takes no keyword arguments",
                    ));
                }
                let mut a = Vec::new();
                for x in args {
                    a.push(self.int_arg(x, "range() arguments")?);
                }
                let zero = |sp| texpr(TExprKind::Const(Const::Int(0)), Type::Int, sp);
                let one = |sp| texpr(TExprKind::Const(Const::Int(1)), Type::Int, sp);
                let mut it = a.into_iter();
                match (it.next(), it.next(), it.next(), it.next()) {
                    (Some(stop), None, None, None) => (zero(iter.span), stop, one(iter.span)),
                    (Some(start), Some(stop), None, None) => (start, stop, one(iter.span)),
                    (Some(start), Some(stop), Some(step), None) => (start, stop, step),
                    _ => {
                        return Err(Diagnostic::new(
                            DiagKind::Arity,
                            iter.span,
                            format!("range expected 1 to 3 arguments, got {}", args.len()),
                        ))
                    }
                }
            }
            _ => {
                let it = self.expr(iter)?;
                if it.ty.as_array().is_some() {
                    return self.for_array(target, it, body, orelse);
                }
                if let Type::Tuple(_) = it.ty {
                    return self.for_tuple(target, it, body, orelse);
                }
                if it.ty.is_unknown() {
                    return Ok(TStmtKind::Expr(unknown(iter.span)));
                }
                return Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    iter.span,
                    format!("'{}' object is not iterable in Kiln", py_name(&it.ty)),
                )
                .help("loops iterate over range(...), arrays, tuples, a.flat, np.ndindex(...), enumerate(...) and zip(...)"));
            }
        };
        let ExprKind::Name(var) = &target.kind else {
            unreachable!("checked above")
        };
        let var = self.assign_local(var, &Type::Int, target.span)?;
        self.loops += 1;
        let b = self.block(body);
        self.loops -= 1;
        Ok(TStmtKind::ForRange {
            var,
            start,
            stop,
            step,
            body: b?,
            orelse: self.block(orelse)?,
        })
    }

    /// Binds a value to an assignment target, casting it to the target's type.
    fn bind(&mut self, target: &Expr, v: TExpr) -> Result<(Target, TExpr)> {
        match &target.kind {
            ExprKind::Name(n) => {
                let id = self.assign_local(n, &v.ty, target.span)?;
                let ty = self.locals[id as usize].ty.clone();
                Ok((Target::Local(id), v.cast(&ty)))
            }
            ExprKind::Tuple(items) => {
                let tys: Vec<Type> = match &v.ty {
                    Type::Tuple(t) if t.len() == items.len() => t.to_vec(),
                    Type::Tuple(t) => {
                        return Err(type_err(
                            v.span,
                            format!(
                                "cannot unpack a tuple of {} values into {} names",
                                t.len(),
                                items.len()
                            ),
                        ))
                    }
                    Type::Unknown => vec![Type::Unknown; items.len()],
                    Type::Array(at) if at.ndim > 0 && items.len() <= 64 => {
                        // The items along the first axis, counted at run time.
                        let item = if at.ndim == 1 {
                            Type::Scalar(at.dtype)
                        } else {
                            let layout = match at.layout {
                                crate::types::Layout::C => crate::types::Layout::C,
                                _ => crate::types::Layout::A,
                            };
                            Type::Array(Rc::new(crate::types::ArrayType {
                                ndim: at.ndim - 1,
                                layout,
                                ..(**at).clone()
                            }))
                        };
                        let tys = vec![item; items.len()];
                        let ty = Type::tuple(tys.clone());
                        let sp = v.span;
                        let op = RtOp::Unpack(items.len() as u8);
                        let v = texpr(TExprKind::Rt(op, vec![v]), ty, sp);
                        return self.bind(target, v);
                    }
                    t => {
                        return Err(type_err(
                            v.span,
                            format!("cannot unpack a non-tuple value of type {t}"),
                        ))
                    }
                };
                let mut targets = Vec::new();
                let mut out_tys = Vec::new();
                for (item, ty) in items.iter().zip(&tys) {
                    let dummy = texpr(TExprKind::Const(Const::None), ty.clone(), item.span);
                    let (t, d) = self.bind(item, dummy)?;
                    out_tys.push(d.ty.clone());
                    targets.push(t);
                }
                let want = Type::tuple(out_tys);
                Ok((Target::Tuple(targets), v.cast(&want)))
            }
            _ => Err(unsupported_target(target)),
        }
    }

    /// An expression that must be an integer (range bounds, indices),
    /// converted to int64; `what` names it in the error.
    fn int_arg(&mut self, e: &Expr, what: &str) -> Result<TExpr> {
        let t = self.expr(e)?;
        if !t.ty.is_unknown() && !t.ty.is_intlike() {
            return Err(type_err(
                t.span,
                format!("{what} must be integers, not {}", t.ty),
            ));
        }
        Ok(t.cast(&Type::Int))
    }

    /// A condition: any scalar, converted to bool by truth value.
    fn cond(&mut self, e: &Expr) -> Result<TExpr> {
        let t = self.expr(e)?;
        self.truth(t)
    }

    fn truth(&mut self, t: TExpr) -> Result<TExpr> {
        match &t.ty {
            Type::Bool | Type::Unknown => Ok(t),
            ty if ty.is_number() => {
                let span = t.span;
                Ok(texpr(TExprKind::Truth(Box::new(t)), Type::Bool, span))
            }
            Type::None => Ok(texpr(
                TExprKind::Const(Const::Bool(false)),
                Type::Bool,
                t.span,
            )),
            Type::Array(at) if at.ndim == 0 => {
                let t = zero_d_item(t);
                self.truth(t)
            }
            Type::Array(_) => Err(type_err(t.span, "the truth value of an array is ambiguous")
                .help("use a.any() or a.all(), or compare an element")),
            ty => Err(type_err(
                t.span,
                format!("a {ty} cannot be used as a condition"),
            )),
        }
    }

    /// Types an expression. Each kind's work is in its own function so that
    /// this one, which every level of a nested expression re-enters, keeps a
    /// small stack frame (in unoptimised builds a frame holds the locals of
    /// every arm at once).
    fn expr(&mut self, e: &Expr) -> Result<TExpr> {
        let span = e.span;
        match &e.kind {
            ExprKind::Int(v) => Ok(texpr(TExprKind::Const(Const::Int(*v)), Type::Int, span)),
            ExprKind::Float(v) => Ok(texpr(TExprKind::Const(Const::Float(*v)), Type::Float, span)),
            ExprKind::Bool(v) => Ok(texpr(TExprKind::Const(Const::Bool(*v)), Type::Bool, span)),
            ExprKind::Str(s) => Ok(texpr(
                TExprKind::Const(Const::Str(s.clone())),
                Type::Str,
                span,
            )),
            ExprKind::None => Ok(texpr(TExprKind::Const(Const::None), Type::None, span)),
            ExprKind::Name(n) => self.name(n, span),
            ExprKind::Unary(op, x) => self.expr_unary(*op, x, span),
            ExprKind::Binary(op, l, r) => self.expr_binary(*op, l, r, span),
            ExprKind::BoolOp(op, l, r) => self.expr_boolop(*op, l, r, span),
            ExprKind::Compare(first, rest) => self.expr_compare(first, rest, span),
            ExprKind::IfExp { test, body, orelse } => self.expr_ifexp(test, body, orelse, span),
            ExprKind::Call { func, args, kwargs } => self.call(func, args, kwargs, span),
            ExprKind::Attribute(m, attr) => self.attribute(m, attr, span),
            ExprKind::Subscript(v, idx) => self.expr_subscript(v, idx, span),
            ExprKind::Slice(..) => Err(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                "a slice is only valid inside an array subscript",
            )),
            ExprKind::Tuple(items) => self.expr_tuple(items, span),
            ExprKind::FString(parts) => self.fstring(parts, span),
            ExprKind::List(_) => Err(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                "lists are not supported in Kiln",
            )
            .help("use a tuple, or np.array([...]) for an array of constants")),
        }
    }

    fn expr_unary(&mut self, op: UnaryOp, x: &Expr, span: Span) -> Result<TExpr> {
        let x = self.expr(x)?;
        self.unary(op, x, span)
    }

    fn expr_binary(&mut self, op: BinOp, l: &Expr, r: &Expr, span: Span) -> Result<TExpr> {
        if op == BinOp::Mod {
            if let Some(t) = self.str_constant(l) {
                return self.percent_format(&t, r, span);
            }
        }
        let l = self.expr(l)?;
        let r = self.expr(r)?;
        self.binary(op, l, r, span)
    }

    fn expr_boolop(&mut self, op: BoolOp, l: &Expr, r: &Expr, span: Span) -> Result<TExpr> {
        Ok({
            let l = self.expr(l)?;
            let r = self.expr(r)?;
            if l.ty.is_unknown() || r.ty.is_unknown() {
                return Ok(unknown(span));
            }
            let ty = if l.ty == r.ty {
                l.ty.clone()
            } else if l.ty.is_number() && r.ty.is_number() {
                Type::promote_scalars(&l.ty, &r.ty).unwrap()
            } else {
                return Err(type_err(
                    span,
                    format!(
                        "the operands of '{}' have different types: {} and {}",
                        if op == BoolOp::And { "and" } else { "or" },
                        l.ty,
                        r.ty
                    ),
                ));
            };
            if !ty.is_number() {
                return Err(type_err(
                    span,
                    format!("'and'/'or' on {ty} values is not supported in Kiln"),
                ));
            }
            let (l, r) = (Box::new(l.cast(&ty)), Box::new(r.cast(&ty)));
            let kind = if op == BoolOp::And {
                TExprKind::And(l, r)
            } else {
                TExprKind::Or(l, r)
            };
            texpr(kind, ty, span)
        })
    }

    fn expr_compare(&mut self, first: &Expr, rest: &[(CmpOp, Expr)], span: Span) -> Result<TExpr> {
        Ok({
            let mut operands = vec![self.expr(first)?];
            let mut ops = Vec::new();
            for (op, r) in rest {
                let r = self.expr(r)?;
                if r.ty.as_array().is_some() || operands.last().unwrap().ty.as_array().is_some() {
                    if rest.len() == 1 {
                        let l = operands.pop().unwrap();
                        return self.ufunc(arrays::cmp_ufunc(*op), vec![l, r], span);
                    }
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        span,
                        "chained comparisons of arrays are not supported in Kiln",
                    )
                    .help("combine elementwise comparisons with &"));
                }
                let l = operands.last().unwrap();
                if let (
                    TExprKind::Const(Const::Str(a)),
                    TExprKind::Const(Const::Str(b)),
                    CmpOp::Eq | CmpOp::Ne,
                    true,
                ) = (&l.kind, &r.kind, op, rest.len() == 1)
                {
                    // `__name__ == "__main__"` and other comparisons of literals.
                    let v = (a == b) == (*op == CmpOp::Eq);
                    return Ok(texpr(TExprKind::Const(Const::Bool(v)), Type::Bool, span));
                }
                if let (Type::DTypeObj(a), Type::DTypeObj(b), CmpOp::Eq | CmpOp::Ne, true) =
                    (&l.ty, &r.ty, op, rest.len() == 1)
                {
                    // `a.dtype == np.float64`: known for each specialisation.
                    let v = (a == b) == (*op == CmpOp::Eq);
                    return Ok(texpr(TExprKind::Const(Const::Bool(v)), Type::Bool, span));
                }
                if l.ty.is_unknown() || r.ty.is_unknown() {
                    ops.push((*op, Type::Unknown));
                } else if l.ty.is_number() && r.ty.is_number() {
                    ops.push((*op, Type::promote_scalars(&l.ty, &r.ty).unwrap()));
                } else {
                    return Err(type_err(
                        l.span.to(r.span),
                        format!(
                            "'{}' is not supported between {} and {}",
                            op.symbol(),
                            l.ty,
                            r.ty
                        ),
                    ));
                }
                operands.push(r);
            }
            if ops.iter().any(|(_, t)| t.is_unknown()) {
                return Ok(unknown(span));
            }
            // A comparison involving a NumPy scalar gives NumPy's bool.
            let numpy = ops.len() == 1 && matches!(ops[0].1, Type::Scalar(_));
            let c = texpr(TExprKind::Compare(operands, ops), Type::Bool, span);
            if numpy {
                let mut c = c.cast(&Type::Scalar(crate::types::DType::Bool));
                c.span = span;
                return Ok(c);
            }
            c
        })
    }

    fn expr_ifexp(&mut self, test: &Expr, body: &Expr, orelse: &Expr, span: Span) -> Result<TExpr> {
        Ok({
            let c = self.cond(test)?;
            let a = self.expr(body)?;
            let b = self.expr(orelse)?;
            let ty = match Type::unify(&a.ty, &b.ty) {
                Some(t) => t,
                None => {
                    return Err(type_err(
                        span,
                        format!(
                            "the branches of this conditional expression have types {} and {}",
                            a.ty, b.ty
                        ),
                    )
                    .note(a.span, format!("{}", a.ty))
                    .note(b.span, format!("{}", b.ty)))
                }
            };
            if a.ty.is_unknown() || b.ty.is_unknown() {
                return Ok(unknown(span));
            }
            let (a, b) = (a.cast(&ty), b.cast(&ty));
            texpr(
                TExprKind::IfExp(Box::new(c), Box::new(a), Box::new(b)),
                ty,
                span,
            )
        })
    }

    fn expr_subscript(&mut self, v: &Expr, idx: &Expr, span: Span) -> Result<TExpr> {
        if let ExprKind::Attribute(base, attr) = &v.kind {
            if attr == "flat" {
                let (a, i) = self.flat_index(base, idx)?;
                let Some(at) = a.ty.as_array() else {
                    return Ok(unknown(span));
                };
                let ty = Type::Scalar(at.dtype);
                return Ok(texpr(TExprKind::Rt(RtOp::FlatGet, vec![a, i]), ty, span));
            }
        }
        Ok({
            let v = self.expr(v)?;
            match &v.ty {
                Type::Array(_) => return self.subscript_array(v, idx, span),
                Type::Tuple(items) => {
                    let n = items.len() as i64;
                    let i = match self.prog.const_eval(idx) {
                        Some(Const::Int(i)) => i,
                        _ => {
                            return Err(type_err(
                                idx.span,
                                "a tuple index must be a constant integer",
                            ))
                        }
                    };
                    let j = if i < 0 { i + n } else { i };
                    if !(0..n).contains(&j) {
                        return Err(type_err(
                            idx.span,
                            format!("tuple index {i} is out of range for a tuple of {n}"),
                        ));
                    }
                    let ty = items[j as usize].clone();
                    texpr(TExprKind::TupleGet(Box::new(v), j as usize), ty, span)
                }
                Type::Unknown => unknown(span),
                t => return Err(type_err(span, format!("a {t} cannot be indexed"))),
            }
        })
    }

    fn expr_tuple(&mut self, items: &[Expr], span: Span) -> Result<TExpr> {
        let mut t = Vec::new();
        for i in items {
            t.push(self.expr(i)?);
        }
        let ty = Type::tuple(t.iter().map(|e| e.ty.clone()).collect());
        Ok(texpr(TExprKind::Tuple(t), ty, span))
    }

    /// A frozen module-level name read in a function: a tuple as its
    /// expression; an array made at entry into a hidden local, once per call.
    fn frozen(&mut self, n: &str, e: &Expr, span: Span) -> Result<TExpr> {
        if let ExprKind::Tuple(_) = e.kind {
            let mut t = self.expr(e)?;
            t.span = span;
            return Ok(t);
        }
        let hidden = format!("$global {n}");
        if let Some(&id) = self.local_index.get(&hidden) {
            let made = self
                .prologue
                .iter()
                .any(|s| matches!(&s.kind, TStmtKind::Assign(Target::Local(i), _) if *i == id));
            if made {
                let ty = self.locals[id as usize].ty.clone();
                return Ok(texpr(TExprKind::Local(id), ty, span));
            }
        }
        let v = self.expr(e)?;
        let id = self.assign_local(&hidden, &v.ty, e.span)?;
        let ty = self.locals[id as usize].ty.clone();
        self.prologue.push(TStmt {
            kind: TStmtKind::Assign(Target::Local(id), v.cast(&ty)),
            span: e.span,
        });
        Ok(texpr(TExprKind::Local(id), ty, span))
    }

    /// `np.finfo(dtype).eps` and `np.iinfo(dtype).max` and their kin: the
    /// machine limits of a dtype known when the program compiles, as
    /// NumPy gives them (float limits as scalars of the dtype, integer ones
    /// and counts as Python ints). `None` when `m` is no such call.
    fn machine_limit(&mut self, m: &Expr, attr: &str, span: Span) -> Result<Option<TExpr>> {
        use crate::types::DType;
        let ExprKind::Call { func, args, kwargs } = &m.kind else {
            return Ok(None);
        };
        let ExprKind::Attribute(np, f) = &func.kind else {
            return Ok(None);
        };
        let numpy = matches!(&np.kind, ExprKind::Name(n) if !self.assigned.contains(n)
            && matches!(self.prog.imports.get(n), Some(Import::Module(ModuleKind::Numpy))));
        if !numpy || !matches!(f.as_str(), "finfo" | "iinfo") {
            return Ok(None);
        }
        let [arg] = &args[..] else {
            return Err(Diagnostic::new(
                DiagKind::Arity,
                m.span,
                format!("np.{f}() takes one dtype"),
            ));
        };
        if let Some(k) = kwargs.first() {
            return Err(Diagnostic::new(
                DiagKind::Arity,
                k.name_span,
                format!("np.{f}() takes one dtype"),
            ));
        }
        let d = self.dtype_expr(arg)?;
        let int = |v: i64| texpr(TExprKind::Const(Const::Int(v)), Type::Int, span);
        let float = |v: f64| {
            let mut e =
                texpr(TExprKind::Const(Const::Float(v)), Type::Float, span).cast(&Type::Scalar(d));
            e.span = span;
            e
        };
        let unknown_attr = || {
            type_err(span, format!("np.{f}() has no attribute '{attr}' in Kiln"))
                .help(if f == "finfo" {
                    "np.finfo() has eps, max, min, tiny, smallest_normal, resolution, precision and bits"
                } else {
                    "np.iinfo() has min, max and bits"
                })
        };
        let bits = (d.itemsize() * 8) as i64;
        let e = if f == "finfo" {
            let single = match d {
                DType::F32 => true,
                DType::F64 => false,
                _ => {
                    return Err(type_err(
                        arg.span,
                        format!("data type <class 'numpy.{}'> not inexact", d.name()),
                    ))
                }
            };
            match attr {
                "eps" if single => float(f32::EPSILON as f64),
                "eps" => float(f64::EPSILON),
                "max" if single => float(f32::MAX as f64),
                "max" => float(f64::MAX),
                "min" if single => float(f32::MIN as f64),
                "min" => float(f64::MIN),
                "tiny" | "smallest_normal" if single => float(f32::MIN_POSITIVE as f64),
                "tiny" | "smallest_normal" => float(f64::MIN_POSITIVE),
                "resolution" if single => float(1e-6_f32 as f64),
                "resolution" => float(1e-15),
                "precision" => int(if single { 6 } else { 15 }),
                "bits" => int(bits),
                _ => return Err(unknown_attr()),
            }
        } else {
            if d.is_float() || d == DType::Bool {
                return Err(type_err(
                    arg.span,
                    format!(
                        "Invalid integer data type '{}'.",
                        if d == DType::Bool { 'b' } else { 'f' }
                    ),
                ));
            }
            let unsigned = d.is_unsigned();
            match attr {
                "bits" => int(bits),
                "min" if unsigned => int(0),
                "min" => int(if bits == 64 {
                    i64::MIN
                } else {
                    -(1i64 << (bits - 1))
                }),
                "max" if d == DType::U64 => {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        span,
                        "np.iinfo(np.uint64).max does not fit Kiln's int64 Python ints",
                    ))
                }
                "max" if unsigned => int((1i64 << bits) - 1),
                "max" => int(if bits == 64 {
                    i64::MAX
                } else {
                    (1i64 << (bits - 1)) - 1
                }),
                _ => return Err(unknown_attr()),
            }
        };
        Ok(Some(e))
    }

    fn name(&mut self, n: &str, span: Span) -> Result<TExpr> {
        if self.assigned.contains(n) {
            let id = self.local(n, span);
            let ty = self.locals[id as usize].ty.clone();
            return Ok(texpr(TExprKind::Local(id), ty, span));
        }
        if let Some((c, ty)) = self.prog.consts.get(n) {
            return Ok(texpr(TExprKind::Const(c.clone()), ty.clone(), span));
        }
        if let Some(e) = self.prog.frozen.get(n).cloned() {
            return self.frozen(n, &e, span);
        }
        if n == "__name__" {
            // Programs always run as the main module.
            return Ok(texpr(
                TExprKind::Const(Const::Str("__main__".into())),
                Type::Str,
                span,
            ));
        }
        if self.prog.module_vars.contains(n) {
            return Err(Diagnostic::new(
                DiagKind::Name,
                span,
                format!(
                    "module-level variable '{n}' is not a constant, so functions cannot read it"
                ),
            )
            .help(
                "pass it as an argument, or assign it exactly once at module level to a constant",
            ));
        }
        if self.prog.func_index.contains_key(n) {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                format!("function '{n}' used as a value; Kiln functions can only be called"),
            ));
        }
        if let Some(imp) = self.prog.imports.get(n) {
            if let Import::Member(ModuleKind::Math | ModuleKind::Numpy, m) = imp {
                if let Some(v) = builtins::math_constant(m) {
                    return Ok(texpr(TExprKind::Const(Const::Float(v)), Type::Float, span));
                }
            }
            if matches!(imp, Import::Member(ModuleKind::Numpy, m) if m == "newaxis") {
                return Ok(texpr(TExprKind::Const(Const::None), Type::None, span));
            }
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                format!("'{n}' can only be called or used as `{n}.name`"),
            ));
        }
        if builtins::BUILTIN_FUNCS.contains(&n) || builtins::EXCEPTIONS.contains(&n) {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                format!("builtin '{n}' used as a value; it can only be called"),
            ));
        }
        Err(Diagnostic::new(DiagKind::Name, span, format!("name '{n}' is not defined")).help(
            if self.is_module { "assign it before this line" } else { "assign it in this function, pass it as a parameter, or define it at module level" },
        ))
    }

    fn attribute(&mut self, m: &Expr, attr: &str, span: Span) -> Result<TExpr> {
        if let Some(e) = self.machine_limit(m, attr, span)? {
            return Ok(e);
        }
        if let ExprKind::Name(n) = &m.kind {
            if !self.assigned.contains(n) {
                if let Some(Import::Module(kind)) = self.prog.imports.get(n) {
                    if matches!(kind, ModuleKind::Math | ModuleKind::Numpy) {
                        if let Some(v) = builtins::math_constant(attr) {
                            return Ok(texpr(TExprKind::Const(Const::Float(v)), Type::Float, span));
                        }
                    }
                    if *kind == ModuleKind::Numpy && attr == "newaxis" {
                        return Ok(texpr(TExprKind::Const(Const::None), Type::None, span));
                    }
                    if *kind == ModuleKind::Numpy {
                        let dt = crate::types::DType::from_name(attr)
                            .filter(|_| attr != "int" && attr != "float");
                        if let Some(d) = dt {
                            return Ok(texpr(
                                TExprKind::Const(Const::DType(d)),
                                Type::DTypeObj(d),
                                span,
                            ));
                        }
                    }
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        span,
                        format!("'{n}.{attr}' is not supported in Kiln here"),
                    ));
                }
            }
        }
        let v = self.expr(m)?;
        if v.ty.is_unknown() {
            return Ok(unknown(span));
        }
        if v.ty.as_array().is_some() {
            return self.array_attr(v, attr, span);
        }
        if let (Type::Scalar(d), "dtype") = (&v.ty, attr) {
            return Ok(texpr(
                TExprKind::Const(Const::DType(*d)),
                Type::DTypeObj(*d),
                span,
            ));
        }
        Err(type_err(
            span,
            format!("{} has no attribute '{attr}' in Kiln", v.ty),
        ))
    }

    fn unary(&mut self, op: UnaryOp, x: TExpr, span: Span) -> Result<TExpr> {
        if x.ty.is_unknown() {
            return Ok(unknown(span));
        }
        if x.ty.as_array().is_some() {
            return match op {
                UnaryOp::Neg => self.ufunc(Ufunc::Negative, vec![x], span),
                UnaryOp::Invert => self.ufunc(Ufunc::Invert, vec![x], span),
                UnaryOp::Pos => Ok(x),
                UnaryOp::Not => Err(type_err(span, "the truth value of an array is ambiguous")
                    .help("use np.logical_not(a) or ~a for an elementwise not")),
            };
        }
        if !x.ty.is_number() {
            let sym = match op {
                UnaryOp::Neg => "-",
                UnaryOp::Pos => "+",
                UnaryOp::Invert => "~",
                UnaryOp::Not => "not",
            };
            if op == UnaryOp::Not {
                let t = self.truth(x)?;
                return Ok(texpr(TExprKind::Not(Box::new(t)), Type::Bool, span));
            }
            return Err(type_err(
                span,
                format!("bad operand type for unary {sym}: '{}'", py_name(&x.ty)),
            ));
        }
        let arith_ty = if x.ty == Type::Bool {
            Type::Int
        } else {
            x.ty.clone()
        };
        Ok(match op {
            UnaryOp::Not => {
                let t = self.truth(x)?;
                texpr(TExprKind::Not(Box::new(t)), Type::Bool, span)
            }
            UnaryOp::Pos => {
                let mut e = x.cast(&arith_ty);
                e.span = span;
                e
            }
            UnaryOp::Neg => texpr(TExprKind::Neg(Box::new(x.cast(&arith_ty))), arith_ty, span),
            UnaryOp::Invert => {
                if x.ty.is_float() {
                    return Err(type_err(
                        span,
                        format!("bad operand type for unary ~: '{}'", py_name(&x.ty)),
                    ));
                }
                texpr(
                    TExprKind::Invert(Box::new(x.cast(&arith_ty))),
                    arith_ty,
                    span,
                )
            }
        })
    }

    fn binary(&mut self, op: BinOp, l: TExpr, r: TExpr, span: Span) -> Result<TExpr> {
        if l.ty.is_unknown() || r.ty.is_unknown() {
            return Ok(unknown(span));
        }
        if l.ty.as_array().is_some() || r.ty.as_array().is_some() {
            if op == BinOp::MatMul {
                return self.dot(l, r, span, true);
            }
            return self.ufunc(arrays::binop_ufunc(op).unwrap(), vec![l, r], span);
        }
        if op == BinOp::Add
            && matches!(l.ty, Type::Str | Type::Text)
            && matches!(r.ty, Type::Str | Type::Text)
        {
            return Ok(self.concat(l, r, span));
        }
        let text = matches!(l.ty, Type::Str | Type::Text) || matches!(r.ty, Type::Str | Type::Text);
        let bad = || {
            let d = type_err(
                span,
                format!(
                    "unsupported operand type(s) for {}: '{}' and '{}'",
                    op.symbol(),
                    py_name(&l.ty),
                    py_name(&r.ty)
                ),
            );
            if text {
                d.help("Kiln's strings are literals, formatting (f-strings, str.format, '%', str()) and +")
            } else {
                d
            }
        };
        if !l.ty.is_number() || !r.ty.is_number() {
            return Err(bad());
        }
        let t = Type::promote_scalars(&l.ty, &r.ty).ok_or_else(bad)?;
        let bitwise = matches!(
            op,
            BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::LShift | BinOp::RShift
        );
        let (compute, result) = match op {
            BinOp::MatMul => return Err(bad()),
            _ if bitwise => {
                if t.is_float() {
                    return Err(bad());
                }
                let keep_bool = t == Type::Bool && !matches!(op, BinOp::LShift | BinOp::RShift);
                let c = if t == Type::Bool && !keep_bool {
                    Type::Int
                } else {
                    t
                };
                (c.clone(), c)
            }
            BinOp::Div => {
                let f = match &t {
                    Type::Scalar(d) if !d.is_float() => Type::Scalar(crate::types::DType::F64),
                    Type::Scalar(_) => t.clone(),
                    _ => Type::Float,
                };
                (f.clone(), f)
            }
            BinOp::Pow => {
                let c = if t == Type::Bool { Type::Int } else { t };
                if c == Type::Int && is_negative_const(&r) {
                    (Type::Float, Type::Float)
                } else {
                    (c.clone(), c)
                }
            }
            _ => {
                let c = match t {
                    Type::Bool => Type::Int,
                    Type::Scalar(crate::types::DType::Bool) => {
                        return Err(type_err(
                            span,
                            format!(
                                "arithmetic '{}' on NumPy bools is not supported in Kiln",
                                op.symbol()
                            ),
                        ))
                    }
                    t => t,
                };
                (c.clone(), c)
            }
        };
        let (l, r) = (l.cast(&compute), r.cast(&compute));
        Ok(texpr(
            TExprKind::Binary(op, Box::new(l), Box::new(r)),
            result,
            span,
        ))
    }

    fn call(
        &mut self,
        func: &Expr,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<TExpr> {
        match &func.kind {
            ExprKind::Name(n) if !self.assigned.contains(n) => {
                if let Some(&f) = self.prog.func_index.get(n) {
                    return self.call_def(f, args, kwargs, span);
                }
                if let Some(Import::Member(kind, m)) = self.prog.imports.get(n).cloned() {
                    return self.call_module(kind, &m, func.span, args, kwargs, span);
                }
                if builtins::BUILTIN_FUNCS.contains(&n.as_str()) {
                    return self.call_builtin(n, func.span, args, kwargs, span);
                }
                if builtins::EXCEPTIONS.contains(&n.as_str()) {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        span,
                        "exceptions can only be raised (`raise ValueError(\"...\")`)",
                    ));
                }
                if let Some((Const::DType(d), _)) = self.prog.consts.get(n) {
                    // A dtype alias called: `DT(x)` is `np.float32(x)`.
                    let name = consts::ctor_name(*d);
                    return self.call_module(
                        ModuleKind::Numpy,
                        name,
                        func.span,
                        args,
                        kwargs,
                        span,
                    );
                }
                self.name(n, func.span)?;
                Err(Diagnostic::new(
                    DiagKind::Unsupported,
                    func.span,
                    format!("'{n}' is not callable"),
                ))
            }
            ExprKind::Attribute(m, attr) => {
                if let ExprKind::Name(n) = &m.kind {
                    if !self.assigned.contains(n) {
                        if let Some(Import::Module(kind)) = self.prog.imports.get(n).cloned() {
                            return self.call_module(kind, attr, func.span, args, kwargs, span);
                        }
                    }
                }
                if attr == "format" {
                    return self.str_format(m, args, kwargs, span);
                }
                if self.is_np_module(m, "linalg") {
                    return self.call_linalg(attr, func.span, args, kwargs, span);
                }
                if self.is_np_random(m) {
                    return self.call_module(
                        ModuleKind::NpRandom,
                        attr,
                        func.span,
                        args,
                        kwargs,
                        span,
                    );
                }
                let v = self.expr(m)?;
                if v.ty.is_unknown() {
                    return Ok(unknown(span));
                }
                if v.ty.as_array().is_some() {
                    return self.array_method(v, attr, args, kwargs, span);
                }
                Err(type_err(
                    func.span,
                    format!("{} has no method '{attr}' in Kiln", v.ty),
                ))
            }
            ExprKind::Name(n) => {
                // A dtype held in a name (an alias assigned at module
                // level) constructs its scalar: `DT(x)` is `np.float32(x)`.
                let v = self.expr(func)?;
                match v.ty {
                    Type::DTypeObj(d) => {
                        let name = consts::ctor_name(d);
                        self.call_module(ModuleKind::Numpy, name, func.span, args, kwargs, span)
                    }
                    Type::Unknown => Ok(unknown(span)),
                    _ => Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        func.span,
                        format!("'{n}' is not callable"),
                    )),
                }
            }
            _ => Err(Diagnostic::new(
                DiagKind::Unsupported,
                func.span,
                "only named functions can be called in Kiln",
            )),
        }
    }

    fn call_def(
        &mut self,
        f: usize,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<TExpr> {
        let def = self.prog.funcs[f].clone();
        let (min, max) = arity(&def);
        if args.len() > max {
            return Err(Diagnostic::new(
                DiagKind::Arity,
                span,
                format!(
                    "{}() takes {} positional arguments but {} were given",
                    def.name,
                    arity_text(min, max),
                    args.len()
                ),
            )
            .note(def.name_span, "defined here"));
        }
        let mut slots: Vec<Option<TExpr>> = vec![None; def.params.len()];
        for (i, a) in args.iter().enumerate() {
            slots[i] = Some(self.expr(a)?);
        }
        for k in kwargs {
            let Some(i) = def.params.iter().position(|p| p.name == k.name) else {
                return Err(Diagnostic::new(
                    DiagKind::Arity,
                    k.name_span,
                    format!(
                        "{}() got an unexpected keyword argument '{}'",
                        def.name, k.name
                    ),
                )
                .note(def.name_span, "defined here"));
            };
            if slots[i].is_some() {
                return Err(Diagnostic::new(
                    DiagKind::Arity,
                    k.name_span,
                    format!(
                        "{}() got multiple values for argument '{}'",
                        def.name, k.name
                    ),
                ));
            }
            slots[i] = Some(self.expr(&k.value)?);
        }
        let mut targs = Vec::new();
        for (i, s) in slots.into_iter().enumerate() {
            let p = &def.params[i];
            targs.push(match s {
                Some(e) => e,
                None => match &p.default {
                    Some(d) => {
                        let (c, t) = self.prog.const_value(d).ok_or_else(|| {
                            Diagnostic::new(
                                DiagKind::Unsupported,
                                d.span,
                                "a default value must be a constant in Kiln",
                            )
                        })?;
                        texpr(TExprKind::Const(c), t, span)
                    }
                    None => {
                        return Err(Diagnostic::new(
                            DiagKind::Arity,
                            span,
                            format!("{}() missing required argument '{}'", def.name, p.name),
                        )
                        .note(def.name_span, "defined here"))
                    }
                },
            });
        }
        if targs.iter().any(|a| a.ty.is_unknown()) {
            return Ok(unknown(span));
        }
        for a in &targs {
            if matches!(a.ty, Type::None) {
                return Err(type_err(
                    a.span,
                    "None cannot be passed as an argument in Kiln",
                ));
            }
        }
        if let Some(k) = targs
            .iter()
            .position(|a| a.ty.exceeds(MAX_ARG_DEPTH, MAX_ARG_PARTS))
        {
            return Err(Diagnostic::new(
                DiagKind::Limit,
                span,
                format!(
                    "argument {} of this call to {}() has too large a type (tuples nested more \
                     than {MAX_ARG_DEPTH} deep, or more than {MAX_ARG_PARTS} types in all): \
                     a recursive call whose argument grows with every call cannot be \
                     specialised; keep the argument's type the same from call to call",
                    k + 1,
                    def.name
                ),
            ));
        }
        let id = self.prog.spec_for(
            FuncRef::Def(f),
            targs.iter().map(|a| a.ty.clone()).collect(),
        );
        let prog = &mut *self.prog;
        if id != self.id {
            if let hashbrown::hash_map::Entry::Vacant(v) = prog.call_sites.entry(id) {
                v.insert((self.id, span));
                if let Some(j) = &mut prog.journal {
                    j.sites.push(id);
                }
            }
        }
        if prog.reads.insert((id, self.id)) {
            prog.specs[id as usize].readers.push(self.id);
            if let Some(j) = &mut prog.journal {
                j.reads.push((id, self.id));
            }
        }
        let ret = prog.specs[id as usize].ret.clone();
        Ok(texpr(TExprKind::Call(id, targs), ret, span))
    }

    fn args_exact(
        &mut self,
        name: &str,
        args: &[Expr],
        kwargs: &[Keyword],
        n: std::ops::RangeInclusive<usize>,
        span: Span,
    ) -> Result<Vec<TExpr>> {
        if let Some(k) = kwargs.first() {
            return Err(Diagnostic::new(
                DiagKind::Arity,
                k.name_span,
                format!("{name}() takes no keyword arguments in Kiln"),
            ));
        }
        if !n.contains(&args.len()) {
            let want = if n.start() == n.end() {
                format!("{}", n.start())
            } else {
                format!("{} to {}", n.start(), n.end())
            };
            return Err(Diagnostic::new(
                DiagKind::Arity,
                span,
                format!("{name}() takes {want} arguments ({} given)", args.len()),
            ));
        }
        args.iter().map(|a| self.expr(a)).collect()
    }

    /// Python's `sum`, `min` or `max` of a 1-D array: its elements in
    /// order, each a NumPy scalar of its dtype (a sum of bools counts in int64).
    fn py_fold(&mut self, f: Reduction, x: TExpr, span: Span) -> Result<TExpr> {
        let at = x.ty.as_array().cloned().unwrap();
        let name = format!("{f:?}").to_lowercase();
        if at.ndim != 1 {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                x.span,
                format!("{name}() of a {}-D array is not supported in Kiln", at.ndim),
            )
            .help(format!(
                "use np.{name}(a, axis=0), or a.{name}() for every element"
            )));
        }
        let d = if f == Reduction::Sum && at.dtype == crate::types::DType::Bool {
            crate::types::DType::I64
        } else {
            at.dtype
        };
        Ok(arrays::rt(RtOp::PyFold(f), vec![x], Type::Scalar(d), span))
    }

    /// The items of a tuple, for the builtins that iterate over one: a
    /// tuple written out or held in a name.
    fn tuple_items(&mut self, x: TExpr, name: &str) -> Result<Vec<TExpr>> {
        let Type::Tuple(tys) = &x.ty else {
            if x.ty.is_unknown() {
                return Ok(vec![x]);
            }
            return Err(type_err(
                x.span,
                format!("{name}() needs an array or a tuple in Kiln, not {}", x.ty),
            ));
        };
        let tys = tys.clone();
        match x.kind {
            TExprKind::Tuple(items) => Ok(items),
            TExprKind::Local(_) => Ok(tys
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let sp = x.span;
                    texpr(TExprKind::TupleGet(Box::new(x.clone()), i), t.clone(), sp)
                })
                .collect()),
            _ => Err(Diagnostic::new(
                DiagKind::Unsupported,
                x.span,
                format!("{name}() of a tuple that a call returns is not supported in Kiln"),
            )
            .help("assign the tuple to a name first")),
        }
    }

    fn need_number(&self, name: &str, a: &TExpr) -> Result<()> {
        if a.ty.is_number() || a.ty.is_unknown() {
            Ok(())
        } else {
            Err(type_err(
                a.span,
                format!("{name}() needs a number, not {}", a.ty),
            ))
        }
    }

    fn call_builtin(
        &mut self,
        n: &str,
        fspan: Span,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<TExpr> {
        match n {
            "print" => Err(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                "print() can only be used as a statement",
            )),
            "range" | "enumerate" | "zip" => Err(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                format!("{n}() can only be used in a for loop in Kiln"),
            )
            .help(format!("write `for ... in {n}(...):`"))),
            "len" => {
                let a = self.args_exact(n, args, kwargs, 1..=1, span)?;
                match &a[0].ty {
                    Type::Array(_) => Ok(texpr(TExprKind::Rt(RtOp::Len, a), Type::Int, span)),
                    Type::Tuple(t) => Ok(texpr(
                        TExprKind::Const(Const::Int(t.len() as i64)),
                        Type::Int,
                        span,
                    )),
                    Type::Unknown => Ok(unknown(span)),
                    t => Err(type_err(
                        a[0].span,
                        format!("object of type {t} has no len()"),
                    )),
                }
            }
            "abs" => {
                let a = self.args_exact(n, args, kwargs, 1..=1, span)?;
                if a[0].ty.as_array().is_some() {
                    return self.ufunc(Ufunc::Absolute, a, span);
                }
                self.need_number(n, &a[0])?;
                let ty = if a[0].ty == Type::Bool {
                    Type::Int
                } else {
                    a[0].ty.clone()
                };
                let a = a.into_iter().map(|x| x.cast(&ty)).collect();
                Ok(texpr(TExprKind::Intrinsic(Intrinsic::Abs, a), ty, span))
            }
            "sum" => {
                let mut a = self.args_exact(n, args, kwargs, 1..=2, span)?;
                let start = (a.len() == 2).then(|| a.pop().unwrap());
                let x = a.pop().unwrap();
                if x.ty.as_array().is_some() {
                    if let Some(s) = start {
                        return Err(Diagnostic::new(
                            DiagKind::Unsupported,
                            s.span,
                            "sum() of an array with a start value is not supported in Kiln",
                        )
                        .help("add the start after: start + sum(a)"));
                    }
                    return self.py_fold(Reduction::Sum, x, span);
                }
                let start = start
                    .unwrap_or_else(|| texpr(TExprKind::Const(Const::Int(0)), Type::Int, span));
                let items = self.tuple_items(x, n)?;
                let mut acc = start;
                for it in items {
                    acc = self.binary(BinOp::Add, acc, it, span)?;
                }
                Ok(acc)
            }
            "str" => {
                if let Some(k) = kwargs.first() {
                    return Err(Diagnostic::new(
                        DiagKind::Arity,
                        k.name_span,
                        "str() takes no keyword arguments in Kiln",
                    ));
                }
                match args {
                    [] => Ok(texpr(TExprKind::Const(Const::Str(String::new())), Type::Str, span)),
                    // What print shows: the value's `str`, a new string.
                    [x] => {
                        let mut t = self.message(x)?;
                        t.span = span;
                        Ok(t)
                    }
                    _ => Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        span,
                        "str() of more than one argument (bytes and an encoding) is not supported in Kiln",
                    )),
                }
            }
            "divmod" => {
                let a = self.args_exact(n, args, kwargs, 2..=2, span)?;
                for x in &a {
                    self.need_number(n, x)?;
                    if !simple(x) {
                        return Err(Diagnostic::new(
                            DiagKind::Unsupported,
                            x.span,
                            "divmod() of an expression that calls a function is not supported in Kiln",
                        )
                        .help("assign it to a name first"));
                    }
                }
                let q = self.binary(BinOp::FloorDiv, a[0].clone(), a[1].clone(), span)?;
                let r = self.binary(BinOp::Mod, a[0].clone(), a[1].clone(), span)?;
                let ty = Type::tuple(vec![q.ty.clone(), r.ty.clone()]);
                Ok(texpr(TExprKind::Tuple(vec![q, r]), ty, span))
            }
            "min" | "max" => {
                let mut a = self.args_exact(n, args, kwargs, 1..=64, span)?;
                if a.len() == 1 {
                    let x = a.pop().unwrap();
                    if x.ty.as_array().is_some() {
                        let f = if n == "min" {
                            Reduction::Min
                        } else {
                            Reduction::Max
                        };
                        return self.py_fold(f, x, span);
                    }
                    a = self.tuple_items(x, n)?;
                    if a.is_empty() {
                        return Err(type_err(span, format!("{n}() arg is an empty sequence")));
                    }
                    if a.len() == 1 {
                        return Ok(a.pop().unwrap());
                    }
                }
                let mut ty = Type::Unknown;
                for x in &a {
                    self.need_number(n, x)?;
                    ty = Type::unify(&ty, &x.ty).unwrap_or(Type::Unknown);
                }
                if a.iter().any(|x| x.ty.is_unknown()) {
                    return Ok(unknown(span));
                }
                let a = a.into_iter().map(|x| x.cast(&ty)).collect();
                let which = if n == "min" {
                    Intrinsic::Min
                } else {
                    Intrinsic::Max
                };
                Ok(texpr(TExprKind::Intrinsic(which, a), ty, span))
            }
            "int" | "float" | "bool" => {
                let a = self.args_exact(n, args, kwargs, 0..=1, span)?;
                let ty = match n {
                    "int" => Type::Int,
                    "float" => Type::Float,
                    _ => Type::Bool,
                };
                let Some(x) = a.into_iter().next() else {
                    let c = match n {
                        "int" => Const::Int(0),
                        "float" => Const::Float(0.0),
                        _ => Const::Bool(false),
                    };
                    return Ok(texpr(TExprKind::Const(c), ty, span));
                };
                if let (TExprKind::Const(Const::Str(s)), "float") = (&x.kind, n) {
                    let v = match s.trim().to_ascii_lowercase().as_str() {
                        "inf" | "+inf" | "infinity" => f64::INFINITY,
                        "-inf" | "-infinity" => f64::NEG_INFINITY,
                        "nan" | "+nan" | "-nan" => f64::NAN,
                        t => t.parse().map_err(|_| {
                            type_err(x.span, format!("could not convert string to float: {s:?}"))
                        })?,
                    };
                    return Ok(texpr(TExprKind::Const(Const::Float(v)), Type::Float, span));
                }
                // A 0-d array converts as its element does (an item of
                // np.nditer, a 0-d reduction).
                let x = zero_d_item(x);
                self.need_number(n, &x)?;
                if n == "bool" {
                    let mut t = self.truth(x)?;
                    t.span = span;
                    return Ok(t);
                }
                let mut e = x.cast(&ty);
                e.span = span;
                if !matches!(e.kind, TExprKind::Cast(_)) {
                    e = texpr(e.kind, ty, span);
                }
                Ok(e)
            }
            "round" => {
                let a = self.args_exact(n, args, kwargs, 1..=2, span)?;
                for x in &a {
                    self.need_number(n, x)?;
                }
                if a.iter().any(|x| x.ty.is_unknown()) {
                    return Ok(unknown(span));
                }
                let mut it = a.into_iter();
                let x = it.next().unwrap();
                match it.next() {
                    None if x.ty.is_float() => Ok(texpr(
                        TExprKind::Intrinsic(Intrinsic::Round, vec![x.cast(&Type::Float)]),
                        Type::Int,
                        span,
                    )),
                    None => Ok(x.cast(&Type::Int)),
                    Some(nd) => {
                        if !nd.ty.is_intlike() {
                            return Err(type_err(
                                nd.span,
                                format!(
                                    "'{}' object cannot be interpreted as an integer",
                                    py_name(&nd.ty)
                                ),
                            ));
                        }
                        let nd = nd.cast(&Type::Int);
                        match x.ty.clone() {
                            Type::Float => Ok(texpr(
                                TExprKind::Intrinsic(Intrinsic::RoundN, vec![x, nd]),
                                Type::Float,
                                span,
                            )),
                            // NumPy rounds its floats its own way (scaled by
                            // a power of ten), keeping the dtype.
                            Type::Scalar(d) if d.is_float() => Ok(texpr(
                                TExprKind::Rt(RtOp::Scalar(ScalarFn::RoundNp(d)), vec![x, nd]),
                                Type::Scalar(d),
                                span,
                            )),
                            t => {
                                let ty = match t {
                                    Type::Scalar(crate::types::DType::Bool) | Type::Bool => {
                                        Type::Int
                                    }
                                    t => t,
                                };
                                let x = x.cast(&Type::Int);
                                Ok(texpr(
                                    TExprKind::Rt(RtOp::Scalar(ScalarFn::RoundInt), vec![x, nd]),
                                    ty,
                                    span,
                                ))
                            }
                        }
                    }
                }
            }
            _ => Err(Diagnostic::new(
                DiagKind::Unsupported,
                fspan,
                format!("builtin '{n}' is not supported in Kiln"),
            )),
        }
    }

    fn call_module(
        &mut self,
        kind: ModuleKind,
        name: &str,
        fspan: Span,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<TExpr> {
        match kind {
            ModuleKind::Math => self.call_math(name, fspan, args, kwargs, span),
            ModuleKind::Numpy => self.call_numpy(name, fspan, args, kwargs, span),
            ModuleKind::NpRandom | ModuleKind::PyRandom => {
                self.call_random(kind, name, fspan, args, kwargs, span)
            }
            ModuleKind::Numba if name == "prange" => Err(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                "prange() can only be used in a for loop in Kiln",
            )
            .help("write `for i in prange(n):`")),
            ModuleKind::Numba => Err(Diagnostic::new(
                DiagKind::Unsupported,
                fspan,
                format!("numba.{name} can only be used as a decorator"),
            )),
        }
    }

    fn call_math(
        &mut self,
        name: &str,
        fspan: Span,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<TExpr> {
        let full = format!("math.{name}");
        let float_args = |cx: &mut Cx, a: Vec<TExpr>| -> Result<Vec<TExpr>> {
            for x in &a {
                cx.need_number(&full, x)?;
            }
            Ok(a.into_iter().map(|x| x.cast(&Type::Float)).collect())
        };
        if let Some(e) = self.call_math_more(name, &full, args, kwargs, span)? {
            return Ok(e);
        }
        if let Some(m) = Math1::from_name(name) {
            let a = self.args_exact(&full, args, kwargs, 1..=1, span)?;
            if m == Math1::Trunc {
                self.need_number(&full, &a[0])?;
                let mut e = a.into_iter().next().unwrap().cast(&Type::Int);
                e.span = span;
                return Ok(e);
            }
            let a = float_args(self, a)?;
            return Ok(texpr(
                TExprKind::Intrinsic(Intrinsic::Math1(m), a),
                Type::Float,
                span,
            ));
        }
        let (intr, n, ty) = match name {
            "atan2" => (Intrinsic::Atan2, 2, Type::Float),
            "floor" => (Intrinsic::Floor, 1, Type::Int),
            "ceil" => (Intrinsic::Ceil, 1, Type::Int),
            "isnan" => (Intrinsic::IsNan, 1, Type::Bool),
            "isinf" => (Intrinsic::IsInf, 1, Type::Bool),
            "isfinite" => (Intrinsic::IsFinite, 1, Type::Bool),
            "pow" => {
                let a = self.args_exact(&full, args, kwargs, 2..=2, span)?;
                let a = float_args(self, a)?;
                let mut it = a.into_iter();
                let (x, y) = (it.next().unwrap(), it.next().unwrap());
                return Ok(texpr(TExprKind::Binary(BinOp::Pow, Box::new(x), Box::new(y)), Type::Float, span));
            }
            _ => {
                return Err(Diagnostic::new(DiagKind::Unsupported, fspan, format!("{full} is not supported in Kiln"))
                    .help("supported: sqrt exp expm1 log (with a base too) log1p log2 log10 sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh atanh erf erfc gamma lgamma ldexp frexp modf floor ceil fabs trunc pow hypot copysign fmod degrees radians gcd factorial isqrt isclose isnan isinf isfinite, and the constants pi e tau inf nan"))
            }
        };
        let a = self.args_exact(&full, args, kwargs, n..=n, span)?;
        if matches!(intr, Intrinsic::Floor | Intrinsic::Ceil) && a[0].ty.is_intlike() {
            let mut e = a.into_iter().next().unwrap().cast(&Type::Int);
            e.span = span;
            return Ok(e);
        }
        let a = float_args(self, a)?;
        Ok(texpr(TExprKind::Intrinsic(intr, a), ty, span))
    }
}

impl Cx<'_> {
    /// The `math` functions that are not one instruction: `None` when
    /// `name` is none of them.
    fn call_math_more(
        &mut self,
        name: &str,
        full: &str,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<Option<TExpr>> {
        let (f, n, int) = match name {
            "hypot" => (ScalarFn::Hypot, 2, false),
            "copysign" => (ScalarFn::Copysign, 2, false),
            "fmod" => (ScalarFn::Fmod, 2, false),
            "gcd" => (ScalarFn::Gcd, 2, true),
            "factorial" => (ScalarFn::Factorial, 1, true),
            "isqrt" => (ScalarFn::Isqrt, 1, true),
            "isclose" => {
                let names = ["a", "b", "rel_tol", "abs_tol"];
                let a = self.signature(full, args, kwargs, &names, 2, span)?;
                if kwargs.is_empty() && args.len() > 2 {
                    return Err(Diagnostic::new(
                        DiagKind::Arity,
                        span,
                        format!(
                            "isclose() takes exactly 2 positional arguments ({} given)",
                            args.len()
                        ),
                    ));
                }
                let mut ops = Vec::new();
                for (k, e) in a.iter().enumerate() {
                    let x = match e {
                        Some(e) => self.expr(e)?,
                        None => {
                            let d = if k == 2 { 1e-9 } else { 0.0 };
                            texpr(TExprKind::Const(Const::Float(d)), Type::Float, span)
                        }
                    };
                    self.need_number(full, &x)?;
                    if x.ty.is_unknown() {
                        return Ok(Some(unknown(span)));
                    }
                    ops.push(zero_d_item(x).cast(&Type::Float));
                }
                let op = RtOp::Scalar(ScalarFn::IsClose);
                return Ok(Some(texpr(TExprKind::Rt(op, ops), Type::Bool, span)));
            }
            "expm1" => (ScalarFn::Expm1, 1, false),
            "log1p" => (ScalarFn::Log1p, 1, false),
            "asinh" => (ScalarFn::Asinh, 1, false),
            "acosh" => (ScalarFn::Acosh, 1, false),
            "atanh" => (ScalarFn::Atanh, 1, false),
            "erf" => (ScalarFn::Erf, 1, false),
            "erfc" => (ScalarFn::Erfc, 1, false),
            "gamma" => (ScalarFn::Gamma, 1, false),
            "lgamma" => (ScalarFn::Lgamma, 1, false),
            "ldexp" => {
                let a = self.args_exact(full, args, kwargs, 2..=2, span)?;
                self.need_number(full, &a[0])?;
                if !a[1].ty.is_intlike() && !a[1].ty.is_unknown() {
                    return Err(type_err(
                        a[1].span,
                        "Expected an int as second argument to ldexp.",
                    ));
                }
                if a.iter().any(|x| x.ty.is_unknown()) {
                    return Ok(Some(unknown(span)));
                }
                let mut it = a.into_iter();
                let x = it.next().unwrap().cast(&Type::Float);
                let i = it.next().unwrap().cast(&Type::Int);
                let op = RtOp::Scalar(ScalarFn::Ldexp);
                return Ok(Some(texpr(
                    TExprKind::Rt(op, vec![x, i]),
                    Type::Float,
                    span,
                )));
            }
            "log" if args.len() == 2 => {
                // CPython's math.log(x, base) is log(x) / log(base).
                let a = self.args_exact(full, args, kwargs, 2..=2, span)?;
                let mut logs = Vec::new();
                for x in a {
                    self.need_number(full, &x)?;
                    let sp = x.span;
                    logs.push(texpr(
                        TExprKind::Intrinsic(
                            Intrinsic::Math1(Math1::Log),
                            vec![x.cast(&Type::Float)],
                        ),
                        Type::Float,
                        sp,
                    ));
                }
                let d = logs.pop().unwrap();
                let x = logs.pop().unwrap();
                return Ok(Some(texpr(
                    TExprKind::Binary(BinOp::Div, Box::new(x), Box::new(d)),
                    Type::Float,
                    span,
                )));
            }
            "frexp" | "modf" => {
                let a = self.args_exact(full, args, kwargs, 1..=1, span)?;
                self.need_number(full, &a[0])?;
                if a[0].ty.is_unknown() {
                    return Ok(Some(unknown(span)));
                }
                let x = a.into_iter().next().unwrap().cast(&Type::Float);
                let (op, second) = if name == "frexp" {
                    (RtOp::Frexp, Type::Int)
                } else {
                    (RtOp::Modf, Type::Float)
                };
                let ty = Type::tuple(vec![Type::Float, second]);
                return Ok(Some(texpr(TExprKind::Rt(op, vec![x]), ty, span)));
            }
            "degrees" | "radians" => {
                // CPython multiplies by its constant 180/pi (or pi/180).
                let a = self.args_exact(full, args, kwargs, 1..=1, span)?;
                self.need_number(full, &a[0])?;
                let k = if name == "degrees" {
                    180.0 / std::f64::consts::PI
                } else {
                    std::f64::consts::PI / 180.0
                };
                let x = a.into_iter().next().unwrap().cast(&Type::Float);
                let k = texpr(TExprKind::Const(Const::Float(k)), Type::Float, span);
                return Ok(Some(texpr(
                    TExprKind::Binary(BinOp::Mul, Box::new(x), Box::new(k)),
                    Type::Float,
                    span,
                )));
            }
            _ => return Ok(None),
        };
        let a = self.args_exact(full, args, kwargs, n..=n, span)?;
        for x in &a {
            self.need_number(full, x)?;
            if int && !x.ty.is_intlike() && !x.ty.is_unknown() {
                return Err(type_err(
                    x.span,
                    format!(
                        "'{}' object cannot be interpreted as an integer",
                        py_name(&x.ty)
                    ),
                ));
            }
        }
        if a.iter().any(|x| x.ty.is_unknown()) {
            return Ok(Some(unknown(span)));
        }
        let ty = if int { Type::Int } else { Type::Float };
        let a = a.into_iter().map(|x| x.cast(&ty)).collect();
        Ok(Some(texpr(TExprKind::Rt(RtOp::Scalar(f), a), ty, span)))
    }
}

fn is_negative_const(e: &TExpr) -> bool {
    match &e.kind {
        TExprKind::Const(Const::Int(v)) => *v < 0,
        TExprKind::Neg(x) => matches!(x.kind, TExprKind::Const(Const::Int(v)) if v > 0),
        TExprKind::Cast(x) => is_negative_const(x),
        _ => false,
    }
}

fn target_as_expr(t: &Target, locals: &[Local], span: Span) -> TExpr {
    match t {
        Target::Local(id) => texpr(TExprKind::Local(*id), locals[*id as usize].ty.clone(), span),
        Target::Tuple(items) => {
            let items: Vec<TExpr> = items
                .iter()
                .map(|i| target_as_expr(i, locals, span))
                .collect();
            let ty = Type::tuple(items.iter().map(|e| e.ty.clone()).collect());
            texpr(TExprKind::Tuple(items), ty, span)
        }
    }
}

fn has_subscript(t: &Expr) -> bool {
    match &t.kind {
        ExprKind::Subscript(..) => true,
        ExprKind::Tuple(items) => items.iter().any(has_subscript),
        _ => false,
    }
}

fn unsupported_target(t: &Expr) -> Diagnostic {
    let what = match &t.kind {
        ExprKind::Attribute(..) => "assigning to an attribute",
        ExprKind::Subscript(..) => "assigning to an element",
        _ => "this assignment target",
    };
    Diagnostic::new(
        DiagKind::Unsupported,
        t.span,
        format!("{what} is not supported in Kiln"),
    )
}

fn bad_raise(span: Span) -> Diagnostic {
    Diagnostic::new(
        DiagKind::Unsupported,
        span,
        "Kiln raises builtin exceptions with a literal message: raise ValueError(\"...\")",
    )
}

#[cfg(test)]
mod tests {
    use crate::diag::DiagKind;

    /// `n` functions, each returning the next one's result plus one.
    fn chain(n: usize) -> String {
        let mut s = String::new();
        for i in 0..n - 1 {
            s += &format!("def f{i}(x):\n    return f{}(x) + 1\n", i + 1);
        }
        s += &format!("def f{}(x):\n    return x\nprint(f0(5))\n", n - 1);
        s
    }

    fn solve_within(src: &str, per_spec: usize) -> crate::diag::Result<super::Program> {
        let mut p = super::Program::new(crate::parser::parse(src)?)?;
        p.module_spec();
        p.solve_within(per_spec)?;
        Ok(p)
    }

    #[test]
    fn a_long_chain_converges_in_a_few_inferences_per_function() {
        let n = 1000;
        let p = solve_within(&chain(n), 3).unwrap();
        assert_eq!(p.specs.len(), n + 1);
        assert!(p.specs[1..].iter().all(|s| s.ret == crate::Type::Int));
        // Each function once with its callee's return type unknown, once
        // more with it known: fewer than two inferences per function do not
        // suffice, and the bound ends inference with a diagnostic.
        let e = solve_within(&chain(n), 1).err().unwrap();
        assert_eq!(e.kind, DiagKind::Limit);
        assert!(e.message.contains("did not converge"), "{}", e.message);
    }

    /// Everything a rollback restores, in a fixed order.
    fn dump(p: &super::Program) -> String {
        fn sorted<T: std::fmt::Debug>(it: impl Iterator<Item = T>) -> Vec<String> {
            let mut v: Vec<String> = it.map(|x| format!("{x:?}")).collect();
            v.sort();
            v
        }
        format!(
            "{:#?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            p.specs,
            sorted(p.call_sites.iter()),
            sorted(p.reads.iter()),
            sorted(p.host_calls.iter()),
            sorted(p.spec_index.iter()),
            sorted(p.per_func.iter()),
        )
    }

    #[test]
    fn a_failed_request_rolls_back_to_the_state_before_it() {
        use crate::Type;
        // bad(int) types new specialisations, reads h(int) (which the host
        // made, so it gains a caller), then fails.
        let src = "def g(x):\n    return x + 1\n\ndef h(x):\n    return g(x) * 2\n\n\
                   def k(x):\n    return g(x) - 1\n\n\
                   def bad(x):\n    y = h(1) + k(x)\n    return x.nope + y\n";
        let new = || {
            let mut p = super::Program::new(crate::parser::parse(src).unwrap()).unwrap();
            p.module_spec();
            p.solve().unwrap();
            p.specialise("h", vec![Type::Int]).unwrap();
            p.solve().unwrap();
            p
        };
        let mut p = new();
        let before = dump(&p);
        for _ in 0..2 {
            let mark = p.mark();
            p.specialise("bad", vec![Type::Int]).unwrap();
            let e = p.solve().err().unwrap();
            assert!(e.message.contains("nope"), "{}", e.message);
            p.rollback(mark);
            assert_eq!(dump(&p), before);
        }
        // And it goes on as if the failed request had never been made.
        let mut fresh = new();
        for q in [&mut p, &mut fresh] {
            let mark = q.mark();
            q.specialise("k", vec![Type::Float]).unwrap();
            q.solve().unwrap();
            q.commit();
            let _ = mark;
        }
        assert_eq!(dump(&p), dump(&fresh));
    }

    fn err(src: &str) -> String {
        match crate::check(src) {
            Ok(_) => panic!("accepted:\n{src}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn random_and_formatting_say_what_is_unsupported() {
        let np = "import numpy as np\n";
        assert!(err(&format!("{np}np.random.gamma(2.0)\n"))
            .contains("np.random.gamma is not supported"));
        assert!(err(&format!("{np}np.random.choice(np.ones((2, 2)))\n")).contains("1-dimensional"));
        assert!(err(&format!("{np}np.random.normal(np.zeros(3))\n")).contains("takes numbers"));
        assert!(err("import random\nrandom.seed(1.5)\n").contains("an int seed"));
        assert!(
            err("import random\nrandom.sample(1, 2)\n").contains("random.sample is not supported")
        );
        assert!(err("print(\"{} {}\".format(1))\n").contains("IndexError: Replacement index 1"));
        assert!(err("print(\"{x}\".format(y=1))\n").contains("KeyError: 'x'"));
        assert!(err("print(\"}\".format())\n").contains("Single '}'"));
        assert!(err("print(\"{0.real}\".format(1))\n").contains("attribute or an item"));
        assert!(err("x = 1\nprint(x.format(1))\n").contains("no method 'format'"));
        assert!(err("s = f\"{1}\"\nprint(s * 2)\n").contains("str"));
    }

    #[test]
    fn iteration_forms_say_what_is_unsupported() {
        assert!(err("x = enumerate((1, 2))\n").contains("only be used in a for loop"));
        assert!(err("n = 3\nfor x in n:\n    print(x)\n").contains("'int' object is not iterable"));
        assert!(err("for x in ():\n    print(x)\n").contains("empty tuple"));
        assert!(err(
            "def f(s):\n    for i, j in zip(range(0, 9, s), range(3)):\n        print(i)\nf(2)\n"
        )
        .contains("constant step"));
        assert!(err("for x in (1, (2, 3)):\n    print(x)\n").contains("one type"));
        assert!(err("for i, j in range(3):\n    print(i)\n").contains("cannot unpack"));
        crate::check(
            "for i, (a, b) in enumerate(zip((1, 2), (3.5, 4.5)), 1):\n    print(i, a, b)\n",
        )
        .unwrap();
    }

    #[test]
    fn an_error_in_a_callee_is_reported_there_with_its_callers() {
        let src = "import numpy as np\ndef g(n):\n    return np.zeros(n, dtype=n)\ndef f(n):\n    return g(n) + 1\ndef main():\n    s = f(3)\n    print(np.sum(s))\nmain()\n";
        let Err(e) = crate::check(src) else {
            panic!("accepted")
        };
        assert!(e.message.contains("expected a dtype"), "{}", e.message);
        let lines: Vec<u32> = e.notes.iter().map(|(sp, _)| sp.start).collect();
        assert_eq!(e.notes.len(), 3, "{:?}", e.notes);
        assert!(e.notes[0].1.contains("g(int64)"));
        assert!(e.notes[1].1.contains("f(int64)"));
        assert!(e.notes[2].1.contains("main()"));
        assert!(lines.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn frexp_and_modf_take_one_number() {
        let m = "import math\n";
        assert!(err(&format!("{m}print(math.frexp('a'))\n")).contains("math.frexp"));
        assert!(err(&format!("{m}print(math.modf(1.0, 2.0))\n")).contains("math.modf"));
        assert!(err(&format!("{m}print(math.modf())\n")).contains("math.modf"));
        assert!(err(&format!("{m}m, e, k = math.frexp(1.0)\n")).contains("unpack"));
        crate::check(&format!(
            "{m}m, e = math.frexp(3)\nprint(m + e, math.modf(True)[1])\n"
        ))
        .unwrap();
    }

    #[test]
    fn prange_is_range_in_for_loops_only() {
        crate::check("from numba import prange\nfor i in prange(1, 9, 2):\n    print(i)\n")
            .unwrap();
        crate::check("import numba\nfor i in numba.prange(3):\n    print(i)\n").unwrap();
        assert!(err("from numba import prange\nx = prange(3)\n").contains("for loop"));
        // Without the import it is an unknown name, as in Python.
        assert!(err("for i in prange(3):\n    print(i)\n").contains("not defined"));
    }

    #[test]
    fn every_path_returns_through_loop_else_branches() {
        for body in [
            "    for i in range(n):\n        if i == 3:\n            return i\n    else:\n        return -1\n",
            "    while n > 0:\n        n -= 1\n    else:\n        return n\n",
            "    while True:\n        for i in range(n):\n            pass\n        else:\n            return 1\n",
        ] {
            let src = format!("def f(n):\n{body}print(f(5))\n");
            crate::check(&src).unwrap_or_else(|e| panic!("{src}: {}", e.message));
        }
        // A break skips the else: the end is reachable.
        for body in [
            "    for i in range(n):\n        if i == 3:\n            break\n    else:\n        return -1\n",
            "    while True:\n        for i in range(n):\n            pass\n        else:\n            break\n        return 2\n",
        ] {
            let src = format!("def f(n):\n{body}print(f(5))\n");
            assert!(err(&src).contains("falls off its end"), "{src}");
        }
    }
}
