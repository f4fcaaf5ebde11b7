//! The runtime's array operations: what an `Rt` instruction does, for both
//! tiers. Each operation reads its operands from a window of registers
//! (arrays are borrowed, scalars are int64 or float64 bits), writes its
//! result to the start of that window (new arrays are owned references) and
//! allocates every array through the array class's allocator.

use std::cell::{Cell, RefCell};

use typer::tir::{Arg, Fill, Idx, RandFn, Reduction, RtOp, Ufunc};
use typer::{DType, Type};

use crate::array::{
    self, broadcast, broadcast_strides, for_each_offset, load, new_array, shape_str, store, Array,
    Raised, Val, MAX_NDIM,
};
use crate::classmethods::ClassTable;
use crate::compile::width;
use crate::runtime::{kernels, DrawArgs, Drawn, Elem, Fused, FusedNode, Generators, Input};

mod extra;
mod fancy;
mod hist;
mod nditer;
mod quantile;
mod search;

/// One `Rt` call site: the operation and the types of its operands and result.
#[derive(Debug, Clone)]
pub struct RtDesc {
    pub op: RtOp,
    pub args: Vec<Type>,
    pub ret: Type,
    /// A fused elementwise expression: `op` is its root (a ufunc or `where`
    /// making a new array, `InPlace`, or `SetItem` of an array value), and
    /// the operands that the root's array operand would be are the leaves.
    pub fused: Option<Box<Fused>>,
}

impl RtDesc {
    /// Registers the call site's window spans (operands or result, the larger).
    pub fn window(&self) -> usize {
        let a: u16 = self.args.iter().map(width).sum();
        a.max(width(&self.ret)).max(1) as usize
    }
}

/// Elements of array work that cost one unit of fuel (see [`RtCtx::charge`]).
pub const ELEMS_PER_FUEL: usize = 32;

/// What runtime operations need from the VM: the classmethod table, through
/// which every array is allocated, the run's fuel, which they spend, and
/// the random generators.
pub struct RtCtx {
    pub table: ClassTable,
    pub fuel: Fuel,
    /// The state of `np.random` and `random`, which every tier draws from.
    pub random: RefCell<Generators>,
}

impl RtCtx {
    pub fn new(table: ClassTable) -> RtCtx {
        RtCtx {
            table,
            fuel: Fuel::default(),
            random: RefCell::new(Generators::default()),
        }
    }

    /// Spends the fuel for `elems` elements of array work: one unit per
    /// [`ELEMS_PER_FUEL`] elements, rounded up (nothing for none). Called
    /// before the work, so that a run out of fuel stops before it.
    pub fn charge(&self, elems: usize) -> Result<(), Raised> {
        self.fuel.spend(elems.div_ceil(ELEMS_PER_FUEL) as u64)
    }
}

/// A run's fuel: what bounds its running time. Loop back-edges and calls
/// cost one unit each (the interpreter and native code count them), array
/// operations one unit per [`ELEMS_PER_FUEL`] elements they process, and
/// printing an array one unit per element it formats. The count is the
/// same in every tier, so a budget runs out at the same instruction.
///
/// The units are handed out in windows (so that the end of one is a
/// profile sample and a chance to enter native code): `left` counts down
/// the current window, `reserve` holds the rest. `Cell`s, because native
/// code counts in `left` through its address while runtime operations,
/// holding only a shared context, spend from both.
#[derive(Debug)]
pub struct Fuel {
    /// Units left in the current window; a tick that takes it to zero takes
    /// the next window from `reserve`, or raises the fuel error.
    pub left: Cell<u64>,
    pub reserve: Cell<u64>,
    /// The run's budget, for the error message (`None`: unbounded).
    pub limit: Cell<Option<u64>>,
}

impl Default for Fuel {
    fn default() -> Fuel {
        Fuel {
            left: Cell::new(u64::MAX),
            reserve: Cell::new(0),
            limit: Cell::new(None),
        }
    }
}

impl Fuel {
    /// Spends `units` at once, as that many ticks would: the fuel error if
    /// they would spend the run's last unit, and otherwise at least one
    /// unit left in the window (native code leaves the tick that empties a
    /// window to the interpreter, which takes the next one then).
    pub fn spend(&self, units: u64) -> Result<(), Raised> {
        let (left, reserve) = (self.left.get(), self.reserve.get());
        if units == 0 {
            return Ok(());
        }
        if units < left {
            self.left.set(left - units);
            return Ok(());
        }
        // left + reserve never exceeds the budget, a u64.
        let rest = left + reserve;
        if units >= rest {
            self.left.set(0);
            self.reserve.set(0);
            return Err(fuel_error(self.limit.get()));
        }
        // The window ran out inside the operation: its last unit is left
        // for the next tick, which then ends it as usual. (Only windowed
        // runs get here: a run in one window has no reserve.)
        self.left.set(1);
        self.reserve.set(rest - units - 1);
        Ok(())
    }
}

/// The exception for a run out of fuel.
#[cold]
#[inline(never)]
pub fn fuel_error(limit: Option<u64>) -> Raised {
    (
        "RuntimeError",
        format!("instruction fuel exhausted (limit {})", limit.unwrap_or(0)),
    )
}

/// Decoded operands.
enum Opnd {
    Arr(*mut Array),
    Scalar(Val, DType),
    Ints(Vec<i64>),
}

fn decode(d: &RtDesc, regs: &[u64]) -> Result<Vec<Opnd>, Raised> {
    let mut out = Vec::with_capacity(d.args.len());
    let mut k = 0;
    for t in &d.args {
        match t {
            Type::Array(_) => {
                let p = regs[k] as *mut Array;
                if p.is_null() {
                    return Err(unbound());
                }
                out.push(Opnd::Arr(p));
                k += 1;
            }
            Type::Tuple(items) => {
                out.push(Opnd::Ints(
                    regs[k..k + items.len()].iter().map(|&v| v as i64).collect(),
                ));
                k += items.len();
            }
            t => {
                let dt = t.scalar_dtype().unwrap_or(DType::I64);
                out.push(Opnd::Scalar(Val::from_bits(regs[k], dt), dt));
                k += 1;
            }
        }
    }
    Ok(out)
}

fn unbound() -> Raised {
    (
        "UnboundLocalError",
        "an array variable was used before it was assigned".into(),
    )
}

/// Borrows the header behind an operand.
fn arr<'a>(o: &Opnd) -> &'a Array {
    match o {
        // SAFETY: array registers hold null or a live header the frame owns
        // a reference to (the compiler's ownership discipline), null was
        // rejected by `decode`, and the header outlives this operation.
        Opnd::Arr(p) => unsafe { &**p },
        _ => unreachable!("operand is not an array"),
    }
}

fn ints(o: &Opnd) -> Vec<i64> {
    match o {
        Opnd::Ints(v) => v.clone(),
        Opnd::Scalar(v, _) => vec![v.as_i64()],
        Opnd::Arr(_) => unreachable!("operand is not a shape"),
    }
}

/// A scalar operand's value and dtype. A 0-d array stands for its one
/// element, as in NumPy, where a ufunc on 0-d arrays (`a + 1`) gives a
/// scalar and a 0-d array serves as a fill value or a bound.
fn scalar(o: &Opnd) -> (Val, DType) {
    match o {
        Opnd::Scalar(v, d) => (*v, *d),
        Opnd::Arr(_) if arr(o).ndim == 0 => {
            let a = arr(o);
            // SAFETY: a live array of no dimensions holds one element, at
            // its data pointer.
            (unsafe { load(a.dtype, a.data) }, a.dtype)
        }
        _ => unreachable!("operand is not a scalar"),
    }
}

fn out_dtype(t: &Type) -> DType {
    match t {
        Type::Array(a) => a.dtype,
        t => t.scalar_dtype().unwrap_or(DType::I64),
    }
}

fn shape_of(v: &[i64]) -> Result<Vec<usize>, Raised> {
    v.iter()
        .map(|&d| {
            usize::try_from(d).map_err(|_| {
                (
                    "ValueError",
                    "negative dimensions are not allowed".to_string(),
                )
            })
        })
        .collect()
}

/// The number of elements of an array of `shape`, or 0 when that
/// overflows (the allocation then refuses it as too big, before any work).
fn elems(shape: &[usize]) -> usize {
    shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .unwrap_or(0)
}

/// The error for a call site whose operands do not fit its operation,
/// which the compiler never emits; raised instead of reading or writing
/// outside an array.
#[cold]
fn mismatch(what: &str) -> Raised {
    (
        "SystemError",
        format!("{what}: operands do not match the operation"),
    )
}

/// Writes an owned array result.
fn put_arr(regs: &mut [u64], a: *mut Array) {
    regs[0] = a as u64;
}

/// Writes a result that is an owned array, or the one value of a scalar
/// result.
fn put_result(regs: &mut [u64], ret: &Type, out: Result<Val, *mut Array>) {
    match out {
        Ok(v) => regs[0] = v.to_bits(out_dtype(ret)),
        Err(a) => put_arr(regs, a),
    }
}

/// Runs one runtime operation on its register window. An operation that
/// processes elements charges their fuel ([`RtCtx::charge`]) once its
/// operands are checked and before it allocates or loops, so the fuel
/// error comes before the work it would pay for.
pub fn exec(cx: &RtCtx, d: &RtDesc, regs: &mut [u64]) -> Result<(), Raised> {
    let ops = decode(d, regs)?;
    if let Some(fz) = &d.fused {
        return exec_fused(cx, d, fz, &ops, regs);
    }
    match &d.op {
        RtOp::New(fill) => {
            let shape = shape_of(&ints(&ops[0]))?;
            let dt = out_dtype(&d.ret);
            cx.charge(elems(&shape))?;
            let a = new_array(&cx.table, 0, dt, &shape, zeroed(*fill))?;
            fill_new(a, *fill, ops.get(1));
            put_arr(regs, a);
        }
        RtOp::NewLike(fill) => {
            let src = arr(&ops[0]);
            let dt = out_dtype(&d.ret);
            cx.charge(src.size())?;
            let a = new_array(&cx.table, src.class, dt, src.shape(), zeroed(*fill))?;
            fill_new(a, *fill, ops.get(1));
            put_arr(regs, a);
        }
        RtOp::Arange => {
            let dt = out_dtype(&d.ret);
            let (s, e, st) = (scalar(&ops[0]).0, scalar(&ops[1]).0, scalar(&ops[2]).0);
            let n = match (s, e, st) {
                (Val::I(s), Val::I(e), Val::I(st)) => {
                    if st == 0 {
                        return Err(("ZeroDivisionError", "division by zero".into()));
                    }
                    let n = (e as i128 - s as i128 + st as i128 - st.signum() as i128) / st as i128;
                    n.max(0) as usize
                }
                _ => {
                    let (s, e, st) = (s.as_f64(), e.as_f64(), st.as_f64());
                    if st == 0.0 {
                        return Err(("ZeroDivisionError", "division by zero".into()));
                    }
                    let n = ((e - s) / st).ceil();
                    if n.is_nan() {
                        return Err(("ValueError", "arange: cannot compute length".into()));
                    }
                    n.max(0.0) as usize
                }
            };
            cx.charge(n)?;
            let a = new_array(&cx.table, 0, dt, &[n], false)?;
            // SAFETY: `new_array` returned a live header, owned here.
            let a_ref = unsafe { &*a };
            match (s, st) {
                (Val::I(s), Val::I(st)) => fill(a_ref, n, |i| {
                    Val::I(s.wrapping_add((i as i64).wrapping_mul(st)))
                }),
                _ => {
                    // NumPy writes `start` and `start + step`, then fills
                    // on from those two with the step their difference.
                    let (s, st) = (s.as_f64(), st.as_f64());
                    let second = s + st;
                    let d = second - s;
                    let at = |i: usize| match i {
                        0 => s,
                        1 => second,
                        i => i as f64 * d + s,
                    };
                    if fill_affine(a_ref, n, s, d) {
                        for i in 0..n.min(2) {
                            fill_at(a_ref, i, at(i));
                        }
                    } else {
                        fill(a_ref, n, |i| Val::F(at(i)))
                    }
                }
            }
            put_arr(regs, a);
        }
        RtOp::Linspace => {
            let dt = out_dtype(&d.ret);
            let (s, e) = (scalar(&ops[0]).0.as_f64(), scalar(&ops[1]).0.as_f64());
            let num = scalar(&ops[2]).0.as_i64();
            if num < 0 {
                return Err((
                    "ValueError",
                    format!("Number of samples, {num}, must be non-negative."),
                ));
            }
            let n = num as usize;
            cx.charge(n)?;
            let a = new_array(&cx.table, 0, dt, &[n], false)?;
            // SAFETY: `new_array` returned a live header, owned here.
            let a_ref = unsafe { &*a };
            // NumPy divides by num - 1 (num without the endpoint), the
            // last element being `stop` itself.
            let endpoint = scalar(&ops[3]).0.as_i64() != 0;
            let div = match (endpoint, n) {
                (true, n) if n > 1 => (n - 1) as f64,
                (false, n) if n > 0 => n as f64,
                _ => 1.0,
            };
            let step = (e - s) / div;
            let at = |i: usize| {
                if endpoint && n > 1 && i == n - 1 {
                    e
                } else {
                    i as f64 * step + s
                }
            };
            // Two loops, so that the float one has no call to `floor`.
            if dt.is_float() {
                if fill_affine(a_ref, n, s, step) {
                    if endpoint && n > 1 {
                        fill_at(a_ref, n - 1, e);
                    }
                } else {
                    fill(a_ref, n, |i| Val::F(at(i)));
                }
            } else {
                fill(a_ref, n, |i| Val::F(at(i).floor()));
            }
            put_arr(regs, a);
        }
        RtOp::FromElems(shape) => {
            let dt = out_dtype(&d.ret);
            // The stores below write one element per operand.
            if ops.len() != elems(shape) {
                return Err(mismatch("np.array"));
            }
            cx.charge(elems(shape))?;
            let a = new_array(&cx.table, 0, dt, shape, false)?;
            // SAFETY: `new_array` returned a live header, owned here.
            let a_ref = unsafe { &*a };
            for (i, o) in ops.iter().enumerate() {
                // SAFETY: one operand per element of the fresh array.
                unsafe { store(dt, a_ref.data.add(i * dt.itemsize()), scalar(o).0) };
            }
            put_arr(regs, a);
        }
        RtOp::Copy | RtOp::Astype => {
            let src = arr(&ops[0]);
            let dt = out_dtype(&d.ret);
            let a = copy_as(cx, src, dt)?;
            put_arr(regs, a);
        }
        RtOp::Reshape => {
            let src_p = match ops[0] {
                Opnd::Arr(p) => p,
                _ => unreachable!(),
            };
            let src = arr(&ops[0]);
            let want = ints(&ops[1]);
            let size = src.size();
            let shape = reshape_dims(size, &want)?;
            let a = if src.is_c_contiguous() {
                let st = array::c_strides(&shape, src.itemsize());
                // SAFETY: same elements, same block, contiguous layout.
                unsafe { array::view(src_p, src.data, &shape, &st[..shape.len()]) }
            } else {
                let c = copy_as(cx, src, src.dtype)?;
                // SAFETY: `copy_as` returned a live header, owned here.
                let cr = unsafe { &*c };
                let st = array::c_strides(&shape, cr.itemsize());
                // SAFETY: the copy is C-contiguous with `size` elements, the
                // product of the new shape.
                let v = unsafe { array::view(c, cr.data, &shape, &st[..shape.len()]) };
                // SAFETY: the copy's own reference, given up (the view keeps
                // its memory); `cr` is not used again.
                unsafe { array::release(c) };
                v
            };
            put_arr(regs, a);
        }
        RtOp::Transpose => {
            let p = match ops[0] {
                Opnd::Arr(p) => p,
                _ => unreachable!(),
            };
            let src = arr(&ops[0]);
            let mut shape: Vec<usize> = src.shape().to_vec();
            let mut strides: Vec<isize> = src.strides().to_vec();
            shape.reverse();
            strides.reverse();
            // SAFETY: a permutation of the same elements.
            let v = unsafe { array::view(p, src.data, &shape, &strides) };
            put_arr(regs, v);
        }
        RtOp::Ufunc { f, dt, args } => {
            let out_dt = out_dtype(&d.ret);
            if d.ret.as_array().is_none() {
                // All operands scalars: compute once.
                let vals: Vec<Val> = ops.iter().map(|o| scalar(o).0.to(*dt)).collect();
                let v = (kernels().ufunc_scalar)(*f, *dt, &vals)?;
                regs[0] = v.to_bits(out_dt);
                return Ok(());
            }
            let class = d.ret.as_array().map_or(0, |a| a.class);
            let a = ufunc_array(cx, *f, *dt, out_dt, class, args, &ops, None)?;
            put_arr(regs, a);
        }
        RtOp::InPlace { f, dt, args } => {
            let target = match ops[0] {
                Opnd::Arr(p) => p,
                _ => unreachable!(),
            };
            let class = arr(&ops[0]).class;
            ufunc_array(
                cx,
                *f,
                *dt,
                arr(&ops[0]).dtype,
                class,
                args,
                &ops,
                Some(target),
            )?;
        }
        RtOp::Where(args) => {
            let out_dt = out_dtype(&d.ret);
            let a = where_array(cx, out_dt, args, &ops)?;
            put_arr(regs, a);
        }
        RtOp::Reduce { f, axis, acc } => {
            let src = arr(&ops[0]);
            let out_dt = out_dtype(&d.ret);
            cx.charge(src.size())?;
            match axis {
                None => {
                    let v = (kernels().reduce_all)(*f, *acc, src)?;
                    regs[0] = v.to_bits(out_dt);
                }
                Some(ax) if src.ndim == 1 => {
                    let _ = ax;
                    let v = (kernels().reduce_all)(*f, *acc, src)?;
                    regs[0] = v.to_bits(out_dt);
                }
                Some(ax) => {
                    let a = reduce_axis(cx, *f, *acc, out_dt, src, *ax as usize)?;
                    put_arr(regs, a);
                }
            }
        }
        RtOp::Dot(dt, matmul) => {
            let (x, y) = (arr(&ops[0]), arr(&ops[1]));
            let out_dt = out_dtype(&d.ret);
            match dot(cx, *dt, out_dt, x, y, *matmul)? {
                Ok(v) => regs[0] = v.to_bits(out_dt),
                Err(a) => put_arr(regs, a),
            }
        }
        RtOp::GetItem(kinds) => {
            let p = match ops[0] {
                Opnd::Arr(p) => p,
                _ => unreachable!(),
            };
            let src = arr(&ops[0]);
            let idx: Vec<i64> = ops[1..].iter().map(|o| scalar(o).0.as_i64()).collect();
            let sel = select(src, kinds, &idx)?;
            if d.ret.as_array().is_none() {
                // An element: every axis has an index (a selection with
                // axes left could be empty, `data` then no element).
                if !sel.shape.is_empty() {
                    return Err(mismatch("indexing"));
                }
                // SAFETY: `select` bounds-checked every index.
                let v = unsafe { load(src.dtype, sel.data) };
                regs[0] = v.to_bits(src.dtype);
            } else {
                // SAFETY: `select` keeps the view inside the array.
                let v = unsafe { array::view(p, sel.data, &sel.shape, &sel.strides) };
                put_arr(regs, v);
            }
        }
        RtOp::SetItem(kinds, vk) => {
            let dst = arr(&ops[0]);
            let n = ops.len();
            let idx: Vec<i64> = ops[1..n - 1].iter().map(|o| scalar(o).0.as_i64()).collect();
            let sel = select(dst, kinds, &idx)?;
            match (vk, &ops[n - 1]) {
                (Arg::Scalar(_) | Arg::PyInt, Opnd::Scalar(v, _)) => {
                    if *vk == Arg::PyInt {
                        check_py_int(*v, dst.dtype)?;
                    }
                    cx.charge(sel.shape.iter().product())?;
                    for_each_offset(&sel.shape, [&sel.strides], |_, [o]| {
                        // SAFETY: offsets of the selection, inside the array.
                        unsafe { store(dst.dtype, sel.data.offset(o), *v) }
                    });
                }
                (_, Opnd::Arr(_)) => {
                    let src = arr(&ops[n - 1]);
                    assign_from(cx, dst.dtype, &sel, src)?;
                }
                _ => unreachable!(),
            }
        }
        RtOp::Take(kinds) => {
            let a = fancy::take(cx, kinds, &ops)?;
            put_arr(regs, a);
        }
        RtOp::Put(kinds, vk) => fancy::put(cx, kinds, *vk, &ops)?,
        RtOp::NonZero { flat } => search::nonzero(cx, *flat, &ops, regs)?,
        RtOp::SearchSorted { right, dt } => search::searchsorted(cx, *right, *dt, &ops, regs)?,
        RtOp::Histogram { edges, range } => hist::histogram(cx, *edges, *range, &ops, regs)?,
        RtOp::Unique => {
            let a = search::unique(cx, &ops)?;
            put_arr(regs, a);
        }
        RtOp::IsClose {
            sub,
            y,
            tol,
            equal_nan,
        } => search::isclose(cx, (*sub, *y, *tol), *equal_nan, &ops, regs)?,
        RtOp::FillWith => {
            let dst = arr(&ops[0]);
            let (v, _) = scalar(&ops[1]);
            cx.charge(dst.size())?;
            for_each_offset(dst.shape(), [dst.strides()], |_, [o]| {
                // SAFETY: offsets inside the array.
                unsafe { store(dst.dtype, dst.data.offset(o), v) }
            });
        }
        RtOp::Len => {
            let a = arr(&ops[0]);
            if a.ndim == 0 {
                return Err(("TypeError", "len() of unsized object".into()));
            }
            regs[0] = a.shape[0] as u64;
        }
        RtOp::Shape => {
            let a = arr(&ops[0]);
            for (k, &s) in a.shape().iter().enumerate() {
                regs[k] = s as u64;
            }
        }
        RtOp::Size => regs[0] = arr(&ops[0]).size() as u64,
        RtOp::Cumulate { f, axis, acc } => {
            let src = arr(&ops[0]);
            let shape = match axis {
                None => vec![src.size()],
                Some(_) => src.shape().to_vec(),
            };
            cx.charge(src.size())?;
            let out = new_array(&cx.table, src.class, *acc, &shape, false)?;
            // SAFETY: `new_array` returned a live header, owned here.
            (kernels().cumulate)(*f, *acc, src, axis.map(usize::from), unsafe { &*out });
            put_arr(regs, out);
        }
        RtOp::Sort { in_place, axis } => {
            let src = arr(&ops[0]);
            if *in_place {
                cx.charge(src.size())?;
                (kernels().sort)(&axis_last(src, *axis));
            } else {
                let c = copy_as(cx, src, src.dtype)?;
                if let Err(e) = cx.charge(src.size()) {
                    // SAFETY: the copy's one reference is ours; not used again.
                    unsafe { array::release(c) };
                    return Err(e);
                }
                // SAFETY: `copy_as` returned a live header, owned here.
                (kernels().sort)(&axis_last(unsafe { &*c }, *axis));
                put_arr(regs, c);
            }
        }
        RtOp::ArgSort(axis) => {
            let src = arr(&ops[0]);
            cx.charge(src.size())?;
            let out = new_array(&cx.table, src.class, DType::I64, src.shape(), false)?;
            // SAFETY: `new_array` returned a live header, owned here.
            let o = unsafe { &*out };
            (kernels().argsort)(&axis_last(src, *axis), &axis_last(o, *axis));
            put_arr(regs, out);
        }
        RtOp::Concat(axis) => {
            let arrays: Vec<&Array> = ops.iter().map(arr).collect();
            let out = concatenate(cx, out_dtype(&d.ret), *axis as usize, &arrays)?;
            put_arr(regs, out);
        }
        RtOp::Stack(axis) => {
            let out = stack(cx, out_dtype(&d.ret), *axis as usize, &ops)?;
            put_arr(regs, out);
        }
        RtOp::Diff => {
            let a = arr(&ops[0]);
            let out = diff(cx, a, out_dtype(&d.ret))?;
            put_arr(regs, out);
        }
        RtOp::Eye => {
            let (n, m, k) = (
                scalar(&ops[0]).0.as_i64(),
                scalar(&ops[1]).0.as_i64(),
                scalar(&ops[2]).0.as_i64(),
            );
            let shape = shape_of(&[n, m])?;
            cx.charge(elems(&shape))?;
            let dt = out_dtype(&d.ret);
            let out = new_array(&cx.table, 0, dt, &shape, true)?;
            // SAFETY: `new_array` returned a live header, owned here.
            let o = unsafe { &*out };
            for i in 0..n {
                let j = i + k;
                if (0..m).contains(&j) {
                    let off = i as isize * o.strides[0] + j as isize * o.strides[1];
                    // SAFETY: 0 <= i < n and 0 <= j < m.
                    unsafe { store(dt, o.data.offset(off), Val::I(1)) };
                }
            }
            put_arr(regs, out);
        }
        RtOp::Diagonal => {
            let p = match ops[0] {
                Opnd::Arr(p) => p,
                _ => unreachable!(),
            };
            let a = arr(&ops[0]);
            let n = a.shape[0].min(a.shape[1]);
            let st = a.strides[0] + a.strides[1];
            // SAFETY: element (i, i) for i < min(rows, cols) is inside the array.
            let v = unsafe { array::view(p, a.data, &[n], &[st]) };
            put_arr(regs, v);
        }
        RtOp::Var {
            std,
            ddof,
            axis,
            acc,
            dev,
        } => {
            let a = arr(&ops[0]);
            let m = Moment {
                std: *std,
                ddof: *ddof,
                acc: *acc,
                dev: *dev,
            };
            match axis {
                None => regs[0] = variance(cx, a, m)?.to_bits(*acc),
                Some(k) => put_arr(regs, variance_axis(cx, a, *k as usize, m)?),
            }
        }
        RtOp::Quantile { percent, axis } if d.args[1].as_array().is_some() => {
            let axis = axis.map(|k| k as usize);
            let out = quantile::quantiles(cx, arr(&ops[0]), arr(&ops[1]), *percent, axis)?;
            put_arr(regs, out);
        }
        RtOp::Quantile { percent, axis } => {
            let q = quantile::Q {
                percent: *percent,
                q: scalar(&ops[1]).0,
            };
            let axis = axis.map(|k| k as usize);
            let r = quantile::quantile(cx, arr(&ops[0]), q, axis, out_dtype(&d.ret))?;
            put_result(regs, &d.ret, r);
        }
        RtOp::Frexp => {
            let (m, e) = frexp(scalar(&ops[0]).0.as_f64());
            regs[0] = m.to_bits();
            regs[1] = e as u64;
        }
        RtOp::Modf => {
            let (f, i) = modf(scalar(&ops[0]).0.as_f64());
            regs[0] = f.to_bits();
            regs[1] = i.to_bits();
        }
        RtOp::PyFold(f) => {
            let v = extra::py_fold(cx, *f, arr(&ops[0]), out_dtype(&d.ret))?;
            regs[0] = v.to_bits(out_dtype(&d.ret));
        }
        RtOp::Diag => {
            let k = scalar(&ops[1]).0.as_i64();
            let out = extra::diag(cx, arr(&ops[0]), k, out_dtype(&d.ret))?;
            put_arr(regs, out);
        }
        RtOp::NanToNum { given } => {
            let mut rest = ops[1..].iter();
            let with = given.map(|g| g.then(|| scalar(rest.next().unwrap()).0.as_f64()));
            let r = extra::nan_to_num(cx, arr(&ops[0]), out_dtype(&d.ret), with)?;
            put_result(regs, &d.ret, r);
        }
        RtOp::Interp { given } => {
            let mut rest = ops[3..].iter();
            let ends = given.map(|g| g.then(|| scalar(rest.next().unwrap()).0.as_f64()));
            let r = extra::interp(cx, &ops[0], arr(&ops[1]), arr(&ops[2]), ends)?;
            put_result(regs, &d.ret, r);
        }
        RtOp::Bincount { weights } => {
            let w = weights.then(|| arr(&ops[1]));
            let minlength = scalar(&ops[1 + *weights as usize]).0.as_i64();
            let out = extra::bincount(cx, arr(&ops[0]), w, minlength)?;
            put_arr(regs, out);
        }
        RtOp::Convolve { mode, dt } => {
            let out = extra::convolve(cx, arr(&ops[0]), arr(&ops[1]), *mode, *dt)?;
            put_arr(regs, out);
        }
        RtOp::Norm => {
            let v = extra::norm(cx, arr(&ops[0]), out_dtype(&d.ret))?;
            regs[0] = v.to_bits(out_dtype(&d.ret));
        }
        RtOp::Tile => {
            let out = extra::tile(cx, arr(&ops[0]), &ints(&ops[1]))?;
            put_arr(regs, out);
        }
        RtOp::Tri { upper } => {
            let k = scalar(&ops[1]).0.as_i64();
            let out = extra::tri(cx, arr(&ops[0]), *upper, k)?;
            put_arr(regs, out);
        }
        RtOp::Roll { axis } => {
            let shift = scalar(&ops[1]).0.as_i64();
            let out = extra::roll(cx, arr(&ops[0]), shift, axis.map(|k| k as usize))?;
            put_arr(regs, out);
        }
        RtOp::Repeat => {
            let r = scalar(&ops[1]).0.as_i64();
            let out = extra::repeat(cx, arr(&ops[0]), r)?;
            put_arr(regs, out);
        }
        RtOp::Meshgrid { ij } => {
            if regs.len() < 2 {
                return Err(mismatch("np.meshgrid"));
            }
            let (x, y) = (arr(&ops[0]), arr(&ops[1]));
            let (a, b) = extra::meshgrid(cx, x, y, *ij)?;
            regs[0] = a as u64;
            regs[1] = b as u64;
        }
        RtOp::Map(f) => {
            let r = extra::map(cx, *f, arr(&ops[0]), out_dtype(&d.ret))?;
            put_result(regs, &d.ret, r);
        }
        RtOp::Unpack(n) => {
            let p = match ops[0] {
                Opnd::Arr(p) => p,
                _ => unreachable!(),
            };
            let a = arr(&ops[0]);
            let (n, len) = (*n as usize, a.shape[0]);
            if len > n {
                return Err((
                    "ValueError",
                    format!("too many values to unpack (expected {n})"),
                ));
            }
            if len < n {
                return Err((
                    "ValueError",
                    format!("not enough values to unpack (expected {n}, got {len})"),
                ));
            }
            if regs.len() < n {
                return Err(mismatch("unpacking"));
            }
            let nd = a.ndim as usize;
            for (i, r) in regs[..n].iter_mut().enumerate() {
                // SAFETY: i < len: item i along the first axis is inside the array.
                let at = unsafe { a.data.offset(i as isize * a.strides[0]) };
                *r = if nd == 1 {
                    // SAFETY: `at` is element i of the 1-D array.
                    unsafe { load(a.dtype, at) }.to_bits(a.dtype)
                } else {
                    // SAFETY: row i of a live array, its other axes as they are.
                    unsafe { array::view(p, at, &a.shape()[1..], &a.strides()[1..]) as u64 }
                };
            }
        }
        RtOp::Median => {
            let a = arr(&ops[0]);
            let v = median(cx, a, out_dtype(&d.ret))?;
            regs[0] = v.to_bits(out_dtype(&d.ret));
        }
        RtOp::IterView { which, order } => {
            let v = nditer::iter_view(&ops, *which as usize, *order)?;
            put_arr(regs, v);
        }
        RtOp::FlatView => {
            let p = match ops[0] {
                Opnd::Arr(p) => p,
                _ => unreachable!(),
            };
            let a = arr(&ops[0]);
            let off = flat_offset(a, scalar(&ops[1]).0.as_i64())?;
            // SAFETY: `flat_offset` checked the index, so the element is
            // inside the array.
            let v = unsafe { array::view(p, a.data.offset(off), &[], &[]) };
            put_arr(regs, v);
        }
        RtOp::FlatGet | RtOp::FlatSet => {
            let a = arr(&ops[0]);
            let off = flat_offset(a, scalar(&ops[1]).0.as_i64())?;
            if d.op == RtOp::FlatGet {
                // SAFETY: 0 <= j < size, so every axis index is in bounds.
                let v = unsafe { load(a.dtype, a.data.offset(off)) };
                regs[0] = v.to_bits(a.dtype);
            } else {
                let (v, _) = scalar(&ops[2]);
                // SAFETY: as above.
                unsafe { store(a.dtype, a.data.offset(off), v) };
            }
        }
        RtOp::Scalar(f) => {
            let vals: Vec<Val> = ops.iter().map(|o| scalar(o).0).collect();
            let v = (kernels().scalar_fn)(*f, &vals)?;
            regs[0] = v.to_bits(out_dtype(&d.ret));
        }
        RtOp::Random(f) => random(cx, *f, d, &ops, regs)?,
    }
    Ok(())
}

/// A draw from a random generator. The operands are scalars, then the
/// result's shape when the result is an array (but for a permutation,
/// whose shape is its operand's); `choice`, `shuffle` and `permutation`
/// may take an array first, and `choice` its probabilities last.
fn random(cx: &RtCtx, f: RandFn, d: &RtDesc, ops: &[Opnd], regs: &mut [u64]) -> Result<(), Raised> {
    let shaped = d.ret.as_array().is_some() && f != RandFn::NpPermutation;
    let (ops, shape) = match ops.split_last() {
        Some((last, rest)) if shaped => (rest, Some(ints(last))),
        _ => (ops, None),
    };
    let (ops, weights) = match (f, ops.split_last()) {
        (RandFn::NpChoice { p: true, .. }, Some((last, rest))) => (rest, Some(arr(last))),
        _ => (ops, None),
    };
    let input = match ops.first() {
        Some(o @ Opnd::Arr(_)) => Some(arr(o)),
        _ => None,
    };
    let vals: Vec<Val> = ops
        .iter()
        .filter(|o| matches!(o, Opnd::Scalar(..)))
        .map(|o| scalar(o).0)
        .collect();
    match (f, input) {
        // The element swaps a shuffle makes, whatever it draws.
        (RandFn::NpShuffle | RandFn::PyShuffle, Some(a)) => cx.charge(a.size())?,
        (
            RandFn::NpChoice {
                replace: false,
                p: false,
            },
            Some(a),
        ) => cx.charge(a.shape().first().map_or(0, |&n| n))?,
        (
            RandFn::NpChoice {
                replace: false,
                p: false,
            },
            None,
        ) => cx.charge(vals.first().map_or(0, |v| v.as_i64().max(0) as usize))?,
        _ => {}
    }
    let new = |dt: DType, shape: &[i64]| -> Result<*mut Array, Raised> {
        let shape = shape_of(shape)?;
        cx.charge(elems(&shape))?;
        new_array(&cx.table, 0, dt, &shape, false)
    };
    let charge = |n: usize| cx.charge(n);
    let args = DrawArgs {
        vals: &vals,
        input,
        weights,
        shape: shape.as_deref(),
        new: &new,
        charge: &charge,
    };
    let mut g = cx.random.borrow_mut();
    let g: &mut Generators = &mut g;
    match (kernels().random)(f, g, &args)? {
        Drawn::Val(v) => regs[0] = v.to_bits(out_dtype(&d.ret)),
        Drawn::Arr(a) => put_arr(regs, a),
        Drawn::None => {}
    }
    Ok(())
}

/// Runs a fused expression. Everything the separate operations would have
/// checked is checked first, node by node in their order (broadcasting,
/// Python ints against integer loop dtypes), with their messages; then the
/// fuel of every operation over the pass's elements (plus the assignment
/// into a selection), as the separate operations charge when their shapes
/// are the result's; then the one allocation (none in place or into a
/// selection) and the kernel's single pass.
fn exec_fused(
    cx: &RtCtx,
    d: &RtDesc,
    fz: &Fused,
    ops: &[Opnd],
    regs: &mut [u64],
) -> Result<(), Raised> {
    let nleaves = fz.leaves as usize;
    if nleaves > ops.len() || fz.nodes.is_empty() {
        return Err(mismatch("fused expression"));
    }
    let leaves = &ops[ops.len() - nleaves..];
    // Shapes, as each operation in turn would broadcast them (None: a scalar).
    let mut stack: Vec<(Option<Vec<usize>>, Option<usize>)> = Vec::new();
    let last = fz.nodes.len() - 1;
    for (i, node) in fz.nodes.iter().enumerate() {
        let n = match node {
            FusedNode::Input { k, .. } => {
                let Some(x) = leaves.get(*k as usize) else {
                    return Err(mismatch("fused expression"));
                };
                let shape = match x {
                    Opnd::Arr(_) => Some(arr(x).shape().to_vec()),
                    _ => None,
                };
                stack.push((shape, Some(*k as usize)));
                continue;
            }
            FusedNode::Ufunc { f, .. } => ufunc_arity(*f),
            FusedNode::Where { .. } => 3,
        };
        if stack.len() < n {
            return Err(mismatch("fused expression"));
        }
        let operands = stack.split_off(stack.len() - n);
        let shapes: Vec<&[usize]> = operands.iter().filter_map(|o| o.0.as_deref()).collect();
        let shape = match (&d.op, i == last) {
            (RtOp::InPlace { .. }, true) => {
                let target = arr(&leaves[0]).shape();
                let mut with_out = shapes.clone();
                with_out.push(target);
                let shape = broadcast(&with_out).and_then(|_| broadcast(&shapes))?;
                if shape != target {
                    return Err((
                        "ValueError",
                        format!("non-broadcastable output operand with shape {} doesn't match the broadcast shape {}", shape_str(target), shape_str(&shape)),
                    ));
                }
                shape
            }
            _ => broadcast(&shapes)?,
        };
        if let FusedNode::Ufunc { f, dt, .. } = node {
            if !dt.is_float() && !is_comparison(*f) {
                for (_, k) in &operands {
                    let py_int = fz.nodes.iter().any(|m| {
                        matches!(m, FusedNode::Input { k: j, py_int: true, .. } if Some(*j as usize) == *k)
                    });
                    if let (true, Some(Opnd::Scalar(v, _))) = (py_int, k.map(|k| &leaves[k])) {
                        check_py_int(*v, *dt)?;
                    }
                }
            }
        }
        stack.push((Some(shape), None));
    }
    let Some((Some(shape), _)) = stack.pop() else {
        return Err(mismatch("fused expression"));
    };
    let ins = inputs(leaves);
    let charge_ops = |n: usize| -> Result<(), Raised> {
        for _ in 0..fz.ops() {
            cx.charge(n)?;
        }
        Ok(())
    };
    match &d.op {
        RtOp::InPlace { .. } => {
            let target = arr(&leaves[0]);
            charge_ops(target.size())?;
            (kernels().fused)(fz, &ins, target)
        }
        RtOp::SetItem(kinds, _) => {
            let dst = arr(&ops[0]);
            let idx: Vec<i64> = ops[1..ops.len() - nleaves]
                .iter()
                .map(|o| scalar(o).0.as_i64())
                .collect();
            let mut sel = select(dst, kinds, &idx)?;
            check_assignable(&shape, &sel.shape)?;
            let n = sel.shape.iter().product();
            charge_ops(n)?;
            cx.charge(n)?;
            // A value of more (unit) dimensions: the selection takes them
            // on, so that the pass has the value's dimensions.
            while sel.shape.len() < shape.len() {
                sel.shape.insert(0, 1);
                sel.strides.insert(0, 0);
            }
            let mut view = Array {
                refct: 1,
                meminfo: dst.meminfo,
                data: sel.data,
                dtype: dst.dtype,
                ndim: sel.shape.len() as u8,
                class: dst.class,
                shape: [0; MAX_NDIM],
                strides: [0; MAX_NDIM],
            };
            view.shape[..sel.shape.len()].copy_from_slice(&sel.shape);
            view.strides[..sel.shape.len()].copy_from_slice(&sel.strides);
            (kernels().fused)(fz, &ins, &view)
        }
        _ => {
            charge_ops(elems(&shape))?;
            let class = d.ret.as_array().map_or(0, |a| a.class);
            let a = new_array(&cx.table, class, out_dtype(&d.ret), &shape, false)?;
            // SAFETY: `new_array` returned a live header, owned here.
            if let Err(e) = (kernels().fused)(fz, &ins, unsafe { &*a }) {
                // SAFETY: the array allocated above, whose one reference is
                // ours.
                unsafe { array::release(a) };
                return Err(e);
            }
            put_arr(regs, a);
            Ok(())
        }
    }
}

/// Operands of a ufunc.
fn ufunc_arity(f: Ufunc) -> usize {
    use Ufunc::*;
    match f {
        Negative | Absolute | Float1(_) | Floor | Ceil | Rint | Invert | LogicalNot | IsNan
        | IsInf | IsFinite => 1,
        _ => 2,
    }
}

/// A value assigned into a selection of fewer dimensions loses its
/// leading unit dimensions first, as NumPy's assignment does: the shape
/// and (when given) strides left for a selection of `nd` dimensions.
fn strip_ones<'a>(
    shape: &'a [usize],
    strides: &'a [isize],
    nd: usize,
) -> (&'a [usize], &'a [isize]) {
    let mut k = 0;
    while shape.len() - k > nd && shape[k] == 1 {
        k += 1;
    }
    (&shape[k..], strides.get(k..).unwrap_or(&[]))
}

/// Can a value of `src` shape be assigned into a selection of `dst` shape?
fn check_assignable(src: &[usize], dst: &[usize]) -> Result<(), Raised> {
    if dst.is_empty() && !src.is_empty() {
        // An element takes a number, whatever the array's size.
        return Err((
            "ValueError",
            "setting an array element with a sequence.".into(),
        ));
    }
    let (src, _) = strip_ones(src, &[], dst.len());
    let ok = src.len() <= dst.len()
        && src
            .iter()
            .rev()
            .zip(dst.iter().rev())
            .all(|(&s, &t)| s == t || s == 1);
    if ok {
        Ok(())
    } else {
        Err((
            "ValueError",
            format!(
                "could not broadcast input array from shape {} into shape {}",
                shape_str(src),
                shape_str(dst)
            ),
        ))
    }
}

/// Whether a new array is zeroed before its fill. `np.empty` memory is
/// zeroed too: NumPy leaves its contents unspecified, and anything else
/// would show a script whatever an earlier allocation (of the host, too)
/// left there, differently from run to run and tier to tier.
fn zeroed(fill: Fill) -> bool {
    matches!(fill, Fill::Zeros | Fill::Empty)
}

/// # Safety
/// `a` is a live header.
fn fill_new(a: *mut Array, fill: Fill, value: Option<&Opnd>) {
    // SAFETY: the callers pass the array `new_array` just returned.
    let a = unsafe { &*a };
    let v = match (fill, value) {
        (Fill::Ones, _) => Val::I(1),
        (Fill::Value, Some(o)) => scalar(o).0,
        _ => return,
    };
    let (n, item) = (a.size(), a.itemsize());
    if a.is_c_contiguous() && n > 0 {
        // The first element's bytes, then copies of what is filled so far.
        // SAFETY: a fresh array's buffer holds its `n` elements from
        // `data`, and nothing else refers to it yet.
        let bytes = unsafe {
            store(a.dtype, a.data, v);
            std::slice::from_raw_parts_mut(a.data, n * item)
        };
        let mut done = item;
        while done < bytes.len() {
            let k = done.min(bytes.len() - done);
            bytes.copy_within(0..k, done);
            done += k;
        }
        return;
    }
    for_each_offset(a.shape(), [a.strides()], |_, [o]| {
        // SAFETY: offsets inside the fresh array.
        unsafe { store(a.dtype, a.data.offset(o), v) }
    });
}

/// A C-contiguous copy of `src` converted to `dt`, of the same class.
fn copy_as(cx: &RtCtx, src: &Array, dt: DType) -> Result<*mut Array, Raised> {
    cx.charge(src.size())?;
    let a = new_array(&cx.table, src.class, dt, src.shape(), false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let out = unsafe { &*a };
    let sd = src.dtype;
    if sd == dt && src.is_c_contiguous() && out.is_c_contiguous() {
        // SAFETY: both buffers hold `size` elements of `dt` from `data`;
        // the fresh one overlaps nothing.
        unsafe {
            std::ptr::copy_nonoverlapping(src.data, out.data, src.size() * src.itemsize());
        }
        return Ok(a);
    }
    for_each_offset(src.shape(), [src.strides(), out.strides()], |_, [i, o]| {
        // SAFETY: offsets inside both arrays, which have the same shape.
        unsafe { store(dt, out.data.offset(o), load(sd, src.data.offset(i))) }
    });
    Ok(a)
}

fn reshape_dims(size: usize, want: &[i64]) -> Result<Vec<usize>, Raised> {
    let bad = || {
        let s: Vec<String> = want
            .iter()
            .map(|&d| {
                if d == -1 {
                    "newaxis".to_string()
                } else {
                    d.to_string()
                }
            })
            .collect();
        let shape = if s.len() == 1 {
            format!("({},)", s[0])
        } else {
            format!("({})", s.join(","))
        };
        (
            "ValueError",
            format!("cannot reshape array of size {size} into shape {shape}"),
        )
    };
    let unknown = want.iter().filter(|&&d| d == -1).count();
    if unknown > 1 {
        return Err((
            "ValueError",
            "can only specify one unknown dimension".into(),
        ));
    }
    if want.iter().any(|&d| d < -1) {
        return Err(("ValueError", "negative dimensions not allowed".into()));
    }
    // Checked: a product that wrapped could match the size of a small array
    // and make a view far larger than its memory.
    let known = want
        .iter()
        .filter(|&&d| d != -1)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
        .ok_or_else(bad)?;
    let mut out: Vec<usize> = want.iter().map(|&d| d.max(0) as usize).collect();
    if unknown == 1 {
        if known == 0 || !size.is_multiple_of(known) {
            return Err(bad());
        }
        let i = want.iter().position(|&d| d == -1).unwrap();
        out[i] = size / known;
    } else if known != size {
        return Err(bad());
    }
    if out.len() > MAX_NDIM {
        return Err(("ValueError", "too many dimensions".into()));
    }
    Ok(out)
}

/// A selection inside an array: where it starts and how it is laid out.
struct Sel {
    data: *mut u8,
    shape: Vec<usize>,
    strides: Vec<isize>,
}

/// Applies integer indices and slices (Python's rules, every index checked).
fn select(a: &Array, kinds: &[Idx], idx: &[i64]) -> Result<Sel, Raised> {
    let mut data = a.data;
    let mut shape = Vec::new();
    let mut strides = Vec::new();
    let mut k = 0;
    let mut next = || {
        let v = idx[k];
        k += 1;
        v
    };
    let mut axis = 0;
    for kind in kinds {
        if *kind == Idx::NewAxis {
            shape.push(1);
            strides.push(0);
            continue;
        }
        if axis >= a.ndim as usize {
            return Err(mismatch("indexing"));
        }
        let n = a.shape[axis] as i64;
        let st = a.strides[axis];
        axis += 1;
        match kind {
            Idx::NewAxis | Idx::Array | Idx::Mask => return Err(mismatch("indexing")),
            Idx::Int => {
                let i = next();
                let j = if i < 0 { i + n } else { i };
                if !(0..n).contains(&j) {
                    return Err(out_of_bounds(i, axis - 1, n));
                }
                // SAFETY (pointer arithmetic): 0 <= j < n along this axis.
                data = data.wrapping_offset(j as isize * st);
            }
            Idx::Slice { lo, hi, step } => {
                let lo = if *lo { Some(next()) } else { None };
                let hi = if *hi { Some(next()) } else { None };
                let step = if *step { next() } else { 1 };
                if step == 0 {
                    return Err(("ValueError", "slice step cannot be zero".into()));
                }
                let (start, len) = slice_indices(n, lo, hi, step);
                data = data.wrapping_offset(start as isize * st);
                shape.push(len as usize);
                strides.push(st * step as isize);
            }
        }
    }
    for axis in axis..a.ndim as usize {
        shape.push(a.shape[axis]);
        strides.push(a.strides[axis]);
    }
    if shape.len() > MAX_NDIM {
        return Err(mismatch("indexing"));
    }
    Ok(Sel {
        data,
        shape,
        strides,
    })
}

/// NumPy's error for index `i` outside an axis of `n` elements.
#[cold]
fn out_of_bounds(i: i64, axis: usize, n: i64) -> Raised {
    (
        "IndexError",
        format!("index {i} is out of bounds for axis {axis} with size {n}"),
    )
}

/// Python's `slice.indices`: the first index and the number of elements.
fn slice_indices(n: i64, lo: Option<i64>, hi: Option<i64>, step: i64) -> (i64, i64) {
    let clamp = |v: i64, lower: i64, upper: i64| {
        let v = if v < 0 { v + n } else { v };
        v.clamp(lower, upper)
    };
    let (start, stop) = if step > 0 {
        (
            lo.map_or(0, |v| clamp(v, 0, n)),
            hi.map_or(n, |v| clamp(v, 0, n)),
        )
    } else {
        (
            lo.map_or(n - 1, |v| clamp(v, -1, n - 1)),
            hi.map_or(-1, |v| clamp(v, -1, n - 1)),
        )
    };
    // The span is at most n + 1, so these cannot overflow whatever the step
    // (a step of i64::MIN included: its magnitude is only used as i128).
    let len = if step > 0 && stop > start {
        (stop - start - 1) / step + 1
    } else if step < 0 && start > stop {
        ((start - stop - 1) as i128 / -(step as i128) + 1) as i64
    } else {
        0
    };
    (start, len)
}

/// The byte offset of element `i` of `a` in C order (negative from the
/// end), or NumPy's `IndexError` for `a.flat[i]`.
fn flat_offset(a: &Array, i: i64) -> Result<isize, Raised> {
    let n = a.size() as i64;
    let j = if i < 0 { i + n } else { i };
    if !(0..n).contains(&j) {
        return Err((
            "IndexError",
            format!("index {i} is out of bounds for size {n}"),
        ));
    }
    // The flat index unravelled in C order.
    let (mut rest, mut off) = (j as usize, 0isize);
    for (&d, &st) in a.shape().iter().zip(a.strides()).rev() {
        off += (rest % d) as isize * st;
        rest /= d;
    }
    Ok(off)
}

/// `np.concatenate` of the array operands along `axis` into a new array.
fn concatenate(
    cx: &RtCtx,
    dt: DType,
    axis: usize,
    arrays: &[&Array],
) -> Result<*mut Array, Raised> {
    let first = arrays[0];
    let mut shape = first.shape().to_vec();
    shape[axis] = 0;
    for (i, a) in arrays.iter().enumerate() {
        if a.ndim != first.ndim {
            return Err(mismatch("np.concatenate"));
        }
        for d in 0..shape.len() {
            if d != axis && a.shape[d] != first.shape[d] {
                return Err((
                    "ValueError",
                    format!("all the input array dimensions except for the concatenation axis must match exactly, but along dimension {d}, the array at index 0 has size {} and the array at index {i} has size {}", first.shape[d], a.shape[d]),
                ));
            }
        }
        shape[axis] += a.shape[axis];
    }
    let out = new_array(&cx.table, 0, dt, &shape, false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let o = unsafe { &*out };
    let mut at = 0usize;
    for &a in arrays {
        let mut part = shape.clone();
        part[axis] = a.shape[axis];
        let sel = Sel {
            data: o.data.wrapping_offset(at as isize * o.strides[axis]),
            shape: part,
            strides: o.strides().to_vec(),
        };
        if let Err(e) = assign_from(cx, dt, &sel, a) {
            // SAFETY: the array allocated above, whose one reference is ours.
            unsafe { array::release(out) };
            return Err(e);
        }
        at += a.shape[axis];
    }
    Ok(out)
}

/// `np.stack` of the array operands, of one shape, along a new axis
/// `axis`: their concatenation along it as views with an axis of length 1
/// there, as NumPy computes it.
fn stack(cx: &RtCtx, dt: DType, axis: usize, ops: &[Opnd]) -> Result<*mut Array, Raised> {
    let first = arr(&ops[0]);
    let mut views = Vec::with_capacity(ops.len());
    for o in ops {
        let a = arr(o);
        if a.shape() != first.shape() {
            return Err((
                "ValueError",
                "all input arrays must have the same shape".into(),
            ));
        }
        let mut v = borrowed(a, a.data, a.shape());
        v.ndim += 1;
        let nd = v.ndim as usize;
        v.shape[axis..nd].rotate_right(1);
        v.shape[axis] = 1;
        v.strides[axis..nd].rotate_right(1);
        v.strides[axis] = 0;
        views.push(v);
    }
    let refs: Vec<&Array> = views.iter().collect();
    concatenate(cx, dt, axis, &refs)
}

/// `a` with axis `axis` and its last axis swapped, as a header that lives
/// only during an operation (the kernels that sort work along the last
/// axis).
fn axis_last(a: &Array, axis: u8) -> Array {
    let mut v = borrowed(a, a.data, a.shape());
    let (k, last) = (axis as usize, (a.ndim as usize).saturating_sub(1));
    v.shape.swap(k, last);
    v.strides.swap(k, last);
    v
}

/// A header for a part of `a` that lives only during an operation: it
/// borrows `a`'s block and takes no reference (it is never released).
fn borrowed(a: &Array, data: *mut u8, shape: &[usize]) -> Array {
    let mut shp = [0usize; MAX_NDIM];
    shp[..shape.len()].copy_from_slice(shape);
    Array {
        refct: 1,
        meminfo: a.meminfo,
        data,
        dtype: a.dtype,
        ndim: a.ndim,
        class: a.class,
        shape: shp,
        strides: a.strides,
    }
}

/// `np.diff(a)` along the last axis: `a[..., 1:] - a[..., :-1]`.
fn diff(cx: &RtCtx, a: &Array, dt: DType) -> Result<*mut Array, Raised> {
    let nd = a.ndim as usize;
    if nd == 0 {
        return Err((
            "ValueError",
            "diff requires input that is at least one dimensional".into(),
        ));
    }
    let mut shape = a.shape().to_vec();
    shape[nd - 1] = shape[nd - 1].saturating_sub(1);
    let step = if shape[nd - 1] > 0 {
        a.strides[nd - 1]
    } else {
        0
    };
    let hi = borrowed(a, a.data.wrapping_offset(step), &shape);
    let lo = borrowed(a, a.data, &shape);
    cx.charge(elems(&shape))?;
    let out = new_array(&cx.table, a.class, dt, &shape, false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let o = unsafe { &*out };
    let ins = [Input::Arr(&hi), Input::Arr(&lo)];
    if let Err(e) = (kernels().ufunc)(Ufunc::Subtract, dt, &ins, o, false) {
        // SAFETY: the array allocated above, whose one reference is ours.
        unsafe { array::release(out) };
        return Err(e);
    }
    Ok(out)
}

/// What `np.var` / `np.std` computes, as NumPy's `_var` does: the mean
/// accumulated in `acc`, the deviations from it in `dev` (the array's dtype
/// promoted with `acc`), their squares summed in `acc` and divided by
/// `n - ddof` (at least 0), and for `std` the square root.
#[derive(Clone, Copy)]
struct Moment {
    std: bool,
    ddof: i64,
    acc: DType,
    dev: DType,
}

impl Moment {
    /// A value of `acc`, as NumPy stores it: float32 values rounded, and
    /// for an integer `acc` truncated and wrapped (NumPy divides the sums
    /// into integer arrays or scalars of `acc`).
    fn narrow(&self, v: f64) -> f64 {
        match self.acc {
            DType::F32 => v as f32 as f64,
            DType::F64 => v,
            d => Val::from_bits(Val::F(v).to_bits(d), d).as_f64(),
        }
    }

    /// The result from the sum of squares of `n` deviations.
    fn finish(&self, ss: f64, n: usize) -> f64 {
        let div = (n as i64).saturating_sub(self.ddof).max(0) as f64;
        let v = self.narrow(ss / div);
        if self.std {
            self.narrow(v.sqrt())
        } else {
            v
        }
    }

    /// The squared deviations of `a` from `mean` (a scalar, or an array
    /// broadcast to `a`'s shape) into `t`, an array of dtype `dev`.
    fn squares(&self, a: &Array, mean: Input, t: &Array) -> Result<(), Raised> {
        (kernels().ufunc)(Ufunc::Subtract, self.dev, &[Input::Arr(a), mean], t, false)?;
        (kernels().ufunc)(
            Ufunc::Multiply,
            self.dev,
            &[Input::Arr(t), Input::Arr(t)],
            t,
            true,
        )
    }
}

/// `np.var` / `np.std` of every element.
fn variance(cx: &RtCtx, a: &Array, m: Moment) -> Result<Val, Raised> {
    let n = a.size();
    cx.charge(n.saturating_mul(3))?;
    let sum = (kernels().reduce_all)(Reduction::Sum, m.acc, a)?.as_f64();
    let mean = m.narrow(sum / n as f64);
    let t = new_array(&cx.table, 0, m.dev, a.shape(), false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let tr = unsafe { &*t };
    let r = m
        .squares(a, Input::Scalar(Val::F(mean)), tr)
        .and_then(|()| (kernels().reduce_all)(Reduction::Sum, m.acc, tr));
    // SAFETY: the temporary's one reference is ours; not used again.
    unsafe { array::release(t) };
    Ok(Val::F(m.finish(r?.as_f64(), n)))
}

/// `np.var` / `np.std` along `axis` of an array of two or more axes, into
/// a new array of the others.
fn variance_axis(cx: &RtCtx, a: &Array, axis: usize, m: Moment) -> Result<*mut Array, Raised> {
    let n = a.shape[axis];
    cx.charge(a.size().saturating_mul(3))?;
    let mean = reduce_axis(cx, Reduction::Sum, m.acc, m.acc, a, axis)?;
    // SAFETY: `reduce_axis` returned a live C-contiguous header, owned here.
    let mr = unsafe { &*mean };
    map_in_place(mr, |s| m.narrow(s / n as f64));
    // The means seen with `a`'s shape: the same mean all along `axis`.
    let mut spread = borrowed(mr, mr.data, a.shape());
    spread.ndim = a.ndim;
    let mut k = 0;
    for (i, st) in spread.strides[..a.ndim as usize].iter_mut().enumerate() {
        if i == axis {
            *st = 0;
        } else {
            *st = mr.strides[k];
            k += 1;
        }
    }
    let r = new_array(&cx.table, 0, m.dev, a.shape(), false).and_then(|t| {
        // SAFETY: `new_array` returned a live header, owned here.
        let tr = unsafe { &*t };
        let r = m
            .squares(a, Input::Arr(&spread), tr)
            .and_then(|()| reduce_axis(cx, Reduction::Sum, m.acc, m.acc, tr, axis));
        // SAFETY: the temporary's one reference is ours; not used again.
        unsafe { array::release(t) };
        r
    });
    // SAFETY: the means' one reference is ours; `spread` is not used again.
    unsafe { array::release(mean) };
    let out = r?;
    // SAFETY: `reduce_axis` returned a live C-contiguous header, owned here.
    map_in_place(unsafe { &*out }, |ss| m.finish(ss, n));
    Ok(out)
}

/// Replaces each float of a C-contiguous array `a` by `f` of it.
fn map_in_place(a: &Array, f: impl Fn(f64) -> f64) {
    let size = a.itemsize() as isize;
    for i in 0..a.size() as isize {
        // SAFETY: element i of a C-contiguous array of `a.size()` elements.
        unsafe {
            let p = a.data.offset(i * size);
            let v = load(a.dtype, p).as_f64();
            store(a.dtype, p, Val::F(f(v)));
        }
    }
}

/// `math.frexp(x)`: `m` in [0.5, 1) and `e` with `x == m * 2**e`; as in
/// CPython, zeros, infinities and NaNs come back unchanged with exponent 0.
fn frexp(x: f64) -> (f64, i64) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    // A subnormal scaled into the normal range first.
    let (x, shift) = if x.abs() < f64::MIN_POSITIVE {
        (x * 2f64.powi(64), -64)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    // The exponent field of 0.5 (1022), keeping the sign and the fraction.
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, biased - 1022 + shift)
}

/// `math.modf(x)`: the fractional and integral parts, both with `x`'s
/// sign; of an infinity (±0.0, x), of a NaN (x, x), as CPython gives them.
fn modf(x: f64) -> (f64, f64) {
    if x.is_infinite() {
        return (0.0f64.copysign(x), x);
    }
    let i = x.trunc();
    ((x - i).copysign(x), i)
}

/// `np.median` of every element: the middle of the sorted values, or the
/// mean of the two middle ones; NaN if any is NaN.
fn median(cx: &RtCtx, a: &Array, dt: DType) -> Result<Val, Raised> {
    let n = a.size();
    let c = copy_as(cx, a, a.dtype)?;
    // SAFETY: `copy_as` returned a live C-contiguous header, owned here.
    let cr = unsafe { &*c };
    let flat = borrowed(cr, cr.data, &[n]);
    let flat = Array {
        ndim: 1,
        strides: {
            let mut s = [0isize; MAX_NDIM];
            s[0] = cr.itemsize() as isize;
            s
        },
        ..flat
    };
    if let Err(e) = cx.charge(n) {
        // SAFETY: the copy's one reference is ours; not used again.
        unsafe { array::release(c) };
        return Err(e);
    }
    (kernels().sort)(&flat);
    let get = |i: usize| {
        // SAFETY: i < n elements of the contiguous copy.
        unsafe { load(cr.dtype, cr.data.add(i * cr.itemsize())) }.as_f64()
    };
    let f32_ = dt == DType::F32;
    let v = if n == 0 || get(n - 1).is_nan() {
        f64::NAN
    } else if n % 2 == 1 {
        get(n / 2)
    } else {
        let (x, y) = (get(n / 2 - 1), get(n / 2));
        if f32_ {
            ((x as f32 + y as f32) / 2.0) as f64
        } else {
            (x + y) / 2.0
        }
    };
    // SAFETY: the copy's one reference is ours; not used again.
    unsafe { array::release(c) };
    Ok(Val::F(v))
}

/// Element `i` of a fresh C-contiguous 1-D array of `n` elements becomes
/// `f(i)`, converted to the array's dtype. Float64 and int64 arrays are
/// written through a typed slice, a loop the compiler can vectorise.
fn fill(a: &Array, n: usize, f: impl Fn(usize) -> Val) {
    match a.dtype {
        DType::F64 => {
            // SAFETY: a fresh, aligned C array of n float64 elements that
            // nothing else references yet.
            let o = unsafe { std::slice::from_raw_parts_mut(a.data as *mut f64, n) };
            for (i, o) in o.iter_mut().enumerate() {
                *o = f(i).as_f64();
            }
        }
        DType::I64 => {
            // SAFETY: as above, for int64.
            let o = unsafe { std::slice::from_raw_parts_mut(a.data as *mut i64, n) };
            for (i, o) in o.iter_mut().enumerate() {
                *o = f(i).as_i64();
            }
        }
        dt => {
            for i in 0..n {
                // SAFETY: i < n elements of a fresh C array.
                unsafe { store(dt, a.data.add(i * dt.itemsize()), f(i)) };
            }
        }
    }
}

/// Element `i` of a fresh C-contiguous float64 array of `n` elements
/// becomes `i * step + s`, as `fill` would give it (the index is exact as
/// a float below 2^53, so counting it in float lanes changes no value),
/// in a loop the compiler vectorises. False, writing nothing, for
/// another dtype.
fn fill_affine(a: &Array, n: usize, s: f64, step: f64) -> bool {
    const L: usize = 8;
    if a.dtype != DType::F64 || n as u64 >= 1 << 53 {
        return false;
    }
    // SAFETY: a fresh, aligned C array of n float64 elements that nothing
    // else references yet.
    let o = unsafe { std::slice::from_raw_parts_mut(a.data as *mut f64, n) };
    let mut at: [f64; L] = std::array::from_fn(|j| j as f64);
    let mut chunks = o.chunks_exact_mut(L);
    for c in &mut chunks {
        for j in 0..L {
            c[j] = at[j] * step + s;
            at[j] += L as f64;
        }
    }
    let done = n - n % L;
    for (j, x) in chunks.into_remainder().iter_mut().enumerate() {
        *x = (done + j) as f64 * step + s;
    }
    true
}

/// Element `i` of a fresh C float64 array that `fill_affine` filled
/// becomes `v`.
fn fill_at(a: &Array, i: usize, v: f64) {
    debug_assert!(a.dtype == DType::F64 && i < a.size());
    // SAFETY: the caller's `i` is below the array's length, checked by
    // `fill_affine` to be float64, fresh and aligned.
    unsafe { (a.data as *mut f64).add(i).write(v) };
}

/// Copies `src` (broadcast) into the selection, through a temporary when the
/// two share memory so that overlapping assignments read the old values.
fn assign_from(cx: &RtCtx, dt: DType, sel: &Sel, src: &Array) -> Result<(), Raised> {
    check_assignable(src.shape(), &sel.shape)?;
    let n = sel.shape.iter().product();
    cx.charge(n)?;
    let (shape, strides) = strip_ones(src.shape(), src.strides(), sel.shape.len());
    let sst = broadcast_strides(shape, strides, &sel.shape);
    let mut vals = Vec::with_capacity(n);
    for_each_offset(&sel.shape, [&sst[..sel.shape.len()]], |_, [o]| {
        // SAFETY: broadcast offsets inside `src`.
        vals.push(unsafe { load(src.dtype, src.data.offset(o)) })
    });
    for_each_offset(&sel.shape, [&sel.strides], |k, [o]| {
        // SAFETY: offsets of the selection inside the destination.
        unsafe { store(dt, sel.data.offset(o), vals[k]) }
    });
    Ok(())
}

/// Elementwise ufunc over broadcast operands into a new array, or into
/// `out` (in place, whose shape must be the broadcast shape).
#[allow(clippy::too_many_arguments)]
fn ufunc_array(
    cx: &RtCtx,
    f: Ufunc,
    dt: DType,
    out_dt: DType,
    class: u32,
    kinds: &[Arg],
    ops: &[Opnd],
    out: Option<*mut Array>,
) -> Result<*mut Array, Raised> {
    let shapes = array_shapes(ops);
    let shape = match out {
        // In place, NumPy's message lists the output operand too.
        Some(t) => {
            let mut with_out = shapes.clone();
            // SAFETY: `t` is the in-place target, a live operand.
            with_out.push(unsafe { &*t }.shape());
            broadcast(&with_out).and_then(|_| broadcast(&shapes))?
        }
        None => broadcast(&shapes)?,
    };
    // NumPy 2 checks Python ints against the loop dtype before computing;
    // comparisons instead compare exactly, in a dtype that holds both.
    let mut dt = dt;
    if !dt.is_float() {
        let comparison = is_comparison(f);
        for (k, x) in kinds.iter().zip(ops) {
            if let (Arg::PyInt, Opnd::Scalar(v, _)) = (k, x) {
                match check_py_int(*v, dt) {
                    Err(_) if comparison => {
                        dt = if dt == DType::U64 {
                            DType::F64
                        } else {
                            DType::I64
                        }
                    }
                    r => r?,
                }
            }
        }
    }
    let target = match out {
        Some(t) => {
            // SAFETY: as above.
            let tr = unsafe { &*t };
            if tr.shape() != shape.as_slice() {
                return Err((
                    "ValueError",
                    format!("non-broadcastable output operand with shape {} doesn't match the broadcast shape {}", shape_str(tr.shape()), shape_str(&shape)),
                ));
            }
            cx.charge(tr.size())?;
            t
        }
        None => {
            cx.charge(elems(&shape))?;
            new_array(&cx.table, class, out_dt, &shape, false)?
        }
    };
    // SAFETY: the live target operand, or the array just allocated. Its
    // header is only read while the operation runs (elements are written
    // through its `data` pointer).
    let o = unsafe { &*target };
    let ins = inputs(ops);
    if let Err(e) = (kernels().ufunc)(f, dt, &ins, o, out.is_some()) {
        if out.is_none() {
            // SAFETY: the array allocated above, whose one reference is
            // ours; `o` is not used again.
            unsafe { array::release(target) };
        }
        return Err(e);
    }
    Ok(target)
}

/// The kernels' view of decoded operands (shapes have no place there).
fn inputs<'a>(ops: &'a [Opnd]) -> Vec<Input<'a>> {
    ops.iter()
        .map(|x| match x {
            Opnd::Arr(_) => Input::Arr(arr(x)),
            Opnd::Scalar(v, _) => Input::Scalar(*v),
            Opnd::Ints(_) => unreachable!("a shape is not an elementwise operand"),
        })
        .collect()
}

/// NumPy 2 (NEP 50): a Python int meeting an integer dtype must fit it.
fn check_py_int(v: Val, dt: DType) -> Result<(), Raised> {
    let x = v.as_i64();
    let fits = match dt {
        DType::I8 => i8::try_from(x).is_ok(),
        DType::I16 => i16::try_from(x).is_ok(),
        DType::I32 => i32::try_from(x).is_ok(),
        DType::U8 => u8::try_from(x).is_ok(),
        DType::U16 => u16::try_from(x).is_ok(),
        DType::U32 => u32::try_from(x).is_ok(),
        DType::U64 => x >= 0,
        _ => true,
    };
    if fits {
        Ok(())
    } else {
        Err((
            "OverflowError",
            format!("Python integer {x} out of bounds for {dt}"),
        ))
    }
}

/// The shapes of the array operands, in order.
fn array_shapes<'a>(ops: &[Opnd]) -> Vec<&'a [usize]> {
    ops.iter()
        .filter(|o| matches!(o, Opnd::Arr(_)))
        .map(|o| arr(o).shape())
        .collect()
}

/// Comparisons and logical ufuncs: their bool result holds any operands,
/// so a Python int need not fit the loop dtype.
fn is_comparison(f: Ufunc) -> bool {
    use Ufunc::*;
    matches!(
        f,
        Equal
            | NotEqual
            | Less
            | LessEqual
            | Greater
            | GreaterEqual
            | LogicalAnd
            | LogicalOr
            | LogicalNot
            | IsNan
            | IsInf
            | IsFinite
    )
}

fn where_array(
    cx: &RtCtx,
    out_dt: DType,
    kinds: &[Arg],
    ops: &[Opnd],
) -> Result<*mut Array, Raised> {
    let _ = kinds;
    let shapes = array_shapes(ops);
    let shape = broadcast(&shapes)?;
    cx.charge(elems(&shape))?;
    let a = new_array(&cx.table, 0, out_dt, &shape, false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    (kernels().where_)(&inputs(ops), unsafe { &*a });
    Ok(a)
}

fn reduce_axis(
    cx: &RtCtx,
    f: Reduction,
    acc: DType,
    out_dt: DType,
    a: &Array,
    axis: usize,
) -> Result<*mut Array, Raised> {
    let mut oshape: Vec<usize> = a.shape().to_vec();
    oshape.remove(axis);
    let out = new_array(&cx.table, a.class, out_dt, &oshape, false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    if let Err(e) = (kernels().reduce_axis)(f, acc, a, axis, unsafe { &*out }) {
        // SAFETY: the array allocated above, whose one reference is ours.
        unsafe { array::release(out) };
        return Err(e);
    }
    Ok(out)
}

/// `np.dot`: a scalar for two vectors, else a new array.
fn dot(
    cx: &RtCtx,
    dt: DType,
    out_dt: DType,
    x: &Array,
    y: &Array,
    matmul: bool,
) -> Result<Result<Val, *mut Array>, Raised> {
    let not_aligned = |a: usize, da: usize, b: usize, db: usize| {
        if matmul {
            return (
                "ValueError",
                format!("matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size {b} is different from {a})"),
            );
        }
        (
            "ValueError",
            format!(
                "shapes {} and {} not aligned: {a} (dim {da}) != {b} (dim {db})",
                shape_str(x.shape()),
                shape_str(y.shape())
            ),
        )
    };
    // Inner product along x's last axis and y's first (or only) axis.
    let xn = x.shape[x.ndim as usize - 1];
    let ylen_axis = if y.ndim == 1 { 0 } else { y.ndim as usize - 2 };
    let yk = y.shape[ylen_axis];
    if xn != yk {
        return Err(not_aligned(xn, x.ndim as usize - 1, yk, ylen_axis));
    }
    // One element of work per multiply-add.
    let rows = if x.ndim == 2 { x.shape[0] } else { 1 };
    let cols = if y.ndim == 2 { y.shape[1] } else { 1 };
    cx.charge(rows.saturating_mul(cols).saturating_mul(xn))?;
    match (x.ndim, y.ndim) {
        (1, 1) => Ok(Ok((kernels().dot)(dt, x, y, None))),
        _ => {
            let shape: Vec<usize> = match (x.ndim, y.ndim) {
                (2, 2) => vec![rows, cols],
                (2, 1) => vec![rows],
                _ => vec![cols],
            };
            let out = new_array(&cx.table, x.class, out_dt, &shape, false)?;
            // SAFETY: `new_array` returned a live header, owned here.
            (kernels().dot)(dt, x, y, Some(unsafe { &*out }));
            Ok(Err(out))
        }
    }
}

/// The fuel for printing `a`: one unit per element formatted (NumPy shows
/// only the corners of a large array).
pub fn print_cost(a: &Array) -> u64 {
    (kernels().shown_elements)(a.shape()) as u64
}

/// `str(a)` of an array, as NumPy prints it.
pub fn array_str(a: &Array) -> String {
    show_array(a, kernels().array_str)
}

/// `repr(a)` of an array, as NumPy shows it (`array([1, 2])`).
pub fn array_repr(a: &Array) -> String {
    show_array(a, kernels().array_repr)
}

fn show_array(a: &Array, f: crate::runtime::ArrayStrFn) -> String {
    let shape = a.shape().to_vec();
    let get = |idx: &[usize]| {
        let off: isize = idx
            .iter()
            .zip(a.strides())
            .map(|(&i, &s)| i as isize * s)
            .sum();
        // SAFETY: the formatter asks only for indices inside the shape.
        let v = unsafe { load(a.dtype, a.data.offset(off)) };
        elem(v, a.dtype)
    };
    f(a.dtype, &shape, &get)
}

/// A scalar for the formatter.
pub fn elem(v: Val, dt: DType) -> Elem {
    match (dt, v) {
        (DType::Bool, v) => Elem::Bool(v.truthy()),
        (DType::F32, v) => Elem::F32(v.as_f64() as f32),
        (DType::F64, v) => Elem::F64(v.as_f64()),
        (d, v) if d.is_unsigned() => Elem::UInt(v.as_u64()),
        (_, v) => Elem::Int(v.as_i64()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;
    use typer::types::{ArrayType, Layout};

    fn f64_array(ndim: u8) -> Type {
        Type::Array(Rc::new(ArrayType {
            dtype: DType::F64,
            ndim,
            layout: Layout::C,
            class: 0,
            class_name: None,
        }))
    }

    /// A 2-D float64 array of `rows` x `cols` holding 0, 1, 2, ...
    fn counting(cx: &RtCtx, rows: usize, cols: usize) -> *mut Array {
        let a = new_array(&cx.table, 0, DType::F64, &[rows, cols], false).unwrap();
        // SAFETY: a fresh C array of rows * cols float64.
        unsafe {
            for i in 0..rows * cols {
                ((*a).data as *mut f64).add(i).write(i as f64);
            }
        }
        a
    }

    fn values(a: *mut Array) -> Vec<f64> {
        // SAFETY: a live array; its elements are read at their offsets.
        let a = unsafe { &*a };
        let mut v = Vec::new();
        for_each_offset(a.shape(), [a.strides()], |_, [o]| {
            // SAFETY: offsets inside the array.
            v.push(unsafe { load(a.dtype, a.data.offset(o)) }.as_f64())
        });
        v
    }

    #[test]
    fn fuel_spends_as_that_many_ticks_would() {
        let f = Fuel::default();
        f.left.set(5);
        f.reserve.set(0);
        f.limit.set(Some(5));
        assert!(f.spend(0).is_ok() && f.spend(4).is_ok());
        assert_eq!(f.left.get(), 1);
        assert_eq!(
            f.spend(1).unwrap_err().1,
            "instruction fuel exhausted (limit 5)"
        );
        // Windowed: spending past the window keeps one unit in it and the
        // rest in the reserve.
        f.left.set(3);
        f.reserve.set(10);
        assert!(f.spend(5).is_ok());
        assert_eq!((f.left.get(), f.reserve.get()), (1, 7));
        assert!(f.spend(8).is_err());
        // Units are per 32 elements, rounded up.
        let cx = RtCtx::new(ClassTable::new(typer::classes::Classes::shared()));
        cx.fuel.left.set(10);
        cx.fuel.reserve.set(0);
        cx.charge(33).unwrap();
        cx.charge(0).unwrap();
        cx.charge(1).unwrap();
        assert_eq!(cx.fuel.left.get(), 7);
    }

    /// `np.empty` and `np.empty_like` memory is zeroed, also when the
    /// allocator hands out again a block a freed array left its values in.
    #[test]
    fn empty_arrays_are_zeroed() {
        let cx = RtCtx::new(ClassTable::new(typer::classes::Classes::shared()));
        let shape2 = Type::Tuple(Rc::from(vec![Type::Int, Type::Int]));
        let empty = RtDesc {
            op: RtOp::New(Fill::Empty),
            args: vec![shape2],
            ret: f64_array(2),
            fused: None,
        };
        let empty_like = RtDesc {
            op: RtOp::NewLike(Fill::Empty),
            args: vec![f64_array(2)],
            ret: f64_array(2),
            fused: None,
        };
        for _ in 0..3 {
            let old = counting(&cx, 4, 8);
            // SAFETY: its one reference; not used again.
            unsafe { array::release(old) };
            let mut regs = [4u64, 8];
            exec(&cx, &empty, &mut regs).unwrap();
            let a = regs[0] as *mut Array;
            assert_eq!(values(a), vec![0.0; 32]);
            let src = counting(&cx, 4, 8);
            let mut regs = [src as u64];
            exec(&cx, &empty_like, &mut regs).unwrap();
            let b = regs[0] as *mut Array;
            assert_eq!(values(b), vec![0.0; 32]);
            // SAFETY: one reference each, not used again.
            unsafe {
                array::release(a);
                array::release(b);
                array::release(src);
            }
        }
        let s = cx.table.allocators()[0].stats();
        assert_eq!(s.allocs, s.frees);
    }

    #[test]
    fn slices_follow_python_and_never_overflow() {
        assert_eq!(slice_indices(10, Some(2), Some(8), 3), (2, 2));
        assert_eq!(slice_indices(10, None, None, -1), (9, 10));
        assert_eq!(slice_indices(10, Some(8), Some(2), -2), (8, 3));
        assert_eq!(slice_indices(10, Some(0), Some(10), i64::MAX), (0, 1));
        assert_eq!(slice_indices(10, None, None, i64::MIN), (9, 1));
        assert_eq!(slice_indices(10, Some(-100), Some(100), 1), (0, 10));
        assert_eq!(slice_indices(10, Some(5), Some(2), 1), (5, 0));
    }

    #[test]
    fn reshape_rejects_wrapping_shapes() {
        assert!(reshape_dims(0, &[1 << 32, 1 << 32]).is_err());
        assert_eq!(reshape_dims(12, &[3, -1]).unwrap(), vec![3, 4]);
        assert_eq!(
            reshape_dims(12, &[5, -1]).unwrap_err().1,
            "cannot reshape array of size 12 into shape (5,newaxis)"
        );
    }
}
