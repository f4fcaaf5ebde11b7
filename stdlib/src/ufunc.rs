//! Typed inner loops of the common ufuncs, in NumPy's loop shape: `n`
//! elements, each operand a pointer and a byte stride. A loop checks its
//! strides once and runs a contiguous path the compiler vectorises, a path
//! for a broadcast scalar operand (stride 0), or the general strided path.
//!
//! The runtime calls these for operands that already have the loop's dtype;
//! everything else takes its generic (converting) path.

use typer::tir::Ufunc;
use typer::DType;

/// A binary inner loop. The output either does not overlap the inputs or
/// is exactly one (or both) of them, with the same stride (`a += b`,
/// `np.add(a, a, out=a)`): every element is read before it is written.
pub type Loop2 = unsafe extern "C" fn(
    n: usize,
    a: *const u8,
    sa: isize,
    b: *const u8,
    sb: isize,
    out: *mut u8,
    so: isize,
);
/// Two binary loops in one, the first's result the second's first
/// operand: `out[i] = g(f(a[i], b[i]), c[i])`, with no intermediate array.
/// The output overlaps no input.
pub type Loop3 = unsafe extern "C" fn(
    n: usize,
    a: *const u8,
    sa: isize,
    b: *const u8,
    sb: isize,
    c: *const u8,
    sc: isize,
    out: *mut u8,
    so: isize,
);
/// A unary inner loop; the output may be the input, as for [`Loop2`].
pub type Loop1 = unsafe extern "C" fn(n: usize, a: *const u8, sa: isize, out: *mut u8, so: isize);

/// Elements a contiguous loop whose output is one of its inputs computes
/// into a buffer before it writes them back: enough for the compiler to
/// vectorise, small enough to stay in L1.
const CHUNK: usize = 64;

/// The second operand of a contiguous binary loop.
#[derive(Clone, Copy)]
enum Rhs<T> {
    /// `n` contiguous elements.
    Arr(*const T),
    /// One value for every element (a broadcast scalar, stride 0).
    Val(T),
}

/// `out[i] = f(a[i], b[i])` over contiguous aligned operands.
///
/// # Safety
/// `a`, an `Rhs::Arr` and `out` point at `n` aligned elements each; `out`
/// is `a` or `b`, or overlaps neither.
#[inline(always)]
unsafe fn contiguous2<T: Copy, O: Copy>(
    n: usize,
    a: *const T,
    b: Rhs<T>,
    out: *mut O,
    f: impl Fn(T, T) -> O,
) {
    let in_place =
        std::ptr::addr_eq(out, a) || matches!(b, Rhs::Arr(p) if std::ptr::addr_eq(p, out));
    if !in_place {
        // SAFETY: per the contract, n elements each, and the output
        // overlaps neither input, so the mutable slice aliases nothing.
        let (x, o) = unsafe {
            (
                std::slice::from_raw_parts(a, n),
                std::slice::from_raw_parts_mut(out, n),
            )
        };
        match b {
            Rhs::Arr(p) => {
                // SAFETY: as for `x`.
                let y = unsafe { std::slice::from_raw_parts(p, n) };
                for ((o, &x), &y) in o.iter_mut().zip(x).zip(y) {
                    *o = f(x, y);
                }
            }
            Rhs::Val(v) => {
                for (o, &x) in o.iter_mut().zip(x) {
                    *o = f(x, v);
                }
            }
        }
        return;
    }
    if std::mem::size_of::<T>() == std::mem::size_of::<O>() {
        // In place on elements of one size: one mutable slice over the
        // output, each element read before it is written (no copy).
        // SAFETY: O and T have the same size; every caller's O is a plain
        // number type, any of whose bit patterns is a valid T.
        let put = |r: O| unsafe { std::mem::transmute_copy::<O, T>(&r) };
        // SAFETY: the output is `a` or `b` (or both): n elements of T's
        // size; an operand that is not the output overlaps it nowhere.
        let o = unsafe { std::slice::from_raw_parts_mut(out.cast::<T>(), n) };
        match b {
            Rhs::Val(v) => o.iter_mut().for_each(|o| *o = put(f(*o, v))),
            Rhs::Arr(p) if std::ptr::addr_eq(p, a) => {
                o.iter_mut().for_each(|o| *o = put(f(*o, *o)))
            }
            Rhs::Arr(p) if std::ptr::addr_eq(out, a) => {
                // SAFETY: as above, `p` is not the output.
                let y = unsafe { std::slice::from_raw_parts(p, n) };
                for (o, &y) in o.iter_mut().zip(y) {
                    *o = put(f(*o, y));
                }
            }
            Rhs::Arr(_) => {
                // SAFETY: as above, `a` is not the output.
                let x = unsafe { std::slice::from_raw_parts(a, n) };
                for (o, &x) in o.iter_mut().zip(x) {
                    *o = put(f(x, *o));
                }
            }
        }
        return;
    }
    // In place: each chunk of results goes to a buffer while the inputs are
    // borrowed, then over the output once those borrows have ended.
    let mut r = [std::mem::MaybeUninit::<O>::uninit(); CHUNK];
    let mut i = 0;
    while i < n {
        let m = CHUNK.min(n - i);
        let r = &mut r[..m];
        // SAFETY: elements i..i + m of each input (n elements each).
        let x = unsafe { std::slice::from_raw_parts(a.add(i), m) };
        match b {
            Rhs::Arr(p) => {
                // SAFETY: as for `x`.
                let y = unsafe { std::slice::from_raw_parts(p.add(i), m) };
                for ((r, &x), &y) in r.iter_mut().zip(x).zip(y) {
                    r.write(f(x, y));
                }
            }
            Rhs::Val(v) => {
                for (r, &x) in r.iter_mut().zip(x) {
                    r.write(f(x, v));
                }
            }
        }
        // SAFETY: elements i..i + m of the output; `x` and `y` are no longer
        // used, and the buffer is a local whose first m elements were just
        // written.
        unsafe { std::ptr::copy_nonoverlapping(r.as_ptr().cast::<O>(), out.add(i), m) };
        i += m;
    }
}

/// `out[i] = f(a[i], b[i], c[i])` over contiguous aligned operands.
///
/// # Safety
/// `a`, an `Rhs::Arr` and `out` point at `n` aligned elements each; `out`
/// overlaps no input.
#[inline(always)]
unsafe fn contiguous3<T: Copy>(
    n: usize,
    a: *const T,
    b: Rhs<T>,
    c: Rhs<T>,
    out: *mut T,
    f: impl Fn(T, T, T) -> T,
) {
    let arr = |r: Rhs<T>| match r {
        // SAFETY: n elements, per the contract, only read.
        Rhs::Arr(p) => Some(unsafe { std::slice::from_raw_parts(p, n) }),
        Rhs::Val(_) => None,
    };
    let val = |r: Rhs<T>| match r {
        Rhs::Val(v) => Some(v),
        Rhs::Arr(_) => None,
    };
    // SAFETY: n elements each; the output overlaps no input (the contract),
    // so the mutable slice aliases nothing.
    let (x, o) = unsafe {
        (
            std::slice::from_raw_parts(a, n),
            std::slice::from_raw_parts_mut(out, n),
        )
    };
    match (arr(b), arr(c), val(b), val(c)) {
        (Some(y), Some(z), _, _) => {
            for (((o, &x), &y), &z) in o.iter_mut().zip(x).zip(y).zip(z) {
                *o = f(x, y, z);
            }
        }
        (Some(y), None, _, Some(w)) => {
            for ((o, &x), &y) in o.iter_mut().zip(x).zip(y) {
                *o = f(x, y, w);
            }
        }
        (None, Some(z), Some(v), _) => {
            for ((o, &x), &z) in o.iter_mut().zip(x).zip(z) {
                *o = f(x, v, z);
            }
        }
        (_, _, Some(v), Some(w)) => {
            for (o, &x) in o.iter_mut().zip(x) {
                *o = f(x, v, w);
            }
        }
        _ => unreachable!("an operand is an array or a value"),
    }
}

/// `out[i] = f(a[i])` over contiguous aligned operands.
///
/// # Safety
/// `a` and `out` point at `n` aligned elements each; `out` is `a` or does
/// not overlap it.
#[inline(always)]
unsafe fn contiguous1<T: Copy>(n: usize, a: *const T, out: *mut T, f: impl Fn(T) -> T) {
    if std::ptr::addr_eq(out, a) {
        // SAFETY: n elements, and the output is the input: the one mutable
        // slice is the only borrow.
        let o = unsafe { std::slice::from_raw_parts_mut(out, n) };
        for v in o.iter_mut() {
            *v = f(*v);
        }
    } else {
        // SAFETY: n elements each, and the output does not overlap the input.
        let (x, o) = unsafe {
            (
                std::slice::from_raw_parts(a, n),
                std::slice::from_raw_parts_mut(out, n),
            )
        };
        for (o, &x) in o.iter_mut().zip(x) {
            *o = f(x);
        }
    }
}

/// The widest vector instructions this CPU has (`vm::cpu`, detected once
/// per process): contiguous loops are compiled for each and the widest
/// runs, so one binary serves every x86-64 (SSE2 is its baseline). Only
/// wider registers: no fused multiply-add (not enabled) and no
/// reassociation (never done without fast-math), so results are the same
/// at every width.
#[cfg(target_arch = "x86_64")]
pub fn simd_level() -> u8 {
    vm::cpu::simd() as u8
}

/// Elements before every operand of an AVX-512 loop is at a 64-byte
/// boundary (a line), when they all get there at once: a 64-byte vector
/// that straddles two lines costs two accesses, on every vector of a loop
/// whose operands are all off by the same amount (an array NumPy
/// allocated), for which the head of at most 7 elements goes first,
/// element by element. `None` for operands that no head aligns together:
/// 32-byte vectors (AVX2) straddle half as often, and are the faster loop
/// then. No head for elements of two sizes (a comparison's bools).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn head<T, O>(n: usize, addrs: [usize; 3]) -> Option<usize> {
    let size = std::mem::size_of::<T>();
    if size != std::mem::size_of::<O>() {
        return Some(0);
    }
    let off = addrs[0] % 64;
    if addrs.iter().any(|a| a % 64 != off) {
        return None;
    }
    let gap = (64 - off) % 64;
    gap.is_multiple_of(size).then(|| (gap / size).min(n))
}

/// The address of an array operand.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn rhs_addr<T>(b: Rhs<T>) -> Option<usize> {
    match b {
        Rhs::Arr(p) => Some(p as usize),
        Rhs::Val(_) => None,
    }
}

/// Element `i` of an operand.
///
/// # Safety
/// `i` is below the operand's length.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn rhs_at<T: Copy>(b: Rhs<T>, i: usize) -> T {
    match b {
        // SAFETY: the caller's promise.
        Rhs::Arr(p) => unsafe { p.add(i).read() },
        Rhs::Val(v) => v,
    }
}

/// The operand from element `i` on.
///
/// # Safety
/// `i` is at most the operand's length.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn rhs_from<T: Copy>(b: Rhs<T>, i: usize) -> Rhs<T> {
    match b {
        // SAFETY: the caller's promise.
        Rhs::Arr(p) => Rhs::Arr(unsafe { p.add(i) }),
        Rhs::Val(v) => Rhs::Val(v),
    }
}

/// [`contiguous2`] compiled for AVX2.
///
/// # Safety
/// As [`contiguous2`]; the CPU has AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn contiguous2_avx2<T: Copy, O: Copy>(
    n: usize,
    a: *const T,
    b: Rhs<T>,
    out: *mut O,
    f: impl Fn(T, T) -> O,
) {
    // SAFETY: the caller's contract is contiguous2's.
    unsafe { contiguous2(n, a, b, out, f) }
}

/// [`contiguous2`] compiled for AVX-512.
///
/// # Safety
/// As [`contiguous2`]; the CPU has AVX-512 F, DQ, BW and VL.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl")]
unsafe fn contiguous2_avx512<T: Copy, O: Copy>(
    n: usize,
    a: *const T,
    b: Rhs<T>,
    out: *mut O,
    f: impl Fn(T, T) -> O,
) {
    // SAFETY: the caller's contract is contiguous2's.
    unsafe { contiguous2(n, a, b, out, f) }
}

/// [`contiguous2`] at the CPU's widest vector width (NEON is aarch64's
/// baseline: nothing to detect there).
///
/// # Safety
/// As [`contiguous2`].
#[inline(always)]
unsafe fn dispatch2<T: Copy, O: Copy>(
    n: usize,
    a: *const T,
    b: Rhs<T>,
    out: *mut O,
    f: impl Fn(T, T) -> O,
) {
    #[cfg(target_arch = "x86_64")]
    match simd_level() {
        3 => {
            let arrs = [a as usize, out as usize, rhs_addr(b).unwrap_or(a as usize)];
            match head::<T, O>(n, arrs) {
                Some(h) => {
                    for i in 0..h {
                        // SAFETY: i < h <= n elements of each operand, the
                        // inputs read before the output is written.
                        unsafe { out.add(i).write(f(a.add(i).read(), rhs_at(b, i))) };
                    }
                    // SAFETY: the contract, for the elements past the head;
                    // the CPU has the instructions (detected).
                    return unsafe {
                        contiguous2_avx512(n - h, a.add(h), rhs_from(b, h), out.add(h), f)
                    };
                }
                // SAFETY: as above.
                None => return unsafe { contiguous2_avx2(n, a, b, out, f) },
            }
        }
        // SAFETY: the contract, and the CPU has the instructions (detected).
        2 => return unsafe { contiguous2_avx2(n, a, b, out, f) },
        _ => {}
    }
    // SAFETY: the caller's contract is contiguous2's.
    unsafe { contiguous2(n, a, b, out, f) }
}

/// [`contiguous1`] compiled for AVX2.
///
/// # Safety
/// As [`contiguous1`]; the CPU has AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn contiguous1_avx2<T: Copy>(n: usize, a: *const T, out: *mut T, f: impl Fn(T) -> T) {
    // SAFETY: the caller's contract is contiguous1's.
    unsafe { contiguous1(n, a, out, f) }
}

/// [`contiguous1`] compiled for AVX-512.
///
/// # Safety
/// As [`contiguous1`]; the CPU has AVX-512 F, DQ, BW and VL.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl")]
unsafe fn contiguous1_avx512<T: Copy>(n: usize, a: *const T, out: *mut T, f: impl Fn(T) -> T) {
    // SAFETY: the caller's contract is contiguous1's.
    unsafe { contiguous1(n, a, out, f) }
}

/// [`contiguous1`] at the CPU's widest vector width.
///
/// # Safety
/// As [`contiguous1`].
#[inline(always)]
unsafe fn dispatch1<T: Copy>(n: usize, a: *const T, out: *mut T, f: impl Fn(T) -> T) {
    #[cfg(target_arch = "x86_64")]
    match simd_level() {
        3 => match head::<T, T>(n, [a as usize, out as usize, a as usize]) {
            Some(h) => {
                for i in 0..h {
                    // SAFETY: i < h <= n elements of each operand, the input
                    // read before the output is written.
                    unsafe { out.add(i).write(f(a.add(i).read())) };
                }
                // SAFETY: the contract, for the elements past the head; the
                // CPU has the instructions (detected).
                return unsafe { contiguous1_avx512(n - h, a.add(h), out.add(h), f) };
            }
            // SAFETY: as above.
            None => return unsafe { contiguous1_avx2(n, a, out, f) },
        },
        // SAFETY: the contract, and the CPU has the instructions (detected).
        2 => return unsafe { contiguous1_avx2(n, a, out, f) },
        _ => {}
    }
    // SAFETY: the caller's contract is contiguous1's.
    unsafe { contiguous1(n, a, out, f) }
}

/// [`contiguous3`] compiled for AVX2.
///
/// # Safety
/// As [`contiguous3`]; the CPU has AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn contiguous3_avx2<T: Copy>(
    n: usize,
    a: *const T,
    b: Rhs<T>,
    c: Rhs<T>,
    out: *mut T,
    f: impl Fn(T, T, T) -> T,
) {
    // SAFETY: the caller's contract is contiguous3's.
    unsafe { contiguous3(n, a, b, c, out, f) }
}

/// [`contiguous3`] compiled for AVX-512.
///
/// # Safety
/// As [`contiguous3`]; the CPU has AVX-512 F, DQ, BW and VL.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl")]
unsafe fn contiguous3_avx512<T: Copy>(
    n: usize,
    a: *const T,
    b: Rhs<T>,
    c: Rhs<T>,
    out: *mut T,
    f: impl Fn(T, T, T) -> T,
) {
    // SAFETY: the caller's contract is contiguous3's.
    unsafe { contiguous3(n, a, b, c, out, f) }
}

/// [`contiguous3`] at the CPU's widest vector width.
///
/// # Safety
/// As [`contiguous3`].
#[inline(always)]
unsafe fn dispatch3<T: Copy>(
    n: usize,
    a: *const T,
    b: Rhs<T>,
    c: Rhs<T>,
    out: *mut T,
    f: impl Fn(T, T, T) -> T,
) {
    #[cfg(target_arch = "x86_64")]
    match simd_level() {
        3 => {
            let arrs = [a as usize, out as usize, rhs_addr(b).unwrap_or(a as usize)];
            let same = rhs_addr(c).is_none_or(|p| p % 64 == a as usize % 64);
            match head::<T, T>(n, arrs).filter(|_| same) {
                Some(h) => {
                    for i in 0..h {
                        // SAFETY: i < h <= n elements of each operand, the
                        // inputs read before the output is written.
                        unsafe {
                            out.add(i)
                                .write(f(a.add(i).read(), rhs_at(b, i), rhs_at(c, i)))
                        };
                    }
                    // SAFETY: the contract, for the elements past the head;
                    // the CPU has the instructions (detected).
                    return unsafe {
                        contiguous3_avx512(
                            n - h,
                            a.add(h),
                            rhs_from(b, h),
                            rhs_from(c, h),
                            out.add(h),
                            f,
                        )
                    };
                }
                // SAFETY: as above.
                None => return unsafe { contiguous3_avx2(n, a, b, c, out, f) },
            }
        }
        // SAFETY: the contract, and the CPU has the instructions (detected).
        2 => return unsafe { contiguous3_avx2(n, a, b, c, out, f) },
        _ => {}
    }
    // SAFETY: the caller's contract is contiguous3's.
    unsafe { contiguous3(n, a, b, c, out, f) }
}

macro_rules! loop2 {
    ($name:ident, $t:ty, $o:ty, |$x:ident, $y:ident| $e:expr) => {
        /// # Safety
        /// Each operand has `n` elements at its pointer and stride, and the
        /// output is one of the inputs or overlaps neither (see [`Loop2`]).
        unsafe extern "C" fn $name(n: usize, a: *const u8, sa: isize, b: *const u8, sb: isize, out: *mut u8, so: isize) {
            let f = |$x: $t, $y: $t| -> $o { $e };
            let (ts, os) = (std::mem::size_of::<$t>() as isize, std::mem::size_of::<$o>() as isize);
            let aligned = (a as usize).is_multiple_of(std::mem::align_of::<$t>())
                && (b as usize).is_multiple_of(std::mem::align_of::<$t>())
                && (out as usize).is_multiple_of(std::mem::align_of::<$o>());
            let (a, b, out) = (a as *const $t, b as *const $t, out as *mut $o);
            if aligned && sa == ts && sb == ts && so == os {
                // SAFETY: contiguous aligned operands of n elements, the
                // output one of them or neither (the contract).
                unsafe { dispatch2(n, a, Rhs::Arr(b), out, f) }
            } else if aligned && sa == ts && sb == 0 && so == os {
                // SAFETY: as above; `b` is one aligned element, read before
                // anything is written.
                unsafe { dispatch2(n, a, Rhs::Val(b.read()), out, f) }
            } else {
                for i in 0..n as isize {
                    // SAFETY: element i of each operand, at its stride; both
                    // inputs are read before the output element is written.
                    unsafe {
                        let xv = a.cast::<u8>().offset(i * sa).cast::<$t>().read_unaligned();
                        let yv = b.cast::<u8>().offset(i * sb).cast::<$t>().read_unaligned();
                        out.cast::<u8>().offset(i * so).cast::<$o>().write_unaligned(f(xv, yv));
                    }
                }
            }
        }
    };
}

macro_rules! loop1 {
    ($name:ident, $t:ty, |$x:ident| $e:expr) => {
        /// # Safety
        /// Each operand has `n` elements at its pointer and stride, and the
        /// output is the input or does not overlap it (see [`Loop1`]).
        unsafe extern "C" fn $name(n: usize, a: *const u8, sa: isize, out: *mut u8, so: isize) {
            let f = |$x: $t| -> $t { $e };
            let ts = std::mem::size_of::<$t>() as isize;
            let aligned = (a as usize).is_multiple_of(std::mem::align_of::<$t>())
                && (out as usize).is_multiple_of(std::mem::align_of::<$t>());
            let (a, out) = (a as *const $t, out as *mut $t);
            if aligned && sa == ts && so == ts {
                // SAFETY: contiguous aligned operands of n elements, the
                // output the input or disjoint from it (the contract).
                unsafe { dispatch1(n, a, out, f) }
            } else {
                for i in 0..n as isize {
                    // SAFETY: element i of each operand, at its stride; the
                    // input is read before the output element is written.
                    unsafe {
                        let xv = a.cast::<u8>().offset(i * sa).cast::<$t>().read_unaligned();
                        out.cast::<u8>().offset(i * so).cast::<$t>().write_unaligned(f(xv));
                    }
                }
            }
        }
    };
}

macro_rules! loop3 {
    ($name:ident, $t:ty, |$x:ident, $y:ident| $e:expr, |$r:ident, $z:ident| $g:expr) => {
        /// # Safety
        /// Each operand has `n` elements at its pointer and stride, and the
        /// output overlaps no input (see [`Loop3`]).
        unsafe extern "C" fn $name(
            n: usize,
            a: *const u8,
            sa: isize,
            b: *const u8,
            sb: isize,
            c: *const u8,
            sc: isize,
            out: *mut u8,
            so: isize,
        ) {
            let f = |$x: $t, $y: $t, $z: $t| -> $t {
                let $r: $t = $e;
                $g
            };
            let ts = std::mem::size_of::<$t>() as isize;
            let al = |p: *const u8| (p as usize).is_multiple_of(std::mem::align_of::<$t>());
            let rhs = |p: *const u8, s: isize| {
                let p = p as *const $t;
                if s == ts {
                    Some(Rhs::Arr(p))
                } else if s == 0 {
                    // SAFETY: one aligned element, read before anything is
                    // written (the contract).
                    Some(Rhs::Val(unsafe { p.read() }))
                } else {
                    None
                }
            };
            if al(a) && al(b) && al(out) && sa == ts && so == ts && c == a && sc == sa {
                // The last operand is the first (`a * 2 + a`): one stream
                // of it, not two, read at once for both.
                if let Some(y) = rhs(b, sb) {
                    // SAFETY: as below, with two operands.
                    unsafe { dispatch2(n, a as *const $t, y, out as *mut $t, |x, y| f(x, y, x)) };
                    return;
                }
            }
            if al(a) && al(b) && al(c) && al(out) && sa == ts && so == ts {
                if let (Some(y), Some(z)) = (rhs(b, sb), rhs(c, sc)) {
                    // SAFETY: contiguous aligned operands of n elements (or
                    // values), the output disjoint from every input (the
                    // contract).
                    unsafe { dispatch3(n, a as *const $t, y, z, out as *mut $t, f) };
                    return;
                }
            }
            for i in 0..n as isize {
                // SAFETY: element i of each operand, at its stride; the
                // inputs are read before the output element is written.
                unsafe {
                    let xv = a.offset(i * sa).cast::<$t>().read_unaligned();
                    let yv = b.offset(i * sb).cast::<$t>().read_unaligned();
                    let zv = c.offset(i * sc).cast::<$t>().read_unaligned();
                    out.offset(i * so).cast::<$t>().write_unaligned(f(xv, yv, zv));
                }
            }
        }
    };
}

loop3!(add_add_f64, f64, |x, y| x + y, |r, z| r + z);
loop3!(add_sub_f64, f64, |x, y| x + y, |r, z| r - z);
loop3!(add_mul_f64, f64, |x, y| x + y, |r, z| r * z);
loop3!(sub_add_f64, f64, |x, y| x - y, |r, z| r + z);
loop3!(sub_sub_f64, f64, |x, y| x - y, |r, z| r - z);
loop3!(sub_mul_f64, f64, |x, y| x - y, |r, z| r * z);
loop3!(mul_add_f64, f64, |x, y| x * y, |r, z| r + z);
loop3!(mul_sub_f64, f64, |x, y| x * y, |r, z| r - z);
loop3!(mul_mul_f64, f64, |x, y| x * y, |r, z| r * z);
loop3!(add_add_i64, i64, |x, y| x.wrapping_add(y), |r, z| r
    .wrapping_add(z));
loop3!(add_sub_i64, i64, |x, y| x.wrapping_add(y), |r, z| r
    .wrapping_sub(z));
loop3!(add_mul_i64, i64, |x, y| x.wrapping_add(y), |r, z| r
    .wrapping_mul(z));
loop3!(sub_add_i64, i64, |x, y| x.wrapping_sub(y), |r, z| r
    .wrapping_add(z));
loop3!(sub_sub_i64, i64, |x, y| x.wrapping_sub(y), |r, z| r
    .wrapping_sub(z));
loop3!(sub_mul_i64, i64, |x, y| x.wrapping_sub(y), |r, z| r
    .wrapping_mul(z));
loop3!(mul_add_i64, i64, |x, y| x.wrapping_mul(y), |r, z| r
    .wrapping_add(z));
loop3!(mul_sub_i64, i64, |x, y| x.wrapping_mul(y), |r, z| r
    .wrapping_sub(z));
loop3!(mul_mul_i64, i64, |x, y| x.wrapping_mul(y), |r, z| r
    .wrapping_mul(z));

/// The loop of `g(f(a, b), c)`, each ufunc's typed loop computing in and
/// producing dtype `dt`, where the two have one.
pub fn loop3(f: Ufunc, g: Ufunc, dt: DType) -> Option<Loop3> {
    use Ufunc::*;
    Some(match (f, g, dt) {
        (Add, Add, DType::F64) => add_add_f64,
        (Add, Subtract, DType::F64) => add_sub_f64,
        (Add, Multiply, DType::F64) => add_mul_f64,
        (Subtract, Add, DType::F64) => sub_add_f64,
        (Subtract, Subtract, DType::F64) => sub_sub_f64,
        (Subtract, Multiply, DType::F64) => sub_mul_f64,
        (Multiply, Add, DType::F64) => mul_add_f64,
        (Multiply, Subtract, DType::F64) => mul_sub_f64,
        (Multiply, Multiply, DType::F64) => mul_mul_f64,
        (Add, Add, DType::I64) => add_add_i64,
        (Add, Subtract, DType::I64) => add_sub_i64,
        (Add, Multiply, DType::I64) => add_mul_i64,
        (Subtract, Add, DType::I64) => sub_add_i64,
        (Subtract, Subtract, DType::I64) => sub_sub_i64,
        (Subtract, Multiply, DType::I64) => sub_mul_i64,
        (Multiply, Add, DType::I64) => mul_add_i64,
        (Multiply, Subtract, DType::I64) => mul_sub_i64,
        (Multiply, Multiply, DType::I64) => mul_mul_i64,
        _ => return None,
    })
}

loop2!(add_f64, f64, f64, |x, y| x + y);
loop2!(sub_f64, f64, f64, |x, y| x - y);
loop2!(mul_f64, f64, f64, |x, y| x * y);
loop2!(div_f64, f64, f64, |x, y| x / y);
loop2!(min_f64, f64, f64, |x, y| crate::scalar::minimum_f64(x, y));
loop2!(max_f64, f64, f64, |x, y| crate::scalar::maximum_f64(x, y));
loop2!(add_f32, f32, f32, |x, y| x + y);
loop2!(sub_f32, f32, f32, |x, y| x - y);
loop2!(mul_f32, f32, f32, |x, y| x * y);
loop2!(div_f32, f32, f32, |x, y| x / y);
loop2!(add_i64, i64, i64, |x, y| x.wrapping_add(y));
loop2!(sub_i64, i64, i64, |x, y| x.wrapping_sub(y));
loop2!(mul_i64, i64, i64, |x, y| x.wrapping_mul(y));
loop2!(min_i64, i64, i64, |x, y| x.min(y));
loop2!(max_i64, i64, i64, |x, y| x.max(y));
loop2!(add_i32, i32, i32, |x, y| x.wrapping_add(y));
loop2!(sub_i32, i32, i32, |x, y| x.wrapping_sub(y));
loop2!(mul_i32, i32, i32, |x, y| x.wrapping_mul(y));
loop2!(lt_f64, f64, u8, |x, y| (x < y) as u8);
loop2!(le_f64, f64, u8, |x, y| (x <= y) as u8);
loop2!(gt_f64, f64, u8, |x, y| (x > y) as u8);
loop2!(ge_f64, f64, u8, |x, y| (x >= y) as u8);
loop2!(eq_f64, f64, u8, |x, y| (x == y) as u8);
loop2!(ne_f64, f64, u8, |x, y| (x != y) as u8);
loop2!(lt_i64, i64, u8, |x, y| (x < y) as u8);
loop2!(le_i64, i64, u8, |x, y| (x <= y) as u8);
loop2!(gt_i64, i64, u8, |x, y| (x > y) as u8);
loop2!(ge_i64, i64, u8, |x, y| (x >= y) as u8);
loop2!(eq_i64, i64, u8, |x, y| (x == y) as u8);
loop2!(ne_i64, i64, u8, |x, y| (x != y) as u8);

loop2!(floordiv_f64, f64, f64, |x, y| if y == 0.0 {
    x / y
} else {
    crate::scalar::floordiv_f64(x, y)
});
loop2!(mod_f64, f64, f64, |x, y| if y == 0.0 {
    f64::NAN
} else {
    crate::scalar::mod_f64(x, y)
});
loop2!(pow_f64, f64, f64, |x, y| x.powf(y));
loop2!(fmin_f64, f64, f64, |x, y| crate::scalar::fmin_f64(x, y));
loop2!(fmax_f64, f64, f64, |x, y| crate::scalar::fmax_f64(x, y));
loop2!(floordiv_i64, i64, i64, |x, y| if y == 0 {
    0
} else {
    crate::scalar::floordiv_i64(x, y)
});
loop2!(mod_i64, i64, i64, |x, y| if y == 0 {
    0
} else {
    crate::scalar::mod_i64(x, y)
});
loop2!(and_i64, i64, i64, |x, y| x & y);
loop2!(or_i64, i64, i64, |x, y| x | y);
loop2!(xor_i64, i64, i64, |x, y| x ^ y);
loop2!(and_bool, u8, u8, |x, y| ((x != 0) & (y != 0)) as u8);
loop2!(or_bool, u8, u8, |x, y| ((x != 0) | (y != 0)) as u8);
loop2!(xor_bool, u8, u8, |x, y| ((x != 0) ^ (y != 0)) as u8);
loop2!(lt_f32, f32, u8, |x, y| (x < y) as u8);
loop2!(le_f32, f32, u8, |x, y| (x <= y) as u8);
loop2!(gt_f32, f32, u8, |x, y| (x > y) as u8);
loop2!(ge_f32, f32, u8, |x, y| (x >= y) as u8);
loop2!(lt_i32, i32, u8, |x, y| (x < y) as u8);
loop2!(gt_i32, i32, u8, |x, y| (x > y) as u8);
loop2!(eq_i32, i32, u8, |x, y| (x == y) as u8);

loop1!(sqrt_f64, f64, |x| x.sqrt());
loop1!(exp_f64, f64, |x| x.exp());
loop1!(log_f64, f64, |x| x.ln());
loop1!(sin_f64, f64, |x| x.sin());
loop1!(cos_f64, f64, |x| x.cos());
loop1!(abs_f64, f64, |x| x.abs());
loop1!(neg_f64, f64, |x| -x);
loop1!(sqrt_f32, f32, |x| x.sqrt());
loop1!(neg_i64, i64, |x| x.wrapping_neg());
loop1!(abs_i64, i64, |x| x.wrapping_abs());

loop2!(add_sqrt_f64, f64, f64, |x, y| (x + y).sqrt());
loop2!(sub_sqrt_f64, f64, f64, |x, y| (x - y).sqrt());
loop2!(mul_sqrt_f64, f64, f64, |x, y| (x * y).sqrt());
loop2!(div_sqrt_f64, f64, f64, |x, y| (x / y).sqrt());

/// The loop of `u(f(a, b))`, a binary ufunc then a unary one, both
/// computing in and producing dtype `dt`, where the two have one.
pub fn loop2_then(f: Ufunc, u: Ufunc, dt: DType) -> Option<Loop2> {
    use typer::builtins::Math1;
    use Ufunc::*;
    Some(match (f, u, dt) {
        (Add, Float1(Math1::Sqrt), DType::F64) => add_sqrt_f64,
        (Subtract, Float1(Math1::Sqrt), DType::F64) => sub_sqrt_f64,
        (Multiply, Float1(Math1::Sqrt), DType::F64) => mul_sqrt_f64,
        (TrueDivide, Float1(Math1::Sqrt), DType::F64) => div_sqrt_f64,
        _ => return None,
    })
}

/// The typed loop of a binary ufunc whose operands (and, but for
/// comparisons, output) have dtype `dt`.
pub fn loop2(f: Ufunc, dt: DType) -> Option<Loop2> {
    use Ufunc::*;
    Some(match (f, dt) {
        (Add, DType::F64) => add_f64,
        (Subtract, DType::F64) => sub_f64,
        (Multiply, DType::F64) => mul_f64,
        (TrueDivide, DType::F64) => div_f64,
        (Minimum, DType::F64) => min_f64,
        (Maximum, DType::F64) => max_f64,
        (Add, DType::F32) => add_f32,
        (Subtract, DType::F32) => sub_f32,
        (Multiply, DType::F32) => mul_f32,
        (TrueDivide, DType::F32) => div_f32,
        (Add, DType::I64) => add_i64,
        (Subtract, DType::I64) => sub_i64,
        (Multiply, DType::I64) => mul_i64,
        (Minimum, DType::I64) => min_i64,
        (Maximum, DType::I64) => max_i64,
        (Add, DType::I32) => add_i32,
        (Subtract, DType::I32) => sub_i32,
        (Multiply, DType::I32) => mul_i32,
        (Less, DType::F64) => lt_f64,
        (LessEqual, DType::F64) => le_f64,
        (Greater, DType::F64) => gt_f64,
        (GreaterEqual, DType::F64) => ge_f64,
        (Equal, DType::F64) => eq_f64,
        (NotEqual, DType::F64) => ne_f64,
        (Less, DType::I64) => lt_i64,
        (LessEqual, DType::I64) => le_i64,
        (Greater, DType::I64) => gt_i64,
        (GreaterEqual, DType::I64) => ge_i64,
        (Equal, DType::I64) => eq_i64,
        (NotEqual, DType::I64) => ne_i64,
        (FloorDivide, DType::F64) => floordiv_f64,
        (Remainder, DType::F64) => mod_f64,
        (Power, DType::F64) => pow_f64,
        (Fmin, DType::F64) => fmin_f64,
        (Fmax, DType::F64) => fmax_f64,
        (FloorDivide, DType::I64) => floordiv_i64,
        (Remainder, DType::I64) => mod_i64,
        (BitwiseAnd, DType::I64) => and_i64,
        (BitwiseOr, DType::I64) => or_i64,
        (BitwiseXor, DType::I64) => xor_i64,
        (BitwiseAnd | LogicalAnd, DType::Bool) => and_bool,
        (BitwiseOr | LogicalOr, DType::Bool) => or_bool,
        (BitwiseXor, DType::Bool) => xor_bool,
        (Less, DType::F32) => lt_f32,
        (LessEqual, DType::F32) => le_f32,
        (Greater, DType::F32) => gt_f32,
        (GreaterEqual, DType::F32) => ge_f32,
        (Less, DType::I32) => lt_i32,
        (Greater, DType::I32) => gt_i32,
        (Equal, DType::I32) => eq_i32,
        _ => return None,
    })
}

/// The typed loop of a unary ufunc on dtype `dt`.
pub fn loop1(f: Ufunc, dt: DType) -> Option<Loop1> {
    use typer::builtins::Math1;
    use Ufunc::*;
    Some(match (f, dt) {
        (Float1(Math1::Sqrt), DType::F64) => sqrt_f64,
        (Float1(Math1::Exp), DType::F64) => exp_f64,
        (Float1(Math1::Log), DType::F64) => log_f64,
        (Float1(Math1::Sin), DType::F64) => sin_f64,
        (Float1(Math1::Cos), DType::F64) => cos_f64,
        (Absolute, DType::F64) => abs_f64,
        (Negative, DType::F64) => neg_f64,
        (Float1(Math1::Sqrt), DType::F32) => sqrt_f32,
        (Negative, DType::I64) => neg_i64,
        (Absolute, DType::I64) => abs_i64,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_broadcast_and_strided_paths_agree() {
        let a: Vec<f64> = (0..10).map(|i| i as f64).collect();
        let b: Vec<f64> = (0..10).map(|i| (i * i) as f64).collect();
        let add = loop2(Ufunc::Add, DType::F64).unwrap();
        let mut out = vec![0.0f64; 10];
        // SAFETY: 10 f64 in each operand, the output a separate vector.
        unsafe {
            add(
                10,
                a.as_ptr() as _,
                8,
                b.as_ptr() as _,
                8,
                out.as_mut_ptr() as _,
                8,
            )
        };
        assert_eq!(out[3], 12.0);
        let two = 2.0f64;
        // SAFETY: as above, the second input one value read at stride 0.
        unsafe {
            add(
                10,
                a.as_ptr() as _,
                8,
                &two as *const f64 as _,
                0,
                out.as_mut_ptr() as _,
                8,
            )
        };
        assert_eq!(out[9], 11.0);
        let mut out2 = vec![0.0f64; 5];
        // SAFETY: 5 elements at stride 16 lie inside the 10 of each input.
        unsafe {
            add(
                5,
                a.as_ptr() as _,
                16,
                b.as_ptr() as _,
                16,
                out2.as_mut_ptr() as _,
                8,
            )
        };
        assert_eq!(out2, vec![0.0, 6.0, 20.0, 42.0, 72.0]);
        let lt = loop2(Ufunc::Less, DType::I64).unwrap();
        let (x, y) = ([1i64, 5], [3i64, 2]);
        let mut o = [9u8; 2];
        // SAFETY: two i64 per input, two bytes of output.
        unsafe { lt(2, x.as_ptr() as _, 8, y.as_ptr() as _, 8, o.as_mut_ptr(), 1) };
        assert_eq!(o, [1, 0]);
    }

    /// The output is one of the inputs (`a += b`, `np.subtract(b, a,
    /// out=a)`, `a += a`, `a *= 2.0`, `np.negative(a, out=a)`): over more
    /// than one buffer's worth of elements, every result is the old values'.
    #[test]
    fn in_place_loops_read_before_they_write() {
        let n = 2 * CHUNK + 13;
        let x0: Vec<f64> = (0..n).map(|i| i as f64 * 0.5).collect();
        let y0: Vec<f64> = (0..n).map(|i| (i * i) as f64).collect();
        let add = loop2(Ufunc::Add, DType::F64).unwrap();
        let sub = loop2(Ufunc::Subtract, DType::F64).unwrap();
        let mul = loop2(Ufunc::Multiply, DType::F64).unwrap();

        let mut a = x0.clone();
        let p = a.as_mut_ptr() as *mut u8;
        // SAFETY: n f64 each; the output is the first input.
        unsafe { add(n, p, 8, y0.as_ptr() as _, 8, p, 8) };
        assert!((0..n).all(|i| a[i] == x0[i] + y0[i]));

        let mut a = x0.clone();
        let p = a.as_mut_ptr() as *mut u8;
        // SAFETY: as above; the output is the second input.
        unsafe { sub(n, y0.as_ptr() as _, 8, p, 8, p, 8) };
        assert!((0..n).all(|i| a[i] == y0[i] - x0[i]));

        let mut a = x0.clone();
        let p = a.as_mut_ptr() as *mut u8;
        // SAFETY: as above; the output is both inputs.
        unsafe { add(n, p, 8, p, 8, p, 8) };
        assert!((0..n).all(|i| a[i] == 2.0 * x0[i]));

        let mut a = x0.clone();
        let p = a.as_mut_ptr() as *mut u8;
        let two = 2.0f64;
        // SAFETY: as above; the second input is one broadcast value.
        unsafe { mul(n, p, 8, &two as *const f64 as _, 0, p, 8) };
        assert!((0..n).all(|i| a[i] == 2.0 * x0[i]));

        // Strided, in place: every other element.
        let mut a = x0.clone();
        let p = a.as_mut_ptr() as *mut u8;
        // SAFETY: n / 2 elements at stride 16 in each operand.
        unsafe { add(n / 2, p, 16, y0.as_ptr() as _, 16, p, 16) };
        assert!((0..n).all(|i| a[i]
            == if i % 2 == 0 && i / 2 < n / 2 {
                x0[i] + y0[i]
            } else {
                x0[i]
            }));

        let neg = loop1(Ufunc::Negative, DType::I64).unwrap();
        let mut v: Vec<i64> = (0..n as i64).collect();
        let p = v.as_mut_ptr() as *mut u8;
        // SAFETY: n i64; the output is the input.
        unsafe { neg(n, p, 8, p, 8) };
        assert!((0..n).all(|i| v[i] == -(i as i64)));
    }

    /// The loops at the CPU's widest vector width give every bit the
    /// scalar expression gives (no fused multiply-add, no reassociation).
    #[test]
    fn vector_widths_round_as_scalar_code() {
        let n = 1003;
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() * 1e3).collect();
        let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos() + 0.5).collect();
        for (f, g) in [
            (Ufunc::Add, (|a, b| a + b) as fn(f64, f64) -> f64),
            (Ufunc::Multiply, |a, b| a * b),
            (Ufunc::TrueDivide, |a, b| a / b),
            (Ufunc::Subtract, |a, b| a - b),
        ] {
            let k = loop2(f, DType::F64).unwrap();
            let mut out = vec![0.0f64; n];
            // SAFETY: n f64 in each operand, the output a separate vector.
            unsafe {
                k(
                    n,
                    x.as_ptr() as _,
                    8,
                    y.as_ptr() as _,
                    8,
                    out.as_mut_ptr() as _,
                    8,
                )
            };
            for i in 0..n {
                assert_eq!(out[i].to_bits(), g(x[i], y[i]).to_bits(), "{f:?} at {i}");
            }
        }
        let sqrt = loop1(Ufunc::Float1(typer::builtins::Math1::Sqrt), DType::F64).unwrap();
        let mut out = vec![0.0f64; n];
        // SAFETY: n f64 in and out, separate vectors.
        unsafe { sqrt(n, y.as_ptr() as _, 8, out.as_mut_ptr() as _, 8) };
        assert!((0..n).all(|i| out[i].to_bits() == y[i].sqrt().to_bits()));
    }

    #[test]
    fn python_floor_semantics_and_zero_divisors() {
        let fd = loop2(Ufunc::FloorDivide, DType::I64).unwrap();
        let md = loop2(Ufunc::Remainder, DType::I64).unwrap();
        let (x, y) = ([-7i64, 7, 5], [2i64, -2, 0]);
        let (mut q, mut r) = ([0i64; 3], [0i64; 3]);
        // SAFETY: three i64 in each operand, the outputs separate arrays.
        unsafe {
            fd(
                3,
                x.as_ptr() as _,
                8,
                y.as_ptr() as _,
                8,
                q.as_mut_ptr() as _,
                8,
            );
            md(
                3,
                x.as_ptr() as _,
                8,
                y.as_ptr() as _,
                8,
                r.as_mut_ptr() as _,
                8,
            );
        }
        assert_eq!(q, [-4, -4, 0]);
        assert_eq!(r, [1, -1, 0]);
        let mf = loop2(Ufunc::Remainder, DType::F64).unwrap();
        let (a, b) = ([-7.5f64, 1.0], [2.0f64, 0.0]);
        let mut o = [0f64; 2];
        // SAFETY: two f64 in each operand, the output a separate array.
        unsafe {
            mf(
                2,
                a.as_ptr() as _,
                8,
                b.as_ptr() as _,
                8,
                o.as_mut_ptr() as _,
                8,
            )
        };
        assert_eq!(o[0], 0.5);
        assert!(o[1].is_nan());
    }

    /// A cache line.
    #[repr(C, align(64))]
    #[derive(Clone, Copy)]
    struct Line([u64; 8]);

    /// Storage of `n` u64 from element `off` of a line on.
    fn lined(n: usize, off: usize) -> (Vec<Line>, usize) {
        (vec![Line([0u64; 8]); (n + off).div_ceil(8) + 1], off)
    }

    fn ptr(v: &mut (Vec<Line>, usize)) -> *mut u8 {
        // SAFETY: `off` < 8 elements into the first line.
        unsafe { (v.0.as_mut_ptr() as *mut u64).add(v.1) as *mut u8 }
    }

    fn fill(v: &mut (Vec<Line>, usize), n: usize, dt: DType, seed: u64) {
        let p = ptr(v) as *mut u64;
        for i in 0..n {
            let k = (i as u64).wrapping_mul(0x9e37_79b9).wrapping_add(seed) % 1000;
            let bits = match dt {
                DType::F64 => (k as f64 / 7.0 - 50.0).to_bits(),
                _ => (k as i64 * 1_000_000_007 - 400).cast_unsigned(),
            };
            // SAFETY: i < n elements of the storage.
            unsafe { p.add(i).write(bits) };
        }
    }

    fn read(v: &mut (Vec<Line>, usize), n: usize) -> Vec<u64> {
        // SAFETY: n elements of the storage.
        unsafe { std::slice::from_raw_parts(ptr(v) as *const u64, n).to_vec() }
    }

    /// Every joint loop gives the bits of its two loops one after the
    /// other, with operands at every offset from a line (together and
    /// apart, so that both the aligned head and the narrower loop run),
    /// scalar operands, the last operand the first, and lengths around
    /// every vector width.
    #[test]
    fn joint_loops_are_their_two_loops() {
        use Ufunc::*;
        let ops = [Add, Subtract, Multiply];
        let mut checked = 0;
        for dt in [DType::F64, DType::I64] {
            for f in ops {
                for g in ops {
                    let joint = loop3(f, g, dt).expect("a joint loop");
                    let (lf, lg) = (loop2(f, dt).unwrap(), loop2(g, dt).unwrap());
                    for n in [0, 1, 3, 7, 8, 9, 17, 31, 64, 100] {
                        for (oa, ob, oo) in [(0, 0, 0), (3, 3, 3), (1, 5, 2), (2, 0, 6)] {
                            for shape in 0..5 {
                                let mut a = lined(n, oa);
                                let mut b = lined(n, ob);
                                let mut c = lined(n, ob);
                                let (mut o, mut t, mut r) =
                                    (lined(n, oo), lined(n, oo), lined(n, 0));
                                fill(&mut a, n, dt, 1);
                                fill(&mut b, n, dt, 2);
                                fill(&mut c, n, dt, 3);
                                let s = 8isize;
                                // b and c: arrays, scalars (stride 0), or c the first operand.
                                let (pb, sb) = if shape & 1 == 1 {
                                    (ptr(&mut b), 0)
                                } else {
                                    (ptr(&mut b), s)
                                };
                                let (pc, sc) = match shape {
                                    4 => (ptr(&mut a), s),
                                    2 | 3 => (ptr(&mut c), 0),
                                    _ => (ptr(&mut c), s),
                                };
                                let pa = ptr(&mut a);
                                // SAFETY: n elements (or one, at stride 0) in
                                // each operand; outputs apart from inputs.
                                unsafe {
                                    joint(n, pa, s, pb, sb, pc, sc, ptr(&mut o), s);
                                    lf(n, pa, s, pb, sb, ptr(&mut t), s);
                                    lg(n, ptr(&mut t), s, pc, sc, ptr(&mut r), s);
                                }
                                assert_eq!(read(&mut o, n), read(&mut r, n), "{f:?} then {g:?} on {dt:?}, n {n}, offsets {oa} {ob} {oo}, shape {shape}");
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 2 * 9 * 10 * 4 * 5);
    }

    /// A binary loop then a unary one, as one loop: the bits of the two
    /// one after the other, in place and not, at several offsets.
    #[test]
    fn binary_then_unary_loops_are_their_two_loops() {
        use typer::builtins::Math1;
        let sqrt = Ufunc::Float1(Math1::Sqrt);
        for f in [
            Ufunc::Add,
            Ufunc::Subtract,
            Ufunc::Multiply,
            Ufunc::TrueDivide,
        ] {
            let joint = loop2_then(f, sqrt, DType::F64).expect("a joint loop");
            let (lf, lu) = (
                loop2(f, DType::F64).unwrap(),
                loop1(sqrt, DType::F64).unwrap(),
            );
            for n in [0, 1, 5, 8, 13, 64, 99] {
                for (oa, ob) in [(0, 0), (3, 3), (1, 6)] {
                    let mut a = lined(n, oa);
                    let mut b = lined(n, ob);
                    let (mut o, mut r) = (lined(n, oa), lined(n, 0));
                    fill(&mut a, n, DType::F64, 6);
                    fill(&mut b, n, DType::F64, 7);
                    let (pa, pb) = (ptr(&mut a), ptr(&mut b));
                    // SAFETY: n elements in each operand; the outputs apart
                    // from the inputs, then the second in place.
                    unsafe {
                        joint(n, pa, 8, pb, 8, ptr(&mut o), 8);
                        lf(n, pa, 8, pb, 8, ptr(&mut r), 8);
                        lu(n, ptr(&mut r), 8, ptr(&mut r), 8);
                    }
                    let want = read(&mut r, n);
                    assert_eq!(read(&mut o, n), want, "{f:?} then sqrt, n {n}");
                    // SAFETY: as above, the output the first input.
                    unsafe { joint(n, pa, 8, pb, 8, pa, 8) };
                    assert_eq!(read(&mut a, n), want, "{f:?} then sqrt in place, n {n}");
                }
            }
        }
    }

    /// The one- and two-operand loops at every offset from a line, their
    /// operands together and apart, against one element at a time.
    #[test]
    fn loops_at_every_offset() {
        for n in [0, 1, 6, 7, 8, 9, 40, 71] {
            for (oa, ob, oo) in [
                (0, 0, 0),
                (1, 1, 1),
                (7, 7, 7),
                (2, 0, 0),
                (0, 4, 4),
                (5, 6, 7),
            ] {
                let mut a = lined(n, oa);
                let mut b = lined(n, ob);
                let mut o = lined(n, oo);
                fill(&mut a, n, DType::F64, 4);
                fill(&mut b, n, DType::F64, 5);
                let (pa, pb, po) = (ptr(&mut a), ptr(&mut b), ptr(&mut o));
                // SAFETY: n elements in each operand, the output apart.
                unsafe { mul_f64(n, pa, 8, pb, 8, po, 8) };
                let (x, y) = (read(&mut a, n), read(&mut b, n));
                let want: Vec<u64> = x
                    .iter()
                    .zip(&y)
                    .map(|(&x, &y)| (f64::from_bits(x) * f64::from_bits(y)).to_bits())
                    .collect();
                assert_eq!(read(&mut o, n), want, "mul n {n} offsets {oa} {ob} {oo}");
                // SAFETY: as above, in place on `a`.
                unsafe { sqrt_f64(n, pa, 8, pa, 8) };
                let want: Vec<u64> = x
                    .iter()
                    .map(|&x| f64::from_bits(x).sqrt().to_bits())
                    .collect();
                assert_eq!(read(&mut a, n), want, "sqrt n {n} offset {oa}");
            }
        }
    }
}
