//! The float math kernels of the runtime table, indexed by
//! `typer::builtins::Math1` discriminants, and Python's `math` error rules.

use typer::tir::ScalarFn;
use typer::DType;
use vm::array::{Raised, Val};

/// A unary float kernel as compiled code calls it.
pub type Math1Fn = extern "C" fn(f64) -> f64;

macro_rules! kernels {
    ($($name:ident => $f:expr),* $(,)?) => {
        $(extern "C" fn $name(x: f64) -> f64 { ($f)(x) })*
        /// In `Math1` order: sqrt exp log log2 log10 sin cos tan asin acos
        /// atan sinh cosh tanh fabs trunc.
        pub const MATH1: [Math1Fn; 16] = [$($name),*];
    };
}

kernels! {
    k_sqrt => f64::sqrt,
    k_exp => f64::exp,
    k_log => f64::ln,
    k_log2 => f64::log2,
    k_log10 => f64::log10,
    k_sin => f64::sin,
    k_cos => f64::cos,
    k_tan => f64::tan,
    k_asin => f64::asin,
    k_acos => f64::acos,
    k_atan => f64::atan,
    k_sinh => f64::sinh,
    k_cosh => f64::cosh,
    k_tanh => f64::tanh,
    k_fabs => f64::abs,
    k_trunc => f64::trunc,
}

pub extern "C" fn atan2(y: f64, x: f64) -> f64 {
    y.atan2(x)
}

/// Python's `math` module raises where C returns a special value: a nan from
/// a non-nan argument is a domain error, an infinity from a finite argument
/// is a range error (a pole such as log(0) is a domain error).
pub fn math1_error(x: f64, y: f64) -> Option<(&'static str, &'static str)> {
    if y.is_nan() && !x.is_nan() {
        Some(("ValueError", "math domain error"))
    } else if y.is_infinite() && x.is_finite() {
        if x == 0.0 {
            Some(("ValueError", "math domain error"))
        } else {
            Some(("OverflowError", "math range error"))
        }
    } else {
        None
    }
}

/// The C library's functions CPython's `math` calls for these, so that
/// results agree bit for bit (Rust's own versions of some differ).
mod libm {
    extern "C" {
        pub fn asinh(x: f64) -> f64;
        pub fn acosh(x: f64) -> f64;
        pub fn atanh(x: f64) -> f64;
        pub fn erf(x: f64) -> f64;
        pub fn erfc(x: f64) -> f64;
        pub fn ldexp(x: f64, exp: i32) -> f64;
    }
}

const DOMAIN: (&str, &str) = ("ValueError", "math domain error");
const RANGE: (&str, &str) = ("OverflowError", "math range error");

fn raise(e: (&'static str, &str)) -> Raised {
    (e.0, e.1.to_string())
}

/// CPython's `math_1` rules: a nan from a number is a domain error; an
/// infinity from a finite number is a range error where the function can
/// overflow, a domain error (a pole) where it cannot.
fn math_1(x: f64, y: f64, can_overflow: bool) -> Result<Val, Raised> {
    if y.is_nan() && !x.is_nan() {
        return Err(raise(DOMAIN));
    }
    if y.is_infinite() && x.is_finite() {
        return Err(raise(if can_overflow { RANGE } else { DOMAIN }));
    }
    Ok(Val::F(y))
}

/// The scalar functions of `RtOp::Scalar` (see [`ScalarFn`]).
pub fn scalar_fn(f: ScalarFn, a: &[Val]) -> Result<Val, Raised> {
    let x = || a[0].as_f64();
    let y = || a[1].as_f64();
    Ok(match f {
        ScalarFn::Hypot => Val::F(x().hypot(y())),
        ScalarFn::Copysign => Val::F(x().copysign(y())),
        ScalarFn::Fmod => {
            let (x, y) = (x(), y());
            // fmod(x, ±inf) is x for finite x, as CPython special-cases.
            if y.is_infinite() && x.is_finite() {
                return Ok(Val::F(x));
            }
            let r = x % y;
            if r.is_nan() && !x.is_nan() && !y.is_nan() {
                return Err(raise(DOMAIN));
            }
            Val::F(r)
        }
        ScalarFn::Gcd => {
            let (mut p, mut q) = (a[0].as_i64().unsigned_abs(), a[1].as_i64().unsigned_abs());
            while q != 0 {
                (p, q) = (q, p % q);
            }
            // gcd(i64::MIN, 0) is 2**63, which int64 wraps as it does
            // every other overflow.
            Val::I(p as i64)
        }
        ScalarFn::Isqrt => {
            let n = a[0].as_i64();
            if n < 0 {
                return Err(("ValueError", "isqrt() argument must be nonnegative".into()));
            }
            // The float root is within one of the answer; the products
            // are exact in 128 bits.
            let mut r = (n as f64).sqrt() as i128;
            let n = n as i128;
            while r * r > n {
                r -= 1;
            }
            while (r + 1) * (r + 1) <= n {
                r += 1;
            }
            Val::I(r as i64)
        }
        ScalarFn::IsClose => {
            let (p, q, rel, abs) = (x(), y(), a[2].as_f64(), a[3].as_f64());
            if rel < 0.0 || abs < 0.0 {
                return Err(("ValueError", "tolerances must be non-negative".into()));
            }
            // CPython's order: equal (infinities too), then any infinity,
            // then the tolerances.
            let close = if p == q {
                true
            } else if p.is_infinite() || q.is_infinite() {
                false
            } else {
                let diff = (q - p).abs();
                diff <= (rel * q).abs() || diff <= (rel * p).abs() || diff <= abs
            };
            Val::I(close as i64)
        }
        ScalarFn::Factorial => {
            let n = a[0].as_i64();
            if n < 0 {
                return Err((
                    "ValueError",
                    "factorial() not defined for negative values".into(),
                ));
            }
            let mut r: i64 = 1;
            for k in 2..=n {
                r = r.checked_mul(k).ok_or_else(|| {
                    (
                        "OverflowError",
                        format!(
                            "factorial({n}) is too large for int64 (the largest is factorial(20))"
                        ),
                    )
                })?;
            }
            Val::I(r)
        }
        ScalarFn::Expm1 => math_1(x(), x().exp_m1(), true)?,
        ScalarFn::Log1p => math_1(x(), x().ln_1p(), false)?,
        // SAFETY: the C library's pure functions of one double, which read
        // and write nothing else.
        ScalarFn::Asinh => math_1(x(), unsafe { libm::asinh(x()) }, false)?,
        // SAFETY: as above.
        ScalarFn::Acosh => math_1(x(), unsafe { libm::acosh(x()) }, false)?,
        // SAFETY: as above.
        ScalarFn::Atanh => math_1(x(), unsafe { libm::atanh(x()) }, false)?,
        // SAFETY: as above.
        ScalarFn::Erf => math_1(x(), unsafe { libm::erf(x()) }, false)?,
        // SAFETY: as above.
        ScalarFn::Erfc => math_1(x(), unsafe { libm::erfc(x()) }, false)?,
        ScalarFn::Gamma => Val::F(gamma(x())?),
        ScalarFn::Lgamma => Val::F(lgamma(x())?),
        ScalarFn::Ldexp => Val::F(ldexp(x(), a[1].as_i64())?),
        ScalarFn::RoundInt => Val::I(round_int(a[0].as_i64(), a[1].as_i64())),
        ScalarFn::RoundNp(d) => Val::F(round_np(x(), a[1].as_i64(), d == DType::F32)),
    })
}

/// `math.ldexp(x, i)` as CPython computes it: zeros, infinities and NaNs
/// unchanged, exponents beyond a C int saturated, overflow an error.
fn ldexp(x: f64, i: i64) -> Result<f64, Raised> {
    if x == 0.0 || !x.is_finite() {
        return Ok(x);
    }
    let r = if i > i32::MAX as i64 {
        f64::INFINITY
    } else if i < i32::MIN as i64 {
        0.0f64.copysign(x)
    } else {
        // SAFETY: the C library's pure function of a double and an int.
        unsafe { libm::ldexp(x, i as i32) }
    };
    if r.is_infinite() {
        return Err(raise(RANGE));
    }
    Ok(r)
}

// CPython's Lanczos approximation (`Modules/mathmodule.c`): N = 13,
// g = 6.024680040776729583740234375. The constants are written as CPython
// writes them, so that they round to the same doubles.
#[allow(clippy::excessive_precision)]
const LANCZOS_G: f64 = 6.024680040776729583740234375;
#[allow(clippy::excessive_precision)]
const LANCZOS_G_MINUS_HALF: f64 = 5.524680040776729583740234375;
#[allow(clippy::excessive_precision)]
const LANCZOS_NUM: [f64; 13] = [
    23531376880.410759688572007674451636754734846804940,
    42919803642.649098768957899047001988850926355848959,
    35711959237.355668049440185451547166705960488635843,
    17921034426.037209699919755754458931112671403265390,
    6039542586.3520280050642916443072979210699388420708,
    1439720407.3117216736632230727949123939715485786772,
    248874557.86205415651146038641322942321632125127801,
    31426415.585400194380614231628318205362874684987640,
    2876370.6289353724412254090516208496135991145378768,
    186056.26539522349504029498971604569928220784236328,
    8071.6720023658162106380029022722506138218516325024,
    210.82427775157934587250973392071336271166969580291,
    2.5066282746310002701649081771338373386264310793408,
];
const LANCZOS_DEN: [f64; 13] = [
    0.0,
    39916800.0,
    120543840.0,
    150917976.0,
    105258076.0,
    45995730.0,
    13339535.0,
    2637558.0,
    357423.0,
    32670.0,
    1925.0,
    66.0,
    1.0,
];

/// Lanczos' sum for x > 0, in 1/x for large x (no overflow).
fn lanczos_sum(x: f64) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    if x < 5.0 {
        for i in (0..13).rev() {
            num = num * x + LANCZOS_NUM[i];
            den = den * x + LANCZOS_DEN[i];
        }
    } else {
        for i in 0..13 {
            num = num / x + LANCZOS_NUM[i];
            den = den / x + LANCZOS_DEN[i];
        }
    }
    num / den
}

/// sin(pi * x) for finite x, exact at the integers and half-integers.
fn sinpi(x: f64) -> f64 {
    use std::f64::consts::PI;
    let y = x.abs() % 2.0;
    let n = (2.0 * y).round() as i32;
    let r = match n {
        0 => (PI * y).sin(),
        1 => (PI * (y - 0.5)).cos(),
        2 => (PI * (1.0 - y)).sin(),
        3 => -(PI * (y - 1.5)).cos(),
        _ => (PI * (y - 2.0)).sin(),
    };
    1f64.copysign(x) * r
}

/// `math.gamma` (CPython's `m_tgamma`) with its errors.
fn gamma(x: f64) -> Result<f64, Raised> {
    use std::f64::consts::PI;
    if !x.is_finite() {
        if x.is_nan() || x > 0.0 {
            return Ok(x);
        }
        return Err(raise(DOMAIN));
    }
    if x == 0.0 {
        return Err(raise(DOMAIN));
    }
    if x == x.floor() {
        if x < 0.0 {
            return Err(raise(DOMAIN));
        }
        if x <= 23.0 {
            // (x - 1)! exactly, as CPython's table holds it.
            return Ok((1..x as i64).fold(1.0, |p, k| p * k as f64));
        }
    }
    let ax = x.abs();
    if ax < 1e-20 {
        let r = 1.0 / x;
        return if r.is_infinite() {
            Err(raise(RANGE))
        } else {
            Ok(r)
        };
    }
    if ax > 200.0 {
        if x < 0.0 {
            return Ok(0.0 / sinpi(x));
        }
        return Err(raise(RANGE));
    }
    let y = ax + LANCZOS_G_MINUS_HALF;
    // The rounding error of y, corrected for below.
    let z = if ax > LANCZOS_G_MINUS_HALF {
        (y - ax) - LANCZOS_G_MINUS_HALF
    } else {
        (y - LANCZOS_G_MINUS_HALF) - ax
    };
    let z = z * LANCZOS_G / y;
    let mut r;
    if x < 0.0 {
        r = -PI / sinpi(ax) / ax * y.exp() / lanczos_sum(ax);
        r -= z * r;
        if ax < 140.0 {
            r /= y.powf(ax - 0.5);
        } else {
            let s = y.powf(ax / 2.0 - 0.25);
            r /= s;
            r /= s;
        }
    } else {
        r = lanczos_sum(ax) / y.exp();
        r += z * r;
        if ax < 140.0 {
            r *= y.powf(ax - 0.5);
        } else {
            let s = y.powf(ax / 2.0 - 0.25);
            r *= s;
            r *= s;
        }
    }
    if r.is_infinite() {
        return Err(raise(RANGE));
    }
    Ok(r)
}

/// `math.lgamma` (CPython's `m_lgamma`) with its errors.
fn lgamma(x: f64) -> Result<f64, Raised> {
    // log(pi), as CPython writes it.
    #[allow(clippy::excessive_precision)]
    const LOGPI: f64 = 1.144729885849400174143427351353058711647;
    if !x.is_finite() {
        return Ok(if x.is_nan() { x } else { f64::INFINITY });
    }
    if x == x.floor() && x <= 2.0 {
        if x <= 0.0 {
            return Err(raise(DOMAIN));
        }
        return Ok(0.0);
    }
    let ax = x.abs();
    if ax < 1e-20 {
        return Ok(-ax.ln());
    }
    let mut r = lanczos_sum(ax).ln() - LANCZOS_G;
    r += (ax - 0.5) * ((ax + LANCZOS_G - 0.5).ln() - 1.0);
    if x < 0.0 {
        r = LOGPI - sinpi(ax).abs().ln() - ax.ln() - r;
    }
    if r.is_infinite() {
        return Err(raise(RANGE));
    }
    Ok(r)
}

/// `round(n, ndigits)` on an int (CPython's `long_round`): unchanged for
/// ndigits >= 0, else the nearest multiple of 10**-ndigits, ties to even.
/// Computed in 128 bits and wrapped to int64 like any overflow.
pub fn round_int(n: i64, ndigits: i64) -> i64 {
    if ndigits >= 0 {
        return n;
    }
    // 10**19 exceeds every int64, so larger powers round every value the same way.
    let k = (-ndigits).min(20) as u32;
    let p = 10i128.pow(k);
    let x = n as i128;
    let (mut q, r) = (x.div_euclid(p), x.rem_euclid(p));
    if 2 * r > p || (2 * r == p && q % 2 != 0) {
        q += 1;
    }
    (q * p) as i64
}

/// NumPy's `round(x, decimals)` (`np.round`): x times 10**decimals,
/// rounded half to even, divided back (for negative decimals, divided
/// then multiplied), each step in float32 for a float32.
pub fn round_np(x: f64, decimals: i64, f32_: bool) -> f64 {
    let e = decimals.unsigned_abs().min(400) as i32;
    let f = 10f64.powi(e);
    if f32_ {
        let (x, f) = (x as f32, f as f32);
        let r = if decimals >= 0 {
            (x * f).round_ties_even() / f
        } else {
            (x / f).round_ties_even() * f
        };
        return r as f64;
    }
    if decimals >= 0 {
        (x * f).round_ties_even() / f
    } else {
        (x / f).round_ties_even() * f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_order_and_errors() {
        assert_eq!(MATH1[0](16.0), 4.0);
        assert_eq!(MATH1[14](-2.5), 2.5);
        assert_eq!(MATH1[15](-2.5), -2.0);
        assert!(math1_error(-1.0, MATH1[0](-1.0)).is_some());
        assert!(math1_error(0.0, MATH1[2](0.0)).is_some());
        assert_eq!(
            math1_error(1000.0, MATH1[1](1000.0)).unwrap().0,
            "OverflowError"
        );
        assert!(math1_error(f64::NAN, f64::NAN).is_none());
    }

    #[test]
    fn scalar_functions_follow_cpython() {
        let f = |g, a: &[Val]| scalar_fn(g, a).map(|v| v.as_f64());
        assert_eq!(f(ScalarFn::Hypot, &[Val::F(3.0), Val::F(4.0)]), Ok(5.0));
        assert_eq!(f(ScalarFn::Fmod, &[Val::F(-7.0), Val::F(3.0)]), Ok(-1.0));
        assert_eq!(
            f(ScalarFn::Fmod, &[Val::F(1.0), Val::F(0.0)])
                .unwrap_err()
                .1,
            "math domain error"
        );
        assert_eq!(
            f(ScalarFn::Fmod, &[Val::F(2.5), Val::F(f64::INFINITY)]),
            Ok(2.5)
        );
        assert_eq!(f(ScalarFn::Gcd, &[Val::I(-12), Val::I(18)]), Ok(6.0));
        assert_eq!(f(ScalarFn::Gcd, &[Val::I(0), Val::I(0)]), Ok(0.0));
        assert_eq!(
            f(ScalarFn::Factorial, &[Val::I(20)]),
            Ok(2432902008176640000.0)
        );
        assert_eq!(
            f(ScalarFn::Factorial, &[Val::I(21)]).unwrap_err().0,
            "OverflowError"
        );
        assert_eq!(
            f(ScalarFn::Factorial, &[Val::I(-1)]).unwrap_err().0,
            "ValueError"
        );
        assert_eq!(
            f(ScalarFn::Log1p, &[Val::F(-1.0)]).unwrap_err().0,
            "ValueError"
        );
        assert_eq!(
            f(ScalarFn::Expm1, &[Val::F(1000.0)]).unwrap_err().0,
            "OverflowError"
        );
        assert_eq!(
            f(ScalarFn::Atanh, &[Val::F(1.0)]).unwrap_err().0,
            "ValueError"
        );
        assert_eq!(round_int(1250, -2), 1200);
        assert_eq!(round_int(1350, -2), 1400);
        assert_eq!(round_int(-1250, -2), -1200);
        assert_eq!(round_int(1251, -2), 1300);
        assert_eq!(round_int(5, -1), 0);
        assert_eq!(round_int(15, -1), 20);
        assert_eq!(round_int(123, 2), 123);
        assert_eq!(round_int(i64::MAX, -30), 0);
        assert_eq!(round_np(2.675, 2, false), 2.68);
        assert_eq!(round_np(2.665, 2, false), 2.66);
        assert_eq!(round_np(1250.0, -2, false), 1200.0);
        assert_eq!(round_np(0.125, 2, true), 0.12f32 as f64);
    }
}
