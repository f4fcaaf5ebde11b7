//! Simplifications of the low IR that need no loop: constants folded into
//! the instructions that read them, branches on a comparison's result
//! made branches on the comparison, and small two-way choices of integer
//! values made selects (if-conversion), so that a loop whose body picks
//! one of two cheap values has no branch the processor can mispredict.

use crate::ir::{Block, Class, Cond, Edge, FCond, Func, IOp, Inst, Rhs, Term, Test, UnOp, Value};
use crate::opt::replace_uses;

/// Python's `//` of int64 (`b` not zero; `MIN // -1` wraps).
pub fn floordiv(a: i64, b: i64) -> i64 {
    if b == -1 {
        return a.wrapping_neg();
    }
    let q = a / b;
    if a % b != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

/// Python's `%` of int64 (`b` not zero): the divisor's sign.
pub fn modulo(a: i64, b: i64) -> i64 {
    if b == -1 {
        return 0;
    }
    let r = a % b;
    if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    }
}

/// `a op b` as native code computes it (`FloorDiv`/`Mod`: `b` not zero).
pub fn eval(op: IOp, a: i64, b: i64) -> i64 {
    match op {
        IOp::Add => a.wrapping_add(b),
        IOp::Sub => a.wrapping_sub(b),
        IOp::Mul => a.wrapping_mul(b),
        IOp::And => a & b,
        IOp::Or => a | b,
        IOp::Xor => a ^ b,
        IOp::Sar => a >> (b & 63),
        IOp::Shl => a.wrapping_shl((b & 63) as u32),
        IOp::UDiv => (a as u64 / b as u64) as i64,
        IOp::MulHi => ((a as i128 * b as i128) >> 64) as i64,
        IOp::FloorDiv => floordiv(a, b),
        IOp::Mod => modulo(a, b),
        IOp::Min => {
            if b < a {
                b
            } else {
                a
            }
        }
        IOp::Max => {
            if b > a {
                b
            } else {
                a
            }
        }
    }
}

pub fn holds(c: Cond, a: i64, b: i64) -> bool {
    match c {
        Cond::Eq => a == b,
        Cond::Ne => a != b,
        Cond::Lt => a < b,
        Cond::Le => a <= b,
        Cond::Gt => a > b,
        Cond::Ge => a >= b,
        Cond::Below => (a as u64) < (b as u64),
        Cond::AboveEq => (a as u64) >= (b as u64),
    }
}

/// `b c' a` for `a c b`, where there is such a condition.
fn swapped(c: Cond) -> Option<Cond> {
    Some(match c {
        Cond::Eq => Cond::Eq,
        Cond::Ne => Cond::Ne,
        Cond::Lt => Cond::Gt,
        Cond::Le => Cond::Ge,
        Cond::Gt => Cond::Lt,
        Cond::Ge => Cond::Le,
        Cond::Below | Cond::AboveEq => return None,
    })
}

fn commutes(op: IOp) -> bool {
    matches!(
        op,
        IOp::Add | IOp::Mul | IOp::And | IOp::Or | IOp::Xor | IOp::Min | IOp::Max
    )
}

/// The integer constant `v` is, if it is one.
pub fn konst(f: &Func, v: Value) -> Option<i64> {
    match f.insts[v.0 as usize] {
        Inst::Const(bits) if f.class[v.0 as usize] != Class::F64 => Some(bits as i64),
        _ => None,
    }
}

/// A test with a constant right-hand side where there is one (and a
/// constant left-hand side moved right).
fn norm_test(f: &Func, t: Test) -> Test {
    match t {
        Test::I(c, x, Rhs::V(y)) => match (konst(f, x), konst(f, y)) {
            (_, Some(k)) => Test::I(c, x, Rhs::K(k)),
            (Some(k), None) => match swapped(c) {
                Some(c2) => Test::I(c2, y, Rhs::K(k)),
                None => t,
            },
            _ => t,
        },
        t => t,
    }
}

/// The outcome of an integer test on constants.
fn decided(f: &Func, t: &Test) -> Option<bool> {
    match *t {
        Test::I(c, x, Rhs::K(k)) => konst(f, x).map(|a| holds(c, a, k)),
        Test::I(c, x, Rhs::V(y)) => Some(holds(c, konst(f, x)?, konst(f, y)?)),
        Test::F(c, x, y) => {
            let k = |v: Value| match f.insts[v.0 as usize] {
                Inst::Const(bits) if f.class[v.0 as usize] == Class::F64 => {
                    Some(f64::from_bits(bits))
                }
                _ => None,
            };
            let (a, b) = (k(x)?, k(y)?);
            Some(match c {
                FCond::Eq => a == b,
                FCond::Ne => a != b,
                FCond::Lt => a < b,
                FCond::Le => a <= b,
            })
        }
    }
}

/// Constants into immediates and arithmetic on constants folded; guards
/// that cannot fail go, and branches whose way is known become jumps.
/// Returns whether a branch went (the caller then analyses the function
/// again).
pub fn fold(f: &mut Func) -> bool {
    let mut fwd = crate::pool::empty::<Value>();
    fwd.extend((0..f.insts.len() as u32).map(Value));
    // (Values made here, past the end, stand for themselves.)
    let res = |fwd: &[Value], mut v: Value| {
        while fwd.get(v.0 as usize).is_some_and(|&w| w != v) {
            v = fwd[v.0 as usize];
        }
        v
    };
    let mut forwarded = false;
    let mut jumps = false;
    // Each block's list is rewritten through one work list: no
    // allocation per block.
    let mut keep = crate::pool::empty::<Value>();
    for &b in f.rpo().iter() {
        let mut insts = std::mem::take(&mut f.blocks[b.0 as usize].insts);
        keep.clear();
        for &v in &insts {
            let vi = v.0 as usize;
            f.insts[vi].map_args(&|x| res(&fwd, x));
            let float = f.class[vi] == Class::F64;
            let new = match f.insts[vi] {
                Inst::Bin(op, x, r) if !float => {
                    let r = match r {
                        Rhs::V(y) => konst(f, y).map_or(r, Rhs::K),
                        r => r,
                    };
                    match (konst(f, x), r) {
                        (Some(a), Rhs::K(b))
                            if !(matches!(op, IOp::FloorDiv | IOp::Mod | IOp::UDiv) && b == 0) =>
                        {
                            Inst::Const(eval(op, a, b) as u64)
                        }
                        (Some(a), Rhs::V(y)) if commutes(op) => Inst::Bin(op, y, Rhs::K(a)),
                        (None, Rhs::K(0))
                            if matches!(
                                op,
                                IOp::Add | IOp::Sub | IOp::Or | IOp::Xor | IOp::Sar | IOp::Shl
                            ) =>
                        {
                            fwd[vi] = x;
                            forwarded = true;
                            continue;
                        }
                        (None, Rhs::K(1)) if op == IOp::Mul => {
                            fwd[vi] = x;
                            forwarded = true;
                            continue;
                        }
                        (None, Rhs::K(c)) if matches!(op, IOp::FloorDiv | IOp::Mod) && c >= 2 => {
                            by_constant(f, &mut keep, op, x, c)
                        }
                        _ => Inst::Bin(op, x, r),
                    }
                }
                Inst::Un(op, x) => match (op, konst(f, x)) {
                    (UnOp::Neg, Some(a)) if !float => Inst::Const(a.wrapping_neg() as u64),
                    (UnOp::Not, Some(a)) if !float => Inst::Const(!a as u64),
                    (UnOp::Abs, Some(a)) if !float => Inst::Const(a.wrapping_abs() as u64),
                    (UnOp::IToF, Some(a)) if float => Inst::Const((a as f64).to_bits()),
                    _ => Inst::Un(op, x),
                },
                Inst::Set(t) => {
                    let t = norm_test(f, t);
                    match decided(f, &t) {
                        Some(h) if !float => Inst::Const(h as u64),
                        _ => Inst::Set(t),
                    }
                }
                Inst::Select(t, x, y) => {
                    let t = norm_test(f, t);
                    match decided(f, &t) {
                        Some(h) => {
                            fwd[vi] = if h { x } else { y };
                            forwarded = true;
                            continue;
                        }
                        None if x == y => {
                            fwd[vi] = x;
                            forwarded = true;
                            continue;
                        }
                        None => Inst::Select(t, x, y),
                    }
                }
                Inst::Guard(t, e) => {
                    let t = norm_test(f, t);
                    if decided(f, &t) == Some(false) {
                        continue;
                    }
                    Inst::Guard(t, e)
                }
                // (Nothing else folds.)
                _ => {
                    keep.push(v);
                    continue;
                }
            };
            f.insts[vi] = new;
            keep.push(v);
        }
        insts.clear();
        insts.extend_from_slice(&keep);
        f.blocks[b.0 as usize].insts = insts;
        // The terminator's test.
        if let Some(Term::Branch(t, ..)) = &f.blocks[b.0 as usize].term {
            let mut t = *t;
            crate::ir::map_test(&mut t, &|x| res(&fwd, x));
            let nt = norm_test(f, t);
            let known = decided(f, &nt);
            let bd = &mut f.blocks[b.0 as usize];
            let Some(Term::Branch(_, yes, no)) = bd.term.take() else {
                unreachable!("a branch ends the block")
            };
            bd.term = Some(match known {
                Some(h) => {
                    jumps = true;
                    Term::Jump(if h { yes } else { no })
                }
                None => Term::Branch(nt, yes, no),
            });
        }
    }
    if forwarded {
        replace_uses(f, &|x| res(&fwd, x));
    }
    jumps
}

/// `m` and `s` such that `n / d`, truncated, is `(mulhi(m, n) (+ n when
/// m < 0)) >> s`, plus one when `n` is negative, for every int64 `n`
/// (Hacker's Delight, 10-1; `d` >= 2).
pub fn magic(d: i64) -> (i64, u32) {
    let two63: u64 = 1 << 63;
    let ad = d as u64;
    let anc = two63 - 1 - two63 % ad;
    let mut p = 63u32;
    let (mut q1, mut r1) = (two63 / anc, two63 - (two63 / anc) * anc);
    let (mut q2, mut r2) = (two63 / ad, two63 - (two63 / ad) * ad);
    loop {
        p += 1;
        q1 = q1.wrapping_mul(2);
        r1 = r1.wrapping_mul(2);
        if r1 >= anc {
            q1 = q1.wrapping_add(1);
            r1 = r1.wrapping_sub(anc);
        }
        q2 = q2.wrapping_mul(2);
        r2 = r2.wrapping_mul(2);
        if r2 >= ad {
            q2 = q2.wrapping_add(1);
            r2 = r2.wrapping_sub(ad);
        }
        let delta = ad - r2;
        if !(q1 < delta || (q1 == delta && r1 == 0)) {
            break;
        }
    }
    (q2.wrapping_add(1) as i64, p - 64)
}

/// Python's `x // c` or `x % c` for a constant `c` >= 2 without a
/// division: a shift or a mask for a power of two, else a multiplication
/// by [`magic`] and the floor's fix-up. The instructions before the last
/// go in `keep`; the last is returned.
fn by_constant(f: &mut Func, keep: &mut Vec<Value>, op: IOp, x: Value, c: i64) -> Inst {
    if c & (c - 1) == 0 {
        return match op {
            IOp::FloorDiv => Inst::Bin(IOp::Sar, x, Rhs::K(c.trailing_zeros() as i64)),
            _ => Inst::Bin(IOp::And, x, Rhs::K(c - 1)),
        };
    }
    let mut put = |f: &mut Func, i: Inst| {
        let v = crate::opt::push(f, i, Class::I64);
        keep.push(v);
        v
    };
    let (m, s) = magic(c);
    let mut q = put(f, Inst::Bin(IOp::MulHi, x, Rhs::K(m)));
    if m < 0 {
        q = put(f, Inst::Bin(IOp::Add, q, Rhs::V(x)));
    }
    if s > 0 {
        q = put(f, Inst::Bin(IOp::Sar, q, Rhs::K(s as i64)));
    }
    let sign = put(f, Inst::Bin(IOp::Sar, x, Rhs::K(63)));
    // Truncated, then floored: one less when the remainder is negative.
    let q = put(f, Inst::Bin(IOp::Sub, q, Rhs::V(sign)));
    let qc = put(f, Inst::Bin(IOp::Mul, q, Rhs::K(c)));
    let r = put(f, Inst::Bin(IOp::Sub, x, Rhs::V(qc)));
    let below = Test::I(Cond::Lt, r, Rhs::K(0));
    match op {
        IOp::FloorDiv => {
            let q1 = put(f, Inst::Bin(IOp::Add, q, Rhs::K(-1)));
            Inst::Select(below, q1, q)
        }
        _ => {
            let r1 = put(f, Inst::Bin(IOp::Add, r, Rhs::K(c)));
            Inst::Select(below, r1, r)
        }
    }
}

/// Branches and guards on `x != 0` (or `x == 0`) where `x` is a
/// comparison's result test the comparison instead. Returns how many.
pub fn branch_on_tests(f: &mut Func) -> usize {
    let mut n = 0;
    // `x` as a test, `negate`d or not: a float test is negated by
    // swapping the branch's ways (Python's NaN rules leave no condition
    // that is its negation), so only integer tests negate in place.
    let inner = |f: &Func, x: Value| match f.insts[x.0 as usize] {
        Inst::Set(t) => Some(t),
        _ => None,
    };
    for bi in 0..f.blocks.len() {
        let Some(Term::Branch(t, ..)) = &f.blocks[bi].term else {
            continue;
        };
        let (x, eq) = match *t {
            Test::I(Cond::Ne, x, Rhs::K(0)) => (x, false),
            Test::I(Cond::Eq, x, Rhs::K(0)) => (x, true),
            _ => continue,
        };
        let Some(it) = inner(f, x) else { continue };
        let Some(Term::Branch(_, yes, no)) = f.blocks[bi].term.take() else {
            unreachable!("a branch ends the block")
        };
        let term = match (it, eq) {
            (t, false) => Term::Branch(t, yes, no),
            (Test::I(c, a, r), true) => Term::Branch(Test::I(c.negate(), a, r), yes, no),
            (t @ Test::F(..), true) => Term::Branch(t, no, yes),
        };
        f.blocks[bi].term = Some(term);
        n += 1;
    }
    for i in 0..f.insts.len() {
        let Inst::Guard(t, e) = f.insts[i] else {
            continue;
        };
        let (x, eq) = match t {
            Test::I(Cond::Ne, x, Rhs::K(0)) => (x, false),
            Test::I(Cond::Eq, x, Rhs::K(0)) => (x, true),
            _ => continue,
        };
        let Some(it) = inner(f, x) else { continue };
        let nt = match (it, eq) {
            (t, false) => t,
            (Test::I(c, a, r), true) => Test::I(c.negate(), a, r),
            (Test::F(FCond::Eq, a, b), true) => Test::F(FCond::Ne, a, b),
            (Test::F(FCond::Ne, a, b), true) => Test::F(FCond::Eq, a, b),
            _ => continue,
        };
        f.insts[i] = Inst::Guard(nt, e);
        n += 1;
    }
    n
}

/// Most instructions one side of a choice may have to be made a select.
const SPECULATE: usize = 4;

/// A side of a two-way choice that can run unconditionally: a block with
/// `b` as its one predecessor, no parameters, a few instructions that
/// cannot trap or change anything, and a jump on.
fn speculable(f: &Func, b: Block, from: Block) -> Option<&Edge> {
    let bd = &f.blocks[b.0 as usize];
    if bd.entry || !bd.params.is_empty() || f.preds[b.0 as usize][..] != [from] {
        return None;
    }
    if bd.insts.len() > SPECULATE {
        return None;
    }
    let cheap = bd.insts.iter().all(|&v| match f.insts[v.0 as usize] {
        Inst::Bin(op, ..) => !matches!(op, IOp::FloorDiv | IOp::Mod | IOp::UDiv),
        Inst::Un(op, _) => op != UnOp::FSqrt,
        Inst::Set(_) | Inst::Select(..) | Inst::Const(_) => true,
        _ => false,
    });
    match &bd.term {
        Some(Term::Jump(e)) if cheap => Some(e),
        _ => None,
    }
}

/// If-conversion: `if t: x = A else: x = B` (or one-armed), where both
/// sides are a few cheap integer instructions, becomes both sides computed
/// and a select of each integer value that differs; a float that differs
/// keeps the branch (a float select is a branch). Returns how many; the
/// caller analyses the function again.
pub fn if_convert(f: &mut Func) -> usize {
    let mut n = 0;
    for bi in 0..f.blocks.len() {
        let b = Block(bi as u32);
        let Some(Term::Branch(t @ Test::I(..), yes, no)) = &f.blocks[bi].term else {
            continue;
        };
        let (t, yes_to, no_to) = (*t, yes.to, no.to);
        // The two ways to the join: through a side (its instructions and
        // its jump), or straight there.
        fn way<'a>(f: &'a Func, e: &'a Edge, from: Block) -> (&'a [Value], &'a Edge) {
            match speculable(f, e.to, from) {
                Some(j) if e.args.is_empty() => (&f.blocks[e.to.0 as usize].insts, j),
                _ => (&[], e),
            }
        }
        let ((ys, ye), (ns, ne)) = (way(f, yes, b), way(f, no, b));
        if ye.to != ne.to || (ys.is_empty() && ns.is_empty()) || ye.to == b {
            continue;
        }
        // The join must not be a side itself (a diamond with one empty
        // side reaches it straight), nor a loop's header reached around.
        let join = ye.to;
        if f.blocks[join.0 as usize].entry || ye.args.len() != ne.args.len() {
            continue;
        }
        let all_int = ye
            .args
            .iter()
            .zip(&ne.args)
            .all(|(&x, &y)| x == y || f.class[x.0 as usize] != Class::F64);
        if !all_int {
            continue;
        }
        let selects: Vec<(Value, Value)> = ye
            .args
            .iter()
            .zip(&ne.args)
            .map(|(&x, &y)| (x, y))
            .filter(|(x, y)| x != y)
            .collect();
        if selects.len() > 2 {
            continue;
        }
        let (ye, ne) = (ye.clone(), ne.clone());
        let mut moved = ys.to_vec();
        moved.extend(ns);
        let mut args = Vec::with_capacity(ye.args.len());
        for (k, (&x, &y)) in ye.args.iter().zip(&ne.args).enumerate() {
            if x == y {
                args.push(x);
                continue;
            }
            let v = Value(f.insts.len() as u32);
            let class = f.class[f.blocks[join.0 as usize].params[k].0 as usize];
            f.insts.push(Inst::Select(t, x, y));
            f.class.push(class);
            moved.push(v);
            args.push(v);
        }
        // The sides are left unreachable, without a terminator (so that
        // they are no block's predecessor).
        for s in [yes_to, no_to] {
            if s != join {
                f.blocks[s.0 as usize].insts.clear();
                f.blocks[s.0 as usize].term = None;
                f.preds[s.0 as usize].clear();
                f.preds[join.0 as usize].retain(|&p| p != s);
            }
        }
        let bd = &mut f.blocks[bi];
        bd.insts.extend(moved);
        bd.term = Some(Term::Jump(Edge { to: join, args }));
        let jp = &mut f.preds[join.0 as usize];
        jp.retain(|&p| p != b);
        jp.push(b);
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_by_a_constant_is_a_multiplication_and_a_fix_up() {
        let mut xs: Vec<i64> = vec![
            0,
            1,
            -1,
            2,
            -2,
            7,
            -7,
            999,
            -1000,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ];
        let mut r = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            xs.push(r as i64);
            xs.push((r as i64) >> (r % 60));
        }
        for c in [
            3i64,
            5,
            6,
            7,
            10,
            17,
            19,
            1000,
            1_000_003,
            2147483647,
            i64::MAX,
            (1 << 40) + 1,
        ] {
            let (m, s) = magic(c);
            for &x in &xs {
                let mut q = ((x as i128 * m as i128) >> 64) as i64;
                if m < 0 {
                    q = q.wrapping_add(x);
                }
                q = (q >> s) + ((x as u64) >> 63) as i64;
                assert_eq!(q, x.wrapping_div(c), "{x} / {c}");
            }
        }
    }
}
