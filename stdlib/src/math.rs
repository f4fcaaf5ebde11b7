//! The float math kernels of the runtime table, indexed by
//! `typer::builtins::Math1` discriminants, and Python's `math` error rules.

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
}
