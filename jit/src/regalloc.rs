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
struct Numbering {
    order: Vec<Block>,
    start: Vec<u32>,
    end: Vec<u32>,
    /// Use position of each instruction (by value index).
    at: Vec<u32>,
    /// Positions of calls (C, runtime and script calls).
    calls: Vec<u32>,
}

fn number(f: &Func) -> Numbering {
    // Reverse postorder from the entries keeps a loop's blocks together.
    let nb = f.blocks.len();
    let mut seen = vec![false; nb];
    let mut post = Vec::new();
    for &(_, e) in &f.entries {
        if seen[e.0 as usize] {
            continue;
        }
        seen[e.0 as usize] = true;
        let mut stack = vec![(e, 0usize)];
        while let Some((b, i)) = stack.pop() {
            let succs = f.blocks[b.0 as usize]
                .term
                .as_ref()
                .map(|t| t.succs())
                .unwrap_or_default();
            if i < succs.len() {
                stack.push((b, i + 1));
                let s = succs[i];
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
    let mut n = Numbering {
        order: post,
        start: vec![0; nb],
        end: vec![0; nb],
        at: vec![0; f.insts.len()],
        calls: Vec::new(),
    };
    let mut pos = 0u32;
    for &b in &n.order {
        let bd = &f.blocks[b.0 as usize];
        n.start[b.0 as usize] = pos;
        pos += 2;
        for &v in &bd.insts {
            n.at[v.0 as usize] = pos;
            if matches!(
                f.insts[v.0 as usize],
                Inst::CallC(..) | Inst::Rt { .. } | Inst::Call { .. }
            ) {
                n.calls.push(pos);
            }
            pos += 2;
        }
        n.end[b.0 as usize] = pos;
        pos += 2;
    }
    n
}

/// What an instruction reads, exits' write-backs included.
fn inst_uses(f: &Func, i: &Inst) -> Vec<Value> {
    let mut u = i.args();
    let exit = match i {
        Inst::Guard(_, x) | Inst::Fuel(x) => Some(*x),
        Inst::Rt { exit, .. } | Inst::Call { exit, .. } => Some(*exit),
        _ => None,
    };
    if let Some(x) = exit {
        u.extend(f.exits[x.0 as usize].map.iter().map(|&(_, v)| v));
    }
    u
}

fn term_uses(f: &Func, t: &Term) -> Vec<Value> {
    let mut u = Vec::new();
    match t {
        Term::Jump(e) => u.extend(&e.args),
        Term::Branch(test, a, b) => {
            match test {
                Test::I(_, x, crate::ir::Rhs::V(y)) | Test::F(_, x, y) => u.extend([*x, *y]),
                Test::I(_, x, _) => u.push(*x),
            }
            u.extend(&a.args);
            u.extend(&b.args);
        }
        Term::Exit(x) | Term::Return { exit: x, .. } => {
            u.extend(f.exits[x.0 as usize].map.iter().map(|&(_, v)| v))
        }
    }
    u
}

/// What keeping each value in a spill slot would cost: a load or store for
/// its definition and for every use that needs it in a register, weighted
/// by the loop depth where it happens. A read by an exit's write-back map
/// costs nothing (the exit stores it to the frame from the spill slot as
/// well as from a register), so a value live in a loop only for its exits
/// is the first to spill.
fn spill_costs(f: &Func, n: &Numbering) -> Vec<u64> {
    let mut cost = vec![0u64; f.insts.len()];
    for &b in &n.order {
        let depth = f.loop_of(b).map_or(0, |l| f.loops[l].depth);
        let w = 8u64.saturating_pow(depth.min(20));
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
            for e in t.edges() {
                for &a in &e.args {
                    cost[a.0 as usize] += w;
                }
            }
        }
    }
    cost
}

/// Allocates registers for `f` from `regs`.
pub fn allocate(f: &Func, regs: &Regs) -> Alloc {
    let n = number(f);
    let nv = f.insts.len();
    let words = nv.div_ceil(64);
    let nb = f.blocks.len();
    // Block-level liveness over values, backward to a fixpoint.
    let mut live_in = vec![vec![0u64; words]; nb];
    let set = |s: &mut [u64], v: Value| s[v.0 as usize / 64] |= 1 << (v.0 % 64);
    let clear = |s: &mut [u64], v: Value| s[v.0 as usize / 64] &= !(1 << (v.0 % 64));
    let mut changed = true;
    while changed {
        changed = false;
        for &b in n.order.iter().rev() {
            let bd = &f.blocks[b.0 as usize];
            let mut live = vec![0u64; words];
            if let Some(t) = &bd.term {
                for s in t.succs() {
                    for (w, x) in live.iter_mut().zip(&live_in[s.0 as usize]) {
                        *w |= x;
                    }
                    for &p in &f.blocks[s.0 as usize].params {
                        clear(&mut live, p);
                    }
                }
                for v in term_uses(f, t) {
                    set(&mut live, v);
                }
            }
            for &v in bd.insts.iter().rev() {
                clear(&mut live, v);
                for u in inst_uses(f, &f.insts[v.0 as usize]) {
                    set(&mut live, u);
                }
            }
            if live != live_in[b.0 as usize] {
                live_in[b.0 as usize] = live;
                changed = true;
            }
        }
    }
    // Intervals: from a value's definition (or a block start where it is
    // live in) to its last use (or the end of a block it is live out of).
    let mut iv: Vec<Option<(u32, u32)>> = vec![None; nv];
    let mut extend = |v: Value, p: u32| {
        let e = &mut iv[v.0 as usize];
        *e = Some(match *e {
            None => (p, p),
            Some((s, t)) => (s.min(p), t.max(p)),
        });
    };
    for &b in &n.order {
        let bd = &f.blocks[b.0 as usize];
        let (start, end) = (n.start[b.0 as usize], n.end[b.0 as usize]);
        let li = &live_in[b.0 as usize];
        for v in 0..nv {
            if li[v / 64] >> (v % 64) & 1 != 0 {
                extend(Value(v as u32), start);
            }
        }
        if let Some(t) = &bd.term {
            for s in t.succs() {
                let lis = &live_in[s.0 as usize];
                for v in 0..nv {
                    let vv = Value(v as u32);
                    if lis[v / 64] >> (v % 64) & 1 != 0
                        && !f.blocks[s.0 as usize].params.contains(&vv)
                    {
                        extend(vv, end);
                    }
                }
            }
            for v in term_uses(f, t) {
                extend(v, end);
            }
        }
        for &p in &bd.params {
            extend(p, start);
        }
        for &v in &bd.insts {
            let at = n.at[v.0 as usize];
            for u in inst_uses(f, &f.insts[v.0 as usize]) {
                extend(u, at);
            }
            if f.insts[v.0 as usize].has_result() {
                extend(v, at + 1);
            }
        }
    }
    let cost = spill_costs(f, &n);
    // Linear scan, per class, in order of interval start.
    let mut loc = vec![Loc::Dead; nv];
    let mut spills = 0u32;
    let mut by_start: Vec<Value> = (0..nv as u32)
        .map(Value)
        .filter(|v| iv[v.0 as usize].is_some())
        .collect();
    by_start.sort_by_key(|v| iv[v.0 as usize].unwrap().0);
    let crosses = |v: Value| {
        let (s, e) = iv[v.0 as usize].unwrap();
        n.calls.iter().any(|&c| s < c && e > c + 1)
    };
    // Active values per class: (end, value, reg).
    let mut active: Vec<(u32, Value, PReg)> = Vec::new();
    for v in by_start {
        let (start, end) = iv[v.0 as usize].unwrap();
        active.retain(|&(e, _, _)| e >= start);
        let float = f.class[v.0 as usize] == Class::F64;
        let pool: Vec<PReg> = match (float, crosses(v)) {
            (true, false) => regs.fpr.to_vec(),
            (true, true) => vec![],
            (false, false) => regs.gpr.iter().chain(regs.gpr_saved).copied().collect(),
            (false, true) => regs.gpr_saved.to_vec(),
        };
        let taken = |r: PReg, active: &[(u32, Value, PReg)]| {
            active
                .iter()
                .any(|&(_, a, ar)| ar == r && (f.class[a.0 as usize] == Class::F64) == float)
        };
        if let Some(&r) = pool.iter().find(|&&r| !taken(r, &active)) {
            loc[v.0 as usize] = Loc::Reg(r);
            active.push((end, v, r));
            continue;
        }
        // Spill the cheapest: this value, or an active one of its class
        // whose register it may take (the one that ends last among equals).
        let victim = active
            .iter()
            .enumerate()
            .filter(|(_, &(_, a, r))| {
                (f.class[a.0 as usize] == Class::F64) == float && pool.contains(&r)
            })
            .min_by_key(|(_, &(e, a, _))| (cost[a.0 as usize], std::cmp::Reverse(e)))
            .map(|(i, &x)| (i, x));
        match victim {
            Some((i, (e, a, r)))
                if (cost[a.0 as usize], std::cmp::Reverse(e))
                    < (cost[v.0 as usize], std::cmp::Reverse(end)) =>
            {
                loc[a.0 as usize] = Loc::Spill(spills);
                spills += 1;
                active.swap_remove(i);
                loc[v.0 as usize] = Loc::Reg(r);
                active.push((end, v, r));
            }
            _ => {
                loc[v.0 as usize] = Loc::Spill(spills);
                spills += 1;
            }
        }
    }
    Alloc {
        loc,
        spills,
        order: n.order,
        interval: iv,
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
        let n = number(f);
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
