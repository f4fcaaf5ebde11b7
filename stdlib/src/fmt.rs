//! Number formatting as Python and NumPy print numbers.

/// Splits `x` (finite, non-zero) into its shortest round-trip decimal digits
/// and the decimal exponent of the first digit: 0.00125 → ("125", -3).
fn shortest_digits(sci: &str) -> (String, i32) {
    // Rust's `{:e}` is the shortest representation that round-trips,
    // e.g. "1.25e-3" or "5e0".
    let (mant, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    (digits, exp.parse().unwrap_or(0))
}

/// Lays out shortest digits Python-style: positional for 1e-4 <= |x| < 1e16,
/// otherwise `d.ddde±XX`, always with a fractional part when positional.
fn layout(out: &mut String, neg: bool, digits: &str, exp: i32) {
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(digits);
        } else {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    }
}

fn special(out: &mut String, x: f64) -> bool {
    if x.is_nan() {
        out.push_str("nan");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
    } else if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0.0" } else { "0.0" });
    } else {
        return false;
    }
    true
}

/// Appends Python's `repr(x)` of a float: `1.0`, `0.1`, `1e-05`, `1e+16`, `nan`.
pub fn write_float(out: &mut String, x: f64) {
    if special(out, x) {
        return;
    }
    let (digits, exp) = shortest_digits(&format!("{:e}", x.abs()));
    layout(out, x < 0.0, &digits, exp);
}

/// Appends a float32 the way NumPy prints a `np.float32` scalar: the
/// shortest digits that round-trip through float32 (`0.1`, `0.90000004`).
pub fn write_float32(out: &mut String, x: f32) {
    if special(out, x as f64) {
        return;
    }
    let (digits, exp) = shortest_digits(&format!("{:e}", x.abs()));
    layout(out, x < 0.0, &digits, exp);
}

pub fn float_repr(x: f64) -> String {
    let mut s = String::new();
    write_float(&mut s, x);
    s
}

/// Python's `str.isprintable()` for one character, without Unicode tables:
/// controls, separators other than the space, format characters and
/// private-use characters are not printable.
fn printable(c: char) -> bool {
    let v = c as u32;
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(v, 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f | 0x202a..=0x202e)
        || matches!(v, 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff | 0xfff9..=0xfffb | 0xe000..=0xf8ff)
        || matches!(v, 0xe0001 | 0xe0020..=0xe007f | 0xf0000..=0x10ffff))
}

/// Python's `repr()` of a string: single quotes unless the text has a
/// single quote and no double quote; backslash escapes for the quote,
/// backslash and control characters.
pub fn str_repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if !printable(c) => {
                let v = c as u32;
                if v <= 0xff {
                    out.push_str(&format!("\\x{v:02x}"));
                } else if v <= 0xffff {
                    out.push_str(&format!("\\u{v:04x}"));
                } else {
                    out.push_str(&format!("\\U{v:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_repr() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e-05, "1e-05"),
            (0.0001, "0.0001"),
            (1.5e-07, "1.5e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e16, "1.5e+16"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1e22, "1e+22"),
            (1e-300, "1e-300"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (0.1 + 0.2, "0.30000000000000004"),
            (12345.678, "12345.678"),
            (-1e16, "-1e+16"),
            (100.0, "100.0"),
        ];
        for &(x, want) in cases {
            assert_eq!(float_repr(x), want, "repr of {x:e}");
        }
    }

    #[test]
    fn string_repr() {
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("a\tb"), "'a\\tb'");
        assert_eq!(str_repr("both ' and \""), "'both \\' and \"'");
        assert_eq!(str_repr("back\\slash\x01"), "'back\\\\slash\\x01'");
    }

    #[test]
    fn float32_repr() {
        let mut s = String::new();
        write_float32(&mut s, 0.1f32);
        s.push(' ');
        write_float32(&mut s, f32::from_bits(0.9f32.to_bits() + 1));
        assert_eq!(s, "0.1 0.90000004");
    }
}
