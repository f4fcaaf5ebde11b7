//! Indexing with index arrays (NumPy's advanced indexing): integer arrays
//! and boolean masks among ints, slices and new axes. A read copies the
//! selected elements into a new array; an assignment writes a value
//! broadcast to the selection's shape. Errors are NumPy's, raised in the
//! order NumPy checks: the items left to right (ints, mask shapes), the
//! index arrays' shapes, then (assigning) the value, then the positions
//! in each integer array.

use super::*;

/// An advanced index: where it gets its positions.
enum Adv<'a> {
    /// An integer array along one axis of `n` elements, `stride` bytes apart.
    Ints {
        a: &'a Array,
        axis: usize,
        n: i64,
        stride: isize,
    },
    /// A mask over `ndim` axes: the byte offsets of its true elements.
    Mask { offsets: Vec<isize>, ndim: usize },
}

impl Adv<'_> {
    fn shape(&self) -> Vec<usize> {
        match self {
            Adv::Ints { a, .. } => a.shape().to_vec(),
            Adv::Mask { offsets, .. } => vec![offsets.len()],
        }
    }
}

/// What a subscript selects: the start, the basic dimensions (slices, new
/// axes, axes not indexed) before and after the block the index arrays'
/// broadcast shape makes, and the index arrays.
struct Plan<'a> {
    data: *mut u8,
    pre: Vec<(usize, isize)>,
    post: Vec<(usize, isize)>,
    adv: Vec<Adv<'a>>,
    block: Vec<usize>,
    /// The result's shape: `pre`, `block`, `post`.
    shape: Vec<usize>,
}

/// Elements of the index arrays among the operands, which an operation
/// reads (and pays for) before it selects anything.
fn index_elems(ops: &[Opnd]) -> usize {
    ops.iter()
        .filter(|o| matches!(o, Opnd::Arr(_)))
        .map(|o| arr(o).size())
        .sum()
}

/// Reads the items: checks ints and mask shapes, applies slices and
/// ints, finds the mask positions and the block's shape.
fn plan<'a>(a: &Array, kinds: &[Idx], ops: &'a [Opnd]) -> Result<Plan<'a>, Raised> {
    let nd = a.ndim as usize;
    let mut data = a.data;
    let mut basic: Vec<(usize, isize)> = Vec::new();
    let mut adv = Vec::new();
    let mut k = 0;
    let mut next = || -> Result<&'a Opnd, Raised> {
        let o = ops.get(k).ok_or_else(|| mismatch("indexing"))?;
        k += 1;
        Ok(o)
    };
    let mut pending = None;
    // The block goes where the advanced items are, if they are together
    // (ints count as advanced here), and first otherwise.
    let (mut at, mut last, mut apart) = (None, None, false);
    let mut axis = 0;
    for (item, kind) in kinds.iter().enumerate() {
        let advanced = matches!(kind, Idx::Int | Idx::Array | Idx::Mask);
        if advanced {
            apart |= last.is_some_and(|l| l + 1 != item);
            last = Some(item);
            at.get_or_insert(basic.len());
        }
        let room = match kind {
            Idx::NewAxis => 0,
            Idx::Mask => {
                let m = arr(next()?);
                pending = Some(m);
                m.ndim as usize
            }
            _ => 1,
        };
        if axis + room > nd {
            return Err(mismatch("indexing"));
        }
        match kind {
            Idx::NewAxis => basic.push((1, 0)),
            Idx::Int => {
                let i = scalar(next()?).0.as_i64();
                let n = a.shape[axis] as i64;
                let j = if i < 0 { i + n } else { i };
                if !(0..n).contains(&j) {
                    return Err(out_of_bounds(i, axis, n));
                }
                data = data.wrapping_offset(j as isize * a.strides[axis]);
            }
            Idx::Slice { lo, hi, step } => {
                let mut bound = |present: bool| -> Result<Option<i64>, Raised> {
                    Ok(if present {
                        Some(scalar(next()?).0.as_i64())
                    } else {
                        None
                    })
                };
                let (lo, hi, step) = (bound(*lo)?, bound(*hi)?, bound(*step)?.unwrap_or(1));
                if step == 0 {
                    return Err(("ValueError", "slice step cannot be zero".into()));
                }
                let (start, len) = slice_indices(a.shape[axis] as i64, lo, hi, step);
                data = data.wrapping_offset(start as isize * a.strides[axis]);
                basic.push((len as usize, a.strides[axis] * step as isize));
            }
            Idx::Array => {
                let o = next()?;
                adv.push(Adv::Ints {
                    a: arr(o),
                    axis,
                    n: a.shape[axis] as i64,
                    stride: a.strides[axis],
                });
            }
            Idx::Mask => {
                // Taken above, for the axes it covers.
                let Some(m) = pending.take() else {
                    return Err(mismatch("indexing"));
                };
                for (d, &len) in m.shape().iter().enumerate() {
                    if len != a.shape[axis + d] {
                        return Err((
                            "IndexError",
                            format!("boolean index did not match indexed array along axis {}; size of axis is {} but size of corresponding boolean axis is {len}", axis + d, a.shape[axis + d]),
                        ));
                    }
                }
                let st = &a.strides[axis..axis + room];
                let offsets = mask_offsets(m, st)?;
                adv.push(Adv::Mask {
                    offsets,
                    ndim: room,
                });
            }
        }
        axis += room;
    }
    for d in axis..nd {
        basic.push((a.shape[d], a.strides[d]));
    }
    let shapes: Vec<Vec<usize>> = adv.iter().map(Adv::shape).collect();
    let refs: Vec<&[usize]> = shapes.iter().map(Vec::as_slice).collect();
    let block = broadcast(&refs).map_err(|_| {
        // NumPy lists the index arrays (a mask as one per axis it covers).
        let mut all = String::new();
        for (x, s) in adv.iter().zip(&shapes) {
            let times = match x {
                Adv::Mask { ndim, .. } => *ndim,
                Adv::Ints { .. } => 1,
            };
            for _ in 0..times {
                all.push_str(&shape_str(s));
                all.push(' ');
            }
        }
        (
            "IndexError",
            format!(
                "shape mismatch: indexing arrays could not be broadcast together with shapes {all}"
            ),
        )
    })?;
    let at = if apart { 0 } else { at.unwrap_or(0) };
    let post = basic.split_off(at.min(basic.len()));
    let shape: Vec<usize> = basic
        .iter()
        .map(|d| d.0)
        .chain(block.iter().copied())
        .chain(post.iter().map(|d| d.0))
        .collect();
    if shape.len() > MAX_NDIM {
        return Err(mismatch("indexing"));
    }
    Ok(Plan {
        data,
        pre: basic,
        post,
        adv,
        block,
        shape,
    })
}

/// The byte offsets (by `strides`, the indexed axes') of a mask's true
/// elements, in C order: counted first, so that the list is allocated once.
fn mask_offsets(m: &Array, strides: &[isize]) -> Result<Vec<isize>, Raised> {
    // Rows of the last axis in a plain loop; the axes before it by odometer.
    let nd = m.ndim as usize;
    let (len, mstep, step) = (m.shape[nd - 1], m.strides[nd - 1], strides[nd - 1]);
    let rows = |f: &mut dyn FnMut(*const u8, isize)| {
        for_each_offset(
            &m.shape()[..nd - 1],
            [&m.strides()[..nd - 1], &strides[..nd - 1]],
            |_, [mo, ao]| f(m.data.wrapping_offset(mo), ao),
        );
    };
    let mut count = 0usize;
    rows(&mut |row, _| {
        if mstep == 1 {
            // SAFETY: a contiguous row of `len` bools inside the mask.
            let bytes = unsafe { std::slice::from_raw_parts(row, len) };
            count += bytes.iter().filter(|&&b| b != 0).count();
            return;
        }
        for k in 0..len as isize {
            // SAFETY: k < the row's length, inside the mask.
            count += (unsafe { row.offset(k * mstep).read() } != 0) as usize;
        }
    });
    // One slot more than the count: each element's offset is written at
    // the next free slot, which only a true element takes (no branch).
    let mut offsets = Vec::new();
    offsets
        .try_reserve_exact(count + 1)
        .map_err(|_| no_memory())?;
    offsets.resize(count + 1, 0isize);
    let mut j = 0;
    rows(&mut |row, at| {
        let mut off = at;
        for k in 0..len as isize {
            offsets[j] = off;
            off += step;
            // SAFETY: as above.
            j += (unsafe { row.offset(k * mstep).read() } != 0) as usize;
        }
    });
    offsets.truncate(count);
    Ok(offsets)
}

#[cold]
fn no_memory() -> Raised {
    ("MemoryError", "out of memory for an index".into())
}

impl Plan<'_> {
    /// The byte offset of each element of the block, in C order, from the
    /// index arrays (each checked in turn, NumPy's `IndexError` at the
    /// first position out of bounds).
    fn table(&self) -> Result<std::borrow::Cow<'_, [isize]>, Raised> {
        if let [Adv::Mask { offsets, .. }] = &self.adv[..] {
            // One mask: its offsets are the table.
            return Ok(std::borrow::Cow::Borrowed(offsets));
        }
        let n = elems(&self.block);
        let mut table = Vec::new();
        table.try_reserve_exact(n).map_err(|_| no_memory())?;
        table.resize(n, 0isize);
        for x in &self.adv {
            let mut bad = None;
            match x {
                // The common case, one 1-D array: its positions in order.
                Adv::Ints { a, axis, n, stride } if self.adv.len() == 1 && a.ndim == 1 => {
                    let step = a.strides[0];
                    for (k, t) in table.iter_mut().enumerate() {
                        // SAFETY: k < the index array's length.
                        let i = unsafe { load(a.dtype, a.data.offset(k as isize * step)) }.as_i64();
                        let j = if i < 0 { i.wrapping_add(*n) } else { i };
                        if !(0..*n).contains(&j) {
                            return Err(out_of_bounds(i, *axis, *n));
                        }
                        *t = j as isize * stride;
                    }
                }
                Adv::Ints { a, axis, n, stride } => {
                    let st = broadcast_strides(a.shape(), a.strides(), &self.block);
                    for_each_offset(&self.block, [&st[..self.block.len()]], |k, [o]| {
                        if bad.is_some() {
                            return;
                        }
                        // SAFETY: broadcast offsets inside the index array.
                        let i = unsafe { load(a.dtype, a.data.offset(o)) }.as_i64();
                        let j = if i < 0 { i.wrapping_add(*n) } else { i };
                        if (0..*n).contains(&j) {
                            table[k] += j as isize * stride;
                        } else {
                            bad = Some(out_of_bounds(i, *axis, *n));
                        }
                    });
                }
                Adv::Mask { offsets, .. } => {
                    let st = broadcast_strides(&[offsets.len()], &[1], &self.block);
                    for_each_offset(&self.block, [&st[..self.block.len()]], |k, [o]| {
                        table[k] += offsets[o as usize];
                    });
                }
            }
            if let Some(e) = bad {
                return Err(e);
            }
        }
        Ok(std::borrow::Cow::Owned(table))
    }

    /// Calls `f` with the byte offset of every selected element from the
    /// start, in the result's C order, and its offset by `other` (strides
    /// over the result's shape, of the output or of a broadcast value).
    fn walk(&self, table: &[isize], other: &[isize], mut f: impl FnMut(isize, isize)) {
        let (np, nb) = (self.pre.len(), self.block.len());
        if np == 0 && self.post.is_empty() && nb == 1 {
            // The block alone, one dimension: no odometer.
            let step = other[0];
            for (k, &t) in table.iter().enumerate() {
                f(t, k as isize * step);
            }
            return;
        }
        let split =
            |dims: &[(usize, isize)]| -> (Vec<usize>, Vec<isize>) { dims.iter().copied().unzip() };
        let (pre_shape, pre_st) = split(&self.pre);
        let (post_shape, post_st) = split(&self.post);
        let (o_pre, rest) = other.split_at(np);
        let (o_block, o_post) = rest.split_at(nb);
        for_each_offset(&pre_shape, [&pre_st[..], o_pre], |_, [s1, o1]| {
            for_each_offset(&self.block, [o_block], |k, [o2]| {
                let s2 = s1 + table[k];
                for_each_offset(&post_shape, [&post_st[..], o_post], |_, [s3, o3]| {
                    f(s2 + s3, o1 + o2 + o3)
                });
            });
        });
    }
}

/// Copies the selected elements (of `size` bytes, the array's dtype) into
/// another array of the same dtype at `other` (with `into`), or from it
/// into the selection; `strides` lay the other out over the result's shape.
///
/// The other array is the new result, or a value that broadcasts to the
/// result's shape (zero strides where it repeats).
fn move_elems(
    size: usize,
    p: &Plan,
    table: &[isize],
    other: *mut u8,
    strides: &[isize],
    into: bool,
) {
    fn go<T: Copy>(p: &Plan, table: &[isize], other: *mut u8, strides: &[isize], into: bool) {
        let sel = p.data;
        p.walk(table, strides, |s, o| {
            // SAFETY: `s` is a selected element (slices clamped, ints and
            // index arrays bounds-checked), `o` an element of the other
            // array by its strides over the result's shape (the callers'
            // promise); `T` has the dtype's size.
            unsafe {
                let (a, b) = (sel.offset(s) as *mut T, other.offset(o) as *mut T);
                if into {
                    b.write_unaligned(a.read_unaligned())
                } else {
                    a.write_unaligned(b.read_unaligned())
                }
            }
        });
    }
    match size {
        1 => go::<u8>(p, table, other, strides, into),
        2 => go::<u16>(p, table, other, strides, into),
        4 => go::<u32>(p, table, other, strides, into),
        _ => go::<u64>(p, table, other, strides, into),
    }
}

/// `a[...]` with index arrays: a new C-contiguous array of `a`'s class.
pub(super) fn take(cx: &RtCtx, kinds: &[Idx], ops: &[Opnd]) -> Result<*mut Array, Raised> {
    let src = arr(&ops[0]);
    cx.charge(index_elems(&ops[1..]))?;
    let p = plan(src, kinds, &ops[1..])?;
    let table = p.table()?;
    cx.charge(elems(&p.shape))?;
    let out = new_array(&cx.table, src.class, src.dtype, &p.shape, false)?;
    // SAFETY: `new_array` returned a live header, owned here.
    let o = unsafe { &*out };
    move_elems(src.itemsize(), &p, &table, o.data, o.strides(), true);
    Ok(out)
}

/// Is the index one mask over every axis? NumPy assigns through it in a
/// loop of its own, with its own messages.
fn lone_mask(kinds: &[Idx], ops: &[Opnd]) -> bool {
    kinds == [Idx::Mask] && arr(&ops[1]).ndim == arr(&ops[0]).ndim
}

/// `a[...] = v` with index arrays: the value (a scalar, or an array that
/// broadcasts to the selection) converted to `a`'s dtype; where an index
/// repeats, the last write stays.
pub(super) fn put(cx: &RtCtx, kinds: &[Idx], vk: Arg, ops: &[Opnd]) -> Result<(), Raised> {
    let (value, ops) = ops.split_last().ok_or_else(|| mismatch("indexing"))?;
    let dst = arr(&ops[0]);
    cx.charge(index_elems(&ops[1..]))?;
    let p = plan(dst, kinds, &ops[1..])?;
    if let (Arg::PyInt, Opnd::Scalar(v, _)) = (vk, value) {
        check_py_int(*v, dst.dtype)?;
    }
    if let Opnd::Arr(_) = value {
        let v = arr(value);
        let lone_mask = lone_mask(kinds, ops);
        if lone_mask && v.ndim > 1 {
            return Err((
                "TypeError",
                format!("NumPy boolean array indexing assignment requires a 0 or 1-dimensional input, input has {} dimensions", v.ndim),
            ));
        }
        let count = p.shape.first().copied().unwrap_or(0);
        if lone_mask && v.ndim == 1 && v.shape[0] != 1 && v.shape[0] != count {
            return Err((
                "ValueError",
                format!("NumPy boolean array indexing assignment cannot assign {} input values to the {count} output values where the mask is true", v.shape[0]),
            ));
        }
        let (vshape, _) = strip_ones(v.shape(), &[], p.shape.len());
        let fits = vshape.len() <= p.shape.len()
            && vshape
                .iter()
                .rev()
                .zip(p.shape.iter().rev())
                .all(|(&s, &t)| s == t || s == 1);
        if !fits {
            return Err((
                "ValueError",
                format!(
                    "shape mismatch: value array of shape {} could not be broadcast to indexing result of shape {}",
                    shape_str(v.shape()),
                    shape_str(&p.shape)
                ),
            ));
        }
    }
    let table = p.table()?;
    let n = elems(&p.shape);
    cx.charge(n)?;
    let dt = dst.dtype;
    match value {
        Opnd::Arr(_) if arr(value).ndim > 0 => {
            let v = arr(value);
            let (vshape, vstrides) = strip_ones(v.shape(), v.strides(), p.shape.len());
            let st = broadcast_strides(vshape, vstrides, &p.shape);
            let st = &st[..p.shape.len()];
            // NumPy copies a value that overlaps the array first, except
            // for a lone mask, whose loop reads each value as it writes.
            if v.shares_memory(dst) && !lone_mask(kinds, ops) {
                let mut vals = Vec::new();
                vals.try_reserve_exact(n).map_err(|_| no_memory())?;
                p.walk(&table, st, |_, o| {
                    // SAFETY: broadcast offsets inside the value array.
                    vals.push(unsafe { load(v.dtype, v.data.offset(o)) })
                });
                let mut k = 0;
                p.walk(&table, st, |s, _| {
                    // SAFETY: a selected element of `dst` (see `take`).
                    unsafe { store(dt, p.data.offset(s), vals[k]) };
                    k += 1;
                });
            } else if v.dtype == dt {
                move_elems(dt.itemsize(), &p, &table, v.data, st, false);
            } else {
                p.walk(&table, st, |s, o| {
                    // SAFETY: a selected element of `dst` (see `take`) and
                    // a broadcast offset inside the value array.
                    unsafe { store(dt, p.data.offset(s), load(v.dtype, v.data.offset(o))) }
                });
            }
        }
        _ => {
            // The value converted once, then copied to every place.
            let (x, _) = scalar(value);
            let mut cell = [0u64; 1];
            let at = cell.as_mut_ptr() as *mut u8;
            // SAFETY: eight writable bytes hold any dtype's element.
            unsafe { store(dt, at, x) };
            let zeros = vec![0isize; p.shape.len()];
            move_elems(dt.itemsize(), &p, &table, at, &zeros, false);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;
    use typer::types::{ArrayType, Layout};

    fn ty(dtype: DType, ndim: u8) -> Type {
        Type::Array(Rc::new(ArrayType {
            dtype,
            ndim,
            layout: Layout::C,
            class: 0,
            class_name: None,
        }))
    }

    /// A C array of `shape` holding `f(k)` at C-order position k.
    fn array(cx: &RtCtx, dt: DType, shape: &[usize], f: impl Fn(usize) -> f64) -> *mut Array {
        let a = new_array(&cx.table, 0, dt, shape, false).unwrap();
        // SAFETY: a fresh C array of `shape`.
        let r = unsafe { &*a };
        for k in 0..r.size() {
            // SAFETY: k < its size, contiguous elements.
            unsafe { store(dt, r.data.add(k * dt.itemsize()), Val::F(f(k))) };
        }
        a
    }

    fn values(a: *mut Array) -> (Vec<usize>, Vec<f64>) {
        // SAFETY: a live array; its elements are read at their offsets.
        let a = unsafe { &*a };
        let mut v = Vec::new();
        for_each_offset(a.shape(), [a.strides()], |_, [o]| {
            // SAFETY: offsets inside the array.
            v.push(unsafe { load(a.dtype, a.data.offset(o)) }.as_f64())
        });
        (a.shape().to_vec(), v)
    }

    fn cx() -> RtCtx {
        RtCtx::new(ClassTable::new(typer::classes::Classes::shared()))
    }

    /// Runs `op` on `args` (arrays as pointers, ints as values).
    fn run(
        cx: &RtCtx,
        op: RtOp,
        args: Vec<Type>,
        ret: Type,
        regs: &mut [u64],
    ) -> Result<(), Raised> {
        let d = RtDesc {
            op,
            args,
            ret,
            fused: None,
        };
        exec(cx, &d, regs)
    }

    #[test]
    fn positions_go_where_the_index_arrays_stand() {
        let cx = cx();
        let t = array(&cx, DType::F64, &[2, 3, 4], |k| k as f64);
        let idx = array(&cx, DType::I32, &[2], |k| [1.0, 0.0][k]);
        // t[idx, :, 2]: the block first, then the slice's axis.
        let kinds = vec![
            Idx::Array,
            Idx::Slice {
                lo: false,
                hi: false,
                step: false,
            },
            Idx::Int,
        ];
        let args = vec![ty(DType::F64, 3), ty(DType::I32, 1), Type::Int];
        let mut regs = [t as u64, idx as u64, 2];
        run(&cx, RtOp::Take(kinds), args, ty(DType::F64, 2), &mut regs).unwrap();
        let r = regs[0] as *mut Array;
        assert_eq!(
            values(r),
            (vec![2, 3], vec![14.0, 18.0, 22.0, 2.0, 6.0, 10.0])
        );
        // t[:, idx, 1]: the array and the int together, so the block
        // stands where they do, after the slice's axis.
        let kinds = vec![
            Idx::Slice {
                lo: false,
                hi: false,
                step: false,
            },
            Idx::Array,
            Idx::Int,
        ];
        let args = vec![ty(DType::F64, 3), ty(DType::I32, 1), Type::Int];
        let mut regs = [t as u64, idx as u64, 1];
        run(&cx, RtOp::Take(kinds), args, ty(DType::F64, 2), &mut regs).unwrap();
        let r2 = regs[0] as *mut Array;
        assert_eq!(values(r2), (vec![2, 2], vec![5.0, 1.0, 17.0, 13.0]));
        // SAFETY: one reference each, not used again.
        unsafe {
            for a in [t, idx, r, r2] {
                array::release(a);
            }
        }
        let s = cx.table.allocators()[0].stats();
        assert_eq!(s.allocs, s.frees);
    }

    #[test]
    fn a_value_is_checked_before_the_positions() {
        let cx = cx();
        let a = array(&cx, DType::I64, &[5], |k| k as f64);
        let idx = array(&cx, DType::I64, &[3], |k| [0.0, 9.0, 1.0][k]);
        let v = array(&cx, DType::I64, &[2], |_| 7.0);
        let args = vec![ty(DType::I64, 1), ty(DType::I64, 1), ty(DType::I64, 1)];
        let op = RtOp::Put(vec![Idx::Array], Arg::Array(DType::I64));
        let mut regs = [a as u64, idx as u64, v as u64];
        let e = run(&cx, op.clone(), args.clone(), Type::None, &mut regs).unwrap_err();
        assert_eq!(e.1, "shape mismatch: value array of shape (2,) could not be broadcast to indexing result of shape (3,)");
        let mut regs = [a as u64, idx as u64, 5];
        let args = vec![ty(DType::I64, 1), ty(DType::I64, 1), Type::Int];
        let op = RtOp::Put(vec![Idx::Array], Arg::PyInt);
        let e = run(&cx, op, args, Type::None, &mut regs).unwrap_err();
        assert_eq!(
            e,
            (
                "IndexError",
                "index 9 is out of bounds for axis 0 with size 5".to_string()
            )
        );
        // Nothing was written before the error.
        assert_eq!(values(a).1, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        // SAFETY: one reference each, not used again.
        unsafe {
            for x in [a, idx, v] {
                array::release(x);
            }
        }
    }

    #[test]
    fn operands_that_do_not_fit_are_refused_not_read() {
        let cx = cx();
        let a = array(&cx, DType::F64, &[4], |k| k as f64);
        // A mask kind with no operand for it, and more items than axes.
        let mut regs = [a as u64];
        let e = run(
            &cx,
            RtOp::Take(vec![Idx::Mask]),
            vec![ty(DType::F64, 1)],
            ty(DType::F64, 1),
            &mut regs,
        )
        .unwrap_err();
        assert_eq!(e.0, "SystemError");
        let m = array(&cx, DType::Bool, &[4], |k| (k % 2) as f64);
        let mut regs = [a as u64, m as u64, m as u64];
        let e = run(
            &cx,
            RtOp::Take(vec![Idx::Mask, Idx::Mask]),
            vec![ty(DType::F64, 1), ty(DType::Bool, 1), ty(DType::Bool, 1)],
            ty(DType::F64, 1),
            &mut regs,
        )
        .unwrap_err();
        assert_eq!(e.0, "SystemError");
        // SAFETY: one reference each, not used again.
        unsafe {
            array::release(a);
            array::release(m);
        }
    }

    #[test]
    fn assignment_strips_leading_unit_axes() {
        assert_eq!(strip_ones(&[1, 1, 3], &[], 1).0, &[3]);
        assert_eq!(
            strip_ones(&[1, 2], &[8, 8], 2),
            (&[1usize, 2][..], &[8isize, 8][..])
        );
        assert_eq!(strip_ones(&[1, 1], &[0, 0], 0).0, &[] as &[usize]);
        assert_eq!(strip_ones(&[2, 1, 3], &[], 1).0, &[2, 1, 3]);
    }
}
