//! Loop optimisations on the low IR.
//!
//! **Hoisting.** What a loop computes the same way on every iteration moves
//! to its preheader (which every way into the loop goes through, entries
//! from the interpreter included): pure arithmetic on values defined
//! outside the loop, and the loads of an array's header (data pointer,
//! shape, strides), which nothing in a loop changes. Loops are done
//! innermost first, so what an inner loop hoists can leave its outer loop
//! too. Integer `//` and `%` stay where they are (their divisor's guard is
//! in the loop), and so do element loads (stores in the loop may change
//! them). Out of an innermost loop, arithmetic leaves only as far as there
//! are registers to hold it (a value read from the stack in the loop
//! gains nothing over one computed there); header words, and everything
//! out of a loop around others, leave regardless, except floats out of a
//! loop that calls C code (no float register survives a call).
//!
//! A header load hoisted above the loop's null check of its array reads a
//! zeroed stand-in header when the array is unassigned: the check in the
//! loop still exits before anything uses what was read.

use crate::ir::{Block, Class, Cond, ExitId, FastMap, Func, IOp, Inst, Rhs, Test, Value};
use crate::pool;
use crate::regalloc::Regs;

/// A header every hoisted load may read when its array is null: zeros,
/// larger than `vm::array::Array`.
#[repr(C, align(8))]
struct NullHeader([u64; 64]);

static NULL_HEADER: NullHeader = NullHeader([0; 64]);

const _: () = assert!(std::mem::size_of::<vm::array::Array>() <= 64 * 8);

/// Is `i` a load from an array's header (not an element)?
pub(crate) fn header_load(i: &Inst) -> bool {
    matches!(i, Inst::Field(..))
}

/// Can `i` run earlier than where it is, and more often (no side effect,
/// no trap)?
pub(crate) fn pure(i: &Inst) -> bool {
    match i {
        Inst::Bin(op, ..) => !matches!(op, IOp::FloorDiv | IOp::Mod | IOp::UDiv),
        Inst::FBin(..) | Inst::Un(..) | Inst::Set(..) | Inst::Select(..) | Inst::Const(_) => true,
        _ => header_load(i),
    }
}

/// Can `i` leave a loop ([`pure`], and not a broadcast for a vector
/// loop, which stays right before it: scalar code between two runs of
/// the vector loop may clear the other lanes)?
fn movable(i: &Inst) -> bool {
    pure(i) && !matches!(i, Inst::Un(crate::ir::UnOp::Splat, _))
}

/// Registers a loop's body needs besides its long-lived values.
const TEMPS: usize = 3;

/// Hoists loop-invariant computations into preheaders (see the module's
/// comment), as long as what the loop keeps live fits in `regs`: a value
/// hoisted only to spill is read from the stack instead of from where it
/// came from, no gain. Returns how many instructions moved.
pub fn hoist(f: &mut Func, regs: &Regs) -> usize {
    let mut def_block = f.def_blocks();
    let rpo = f.rpo();
    let mut loops = pool::empty::<usize>();
    loops.extend(0..f.loops.len());
    loops.sort_by_key(|&l| std::cmp::Reverse(f.loops[l].depth));
    let mut moved = 0;
    // (Each block's list is rewritten through one work list.)
    let mut keep = pool::empty::<Value>();
    let mut member = pool::empty::<bool>();
    let mut body = pool::empty::<Block>();
    let mut long = pool::empty::<Value>();
    let mut inv = pool::empty::<bool>();
    let mut read = pool::empty::<bool>();
    let mut out = pool::empty::<Value>();
    let mut safe = pool::empty::<(Value, Value)>();
    let mut scalar = pool::empty::<Block>();
    let mut consts = pool::empty::<Value>();
    for &l in loops.iter() {
        let Some(pre) = f.loops[l].preheader else {
            continue;
        };

        body.clear();
        body.extend_from_slice(&f.loops[l].blocks);
        crate::pool::refill(&mut member, f.blocks.len(), false);
        for b in body.iter() {
            member[b.0 as usize] = true;
        }
        let inside = |b: Option<Block>| b.is_some_and(|b| member[b.0 as usize]);
        // Integer and float values live all through the loop: the
        // header's parameters and what the loop reads from outside it.
        long.clear();
        long.extend_from_slice(&f.blocks[f.loops[l].header.0 as usize].params);
        for b in body.iter() {
            let bd = &f.blocks[b.0 as usize];
            let outside = |a: &Value| !inside(def_block[a.0 as usize]);
            let used = bd.insts.iter().flat_map(|&v| f.insts[v.0 as usize].args());
            long.extend(used.filter(outside));
            if let Some(t) = &bd.term {
                if let crate::ir::Term::Branch(t, ..) = t {
                    long.extend(test_args(t).into_iter().filter(outside));
                }
                let args = t.edges().into_iter().flat_map(|e| e.args.iter().copied());
                long.extend(args.filter(outside));
            }
        }
        long.sort();
        long.dedup();
        let floats = long
            .iter()
            .filter(|&&v| f.class[v.0 as usize] == Class::F64)
            .count();
        // What lives through a loop that calls C code is in a register
        // the call preserves, or in memory: no float register is
        // preserved, so a float hoisted out of such a loop would be read
        // from the stack inside it.
        let calls = body.iter().any(|b| {
            let bd = &f.blocks[b.0 as usize];
            matches!(bd.term, Some(crate::ir::Term::Call { .. }))
                || bd.insts.iter().any(|&v| f.insts[v.0 as usize].calls())
        });
        let (mut room_g, mut room_f) = if calls {
            (regs.gpr_saved.len().saturating_sub(long.len() - floats), 0)
        } else {
            (
                (regs.gpr.len() + regs.gpr_saved.len()).saturating_sub(TEMPS + long.len() - floats),
                regs.fpr.len().saturating_sub(TEMPS + floats),
            )
        };
        // When the invariant values the rest of the loop reads fit the
        // room, everything invariant leaves: what only feeds other
        // invariant values needs no register in the loop.
        let outer = f
            .loops
            .iter()
            .enumerate()
            .any(|(o, lp)| o != l && member[lp.header.0 as usize]);
        let unbounded = outer || {
            crate::pool::refill(&mut inv, f.insts.len(), false);
            for &b in rpo.iter().filter(|b| member[b.0 as usize]) {
                for &v in &f.blocks[b.0 as usize].insts {
                    let i = &f.insts[v.0 as usize];
                    inv[v.0 as usize] = movable(i)
                        && i.args().iter().all(|a| {
                            !inside(def_block[a.0 as usize])
                                || inv[a.0 as usize]
                                || matches!(f.insts[a.0 as usize], Inst::Const(_))
                        });
                }
            }
            crate::pool::refill(&mut read, f.insts.len(), false);
            for b in body.iter() {
                let bd = &f.blocks[b.0 as usize];
                for &v in &bd.insts {
                    if !inv[v.0 as usize] {
                        f.insts[v.0 as usize]
                            .args()
                            .into_iter()
                            .for_each(|a| read[a.0 as usize] = true);
                    }
                }
                if let Some(t) = &bd.term {
                    if let crate::ir::Term::Branch(t, ..) = t {
                        test_args(t)
                            .into_iter()
                            .for_each(|a| read[a.0 as usize] = true);
                    }
                    for e in t.edges() {
                        e.args.iter().for_each(|a| read[a.0 as usize] = true);
                    }
                }
            }
            // (Only the loop's own instructions are invariant ones.)
            let (mut need_g, mut need_f) = (0, 0);
            for b in body.iter() {
                for &v in &f.blocks[b.0 as usize].insts {
                    let v = v.0 as usize;
                    if inv[v] && read[v] && !matches!(f.insts[v], Inst::Const(_)) {
                        if f.class[v] == Class::F64 {
                            need_f += 1;
                        } else {
                            need_g += 1;
                        }
                    }
                }
            }
            need_g <= room_g && need_f <= room_f
        };
        // Out of a loop around others, everything invariant leaves: the
        // allocator spills first what only the outer loop reads (its
        // weight is a loop level lower), and a read from the stack costs no
        // more than what it replaces.
        if unbounded {
            room_g = usize::MAX;
            if !calls {
                room_f = usize::MAX;
            }
        }
        out.clear();
        // A stand-in for each array whose header loads leave the loop.
        safe.clear();
        // (A vector block's values are vectors: before it, scalars.)
        scalar.clear();
        scalar.extend(
            rpo.iter()
                .copied()
                .filter(|b| member[b.0 as usize] && f.blocks[b.0 as usize].lanes == 0),
        );
        for &b in scalar.iter() {
            let mut insts = std::mem::take(&mut f.blocks[b.0 as usize].insts);
            keep.clear();
            for &v in &insts {
                let i = &f.insts[v.0 as usize];
                let invariant = movable(i)
                    && i.args().iter().all(|a| {
                        !inside(def_block[a.0 as usize])
                            || matches!(f.insts[a.0 as usize], Inst::Const(_))
                    });
                // Integer constants are cheaper to make in the loop than to
                // keep in a register all through it, unless a hoisted
                // instruction needs them.
                let room = if f.class[v.0 as usize] == Class::F64 {
                    &mut room_f
                } else {
                    &mut room_g
                };
                // A header word leaves however full the registers are: in
                // the loop it is a load from its array (itself maybe in
                // memory), and out of it at most one from the stack.
                let field = header_load(i);
                if !invariant
                    || (matches!(i, Inst::Const(_)) && f.class[v.0 as usize] != Class::F64)
                    || (*room == 0 && !field)
                {
                    keep.push(v);
                    continue;
                }
                *room = room.saturating_sub(1);
                if header_load(i) {
                    let Inst::Field(a, off) = *i else {
                        unreachable!()
                    };
                    // A base that already is a stand-in (from an inner
                    // loop) stays as it is.
                    let stand_in = matches!(
                        f.insts[a.0 as usize],
                        Inst::Select(_, k, _) if f.insts[k.0 as usize] == null_header()
                    );
                    let s = match safe.iter().find(|(x, _)| *x == a) {
                        _ if stand_in => a,
                        Some(&(_, s)) => s,
                        None => {
                            let k = push(f, null_header(), Class::Ptr);
                            let s = push(
                                f,
                                Inst::Select(Test::I(Cond::Eq, a, Rhs::K(0)), k, a),
                                Class::Ptr,
                            );
                            def_block.extend([Some(pre), Some(pre)]);
                            out.extend([k, s]);
                            safe.push((a, s));
                            s
                        }
                    };
                    f.insts[v.0 as usize] = Inst::Field(s, off);
                }
                out.push(v);
                def_block[v.0 as usize] = Some(pre);
                moved += 1;
            }
            insts.clear();
            insts.extend_from_slice(&keep);
            f.blocks[b.0 as usize].insts = insts;
        }
        // Integer constants the hoisted instructions use come along.
        consts.clear();
        for &v in out.iter() {
            for a in f.insts[v.0 as usize].args() {
                if inside(def_block[a.0 as usize])
                    && matches!(f.insts[a.0 as usize], Inst::Const(_))
                {
                    consts.push(a);
                    def_block[a.0 as usize] = Some(pre);
                }
            }
        }
        if !consts.is_empty() {
            // (`inv` is free again: it marks the constants that go.)
            crate::pool::refill(&mut inv, f.insts.len(), false);
            consts.iter().for_each(|c| inv[c.0 as usize] = true);
            for b in body.iter() {
                f.blocks[b.0 as usize].insts.retain(|x| !inv[x.0 as usize]);
            }
        }
        let p = &mut f.blocks[pre.0 as usize].insts;
        p.extend_from_slice(&consts);
        p.extend_from_slice(&out);
    }
    moved
}

/// Common subexpressions: an instruction that computes what one in a
/// dominating block already did (pure arithmetic, an array header's
/// field) takes that value instead, and a guard that tests what a
/// dominating guard already tested goes (that one left if it held).
/// Constants are not merged: one constant's register all through a
/// function costs more than making it where it is used. Returns how many
/// instructions went.
pub fn cse(f: &mut Func) -> usize {
    let def = f.def_blocks();
    let mut fwd = pool::empty::<Value>();
    fwd.extend((0..f.insts.len() as u32).map(Value));
    let res = |fwd: &[Value], mut v: Value| {
        while fwd[v.0 as usize] != v {
            v = fwd[v.0 as usize];
        }
        v
    };
    // Instructions seen, by what they compute (a guard by its test alone):
    // the map the last function used, emptied.
    let mut seen = SEEN.with(|s| s.take());
    seen.clear();
    let mut removed = 0;
    // (Each block's list is rewritten through one work list.)
    let mut keep = pool::empty::<Value>();
    for &b in f.rpo().iter() {
        let mut insts = std::mem::take(&mut f.blocks[b.0 as usize].insts);
        keep.clear();
        for &v in &insts {
            f.insts[v.0 as usize].map_args(&|x| res(&fwd, x));
            let i = &f.insts[v.0 as usize];
            let key = match i {
                Inst::Guard(t, _) => Some((Inst::Guard(*t, ExitId(0)), Class::I64)),
                Inst::Const(_) => None,
                _ if pure(i) && f.blocks[b.0 as usize].lanes == 0 => {
                    Some((i.clone(), f.class[v.0 as usize]))
                }
                _ => None,
            };
            if let Some(key) = key {
                use std::collections::hash_map::Entry;
                match seen.entry(key) {
                    Entry::Occupied(mut o) => {
                        let w = o
                            .get()
                            .iter()
                            .copied()
                            .find(|w| def[w.0 as usize].is_some_and(|d| f.dominates(d, b)));
                        if let Some(w) = w {
                            if f.insts[v.0 as usize].has_result() {
                                fwd[v.0 as usize] = w;
                            }
                            removed += 1;
                            continue;
                        }
                        o.get_mut().push(v);
                    }
                    Entry::Vacant(e) => {
                        e.insert(smallvec::smallvec![v]);
                    }
                }
            }
            keep.push(v);
        }
        insts.clear();
        insts.extend_from_slice(&keep);
        f.blocks[b.0 as usize].insts = insts;
    }
    SEEN.with(|s| s.set(seen));
    if removed > 0 {
        replace_uses(f, &|x| res(&fwd, x));
    }
    removed
}

type Seen = FastMap<(Inst, Class), smallvec::SmallVec<[Value; 2]>>;

thread_local! {
    /// [`cse`]'s map, kept from one function to the next (with its room).
    static SEEN: std::cell::Cell<Seen> = std::cell::Cell::new(Seen::default());
}

/// Rewrites every use of a value in `f` through `r`.
pub(crate) fn replace_uses(f: &mut Func, r: &impl Fn(Value) -> Value) {
    for i in &mut f.insts {
        i.map_args(r);
    }
    for b in &mut f.blocks {
        if let Some(t) = b.term.as_mut() {
            if let crate::ir::Term::Branch(t, ..) = t {
                crate::ir::map_test(t, r);
            }
            for e in t.edges_mut() {
                e.args.iter_mut().for_each(|v| *v = r(*v));
            }
        }
    }
    for x in &mut f.exits {
        x.map.iter_mut().for_each(|(_, v)| *v = r(*v));
    }
}

/// Removes instructions whose results nothing reads (a removed guard can
/// leave the index arithmetic it checked, and the values only its exit
/// wrote back, without readers). Returns how many went.
pub fn dce(f: &mut Func) -> usize {
    let n = f.insts.len();
    let removable = |i: &Inst| {
        matches!(
            i,
            Inst::Bin(..)
                | Inst::FBin(..)
                | Inst::Un(..)
                | Inst::Set(_)
                | Inst::Select(..)
                | Inst::Load(..)
                | Inst::Field(..)
                | Inst::Const(_)
                | Inst::LoadSlot(_)
        )
    };
    // Readers of each value; an instruction that loses its last reader
    // goes, and its operands lose one each.
    let mut uses = pool::filled(n, 0u32);
    let mut placed = pool::filled(n, false);
    for b in 0..f.blocks.len() {
        f.each_use(Block(b as u32), |u| uses[u.0 as usize] += 1);
        for &v in &f.blocks[b].insts {
            placed[v.0 as usize] = true;
        }
    }
    let mut dead = pool::filled(n, false);
    // (What goes does not depend on the order values are looked at.)
    let mut work = pool::empty::<Value>();
    for bd in &f.blocks {
        work.extend(
            bd.insts
                .iter()
                .copied()
                .filter(|v| uses[v.0 as usize] == 0 && removable(&f.insts[v.0 as usize])),
        );
    }
    let mut removed = 0;
    while let Some(v) = work.pop() {
        if dead[v.0 as usize] {
            continue;
        }
        dead[v.0 as usize] = true;
        removed += 1;
        for a in f.insts[v.0 as usize].args() {
            let u = &mut uses[a.0 as usize];
            *u -= 1;
            if *u == 0 && placed[a.0 as usize] && removable(&f.insts[a.0 as usize]) {
                work.push(a);
            }
        }
    }
    if removed > 0 {
        for b in &mut f.blocks {
            b.insts.retain(|&v| !dead[v.0 as usize]);
        }
    }
    removed
}

/// Comparisons whose results only exits read (the branch on one tests
/// the comparison itself, see `simplify::branch_on_tests`) leave their
/// blocks: each exit computes its flag as it writes it back. Returns how
/// many.
pub fn sink_flags(f: &mut Func) -> usize {
    let n = f.insts.len();
    let mut read = pool::filled(n, false);
    for bd in &f.blocks {
        for &v in &bd.insts {
            f.insts[v.0 as usize]
                .args()
                .into_iter()
                .for_each(|a| read[a.0 as usize] = true);
        }
        if let Some(t) = &bd.term {
            if let crate::ir::Term::Branch(t, ..) = t {
                for a in test_args(t) {
                    read[a.0 as usize] = true;
                }
            }
            for e in t.edges() {
                e.args.iter().for_each(|a| read[a.0 as usize] = true);
            }
            // A native return moves its results from their registers.
            if let crate::ir::Term::Return { a, n, exit } = *t {
                for &(r, v) in &f.exits[exit.0 as usize].map {
                    if (a..a + n).contains(&r) {
                        read[v.0 as usize] = true;
                    }
                }
            }
        }
    }
    let mut sunk = 0;
    for bd in &mut f.blocks {
        bd.insts.retain(|&v| match f.insts[v.0 as usize] {
            Inst::Set(t) if !read[v.0 as usize] => {
                f.insts[v.0 as usize] = Inst::Flag(t);
                sunk += 1;
                false
            }
            _ => true,
        });
    }
    sunk
}

/// The loop optimisations in order, for a backend with registers `regs`.
pub fn optimize(f: &mut Func, regs: &Regs, lanes: usize) {
    use crate::simplify;
    let mut reshaped = simplify::fold(f);
    simplify::branch_on_tests(f);
    reshaped |= simplify::if_convert(f) > 0;
    if reshaped {
        crate::ir::analyze(f);
    }
    cse(f);
    if crate::version::version(f) > 0 {
        // (What fold reshapes is analysed with the rest: dce keeps the
        // control flow as it is.)
        simplify::fold(f);
        dce(f);
        crate::ir::analyze(f);
        cse(f);
    }
    if crate::vector::vectorize(f, lanes) > 0 {
        crate::ir::analyze(f);
    }
    dce(f);
    // (Without loops there is nothing to hoist, and no need to look.)
    if !f.loops.is_empty() {
        hoist(f, regs);
    }
    sink_flags(f);
}

fn test_args(t: &Test) -> crate::ir::Two<Value> {
    match *t {
        Test::I(_, x, Rhs::V(y)) | Test::F(_, x, y) => smallvec::smallvec![x, y],
        Test::I(_, x, Rhs::K(_)) => smallvec::smallvec![x],
    }
}

pub(crate) fn null_header() -> Inst {
    Inst::Const(&NULL_HEADER as *const NullHeader as u64)
}

pub(crate) fn push(f: &mut Func, i: Inst, c: Class) -> Value {
    let v = Value(f.insts.len() as u32);
    f.insts.push(i);
    f.class.push(c);
    v
}

#[cfg(test)]
mod tests {
    use crate::ir::{self, Inst, Width};

    #[test]
    fn arithmetic_leaves_a_loop_only_with_registers_for_it() {
        let m = ir::tests::module(
            "import numpy as np\n\
             def s(a, x):\n    t = 0.0\n    for i in range(len(a)):\n        t += a[i] * (x * 2.5 + 1.0)\n    return t\n\
             s(np.zeros(3), 1.0)\n",
        );
        let p = m.protos.iter().find(|p| p.name == "s").unwrap();
        let build = || ir::build(p, &m.protos, &m.rtops).expect("IR");
        let in_loop = |f: &ir::Func, pred: &dyn Fn(&Inst) -> bool| {
            f.loops[0]
                .blocks
                .iter()
                .flat_map(|b| f.blocks[b.0 as usize].insts.iter())
                .filter(|v| pred(&f.insts[v.0 as usize]))
                .count()
        };
        let float = |i: &Inst| matches!(i, Inst::FBin(..));
        let few = crate::regalloc::Regs {
            gpr: &[0, 1, 2],
            gpr_saved: &[3],
            fpr: &[0, 1, 2],
        };
        // The header words (data pointer, shape, stride) leave however
        // few the registers; the float arithmetic stays.
        let field = |i: &Inst| matches!(i, Inst::Field(..));
        let mut f = build();
        assert!(super::hoist(&mut f, &few) >= 3, "{}", f.listing());
        assert_eq!(in_loop(&f, &field), 0, "{}", f.listing());
        assert_eq!(in_loop(&f, &float), 4, "{}", f.listing());
        let many = crate::regalloc::Regs {
            gpr: &[0, 1, 2, 3, 4, 5, 6, 7, 8],
            gpr_saved: &[9],
            fpr: &[0, 1, 2, 3, 4, 5, 6, 7, 8],
        };
        let mut f = build();
        assert!(super::hoist(&mut f, &many) > 3, "{}", f.listing());
        // Only the product with the element and the sum stay.
        assert_eq!(in_loop(&f, &float), 2, "{}", f.listing());
    }

    #[test]
    fn array_headers_leave_the_inner_loop_and_elements_stay() {
        let m = ir::tests::module(
            "import numpy as np\n\
             def mm(a, b):\n    n = a.shape[0]\n    t = 0.0\n    for i in range(n):\n        for k in range(n):\n            t += a[i, k] * b[k, i] * 2.5\n    return t\n\
             mm(np.zeros((2, 2)), np.zeros((2, 2)))\n",
        );
        let p = m.protos.iter().find(|p| p.name == "mm").unwrap();
        let mut f = ir::build(p, &m.protos, &m.rtops).expect("IR");
        // Registers enough for everything.
        const GPR: [u8; 40] = {
            let mut r = [0u8; 40];
            let mut i = 0;
            while i < 40 {
                r[i] = i as u8;
                i += 1;
            }
            r
        };
        let regs = crate::regalloc::Regs {
            gpr: &GPR,
            gpr_saved: &[40, 41],
            fpr: &[0, 1, 2, 3, 4, 5, 6, 7],
        };
        assert!(super::hoist(&mut f, &regs) > 0);
        // (The outer loop is entered at the inner one's head too: only the
        // inner one is a natural loop.)
        let inner = &f.loops[0];
        let in_loop = |blocks: &[ir::Block], pred: &dyn Fn(&Inst) -> bool| {
            blocks
                .iter()
                .flat_map(|b| f.blocks[b.0 as usize].insts.iter())
                .filter(|v| pred(&f.insts[v.0 as usize]))
                .count()
        };
        let header = |i: &Inst| matches!(i, Inst::Field(..));
        let element = |i: &Inst| matches!(i, Inst::Load(Width::W64, _, 0));
        assert_eq!(in_loop(&inner.blocks, &header), 0, "{}", f.listing());
        assert_eq!(in_loop(&inner.blocks, &element), 2, "{}", f.listing());
        // The float constant goes too; the guards stay.
        let fconst = |i: &Inst| matches!(i, Inst::Const(bits) if *bits == 2.5f64.to_bits());
        assert_eq!(in_loop(&inner.blocks, &fconst), 0, "{}", f.listing());
        let guard = |i: &Inst| matches!(i, Inst::Guard(..));
        assert!(in_loop(&inner.blocks, &guard) >= 4, "{}", f.listing());
    }
}
