//! Python's scalar arithmetic where it differs from the machine's: floor
//! division and modulo toward negative infinity, integer powers, rounding.
//! Integers are int64 and wrap on overflow, as in Numba and NumPy.
//!
//! Functions that can fail return `None` (or a [`ScalarError`]) and leave the
//! exception to the caller, so both tiers raise the same Python error.

pub use vm::runtime::scalar::{
    ScalarError, BIG_TO_INT, DIV_ZERO, FLOAT_DIV_ZERO, FLOAT_FLOORDIV_ZERO, FLOAT_MOD_ZERO,
    INF_TO_INT, INT_DIV_ZERO, INT_MOD_ZERO, NAN_TO_INT, NEG_INT_POW, NEG_SHIFT, ZERO_NEG_POW,
};

/// `a // b` on int64 (b != 0).
#[inline]
pub fn floordiv_i64(a: i64, b: i64) -> i64 {
    let q = a.wrapping_div(b);
    if (a.wrapping_rem(b) != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

/// `a % b` on int64 (b != 0): the result takes the divisor's sign.
#[inline]
pub fn mod_i64(a: i64, b: i64) -> i64 {
    let r = a.wrapping_rem(b);
    if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    }
}

/// Python's float divmod (b != 0): (floor quotient, modulo with b's sign).
pub fn divmod_f64(a: f64, b: f64) -> (f64, f64) {
    let mut m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(b);
    }
    let q = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 {
            f + 1.0
        } else {
            f
        }
    } else {
        0.0f64.copysign(a / b)
    };
    (q, m)
}

pub extern "C" fn floordiv_f64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    divmod_f64(a, b).0
}

pub extern "C" fn mod_f64(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    divmod_f64(a, b).1
}

/// `a ** b` on int64 with b >= 0, wrapping.
pub fn pow_i64(mut a: i64, mut b: i64) -> Result<i64, ScalarError> {
    if b < 0 {
        return Err(NEG_INT_POW);
    }
    let mut r: i64 = 1;
    while b > 0 {
        if b & 1 == 1 {
            r = r.wrapping_mul(a);
        }
        b >>= 1;
        if b > 0 {
            a = a.wrapping_mul(a);
        }
    }
    Ok(r)
}

/// `a ** b` on floats with Python's errors.
pub fn pow_f64(a: f64, b: f64) -> Result<f64, ScalarError> {
    if a == 0.0 && b < 0.0 && b.is_finite() {
        return Err(ZERO_NEG_POW);
    }
    Ok(a.powf(b))
}

/// `a << b` on int64, wrapping (shifts past 63 give 0).
pub fn shl_i64(a: i64, b: i64) -> Result<i64, ScalarError> {
    match b {
        _ if b < 0 => Err(NEG_SHIFT),
        0..=63 => Ok(a.wrapping_shl(b as u32)),
        _ => Ok(0),
    }
}

/// `a >> b` on int64, arithmetic (shifts past 63 give 0 or -1).
pub fn shr_i64(a: i64, b: i64) -> Result<i64, ScalarError> {
    match b {
        _ if b < 0 => Err(NEG_SHIFT),
        0..=63 => Ok(a >> b),
        _ => Ok(if a < 0 { -1 } else { 0 }),
    }
}

/// float → int64 as `int(x)`: truncation, with Python's errors for nan/inf.
pub fn f64_to_i64(x: f64) -> Result<i64, ScalarError> {
    if x.is_nan() {
        return Err(NAN_TO_INT);
    }
    if x.is_infinite() {
        return Err(INF_TO_INT);
    }
    let t = x.trunc();
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if !(-TWO_63..TWO_63).contains(&t) {
        return Err(BIG_TO_INT);
    }
    Ok(t as i64)
}

/// `round(x)`: half to even, to int.
pub fn round_i64(x: f64) -> Result<i64, ScalarError> {
    f64_to_i64(x.round_ties_even())
}

/// `round(x, n)`: the float nearest to x correctly rounded to n decimals,
/// ties to even on the exact binary value (so `round(2.675, 2) == 2.67`).
pub fn round_f64(x: f64, n: i64) -> f64 {
    if !x.is_finite() || n > 323 {
        return x;
    }
    if n < -308 {
        return 0.0 * x;
    }
    if n >= 0 {
        // Rust's fixed-precision formatting is exact and rounds ties to even.
        let s = format!("{:.*}", n as usize, x);
        let r: f64 = s.parse().unwrap_or(x);
        return if r == 0.0 { 0.0f64.copysign(x) } else { r };
    }
    // Round the exact decimal expansion of |x| to a multiple of 10^k, ties
    // to even, then read the digits back (correctly rounded). 60 fractional
    // digits hold any double >= 1 exactly; smaller ones round to zero anyway.
    let k = (-n) as usize;
    let exact = format!("{:.60}", x.abs());
    let (int, frac) = exact.split_once('.').unwrap_or((&exact, ""));
    let r = if int.len() < k {
        // |x| < 10^(k-1), less than half of 10^k.
        0.0
    } else {
        let (keep, cut) = int.split_at(int.len() - k);
        let first = cut.bytes().next().unwrap_or(b'0');
        let rest_nonzero =
            cut.bytes().skip(1).any(|b| b != b'0') || frac.bytes().any(|b| b != b'0');
        let last_odd = keep.bytes().last().is_some_and(|b| (b - b'0') % 2 == 1);
        let up = first > b'5' || (first == b'5' && (rest_nonzero || last_odd));
        let mut digits: Vec<u8> = if keep.is_empty() {
            vec![b'0']
        } else {
            keep.bytes().collect()
        };
        if up {
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, b'1');
                    break;
                }
                i -= 1;
                if digits[i] == b'9' {
                    digits[i] = b'0';
                } else {
                    digits[i] += 1;
                    break;
                }
            }
        }
        let mut s = String::from_utf8(digits).unwrap_or_default();
        s.push_str(&"0".repeat(k));
        s.parse().unwrap_or(f64::INFINITY)
    };
    r.copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_floor_semantics() {
        for a in -7i64..=7 {
            for b in [-3i64, -2, -1, 1, 2, 3] {
                let (q, r) = (floordiv_i64(a, b), mod_i64(a, b));
                assert_eq!(q * b + r, a);
                assert!(r == 0 || (r < 0) == (b < 0), "{a} % {b} = {r}");
                assert_eq!(q, (a as f64 / b as f64).floor() as i64);
            }
        }
        assert_eq!(floordiv_i64(i64::MIN, -1), i64::MIN);
        assert_eq!(mod_i64(i64::MIN, -1), 0);
    }

    #[test]
    fn float_floor_semantics() {
        assert_eq!(floordiv_f64(7.5, 2.0), 3.0);
        assert_eq!(floordiv_f64(-7.5, 2.0), -4.0);
        assert_eq!(mod_f64(-7.5, 2.0), 0.5);
        assert_eq!(mod_f64(7.5, -2.0), -0.5);
        assert!(mod_f64(0.0, -1.0).is_sign_negative());
        assert!(floordiv_f64(-0.0, 1.0).is_sign_negative());
        assert_eq!(floordiv_f64(1.0, 0.1), 9.0);
        assert_eq!(mod_f64(1.0, 0.1), 0.09999999999999995);
        assert_eq!(mod_f64(5.0, f64::INFINITY), 5.0);
        assert_eq!(mod_f64(-5.0, f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn powers_and_rounding() {
        assert_eq!(pow_i64(3, 39), Ok(4052555153018976267));
        assert_eq!(pow_i64(-2, 3), Ok(-8));
        assert_eq!(pow_i64(0, 0), Ok(1));
        assert!(pow_i64(2, -1).is_err());
        assert_eq!(pow_f64(0.0, -1.0), Err(ZERO_NEG_POW));
        assert_eq!(round_i64(2.5), Ok(2));
        assert_eq!(round_i64(-0.5), Ok(0));
        assert_eq!(round_f64(2.675, 2), 2.67);
        assert_eq!(round_f64(0.125, 2), 0.12);
        assert_eq!(round_f64(1e300, -299), 1e300);
        assert_eq!(round_f64(7.77e100, -98), 7.77e100);
        assert_eq!(round_f64(14.6, -1), 10.0);
        assert_eq!(round_f64(15.0, -1), 20.0);
        assert_eq!(round_f64(25.0, -1), 20.0);
        assert_eq!(round_f64(-951.0, -2), -1000.0);
        assert!(round_f64(-0.7, -1).is_sign_negative());
        assert_eq!(f64_to_i64(f64::NAN), Err(NAN_TO_INT));
        assert_eq!(f64_to_i64(-2.9), Ok(-2));
        assert_eq!(f64_to_i64(1e19), Err(BIG_TO_INT));
    }
}

// NumPy's float min/max, with its choice between equal operands (which
// tells +0.0 from -0.0): `maximum`/`minimum` give the second operand and
// propagate NaN; `fmax`/`fmin` give the first and ignore a NaN.

/// `np.maximum` of two floats.
#[inline(always)]
pub fn maximum_f64(a: f64, b: f64) -> f64 {
    if a > b || a.is_nan() {
        a
    } else {
        b
    }
}

/// `np.minimum` of two floats.
#[inline(always)]
pub fn minimum_f64(a: f64, b: f64) -> f64 {
    if a < b || a.is_nan() {
        a
    } else {
        b
    }
}

/// `np.fmax` of two floats.
#[inline(always)]
pub fn fmax_f64(a: f64, b: f64) -> f64 {
    if a >= b || b.is_nan() {
        a
    } else {
        b
    }
}

/// `np.fmin` of two floats.
#[inline(always)]
pub fn fmin_f64(a: f64, b: f64) -> f64 {
    if a <= b || b.is_nan() {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod minmax_tests {
    use super::*;

    fn bits(v: f64) -> u64 {
        v.to_bits()
    }

    #[test]
    fn ties_and_nan_as_numpy() {
        // np.maximum(0.0, -0.0) is -0.0, np.maximum(-0.0, 0.0) is 0.0.
        assert_eq!(bits(maximum_f64(0.0, -0.0)), bits(-0.0));
        assert_eq!(bits(maximum_f64(-0.0, 0.0)), bits(0.0));
        assert_eq!(bits(minimum_f64(0.0, -0.0)), bits(-0.0));
        assert_eq!(bits(minimum_f64(-0.0, 0.0)), bits(0.0));
        // np.fmax(0.0, -0.0) is 0.0, np.fmax(-0.0, 0.0) is -0.0.
        assert_eq!(bits(fmax_f64(0.0, -0.0)), bits(0.0));
        assert_eq!(bits(fmax_f64(-0.0, 0.0)), bits(-0.0));
        assert_eq!(bits(fmin_f64(0.0, -0.0)), bits(0.0));
        assert_eq!(bits(fmin_f64(-0.0, 0.0)), bits(-0.0));
        assert!(maximum_f64(1.0, f64::NAN).is_nan() && maximum_f64(f64::NAN, 1.0).is_nan());
        assert!(minimum_f64(1.0, f64::NAN).is_nan() && minimum_f64(f64::NAN, 1.0).is_nan());
        assert_eq!(fmax_f64(f64::NAN, 1.0), 1.0);
        assert_eq!(fmax_f64(1.0, f64::NAN), 1.0);
        assert_eq!(fmin_f64(f64::NAN, -1.0), -1.0);
        assert_eq!(maximum_f64(2.0, 3.0), 3.0);
        assert_eq!(minimum_f64(2.0, 3.0), 2.0);
    }
}
