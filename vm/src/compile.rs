//! The bytecode compiler: typed IR to register bytecode, one [`Proto`] per
//! specialisation.
//!
//! Registers are assigned statically: parameters first (so a caller's
//! argument block is the callee's R[0..]), then the other locals, then
//! temporaries, allocated as a stack per statement. A tuple occupies
//! consecutive registers, one per element, so no value is ever boxed.

use std::rc::Rc;

use hashbrown::HashMap;
use typer::ast::{BinOp, CmpOp};
use typer::tir::*;
use typer::{DType, DiagKind, Diagnostic, Program, Source, Span, Type};

use crate::bytecode::{pfmt, unbound, Op, L, R};
use crate::error::exception_index;
use crate::format::FmtDesc;
use crate::module::{Module, Proto};
use crate::rt::RtDesc;
use crate::runtime::{Fused, FusedNode};

/// Registers a value of this type occupies.
pub fn width(t: &Type) -> u16 {
    match t {
        Type::None | Type::Unknown | Type::DTypeObj(_) => 0,
        Type::Tuple(items) => items.iter().map(width).sum(),
        _ => 1,
    }
}

/// Offsets (from the value's first register) of the array references
/// inside a value of type `t`.
pub fn ref_offsets(t: &Type, base: u16, out: &mut Vec<u16>) {
    match t {
        Type::Array(_) | Type::Text => out.push(base),
        Type::Tuple(items) => {
            let mut off = base;
            for i in items.iter() {
                ref_offsets(i, off, out);
                off += width(i);
            }
        }
        _ => {}
    }
}

pub(crate) fn has_refs(t: &Type) -> bool {
    match t {
        Type::Array(_) | Type::Text => true,
        Type::Tuple(items) => items.iter().any(has_refs),
        _ => false,
    }
}

/// Compiles every specialisation of a solved program.
pub fn compile(prog: &Program, source: Rc<Source>) -> Result<Module, Diagnostic> {
    let mut strings = Strings::default();
    let mut tables = Tables::default();
    let mut protos = Vec::with_capacity(prog.specs.len());
    for id in 0..prog.specs.len() {
        protos.push(compile_spec(prog, id as SpecId, &mut strings, &mut tables)?);
    }
    let m = Module {
        protos,
        strings: strings.list,
        rtops: tables.rtops,
        formats: tables.formats,
        source,
    };
    m.verify().map_err(|e| {
        Diagnostic::new(
            DiagKind::Limit,
            Span::default(),
            format!("internal compiler error: {e}"),
        )
    })?;
    Ok(m)
}

/// Compiles specialisations `from..` of a program into an existing module
/// (specialisations requested after the module was first compiled).
pub fn compile_more(prog: &Program, m: &mut Module) -> Result<(), Diagnostic> {
    let mut strings = Strings {
        index: m
            .strings
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u16))
            .collect(),
        list: std::mem::take(&mut m.strings),
    };
    let mut tables = Tables {
        rtops: std::mem::take(&mut m.rtops),
        formats: std::mem::take(&mut m.formats),
    };
    for id in m.protos.len()..prog.specs.len() {
        let p = compile_spec(prog, id as SpecId, &mut strings, &mut tables);
        match p {
            Ok(p) => m.protos.push(p),
            Err(e) => {
                m.strings = strings.list;
                (m.rtops, m.formats) = (tables.rtops, tables.formats);
                return Err(e);
            }
        }
    }
    m.strings = strings.list;
    (m.rtops, m.formats) = (tables.rtops, tables.formats);
    m.verify().map_err(|e| {
        Diagnostic::new(
            DiagKind::Limit,
            Span::default(),
            format!("internal compiler error: {e}"),
        )
    })
}

/// The module's tables of runtime operations and formats, which
/// instructions index.
#[derive(Default)]
struct Tables {
    rtops: Vec<RtDesc>,
    formats: Vec<FmtDesc>,
}

#[derive(Default)]
struct Strings {
    index: HashMap<String, u16>,
    list: Vec<String>,
}

impl Strings {
    fn intern(&mut self, s: &str) -> u16 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len() as u16;
        self.list.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }
}

// A call names its callee with 16 bits: the typer makes no more
// specialisations than that.
const _: () = assert!(typer::infer::MAX_SPECS <= u16::MAX as usize + 1);

fn limit(span: Span, what: &str) -> Diagnostic {
    Diagnostic::new(DiagKind::Limit, span, format!("function too large: {what}"))
        .help("split it into smaller functions")
}

fn compile_spec(
    prog: &Program,
    id: SpecId,
    strings: &mut Strings,
    tables: &mut Tables,
) -> Result<Proto, Diagnostic> {
    let f = prog.spec(id);
    let maybe_unbound = typer::unbound::analyse(f);
    let mut g = Gen {
        f,
        unbound: maybe_unbound,
        bound: vec![None; f.locals.len()],
        strings,
        rtops: &mut tables.rtops,
        formats: &mut tables.formats,
        live: Vec::new(),
        mapped: Vec::new(),
        stackmap: Vec::new(),
        code: Vec::new(),
        spans: Vec::new(),
        consts: Vec::new(),
        local_regs: Vec::new(),
        top: 0,
        max: 1,
        loops: Vec::new(),
        error: None,
        const_regs: HashMap::new(),
    };
    // Parameters first, in order, so the caller's argument block lines up.
    let mut next: u32 = 0;
    for l in &f.locals {
        g.local_regs.push(next as R);
        next += width(&l.ty) as u32;
    }
    // A local read where it may be unassigned needs its assignedness at run
    // time: an array local holds null until assigned (it is zeroed on
    // entry), every other such local gets a flag register, zeroed on entry
    // and set by each assignment.
    let mut flags = Vec::new();
    for &l in g.unbound.locals() {
        let l = l as usize;
        g.bound[l] = Some(if matches!(f.locals[l].ty, Type::Array(_) | Type::Text) {
            (g.local_regs[l], false)
        } else {
            flags.push(next as R);
            next += 1;
            ((next - 1) as R, true)
        });
    }
    if next > u16::MAX as u32 / 2 {
        return Err(limit(f.span, "too many variables"));
    }
    let (mut ref_locals, mut zero_locals) = (Vec::new(), Vec::new());
    for (i, l) in f.locals.iter().enumerate() {
        let before = ref_locals.len();
        ref_offsets(&l.ty, g.local_regs[i], &mut ref_locals);
        if i >= f.params.len() {
            zero_locals.extend_from_slice(&ref_locals[before..]);
        }
    }
    zero_locals.extend_from_slice(&flags);
    g.top = next as u16;
    g.max = g.top.max(1);
    // Operand constants live in a block of registers that every call fills
    // on entry (one copy, no instructions), so neither loops nor recursive
    // calls reload them; no instruction ever writes them.
    let mut kvals = Vec::new();
    collect_consts(&f.body, &mut kvals);
    let kbase = g.alloc(kvals.len() as u16);
    for (i, &bits) in kvals.iter().enumerate() {
        g.const_regs.insert(bits, kbase + i as u16);
    }
    let nargs: u16 = f
        .params
        .iter()
        .map(|&p| width(&f.locals[p as usize].ty))
        .sum();
    // A parameter whose local type is wider than its argument (an int
    // parameter later assigned a float) is converted on entry.
    for (i, &p) in f.params.iter().enumerate() {
        let (from, to) = (&f.args[i], &f.locals[p as usize].ty);
        if from != to {
            let r = g.local_regs[p as usize];
            g.convert(r, from, r, to, f.span);
        }
    }
    g.block(&f.body);
    // Falling off the end returns None; the typer rejects it for functions
    // that return values, so there the end is unreachable.
    if width(&f.ret) == 0 {
        g.emit(Op::Ret { a: 0, n: 0 }, f.span);
    } else {
        let s = g.strings.intern("function ended without returning a value");
        g.emit(
            Op::Raise {
                e: exception_index("RuntimeError"),
                s,
            },
            f.span,
        );
    }
    if let Some(e) = g.error {
        return Err(e);
    }
    if g.code.len() > u16::MAX as usize {
        return Err(limit(f.span, "more than 65535 instructions"));
    }
    // With nothing to release, returning one value is the short form.
    if ref_locals.is_empty() {
        for op in &mut g.code {
            if let Op::Ret { a, n: 1 } = *op {
                *op = Op::Ret1 { a };
            }
        }
    }
    let plain = kvals.is_empty() && zero_locals.is_empty();
    Ok(Proto {
        name: f.name.clone(),
        code: g.code,
        spans: g.spans,
        consts: g.consts,
        kbase,
        kvals,
        nregs: g.max,
        nargs,
        nret: width(&f.ret),
        args: f.args.clone(),
        ret: f.ret.clone(),
        ref_locals,
        zero_locals,
        plain,
        native: Default::default(),
        entry: std::cell::Cell::new(std::ptr::null()),
        heat: Default::default(),
        stackmap: g.stackmap,
    })
}

struct Loop {
    breaks: Vec<usize>,
    continues: Vec<usize>,
}

struct Gen<'a> {
    f: &'a TFunc,
    /// The reads that may find their local unassigned.
    unbound: typer::unbound::Unbound,
    /// For each local read so: the register a `Bound` tests, and whether
    /// it is a flag that assignments set (else the array local itself).
    bound: Vec<Option<(R, bool)>>,
    strings: &'a mut Strings,
    rtops: &'a mut Vec<RtDesc>,
    formats: &'a mut Vec<FmtDesc>,
    /// Temporaries holding an owned array reference right now.
    live: Vec<R>,
    /// The live set last written to the stack map.
    mapped: Vec<R>,
    stackmap: Vec<(u32, Vec<u16>)>,
    code: Vec<Op>,
    spans: Vec<Span>,
    consts: Vec<u64>,
    local_regs: Vec<R>,
    top: u16,
    max: u16,
    loops: Vec<Loop>,
    error: Option<Diagnostic>,
    /// Constants used as operands, loaded once on entry: bits → register.
    const_regs: HashMap<u64, R>,
}

/// How a scalar is held in a register.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Rep {
    I,
    F,
}

fn rep(t: &Type) -> Rep {
    if t.is_float() {
        Rep::F
    } else {
        Rep::I
    }
}

impl Gen<'_> {
    fn emit(&mut self, op: Op, span: Span) -> usize {
        if self.live != self.mapped {
            self.mapped = self.live.clone();
            self.stackmap
                .push((self.code.len() as u32, self.live.clone()));
        }
        self.code.push(op);
        self.spans.push(span);
        self.code.len() - 1
    }
    fn here(&self) -> L {
        self.code.len().min(u16::MAX as usize) as L
    }
    fn patch(&mut self, at: usize, to: L) {
        self.code[at].set_target(to);
    }
    fn patch_here(&mut self, list: Vec<usize>) {
        let h = self.here();
        for at in list {
            self.patch(at, h);
        }
    }
    fn alloc(&mut self, n: u16) -> R {
        let r = self.top;
        match self.top.checked_add(n) {
            Some(t) if t < u16::MAX - 4 => {
                self.top = t;
                self.max = self.max.max(t);
            }
            _ => {
                if self.error.is_none() {
                    self.error = Some(limit(self.f.span, "too many registers"));
                }
            }
        }
        r
    }
    /// The array references of the value at `r` are now owned temporaries.
    fn own(&mut self, r: R, ty: &Type) {
        let mut offs = Vec::new();
        ref_offsets(ty, r, &mut offs);
        for o in offs {
            if !self.live.contains(&o) {
                self.live.push(o);
            }
        }
    }

    /// The array references of the value at `r` have been handed on.
    fn disown(&mut self, r: R, ty: &Type) {
        let mut offs = Vec::new();
        ref_offsets(ty, r, &mut offs);
        self.live.retain(|x| !offs.contains(x));
    }

    /// Drops the owned array references of a temporary value at `r` (a no-op
    /// for locals, which are never owned temporaries).
    fn release(&mut self, r: R, ty: &Type, span: Span) {
        let mut offs = Vec::new();
        ref_offsets(ty, r, &mut offs);
        for o in offs {
            if let Some(i) = self.live.iter().position(|&x| x == o) {
                self.emit(Op::Drop { a: o }, span);
                self.live.remove(i);
            }
        }
    }

    fn unsupported(&mut self, span: Span, what: &str) {
        if self.error.is_none() {
            self.error = Some(Diagnostic::new(
                DiagKind::Unsupported,
                span,
                format!("{what} is not supported by the compiler yet"),
            ));
        }
    }

    fn konst(&mut self, bits: u64) -> u16 {
        if let Some(i) = self.consts.iter().position(|&c| c == bits) {
            return i as u16;
        }
        self.consts.push(bits);
        (self.consts.len() - 1) as u16
    }

    fn load_int(&mut self, dst: R, v: i64, span: Span) {
        if let Ok(v) = i32::try_from(v) {
            self.emit(Op::LoadI { a: dst, v }, span);
        } else {
            let k = self.konst(v as u64);
            self.emit(Op::LoadK { a: dst, k }, span);
        }
    }

    fn load_const(&mut self, c: &Const, ty: &Type, dst: R, span: Span) {
        match c {
            Const::None | Const::DType(_) => {}
            Const::Bool(b) => self.load_int(dst, *b as i64, span),
            Const::Int(v) if ty.is_float() => self.load_float(dst, *v as f64, span),
            Const::Int(v) => self.load_int(dst, *v, span),
            Const::Float(v) => self.load_float(dst, *v, span),
            Const::Str(s) => {
                let i = self.strings.intern(s);
                self.load_int(dst, i as i64, span)
            }
        }
    }

    fn load_float(&mut self, dst: R, v: f64, span: Span) {
        if v.to_bits() == 0 {
            self.emit(Op::LoadI { a: dst, v: 0 }, span);
        } else {
            let k = self.konst(v.to_bits());
            self.emit(Op::LoadK { a: dst, k }, span);
        }
    }

    /// Checks, where the analysis found that this read of `id` may run
    /// before any assignment, that the local is assigned.
    fn check_bound(&mut self, id: LocalId, span: Span) {
        let Some((a, _)) = self.bound[id as usize] else {
            return;
        };
        if !self.unbound.check(id, span) {
            return;
        }
        let name = &self.f.locals[id as usize].name;
        // Module code has no locals in Python: its names are globals.
        let (text, k) = if self.f.name == "<module>" {
            (format!("name '{name}' is not defined"), unbound::MODULE)
        } else {
            (
                format!(
                    "cannot access local variable '{name}' where it is not associated with a value"
                ),
                unbound::LOCAL,
            )
        };
        let s = self.strings.intern(&text);
        self.emit(Op::Bound { a, s, k }, span);
    }

    /// Records that the locals of `target` are assigned now.
    fn mark_assigned(&mut self, target: &Target, span: Span) {
        match target {
            Target::Local(id) => {
                if let Some((r, true)) = self.bound[*id as usize] {
                    self.emit(Op::LoadI { a: r, v: 1 }, span);
                }
            }
            Target::Tuple(items) => items.iter().for_each(|t| self.mark_assigned(t, span)),
        }
    }

    // ------------------------------------------------------------ statements

    fn block(&mut self, body: &[TStmt]) {
        for s in body {
            let mark = self.top;
            self.stmt(s);
            self.top = mark;
        }
    }

    fn stmt(&mut self, s: &TStmt) {
        let span = s.span;
        match &s.kind {
            TStmtKind::Expr(TExpr {
                kind: TExprKind::Rt(RtOp::SetItem(kinds, vk @ (Arg::Scalar(_) | Arg::PyInt)), args),
                ..
            }) if (1..=2).contains(&kinds.len())
                && kinds.iter().all(|k| *k == Idx::Int)
                && args[0].ty.as_array().is_some_and(|a| {
                    // A Python int stored into a narrow integer dtype is
                    // range-checked: that takes the runtime's path.
                    let value = &args[kinds.len() + 1];
                    let checked = *vk == Arg::PyInt
                        && a.dtype.is_int()
                        && a.dtype != typer::DType::I64
                        && !const_fits(value, a.dtype);
                    a.ndim as usize == kinds.len() && !checked
                }) =>
            {
                // A whole-index element write: one bounds-checked instruction.
                // Python evaluates the value before the target.
                let v = &args[kinds.len() + 1];
                let val = self.expr_reg(v);
                let arr = self.expr_reg(&args[0]);
                let idx = self.index_regs(&args[1..=kinds.len()]);
                let dtype = args[0].ty.as_array().map(|a| a.dtype);
                let raw = matches!(
                    (rep(&v.ty), dtype),
                    (Rep::F, Some(typer::DType::F64))
                        | (Rep::I, Some(typer::DType::I64 | typer::DType::U64))
                );
                let boolean = dtype == Some(typer::DType::Bool) && rep(&v.ty) == Rep::I;
                let op = match (kinds.len(), rep(&v.ty)) {
                    (1, _) if boolean => Op::SetEB {
                        a: arr,
                        b: idx,
                        c: val,
                    },
                    (1, _) if raw => Op::SetEW {
                        a: arr,
                        b: idx,
                        c: val,
                    },
                    (_, _) if raw => Op::SetE2W {
                        a: arr,
                        b: idx,
                        c: val,
                    },
                    (1, Rep::I) => Op::SetEI {
                        a: arr,
                        b: idx,
                        c: val,
                    },
                    (1, Rep::F) => Op::SetEF {
                        a: arr,
                        b: idx,
                        c: val,
                    },
                    (_, Rep::I) => Op::SetE2I {
                        a: arr,
                        b: idx,
                        c: val,
                    },
                    (_, Rep::F) => Op::SetE2F {
                        a: arr,
                        b: idx,
                        c: val,
                    },
                };
                self.emit(op, span);
                self.release(arr, &args[0].ty, span);
            }
            TStmtKind::Expr(e) => {
                let w = width(&e.ty);
                let t = self.alloc(w);
                self.expr_to(e, t);
                self.release(t, &e.ty, span);
            }
            TStmtKind::Assign(target, v) => self.assign(target, v),
            TStmtKind::If(c, a, b) => {
                let mut to_else = Vec::new();
                self.cond_jump(c, false, &mut to_else);
                self.block(a);
                if b.is_empty() {
                    self.patch_here(to_else);
                } else {
                    let j = self.emit(Op::Jmp { t: 0 }, span);
                    self.patch_here(to_else);
                    self.block(b);
                    self.patch_here(vec![j]);
                }
            }
            TStmtKind::While { cond, body, orelse } => {
                // Test at the bottom: one jump per iteration instead of two.
                let entry = self.emit(Op::Jmp { t: 0 }, span);
                let top = self.here();
                let lp = self.loop_body(body);
                self.patch_here(vec![entry]);
                let mut back = Vec::new();
                self.cond_jump(cond, true, &mut back);
                for b in back {
                    self.patch(b, top);
                }
                self.block(orelse);
                self.patch_here(lp.breaks);
            }
            TStmtKind::ForRange {
                var,
                start,
                stop,
                step,
                body,
                orelse,
            } => {
                // `range(a, b)` and `range(b)`, nearly every loop, count
                // with one register fewer and no trip count.
                let unit = matches!(step.kind, TExprKind::Const(Const::Int(1)));
                let base = self.alloc(if unit { 2 } else { 3 });
                self.expr_to(start, base);
                self.expr_to(stop, base + 1);
                if !unit {
                    self.expr_to(step, base + 2);
                }
                let v = self.local_regs[*var as usize];
                let prep = if unit {
                    self.emit(Op::ForPrep1 { a: base, v, t: 0 }, span)
                } else {
                    self.emit(Op::ForPrep { a: base, v, t: 0 }, span)
                };
                // Once per loop that runs, not per iteration.
                self.mark_assigned(&Target::Local(*var), span);
                let top = self.here();
                let lp = self.loop_body(body);
                if unit {
                    self.emit(Op::ForLoop1 { a: base, v, t: top }, span);
                } else {
                    self.emit(Op::ForLoop { a: base, v, t: top }, span);
                }
                self.patch_here(vec![prep]);
                self.block(orelse);
                self.patch_here(lp.breaks);
            }
            TStmtKind::Break => {
                let j = self.emit(Op::Jmp { t: 0 }, span);
                self.loops.last_mut().unwrap().breaks.push(j);
            }
            TStmtKind::Continue => {
                let j = self.emit(Op::Jmp { t: 0 }, span);
                self.loops.last_mut().unwrap().continues.push(j);
            }
            TStmtKind::Return(v) => {
                let n = width(&self.f.ret);
                match v {
                    Some(v) if has_refs(&v.ty) => {
                        // The frame's array locals are released on return:
                        // the result must hold references of its own.
                        let t = self.alloc(n);
                        self.expr_to(v, t);
                        self.disown(t, &v.ty);
                        self.emit(Op::Ret { a: t, n }, span);
                    }
                    Some(v) if n > 0 => {
                        let r = self.expr_reg(v);
                        self.emit(Op::Ret { a: r, n }, span);
                    }
                    Some(v) => {
                        let t = self.alloc(width(&v.ty));
                        self.expr_to(v, t);
                        self.emit(Op::Ret { a: 0, n: 0 }, span);
                    }
                    None => {
                        self.emit(Op::Ret { a: 0, n: 0 }, span);
                    }
                }
            }
            TStmtKind::Assert(c, msg) => {
                let mut ok = Vec::new();
                self.cond_jump(c, true, &mut ok);
                let s = self.strings.intern(msg.as_deref().unwrap_or(""));
                self.emit(
                    Op::Raise {
                        e: exception_index("AssertionError"),
                        s,
                    },
                    span,
                );
                self.patch_here(ok);
            }
            TStmtKind::Raise(name, msg) => {
                // KeyError shows its argument's repr, as Python does.
                let text = if name == "KeyError" {
                    (crate::runtime::kernels().str_repr)(msg)
                } else {
                    msg.clone()
                };
                let s = self.strings.intern(&text);
                self.emit(
                    Op::Raise {
                        e: exception_index(name),
                        s,
                    },
                    span,
                );
            }
            TStmtKind::RaiseText(name, msg) => {
                let r = self.expr_reg(msg);
                self.emit(
                    Op::RaiseT {
                        e: exception_index(name),
                        a: r,
                    },
                    span,
                );
                self.release(r, &msg.ty, span);
            }
            TStmtKind::Print { args, sep, end } => self.print(args, sep, end, span),
        }
    }

    /// A loop body: `continue` jumps land right after it; the `break` jumps
    /// are returned for the caller to patch past the loop's `else`.
    fn loop_body(&mut self, body: &[TStmt]) -> Loop {
        self.loops.push(Loop {
            breaks: Vec::new(),
            continues: Vec::new(),
        });
        self.block(body);
        let lp = self.loops.pop().unwrap();
        let continues = lp.continues.clone();
        self.patch_here(continues);
        lp
    }

    fn assign(&mut self, target: &Target, v: &TExpr) {
        if let Target::Local(id) = target {
            let r = self.local_regs[*id as usize];
            if width(&v.ty) <= 1 && !has_refs(&v.ty) && !writes_before_reading_all(v) {
                self.expr_to(v, r);
                self.mark_assigned(target, v.span);
                return;
            }
        }
        let t = self.alloc(width(&v.ty));
        self.expr_to(v, t);
        self.distribute(target, t, &v.ty, v.span);
        self.disown(t, &v.ty);
        self.mark_assigned(target, v.span);
    }

    /// Moves a value held in registers `src..` into a (possibly nested) target.
    fn distribute(&mut self, target: &Target, src: R, ty: &Type, span: Span) {
        match target {
            Target::Local(id) => {
                let r = self.local_regs[*id as usize];
                let mut refs = Vec::new();
                ref_offsets(ty, 0, &mut refs);
                for i in 0..width(ty) {
                    if refs.contains(&i) {
                        // Release the old array, take over the new reference.
                        self.emit(
                            Op::Store {
                                a: r + i,
                                b: src + i,
                            },
                            span,
                        );
                    } else if r + i != src + i {
                        self.emit(
                            Op::Mov {
                                a: r + i,
                                b: src + i,
                            },
                            span,
                        );
                    }
                }
            }
            Target::Tuple(items) => {
                let Type::Tuple(tys) = ty else {
                    unreachable!("typer binds tuples to tuple targets")
                };
                let mut off = 0;
                for (t, ty) in items.iter().zip(tys.iter()) {
                    self.distribute(t, src + off, ty, span);
                    off += width(ty);
                }
            }
        }
    }

    fn print(&mut self, args: &[TExpr], sep: &str, end: &str, span: Span) {
        // Python evaluates every argument before printing any.
        let regs: Vec<Option<R>> = args
            .iter()
            .map(|a| match a.kind {
                TExprKind::Const(_) => None,
                _ => Some(self.expr_reg(a)),
            })
            .collect();
        let regs2 = regs.clone();
        let mut pending = String::new();
        for (i, (a, r)) in args.iter().zip(regs).enumerate() {
            if i > 0 {
                pending.push_str(sep);
            }
            match (r, &a.kind) {
                (_, TExprKind::Const(c)) => print_const(c, &a.ty, &mut pending, false),
                (Some(r), _) => self.print_reg(r, &a.ty, &mut pending, false, span),
                (None, _) => unreachable!(),
            }
        }
        pending.push_str(end);
        self.flush_text(&mut pending, span);
        for (a, r) in args.iter().zip(regs2) {
            if let Some(r) = r {
                self.release(r, &a.ty, span);
            }
        }
    }

    fn flush_text(&mut self, pending: &mut String, span: Span) {
        if !pending.is_empty() {
            let s = self.strings.intern(pending);
            self.emit(Op::PrintK { s }, span);
            pending.clear();
        }
    }

    /// Prints the value of type `ty` held in registers `r..`; constant text
    /// accumulates in `pending` so separators and literals become one `PrintK`.
    fn print_reg(&mut self, r: R, ty: &Type, pending: &mut String, in_tuple: bool, span: Span) {
        // Inside a tuple a value prints as its repr: NumPy 2 scalars as
        // `np.float64(1.5)`, `np.True_`.
        if let (Type::Scalar(d), true) = (ty, in_tuple) {
            if *d == typer::DType::Bool {
                self.flush_text(pending, span);
                self.emit(
                    Op::Print {
                        a: r,
                        f: pfmt::NPBOOL_REPR,
                    },
                    span,
                );
                return;
            }
            pending.push_str(&format!("np.{d}("));
            self.print_reg(r, ty, pending, false, span);
            pending.push(')');
            return;
        }
        let f = match ty {
            Type::Int => pfmt::INT,
            Type::Float => pfmt::FLOAT,
            Type::Bool => pfmt::BOOL,
            Type::Str if in_tuple => pfmt::STR_REPR,
            Type::Str => pfmt::STR,
            Type::Text if in_tuple => pfmt::TEXT_REPR,
            Type::Text => pfmt::TEXT,
            Type::Scalar(typer::DType::F32) => pfmt::FLOAT32,
            Type::Scalar(typer::DType::F64) => pfmt::FLOAT,
            Type::Scalar(typer::DType::Bool) => pfmt::BOOL,
            Type::Scalar(_) => pfmt::INT,
            Type::Array(_) if in_tuple => pfmt::ARRAY_REPR,
            Type::Array(_) => pfmt::ARRAY,
            Type::DTypeObj(d) if in_tuple => {
                pending.push_str(&format!("dtype('{}')", d.name()));
                return;
            }
            Type::DTypeObj(d) => {
                pending.push_str(d.name());
                return;
            }
            Type::None => {
                pending.push_str("None");
                return;
            }
            Type::Tuple(items) => {
                pending.push('(');
                let mut off = 0;
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        pending.push_str(", ");
                    }
                    self.print_reg(r + off, t, pending, true, span);
                    off += width(t);
                }
                if items.len() == 1 {
                    pending.push(',');
                }
                pending.push(')');
                return;
            }
            t => {
                let t = t.clone();
                self.unsupported(span, &format!("printing a {t}"));
                return;
            }
        };
        self.flush_text(pending, span);
        self.emit(Op::Print { a: r, f }, span);
    }

    // ----------------------------------------------------------- expressions

    /// Registers holding element indices: one index anywhere, several in
    /// consecutive registers.
    fn index_regs(&mut self, idx: &[TExpr]) -> R {
        if idx.len() == 1 {
            return self.expr_reg(&idx[0]);
        }
        let r = self.alloc(idx.len() as u16);
        for (k, x) in idx.iter().enumerate() {
            self.expr_to(x, r + k as u16);
        }
        r
    }

    /// A register holding the value of `e`: a local's own register when `e`
    /// is a local, else a fresh temporary.
    fn expr_reg(&mut self, e: &TExpr) -> R {
        match &e.kind {
            TExprKind::Local(id) => {
                self.check_bound(*id, e.span);
                return self.local_regs[*id as usize];
            }
            TExprKind::Const(c) => {
                if let Some(&r) = const_bits(c, &e.ty).and_then(|b| self.const_regs.get(&b)) {
                    return r;
                }
            }
            _ => {}
        }
        let t = self.alloc(width(&e.ty));
        self.expr_to(e, t);
        t
    }

    /// Evaluates `e` into registers `dst..dst+width`.
    fn expr_to(&mut self, e: &TExpr, dst: R) {
        let span = e.span;
        match &e.kind {
            TExprKind::Const(c) => self.load_const(c, &e.ty, dst, span),
            TExprKind::Local(id) => {
                self.check_bound(*id, span);
                let r = self.local_regs[*id as usize];
                let mut refs = Vec::new();
                ref_offsets(&e.ty, 0, &mut refs);
                for i in 0..width(&e.ty) {
                    if refs.contains(&i) {
                        self.emit(
                            Op::Dup {
                                a: dst + i,
                                b: r + i,
                            },
                            span,
                        );
                    } else if r + i != dst + i {
                        self.emit(
                            Op::Mov {
                                a: dst + i,
                                b: r + i,
                            },
                            span,
                        );
                    }
                }
                self.own(dst, &e.ty);
            }
            TExprKind::Neg(x) => {
                let b = self.expr_reg(x);
                let op = match rep(&e.ty) {
                    Rep::I => Op::NegI { a: dst, b },
                    Rep::F => Op::NegF { a: dst, b },
                };
                self.emit(op, span);
            }
            TExprKind::Invert(x) => {
                let b = self.expr_reg(x);
                self.emit(Op::InvI { a: dst, b }, span);
            }
            TExprKind::Not(x) => {
                let b = self.expr_reg(x);
                self.emit(Op::NotB { a: dst, b }, span);
            }
            TExprKind::Truth(x) => {
                let b = self.expr_reg(x);
                let op = match rep(&x.ty) {
                    Rep::I => Op::IToB { a: dst, b },
                    Rep::F => Op::FToB { a: dst, b },
                };
                self.emit(op, span);
            }
            TExprKind::Binary(op, l, r) if self.fused_binary(*op, l, r, &e.ty, dst, span) => {}
            TExprKind::Binary(op, l, r) if self.mixed_binary(*op, l, r, dst, span) => {}
            TExprKind::Binary(op, l, r) if self.imm_binary(*op, l, r, &e.ty, dst, span) => {}
            TExprKind::Binary(op, l, r) => {
                let mark = self.top;
                let b = self.expr_reg(l);
                let c = self.expr_reg(r);
                self.top = mark;
                self.binary(*op, &l.ty, dst, b, c, span);
            }
            TExprKind::Compare(operands, ops) => self.compare_to(operands, ops, dst, span),
            TExprKind::And(l, r) | TExprKind::Or(l, r) => {
                let is_and = matches!(e.kind, TExprKind::And(..));
                self.expr_to(l, dst);
                let mut skip = Vec::new();
                let t = self.truth_reg(dst, &l.ty, span);
                let j = if is_and {
                    Op::JmpF { a: t, t: 0 }
                } else {
                    Op::JmpT { a: t, t: 0 }
                };
                skip.push(self.emit(j, span));
                self.expr_to(r, dst);
                self.patch_here(skip);
            }
            TExprKind::IfExp(c, a, b) => {
                let mut to_else = Vec::new();
                self.cond_jump(c, false, &mut to_else);
                // Each branch starts from the same owned set: what one
                // branch produced does not exist on the other path.
                let saved = self.live.clone();
                self.expr_to(a, dst);
                let j = self.emit(Op::Jmp { t: 0 }, span);
                self.live = saved;
                self.patch_here(to_else);
                self.expr_to(b, dst);
                self.patch_here(vec![j]);
            }
            TExprKind::Call(spec, args) => {
                let ret_w = width(&e.ty);
                let arg_w: u16 = args.iter().map(|a| width(&a.ty)).sum();
                let mark = self.top;
                // Place the frame at `dst` when nothing live lies above it, so
                // the result needs no move.
                let base = if dst + ret_w == self.top && ret_w > 0 {
                    self.top = dst;
                    self.alloc(ret_w.max(arg_w))
                } else {
                    self.alloc(ret_w.max(arg_w).max(1))
                };
                let mut off = 0;
                for a in args {
                    self.expr_to(a, base + off);
                    off += width(&a.ty);
                }
                // The callee owns its arguments' array references.
                let mut off = 0;
                for a in args {
                    self.disown(base + off, &a.ty);
                    off += width(&a.ty);
                }
                // The callee's frame starts at `base`: it may overwrite any
                // register from there up, none of which is live here.
                self.emit(
                    Op::Call {
                        a: base,
                        f: *spec as u16,
                    },
                    span,
                );
                for i in 0..ret_w {
                    if base + i != dst + i {
                        self.emit(
                            Op::Mov {
                                a: dst + i,
                                b: base + i,
                            },
                            span,
                        );
                    }
                }
                self.own(dst, &e.ty);
                self.top = mark;
            }
            TExprKind::Intrinsic(which, args) => self.intrinsic(*which, args, &e.ty, dst, span),
            TExprKind::Cast(x) if has_refs(&e.ty) => {
                // Arrays differing only in layout share a representation:
                // the converted value takes over the references.
                let t = self.alloc(width(&x.ty));
                self.expr_to(x, t);
                self.convert(dst, &x.ty, t, &e.ty, span);
                self.disown(t, &x.ty);
                self.own(dst, &e.ty);
            }
            TExprKind::Cast(x) => {
                let b = self.expr_reg(x);
                self.convert(dst, &x.ty, b, &e.ty, span);
            }
            TExprKind::Rt(RtOp::GetItem(kinds), args)
                if (1..=2).contains(&kinds.len())
                    && kinds.iter().all(|k| *k == Idx::Int)
                    && e.ty.as_array().is_none() =>
            {
                // A whole-index element read: one bounds-checked instruction.
                let mark = self.top;
                let arr = self.expr_reg(&args[0]);
                let idx = self.index_regs(&args[1..=kinds.len()]);
                // 64-bit elements are register bits as they are.
                let word = args[0]
                    .ty
                    .as_array()
                    .is_some_and(|a| a.dtype.itemsize() == 8);
                let boolean = args[0]
                    .ty
                    .as_array()
                    .is_some_and(|a| a.dtype == typer::DType::Bool);
                let (a, b, c) = (dst, arr, idx);
                let op = match (kinds.len(), word) {
                    (1, _) if boolean => Op::GetEB { a, b, c },
                    (1, true) => Op::GetEW { a, b, c },
                    (1, false) => Op::GetE { a, b, c },
                    (_, true) => Op::GetE2W { a, b, c },
                    (_, false) => Op::GetE2 { a, b, c },
                };
                self.emit(op, span);
                self.release(arr, &args[0].ty, span);
                self.top = mark;
            }
            TExprKind::Rt(op, args) => self.rt(op, args, &e.ty, dst, span),
            TExprKind::Format(pieces, args) => self.format(pieces, args, dst, span),
            TExprKind::Tuple(items) => {
                let mut off = 0;
                for it in items {
                    self.expr_to(it, dst + off);
                    off += width(&it.ty);
                }
            }
            TExprKind::TupleGet(t, i) => {
                let Type::Tuple(tys) = &t.ty else {
                    unreachable!()
                };
                let off: u16 = tys[..*i].iter().map(width).sum();
                let r = self.expr_reg(t);
                let owned = self.live.iter().any(|x| (r..r + width(&t.ty)).contains(x));
                let mut refs = Vec::new();
                ref_offsets(&e.ty, 0, &mut refs);
                for k in 0..width(&e.ty) {
                    let op = if refs.contains(&k) && !owned {
                        Op::Dup {
                            a: dst + k,
                            b: r + off + k,
                        }
                    } else {
                        Op::Mov {
                            a: dst + k,
                            b: r + off + k,
                        }
                    };
                    self.emit(op, span);
                }
                if owned {
                    // Take the element's references; drop the rest of the tuple.
                    self.disown(r + off, &e.ty);
                    self.release(r, &t.ty, span);
                }
                self.own(dst, &e.ty);
            }
        }
    }

    /// A runtime array operation: operands are evaluated, copied (borrowed)
    /// into a window, the operation runs there and leaves its result at the
    /// window's start, which moves to `dst`. An elementwise expression over
    /// plain arrays becomes one fused operation ([`fuse`]).
    fn rt(&mut self, op: &RtOp, args: &[TExpr], ty: &Type, dst: R, span: Span) {
        match fuse(op, args, ty) {
            Some((fused, operands)) => self.rt_call(op, &operands, Some(fused), ty, dst, span),
            None => {
                let operands: Vec<&TExpr> = args.iter().collect();
                self.rt_call(op, &operands, None, ty, dst, span)
            }
        }
    }

    fn rt_call(
        &mut self,
        op: &RtOp,
        args: &[&TExpr],
        fused: Option<Box<Fused>>,
        ty: &Type,
        dst: R,
        span: Span,
    ) {
        let mark = self.top;
        let regs: Vec<R> = match (op, &fused) {
            // `a[...] = v`: Python evaluates the value (a fused one's
            // leaves) before the target.
            (RtOp::SetItem(..) | RtOp::Put(..), _) => {
                let n = fused.as_ref().map_or(1, |f| f.leaves as usize);
                let (target, value) = args.split_at(args.len() - n);
                let vals: Vec<R> = value.iter().map(|a| self.expr_reg(a)).collect();
                let mut regs: Vec<R> = target.iter().map(|a| self.expr_reg(a)).collect();
                regs.extend(vals);
                regs
            }
            _ => args.iter().map(|a| self.expr_reg(a)).collect(),
        };
        let desc = RtDesc {
            op: op.clone(),
            args: args.iter().map(|a| a.ty.clone()).collect(),
            ret: ty.clone(),
            fused,
        };
        let win = desc.window() as u16;
        let d = match self.rtops.iter().position(|x| {
            x.op == desc.op && x.args == desc.args && x.ret == desc.ret && x.fused == desc.fused
        }) {
            Some(i) => i,
            None => {
                self.rtops.push(desc);
                self.rtops.len() - 1
            }
        };
        if d > u16::MAX as usize {
            if self.error.is_none() {
                self.error = Some(limit(span, "too many array operations"));
            }
            return;
        }
        let base = self.alloc(win);
        let mut off = 0;
        for (a, &r) in args.iter().zip(&regs) {
            for k in 0..width(&a.ty) {
                if r + k != base + off + k {
                    self.emit(
                        Op::Mov {
                            a: base + off + k,
                            b: r + k,
                        },
                        span,
                    );
                }
            }
            off += width(&a.ty);
        }
        self.emit(
            Op::Rt {
                a: base,
                d: d as u16,
            },
            span,
        );
        for (a, &r) in args.iter().zip(&regs) {
            self.release(r, &a.ty, span);
        }
        for k in 0..width(ty) {
            self.emit(
                Op::Mov {
                    a: dst + k,
                    b: base + k,
                },
                span,
            );
        }
        self.own(dst, ty);
        self.top = mark;
    }

    /// A formatted string: the operands are evaluated in order and copied
    /// (borrowed) into a window, where `Fmt` leaves the new string.
    fn format(&mut self, pieces: &std::rc::Rc<[FmtPiece]>, args: &[TExpr], dst: R, span: Span) {
        let mark = self.top;
        let regs: Vec<R> = args.iter().map(|a| self.expr_reg(a)).collect();
        let desc = FmtDesc {
            pieces: pieces.clone(),
            args: args.iter().map(|a| a.ty.clone()).collect(),
        };
        let d = match self.formats.iter().position(|x| *x == desc) {
            Some(i) => i,
            None => {
                self.formats.push(desc);
                self.formats.len() - 1
            }
        };
        if d > u16::MAX as usize {
            if self.error.is_none() {
                self.error = Some(limit(span, "too many formatted strings"));
            }
            return;
        }
        let n = self.formats[d].window() as u16;
        let base = self.alloc(n);
        let mut off = 0;
        for (a, &r) in args.iter().zip(&regs) {
            for k in 0..width(&a.ty) {
                if r + k != base + off + k {
                    self.emit(
                        Op::Mov {
                            a: base + off + k,
                            b: r + k,
                        },
                        span,
                    );
                }
            }
            off += width(&a.ty);
        }
        self.emit(
            Op::Fmt {
                a: base,
                n,
                d: d as u16,
            },
            span,
        );
        for (a, &r) in args.iter().zip(&regs) {
            self.release(r, &a.ty, span);
        }
        if dst != base {
            self.emit(Op::Mov { a: dst, b: base }, span);
        }
        self.own(dst, &Type::Text);
        self.top = mark;
    }

    /// A register holding the truth value of the value in `r` (of type `ty`):
    /// ints are their own truth value for jumps; floats need a compare
    /// (-0.0 is false but its bits are not zero).
    fn truth_reg(&mut self, r: R, ty: &Type, span: Span) -> R {
        match rep(ty) {
            Rep::I => r,
            Rep::F => {
                let t = self.alloc(1);
                self.emit(Op::FToB { a: t, b: r }, span);
                t
            }
        }
    }

    /// Converts the scalar in `src` of type `from` into `dst` as type `to`.
    fn convert(&mut self, dst: R, from: &Type, src: R, to: &Type, span: Span) {
        if let (Type::Tuple(a), Type::Tuple(b)) = (from, to) {
            let (mut so, mut doff) = (0, 0);
            for (x, y) in a.iter().zip(b.iter()) {
                self.convert(dst + doff, x, src + so, y, span);
                so += width(x);
                doff += width(y);
            }
            return;
        }
        if !from.is_number() || !to.is_number() {
            let same_rep = from == to || (from.as_array().is_some() && to.as_array().is_some());
            if same_rep {
                for i in 0..width(from) {
                    if dst + i != src + i {
                        self.emit(
                            Op::Mov {
                                a: dst + i,
                                b: src + i,
                            },
                            span,
                        );
                    }
                }
            } else {
                self.unsupported(span, &format!("converting {from} to {to}"));
            }
            return;
        }
        let op = match (rep(from), rep(to), to) {
            (_, _, Type::Bool | Type::Scalar(typer::DType::Bool))
                if !matches!(from, Type::Bool | Type::Scalar(typer::DType::Bool)) =>
            {
                match rep(from) {
                    Rep::I => Op::IToB { a: dst, b: src },
                    Rep::F => Op::FToB { a: dst, b: src },
                }
            }
            (Rep::I, Rep::F, _) => Op::IToF { a: dst, b: src },
            (Rep::F, Rep::I, _) => Op::FToI { a: dst, b: src },
            _ => {
                if dst != src {
                    self.emit(Op::Mov { a: dst, b: src }, span);
                }
                self.normalise(dst, to, span);
                return;
            }
        };
        self.emit(op, span);
        self.normalise(dst, to, span);
    }

    /// Brings a computed value into the range of a NumPy scalar type:
    /// narrow integers wrap, float32 rounds. Other types need nothing.
    fn normalise(&mut self, r: R, ty: &Type, span: Span) {
        if let Type::Scalar(d) = ty {
            if matches!(
                d,
                typer::DType::F32
                    | typer::DType::I8
                    | typer::DType::I16
                    | typer::DType::I32
                    | typer::DType::U8
                    | typer::DType::U16
                    | typer::DType::U32
            ) {
                let k = typer::DType::ALL.iter().position(|x| x == d).unwrap() as u16;
                self.emit(Op::Norm { a: r, b: r, k }, span);
            }
        }
    }

    /// `x + k`, `x - k`, and `x // k`, `x % k` for a power of two k, on Python
    /// ints with a small constant: one instruction with an immediate. Returns false when `l op r` is not of that shape.
    fn imm_binary(
        &mut self,
        op: BinOp,
        l: &TExpr,
        r: &TExpr,
        ty: &Type,
        dst: R,
        span: Span,
    ) -> bool {
        if *ty != Type::Int {
            return false;
        }
        // Floor division and modulo by a power of two are a shift and a
        // mask, exactly, negative dividends included (Python floors).
        let pow2 = |v: i16| v > 1 && v.count_ones() == 1;
        type Make = fn(R, R, i16) -> Op;
        let add: Make = |a, b, v| Op::AddIK { a, b, v };
        let shr: Make = |a, b, v| Op::ShrIK { a, b, v };
        let and: Make = |a, b, v| Op::AndIK { a, b, v };
        let (x, v, make) = match (op, small_int(l), small_int(r)) {
            (BinOp::Add, _, Some(v)) => (l, v, add),
            (BinOp::Add, Some(v), None) => (r, v, add),
            (BinOp::Sub, _, Some(v)) if v != i16::MIN => (l, -v, add),
            (BinOp::FloorDiv, _, Some(v)) if pow2(v) => (l, v.trailing_zeros() as i16, shr),
            (BinOp::Mod, _, Some(v)) if pow2(v) => (l, v - 1, and),
            _ => return false,
        };
        let mark = self.top;
        let b = self.expr_reg(x);
        self.top = mark;
        self.emit(make(dst, b, v), span);
        true
    }

    /// `p * q + r`, `r + p * q`, `p * q - r` and `r - p * q` on float64: one
    /// instruction, the product never stored. Operands are evaluated in
    /// source order. Returns false when `l op r` is not of that shape.
    fn fused_binary(
        &mut self,
        op: BinOp,
        l: &TExpr,
        r: &TExpr,
        ty: &Type,
        dst: R,
        span: Span,
    ) -> bool {
        fn product(e: &TExpr) -> Option<(&TExpr, &TExpr)> {
            match &e.kind {
                TExprKind::Binary(BinOp::Mul, p, q) if p.ty == e.ty && q.ty == e.ty => Some((p, q)),
                _ => None,
            }
        }
        let f64_ty = matches!(ty, Type::Float | Type::Scalar(typer::DType::F64));
        if !f64_ty || l.ty != *ty || r.ty != *ty || !matches!(op, BinOp::Add | BinOp::Sub) {
            return false;
        }
        #[derive(Clone, Copy)]
        enum Form {
            MulAdd,
            MulSub,
            SubMul,
        }
        let mark = self.top;
        let (form, b, c, d) = if let Some((p, q)) = product(l) {
            let (b, c) = (self.expr_reg(p), self.expr_reg(q));
            let d = self.expr_reg(r);
            let form = if op == BinOp::Add {
                Form::MulAdd
            } else {
                Form::MulSub
            };
            (form, b, c, d)
        } else if let Some((p, q)) = product(r) {
            let d = self.expr_reg(l);
            let (b, c) = (self.expr_reg(p), self.expr_reg(q));
            let form = if op == BinOp::Add {
                Form::MulAdd
            } else {
                Form::SubMul
            };
            (form, b, c, d)
        } else {
            return false;
        };
        let narrow = |x: R| u8::try_from(x).ok();
        if let (Some(a), Some(b), Some(c), Some(d)) = (narrow(dst), narrow(b), narrow(c), narrow(d))
        {
            self.top = mark;
            let o = match form {
                Form::MulAdd => Op::MulAddF { a, b, c, d },
                Form::MulSub => Op::MulSubF { a, b, c, d },
                Form::SubMul => Op::SubMulF { a, b, c, d },
            };
            self.emit(o, span);
        } else {
            // Registers past the first 256: the two plain operations.
            let t = self.alloc(1);
            self.emit(Op::MulF { a: t, b, c }, span);
            let o = match form {
                Form::MulAdd => Op::AddF { a: dst, b: t, c: d },
                Form::MulSub => Op::SubF { a: dst, b: t, c: d },
                Form::SubMul => Op::SubF { a: dst, b: d, c: t },
            };
            self.emit(o, span);
            self.top = mark;
        }
        true
    }

    /// Float arithmetic with an operand converted from a Python int (`i * dx`)
    /// is one instruction. Returns false when `l op r` is not of that shape.
    fn mixed_binary(&mut self, op: BinOp, l: &TExpr, r: &TExpr, dst: R, span: Span) -> bool {
        fn from_int(e: &TExpr) -> Option<&TExpr> {
            match &e.kind {
                TExprKind::Cast(x)
                    if e.ty == Type::Float && matches!(x.ty, Type::Int | Type::Bool) =>
                {
                    Some(x)
                }
                _ => None,
            }
        }
        if l.ty != Type::Float || !matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div) {
            return false;
        }
        let (li, ri) = (from_int(l), from_int(r));
        let mark = self.top;
        let o = match (li, ri) {
            (None, Some(ri)) => {
                let (b, c) = (self.expr_reg(l), self.expr_reg(ri));
                match op {
                    BinOp::Add => Op::AddFI { a: dst, b, c },
                    BinOp::Sub => Op::SubFI { a: dst, b, c },
                    BinOp::Mul => Op::MulFI { a: dst, b, c },
                    _ => Op::DivFI { a: dst, b, c },
                }
            }
            (Some(li), None) => {
                let (b, c) = (self.expr_reg(li), self.expr_reg(r));
                match op {
                    BinOp::Add => Op::AddFI { a: dst, b: c, c: b },
                    BinOp::Sub => Op::SubIF { a: dst, b, c },
                    BinOp::Mul => Op::MulFI { a: dst, b: c, c: b },
                    _ => Op::DivIF { a: dst, b, c },
                }
            }
            _ => return false,
        };
        self.top = mark;
        self.emit(o, span);
        true
    }

    fn binary(&mut self, op: BinOp, ty: &Type, a: R, b: R, c: R, span: Span) {
        self.binary_raw(op, ty, a, b, c, span);
        self.normalise(a, ty, span);
    }

    fn binary_raw(&mut self, op: BinOp, ty: &Type, a: R, b: R, c: R, span: Span) {
        let o = match (rep(ty), op) {
            (Rep::I, BinOp::Add) => Op::AddI { a, b, c },
            (Rep::I, BinOp::Sub) => Op::SubI { a, b, c },
            (Rep::I, BinOp::Mul) => Op::MulI { a, b, c },
            (Rep::I, BinOp::Div) => Op::DivI { a, b, c },
            (Rep::I, BinOp::FloorDiv) => Op::FloorDivI { a, b, c },
            (Rep::I, BinOp::Mod) => Op::ModI { a, b, c },
            (Rep::I, BinOp::Pow) => Op::PowI { a, b, c },
            (Rep::I, BinOp::LShift) => Op::ShlI { a, b, c },
            (Rep::I, BinOp::RShift) => Op::ShrI { a, b, c },
            (Rep::I, BinOp::BitAnd) => Op::AndI { a, b, c },
            (Rep::I, BinOp::BitOr) => Op::OrI { a, b, c },
            (Rep::I, BinOp::BitXor) => Op::XorI { a, b, c },
            (Rep::F, BinOp::Add) => Op::AddF { a, b, c },
            (Rep::F, BinOp::Sub) => Op::SubF { a, b, c },
            (Rep::F, BinOp::Mul) => Op::MulF { a, b, c },
            (Rep::F, BinOp::Div) => Op::DivF { a, b, c },
            (Rep::F, BinOp::FloorDiv) => Op::FloorDivF { a, b, c },
            (Rep::F, BinOp::Mod) => Op::ModF { a, b, c },
            (Rep::F, BinOp::Pow) => Op::PowF { a, b, c },
            (_, op) => {
                self.unsupported(span, &format!("operator {} on {ty}", op.symbol()));
                return;
            }
        };
        self.emit(o, span);
    }

    /// Emits `dst = l <op> r` for one comparison, converting operands to `ty`.
    /// Emits `dst = x <op> y` for one comparison of registers already in `ty`.
    fn compare_one(&mut self, op: CmpOp, ty: &Type, lr: R, rr: R, dst: R, span: Span) {
        let (x, y) = match op {
            CmpOp::Gt | CmpOp::Ge => (rr, lr),
            _ => (lr, rr),
        };
        let o = match (rep(ty), op) {
            (Rep::I, CmpOp::Eq) => Op::EqI { a: dst, b: x, c: y },
            (Rep::I, CmpOp::Ne) => Op::NeI { a: dst, b: x, c: y },
            (Rep::I, CmpOp::Lt | CmpOp::Gt) => Op::LtI { a: dst, b: x, c: y },
            (Rep::I, CmpOp::Le | CmpOp::Ge) => Op::LeI { a: dst, b: x, c: y },
            (Rep::F, CmpOp::Eq) => Op::EqF { a: dst, b: x, c: y },
            (Rep::F, CmpOp::Ne) => Op::NeF { a: dst, b: x, c: y },
            (Rep::F, CmpOp::Lt | CmpOp::Gt) => Op::LtF { a: dst, b: x, c: y },
            (Rep::F, CmpOp::Le | CmpOp::Ge) => Op::LeF { a: dst, b: x, c: y },
        };
        self.emit(o, span);
    }

    /// A register holding `r` (of type `from`) as type `to`.
    fn coerce(&mut self, r: R, from: &Type, to: &Type, span: Span) -> R {
        if rep(from) == rep(to) {
            return r;
        }
        let t = self.alloc(1);
        self.convert(t, from, r, to, span);
        t
    }

    fn compare_to(&mut self, operands: &[TExpr], ops: &[(CmpOp, Type)], dst: R, span: Span) {
        let mark = self.top;
        // Each operand is evaluated once, in order, and only if the chain
        // has not already failed; constants are taken in each pair's type.
        let mut prev = self.value_reg(&operands[0]);
        let mut exits = Vec::new();
        for (i, (op, ty)) in ops.iter().enumerate() {
            let rhs = &operands[i + 1];
            let cur = self.value_reg(rhs);
            let l = self.typed(prev, &operands[i], ty);
            let r = self.typed(cur, rhs, ty);
            self.compare_one(*op, ty, l, r, dst, span);
            if i + 1 < ops.len() {
                exits.push(self.emit(Op::JmpF { a: dst, t: 0 }, span));
            }
            prev = cur;
        }
        self.patch_here(exits);
        self.top = mark;
    }

    /// Evaluates a non-constant expression to a register; constants wait
    /// until the type they are used at is known.
    fn value_reg(&mut self, e: &TExpr) -> Option<R> {
        match e.kind {
            TExprKind::Const(_) => None,
            _ => Some(self.expr_reg(e)),
        }
    }

    /// A register holding `e` (already evaluated to `raw` unless constant) as type `ty`.
    /// A Python number compared with a float32 is cast to float32 first
    /// (NEP 50: `np.float32(0.1) == 0.1`).
    fn typed(&mut self, raw: Option<R>, e: &TExpr, ty: &Type) -> R {
        let to_f32 = *ty == Type::Scalar(DType::F32) && e.ty.is_python_scalar();
        match (raw, &e.kind) {
            (Some(r), _) if to_f32 => {
                let t = self.alloc(1);
                self.convert(t, &e.ty, r, ty, e.span);
                t
            }
            (Some(r), _) => self.coerce(r, &e.ty, ty, e.span),
            (None, TExprKind::Const(c)) if to_f32 => {
                let v = match c {
                    Const::Int(v) => *v as f64,
                    Const::Bool(b) => *b as i64 as f64,
                    Const::Float(v) => *v,
                    _ => 0.0,
                };
                let t = self.alloc(1);
                self.load_float(t, v as f32 as f64, e.span);
                t
            }
            (None, TExprKind::Const(c)) => {
                if let Some(&r) = const_bits(c, ty).and_then(|b| self.const_regs.get(&b)) {
                    return r;
                }
                let t = self.alloc(1);
                self.load_const(c, ty, t, e.span);
                t
            }
            (None, _) => unreachable!("only constants are evaluated late"),
        }
    }

    /// Jumps (patch sites pushed to `out`) when the truth of `e` equals `when`;
    /// falls through otherwise.
    fn cond_jump(&mut self, e: &TExpr, when: bool, out: &mut Vec<usize>) {
        let span = e.span;
        let mark = self.top;
        match &e.kind {
            TExprKind::Const(Const::Bool(b)) => {
                if *b == when {
                    out.push(self.emit(Op::Jmp { t: 0 }, span));
                }
            }
            TExprKind::Not(x) => self.cond_jump(x, !when, out),
            TExprKind::And(l, r) if e.ty == Type::Bool => {
                if when {
                    let mut skip = Vec::new();
                    self.cond_jump(l, false, &mut skip);
                    self.cond_jump(r, true, out);
                    self.patch_here(skip);
                } else {
                    self.cond_jump(l, false, out);
                    self.cond_jump(r, false, out);
                }
            }
            TExprKind::Or(l, r) if e.ty == Type::Bool => {
                if when {
                    self.cond_jump(l, true, out);
                    self.cond_jump(r, true, out);
                } else {
                    let mut skip = Vec::new();
                    self.cond_jump(l, true, &mut skip);
                    self.cond_jump(r, false, out);
                    self.patch_here(skip);
                }
            }
            TExprKind::Compare(operands, ops)
                if ops.len() == 1
                    && rep(&ops[0].1) == Rep::I
                    && !matches!(ops[0].1, Type::Scalar(_)) =>
            {
                let op = if when { ops[0].0 } else { negate(ops[0].0) };
                // Against a small constant: one instruction with an immediate.
                let (lk, rk) = (small_int(&operands[0]), small_int(&operands[1]));
                if let Some((x, v, op)) = match (lk, rk) {
                    (_, Some(v)) => Some((&operands[0], v, op)),
                    (Some(v), None) => Some((&operands[1], v, swap(op))),
                    _ => None,
                } {
                    let a = self.expr_reg(x);
                    let j = match op {
                        CmpOp::Lt => Op::JLtIK { a, v, t: 0 },
                        CmpOp::Le => Op::JLeIK { a, v, t: 0 },
                        CmpOp::Gt => Op::JGtIK { a, v, t: 0 },
                        CmpOp::Ge => Op::JGeIK { a, v, t: 0 },
                        CmpOp::Eq => Op::JEqIK { a, v, t: 0 },
                        CmpOp::Ne => Op::JNeIK { a, v, t: 0 },
                    };
                    out.push(self.emit(j, span));
                    self.top = mark;
                    return;
                }
                let l = self.expr_reg(&operands[0]);
                let r = self.expr_reg(&operands[1]);
                let j = match op {
                    CmpOp::Lt => Op::JLtI { a: l, b: r, t: 0 },
                    CmpOp::Le => Op::JLeI { a: l, b: r, t: 0 },
                    CmpOp::Gt => Op::JLtI { a: r, b: l, t: 0 },
                    CmpOp::Ge => Op::JLeI { a: r, b: l, t: 0 },
                    CmpOp::Eq => Op::JEqI { a: l, b: r, t: 0 },
                    CmpOp::Ne => Op::JNeI { a: l, b: r, t: 0 },
                };
                out.push(self.emit(j, span));
            }
            TExprKind::Truth(x) if rep(&x.ty) == Rep::I => {
                let r = self.expr_reg(x);
                let j = if when {
                    Op::JmpT { a: r, t: 0 }
                } else {
                    Op::JmpF { a: r, t: 0 }
                };
                out.push(self.emit(j, span));
            }
            _ => {
                let r = self.expr_reg(e);
                let r = self.truth_reg(r, &e.ty, span);
                let j = if when {
                    Op::JmpT { a: r, t: 0 }
                } else {
                    Op::JmpF { a: r, t: 0 }
                };
                out.push(self.emit(j, span));
            }
        }
        self.top = mark;
    }

    fn intrinsic(&mut self, which: Intrinsic, args: &[TExpr], ty: &Type, dst: R, span: Span) {
        let mark = self.top;
        let regs: Vec<R> = args.iter().map(|a| self.expr_reg(a)).collect();
        self.top = mark;
        let f = rep(ty) == Rep::F;
        let b = regs[0];
        match which {
            Intrinsic::Math1(m) => {
                self.emit(
                    Op::Math1 {
                        a: dst,
                        b,
                        f: m as u16,
                    },
                    span,
                );
            }
            Intrinsic::Atan2 => {
                self.emit(
                    Op::Atan2 {
                        a: dst,
                        b,
                        c: regs[1],
                    },
                    span,
                );
            }
            Intrinsic::Abs => {
                self.emit(
                    if f {
                        Op::AbsF { a: dst, b }
                    } else {
                        Op::AbsI { a: dst, b }
                    },
                    span,
                );
                // abs(np.int8(-128)) wraps to -128, as NumPy's does.
                self.normalise(dst, ty, span);
            }
            Intrinsic::Min | Intrinsic::Max => {
                // Python's min/max fold left: keep the first unless a later one is
                // strictly smaller (larger).
                let mut acc = b;
                for (i, &c) in regs[1..].iter().enumerate() {
                    let out = if i + 2 == regs.len() {
                        dst
                    } else {
                        self.alloc(1)
                    };
                    let op = match (which, f) {
                        (Intrinsic::Min, false) => Op::MinI { a: out, b: acc, c },
                        (Intrinsic::Min, true) => Op::MinF { a: out, b: acc, c },
                        (_, false) => Op::MaxI { a: out, b: acc, c },
                        (_, true) => Op::MaxF { a: out, b: acc, c },
                    };
                    self.emit(op, span);
                    acc = out;
                }
            }
            Intrinsic::Round => {
                self.emit(Op::RoundFI { a: dst, b }, span);
            }
            Intrinsic::RoundN => {
                self.emit(
                    Op::RoundFN {
                        a: dst,
                        b,
                        c: regs[1],
                    },
                    span,
                );
            }
            Intrinsic::Floor => {
                self.emit(Op::FloorFI { a: dst, b }, span);
            }
            Intrinsic::Ceil => {
                self.emit(Op::CeilFI { a: dst, b }, span);
            }
            Intrinsic::IsNan | Intrinsic::IsInf | Intrinsic::IsFinite => {
                let k = match which {
                    Intrinsic::IsNan => 0,
                    Intrinsic::IsInf => 1,
                    _ => 2,
                };
                self.emit(Op::ClassF { a: dst, b, k }, span);
            }
        }
    }
}

/// The register bits of a scalar constant used as type `ty`.
fn const_bits(c: &Const, ty: &Type) -> Option<u64> {
    let f = ty.is_float();
    Some(match c {
        Const::Int(v) if f => (*v as f64).to_bits(),
        Const::Int(v) => *v as u64,
        Const::Bool(b) if f => (*b as i64 as f64).to_bits(),
        Const::Bool(b) => *b as u64,
        Const::Float(v) if f => v.to_bits(),
        _ => return None,
    })
}

/// Most constants one function keeps in registers.
const MAX_CONST_REGS: usize = 32;

/// Collects the constants that appear as operands of arithmetic,
/// comparisons and intrinsics, in first-use order, deduplicated.
fn collect_consts(body: &[TStmt], out: &mut Vec<u64>) {
    fn add(out: &mut Vec<u64>, e: &TExpr, ty: &Type) {
        if let TExprKind::Const(c) = &e.kind {
            if let Some(b) = const_bits(c, ty) {
                if !out.contains(&b) && out.len() < MAX_CONST_REGS {
                    out.push(b);
                }
            }
        }
    }
    fn expr(e: &TExpr, out: &mut Vec<u64>) {
        match &e.kind {
            TExprKind::Binary(op, l, r) => {
                // `x + k` with a small int k uses an immediate instead.
                let imm = e.ty == Type::Int && matches!(op, BinOp::Add | BinOp::Sub);
                if !(imm && small_int(l).is_some()) {
                    add(out, l, &l.ty);
                }
                if !(imm && small_int(r).is_some()) {
                    add(out, r, &r.ty);
                }
                expr(l, out);
                expr(r, out);
            }
            TExprKind::Compare(operands, ops) => {
                for (i, o) in operands.iter().enumerate() {
                    let ty = if ops[i.saturating_sub(1)].1.is_float()
                        || ops.get(i).is_some_and(|p| p.1.is_float())
                    {
                        Type::Float
                    } else {
                        Type::Int
                    };
                    // Single int comparisons with a small constant jump on an immediate.
                    if !(ops.len() == 1 && ty == Type::Int && small_int(o).is_some()) {
                        add(out, o, &ty);
                    }
                    expr(o, out);
                }
            }
            TExprKind::Intrinsic(_, args) => {
                for a in args {
                    add(out, a, &a.ty);
                    expr(a, out);
                }
            }
            TExprKind::Neg(x)
            | TExprKind::Invert(x)
            | TExprKind::Not(x)
            | TExprKind::Truth(x)
            | TExprKind::Cast(x)
            | TExprKind::TupleGet(x, _) => expr(x, out),
            TExprKind::And(l, r) | TExprKind::Or(l, r) => {
                expr(l, out);
                expr(r, out);
            }
            TExprKind::IfExp(c, a, b) => {
                expr(c, out);
                expr(a, out);
                expr(b, out);
            }
            TExprKind::Rt(_, args) | TExprKind::Format(_, args) => {
                for a in args {
                    add(out, a, &a.ty);
                    expr(a, out);
                }
            }
            TExprKind::Call(_, args) | TExprKind::Tuple(args) => {
                args.iter().for_each(|a| expr(a, out))
            }
            TExprKind::Const(_) | TExprKind::Local(_) => {}
        }
    }
    for s in body {
        match &s.kind {
            TStmtKind::Expr(e) | TStmtKind::Assign(_, e) | TStmtKind::Return(Some(e)) => {
                expr(e, out)
            }
            TStmtKind::If(c, a, b) => {
                expr(c, out);
                collect_consts(a, out);
                collect_consts(b, out);
            }
            TStmtKind::While { cond, body, orelse } => {
                expr(cond, out);
                collect_consts(body, out);
                collect_consts(orelse, out);
            }
            TStmtKind::ForRange {
                start,
                stop,
                step,
                body,
                orelse,
                ..
            } => {
                expr(start, out);
                expr(stop, out);
                expr(step, out);
                collect_consts(body, out);
                collect_consts(orelse, out);
            }
            TStmtKind::Assert(c, _) => expr(c, out),
            TStmtKind::Print { args, .. } => args.iter().for_each(|a| expr(a, out)),
            TStmtKind::RaiseText(_, m) => expr(m, out),
            _ => {}
        }
    }
}

/// Is `e` an int constant that the dtype holds (so needs no run-time check)?
fn const_fits(e: &TExpr, d: typer::DType) -> bool {
    let TExprKind::Const(Const::Int(v)) = e.kind else {
        return false;
    };
    let (lo, hi): (i64, i64) = match d {
        typer::DType::I8 => (i8::MIN as i64, i8::MAX as i64),
        typer::DType::I16 => (i16::MIN as i64, i16::MAX as i64),
        typer::DType::I32 => (i32::MIN as i64, i32::MAX as i64),
        typer::DType::U8 => (0, u8::MAX as i64),
        typer::DType::U16 => (0, u16::MAX as i64),
        typer::DType::U32 => (0, u32::MAX as i64),
        typer::DType::U64 => (0, i64::MAX),
        _ => (i64::MIN, i64::MAX),
    };
    (lo..=hi).contains(&v)
}

/// A Python int constant that fits an instruction's 16-bit immediate.
fn small_int(e: &TExpr) -> Option<i16> {
    match (&e.kind, &e.ty) {
        (TExprKind::Const(Const::Int(v)), Type::Int) => i16::try_from(*v).ok(),
        (TExprKind::Const(Const::Bool(b)), Type::Int | Type::Bool) => Some(*b as i16),
        _ => None,
    }
}

/// The comparison with its operands swapped (`k < x` is `x > k`).
fn swap(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        o => o,
    }
}

// ------------------------------------------------------------------ fusion

/// Is `t` a plain `ndarray` (no subtype, whose ufunc hook would want one
/// operation and one allocation per ufunc, as Numba gives it)?
fn plain_array(t: &Type) -> bool {
    t.as_array().is_some_and(|a| a.class == 0)
}

/// Operands of a ufunc.
pub fn ufunc_arity(f: Ufunc) -> usize {
    use Ufunc::*;
    match f {
        Negative | Absolute | Float1(_) | Floor | Ceil | Rint | Invert | LogicalNot | IsNan
        | IsInf | IsFinite => 1,
        _ => 2,
    }
}

fn is_comparison(f: Ufunc) -> bool {
    use Ufunc::*;
    matches!(
        f,
        Equal
            | NotEqual
            | Less
            | LessEqual
            | Greater
            | GreaterEqual
            | LogicalAnd
            | LogicalOr
            | LogicalNot
            | IsNan
            | IsInf
            | IsFinite
    )
}

/// Is `e` an elementwise operation on plain arrays that a fused expression
/// can take in? (A comparison with a Python int is left alone: whether the
/// int fits decides its loop dtype at run time.)
fn fusable(e: &TExpr) -> bool {
    plain_array(&e.ty)
        && match &e.kind {
            TExprKind::Rt(RtOp::Ufunc { f, args: kinds, .. }, xs) => {
                xs.len() == ufunc_arity(*f)
                    && kinds.len() == xs.len()
                    && !(is_comparison(*f) && kinds.contains(&Arg::PyInt))
            }
            TExprKind::Rt(RtOp::Where(kinds), xs) => xs.len() == 3 && kinds.len() == 3,
            _ => false,
        }
}

/// Can evaluating `e` neither raise nor be seen (so that evaluating it
/// before rather than after an operation changes nothing)?
fn quiet(e: &TExpr) -> bool {
    match &e.kind {
        TExprKind::Local(_) | TExprKind::Const(_) => true,
        TExprKind::Neg(x) | TExprKind::Cast(x) => quiet(x),
        TExprKind::Binary(BinOp::Add | BinOp::Sub | BinOp::Mul, l, r) => {
            e.ty == Type::Int && quiet(l) && quiet(r)
        }
        // Views: slices without a step (never out of bounds) and `.T`.
        TExprKind::Rt(RtOp::GetItem(kinds), xs) => {
            kinds
                .iter()
                .all(|k| matches!(k, Idx::Slice { step: false, .. }))
                && xs.iter().all(quiet)
        }
        TExprKind::Rt(RtOp::Transpose, xs) => xs.iter().all(quiet),
        _ => false,
    }
}

/// A fused expression under construction: its nodes in postfix order and
/// its leaves, the operands evaluated before it runs.
struct FuseBuild<'e> {
    nodes: Vec<FusedNode>,
    leaves: Vec<&'e TExpr>,
    depth: usize,
    max: usize,
    /// Cleared when fusing would change what the program does.
    ok: bool,
}

impl<'e> FuseBuild<'e> {
    fn new() -> Self {
        FuseBuild {
            nodes: Vec::new(),
            leaves: Vec::new(),
            depth: 0,
            max: 0,
            ok: true,
        }
    }

    fn push(&mut self, n: FusedNode, pops: usize) {
        self.nodes.push(n);
        self.depth = self.depth + 1 - pops;
        self.max = self.max.max(self.depth);
    }

    fn leaf(&mut self, e: &'e TExpr, dt: DType, kind: Arg) {
        // Array leaves are plain; a leaf that could raise or be seen must not
        // move before an operation that ran before it.
        let ran_one = self
            .nodes
            .iter()
            .any(|n| !matches!(n, FusedNode::Input { .. }));
        if (e.ty.as_array().is_some() && !plain_array(&e.ty)) || (ran_one && !quiet(e)) {
            self.ok = false;
        }
        let k = self.leaves.len() as u16;
        self.leaves.push(e);
        let py_int = kind == Arg::PyInt;
        self.push(FusedNode::Input { k, dt, py_int }, 0);
    }

    fn operand(&mut self, e: &'e TExpr, dt: DType, kind: Arg) {
        if fusable(e) {
            let TExprKind::Rt(op, xs) = &e.kind else {
                unreachable!("fusable is an Rt node")
            };
            self.node(op, xs, &e.ty);
        } else {
            self.leaf(e, dt, kind);
        }
    }

    /// A fusable operation `op` on `xs` with result type `ty`.
    fn node(&mut self, op: &RtOp, xs: &'e [TExpr], ty: &Type) {
        let out = ty.as_array().map_or(DType::F64, |a| a.dtype);
        match op {
            RtOp::Ufunc { f, dt, args: kinds } => {
                for (x, k) in xs.iter().zip(kinds) {
                    self.operand(x, *dt, *k);
                }
                self.push(
                    FusedNode::Ufunc {
                        f: *f,
                        dt: *dt,
                        out,
                    },
                    xs.len(),
                );
            }
            RtOp::Where(_) => {
                for (i, x) in xs.iter().enumerate() {
                    let dt = if i == 0 { DType::Bool } else { out };
                    self.operand(x, dt, Arg::Array(dt));
                }
                self.push(FusedNode::Where { out }, 3);
            }
            _ => self.ok = false,
        }
    }

    /// The expression, if fusing it keeps the program's meaning and saves
    /// at least one temporary (`min_ops` operations: two for a new array,
    /// one assigned into a selection, whose value needs no array).
    fn finish(self, prefix: &'e [TExpr], min_ops: usize) -> Option<(Box<Fused>, Vec<&'e TExpr>)> {
        let ops = self
            .nodes
            .iter()
            .filter(|n| !matches!(n, FusedNode::Input { .. }))
            .count();
        if !self.ok || ops < min_ops || self.leaves.len() > u16::MAX as usize / 2 {
            return None;
        }
        let fused = Fused {
            nodes: self.nodes,
            leaves: self.leaves.len() as u16,
            depth: self.max as u16,
        };
        let mut operands: Vec<&TExpr> = prefix.iter().collect();
        operands.extend(self.leaves);
        Some((Box::new(fused), operands))
    }
}

/// The leaves of the fused operation `e` compiles to, if it is one (for
/// `--inspect-types`).
pub fn fused_leaves(e: &TExpr) -> Option<Vec<&TExpr>> {
    let TExprKind::Rt(op, args) = &e.kind else {
        return None;
    };
    let (fused, operands) = fuse(op, args, &e.ty)?;
    Some(operands[operands.len() - fused.leaves as usize..].to_vec())
}

/// Decides whether a runtime operation is the root of a fused elementwise
/// expression: a ufunc or `np.where` on plain arrays with another such
/// operation among its operands, `a op= expr` on a plain array, or
/// `a[...] = expr`. Returns the expression and the call site's operands
/// (for a selection, the target and its indices, then the leaves).
fn fuse<'e>(op: &RtOp, args: &'e [TExpr], ty: &Type) -> Option<(Box<Fused>, Vec<&'e TExpr>)> {
    let mut b = FuseBuild::new();
    match op {
        RtOp::Ufunc { f, args: kinds, .. } => {
            let fits = plain_array(ty)
                && args.len() == ufunc_arity(*f)
                && kinds.len() == args.len()
                && !(is_comparison(*f) && kinds.contains(&Arg::PyInt));
            if !fits || !args.iter().any(fusable) {
                return None;
            }
            b.node(op, args, ty);
            b.finish(&[], 2)
        }
        RtOp::Where(_) => {
            if !plain_array(ty) || args.len() != 3 || !args.iter().any(fusable) {
                return None;
            }
            b.node(op, args, ty);
            b.finish(&[], 2)
        }
        RtOp::InPlace { f, dt, args: kinds } => {
            let target = args.first()?.ty.as_array()?;
            if target.class != 0 || args.len() != 2 || ufunc_arity(*f) != 2 || !fusable(&args[1]) {
                return None;
            }
            b.leaf(&args[0], *dt, kinds[0]);
            b.operand(&args[1], *dt, kinds[1]);
            b.push(
                FusedNode::Ufunc {
                    f: *f,
                    dt: *dt,
                    out: target.dtype,
                },
                2,
            );
            b.finish(&[], 2)
        }
        RtOp::SetItem(_, Arg::Array(_)) => {
            let (value, target) = args.split_last()?;
            if !fusable(value) || !target.iter().all(quiet) {
                return None;
            }
            let TExprKind::Rt(vop, xs) = &value.kind else {
                return None;
            };
            b.node(vop, xs, &value.ty);
            b.finish(target, 1)
        }
        _ => None,
    }
}

fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
    }
}

/// Would evaluating `e` straight into a local's register clobber that local
/// before `e` has read it? Only constructs that write their destination and
/// then evaluate more operands can.
fn writes_before_reading_all(e: &TExpr) -> bool {
    match &e.kind {
        TExprKind::And(..) | TExprKind::Or(..) | TExprKind::Tuple(_) => true,
        TExprKind::Compare(_, ops) => ops.len() > 1,
        TExprKind::Intrinsic(Intrinsic::Min | Intrinsic::Max, args) => args.len() > 2,
        _ => false,
    }
}

/// Appends a constant as `print` shows it.
fn print_const(c: &Const, ty: &Type, out: &mut String, in_tuple: bool) {
    if let (Type::Scalar(d), Const::Int(_) | Const::Float(_) | Const::Bool(_)) = (ty, c) {
        // A NumPy scalar constant prints as NumPy's str of that scalar.
        let v = match c {
            Const::Float(v) => crate::array::Val::F(*v),
            Const::Int(v) => crate::array::Val::I(*v),
            Const::Bool(b) => crate::array::Val::I(*b as i64),
            _ => unreachable!("matched above"),
        };
        out.push_str(&(crate::runtime::kernels().scalar_str)(crate::rt::elem(
            v, *d,
        )));
        return;
    }
    match c {
        Const::Str(s) if in_tuple => out.push_str(&(crate::runtime::kernels().str_repr)(s)),
        Const::Str(s) => out.push_str(s),
        Const::None => out.push_str("None"),
        Const::DType(d) => out.push_str(d.name()),
        Const::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Const::Int(v) if !ty.is_float() => out.push_str(&v.to_string()),
        Const::Int(v) => (crate::runtime::kernels().write_float)(out, *v as f64),
        Const::Float(v) => (crate::runtime::kernels().write_float)(out, *v),
    }
}
