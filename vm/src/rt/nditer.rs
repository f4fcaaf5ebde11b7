//! `np.nditer`: each operand as a view whose C order is the iterator's
//! order, found as NumPy finds it (`npyiter_find_best_axis_ordering` and
//! `npyiter_flip_negative_strides` of its `nditer_constr.c`), so that a
//! loop reads item k as element k of each view.

use typer::tir::IterOrder;

use super::*;

/// The view of operand `which` of `ops` (all arrays) for an iterator of
/// that `order`.
pub(super) fn iter_view(
    ops: &[Opnd],
    which: usize,
    order: IterOrder,
) -> Result<*mut Array, Raised> {
    let arrays: Vec<&Array> = ops.iter().map(arr).collect();
    if arrays.iter().any(|a| a.size() == 0) {
        return Err((
            "ValueError",
            "Iteration of zero-sized operands is not enabled".into(),
        ));
    }
    let shapes: Vec<&[usize]> = arrays.iter().map(|a| a.shape()).collect();
    let shape = broadcast(&shapes)?;
    let strides: Vec<[isize; MAX_NDIM]> = arrays
        .iter()
        .map(|a| broadcast_strides(a.shape(), a.strides(), &shape))
        .collect();
    let nd = shape.len();
    let fortran = match order {
        IterOrder::C | IterOrder::K => false,
        IterOrder::F => true,
        IterOrder::A => arrays.iter().all(|a| f_contiguous(a)),
    };
    let axes: Vec<usize> = match order {
        IterOrder::K => memory_order(&strides, nd),
        _ if fortran => (0..nd).rev().collect(),
        _ => (0..nd).collect(),
    };
    let a = arrays[which];
    let mut data = a.data;
    let (mut shp, mut st) = (Vec::with_capacity(nd), Vec::with_capacity(nd));
    for &ax in &axes {
        let mut s = strides[which][ax];
        if order == IterOrder::K && backwards(&strides, ax) {
            // The last element along the axis comes first.
            data = data.wrapping_offset((shape[ax] - 1) as isize * s);
            s = -s;
        }
        shp.push(shape[ax]);
        st.push(s);
    }
    let p = match ops[which] {
        Opnd::Arr(p) => p,
        _ => unreachable!("nditer operands are arrays"),
    };
    // SAFETY: the same elements of `a` (a broadcast axis steps by 0), in
    // another order; a reversed axis starts at its last element, inside
    // the array as it has at least one.
    Ok(unsafe { array::view(p, data, &shp, &st) })
}

/// Whether every operand's stride along `ax` is negative or zero, and one
/// is negative: NumPy then visits the axis backwards, in memory order.
fn backwards(strides: &[[isize; MAX_NDIM]], ax: usize) -> bool {
    strides.iter().all(|s| s[ax] <= 0) && strides.iter().any(|s| s[ax] < 0)
}

/// The axes, outermost first, in the order NumPy's `K` order visits them:
/// a stable insertion sort from the smallest stride to the largest,
/// comparing two axes by each operand whose strides along both are not
/// zero; where operands disagree, C order wins.
fn memory_order(strides: &[[isize; MAX_NDIM]], nd: usize) -> Vec<usize> {
    // NumPy sorts its axis data, which lists the innermost axis first.
    let mut perm: Vec<usize> = (0..nd).rev().collect();
    for i0 in 1..nd {
        let j0 = perm[i0];
        let mut ipos = i0;
        for i1 in (0..i0).rev() {
            let j1 = perm[i1];
            let (mut ambiguous, mut swap) = (true, false);
            for s in strides {
                if s[j0] != 0 && s[j1] != 0 {
                    if s[j1].unsigned_abs() <= s[j0].unsigned_abs() {
                        swap = false;
                    } else if ambiguous {
                        swap = true;
                    }
                    ambiguous = false;
                }
            }
            if !ambiguous {
                if swap {
                    ipos = i1;
                } else {
                    break;
                }
            }
        }
        if ipos != i0 {
            perm[ipos..=i0].rotate_right(1);
        }
    }
    perm.reverse();
    perm
}

/// NumPy's Fortran contiguity: axes of length 1 do not count.
fn f_contiguous(a: &Array) -> bool {
    let mut want = a.dtype.itemsize() as isize;
    for (&d, &s) in a.shape().iter().zip(a.strides()) {
        if d != 1 && s != want {
            return false;
        }
        want *= d as isize;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(rows: &[&[isize]]) -> Vec<[isize; MAX_NDIM]> {
        rows.iter()
            .map(|r| {
                let mut s = [0isize; MAX_NDIM];
                s[..r.len()].copy_from_slice(r);
                s
            })
            .collect()
    }

    #[test]
    fn memory_order_follows_strides_and_prefers_c_order() {
        // C-contiguous, transposed, and a permuted 3-D array.
        assert_eq!(memory_order(&st(&[&[24, 8]]), 2), vec![0, 1]);
        assert_eq!(memory_order(&st(&[&[8, 24]]), 2), vec![1, 0]);
        assert_eq!(memory_order(&st(&[&[32, 96, 8]]), 3), vec![1, 0, 2]);
        // Operands that disagree: C order.
        assert_eq!(memory_order(&st(&[&[8, 24], &[16, 8]]), 2), vec![0, 1]);
        assert_eq!(memory_order(&st(&[&[16, 8], &[8, 24]]), 2), vec![0, 1]);
        // A broadcast operand (zero strides) does not vote.
        assert_eq!(memory_order(&st(&[&[0, 8], &[8, 16]]), 2), vec![1, 0]);
        // Negative strides compare by size.
        assert_eq!(memory_order(&st(&[&[-8, 24]]), 2), vec![1, 0]);
    }

    #[test]
    fn axes_go_backwards_only_when_no_operand_goes_forwards() {
        let s = st(&[&[-8, 0], &[0, 8]]);
        assert!(backwards(&s, 0));
        assert!(!backwards(&s, 1));
        assert!(!backwards(&st(&[&[-8], &[8]]), 0));
        assert!(!backwards(&st(&[&[0], &[0]]), 0));
    }
}
