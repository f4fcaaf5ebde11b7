//! Vector loops: an unchecked copy of a range loop (see `version`) that
//! reads and writes float64 elements one after the other and computes on
//! them alone (`y[i] = a * x[i] + y[i]`, a stencil's row) gets a loop in
//! front of it that does `lanes` iterations at once, each float
//! instruction on a vector of that many elements.
//!
//! Every lane computes what its iteration would, with the same operations
//! in the same order, so the results are the same bits. What could differ
//! is the order of memory accesses: within a vector, every lane's load of
//! an instruction happens before any lane's store of a later one. The test
//! before the loop requires each store's elements to be either exactly
//! another access's (the same iteration's, which program order keeps) or
//! at least `lanes` elements from them. It also requires fuel for every
//! iteration the vector loop does, which it counts at once (each iteration
//! it does takes its loop's back edge); the last iterations, at least one,
//! are the scalar loop's, which the vector loop goes on to.
//!
//! The vector loop has no exit, so nothing there is ever written back.
//! Values its float instructions read from before it are broadcast to
//! every lane (`UnOp::Splat`) first. A vector loop whose float values do
//! not all get registers is emitted as `lanes` scalar iterations in turn
//! (a vector in a spill slot would lose its lanes).
//!
//! **Unrolled loops.** Another loop whose body neither leaves nor calls
//! (a sum carried from one iteration to the next, a product down a column)
//! gets, the same way, a loop before it whose body is [`UNROLL`] copies of
//! its own, in order: one latch, one step and no fuel count for all of
//! them.

use std::collections::HashMap;

use crate::ir::{
    Block, BlockData, Class, Cond, Edge, FOp, Func, IOp, Inst, Rhs, Term, Test, UnOp, Value, Width,
};
use crate::opt::push;

/// Gives every loop it can a vector loop of `lanes` lanes, and every
/// other one it can an unrolled one; returns how many. The caller analyses
/// the function again afterwards.
pub fn vectorize(f: &mut Func, lanes: usize) -> usize {
    let lanes = if (2..=8).contains(&lanes) && lanes.is_power_of_two() {
        lanes
    } else {
        0
    };
    let mut n = 0;
    for l in 0..f.loops.len() {
        let Some(lp) = shape(f, l) else {
            continue;
        };
        if lanes > 0 && vector_body(f, &lp) {
            build(f, &lp, lanes, true);
            n += 1;
        } else if unroll_body(f, &lp) {
            build(f, &lp, UNROLL, false);
            n += 1;
        }
    }
    n
}

/// Iterations an unrolled loop does at a time.
pub const UNROLL: usize = 4;

/// A loop a vector or unrolled loop can go in front of: the unchecked
/// copy of a range loop, one block and its latch.
struct Shape {
    pre: Block,
    header: Block,
    latch: Block,
    /// The induction variable's position among the header's parameters.
    iv: usize,
    /// `param + 1`, what the latch passes on.
    next: Value,
    stop: Rhs,
    /// The header's instructions.
    body: Vec<Value>,
    /// The values on the way in, and along the latch.
    init: Vec<Value>,
    back: Vec<Value>,
    /// Each parameter's step per iteration when it is a pointer the latch
    /// steps by a constant or by a value from before the loop.
    steps: Vec<Option<Rhs>>,
}

fn shape(f: &Func, l: usize) -> Option<Shape> {
    let lp = &f.loops[l];
    let (h, pre) = (lp.header, lp.preheader?);
    let hd = &f.blocks[h.0 as usize];
    if lp.blocks.len() != 2 || hd.cold || hd.lanes > 0 || hd.entry {
        return None;
    }
    let latch = *lp.blocks.iter().find(|&&b| b != h)?;
    let Some(Term::Branch(Test::I(Cond::Lt, x, stop), yes, _)) = &hd.term else {
        return None;
    };
    if yes.to != latch || !yes.args.is_empty() {
        return None;
    }
    let Inst::Bin(IOp::Add, p, Rhs::K(1)) = f.insts[x.0 as usize] else {
        return None;
    };
    let inside = |v: Value| {
        lp.blocks.iter().any(|b| {
            let bd = &f.blocks[b.0 as usize];
            bd.insts.contains(&v) || bd.params.contains(&v)
        })
    };
    if let Rhs::V(s) = stop {
        if inside(*s) {
            return None;
        }
    }
    let Some(Term::Jump(into)) = &f.blocks[pre.0 as usize].term else {
        return None;
    };
    let iv = hd.params.iter().position(|&q| q == p)?;
    let ld = &f.blocks[latch.0 as usize];
    let Some(Term::Jump(back)) = &ld.term else {
        return None;
    };
    if into.to != h || back.to != h || back.args.get(iv) != Some(x) {
        return None;
    }
    // The latch: one fuel count and a constant step for each pointer; the
    // other parameters take what the header computed.
    let mut steps = vec![None; hd.params.len()];
    let mut stepped = 0;
    for (k, &q) in hd.params.iter().enumerate() {
        let next = back.args[k];
        match f.insts[next.0 as usize] {
            Inst::Bin(IOp::Add, y, by)
                if y == q
                    && ld.insts.contains(&next)
                    && f.class[q.0 as usize] == Class::Ptr
                    && !matches!(by, Rhs::V(b) if inside(b)) =>
            {
                steps[k] = Some(by);
                stepped += 1;
            }
            _ if k == iv || !ld.insts.contains(&next) => {}
            _ => return None,
        }
    }
    let fuel = ld
        .insts
        .iter()
        .filter(|&&v| matches!(f.insts[v.0 as usize], Inst::Fuel(_)))
        .count();
    if fuel != 1 || ld.insts.len() != stepped + 1 {
        return None;
    }
    Some(Shape {
        pre,
        header: h,
        latch,
        iv,
        next: *x,
        stop: *stop,
        body: hd.insts.clone(),
        init: into.args.clone(),
        back: back.args.clone(),
        steps,
    })
}

/// Can the loop's iterations run as vectors: every parameter but the
/// induction variable a pointer stepping by one float64, the body float
/// elements in and out and float arithmetic on them, some store, and no
/// store near another access through the same pointer?
fn vector_body(f: &Func, s: &Shape) -> bool {
    let params = &f.blocks[s.header.0 as usize].params;
    let p = params[s.iv];
    let float = |v: Value| f.class[v.0 as usize] == Class::F64;
    let pointer = |a: Value| a != p && params.contains(&a);
    if (0..params.len()).any(|k| k != s.iv && s.steps[k] != Some(Rhs::K(8))) {
        return false;
    }
    let mut stores = 0;
    for &v in &s.body {
        if v == s.next {
            continue;
        }
        let ok = match f.insts[v.0 as usize] {
            Inst::Load(Width::W64, a, _) => pointer(a) && float(v),
            Inst::Store(Width::W64, a, _, y) => {
                stores += 1;
                pointer(a) && float(y)
            }
            Inst::FBin(FOp::Add | FOp::Sub | FOp::Mul | FOp::Div, ..) => float(v),
            Inst::Un(UnOp::FNeg | UnOp::FAbs | UnOp::FSqrt, _) => float(v),
            Inst::Const(_) => float(v),
            _ => false,
        };
        // The induction variable only steps (addresses are the pointers);
        // other operands are floats (from before the loop: broadcast) or
        // the pointers.
        let args = f.insts[v.0 as usize].args();
        if !ok
            || args.contains(&p)
            || args.contains(&s.next)
            || args.iter().any(|&a| !float(a) && !pointer(a))
        {
            return false;
        }
    }
    if stores == 0 {
        return false;
    }
    // A store and another access through one pointer: known apart or not
    // (at most 8 lanes apart, the most there are).
    let at_ptr: Vec<(Value, i32, bool)> = s
        .body
        .iter()
        .filter_map(|&v| match f.insts[v.0 as usize] {
            Inst::Load(_, a, off) => Some((a, off, false)),
            Inst::Store(_, a, off, _) => Some((a, off, true)),
            _ => None,
        })
        .collect();
    for (i, &(a, oa, store)) in at_ptr.iter().enumerate() {
        for (j, &(b, ob, _)) in at_ptr.iter().enumerate() {
            let d = (oa as i64 - ob as i64).abs();
            if store && i != j && a == b && d != 0 && d < 8 * 8 {
                return false;
            }
        }
    }
    true
}

/// Can the loop's body run several times in a row without its latch:
/// instructions that neither leave nor call?
fn unroll_body(f: &Func, s: &Shape) -> bool {
    let params = &f.blocks[s.header.0 as usize].params;
    // An access `k` constant steps further must have a displacement.
    let reach = |k: usize, off: i32| match s.steps[k] {
        Some(Rhs::K(st)) => st
            .checked_mul(UNROLL as i64)
            .and_then(|d| d.checked_add(off as i64))
            .is_some_and(|d| i32::try_from(d).is_ok()),
        _ => true,
    };
    s.body.iter().all(|&v| {
        let i = &f.insts[v.0 as usize];
        let shifted = |a: Value, off: i32| match params.iter().position(|&q| q == a) {
            Some(k) => k == s.iv || (s.steps[k].is_some() && reach(k, off)),
            None => true,
        };
        match i {
            Inst::Load(_, a, off) | Inst::Store(_, a, off, _) => shifted(*a, *off),
            Inst::Bin(..)
            | Inst::FBin(..)
            | Inst::Un(..)
            | Inst::Set(_)
            | Inst::Select(..)
            | Inst::Const(_)
            | Inst::Field(..) => true,
            _ => false,
        }
    })
}

fn new_block(f: &mut Func, pc: usize) -> Block {
    let b = Block(f.blocks.len() as u32);
    f.blocks.push(BlockData {
        pc,
        ..Default::default()
    });
    b
}

fn at(f: &mut Func, b: Block, i: Inst, c: Class) -> Value {
    let v = push(f, i, c);
    f.blocks[b.0 as usize].insts.push(v);
    v
}

/// A loop doing `w` iterations a turn (as vectors of `w` lanes when
/// `vector`, else the body `w` times over) inside loop `s`, which runs it
/// whenever it can and an iteration of its own body otherwise: the loop's
/// new header counts the turns left, each of `w` iterations that all take
/// the back edge, as many as the window has fuel for (counted at once),
/// none when (vectors) a store comes near another access. The last
/// iterations, and the one where the fuel window ends, go the old way.
fn build(f: &mut Func, s: &Shape, w: usize, vector: bool) {
    let h = s.header;
    let pc = f.blocks[h.0 as usize].pc;
    let params = f.blocks[h.0 as usize].params.clone();
    let shift = w.trailing_zeros() as i64;
    let edge = |to: Block, args: Vec<Value>| Edge { to, args };

    // Made once, before the loop: the test of the stores (vectors) and
    // the constants (broadcast before the turns).
    let pre = s.pre;
    let bad = if vector {
        overlap(f, s, &params, w)
    } else {
        None
    };
    let stop = match s.stop {
        Rhs::V(v) => v,
        Rhs::K(k) => at(f, pre, Inst::Const(k as u64), Class::I64),
    };
    let mut consts = Vec::new();
    if vector {
        for &v in &s.body {
            if let Inst::Const(_) = f.insts[v.0 as usize] {
                let k = at(f, pre, f.insts[v.0 as usize].clone(), Class::F64);
                consts.push((v, k));
            }
        }
    }

    // The new header, with the old one's parameters (the way in and the
    // old latch go to it): turns left (iterations after this one, in
    // whole turns) and turns the window has fuel for (it holds one unit
    // at least).
    let c = new_block(f, pc);
    let cp: Vec<Value> = params
        .iter()
        .map(|&q| push(f, Inst::Param, f.class[q.0 as usize]))
        .collect();
    f.blocks[c.0 as usize].params = cp.clone();
    f.blocks[pre.0 as usize].term = Some(Term::Jump(edge(c, s.init.clone())));
    if let Some(Term::Jump(e)) = f.blocks[s.latch.0 as usize].term.as_mut() {
        e.to = c;
    }
    let p = cp[s.iv];
    let left = at(f, c, Inst::Bin(IOp::Sub, stop, Rhs::V(p)), Class::I64);
    let left = at(f, c, Inst::Bin(IOp::Add, left, Rhs::K(-1)), Class::I64);
    let turns = at(f, c, Inst::Bin(IOp::Sar, left, Rhs::K(shift)), Class::I64);
    let fuel = at(f, c, Inst::FuelLeft, Class::I64);
    let fuel = at(f, c, Inst::Bin(IOp::Add, fuel, Rhs::K(-1)), Class::I64);
    let paid = at(f, c, Inst::Bin(IOp::Sar, fuel, Rhs::K(shift)), Class::I64);
    let turns = at(f, c, Inst::Bin(IOp::Min, turns, Rhs::V(paid)), Class::I64);
    let mut tests = Vec::new();
    if let Some(b) = bad {
        tests.push(Test::I(Cond::Ne, b, Rhs::K(0)));
    }
    tests.push(Test::I(Cond::Le, turns, Rhs::K(0)));

    // Before the turns: their fuel counted, their end, the broadcasts.
    let vs = new_block(f, pc);
    let count = at(f, vs, Inst::Bin(IOp::Shl, turns, Rhs::K(shift)), Class::I64);
    at(f, vs, Inst::Spend(Rhs::V(count)), Class::I64);
    let end = at(f, vs, Inst::Bin(IOp::Add, p, Rhs::V(count)), Class::I64);
    let vl = new_block(f, pc);
    let vp: Vec<Value> = params
        .iter()
        .map(|&q| push(f, Inst::Param, f.class[q.0 as usize]))
        .collect();
    let (body, next) = if vector {
        vector_copy(f, s, vs, &params, &vp, &consts, w)
    } else {
        unrolled_copy(f, s, &params, &vp, w)
    };
    let p1 = next[s.iv];
    let bd = &mut f.blocks[vl.0 as usize];
    bd.params = vp;
    bd.insts = body;
    bd.lanes = if vector { w as u8 } else { 0 };
    bd.term = Some(Term::Branch(
        Test::I(Cond::Lt, p1, Rhs::V(end)),
        edge(vl, next.clone()),
        edge(c, next),
    ));
    f.blocks[vs.0 as usize].term = Some(Term::Jump(edge(vl, cp.clone())));
    if vector {
        f.blocks[h.0 as usize].vend = true;
    }

    // From the header through each test to the turns; the old body
    // whenever one fails.
    let mut from = c;
    for (i, &t) in tests.iter().enumerate() {
        let to = if i + 1 == tests.len() {
            vs
        } else {
            new_block(f, pc)
        };
        f.blocks[from.0 as usize].term =
            Some(Term::Branch(t, edge(h, cp.clone()), edge(to, vec![])));
        from = to;
    }
}

/// Nonzero when a store of the vector loop comes within `w` elements of
/// another access through another pointer (an element the same distance
/// away is the same iteration's, which program order keeps).
fn overlap(f: &mut Func, s: &Shape, params: &[Value], w: usize) -> Option<Value> {
    let pre = s.pre;
    let accesses: Vec<(usize, i32, bool)> = s
        .body
        .iter()
        .filter_map(|&v| match f.insts[v.0 as usize] {
            Inst::Load(_, a, off) => Some((params.iter().position(|&q| q == a)?, off, false)),
            Inst::Store(_, a, off, _) => Some((params.iter().position(|&q| q == a)?, off, true)),
            _ => None,
        })
        .collect();
    let span = 8 * w as i64;
    let mut bad = None;
    for (i, &(qs, os, store)) in accesses.iter().enumerate() {
        for (j, &(qa, oa, _)) in accesses.iter().enumerate() {
            // (Through one pointer: see `vector_body`.)
            if !store || i == j || qs == qa {
                continue;
            }
            let dk = os as i64 - oa as i64;
            let d = at(
                f,
                pre,
                Inst::Bin(IOp::Sub, s.init[qs], Rhs::V(s.init[qa])),
                Class::I64,
            );
            let d = at(f, pre, Inst::Bin(IOp::Add, d, Rhs::K(dk)), Class::I64);
            let apart = at(
                f,
                pre,
                Inst::Set(Test::I(Cond::Ne, d, Rhs::K(0))),
                Class::I64,
            );
            let near = at(f, pre, Inst::Bin(IOp::Add, d, Rhs::K(span - 1)), Class::I64);
            let near = at(
                f,
                pre,
                Inst::Set(Test::I(Cond::Below, near, Rhs::K(2 * span - 1))),
                Class::I64,
            );
            let both = at(f, pre, Inst::Bin(IOp::And, apart, Rhs::V(near)), Class::I64);
            bad = Some(match bad {
                None => both,
                Some(b) => at(f, pre, Inst::Bin(IOp::Or, b, Rhs::V(both)), Class::I64),
            });
        }
    }
    bad
}

/// The vector loop's instructions: copies of the body's on its
/// parameters, with the floats from before the loop (and the constants,
/// made before it) broadcast in `vs`; and what it passes on.
fn vector_copy(
    f: &mut Func,
    s: &Shape,
    vs: Block,
    params: &[Value],
    vp: &[Value],
    consts: &[(Value, Value)],
    w: usize,
) -> (Vec<Value>, Vec<Value>) {
    let mut map: HashMap<Value, Value> = params.iter().copied().zip(vp.to_vec()).collect();
    let splat = |f: &mut Func, a: Value| at(f, vs, Inst::Un(UnOp::Splat, a), Class::F64);
    for &(v, k) in consts {
        let b = splat(f, k);
        map.insert(v, b);
    }
    let mut body = Vec::new();
    for &v in &s.body {
        if v == s.next || consts.iter().any(|&(c, _)| c == v) {
            continue;
        }
        let mut i = f.insts[v.0 as usize].clone();
        for a in i.args() {
            if !map.contains_key(&a) && f.class[a.0 as usize] == Class::F64 {
                let b = splat(f, a);
                map.insert(a, b);
            }
        }
        i.map_args(&|a| map.get(&a).copied().unwrap_or(a));
        let nv = push(f, i, f.class[v.0 as usize]);
        map.insert(v, nv);
        body.push(nv);
    }
    let mut next = Vec::with_capacity(params.len());
    for (k, &q) in vp.iter().enumerate() {
        let by = if k == s.iv { w as i64 } else { 8 * w as i64 };
        let n = push(f, Inst::Bin(IOp::Add, q, Rhs::K(by)), f.class[q.0 as usize]);
        body.push(n);
        next.push(n);
    }
    (body, next)
}

/// The unrolled loop's instructions: the body `w` times, each copy's
/// induction variable `k` further, its pointers `k` steps further (as
/// displacements), its other parameters what the copy before computed.
fn unrolled_copy(
    f: &mut Func,
    s: &Shape,
    params: &[Value],
    cp: &[Value],
    w: usize,
) -> (Vec<Value>, Vec<Value>) {
    let vh_params = cp;
    let mut body = Vec::new();
    let p = vh_params[s.iv];
    // What each parameter is in the current copy (a pointer stepping by a
    // value: its own copy; by a constant: the first, with displacements).
    let mut cur: Vec<Value> = vh_params.to_vec();
    for k in 0..w {
        let pk = if k == 0 {
            p
        } else {
            let v = push(f, Inst::Bin(IOp::Add, p, Rhs::K(k as i64)), Class::I64);
            body.push(v);
            v
        };
        if k > 0 {
            for (j, st) in s.steps.iter().enumerate() {
                if let Some(Rhs::V(by)) = *st {
                    let q = push(f, Inst::Bin(IOp::Add, cur[j], Rhs::V(by)), Class::Ptr);
                    body.push(q);
                    cur[j] = q;
                }
            }
        }
        let mut map: HashMap<Value, Value> = params.iter().copied().zip(cur.clone()).collect();
        map.insert(params[s.iv], pk);
        for &v in &s.body {
            let mut i = f.insts[v.0 as usize].clone();
            i.map_args(&|a| map.get(&a).copied().unwrap_or(a));
            if let Inst::Load(_, a, off) | Inst::Store(_, a, off, _) = &mut i {
                if let Some(j) = vh_params.iter().position(|q| q == a) {
                    if let Some(Rhs::K(step)) = s.steps[j] {
                        *off = (*off as i64 + step * k as i64) as i32;
                    }
                }
            }
            let nv = push(f, i, f.class[v.0 as usize]);
            map.insert(v, nv);
            body.push(nv);
        }
        for (j, &b) in s.back.iter().enumerate() {
            if j != s.iv && s.steps[j].is_none() {
                cur[j] = map.get(&b).copied().unwrap_or(b);
            }
        }
    }
    let mut next = cur.clone();
    for (k, &q) in vh_params.iter().enumerate() {
        let (from, by) = match s.steps[k] {
            _ if k == s.iv => (q, Rhs::K(w as i64)),
            Some(Rhs::K(st)) => (q, Rhs::K(st * w as i64)),
            // The last copy's pointer, one step on.
            Some(by) => (cur[k], by),
            None => continue,
        };
        let n = push(f, Inst::Bin(IOp::Add, from, by), f.class[q.0 as usize]);
        body.push(n);
        next[k] = n;
    }
    (body, next)
}

#[cfg(test)]
mod tests {
    use crate::ir::{self, Inst};

    fn optimized(src: &str, name: &str, lanes: usize) -> ir::Func {
        let m = ir::tests::module(src);
        let p = m.protos.iter().find(|p| p.name == name).unwrap();
        let mut f = ir::build(p, &m.protos, &m.rtops).expect("IR");
        let regs = crate::regalloc::Regs {
            gpr: &[1, 2, 6, 7, 8, 9],
            gpr_saved: &[5, 14, 15],
            fpr: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        };
        crate::opt::optimize(&mut f, &regs, lanes);
        f
    }

    /// The vector loops of `f`: (lanes, the float instructions in them).
    fn vector_loops(f: &ir::Func) -> Vec<(u8, usize)> {
        f.blocks
            .iter()
            .filter(|b| b.lanes > 0)
            .map(|b| {
                let floats = b
                    .insts
                    .iter()
                    .filter(|v| matches!(f.insts[v.0 as usize], Inst::FBin(..) | Inst::Un(..)))
                    .count();
                (b.lanes, floats)
            })
            .collect()
    }

    const SAXPY: &str = "import numpy as np\n\
        def s(a, x, y):\n    for i in range(len(x)):\n        y[i] = a * x[i] + y[i]\n\
        s(2.0, np.zeros(3), np.zeros(3))\n";

    #[test]
    fn a_loop_writing_elements_in_turn_gets_a_vector_loop() {
        let f = optimized(SAXPY, "s", 4);
        assert_eq!(vector_loops(&f), [(4, 2)], "{}", f.listing());
        // The scalar loop is still there, for the last iterations; the
        // vector loop counts its fuel before it and has no exit.
        let vh = f.blocks.iter().position(|b| b.lanes > 0).unwrap();
        assert!(f.blocks[vh]
            .insts
            .iter()
            .all(|&v| f.insts[v.0 as usize].exit().is_none()));
        assert!(f.insts.iter().any(|i| matches!(i, Inst::Spend(_))));
        assert!(f.insts.iter().any(|i| matches!(i, Inst::Fuel(_))));
        // Without lanes, none.
        assert!(vector_loops(&optimized(SAXPY, "s", 0)).is_empty());
    }

    #[test]
    fn a_sum_down_a_column_does_four_iterations_a_turn() {
        let src = "import numpy as np\n\
            def s(a, j):\n    t = 0.0\n    for k in range(a.shape[0]):\n        t += a[k, j] * a[j, k]\n    return t\n\
            s(np.zeros((3, 3)), 1)\n";
        let f = optimized(src, "s", 4);
        // No vector loop (a sum), but an unrolled one: four products and
        // sums in order, no fuel count or exit in it.
        assert!(vector_loops(&f).is_empty(), "{}", f.listing());
        let unrolled = f
            .loops
            .iter()
            .find(|l| {
                l.blocks.len() == 1
                    && f.blocks[l.header.0 as usize]
                        .insts
                        .iter()
                        .all(|&v| f.insts[v.0 as usize].exit().is_none())
            })
            .expect("an unrolled loop");
        let insts: Vec<&Inst> = f.blocks[unrolled.header.0 as usize]
            .insts
            .iter()
            .map(|v| &f.insts[v.0 as usize])
            .collect();
        let adds = insts
            .iter()
            .filter(|i| matches!(i, Inst::FBin(ir::FOp::Add, ..)))
            .count();
        assert_eq!(adds, super::UNROLL, "{}", f.listing());
    }

    #[test]
    fn sums_and_overlapping_elements_stay_scalar() {
        // A sum carries a float from one iteration to the next: its order
        // of additions is Python's.
        let sum = "import numpy as np\n\
            def s(x):\n    t = 0.0\n    for i in range(len(x)):\n        t += x[i]\n    return t\n\
            s(np.zeros(3))\n";
        assert!(vector_loops(&optimized(sum, "s", 2)).is_empty());
        // A store next to a load of the same array: one iteration reads
        // what the one before wrote.
        let shift = "import numpy as np\n\
            def s(x):\n    for i in range(len(x) - 1):\n        x[i + 1] = x[i] * 2.0\n\
            s(np.zeros(3))\n";
        assert!(vector_loops(&optimized(shift, "s", 2)).is_empty());
    }
}
