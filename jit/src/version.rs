//! Loops without bounds checks: loop versioning and strength reduction.
//!
//! **Versioning.** A natural loop whose header carries an induction
//! variable `i` (it arrives as `i0` from the preheader and as `i + step`
//! along every back edge, taken only when `i + step` passed a test against
//! an invariant `stop`: `<` or `<=` for a step up, constant or invariant
//! and then checked positive, `>` or `>=` for a constant step down) stays
//! between `i0` and `stop`. An element access whose index on some axis is
//! `i + c` is then in bounds on that axis all through the loop when both
//! ends are, shifted by `c`; an access whose index the loop computes the
//! same way every time, when that index is in `0..n` as it is (a negative
//! one, which Python wraps, takes the checked loop); and an invariant array needs no null check once it
//! is known not to be null. The preheader tests all of that once and
//! branches to a copy of the loop without those guards (and without the
//! negative-index wrap of `i + c`, which is never negative there), or to
//! the loop as it was, which raises the same error at the same element as
//! before. Either way, fuel and every other exit are as they were. A loop
//! that ends some other way (a `while` on an element, a `break`) but whose
//! counter every back edge steps by the same constant goes one way from
//! `i0`: its copy is entered when the first index is in bounds, and keeps
//! each access's check of the far end, as one unsigned compare of the
//! unwrapped index (a negative one is out of that range too, and leaves to
//! the interpreter, which wraps it). The
//! copy also takes the stride of each array's last axis as its item size
//! (a C-contiguous array's; the test requires it), so that a row's
//! elements are at known distances. What an enclosing loop computes the
//! same way every time is tested as one value (it can leave that loop);
//! the rest are branches, one a test.
//!
//! **Strength reduction.** In the unchecked copy, an element's address
//! that is an affine function of `i` (the data pointer plus index times
//! stride on each axis) becomes a pointer carried around the loop: its
//! value for `i0` is computed before the loop, and every back edge adds
//! the step (a stride, or a multiple of one). Addresses a constant apart
//! (the elements of a row) share one pointer, read at displacements; an
//! invariant address is computed once before the loop. One register and
//! one add per iteration replace the multiplications and additions of the
//! index arithmetic, and the loop no longer needs the strides or shape.

use crate::ir::{
    Block, BlockData, Class, Cond, Edge, Exit, Func, IOp, Inst, Rhs, Term, Test, Value, Width,
};
use crate::layout::{ARRAY_DATA, ARRAY_SHAPE, ARRAY_STRIDES};
use crate::opt::{null_header, push};
use crate::pool;

/// A loop's induction variable: a header parameter that every back edge
/// passes on as `param + step` once `param + step` passed the test against
/// `stop` (`Lt`/`Le` for a step up, `Gt`/`Ge` for a step down), or, with
/// no stop, by the same constant step on every back edge.
#[derive(Clone, Copy, Debug)]
struct Iv {
    /// The header's parameter.
    param: Value,
    /// Its value on the way in.
    init: Value,
    /// The bound the back edges test `param + step` against; none for a
    /// loop that ends some other way (the iterations then only go one
    /// way, by a constant step, and the accesses keep their guard of the
    /// far end).
    stop: Option<Rhs>,
    /// A constant (not zero), or an invariant value (the test before the
    /// copy requires it to be positive).
    step: Rhs,
    cond: Cond,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Index {
    /// Invariant in the loop (the copy is entered when it is in bounds
    /// as it is, not wrapped).
    Inv(Value),
    /// Invariant, and compared as it is (no negative index to wrap: a
    /// constant one folded its wrap away).
    Raw(Value),
    /// The induction variable plus a constant.
    Aff(i64),
}

/// One bounds check the unchecked copy goes without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Check {
    arr: Value,
    axis: i32,
    index: Index,
}

/// Versions every natural loop it can (see the module's comment); returns
/// how many. The caller analyses the function again afterwards.
pub fn version(f: &mut Func) -> usize {
    let mut n = 0;
    for l in 0..f.loops.len() {
        if version_loop(f, l) {
            n += 1;
        }
    }
    n
}

/// The induction variable of loop `l`, if it is a range loop's.
fn induction(f: &Func, l: usize, inside: &dyn Fn(Value) -> bool) -> Option<Iv> {
    let lp = &f.loops[l];
    let pre = lp.preheader?;
    let h = lp.header;
    let Some(Term::Jump(into)) = &f.blocks[pre.0 as usize].term else {
        return None;
    };
    let latches: Vec<Block> = f.preds[h.0 as usize]
        .iter()
        .copied()
        .filter(|b| lp.blocks.contains(b))
        .collect();
    if latches.is_empty() {
        return None;
    }
    // A parameter every back edge steps by the same constant, in a loop
    // that ends some other way: it only goes one way.
    let mut monotone = None;
    'params: for (k, &p) in f.blocks[h.0 as usize].params.iter().enumerate() {
        if f.class[p.0 as usize] != Class::I64 {
            continue;
        }
        let mut steps = Vec::new();
        for &lb in &latches {
            let Some(Term::Jump(e)) = &f.blocks[lb.0 as usize].term else {
                continue 'params;
            };
            let x = e.args[k];
            let Inst::Bin(IOp::Add, p2, step) = f.insts[x.0 as usize] else {
                continue 'params;
            };
            let step_ok = match step {
                Rhs::K(s) => s != 0 && s.unsigned_abs() < 1 << 31,
                Rhs::V(s) => !inside(s),
            };
            if p2 != p || !step_ok {
                continue 'params;
            }
            steps.push((lb, x, step));
        }
        let mut found: Option<(Rhs, Rhs, Cond)> = None;
        for &(lb, x, step) in &steps {
            // The latch is reached only when its one predecessor's test
            // `x < stop` (or the like) held.
            let tested = match f.preds[lb.0 as usize][..] {
                [b] => match &f.blocks[b.0 as usize].term {
                    Some(Term::Branch(Test::I(c, y, s), yes, _)) if *y == x && yes.to == lb => {
                        Some((*c, *s))
                    }
                    _ => None,
                },
                _ => None,
            };
            let up = !matches!(step, Rhs::K(s) if s < 0);
            let fits = |c: Cond| match c {
                Cond::Lt | Cond::Le => up,
                Cond::Gt | Cond::Ge => !up && matches!(step, Rhs::K(_)),
                _ => false,
            };
            let stop = tested.filter(|&(c, s)| fits(c) && !matches!(s, Rhs::V(s) if inside(s)));
            match stop {
                Some((c, s)) if found.is_none_or(|t| t == (s, step, c)) => {
                    found = Some((s, step, c));
                }
                _ => {
                    found = None;
                    break;
                }
            }
        }
        if let Some((stop, step, cond)) = found {
            return Some(Iv {
                param: p,
                init: into.args[k],
                stop: Some(stop),
                step,
                cond,
            });
        }
        if let (None, Some(&(_, _, Rhs::K(s0)))) = (monotone, steps.first()) {
            if steps.iter().all(|&(_, _, s)| s == Rhs::K(s0)) {
                monotone = Some(Iv {
                    param: p,
                    init: into.args[k],
                    stop: None,
                    step: Rhs::K(s0),
                    cond: if s0 > 0 { Cond::Lt } else { Cond::Gt },
                });
            }
        }
    }
    monotone
}

fn version_loop(f: &mut Func, l: usize) -> bool {
    let Some(pre) = f.loops[l].preheader else {
        return false;
    };
    let mut body = pool::empty::<Block>();
    body.extend_from_slice(&f.loops[l].blocks);
    let header = f.loops[l].header;
    let nb0 = f.blocks.len();
    let mut member = pool::filled(nb0, 0u8);
    for b in body.iter() {
        member[b.0 as usize] = 2;
    }
    // The loop and the blocks only it leads to (the ways out of a range
    // loop, which take the counter back from its step): copied together.
    let mut region = pool::empty::<Block>();
    region.extend_from_slice(&body);
    for (b, preds) in f.preds.iter().enumerate() {
        let within = |b: &Block| member[b.0 as usize] == 2;
        if member[b] != 2 && !preds.is_empty() && preds.iter().all(within) {
            region.push(Block(b as u32));
        }
    }
    for b in region[body.len()..].iter() {
        member[b.0 as usize] = 1;
    }
    let def = f.def_blocks();
    let n0 = f.insts.len();
    let inside = |v: Value| def[v.0 as usize].is_some_and(|b| member[b.0 as usize] == 2);
    let in_region = |v: Value| def[v.0 as usize].is_some_and(|b| member[b.0 as usize] > 0);
    // (Every loop head is an entry, so a loop around another is entered
    // from the side and is no natural loop; but if one were, its inner
    // loops would be versioned on their own.)
    if (0..f.loops.len()).any(|o| o != l && body.contains(&f.loops[o].header)) {
        return false;
    }
    let Some(iv) = induction(f, l, &inside) else {
        return false;
    };
    // A loop with no stop may run a few iterations each time its
    // enclosing loop comes round (a partition's scans): a test on each
    // entry would cost more than the copy saves. It is versioned when it
    // starts from the same place every time.
    if let (None, Some(parent)) = (iv.stop, f.loops[l].parent) {
        let outer = &f.loops[parent].blocks;
        if def[iv.init.0 as usize].is_some_and(|b| outer.contains(&b)) {
            return false;
        }
    }
    // Nothing defined in the loop may be read outside it except along
    // the loop's own edges (which the copy gets copies of).
    // (Only a block the loop's header dominates can read its values.)
    for b in 0..f.blocks.len() as u32 {
        let b = Block(b);
        if member[b.0 as usize] > 0 || !f.dominates(header, b) {
            continue;
        }
        let mut reads = false;
        f.each_use(b, |v| reads |= in_region(v));
        if reads {
            return false;
        }
    }
    // Values the loop computes the same way on every iteration, from
    // values defined before it (integer arithmetic: no loads).
    let mut memo = pool::filled(n0, 0u8);
    let mut invariant = |v: Value| invariant_in(f, &inside, &mut memo, v);
    // The guards the copy goes without (`drop`), and the wraps it skips
    // (`unwrap`, each wrapped index's index).
    let mut checks: Vec<Check> = Vec::new();
    let mut arrays: Vec<Value> = Vec::new();
    let mut drop = pool::filled(n0, false);
    let mut unwrap = pool::filled(n0, None::<Value>);
    for &b in body.iter() {
        for &v in &f.blocks[b.0 as usize].insts {
            match f.insts[v.0 as usize] {
                Inst::Guard(Test::I(Cond::Eq, a, Rhs::K(0)), _)
                    if !inside(a) && f.class[a.0 as usize] == Class::Ptr =>
                {
                    if !arrays.contains(&a) {
                        arrays.push(a);
                    }
                    drop[v.0 as usize] = true;
                }
                Inst::Guard(Test::I(Cond::AboveEq, j, Rhs::V(n)), _) => {
                    let Some((c, i)) = bounds(f, &iv, &inside, &mut invariant, j, n) else {
                        continue;
                    };
                    if !arrays.contains(&c.arr) {
                        arrays.push(c.arr);
                    }
                    if !checks.contains(&c) {
                        checks.push(c);
                    }
                    if matches!(c.index, Index::Inv(_)) {
                        unwrap[j.0 as usize] = Some(i);
                    }
                    if matches!(c.index, Index::Aff(_)) {
                        unwrap[j.0 as usize] = Some(i);
                        // Without a bound, the copy checks the far end
                        // (the near one it checks before: the index is
                        // never negative after a step up, never past the
                        // end after a step down, so the unsigned compare
                        // of the unwrapped index is the guard).
                        if iv.stop.is_none() {
                            continue;
                        }
                    }
                    drop[v.0 as usize] = true;
                }
                _ => {}
            }
        }
    }
    if checks.is_empty() {
        return false;
    }
    // The stride of each array's last axis, which in a C-contiguous array
    // is its item size: the copy takes it as that constant (and the test
    // requires it), so that elements along a row are at known distances.
    let contiguous: Vec<(Value, i32, i64)> = arrays
        .iter()
        .filter_map(|&a| {
            last_axis(f, body.as_slice(), &checks, a).map(|(axis, size)| (a, axis, size))
        })
        .collect();

    // The test, at the end of the preheader: `bad` is nonzero when the
    // unchecked copy could go out of bounds. Headers are read through a
    // zeroed stand-in when an array is null (its shape is then 0, so
    // every check of it fails too).
    let at = |f: &mut Func, i: Inst, c: Class| {
        let v = push(f, i, c);
        f.blocks[pre.0 as usize].insts.push(v);
        v
    };
    let mut flags = Vec::new();
    // Each array's stand-in header, and each (array, axis)'s shape word.
    let mut safe: Vec<(Value, Value)> = Vec::new();
    for &a in &arrays {
        flags.push(at(
            f,
            Inst::Set(Test::I(Cond::Eq, a, Rhs::K(0))),
            Class::I64,
        ));
        let k = at(f, null_header(), Class::Ptr);
        let s = at(
            f,
            Inst::Select(Test::I(Cond::Eq, a, Rhs::K(0)), k, a),
            Class::Ptr,
        );
        safe.push((a, s));
    }
    let stand_in = |safe: &[(Value, Value)], a: Value| {
        safe.iter()
            .find(|&&(x, _)| x == a)
            .map(|&(_, s)| s)
            .expect("every checked array has a stand-in")
    };
    let mut shapes: Vec<((Value, i32), Value)> = Vec::new();
    let mut copies = pool::filled(n0, None::<Value>);
    for c in &checks {
        let n = match shapes.iter().find(|&&(k, _)| k == (c.arr, c.axis)) {
            Some(&(_, n)) => n,
            None => {
                let s = stand_in(&safe, c.arr);
                let n = at(f, Inst::Field(s, ARRAY_SHAPE + 8 * c.axis), Class::I64);
                shapes.push(((c.arr, c.axis), n));
                n
            }
        };
        match c.index {
            Index::Raw(i) => {
                let i = before(f, pre, &inside, &mut copies, i);
                flags.push(at(
                    f,
                    Inst::Set(Test::I(Cond::AboveEq, i, Rhs::V(n))),
                    Class::I64,
                ));
            }
            // A negative invariant index (rare: a constant one is raw)
            // takes the checked loop; the copy reads the index unwrapped.
            Index::Inv(i) => {
                let i = before(f, pre, &inside, &mut copies, i);
                flags.push(at(
                    f,
                    Inst::Set(Test::I(Cond::AboveEq, i, Rhs::V(n))),
                    Class::I64,
                ));
            }
            Index::Aff(c) => {
                // The index runs from `init + c` towards `stop + c`: both
                // ends in `0..n` (the first as one unsigned compare: `c`
                // is small, so the sum wraps only far from `0..n`).
                // Without a stop, the copy keeps each access's check of
                // the far end.
                let first = if c == 0 {
                    iv.init
                } else {
                    at(f, Inst::Bin(IOp::Add, iv.init, Rhs::K(c)), Class::I64)
                };
                flags.push(at(
                    f,
                    Inst::Set(Test::I(Cond::AboveEq, first, Rhs::V(n))),
                    Class::I64,
                ));
                let Some(stop) = iv.stop else {
                    continue;
                };
                let lim = if c == 0 {
                    n
                } else {
                    at(f, Inst::Bin(IOp::Sub, n, Rhs::K(c)), Class::I64)
                };
                // The last value is below `stop` (`Lt`), at most `stop`
                // (`Le`), above it (`Gt`) or at least it (`Ge`).
                let over = match (iv.cond, stop) {
                    (Cond::Lt, Rhs::V(s)) => Inst::Set(Test::I(Cond::Gt, s, Rhs::V(lim))),
                    (Cond::Lt, Rhs::K(s)) => Inst::Set(Test::I(Cond::Lt, lim, Rhs::K(s))),
                    (Cond::Le, Rhs::V(s)) => Inst::Set(Test::I(Cond::Ge, s, Rhs::V(lim))),
                    (Cond::Le, Rhs::K(s)) => Inst::Set(Test::I(Cond::Le, lim, Rhs::K(s))),
                    (Cond::Gt, Rhs::V(s)) => Inst::Set(Test::I(Cond::Lt, s, Rhs::K(-c - 1))),
                    (Cond::Gt, Rhs::K(s)) => Inst::Const(u64::from(s < -c - 1)),
                    (_, Rhs::V(s)) => Inst::Set(Test::I(Cond::Lt, s, Rhs::K(-c))),
                    (_, Rhs::K(s)) => Inst::Const(u64::from(s < -c)),
                };
                flags.push(at(f, over, Class::I64));
            }
        }
    }
    // A step by a value: positive, and small enough that no step past
    // `stop` wraps around.
    if let Rhs::V(s) = iv.step {
        flags.push(at(
            f,
            Inst::Set(Test::I(Cond::Lt, s, Rhs::K(1))),
            Class::I64,
        ));
        flags.push(at(
            f,
            Inst::Set(Test::I(Cond::Gt, s, Rhs::K(1 << 62))),
            Class::I64,
        ));
    }
    for &(a, axis, size) in &contiguous {
        let s = at(
            f,
            Inst::Field(stand_in(&safe, a), ARRAY_STRIDES + 8 * axis),
            Class::I64,
        );
        flags.push(at(
            f,
            Inst::Set(Test::I(Cond::Ne, s, Rhs::K(size))),
            Class::I64,
        ));
    }
    // What the enclosing loop computes the same way every time is one
    // value, nonzero when the copy cannot run (it can leave that loop);
    // the rest are tests, each a branch to the checked loop.
    let mut tests = Vec::new();
    if let Some(parent) = f.loops[l].parent {
        let outer = &f.loops[parent].blocks;
        let mut memo = pool::filled(f.insts.len(), 0u8);
        let mut moves = |v: Value| varies(f, &def, outer, &mut memo, v);
        let (mut fixed, mut var) = (Vec::new(), Vec::new());
        for &x in &flags {
            match f.insts[x.0 as usize] {
                Inst::Set(t) if moves(x) => var.push((x, t)),
                _ => fixed.push(x),
            }
        }
        let sets: Vec<Value> = var.iter().map(|&(x, _)| x).collect();
        f.blocks[pre.0 as usize].insts.retain(|v| !sets.contains(v));
        for (_, t) in var {
            if !tests.contains(&t) {
                tests.push(t);
            }
        }
        flags = fixed;
    }
    let mut bad = flags.first().copied();
    for &x in flags.iter().skip(1) {
        bad = bad.map(|b| at(f, Inst::Bin(IOp::Or, b, Rhs::V(x)), Class::I64));
    }

    // The copy.
    let Some(Term::Jump(into)) = f.blocks[pre.0 as usize].term.clone() else {
        unreachable!("a preheader jumps to its header");
    };
    // Each value's and block's copy (or what stands for it there).
    let mut vmap = pool::filled(n0, None::<Value>);
    let mut bmap = pool::filled(nb0, None::<Block>);
    for &b in region.iter() {
        let nb = Block(f.blocks.len() as u32);
        let pc = f.blocks[b.0 as usize].pc;
        f.blocks.push(BlockData {
            pc,
            ..Default::default()
        });
        bmap[b.0 as usize] = Some(nb);
    }
    let gone = |v: Value| drop[v.0 as usize] || unwrap[v.0 as usize].is_some();
    for &b in region.iter() {
        let (np, ni) = {
            let bd = &f.blocks[b.0 as usize];
            (bd.params.len(), bd.insts.len())
        };
        for k in 0..np + ni {
            let bd = &f.blocks[b.0 as usize];
            let v = if k < np {
                bd.params[k]
            } else {
                bd.insts[k - np]
            };
            if gone(v) {
                continue;
            }
            let c = f.class[v.0 as usize];
            let nv = push(f, f.insts[v.0 as usize].clone(), c);
            vmap[v.0 as usize] = Some(nv);
        }
    }
    // Strides the copy knows that the loop reads from before it.
    let mut known = Vec::new();
    for &b in body.iter() {
        for k in 0..f.blocks[b.0 as usize].insts.len() {
            let v = f.blocks[b.0 as usize].insts[k];
            for x in f.insts[v.0 as usize].args() {
                let Inst::Field(a, off) = f.insts[x.0 as usize] else {
                    continue;
                };
                let size = contiguous
                    .iter()
                    .find(|&&(y, axis, _)| y == a && off == ARRAY_STRIDES + 8 * axis)
                    .map(|c| c.2);
                let copied = vmap.get(x.0 as usize).is_some_and(|c| c.is_some());
                if let (Some(size), false, false) = (size, inside(x), copied) {
                    let k = push(f, Inst::Const(size as u64), Class::I64);
                    vmap[x.0 as usize] = Some(k);
                    known.push(k);
                }
            }
        }
    }
    let m = |v: Value| -> Value {
        let v = unwrap.get(v.0 as usize).copied().flatten().unwrap_or(v);
        vmap.get(v.0 as usize).copied().flatten().unwrap_or(v)
    };
    let copy_exit = |f: &mut Func, x: &mut crate::ir::ExitId| {
        let mut e: Exit = f.exits[x.0 as usize].clone();
        for (_, v) in e.map.iter_mut() {
            *v = match f.insts[v.0 as usize] {
                Inst::Offset(y, k) => push(f, Inst::Offset(m(y), k), Class::I64),
                _ => m(*v),
            };
        }
        *x = crate::ir::ExitId(f.exits.len() as u32);
        f.exits.push(e);
    };
    for &b in region.iter() {
        let ni = f.blocks[b.0 as usize].insts.len();
        let mut nd = BlockData {
            pc: f.blocks[b.0 as usize].pc,
            ..Default::default()
        };
        nd.params = f.blocks[b.0 as usize]
            .params
            .iter()
            .map(|&v| m(v))
            .collect();
        if b == header {
            nd.insts.extend(&known);
        }
        nd.insts.reserve(ni);
        for k in 0..ni {
            let v = f.blocks[b.0 as usize].insts[k];
            if gone(v) {
                continue;
            }
            let nv = m(v);
            let mut i = f.insts[nv.0 as usize].clone();
            i.map_args(&m);
            if let Inst::Field(a, off) = i {
                let known = contiguous
                    .iter()
                    .find(|&&(x, axis, _)| x == a && off == ARRAY_STRIDES + 8 * axis);
                if let Some(&(_, _, size)) = known {
                    i = Inst::Const(size as u64);
                }
            }
            if let Some(x) = i.exit_mut() {
                copy_exit(f, x);
            }
            f.insts[nv.0 as usize] = i;
            nd.insts.push(nv);
        }
        let mut t = f.blocks[b.0 as usize]
            .term
            .clone()
            .expect("every block ends");
        if let Term::Branch(test, ..) = &mut t {
            crate::ir::map_test(test, &m);
        }
        for e in t.edges_mut() {
            e.args.iter_mut().for_each(|v| *v = m(*v));
            if let Some(&Some(nb)) = bmap.get(e.to.0 as usize) {
                e.to = nb;
            }
        }
        if let Some(x) = t.exit_mut() {
            copy_exit(f, x);
        }
        nd.term = Some(t);
        let nb = bmap[b.0 as usize].expect("a region block's copy");
        f.blocks[nb.0 as usize] = nd;
    }

    // The preheader branches: to the loop as it was through a block of its
    // own, or to the copy through another.
    let pc = f.blocks[header.0 as usize].pc;
    let slow = Block(f.blocks.len() as u32);
    f.blocks.push(BlockData {
        pc,
        term: Some(Term::Jump(into.clone())),
        ..Default::default()
    });
    let fast = Block(f.blocks.len() as u32);
    let fast_header = bmap[header.0 as usize].expect("the header's copy");
    f.blocks.push(BlockData {
        pc,
        term: Some(Term::Jump(Edge {
            to: fast_header,
            args: into.args.clone(),
        })),
        ..Default::default()
    });
    let to = |b: Block| Edge {
        to: b,
        args: vec![],
    };
    // From the preheader through each test to the copy.
    let mut from = pre;
    let mut branches: Vec<Test> = bad
        .map(|b| Test::I(Cond::Ne, b, Rhs::K(0)))
        .into_iter()
        .collect();
    branches.extend(tests);
    for (k, &t) in branches.iter().enumerate() {
        let next = if k + 1 == branches.len() {
            fast
        } else {
            let b = Block(f.blocks.len() as u32);
            f.blocks.push(BlockData {
                pc,
                ..Default::default()
            });
            b
        };
        f.blocks[from.0 as usize].term = Some(Term::Branch(t, to(slow), to(next)));
        from = next;
    }
    if branches.is_empty() {
        f.blocks[pre.0 as usize].term = Some(Term::Jump(to(fast)));
    }

    // The checked loop runs only when the unchecked one cannot.
    for &b in region.iter() {
        f.blocks[b.0 as usize].cold = true;
    }
    f.blocks[slow.0 as usize].cold = true;
    let copy_of = |b: &Block| bmap[b.0 as usize].expect("a loop block's copy");
    let copy: Vec<Block> = body.iter().map(copy_of).collect();
    let latches: Vec<Block> = f.preds[header.0 as usize]
        .iter()
        .filter(|b| member.get(b.0 as usize) == Some(&2))
        .map(copy_of)
        .collect();
    reduce(
        f,
        &Reduce {
            body: &copy,
            header: fast_header,
            pre: fast,
            latches: &latches,
            iv: m(iv.param),
            init: iv.init,
            step: match iv.step {
                Rhs::K(k) => Step::K(k),
                Rhs::V(s) => Step::Scaled(s, 1),
            },
            arrays: &arrays,
        },
    );
    true
}

/// Does guard `j >=u n` check an access of an invariant array along one
/// axis at an index this loop can vouch for? Returns the check and the
/// unwrapped index.
fn bounds(
    f: &Func,
    iv: &Iv,
    inside: &dyn Fn(Value) -> bool,
    invariant: &mut dyn FnMut(Value) -> bool,
    j: Value,
    n: Value,
) -> Option<(Check, Value)> {
    let Inst::Field(arr, off) = f.insts[n.0 as usize] else {
        return None;
    };
    let axes = ARRAY_SHAPE..ARRAY_SHAPE + 8 * vm::array::MAX_NDIM as i32;
    if inside(arr) || f.class[arr.0 as usize] != Class::Ptr || !axes.contains(&off) {
        return None;
    }
    // j = i < 0 ? i + n : i
    let Inst::Select(Test::I(Cond::Lt, i, Rhs::K(0)), w, i2) = f.insts[j.0 as usize] else {
        let axis = (off - ARRAY_SHAPE) / 8;
        return invariant(j).then_some((
            Check {
                arr,
                axis,
                index: Index::Raw(j),
            },
            j,
        ));
    };
    if i2 != i || f.insts[w.0 as usize] != Inst::Bin(IOp::Add, i, Rhs::V(n)) {
        return None;
    }
    let small = |c: i64| c.unsigned_abs() < 1 << 31;
    let index = if invariant(i) {
        Index::Inv(i)
    } else if i == iv.param {
        Index::Aff(0)
    } else {
        match f.insts[i.0 as usize] {
            Inst::Bin(IOp::Add, x, Rhs::K(c)) if x == iv.param && small(c) => Index::Aff(c),
            Inst::Bin(IOp::Sub, x, Rhs::K(c)) if x == iv.param && small(c) => Index::Aff(-c),
            _ => return None,
        }
    };
    let axis = (off - ARRAY_SHAPE) / 8;
    Some((Check { arr, axis, index }, i))
}

/// The last axis of array `a` as the loop indexes it (every element
/// access checks each axis against the shape) and its elements' size, when
/// every element the loop reads or writes of it has the same width.
fn last_axis(f: &Func, body: &[Block], checks: &[Check], a: Value) -> Option<(i32, i64)> {
    let axes = ARRAY_SHAPE..ARRAY_SHAPE + 8 * vm::array::MAX_NDIM as i32;
    let (mut last, mut width) = (None, None);
    for c in checks.iter().filter(|c| c.arr == a) {
        last = last.max(Some(c.axis));
    }
    for &b in body {
        for &v in &f.blocks[b.0 as usize].insts {
            match f.insts[v.0 as usize] {
                Inst::Field(x, off) if x == a && axes.contains(&off) => {
                    last = last.max(Some((off - ARRAY_SHAPE) / 8));
                }
                Inst::Load(w, addr, _) | Inst::Store(w, addr, _, _) => {
                    let Inst::Bin(IOp::Add, d, _) = f.insts[addr.0 as usize] else {
                        continue;
                    };
                    if f.insts[d.0 as usize] != Inst::Field(a, ARRAY_DATA) {
                        continue;
                    }
                    match width {
                        None => width = Some(w),
                        Some(w0) if w0 != w => return None,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
    let size = match width? {
        Width::W64 => 8,
        Width::W8 => 1,
    };
    Some((last?, size))
}

/// Does `v` (of the versioning test, or from before it) depend on a value
/// defined in blocks `outer`?
fn varies(f: &Func, def: &[Option<Block>], outer: &[Block], memo: &mut [u8], v: Value) -> bool {
    // (memo: 0 not known yet, 1 no, 2 yes.)
    match memo[v.0 as usize] {
        0 => {}
        m => return m == 2,
    }
    let r = match def.get(v.0 as usize).copied().flatten() {
        Some(b) => outer.contains(&b),
        // Made for the test: through its operands.
        None => f.insts[v.0 as usize]
            .args()
            .into_iter()
            .any(|a| varies(f, def, outer, memo, a)),
    };
    memo[v.0 as usize] = 1 + r as u8;
    r
}

/// Is `v` computed from values defined before the loop, by integer
/// arithmetic that cannot trap?
fn invariant_in(f: &Func, inside: &dyn Fn(Value) -> bool, memo: &mut [u8], v: Value) -> bool {
    if !inside(v) {
        return true;
    }
    // (memo: 0 not known yet, 1 no, 2 yes.)
    match memo[v.0 as usize] {
        0 => {}
        m => return m == 2,
    }
    let i = &f.insts[v.0 as usize];
    let r = match i {
        Inst::Const(_) => true,
        Inst::Bin(..) | Inst::Un(..) | Inst::Set(_) | Inst::Select(..) if crate::opt::pure(i) => i
            .args()
            .into_iter()
            .all(|a| invariant_in(f, inside, memo, a)),
        _ => false,
    };
    memo[v.0 as usize] = 1 + r as u8;
    r
}

/// `v` (invariant in the loop, see [`invariant_in`]) computed at the end of
/// preheader `pre`: itself when it is defined before the loop, else a copy
/// of its computation.
fn before(
    f: &mut Func,
    pre: Block,
    inside: &dyn Fn(Value) -> bool,
    copies: &mut [Option<Value>],
    v: Value,
) -> Value {
    if !inside(v) {
        return v;
    }
    if let Some(w) = copies[v.0 as usize] {
        return w;
    }
    let mut i = f.insts[v.0 as usize].clone();
    let args: Vec<(Value, Value)> = i
        .args()
        .into_iter()
        .map(|a| (a, before(f, pre, inside, copies, a)))
        .collect();
    i.map_args(&|x| args.iter().find(|(y, _)| *y == x).map_or(x, |&(_, z)| z));
    let w = push(f, i, f.class[v.0 as usize]);
    f.blocks[pre.0 as usize].insts.push(w);
    copies[v.0 as usize] = Some(w);
    w
}

/// The unchecked copy of a loop, for [`reduce`].
struct Reduce<'a> {
    body: &'a [Block],
    header: Block,
    pre: Block,
    latches: &'a [Block],
    iv: Value,
    init: Value,
    step: Step,
    /// Arrays known not to be null in the copy.
    arrays: &'a [Value],
}

crate::pool::pooled!(Option<Option<Step>>);

/// How a value changes from one iteration to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Zero,
    K(i64),
    /// By a multiple of an invariant value.
    Scaled(Value, i64),
}

/// Strength-reduces the element addresses of an unchecked copy (see the
/// module's comment).
fn reduce(f: &mut Func, r: &Reduce) {
    let def = f.def_blocks();
    let n0 = f.insts.len();
    let mut member = pool::filled(f.blocks.len(), false);
    for b in r.body {
        member[b.0 as usize] = true;
    }
    let inside = |v: Value| def[v.0 as usize].is_some_and(|b| member[b.0 as usize]);
    // Element addresses, in order of first use; and the values the loop
    // reads other than as an address (stored, computed on, tested,
    // passed along an edge).
    let mut addrs = pool::empty::<Value>();
    let mut escapes = pool::filled(n0, false);
    for &b in r.body {
        let bd = &f.blocks[b.0 as usize];
        for &v in &bd.insts {
            match f.insts[v.0 as usize] {
                Inst::Load(..) => {}
                Inst::Store(_, _, _, y) => escapes[y.0 as usize] = true,
                ref i => i
                    .args()
                    .into_iter()
                    .for_each(|a| escapes[a.0 as usize] = true),
            }
            let a = match f.insts[v.0 as usize] {
                Inst::Load(_, a, 0) | Inst::Store(_, a, 0, _) => a,
                _ => continue,
            };
            if inside(a)
                && !f.blocks[r.header.0 as usize].params.contains(&a)
                && !addrs.contains(&a)
            {
                addrs.push(a);
            }
        }
        if let Some(t) = &bd.term {
            match t {
                Term::Branch(Test::I(_, x, Rhs::V(y)) | Test::F(_, x, y), ..) => {
                    escapes[x.0 as usize] = true;
                    escapes[y.0 as usize] = true;
                }
                Term::Branch(Test::I(_, x, Rhs::K(_)), ..) => escapes[x.0 as usize] = true,
                _ => {}
            }
            for e in t.edges() {
                e.args.iter().for_each(|a| escapes[a.0 as usize] = true);
            }
        }
    }
    // Addresses that differ by a constant (elements of one row, at
    // constant distances once the row's stride is known) share one
    // pointer: the others read at a displacement from it.
    struct Group {
        terms: Vec<(Value, i64)>,
        /// The first address, and its constant.
        rep: Value,
        c0: i64,
        /// Every address with its distance.
        members: Vec<(Value, i64)>,
    }
    let mut groups: Vec<Group> = Vec::new();
    for &a in addrs.iter() {
        let (terms, c) = linear(f, a, 0);
        let only_memory = !escapes[a.0 as usize];
        let group = groups.iter_mut().find(|g| {
            g.terms == terms && only_memory && i32::try_from(c.wrapping_sub(g.c0)).is_ok()
        });
        match group {
            Some(g) => g.members.push((a, c.wrapping_sub(g.c0))),
            None => groups.push(Group {
                terms,
                rep: a,
                c0: c,
                members: vec![(a, 0)],
            }),
        }
    }
    let mut memo = pool::filled(n0, None::<Option<Step>>);
    let mut at_init = pool::filled(n0, None::<Value>);
    // Each address: the pointer it reads through and at what distance.
    let mut replace = pool::filled(n0, None::<(Value, i64)>);
    let mut replaced = false;
    for g in groups {
        let a = g.rep;
        let step = match step(f, r, &inside, &mut memo, a) {
            None => continue,
            Some(s) => s,
        };
        let q0 = materialize(f, r, &inside, &mut at_init, a);
        let by = match step {
            Step::K(k) => Rhs::K(k),
            Step::Scaled(s, k) => match crate::simplify::konst(f, s) {
                Some(c) => Rhs::K(c.wrapping_mul(k)),
                None => {
                    let s = materialize(f, r, &inside, &mut at_init, s);
                    if k == 1 {
                        Rhs::V(s)
                    } else {
                        let sk = push(f, Inst::Bin(IOp::Mul, s, Rhs::K(k)), Class::I64);
                        f.blocks[r.pre.0 as usize].insts.push(sk);
                        Rhs::V(sk)
                    }
                }
            },
            // An invariant address: one computed before the loop serves
            // the row.
            Step::Zero => {
                for (x, d) in g.members {
                    replace[x.0 as usize] = Some((q0, d));
                    replaced = true;
                }
                continue;
            }
        };
        let class = f.class[a.0 as usize];
        let q = push(f, Inst::Param, class);
        f.blocks[r.header.0 as usize].params.push(q);
        if let Some(Term::Jump(e)) = f.blocks[r.pre.0 as usize].term.as_mut() {
            e.args.push(q0);
        }
        for &lb in r.latches {
            let next = push(f, Inst::Bin(IOp::Add, q, by), class);
            let bd = &mut f.blocks[lb.0 as usize];
            bd.insts.push(next);
            if let Some(Term::Jump(e)) = bd.term.as_mut() {
                debug_assert_eq!(e.to, r.header);
                e.args.push(next);
            }
        }
        for (x, d) in g.members {
            replace[x.0 as usize] = Some((q, d));
            replaced = true;
        }
    }
    if !replaced {
        return;
    }
    let shift = |off: i32, d: i64| i32::try_from(off as i64 + d).ok();
    for &b in r.body {
        for k in 0..f.blocks[b.0 as usize].insts.len() {
            let v = f.blocks[b.0 as usize].insts[k];
            let i = &mut f.insts[v.0 as usize];
            match i {
                Inst::Load(_, a, off) | Inst::Store(_, a, off, _) => {
                    if let Some(&Some((q, d))) = replace.get(a.0 as usize) {
                        if let Some(o) = shift(*off, d) {
                            *a = q;
                            *off = o;
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // Any other reader of an address (a group of one: no displacement).
    let m = |v: Value| match replace.get(v.0 as usize) {
        Some(&Some((q, 0))) => q,
        _ => v,
    };
    for &b in r.body {
        for k in 0..f.blocks[b.0 as usize].insts.len() {
            let v = f.blocks[b.0 as usize].insts[k];
            f.insts[v.0 as usize].map_args(&m);
        }
        if let Some(t) = f.blocks[b.0 as usize].term.as_mut() {
            if let Term::Branch(test, ..) = t {
                crate::ir::map_test(test, &m);
            }
            for e in t.edges_mut() {
                e.args.iter_mut().for_each(|v| *v = m(*v));
            }
        }
    }
}

/// `v` as a sum of terms with integer coefficients (sorted by value) plus
/// a constant, through additions, subtractions and products by constants.
fn linear(f: &Func, v: Value, depth: u32) -> (Vec<(Value, i64)>, i64) {
    let atom = || (vec![(v, 1)], 0);
    if depth > 8 {
        return atom();
    }
    let rhs = |r: Rhs| match r {
        Rhs::K(k) => (Vec::new(), k),
        Rhs::V(y) => linear(f, y, depth + 1),
    };
    let k_of = |r: Rhs| match r {
        Rhs::K(k) => Some(k),
        Rhs::V(y) => crate::simplify::konst(f, y),
    };
    let (mut terms, c) = match f.insts[v.0 as usize] {
        Inst::Const(_) => match crate::simplify::konst(f, v) {
            Some(k) => return (Vec::new(), k),
            None => return atom(),
        },
        Inst::Bin(op @ (IOp::Add | IOp::Sub), x, y) => {
            let (mut tx, cx) = linear(f, x, depth + 1);
            let (ty, cy) = rhs(y);
            let sign = if op == IOp::Add { 1 } else { -1 };
            tx.extend(ty.into_iter().map(|(t, k)| (t, k.wrapping_mul(sign))));
            (tx, cx.wrapping_add(cy.wrapping_mul(sign)))
        }
        Inst::Bin(IOp::Mul, x, y) if k_of(y).is_some() => {
            let k = k_of(y).unwrap_or(1);
            let (tx, cx) = linear(f, x, depth + 1);
            (
                tx.into_iter()
                    .map(|(t, c)| (t, c.wrapping_mul(k)))
                    .collect(),
                cx.wrapping_mul(k),
            )
        }
        _ => return atom(),
    };
    terms.sort_unstable_by_key(|&(t, _)| t);
    let mut merged: Vec<(Value, i64)> = Vec::with_capacity(terms.len());
    for (t, k) in terms {
        match merged.last_mut() {
            Some((u, j)) if *u == t => *j = j.wrapping_add(k),
            _ => merged.push((t, k)),
        }
    }
    merged.retain(|&(_, k)| k != 0);
    (merged, c)
}

/// How `v` changes per iteration, when it is an affine function of the
/// induction variable that [`materialize`] can compute before the loop.
fn step(
    f: &Func,
    r: &Reduce,
    inside: &dyn Fn(Value) -> bool,
    memo: &mut [Option<Option<Step>>],
    v: Value,
) -> Option<Step> {
    if !inside(v) {
        return Some(Step::Zero);
    }
    if v == r.iv {
        return Some(r.step);
    }
    if let Some(s) = memo[v.0 as usize] {
        return s;
    }
    let i = f.insts[v.0 as usize].clone();
    let mut sub = |x: Value| step(f, r, inside, memo, x);
    // An operand that is a constant, as one.
    let k_of = |y: Rhs| match y {
        Rhs::K(k) => Some(k),
        Rhs::V(y) => crate::simplify::konst(f, y),
    };
    let scale = |s: Step, k: i64| match s {
        Step::Zero => Step::Zero,
        Step::K(a) => Step::K(a.wrapping_mul(k)),
        Step::Scaled(y, a) => Step::Scaled(y, a.wrapping_mul(k)),
    };
    // The sum of two steps, `sign` the second's.
    let add = |a: Step, b: Step, sign: i64| match (a, scale(b, sign)) {
        (Step::Zero, s) | (s, Step::Zero) => Some(s),
        (Step::K(x), Step::K(y)) => Some(Step::K(x.wrapping_add(y))),
        (Step::Scaled(x, a), Step::Scaled(y, b)) if x == y => Some(match a.wrapping_add(b) {
            0 => Step::Zero,
            k => Step::Scaled(x, k),
        }),
        _ => None,
    };
    let s = match i {
        Inst::Const(_) => Some(Step::Zero),
        Inst::Bin(op @ (IOp::Add | IOp::Sub), x, y) => {
            let sy = match y {
                Rhs::V(y) => sub(y),
                Rhs::K(_) => Some(Step::Zero),
            };
            match (sub(x), sy) {
                (Some(a), Some(b)) => add(a, b, if op == IOp::Add { 1 } else { -1 }),
                _ => None,
            }
        }
        Inst::Bin(IOp::Mul, x, y) => match (sub(x), k_of(y), y) {
            (Some(sx), Some(k), _) => Some(scale(sx, k)),
            (Some(sx), None, Rhs::V(y)) => match (sx, sub(y)) {
                (Step::Zero, Some(Step::Zero)) => Some(Step::Zero),
                (Step::K(a), Some(Step::Zero)) => Some(Step::Scaled(y, a)),
                (Step::Zero, Some(Step::K(a))) => Some(Step::Scaled(x, a)),
                _ => None,
            },
            _ => None,
        },
        // An array's header (verified not null before the copy runs).
        Inst::Field(a, off) if r.arrays.contains(&a) && off >= 0 => Some(Step::Zero),
        _ if crate::opt::pure(&i) && !matches!(i, Inst::Field(..)) => {
            let all = i.args().into_iter().all(|x| sub(x) == Some(Step::Zero));
            all.then_some(Step::Zero)
        }
        _ => None,
    };
    // A step by a value computed in the loop is taken before it: the
    // value must be invariant, which `Zero` says.
    let s = match s {
        Some(Step::Scaled(y, _)) if sub(y) != Some(Step::Zero) => None,
        s => s,
    };
    memo[v.0 as usize] = Some(s);
    s
}

/// `v`'s value in the first iteration, computed at the end of the
/// preheader (values from before the loop as they are; the induction
/// variable as its initial value).
fn materialize(
    f: &mut Func,
    r: &Reduce,
    inside: &dyn Fn(Value) -> bool,
    memo: &mut [Option<Value>],
    v: Value,
) -> Value {
    if v == r.iv {
        return r.init;
    }
    if !inside(v) {
        return v;
    }
    if let Some(w) = memo[v.0 as usize] {
        return w;
    }
    let mut i = f.insts[v.0 as usize].clone();
    let args = i.args();
    let mapped: Vec<(Value, Value)> = args
        .into_iter()
        .map(|x| (x, materialize(f, r, inside, memo, x)))
        .collect();
    i.map_args(&|x| mapped.iter().find(|(y, _)| *y == x).map_or(x, |&(_, z)| z));
    let w = push(f, i, f.class[v.0 as usize]);
    f.blocks[r.pre.0 as usize].insts.push(w);
    memo[v.0 as usize] = Some(w);
    w
}

#[cfg(test)]
mod tests {
    use crate::ir::{self, Inst, Test};

    fn optimized(src: &str, name: &str) -> ir::Func {
        let m = ir::tests::module(src);
        let p = m.protos.iter().find(|p| p.name == name).unwrap();
        let mut f = ir::build(p, &m.protos, &m.rtops).expect("IR");
        let regs = crate::regalloc::Regs {
            gpr: &[1, 2, 6, 7, 8, 9],
            gpr_saved: &[5, 14, 15],
            fpr: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        };
        crate::opt::optimize(&mut f, &regs, 0);
        f
    }

    /// Guards in the loops of `f`, by loop (in the order of `f.loops`).
    fn guards(f: &ir::Func) -> Vec<usize> {
        f.loops
            .iter()
            .map(|l| {
                l.blocks
                    .iter()
                    .flat_map(|b| f.blocks[b.0 as usize].insts.iter())
                    .filter(|v| matches!(f.insts[v.0 as usize], Inst::Guard(..)))
                    .count()
            })
            .collect()
    }

    #[test]
    fn a_range_loop_gets_an_unchecked_copy() {
        let f = optimized(
            "import numpy as np\n\
             def s(a):\n    t = 0.0\n    for i in range(len(a)):\n        t += a[i]\n    return t\n\
             s(np.zeros(3))\n",
            "s",
        );
        // The checked loop and its copy (and the copy's unrolled loop),
        // which have no guard, no wrap and no multiplication: a pointer
        // steps through the array.
        assert_eq!(f.loops.len(), 3, "{}", f.listing());
        let g = guards(&f);
        assert_eq!(
            g.iter().filter(|&&n| n == 0).count(),
            2,
            "{g:?}\n{}",
            f.listing()
        );
        assert!(g.iter().any(|&n| n >= 2), "{g:?}\n{}", f.listing());
        for (l, _) in g.iter().enumerate().filter(|(_, &n)| n == 0) {
            let insts: Vec<&Inst> = f.loops[l]
                .blocks
                .iter()
                .flat_map(|b| f.blocks[b.0 as usize].insts.iter())
                .map(|v| &f.insts[v.0 as usize])
                .collect();
            assert!(
                !insts.iter().any(|i| matches!(
                    i,
                    Inst::Bin(ir::IOp::Mul, ..) | Inst::Select(..) | Inst::Set(Test::I(..))
                )),
                "{}",
                f.listing()
            );
        }
    }

    #[test]
    fn two_dimensional_accesses_lose_their_checks_and_products() {
        let f = optimized(
            "import numpy as np\n\
             def mm(a, b, c):\n    n = a.shape[0]\n    for i in range(n):\n        for j in range(n):\n            s = 0.0\n            for k in range(n):\n                s += a[i, k] * b[k, j]\n            c[i, j] = s\n\
             mm(np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2)))\n",
            "mm",
        );
        let g = guards(&f);
        assert!(g.contains(&0), "{g:?}\n{}", f.listing());
        let fast = g.iter().position(|&n| n == 0).unwrap();
        let muls = f.loops[fast]
            .blocks
            .iter()
            .flat_map(|b| f.blocks[b.0 as usize].insts.iter())
            .filter(|v| matches!(f.insts[v.0 as usize], Inst::Bin(ir::IOp::Mul, ..)))
            .count();
        assert_eq!(muls, 0, "{}", f.listing());
    }

    #[test]
    fn a_loop_going_one_way_keeps_only_its_far_checks() {
        // `while a[i] < x: i += 1` has no stop to test before the loop,
        // but `i` only grows: the copy reads through a pointer stepped by
        // the item size, checks `i` against the length with no wrap, and
        // has no null check.
        let f = optimized(
            "import numpy as np\n\
             def s(a, i, x):\n    while a[i] < x:\n        i += 1\n    return i\n\
             s(np.zeros(3), 0, 1.0)\n",
            "s",
        );
        assert_eq!(f.loops.len(), 2, "{}", f.listing());
        let insts = |l: usize| -> Vec<&Inst> {
            f.loops[l]
                .blocks
                .iter()
                .flat_map(|b| f.blocks[b.0 as usize].insts.iter())
                .map(|v| &f.insts[v.0 as usize])
                .collect()
        };
        let fast = (0..2)
            .find(|&l| !f.blocks[f.loops[l].header.0 as usize].cold)
            .expect("an unchecked copy");
        let guards: Vec<&Inst> = insts(fast)
            .into_iter()
            .filter(|i| matches!(i, Inst::Guard(..)))
            .collect();
        assert_eq!(guards.len(), 1, "{}", f.listing());
        assert!(
            matches!(guards[0], Inst::Guard(Test::I(ir::Cond::AboveEq, ..), _)),
            "{}",
            f.listing()
        );
        assert!(
            !insts(fast)
                .iter()
                .any(|i| matches!(i, Inst::Bin(ir::IOp::Mul, ..) | Inst::Select(..))),
            "{}",
            f.listing()
        );
        // A loop that steps its counter both ways is left alone.
        let g = optimized(
            "import numpy as np\n\
             def s(a, i, x):\n    while a[i] < x:\n        if a[i] < 0.0:\n            i -= 1\n        else:\n            i += 1\n    return i\n\
             s(np.zeros(3), 0, 1.0)\n",
            "s",
        );
        assert_eq!(g.loops.len(), 1, "{}", g.listing());
        // Nor is one that an outer loop enters from a different place
        // each time (it may run a few iterations each time).
        let h = optimized(
            "import numpy as np\n\
             def s(a, x):\n    i = 0\n    for k in range(3):\n        while a[i] < x:\n            i += 1\n        i += k\n    return i\n\
             s(np.zeros(3), 1.0)\n",
            "s",
        );
        let heads: Vec<bool> = h
            .loops
            .iter()
            .map(|l| h.blocks[l.header.0 as usize].cold)
            .collect();
        assert!(!heads.contains(&true), "{}", h.listing());
    }
}
