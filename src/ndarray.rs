//! Kiln arrays as `ndarray` arrays and back, with the `ndarray`
//! feature (`ndarray` 0.17).
//!
//! | from | to | how | copies? |
//! | --- | --- | --- | --- |
//! | [`ArrayRef`] | `ArrayViewD` | [`ArrayRef::view`] | no |
//! | [`ArrayRef`] | `ArrayViewMutD` | [`ArrayRef::view_mut`] | no |
//! | [`ArrayRef`] | `ArrayD` | [`ArrayRef::to_ndarray`] | yes |
//! | `Array`, unshared `ArcArray` | [`ArrayRef`] | [`Vm::array_from_ndarray`] | no: Kiln takes the buffer |
//! | `ArrayView`, shared `ArcArray`, borrowed `CowArray` | [`ArrayRef`] | [`Vm::array_from_ndarray`] | yes |
//! | `ArrayViewMut` | [`ArrayRef`] | [`Vm::array_from_view_mut`] (`unsafe`) | no: Kiln borrows |
//!
//! Every Kiln dtype maps to its Rust type ([`Element`]: `bool`, `i8` to
//! `u64`, `f32`, `f64`) and every layout works both ways: Kiln's strides
//! are in bytes and may be negative, ndarray's are in elements; the
//! conversions translate.
//!
//! # Why the views take `&mut ArrayRef`
//!
//! An ndarray view promises that nothing writes its elements while it
//! lives (and, for a mutable view, that nothing else reads them). An
//! [`ArrayRef`] is one of possibly many references to the array, and a
//! script given any of them (or another array over the same memory) may
//! write it. So [`ArrayRef::view`] and [`ArrayRef::view_mut`] borrow the
//! handle mutably, which stops it being cloned or passed to a script while
//! the view lives, and refuse an array that any other reference can reach:
//! another handle to it, or another array (a script's view, a slice the
//! host got back) over its memory. Arrays a script returned fresh, and
//! arrays the host made and no longer shares, pass. For the others, copy
//! with [`ArrayRef::to_ndarray`], drop the other references first, or take
//! the `unsafe` [`ArrayRef::view_unchecked`] and promise it yourself.
//!
//! Arrays over host memory from [`Vm::array_from_raw`] are the host's own
//! promise: Kiln cannot see other pointers the host keeps to that memory.

use std::ptr::NonNull;

use ::ndarray::{
    ArrayBase, ArrayD, ArrayViewD, ArrayViewMut, ArrayViewMutD, Axis, Data, Dimension, IxDyn,
    ShapeBuilder,
};

use crate::{ArrayRef, ClassId, DType, Element, Error, Vm};

/// A Kiln array's elements as ndarray describes them: the element at the
/// lowest address, non-negative strides in elements, and the axes to turn
/// round afterwards (those whose Kiln stride is negative).
struct Parts {
    low: *mut u8,
    shape: Vec<usize>,
    strides: Vec<usize>,
    flip: Vec<usize>,
}

impl ArrayRef {
    /// The array as an ndarray view of `T` elements, without copying: any
    /// strides (reversed, transposed, sliced, broadcast) come through.
    ///
    /// An error when `T` is not the array's dtype, when a `bool` array
    /// holds a byte other than 0 or 1, or when another reference can reach
    /// the array's memory (see [the module docs](crate::ndarray): another
    /// handle, or another array viewing the same memory); then
    /// [`ArrayRef::to_ndarray`] copies instead.
    ///
    /// ```
    /// use kiln::{Value, Vm, NDARRAY};
    /// use ndarray::{array, Ix2};
    /// let mut vm = Vm::new(kiln::Config::default());
    /// let m = vm.load("t.py", "def f(a):\n    return (a * 10).T\n").unwrap();
    /// let a = vm.array_from_vec(vec![1i64, 2, 3, 4, 5, 6], &[2, 3], NDARRAY);
    /// let Value::Array(mut r) = vm.call(&m, "f", &[Value::Array(a)]).unwrap() else { panic!() };
    /// assert!(r.view::<f64>().is_err()); // not its dtype
    /// // A transposed result: strides (8, 24) bytes, viewed as they are.
    /// let v = r.view::<i64>().unwrap().into_dimensionality::<Ix2>().unwrap();
    /// assert_eq!(v, array![[10, 40], [20, 50], [30, 60]]);
    /// assert_eq!(v.strides(), &[1, 3]);
    /// ```
    pub fn view<T: Element>(&mut self) -> Result<ArrayViewD<'_, T>, Error> {
        let p = self.parts::<T>()?;
        self.unshared()?;
        // SAFETY: `parts` checked the dtype, alignment and (for bool) the
        // values, and describes elements inside the array's live block,
        // which lives while `self` is borrowed. Nothing writes them meanwhile:
        // no other reference reaches the memory (`unshared`), and `self` is
        // borrowed mutably, so it can be neither cloned nor passed to a script.
        Ok(unsafe { view_of(p) })
    }

    /// The array as a mutable ndarray view, without copying: writes go to
    /// the array's memory, which scripts then see.
    ///
    /// The errors of [`ArrayRef::view`], and also when two indices would
    /// reach the same element (a broadcast array, with a zero stride).
    ///
    /// ```
    /// use kiln::{Value, Vm, NDARRAY};
    /// let mut vm = Vm::new(kiln::Config::default());
    /// let m = vm.load("t.py", "def total(a):\n    return a.sum()\n").unwrap();
    /// let mut a = vm.array_from_vec(vec![1.0f32, 2.0, 3.0], &[3], NDARRAY);
    /// a.view_mut::<f32>().unwrap()[[1]] = 20.0;
    /// assert_eq!(vm.call(&m, "total", &[Value::Array(a.clone())]).unwrap(), Value::Float(24.0));
    /// // While a clone lives, a mutable view would alias it.
    /// let b = a.clone();
    /// assert!(a.view_mut::<f32>().is_err());
    /// drop(b);
    /// assert!(a.view_mut::<f32>().is_ok());
    /// ```
    pub fn view_mut<T: Element>(&mut self) -> Result<ArrayViewMutD<'_, T>, Error> {
        let p = self.parts::<T>()?;
        self.unshared()?;
        no_self_overlap(&p)?;
        // SAFETY: as in `view`; in addition no two indices reach one element
        // (`no_self_overlap`), and no reference other than the mutably
        // borrowed `self` reaches the memory, so the view's accesses are the
        // only ones while it lives.
        Ok(unsafe { view_mut_of(p) })
    }

    /// [`ArrayRef::view`] of an array other references may reach: the
    /// checks of the dtype, alignment and `bool` values, without the
    /// check that nothing else can reach the memory.
    ///
    /// # Safety
    /// While the view lives, nothing writes the array's elements: no
    /// script runs that could write them through this array or another
    /// over the same memory, and the host writes them through no other
    /// pointer or view.
    ///
    /// ```
    /// use kiln::{Vm, NDARRAY};
    /// let mut vm = Vm::new(kiln::Config::default());
    /// let a = vm.array_from_vec(vec![1u8, 2, 3], &[3], NDARRAY);
    /// let b = a.clone(); // a second handle: `view` would refuse
    /// // SAFETY: no script runs and nothing writes while `v` lives.
    /// let v = unsafe { a.view_unchecked::<u8>() }.unwrap();
    /// assert_eq!(v.sum(), 6);
    /// # drop(b);
    /// ```
    pub unsafe fn view_unchecked<T: Element>(&self) -> Result<ArrayViewD<'_, T>, Error> {
        let p = self.parts::<T>()?;
        // SAFETY: `parts` checked the dtype, alignment and values, and the
        // block lives while `self` is borrowed; the caller promises that
        // nothing writes the elements while the view lives.
        Ok(unsafe { view_of(p) })
    }

    /// A copy of the array as an owned ndarray array in C order, whatever
    /// its strides; works while other references share the array.
    ///
    /// An error when `T` is not the array's dtype (or a `bool` array holds
    /// a byte other than 0 or 1).
    ///
    /// ```
    /// use kiln::{Vm, NDARRAY};
    /// use ndarray::array;
    /// let mut vm = Vm::new(kiln::Config::default());
    /// let a = vm.array_from_vec(vec![true, false, true, true], &[2, 2], NDARRAY);
    /// let shared = a.clone();
    /// let copy = a.to_ndarray::<bool>().unwrap();
    /// assert_eq!(copy, array![[true, false], [true, true]].into_dyn());
    /// # drop(shared);
    /// ```
    pub fn to_ndarray<T: Element>(&self) -> Result<ArrayD<T>, Error> {
        let p = self.parts::<T>()?;
        // SAFETY: as in `view_unchecked`: the view lives only inside this
        // function, during which no script runs and nothing else writes
        // (an ArrayRef is not Send, so no other thread uses the array).
        let v = unsafe { view_of::<T>(p) };
        Ok(v.as_standard_layout().into_owned())
    }

    /// An error unless this handle is the only reference to the array and
    /// the array the only one over its memory.
    fn unshared(&self) -> Result<(), Error> {
        let a = self.get();
        // SAFETY: a live header holds a reference to its live MemInfo.
        let block_refs = (!a.meminfo.is_null()).then(|| unsafe { (*a.meminfo).refct });
        if a.refct == 1 && block_refs.unwrap_or(1) == 1 {
            Ok(())
        } else {
            Err(Error::Call(
                "the array is shared (another handle, or an array viewing its memory, \
                 may write it while the ndarray view lives): drop the other references, \
                 or copy it with to_ndarray"
                    .into(),
            ))
        }
    }

    /// Checks that the array can be seen as `T`s and says how.
    fn parts<T: Element>(&self) -> Result<Parts, Error> {
        let a = self.get();
        if a.dtype != T::DTYPE {
            return Err(Error::Call(format!(
                "the array's dtype is {}, not {}",
                a.dtype.name(),
                T::DTYPE.name()
            )));
        }
        let size = a.itemsize();
        let empty = a.shape().contains(&0);
        let mut low = a.data;
        let mut strides = Vec::with_capacity(a.ndim as usize);
        let mut flip = Vec::new();
        for (d, (&n, &s)) in a.shape().iter().zip(a.strides()).enumerate() {
            if s % size as isize != 0 {
                return Err(Error::Call(format!(
                    "stride {s} is not a multiple of the element size ({size} bytes)"
                )));
            }
            strides.push(s.unsigned_abs() / size);
            if s < 0 && !empty {
                // The axis runs backwards: its last element is the lowest.
                low = low.wrapping_sub((n - 1) * s.unsigned_abs());
                flip.push(d);
            }
        }
        if empty {
            // No element is reached; ndarray still wants an aligned pointer.
            low = NonNull::<T>::dangling().as_ptr() as *mut u8;
        } else if !(low as usize).is_multiple_of(std::mem::align_of::<T>()) {
            return Err(Error::Call(format!(
                "the array's data is not aligned for {}",
                T::DTYPE.name()
            )));
        }
        if T::DTYPE == DType::Bool {
            let mut bad = false;
            vm::array::for_each_offset(a.shape(), [a.strides()], |_, [o]| {
                // SAFETY: `o` is the offset of an element of the live array.
                bad |= unsafe { a.data.offset(o).read() } > 1;
            });
            if bad {
                return Err(Error::Call(
                    "the bool array holds a byte other than 0 or 1".into(),
                ));
            }
        }
        Ok(Parts {
            low,
            shape: a.shape().to_vec(),
            strides,
            flip,
        })
    }
}

/// An error when two indices of `p` reach one element, which a mutable
/// view must not allow: sorted by stride, each axis must step over
/// everything the axes inside it reach. (A stricter test than exact
/// overlap, which no Kiln or ndarray layout other than broadcasting fails.)
fn no_self_overlap(p: &Parts) -> Result<(), Error> {
    if p.shape.contains(&0) {
        return Ok(());
    }
    let mut axes: Vec<(usize, usize)> = p
        .shape
        .iter()
        .zip(&p.strides)
        .filter(|(&n, _)| n > 1)
        .map(|(&n, &s)| (n, s))
        .collect();
    axes.sort_by_key(|&(_, s)| s);
    let mut reach = 1usize;
    for (n, s) in axes {
        if s < reach {
            return Err(Error::Call(
                "two indices of the array reach the same element (a broadcast view?); \
                 a mutable view needs distinct elements: copy it with to_ndarray"
                    .into(),
            ));
        }
        reach = s.saturating_mul(n - 1).saturating_add(reach);
    }
    Ok(())
}

/// # Safety
/// `p` describes aligned, valid `T`s inside one live allocation, which
/// outlives `'a` and which nothing writes during `'a`.
unsafe fn view_of<'a, T>(p: Parts) -> ArrayViewD<'a, T> {
    let shape = IxDyn(&p.shape).strides(IxDyn(&p.strides));
    // SAFETY: the caller's contract, with strides made non-negative from
    // the lowest element, as ndarray requires.
    let mut v = unsafe { ArrayViewD::from_shape_ptr(shape, p.low as *const T) };
    for &d in &p.flip {
        v.invert_axis(Axis(d));
    }
    v
}

/// # Safety
/// As [`view_of`], and during `'a` nothing else reads or writes the
/// elements, and no two indices reach the same element.
unsafe fn view_mut_of<'a, T>(p: Parts) -> ArrayViewMutD<'a, T> {
    let shape = IxDyn(&p.shape).strides(IxDyn(&p.strides));
    // SAFETY: the caller's contract, as in `view_of`.
    let mut v = unsafe { ArrayViewMutD::from_shape_ptr(shape, p.low as *mut T) };
    for &d in &p.flip {
        v.invert_axis(Axis(d));
    }
    v
}

impl Vm {
    /// An ndarray array handed to scripts as a Kiln array of class
    /// `class`, in its own layout (any strides). An owned `Array` (and an
    /// `ArcArray` no other clone shares) moves in without copying: Kiln
    /// keeps its buffer and drops it with the last reference, so a script
    /// may keep the array. A view, or shared data, is copied, since a
    /// script may keep the array longer than the borrow ([`Vm::array_from_view_mut`]
    /// borrows instead, `unsafe`).
    ///
    /// An error for more than 8 dimensions or a class this VM does not know.
    ///
    /// ```
    /// use kiln::{Value, Vm, NDARRAY};
    /// use ndarray::{s, Array};
    /// let mut vm = Vm::new(kiln::Config::default());
    /// let m = vm.load("t.py", "def f(a):\n    a[0, 0] = -1.0\n    return a.sum()\n").unwrap();
    /// // Every other column, in reverse: strides (4, -2) elements.
    /// let x = Array::from_shape_fn((3, 4), |(i, j)| (4 * i + j) as f64);
    /// let x = x.slice_move(s![.., ..;-2]);
    /// let first = x.as_ptr();
    /// let a = vm.array_from_ndarray(x, NDARRAY).unwrap();
    /// assert_eq!(a.data_ptr() as *const f64, first); // the same memory
    /// assert_eq!(a.strides(), vec![32, -16]);
    /// assert_eq!(vm.call(&m, "f", &[Value::Array(a)]).unwrap(), Value::Float(32.0));
    /// ```
    pub fn array_from_ndarray<S, D>(
        &mut self,
        a: ArrayBase<S, D>,
        class: ClassId,
    ) -> Result<ArrayRef, Error>
    where
        S: Data,
        S::Elem: Element,
        D: Dimension + 'static,
    {
        let mut a = a.into_owned();
        let data = a.as_mut_ptr();
        let (shape, strides) = byte_layout::<S::Elem>(a.shape(), a.strides())?;
        // SAFETY: `data` and the strides, taken after `into_owned` (which
        // may have copied), describe the owned array's elements; its buffer
        // is a heap allocation that moving the array into `keep` does not
        // move, and that lives, used by nothing else, until `keep` drops.
        unsafe {
            self.array_from_raw(
                data as *mut u8,
                <S::Elem as Element>::DTYPE,
                &shape,
                &strides,
                class,
                Box::new(a),
            )
        }
    }

    /// A mutable ndarray view handed to scripts without copying: the Kiln
    /// array borrows the view's memory, and scripts' writes land in it.
    ///
    /// An error for more than 8 dimensions or a class this VM does not know.
    ///
    /// # Safety
    /// Every reference to the returned array is dropped before the view's
    /// borrow ends: the handle, its clones, and whatever a script made
    /// from it and the host or a script still holds (a slice returned from
    /// the call is a reference too). Kiln cannot check this; when in doubt,
    /// [`Vm::array_from_ndarray`] copies the view safely.
    ///
    /// ```
    /// use kiln::{Value, Vm, NDARRAY};
    /// use ndarray::Array2;
    /// let mut vm = Vm::new(kiln::Config::default());
    /// let m = vm.load("t.py", "def fill(a):\n    a[:, 1] = 7\n").unwrap();
    /// let mut x = Array2::<i32>::zeros((2, 3));
    /// // SAFETY: `a` is moved into the call, which returns None, so no
    /// // reference to it outlives the statement.
    /// let a = unsafe { vm.array_from_view_mut(x.view_mut(), NDARRAY) }.unwrap();
    /// vm.call(&m, "fill", &[Value::Array(a)]).unwrap();
    /// assert_eq!(x, ndarray::array![[0, 7, 0], [0, 7, 0]]);
    /// ```
    pub unsafe fn array_from_view_mut<T, D>(
        &mut self,
        mut v: ArrayViewMut<'_, T, D>,
        class: ClassId,
    ) -> Result<ArrayRef, Error>
    where
        T: Element,
        D: Dimension,
    {
        let data = v.as_mut_ptr();
        let (shape, strides) = byte_layout::<T>(v.shape(), v.strides())?;
        // SAFETY: the view's elements are valid, aligned and unaliased for
        // its borrow, which the caller promises outlasts every reference
        // to the array.
        unsafe {
            self.array_from_raw(
                data as *mut u8,
                T::DTYPE,
                &shape,
                &strides,
                class,
                Box::new(()),
            )
        }
    }
}

/// ndarray's shape and element strides as Kiln's shape and byte strides.
fn byte_layout<T: Element>(
    shape: &[usize],
    strides: &[isize],
) -> Result<(Vec<usize>, Vec<isize>), Error> {
    let size = T::DTYPE.itemsize() as isize;
    let bytes = strides
        .iter()
        .map(|&s| s.checked_mul(size))
        .collect::<Option<Vec<isize>>>()
        .ok_or_else(|| Error::Call("a stride in bytes overflows".into()))?;
    Ok((shape.to_vec(), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, NDARRAY};

    fn parts(shape: &[usize], strides: &[usize]) -> Parts {
        Parts {
            low: std::ptr::null_mut(),
            shape: shape.to_vec(),
            strides: strides.to_vec(),
            flip: Vec::new(),
        }
    }

    #[test]
    fn overlap_is_seen() {
        assert!(no_self_overlap(&parts(&[3, 4], &[4, 1])).is_ok());
        assert!(no_self_overlap(&parts(&[3, 4], &[1, 3])).is_ok());
        assert!(no_self_overlap(&parts(&[3, 4], &[0, 1])).is_err());
        assert!(no_self_overlap(&parts(&[3, 4], &[2, 1])).is_err());
        // Length-1 and empty axes reach nothing twice.
        assert!(no_self_overlap(&parts(&[1, 4], &[0, 1])).is_ok());
        assert!(no_self_overlap(&parts(&[0, 4], &[0, 0])).is_ok());
        assert!(no_self_overlap(&parts(&[], &[])).is_ok());
    }

    #[test]
    fn bad_bools_are_refused() {
        let mut vm = Vm::new(Config::default());
        let mut buf = vec![0u8, 1, 2];
        // SAFETY: `buf` outlives `a` and is used only through it meanwhile.
        let mut a = unsafe {
            vm.array_from_raw(
                buf.as_mut_ptr(),
                DType::Bool,
                &[3],
                &[1],
                NDARRAY,
                Box::new(()),
            )
        }
        .unwrap();
        assert!(a.view::<bool>().is_err());
        assert!(a.to_ndarray::<bool>().is_err());
        drop(a);
        buf[2] = 1;
    }
}
