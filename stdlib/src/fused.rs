//! Fused elementwise expressions: one pass over the output that evaluates
//! the whole expression tree for each element, so that `np.sqrt(a*a + b*b)`
//! reads its inputs once and allocates nothing but its result.
//!
//! When every operation computes in one dtype that has typed loops, the
//! pass runs block by block: each operation is one call of its typed
//! (vectorised) loop over a block of at most [`BLOCK`] elements of a row,
//! its operands read in place (arrays at their strides, scalars at stride
//! 0) or from the block buffers of earlier operations, which stay in L1.
//! Two binary operations in a row, the first's result the second's first
//! operand (`a * 2 + a`), are one joint loop with no intermediate at all,
//! and so are a binary operation and a square root of its result.
//! Otherwise one element at a time through [`crate::elementwise::apply`].
//! Both give every value exactly as the separate operations would: the
//! same loops, each intermediate narrowed to its dtype, no reassociation.

use typer::tir::Ufunc;
use typer::DType;
use vm::array::{broadcast_strides, for_each_offset, load, store, Array, Raised, Val, MAX_NDIM};
use vm::runtime::{Fused, FusedNode, Input};

use crate::elementwise::{apply, operand_strides, visit};

/// Elements per block of the typed path: 2 KiB of float64 per buffer.
pub const BLOCK: usize = 256;

fn arity(f: Ufunc) -> usize {
    use Ufunc::*;
    match f {
        Negative | Absolute | Float1(_) | Floor | Ceil | Rint | Invert | LogicalNot | IsNan
        | IsInf | IsFinite => 1,
        _ => 2,
    }
}

/// The fused-expression kernel of the runtime table.
pub fn fused(fz: &Fused, ins: &[Input], o: &Array) -> Result<(), Raised> {
    if o.size() == 0 {
        return Ok(());
    }
    // The output overlapping an input other than as that very view (same
    // start, same strides) must not be written until every result is
    // known; nor may a visible output be half-written by a pass that can
    // still raise (an integer power with a negative exponent).
    let shape = o.shape();
    let overlap = ins.iter().any(|x| match x {
        Input::Arr(a) => {
            a.shares_memory(o)
                && (a.data != o.data
                    || broadcast_strides(a.shape(), a.strides(), shape)[..shape.len()]
                        != *o.strides())
        }
        Input::Scalar(_) => false,
    });
    let may_raise = fz
        .nodes
        .iter()
        .any(|n| matches!(n, FusedNode::Ufunc { f: Ufunc::Power, dt, .. } if !dt.is_float()));
    let shared = ins
        .iter()
        .any(|x| matches!(x, Input::Arr(a) if a.shares_memory(o)));
    let buffered = overlap || (may_raise && shared);
    if !buffered {
        if let Some(dt) = typed_dtype(fz, o) {
            blocks(fz, ins, o, dt, !shared);
            return Ok(());
        }
    }
    per_element(fz, ins, o, buffered)
}

/// The one dtype every operation computes in and produces, when each has a
/// typed loop and the output has it too.
fn typed_dtype(fz: &Fused, o: &Array) -> Option<DType> {
    let dt = o.dtype;
    if o.ndim == 0 || dt.itemsize() > 8 {
        return None;
    }
    let fits = fz.nodes.iter().all(|n| match *n {
        FusedNode::Input { dt: d, .. } => d == dt,
        FusedNode::Ufunc { f, dt: d, out } => {
            d == dt
                && out == dt
                && match arity(f) {
                    1 => crate::ufunc::loop1(f, dt).is_some(),
                    _ => crate::ufunc::loop2(f, dt).is_some(),
                }
        }
        FusedNode::Where { .. } => false,
    });
    fits.then_some(dt)
}

/// Where a block operation reads an operand or writes its result, for the
/// current block of the current row.
#[derive(Clone, Copy)]
enum Src {
    /// Input `k`, an array of the loop dtype, read in place.
    Arr(usize),
    /// Input `k`, a scalar as one element of the loop dtype (stride 0).
    Scal(usize),
    /// Block buffer `j`.
    Buf(usize),
    /// The output row.
    Out,
}

/// A cache line of block buffer.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u64; 8]);

/// A typed loop of an operation of the expression.
#[derive(Clone, Copy)]
enum Kernel {
    One(crate::ufunc::Loop1),
    Two(crate::ufunc::Loop2),
}

/// One step of a block: input `k` of another dtype converted into block
/// buffer `buf`; an operation's typed loop from its operands to `out`; or
/// two binary operations in one loop, `g(f(a, b), c)`.
#[derive(Clone, Copy)]
enum Step {
    Convert {
        k: usize,
        buf: usize,
    },
    Op {
        f: Ufunc,
        kernel: Kernel,
        a: Src,
        b: Src,
        out: Src,
    },
    Chain {
        kernel: crate::ufunc::Loop3,
        a: Src,
        b: Src,
        c: Src,
        out: Src,
    },
}

impl Src {
    fn same(self, o: Src) -> bool {
        match (self, o) {
            (Src::Buf(i), Src::Buf(j)) => i == j,
            (Src::Out, Src::Out) => true,
            _ => false,
        }
    }
}

/// Joins each binary operation whose result is at once the first operand
/// of the next binary operation with that one, where the two have a
/// joint loop: its intermediate never goes through a block buffer. The
/// joint loop's output must be none of its operands: not the first one's
/// (a buffer or the output row, taken over), and the output row only when
/// it shares memory with no input (the next operation's other operand
/// sits higher on the stack, in another buffer).
fn chain(steps: Vec<Step>, dt: DType, apart: bool) -> Vec<Step> {
    let mut out = Vec::with_capacity(steps.len());
    let mut i = 0;
    while i < steps.len() {
        if let (
            Step::Op {
                f,
                kernel: Kernel::Two(_),
                a,
                b,
                out: x,
            },
            Some(&Step::Op {
                f: g,
                kernel: Kernel::Two(_),
                a: y,
                b: c,
                out: o,
            }),
        ) = (steps[i], steps.get(i + 1))
        {
            let joint = crate::ufunc::loop3(f, g, dt);
            let free = !o.same(a) && (apart || !matches!(o, Src::Out));
            if let (true, true, Some(kernel)) = (x.same(y), free, joint) {
                out.push(Step::Chain {
                    kernel,
                    a,
                    b,
                    c,
                    out: o,
                });
                i += 2;
                continue;
            }
        }
        // A unary operation on the result of the binary one before it:
        // one binary loop, in place as the two would be.
        if let (
            Step::Op {
                f,
                kernel: Kernel::Two(_),
                a,
                b,
                out: x,
            },
            Some(&Step::Op {
                f: u,
                kernel: Kernel::One(_),
                a: y,
                out: o,
                ..
            }),
        ) = (steps[i], steps.get(i + 1))
        {
            if let (true, true, Some(k)) =
                (x.same(y), o.same(x), crate::ufunc::loop2_then(f, u, dt))
            {
                out.push(Step::Op {
                    f,
                    kernel: Kernel::Two(k),
                    a,
                    b,
                    out: o,
                });
                i += 2;
                continue;
            }
        }
        out.push(steps[i]);
        i += 1;
    }
    out
}

/// The steps of one block, from the expression's postfix nodes: the
/// evaluation stack is walked once here rather than once a block.
/// `direct`: values at the bottom of the stack go to the output row.
fn plan(fz: &Fused, ins: &[Input], dt: DType, direct: bool) -> Vec<Step> {
    let mut steps = Vec::with_capacity(fz.nodes.len());
    let mut stack: Vec<Src> = Vec::with_capacity(fz.depth.max(1) as usize);
    let last = fz.nodes.len() - 1;
    for (i, node) in fz.nodes.iter().enumerate() {
        match *node {
            FusedNode::Input { k, .. } => {
                let k = k as usize;
                let src = match ins[k] {
                    Input::Arr(a) if a.dtype == dt => Src::Arr(k),
                    Input::Arr(_) => {
                        let buf = stack.len();
                        steps.push(Step::Convert { k, buf });
                        Src::Buf(buf)
                    }
                    Input::Scalar(_) => Src::Scal(k),
                };
                stack.push(src);
            }
            FusedNode::Ufunc { f, .. } => {
                let (kernel, n) = match arity(f) {
                    1 => (
                        Kernel::One(crate::ufunc::loop1(f, dt).expect("typed_dtype checked")),
                        1,
                    ),
                    _ => (
                        Kernel::Two(crate::ufunc::loop2(f, dt).expect("typed_dtype checked")),
                        2,
                    ),
                };
                let at = stack.len() - n;
                let out = if i == last || (at == 0 && direct) {
                    Src::Out
                } else {
                    Src::Buf(at)
                };
                let (a, b) = (stack[at], stack[stack.len() - 1]);
                steps.push(Step::Op {
                    f,
                    kernel,
                    a,
                    b,
                    out,
                });
                stack.truncate(at);
                stack.push(out);
            }
            FusedNode::Where { .. } => unreachable!("typed_dtype excludes where"),
        }
    }
    steps
}

/// The typed path: rows of the last axis in blocks, each operation one
/// typed-loop call per block. `apart`: the output shares no memory with
/// any input.
fn blocks(fz: &Fused, ins: &[Input], o: &Array, dt: DType, apart: bool) {
    let shape = o.shape();
    let nd = shape.len();
    let size = dt.itemsize() as isize;
    let st = operand_strides(ins, o);
    let outer: Vec<&[isize]> = st.iter().map(|s| &s[..nd - 1]).collect();
    let inner: Vec<isize> = st.iter().map(|s| s[nd - 1]).collect();
    let nin = ins.len();
    // Scalars as one element of the loop dtype, read at stride 0.
    let mut scal = vec![[0u8; 8]; nin];
    for (b, x) in scal.iter_mut().zip(ins) {
        if let Input::Scalar(v) = x {
            // SAFETY: 8 bytes hold an element of any dtype here.
            unsafe { store(dt, b.as_mut_ptr(), v.to(dt)) };
        }
    }
    // Values at the bottom of the evaluation stack (the first operand's
    // chain, which the last operation reads) go straight to the output's
    // block, when no input reads that memory and it is contiguous: the
    // block's reads and writes of memory then overlap, as in one loop over
    // the whole expression, and the later operations run on it in place.
    let direct = apart && inner[nin] == size;
    let steps = chain(plan(fz, ins, dt, direct), dt, apart);
    // Block buffers, one per evaluation-stack position (u64: aligned for
    // every dtype), no longer than a row. A single step (one joint loop
    // from the inputs to the output) uses none and runs over whole rows:
    // blocks only keep what later steps read in L1.
    let n = shape[nd - 1];
    let whole = matches!(steps[..], [Step::Op { .. } | Step::Chain { .. }]);
    let block = if whole { n.max(1) } else { BLOCK };
    // Each buffer starts a cache line, as arrays' data do where they can,
    // so that the widest loops run on whole lines (see `ufunc::head`).
    let width = block.min(n).next_multiple_of(8);
    let depth = if whole { 0 } else { fz.depth.max(1) as usize };
    let mut mem = vec![Line([0; 8]); depth * width / 8];
    let bufs = mem.as_mut_ptr() as *mut u8;
    let data: Vec<*const u8> = ins
        .iter()
        .map(|x| match x {
            Input::Arr(a) => a.data as *const u8,
            Input::Scalar(_) => std::ptr::null(),
        })
        .collect();
    visit(&shape[..nd - 1], &outer, |off| {
        let mut c = 0;
        while c < n {
            let m = block.min(n - c);
            // Where operand `s` of this block starts, and its stride.
            // (pointer arithmetic: element c of this row of the input or
            // output, or the start of a buffer or scalar.)
            let at = |s: Src| -> (*const u8, isize) {
                match s {
                    Src::Arr(k) => (
                        data[k].wrapping_offset(off[k] + c as isize * inner[k]),
                        inner[k],
                    ),
                    Src::Scal(k) => (scal[k].as_ptr(), 0),
                    Src::Buf(j) => (bufs.wrapping_add(j * width * 8) as *const u8, size),
                    Src::Out => (
                        o.data.wrapping_offset(off[nin] + c as isize * inner[nin]) as *const u8,
                        inner[nin],
                    ),
                }
            };
            for step in &steps {
                match *step {
                    Step::Convert { k, buf } => {
                        let Input::Arr(a) = ins[k] else {
                            unreachable!("only arrays are converted")
                        };
                        let b = bufs.wrapping_add(buf * width * 8);
                        for j in 0..m {
                            let at = off[k] + (c + j) as isize * inner[k];
                            // SAFETY: elements of this row of the input,
                            // and j < m <= width elements of the buffer.
                            unsafe {
                                let v = load(a.dtype, a.data.offset(at));
                                store(dt, b.offset(j as isize * size), v.to(dt));
                            }
                        }
                    }
                    Step::Chain {
                        kernel,
                        a,
                        b,
                        c,
                        out,
                    } => {
                        let ((pa, sa), (pb, sb), (pc, sc), (po, so)) =
                            (at(a), at(b), at(c), at(out));
                        // SAFETY: as for `Op` below; the output is the first
                        // operand or none of them (see `chain`).
                        unsafe { kernel(m, pa, sa, pb, sb, pc, sc, po as *mut u8, so) }
                    }
                    Step::Op {
                        kernel, a, b, out, ..
                    } => {
                        let ((pa, sa), (pb, sb), (po, so)) = (at(a), at(b), at(out));
                        // SAFETY: m elements at each operand's pointer and
                        // stride lie inside its array, buffer or scalar
                        // (stride 0); the output is a block buffer (the
                        // first operand's own, or one no operand uses) or
                        // the output row, which overlaps no input but as
                        // that same view (checked by `fused`) and is
                        // otherwise only the first operand's own block.
                        unsafe {
                            match kernel {
                                Kernel::One(k) => k(m, pa, sa, po as *mut u8, so),
                                Kernel::Two(k) => k(m, pa, sa, pb, sb, po as *mut u8, so),
                            }
                        }
                    }
                }
            }
            c += m;
        }
    });
}

/// The general path: the expression evaluated for one element at a time,
/// each value narrowed to its node's dtype. `buffered`: every result is
/// computed before the first is stored.
fn per_element(fz: &Fused, ins: &[Input], o: &Array, buffered: bool) -> Result<(), Raised> {
    let shape = o.shape();
    let st = operand_strides(ins, o);
    let strides: Vec<&[isize]> = st.iter().map(|s| &s[..shape.len()]).collect();
    let nin = ins.len();
    let mut stack: Vec<Val> = Vec::with_capacity(fz.depth as usize);
    let mut results = Vec::new();
    let mut err = None;
    let mut vals = [Val::I(0); 2];
    visit(shape, &strides, |off| {
        if err.is_some() {
            return;
        }
        stack.clear();
        for node in &fz.nodes {
            match *node {
                FusedNode::Input { k, dt, .. } => {
                    let k = k as usize;
                    let v = match ins[k] {
                        // SAFETY: a broadcast offset inside the input.
                        Input::Arr(a) => unsafe { load(a.dtype, a.data.offset(off[k])) },
                        Input::Scalar(v) => v,
                    };
                    stack.push(v.to(dt));
                }
                FusedNode::Ufunc { f, dt, out } => {
                    let n = arity(f);
                    let at = stack.len() - n;
                    for (v, x) in vals.iter_mut().zip(&stack[at..]) {
                        *v = x.to(dt);
                    }
                    stack.truncate(at);
                    match apply(f, dt, &vals[..n]) {
                        Ok(r) => stack.push(narrow(r, out)),
                        Err(e) => {
                            err = Some(e);
                            return;
                        }
                    }
                }
                FusedNode::Where { out } => {
                    let at = stack.len() - 3;
                    let v = if stack[at].truthy() {
                        stack[at + 1]
                    } else {
                        stack[at + 2]
                    };
                    stack.truncate(at);
                    stack.push(narrow(v, out));
                }
            }
        }
        let r = stack.pop().unwrap_or(Val::I(0));
        if buffered {
            results.push(r);
        } else {
            // SAFETY: an offset inside the output.
            unsafe { store(o.dtype, o.data.offset(off[nin]), r) }
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    if buffered {
        for_each_offset(shape, [o.strides()], |k, [off]| {
            // SAFETY: offsets inside the output.
            unsafe { store(o.dtype, o.data.offset(off), results[k]) }
        });
    }
    Ok(())
}

/// `v` as an array of dtype `dt` holds it (stored and loaded back).
fn narrow(v: Val, dt: DType) -> Val {
    Val::from_bits(v.to_bits(dt), dt)
}

const _: () = assert!(MAX_NDIM >= 1);
