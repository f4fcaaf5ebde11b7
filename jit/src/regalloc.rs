//! Register allocation over a whole function in the low IR: liveness on
//! the SSA values (block parameters included), one live interval per value
//! over a linear order of the blocks, and linear scan (Poletto and Sarkar)
//! per register class. A value that lives across a call of C code takes a
//! register the call preserves, or a spill slot; a value the scan cannot
//! place lives in a spill slot all its life (the backend reaches it through
//! its scratch registers). Loop-carried values are block parameters of the
//! loop header and so get registers like any other value.
//!
//! The backend says which registers there are ([`Regs`]); nothing here
//! knows an architecture.

use crate::ir::{Block, Class, Func, Inst, Term, Test, Value};

/// A machine register, numbered as its backend encodes it.
pub type PReg = u8;

/// The registers a backend gives the allocator (its scratch and pinned
/// registers are not among them).
#[derive(Clone, Debug)]
pub struct Regs {
    /// Integer registers a call clobbers, then those it preserves.
    pub gpr: &'static [PReg],
    pub gpr_saved: &'static [PReg],
    /// Float registers (every one is clobbered by a call).
    pub fpr: &'static [PReg],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    /// Not used anywhere.
    Dead,
    Reg(PReg),
    /// The n-th spill slot of the function's native frame.
    Spill(u32),
}

#[derive(Clone, Debug)]
pub struct Alloc {
    /// Where each value lives.
    pub loc: Vec<Loc>,
    pub spills: u32,
    /// The blocks in code order (reachable ones only).
    pub order: Vec<Block>,
    /// Each value's live interval `[start, end]` in positions of `order`.
    pub interval: Vec<Option<(u32, u32)>>,
}

/// Positions: a block's parameters are defined at its first position; an
/// instruction reads its operands at an even position and defines its
/// value at the next; the terminator reads at the block's last position.
/// (Vectors of [`Scratch`], kept from one function to the next.)
#[derive(Default)]
struct Numbering {
    order: Vec<Block>,
    start: Vec<u32>,
    end: Vec<u32>,
    /// Use position of each instruction (by value index).
    at: Vec<u32>,
    /// Positions of calls (C, runtime and script calls).
    calls: Vec<u32>,
    /// The innermost natural loop of each block (`Func::loops_of`).
    inner: Vec<Option<usize>>,
}

/// A value in a register during the scan.
#[derive(Clone, Copy)]
struct Active {
    end: u32,
    v: Value,
    reg: PReg,
    float: bool,
    cost: u64,
}

/// Everything `allocate` works in, kept per thread from one function to
/// the next: a function's allocation then makes no heap allocation once
/// the vectors have grown to the sizes functions need.
#[derive(Default)]
struct Scratch {
    n: Numbering,
    seen: Vec<bool>,
    stack: Vec<(Block, u8)>,
    dense: Vec<u32>,
    of_dense: Vec<Value>,
    param_of: Vec<u32>,
    gen: Sets,
    kill: Sets,
    live_in: Sets,
    live: Vec<u64>,
    cost: Vec<u64>,
    depth: Vec<u32>,
    spans: Vec<(usize, usize)>,
    heads: Vec<usize>,
    hint: Vec<Option<Value>>,
    slot_end: Vec<u32>,
    by_pos: Vec<u32>,
    by_start: Vec<Value>,
    active: Vec<Active>,
    lo: Vec<u32>,
    hi: Vec<u32>,
    /// The last allocation's vectors, back from [`recycle`].
    loc: Vec<Loc>,
    interval: Vec<Option<(u32, u32)>>,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Option<Box<Scratch>>> = const { std::cell::Cell::new(None) };
}

/// Hands an allocation's vectors back for the next one to reuse.
pub fn recycle(a: Alloc) {
    SCRATCH.with(|c| {
        if let Some(mut s) = c.take() {
            s.n.order = a.order;
            s.loc = a.loc;
            s.interval = a.interval;
            c.set(Some(s));
        }
    })
}

use crate::pool::refill as fill;

fn number(f: &Func, n: &mut Numbering, seen: &mut Vec<bool>, stack: &mut Vec<(Block, u8)>) {
    // Reverse postorder from the entries keeps a loop's blocks together;
    // a branch's successor that stays in the loop is visited last, so it
    // comes right after the branch and the way out is the jump.
    let nb = f.blocks.len();
    let inner = &mut n.inner;
    fill(inner, nb, None);
    for (l, lp) in f.loops.iter().enumerate() {
        for b in &lp.blocks {
            let cur = &mut inner[b.0 as usize];
            match *cur {
                Some(c) if f.loops[c].depth >= lp.depth => {}
                _ => *cur = Some(l),
            }
        }
    }
    fill(seen, nb, false);
    let post = &mut n.order;
    post.clear();
    stack.clear();
    for &(_, e) in &f.entries {
        if seen[e.0 as usize] {
            continue;
        }
        seen[e.0 as usize] = true;
        stack.push((e, 0));
        while let Some((b, i)) = stack.pop() {
            let mut succs = f.blocks[b.0 as usize]
                .term
                .as_ref()
                .map(|t| t.succs())
                .unwrap_or_default();
            if let (Some(l), 2) = (inner[b.0 as usize], succs.len()) {
                // (The sort by "stays in the loop", stable.)
                if inner[succs[0].0 as usize] == Some(l) && inner[succs[1].0 as usize] != Some(l) {
                    succs.swap(0, 1);
                }
            }
            if (i as usize) < succs.len() {
                stack.push((b, i + 1));
                let s = succs[i as usize];
                if !seen[s.0 as usize] {
                    seen[s.0 as usize] = true;
                    stack.push((s, 0));
                }
            } else {
                post.push(b);
            }
        }
    }
    post.reverse();
    fill(&mut n.start, nb, 0);
    fill(&mut n.end, nb, 0);
    fill(&mut n.at, f.insts.len(), 0);
    n.calls.clear();
    let mut pos = 0u32;
    for &b in &n.order {
        let bd = &f.blocks[b.0 as usize];
        n.start[b.0 as usize] = pos;
        pos += 2;
        for &v in &bd.insts {
            n.at[v.0 as usize] = pos;
            if f.insts[v.0 as usize].calls() {
                n.calls.push(pos);
            }
            pos += 2;
        }
        n.end[b.0 as usize] = pos;
        pos += 2;
    }
}

/// Calls `u` with what an instruction reads, exits' write-backs included.
fn inst_uses(f: &Func, i: &Inst, mut u: impl FnMut(Value)) {
    i.args().into_iter().for_each(&mut u);
    if let Some(x) = i.exit() {
        f.each_exit_read(x, u);
    }
}

fn term_uses(f: &Func, t: &Term, mut u: impl FnMut(Value)) {
    match t {
        Term::Jump(e) => e.args.iter().copied().for_each(u),
        Term::Branch(test, a, b) => {
            match test {
                Test::I(_, x, crate::ir::Rhs::V(y)) | Test::F(_, x, y) => {
                    u(*x);
                    u(*y)
                }
                Test::I(_, x, _) => u(*x),
            }
            a.args.iter().chain(&b.args).copied().for_each(u);
        }
        Term::Exit(x) | Term::Return { exit: x, .. } | Term::Call { exit: x, .. } => {
            f.each_exit_read(*x, u)
        }
    }
}

/// One set of values per block, by the values' dense numbers (see
/// [`allocate`]), `words` words each in one flat array: no allocation per
/// block.
#[derive(Default)]
struct Sets {
    words: usize,
    bits: Vec<u64>,
}

impl Sets {
    fn reset(&mut self, n: usize, words: usize) {
        self.words = words;
        fill(&mut self.bits, n * words, 0);
    }
    fn row(&self, b: usize) -> &[u64] {
        &self.bits[b * self.words..(b + 1) * self.words]
    }
    fn row_mut(&mut self, b: usize) -> &mut [u64] {
        &mut self.bits[b * self.words..(b + 1) * self.words]
    }
}

/// (`u32::MAX`, a value defined nowhere the blocks are laid out, is never
/// a member.)
fn set(row: &mut [u64], i: u32) {
    if let Some(w) = row.get_mut(i as usize / 64) {
        *w |= 1 << (i % 64);
    }
}

fn clear(row: &mut [u64], i: u32) {
    if let Some(w) = row.get_mut(i as usize / 64) {
        *w &= !(1 << (i % 64));
    }
}

/// Calls `f` with every member of `row`.
fn each(row: &[u64], mut f: impl FnMut(u32)) {
    for (w, &bits) in row.iter().enumerate() {
        let mut b = bits;
        while b != 0 {
            f(w as u32 * 64 + b.trailing_zeros());
            b &= b - 1;
        }
    }
}

/// What keeping each value in a spill slot would cost: a load or store for
/// its definition and for every use that needs it in a register, weighted
/// by the loop depth where it happens. A read by an exit's write-back map
/// costs nothing (the exit stores it to the frame from the spill slot as
/// well as from a register), so a value live in a loop only for its exits
/// is the first to spill.
fn spill_costs(f: &Func, n: &Numbering, depth: &[u32], cost: &mut Vec<u64>) {
    fill(cost, f.insts.len(), 0);
    for &b in &n.order {
        let w = 8u64.saturating_pow(depth[b.0 as usize].min(20));
        let bd = &f.blocks[b.0 as usize];
        for &p in &bd.params {
            cost[p.0 as usize] += w;
        }
        for &v in &bd.insts {
            let i = &f.insts[v.0 as usize];
            if i.has_result() {
                cost[v.0 as usize] += w;
            }
            for u in i.args() {
                cost[u.0 as usize] += w;
            }
        }
        if let Some(t) = &bd.term {
            if let Term::Branch(test, ..) = t {
                match test {
                    Test::I(_, x, crate::ir::Rhs::V(y)) | Test::F(_, x, y) => {
                        cost[x.0 as usize] += w;
                        cost[y.0 as usize] += w;
                    }
                    Test::I(_, x, _) => cost[x.0 as usize] += w,
                }
            }
            // An edge out of a loop runs once per loop, not per
            // iteration.
            for e in t.edges() {
                let d = depth[b.0 as usize].min(depth[e.to.0 as usize]);
                let w = 8u64.saturating_pow(d.min(20));
                for &a in &e.args {
                    cost[a.0 as usize] += w;
                }
            }
        }
    }
}

/// How deeply each block is nested in the bytecode's loops, natural or
/// not: an outer loop entered from the side at its inner loop's head is
/// no natural loop, but its body still runs once per iteration. A loop is
/// the instructions from its head to its back edge (a block that counts
/// fuel and jumps back); a block outside every natural loop that starts
/// at a natural loop's head (its preheader, its entry, the test that
/// picks one of its versions) runs outside that loop. A cold block counts
/// as outside every loop. An inlined callee's blocks carry the callee's
/// instructions, whose positions say nothing of the caller's loops: a
/// block is at least as deep as the natural loops around it.
fn loop_depths(
    f: &Func,
    inner: &[Option<usize>],
    spans: &mut Vec<(usize, usize)>,
    heads: &mut Vec<usize>,
    depth: &mut Vec<u32>,
) {
    spans.clear();
    for bd in &f.blocks {
        let Some(Term::Jump(e)) = &bd.term else {
            continue;
        };
        let fuel = bd
            .insts
            .iter()
            .any(|v| matches!(f.insts[v.0 as usize], Inst::Fuel(_)));
        let head = f.blocks[e.to.0 as usize].pc;
        if fuel && head <= bd.pc && !spans.contains(&(head, bd.pc)) {
            spans.push((head, bd.pc));
        }
    }
    heads.clear();
    heads.extend(f.loops.iter().map(|l| f.blocks[l.header.0 as usize].pc));
    depth.clear();
    depth.extend((0..f.blocks.len()).map(|b| {
        if f.blocks[b].cold {
            return 0;
        }
        let (pc, outside) = match inner[b] {
            Some(l) => (f.blocks[f.loops[l].header.0 as usize].pc, false),
            None => (f.blocks[b].pc, heads.contains(&f.blocks[b].pc)),
        };
        let natural = inner[b].map_or(0, |l| f.loops[l].depth);
        let by_pc = spans
            .iter()
            .filter(|&&(h, t)| h <= pc && pc <= t && !(outside && h == pc))
            .count() as u32;
        by_pc.max(natural)
    }));
}

/// Allocates registers for `f` from `regs`.
pub fn allocate(f: &Func, regs: &Regs) -> Alloc {
    allocate_with(f, regs, &[])
}

/// As [`allocate`], with registers some values would best live in
/// (`prefer`: where a native call passes an argument), taken when free.
pub fn allocate_with(f: &Func, regs: &Regs, prefer: &[(Value, PReg)]) -> Alloc {
    let mut s = SCRATCH.with(|c| c.take()).unwrap_or_default();
    let a = allocate_in(f, regs, prefer, &mut s);
    SCRATCH.with(|c| c.set(Some(s)));
    a
}

fn allocate_in(f: &Func, regs: &Regs, prefer: &[(Value, PReg)], s: &mut Scratch) -> Alloc {
    let Scratch {
        n,
        seen,
        stack,
        dense,
        of_dense,
        param_of,
        gen,
        kill,
        live_in,
        live,
        cost,
        depth,
        spans,
        heads,
        hint,
        slot_end,
        by_pos,
        by_start,
        active,
        lo,
        hi,
        loc,
        interval,
    } = s;
    number(f, n, seen, stack);
    let nv = f.insts.len();
    let nb = f.blocks.len();
    // Liveness is over the values defined in the blocks laid out (the
    // optimisations leave many behind), numbered densely.
    const NONE: u32 = u32::MAX;
    fill(dense, nv, NONE);
    // The value of each dense number, and the block it is a parameter of
    // (`NONE`: an instruction's).
    of_dense.clear();
    param_of.clear();
    for &b in &n.order {
        let bd = &f.blocks[b.0 as usize];
        for &p in &bd.params {
            dense[p.0 as usize] = of_dense.len() as u32;
            of_dense.push(p);
            param_of.push(b.0);
        }
        for &v in &bd.insts {
            dense[v.0 as usize] = of_dense.len() as u32;
            of_dense.push(v);
            param_of.push(NONE);
        }
    }
    let ndense = of_dense.len() as u32;
    let words = (ndense as usize).div_ceil(64);
    // Block-level liveness: what each block reads before it defines it
    // (`gen`) and what it defines (`kill`, its parameters included), then
    // `live_in = gen | (live_out & !kill)` backward to a fixpoint.
    gen.reset(nb, words);
    kill.reset(nb, words);
    for &b in &n.order {
        let bd = &f.blocks[b.0 as usize];
        let (g, k) = (gen.row_mut(b.0 as usize), kill.row_mut(b.0 as usize));
        if let Some(t) = &bd.term {
            term_uses(f, t, |v| set(g, dense[v.0 as usize]));
        }
        for &v in bd.insts.iter().rev() {
            clear(g, dense[v.0 as usize]);
            set(k, dense[v.0 as usize]);
            inst_uses(f, &f.insts[v.0 as usize], |u| set(g, dense[u.0 as usize]));
        }
        for &p in &bd.params {
            clear(g, dense[p.0 as usize]);
            set(k, dense[p.0 as usize]);
        }
    }
    live_in.reset(nb, words);
    fill(live, words, 0);
    let mut changed = true;
    while changed {
        changed = false;
        for &b in n.order.iter().rev() {
            let bi = b.0 as usize;
            live.iter_mut().for_each(|w| *w = 0);
            if let Some(t) = &f.blocks[bi].term {
                for s in t.succs() {
                    for (w, x) in live.iter_mut().zip(live_in.row(s.0 as usize)) {
                        *w |= x;
                    }
                }
            }
            let mut same = true;
            let (g, k) = (gen.row(bi), kill.row(bi));
            let row = &mut live_in.bits[bi * words..(bi + 1) * words];
            for (((r, w), g), k) in row.iter_mut().zip(live.iter()).zip(g).zip(k) {
                let x = g | (w & !k);
                same &= *r == x;
                *r = x;
            }
            changed |= !same;
        }
    }
    // Intervals: from a value's definition (or a block start where it is
    // live in) to its last use (or the end of a block it is live out of).
    // (Each value's first and last position: `u32::MAX` and 0 while it
    // has none.)
    fill(lo, nv, u32::MAX);
    fill(hi, nv, 0);
    let mut extend = |v: Value, p: u32| {
        let (l, h) = (&mut lo[v.0 as usize], &mut hi[v.0 as usize]);
        *l = (*l).min(p);
        *h = (*h).max(p);
    };
    for &b in &n.order {
        let bd = &f.blocks[b.0 as usize];
        let (start, end) = (n.start[b.0 as usize], n.end[b.0 as usize]);
        each(live_in.row(b.0 as usize), |d| {
            extend(of_dense[d as usize], start)
        });
        if let Some(t) = &bd.term {
            for s in t.succs() {
                each(live_in.row(s.0 as usize), |d| {
                    if param_of[d as usize] != s.0 {
                        extend(of_dense[d as usize], end);
                    }
                });
            }
            term_uses(f, t, |v| extend(v, end));
        }
        for &p in &bd.params {
            extend(p, start);
        }
        for &v in &bd.insts {
            let at = n.at[v.0 as usize];
            inst_uses(f, &f.insts[v.0 as usize], |u| extend(u, at));
            if f.insts[v.0 as usize].has_result() {
                extend(v, at + 1);
            }
        }
    }
    let iv = interval;
    iv.clear();
    iv.extend(
        lo.iter()
            .zip(hi.iter())
            .map(|(&l, &h)| (l != u32::MAX).then_some((l, h))),
    );
    loop_depths(f, &n.inner, spans, heads, depth);
    spill_costs(f, n, depth, cost);
    // The register each value would best share: the parameter an edge
    // passes it to (or the argument a parameter receives), so the edge
    // needs no move; else the first operand of an arithmetic instruction,
    // which a two-address machine overwrites.
    fill(hint, nv, None);
    for &b in &n.order {
        let bd = &f.blocks[b.0 as usize];
        for &v in &bd.insts {
            if let Inst::Bin(_, a, _) | Inst::FBin(_, a, _) | Inst::Un(_, a) = f.insts[v.0 as usize]
            {
                hint[v.0 as usize] = Some(a);
            }
        }
    }
    for &b in &n.order {
        let bd = &f.blocks[b.0 as usize];
        for e in bd.term.iter().flat_map(|t| t.edges()) {
            for (&x, &p) in e.args.iter().zip(&f.blocks[e.to.0 as usize].params) {
                hint[x.0 as usize] = Some(p);
                hint[p.0 as usize].get_or_insert(x);
            }
        }
    }
    // Linear scan, per class, in order of interval start.
    fill(loc, nv, Loc::Dead);
    // Each spill slot's last occupant's end: a value spilled for its whole
    // interval takes a slot whose occupant ended before it started.
    slot_end.clear();
    let mut slot_for = |start: u32, end: u32| -> u32 {
        let n = match slot_end.iter().position(|&e| e < start) {
            Some(n) => n,
            None => {
                slot_end.push(0);
                slot_end.len() - 1
            }
        };
        slot_end[n] = end;
        n as u32
    };
    // By interval start, values of one start in value order: a counting
    // sort, as starts are positions.
    let last = iv
        .iter()
        .flatten()
        .map(|&(s, _)| s as usize)
        .max()
        .unwrap_or(0);
    let at = by_pos;
    fill(at, last + 2, 0);
    for &(s, _) in iv.iter().flatten() {
        at[s as usize + 1] += 1;
    }
    for p in 0..=last {
        at[p + 1] += at[p];
    }
    fill(by_start, at[last + 1] as usize, Value(0));
    for (v, e) in iv.iter().enumerate() {
        if let Some((s, _)) = e {
            by_start[at[*s as usize] as usize] = Value(v as u32);
            at[*s as usize] += 1;
        }
    }
    // (Calls are in position order: the first after the start decides.)
    let crosses = |v: Value| {
        let (s, e) = iv[v.0 as usize].unwrap();
        let k = n.calls.partition_point(|&c| c <= s);
        n.calls.get(k).is_some_and(|&c| e > c + 1)
    };
    let mut gprs = [0 as PReg; 32];
    let ngpr = regs.gpr.len() + regs.gpr_saved.len();
    for (d, &r) in gprs.iter_mut().zip(regs.gpr.iter().chain(regs.gpr_saved)) {
        *d = r;
    }
    let all_gpr = &gprs[..ngpr.min(32)];
    let mask = |pool: &[PReg]| pool.iter().fold(0u64, |m, &r| m | 1 << r);
    let masks = [mask(regs.fpr), mask(all_gpr), mask(regs.gpr_saved)];
    // Active values: their end, value, register, class (1: float) and
    // spill cost; the registers they hold, integer and float, as bit
    // masks; the earliest end among them (nothing expires before it).
    active.clear();
    let mut busy = [0u64; 2];
    let mut soonest = u32::MAX;
    for &v in by_start.iter() {
        let (start, end) = iv[v.0 as usize].unwrap();
        if soonest < start {
            soonest = u32::MAX;
            active.retain(|a| {
                if a.end < start {
                    busy[a.float as usize] &= !(1 << a.reg);
                    return false;
                }
                soonest = soonest.min(a.end);
                true
            });
        }
        let float = f.class[v.0 as usize] == Class::F64;
        let (pool, in_pool): (&[PReg], u64) = match (float, crosses(v)) {
            (true, false) => (regs.fpr, masks[0]),
            (true, true) => (&[], 0),
            (false, false) => (all_gpr, masks[1]),
            (false, true) => (regs.gpr_saved, masks[2]),
        };
        let cls = float as usize;
        let free = in_pool & !busy[cls];
        let fixed = prefer
            .iter()
            .find(|&&(x, r)| x == v && free >> r & 1 != 0)
            .map(|&(_, r)| r);
        let hinted = fixed.or_else(|| {
            hint[v.0 as usize].and_then(|h| match loc[h.0 as usize] {
                Loc::Reg(r) if free >> r & 1 != 0 => Some(r),
                _ => None,
            })
        });
        let cv = cost[v.0 as usize];
        let first_free = || {
            (free != 0)
                .then(|| pool.iter().copied().find(|&r| free >> r & 1 != 0))
                .flatten()
        };
        if let Some(r) = hinted.or_else(first_free) {
            loc[v.0 as usize] = Loc::Reg(r);
            active.push(Active {
                end,
                v,
                reg: r,
                float,
                cost: cv,
            });
            soonest = soonest.min(end);
            busy[cls] |= 1 << r;
            continue;
        }
        // Spill the cheapest: this value, or an active one of its class
        // whose register it may take (the one that ends last among equals;
        // the first of those).
        let mut victim: Option<usize> = None;
        for (i, a) in active.iter().enumerate() {
            if a.float != float || in_pool >> a.reg & 1 == 0 {
                continue;
            }
            let better = match victim {
                None => true,
                Some(j) => {
                    let b = &active[j];
                    (a.cost, std::cmp::Reverse(a.end)) < (b.cost, std::cmp::Reverse(b.end))
                }
            };
            if better {
                victim = Some(i);
            }
        }
        match victim.map(|i| (i, active[i])) {
            Some((i, a)) if (a.cost, std::cmp::Reverse(a.end)) < (cv, std::cmp::Reverse(end)) => {
                let (sa, ea) = iv[a.v.0 as usize].unwrap();
                loc[a.v.0 as usize] = Loc::Spill(slot_for(sa, ea));
                active.swap_remove(i);
                loc[v.0 as usize] = Loc::Reg(a.reg);
                active.push(Active {
                    end,
                    v,
                    reg: a.reg,
                    float,
                    cost: cv,
                });
                // (The earliest end is as before, or this one's.)
                soonest = soonest.min(end);
                // (The register changes hands within its class: still busy.)
            }
            _ => {
                loc[v.0 as usize] = Loc::Spill(slot_for(start, end));
            }
        }
    }
    let spills = loc
        .iter()
        .filter_map(|l| match l {
            Loc::Spill(n) => Some(n + 1),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    Alloc {
        loc: std::mem::take(loc),
        spills,
        order: std::mem::take(&mut n.order),
        interval: std::mem::take(iv),
    }
}

impl Alloc {
    /// A value's location as text (`r3`, `x1`, `[spill 2]`).
    pub fn show(&self, f: &Func, v: Value) -> String {
        match self.loc[v.0 as usize] {
            Loc::Dead => "-".into(),
            Loc::Reg(r) if f.class[v.0 as usize] == Class::F64 => format!("x{r}"),
            Loc::Reg(r) => format!("r{r}"),
            Loc::Spill(s) => format!("[spill {s}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir;

    fn func(src: &str, name: &str) -> Func {
        let m = ir::tests::module(src);
        let p = m
            .protos
            .iter()
            .find(|p| p.name == name)
            .expect("the function");
        ir::build(p, &m.protos, &m.rtops).expect("IR")
    }

    /// No two values whose intervals overlap share a register of their
    /// class; nothing live across a call sits in a register it clobbers.
    fn check(f: &Func, a: &Alloc, regs: &Regs) {
        let mut n = Numbering::default();
        number(f, &mut n, &mut Vec::new(), &mut Vec::new());
        let live: Vec<Value> = (0..f.insts.len() as u32)
            .map(Value)
            .filter(|v| a.interval[v.0 as usize].is_some())
            .collect();
        for (i, &x) in live.iter().enumerate() {
            let (xs, xe) = a.interval[x.0 as usize].unwrap();
            if let Loc::Reg(r) = a.loc[x.0 as usize] {
                let float = f.class[x.0 as usize] == Class::F64;
                let pool_ok = if float {
                    regs.fpr.contains(&r)
                } else {
                    regs.gpr.contains(&r) || regs.gpr_saved.contains(&r)
                };
                assert!(pool_ok, "{x} in a register of another class");
                if n.calls.iter().any(|&c| xs < c && xe > c + 1) {
                    assert!(
                        !float && regs.gpr_saved.contains(&r),
                        "{x} lives across a call in r{r}"
                    );
                }
            }
            for &y in &live[i + 1..] {
                let (ys, ye) = a.interval[y.0 as usize].unwrap();
                let same_class =
                    (f.class[x.0 as usize] == Class::F64) == (f.class[y.0 as usize] == Class::F64);
                if same_class && xs <= ye && ys <= xe {
                    if let (Loc::Reg(r1), Loc::Reg(r2)) = (a.loc[x.0 as usize], a.loc[y.0 as usize])
                    {
                        assert_ne!(r1, r2, "{x} and {y} overlap in one register");
                    }
                }
                if xs <= ye && ys <= xe {
                    if let (Loc::Spill(s1), Loc::Spill(s2)) =
                        (a.loc[x.0 as usize], a.loc[y.0 as usize])
                    {
                        assert_ne!(s1, s2, "{x} and {y} overlap in one spill slot");
                    }
                }
            }
        }
    }

    const MANY: Regs = Regs {
        gpr: &[0, 1, 2, 3, 4, 5, 6],
        gpr_saved: &[14, 15],
        fpr: &[0, 1, 2, 3, 4, 5, 6, 7],
    };
    const FEW: Regs = Regs {
        gpr: &[0],
        gpr_saved: &[14],
        fpr: &[0],
    };

    const SUM: &str = "import numpy as np\n\
        def s(a):\n    t = 0.0\n    for i in range(len(a)):\n        t += a[i]\n    return t\n\
        s(np.zeros(3))\n";

    #[test]
    fn loop_carried_values_live_in_registers() {
        let f = func(SUM, "s");
        let a = allocate(&f, &MANY);
        check(&f, &a, &MANY);
        let l = &f.loops[0];
        for &p in &f.blocks[l.header.0 as usize].params {
            assert!(
                matches!(a.loc[p.0 as usize], Loc::Reg(_)),
                "{p} is {:?}",
                a.loc[p.0 as usize]
            );
        }
        assert_eq!(a.spills, 0);
    }

    #[test]
    fn pressure_spills_and_stays_correct() {
        let src = "def g(n):\n    t = 0\n    u = 1.0\n    for i in range(n):\n        for j in range(i):\n            t += i % 3 + j\n            u = u * 0.5 + t\n    return t + int(u)\n\
            g(4)\n";
        let f = func(src, "g");
        for regs in [&MANY, &FEW] {
            let a = allocate(&f, regs);
            check(&f, &a, regs);
        }
        assert!(allocate(&f, &FEW).spills > 0);
    }

    #[test]
    fn values_across_calls_avoid_clobbered_registers() {
        let src = "import numpy as np\n\
            def h(n):\n    a = np.zeros(n)\n    t = 0.0\n    for i in range(n):\n        b = np.ones(2)\n        t += a[i] + b[0]\n    return t\n\
            h(3)\n";
        let f = func(src, "h");
        let a = allocate(&f, &MANY);
        check(&f, &a, &MANY);
    }
}
