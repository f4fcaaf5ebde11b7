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

    /// A string literal, or a module-level constant holding one.
    pub(super) fn str_constant(&self, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Str(s) => Some(s.clone()),
            ExprKind::Name(n) if !self.assigned.contains(n) => match self.prog.consts.get(n) {
                Some((Const::Str(s), _)) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// `template % values` with a literal template: printf-style
    /// conversions (`%d %i %u %f %F %e %E %g %G %x %X %o %s %r %%` with
    /// flags, width and precision) made the format fields that give
    /// CPython's text; `values` a tuple gives one value per conversion.
    pub(super) fn percent_format(&mut self, t: &str, values: &Expr, span: Span) -> Result<TExpr> {
        let mut vals = Vec::new();
        match &values.kind {
            ExprKind::Tuple(items) => {
                for it in items {
                    vals.push(self.expr(it)?);
                }
            }
            _ => {
                let v = self.expr(values)?;
                match &v.ty {
                    Type::Tuple(tys) if matches!(v.kind, TExprKind::Local(_)) => {
                        for (i, ty) in tys.iter().enumerate() {
                            let sp = v.span;
                            vals.push(texpr(
                                TExprKind::TupleGet(Box::new(v.clone()), i),
                                ty.clone(),
                                sp,
                            ));
                        }
                    }
                    Type::Tuple(_) => return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        v.span,
                        "'%' formatting of a tuple that a call returns is not supported in Kiln",
                    )
                    .help("assign the tuple to a name first")),
                    _ => vals.push(v),
                }
            }
        }
        let bad = |msg: &str| {
            Diagnostic::new(DiagKind::Unsupported, span, format!("{msg} in Kiln"))
                .help("use an f-string: f\"{x:8.3f}\"")
        };
        let mut pieces = Vec::new();
        let mut ops: Vec<TExpr> = Vec::new();
        let mut vals = vals.into_iter();
        let mut chars = t.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                lit(&mut pieces, &c.to_string());
                continue;
            }
            let (mut flags, mut width, mut prec) = (String::new(), String::new(), None::<String>);
            while let Some(&f) = chars.peek().filter(|f| "-+ #0".contains(**f)) {
                flags.push(f);
                chars.next();
            }
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                width.push(d);
                chars.next();
            }
            if chars.peek() == Some(&'.') {
                chars.next();
                let mut p = String::new();
                while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    p.push(d);
                    chars.next();
                }
                prec = Some(p);
            }
            let Some(conv) = chars.next() else {
                return Err(type_err(span, "incomplete format"));
            };
            if conv == '%' {
                lit(&mut pieces, "%");
                continue;
            }
            let kind = match conv {
                'd' | 'i' | 'u' => 'd',
                'f' | 'F' | 'e' | 'E' | 'g' | 'G' | 'x' | 'X' | 'o' | 's' | 'r' | 'a' => conv,
                '*' => {
                    return Err(bad(
                        "a '*' width or precision in '%' formatting is not supported",
                    ))
                }
                'c' => return Err(bad("'%c' formatting is not supported")),
                c => {
                    return Err(type_err(
                        span,
                        format!("unsupported format character '{c}' (0x{:x})", c as u32),
                    ))
                }
            };
            let Some(v) = vals.next() else {
                return Err(type_err(span, "not enough arguments for format string"));
            };
            if v.ty.is_unknown() {
                return Ok(unknown(span));
            }
            let text = matches!(kind, 's' | 'r' | 'a');
            let v = match kind {
                'd' if v.ty.is_number() => {
                    if prec.is_some() {
                        return Err(bad("a precision with %d is not supported"));
                    }
                    // `%d` truncates a float, as int() does.
                    let sp = v.span;
                    let mut c = zero_d_item(v).cast(&Type::Int);
                    c.span = sp;
                    c
                }
                'x' | 'X' | 'o' if v.ty.is_intlike() => v.cast(&Type::Int),
                'x' | 'X' | 'o' => {
                    return Err(type_err(
                        v.span,
                        format!("%{conv} format: an integer is required, not {}", v.ty),
                    ))
                }
                _ if text => v,
                _ if v.ty.is_number() => v,
                _ => {
                    return Err(type_err(
                        v.span,
                        format!("%{conv} format: a real number is required, not {}", v.ty),
                    ))
                }
            };
            let mut spec = String::new();
            let left = flags.contains('-');
            if !width.is_empty() {
                spec.push(if left { '<' } else { '>' });
            }
            if flags.contains('+') {
                spec.push('+');
            } else if flags.contains(' ') {
                spec.push(' ');
            }
            if flags.contains('#') && !text {
                spec.push('#');
            }
            if flags.contains('0') && !left && !text && !width.is_empty() {
                // Zeros after the sign: `=` alignment with a zero fill.
                spec.remove(0);
                spec.insert_str(0, "0=");
            }
            spec.push_str(&width);
            if let Some(p) = &prec {
                spec.push('.');
                spec.push_str(if p.is_empty() { "0" } else { p });
            }
            if !text {
                spec.push(kind);
            }
            let conv = match kind {
                's' => Conv::Str,
                'r' => Conv::Repr,
                'a' => Conv::Ascii,
                _ => Conv::Format,
            };
            let spec = if spec.is_empty() {
                Vec::new()
            } else {
                vec![FmtPiece::Lit(spec)]
            };
            let arg = ops.len() as u16;
            ops.push(v);
            pieces.push(FmtPiece::Field { arg, conv, spec });
        }
        if vals.next().is_some() {
            return Err(type_err(
                span,
                "not all arguments converted during string formatting",
            ));
        }
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

#[cfg(test)]
mod tests {
    fn err(src: &str) -> String {
        match crate::check(&format!("import numpy as np\n{src}\n")) {
            Ok(_) => panic!("accepted:\n{src}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn percent_formatting_errors_are_cpythons() {
        assert!(err("print('%d %d' % (1,))").contains("not enough arguments"));
        assert!(err("print('%d' % (1, 2))").contains("not all arguments converted"));
        assert!(err("print('%q' % 1)").contains("unsupported format character 'q'"));
        assert!(err("print('%x' % 1.5)").contains("%x format: an integer is required"));
        assert!(err("print('%*d' % (3, 1))").contains("'*' width"));
        assert!(err("print('%.3d' % 5)").contains("precision with %d"));
        assert!(err("print('abc %' % 5)").contains("incomplete format"));
        assert!(err("print(str(1, 2))").contains("more than one argument"));
    }
}
