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

use std::collections::HashMap;

use crate::ir::{
    Block, BlockData, Class, Cond, Edge, FOp, Func, IOp, Inst, Rhs, Term, Test, UnOp, Value, Width,
};
use crate::opt::push;

/// Gives every loop it can a vector loop of `lanes` lanes; returns how
/// many. The caller analyses the function again afterwards.
pub fn vectorize(f: &mut Func, lanes: usize) -> usize {
    if !(2..=8).contains(&lanes) || !lanes.is_power_of_two() {
        return 0;
    }
    let mut n = 0;
    for l in 0..f.loops.len() {
        if let Some(shape) = shape(f, l) {
            build(f, &shape, lanes);
            n += 1;
        }
    }
    n
}

/// A loop a vector loop can go in front of.
struct Shape {
    pre: Block,
    header: Block,
    /// The induction variable's position among the header's parameters;
    /// every other parameter is a pointer stepping by 8 bytes.
    iv: usize,
    stop: Rhs,
    /// The header's instructions (the step aside).
    body: Vec<Value>,
    /// The values on the way in.
    init: Vec<Value>,
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
    let def = |v: Value| -> Option<Block> {
        lp.blocks.iter().copied().find(|b| {
            f.blocks[b.0 as usize].insts.contains(&v) || f.blocks[b.0 as usize].params.contains(&v)
        })
    };
    if let Rhs::V(s) = stop {
        if def(*s).is_some() {
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
    // The latch: one fuel count and a step of 8 bytes for each pointer.
    for (k, &q) in hd.params.iter().enumerate() {
        if k == iv {
            continue;
        }
        let next = back.args[k];
        if f.class[q.0 as usize] != Class::Ptr
            || f.insts[next.0 as usize] != Inst::Bin(IOp::Add, q, Rhs::K(8))
            || !ld.insts.contains(&next)
        {
            return None;
        }
    }
    let fuel = ld
        .insts
        .iter()
        .filter(|&&v| matches!(f.insts[v.0 as usize], Inst::Fuel(_)))
        .count();
    if fuel != 1 || ld.insts.len() != hd.params.len() {
        return None;
    }
    // The body: float elements in and out, float arithmetic on them.
    let float = |v: Value| f.class[v.0 as usize] == Class::F64;
    let pointer = |a: Value| a != p && hd.params.contains(&a);
    let mut stores = 0;
    let mut body = Vec::new();
    for &v in &hd.insts {
        if v == *x {
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
        // (The induction variable only steps: addresses are the pointers.)
        let args = f.insts[v.0 as usize].args();
        if !ok || args.contains(&p) || args.contains(x) {
            return None;
        }
        // Operands from outside the body are floats (to broadcast) or
        // the pointers.
        if args.iter().any(|&a| !float(a) && !pointer(a)) {
            return None;
        }
        body.push(v);
    }
    if stores == 0 {
        return None;
    }
    // A store and another access through one pointer: known apart or not.
    let at_ptr: Vec<(Value, i32, bool)> = body
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
                return None;
            }
        }
    }
    Some(Shape {
        pre,
        header: h,
        iv,
        stop: *stop,
        body,
        init: into.args.clone(),
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

fn build(f: &mut Func, s: &Shape, w: usize) {
    let h = s.header;
    let pc = f.blocks[h.0 as usize].pc;
    let params = f.blocks[h.0 as usize].params.clone();
    let shift = w.trailing_zeros() as i64;
    let edge = |to: Block, args: Vec<Value>| Edge { to, args };

    // The scalar loop's one way in, from the tests and the vector loop.
    let sp = new_block(f, pc);
    let sp_params: Vec<Value> = params
        .iter()
        .map(|&q| push(f, Inst::Param, f.class[q.0 as usize]))
        .collect();
    f.blocks[sp.0 as usize].params = sp_params.clone();
    f.blocks[sp.0 as usize].term = Some(Term::Jump(edge(h, sp_params)));

    // The tests, at the end of the preheader: whole vectors to do, with
    // the scalar loop's iterations after them, stores apart from the
    // other accesses, and fuel for each iteration.
    let pre = s.pre;
    let p0 = s.init[s.iv];
    let stop = match s.stop {
        Rhs::V(v) => v,
        Rhs::K(k) => at(f, pre, Inst::Const(k as u64), Class::I64),
    };
    let left = at(f, pre, Inst::Bin(IOp::Sub, stop, Rhs::V(p0)), Class::I64);
    let left = at(f, pre, Inst::Bin(IOp::Add, left, Rhs::K(-1)), Class::I64);
    let vectors = at(f, pre, Inst::Bin(IOp::Sar, left, Rhs::K(shift)), Class::I64);
    let count = at(
        f,
        pre,
        Inst::Bin(IOp::Shl, vectors, Rhs::K(shift)),
        Class::I64,
    );
    let end = at(f, pre, Inst::Bin(IOp::Add, p0, Rhs::V(count)), Class::I64);
    let tests_first = Test::I(Cond::Le, vectors, Rhs::K(0));
    let mut tests = vec![tests_first];
    // Each store against each other access: the same element, or `w`
    // elements or more away.
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
        if !store {
            continue;
        }
        for (j, &(qa, oa, _)) in accesses.iter().enumerate() {
            if i == j {
                continue;
            }
            let dk = os as i64 - oa as i64;
            if qs == qa {
                // Known before: see `shape`.
                continue;
            }
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
    if let Some(b) = bad {
        tests.push(Test::I(Cond::Ne, b, Rhs::K(0)));
    }
    let fuel = at(f, pre, Inst::FuelLeft, Class::I64);
    tests.push(Test::I(Cond::Le, fuel, Rhs::V(count)));

    // The vector loop's preheader: the fuel counted, the floats from
    // before the loop broadcast.
    let vs = new_block(f, pc);
    at(f, vs, Inst::Spend(count), Class::I64);
    let vh = new_block(f, pc);
    let vh_params: Vec<Value> = params
        .iter()
        .map(|&q| push(f, Inst::Param, f.class[q.0 as usize]))
        .collect();
    let mut map: HashMap<Value, Value> = params.iter().copied().zip(vh_params.clone()).collect();
    let mut body = Vec::new();
    for &v in &s.body {
        let mut i = f.insts[v.0 as usize].clone();
        if let Inst::Const(_) = i {
            // A float constant: made before the loop and broadcast.
            let k = at(f, vs, i, Class::F64);
            let b = at(f, vs, Inst::Un(UnOp::Splat, k), Class::F64);
            map.insert(v, b);
            continue;
        }
        for a in i.args() {
            if !map.contains_key(&a) && f.class[a.0 as usize] == Class::F64 {
                let b = at(f, vs, Inst::Un(UnOp::Splat, a), Class::F64);
                map.insert(a, b);
            }
        }
        i.map_args(&|a| map.get(&a).copied().unwrap_or(a));
        let nv = push(f, i, f.class[v.0 as usize]);
        map.insert(v, nv);
        body.push(nv);
    }
    // The steps: `w` iterations, `8 w` bytes.
    let mut next = Vec::with_capacity(params.len());
    for (k, &q) in vh_params.iter().enumerate() {
        let by = if k == s.iv { w as i64 } else { span };
        let n = push(f, Inst::Bin(IOp::Add, q, Rhs::K(by)), f.class[q.0 as usize]);
        body.push(n);
        next.push(n);
    }
    let p1 = next[s.iv];
    let vd = &mut f.blocks[vh.0 as usize];
    vd.params = vh_params;
    vd.insts = body;
    vd.lanes = w as u8;
    vd.term = Some(Term::Branch(
        Test::I(Cond::Lt, p1, Rhs::V(end)),
        edge(vh, next.clone()),
        edge(sp, next),
    ));
    f.blocks[vs.0 as usize].term = Some(Term::Jump(edge(vh, s.init.clone())));

    // From the preheader through each test to the vector loop.
    let mut from = pre;
    for (k, &t) in tests.iter().enumerate() {
        let to = if k + 1 == tests.len() {
            vs
        } else {
            new_block(f, pc)
        };
        f.blocks[from.0 as usize].term =
            Some(Term::Branch(t, edge(sp, s.init.clone()), edge(to, vec![])));
        from = to;
    }
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
    fn sums_and_overlapping_elements_stay_scalar() {
        // A sum carries a float from one iteration to the next.
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
