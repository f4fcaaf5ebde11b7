//! Fused elementwise expressions: one pass over the output that evaluates
//! the whole expression tree for each element, so that `np.sqrt(a*a + b*b)`
//! reads its inputs once and allocates nothing but its result.
//!
//! When every operation computes in one dtype that has typed loops, the
//! pass runs block by block: each operation is one call of its typed
//! (vectorised) loop over a block of at most [`BLOCK`] elements of a row,
//! its operands read in place (arrays at their strides, scalars at stride
//! 0) or from the block buffers of earlier operations, which stay in L1.
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

/// Where an operand of a block operation is: `n` elements from `ptr` at a
/// byte stride.
#[derive(Clone, Copy)]
struct Slot {
    ptr: *const u8,
    stride: isize,
}

/// A typed loop of an operation of the expression.
#[derive(Clone, Copy)]
enum Kernel {
    One(crate::ufunc::Loop1),
    Two(crate::ufunc::Loop2),
}

impl Kernel {
    fn arity(self) -> usize {
        match self {
            Kernel::One(_) => 1,
            Kernel::Two(_) => 2,
        }
    }
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
    // Block buffers, one per evaluation-stack position (u64: aligned for
    // every dtype), no longer than a row.
    let n = shape[nd - 1];
    let width = BLOCK.min(n);
    let depth = fz.depth.max(1) as usize;
    let mut bufs = vec![0u64; depth * width];
    let mut stack: Vec<Slot> = Vec::with_capacity(depth);
    let last = fz.nodes.len() - 1;
    // Values at the bottom of the evaluation stack (the first operand's
    // chain, which the last operation reads) go straight to the output's
    // block, when no input reads that memory and it is contiguous: the
    // block's reads and writes of memory then overlap, as in one loop over
    // the whole expression, and the later operations run on it in place.
    let direct = apart && inner[nin] == size;
    // Each operation's loop, looked up once rather than once a block.
    let kernels: Vec<Option<Kernel>> = fz
        .nodes
        .iter()
        .map(|n| match *n {
            FusedNode::Ufunc { f, .. } => Some(match arity(f) {
                1 => Kernel::One(crate::ufunc::loop1(f, dt).expect("typed_dtype checked")),
                _ => Kernel::Two(crate::ufunc::loop2(f, dt).expect("typed_dtype checked")),
            }),
            _ => None,
        })
        .collect();
    visit(&shape[..nd - 1], &outer, |off| {
        let mut c = 0;
        while c < n {
            let m = BLOCK.min(n - c);
            stack.clear();
            for (i, node) in fz.nodes.iter().enumerate() {
                match *node {
                    FusedNode::Input { k, .. } => {
                        let k = k as usize;
                        let slot = match ins[k] {
                            // SAFETY (pointer arithmetic): element c of this
                            // row of the (broadcast) input.
                            Input::Arr(a) if a.dtype == dt => Slot {
                                ptr: a.data.wrapping_offset(off[k] + c as isize * inner[k]),
                                stride: inner[k],
                            },
                            Input::Arr(a) => {
                                // Another dtype: converted into the block buffer.
                                let b = bufs[stack.len() * width..].as_mut_ptr() as *mut u8;
                                for j in 0..m {
                                    let at = off[k] + (c + j) as isize * inner[k];
                                    // SAFETY: elements of this row of the input,
                                    // and j < m <= width elements of the buffer.
                                    unsafe {
                                        let v = load(a.dtype, a.data.offset(at));
                                        store(dt, b.offset(j as isize * size), v.to(dt));
                                    }
                                }
                                Slot {
                                    ptr: b,
                                    stride: size,
                                }
                            }
                            Input::Scalar(_) => Slot {
                                ptr: scal[k].as_ptr(),
                                stride: 0,
                            },
                        };
                        stack.push(slot);
                    }
                    FusedNode::Ufunc { .. } => {
                        let kernel = kernels[i].expect("a loop for every operation");
                        let at = stack.len() - kernel.arity();
                        let out = if i == last || (at == 0 && direct) {
                            Slot {
                                ptr: o.data.wrapping_offset(off[nin] + c as isize * inner[nin]),
                                stride: inner[nin],
                            }
                        } else {
                            Slot {
                                ptr: bufs[at * width..].as_mut_ptr() as *const u8,
                                stride: size,
                            }
                        };
                        let (a, b) = (stack[at], stack[stack.len() - 1]);
                        // SAFETY: m elements at each operand's pointer and
                        // stride lie inside its array, buffer or scalar
                        // (stride 0); the output is a block buffer (the
                        // first operand's own, or one no operand uses) or
                        // the output row, which overlaps no input but as
                        // that same view (checked by `fused`) and is
                        // otherwise only the first operand's own block.
                        unsafe {
                            match kernel {
                                Kernel::One(k) => {
                                    k(m, a.ptr, a.stride, out.ptr as *mut u8, out.stride)
                                }
                                Kernel::Two(k) => k(
                                    m,
                                    a.ptr,
                                    a.stride,
                                    b.ptr,
                                    b.stride,
                                    out.ptr as *mut u8,
                                    out.stride,
                                ),
                            }
                        }
                        stack.truncate(at);
                        stack.push(out);
                    }
                    FusedNode::Where { .. } => unreachable!("typed_dtype excludes where"),
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
