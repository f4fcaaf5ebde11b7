//! Array values: a reference-counted header (shape, strides, dtype, class)
//! pointing into a [`MemInfo`] block that views share.
//!
//! A register of array type holds a `*mut Array` (or null). The header is
//! owned by its references (`refct`); the header owns one reference to its
//! MemInfo. Views are new headers on the same MemInfo.

use typer::DType;

use crate::classmethods::ClassTable;
use crate::meminfo::{self, MemInfo};

/// Most dimensions an array may have.
pub const MAX_NDIM: usize = typer::types::MAX_NDIM;

/// Alignment of array data, as in Numba.
pub const ALIGN: usize = 32;

#[repr(C)]
pub struct Array {
    pub refct: usize,
    pub meminfo: *mut MemInfo,
    pub data: *mut u8,
    pub dtype: DType,
    pub ndim: u8,
    pub class: u32,
    pub shape: [usize; MAX_NDIM],
    /// In bytes.
    pub strides: [isize; MAX_NDIM],
}

/// A Python exception raised by the runtime: (type name, message).
pub type Raised = (&'static str, String);

impl Array {
    pub fn shape(&self) -> &[usize] {
        &self.shape[..self.ndim as usize]
    }
    pub fn strides(&self) -> &[isize] {
        &self.strides[..self.ndim as usize]
    }
    pub fn size(&self) -> usize {
        self.shape().iter().product()
    }
    pub fn itemsize(&self) -> usize {
        self.dtype.itemsize()
    }
    /// Is the array C-contiguous (row-major, no gaps)?
    pub fn is_c_contiguous(&self) -> bool {
        let mut expect = self.itemsize() as isize;
        for d in (0..self.ndim as usize).rev() {
            if self.shape[d] != 1 && self.strides[d] != expect {
                return false;
            }
            expect *= self.shape[d] as isize;
        }
        true
    }
    /// May the two arrays share memory? The same block, or (for arrays
    /// over host memory, which a host may pass twice as separate blocks)
    /// byte ranges that intersect.
    pub fn shares_memory(&self, other: &Array) -> bool {
        if self.meminfo == other.meminfo {
            return true;
        }
        let range = |a: &Array| {
            let (lo, hi) = span(a.shape(), a.strides(), a.itemsize());
            let p = a.data as usize;
            (p.wrapping_sub(lo), p.wrapping_add(hi))
        };
        let ((a0, a1), (b0, b1)) = (range(self), range(other));
        a0 < a1 && b0 < b1 && a0 < b1 && b0 < a1
    }
}

/// C-order strides of a shape for an item size.
pub fn c_strides(shape: &[usize], itemsize: usize) -> [isize; MAX_NDIM] {
    let mut s = [0isize; MAX_NDIM];
    let mut acc = itemsize as isize;
    for d in (0..shape.len()).rev() {
        s[d] = acc;
        acc = acc.wrapping_mul(shape[d].max(1) as isize);
    }
    s
}

/// `(3,)` / `(2, 3)` as NumPy prints shapes in messages.
pub fn shape_str(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// A new C-contiguous header on a MemInfo (whose reference it takes over).
fn header(
    mi: *mut MemInfo,
    data: *mut u8,
    dtype: DType,
    shape: &[usize],
    class: u32,
) -> *mut Array {
    let mut shp = [0usize; MAX_NDIM];
    shp[..shape.len()].copy_from_slice(shape);
    Box::into_raw(Box::new(Array {
        refct: 1,
        meminfo: mi,
        data,
        dtype,
        ndim: shape.len() as u8,
        class,
        shape: shp,
        strides: c_strides(shape, dtype.itemsize()),
    }))
}

/// Allocates a new C-contiguous array through its class's `_allocate`.
/// Data is uninitialised unless `zero`.
pub fn new_array(
    table: &ClassTable,
    class: u32,
    dtype: DType,
    shape: &[usize],
    zero: bool,
) -> Result<*mut Array, Raised> {
    if shape.len() > MAX_NDIM {
        return Err((
            "ValueError",
            format!(
                "maximum supported dimension for an ndarray is {MAX_NDIM}, found {}",
                shape.len()
            ),
        ));
    }
    let too_big = || {
        (
            "ValueError",
            "array is too big; `arr.size * arr.dtype.itemsize` is larger than the maximum possible size.".to_string(),
        )
    };
    let mut nitems: usize = 1;
    for &d in shape {
        nitems = nitems.checked_mul(d).ok_or_else(too_big)?;
    }
    let size = nitems
        .checked_mul(dtype.itemsize())
        .filter(|&s| s <= isize::MAX as usize / 2)
        .ok_or_else(too_big)?;
    let mi = table.allocate(class, dtype, shape.len(), size, ALIGN)?;
    // SAFETY: `alloc` returned a live block with `size` data bytes.
    let data = unsafe { (*mi).data };
    if zero {
        // SAFETY: the data area has `size` writable bytes.
        unsafe { data.write_bytes(0, size) };
    }
    Ok(header(mi, data, dtype, shape, class))
}

/// An array over host memory (no copy): `data` stays valid while `keep`
/// lives, and `keep` lives until the last reference to the array goes.
pub fn from_host(
    data: *mut u8,
    dtype: DType,
    shape: &[usize],
    class: u32,
    keep: Box<dyn std::any::Any>,
) -> *mut Array {
    let size = shape.iter().product::<usize>() * dtype.itemsize();
    let mi = meminfo::host_block(data, size, keep);
    header(mi, data, dtype, shape, class)
}

/// [`from_host`] with any strides (in bytes, negative allowed): `data` is
/// the first element, and the block records the span of bytes the strides
/// reach, `lo` bytes before `data` and `hi` after it.
///
/// # Safety
/// Every offset `shape` and `strides` reach from `data` is inside memory
/// that stays valid while `keep` lives; `shape.len() <= MAX_NDIM` and
/// `strides.len() == shape.len()`.
pub unsafe fn from_host_strided(
    data: *mut u8,
    dtype: DType,
    shape: &[usize],
    strides: &[isize],
    class: u32,
    keep: Box<dyn std::any::Any>,
) -> *mut Array {
    let (lo, hi) = span(shape, strides, dtype.itemsize());
    // SAFETY: `lo` bytes before `data` are part of the host memory (the
    // contract: the lowest offset the strides reach).
    let base = unsafe { data.sub(lo) };
    let mi = meminfo::host_block(base, lo + hi, keep);
    let a = header(mi, data, dtype, shape, class);
    // SAFETY: `header` returned a new, unshared header.
    unsafe { (&mut (*a).strides)[..strides.len()].copy_from_slice(strides) };
    a
}

/// Bytes an array reaches before its first element and from it on
/// (including the last element's bytes); `(0, 0)` when it is empty.
pub fn span(shape: &[usize], strides: &[isize], itemsize: usize) -> (usize, usize) {
    if shape.contains(&0) {
        return (0, 0);
    }
    let (mut lo, mut hi) = (0usize, itemsize);
    for (&n, &s) in shape.iter().zip(strides) {
        let reach = (n - 1).saturating_mul(s.unsigned_abs());
        if s < 0 {
            lo = lo.saturating_add(reach);
        } else {
            hi = hi.saturating_add(reach);
        }
    }
    (lo, hi)
}

/// A new header viewing `base`'s memory.
///
/// # Safety
/// `base` is live; `data`, `shape` and `strides` stay inside its block.
pub unsafe fn view(
    base: *const Array,
    data: *mut u8,
    shape: &[usize],
    strides: &[isize],
) -> *mut Array {
    // SAFETY: `base` is live (the contract).
    let b = unsafe { &*base };
    // SAFETY: a live header holds a reference to its live MemInfo; the
    // view takes one more.
    unsafe { meminfo::incref(b.meminfo) };
    let mut shp = [0usize; MAX_NDIM];
    let mut st = [0isize; MAX_NDIM];
    shp[..shape.len()].copy_from_slice(shape);
    st[..strides.len()].copy_from_slice(strides);
    Box::into_raw(Box::new(Array {
        refct: 1,
        meminfo: b.meminfo,
        data,
        dtype: b.dtype,
        ndim: shape.len() as u8,
        class: b.class,
        shape: shp,
        strides: st,
    }))
}

/// Adds a reference to a header (null is allowed and ignored).
///
/// # Safety
/// `a` is null or a live header.
pub unsafe fn retain(a: *mut Array) {
    if !a.is_null() {
        // SAFETY: a live header (the contract); no reference to it is held
        // across this write.
        unsafe { (*a).refct += 1 };
    }
}

/// Drops a reference to a header (null is allowed and ignored); the last
/// one frees the header and releases its memory block.
///
/// # Safety
/// `a` is null or a live header the caller holds a reference to.
pub unsafe fn release(a: *mut Array) {
    if a.is_null() {
        return;
    }
    // SAFETY: a live header (the contract), whose caller gives up one
    // reference; at zero no other exists, and the header was boxed by
    // `header` or `view`, so it is unboxed once, releasing its MemInfo
    // reference.
    unsafe {
        (*a).refct -= 1;
        if (*a).refct == 0 {
            let b = Box::from_raw(a);
            meminfo::decref(b.meminfo);
        }
    }
}

/// The address of element `idx` (one index per axis, negatives counting
/// from the end) of the array behind register bits `p`, bounds-checked with
/// NumPy's message.
///
/// # Safety
/// `p` is null or a live header.
pub unsafe fn elem_ptr(p: u64, idx: &[i64]) -> Result<(*mut u8, DType), Raised> {
    let a = p as *const Array;
    if a.is_null() {
        return Err((
            "UnboundLocalError",
            "an array variable was used before it was assigned".into(),
        ));
    }
    // SAFETY: non-null, so a live header (the contract).
    let a = unsafe { &*a };
    let mut ptr = a.data;
    for (axis, &i) in idx.iter().enumerate() {
        let n = a.shape[axis] as i64;
        let j = if i < 0 { i + n } else { i };
        if !(0..n).contains(&j) {
            return Err((
                "IndexError",
                format!("index {i} is out of bounds for axis {axis} with size {n}"),
            ));
        }
        ptr = ptr.wrapping_offset(j as isize * a.strides[axis]);
    }
    Ok((ptr, a.dtype))
}

/// The address of element `i` of a 1-D array (negative `i` counting from
/// the end), or `None` when `a` is null or `i` is out of bounds
/// ([`index_error`] says which). The interpreter's element fast path.
///
/// # Safety
/// `a` is null or a live header.
#[inline(always)]
pub unsafe fn elem1(a: *const Array, i: i64) -> Option<*mut u8> {
    if a.is_null() {
        return None;
    }
    // SAFETY: non-null, so a live header (the contract).
    let a = unsafe { &*a };
    let j = axis_index(i, a.shape[0])?;
    Some(a.data.wrapping_offset(j * a.strides[0]))
}

/// As [`elem1`] for element `[i, k]` of a 2-D array.
///
/// # Safety
/// `a` is null or a live header.
#[inline(always)]
pub unsafe fn elem2(a: *const Array, i: i64, k: i64) -> Option<*mut u8> {
    if a.is_null() {
        return None;
    }
    // SAFETY: non-null, so a live header (the contract).
    let a = unsafe { &*a };
    let j = axis_index(i, a.shape[0])?;
    let l = axis_index(k, a.shape[1])?;
    Some(
        a.data
            .wrapping_offset(j * a.strides[0])
            .wrapping_offset(l * a.strides[1]),
    )
}

/// `i` (negatives counting from the end) as an index into an axis of `n`.
#[inline(always)]
fn axis_index(i: i64, n: usize) -> Option<isize> {
    let j = if i < 0 { i.wrapping_add(n as i64) } else { i };
    // One unsigned compare: a still-negative j is huge.
    ((j as u64) < n as u64).then_some(j as isize)
}

/// The exception for an element access that [`elem1`] or [`elem2`] refused.
///
/// # Safety
/// `a` is null or a live header.
#[cold]
#[inline(never)]
pub unsafe fn index_error(a: *const Array, idx: &[i64]) -> Raised {
    // SAFETY: `a` is null or a live header (the contract).
    match unsafe { elem_ptr(a as u64, idx) } {
        Err(e) => e,
        Ok(_) => (
            "SystemError",
            "element access refused an index in bounds".into(),
        ),
    }
}

/// NumPy's sort order of two values of one dtype: numbers ascending, NaN
/// after every number.
pub fn sort_order(a: &Val, b: &Val) -> std::cmp::Ordering {
    match (a, b) {
        (Val::F(x), Val::F(y)) => match (x.is_nan(), y.is_nan()) {
            (false, false) => x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal),
            (a, b) => a.cmp(&b),
        },
        (Val::U(x), Val::U(y)) => x.cmp(y),
        (x, y) => x.as_i64().cmp(&y.as_i64()),
    }
}

/// An element value as loops compute with it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val {
    I(i64),
    U(u64),
    F(f64),
}

impl Val {
    pub fn as_f64(self) -> f64 {
        match self {
            Val::I(v) => v as f64,
            Val::U(v) => v as f64,
            Val::F(v) => v,
        }
    }
    pub fn as_i64(self) -> i64 {
        match self {
            Val::I(v) => v,
            Val::U(v) => v as i64,
            // NumPy's float → int cast truncates; out-of-range is undefined
            // there, saturating here.
            Val::F(v) => v as i64,
        }
    }
    pub fn as_u64(self) -> u64 {
        match self {
            Val::I(v) => v as u64,
            Val::U(v) => v,
            Val::F(v) => {
                if v < 0.0 {
                    (v as i64) as u64
                } else {
                    v as u64
                }
            }
        }
    }
    pub fn truthy(self) -> bool {
        match self {
            Val::I(v) => v != 0,
            Val::U(v) => v != 0,
            Val::F(v) => v != 0.0,
        }
    }
    /// Converts to the computation kind of `dt`: a value computed with in
    /// a float32 loop is a float32 (a Python float meeting float32 is cast
    /// to it first, NEP 50).
    pub fn to(self, dt: DType) -> Val {
        if dt == DType::F32 {
            Val::F(self.as_f64() as f32 as f64)
        } else if dt.is_float() {
            Val::F(self.as_f64())
        } else if dt.is_unsigned() {
            Val::U(self.as_u64())
        } else if dt == DType::Bool {
            Val::I(self.truthy() as i64)
        } else {
            Val::I(self.as_i64())
        }
    }
    /// The register bits of a scalar of dtype `dt` (int64 or float64 bits).
    pub fn to_bits(self, dt: DType) -> u64 {
        match self.to(dt) {
            Val::F(v) => {
                if dt == DType::F32 {
                    (v as f32 as f64).to_bits()
                } else {
                    v.to_bits()
                }
            }
            Val::I(v) => wrap(v, dt) as u64,
            Val::U(v) => wrap(v as i64, dt) as u64,
        }
    }
    pub fn from_bits(bits: u64, dt: DType) -> Val {
        if dt.is_float() {
            Val::F(f64::from_bits(bits))
        } else if dt.is_unsigned() {
            Val::U(bits)
        } else {
            Val::I(bits as i64)
        }
    }
}

/// Truncates an int64 to the width of `dt` and extends it back (sign or
/// zero), as storing and reloading it would.
pub fn wrap(v: i64, dt: DType) -> i64 {
    match dt {
        DType::Bool => (v != 0) as i64,
        DType::I8 => v as i8 as i64,
        DType::I16 => v as i16 as i64,
        DType::I32 => v as i32 as i64,
        DType::U8 => v as u8 as i64,
        DType::U16 => v as u16 as i64,
        DType::U32 => v as u32 as i64,
        _ => v,
    }
}

/// Reads the element at `p`.
///
/// # Safety
/// `p` points at a readable element of dtype `dt`.
pub unsafe fn load(dt: DType, p: *const u8) -> Val {
    // SAFETY: `p` is a readable element of `dt` (the contract); wider
    // elements are read unaligned (host arrays need not be aligned).
    unsafe {
        match dt {
            DType::Bool => Val::I((p.read() != 0) as i64),
            DType::I8 => Val::I((p as *const i8).read() as i64),
            DType::I16 => Val::I((p as *const i16).read_unaligned() as i64),
            DType::I32 => Val::I((p as *const i32).read_unaligned() as i64),
            DType::I64 => Val::I((p as *const i64).read_unaligned()),
            DType::U8 => Val::U(p.read() as u64),
            DType::U16 => Val::U((p as *const u16).read_unaligned() as u64),
            DType::U32 => Val::U((p as *const u32).read_unaligned() as u64),
            DType::U64 => Val::U((p as *const u64).read_unaligned()),
            DType::F32 => Val::F((p as *const f32).read_unaligned() as f64),
            DType::F64 => Val::F((p as *const f64).read_unaligned()),
        }
    }
}

/// Writes `v` converted to `dt` at `p` (NumPy's unsafe casting: truncation
/// toward zero from floats, wrapping between integers).
///
/// # Safety
/// `p` points at a writable element of dtype `dt`.
pub unsafe fn store(dt: DType, p: *mut u8, v: Val) {
    // SAFETY: `p` is a writable element of `dt` (the contract); wider
    // elements are written unaligned.
    unsafe {
        match dt {
            DType::Bool => p.write(v.truthy() as u8),
            DType::I8 => (p as *mut i8).write(v.as_i64() as i8),
            DType::I16 => (p as *mut i16).write_unaligned(v.as_i64() as i16),
            DType::I32 => (p as *mut i32).write_unaligned(v.as_i64() as i32),
            DType::I64 => (p as *mut i64).write_unaligned(v.as_i64()),
            DType::U8 => p.write(v.as_u64() as u8),
            DType::U16 => (p as *mut u16).write_unaligned(v.as_u64() as u16),
            DType::U32 => (p as *mut u32).write_unaligned(v.as_u64() as u32),
            DType::U64 => (p as *mut u64).write_unaligned(v.as_u64()),
            DType::F32 => (p as *mut f32).write_unaligned(v.as_f64() as f32),
            DType::F64 => (p as *mut f64).write_unaligned(v.as_f64()),
        }
    }
}

/// Visits every multi-index of `shape` in C order, with the byte offset of
/// that element in each of several operands (per-operand strides).
pub fn for_each_offset<const N: usize>(
    shape: &[usize],
    strides: [&[isize]; N],
    mut f: impl FnMut(usize, [isize; N]),
) {
    let total: usize = shape.iter().product();
    if total == 0 {
        return;
    }
    let nd = shape.len();
    let mut idx = [0usize; MAX_NDIM];
    let mut off = [0isize; N];
    for k in 0..total {
        f(k, off);
        // Odometer step: bump the last axis, carrying into earlier ones.
        let mut d = nd;
        while d > 0 {
            d -= 1;
            idx[d] += 1;
            for (o, s) in off.iter_mut().zip(strides.iter()) {
                *o += s[d];
            }
            if idx[d] < shape[d] {
                break;
            }
            for (o, s) in off.iter_mut().zip(strides.iter()) {
                *o -= s[d] * shape[d] as isize;
            }
            idx[d] = 0;
        }
    }
}

/// The broadcast shape of several shapes, or NumPy's error.
pub fn broadcast(shapes: &[&[usize]]) -> Result<Vec<usize>, Raised> {
    let nd = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1usize; nd];
    for s in shapes {
        for (i, &d) in s.iter().enumerate() {
            let o = &mut out[nd - s.len() + i];
            if *o == 1 {
                *o = d;
            } else if d != 1 && d != *o {
                let all: Vec<String> = shapes.iter().map(|s| shape_str(s)).collect();
                return Err((
                    "ValueError",
                    format!(
                        "operands could not be broadcast together with shapes {}",
                        all.join(" ")
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// Strides that read an array of `shape`/`strides` as if it had the
/// (broadcast) shape `to`: 0 along stretched or missing axes.
pub fn broadcast_strides(shape: &[usize], strides: &[isize], to: &[usize]) -> [isize; MAX_NDIM] {
    let mut out = [0isize; MAX_NDIM];
    let off = to.len() - shape.len();
    for i in 0..shape.len() {
        out[off + i] = if shape[i] == 1 { 0 } else { strides[i] };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting() {
        assert_eq!(broadcast(&[&[3, 1], &[4]]).unwrap(), vec![3, 4]);
        let e = broadcast(&[&[3], &[4]]).unwrap_err();
        assert_eq!(
            e.1,
            "operands could not be broadcast together with shapes (3,) (4,)"
        );
    }

    #[test]
    fn offsets_in_c_order() {
        let mut seen = Vec::new();
        for_each_offset(&[2, 3], [&[24, 8]], |k, [o]| seen.push((k, o)));
        assert_eq!(
            seen,
            vec![(0, 0), (1, 8), (2, 16), (3, 24), (4, 32), (5, 40)]
        );
    }

    #[test]
    fn arrays_free_their_memory_once() {
        let t = ClassTable::new(typer::classes::Classes::shared());
        let a = t.allocators()[0].clone();
        let x = new_array(&t, 0, DType::F64, &[2, 3], true).unwrap();
        // SAFETY: a live array of 6 elements; the view (every other
        // element) stays inside it; each reference is released once.
        unsafe {
            assert!((*x).is_c_contiguous());
            let v = view(x, (*x).data, &[3], &[16]);
            release(x);
            assert_eq!(a.stats().frees, 0);
            release(v);
        }
        assert_eq!(a.stats().frees, 1);
    }

    /// An array class whose `_allocate` over-aligns its blocks (to 128, not
    /// the 32 it is asked for): they are freed with the size they had.
    #[test]
    fn arrays_from_an_over_aligning_allocate_free_what_they_took() {
        use crate::classmethods::{AllocRequest, Classmethod};
        use std::ffi::c_void;
        unsafe extern "C" fn allocate128(
            size: usize,
            _align: u32,
            _req: *const AllocRequest,
            user: *mut c_void,
        ) -> *mut MemInfo {
            // SAFETY: `user` is the test's live allocator.
            let a = unsafe { &*(user as *const std::rc::Rc<meminfo::Allocator>) };
            meminfo::alloc(a, size, 128).unwrap_or(std::ptr::null_mut())
        }
        let mut t = ClassTable::new(typer::classes::Classes::shared());
        let a = meminfo::Allocator::system();
        // SAFETY: `allocate128` returns blocks from `meminfo::alloc` at
        // alignment 128, and `a` outlives every array made here.
        let native = unsafe {
            crate::classmethods::NativeAllocator::new(allocate128, &a as *const _ as *mut c_void)
        };
        t.set(0, "_allocate", Classmethod::Native(native)).unwrap();
        for n in [0, 3, 1000, 40_000] {
            let x = new_array(&t, 0, DType::F64, &[n], true).unwrap();
            // SAFETY: a fresh array whose only reference is dropped.
            unsafe {
                assert_eq!((*x).data as usize % 128, 0);
                release(x);
            }
        }
        let s = a.stats();
        assert_eq!((s.allocs, s.frees), (4, 4));
        assert_eq!(s.bytes_allocated, s.bytes_freed);
    }

    #[test]
    fn values_wrap_like_numpy() {
        assert_eq!(wrap(300, DType::U8), 44);
        assert_eq!(wrap(200, DType::I8), -56);
        assert_eq!(Val::F(-1.7).to(DType::I64), Val::I(-1));
    }
}
