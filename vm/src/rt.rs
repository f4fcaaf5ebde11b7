//! The runtime's array operations: what an `Rt` instruction does, for both
//! tiers. Each operation reads its operands from a window of registers
//! (arrays are borrowed, scalars are int64 or float64 bits), writes its
//! result to the start of that window (new arrays are owned references) and
//! allocates every array through the array class's allocator.

use std::cell::Cell;

use typer::tir::{Arg, Fill, Idx, Reduction, RtOp, Ufunc};
use typer::{DType, Type};

use crate::array::{
    self, broadcast, broadcast_strides, for_each_offset, load, new_array, shape_str, store, Array,
    Raised, Val, MAX_NDIM,
};
use crate::classmethods::ClassTable;
use crate::compile::width;

/// One `Rt` call site: the operation and the types of its operands and result.
#[derive(Debug, Clone)]
pub struct RtDesc {
    pub op: RtOp,
    pub args: Vec<Type>,
    pub ret: Type,
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
/// which every array is allocated, and the run's fuel, which they spend.
pub struct RtCtx {
    pub table: ClassTable,
    pub fuel: Fuel,
}

impl RtCtx {
    pub fn new(table: ClassTable) -> RtCtx {
        RtCtx {
            table,
            fuel: Fuel::default(),
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

/// Runs one runtime operation on its register window. An operation that
/// processes elements charges their fuel ([`RtCtx::charge`]) once its
/// operands are checked and before it allocates or loops, so the fuel
/// error comes before the work it would pay for.
pub fn exec(cx: &RtCtx, d: &RtDesc, regs: &mut [u64]) -> Result<(), Raised> {
    let ops = decode(d, regs)?;
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
            for i in 0..n {
                let v = match (s, st) {
                    (Val::I(s), Val::I(st)) => Val::I(s.wrapping_add((i as i64).wrapping_mul(st))),
                    _ => Val::F(s.as_f64() + i as f64 * st.as_f64()),
                };
                // SAFETY: i < n elements of a fresh C array.
                unsafe { store(dt, a_ref.data.add(i * dt.itemsize()), v) };
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
            let div = if n > 1 { (n - 1) as f64 } else { 1.0 };
            let step = (e - s) / div;
            for i in 0..n {
                let mut v = if n > 1 && i == n - 1 {
                    e
                } else {
                    i as f64 * step + s
                };
                if !dt.is_float() {
                    v = v.floor();
                }
                // SAFETY: i < n elements of a fresh C array.
                unsafe { store(dt, a_ref.data.add(i * dt.itemsize()), Val::F(v)) };
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
                let v = apply(*f, *dt, &vals)?;
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
                    let v = reduce_all(*f, *acc, src)?;
                    regs[0] = v.to_bits(out_dt);
                }
                Some(ax) if src.ndim == 1 => {
                    let _ = ax;
                    let v = reduce_all(*f, *acc, src)?;
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
    }
    Ok(())
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
    for (axis, kind) in kinds.iter().enumerate() {
        let n = a.shape[axis] as i64;
        let st = a.strides[axis];
        match kind {
            Idx::Int => {
                let i = next();
                let j = if i < 0 { i + n } else { i };
                if !(0..n).contains(&j) {
                    return Err((
                        "IndexError",
                        format!("index {i} is out of bounds for axis {axis} with size {n}"),
                    ));
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
    for axis in kinds.len()..a.ndim as usize {
        shape.push(a.shape[axis]);
        strides.push(a.strides[axis]);
    }
    Ok(Sel {
        data,
        shape,
        strides,
    })
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

/// Copies `src` (broadcast) into the selection, through a temporary when the
/// two share memory so that overlapping assignments read the old values.
fn assign_from(cx: &RtCtx, dt: DType, sel: &Sel, src: &Array) -> Result<(), Raised> {
    let ok = src.ndim as usize <= sel.shape.len()
        && src
            .shape()
            .iter()
            .rev()
            .zip(sel.shape.iter().rev())
            .all(|(&s, &t)| s == t || s == 1);
    if !ok {
        return Err((
            "ValueError",
            format!(
                "could not broadcast input array from shape {} into shape {}",
                shape_str(src.shape()),
                shape_str(&sel.shape)
            ),
        ));
    }
    let n = sel.shape.iter().product();
    cx.charge(n)?;
    let sst = broadcast_strides(src.shape(), src.strides(), &sel.shape);
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
        let comparison = compare_or_logical(f, Val::I(0), Val::I(0)).is_some();
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

    if typed_loop(f, dt, ops, o, &shape, out.is_some()) {
        return Ok(target);
    }
    // Inputs are read in full before the output is written when they share
    // memory with it (in-place `a += a[::-1]`).
    let overlap = out.is_some()
        && ops
            .iter()
            .skip(1)
            .any(|x| matches!(x, Opnd::Arr(_)) && arr(x).meminfo == o.meminfo);
    let n: usize = shape.iter().product();
    let nd = shape.len();
    let mut ins: Vec<(Option<&Array>, [isize; MAX_NDIM], Val)> = Vec::new();
    for x in ops {
        match x {
            Opnd::Arr(_) => {
                let a = arr(x);
                ins.push((
                    Some(a),
                    broadcast_strides(a.shape(), a.strides(), &shape),
                    Val::I(0),
                ));
            }
            Opnd::Scalar(v, _) => ins.push((None, [0; MAX_NDIM], v.to(dt))),
            Opnd::Ints(_) => unreachable!(),
        }
    }
    let mut results = if overlap {
        Vec::with_capacity(n)
    } else {
        Vec::new()
    };
    let mut vals = [Val::I(0); 3];
    let mut err = None;
    // Offsets of each input, then the output, per element.
    let mut offs: Vec<[isize; MAX_NDIM]> = ins.iter().map(|i| i.1).collect();
    offs.push({
        let mut s = [0isize; MAX_NDIM];
        s[..nd].copy_from_slice(o.strides());
        s
    });
    let strides: Vec<&[isize]> = offs.iter().map(|s| &s[..nd]).collect();
    visit(&shape, &strides, |k, off| {
        for (j, (a, _, v)) in ins.iter().enumerate() {
            vals[j] = match a {
                // SAFETY: broadcast offsets inside the input array.
                Some(a) => unsafe { load(a.dtype, a.data.offset(off[j])) }.to(dt),
                None => *v,
            };
        }
        match apply(f, dt, &vals[..ins.len()]) {
            Ok(r) => {
                if overlap {
                    results.push(r);
                } else {
                    // SAFETY: offset inside the output array.
                    unsafe { store(o.dtype, o.data.offset(off[ins.len()]), r) }
                }
            }
            Err(e) => {
                if err.is_none() {
                    err = Some(e);
                }
            }
        }
        let _ = k;
    });
    if let Some(e) = err {
        if out.is_none() {
            // SAFETY: the array allocated above, whose one reference is
            // ours; `o` is not used again.
            unsafe { array::release(target) };
        }
        return Err(e);
    }
    if overlap {
        for_each_offset(&shape, [o.strides()], |k, [off]| {
            // SAFETY: offsets inside the output array.
            unsafe { store(o.dtype, o.data.offset(off), results[k]) }
        });
    }
    let _ = n;
    Ok(target)
}

/// Runs the ufunc through a typed inner loop of `stdlib::ufunc` when every
/// array operand already has the loop dtype (and the output does too, or is
/// bool for a comparison): one call per row of the last axis. Returns false
/// when the operands do not fit, leaving the work to the converting path.
fn typed_loop(
    f: Ufunc,
    dt: DType,
    ops: &[Opnd],
    o: &Array,
    shape: &[usize],
    in_place: bool,
) -> bool {
    let arrays_fit = ops.iter().all(|x| match x {
        Opnd::Arr(_) => {
            arr(x).dtype == dt
                && !(in_place && arr(x).meminfo == o.meminfo && !std::ptr::eq(arr(x), o))
        }
        _ => true,
    });
    if !arrays_fit || (o.dtype != dt && o.dtype != DType::Bool) || shape.is_empty() {
        return false;
    }
    // Scalars become one element of the loop dtype, read with stride 0.
    let mut scal = [[0u8; 8]; 2];
    let mut ptrs = [std::ptr::null::<u8>(); 2];
    let mut strides = [[0isize; MAX_NDIM]; 2];
    for (j, x) in ops.iter().enumerate().take(2) {
        match x {
            Opnd::Arr(_) => {
                let a = arr(x);
                ptrs[j] = a.data;
                strides[j] = broadcast_strides(a.shape(), a.strides(), shape);
            }
            Opnd::Scalar(v, _) => {
                // SAFETY: the buffer has room for any dtype (8 bytes).
                unsafe { store(dt, scal[j].as_mut_ptr(), v.to(dt)) };
                ptrs[j] = scal[j].as_ptr();
            }
            Opnd::Ints(_) => return false,
        }
    }
    let nd = shape.len();
    let inner = shape[nd - 1];
    let outer = &shape[..nd - 1];
    match ops.len() {
        2 => {
            let Some(k) = stdlib::ufunc::loop2(f, dt) else {
                return false;
            };
            let (s0, s1) = (&strides[0][..nd - 1], &strides[1][..nd - 1]);
            for_each_offset(outer, [s0, s1, &o.strides()[..nd - 1]], |_, [p, q, w]| {
                // SAFETY: each row lies inside its (broadcast) operand.
                unsafe {
                    k(
                        inner,
                        ptrs[0].offset(p),
                        strides[0][nd - 1],
                        ptrs[1].offset(q),
                        strides[1][nd - 1],
                        o.data.offset(w),
                        o.strides[nd - 1],
                    )
                }
            });
        }
        1 => {
            let Some(k) = stdlib::ufunc::loop1(f, dt) else {
                return false;
            };
            if o.dtype != dt {
                return false;
            }
            for_each_offset(
                outer,
                [&strides[0][..nd - 1], &o.strides()[..nd - 1]],
                |_, [p, w]| {
                    // SAFETY: each row lies inside its operand and the output.
                    unsafe {
                        k(
                            inner,
                            ptrs[0].offset(p),
                            strides[0][nd - 1],
                            o.data.offset(w),
                            o.strides[nd - 1],
                        )
                    }
                },
            );
        }
        _ => return false,
    }
    true
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

/// Visits broadcast offsets for any number of operands.
fn visit(shape: &[usize], strides: &[&[isize]], mut f: impl FnMut(usize, &[isize])) {
    let total: usize = shape.iter().product();
    if total == 0 {
        return;
    }
    let nd = shape.len();
    let m = strides.len();
    let mut idx = [0usize; MAX_NDIM];
    let mut off = vec![0isize; m];
    for k in 0..total {
        f(k, &off);
        let mut d = nd;
        while d > 0 {
            d -= 1;
            idx[d] += 1;
            for j in 0..m {
                off[j] += strides[j][d];
            }
            if idx[d] < shape[d] {
                break;
            }
            for j in 0..m {
                off[j] -= strides[j][d] * shape[d] as isize;
            }
            idx[d] = 0;
        }
    }
}

/// Comparisons and logical ufuncs, the same for every kind of value
/// (a nan compares unordered: only `!=` holds).
fn compare_or_logical(f: Ufunc, x: Val, y: Val) -> Option<Val> {
    use std::cmp::Ordering as O;
    let ord = || match (x, y) {
        (Val::F(a), Val::F(b)) => a.partial_cmp(&b),
        (Val::U(a), Val::U(b)) => Some(a.cmp(&b)),
        (a, b) => Some(a.as_i64().cmp(&b.as_i64())),
    };
    let r = match f {
        Ufunc::Equal => ord() == Some(O::Equal),
        Ufunc::NotEqual => ord() != Some(O::Equal),
        Ufunc::Less => ord() == Some(O::Less),
        Ufunc::LessEqual => matches!(ord(), Some(O::Less | O::Equal)),
        Ufunc::Greater => ord() == Some(O::Greater),
        Ufunc::GreaterEqual => matches!(ord(), Some(O::Greater | O::Equal)),
        Ufunc::LogicalAnd => x.truthy() && y.truthy(),
        Ufunc::LogicalOr => x.truthy() || y.truthy(),
        Ufunc::LogicalNot => !x.truthy(),
        _ => return None,
    };
    Some(Val::I(r as i64))
}

/// One element of a ufunc, on operands already in the loop dtype's kind.
pub fn apply(f: Ufunc, dt: DType, v: &[Val]) -> Result<Val, Raised> {
    use Ufunc::*;
    let x = v[0];
    let y = v.get(1).copied().unwrap_or(Val::I(0).to(dt));
    if let Some(r) = compare_or_logical(f, x, y) {
        return Ok(r);
    }
    Ok(match (x, y) {
        (Val::F(a), Val::F(b)) if dt.is_float() => match f {
            Add => Val::F(a + b),
            Subtract => Val::F(a - b),
            Multiply => Val::F(a * b),
            TrueDivide => Val::F(a / b),
            FloorDivide => Val::F(if b == 0.0 {
                a / b
            } else {
                stdlib::scalar::floordiv_f64(a, b)
            }),
            Remainder => Val::F(if b == 0.0 {
                f64::NAN
            } else {
                stdlib::scalar::mod_f64(a, b)
            }),
            Power => Val::F(a.powf(b)),
            Negative => Val::F(-a),
            Absolute => Val::F(a.abs()),
            Float1(m) => Val::F((crate::runtime::RUNTIME.math1[m as usize])(a)),
            Floor => Val::F(a.floor()),
            Ceil => Val::F(a.ceil()),
            Arctan2 => Val::F(a.atan2(b)),
            Minimum => Val::F(if a.is_nan() || b.is_nan() {
                f64::NAN
            } else {
                a.min(b)
            }),
            Maximum => Val::F(if a.is_nan() || b.is_nan() {
                f64::NAN
            } else {
                a.max(b)
            }),
            Fmin => Val::F(a.min(b)),
            Fmax => Val::F(a.max(b)),
            BitwiseAnd | BitwiseOr | BitwiseXor | Invert | LeftShift | RightShift => {
                unreachable!("typer rejects bitwise ops on floats")
            }
            Equal | NotEqual | Less | LessEqual | Greater | GreaterEqual | LogicalAnd
            | LogicalOr | LogicalNot => unreachable!("handled by compare_or_logical"),
        },
        (Val::U(a), Val::U(b)) => match f {
            Add => Val::U(a.wrapping_add(b)),
            Subtract => Val::U(a.wrapping_sub(b)),
            Multiply => Val::U(a.wrapping_mul(b)),
            FloorDivide => Val::U(a.checked_div(b).unwrap_or(0)),
            Remainder => Val::U(a.checked_rem(b).unwrap_or(0)),
            Power => Val::U(a.wrapping_pow(b.min(u32::MAX as u64) as u32)),
            Negative => Val::U(a.wrapping_neg()),
            Absolute => Val::U(a),
            Minimum | Fmin => Val::U(a.min(b)),
            Maximum | Fmax => Val::U(a.max(b)),
            BitwiseAnd => Val::U(a & b),
            BitwiseOr => Val::U(a | b),
            BitwiseXor => Val::U(a ^ b),
            Invert => Val::U(!a),
            LeftShift => Val::U(if b < 64 { a << b } else { 0 }),
            RightShift => Val::U(if b < 64 { a >> b } else { 0 }),
            Floor | Ceil => Val::U(a),
            TrueDivide | Float1(_) | Arctan2 => unreachable!("float loops"),
            Equal | NotEqual | Less | LessEqual | Greater | GreaterEqual | LogicalAnd
            | LogicalOr | LogicalNot => unreachable!("handled by compare_or_logical"),
        },
        (a, b) => {
            let (a, b) = (a.as_i64(), b.as_i64());
            let boolean = dt == DType::Bool;
            match f {
                Add if boolean => Val::I((a != 0 || b != 0) as i64),
                Multiply if boolean => Val::I((a != 0 && b != 0) as i64),
                Add => Val::I(a.wrapping_add(b)),
                Subtract => Val::I(a.wrapping_sub(b)),
                Multiply => Val::I(a.wrapping_mul(b)),
                FloorDivide => Val::I(if b == 0 {
                    0
                } else {
                    stdlib::scalar::floordiv_i64(a, b)
                }),
                Remainder => Val::I(if b == 0 {
                    0
                } else {
                    stdlib::scalar::mod_i64(a, b)
                }),
                Power => {
                    if b < 0 {
                        return Err((
                            "ValueError",
                            "Integers to negative integer powers are not allowed.".into(),
                        ));
                    }
                    Val::I(stdlib::scalar::pow_i64(a, b).unwrap_or(0))
                }
                Negative => Val::I(a.wrapping_neg()),
                Absolute => Val::I(a.wrapping_abs()),
                Minimum | Fmin => Val::I(a.min(b)),
                Maximum | Fmax => Val::I(a.max(b)),
                BitwiseAnd => Val::I(a & b),
                BitwiseOr => Val::I(a | b),
                BitwiseXor => Val::I(a ^ b),
                Invert if boolean => Val::I((a == 0) as i64),
                Invert => Val::I(!a),
                LeftShift => Val::I(if (0..64).contains(&b) {
                    a.wrapping_shl(b as u32)
                } else {
                    0
                }),
                RightShift => Val::I(if (0..64).contains(&b) {
                    a >> b
                } else if a < 0 {
                    -1
                } else {
                    0
                }),
                Floor | Ceil => Val::I(a),
                TrueDivide | Float1(_) | Arctan2 => unreachable!("float loops"),
                Equal | NotEqual | Less | LessEqual | Greater | GreaterEqual | LogicalAnd
                | LogicalOr | LogicalNot => unreachable!("handled by compare_or_logical"),
            }
        }
    })
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
    let o = unsafe { &*a };
    let nd = shape.len();
    let mut st: Vec<[isize; MAX_NDIM]> = ops
        .iter()
        .map(|x| match x {
            Opnd::Arr(_) => broadcast_strides(arr(x).shape(), arr(x).strides(), &shape),
            _ => [0; MAX_NDIM],
        })
        .collect();
    st.push({
        let mut s = [0isize; MAX_NDIM];
        s[..nd].copy_from_slice(o.strides());
        s
    });
    let strides: Vec<&[isize]> = st.iter().map(|s| &s[..nd]).collect();
    let get = |j: usize, off: isize| match &ops[j] {
        // SAFETY: broadcast offsets inside the operand.
        Opnd::Arr(_) => unsafe { load(arr(&ops[j]).dtype, arr(&ops[j]).data.offset(off)) },
        Opnd::Scalar(v, _) => *v,
        Opnd::Ints(_) => unreachable!(),
    };
    visit(&shape, &strides, |_, off| {
        let v = if get(0, off[0]).truthy() {
            get(1, off[1])
        } else {
            get(2, off[2])
        };
        // SAFETY: offset inside the output.
        unsafe { store(out_dt, o.data.offset(off[3]), v) }
    });
    Ok(a)
}

/// NumPy's pairwise summation (the order `np.add.reduce` uses on a
/// contiguous run), so float sums round as NumPy's do.
fn pairwise_sum(v: &[f64], f32_acc: bool) -> f64 {
    let add = |a: f64, b: f64| {
        if f32_acc {
            (a as f32 + b as f32) as f64
        } else {
            a + b
        }
    };
    let n = v.len();
    if n < 8 {
        let mut s = if f32_acc { -0.0f32 as f64 } else { -0.0 };
        for &x in v {
            s = add(s, x);
        }
        s
    } else if n <= 128 {
        let mut r = [v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]];
        let mut i = 8;
        while i < n - n % 8 {
            for j in 0..8 {
                r[j] = add(r[j], v[i + j]);
            }
            i += 8;
        }
        let mut res = add(
            add(add(r[0], r[1]), add(r[2], r[3])),
            add(add(r[4], r[5]), add(r[6], r[7])),
        );
        while i < n {
            res = add(res, v[i]);
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        add(
            pairwise_sum(&v[..n2], f32_acc),
            pairwise_sum(&v[n2..], f32_acc),
        )
    }
}

fn reduce_values(f: Reduction, acc: DType, vals: &[Val], what: &str) -> Result<Val, Raised> {
    let n = vals.len();
    Ok(match f {
        Reduction::Sum if acc.is_float() => {
            let v: Vec<f64> = vals.iter().map(|x| x.as_f64()).collect();
            Val::F(if n == 0 {
                0.0
            } else {
                pairwise_sum(&v, acc == DType::F32)
            })
        }
        Reduction::Sum if acc.is_unsigned() => {
            Val::U(vals.iter().fold(0u64, |s, x| s.wrapping_add(x.as_u64())))
        }
        Reduction::Sum => Val::I(vals.iter().fold(0i64, |s, x| s.wrapping_add(x.as_i64()))),
        Reduction::Prod if acc.is_float() => Val::F(vals.iter().fold(1.0, |s, x| s * x.as_f64())),
        Reduction::Prod if acc.is_unsigned() => {
            Val::U(vals.iter().fold(1u64, |s, x| s.wrapping_mul(x.as_u64())))
        }
        Reduction::Prod => Val::I(vals.iter().fold(1i64, |s, x| s.wrapping_mul(x.as_i64()))),
        Reduction::Mean => {
            let v: Vec<f64> = vals.iter().map(|x| x.as_f64()).collect();
            let s = if n == 0 {
                0.0
            } else {
                pairwise_sum(&v, acc == DType::F32)
            };
            Val::F(s / n as f64)
        }
        Reduction::Min | Reduction::Max | Reduction::ArgMin | Reduction::ArgMax => {
            if n == 0 {
                let name = match f {
                    Reduction::Min => {
                        "zero-size array to reduction operation minimum which has no identity"
                            .to_string()
                    }
                    Reduction::Max => {
                        "zero-size array to reduction operation maximum which has no identity"
                            .to_string()
                    }
                    _ => format!("attempt to get {what} of an empty sequence"),
                };
                return Err(("ValueError", name));
            }
            let is_min = matches!(f, Reduction::Min | Reduction::ArgMin);
            let mut best = 0;
            for i in 1..n {
                let (a, b) = (vals[best], vals[i]);
                let better = match (a, b) {
                    (Val::F(a), _) if a.is_nan() => false,
                    (_, Val::F(b)) if b.is_nan() => true,
                    (Val::F(a), Val::F(b)) => {
                        if is_min {
                            b < a
                        } else {
                            b > a
                        }
                    }
                    (Val::U(a), Val::U(b)) => {
                        if is_min {
                            b < a
                        } else {
                            b > a
                        }
                    }
                    (a, b) => {
                        let (a, b) = (a.as_i64(), b.as_i64());
                        if is_min {
                            b < a
                        } else {
                            b > a
                        }
                    }
                };
                if better {
                    best = i;
                }
            }
            match f {
                Reduction::ArgMin | Reduction::ArgMax => Val::I(best as i64),
                _ => vals[best],
            }
        }
    })
}

fn reduce_all(f: Reduction, acc: DType, a: &Array) -> Result<Val, Raised> {
    if let Some(v) = reduce_contiguous(f, a) {
        return Ok(v);
    }
    let mut vals = Vec::with_capacity(a.size());
    for_each_offset(a.shape(), [a.strides()], |_, [o]| {
        // SAFETY: offsets inside the array.
        vals.push(unsafe { load(a.dtype, a.data.offset(o)) })
    });
    let what = if f == Reduction::ArgMin {
        "argmin"
    } else {
        "argmax"
    };
    reduce_values(f, acc, &vals, what)
}

/// Sums, means, minima and maxima of contiguous float64 and int64 arrays,
/// read in place (the general path copies every element out first).
fn reduce_contiguous(f: Reduction, a: &Array) -> Option<Val> {
    let n = a.size();
    if n == 0 || !a.is_c_contiguous() || !(a.data as usize).is_multiple_of(8) {
        return None;
    }
    match (a.dtype, f) {
        (DType::F64, Reduction::Sum | Reduction::Mean | Reduction::Min | Reduction::Max) => {
            // SAFETY: a contiguous, aligned float64 array of n elements.
            let v = unsafe { std::slice::from_raw_parts(a.data as *const f64, n) };
            Some(Val::F(match f {
                Reduction::Sum => pairwise_sum(v, false),
                Reduction::Mean => pairwise_sum(v, false) / n as f64,
                // NumPy propagates nan through min and max.
                _ if v.iter().any(|x| x.is_nan()) => f64::NAN,
                // The first of equal values wins (0.0 before -0.0), as in the general path.
                Reduction::Min => v[1..].iter().fold(v[0], |m, &x| if x < m { x } else { m }),
                _ => v[1..].iter().fold(v[0], |m, &x| if x > m { x } else { m }),
            }))
        }
        (DType::I64, Reduction::Sum | Reduction::Min | Reduction::Max) => {
            // SAFETY: a contiguous, aligned int64 array of n elements.
            let v = unsafe { std::slice::from_raw_parts(a.data as *const i64, n) };
            Some(Val::I(match f {
                Reduction::Sum => v.iter().fold(0i64, |s, &x| s.wrapping_add(x)),
                Reduction::Min => *v.iter().min()?,
                _ => *v.iter().max()?,
            }))
        }
        _ => None,
    }
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
    let mut ostr: Vec<isize> = a.strides().to_vec();
    ostr.remove(axis);
    let out = new_array(&cx.table, a.class, out_dt, &oshape, false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let o = unsafe { &*out };
    let n = a.shape[axis];
    let st = a.strides[axis];
    let what = if f == Reduction::ArgMin {
        "argmin"
    } else {
        "argmax"
    };
    let mut err = None;
    for_each_offset(&oshape, [&ostr, o.strides()], |_, [i, w]| {
        let vals: Vec<Val> = (0..n)
            // SAFETY: offsets along the reduced axis, inside the array.
            .map(|k| unsafe { load(a.dtype, a.data.offset(i + k as isize * st)) })
            .collect();
        match reduce_values(f, acc, &vals, what) {
            // SAFETY: offset inside the output.
            Ok(v) => unsafe { store(out_dt, o.data.offset(w), v) },
            Err(e) => err = err.take().or(Some(e)),
        }
    });
    if let Some(e) = err {
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
    // SAFETY: `get` is called by `inner` only, for offsets of elements inside
    // `x` (row `i`, k < xn along its last axis) and `y` (column `j`, k < yk
    // along its reduced axis), and xn == yk was checked above.
    let get = |a: &Array, off: isize| unsafe { load(a.dtype, a.data.offset(off)) }.to(dt);
    let mul_add = |s: Val, p: Val, q: Val| match (s, p, q) {
        (Val::F(s), Val::F(p), Val::F(q)) => Val::F(s + p * q),
        (Val::U(s), Val::U(p), Val::U(q)) => Val::U(s.wrapping_add(p.wrapping_mul(q))),
        (s, p, q) => {
            if dt == DType::Bool {
                Val::I((s.truthy() || (p.truthy() && q.truthy())) as i64)
            } else {
                Val::I(s.as_i64().wrapping_add(p.as_i64().wrapping_mul(q.as_i64())))
            }
        }
    };
    let zero = Val::I(0).to(dt);
    // Inner product along x's last axis and y's first (or only) axis.
    let (xn, yn) = (x.shape[x.ndim as usize - 1], y.shape[0]);
    let ylen_axis = if y.ndim == 1 { 0 } else { y.ndim as usize - 2 };
    let yk = y.shape[ylen_axis];
    if xn != yk {
        return Err(not_aligned(xn, x.ndim as usize - 1, yk, ylen_axis));
    }
    let _ = yn;
    // One element of work per multiply-add.
    let rows = if x.ndim == 2 { x.shape[0] } else { 1 };
    let cols = if y.ndim == 2 { y.shape[1] } else { 1 };
    cx.charge(rows.saturating_mul(cols).saturating_mul(xn))?;
    let xs = x.strides[x.ndim as usize - 1];
    let ys = y.strides[ylen_axis];
    let inner = |xo: isize, yo: isize| {
        let mut s = zero;
        for k in 0..xn as isize {
            s = mul_add(s, get(x, xo + k * xs), get(y, yo + k * ys));
        }
        s
    };
    match (x.ndim, y.ndim) {
        (1, 1) => Ok(Ok(inner(0, 0))),
        _ => {
            let shape: Vec<usize> = match (x.ndim, y.ndim) {
                (2, 2) => vec![rows, cols],
                (2, 1) => vec![rows],
                _ => vec![cols],
            };
            let out = new_array(&cx.table, x.class, out_dt, &shape, false)?;
            // SAFETY: `new_array` returned a live header, owned here.
            let o = unsafe { &*out };
            let xr = if x.ndim == 2 { x.strides[0] } else { 0 };
            let yc = if y.ndim == 2 { y.strides[1] } else { 0 };
            let mut k = 0;
            for i in 0..rows {
                for j in 0..cols {
                    let v = inner(i as isize * xr, j as isize * yc);
                    // SAFETY: k < rows * cols elements of the fresh C array.
                    unsafe { store(out_dt, o.data.add(k * out_dt.itemsize()), v) };
                    k += 1;
                }
            }
            Ok(Err(out))
        }
    }
}

/// The fuel for printing `a`: one unit per element formatted (NumPy shows
/// only the corners of a large array).
pub fn print_cost(a: &Array) -> u64 {
    stdlib::arrayfmt::shown_elements(a.shape()) as u64
}

/// `str(a)` of an array, as NumPy prints it.
pub fn array_str(a: &Array) -> String {
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
    stdlib::arrayfmt::array_str(a.dtype, &shape, &get)
}

/// A scalar for the formatter.
pub fn elem(v: Val, dt: DType) -> stdlib::arrayfmt::Elem {
    use stdlib::arrayfmt::Elem;
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

    /// `a += a` and `a += a.T`-like overlaps through `exec`, on rows longer
    /// than the typed loops' buffer: the typed loop runs in place, an
    /// operand that is another view of the output goes through a copy.
    #[test]
    fn in_place_operations_on_their_own_memory() {
        let cx = RtCtx::new(ClassTable::new(typer::classes::Classes::shared()));
        let (rows, cols) = (3, 70);
        let a = counting(&cx, rows, cols);
        let add = RtDesc {
            op: RtOp::InPlace {
                f: Ufunc::Add,
                dt: DType::F64,
                args: vec![Arg::Array(DType::F64), Arg::Array(DType::F64)],
            },
            args: vec![f64_array(2), f64_array(2)],
            ret: Type::None,
        };
        let mut regs = [a as u64, a as u64];
        exec(&cx, &add, &mut regs).unwrap();
        let want: Vec<f64> = (0..rows * cols).map(|i| 2.0 * i as f64).collect();
        assert_eq!(values(a), want);
        // a[1:] += a[:-1] (rows): the second operand overlaps the output.
        let rows_view = |lo: i64, hi: i64| {
            let get = RtDesc {
                op: RtOp::GetItem(vec![Idx::Slice {
                    lo: true,
                    hi: true,
                    step: false,
                }]),
                args: vec![f64_array(2), Type::Int, Type::Int],
                ret: f64_array(2),
            };
            let mut r = [a as u64, lo as u64, hi as u64];
            exec(&cx, &get, &mut r).unwrap();
            r[0] as *mut Array
        };
        let (lo, hi) = (rows_view(1, 3), rows_view(0, 2));
        let mut regs = [lo as u64, hi as u64];
        exec(&cx, &add, &mut regs).unwrap();
        let got = values(a);
        assert_eq!(got.len(), rows * cols);
        for (i, &got) in got.iter().enumerate() {
            let old = 2.0 * i as f64;
            let want = if i < cols {
                old
            } else {
                old + 2.0 * (i - cols) as f64
            };
            assert_eq!(got, want, "element {i}");
        }
        // SAFETY: the views and the array, one reference each.
        unsafe {
            array::release(lo);
            array::release(hi);
            array::release(a);
        }
        let s = cx.table.allocators()[0].stats();
        assert_eq!(s.allocs, s.frees);
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
        };
        let empty_like = RtDesc {
            op: RtOp::NewLike(Fill::Empty),
            args: vec![f64_array(2)],
            ret: f64_array(2),
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

    /// A 0-d array where a scalar is expected stands for its element (a
    /// ufunc on 0-d arrays gives a scalar, as in NumPy).
    #[test]
    fn a_zero_d_operand_is_its_element() {
        let cx = RtCtx::new(ClassTable::new(typer::classes::Classes::shared()));
        let a = new_array(&cx.table, 0, DType::F64, &[], false).unwrap();
        // SAFETY: a fresh 0-d float64 array: one element at `data`.
        unsafe { ((*a).data as *mut f64).write(1.5) };
        let add = RtDesc {
            op: RtOp::Ufunc {
                f: Ufunc::Add,
                dt: DType::F64,
                args: vec![Arg::Array(DType::F64), Arg::Scalar(DType::F64)],
            },
            args: vec![f64_array(0), Type::Float],
            ret: Type::Scalar(DType::F64),
        };
        let mut regs = [a as u64, 2.0f64.to_bits()];
        exec(&cx, &add, &mut regs).unwrap();
        assert_eq!(f64::from_bits(regs[0]), 3.5);
        // SAFETY: its one reference, not used again.
        unsafe { array::release(a) };
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
