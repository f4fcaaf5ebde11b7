//! Kiln's types: Python scalars (weak in array operations, NEP 50), NumPy
//! scalars (strong), tuples, string literals and strings made at run time,
//! none, and arrays.

use std::fmt;
use std::rc::Rc;

/// An array element type (and the type of a NumPy scalar). One byte in
/// array headers, which compiled code reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum DType {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
}

impl DType {
    pub const ALL: [DType; 11] = [
        DType::Bool,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::F32,
        DType::F64,
    ];
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }
    pub fn from_name(s: &str) -> Option<DType> {
        Some(match s {
            "bool" | "bool_" => DType::Bool,
            "int8" => DType::I8,
            "int16" => DType::I16,
            "int32" => DType::I32,
            "int64" | "int" | "intp" => DType::I64,
            "uint8" => DType::U8,
            "uint16" => DType::U16,
            "uint32" => DType::U32,
            "uint64" | "uintp" => DType::U64,
            "float32" => DType::F32,
            "float64" | "float" | "double" => DType::F64,
            _ => return Option::None,
        })
    }
    pub fn itemsize(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 => 8,
        }
    }
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }
    pub fn is_int(self) -> bool {
        !self.is_float() && self != DType::Bool
    }
    pub fn is_signed(self) -> bool {
        matches!(self, DType::I8 | DType::I16 | DType::I32 | DType::I64)
    }
    pub fn is_unsigned(self) -> bool {
        matches!(self, DType::U8 | DType::U16 | DType::U32 | DType::U64)
    }
    fn int_bits(self) -> u32 {
        self.itemsize() as u32 * 8
    }

    /// NumPy 2 promotion of two strong dtypes (`np.result_type`), restricted
    /// to the dtypes Kiln has. `None` where NumPy's answer would be float16
    /// (never for these inputs) or an object type.
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        if a == b {
            return a;
        }
        match (a, b) {
            (Bool, x) | (x, Bool) => x,
            (F64, _) | (_, F64) => F64,
            (F32, x) | (x, F32) => {
                // float32 holds int8/int16/uint8/uint16 exactly; wider ints need float64.
                if x.is_int() && x.int_bits() > 16 {
                    F64
                } else {
                    F32
                }
            }
            _ => {
                let (sa, sb) = (a.is_signed(), b.is_signed());
                let bits = a.int_bits().max(b.int_bits());
                if sa == sb {
                    return int_of(sa, bits);
                }
                let (s, u) = if sa { (a, b) } else { (b, a) };
                if s.int_bits() > u.int_bits() {
                    s
                } else if u.int_bits() == 64 {
                    F64
                } else {
                    int_of(true, u.int_bits() * 2)
                }
            }
        }
    }
}

fn int_of(signed: bool, bits: u32) -> DType {
    match (signed, bits) {
        (true, 8) => DType::I8,
        (true, 16) => DType::I16,
        (true, 32) => DType::I32,
        (true, _) => DType::I64,
        (false, 8) => DType::U8,
        (false, 16) => DType::U16,
        (false, 32) => DType::U32,
        (false, _) => DType::U64,
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Most dimensions an array may have (the runtime's headers hold this many).
pub const MAX_NDIM: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    C,
    F,
    A,
}

/// An array type. `class` names the array type in the classmethod table:
/// 0 is the plain ndarray; host-registered subtypes get other ids.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArrayType {
    pub dtype: DType,
    pub ndim: u8,
    pub layout: Layout,
    pub class: u32,
    /// The class's name for display (`MyArray(1, int64, C)`); None for ndarray.
    pub class_name: Option<Rc<str>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// Not inferred yet; only seen while inference iterates.
    Unknown,
    None,
    /// Python `bool`.
    Bool,
    /// Python `int`: int64 at run time, weak in array operations.
    Int,
    /// Python `float`: float64 at run time, weak in array operations.
    Float,
    /// A NumPy scalar (an element read from an array, a reduction result).
    Scalar(DType),
    /// A string literal.
    Str,
    /// A string made at run time (an f-string, `str.format`): a reference
    /// to its text, owned as an array reference is.
    Text,
    Tuple(Rc<[Type]>),
    Array(Rc<ArrayType>),
    /// A dtype object (`np.float64`, `a.dtype`): a compile-time constant.
    DTypeObj(DType),
}

impl Type {
    pub fn array(dtype: DType, ndim: u8, layout: Layout) -> Type {
        Type::Array(Rc::new(ArrayType {
            dtype,
            ndim,
            layout,
            class: 0,
            class_name: None,
        }))
    }
    pub fn as_array(&self) -> Option<&ArrayType> {
        match self {
            Type::Array(a) => Some(a),
            _ => None,
        }
    }
    /// The NumPy scalar type of an element of this dtype as Kiln types it.
    pub fn of_dtype(d: DType) -> Type {
        Type::Scalar(d)
    }
    pub fn tuple(items: Vec<Type>) -> Type {
        Type::Tuple(items.into())
    }
    /// Whether this type nests tuples more than `depth` levels deep or is
    /// made of more than `parts` types (itself and everything inside it).
    /// The walk stops at the first bound passed, so it is cheap on a type
    /// of any size.
    pub fn exceeds(&self, depth: usize, parts: usize) -> bool {
        fn walk(t: &Type, depth: usize, parts: &mut usize) -> bool {
            if depth == 0 || *parts == 0 {
                return true;
            }
            *parts -= 1;
            match t {
                Type::Tuple(items) => items.iter().any(|i| walk(i, depth - 1, parts)),
                _ => false,
            }
        }
        let mut left = parts;
        walk(self, depth, &mut left)
    }
    pub fn is_unknown(&self) -> bool {
        match self {
            Type::Unknown => true,
            Type::Tuple(t) => t.iter().any(Type::is_unknown),
            _ => false,
        }
    }
    /// Scalar numeric types (Python or NumPy, bool included).
    pub fn is_number(&self) -> bool {
        matches!(self, Type::Bool | Type::Int | Type::Float | Type::Scalar(_))
    }
    /// The dtype a scalar computes in at run time.
    pub fn scalar_dtype(&self) -> Option<DType> {
        Some(match self {
            Type::Bool => DType::Bool,
            Type::Int => DType::I64,
            Type::Float => DType::F64,
            Type::Scalar(d) => *d,
            _ => return Option::None,
        })
    }
    pub fn is_float(&self) -> bool {
        self.scalar_dtype().is_some_and(DType::is_float)
    }
    pub fn is_intlike(&self) -> bool {
        self.scalar_dtype().is_some_and(|d| !d.is_float())
    }
    pub fn is_python_scalar(&self) -> bool {
        matches!(self, Type::Bool | Type::Int | Type::Float)
    }

    /// The type of an arithmetic result on two scalars: Python rules between
    /// Python scalars, NumPy's (NEP 50) once a NumPy scalar is involved.
    pub fn promote_scalars(a: &Type, b: &Type) -> Option<Type> {
        use Type::*;
        Some(match (a, b) {
            (Bool, Bool) => Bool,
            (Bool | Int, Bool | Int) => Int,
            (Bool | Int | Float, Bool | Int | Float) => Float,
            (Scalar(x), Scalar(y)) => Scalar(DType::promote(*x, *y)),
            (Scalar(x), w) | (w, Scalar(x)) => Scalar(weak_promote(*x, w)),
            _ => return Option::None,
        })
    }

    /// Least upper bound for assignments of different types to one local.
    pub fn unify(a: &Type, b: &Type) -> Option<Type> {
        use Type::*;
        if a == b {
            return Some(a.clone());
        }
        Some(match (a, b) {
            (Unknown, t) | (t, Unknown) => t.clone(),
            (Str, Text) | (Text, Str) => Text,
            (Tuple(x), Tuple(y)) if x.len() == y.len() => {
                let items: Option<Vec<Type>> = x
                    .iter()
                    .zip(y.iter())
                    .map(|(p, q)| Type::unify(p, q))
                    .collect();
                Type::tuple(items?)
            }
            (Array(x), Array(y))
                if x.dtype == y.dtype && x.ndim == y.ndim && x.class == y.class =>
            {
                Array(Rc::new(ArrayType {
                    layout: Layout::A,
                    ..(**x).clone()
                }))
            }
            (x, y) if x.is_number() && y.is_number() => Type::promote_scalars(x, y)?,
            _ => return Option::None,
        })
    }
}

/// NEP 50: a Python scalar takes the NumPy scalar's kind unless it is of a
/// higher kind (a Python float with an int dtype gives float64).
pub fn weak_promote(strong: DType, weak: &Type) -> DType {
    match weak {
        Type::Float if !strong.is_float() => DType::F64,
        Type::Int if strong == DType::Bool => DType::I64,
        _ => strong,
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Unknown => f.write_str("?"),
            Type::None => f.write_str("none"),
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int64"),
            Type::Float => f.write_str("float64"),
            Type::Scalar(d) => write!(f, "{d}"),
            Type::Str | Type::Text => f.write_str("str"),
            Type::Tuple(items) => {
                if !items.is_empty() && items.iter().all(|t| t == &items[0]) {
                    return write!(f, "UniTuple({}, {})", items[0], items.len());
                }
                f.write_str("Tuple(")?;
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str(")")
            }
            Type::Array(a) => match &a.class_name {
                Some(n) => write!(f, "{n}({}, {}, {:?})", a.ndim, a.dtype, a.layout),
                None => write!(f, "array({}, {}d, {:?})", a.dtype, a.ndim, a.layout),
            },
            Type::DTypeObj(d) => write!(f, "dtype({d})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DType::*;

    #[test]
    fn numpy_promotion_table() {
        assert_eq!(DType::promote(I32, I64), I64);
        assert_eq!(DType::promote(U8, I8), I16);
        assert_eq!(DType::promote(U64, I64), F64);
        assert_eq!(DType::promote(U32, I32), I64);
        assert_eq!(DType::promote(F32, I32), F64);
        assert_eq!(DType::promote(F32, U16), F32);
        assert_eq!(DType::promote(Bool, U8), U8);
        assert_eq!(DType::promote(F32, F64), F64);
    }

    #[test]
    fn exceeds_bounds_depth_and_parts() {
        let mut t = Type::Int;
        for _ in 0..3 {
            t = Type::tuple(vec![t, Type::Int]);
        }
        // Four levels (three tuples and the innermost int), seven parts.
        assert!(!t.exceeds(4, 7));
        assert!(t.exceeds(3, 7));
        assert!(t.exceeds(4, 6));
        // Wide and shallow: counted by parts.
        let wide = Type::tuple(vec![Type::Float; 100]);
        assert!(!wide.exceeds(2, 101));
        assert!(wide.exceeds(2, 100));
        // A type that doubles at every level (2^40 parts if walked in
        // full, shared through Rc) is judged after a few steps.
        let mut big = Type::Int;
        for _ in 0..40 {
            big = Type::tuple(vec![big.clone(), big]);
        }
        assert!(big.exceeds(64, 1024));
    }

    #[test]
    fn weak_scalars() {
        assert_eq!(
            Type::promote_scalars(&Type::Scalar(I32), &Type::Int),
            Some(Type::Scalar(I32))
        );
        assert_eq!(
            Type::promote_scalars(&Type::Scalar(I32), &Type::Float),
            Some(Type::Scalar(F64))
        );
        assert_eq!(
            Type::promote_scalars(&Type::Scalar(F32), &Type::Float),
            Some(Type::Scalar(F32))
        );
        assert_eq!(
            Type::promote_scalars(&Type::Int, &Type::Float),
            Some(Type::Float)
        );
        assert_eq!(
            Type::promote_scalars(&Type::Bool, &Type::Bool),
            Some(Type::Bool)
        );
    }

    #[test]
    fn unify() {
        assert_eq!(Type::unify(&Type::Int, &Type::Float), Some(Type::Float));
        assert_eq!(Type::unify(&Type::Unknown, &Type::Int), Some(Type::Int));
        assert_eq!(Type::unify(&Type::Str, &Type::Int), None);
        assert_eq!(Type::unify(&Type::Str, &Type::Text), Some(Type::Text));
    }
}
