//! The random generators, stream for stream NumPy's legacy `RandomState`
//! (`np.random`) and CPython's `random`: both are MT19937, seeded and
//! turned into numbers as those libraries do.
//!
//! NumPy (`numpy/random/src/mt19937`, `legacy/legacy-distributions.c`,
//! `distributions.c`, `_bounded_integers.pyx.in`, `mtrand.pyx`):
//! `seed(n)` is `init_genrand(n)`; a double is `(a >> 5, b >> 6)` of two
//! draws as a 53-bit fraction; a Gaussian comes from the polar method in
//! pairs, the spare kept until drawn or reseeded; `randint` is masked
//! rejection sampling on 32-bit draws when the range fits them and on
//! 64-bit draws (high word first) otherwise; shuffles draw with
//! `random_interval`, from the last index down.
//!
//! CPython (`Modules/_randommodule.c`, `Lib/random.py`): `seed(n)` is
//! `init_by_array` of the 32-bit words of `|n|`; `random()` is the same
//! 53-bit double; `randrange` draws `getrandbits(n.bit_length())` until
//! the value is below `n`.
//!
//! A program that never seeds gets the streams of `seed(0)` (NumPy's and
//! CPython's unseeded generators read the system's entropy, which no two
//! runs share, so no stream could match them anyway). `seed()` and
//! `seed(None)` go back to that state.

use typer::tir::RandFn;
use typer::DType;
use vm::array::{load, store, Array, Raised, Val};
use vm::runtime::{DrawArgs, Drawn, Generators, Mt19937, NewArrayFn};

const N: usize = 624;
const M: usize = 397;

/// `init_genrand(s)`, which is NumPy's `mt19937_seed`.
pub fn init_genrand(s: u32) -> Mt19937 {
    let mut key = [0u32; N];
    key[0] = s;
    for i in 1..N {
        let p = key[i - 1];
        key[i] = 1812433253u32
            .wrapping_mul(p ^ (p >> 30))
            .wrapping_add(i as u32);
    }
    Mt19937 { key, pos: N }
}

/// `init_by_array(key)`, CPython's seeding (and NumPy's for array seeds).
pub fn init_by_array(init: &[u32]) -> Mt19937 {
    let mut mt = init_genrand(19650218);
    let k = &mut mt.key;
    let len = init.len().max(1);
    let word = |j: usize| init.get(j).copied().unwrap_or(0);
    let (mut i, mut j) = (1usize, 0usize);
    for _ in 0..N.max(len) {
        let p = k[i - 1];
        k[i] = (k[i] ^ (p ^ (p >> 30)).wrapping_mul(1664525))
            .wrapping_add(word(j))
            .wrapping_add(j as u32);
        i += 1;
        j += 1;
        if i >= N {
            k[0] = k[N - 1];
            i = 1;
        }
        if j >= len {
            j = 0;
        }
    }
    for _ in 0..N - 1 {
        let p = k[i - 1];
        k[i] = (k[i] ^ (p ^ (p >> 30)).wrapping_mul(1566083941)).wrapping_sub(i as u32);
        i += 1;
        if i >= N {
            k[0] = k[N - 1];
            i = 1;
        }
    }
    k[0] = 0x8000_0000;
    mt.pos = N;
    mt
}

fn generate(mt: &mut Mt19937) {
    const UPPER: u32 = 0x8000_0000;
    const LOWER: u32 = 0x7fff_ffff;
    const MATRIX_A: u32 = 0x9908_b0df;
    let k = &mut mt.key;
    for i in 0..N {
        let y = (k[i] & UPPER) | (k[(i + 1) % N] & LOWER);
        let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
        k[i] = k[(i + M) % N] ^ (y >> 1) ^ mag;
    }
    mt.pos = 0;
}

/// The next tempered 32-bit word.
pub fn next32(mt: &mut Mt19937) -> u32 {
    if mt.pos >= N {
        generate(mt);
    }
    let mut y = mt.key[mt.pos];
    mt.pos += 1;
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c_5680;
    y ^= (y << 15) & 0xefc6_0000;
    y ^ (y >> 18)
}

/// Two words, the first drawn the high one (NumPy's `next_uint64`).
pub fn next64(mt: &mut Mt19937) -> u64 {
    let hi = next32(mt) as u64;
    (hi << 32) | next32(mt) as u64
}

/// A double in [0, 1) with 53 random bits: the same in NumPy and CPython.
pub fn next_double(mt: &mut Mt19937) -> f64 {
    let a = (next32(mt) >> 5) as f64;
    let b = (next32(mt) >> 6) as f64;
    (a * 67108864.0 + b) / 9007199254740992.0
}

/// The smallest all-ones mask covering `max`.
fn mask_of(max: u64) -> u64 {
    if max == 0 {
        0
    } else {
        u64::MAX >> max.leading_zeros()
    }
}

/// NumPy's `random_interval`: uniform on [0, max], by masked rejection.
fn interval(mt: &mut Mt19937, max: u64) -> u64 {
    let mask = mask_of(max);
    if max == 0 {
        0
    } else if max <= 0xffff_ffff {
        loop {
            let v = next32(mt) as u64 & mask;
            if v <= max {
                return v;
            }
        }
    } else {
        loop {
            let v = next64(mt) & mask;
            if v <= max {
                return v;
            }
        }
    }
}

/// NumPy's masked `random_bounded_uint64`: uniform on [0, rng].
fn bounded(mt: &mut Mt19937, rng: u64) -> u64 {
    match rng {
        0 => 0,
        0xffff_ffff => next32(mt) as u64,
        u64::MAX => next64(mt),
        // Below 2^32 this is `interval`; above, the same on 64-bit draws.
        _ => interval(mt, rng),
    }
}

/// The 32-bit word that NumPy's bounded draws of 8 and 16 bits, and of
/// bools, take their bits from, low bits first, within one call.
#[derive(Default)]
struct Buffer {
    word: u32,
    left: u32,
}

impl Buffer {
    /// The next `bits` bits (8 or 16: `buffered_uint8`/`buffered_uint16`;
    /// 1: as `buffered_bounded_bool` takes them).
    fn next(&mut self, mt: &mut Mt19937, bits: u32) -> u64 {
        if self.left == 0 {
            self.word = next32(mt);
            self.left = 32 / bits - 1;
        } else {
            self.word >>= bits;
            self.left -= 1;
        }
        (self.word as u64) & ((1u64 << bits) - 1)
    }
}

/// One bounded draw on [0, rng] for an integer dtype of `bits` bits, as
/// NumPy's `random_bounded_uint{8,16,32,64}_fill` and
/// `random_bounded_bool_fill` draw each element (masked rejection).
fn bounded_bits(mt: &mut Mt19937, rng: u64, bits: u32, buf: &mut Buffer) -> u64 {
    match bits {
        32 | 64 => bounded(mt, rng),
        _ if rng == 0 => 0,
        1 => buf.next(mt, 1),
        _ if rng == (1u64 << bits) - 1 => buf.next(mt, bits),
        _ => {
            let mask = mask_of(rng);
            loop {
                let v = buf.next(mt, bits) & mask;
                if v <= rng {
                    return v;
                }
            }
        }
    }
}

/// NumPy's `legacy_gauss`: the polar method, its second value kept.
fn gauss(g: &mut Generators) -> f64 {
    if let Some(v) = g.gauss.take() {
        return v;
    }
    let mt = np(g);
    let (x1, x2, r2) = loop {
        let x1 = 2.0 * next_double(mt) - 1.0;
        let x2 = 2.0 * next_double(mt) - 1.0;
        let r2 = x1 * x1 + x2 * x2;
        if r2 < 1.0 && r2 != 0.0 {
            break (x1, x2, r2);
        }
    };
    let f = (-2.0 * r2.ln() / r2).sqrt();
    g.gauss = Some(f * x1);
    f * x2
}

/// NumPy's generator, seeded as unseeded on first use.
fn np(g: &mut Generators) -> &mut Mt19937 {
    g.np.get_or_insert_with(|| Box::new(init_genrand(0)))
}

/// Python's generator, seeded as unseeded on first use.
fn py(g: &mut Generators) -> &mut Mt19937 {
    g.py.get_or_insert_with(|| Box::new(py_seeded(0)))
}

/// CPython's `random.seed(n)` for an int: the words of `|n|`, low first.
fn py_seeded(n: i64) -> Mt19937 {
    let n = n.unsigned_abs();
    let (lo, hi) = (n as u32, (n >> 32) as u32);
    if hi == 0 {
        init_by_array(&[lo])
    } else {
        init_by_array(&[lo, hi])
    }
}

/// CPython's `getrandbits(k)` for 1 <= k <= 96: 32-bit words from the
/// least significant, the last one's low bits dropped.
fn getrandbits(mt: &mut Mt19937, k: u32) -> u128 {
    let (mut out, mut shift, mut left) = (0u128, 0, k);
    while left > 0 {
        let mut w = next32(mt);
        if left < 32 {
            w >>= 32 - left;
        }
        out |= (w as u128) << shift;
        shift += 32;
        left = left.saturating_sub(32);
    }
    out
}

/// CPython's `_randbelow_with_getrandbits(n)` for n > 0.
fn randbelow(mt: &mut Mt19937, n: u128) -> u128 {
    let k = 128 - n.leading_zeros();
    loop {
        let r = getrandbits(mt, k);
        if r < n {
            return r;
        }
    }
}

fn value_error(msg: impl Into<String>) -> Raised {
    ("ValueError", msg.into())
}

/// The number of elements of a requested shape, as `np.prod(size)` (may
/// be zero or negative).
fn prod(shape: &[i64]) -> i128 {
    shape.iter().map(|&d| d as i128).product()
}

/// Fills a fresh C-contiguous array's `n` elements in order.
fn fill(a: *mut Array, dt: DType, mut next: impl FnMut() -> Val) {
    // SAFETY: `a` is a live array just allocated by the runtime, owned by
    // the caller and seen by nothing else yet.
    let a = unsafe { &*a };
    let n = a.size();
    let w = dt.itemsize();
    for i in 0..n {
        // SAFETY: i < size elements of a C-contiguous array of `dt`.
        unsafe { store(dt, a.data.add(i * w), next()) };
    }
}

/// A draw: scalar results when `shape` is `None`, else a new array.
fn floats(
    shape: Option<&[i64]>,
    new: NewArrayFn,
    mut next: impl FnMut() -> f64,
) -> Result<Drawn, Raised> {
    match shape {
        None => Ok(Drawn::Val(Val::F(next()))),
        Some(s) => {
            let a = new(DType::F64, s)?;
            fill(a, DType::F64, || Val::F(next()));
            Ok(Drawn::Arr(a))
        }
    }
}

/// Walks a Fisher–Yates shuffle of `n` items as NumPy's legacy `shuffle`
/// does, calling `swap(i, j)` for each draw with `i != j`.
fn shuffle_order(mt: &mut Mt19937, n: usize, mut swap: impl FnMut(usize, usize)) {
    for i in (1..n).rev() {
        let j = interval(mt, i as u64) as usize;
        if i != j {
            swap(i, j);
        }
    }
}

/// Swaps rows `i` and `j` (along the first axis) of an array, element by
/// element in place.
fn swap_rows(a: &Array, i: usize, j: usize) {
    let (shape, strides) = (a.shape(), a.strides());
    let w = a.itemsize();
    let (ri, rj) = (i as isize * strides[0], j as isize * strides[0]);
    vm::array::for_each_offset(&shape[1..], [&strides[1..]], |_, [o]| {
        // SAFETY: rows i and j are inside the array (i, j < shape[0]) and
        // `o` is an element offset inside a row; distinct rows of one
        // array do not overlap, so the two elements are disjoint.
        unsafe { std::ptr::swap_nonoverlapping(a.data.offset(ri + o), a.data.offset(rj + o), w) }
    });
}

/// Copies rows of `src` (along its first axis) into a fresh C-contiguous
/// array of the same dtype and row shape: row `k` of `dst` is row
/// `rows[k]` of `src`.
fn gather_rows(src: &Array, dst: *mut Array, rows: &[usize]) {
    // SAFETY: a fresh array from the runtime, of `rows.len()` rows of
    // `src`'s row shape and dtype, seen by nothing else yet.
    let dst = unsafe { &*dst };
    let w = src.itemsize();
    let row_shape = &src.shape()[1..];
    let per_row: usize = row_shape.iter().product();
    let mut k = 0usize;
    for &r in rows {
        let base = r as isize * src.strides()[0];
        vm::array::for_each_offset(row_shape, [&src.strides()[1..]], |_, [o]| {
            // SAFETY: row r < src.shape[0] and `o` inside it; `k` counts
            // the destination's elements, fewer than rows.len() * per_row.
            unsafe {
                std::ptr::copy_nonoverlapping(src.data.offset(base + o), dst.data.add(k * w), w)
            }
            k += 1;
        });
    }
    debug_assert_eq!(k, rows.len() * per_row);
}

/// The runtime's entry for every draw (see `vm::runtime::Kernels::random`).
pub fn draw(f: RandFn, g: &mut Generators, args: &DrawArgs) -> Result<Drawn, Raised> {
    let DrawArgs {
        vals,
        input,
        shape,
        new,
        ..
    } = *args;
    let val = |i: usize| vals.get(i).copied().unwrap_or(Val::I(0));
    match f {
        RandFn::NpSeed => {
            match vals.first() {
                None => g.np = None,
                Some(v) => {
                    let s = u32::try_from(v.as_i64())
                        .map_err(|_| value_error("Seed must be between 0 and 2**32 - 1"))?;
                    g.np = Some(Box::new(init_genrand(s)));
                }
            }
            g.gauss = None;
            Ok(Drawn::None)
        }
        RandFn::NpRandom => floats(shape, new, || next_double(np(g))),
        RandFn::NpGauss => floats(shape, new, || gauss(g)),
        RandFn::NpUniform => {
            let (low, high) = (val(0).as_f64(), val(1).as_f64());
            let range = high - low;
            if !range.is_finite() {
                return Err(("OverflowError", "Range exceeds valid bounds".into()));
            }
            floats(shape, new, || low + range * next_double(np(g)))
        }
        RandFn::NpNormal => {
            let (loc, scale) = (val(0).as_f64(), val(1).as_f64());
            if !scale.is_nan() && scale.is_sign_negative() {
                return Err(value_error("scale < 0"));
            }
            floats(shape, new, || loc + scale * gauss(g))
        }
        RandFn::NpRandint(dt) => randint(g, dt, val(0).as_i64(), val(1).as_i64(), shape, new),
        RandFn::NpChoice { replace, .. } => choice(g, replace, val(0), args),
        RandFn::NpShuffle => {
            if let Some(a) = input {
                if a.size() > 0 {
                    shuffle_order(np(g), a.shape()[0], |i, j| swap_rows(a, i, j));
                }
            }
            Ok(Drawn::None)
        }
        RandFn::NpPermutation => {
            let n = match input {
                Some(a) => a.shape()[0],
                None => val(0).as_i64().max(0) as usize,
            };
            let mut idx: Vec<usize> = (0..n).collect();
            match input {
                Some(a) => {
                    let mut shape: Vec<i64> = a.shape().iter().map(|&d| d as i64).collect();
                    shape[0] = n as i64;
                    let out = new(a.dtype, &shape)?;
                    shuffle_order(np(g), n, |i, j| idx.swap(i, j));
                    gather_rows(a, out, &idx);
                    Ok(Drawn::Arr(out))
                }
                None => {
                    let out = new(DType::I64, &[n as i64])?;
                    shuffle_order(np(g), n, |i, j| idx.swap(i, j));
                    let mut it = idx.into_iter();
                    fill(out, DType::I64, || Val::I(it.next().unwrap_or(0) as i64));
                    Ok(Drawn::Arr(out))
                }
            }
        }
        RandFn::PySeed => {
            g.py = vals.first().map(|v| Box::new(py_seeded(v.as_i64())));
            g.py_gauss = None;
            Ok(Drawn::None)
        }
        RandFn::PyChoice => {
            let a = input.expect("random.choice of an array");
            let n = a.shape()[0];
            if n == 0 {
                return Err(("IndexError", "Cannot choose from an empty sequence".into()));
            }
            let i = randbelow(py(g), n as u128) as isize;
            // SAFETY: i < shape[0] of a 1-D array.
            Ok(Drawn::Val(unsafe {
                load(a.dtype, a.data.wrapping_offset(i * a.strides()[0]))
            }))
        }
        RandFn::PyShuffle => {
            // CPython's: for i from the last index down, swap x[i] with
            // x[randbelow(i + 1)].
            let a = input.expect("random.shuffle of an array");
            let mt = py(g);
            for i in (1..a.shape()[0]).rev() {
                let j = randbelow(mt, i as u128 + 1) as usize;
                // Swapping an element with itself changes nothing.
                if i != j {
                    swap_rows(a, i, j);
                }
            }
            Ok(Drawn::None)
        }
        RandFn::PyGauss => {
            // CPython's `gauss`: Box-Muller, the second value kept.
            let (mu, sigma) = (val(0).as_f64(), val(1).as_f64());
            let z = match g.py_gauss.take() {
                Some(z) => z,
                None => {
                    let mt = py(g);
                    let x2pi = next_double(mt) * std::f64::consts::TAU;
                    let g2rad = (-2.0 * (1.0 - next_double(mt)).ln()).sqrt();
                    g.py_gauss = Some(x2pi.sin() * g2rad);
                    x2pi.cos() * g2rad
                }
            };
            Ok(Drawn::Val(Val::F(mu + z * sigma)))
        }
        RandFn::PyRandom => Ok(Drawn::Val(Val::F(next_double(py(g))))),
        RandFn::PyUniform => {
            // `a + (b - a) * random()` on Python numbers: an int difference
            // is exact, then rounded once to a float.
            let (a, b) = (val(0), val(1));
            let d = match (a, b) {
                (Val::I(a), Val::I(b)) => (b as i128 - a as i128) as f64,
                _ => b.as_f64() - a.as_f64(),
            };
            let r = next_double(py(g));
            Ok(Drawn::Val(Val::F(a.as_f64() + d * r)))
        }
        RandFn::PyRandrange(stop_only) => {
            let (start, stop, step) = (
                val(0).as_i64() as i128,
                val(1).as_i64() as i128,
                val(2).as_i64() as i128,
            );
            randrange(py(g), start, stop, step, stop_only).map(|v| Drawn::Val(Val::I(v as i64)))
        }
        RandFn::PyRandint => {
            let (a, b) = (val(0).as_i64() as i128, val(1).as_i64() as i128);
            randrange(py(g), a, b + 1, 1, false).map(|v| Drawn::Val(Val::I(v as i64)))
        }
    }
}

/// `np.random.randint(low, high, size, dtype)`: NumPy's `_rand_<dtype>`.
fn randint(
    g: &mut Generators,
    dt: DType,
    low: i64,
    high: i64,
    shape: Option<&[i64]>,
    new: NewArrayFn,
) -> Result<Drawn, Raised> {
    if let Some(s) = shape {
        if prod(s) == 0 {
            return Ok(Drawn::Arr(new(dt, s)?));
        }
    }
    let (lb, ub) = dtype_bounds(dt);
    let (low, high) = (low as i128, high as i128 - 1);
    if low < lb {
        return Err(value_error(format!(
            "low is out of bounds for {}",
            dt.name()
        )));
    }
    if high > ub {
        return Err(value_error(format!(
            "high is out of bounds for {}",
            dt.name()
        )));
    }
    let (rng, _) = randint_range(low, high + 1)?;
    let bits = if dt == DType::Bool {
        1
    } else {
        dt.itemsize() as u32 * 8
    };
    let mt = np(g);
    let mut buf = Buffer::default();
    // `low + v` is at most `high`: it fits the dtype.
    let mut next = || Val::I((low + bounded_bits(mt, rng, bits, &mut buf) as i128) as i64);
    match shape {
        None => Ok(Drawn::Val(next())),
        Some(s) => {
            let a = new(dt, s)?;
            fill(a, dt, next);
            Ok(Drawn::Arr(a))
        }
    }
}

/// The least and greatest values of an integer dtype (bool: 0 and 1).
fn dtype_bounds(dt: DType) -> (i128, i128) {
    match dt {
        DType::Bool => (0, 1),
        d if d.is_unsigned() => (0, (1i128 << (d.itemsize() * 8)) - 1),
        d => {
            let b = d.itemsize() as u32 * 8 - 1;
            (-(1i128 << b), (1i128 << b) - 1)
        }
    }
}

/// `randint(low, high)`'s range and offset: values are `off + [0, rng]`.
fn randint_range(low: i128, high: i128) -> Result<(u64, u64), Raised> {
    let high = high - 1;
    if low > high {
        return Err(value_error(if low == 0 {
            "high <= 0"
        } else {
            "low >= high"
        }));
    }
    Ok(((high - low) as u64, low as i64 as u64))
}

/// CPython's `randrange(start, stop, step)` (`stop_only`: called as
/// `randrange(stop)`, here with start 0 and step 1).
fn randrange(
    mt: &mut Mt19937,
    start: i128,
    stop: i128,
    step: i128,
    stop_only: bool,
) -> Result<i128, Raised> {
    if stop_only {
        if stop > 0 {
            return Ok(randbelow(mt, stop as u128) as i128);
        }
        return Err(value_error("empty range for randrange()"));
    }
    let width = stop - start;
    if step == 1 {
        if width > 0 {
            return Ok(start + randbelow(mt, width as u128) as i128);
        }
        return Err(value_error(format!(
            "empty range for randrange() ({start}, {stop}, {width})"
        )));
    }
    // Python's floor division.
    let floor_div = |a: i128, b: i128| {
        let q = a / b;
        if a % b != 0 && ((a < 0) != (b < 0)) {
            q - 1
        } else {
            q
        }
    };
    let n = match step {
        0 => return Err(value_error("zero step for randrange()")),
        s if s > 0 => floor_div(width + s - 1, s),
        s => floor_div(width + s + 1, s),
    };
    if n <= 0 {
        return Err(value_error("empty range for randrange()"));
    }
    Ok(start + step * randbelow(mt, n as u128) as i128)
}

/// `np.random.choice(a, size, replace, p)`: `a` an int (`n`) or a 1-D
/// array, `p` (the draw's weights) absent or a 1-D array.
fn choice(g: &mut Generators, replace: bool, n: Val, args: &DrawArgs) -> Result<Drawn, Raised> {
    let DrawArgs {
        input,
        weights,
        shape,
        new,
        charge,
        ..
    } = *args;
    let pop: i128 = match input {
        Some(a) => a.shape()[0] as i128,
        None => n.as_i64() as i128,
    };
    // `np.prod(size)`: 1 for a scalar draw.
    let count = shape.map_or(1, prod);
    if pop <= 0 && count != 0 {
        return Err(value_error(match input {
            Some(_) => "'a' cannot be empty unless no samples are taken",
            None => "a must be greater than 0 unless no samples are taken",
        }));
    }
    let p = match weights {
        Some(w) => Some(probabilities(w, pop)?),
        None => None,
    };
    let dt = input.map_or(DType::I64, |a| a.dtype);
    let (out, idx): (Option<*mut Array>, Vec<usize>) = if replace {
        // `randint(0, pop, size)`, which draws nothing for no samples, or
        // with `p` the cumulative weights searched for uniform draws.
        let out = match shape {
            Some(s) => Some(new(dt, s)?),
            None => None,
        };
        if count == 0 {
            (out, vec![])
        } else if let Some(p) = &p {
            charge(p.len())?;
            let cdf = cdf(p);
            let mt = np(g);
            let idx = (0..count)
                .map(|_| search_right(&cdf, next_double(mt)))
                .collect();
            (out, idx)
        } else {
            let (rng, _) = randint_range(0, pop)?;
            let mt = np(g);
            let idx = (0..count).map(|_| bounded(mt, rng) as usize).collect();
            (out, idx)
        }
    } else {
        if count > pop {
            return Err(value_error(
                "Cannot take a larger sample than population when 'replace=False'",
            ));
        }
        if count < 0 {
            return Err(value_error("Negative dimensions are not allowed"));
        }
        if let Some(p) = &p {
            if (p.iter().filter(|&&x| x > 0.0).count() as i128) < count {
                return Err(value_error("Fewer non-zero entries in p than size"));
            }
        }
        let out = match shape {
            Some(s) => Some(new(dt, s)?),
            None => None,
        };
        match p {
            Some(p) => (out, unique_draws(np(g), p, count as usize, charge)?),
            None => {
                let mut perm: Vec<usize> = (0..pop as usize).collect();
                shuffle_order(np(g), perm.len(), |i, j| perm.swap(i, j));
                perm.truncate(count as usize);
                (out, perm)
            }
        }
    };
    match (out, input) {
        (None, None) => Ok(Drawn::Val(Val::I(idx[0] as i64))),
        (None, Some(a)) => {
            let p = a.data.wrapping_offset(idx[0] as isize * a.strides()[0]);
            // SAFETY: idx[0] < pop = shape[0]: an element of the 1-D array.
            Ok(Drawn::Val(unsafe { load(a.dtype, p) }))
        }
        (Some(o), None) => {
            let mut it = idx.into_iter();
            fill(o, DType::I64, || Val::I(it.next().unwrap_or(0) as i64));
            Ok(Drawn::Arr(o))
        }
        (Some(o), Some(a)) => {
            gather_rows(a, o, &idx);
            Ok(Drawn::Arr(o))
        }
    }
}

/// `choice`'s `p` as float64 values, checked as NumPy checks them: its
/// size, a Kahan sum that is not NaN, no negative value, and a sum within
/// `sqrt(eps)` of 1 (float32's eps for a float32 array, compared in
/// float32 as NEP 50 has NumPy compare a Python float with one).
fn probabilities(w: &Array, pop: i128) -> Result<Vec<f64>, Raised> {
    let n = w.shape()[0];
    let step = w.strides()[0];
    let p: Vec<f64> = (0..n)
        // SAFETY: i < shape[0] of a 1-D array.
        .map(|i| unsafe { load(w.dtype, w.data.wrapping_offset(i as isize * step)) }.as_f64())
        .collect();
    if n as i128 != pop {
        return Err(value_error("'a' and 'p' must have same size"));
    }
    let sum = kahan_sum(&p);
    if sum.is_nan() {
        return Err(value_error("probabilities contain NaN"));
    }
    if p.iter().any(|&x| x < 0.0) {
        return Err(value_error("probabilities are not non-negative"));
    }
    let off = (sum - 1.0).abs();
    let far = if w.dtype == DType::F32 {
        off as f32 > f32::EPSILON.sqrt()
    } else {
        off > f64::EPSILON.sqrt()
    };
    if far {
        return Err(value_error("probabilities do not sum to 1"));
    }
    Ok(p)
}

/// NumPy's `kahan_sum` (of `_common.pyx`).
fn kahan_sum(v: &[f64]) -> f64 {
    let Some((&first, rest)) = v.split_first() else {
        return 0.0;
    };
    let (mut sum, mut c) = (first, 0.0);
    for &x in rest {
        let y = x - c;
        let t = sum + y;
        c = (t - sum) - y;
        sum = t;
    }
    sum
}

/// `cdf = p.cumsum(); cdf /= cdf[-1]`.
fn cdf(p: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    let mut c: Vec<f64> = p
        .iter()
        .map(|&x| {
            acc += x;
            acc
        })
        .collect();
    if let Some(&last) = c.last() {
        for x in &mut c {
            *x /= last;
        }
    }
    c
}

/// `cdf.searchsorted(u, side='right')`: the first index whose value is
/// above `u`.
fn search_right(cdf: &[f64], u: f64) -> usize {
    cdf.partition_point(|&c| c <= u)
}

/// `choice(..., replace=False, p=p)` as NumPy's legacy loop draws it:
/// `count - found` uniforms a round, searched in the cumulative weights
/// of what is not found yet, the new indices kept in the order they first
/// appear, until `count` are found.
fn unique_draws(
    mt: &mut Mt19937,
    mut p: Vec<f64>,
    count: usize,
    charge: &dyn Fn(usize) -> Result<(), Raised>,
) -> Result<Vec<usize>, Raised> {
    let mut found: Vec<usize> = Vec::with_capacity(count);
    let mut seen = vec![false; p.len()];
    while found.len() < count {
        let xs: Vec<f64> = (0..count - found.len()).map(|_| next_double(mt)).collect();
        for &i in &found {
            p[i] = 0.0;
        }
        charge(p.len() + xs.len())?;
        let cdf = cdf(&p);
        let before = found.len();
        for u in xs {
            let i = search_right(&cdf, u);
            if i < seen.len() && !seen[i] {
                seen[i] = true;
                found.push(i);
            }
        }
        // Each round finds one more at least (what is left has weight, and
        // what was found has none), so this never ends the loop; it keeps
        // the loop bounded should weights ever underflow.
        if found.len() == before {
            return Err(value_error("Fewer non-zero entries in p than size"));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_outputs() {
        // The reference implementation's test vector: init_by_array of
        // {0x123, 0x234, 0x345, 0x456}, first outputs.
        let mut mt = init_by_array(&[0x123, 0x234, 0x345, 0x456]);
        let first: Vec<u32> = (0..5).map(|_| next32(&mut mt)).collect();
        assert_eq!(
            first,
            [1067595299, 955945823, 477289528, 4107218783, 4228976476]
        );
        // init_genrand(5489), the reference's default seed: the 10000th
        // output is 4123659995 (C++11's mt19937 requirement).
        let mut mt = init_genrand(5489);
        let mut v = 0;
        for _ in 0..10000 {
            v = next32(&mut mt);
        }
        assert_eq!(v, 4123659995);
    }

    #[test]
    fn randrange_floors_like_python() {
        let mut mt = init_genrand(1);
        // range(10, 0, -3) has 4 values: 10 7 4 1.
        for _ in 0..100 {
            let v = randrange(&mut mt, 10, 0, -3, false).unwrap();
            assert!([10, 7, 4, 1].contains(&v), "{v}");
        }
        assert!(randrange(&mut mt, 0, 10, -1, false).is_err());
        assert_eq!(
            randrange(&mut mt, 5, 4, 1, false).unwrap_err().1,
            "empty range for randrange() (5, 4, -1)"
        );
    }
}
