//! `str.format` templates, read into the pieces of a formatted string as
//! CPython reads them (`Objects/stringlib/unicode_format.h`), with its
//! errors. The typer reads a literal template when it compiles; the
//! runtime reads one that is only known when the call runs.

use crate::tir::{Conv, FmtPiece};

/// A template CPython would reject (its exception and message), or one
/// Kiln does not take (`unsupported`: a field reading an attribute or an
/// item).
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateError {
    pub exc: &'static str,
    pub msg: String,
    pub unsupported: bool,
}

fn fail(exc: &'static str, msg: impl Into<String>) -> TemplateError {
    TemplateError {
        exc,
        msg: msg.into(),
        unsupported: false,
    }
}

/// Reads `text`, whose fields refer to `npos` positional arguments, then
/// the keyword arguments named `kw`: operands `base..base + npos` and on.
pub fn parse(
    text: &str,
    npos: usize,
    kw: &[&str],
    base: usize,
) -> Result<Vec<FmtPiece>, TemplateError> {
    let chars: Vec<char> = text.chars().collect();
    let mut r = Reader {
        npos,
        kw,
        base,
        next: 0,
        auto: None,
    };
    r.pieces(&chars, 0)
}

struct Reader<'a> {
    npos: usize,
    kw: &'a [&'a str],
    base: usize,
    /// The automatic numbering's next index, and whether fields are
    /// numbered automatically (once a field said).
    next: usize,
    auto: Option<bool>,
}

fn lit(pieces: &mut Vec<FmtPiece>, t: &str) {
    match pieces.last_mut() {
        Some(FmtPiece::Lit(prev)) => prev.push_str(t),
        _ => pieces.push(FmtPiece::Lit(t.to_string())),
    }
}

impl Reader<'_> {
    /// A template, or (at `depth` 1) a field's spec.
    fn pieces(&mut self, chars: &[char], depth: u8) -> Result<Vec<FmtPiece>, TemplateError> {
        let mut out = Vec::new();
        let mut buf = String::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                c @ ('{' | '}') if depth == 0 && chars.get(i + 1) == Some(&c) => {
                    buf.push(c);
                    i += 2;
                }
                '}' => {
                    return Err(fail(
                        "ValueError",
                        "Single '}' encountered in format string",
                    ))
                }
                '{' => {
                    if depth > 1 {
                        return Err(fail("ValueError", "Max string recursion exceeded"));
                    }
                    if !buf.is_empty() {
                        lit(&mut out, &std::mem::take(&mut buf));
                    }
                    let (name, conv, spec, next) = field(chars, i + 1)?;
                    i = next;
                    let arg = self.arg(&name)?;
                    let spec = self.pieces(&spec, depth + 1)?;
                    let arg = u16::try_from(self.base + arg)
                        .map_err(|_| fail("ValueError", "too many arguments to format"))?;
                    out.push(FmtPiece::Field { arg, conv, spec });
                }
                c => {
                    buf.push(c);
                    i += 1;
                }
            }
        }
        if !buf.is_empty() {
            lit(&mut out, &buf);
        }
        Ok(out)
    }

    /// The argument a field name refers to: automatic (`{}`), positional
    /// (`{0}`) or by keyword (`{name}`).
    fn arg(&mut self, name: &str) -> Result<usize, TemplateError> {
        if name.contains(['.', '[']) {
            return Err(TemplateError {
                exc: "NotImplementedError",
                msg: format!(
                    "the field '{{{name}}}' reads an attribute or an item, which Kiln's str.format does not"
                ),
                unsupported: true,
            });
        }
        let index = if name.is_empty() {
            if self.auto == Some(false) {
                return Err(fail(
                    "ValueError",
                    "cannot switch from manual field specification to automatic field numbering",
                ));
            }
            self.auto = Some(true);
            self.next += 1;
            Some(self.next - 1)
        } else if let Ok(k) = name.parse::<usize>() {
            if self.auto == Some(true) {
                return Err(fail(
                    "ValueError",
                    "cannot switch from automatic field numbering to manual field specification",
                ));
            }
            self.auto = Some(false);
            Some(k)
        } else {
            None
        };
        match index {
            Some(k) if k < self.npos => Ok(k),
            Some(k) => Err(fail(
                "IndexError",
                format!("Replacement index {k} out of range for positional args tuple"),
            )),
            None => match self.kw.iter().position(|kw| *kw == name) {
                Some(j) => Ok(self.npos + j),
                None => Err(fail("KeyError", format!("'{name}'"))),
            },
        }
    }
}

/// A field after its `{` (`MarkupIterator_next`, `parse_field`): its
/// name, conversion and spec, and the index past its `}`.
fn field(c: &[char], start: usize) -> Result<(String, Conv, Vec<char>, usize), TemplateError> {
    // The field runs to the `}` that balances its `{`, nested ones counted.
    let mut depth = 1;
    let mut j = start;
    while j < c.len() {
        match c[j] {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        j += 1;
    }
    if j >= c.len() {
        return Err(fail(
            "ValueError",
            if depth > 1 {
                "unmatched '{' in format spec"
            } else {
                "expected '}' before end of string"
            },
        ));
    }
    let body = &c[start..j];
    // The name ends at the first `!` or `:` outside brackets.
    let mut k = 0;
    let mut bracket = false;
    while k < body.len() {
        match body[k] {
            '[' => bracket = true,
            ']' => bracket = false,
            '!' | ':' if !bracket => break,
            _ => {}
        }
        k += 1;
    }
    let name: String = body[..k].iter().collect();
    let mut conv = Conv::Format;
    if k < body.len() && body[k] == '!' {
        let Some(&cc) = body.get(k + 1) else {
            return Err(fail(
                "ValueError",
                "end of string while looking for conversion specifier",
            ));
        };
        if body.len() > k + 2 && body[k + 2] != ':' {
            return Err(fail(
                "ValueError",
                "expected ':' after conversion specifier",
            ));
        }
        conv = match cc {
            's' => Conv::Str,
            'r' => Conv::Repr,
            'a' => Conv::Ascii,
            _ => {
                return Err(fail(
                    "ValueError",
                    format!("Unknown conversion specifier {cc}"),
                ))
            }
        };
        k += 2;
    }
    let spec = if k < body.len() && body[k] == ':' {
        body[k + 1..].to_vec()
    } else {
        Vec::new()
    };
    Ok((name, conv, spec, j + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(arg: u16, conv: Conv, spec: Vec<FmtPiece>) -> FmtPiece {
        FmtPiece::Field { arg, conv, spec }
    }

    #[test]
    fn fields_and_literals() {
        let p = parse("a{{{}}}b{x!r:>{}}", 2, &["x"], 1).unwrap();
        assert_eq!(
            p,
            vec![
                FmtPiece::Lit("a{".into()),
                field(1, Conv::Format, vec![]),
                FmtPiece::Lit("}b".into()),
                field(
                    3,
                    Conv::Repr,
                    vec![FmtPiece::Lit(">".into()), field(2, Conv::Format, vec![])]
                ),
            ]
        );
    }

    #[test]
    fn cpython_errors() {
        let e = |t: &str| parse(t, 1, &[], 0).unwrap_err();
        assert_eq!(e("}").msg, "Single '}' encountered in format string");
        assert_eq!(e("{").msg, "expected '}' before end of string");
        assert_eq!(e("{1}").exc, "IndexError");
        assert_eq!(e("{y}").msg, "'y'");
        assert_eq!(
            e("{}{0}").msg,
            "cannot switch from automatic field numbering to manual field specification"
        );
        assert_eq!(e("{!x}").msg, "Unknown conversion specifier x");
        assert_eq!(
            parse("{:{:{}}}", 3, &[], 0).unwrap_err().msg,
            "Max string recursion exceeded"
        );
        assert!(e("{0.real}").unsupported);
    }
}
