//! Inlining small script functions into their callers, on the low IR.
//!
//! A script call whose callee is small, not recursive and stays in native
//! code all through (every instruction lowered but a raise at its end, no
//! runtime operation) is replaced by the callee's IR: its arguments, its
//! constant registers and its cleared array locals become the caller's
//! values, its returns jump to the code after the call with the results.
//! The callee is built on its own (its calls inlined first, to a bounded
//! depth) and spliced in. A size budget per callee and per function keeps
//! compile time in proportion.
//!
//! What the interpreter's `Call` does that the callee's code cannot see
//! stays: one unit of fuel (the call site leaves the whole call to the
//! interpreter on the run's last unit, before anything changes), and the
//! depth limit: the frames an exit inside inlined calls may make must
//! have room, as real calls would have had. Native code is entered only
//! with room for as many frames as the function's deepest exit makes
//! (`vm::tiering::Native::inlined`: the interpreter's entries, and native
//! calls at their call entry, leave to the interpreter otherwise), so the
//! call sites need no check of their own.
//!
//! No frame exists for an inlined callee until one is needed: an exit
//! inside it ([`crate::ir::Exit::frames`]) writes the caller's live slots
//! and the callee's (at its frame's place, above the caller's argument
//! block), pushes the levels a real call would have pushed (which the
//! exit makes frame records: the caller goes on in the interpreter),
//! and leaves at the callee's instruction. The interpreter
//! then raises there with the callee's line and a traceback entry for each
//! frame, or runs the callee on and returns into its caller, exactly as if
//! the calls had been made.

use vm::bytecode::Op;
use vm::{Module, Proto};

use crate::ir::{
    self, Block, BlockData, CFn, Class, Edge, Exit, ExitId, Func, Inlined, Inst, Term, UnOp, Value,
};

/// Bytecode instructions of the largest callee inlined.
pub const MAX_CALLEE: usize = 64;
/// Inlined calls nested in one another, at most.
pub const MAX_DEPTH: usize = 3;
/// Bytecode instructions inlined into one function, at most.
pub const MAX_GROWTH: usize = 400;

/// Inlines what it can of the script calls of `f`, the open IR
/// ([`ir::build_open`]) of function `me` of `m`; returns how many calls.
pub fn inline(f: &mut Func, me: usize, m: &Module) -> usize {
    let mut budget = MAX_GROWTH;
    let mut stack = vec![me];
    let n = calls(f, m, &mut stack, &mut budget);
    if n > 0 {
        prune(f);
        // A loop that had a call in it has parameters that its back edges
        // now pass unchanged (they went through the frame before).
        ir::remove_trivial_params(f);
    }
    n
}

/// Empties the blocks no entry reaches (the resume entries of inlined
/// calls, a callee's unreachable end): their exits would otherwise read
/// the caller's values where no loop optimisation expects it.
fn prune(f: &mut Func) {
    let mut seen = vec![false; f.blocks.len()];
    for &b in f.rpo().iter() {
        seen[b.0 as usize] = true;
    }
    let none = ExitId(f.exits.len() as u32);
    let mut used = false;
    for (b, bd) in f.blocks.iter_mut().enumerate() {
        if !seen[b] {
            bd.params.clear();
            bd.insts.clear();
            bd.term = Some(Term::Exit(none));
            used = true;
        }
    }
    if used {
        f.exits.push(Exit {
            pc: 0,
            raised: false,
            map: Vec::new(),
            frames: Vec::new(),
        });
    }
}

/// Inlines the calls of `f`, the function on top of `stack` (the callers
/// it is inlined into below it).
fn calls(f: &mut Func, m: &Module, stack: &mut Vec<usize>, budget: &mut usize) -> usize {
    let me = &m.protos[*stack.last().expect("the function inlined into")];
    let mut n = 0;
    // Only the blocks there now: the ones spliced in have no calls left.
    for b in 0..f.blocks.len() {
        let Some(Term::Call {
            a,
            f: callee,
            exit,
            resume,
        }) = f.blocks[b].term.clone()
        else {
            continue;
        };
        // A callee with a loop of its own gains little from inlining
        // unless it is called from a loop, and costs compile time.
        let pc = f.exits[exit.0 as usize].pc;
        if !may_inline(m, callee as usize, stack, in_loop(me, pc)) {
            continue;
        }
        let Some(g) = callee_ir(m, callee as usize, stack, budget) else {
            continue;
        };
        let site = Site {
            me,
            callee,
            cp: &m.protos[callee as usize],
            a,
            exit,
            resume,
        };
        if splice(f, Block(b as u32), &site, &g) {
            *budget = budget.saturating_sub(site.cp.code.len());
            n += 1;
        }
    }
    n
}

/// Does `p` jump backward anywhere?
fn has_loop(p: &Proto) -> bool {
    p.code
        .iter()
        .enumerate()
        .any(|(pc, op)| op.target().is_some_and(|t| t as usize <= pc))
}

/// Is instruction `pc` of `p` inside a loop (between a backward jump and
/// its target)?
fn in_loop(p: &Proto, pc: usize) -> bool {
    p.code
        .iter()
        .enumerate()
        .any(|(q, op)| q >= pc && op.target().is_some_and(|t| t as usize <= pc))
}

/// Could callee `g`, called from a loop or not, be inlined where `stack`
/// says, calls and all? (From the bytecode, before building any IR.)
fn may_inline(m: &Module, g: usize, stack: &mut Vec<usize>, from_loop: bool) -> bool {
    let Some(p) = m.protos.get(g) else {
        return false;
    };
    if stack.contains(&g) || stack.len() > MAX_DEPTH || !small(p) || (has_loop(p) && !from_loop) {
        return false;
    }
    stack.push(g);
    let ok = p.code.iter().enumerate().all(|(pc, op)| match *op {
        Op::Call { f, .. } => may_inline(m, f as usize, stack, in_loop(p, pc)),
        _ => true,
    });
    stack.pop();
    ok
}

/// Can `p` be inlined at all (before its IR is built)?
fn small(p: &Proto) -> bool {
    p.code.len() <= MAX_CALLEE
        && p.code.iter().all(|op| match op {
            // A runtime operation or a format would run on a frame that
            // is not there.
            Op::Rt { .. } | Op::Fmt { .. } => false,
            // The end of a function that may not return.
            Op::Raise { .. } => true,
            _ => op.props().native,
        })
}

/// The open IR of callee `g` with its own calls inlined, if it can be
/// inlined where `stack` says.
fn callee_ir(m: &Module, g: usize, stack: &mut Vec<usize>, budget: &mut usize) -> Option<Func> {
    let p = m.protos.get(g)?;
    if p.code.len() > *budget || !may_inline(m, g, stack, true) {
        return None;
    }
    let mut f = ir::build_open(p, &m.protos, &m.rtops).ok()?;
    stack.push(g);
    calls(&mut f, m, stack, budget);
    stack.pop();
    // A call left in the callee would need its frame: not inlined.
    let real_call = f
        .blocks
        .iter()
        .any(|b| matches!(b.term, Some(Term::Call { .. })));
    (!real_call).then_some(f)
}

/// One call being inlined.
struct Site<'a> {
    /// The caller (the function whose IR the call is in).
    me: &'a Proto,
    callee: u16,
    cp: &'a Proto,
    a: u16,
    exit: ExitId,
    resume: Block,
}

/// Block `b`, which only `a` jumps to, becomes the end of `a` (its
/// parameters the values `a` passes); what is left of `b` leaves at `x`,
/// unreachable.
fn merge(f: &mut Func, a: Block, b: Block, x: ExitId) {
    let Some(Term::Jump(e)) = f.blocks[a.0 as usize].term.clone() else {
        return;
    };
    debug_assert_eq!(e.to, b);
    let mut bd = std::mem::take(&mut f.blocks[b.0 as usize]);
    f.blocks[b.0 as usize] = BlockData {
        term: Some(Term::Exit(x)),
        pc: bd.pc,
        ..Default::default()
    };
    if !bd.params.is_empty() {
        let mut to: Vec<Value> = (0..f.insts.len() as u32).map(Value).collect();
        for (&p, &v) in bd.params.iter().zip(&e.args) {
            to[p.0 as usize] = v;
        }
        let r = |v: Value| to[v.0 as usize];
        crate::opt::replace_uses(f, &r);
        if let Some(t) = bd.term.as_mut() {
            if let Term::Branch(t, ..) = t {
                ir::map_test(t, &r);
            }
            for e in t.edges_mut() {
                e.args.iter_mut().for_each(|v| *v = r(*v));
            }
        }
    }
    let ba = &mut f.blocks[a.0 as usize];
    ba.insts.extend(bd.insts);
    ba.term = bd.term;
}

/// A value for a new instruction of `f` (placed by the caller).
fn push(f: &mut Func, i: Inst, c: Class) -> Value {
    crate::opt::push(f, i, c)
}

/// `v` in class `want`: itself, or its bits moved to the other register
/// file (a new instruction, appended to `into`).
fn conv(f: &mut Func, v: Value, want: Class, into: &mut Vec<Value>) -> Value {
    if f.class[v.0 as usize].is_float() == want.is_float() {
        return v;
    }
    let op = if want.is_float() {
        UnOp::IBits
    } else {
        UnOp::FBits
    };
    let c = push(f, Inst::Un(op, v), want);
    into.push(c);
    c
}

fn slot(map: &[(u16, Value)], r: u16) -> Option<Value> {
    map.iter().rev().find(|&&(s, _)| s == r).map(|&(_, v)| v)
}

/// What one return of the callee hands back: the values of the caller's
/// slots from `a` on that are read after the call (`None`: zero), and the
/// array locals it releases first (`Ret`).
struct Back {
    block: usize,
    vals: Vec<Option<Value>>,
    releases: Vec<Value>,
}

/// Replaces the call that ends block `blk` of `f` by `g`, the callee's open
/// IR; false (nothing changed) when a value the splice needs is not where
/// it should be.
fn splice(f: &mut Func, blk: Block, s: &Site, g: &Func) -> bool {
    let (a, cp) = (s.a, s.cp);
    if a as usize + cp.nregs as usize > u16::MAX as usize {
        return false;
    }
    let call = f.exits[s.exit.0 as usize].clone();
    let pc = call.pc;
    let Some(args) = (0..cp.nargs)
        .map(|r| slot(&call.map, a + r))
        .collect::<Option<Vec<Value>>>()
    else {
        return false;
    };
    // The resume entry was for this call alone unless a loop starts there;
    // then the code after the call is reached from the interpreter too, and
    // is left as it is.
    let head =
        s.me.code
            .iter()
            .enumerate()
            .any(|(q, op)| op.target() == Some((pc + 1) as u16) && pc < q);
    if head {
        return false;
    }
    // A call of a loop whose resume entry goes into the loop's side copy
    // goes on in the loop itself, and leaves the entry to the interpreter
    // and to the side copy's call. Any other call that shares its entry
    // with one still there (the side copy's, before the loop's is inlined)
    // stays a call.
    let own = f.after.iter().find(|x| x.call == blk).cloned();
    let shared = f.blocks.iter().enumerate().any(|(i, bd)| {
        i != blk.0 as usize
            && matches!(bd.term, Some(Term::Call { resume, .. }) if resume == s.resume)
    });
    if shared && own.is_none() {
        return false;
    }
    // What the caller reads after the call: the resume entry's loads.
    let rb = f.blocks[s.resume.0 as usize].clone();
    let Some(Term::Jump(rjump)) = rb.term.clone() else {
        return false;
    };
    let mut results: Vec<(u16, Class)> = Vec::new();
    for &v in &rb.insts {
        match f.insts[v.0 as usize] {
            Inst::LoadSlot(r) if r >= a => results.push((r - a, f.class[v.0 as usize])),
            Inst::LoadSlot(r) if slot(&call.map, r).is_none() => return false,
            _ => {}
        }
    }
    if let Some(x) = &own {
        let known = |r: u16| match r.checked_sub(a) {
            Some(k) => results.iter().any(|&(q, _)| q == k),
            None => slot(&call.map, r).is_some(),
        };
        if f.blocks[x.next.0 as usize].params.len() != x.slots.len()
            || !x.slots.iter().all(|&r| known(r))
        {
            return false;
        }
    }
    // Every return's results, as the interpreter's `Ret` leaves them.
    let mut backs = Vec::new();
    for (bi, b) in g.blocks.iter().enumerate() {
        let Some(Term::Return { a: ra, n, exit }) = b.term else {
            continue;
        };
        let x = &g.exits[exit.0 as usize];
        let released: &[u16] = match cp.code.get(x.pc) {
            Some(Op::Ret { .. }) => &cp.ref_locals,
            _ => &[],
        };
        let Some(releases) = released
            .iter()
            .map(|&r| slot(&x.map, r))
            .collect::<Option<Vec<Value>>>()
        else {
            return false;
        };
        let mut vals = Vec::new();
        for &(k, _) in &results {
            let from = if k < n { ra + k } else { k };
            if released.contains(&from) {
                vals.push(None);
                continue;
            }
            match slot(&x.map, from) {
                Some(v) => vals.push(Some(v)),
                None => return false,
            }
        }
        backs.push(Back {
            block: bi,
            vals,
            releases,
        });
    }

    // The callee's values follow the caller's, renumbered.
    let off = f.insts.len() as u32;
    let xoff = f.exits.len() as u32;
    let mut vmap: Vec<Value> = (0..g.insts.len() as u32).map(|i| Value(off + i)).collect();
    f.insts.extend(g.insts.iter().cloned());
    f.class.extend(g.class.iter().copied());
    let e0 = g.entries[0].1;
    debug_assert_eq!(g.entries[0].0, 0);
    let mut bmap: Vec<Option<Block>> = vec![None; g.blocks.len()];
    let mut next = f.blocks.len() as u32;
    for (bi, b) in g.blocks.iter().enumerate() {
        // The callee's other entries are the interpreter's ways into its
        // own code, not into this copy.
        if b.entry && Block(bi as u32) != e0 {
            continue;
        }
        bmap[bi] = Some(Block(next));
        next += 1;
    }

    // The call site: the call's fuel, then the callee's arguments,
    // constant registers and cleared array locals.
    let mut pre = Vec::new();
    let fuel = push(f, Inst::Fuel(s.exit), Class::I64);
    pre.push(fuel);
    let kvals = cp.kbase..cp.kbase + cp.kvals.len() as u16;
    let mut loaded = Vec::new();
    for &v in &g.blocks[e0.0 as usize].insts {
        let Inst::LoadSlot(r) = g.insts[v.0 as usize] else {
            continue;
        };
        let want = g.class[v.0 as usize];
        let x = if r < cp.nargs {
            conv(f, args[r as usize], want, &mut pre)
        } else if kvals.contains(&r) {
            let k = push(f, Inst::Const(cp.kvals[(r - cp.kbase) as usize]), want);
            pre.push(k);
            k
        } else if cp.zero_locals.contains(&r) {
            let k = push(f, Inst::Const(0), want);
            pre.push(k);
            k
        } else {
            // Whatever the frame holds there (the callee's frame is the
            // caller's slots from the argument block on).
            let k = push(f, Inst::LoadSlot(a + r), want);
            pre.push(k);
            k
        };
        vmap[v.0 as usize] = x;
        loaded.push(v);
    }
    for i in 0..g.insts.len() {
        let inst = &mut f.insts[off as usize + i];
        inst.map_args(&|x| vmap[x.0 as usize]);
        if let Some(x) = inst.exit_mut() {
            *x = ExitId(x.0 + xoff);
        }
    }

    // Exits inside the callee make its frame (and the ones it is in) real.
    let outer: Vec<(u16, Value)> = call.map.iter().copied().filter(|&(r, _)| r < a).collect();
    for x in &g.exits {
        let mut map = outer.clone();
        map.extend(x.map.iter().map(|&(r, v)| (r + a, vmap[v.0 as usize])));
        let mut frames = vec![Inlined {
            f: s.callee,
            pc,
            base: a,
        }];
        frames.extend(x.frames.iter().map(|fr| Inlined {
            base: fr.base + a,
            ..*fr
        }));
        f.exits.push(Exit {
            pc: x.pc,
            raised: x.raised,
            map,
            frames,
        });
    }

    // The code after the call, reached from the callee's returns: the
    // resume entry's work on the results and on the caller's values.
    let cont = Block(next);
    let params: Vec<Value> = results
        .iter()
        .map(|&(_, c)| push(f, Inst::Param, c))
        .collect();
    let mut cmap: Vec<(Value, Value)> = Vec::new();
    let mut cinsts = Vec::new();
    // The loop's own code after the call takes every live slot.
    let own_args = own.as_ref().map(|x| {
        let next = &f.blocks[x.next.0 as usize].params.clone();
        x.slots
            .iter()
            .zip(next)
            .map(|(&r, &prm)| {
                let v = match r.checked_sub(a) {
                    Some(k) => params[results.iter().position(|&(q, _)| q == k).expect("checked")],
                    None => slot(&call.map, r).expect("checked"),
                };
                conv(f, v, f.class[prm.0 as usize], &mut cinsts)
            })
            .collect::<Vec<Value>>()
    });
    for &v in rb.insts.iter().filter(|_| own.is_none()) {
        let to = match f.insts[v.0 as usize] {
            Inst::LoadSlot(r) if r >= a => {
                let k = results
                    .iter()
                    .position(|&(k, _)| k == r - a)
                    .expect("a result");
                params[k]
            }
            Inst::LoadSlot(r) => {
                let x = slot(&call.map, r).expect("checked above");
                conv(f, x, f.class[v.0 as usize], &mut cinsts)
            }
            ref i => {
                let mut i = i.clone();
                i.map_args(&|x| cmap.iter().find(|p| p.0 == x).map_or(x, |p| p.1));
                let c = f.class[v.0 as usize];
                let w = push(f, i, c);
                cinsts.push(w);
                w
            }
        };
        cmap.push((v, to));
    }
    let mapped = |x: Value| cmap.iter().find(|p| p.0 == x).map_or(x, |p| p.1);
    let cjump = match (&own, own_args) {
        (Some(x), Some(args)) => Edge { to: x.next, args },
        _ => Edge {
            to: rjump.to,
            args: rjump.args.iter().map(|&x| mapped(x)).collect(),
        },
    };

    // The callee's blocks.
    let vm_ = |x: Value| vmap[x.0 as usize];
    let edge = |e: &Edge| Edge {
        to: bmap[e.to.0 as usize].expect("no edge leads to an entry"),
        args: e.args.iter().map(|&x| vm_(x)).collect(),
    };
    let mut new_blocks = Vec::new();
    for (bi, b) in g.blocks.iter().enumerate() {
        if bmap[bi].is_none() {
            continue;
        }
        let mut insts: Vec<Value> = b
            .insts
            .iter()
            .filter(|v| !loaded.contains(v))
            .map(|&v| vm_(v))
            .collect();
        let term = match b.term.as_ref().expect("every block ends") {
            Term::Jump(e) => Term::Jump(edge(e)),
            Term::Branch(t, y, n) => {
                let mut t = *t;
                ir::map_test(&mut t, &vm_);
                Term::Branch(t, edge(y), edge(n))
            }
            Term::Exit(x) => Term::Exit(ExitId(x.0 + xoff)),
            Term::Return { .. } => {
                let back = backs.iter().find(|r| r.block == bi).expect("a return");
                for &x in &back.releases {
                    let r = push(f, Inst::CallC(CFn::Release, vec![vm_(x)]), Class::I64);
                    insts.push(r);
                }
                let mut args = Vec::new();
                for (k, v) in back.vals.iter().enumerate() {
                    let want = results[k].1;
                    let v = match v {
                        Some(v) => conv(f, vm_(*v), want, &mut insts),
                        None => {
                            let z = push(f, Inst::Const(0), want);
                            insts.push(z);
                            z
                        }
                    };
                    args.push(v);
                }
                Term::Jump(Edge { to: cont, args })
            }
            Term::Call { .. } => unreachable!("a callee with calls is not inlined"),
        };
        let params = b.params.iter().map(|&x| vm_(x)).collect();
        new_blocks.push(BlockData {
            params,
            insts,
            term: Some(term),
            pc: b.pc,
            entry: false,
            cold: b.cold,
            lanes: b.lanes,
            vend: b.vend,
        });
    }
    f.blocks.extend(new_blocks);
    f.blocks.push(BlockData {
        params,
        insts: cinsts,
        term: Some(Term::Jump(cjump)),
        pc: pc + 1,
        entry: false,
        cold: false,
        lanes: 0,
        vend: false,
    });

    // The call becomes a jump into the callee's code.
    let to_first = bmap[e0.0 as usize].expect("the callee's first block");
    let b = &mut f.blocks[blk.0 as usize];
    b.insts.extend(pre);
    b.term = Some(Term::Jump(Edge {
        to: to_first,
        args: vec![],
    }));

    // The resume entry goes: the interpreter, which runs the rest of the
    // caller after an exit in the callee, goes back to native code at the
    // next loop head instead (an entry inside a loop would keep it from
    // being a natural loop). What read its loads reads the values after
    // the call instead. (An entry into a side copy stays: what reads its
    // loads is the side copy's, which the loop's values do not reach.)
    if own.is_some() {
        f.after.retain(|x| x.call != blk);
    } else {
        f.entries.retain(|&(_, e)| e != s.resume);
        let r = &mut f.blocks[s.resume.0 as usize];
        r.entry = false;
        r.insts.clear();
        r.params.clear();
        r.term = Some(Term::Exit(s.exit));
        let mut to: Vec<Value> = (0..f.insts.len() as u32).map(Value).collect();
        for &(x, y) in &cmap {
            to[x.0 as usize] = y;
        }
        crate::opt::replace_uses(f, &|x| to[x.0 as usize]);
    }
    // Fewer blocks for the passes after: the callee's first block joins the
    // call's, and the code after the call joins a callee's only return.
    merge(f, blk, to_first, s.exit);
    if let [back] = &backs[..] {
        let from = bmap[back.block].expect("a return block");
        merge(f, from, cont, s.exit);
    }
    f.lowered += g.lowered;
    f.unlowered += g.unlowered;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lowered(src: &str, name: &str) -> (vm::Module, Func) {
        let m = ir::tests::module(src);
        let me = m.protos.iter().position(|p| p.name == name).unwrap();
        let mut f = ir::build_open(&m.protos[me], &m.protos, &m.rtops).expect("IR");
        inline(&mut f, me, &m);
        ir::finish(&mut f);
        (m, f)
    }

    fn calls_left(f: &Func) -> usize {
        f.rpo()
            .iter()
            .filter(|b| matches!(f.blocks[b.0 as usize].term, Some(Term::Call { .. })))
            .count()
    }

    #[test]
    fn a_helper_in_a_loop_is_inlined_and_the_loop_is_natural() {
        let (_, f) = lowered(
            "import numpy as np\n\
             def ev(i, j):\n    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)\n\
             def mul(v, out):\n    n = len(v)\n    for i in range(n):\n        s = 0.0\n        for j in range(n):\n            s += ev(i, j) * v[j]\n        out[i] = s\n\
             mul(np.ones(3), np.zeros(3))\n",
            "mul",
        );
        assert_eq!(calls_left(&f), 0, "{}", f.listing());
        assert!(!f.loops.is_empty(), "{}", f.listing());
        // The division's guard exits inside the callee, in its frame.
        let inside = f
            .exits
            .iter()
            .find(|x| !x.frames.is_empty())
            .expect("an exit in the callee");
        assert_eq!(inside.frames.len(), 1);
    }

    /// What `<module>` of `src` prints and how it ends: in the interpreter
    /// alone (`None`), or compiling each function after `threshold` calls
    /// and backward jumps (0: before it first runs), with fuel windows of
    /// a few ticks so that runs go back and forth between the tiers.
    fn run(src: &str, threshold: Option<u32>, fuel: Option<u64>) -> (String, String) {
        #[derive(Clone, Default)]
        struct Sink(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.borrow_mut().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        stdlib::install();
        let m = ir::tests::module(src);
        let sink = Sink::default();
        let limits = vm::Limits {
            fuel,
            ..vm::Limits::default()
        };
        let classes = typer::classes::Classes::shared();
        let mut mc = vm::Machine::new(Box::new(sink.clone()), limits, classes);
        mc.native = threshold.is_some();
        if let Some(threshold) = threshold {
            mc.set_tiering(Some(vm::Tiering {
                window: 3,
                threshold,
                compile: Box::new(crate::compile),
            }));
        }
        let end = match mc.call(&m, 0, &[]) {
            Ok(_) => "ok".to_string(),
            Err(e) => {
                let at: Vec<String> = e
                    .traceback
                    .iter()
                    .map(|t| format!("{}:{}", t.func, t.span.start))
                    .collect();
                format!("{}: {} at {}", e.kind, e.message, at.join(" < "))
            }
        };
        mc.flush();
        let out = String::from_utf8_lossy(&sink.0.borrow()).into_owned();
        (out, end)
    }

    #[test]
    fn a_call_in_a_nested_loop_is_inlined_beside_its_side_copy() {
        // The entry after the call is inside the outer loop: the call is
        // also in the loop's side copy, and both resume at that entry.
        let src = "import numpy as np\n\
                   def ev(i, j):\n    return 1.0 / ((i + j) * (i + j + 1) // 2 + i - 22)\n\
                   def mul(v, out):\n    n = len(v)\n    for i in range(n):\n        s = 0.0\n        for j in range(n):\n            s += ev(i, j) * v[j]\n        out[i] = s\n    return out.sum()\n\
                   print(mul(np.ones(3), np.zeros(3)))\n\
                   print(mul(np.arange(5.0), np.zeros(5)))\n\
                   print(mul(np.ones(9), np.zeros(9)))\n";
        let m = ir::tests::module(src);
        let me = m.protos.iter().position(|p| p.name == "mul").unwrap();
        let open = ir::build_open(&m.protos[me], &m.protos, &m.rtops).expect("IR");
        let resumes: Vec<Block> = open
            .blocks
            .iter()
            .filter_map(|b| match b.term {
                Some(Term::Call { resume, .. }) => Some(resume),
                _ => None,
            })
            .collect();
        assert!(
            matches!(resumes[..], [x, y] if x == y),
            "{}",
            open.listing()
        );
        assert_eq!(open.after.len(), 1, "{}", open.listing());

        let (_, f) = lowered(src, "mul");
        assert_eq!(calls_left(&f), 0, "{}", f.listing());
        let outer = f
            .loops
            .iter()
            .find(|l| l.parent.is_none() && f.loops.iter().any(|k| k.parent.is_some()))
            .expect("the outer loop with its inner one");
        assert!(outer.preheader.is_some(), "{}", f.listing());
        assert!(f.exits.iter().any(|x| !x.frames.is_empty()));

        // Every tier prints the same and raises the same division by zero
        // (at i, j = 1, 5), in the callee's frame, with any fuel.
        let interp = run(src, None, None);
        assert!(interp.1.starts_with("ZeroDivisionError"), "{interp:?}");
        assert!(interp.1.contains("ev:"), "{interp:?}");
        assert_eq!(interp.0.lines().count(), 2, "{interp:?}");
        for fuel in [None, Some(7), Some(50), Some(101)] {
            let want = run(src, None, fuel);
            for threshold in [0, 1] {
                let got = run(src, Some(threshold), fuel);
                assert_eq!(got, want, "fuel {fuel:?}, threshold {threshold}");
            }
        }
    }

    #[test]
    fn recursion_and_big_callees_stay_calls() {
        let (_, f) = lowered(
            "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\nfib(3)\n",
            "fib",
        );
        assert_eq!(calls_left(&f), 2, "{}", f.listing());
        let body: String = (0..MAX_CALLEE)
            .map(|k| format!("    x = x * 3 + {k}\n"))
            .collect();
        let src =
            format!("def big(x):\n{body}    return x\ndef g(n):\n    return big(n) + 1\ng(2)\n");
        let (_, f) = lowered(&src, "g");
        assert_eq!(calls_left(&f), 1, "{}", f.listing());
    }

    #[test]
    fn a_callee_with_a_loop_is_inlined_only_into_a_loop() {
        let src = "def sum(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n\
                   def once(n):\n    return sum(n) + 1\n\
                   def many(n):\n    t = 0\n    for k in range(n):\n        t += sum(k)\n    return t\n\
                   once(2)\nmany(2)\n";
        let (_, f) = lowered(src, "once");
        assert_eq!(calls_left(&f), 1, "{}", f.listing());
        let (_, f) = lowered(src, "many");
        assert_eq!(calls_left(&f), 0, "{}", f.listing());
    }

    #[test]
    fn a_callee_that_prints_is_inlined() {
        // Printing is a call from native code, which needs no frame (a
        // print that raises makes the callee's frame as it leaves).
        let (_, f) = lowered(
            "def show(x):\n    print(x, \"and\", (x, 2.5))\n    return x\n\
             def run(n):\n    t = 0\n    for i in range(n):\n        t += show(i)\n    return t\n\
             run(2)\n",
            "run",
        );
        assert_eq!(calls_left(&f), 0, "{}", f.listing());
    }

    #[test]
    fn a_callee_that_runs_on_its_frame_stays_a_call() {
        // A format reads its operands from the callee's frame, which an
        // inlined copy does not have.
        let (_, f) = lowered(
            "def show(x):\n    s = f\"<{x}>\"\n    print(s)\n    return x\n\
             def run(n):\n    t = 0\n    for i in range(n):\n        t += show(i)\n    return t\n\
             run(2)\n",
            "run",
        );
        assert_eq!(calls_left(&f), 1, "{}", f.listing());
    }

    #[test]
    fn nested_helpers_are_inlined_to_a_bounded_depth() {
        let (_, f) = lowered(
            "def h(x):\n    return x + 1\n\
             def g(x):\n    return h(x) * 2\n\
             def f(x):\n    return g(x) - 3\n\
             def top(n):\n    t = 0\n    for i in range(n):\n        t += f(i)\n    return t\n\
             top(3)\n",
            "top",
        );
        assert_eq!(calls_left(&f), 0, "{}", f.listing());
        let deepest = f.exits.iter().map(|x| x.frames.len()).max().unwrap_or(0);
        assert_eq!(deepest, 3, "{}", f.listing());
    }
}
