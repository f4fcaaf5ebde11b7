//! Formatted strings: f-strings and `"...".format(...)`. Both become one
//! [`TExprKind::Format`]: the values, evaluated once each in order, and
//! the pieces that show them, which the runtime formats as Python's
//! `format()` does. The template of `str.format` must be a literal; it is
//! read here, and its errors are CPython's, reported at compile time.

use super::*;

/// Types a field can show: scalars, strings, None, dtypes, arrays (their
/// `str`, not their `repr`), and tuples of those but arrays.
fn showable(t: &Type, in_tuple: bool) -> bool {
    match t {
        Type::Array(_) => !in_tuple,
        Type::Tuple(items) => items.iter().all(|i| showable(i, true)),
        _ => true,
    }
}

fn lit(pieces: &mut Vec<FmtPiece>, t: &str) {
    match pieces.last_mut() {
        Some(FmtPiece::Lit(prev)) => prev.push_str(t),
        _ => pieces.push(FmtPiece::Lit(t.to_string())),
    }
}

fn conv_of(c: Option<char>) -> Conv {
    match c {
        Some('s') => Conv::Str,
        Some('r') => Conv::Repr,
        Some('a') => Conv::Ascii,
        _ => Conv::Format,
    }
}

/// Checks that a field can show a value of type `t` with `conv`.
fn check_field(t: &Type, conv: Conv, span: Span) -> Result<()> {
    match t {
        Type::Array(_) if matches!(conv, Conv::Repr | Conv::Ascii) => Err(Diagnostic::new(
            DiagKind::Unsupported,
            span,
            "the repr of an array (`!r`, `{a=}`) is not supported in Kiln",
        )
        .help("show its str instead: f\"{a}\"")),
        t if !t.is_unknown() && !showable(t, false) => Err(Diagnostic::new(
            DiagKind::Unsupported,
            span,
            format!("a {t} cannot be shown in a formatted string in Kiln"),
        )),
        _ => Ok(()),
    }
}

/// A template error of `str.format`, with CPython's exception and message.
fn template_err(span: Span, exc: &str, msg: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::new(DiagKind::Type, span, format!("{exc}: {msg}"))
        .help("CPython raises this when the call runs; Kiln reports it when it compiles")
}

/// One replacement field of a `str.format` template, read from `chars`
/// after its `{`: the field name, conversion and spec text.
struct RawField {
    name: String,
    conv: Option<char>,
    spec: String,
}

impl Cx<'_> {
    /// An f-string.
    pub(super) fn fstring(&mut self, parts: &[FStrPart], span: Span) -> Result<TExpr> {
        let mut ops = Vec::new();
        let pieces = self.fpieces(parts, &mut ops)?;
        Ok(self.format_expr(pieces, ops, span))
    }

    /// An exception's message from any value that can be shown: its
    /// `str`, as a `Text`.
    pub(super) fn message(&mut self, e: &Expr) -> Result<TExpr> {
        let v = self.expr(e)?;
        if v.ty == Type::Text {
            return Ok(v);
        }
        let span = v.span;
        let mut ops = Vec::new();
        let arg = self.field_operand(v, Conv::Str, span, &mut ops)?;
        let pieces = vec![FmtPiece::Field {
            arg,
            conv: Conv::Str,
            spec: vec![],
        }];
        Ok(self.format_expr(pieces, ops, span))
    }

    fn format_expr(&self, pieces: Vec<FmtPiece>, ops: Vec<TExpr>, span: Span) -> TExpr {
        if ops.iter().any(|o| o.ty.is_unknown()) {
            return unknown(span);
        }
        texpr(TExprKind::Format(pieces.into(), ops), Type::Text, span)
    }

    fn fpieces(&mut self, parts: &[FStrPart], ops: &mut Vec<TExpr>) -> Result<Vec<FmtPiece>> {
        let mut out = Vec::new();
        for p in parts {
            match p {
                FStrPart::Lit(t) => lit(&mut out, t),
                FStrPart::Field {
                    value,
                    span,
                    debug,
                    conv,
                    spec,
                } => {
                    if let Some(d) = debug {
                        lit(&mut out, d);
                    }
                    let v = self.expr(value)?;
                    // `{x=}` shows the repr unless a spec or conversion says otherwise.
                    let conv = match (conv, debug) {
                        (None, Some(_)) if spec.is_empty() => Conv::Repr,
                        (c, _) => conv_of(*c),
                    };
                    let arg = self.field_operand(v, conv, *span, ops)?;
                    let spec = self.fpieces(spec, ops)?;
                    out.push(FmtPiece::Field { arg, conv, spec });
                }
            }
        }
        Ok(out)
    }

    /// Adds a field's value to the operands, checking that it can be shown.
    fn field_operand(
        &mut self,
        v: TExpr,
        conv: Conv,
        span: Span,
        ops: &mut Vec<TExpr>,
    ) -> Result<u16> {
        check_field(&v.ty, conv, span)?;
        if ops.len() >= u16::MAX as usize {
            return Err(Diagnostic::new(
                DiagKind::Limit,
                span,
                "too many fields in one formatted string",
            ));
        }
        ops.push(v);
        Ok((ops.len() - 1) as u16)
    }

    /// `template.format(args...)` for a literal template.
    pub(super) fn str_format(
        &mut self,
        template: &str,
        tspan: Span,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<TExpr> {
        // Every argument is evaluated, in order, whether a field shows it or not.
        let mut ops = Vec::with_capacity(args.len() + kwargs.len());
        for a in args.iter().chain(kwargs.iter().map(|k| &k.value)) {
            ops.push(self.expr(a)?);
        }
        let mut state = (0usize, None::<bool>);
        let pieces = self.template(template, tspan, args.len(), kwargs, &mut ops, &mut state, 0)?;
        Ok(self.format_expr(pieces, ops, span))
    }

    /// Reads a `str.format` template (or a field's spec, at `depth` 1)
    /// into pieces. `state` is the automatic numbering's next index and
    /// whether numbering is automatic (once known).
    #[allow(clippy::too_many_arguments)]
    fn template(
        &mut self,
        text: &str,
        tspan: Span,
        npos: usize,
        kwargs: &[Keyword],
        ops: &mut Vec<TExpr>,
        state: &mut (usize, Option<bool>),
        depth: u8,
    ) -> Result<Vec<FmtPiece>> {
        let chars: Vec<char> = text.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        let mut buf = String::new();
        while i < chars.len() {
            let c = chars[i];
            match c {
                '{' if chars.get(i + 1) == Some(&'{') && depth == 0 => {
                    buf.push('{');
                    i += 2;
                }
                '}' if chars.get(i + 1) == Some(&'}') && depth == 0 => {
                    buf.push('}');
                    i += 2;
                }
                '}' => {
                    return Err(template_err(
                        tspan,
                        "ValueError",
                        "Single '}' encountered in format string",
                    ))
                }
                '{' => {
                    if !buf.is_empty() {
                        lit(&mut out, &std::mem::take(&mut buf));
                    }
                    if depth > 1 {
                        return Err(template_err(
                            tspan,
                            "ValueError",
                            "Max string recursion exceeded",
                        ));
                    }
                    let (f, next) = read_field(&chars, i + 1, tspan)?;
                    i = next;
                    let arg = self.field_arg(&f.name, tspan, npos, kwargs, state)?;
                    let conv = conv_of(f.conv);
                    check_field(&ops[arg].ty, conv, tspan)?;
                    let arg = u16::try_from(arg).map_err(|_| {
                        Diagnostic::new(DiagKind::Limit, tspan, "too many arguments to str.format")
                    })?;
                    let spec =
                        self.template(&f.spec, tspan, npos, kwargs, ops, state, depth + 1)?;
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

    /// The operand a field name refers to: automatic (`{}`), positional
    /// (`{0}`) or by keyword (`{name}`).
    fn field_arg(
        &self,
        name: &str,
        tspan: Span,
        npos: usize,
        kwargs: &[Keyword],
        state: &mut (usize, Option<bool>),
    ) -> Result<usize> {
        if name.contains(['.', '[']) {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                tspan,
                format!("the field '{{{name}}}' reads an attribute or an item, which Kiln's str.format does not"),
            ));
        }
        let index = if name.is_empty() {
            if state.1 == Some(false) {
                return Err(template_err(
                    tspan,
                    "ValueError",
                    "cannot switch from manual field specification to automatic field numbering",
                ));
            }
            state.1 = Some(true);
            state.0 += 1;
            Some(state.0 - 1)
        } else if let Ok(k) = name.parse::<usize>() {
            if state.1 == Some(true) {
                return Err(template_err(
                    tspan,
                    "ValueError",
                    "cannot switch from automatic field numbering to manual field specification",
                ));
            }
            state.1 = Some(false);
            Some(k)
        } else {
            None
        };
        match index {
            Some(k) if k < npos => Ok(k),
            Some(k) => Err(template_err(
                tspan,
                "IndexError",
                format!("Replacement index {k} out of range for positional args tuple"),
            )),
            None => match kwargs.iter().position(|kw| kw.name == name) {
                Some(j) => Ok(npos + j),
                None => Err(template_err(tspan, "KeyError", format!("'{name}'"))),
            },
        }
    }
}

/// A `str.format` field after its `{`: returns it and the index past its
/// `}` (`MarkupIterator_next` and `parse_field`).
fn read_field(c: &[char], start: usize, tspan: Span) -> Result<(RawField, usize)> {
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
        let msg = if depth > 1 {
            "unmatched '{' in format spec"
        } else {
            "expected '}' before end of string"
        };
        return Err(template_err(tspan, "ValueError", msg));
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
    let mut conv = None;
    let mut spec = String::new();
    if k < body.len() && body[k] == '!' {
        let Some(&cc) = body.get(k + 1) else {
            return Err(template_err(
                tspan,
                "ValueError",
                "end of string while looking for conversion specifier",
            ));
        };
        if body.len() > k + 2 && body[k + 2] != ':' {
            return Err(template_err(
                tspan,
                "ValueError",
                "expected ':' after conversion specifier",
            ));
        }
        if !matches!(cc, 's' | 'r' | 'a') {
            return Err(template_err(
                tspan,
                "ValueError",
                format!("Unknown conversion specifier {cc}"),
            ));
        }
        conv = Some(cc);
        k += 2;
    }
    if k < body.len() && body[k] == ':' {
        spec = body[k + 1..].iter().collect();
    }
    Ok((RawField { name, conv, spec }, j + 1))
}
