//! Formatted strings: f-strings, `"...".format(...)` and `+` on strings.
//! Each becomes one [`TExprKind::Format`]: the values, evaluated once each
//! in order, and the pieces that show them, which the runtime formats as
//! Python's `format()` does. A literal template of `str.format` is read
//! here (its errors, CPython's, reported when the program compiles);
//! another is read by the runtime when the call runs.

use super::*;

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
        let arg = self.field_operand(v, span, &mut ops)?;
        let pieces = vec![FmtPiece::Field {
            arg,
            conv: Conv::Str,
            spec: vec![],
        }];
        Ok(self.format_expr(pieces, ops, span))
    }

    /// `a + b` on strings: a literal when both are, else a new string.
    pub(super) fn concat(&self, l: TExpr, r: TExpr, span: Span) -> TExpr {
        if let (TExprKind::Const(Const::Str(a)), TExprKind::Const(Const::Str(b))) =
            (&l.kind, &r.kind)
        {
            return texpr(
                TExprKind::Const(Const::Str(format!("{a}{b}"))),
                Type::Str,
                span,
            );
        }
        let field = |arg| FmtPiece::Field {
            arg,
            conv: Conv::Format,
            spec: Vec::new(),
        };
        texpr(
            TExprKind::Format(vec![field(0), field(1)].into(), vec![l, r]),
            Type::Text,
            span,
        )
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
                    let arg = self.field_operand(v, *span, ops)?;
                    let spec = self.fpieces(spec, ops)?;
                    out.push(FmtPiece::Field { arg, conv, spec });
                }
            }
        }
        Ok(out)
    }

    /// Adds a field's value to the operands.
    fn field_operand(&mut self, v: TExpr, span: Span, ops: &mut Vec<TExpr>) -> Result<u16> {
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

    /// `template.format(args...)`. A literal template is read now, its
    /// errors reported now; another is read when the call runs.
    pub(super) fn str_format(
        &mut self,
        template: &Expr,
        args: &[Expr],
        kwargs: &[Keyword],
        span: Span,
    ) -> Result<TExpr> {
        let literal = self.str_literal(template, "").ok();
        let mut ops = Vec::with_capacity(1 + args.len() + kwargs.len());
        if literal.is_none() {
            let t = self.expr(template)?;
            if !matches!(t.ty, Type::Str | Type::Text | Type::Unknown) {
                return Err(type_err(
                    template.span,
                    format!("{} has no method 'format' in Kiln", t.ty),
                ));
            }
            ops.push(t);
        }
        // Every argument is evaluated, in order, whether a field shows it or not.
        let base = ops.len();
        for a in args.iter().chain(kwargs.iter().map(|k| &k.value)) {
            ops.push(self.expr(a)?);
        }
        let kw: Vec<&str> = kwargs.iter().map(|k| k.name.as_str()).collect();
        let pieces = match literal {
            Some(text) => {
                let pieces = crate::template::parse(&text, args.len(), &kw, base).map_err(|e| {
                    let d = Diagnostic::new(
                        if e.unsupported {
                            DiagKind::Unsupported
                        } else {
                            DiagKind::Type
                        },
                        template.span,
                        if e.unsupported {
                            e.msg.clone()
                        } else {
                            format!("{}: {}", e.exc, e.msg)
                        },
                    );
                    if e.unsupported {
                        d
                    } else {
                        d.help("CPython raises this when the call runs; Kiln reports it when it compiles")
                    }
                })?;
                pieces
            }
            None => {
                // Any argument may be shown, by the template the call reads.
                vec![FmtPiece::Template {
                    arg: 0,
                    npos: args.len() as u16,
                    kw: kw.iter().map(|k| k.to_string()).collect(),
                }]
            }
        };
        if ops.len() > u16::MAX as usize {
            return Err(Diagnostic::new(
                DiagKind::Limit,
                span,
                "too many arguments to str.format",
            ));
        }
        Ok(self.format_expr(pieces, ops, span))
    }
}
