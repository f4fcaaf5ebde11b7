//! Strings made at run time: f-strings and `str.format` (the `Fmt`
//! instruction), and the values that hold them.
//!
//! A string value (`Type::Text`) is a register holding an array header of
//! one dimension and dtype uint8 over the string's UTF-8 bytes, which the
//! header owns (no allocator is involved: the bytes are a Rust string's).
//! Being an array reference, it is owned, copied and released as one in
//! both tiers. `Fmt` runs through `crate::out::fmt` in both tiers (native
//! code calls it through the runtime table), with the module's string
//! table for the literals it shows.

use std::cell::Cell;
use std::rc::Rc;

use typer::tir::{Conv, FmtPiece};
use typer::{DType, Type};

use crate::array::{self, load, Array, Raised};
use crate::compile::width;
use crate::rt::{array_repr, array_str, print_cost, Fuel, ELEMS_PER_FUEL};
use crate::runtime::{kernels, Elem, Field};

/// One `Fmt` site: its pieces and the types of its operands.
#[derive(Debug, Clone, PartialEq)]
pub struct FmtDesc {
    pub pieces: Rc<[FmtPiece]>,
    pub args: Vec<Type>,
}

impl FmtDesc {
    /// Registers the site's window spans (operands, or the result).
    pub fn window(&self) -> usize {
        self.args
            .iter()
            .map(|t| width(t) as usize)
            .sum::<usize>()
            .max(1)
    }
}

thread_local! {
    static LIVE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// String values alive on this thread (made and not yet freed), which
/// tests read to see that every string a program makes is freed.
pub fn live_texts() -> usize {
    LIVE.with(|n| n.get())
}

/// A string's bytes, counted in [`live_texts`] and in their VM's live
/// string bytes (`ClassTable::texts`) while they live.
struct Bytes {
    #[allow(dead_code)]
    bytes: Box<[u8]>,
    live: Rc<Cell<u64>>,
}

impl Drop for Bytes {
    fn drop(&mut self) {
        LIVE.with(|n| n.set(n.get().saturating_sub(1)));
        let n = self.bytes.len() as u64;
        self.live.set(self.live.get().saturating_sub(n));
    }
}

/// A new string value (an owned reference) holding `s`, its bytes counted
/// in `live` while it lives.
pub fn new_text(s: String, live: &Rc<Cell<u64>>) -> *mut Array {
    let bytes: Box<[u8]> = s.into_bytes().into_boxed_slice();
    let (data, len) = (bytes.as_ptr() as *mut u8, bytes.len());
    LIVE.with(|n| n.set(n.get() + 1));
    live.set(live.get() + len as u64);
    let keeper = Bytes {
        bytes,
        live: live.clone(),
    };
    // The bytes never move: the box is only moved, into the block's keeper.
    array::from_host(data, DType::U8, &[len], 0, Box::new(keeper))
}

/// The text of a string value.
///
/// # Safety
/// `p` is null or a live header made by [`new_text`].
pub unsafe fn text<'a>(p: *const Array) -> Result<&'a str, Raised> {
    if p.is_null() {
        return Err(unbound());
    }
    // SAFETY: a live header (the contract) over `shape[0]` bytes it owns.
    let bytes = unsafe { std::slice::from_raw_parts((*p).data, (*p).shape[0]) };
    // Made from a Rust string, so valid UTF-8; a header that is not (which
    // no program can make) shows nothing rather than read past it.
    Ok(std::str::from_utf8(bytes).unwrap_or(""))
}

fn unbound() -> Raised {
    (
        "UnboundLocalError",
        "a variable was used before it was assigned".into(),
    )
}

/// The longest string a program can make: a string doubled in a loop
/// stops here with a `MemoryError`, not when the host's memory runs out.
pub const MAX_TEXT: usize = 1 << 28;

/// The fuel a string of `len` bytes costs to make or print, as array
/// elements do: a unit per [`ELEMS_PER_FUEL`] (none for a shorter one,
/// which costs what the instruction making it costs). Without it a loop
/// could make or print ever longer strings within its budget, and its
/// running time would not be bounded by its fuel.
pub fn text_cost(len: usize) -> u64 {
    (len / ELEMS_PER_FUEL) as u64
}

fn too_long() -> Raised {
    (
        "MemoryError",
        format!("a string longer than {MAX_TEXT} bytes is too large for Kiln"),
    )
}

/// Formats one `Fmt` site over its operand registers.
pub fn run(d: &FmtDesc, regs: &[u64], strings: &[String], fuel: &Fuel) -> Result<String, Raised> {
    let mut offs = Vec::with_capacity(d.args.len());
    let mut k = 0usize;
    for t in &d.args {
        offs.push(k);
        k += width(t) as usize;
    }
    let cx = Cx {
        d,
        regs,
        offs: &offs,
        strings,
        fuel,
    };
    let mut out = String::new();
    cx.pieces(&d.pieces, &mut out)?;
    fuel.spend(text_cost(out.len()))?;
    Ok(out)
}

struct Cx<'a> {
    d: &'a FmtDesc,
    regs: &'a [u64],
    offs: &'a [usize],
    strings: &'a [String],
    fuel: &'a Fuel,
}

impl Cx<'_> {
    fn pieces(&self, pieces: &[FmtPiece], out: &mut String) -> Result<(), Raised> {
        for p in pieces {
            match p {
                FmtPiece::Lit(t) => out.push_str(t),
                FmtPiece::Template { arg, npos, kw } => {
                    let a = *arg as usize;
                    let x = self.regs[self.offs[a]];
                    let template = match self.d.args[a] {
                        // SAFETY: a Text register holds null or a live string value.
                        Type::Text => unsafe { text(x as *const Array) }?,
                        _ => self.literal(x),
                    };
                    let kw: Vec<&str> = kw.iter().map(String::as_str).collect();
                    let read = typer::template::parse(template, *npos as usize, &kw, a + 1)
                        .map_err(|e| (e.exc, e.msg))?;
                    self.pieces(&read, out)?;
                }
                FmtPiece::Field { arg, conv, spec } => {
                    let mut sp = String::new();
                    self.pieces(spec, &mut sp)?;
                    let a = *arg as usize;
                    let (ty, at) = (&self.d.args[a], self.offs[a]);
                    let regs = &self.regs[at..at + width(ty) as usize];
                    let shown;
                    let field = match conv {
                        Conv::Format => match self.field(ty, regs, sp.is_empty())? {
                            (Some(f), _) => f,
                            (None, s) => {
                                shown = s;
                                Field::Str(&shown)
                            }
                        },
                        Conv::Str => {
                            shown = self.show(ty, regs, false)?;
                            Field::Str(&shown)
                        }
                        Conv::Repr => {
                            shown = self.show(ty, regs, true)?;
                            Field::Str(&shown)
                        }
                        Conv::Ascii => {
                            shown = (kernels().ascii)(&self.show(ty, regs, true)?);
                            Field::Str(&shown)
                        }
                    };
                    (kernels().format)(out, field, &sp)?;
                }
            }
            // (A field is at most the format kernel's widest: the check
            // after each piece bounds the work before it.)
            if out.len() > MAX_TEXT {
                return Err(too_long());
            }
        }
        Ok(())
    }

    /// What `format(value, spec)` sees of a value; for values only the
    /// empty spec formats, their `str` (second), or the `TypeError` of a
    /// spec.
    fn field<'s>(
        &'s self,
        ty: &Type,
        regs: &[u64],
        empty_spec: bool,
    ) -> Result<(Option<Field<'s>>, String), Raised> {
        let x = regs.first().copied().unwrap_or(0);
        if let Type::Array(at) = ty {
            if at.ndim == 0 && !(x as *const Array).is_null() {
                // NumPy formats a 0-d array as its element.
                // SAFETY: a non-null array register holds a live header,
                // and a 0-d array has one element.
                let v = unsafe { load(at.dtype, (*(x as *const Array)).data) };
                let bits = [v.to_bits(at.dtype)];
                return self.field(&Type::Scalar(at.dtype), &bits, empty_spec);
            }
        }
        let f = match ty {
            Type::Int => Field::Int(x as i64 as i128),
            Type::Bool => Field::Bool(x != 0),
            Type::Float => Field::Float(f64::from_bits(x)),
            Type::Scalar(d) if d.is_float() => Field::Float(f64::from_bits(x)),
            Type::Scalar(DType::Bool) => Field::Bool(x != 0),
            Type::Scalar(DType::U64) => Field::Int(x as i128),
            Type::Scalar(_) => Field::Int(x as i64 as i128),
            Type::Str => Field::Str(self.literal(x)),
            // SAFETY: a Text register holds null or a live string value.
            Type::Text => Field::Str(unsafe { text(x as *const Array) }?),
            _ => {
                let type_name = match ty {
                    Type::None => "NoneType",
                    Type::Array(_) => "numpy.ndarray",
                    Type::Tuple(_) => "tuple",
                    Type::DTypeObj(d) => dtype_class(*d),
                    _ => "object",
                };
                if !empty_spec {
                    return Err((
                        "TypeError",
                        format!("unsupported format string passed to {type_name}.__format__"),
                    ));
                }
                return Ok((None, self.show(ty, regs, false)?));
            }
        };
        Ok((Some(f), String::new()))
    }

    fn literal(&self, x: u64) -> &str {
        self.strings.get(x as usize).map_or("", |s| s.as_str())
    }

    /// `str()` (or, with `repr`, `repr()`) of a value.
    fn show(&self, ty: &Type, regs: &[u64], repr: bool) -> Result<String, Raised> {
        let x = regs.first().copied().unwrap_or(0);
        let k = kernels();
        Ok(match ty {
            Type::Int => (x as i64).to_string(),
            Type::Bool => (if x != 0 { "True" } else { "False" }).into(),
            Type::Scalar(DType::Bool) => match (repr, x != 0) {
                (false, b) => (if b { "True" } else { "False" }).into(),
                (true, b) => (if b { "np.True_" } else { "np.False_" }).into(),
            },
            Type::Float => {
                let mut s = String::new();
                (k.write_float)(&mut s, f64::from_bits(x));
                s
            }
            Type::Scalar(d) => {
                let e = match d {
                    DType::F32 => Elem::F32(f64::from_bits(x) as f32),
                    DType::F64 => Elem::F64(f64::from_bits(x)),
                    d if d.is_unsigned() => Elem::UInt(x),
                    _ => Elem::Int(x as i64),
                };
                let s = (k.scalar_str)(e);
                if repr {
                    format!("np.{d}({s})")
                } else {
                    s
                }
            }
            Type::Str if repr => (k.str_repr)(self.literal(x)),
            Type::Str => self.literal(x).to_string(),
            Type::Text => {
                // SAFETY: a Text register holds null or a live string value.
                let t = unsafe { text(x as *const Array) }?;
                if repr {
                    (k.str_repr)(t)
                } else {
                    t.to_string()
                }
            }
            Type::None => "None".into(),
            Type::DTypeObj(d) if repr => format!("dtype('{}')", d.name()),
            Type::DTypeObj(d) => d.name().into(),
            Type::Array(_) => {
                let p = x as *const Array;
                if p.is_null() {
                    return Err(unbound());
                }
                // SAFETY: a non-null array register holds a live header.
                let a = unsafe { &*p };
                self.fuel.spend(print_cost(a))?;
                if repr {
                    array_repr(a)
                } else {
                    array_str(a)
                }
            }
            Type::Tuple(items) => {
                let mut s = String::from("(");
                let mut off = 0;
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    let w = width(t) as usize;
                    s.push_str(&self.show(t, &regs[off..off + w], true)?);
                    off += w;
                }
                if items.len() == 1 {
                    s.push(',');
                }
                s.push(')');
                s
            }
            Type::Unknown => String::new(),
        })
    }
}

/// The class of a dtype object, as `type(np.dtype(...))` names it.
fn dtype_class(d: DType) -> &'static str {
    match d {
        DType::Bool => "numpy.dtypes.BoolDType",
        DType::I8 => "numpy.dtypes.Int8DType",
        DType::I16 => "numpy.dtypes.Int16DType",
        DType::I32 => "numpy.dtypes.Int32DType",
        DType::I64 => "numpy.dtypes.Int64DType",
        DType::U8 => "numpy.dtypes.UInt8DType",
        DType::U16 => "numpy.dtypes.UInt16DType",
        DType::U32 => "numpy.dtypes.UInt32DType",
        DType::U64 => "numpy.dtypes.UInt64DType",
        DType::F32 => "numpy.dtypes.Float32DType",
        DType::F64 => "numpy.dtypes.Float64DType",
    }
}
