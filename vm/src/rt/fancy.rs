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
                let mut offsets = Vec::new();
                let st = &a.strides[axis..axis + room];
                let mut failed = false;
                for_each_offset(m.shape(), [m.strides(), st], |_, [mo, ao]| {
                    // SAFETY: offsets inside the mask, a live bool array.
                    if unsafe { m.data.offset(mo).read() } != 0 {
                        failed |= offsets.try_reserve(1).is_err();
                        if !failed {
                            offsets.push(ao);
                        }
                    }
                });
                if failed {
                    return Err(no_memory());
                }
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

#[cold]
fn no_memory() -> Raised {
    ("MemoryError", "out of memory for an index".into())
}

impl Plan<'_> {
    /// The byte offset of each element of the block, in C order, from the
    /// index arrays (each checked in turn, NumPy's `IndexError` at the
    /// first position out of bounds).
    fn table(&self) -> Result<Vec<isize>, Raised> {
        let n = elems(&self.block);
        let mut table = Vec::new();
        table.try_reserve_exact(n).map_err(|_| no_memory())?;
        table.resize(n, 0isize);
        for x in &self.adv {
            let mut bad = None;
            match x {
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
        Ok(table)
    }

    /// Calls `f` with the byte offset of every selected element from the
    /// start, in the result's C order, and its offset by `other` (strides
    /// over the result's shape, of the output or of a broadcast value).
    fn walk(&self, table: &[isize], other: &[isize], mut f: impl FnMut(isize, isize)) {
        let (np, nb) = (self.pre.len(), self.block.len());
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
    let dt = src.dtype;
    p.walk(&table, o.strides(), |s, d| {
        // SAFETY: `s` is a selected element of `src` (slices clamped, ints
        // and index arrays bounds-checked), `d` an element of the new
        // array, which has the result's shape.
        unsafe { store(dt, o.data.offset(d), load(dt, p.data.offset(s))) }
    });
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
            } else {
                p.walk(&table, st, |s, o| {
                    // SAFETY: a selected element of `dst` (see `take`) and
                    // a broadcast offset inside the value array.
                    unsafe { store(dt, p.data.offset(s), load(v.dtype, v.data.offset(o))) }
                });
            }
        }
        _ => {
            let (x, _) = scalar(value);
            let zeros = vec![0isize; p.shape.len()];
            p.walk(&table, &zeros, |s, _| {
                // SAFETY: a selected element of `dst` (see `take`).
                unsafe { store(dt, p.data.offset(s), x) }
            });
        }
    }
    Ok(())
}
