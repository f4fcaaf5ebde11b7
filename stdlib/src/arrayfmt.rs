//! NumPy 2's `str()` and `repr()` of arrays and `str()` of scalars.
//!
//! This is a port of the parts of NumPy's `arrayprint.py` that `str(a)` uses
//! under the default print options, together with the Dragon4 float printer
//! (`dragon4.c`) it relies on. Porting Dragon4 itself, rather than rounding a
//! shortest repr, is what makes cutoffs and minimum-digit padding come out
//! digit-for-digit like NumPy (e.g. float32 `1e-05` printed as `9.9999997e-06`
//! next to an 8-digit neighbour).

use std::cmp::Ordering;

use typer::DType;

use crate::fmt::{write_float, write_float32};

pub use vm::runtime::Elem;

// NumPy's default print options.
const THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;
const LINE_WIDTH: usize = 75;
const PRECISION: i32 = 8;

/// `str()` of a NumPy scalar (also what a 0-d array prints as).
pub fn scalar_str(e: Elem) -> String {
    let mut s = String::new();
    match e {
        Elem::Bool(b) => s.push_str(if b { "True" } else { "False" }),
        Elem::Int(i) => s.push_str(&i.to_string()),
        Elem::UInt(u) => s.push_str(&u.to_string()),
        Elem::F32(x) if float32_scalar_is_scientific(x) => {
            s = format_scientific(Fl::F32(x), -1, -1, Trim::DptZeros, -1, -1);
        }
        Elem::F32(x) => write_float32(&mut s, x),
        Elem::F64(x) => write_float(&mut s, x),
    }
    s
}

/// NumPy 2.3+ prints float32 scalars positionally only for
/// `1e-4 <= |x| < 1e6` (float64 keeps Python's 1e16), and compares with the
/// exact 1e-4, so `np.float32(0.0001)`, just below it, prints as `1e-04`.
fn float32_scalar_is_scientific(x: f32) -> bool {
    let a = (x as f64).abs();
    // No float32 lies between the real 1e-4 and the f64 nearest to it.
    a.is_finite() && a != 0.0 && !(1e-4..1e6).contains(&a)
}

/// `str(a)` for an array of `dtype` with `shape`, whose element at a
/// multi-index is `get(index)`.
pub fn array_str(dtype: DType, shape: &[usize], get: &dyn Fn(&[usize]) -> Elem) -> String {
    if shape.is_empty() {
        return scalar_str(get(&[]));
    }
    if shape.contains(&0) {
        return "[]".to_string();
    }
    format_array(dtype, shape, get, " ", " ", LINE_WIDTH)
}

/// Whether an array of `shape` prints only its corners (an overflowing
/// size is certainly over the threshold).
fn summarised(shape: &[usize]) -> bool {
    let size = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    size.is_none_or(|n| n > THRESHOLD)
}

/// NumPy's `_formatArray` of a non-empty array of at least one dimension:
/// its elements in nested brackets, separated by `sep`, continuation lines
/// indented by `indent`, lines wrapped at `width`.
fn format_array(
    dtype: DType,
    shape: &[usize],
    get: &dyn Fn(&[usize]) -> Elem,
    sep: &str,
    indent: &str,
    width: usize,
) -> String {
    let shown = Shown::gather(shape, summarised(shape), get);
    // NumPy sizes columns from the shown elements only, not the hidden ones.
    let format = ElemFormat::new(dtype, &shown.elems);
    let words: Vec<String> = shown.elems.iter().map(|&e| format.apply(e)).collect();
    let layout = Layout {
        dims: &shown.dims,
        cut: &shown.cut,
        words: &words,
        sep,
    };
    layout.block(0, 0, indent, width)
}

/// `repr(a)` for an array of `dtype` with `shape` (NumPy's
/// `_array_repr_implementation`): `array(...)` with the elements separated
/// by commas, then the shape when the size does not show it (empty or
/// summarised arrays) and the dtype unless it is int64, float64 or bool.
pub fn array_repr(dtype: DType, shape: &[usize], get: &dyn Fn(&[usize]) -> Elem) -> String {
    const PREFIX: &str = "array(";
    let empty = shape.contains(&0);
    let body = if shape.is_empty() {
        // A 0-d array formats its element as an array's element.
        let e = get(&[]);
        match e {
            Elem::Bool(b) => (if b { "True" } else { "False" }).to_string(),
            _ => ElemFormat::new(dtype, &[e]).apply(e),
        }
    } else if empty {
        "[]".to_string()
    } else {
        // Room for the closing `)`; continuation lines align under `[`.
        let indent = " ".repeat(PREFIX.len() + 1);
        format_array(dtype, shape, get, ", ", &indent, LINE_WIDTH - 1)
    };
    let mut extras = Vec::new();
    if empty && shape != [0] || !empty && summarised(shape) {
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        let tail = if shape.len() == 1 { "," } else { "" };
        extras.push(format!("shape=({}{tail})", dims.join(", ")));
    }
    if !matches!(dtype, DType::I64 | DType::F64 | DType::Bool) || empty {
        extras.push(format!("dtype={}", dtype.name()));
    }
    if extras.is_empty() {
        return format!("{PREFIX}{body})");
    }
    let text = format!("{PREFIX}{body},");
    let extra = extras.join(", ") + ")";
    let last_line = text.len() - text.rfind('\n').map_or(0, |i| i + 1);
    let spacer = if last_line + extra.len() + 1 > LINE_WIDTH {
        format!("\n{}", " ".repeat(PREFIX.len()))
    } else {
        " ".to_string()
    };
    text + &spacer + &extra
}

/// How many elements `array_str` formats for an array of `shape` (all of
/// them, or the corners of a summarised one); saturates.
pub fn shown_elements(shape: &[usize]) -> usize {
    if shape.contains(&0) {
        return 0;
    }
    let size = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let summarise = size.is_none_or(|n| n > THRESHOLD);
    shape
        .iter()
        .map(|&n| {
            if summarise && n > 2 * EDGE_ITEMS {
                2 * EDGE_ITEMS
            } else {
                n
            }
        })
        .fold(1usize, |acc, n| acc.saturating_mul(n))
}

// ---------------------------------------------------------------------------
// Which elements are printed

/// The corner of the array that gets printed: per axis either every index or
/// the first and last `EDGE_ITEMS` (`cut`), elements in row-major order.
struct Shown {
    dims: Vec<usize>,
    cut: Vec<bool>,
    elems: Vec<Elem>,
}

impl Shown {
    fn gather(shape: &[usize], summarise: bool, get: &dyn Fn(&[usize]) -> Elem) -> Shown {
        let axes: Vec<(Vec<usize>, bool)> =
            shape.iter().map(|&n| axis_indices(n, summarise)).collect();
        let dims: Vec<usize> = axes.iter().map(|(ix, _)| ix.len()).collect();
        let cut = axes.iter().map(|(_, c)| *c).collect();
        let mut elems = Vec::with_capacity(dims.iter().product());
        // An odometer over positions in the shown sub-array.
        let mut pos = vec![0usize; shape.len()];
        let mut index = vec![0usize; shape.len()];
        loop {
            for (k, p) in pos.iter().enumerate() {
                index[k] = axes[k].0[*p];
            }
            elems.push(get(&index));
            if !advance(&mut pos, &dims) {
                break;
            }
        }
        Shown { dims, cut, elems }
    }
}

/// The indices printed along an axis of length `n`, and whether `...` is
/// inserted (NumPy only cuts an axis longer than twice the edge items).
fn axis_indices(n: usize, summarise: bool) -> (Vec<usize>, bool) {
    if summarise && n > 2 * EDGE_ITEMS {
        let ix = (0..EDGE_ITEMS).chain(n - EDGE_ITEMS..n).collect();
        (ix, true)
    } else {
        ((0..n).collect(), false)
    }
}

/// Steps a row-major multi-index; false once it has wrapped around.
fn advance(pos: &mut [usize], dims: &[usize]) -> bool {
    for k in (0..pos.len()).rev() {
        pos[k] += 1;
        if pos[k] < dims[k] {
            return true;
        }
        pos[k] = 0;
    }
    false
}

// ---------------------------------------------------------------------------
// Laying elements out in nested brackets (`_formatArray`)

struct Layout<'a> {
    dims: &'a [usize],
    cut: &'a [bool],
    words: &'a [String],
    /// Between elements: `" "` for `str`, `", "` for `repr`.
    sep: &'a str,
}

impl Layout<'_> {
    /// The bracketed text of the sub-array at `axis` whose first element is
    /// `words[start]`. `indent` is the hanging indent of continuation lines
    /// and `width` the room left before the closing brackets.
    fn block(&self, axis: usize, start: usize, indent: &str, width: usize) -> String {
        let body = if axis + 1 == self.dims.len() {
            self.row(axis, start, indent, width)
        } else {
            self.rows(axis, start, indent, width)
        };
        // The first line's indent is taken by the opening bracket.
        format!("[{}]", &body[indent.len()..])
    }

    /// Positions along `axis`, with `None` where NumPy prints `...`.
    fn items(&self, axis: usize) -> Vec<Option<usize>> {
        let mut items = Vec::with_capacity(self.dims[axis] + 1);
        for i in 0..self.dims[axis] {
            if self.cut[axis] && i == EDGE_ITEMS {
                items.push(None);
            }
            items.push(Some(i));
        }
        items
    }

    /// The innermost axis: words separated by spaces, wrapped at `width`.
    fn row(&self, axis: usize, start: usize, indent: &str, width: usize) -> String {
        // Leave room for the closing bracket.
        let limit = width.saturating_sub(1);
        let items = self.items(axis);
        let (mut text, mut line) = (String::new(), indent.to_string());
        for (k, item) in items.iter().enumerate() {
            let word = item.map_or("...", |i| self.words[start + i].as_str());
            extend_line(&mut text, &mut line, word, limit, indent);
            if k + 1 < items.len() {
                line.push_str(self.sep);
            }
        }
        text + &line
    }

    /// An outer axis: one sub-block per line, with an extra blank line per
    /// further level of nesting (so 3-D blocks are separated by a blank line).
    fn rows(&self, axis: usize, start: usize, indent: &str, width: usize) -> String {
        let stride: usize = self.dims[axis + 1..].iter().product();
        let sep = self.sep.trim_end().to_string() + &"\n".repeat(self.dims.len() - axis - 1);
        let inner_indent = format!("{indent} ");
        let items = self.items(axis);
        let mut text = String::new();
        for (k, item) in items.iter().enumerate() {
            text.push_str(indent);
            match item {
                Some(i) => {
                    let sub = start + i * stride;
                    let width = width.saturating_sub(1);
                    text.push_str(&self.block(axis + 1, sub, &inner_indent, width));
                }
                None => text.push_str("..."),
            }
            if k + 1 < items.len() {
                text.push_str(&sep);
            }
        }
        text
    }
}

/// Appends `word` to `line`, first flushing the line into `text` if the word
/// would overflow `limit` — unless the line holds nothing but the indent,
/// where wrapping would not help (`_extendLine`).
fn extend_line(text: &mut String, line: &mut String, word: &str, limit: usize, indent: &str) {
    if line.len() + word.len() > limit && line.len() > indent.len() {
        text.push_str(line.trim_end());
        text.push('\n');
        *line = indent.to_string();
    }
    line.push_str(word);
}

// ---------------------------------------------------------------------------
// Formatting single elements to a common width

enum ElemFormat {
    /// Right-aligned to the widest shown element.
    Int(usize),
    Bool,
    Float(FloatFormat),
}

impl ElemFormat {
    fn new(dtype: DType, elems: &[Elem]) -> ElemFormat {
        match dtype {
            DType::Bool => ElemFormat::Bool,
            DType::F32 | DType::F64 => {
                let f32 = dtype == DType::F32;
                let data: Vec<Fl> = elems.iter().map(|&e| Fl::from_elem(e, f32)).collect();
                ElemFormat::Float(FloatFormat::new(&data, f32))
            }
            _ => ElemFormat::Int(
                elems
                    .iter()
                    .map(|&e| scalar_str(e).len())
                    .max()
                    .unwrap_or(0),
            ),
        }
    }

    fn apply(&self, e: Elem) -> String {
        match self {
            ElemFormat::Int(w) => format!("{:>w$}", scalar_str(e)),
            // " True" so that True and False columns line up.
            ElemFormat::Bool => if truthy(e) { " True" } else { "False" }.to_string(),
            ElemFormat::Float(f) => f.apply(Fl::from_elem(e, f.f32)),
        }
    }
}

fn truthy(e: Elem) -> bool {
    match e {
        Elem::Bool(b) => b,
        Elem::Int(i) => i != 0,
        Elem::UInt(u) => u != 0,
        Elem::F32(x) => x != 0.0,
        Elem::F64(x) => x != 0.0,
    }
}

/// A float element, keeping its precision: float32 values must be printed
/// with float32's margins, not as the float64 they widen to.
#[derive(Clone, Copy)]
enum Fl {
    F32(f32),
    F64(f64),
}

impl Fl {
    fn from_elem(e: Elem, f32: bool) -> Fl {
        let x = match e {
            Elem::F32(x) if f32 => return Fl::F32(x),
            Elem::F32(x) => x as f64,
            Elem::F64(x) => x,
            Elem::Int(i) => i as f64,
            Elem::UInt(u) => u as f64,
            Elem::Bool(b) => b as u8 as f64,
        };
        if f32 {
            Fl::F32(x as f32)
        } else {
            Fl::F64(x)
        }
    }

    /// The value widened to f64, which is exact for float32.
    fn wide(self) -> f64 {
        match self {
            Fl::F32(x) => x as f64,
            Fl::F64(x) => x,
        }
    }
}

/// NumPy's `FloatingFormat` for floatmode 'maxprec', precision 8.
struct FloatFormat {
    f32: bool,
    exp: bool,
    /// Fractional digits (scientific mode only).
    precision: i32,
    pad_left: usize,
    pad_right: usize,
    exp_size: i32,
}

impl FloatFormat {
    fn new(data: &[Fl], f32: bool) -> FloatFormat {
        let finite: Vec<Fl> = data
            .iter()
            .copied()
            .filter(|x| x.wide().is_finite())
            .collect();
        let mut f = FloatFormat {
            f32,
            exp: needs_exp(&finite, f32),
            precision: PRECISION,
            pad_left: 0,
            pad_right: 0,
            exp_size: -1,
        };
        if finite.is_empty() {
            // Only nan/inf: widths come from those alone.
        } else if f.exp {
            f.fill_scientific(&finite);
        } else {
            f.fill_positional(&finite);
        }
        f.widen_for_non_finite(data, finite.len());
        f
    }

    /// Sizes the columns from a first, unpadded scientific printing: every
    /// element then gets as many fractional digits as the longest needs.
    fn fill_scientific(&mut self, finite: &[Fl]) {
        let (mut int_w, mut frac_w, mut exp_w) = (0, 0, 0);
        for &x in finite {
            let s = format_scientific(x, PRECISION, -1, Trim::Zeros, -1, -1);
            let (mant, exp) = s.split_once('e').unwrap_or((&s, ""));
            let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
            int_w = int_w.max(int.len());
            frac_w = frac_w.max(frac.len());
            exp_w = exp_w.max(exp.len());
        }
        // The exponent's length includes its sign.
        self.exp_size = exp_w as i32 - 1;
        self.precision = frac_w as i32;
        self.pad_left = int_w;
        self.pad_right = exp_w + 1 + frac_w;
    }

    /// Sizes the columns from a first, unpadded positional printing, so
    /// decimal points line up.
    fn fill_positional(&mut self, finite: &[Fl]) {
        for &x in finite {
            let s = format_positional(x, PRECISION, -1, Trim::Zeros, -1, -1);
            let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
            self.pad_left = self.pad_left.max(int.len());
            self.pad_right = self.pad_right.max(frac.len());
        }
    }

    /// `nan`, `inf` and `-inf` are right-aligned to the full width, which
    /// may have to grow for them when the finite values are narrow.
    fn widen_for_non_finite(&mut self, data: &[Fl], n_finite: usize) {
        if data.len() == n_finite {
            return;
        }
        let neginf = data.iter().any(|x| x.wide() == f64::NEG_INFINITY);
        let word: usize = if neginf { 4 } else { 3 };
        let offset = self.pad_right + 1;
        self.pad_left = self.pad_left.max(word.saturating_sub(offset));
    }

    fn apply(&self, x: Fl) -> String {
        let v = x.wide();
        if v.is_nan() || v.is_infinite() {
            let word = if v.is_nan() {
                "nan"
            } else if v < 0.0 {
                "-inf"
            } else {
                "inf"
            };
            let width = self.pad_left + self.pad_right + 1;
            return format!("{word:>width$}");
        }
        let pad_left = self.pad_left as i32;
        if self.exp {
            let p = self.precision;
            format_scientific(x, p, p, Trim::None, pad_left, self.exp_size)
        } else {
            format_positional(
                x,
                PRECISION,
                0,
                Trim::Zeros,
                pad_left,
                self.pad_right as i32,
            )
        }
    }
}

/// Scientific notation is used when the non-zero magnitudes are very large,
/// very small, or span more than three decades. NumPy compares in the
/// array's own precision, so float32 uses float32 thresholds and division.
fn needs_exp(finite: &[Fl], f32: bool) -> bool {
    let abs = finite.iter().map(|x| x.wide().abs()).filter(|&a| a != 0.0);
    let (max, min) = abs.fold((None::<f64>, None::<f64>), |(mx, mn), a| {
        (
            Some(mx.map_or(a, |m| m.max(a))),
            Some(mn.map_or(a, |m| m.min(a))),
        )
    });
    let (Some(max), Some(min)) = (max, min) else {
        return false;
    };
    if f32 {
        // 10**min(8, finfo(float32).precision) = 1e6.
        let (max, min) = (max as f32, min as f32);
        max >= 1e6 || min < 0.0001 || max / min > 1000.0
    } else {
        max >= 1e8 || min < 0.0001 || max / min > 1000.0
    }
}

// ---------------------------------------------------------------------------
// Dragon4 (`dragon4.c`): unique digits with a cutoff, and NumPy's layouts

/// How trailing zeros are treated: 'k' keeps them, '.' trims them but keeps
/// the decimal point, '-' also drops a bare point (scientific scalars).
#[derive(Clone, Copy, PartialEq)]
enum Trim {
    None,
    Zeros,
    DptZeros,
}

/// Whether a digit cutoff counts digits after the point or all digits.
#[derive(Clone, Copy, PartialEq)]
enum Cutoff {
    Fraction,
    Total,
}

/// A finite float as `mantissa * 2^exponent`, with what Dragon4 needs to
/// know about the gap to its neighbours.
struct Decoded {
    mantissa: u64,
    exponent: i32,
    mantissa_bit: u32,
    /// At a power of two the gap above is twice the gap below.
    unequal_margins: bool,
    negative: bool,
}

impl Decoded {
    fn new(x: Fl) -> Decoded {
        match x {
            Fl::F64(v) => Self::from_bits(v.to_bits(), 52, 11),
            Fl::F32(v) => Self::from_bits(v.to_bits() as u64, 23, 8),
        }
    }

    /// Splits IEEE bits with `frac_bits` of fraction and `exp_bits` of
    /// exponent.
    fn from_bits(bits: u64, frac_bits: u32, exp_bits: u32) -> Decoded {
        let frac = bits & ((1u64 << frac_bits) - 1);
        let biased = ((bits >> frac_bits) & ((1u64 << exp_bits) - 1)) as i32;
        let negative = (bits >> (frac_bits + exp_bits)) & 1 == 1;
        let bias = (1i32 << (exp_bits - 1)) - 1;
        if biased != 0 {
            Decoded {
                mantissa: (1u64 << frac_bits) | frac,
                exponent: biased - bias - frac_bits as i32,
                mantissa_bit: frac_bits,
                unequal_margins: biased != 1 && frac == 0,
                negative,
            }
        } else {
            Decoded {
                mantissa: frac,
                exponent: 1 - bias - frac_bits as i32,
                mantissa_bit: frac.checked_ilog2().unwrap_or(0),
                unequal_margins: false,
                negative,
            }
        }
    }
}

/// `dragon4_positional(x, precision, min_digits, unique=True,
/// fractional=True, trim, pad_left, pad_right)`; -1 means "not given".
/// Only 'k' and '.' trimming are needed positionally (scalars reuse
/// `crate::fmt`), so `Trim::DptZeros` is treated like `Trim::Zeros`.
fn format_positional(
    x: Fl,
    precision: i32,
    min_digits: i32,
    trim: Trim,
    pad_left: i32,
    pad_right: i32,
) -> String {
    let d = Decoded::new(x);
    let (digits, exp) = dragon4(&d, Cutoff::Fraction, precision, min_digits);
    let mut out = String::new();
    if d.negative {
        out.push('-');
    }
    let (whole, mut frac) = place_point(&mut out, &digits, exp);
    if frac == 0 {
        out.push('.');
    }
    if trim == Trim::None {
        while frac < min_digits.max(0) as usize {
            out.push('0');
            frac += 1;
        }
    } else {
        frac -= trim_zeros(&mut out, frac);
    }
    for _ in frac..pad_right.max(0) as usize {
        out.push(' ');
    }
    let used = whole + d.negative as usize;
    let pad = (pad_left.max(0) as usize).saturating_sub(used);
    " ".repeat(pad) + &out
}

/// Writes `digits` (first digit at decimal exponent `exp`) positionally,
/// returning the counts of whole and fractional digits written.
fn place_point(out: &mut String, digits: &str, exp: i32) -> (usize, usize) {
    if exp >= 0 {
        let whole = exp as usize + 1;
        if digits.len() <= whole {
            out.push_str(digits);
            out.push_str(&"0".repeat(whole - digits.len()));
            (whole, 0)
        } else {
            out.push_str(&digits[..whole]);
            out.push('.');
            out.push_str(&digits[whole..]);
            (whole, digits.len() - whole)
        }
    } else {
        let zeros = (-exp - 1) as usize;
        out.push_str("0.");
        out.push_str(&"0".repeat(zeros));
        out.push_str(digits);
        (1, zeros + digits.len())
    }
}

/// Drops trailing fractional zeros (at most `frac` of them, so the point
/// stays), returning how many went.
fn trim_zeros(out: &mut String, frac: usize) -> usize {
    let mut n = 0;
    while n < frac && out.ends_with('0') {
        out.pop();
        n += 1;
    }
    n
}

/// `dragon4_scientific(x, precision, min_digits, unique=True, trim,
/// pad_left, exp_digits)`; -1 means "not given".
fn format_scientific(
    x: Fl,
    precision: i32,
    min_digits: i32,
    trim: Trim,
    pad_left: i32,
    exp_digits: i32,
) -> String {
    let d = Decoded::new(x);
    // Precisions count digits after the first one.
    let total = |p: i32| if p < 0 { -1 } else { p + 1 };
    let (digits, exp) = dragon4(&d, Cutoff::Total, total(precision), total(min_digits));
    let lead = 1 + d.negative as usize;
    let mut out = " ".repeat((pad_left.max(0) as usize).saturating_sub(lead));
    if d.negative {
        out.push('-');
    }
    out.push_str(&digits[..1]);
    let mut frac = digits.len() - 1;
    if frac > 0 || trim != Trim::DptZeros {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    if trim == Trim::None {
        while frac < min_digits.max(0) as usize {
            out.push('0');
            frac += 1;
        }
    } else {
        trim_zeros(&mut out, frac);
    }
    push_exponent(&mut out, exp, exp_digits);
    out
}

/// `e+XX`, with at least `exp_digits` digits (2 when not given, at most 5).
fn push_exponent(out: &mut String, exp: i32, exp_digits: i32) {
    let width = if exp_digits < 0 { 2 } else { exp_digits.min(5) } as usize;
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    out.push_str(&format!("{:0width$}", exp.unsigned_abs()));
}

/// The integers Dragon4 works with: the value, the unit of the current
/// digit (`scale`) and half the gap to the neighbouring floats (`margin`,
/// doubled above a power of two), all scaled by one common factor.
struct Scaled {
    value: Big,
    scale: Big,
    margin: Big,
    unequal: bool,
}

impl Scaled {
    fn new(d: &Decoded) -> Scaled {
        // Everything carries a factor 2 (4 with unequal margins) so the
        // half-gaps are integers.
        let extra = if d.unequal_margins { 2 } else { 1 };
        let mut value = Big::from_u64(d.mantissa);
        let (scale, margin);
        if d.exponent > 0 {
            value.shl(d.exponent as u32 + extra);
            scale = Big::pow2(extra);
            margin = Big::pow2(d.exponent as u32);
        } else {
            value.shl(extra);
            scale = Big::pow2((-d.exponent) as u32 + extra);
            margin = Big::from_u64(1);
        }
        Scaled {
            value,
            scale,
            margin,
            unequal: d.unequal_margins,
        }
    }

    fn margin_high(&self) -> Big {
        let mut m = self.margin.clone();
        if self.unequal {
            m.shl(1);
        }
        m
    }

    /// Moves the value and margins up one decimal digit.
    fn times_ten(&mut self) {
        self.value.mul_small(10);
        self.margin.mul_small(10);
    }
}

/// Dragon4 in unique mode: the shortest digits that identify the float,
/// but stopping at the `cutoff_max` digit and continuing (with the exact
/// value's digits) to at least `cutoff_min`; -1 disables either. Returns
/// the digits and the decimal exponent of the first one.
fn dragon4(d: &Decoded, mode: Cutoff, cutoff_max: i32, cutoff_min: i32) -> (String, i32) {
    if d.mantissa == 0 {
        return ("0".to_string(), 0);
    }
    let mut s = Scaled::new(d);
    let mut digit_exp = first_digit_exponent(d, mode, cutoff_max, &mut s);
    let first_exp = digit_exp - 1;
    let cutoff_at = |c: i32| match mode {
        Cutoff::Total => digit_exp - c,
        Cutoff::Fraction => -c,
    };
    // Without a cutoff the output buffer's size is the limit.
    let max_exp = if cutoff_max >= 0 {
        cutoff_at(cutoff_max).max(digit_exp - 16384)
    } else {
        digit_exp - 16384
    };
    let min_exp = if cutoff_min >= 0 {
        cutoff_at(cutoff_min).min(digit_exp)
    } else {
        digit_exp
    };
    let even = d.mantissa.is_multiple_of(2);
    let mut digits = String::new();
    loop {
        digit_exp -= 1;
        let digit = s.value.div_digit(&s.scale);
        let high_end = s.value.add(&s.margin_high());
        // IEEE round-half-even: an even mantissa owns its boundaries.
        let (cmp_low, cmp_high) = (s.value.cmp(&s.margin), high_end.cmp(&s.scale));
        let low = if even {
            cmp_low.is_le()
        } else {
            cmp_low.is_lt()
        };
        let high = if even {
            cmp_high.is_ge()
        } else {
            cmp_high.is_gt()
        };
        if ((low || high) && digit_exp <= min_exp) || digit_exp == max_exp {
            let exp = round_last(&mut digits, digit, low, high, &mut s);
            return (digits, first_exp + exp);
        }
        digits.push(char::from(b'0' + digit as u8));
        s.times_ten();
    }
}

/// Estimates (then corrects) the exponent one above the first digit and
/// scales the value to `[0.1, 1)` of `scale`, or below that when a
/// fractional cutoff makes the leading digits zeros anyway.
fn first_digit_exponent(d: &Decoded, mode: Cutoff, cutoff_max: i32, s: &mut Scaled) -> i32 {
    // Deliberately biased low by 0.69, exactly as NumPy does, so the
    // correction below triggers the same way.
    let bits = d.mantissa_bit as i32 + d.exponent;
    let mut digit_exp = (bits as f64 * std::f64::consts::LOG10_2 - 0.69).ceil() as i32;
    if cutoff_max >= 0 && mode == Cutoff::Fraction && digit_exp <= -cutoff_max {
        digit_exp = -cutoff_max + 1;
    }
    if digit_exp > 0 {
        s.scale.mul_pow10(digit_exp as u32);
    } else if digit_exp < 0 {
        s.value.mul_pow10((-digit_exp) as u32);
        s.margin.mul_pow10((-digit_exp) as u32);
    }
    if s.value >= s.scale {
        digit_exp += 1;
    } else {
        s.times_ten();
    }
    digit_exp
}

/// Appends the final `digit`, rounded to nearest (ties to even digit) unless
/// only one direction stays within the float's rounding interval. Returns 1
/// if a carry ran off the front (`999` → `1` one decade up), else 0.
fn round_last(digits: &mut String, digit: u32, low: bool, high: bool, s: &mut Scaled) -> i32 {
    let round_down = if low == high {
        s.value.shl(1);
        match s.value.cmp(&s.scale) {
            Ordering::Less => true,
            Ordering::Greater => false,
            Ordering::Equal => digit.is_multiple_of(2),
        }
    } else {
        low
    };
    if round_down {
        digits.push(char::from(b'0' + digit as u8));
        return 0;
    }
    if digit < 9 {
        digits.push(char::from(b'0' + digit as u8 + 1));
        return 0;
    }
    while let Some(c) = digits.pop() {
        if c != '9' {
            digits.push(char::from(c as u8 + 1));
            return 0;
        }
    }
    digits.push('1');
    1
}

/// Just enough unsigned big-integer arithmetic for Dragon4: little-endian
/// 32-bit limbs with no high zero limbs, so zero is the empty vector.
#[derive(Clone, PartialEq, Eq, Debug)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.normalize();
        b
    }

    fn pow2(n: u32) -> Big {
        let mut b = Big::from_u64(1);
        b.shl(n);
        b
    }

    fn normalize(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn shl(&mut self, n: u32) {
        if self.0.is_empty() {
            return;
        }
        let bits = n % 32;
        if bits > 0 {
            let mut carry = 0;
            for limb in self.0.iter_mut() {
                let v = *limb;
                *limb = (v << bits) | carry;
                carry = v >> (32 - bits);
            }
            if carry != 0 {
                self.0.push(carry);
            }
        }
        let limbs = (n / 32) as usize;
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in self.0.iter_mut() {
            let p = *limb as u64 * m as u64 + carry;
            *limb = p as u32;
            carry = p >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
        self.normalize();
    }

    fn mul_pow10(&mut self, mut n: u32) {
        while n >= 9 {
            self.mul_small(1_000_000_000);
            n -= 9;
        }
        self.mul_small(10u32.pow(n));
    }

    fn add(&self, other: &Big) -> Big {
        let len = self.0.len().max(other.0.len());
        let mut out = Vec::with_capacity(len + 1);
        let mut carry = 0u64;
        for i in 0..len {
            let a = *self.0.get(i).unwrap_or(&0) as u64;
            let b = *other.0.get(i).unwrap_or(&0) as u64;
            let s = a + b + carry;
            out.push(s as u32);
            carry = s >> 32;
        }
        if carry != 0 {
            out.push(carry as u32);
        }
        Big(out)
    }

    /// `self -= other`; the caller guarantees `self >= other`.
    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let b = *other.0.get(i).unwrap_or(&0) as i64;
            let mut d = self.0[i] as i64 - b - borrow;
            borrow = (d < 0) as i64;
            if d < 0 {
                d += 1 << 32;
            }
            self.0[i] = d as u32;
        }
        self.normalize();
    }

    /// Divides out one decimal digit: `self = self % d`, returning the
    /// quotient, which Dragon4's scaling keeps below 10.
    fn div_digit(&mut self, d: &Big) -> u32 {
        let mut q = 0;
        while *self >= *d {
            self.sub_assign(d);
            q += 1;
        }
        debug_assert!(q < 10);
        q
    }
}

impl Ord for Big {
    fn cmp(&self, other: &Big) -> Ordering {
        let by_len = self.0.len().cmp(&other.0.len());
        by_len.then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Big) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `array_str` of a row-major buffer.
    fn show(dtype: DType, shape: &[usize], data: &[Elem]) -> String {
        assert_eq!(shape.iter().product::<usize>(), data.len(), "bad test data");
        let get = |ix: &[usize]| data[flat_index(shape, ix)];
        array_str(dtype, shape, &get)
    }

    fn flat_index(shape: &[usize], ix: &[usize]) -> usize {
        shape.iter().zip(ix).fold(0, |acc, (&n, &i)| {
            assert!(i < n, "index {ix:?} out of {shape:?}");
            acc * n + i
        })
    }

    #[test]
    fn shown_elements_counts_what_is_formatted() {
        for shape in [
            &[][..],
            &[0],
            &[5],
            &[1000],
            &[1001],
            &[4, 300],
            &[2, 3, 200],
            &[7, 0, 9],
            &[1, 2000],
        ] {
            let calls = std::cell::Cell::new(0usize);
            let get = |_: &[usize]| {
                calls.set(calls.get() + 1);
                Elem::Int(1)
            };
            array_str(DType::I64, shape, &get);
            assert_eq!(shown_elements(shape), calls.get(), "{shape:?}");
        }
        assert_eq!(shown_elements(&[usize::MAX, usize::MAX]), 36);
    }

    fn f64s(shape: &[usize], data: &[f64]) -> String {
        let elems: Vec<Elem> = data.iter().map(|&x| Elem::F64(x)).collect();
        show(DType::F64, shape, &elems)
    }

    fn f32s(shape: &[usize], data: &[f32]) -> String {
        let elems: Vec<Elem> = data.iter().map(|&x| Elem::F32(x)).collect();
        show(DType::F32, shape, &elems)
    }

    fn ints(dtype: DType, shape: &[usize], data: &[i64]) -> String {
        let elems: Vec<Elem> = data.iter().map(|&x| Elem::Int(x)).collect();
        show(dtype, shape, &elems)
    }

    fn uints(dtype: DType, shape: &[usize], data: &[u64]) -> String {
        let elems: Vec<Elem> = data.iter().map(|&x| Elem::UInt(x)).collect();
        show(dtype, shape, &elems)
    }

    fn bools(shape: &[usize], data: &[bool]) -> String {
        let elems: Vec<Elem> = data.iter().map(|&x| Elem::Bool(x)).collect();
        show(DType::Bool, shape, &elems)
    }

    /// An array given by a function of its flat index, for big shapes.
    fn gen(dtype: DType, shape: &[usize], f: impl Fn(usize) -> Elem) -> String {
        let get = |ix: &[usize]| f(flat_index(shape, ix));
        array_str(dtype, shape, &get)
    }

    #[test]
    fn ints_every_dtype() {
        assert_eq!(ints(DType::I64, &[4], &[0, 3, 6, 9]), "[0 3 6 9]");
        assert_eq!(ints(DType::I64, &[3], &[-1, 10, 3]), "[-1 10  3]");
        assert_eq!(ints(DType::I8, &[3], &[-128, 0, 127]), "[-128    0  127]");
        assert_eq!(
            ints(DType::I16, &[3], &[-32768, 5, 32767]),
            "[-32768      5  32767]"
        );
        assert_eq!(
            ints(DType::I32, &[3], &[-2147483648, 7, 2147483647]),
            "[-2147483648           7  2147483647]"
        );
        assert_eq!(
            ints(
                DType::I64,
                &[3],
                &[-9223372036854775808, 0, 9223372036854775807]
            ),
            "[-9223372036854775808                    0  9223372036854775807]"
        );
        assert_eq!(uints(DType::U8, &[3], &[0, 255, 7]), "[  0 255   7]");
        assert_eq!(
            uints(DType::U16, &[3], &[65535, 0, 1]),
            "[65535     0     1]"
        );
        assert_eq!(
            uints(DType::U32, &[2], &[4294967295, 12]),
            "[4294967295         12]"
        );
        assert_eq!(
            uints(DType::U64, &[2], &[18446744073709551615, 0]),
            "[18446744073709551615                    0]"
        );
        assert_eq!(ints(DType::I64, &[1], &[5]), "[5]");
        assert_eq!(ints(DType::I64, &[3], &[-5, -50, -500]), "[  -5  -50 -500]");
        assert_eq!(ints(DType::I64, &[2, 2], &[1, 2, 3, 4]), "[[1 2]\n [3 4]]");
        assert_eq!(
            ints(DType::I64, &[4, 5], &[0, 1, -1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 500, 15, 16, 17, 18, 19]),
            "[[  0   1  -1   3   4]\n [  5   6   7   8   9]\n [ 10  11  12  13 500]\n [ 15  16  17  18  19]]"
        );
        assert_eq!(
            ints(DType::I64, &[2, 2, 2], &[0, 1, 2, 3, 4, 5, 6, 7]),
            "[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]"
        );
        assert_eq!(
            ints(DType::I64, &[2, 3, 4], &[-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]),
            "[[[-5 -4 -3 -2]\n  [-1  0  1  2]\n  [ 3  4  5  6]]\n\n [[ 7  8  9 10]\n  [11 12 13 14]\n  [15 16 17 18]]]"
        );
        assert_eq!(
            ints(DType::I64, &[2, 2, 2, 2], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
            "[[[[ 0  1]\n   [ 2  3]]\n\n  [[ 4  5]\n   [ 6  7]]]\n\n\n [[[ 8  9]\n   [10 11]]\n\n  [[12 13]\n   [14 15]]]]"
        );
        assert_eq!(
            ints(DType::I64, &[1, 1, 6], &[0, 1, 2, 3, 4, 5]),
            "[[[0 1 2 3 4 5]]]"
        );
        assert_eq!(ints(DType::I64, &[3, 1], &[0, 1, 2]), "[[0]\n [1]\n [2]]");
    }

    #[test]
    fn bool_arrays() {
        assert_eq!(bools(&[3], &[true, false, true]), "[ True False  True]");
        assert_eq!(bools(&[1], &[false]), "[False]");
        assert_eq!(bools(&[2], &[true, true]), "[ True  True]");
        assert_eq!(
            bools(&[2, 2], &[true, false, false, true]),
            "[[ True False]\n [False  True]]"
        );
        assert_eq!(
            bools(&[2, 1, 1], &[false, true]),
            "[[[False]]\n\n [[ True]]]"
        );
    }

    #[test]
    fn floats_positional() {
        assert_eq!(f64s(&[3], &[0.0, 1.5, 3.0]), "[0.  1.5 3. ]");
        assert_eq!(f64s(&[3], &[1.0, 2.0, 3.0]), "[1. 2. 3.]");
        assert_eq!(
            f64s(&[3], &[0.1, 0.25, 0.3333333333333333]),
            "[0.1        0.25       0.33333333]"
        );
        assert_eq!(f64s(&[3], &[-1.5, 2.0, 100.25]), "[ -1.5    2.   100.25]");
        assert_eq!(f64s(&[2], &[0.5, 0.001]), "[0.5   0.001]");
        assert_eq!(
            f64s(&[2], &[0.6666666666666666, -0.6666666666666666]),
            "[ 0.66666667 -0.66666667]"
        );
        assert_eq!(f64s(&[1], &[1.5]), "[1.5]");
        assert_eq!(
            f64s(
                &[11],
                &[
                    0.0,
                    0.1,
                    0.2,
                    0.30000000000000004,
                    0.4,
                    0.5,
                    0.6000000000000001,
                    0.7000000000000001,
                    0.8,
                    0.9,
                    1.0
                ]
            ),
            "[0.  0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1. ]"
        );
        assert_eq!(
            f64s(&[4], &[0.0, 3.3333333333333335, 6.666666666666667, 10.0]),
            "[ 0.          3.33333333  6.66666667 10.        ]"
        );
        assert_eq!(f64s(&[2], &[0.0001, 0.0002]), "[0.0001 0.0002]");
        assert_eq!(f64s(&[2], &[99999999.0, 100000.0]), "[99999999.   100000.]");
        assert_eq!(
            f64s(&[2], &[12345678.9, 99999.5]),
            "[12345678.9    99999.5]"
        );
        assert_eq!(f64s(&[2], &[0.30000000000000004, 1.0]), "[0.3 1. ]");
        assert_eq!(f64s(&[2], &[0.123456789, 0.5]), "[0.12345679 0.5       ]");
        assert_eq!(f64s(&[2], &[0.999999999, 0.5]), "[1.  0.5]");
        assert_eq!(f64s(&[2], &[9.999999996, 1.0]), "[10.  1.]");
        assert_eq!(
            f64s(&[2], &[1.00000001, 1.000000005]),
            "[1.00000001 1.        ]"
        );
        assert_eq!(f64s(&[2], &[0.0, 0.0]), "[0. 0.]");
        assert_eq!(f64s(&[3], &[-0.0, 0.0, 1.0]), "[-0.  0.  1.]");
        assert_eq!(f64s(&[1], &[-0.0]), "[-0.]");
        assert_eq!(f64s(&[2], &[0.001953125, 0.5]), "[0.00195312 0.5       ]");
        assert_eq!(f64s(&[2], &[0.0009765625, 0.5]), "[0.00097656 0.5       ]");
        assert_eq!(f64s(&[2], &[0.0, 0.0]), "[0. 0.]");
        assert_eq!(f64s(&[2], &[0.0, 123.456]), "[  0.    123.456]");
        assert_eq!(
            f64s(&[2, 2], &[1.0, -2.5, 3.25, 0.001]),
            "[[ 1.00e+00 -2.50e+00]\n [ 3.25e+00  1.00e-03]]"
        );
        assert_eq!(
            f64s(&[2, 3], &[0.0, 0.5, 1.0, 1.5, 2.0, 2.5]),
            "[[0.  0.5 1. ]\n [1.5 2.  2.5]]"
        );
        assert_eq!(
            f64s(&[2, 2, 2], &[0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75]),
            "[[[0.   0.25]\n  [0.5  0.75]]\n\n [[1.   1.25]\n  [1.5  1.75]]]"
        );
    }

    #[test]
    fn floats_scientific() {
        assert_eq!(f64s(&[2], &[1e-05, 1.0]), "[1.e-05 1.e+00]");
        assert_eq!(f64s(&[2], &[1.0, 1e+16]), "[1.e+00 1.e+16]");
        assert_eq!(
            f64s(&[2], &[123456789.0, 1.0]),
            "[1.23456789e+08 1.00000000e+00]"
        );
        assert_eq!(f64s(&[2], &[1e-10, 1e-12]), "[1.e-10 1.e-12]");
        assert_eq!(f64s(&[2], &[100000000.0, 1.0]), "[1.e+08 1.e+00]");
        assert_eq!(f64s(&[2], &[100000000.0, 10000000.0]), "[1.e+08 1.e+07]");
        assert_eq!(f64s(&[2], &[1000.0, 0.001]), "[1.e+03 1.e-03]");
        assert_eq!(f64s(&[2], &[1.0, 1.5e-07]), "[1.0e+00 1.5e-07]");
        assert_eq!(
            f64s(&[2, 2], &[1.0, -2.5, 1000.0, 0.001]),
            "[[ 1.0e+00 -2.5e+00]\n [ 1.0e+03  1.0e-03]]"
        );
        assert_eq!(f64s(&[2], &[1e+100, 1e-100]), "[1.e+100 1.e-100]");
        assert_eq!(
            f64s(&[2], &[1.7976931348623157e+308, 5e-324]),
            "[1.79769313e+308 4.94065646e-324]"
        );
        assert_eq!(
            f64s(&[2], &[2.2250738585072014e-308, 1.0]),
            "[2.22507386e-308 1.00000000e+000]"
        );
        assert_eq!(
            f64s(&[3], &[-1e-05, 0.0, 100000.0]),
            "[-1.e-05  0.e+00  1.e+05]"
        );
        assert_eq!(
            f64s(&[2], &[1.23456789012e-05, 1.0]),
            "[1.23456789e-05 1.00000000e+00]"
        );
        assert_eq!(
            f64s(&[2], &[6.02214076e+23, 1.602176634e-19]),
            "[6.02214076e+23 1.60217663e-19]"
        );
        assert_eq!(f64s(&[2], &[9.99999999999e-05, 1.0]), "[1.e-04 1.e+00]");
        assert_eq!(
            f64s(&[3], &[1.234e-05, 5678.0, -0.0]),
            "[ 1.234e-05  5.678e+03 -0.000e+00]"
        );
        assert_eq!(f64s(&[2], &[1e+22, 1e+21]), "[1.e+22 1.e+21]");
        assert_eq!(
            f64s(&[3], &[1.5e+300, -2.5e-300, 0.0]),
            "[ 1.5e+300 -2.5e-300  0.0e+000]"
        );
    }

    #[test]
    fn floats_nan_inf() {
        assert_eq!(
            f64s(&[3], &[f64::NAN, 1.0, -f64::INFINITY]),
            "[ nan   1. -inf]"
        );
        assert_eq!(f64s(&[1], &[f64::NAN]), "[nan]");
        assert_eq!(f64s(&[1], &[f64::INFINITY]), "[inf]");
        assert_eq!(f64s(&[2], &[-f64::INFINITY, f64::INFINITY]), "[-inf  inf]");
        assert_eq!(f64s(&[2], &[f64::NAN, f64::NAN]), "[nan nan]");
        assert_eq!(f64s(&[2], &[f64::NAN, 1e-10]), "[   nan 1.e-10]");
        assert_eq!(
            f64s(&[3], &[f64::INFINITY, 1e-10, -1.0]),
            "[    inf  1.e-10 -1.e+00]"
        );
        assert_eq!(f64s(&[3], &[f64::NAN, 0.5, 0.25]), "[ nan 0.5  0.25]");
        assert_eq!(f64s(&[2], &[f64::INFINITY, 123.456]), "[    inf 123.456]");
        assert_eq!(f64s(&[3], &[-f64::INFINITY, 1.5, 2.0]), "[-inf  1.5  2. ]");
        assert_eq!(
            f64s(&[2, 2], &[f64::NAN, 1.0, 2.0, -f64::INFINITY]),
            "[[ nan   1.]\n [  2. -inf]]"
        );
        assert_eq!(f64s(&[3], &[0.0, f64::NAN, -0.0]), "[ 0. nan -0.]");
        assert_eq!(f64s(&[2], &[1e+20, f64::NAN]), "[1.e+20    nan]");
    }

    #[test]
    fn float32_arrays() {
        assert_eq!(f32s(&[3], &[0.1, 0.2, 0.3]), "[0.1 0.2 0.3]");
        assert_eq!(f32s(&[2], &[0.3, 0.6]), "[0.3 0.6]");
        assert_eq!(
            f32s(&[3], &[0.3, 0.6, 0.90000004]),
            "[0.3        0.6        0.90000004]"
        );
        assert_eq!(
            f32s(&[2], &[0.33333334, 0.6666667]),
            "[0.33333334 0.6666667 ]"
        );
        assert_eq!(
            f32s(&[3], &[0.33333334, 0.0, 0.0]),
            "[0.33333334 0.         0.        ]"
        );
        assert_eq!(
            f32s(&[5], &[-1.0, -0.5, 0.0, 0.5, 1.0]),
            "[-1.  -0.5  0.   0.5  1. ]"
        );
        assert_eq!(
            f32s(&[5], &[1.7, -1.7, 2.5, -0.5, 3.99]),
            "[ 1.7  -1.7   2.5  -0.5   3.99]"
        );
        assert_eq!(
            f32s(&[3], &[0.33333334, 0.33333334, 0.33333334]),
            "[0.33333334 0.33333334 0.33333334]"
        );
        assert_eq!(f32s(&[2], &[1e-04, 0.0002]), "[0.0001 0.0002]");
        assert_eq!(
            f32s(&[2], &[1e-05, 1.2345678e-05]),
            "[9.9999997e-06 1.2345678e-05]"
        );
        assert_eq!(f32s(&[2], &[1e+06, 1.0]), "[1.e+06 1.e+00]");
        assert_eq!(f32s(&[2], &[999999.0, 1.0]), "[9.99999e+05 1.00000e+00]");
        assert_eq!(f32s(&[2], &[999999.0, 100000.0]), "[999999. 100000.]");
        assert_eq!(f32s(&[2], &[1e+06, 100000.0]), "[1.e+06 1.e+05]");
        assert_eq!(
            f32s(&[2], &[1.6777216e+07, 1e+07]),
            "[1.6777216e+07 1.0000000e+07]"
        );
        assert_eq!(
            f32s(&[2], &[3.4028235e+38, 1e-45]),
            "[3.4028235e+38 1.4012985e-45]"
        );
        assert_eq!(
            f32s(&[3], &[f32::NAN, f32::INFINITY, -0.0]),
            "[nan inf -0.]"
        );
        assert_eq!(f32s(&[2], &[0.1, 1e-07]), "[1.e-01 1.e-07]");
        assert_eq!(
            f32s(&[2, 2], &[1.0, 2.5, -3.0, 4.125]),
            "[[ 1.     2.5  ]\n [-3.     4.125]]"
        );
        assert_eq!(f32s(&[3], &[1.21, 2.42, 3.63]), "[1.21 2.42 3.63]");
    }

    #[test]
    fn wrapping() {
        assert_eq!(
            ints(DType::I64, &[30], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]),
            "[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n 24 25 26 27 28 29]"
        );
        assert_eq!(
            ints(DType::I64, &[40], &[0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000, 18000, 19000, 20000, 21000, 22000, 23000, 24000, 25000, 26000, 27000, 28000, 29000, 30000, 31000, 32000, 33000, 34000, 35000, 36000, 37000, 38000, 39000]),
            "[    0  1000  2000  3000  4000  5000  6000  7000  8000  9000 10000 11000\n 12000 13000 14000 15000 16000 17000 18000 19000 20000 21000 22000 23000\n 24000 25000 26000 27000 28000 29000 30000 31000 32000 33000 34000 35000\n 36000 37000 38000 39000]"
        );
        assert_eq!(
            f64s(&[20], &[0.0, 0.05263157894736842, 0.10526315789473684, 0.15789473684210525, 0.21052631578947367, 0.2631578947368421, 0.3157894736842105, 0.3684210526315789, 0.42105263157894735, 0.47368421052631576, 0.5263157894736842, 0.5789473684210527, 0.631578947368421, 0.6842105263157894, 0.7368421052631579, 0.7894736842105263, 0.8421052631578947, 0.894736842105263, 0.9473684210526315, 1.0]),
            "[0.         0.05263158 0.10526316 0.15789474 0.21052632 0.26315789\n 0.31578947 0.36842105 0.42105263 0.47368421 0.52631579 0.57894737\n 0.63157895 0.68421053 0.73684211 0.78947368 0.84210526 0.89473684\n 0.94736842 1.        ]"
        );
        assert_eq!(
            f64s(&[3, 10], &[-1.0, -0.9310344827586207, -0.8620689655172413, -0.7931034482758621, -0.7241379310344828, -0.6551724137931034, -0.5862068965517242, -0.5172413793103449, -0.4482758620689655, -0.3793103448275862, -0.31034482758620685, -0.24137931034482762, -0.1724137931034483, -0.10344827586206895, -0.034482758620689724, 0.034482758620689724, 0.10344827586206895, 0.17241379310344818, 0.24137931034482762, 0.31034482758620685, 0.3793103448275863, 0.4482758620689655, 0.5172413793103448, 0.5862068965517242, 0.6551724137931034, 0.7241379310344827, 0.7931034482758621, 0.8620689655172413, 0.9310344827586206, 1.0]),
            "[[-1.         -0.93103448 -0.86206897 -0.79310345 -0.72413793 -0.65517241\n  -0.5862069  -0.51724138 -0.44827586 -0.37931034]\n [-0.31034483 -0.24137931 -0.17241379 -0.10344828 -0.03448276  0.03448276\n   0.10344828  0.17241379  0.24137931  0.31034483]\n [ 0.37931034  0.44827586  0.51724138  0.5862069   0.65517241  0.72413793\n   0.79310345  0.86206897  0.93103448  1.        ]]"
        );
        assert_eq!(
            ints(DType::I64, &[2, 50], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99]),
            "[[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n  24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47\n  48 49]\n [50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73\n  74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97\n  98 99]]"
        );
        assert_eq!(
            ints(DType::I64, &[2, 2, 15], &[0, 123457, 246914, 370371, 493828, 617285, 740742, 864199, 987656, 1111113, 1234570, 1358027, 1481484, 1604941, 1728398, 1851855, 1975312, 2098769, 2222226, 2345683, 2469140, 2592597, 2716054, 2839511, 2962968, 3086425, 3209882, 3333339, 3456796, 3580253, 3703710, 3827167, 3950624, 4074081, 4197538, 4320995, 4444452, 4567909, 4691366, 4814823, 4938280, 5061737, 5185194, 5308651, 5432108, 5555565, 5679022, 5802479, 5925936, 6049393, 6172850, 6296307, 6419764, 6543221, 6666678, 6790135, 6913592, 7037049, 7160506, 7283963]),
            "[[[      0  123457  246914  370371  493828  617285  740742  864199\n    987656 1111113 1234570 1358027 1481484 1604941 1728398]\n  [1851855 1975312 2098769 2222226 2345683 2469140 2592597 2716054\n   2839511 2962968 3086425 3209882 3333339 3456796 3580253]]\n\n [[3703710 3827167 3950624 4074081 4197538 4320995 4444452 4567909\n   4691366 4814823 4938280 5061737 5185194 5308651 5432108]\n  [5555565 5679022 5802479 5925936 6049393 6172850 6296307 6419764\n   6543221 6666678 6790135 6913592 7037049 7160506 7283963]]]"
        );
        assert_eq!(
            bools(&[30], &[true, false, true, false, true, false, true, false, true, false, true, false, true, false, true, false, true, false, true, false, true, false, true, false, true, false, true, false, true, false]),
            "[ True False  True False  True False  True False  True False  True False\n  True False  True False  True False  True False  True False  True False\n  True False  True False  True False]"
        );
        assert_eq!(
            uints(
                DType::U8,
                &[26],
                &[
                    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                    22, 23, 24, 25
                ]
            ),
            "[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n 24 25]"
        );
        assert_eq!(
            uints(
                DType::U8,
                &[27],
                &[
                    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                    22, 23, 24, 25, 26
                ]
            ),
            "[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n 24 25 26]"
        );
        assert_eq!(
            ints(
                DType::I16,
                &[24],
                &[
                    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                    22, 23
                ]
            ),
            "[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23]"
        );
        assert_eq!(
            f64s(
                &[11],
                &[1e-05, 0.0001, 0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0]
            ),
            "[1.e-05 1.e-04 1.e-03 1.e-02 1.e-01 1.e+00 1.e+01 1.e+02 1.e+03 1.e+04\n 1.e+05]"
        );
        assert_eq!(
            f32s(&[9], &[0.0, 0.017857144, 0.035714287, 0.05357143, 0.071428575, 0.08928572, 0.10714286, 0.125, 0.14285715]),
            "[0.         0.01785714 0.03571429 0.05357143 0.07142857 0.08928572\n 0.10714286 0.125      0.14285715]"
        );
    }

    #[test]
    fn conformance_corpus_arrays() {
        // From shared/conformance/cases/*.out (CPython + NumPy 2).
        assert_eq!(f64s(&[4], &[0.0; 4]), "[0. 0. 0. 0.]");
        assert_eq!(ints(DType::I32, &[2, 3], &[1; 6]), "[[1 1 1]\n [1 1 1]]");
        assert_eq!(f64s(&[2, 2], &[-1.0; 4]), "[[-1. -1.]\n [-1. -1.]]");
        assert_eq!(
            ints(DType::I64, &[5], &[10, 8, 6, 4, 2]),
            "[10  8  6  4  2]"
        );
        assert_eq!(f64s(&[4], &[0.0, 0.25, 0.5, 0.75]), "[0.   0.25 0.5  0.75]");
        assert_eq!(f64s(&[3], &[-1.0, 0.0, 1.0]), "[-1.  0.  1.]");
        assert_eq!(
            ints(DType::I64, &[5], &[100, 1, 4, 1, 5]),
            "[100   1   4   1   5]"
        );
        assert_eq!(f64s(&[3], &[1.5, 2.0, -3.25]), "[ 1.5   2.   -3.25]");
        assert_eq!(f64s(&[0], &[]), "[]");
        assert_eq!(
            f32s(&[5], &[1.7, -1.7, 2.5, -0.5, 3.99]),
            "[ 1.7  -1.7   2.5  -0.5   3.99]"
        );
        assert_eq!(
            uints(DType::U8, &[6], &[250, 251, 252, 253, 254, 255]),
            "[250 251 252 253 254 255]"
        );
        assert_eq!(ints(DType::I8, &[3], &[-56, -36, -28]), "[-56 -36 -28]");
        assert_eq!(
            uints(DType::U16, &[3], &[65535, 0, 1]),
            "[65535     0     1]"
        );
        assert_eq!(
            ints(DType::I16, &[4], &[0, 1000, 2000, 3000]),
            "[   0 1000 2000 3000]"
        );
        assert_eq!(
            bools(&[4], &[false, true, false, true]),
            "[False  True False  True]"
        );
        let third = 1.0f32 / 3.0;
        assert_eq!(
            f32s(&[3], &[third; 3]),
            "[0.33333334 0.33333334 0.33333334]"
        );
        assert_eq!(
            f32s(&[3], &[third, 0.0, 0.0]),
            "[0.33333334 0.         0.        ]"
        );
        let sqrts = [2f32.sqrt(), 3f32.sqrt()];
        assert_eq!(f32s(&[2], &sqrts), "[1.4142135 1.7320508]");
        let tenth = [0.1f32, 0.2, 0.3].map(|x| x * 3.0);
        assert_eq!(f32s(&[3], &tenth), "[0.3        0.6        0.90000004]");
    }

    #[test]
    fn zero_d_arrays_print_as_scalars() {
        let scalar = |dtype, e| {
            array_str(dtype, &[], &|ix: &[usize]| {
                assert!(ix.is_empty());
                e
            })
        };
        assert_eq!(scalar(DType::F64, Elem::F64(1.5)), "1.5");
        assert_eq!(scalar(DType::F32, Elem::F32(0.1)), "0.1");
        assert_eq!(scalar(DType::Bool, Elem::Bool(true)), "True");
        assert_eq!(scalar(DType::I8, Elem::Int(-3)), "-3");
        assert_eq!(
            scalar(DType::U64, Elem::UInt(u64::MAX)),
            "18446744073709551615"
        );
        assert_eq!(scalar(DType::F64, Elem::F64(1e16)), "1e+16");
        assert_eq!(scalar(DType::F64, Elem::F64(f64::NAN)), "nan");
        assert_eq!(scalar(DType::F64, Elem::F64(-0.0)), "-0.0");
        assert_eq!(scalar(DType::F32, Elem::F32(1e-5)), "1e-05");
    }

    #[test]
    fn empty_arrays() {
        assert_eq!(f64s(&[0], &[]), "[]");
        assert_eq!(f64s(&[0, 3], &[]), "[]");
        assert_eq!(ints(DType::I32, &[3, 0], &[]), "[]");
        assert_eq!(bools(&[2, 0, 2], &[]), "[]");
    }

    #[test]
    fn scalars() {
        let cases: &[(Elem, &str)] = &[
            (Elem::F32(0.1), "0.1"),
            (Elem::F64(1e16), "1e+16"),
            (Elem::Int(-3), "-3"),
            (Elem::Bool(true), "True"),
            (Elem::Bool(false), "False"),
            (Elem::F32(1e16), "1e+16"),
            (Elem::F32(16777216.0), "1.6777216e+07"),
            (Elem::F32(1e6), "1e+06"),
            (Elem::F32(9999999.0), "9.999999e+06"),
            (Elem::F32(123456.7), "123456.7"),
            (Elem::F32(0.0001), "1e-04"),
            (Elem::F32(9.9e-5), "9.9e-05"),
            (Elem::F64(0.0001), "0.0001"),
            (Elem::F64(0.1 + 0.2), "0.30000000000000004"),
            (Elem::F32(-0.0), "-0.0"),
            (Elem::F32(f32::NAN), "nan"),
            (Elem::F32(f32::NEG_INFINITY), "-inf"),
            (Elem::F64(f64::INFINITY), "inf"),
            (Elem::UInt(255), "255"),
            (Elem::F32(1e-5), "1e-05"),
            (Elem::F64(1e-5), "1e-05"),
            (Elem::F32(f32::MAX), "3.4028235e+38"),
            (Elem::F64(123456789012345678.0), "1.2345678901234568e+17"),
            (Elem::F64(1e15), "1000000000000000.0"),
            (Elem::F32(0.5), "0.5"),
            (Elem::F32(6.0), "6.0"),
        ];
        for &(e, want) in cases {
            assert_eq!(scalar_str(e), want, "str of {e:?}");
        }
    }

    #[test]
    fn summarised_1d() {
        let ar = |n| gen(DType::I64, &[n], |i| Elem::Int(i as i64));
        assert_eq!(ar(2000), "[   0    1    2 ... 1997 1998 1999]");
        assert_eq!(ar(1001), "[   0    1    2 ...  998  999 1000]");
        // Exactly the threshold is still printed in full.
        let full = ar(1000);
        assert_eq!(full.lines().count(), 56);
        assert!(!full.contains("..."));
        assert!(full.ends_with(
            "\n 972 973 974 975 976 977 978 979 980 981 982 983 984 985 986 987 988 989\n \
             990 991 992 993 994 995 996 997 998 999]"
        ));
        let sevenths = gen(DType::F64, &[2000], |i| Elem::F64(i as f64 / 7.0));
        assert_eq!(
            sevenths,
            "[0.00000000e+00 1.42857143e-01 2.85714286e-01 ... 2.85285714e+02\n \
             2.85428571e+02 2.85571429e+02]"
        );
        let bools = gen(DType::Bool, &[2000], |i| Elem::Bool(i % 3 == 0));
        assert_eq!(bools, "[ True False False ... False  True False]");
        let micro = gen(DType::F64, &[2000], |i| Elem::F64(i as f64 * 1e-6));
        assert_eq!(
            micro,
            "[0.000e+00 1.000e-06 2.000e-06 ... 1.997e-03 1.998e-03 1.999e-03]"
        );
        let last_nan = |i| Elem::F64(if i == 1999 { f64::NAN } else { i as f64 });
        assert_eq!(
            gen(DType::F64, &[2000], last_nan),
            "[0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03       nan]"
        );
        let i8s = gen(DType::I8, &[1001], |i| Elem::Int((i % 256) as i64 - 128));
        assert_eq!(i8s, "[-128 -127 -126 ...  102  103  104]");
        let thirds = gen(DType::F32, &[2000], |i| Elem::F32(i as f32 / 3.0));
        assert_eq!(
            thirds,
            "[0.0000000e+00 3.3333334e-01 6.6666669e-01 ... 6.6566669e+02 6.6600000e+02\n \
             6.6633331e+02]"
        );
    }

    #[test]
    fn summarised_2d() {
        let ar = |r, c| gen(DType::I64, &[r, c], |i| Elem::Int(i as i64));
        assert_eq!(
            ar(50, 50),
            "[[   0    1    2 ...   47   48   49]\n \
             [  50   51   52 ...   97   98   99]\n \
             [ 100  101  102 ...  147  148  149]\n \
             ...\n \
             [2350 2351 2352 ... 2397 2398 2399]\n \
             [2400 2401 2402 ... 2447 2448 2449]\n \
             [2450 2451 2452 ... 2497 2498 2499]]"
        );
        assert_eq!(
            ar(3, 400),
            "[[   0    1    2 ...  397  398  399]\n \
             [ 400  401  402 ...  797  798  799]\n \
             [ 800  801  802 ... 1197 1198 1199]]"
        );
        assert_eq!(
            ar(400, 3),
            "[[   0    1    2]\n [   3    4    5]\n [   6    7    8]\n ...\n \
             [1191 1192 1193]\n [1194 1195 1196]\n [1197 1198 1199]]"
        );
        assert_eq!(ar(1, 2000), "[[   0    1    2 ... 1997 1998 1999]]");
        let halves = gen(DType::F64, &[50, 50], |i| Elem::F64(i as f64 * 0.5));
        assert_eq!(
            halves,
            "[[0.0000e+00 5.0000e-01 1.0000e+00 ... 2.3500e+01 2.4000e+01 2.4500e+01]\n \
             [2.5000e+01 2.5500e+01 2.6000e+01 ... 4.8500e+01 4.9000e+01 4.9500e+01]\n \
             [5.0000e+01 5.0500e+01 5.1000e+01 ... 7.3500e+01 7.4000e+01 7.4500e+01]\n \
             ...\n \
             [1.1750e+03 1.1755e+03 1.1760e+03 ... 1.1985e+03 1.1990e+03 1.1995e+03]\n \
             [1.2000e+03 1.2005e+03 1.2010e+03 ... 1.2235e+03 1.2240e+03 1.2245e+03]\n \
             [1.2250e+03 1.2255e+03 1.2260e+03 ... 1.2485e+03 1.2490e+03 1.2495e+03]]"
        );
    }

    #[test]
    fn summarised_3d_and_4d() {
        let cube = gen(DType::I64, &[10, 10, 11], |i| Elem::Int(i as i64));
        let want_start = "[[[   0    1    2 ...    8    9   10]\n  \
                          [  11   12   13 ...   19   20   21]\n  \
                          [  22   23   24 ...   30   31   32]\n  \
                          ...\n  \
                          [  77   78   79 ...   85   86   87]\n";
        assert!(cube.starts_with(want_start), "{cube}");
        assert!(cube.contains("  [ 319  320  321 ...  327  328  329]]\n\n ...\n\n [[ 770  771"));
        assert!(cube.ends_with("  [1089 1090 1091 ... 1097 1098 1099]]]"));
        // Six blocks of seven lines plus a `...` line, blank lines between.
        assert_eq!(cube.lines().count(), 49);
        let hyper = gen(DType::I64, &[7, 7, 7, 7], |i| Elem::Int(i as i64));
        assert!(hyper.starts_with("[[[[   0    1    2 ...    4    5    6]\n   [   7"));
        assert!(hyper.contains("   [ 336  337  338 ...  340  341  342]]]\n\n\n [[[ 343  344"));
        assert!(hyper.contains("]]]\n\n\n ...\n\n\n [[[1372 1373 1374"));
        assert!(hyper.ends_with("   [2394 2395 2396 ... 2398 2399 2400]]]]"));
    }

    #[test]
    fn hidden_elements_are_never_read() {
        let get = |ix: &[usize]| {
            assert!(ix[0] < 3 || ix[0] >= 4997, "read hidden element {ix:?}");
            Elem::Int(ix[0] as i64)
        };
        assert_eq!(
            array_str(DType::I64, &[5000], &get),
            "[   0    1    2 ... 4997 4998 4999]"
        );
    }

    /// Random arrays of every dtype (and 0-d scalars) as NumPy 2.4 prints
    /// them; `arrayfmt/gen_numpy_cases.py` regenerates the data and
    /// documents its format.
    #[test]
    fn numpy_bulk_cases() {
        let data = include_str!("arrayfmt/numpy_cases.txt");
        let mut n = 0;
        for case in data.split("%%\n").filter(|c| !c.is_empty()) {
            let (head, rest) = case.split_once('\n').expect("header");
            let (elems, want) = rest.split_once('\n').expect("elements");
            let (dtype, shape) = parse_header(head);
            let elems: Vec<Option<Elem>> = elems.split(' ').map(|t| parse_elem(dtype, t)).collect();
            let get = |ix: &[usize]| elems[flat_index(&shape, ix)].expect("hidden element read");
            let got = array_str(dtype, &shape, &get);
            assert_eq!(got, want.trim_end_matches('\n'), "case {n}: {head}");
            if shape.is_empty() {
                assert_eq!(scalar_str(elems[0].unwrap()), got);
            }
            n += 1;
        }
        assert!(n > 400, "only {n} cases");
    }

    fn parse_header(head: &str) -> (DType, Vec<usize>) {
        let (name, shape) = head.split_once(' ').expect("header");
        let dtype = DType::ALL
            .into_iter()
            .find(|d| dtype_name(*d) == name)
            .expect("dtype");
        let shape = match shape {
            "scalar" => vec![],
            s => s.split(',').map(|d| d.parse().expect("dim")).collect(),
        };
        (dtype, shape)
    }

    fn dtype_name(d: DType) -> &'static str {
        match d {
            DType::Bool => "bool",
            DType::I8 => "i8",
            DType::I16 => "i16",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::U8 => "u8",
            DType::U16 => "u16",
            DType::U32 => "u32",
            DType::U64 => "u64",
            DType::F32 => "f32",
            DType::F64 => "f64",
        }
    }

    /// Floats are stored as IEEE bits in hex; `x` marks an element NumPy
    /// does not show.
    fn parse_elem(dtype: DType, tok: &str) -> Option<Elem> {
        if tok == "x" {
            return None;
        }
        let hex = |t| u64::from_str_radix(t, 16).expect("hex");
        Some(match dtype {
            DType::Bool => Elem::Bool(tok == "1"),
            DType::F32 => Elem::F32(f32::from_bits(hex(tok) as u32)),
            DType::F64 => Elem::F64(f64::from_bits(hex(tok))),
            DType::U8 | DType::U16 | DType::U32 | DType::U64 => Elem::UInt(tok.parse().expect("u")),
            _ => Elem::Int(tok.parse().expect("int")),
        })
    }

    #[test]
    fn dragon4_cutoffs_and_minimum_digits() {
        let pos = |x: f64, p| format_positional(Fl::F64(x), p, -1, Trim::Zeros, -1, -1);
        assert_eq!(pos(0.1, 8), "0.1");
        assert_eq!(pos(1.0 / 3.0, 8), "0.33333333");
        assert_eq!(pos(2.0 / 3.0, 8), "0.66666667");
        assert_eq!(pos(0.999999999, 8), "1.");
        assert_eq!(pos(1e-10, 8), "0.");
        assert_eq!(pos(5e-9, 8), "0.00000001");
        assert_eq!(pos(1e20, 8), "100000000000000000000.");
        assert_eq!(pos(-0.0, 8), "-0.");
        let sci = |x: f64, p, m| format_scientific(Fl::F64(x), p, m, Trim::None, -1, -1);
        assert_eq!(sci(1.0, 3, 3), "1.000e+00");
        assert_eq!(sci(0.0, 2, 2), "0.00e+00");
        assert_eq!(sci(9.9999999999, 8, 8), "1.00000000e+01");
        assert_eq!(sci(1e-300, 0, 0), "1.e-300");
        // Minimum digits continue with the exact binary value's digits.
        let f = |x: f32| format_scientific(Fl::F32(x), 7, 7, Trim::None, -1, -1);
        assert_eq!(f(1e-5), "9.9999997e-06");
    }

    #[test]
    fn big_int_arithmetic() {
        let mut a = Big::from_u64(u64::MAX);
        a.mul_small(10);
        assert_eq!(a, Big(vec![0xffff_fff6, 0xffff_ffff, 9]));
        let mut p = Big::pow2(100);
        p.shl(28);
        assert_eq!(p, Big::pow2(128));
        let mut t = Big::from_u64(1);
        t.mul_pow10(19);
        assert_eq!(t, Big::from_u64(10_000_000_000_000_000_000));
        let mut x = Big::from_u64(95);
        assert_eq!(x.div_digit(&Big::from_u64(10)), 9);
        assert_eq!(x, Big::from_u64(5));
        assert_eq!(
            Big::from_u64(u64::MAX).add(&Big::from_u64(1)),
            Big::pow2(64)
        );
        assert!(Big::pow2(64) > Big::from_u64(u64::MAX));
        assert_eq!(Big::from_u64(0), Big(vec![]));
    }
}
