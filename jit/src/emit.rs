//! Machine code from the low IR and its register allocation, through any
//! backend's [`Asm`]: each instruction on the physical registers (or spill
//! slots) of its operands, block parameters as parallel moves on the
//! edges, exits as out-of-line stubs that write their maps back to the
//! frame and leave with their instruction. An element's index and its
//! bounds check are one unsigned compare, with the wrap of a negative
//! index out of line.
//!
//! What it does not take (the function is then interpreted): more spill
//! slots than a native frame has, a runtime operation the module does not
//! have.

use vm::runtime::RUNTIME;
use vm::Proto;

use crate::backend::{Asm, Callee, Src, Word, MAX_SPILLS};
use crate::ir::{
    Block, CFn, Class, Cond, Edge, ExitId, Func, IOp, Inst, Rhs, Term, Test, UnOp, Unsupported,
    Value, Width,
};
use crate::layout::*;
use crate::regalloc::{Alloc, Loc, PReg};
use crate::scalar;

/// Where the code of a function ended up, in bytes from its start (the
/// entry sequence is at 0).
#[derive(Clone, Debug, Default)]
pub struct Emitted {
    /// (instruction, offset) of each entry.
    pub entries: Vec<(usize, usize)>,
    /// Where a native call enters (instruction 0's entry with the
    /// arguments in registers: see `arg_regs`).
    pub call: usize,
    /// The most frames an exit inside inlined calls makes.
    pub inlined: usize,
    /// Each block's first byte, in code order.
    pub blocks: Vec<(usize, Block)>,
    /// Where the out-of-line code (edge moves, exits) starts.
    pub exits: usize,
}

/// Can `emit` take `f` with allocation `al`?
pub fn check(f: &Func, al: &Alloc, rtops: &[vm::rt::RtDesc]) -> Result<(), Unsupported> {
    if al.spills > MAX_SPILLS {
        return Err(Unsupported(format!("{} spill slots", al.spills)));
    }
    for &b in &al.order {
        for &v in &f.blocks[b.0 as usize].insts {
            match &f.insts[v.0 as usize] {
                Inst::Rt { d, .. } if rtops.get(*d as usize).is_none() => {
                    return Err(Unsupported("an unknown runtime operation".into()))
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Registers that values of `f` (the code of `p`) would best be
/// allocated to, so that native calls move no arguments: each argument
/// instruction 0's entry takes, and each argument of a native call, in
/// the register that passes it (`arg_regs`), where the classes agree.
pub fn arg_prefs<A: Asm>(f: &Func, p: &Proto, protos: &[Proto]) -> Vec<(Value, PReg)> {
    let mut out = Vec::new();
    let mut push = |v: Value, at: Option<&Option<Place>>| match (at, f.class[v.0 as usize]) {
        (Some(&Some(Place::F(r))), Class::F64) => out.push((v, r)),
        (Some(&Some(Place::G(r))), Class::I64 | Class::Ptr) => out.push((v, r)),
        _ => {}
    };
    if let Some(&(0, b)) = f.entries.first() {
        let regs = arg_regs::<A>(p);
        for &v in &f.blocks[b.0 as usize].insts {
            if let Inst::LoadSlot(r) = f.insts[v.0 as usize] {
                push(v, regs.get(r as usize));
            }
        }
    }
    for bd in &f.blocks {
        let Some(Term::Call {
            a, f: callee, exit, ..
        }) = bd.term
        else {
            continue;
        };
        let Some(cp) = protos.get(callee as usize) else {
            continue;
        };
        let regs = arg_regs::<A>(cp);
        for &(r, v) in &f.exits[exit.0 as usize].map {
            if let Some(k) = r.checked_sub(a) {
                push(v, regs.get(k as usize));
            }
        }
    }
    out
}

/// A value's home as a move sees it: registers of the two files apart,
/// spill slots shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    G(PReg),
    F(PReg),
    S(u32),
}

/// Where a native call passes each of `p`'s arguments (frame slots
/// `0..nargs`): floats in the backend's `FARGS`, everything else in its
/// `ARGS`, in order, while they last; `None`, in the frame. Fixed by the
/// callee's signature, so that a caller compiled before or after it
/// agrees (a value of the other class is moved across).
fn arg_regs<A: Asm>(p: &Proto) -> Vec<Option<Place>> {
    fn flat(t: &typer::Type, out: &mut Vec<bool>) {
        match t {
            typer::Type::Tuple(items) => items.iter().for_each(|i| flat(i, out)),
            typer::Type::None | typer::Type::Unknown | typer::Type::DTypeObj(_) => {}
            t => out.push(t.is_float()),
        }
    }
    let n = p.nargs as usize;
    let mut floats = Vec::with_capacity(n);
    p.args.iter().for_each(|t| flat(t, &mut floats));
    if floats.len() != n {
        floats = vec![false; n];
    }
    let (mut g, mut x) = (A::ARGS.iter(), A::FARGS.iter());
    floats
        .iter()
        .map(|&fl| match fl {
            true => x.next().map(|&r| Place::F(r)),
            false => g.next().map(|&r| Place::G(r)),
        })
        .collect()
}

struct E<'a, A: Asm> {
    a: &'a mut A,
    p: &'a Proto,
    f: &'a Func,
    al: &'a Alloc,
    rtops: &'a [vm::rt::RtDesc],
    labels: Vec<A::Label>,
    /// Exit stubs wanted so far, by exit.
    stubs: Vec<Option<A::Label>>,
    /// Leaving with RAISED set, by instruction.
    raises: Vec<(A::Label, usize)>,
    /// Edge moves placed out of line: (label, edge).
    tramps: Vec<(A::Label, &'a Edge)>,
    /// Exits whose map is already written back: (label, instruction).
    bare: Vec<(A::Label, usize)>,
    /// Exits that write values from where they are to slots first.
    outs: Vec<Out<A::Label>>,
    /// Negative indices placed out of line (see [`E::index`]).
    wraps: Vec<Wrap<A::Label>>,
    /// How each instruction is emitted (by value): see [`fuse`].
    fuse: Vec<Fuse>,
    /// The native-call entry (just before instruction 0's block).
    call_entry: A::Label,
    protos: &'a [Proto],
}

/// Emits `f` (allocated as `al`, checked by [`check`]), the code of `p`.
pub fn emit<A: Asm>(
    a: &mut A,
    p: &Proto,
    protos: &[Proto],
    f: &Func,
    al: &Alloc,
    rtops: &[vm::rt::RtDesc],
) -> Result<Emitted, Unsupported> {
    check(f, al, rtops)?;
    let labels = (0..f.blocks.len()).map(|_| a.new_label()).collect();
    let call_entry = a.new_label();
    let mut e = E {
        a,
        p,
        f,
        al,
        rtops,
        labels,
        stubs: vec![None; f.exits.len()],
        raises: Vec::new(),
        tramps: Vec::new(),
        bare: Vec::new(),
        outs: Vec::new(),
        call_entry,
        protos,
        wraps: Vec::new(),
        fuse: fuse(f, al),
    };
    let first = f.entries[0].1;
    let mut out = Emitted {
        inlined: f.exits.iter().map(|x| x.frames.len()).max().unwrap_or(0),
        ..Emitted::default()
    };
    e.a.prologue();
    let order = layout(f, &al.order);
    let mut heads = vec![false; f.blocks.len()];
    for l in &f.loops {
        heads[l.header.0 as usize] = !f.blocks[l.header.0 as usize].cold;
    }
    for (i, &b) in order.iter().enumerate() {
        let next = order.get(i + 1).copied();
        if heads[b.0 as usize] {
            e.a.align(16);
        }
        // (No code falls into an entry block: it has no predecessors.)
        e.a.bind(e.labels[b.0 as usize]);
        let at = e.a.offset();
        out.blocks.push((at, b));
        let bd = &f.blocks[b.0 as usize];
        if bd.entry {
            out.entries.push((bd.pc, at));
        }
        if bd.vend {
            e.a.vend();
        }
        if bd.lanes > 0 {
            e.vector_block(b);
        } else {
            for &v in &bd.insts {
                e.inst(v);
            }
        }
        let t = bd.term.as_ref().expect("every block ends");
        if b == first {
            // The interpreter's way in at instruction 0 jumps on; a native
            // call's, taken far more often, comes next and falls through.
            e.term(t, None);
            out.call = e.a.offset();
            out.blocks.push((out.call, b));
            e.call_entry_block(b, next, out.inlined);
            continue;
        }
        e.term(t, next);
    }
    out.exits = e.a.offset();
    for (l, edge) in std::mem::take(&mut e.tramps) {
        e.a.bind(l);
        e.moves(edge);
        e.a.jump(e.labels[edge.to.0 as usize]);
    }
    for w in std::mem::take(&mut e.wraps) {
        // A negative index `i` is `i + n` when that is not negative too;
        // anything else is out of bounds.
        e.a.bind(w.cold);
        e.a.branch(Cond::Ge, w.i, Src::K(0), w.out);
        e.a.alu(IOp::Add, w.d, w.i, Src::R(w.n));
        e.a.branch(Cond::Lt, w.d, Src::K(0), w.out);
        e.a.jump(w.back);
    }
    for x in 0..f.exits.len() {
        if let Some(l) = e.stubs[x] {
            e.a.bind(l);
            let exit = &f.exits[x];
            e.write_back(ExitId(x as u32));
            e.frames(ExitId(x as u32));
            // (A raised exit: the instruction ran and raised, a print.)
            let raised = if exit.raised { vm::tiering::RAISED } else { 0 };
            e.a.exit((exit.pc | raised) as u32);
        }
    }
    for (l, pc) in std::mem::take(&mut e.raises) {
        e.a.bind(l);
        e.a.exit((pc | vm::tiering::RAISED) as u32);
    }
    for (l, pc) in std::mem::take(&mut e.bare) {
        e.a.bind(l);
        e.a.exit(pc as u32);
    }
    for Out { at: l, stores, pc } in std::mem::take(&mut e.outs) {
        e.a.bind(l);
        for (r, p) in stores {
            e.store_place(r, p);
        }
        e.a.exit(pc as u32);
    }
    out.entries.sort();
    Ok(out)
}

/// The blocks in code order: the allocation's, with each script call's
/// resume block moved to right after the call, where the callee returns
/// (nothing is in a register across a call, and a resume block is an
/// entry, which no code falls into: no block's code depends on where it
/// is).
fn layout(f: &Func, order: &[Block]) -> Vec<Block> {
    let n = f.blocks.len();
    let (mut reached, mut resumes) = (vec![false; n], vec![false; n]);
    for &b in order {
        reached[b.0 as usize] = true;
    }
    for &b in order {
        if let Some(Term::Call { resume, .. }) = f.blocks[b.0 as usize].term {
            resumes[resume.0 as usize] = reached[resume.0 as usize];
        }
    }
    // And the block a resume block goes on to, when nothing else does.
    let mut preds = vec![0u32; n];
    for &b in order {
        match &f.blocks[b.0 as usize].term {
            Some(Term::Jump(e)) => preds[e.to.0 as usize] += 1,
            Some(Term::Branch(_, y, o)) => {
                preds[y.to.0 as usize] += 1;
                preds[o.to.0 as usize] += 1;
            }
            _ => {}
        }
    }
    let mut later = resumes.clone();
    for &b in order {
        if let Some(Term::Jump(e)) = &f.blocks[b.0 as usize].term {
            if resumes[b.0 as usize] && preds[e.to.0 as usize] == 1 {
                later[e.to.0 as usize] = true;
            }
        }
    }
    let mut placed = vec![false; n];
    let mut out = Vec::with_capacity(order.len());
    for &b in order.iter().filter(|b| !later[b.0 as usize]).chain(order) {
        let mut b = b;
        while !placed[b.0 as usize] {
            placed[b.0 as usize] = true;
            out.push(b);
            match &f.blocks[b.0 as usize].term {
                Some(Term::Call { resume, .. }) if resumes[resume.0 as usize] => b = *resume,
                Some(Term::Jump(e)) if resumes[b.0 as usize] && preds[e.to.0 as usize] == 1 => {
                    b = e.to
                }
                _ => break,
            }
        }
    }
    out
}

/// An exit that writes values from where they are (not the map's) to
/// frame slots first: at `at`, each `(slot, place)`, then leaves at
/// instruction `pc`.
struct Out<L> {
    at: L,
    stores: Vec<(u16, Place)>,
    pc: usize,
}

/// A negative index's out-of-line code (see [`E::index`]): at `cold`,
/// `d = i + n` when that is in bounds, then back to `back`; else to the
/// exit at `out`.
struct Wrap<L> {
    cold: L,
    back: L,
    out: L,
    i: PReg,
    n: PReg,
    d: PReg,
}

/// How [`E::inst`] emits an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fuse {
    Alone,
    /// With another: the bounds check of an index, or the wrapped sum
    /// when nothing else reads it.
    Skip,
    /// An index with its bounds check: `i`, `n` and the check's exit.
    Index(Value, Value, ExitId),
}

/// Finds the element indices as `ir` lowers them, `j = i < 0 ? i + n :
/// i` checked right after by `guard j >=u n`, that [`E::index`] emits
/// together: no exit may read the index or the sum (an out-of-line wrap
/// leaves before computing either).
fn fuse(f: &Func, al: &Alloc) -> Vec<Fuse> {
    // The pairs that look like one (j, the guard, the sum, i, n, the
    // guard's exit), before the costlier look at who else reads them.
    let mut found = crate::pool::empty::<(Value, Value, Value, Value, Value, ExitId)>();
    for &b in &al.order {
        let bd = &f.blocks[b.0 as usize];
        for (&j, &g) in bd.insts.iter().zip(bd.insts.iter().skip(1)) {
            let Inst::Select(Test::I(Cond::Lt, i, Rhs::K(0)), w, i2) = f.insts[j.0 as usize] else {
                continue;
            };
            let Inst::Bin(IOp::Add, i3, Rhs::V(n)) = f.insts[w.0 as usize] else {
                continue;
            };
            let Inst::Guard(Test::I(Cond::AboveEq, j2, Rhs::V(n2)), x) = f.insts[g.0 as usize]
            else {
                continue;
            };
            if i2 != i || i3 != i || j2 != j || n2 != n || f.class[i.0 as usize] == Class::F64 {
                continue;
            }
            found.push((j, g, w, i, n, x));
        }
    }
    let mut fuse = vec![Fuse::Alone; f.insts.len()];
    if found.is_empty() {
        return fuse;
    }
    let mut uses = crate::pool::filled(f.insts.len(), 0u32);
    let mut exit_read = crate::pool::filled(f.insts.len(), false);
    for &b in &al.order {
        f.each_use(b, |v| uses[v.0 as usize] += 1);
        let bd = &f.blocks[b.0 as usize];
        let exits = bd
            .insts
            .iter()
            .filter_map(|&v| f.insts[v.0 as usize].exit())
            .chain(match bd.term {
                Some(Term::Exit(x) | Term::Return { exit: x, .. } | Term::Call { exit: x, .. }) => {
                    Some(x)
                }
                _ => None,
            });
        for x in exits {
            f.each_exit_read(x, |v| exit_read[v.0 as usize] = true);
        }
    }
    for &(j, g, w, i, n, x) in found.iter() {
        if exit_read[j.0 as usize] || exit_read[w.0 as usize] {
            continue;
        }
        fuse[j.0 as usize] = Fuse::Index(i, n, x);
        fuse[g.0 as usize] = Fuse::Skip;
        if uses[w.0 as usize] == 1 {
            fuse[w.0 as usize] = Fuse::Skip;
        }
    }
    fuse
}

impl<'a, A: Asm> E<'a, A> {
    fn loc(&self, v: Value) -> Loc {
        self.al.loc[v.0 as usize]
    }

    fn float(&self, v: Value) -> bool {
        self.f.class[v.0 as usize] == Class::F64
    }

    fn place(&self, v: Value) -> Option<Place> {
        match self.loc(v) {
            Loc::Dead => None,
            Loc::Spill(n) => Some(Place::S(n)),
            Loc::Reg(r) if self.float(v) => Some(Place::F(r)),
            Loc::Reg(r) => Some(Place::G(r)),
        }
    }

    /// Integer operand `k` of an instruction in a register.
    fn gp(&mut self, v: Value, k: usize) -> PReg {
        match self.loc(v) {
            Loc::Reg(r) => r,
            Loc::Spill(n) => {
                self.a.load_spill(A::SCRATCH[k], n);
                A::SCRATCH[k]
            }
            Loc::Dead => unreachable!("{v} is used but has no location"),
        }
    }

    fn fp(&mut self, v: Value, k: usize) -> PReg {
        match self.loc(v) {
            Loc::Reg(r) => r,
            Loc::Spill(n) => {
                self.a.fload_spill(A::FSCRATCH[k], n);
                A::FSCRATCH[k]
            }
            Loc::Dead => unreachable!("{v} is used but has no location"),
        }
    }

    /// The second operand of an integer operation; `reg` when the
    /// operation takes no immediate.
    fn src(&mut self, r: Rhs, k: usize, reg: bool) -> Src {
        match r {
            Rhs::V(v) => Src::R(self.gp(v, k)),
            Rhs::K(c) => match i32::try_from(c) {
                Ok(c) if !reg => Src::K(c),
                _ => {
                    self.a.movi(A::SCRATCH[k], c);
                    Src::R(A::SCRATCH[k])
                }
            },
        }
    }

    /// A small constant as an operand (an offset is one).
    fn imm(&self, k: i64) -> Src {
        Src::K(i32::try_from(k).expect("a small offset"))
    }

    /// Where to compute `v`: its register, or the scratch register its
    /// spill slot is written from ([`Self::done`]).
    fn dst(&self, v: Value) -> PReg {
        match self.loc(v) {
            Loc::Reg(r) => r,
            _ if self.float(v) => A::FSCRATCH[0],
            _ => A::SCRATCH[0],
        }
    }

    fn done(&mut self, v: Value, r: PReg) {
        if let Loc::Spill(n) = self.loc(v) {
            if self.float(v) {
                self.a.fstore_spill(n, r);
            } else {
                self.a.store_spill(n, r);
            }
        }
    }

    fn stub(&mut self, x: ExitId) -> A::Label {
        if let Some(l) = self.stubs[x.0 as usize] {
            return l;
        }
        let l = self.a.new_label();
        self.stubs[x.0 as usize] = Some(l);
        l
    }

    fn test_branch(&mut self, t: &Test, l: A::Label) {
        match *t {
            Test::I(c, x, r) => {
                let x = self.gp(x, 0);
                let r = self.src(r, 1, false);
                self.a.branch(c, x, r, l);
            }
            Test::F(c, x, y) => {
                let (x, y) = (self.fp(x, 0), self.fp(y, 1));
                self.a.fbranch(c, x, y, l);
            }
        }
    }

    /// Writes exit `x`'s map to the frame.
    fn write_back(&mut self, x: ExitId) {
        let f = self.f;
        self.write_map(&f.exits[x.0 as usize].map);
    }

    /// Writes `(slot, value)` pairs of a map to the frame.
    fn write_map(&mut self, map: &[(u16, Value)]) {
        let f = self.f;
        for &(r, v) in map {
            if let Inst::Offset(y, k) = f.insts[v.0 as usize] {
                let y = self.gp(y, 0);
                self.a.alu(IOp::Add, A::SCRATCH[0], y, self.imm(k));
                self.a.store_slot(r, A::SCRATCH[0]);
                continue;
            }
            if let Inst::Flag(t) = f.insts[v.0 as usize] {
                match t {
                    Test::I(c, x, y) => {
                        let x = self.gp(x, 0);
                        let y = self.src(y, 1, false);
                        self.a.set(c, A::SCRATCH[0], x, y);
                    }
                    Test::F(c, x, y) => {
                        let (x, y) = (self.fp(x, 0), self.fp(y, 1));
                        self.a.fset(c, A::SCRATCH[0], x, y);
                    }
                }
                self.a.store_slot(r, A::SCRATCH[0]);
                continue;
            }
            match self.place(v) {
                Some(p) => self.store_place(r, p),
                None => unreachable!("exit map value {v} has no location"),
            }
        }
    }

    /// Slot `r` = what is at `p`.
    fn store_place(&mut self, r: u16, p: Place) {
        match p {
            Place::G(g) => self.a.store_slot(r, g),
            Place::F(x) => self.a.fstore_slot(r, x),
            Place::S(n) => {
                self.a.load_spill(A::SCRATCH[0], n);
                self.a.store_slot(r, A::SCRATCH[0]);
            }
        }
    }

    /// A vector loop's block (see `crate::vector`): each float instruction
    /// on vectors, or, when a float value has no register, the block's
    /// float instructions once for each lane in turn (element by element).
    fn vector_block(&mut self, b: Block) {
        let f = self.f;
        let bd = &f.blocks[b.0 as usize];
        let lanes = bd.lanes as usize;
        let float = |v: Value| f.class[v.0 as usize] == Class::F64;
        let vector = |v: Value| match f.insts[v.0 as usize] {
            Inst::Store(_, _, _, x) => float(x),
            _ => float(v),
        };
        let in_regs = bd.insts.iter().filter(|&&v| vector(v)).all(|&v| {
            let i = &f.insts[v.0 as usize];
            // (A broadcast reads a scalar, which may come from memory.)
            let splat = matches!(i, Inst::Un(UnOp::Splat, _));
            let in_reg = |x: Value| matches!(self.loc(x), Loc::Reg(_)) || self.loc(x) == Loc::Dead;
            i.args()
                .into_iter()
                .filter(|&a| float(a) && !splat)
                .all(in_reg)
                && (!i.has_result() || in_reg(v))
        });
        if in_regs && lanes == self.a.lanes() {
            for &v in &bd.insts {
                if !vector(v) {
                    self.inst(v);
                    continue;
                }
                if f.insts[v.0 as usize].has_result() && self.loc(v) == Loc::Dead {
                    continue;
                }
                match f.insts[v.0 as usize] {
                    Inst::Load(_, a, off) => {
                        let base = self.gp(a, 0);
                        let d = self.dst(v);
                        self.a.vload(d, base, off);
                    }
                    Inst::Store(_, a, off, x) => {
                        let base = self.gp(a, 0);
                        let s = self.fp(x, 0);
                        self.a.vstore(base, off, s);
                    }
                    Inst::FBin(op, x, y) => {
                        let (x, y) = (self.fp(x, 0), self.fp(y, 1));
                        let d = self.dst(v);
                        self.a.vfalu(op, d, x, y);
                    }
                    Inst::Un(UnOp::Splat, x) => {
                        let x = self.fp(x, 0);
                        let d = self.dst(v);
                        self.a.splat(d, x);
                    }
                    Inst::Un(op, x) => {
                        let x = self.fp(x, 0);
                        let d = self.dst(v);
                        self.a.vfun(op, d, x);
                    }
                    _ => unreachable!("a vector loop computes on floats only"),
                }
            }
            return;
        }
        for lane in 0..lanes as i32 {
            for &v in bd.insts.iter().filter(|&&v| vector(v)) {
                self.inst_at(v, 8 * lane);
            }
        }
        for &v in bd.insts.iter().filter(|&&v| !vector(v)) {
            self.inst(v);
        }
    }

    /// Instruction `v`, an element's load or store `extra` bytes further.
    fn inst_at(&mut self, v: Value, extra: i32) {
        match self.f.insts[v.0 as usize] {
            Inst::Load(w, addr, off) => {
                if self.loc(v) == Loc::Dead {
                    return;
                }
                let base = self.gp(addr, 0);
                let d = self.dst(v);
                if self.float(v) && w == Width::W64 {
                    self.a.fload(d, base, off + extra);
                } else {
                    self.a.load(w, d, base, off + extra);
                }
                self.done(v, d);
            }
            Inst::Store(w, addr, off, x) => {
                let base = self.gp(addr, 0);
                if self.float(x) && w == Width::W64 {
                    let x = self.fp(x, 0);
                    self.a.fstore(base, off + extra, x);
                } else {
                    let x = self.gp(x, 1);
                    self.a.store(w, base, off + extra, x);
                }
            }
            _ => self.inst(v),
        }
    }

    fn inst(&mut self, v: Value) {
        let f = self.f;
        let i = &f.insts[v.0 as usize];
        if i.has_result() && self.loc(v) == Loc::Dead && !matches!(i, Inst::Print { .. }) {
            // Every instruction with a result is pure but a print (whose
            // result is its status).
            return;
        }
        match self.fuse[v.0 as usize] {
            Fuse::Alone => {}
            Fuse::Skip => return,
            Fuse::Index(i, n, x) => return self.index(v, i, n, x),
        }
        match *i {
            Inst::Param => {}
            Inst::LoadSlot(r) => {
                let d = self.dst(v);
                if self.float(v) {
                    self.a.fload_slot(d, r);
                } else {
                    self.a.load_slot(d, r);
                }
                self.done(v, d);
            }
            Inst::Const(bits) => {
                let d = self.dst(v);
                if self.float(v) {
                    self.a.movi(A::SCRATCH[0], bits as i64);
                    self.a.bits_to_f(d, A::SCRATCH[0]);
                } else {
                    self.a.movi(d, bits as i64);
                }
                self.done(v, d);
            }
            Inst::Bin(op, x, r) => {
                let reg = matches!(
                    op,
                    IOp::FloorDiv | IOp::Mod | IOp::UDiv | IOp::MulHi | IOp::Min | IOp::Max
                );
                let x = self.gp(x, 0);
                let b = self.src(r, 1, reg);
                let d = self.dst(v);
                self.a.alu(op, d, x, b);
                self.done(v, d);
            }
            Inst::FBin(op, x, y) => {
                let (x, y) = (self.fp(x, 0), self.fp(y, 1));
                let d = self.dst(v);
                self.a.falu(op, d, x, y);
                self.done(v, d);
            }
            Inst::Un(op, x) => {
                let d = self.dst(v);
                match op {
                    UnOp::Neg | UnOp::Not | UnOp::Abs => {
                        let x = self.gp(x, 0);
                        self.a.un(op, d, x);
                    }
                    UnOp::FNeg | UnOp::FAbs | UnOp::FSqrt | UnOp::F32 => {
                        let x = self.fp(x, 0);
                        self.a.fun(op, d, x);
                    }
                    UnOp::Splat => {
                        let x = self.fp(x, 0);
                        self.a.splat(d, x);
                    }
                    UnOp::FToI => {
                        let x = self.fp(x, 0);
                        self.a.ftoi(d, x);
                    }
                    UnOp::IToF => {
                        let x = self.gp(x, 0);
                        self.a.itof(d, x);
                    }
                    UnOp::FBits => {
                        let x = self.fp(x, 0);
                        self.a.bits_to_i(d, x);
                    }
                    UnOp::IBits => {
                        let x = self.gp(x, 0);
                        self.a.bits_to_f(d, x);
                    }
                }
                self.done(v, d);
            }
            Inst::Set(t) => {
                let d = self.dst(v);
                match t {
                    Test::I(c, x, r) => {
                        let x = self.gp(x, 0);
                        let r = self.src(r, 1, false);
                        self.a.set(c, d, x, r);
                    }
                    Test::F(c, x, y) => {
                        let (x, y) = (self.fp(x, 0), self.fp(y, 1));
                        self.a.fset(c, d, x, y);
                    }
                }
                self.done(v, d);
            }
            Inst::Select(t, x, y) => self.select(v, t, x, y),
            Inst::Field(a, off) => {
                let base = self.gp(a, 0);
                let d = self.dst(v);
                self.a.load(Width::W64, d, base, off);
                self.done(v, d);
            }
            Inst::Load(w, addr, off) => {
                let base = self.gp(addr, 0);
                let d = self.dst(v);
                if self.float(v) && w == Width::W64 {
                    self.a.fload(d, base, off);
                } else {
                    self.a.load(w, d, base, off);
                }
                self.done(v, d);
            }
            Inst::Store(w, addr, off, x) => {
                let base = self.gp(addr, 0);
                if self.float(x) && w == Width::W64 {
                    let x = self.fp(x, 0);
                    self.a.fstore(base, off, x);
                } else {
                    let x = self.gp(x, 1);
                    self.a.store(w, base, off, x);
                }
            }
            Inst::CallC(c, ref args) => {
                let addr = match c {
                    CFn::Retain => RUNTIME.retain as usize,
                    CFn::Release => RUNTIME.release as usize,
                    CFn::Math1(k) => RUNTIME.math1[k as usize] as usize,
                    CFn::Atan2 => RUNTIME.atan2 as usize,
                    CFn::PowI => scalar::pow_i64 as *const () as usize,
                    CFn::PowF => scalar::pow_f64 as *const () as usize,
                    CFn::RoundN => scalar::round_f64 as *const () as usize,
                    CFn::FloorDivF => scalar::floordiv_f64(),
                    CFn::ModF => scalar::mod_f64(),
                    CFn::GetElem => scalar::get_elem as *const () as usize,
                    CFn::SetElemI => scalar::set_elem_i as *const () as usize,
                    CFn::SetElemF => scalar::set_elem_f as *const () as usize,
                };
                let (mut g, mut fl) = (
                    smallvec::SmallVec::<[PReg; 4]>::new(),
                    smallvec::SmallVec::<[PReg; 4]>::new(),
                );
                for &x in args {
                    if self.float(x) {
                        let k = fl.len();
                        fl.push(self.fp(x, k));
                    } else {
                        let k = g.len();
                        g.push(self.gp(x, k));
                    }
                }
                self.a.call(addr, &g, &fl);
                if i.has_result() {
                    let d = self.dst(v);
                    if self.float(v) {
                        self.a.fmov(d, A::FRET);
                    } else {
                        self.a.mov(d, A::RET);
                    }
                    self.done(v, d);
                }
            }
            Inst::Guard(ref t, x) => {
                let l = self.stub(x);
                self.test_branch(t, l);
            }
            Inst::Fuel(x) => {
                let l = self.stub(x);
                self.a.fuel(l);
            }
            Inst::FuelLeft => {
                let d = self.dst(v);
                self.a.fuel_left(d);
                self.done(v, d);
            }
            Inst::Spend(n) => {
                let n = self.src(n, 0, false);
                self.a.spend(n);
            }
            Inst::Rt { a, d, exit } => {
                self.write_back(exit);
                let window = self.rtops[d as usize].window();
                self.a
                    .call_rt(RUNTIME.rt_exec as usize, d as usize, a, window);
                let l = self.a.new_label();
                self.raises.push((l, f.exits[exit.0 as usize].pc));
                self.a.branch(Cond::Ne, A::RET, Src::K(0), l);
            }
            Inst::Print { k, x } => {
                let x = self.gp(x, 0);
                self.a.call_cx(RUNTIME.print as usize, k as u64, Word::R(x));
                if self.loc(v) != Loc::Dead {
                    let d = self.dst(v);
                    self.a.mov(d, A::RET);
                    self.done(v, d);
                }
            }
            Inst::PrintK(s) => self
                .a
                .call_cx(RUNTIME.print_k as usize, s as u64, Word::None),
            Inst::Fmt { a, d, exit } => {
                self.write_back(exit);
                self.a
                    .call_cx(RUNTIME.fmt as usize, d as u64, Word::Slot(a));
                let l = self.a.new_label();
                self.raises.push((l, f.exits[exit.0 as usize].pc));
                self.a.branch(Cond::Ne, A::RET, Src::K(0), l);
            }
            Inst::Offset(..) | Inst::Flag(_) => unreachable!("an offset or a flag is in no block"),
        }
    }

    /// At the call entry, with `k` the most frames an exit inside inlined
    /// calls makes: when the entry's level budget has no room for them
    /// (`sp - LEVEL * (k - 1) < Cx::floor`), leaves at instruction 0, where
    /// the interpreter runs the call it finds made (the call's level
    /// becomes its caller's frame record), with the arguments `args` in
    /// registers written to their slots first. The interpreter's own
    /// entries check the same (`vm::tiering::Native::inlined`).
    fn room(&mut self, k: usize, args: &[(u16, Place)]) {
        if k == 0 {
            return;
        }
        let l = self.a.new_label();
        self.outs.push(Out {
            at: l,
            stores: args.to_vec(),
            pc: 0,
        });
        if k == 1 {
            self.a.branch_sp(Cond::Below, CX_FLOOR, l);
        } else {
            let (t, u) = (A::SCRATCH[0], A::SCRATCH[1]);
            self.a.sp(t);
            self.a.alu(IOp::Sub, t, t, Src::K(LEVEL * (k as i32 - 1)));
            self.a.load_cx(u, CX_FLOOR);
            self.a.branch(Cond::Below, t, Src::R(u), l);
        }
    }

    /// Makes the frames of the inlined calls exit `x` is inside real, as
    /// the calls would have made them: a level for each, which the exit
    /// makes a frame record (`crate::levels`), and each callee's constant
    /// registers. The map is already written; nothing else is live.
    fn frames(&mut self, x: ExitId) {
        let frames = &self.f.exits[x.0 as usize].frames;
        for fr in frames {
            self.a.push_level(fr.pc as u32);
        }
        // Each callee's constant registers, which its inlined code read as
        // constants and the interpreter reads from the frame (a call
        // would have filled them).
        let t = A::SCRATCH[0];
        for fr in frames {
            let callee = &self.protos[fr.f as usize];
            for (k, &bits) in callee.kvals.iter().enumerate() {
                self.a.movi(t, bits as i64);
                self.a.store_slot(fr.base + callee.kbase + k as u16, t);
            }
        }
    }

    /// Index `j` of an element access: `i`, or `i + n` when `i` is
    /// negative, with the bounds check against `n` that follows it (exit
    /// `x`). An index in `0..n` costs one unsigned compare; the wrap is
    /// out of line.
    fn index(&mut self, j: Value, i: Value, n: Value, x: ExitId) {
        let out = self.stub(x);
        let ri = self.gp(i, 0);
        let rn = self.gp(n, 1);
        let d = self.dst(j);
        if d != ri {
            self.a.mov(d, ri);
        }
        let (cold, back) = (self.a.new_label(), self.a.new_label());
        self.a.branch(Cond::AboveEq, ri, Src::R(rn), cold);
        self.a.bind(back);
        self.done(j, d);
        self.wraps.push(Wrap {
            cold,
            back,
            out,
            i: ri,
            n: rn,
            d,
        });
    }

    /// `v = t ? x : y`: a conditional move when everything is in
    /// registers, else a branch around moves.
    fn select(&mut self, v: Value, t: Test, x: Value, y: Value) {
        let regs = |s: &Self, w: Value| matches!(s.loc(w), Loc::Reg(_));
        // (A float is selected by the branch: no conditional move for it.)
        if let (Test::I(c, a, r), false) = (t, self.float(v)) {
            let in_regs = regs(self, v)
                && regs(self, a)
                && regs(self, x)
                && regs(self, y)
                && match r {
                    Rhs::V(b) => regs(self, b),
                    Rhs::K(k) => i32::try_from(k).is_ok(),
                };
            if in_regs {
                let a = self.gp(a, 0);
                let b = self.src(r, 1, false);
                let (tx, fy) = (self.gp(x, 0), self.gp(y, 0));
                let d = self.dst(v);
                self.a.select(c, d, a, b, tx, fy);
                return;
            }
        }
        let (yes, end) = (self.a.new_label(), self.a.new_label());
        self.test_branch(&t, yes);
        let to = self.place(v).expect("a live select");
        let from = self.place(y).expect("a live operand");
        self.mov(to, from);
        self.a.jump(end);
        self.a.bind(yes);
        let from = self.place(x).expect("a live operand");
        self.mov(to, from);
        self.a.bind(end);
    }

    fn mov(&mut self, to: Place, from: Place) {
        match (to, from) {
            _ if to == from => {}
            (Place::G(d), Place::G(s)) => self.a.mov(d, s),
            (Place::F(d), Place::F(s)) => self.a.fmov(d, s),
            (Place::G(d), Place::S(n)) => self.a.load_spill(d, n),
            (Place::F(d), Place::S(n)) => self.a.fload_spill(d, n),
            (Place::S(n), Place::G(s)) => self.a.store_spill(n, s),
            (Place::S(n), Place::F(s)) => self.a.fstore_spill(n, s),
            (Place::S(d), Place::S(s)) => {
                self.a.load_spill(A::SCRATCH[0], s);
                self.a.store_spill(d, A::SCRATCH[0]);
            }
            (Place::G(d), Place::F(s)) => self.a.bits_to_i(d, s),
            (Place::F(d), Place::G(s)) => self.a.bits_to_f(d, s),
        }
    }

    /// The moves of edge `e`'s arguments into its target's parameters.
    fn edge_moves(&self, e: &Edge) -> smallvec::SmallVec<[(Place, Place); 8]> {
        let params = &self.f.blocks[e.to.0 as usize].params;
        params
            .iter()
            .zip(&e.args)
            .filter_map(|(&p, &x)| {
                let to = self.place(p)?;
                let from = self.place(x).expect("an argument to a live parameter");
                (to != from).then_some((to, from))
            })
            .collect()
    }

    /// Does edge `e` move anything ([`Self::edge_moves`] not empty)?
    fn has_moves(&self, e: &Edge) -> bool {
        let params = &self.f.blocks[e.to.0 as usize].params;
        params
            .iter()
            .zip(&e.args)
            .any(|(&p, &x)| self.place(p).is_some_and(|to| self.place(x) != Some(to)))
    }

    /// Does them as one parallel move ([`Self::par_moves`]).
    fn moves(&mut self, e: &Edge) {
        let todo = self.edge_moves(e);
        self.par_moves(todo);
    }

    /// Does `(to, from)` moves as one parallel move: no destination is
    /// written while a pending move still reads it; a cycle goes through a
    /// scratch register (`SCRATCH[1]`, `FSCRATCH[1]`; spill-to-spill moves
    /// use `SCRATCH[0]`).
    fn par_moves(&mut self, mut todo: smallvec::SmallVec<[(Place, Place); 8]>) {
        todo.retain(|(to, from)| to != from);
        while !todo.is_empty() {
            let ready = (0..todo.len()).find(|&i| {
                let d = todo[i].0;
                !todo.iter().enumerate().any(|(j, m)| j != i && m.1 == d)
            });
            match ready {
                Some(i) => {
                    let (to, from) = todo.remove(i);
                    self.mov(to, from);
                }
                None => {
                    let from = todo[0].1;
                    let tmp = match from {
                        Place::F(_) => Place::F(A::FSCRATCH[1]),
                        _ => Place::G(A::SCRATCH[1]),
                    };
                    self.mov(tmp, from);
                    for m in todo.iter_mut() {
                        if m.1 == from {
                            m.1 = tmp;
                        }
                    }
                }
            }
        }
    }

    fn term(&mut self, t: &'a Term, next: Option<Block>) {
        match t {
            Term::Jump(e) => {
                self.moves(e);
                if Some(e.to) != next {
                    self.a.jump(self.labels[e.to.0 as usize]);
                }
            }
            Term::Branch(test, yes, no) => {
                let (my, mn) = (self.has_moves(yes), self.has_moves(no));
                match test {
                    // Falls through to the taken side: the negated test
                    // jumps to the other.
                    _ if Some(yes.to) == next => {
                        let l = if mn {
                            let l = self.a.new_label();
                            self.tramps.push((l, no));
                            l
                        } else {
                            self.labels[no.to.0 as usize]
                        };
                        match *test {
                            Test::I(c, x, r) => self.test_branch(&Test::I(c.negate(), x, r), l),
                            Test::F(c, x, y) => {
                                let (x, y) = (self.fp(x, 0), self.fp(y, 1));
                                self.a.fbranch_not(c, x, y, l);
                            }
                        }
                        self.moves(yes);
                    }
                    _ => {
                        let l = if my {
                            let l = self.a.new_label();
                            self.tramps.push((l, yes));
                            l
                        } else {
                            self.labels[yes.to.0 as usize]
                        };
                        self.test_branch(test, l);
                        self.moves(no);
                        if Some(no.to) != next {
                            self.a.jump(self.labels[no.to.0 as usize]);
                        }
                    }
                }
            }
            Term::Exit(x) => {
                let l = self.stub(*x);
                self.a.jump(l);
            }
            Term::Return { a, n, exit } => self.ret(*a, *n, *exit),
            Term::Call { a, f, exit, resume } => self.call(*a, *f, *exit, *resume, next),
        }
    }

    /// A script call, as the interpreter's `Call` does it: one unit of
    /// fuel, the callee's frame with its constant registers filled and
    /// its array locals cleared, then the machine's call of the callee's
    /// native code, with a level for the call in place of the caller's
    /// frame record (`crate::levels`). Whatever native code cannot do
    /// leaves the whole call to the interpreter before anything changes:
    /// a call past the entry's level budget (free frame records, stack
    /// room), a callee without native code, the run's last unit of fuel.
    /// The code after it reloads the frame from its resume entry.
    ///
    /// The arguments go in registers (`arg_regs`), to the callee's call
    /// entry ([`Self::call_entry_block`]): the frame gets the rest of the
    /// exit's map (the caller's own values, which its resume entry and
    /// any exit below read from there), and an argument in a register is
    /// written to its slot only when the interpreter makes the call.
    fn call(&mut self, a: u16, f: u16, exit: ExitId, resume: Block, next: Option<Block>) {
        let fx = self.f;
        let x = &fx.exits[exit.0 as usize];
        let pc = x.pc;
        let callee = &self.protos[f as usize];
        let itself = std::ptr::eq(callee, self.p);
        let regs = arg_regs::<A>(callee);
        let arg = |r: u16| r.checked_sub(a).filter(|&k| (k as usize) < regs.len());
        // Each argument's value (the map's last word on its slot), when
        // the frame does not hold it; one computed as it is written (an
        // offset, a flag) goes through the frame.
        let mut val: Vec<Option<Value>> = vec![None; regs.len()];
        for &(r, v) in &x.map {
            if let Some(k) = arg(r) {
                val[k as usize] = Some(v);
            }
        }
        for (k, v) in val.iter_mut().enumerate() {
            let derived = v.is_some_and(|v| {
                matches!(fx.insts[v.0 as usize], Inst::Offset(..) | Inst::Flag(_))
            });
            if regs[k].is_none() || derived {
                *v = None;
            }
        }
        let kept: Vec<(u16, Value)> = x
            .map
            .iter()
            .copied()
            .filter(|&(r, _)| arg(r).is_none_or(|k| val[k as usize].is_none()))
            .collect();
        self.write_map(&kept);
        let held: Vec<(u16, Place)> = (0..regs.len())
            .filter_map(|k| {
                let v = val[k]?;
                Some((a + k as u16, self.place(v).expect("a live argument")))
            })
            .collect();
        let leave = self.a.new_label();
        self.outs.push(Out {
            at: leave,
            stores: held.clone(),
            pc,
        });
        let (t, entry) = (A::SCRATCH[0], A::SCRATCH[1]);
        let at = f as i32 * PROTO_SIZE + PROTO_ENTRY;
        self.a.branch_sp(Cond::Below, CX_FLOOR, leave);
        if !itself {
            // The callee's code (the table may have moved since
            // compiling).
            self.a.load_cx(t, CX_PROTOS);
            self.a.load(Width::W64, entry, t, at);
            self.a.branch(Cond::Eq, entry, Src::K(0), leave);
        }
        self.a.fuel(leave);
        // The callee's frame starts at the argument block, set up as the
        // interpreter's `Call` does from the callee's tables (fixed once
        // compiled).
        self.a.move_base(a as i32);
        if !callee.plain {
            if !callee.zero_locals.is_empty() {
                self.a.movi(t, 0);
                for &r in &callee.zero_locals {
                    self.a.store_slot(r, t);
                }
            }
            for (k, &bits) in callee.kvals.iter().enumerate() {
                self.a.movi(t, bits as i64);
                self.a.store_slot(callee.kbase + k as u16, t);
            }
        }
        let todo = held
            .iter()
            .map(|&(r, from)| (regs[(r - a) as usize].expect("a register"), from))
            .collect();
        self.par_moves(todo);
        // The other arguments with a register are in the frame.
        for (k, reg) in regs.iter().enumerate() {
            match (reg, val[k]) {
                (Some(Place::G(d)), None) => self.a.load_slot(*d, k as u16),
                (Some(Place::F(d)), None) => self.a.fload_slot(*d, k as u16),
                _ => {}
            }
        }
        let to = if itself {
            Callee::Label(self.call_entry)
        } else {
            // (Loaded again: the refuel may have taken the scratch
            // registers.)
            self.a.load_cx(t, CX_PROTOS);
            self.a.load(Width::W64, entry, t, at);
            Callee::Reg(entry)
        };
        self.a.call_native(pc as u32, to);
        self.a.move_base(-(a as i32));
        if Some(resume) != next {
            self.a.jump(self.labels[resume.0 as usize]);
        }
    }

    /// The native-call entry: instruction 0's entry block `b` (followed
    /// in code by `next`) with the arguments in their registers
    /// (`arg_regs`) where it loads them from the frame, moved to where
    /// the allocation keeps them before the block's other work. With
    /// `inlined` the most frames an exit inside inlined calls makes: see
    /// [`Self::room`].
    fn call_entry_block(&mut self, b: Block, next: Option<Block>, inlined: usize) {
        let f = self.f;
        let bd = &f.blocks[b.0 as usize];
        let regs = arg_regs::<A>(self.p);
        self.a.bind(self.call_entry);
        self.a.call_entry();
        let args: Vec<(u16, Place)> = (regs.iter().enumerate())
            .filter_map(|(r, p)| Some((r as u16, (*p)?)))
            .collect();
        self.room(inlined, &args);
        let mut moved = vec![false; bd.insts.len()];
        let mut todo = smallvec::SmallVec::<[(Place, Place); 8]>::new();
        for (i, &v) in bd.insts.iter().enumerate() {
            if let Inst::LoadSlot(r) = f.insts[v.0 as usize] {
                if let (Some(&Some(from)), Some(to)) = (regs.get(r as usize), self.place(v)) {
                    todo.push((to, from));
                    moved[i] = true;
                }
            }
        }
        // Moved first, the arguments must keep their places through the
        // block's other work (they do when all its values live to its end,
        // as an entry block's do); else they go to the frame, and the
        // interpreter's way in loads them.
        let clash = bd.insts.iter().enumerate().any(|(i, &v)| {
            !moved[i] && self.place(v).is_some_and(|p| todo.iter().any(|m| m.0 == p))
        });
        if clash || bd.lanes > 0 {
            for &(r, p) in &args {
                self.store_place(r, p);
            }
            self.a.jump(self.labels[b.0 as usize]);
            return;
        }
        self.par_moves(todo);
        if bd.vend {
            self.a.vend();
        }
        for (i, &v) in bd.insts.iter().enumerate() {
            if !moved[i] {
                self.inst(v);
            }
        }
        let t = bd.term.as_ref().expect("every block ends");
        self.term(t, next);
    }

    /// `Ret`/`Ret1`: when the caller's native code made the call (on this
    /// entry), what the interpreter's return does (array locals released
    /// for `Ret`, results moved down) and the machine's return; else the
    /// frame is written back and the interpreter returns. Without array
    /// locals to release, only the results are written.
    fn ret(&mut self, a: u16, n: u16, exit: ExitId) {
        let pc = self.f.exits[exit.0 as usize].pc;
        let refs: &[u16] = match self.p.code[pc] {
            vm::bytecode::Op::Ret { .. } => &self.p.ref_locals,
            _ => &[],
        };
        let results: Vec<Option<Value>> = {
            let map = &self.f.exits[exit.0 as usize].map;
            (a..a + n)
                .map(|r| map.iter().rev().find(|&&(s, _)| s == r).map(|&(_, v)| v))
                .collect()
        };
        // The releases read the frame, and so do results computed only as
        // the map is written (an offset, a flag).
        let derived = results
            .iter()
            .flatten()
            .any(|v| matches!(self.f.insts[v.0 as usize], Inst::Offset(..) | Inst::Flag(_)));
        let framed = !refs.is_empty() || derived;
        let leave = if framed {
            self.write_back(exit);
            let l = self.a.new_label();
            self.bare.push((l, pc));
            l
        } else {
            self.stub(exit)
        };
        // No level on this entry: the interpreter made the call.
        self.a.branch_sp(Cond::Eq, CX_SP, leave);
        let t = A::SCRATCH[0];
        for &r in refs {
            self.a.load_slot(t, r);
            self.a.movi(A::SCRATCH[1], 0);
            self.a.store_slot(r, A::SCRATCH[1]);
            self.a.call(RUNTIME.release as usize, &[t], &[]);
        }
        // Upward, in order: a >= 0, so no value is overwritten before it
        // moves.
        for (k, v) in results.iter().enumerate() {
            let k = k as u16;
            match v.and_then(|v| self.place(v)) {
                _ if framed => {
                    self.a.load_slot(t, a + k);
                    self.a.store_slot(k, t);
                }
                Some(Place::G(r)) => self.a.store_slot(k, r),
                Some(Place::F(x)) => self.a.fstore_slot(k, x),
                Some(Place::S(s)) => {
                    self.a.load_spill(t, s);
                    self.a.store_slot(k, t);
                }
                None if k == a + k => {}
                None => {
                    self.a.load_slot(t, a + k);
                    self.a.store_slot(k, t);
                }
            }
        }
        self.a.ret_native();
    }
}

#[cfg(test)]
mod tests {
    use super::{fuse, Fuse};
    use crate::ir::{self, Inst};

    /// How `fuse` emits the element indices of function `name` in `src`.
    fn indices(src: &str, name: &str) -> Vec<Fuse> {
        let m = ir::tests::module(src);
        let p = m.protos.iter().find(|p| p.name == name).unwrap();
        let mut f = ir::build(p, &m.protos, &m.rtops).expect("IR");
        let regs = crate::regalloc::Regs {
            gpr: &[1, 2, 6, 7, 8, 9],
            gpr_saved: &[5, 14, 15],
            fpr: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        };
        crate::opt::optimize(&mut f, &regs, 0);
        let al = crate::regalloc::allocate(&f, &regs);
        let fu = fuse(&f, &al);
        al.order
            .iter()
            .flat_map(|b| f.blocks[b.0 as usize].insts.iter())
            .filter(|v| matches!(f.insts[v.0 as usize], Inst::Select(..)))
            .map(|v| fu[v.0 as usize])
            .collect()
    }

    #[test]
    fn an_index_and_its_check_are_emitted_together() {
        // A partition's scan, whose loop is not versioned: each access's
        // wrap and check are one compare.
        let ix = indices(
            "import numpy as np\n\
             def s(a, i, j, x):\n    while i < j:\n        while a[i] < x:\n            i += 1\n        a[i] = a[j]\n        j -= 1\n    return i\n\
             s(np.zeros(3), 0, 2, 1.0)\n",
            "s",
        );
        assert!(ix.iter().any(|u| matches!(u, Fuse::Index(..))), "{ix:?}");
        // The wrapped index of a select that is no element index is left
        // alone.
        let ix = indices(
            "def g(i, n):\n    return i + n if i < 0 else i\ng(1, 2)\n",
            "g",
        );
        assert!(ix.iter().all(|u| *u == Fuse::Alone), "{ix:?}");
    }
}
