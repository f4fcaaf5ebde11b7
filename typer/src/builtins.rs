//! Names the typer knows without a definition: Python builtins, the `math`
//! module, and the modules whose imports are accepted.

/// Unary float functions. The discriminant is the kernel's index in the
/// runtime's math table, so the order here is an ABI shared by both tiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Math1 {
    Sqrt,
    Exp,
    Log,
    Log2,
    Log10,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Fabs,
    Trunc,
}

impl Math1 {
    pub const ALL: [Math1; 16] = [
        Math1::Sqrt,
        Math1::Exp,
        Math1::Log,
        Math1::Log2,
        Math1::Log10,
        Math1::Sin,
        Math1::Cos,
        Math1::Tan,
        Math1::Asin,
        Math1::Acos,
        Math1::Atan,
        Math1::Sinh,
        Math1::Cosh,
        Math1::Tanh,
        Math1::Fabs,
        Math1::Trunc,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Math1::Sqrt => "sqrt",
            Math1::Exp => "exp",
            Math1::Log => "log",
            Math1::Log2 => "log2",
            Math1::Log10 => "log10",
            Math1::Sin => "sin",
            Math1::Cos => "cos",
            Math1::Tan => "tan",
            Math1::Asin => "asin",
            Math1::Acos => "acos",
            Math1::Atan => "atan",
            Math1::Sinh => "sinh",
            Math1::Cosh => "cosh",
            Math1::Tanh => "tanh",
            Math1::Fabs => "fabs",
            Math1::Trunc => "trunc",
        }
    }
    pub fn from_name(s: &str) -> Option<Math1> {
        Math1::ALL.into_iter().find(|m| m.name() == s)
    }
}

/// Modules whose import is accepted, and what they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModuleKind {
    Numpy,
    Math,
    Numba,
    /// `numpy.random`: the legacy global generator.
    NpRandom,
    /// Python's `random`.
    PyRandom,
}

pub fn module_kind(name: &str) -> Option<ModuleKind> {
    match name {
        "numpy" => Some(ModuleKind::Numpy),
        "math" => Some(ModuleKind::Math),
        "numba" => Some(ModuleKind::Numba),
        "numpy.random" => Some(ModuleKind::NpRandom),
        "random" => Some(ModuleKind::PyRandom),
        _ => None,
    }
}

/// Builtin exception names accepted by `raise Name("message")`.
pub const EXCEPTIONS: &[&str] = &[
    "Exception",
    "ValueError",
    "TypeError",
    "IndexError",
    "KeyError",
    "ZeroDivisionError",
    "ArithmeticError",
    "OverflowError",
    "RuntimeError",
    "NotImplementedError",
    "AssertionError",
    "MemoryError",
    "RecursionError",
];

/// Python builtins the typer implements.
pub const BUILTIN_FUNCS: &[&str] = &[
    "print",
    "range",
    "len",
    "abs",
    "min",
    "max",
    "int",
    "float",
    "bool",
    "round",
    "sum",
    "divmod",
    "str",
    "enumerate",
    "zip",
];

/// Float constants of the `math` module (and of `numpy` under the same names).
pub fn math_constant(name: &str) -> Option<f64> {
    Some(match name {
        "pi" => std::f64::consts::PI,
        "e" => std::f64::consts::E,
        "tau" => std::f64::consts::TAU,
        "inf" => f64::INFINITY,
        "nan" => f64::NAN,
        _ => return None,
    })
}
