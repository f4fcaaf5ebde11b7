//! Python's `format(value, spec)` for the values f-strings and `str.format`
//! show: the format-specification mini-language of ints, bools, floats and
//! strings, as CPython 3.11 implements it (`Python/formatter_unicode.c`,
//! `Python/pystrtod.c`), errors and their messages included. Floats are
//! formatted from their exact binary value, rounded half to even, as
//! CPython's `dtoa` does.

use vm::array::Raised;
use vm::runtime::Field;

use crate::fmt::write_float;

/// Widths and precisions beyond this raise `MemoryError` instead of
/// building a string of that size (CPython would try to).
const MAX_WIDTH: usize = 1 << 24;

/// A parsed format specification.
#[derive(Clone, Debug)]
struct Spec {
    fill: char,
    align: char,
    sign: Option<char>,
    no_neg_0: bool,
    alt: bool,
    width: Option<usize>,
    group: Group,
    precision: Option<usize>,
    ty: Option<char>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    None,
    /// `,` every three digits.
    Comma,
    /// `_` every three digits (every four in bin/oct/hex).
    Under,
    Under4,
}

fn push_n(out: &mut String, c: char, n: usize) {
    for _ in 0..n {
        out.push(c);
    }
}

fn value_error(msg: impl Into<String>) -> Raised {
    ("ValueError", msg.into())
}

/// A character as CPython's messages show it: itself when printable
/// ASCII, else its code (`'\x1'`).
fn code_text(c: char) -> String {
    if (c as u32) > 32 && (c as u32) < 128 {
        c.to_string()
    } else {
        format!("\\x{:x}", c as u32)
    }
}

/// Digits at `chars[*pos..]` as a number (`get_integer`): `None` when
/// there are none.
fn integer(chars: &[char], pos: &mut usize) -> Result<Option<usize>, Raised> {
    let mut acc: usize = 0;
    let start = *pos;
    while let Some(d) = chars.get(*pos).and_then(|c| c.to_digit(10)) {
        acc = acc
            .checked_mul(10)
            .and_then(|a| a.checked_add(d as usize))
            .filter(|&a| a <= isize::MAX as usize)
            .ok_or_else(|| value_error("Too many decimal digits in format string"))?;
        *pos += 1;
    }
    Ok((*pos > start).then_some(acc))
}

/// `parse_internal_render_format_spec`.
fn parse(
    spec: &str,
    default_type: Option<char>,
    default_align: char,
    type_name: &str,
) -> Result<Spec, Raised> {
    let c: Vec<char> = spec.chars().collect();
    let end = c.len();
    let mut pos = 0;
    let is_align = |ch: char| matches!(ch, '<' | '>' | '=' | '^');
    let mut s = Spec {
        fill: ' ',
        align: default_align,
        sign: None,
        no_neg_0: false,
        alt: false,
        width: None,
        group: Group::None,
        precision: None,
        ty: default_type,
    };
    let (mut fill_given, mut align_given) = (false, false);
    if end >= 2 && is_align(c[1]) {
        s.fill = c[0];
        s.align = c[1];
        fill_given = true;
        align_given = true;
        pos = 2;
    } else if end >= 1 && is_align(c[0]) {
        s.align = c[0];
        align_given = true;
        pos = 1;
    }
    if pos < end && matches!(c[pos], ' ' | '+' | '-') {
        s.sign = Some(c[pos]);
        pos += 1;
    }
    if pos < end && c[pos] == 'z' {
        s.no_neg_0 = true;
        pos += 1;
    }
    if pos < end && c[pos] == '#' {
        s.alt = true;
        pos += 1;
    }
    if !fill_given && pos < end && c[pos] == '0' {
        s.fill = '0';
        if !align_given && default_align == '>' {
            s.align = '=';
        }
        pos += 1;
    }
    s.width = integer(&c, &mut pos)?;
    if pos < end && c[pos] == ',' {
        s.group = Group::Comma;
        pos += 1;
    }
    if pos < end && c[pos] == '_' {
        if s.group != Group::None {
            return Err(value_error("Cannot specify both ',' and '_'."));
        }
        s.group = Group::Under;
        pos += 1;
    }
    if pos < end && c[pos] == ',' {
        return Err(value_error("Cannot specify both ',' and '_'."));
    }
    if pos < end && c[pos] == '.' {
        pos += 1;
        s.precision = integer(&c, &mut pos)?;
        if s.precision.is_none() {
            return Err(value_error("Format specifier missing precision"));
        }
    }
    if end - pos > 1 {
        return Err(value_error(format!(
            "Invalid format specifier '{spec}' for object of type '{type_name}'"
        )));
    }
    if end - pos == 1 {
        s.ty = Some(c[pos]);
    }
    if s.group != Group::None {
        match s.ty {
            None | Some('d' | 'e' | 'f' | 'g' | 'E' | 'G' | '%' | 'F') => {}
            Some('b' | 'o' | 'x' | 'X') if s.group == Group::Under => s.group = Group::Under4,
            Some(t) => {
                let sep = if s.group == Group::Comma { ',' } else { '_' };
                return Err(value_error(format!(
                    "Cannot specify '{sep}' with '{}'.",
                    code_text(t)
                )));
            }
        }
    }
    if s.width.unwrap_or(0) > MAX_WIDTH || s.precision.unwrap_or(0) > MAX_WIDTH {
        return Err((
            "MemoryError",
            "format width or precision too large for Kiln".into(),
        ));
    }
    Ok(s)
}

fn unknown_code(t: char, type_name: &str) -> Raised {
    value_error(format!(
        "Unknown format code '{}' for object of type '{type_name}'",
        code_text(t)
    ))
}

/// `_PyUnicode_InsertThousandsGrouping`: the digits with separators every
/// `size` from the right, padded with zeros (grouped too) to `min_width`.
fn group_digits(digits: &str, min_width: isize, sep: Option<(char, usize)>) -> String {
    let d: Vec<char> = digits.chars().collect();
    let mut remaining = d.len() as isize;
    let mut min_width = min_width.max(0);
    // Built from the right, reversed at the end.
    let mut out: Vec<char> = Vec::new();
    let take = |out: &mut Vec<char>, len: isize, remaining: &mut isize, use_sep: bool| {
        if use_sep {
            if let Some((c, _)) = sep {
                out.push(c);
            }
        }
        let n_chars = (*remaining).min(len).max(0);
        let n_zeros = (len - *remaining).max(0);
        for k in 0..n_chars {
            out.push(d[(*remaining - 1 - k) as usize]);
        }
        for _ in 0..n_zeros {
            out.push('0');
        }
        *remaining -= n_chars;
    };
    let mut use_sep = false;
    let mut broken = false;
    if let Some((_, size)) = sep {
        loop {
            let len = (size as isize).min(remaining.max(min_width).max(1));
            take(&mut out, len, &mut remaining, use_sep);
            use_sep = true;
            min_width -= len;
            if remaining <= 0 && min_width <= 0 {
                broken = true;
                break;
            }
            min_width -= 1;
        }
    }
    if !broken {
        let len = remaining.max(min_width).max(1);
        take(&mut out, len, &mut remaining, use_sep);
    }
    out.reverse();
    out.into_iter().collect()
}

/// `calc_number_widths` + `fill_number`: lays out `[sign][prefix]digits
/// [remainder]` (the digits grouped) in the spec's width.
fn layout_number(
    out: &mut String,
    s: &Spec,
    negative: bool,
    prefix: &str,
    digits: &str,
    remainder: &str,
    group: Option<(char, usize)>,
) {
    let sign = match (s.sign, negative) {
        (_, true) => Some('-'),
        (Some('+'), false) => Some('+'),
        (Some(' '), false) => Some(' '),
        _ => None,
    };
    let n_digits = digits.chars().count() as isize;
    let n_other = sign.is_some() as isize
        + prefix.chars().count() as isize
        + remainder.chars().count() as isize;
    let width = s.width.map_or(-1, |w| w as isize);
    let min_width = if s.fill == '0' && s.align == '=' {
        width - n_other
    } else {
        0
    };
    let grouped = if n_digits == 0 {
        String::new()
    } else {
        group_digits(digits, min_width, group)
    };
    let padding = (width - (n_other + grouped.chars().count() as isize)).max(0) as usize;
    let (l, mid, r) = match s.align {
        '<' => (0, 0, padding),
        '^' => (padding / 2, 0, padding - padding / 2),
        '=' => (0, padding, 0),
        _ => (padding, 0, 0),
    };
    let pad = |out: &mut String, n: usize| push_n(out, s.fill, n);
    pad(out, l);
    if let Some(c) = sign {
        out.push(c);
    }
    out.push_str(prefix);
    pad(out, mid);
    out.push_str(&grouped);
    out.push_str(remainder);
    pad(out, r);
}

/// Pads a finished string to the spec's width (`calc_padding`).
fn pad_text(out: &mut String, s: &Spec, text: &str) {
    let n = text.chars().count();
    let total = s.width.map_or(n, |w| w.max(n));
    let extra = total - n;
    let left = match s.align {
        '>' => extra,
        '^' => extra / 2,
        _ => 0,
    };
    push_n(out, s.fill, left);
    out.push_str(text);
    push_n(out, s.fill, extra - left);
}

fn format_str(out: &mut String, text: &str, spec: &str) -> Result<(), Raised> {
    let s = parse(spec, Some('s'), '<', "str")?;
    if s.ty != Some('s') {
        return Err(unknown_code(s.ty.unwrap_or('\0'), "str"));
    }
    match s.sign {
        Some(' ') => return Err(value_error("Space not allowed in string format specifier")),
        Some(_) => return Err(value_error("Sign not allowed in string format specifier")),
        None => {}
    }
    if s.no_neg_0 {
        return Err(value_error(
            "Negative zero coercion (z) not allowed in string format specifier",
        ));
    }
    if s.alt {
        return Err(value_error(
            "Alternate form (#) not allowed in string format specifier",
        ));
    }
    if s.align == '=' {
        return Err(value_error(
            "'=' alignment not allowed in string format specifier",
        ));
    }
    let text: String = match s.precision {
        Some(p) => text.chars().take(p).collect(),
        None => text.to_string(),
    };
    pad_text(out, &s, &text);
    Ok(())
}

fn format_int(out: &mut String, v: i128, spec: &str, type_name: &str) -> Result<(), Raised> {
    let s = parse(spec, Some('d'), '>', type_name)?;
    match s.ty {
        Some('b' | 'c' | 'd' | 'o' | 'x' | 'X' | 'n') => {}
        Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') => {
            return format_float_spec(out, v as f64, &s)
        }
        t => return Err(unknown_code(t.unwrap_or('\0'), type_name)),
    }
    if s.precision.is_some() {
        return Err(value_error(
            "Precision not allowed in integer format specifier",
        ));
    }
    if s.no_neg_0 {
        return Err(value_error(
            "Negative zero coercion (z) not allowed in integer format specifier",
        ));
    }
    if s.ty == Some('c') {
        if s.sign.is_some() {
            return Err(value_error(
                "Sign not allowed with integer format specifier 'c'",
            ));
        }
        if s.alt {
            return Err(value_error(
                "Alternate form (#) not allowed with integer format specifier 'c'",
            ));
        }
        let ch = u32::try_from(v)
            .ok()
            .filter(|&c| c <= 0x10ffff)
            .ok_or(("OverflowError", "%c arg not in range(0x110000)".to_string()))?;
        // A lone surrogate cannot be in a Rust string; CPython's would
        // print as an encoding error anyway.
        let ch = char::from_u32(ch).unwrap_or('\u{fffd}');
        layout_number(out, &s, false, "", "", &ch.to_string(), None);
        return Ok(());
    }
    let (base, prefix) = match s.ty {
        Some('b') => (2, "0b"),
        Some('o') => (8, "0o"),
        Some('x') => (16, "0x"),
        Some('X') => (16, "0X"),
        _ => (10, ""),
    };
    let mag = v.unsigned_abs();
    let mut digits = match base {
        2 => format!("{mag:b}"),
        8 => format!("{mag:o}"),
        16 => format!("{mag:x}"),
        _ => mag.to_string(),
    };
    if s.ty == Some('X') {
        digits = digits.to_uppercase();
    }
    let prefix = if s.alt { prefix } else { "" };
    let group = match s.group {
        Group::None => None,
        Group::Comma => Some((',', 3)),
        Group::Under => Some(('_', 3)),
        Group::Under4 => Some(('_', 4)),
    };
    layout_number(out, &s, v < 0, prefix, &digits, "", group);
    Ok(())
}

/// `_Py_dg_dtoa`'s answer for a finite `x`: its digits (no trailing
/// zeros; "0" for zero) and the position of the decimal point. Mode 0 is
/// the shortest round-trip, mode 2 `n` significant digits, mode 3 `n`
/// digits after the point (possibly none at all).
fn dtoa(x: f64, mode: u8, n: usize) -> (String, i64) {
    let a = x.abs();
    if a == 0.0 {
        return ("0".into(), 1);
    }
    let (mut digits, decpt) = match mode {
        0 | 2 => {
            let t = if mode == 0 {
                format!("{a:e}")
            } else {
                format!("{a:.*e}", n.max(1) - 1)
            };
            let (m, e) = t.split_once('e').unwrap_or((&t, "0"));
            let d: String = m.chars().filter(char::is_ascii_digit).collect();
            (d, e.parse::<i64>().unwrap_or(0) + 1)
        }
        _ => {
            let t = format!("{a:.n$}");
            let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
            let all = format!("{int}{frac}");
            let lead = all.len() - all.trim_start_matches('0').len();
            let d = all[lead..].to_string();
            if d.is_empty() {
                return (String::new(), -(n as i64));
            }
            (d, int.len() as i64 - lead as i64)
        }
    };
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    (digits, decpt)
}

/// `PyOS_double_to_string` (`format_float_short`) for `code` in `efgr`
/// (and upper case): the sign and the number, without padding.
fn double_to_string(
    x: f64,
    code: char,
    mut precision: usize,
    alt: bool,
    add_dot_0: bool,
    no_neg_0: bool,
) -> String {
    let upper = code.is_ascii_uppercase();
    let code = code.to_ascii_lowercase();
    let mut out = String::new();
    if !x.is_finite() {
        if x.is_infinite() && x < 0.0 {
            out.push('-');
        }
        out.push_str(match (x.is_nan(), upper) {
            (true, false) => "nan",
            (true, true) => "NAN",
            (false, false) => "inf",
            (false, true) => "INF",
        });
        return out;
    }
    let (mode, n) = match code {
        'e' => {
            precision += 1;
            (2, precision)
        }
        'f' => (3, precision),
        'g' => {
            if precision == 0 {
                precision = 1;
            }
            (2, precision)
        }
        _ => (0, 0),
    };
    let (digits, mut decpt) = dtoa(x, mode, n);
    let mut negative = x.is_sign_negative();
    if no_neg_0 && negative && digits.bytes().all(|b| b == b'0') {
        negative = false;
    }
    let p = precision as i64;
    let len = digits.len() as i64;
    let mut vend = len;
    let mut use_exp = false;
    match code {
        'e' => {
            use_exp = true;
            vend = p;
        }
        'f' => vend = decpt + p,
        'g' => {
            if decpt <= -4 || decpt > if add_dot_0 { p - 1 } else { p } {
                use_exp = true;
            }
            if alt {
                vend = p;
            }
        }
        _ => {
            if decpt <= -4 || decpt > 16 {
                use_exp = true;
            }
        }
    }
    let mut exp = 0;
    if use_exp {
        exp = decpt - 1;
        decpt = 1;
    }
    let vstart = if decpt <= 0 { decpt - 1 } else { 0 };
    vend = if !use_exp && add_dot_0 {
        vend.max(decpt + 1)
    } else {
        vend.max(decpt)
    };
    if negative {
        out.push('-');
    }
    let zeros = |out: &mut String, n: i64| push_n(out, '0', n.max(0) as usize);
    if decpt <= 0 {
        zeros(&mut out, decpt - vstart);
        out.push('.');
        zeros(&mut out, -decpt);
    } else {
        zeros(&mut out, -vstart);
    }
    if 0 < decpt && decpt <= len {
        out.push_str(&digits[..decpt as usize]);
        out.push('.');
        out.push_str(&digits[decpt as usize..]);
    } else {
        out.push_str(&digits);
    }
    if len < decpt {
        zeros(&mut out, decpt - len);
        out.push('.');
        zeros(&mut out, vend - decpt);
    } else {
        zeros(&mut out, vend - len);
    }
    if out.ends_with('.') && !alt {
        out.pop();
    }
    if use_exp {
        out.push(if upper { 'E' } else { 'e' });
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    }
    out
}

/// `format_float_internal` for a parsed spec.
fn format_float_spec(out: &mut String, mut x: f64, s: &Spec) -> Result<(), Raised> {
    let mut ty = s.ty;
    let mut add_dot_0 = false;
    let mut default_precision = 6;
    if ty.is_none() {
        add_dot_0 = true;
        ty = Some('r');
        default_precision = 0;
    }
    let mut ty = ty.unwrap_or('r');
    if ty == 'n' {
        ty = 'g';
    }
    let mut pct = false;
    if ty == '%' {
        ty = 'f';
        x *= 100.0;
        pct = true;
    }
    let precision = match s.precision {
        None => default_precision,
        Some(p) => {
            if ty == 'r' {
                ty = 'g';
            }
            p
        }
    };
    let mut text = double_to_string(x, ty, precision, s.alt, add_dot_0, s.no_neg_0);
    if pct {
        text.push('%');
    }
    let (negative, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text.as_str()),
    };
    // The integer digits are what grouping and zero padding apply to.
    let split = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    let group = match s.group {
        Group::Comma => Some((',', 3)),
        Group::Under | Group::Under4 => Some(('_', 3)),
        Group::None => None,
    };
    layout_number(out, s, negative, "", &body[..split], &body[split..], group);
    Ok(())
}

fn format_float(out: &mut String, x: f64, spec: &str) -> Result<(), Raised> {
    let s = parse(spec, None, '>', "float")?;
    match s.ty {
        None | Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%') => format_float_spec(out, x, &s),
        Some(t) => Err(unknown_code(t, "float")),
    }
}

/// `format(value, spec)`, appended to `out`. An empty spec is `str(value)`.
pub fn format(out: &mut String, v: Field, spec: &str) -> Result<(), Raised> {
    match v {
        Field::Int(i) if spec.is_empty() => out.push_str(&i.to_string()),
        Field::Int(i) => format_int(out, i, spec, "int")?,
        Field::Bool(b) if spec.is_empty() => out.push_str(if b { "True" } else { "False" }),
        Field::Bool(b) => format_int(out, b as i128, spec, "bool")?,
        Field::Float(x) if spec.is_empty() => write_float(out, x),
        Field::Float(x) => format_float(out, x, spec)?,
        Field::Str(t) => format_str(out, t, spec)?,
        Field::Other { text, .. } if spec.is_empty() => out.push_str(text),
        Field::Other { type_name, .. } => {
            return Err((
                "TypeError",
                format!("unsupported format string passed to {type_name}.__format__"),
            ))
        }
    }
    Ok(())
}

/// Python's `ascii()` of a `repr`: every character past ASCII escaped.
pub fn ascii(repr: &str) -> String {
    let mut out = String::with_capacity(repr.len());
    for c in repr.chars() {
        let v = c as u32;
        match v {
            0..=0x7f => out.push(c),
            0x80..=0xff => out.push_str(&format!("\\x{v:02x}")),
            0x100..=0xffff => out.push_str(&format!("\\u{v:04x}")),
            _ => out.push_str(&format!("\\U{v:08x}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `=text`, or `!Type: message` for an exception.
    fn fmt(v: Field, spec: &str) -> String {
        let mut s = String::new();
        match format(&mut s, v, spec) {
            Ok(()) => format!("={s}"),
            Err((t, m)) => format!("!{t}: {m}"),
        }
    }

    /// Every case of `format_cases.txt`, which CPython 3.11 wrote
    /// (`tests/tools/format_cases.py`): kind, value, spec, and the result
    /// or the exception.
    #[test]
    fn cpython_cases() {
        let table = include_str!("format_cases.txt");
        let mut bad = Vec::new();
        let mut n = 0;
        for line in table.lines() {
            let mut parts = line.splitn(4, '\t');
            let (kind, value, spec, want) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            );
            let spec = unescape(spec);
            let value_text = unescape(value);
            let v = match kind {
                "int" => Field::Int(value.parse().unwrap()),
                "bool" => Field::Bool(value == "True"),
                "float" => Field::Float(f64::from_bits(u64::from_str_radix(value, 16).unwrap())),
                "str" => Field::Str(&value_text),
                _ => panic!("kind {kind}"),
            };
            let got = fmt(v, &spec);
            let want = unescape(want);
            n += 1;
            if got != want {
                bad.push(format!("{kind} {value} {spec:?}: want {want}, got {got}"));
            }
        }
        assert!(n > 1000, "{n} cases");
        assert!(
            bad.is_empty(),
            "{} of {n} differ:\n{}",
            bad.len(),
            bad.join("\n")
        );
    }

    /// The table's escapes: `\t`, `\n` and `\\`.
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut it = s.chars();
        while let Some(c) = it.next() {
            if c == '\\' {
                match it.next() {
                    Some('t') => out.push('\t'),
                    Some('n') => out.push('\n'),
                    Some(o) => out.push(o),
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn ascii_escapes() {
        assert_eq!(ascii("'é€😀'"), "'\\xe9\\u20ac\\U0001f600'");
    }
}
