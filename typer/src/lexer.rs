//! The lexer: source text to tokens, with Python's indentation rules
//! (INDENT/DEDENT, implicit joining inside brackets, backslash continuation).

use crate::diag::{DiagKind, Diagnostic, Result, Span};

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Name(String),
    Int(i64),
    Float(f64),
    Str(String),
    /// An f-string: its literal text and replacement fields.
    FStr(Vec<FPart>),
    Newline,
    Indent,
    Dedent,
    Eof,
    /// A keyword or operator, spelled as in the source (`def`, `+=`, `**`).
    P(&'static str),
}

/// A piece of an f-string: text, or a replacement field with the tokens
/// of its expression (spans in the file), the text of a self-documenting
/// `expr=` (through the `=` and the spaces after it), its conversion
/// (`s`, `r` or `a`) and its format spec, itself pieces.
#[derive(Clone, Debug, PartialEq)]
pub enum FPart {
    Lit(String),
    Field {
        toks: Vec<Token>,
        span: Span,
        debug: Option<String>,
        conv: Option<char>,
        spec: Vec<FPart>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Operators, longest first so that maximal munch is a linear scan.
const OPERATORS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "->", "+=", "-=", "*=", "/=", "%=", "@=", "&=", "|=", "^=",
    "**", "//", "<<", ">>", "<=", ">=", "==", "!=", ":=", "+", "-", "*", "/", "%", "@", "&", "|",
    "^", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "=",
];

/// Deepest bracket nesting and indentation accepted; beyond this the input
/// is rejected instead of risking the parser's stack.
pub const MAX_NESTING: usize = 100;

pub fn tokenize(text: &str) -> Result<Vec<Token>> {
    if let Some(at) = text.find('\0') {
        return Err(err(at, at + 1, "source code cannot contain null bytes"));
    }
    Lexer {
        s: text.as_bytes(),
        text,
        pos: 0,
        toks: Vec::new(),
        indents: vec![(0, 0)],
        parens: Vec::new(),
    }
    .run()
}

struct Lexer<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    toks: Vec<Token>,
    /// Indentation stack: (width with tabs to multiples of 8, width with tabs as 1).
    /// Both must order the same way, else tabs and spaces are mixed ambiguously.
    indents: Vec<(usize, usize)>,
    parens: Vec<(u8, usize)>,
}

fn err(start: usize, end: usize, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::new(DiagKind::Syntax, Span::new(start, end), msg)
}

impl Lexer<'_> {
    fn push(&mut self, tok: Tok, start: usize, end: usize) {
        self.toks.push(Token {
            tok,
            span: Span::new(start, end),
        });
    }

    fn run(mut self) -> Result<Vec<Token>> {
        let mut at_line_start = true;
        while self.pos < self.s.len() {
            if at_line_start && self.parens.is_empty() {
                if self.indentation()? {
                    // A blank or comment-only line: no tokens at all.
                    while self.pos < self.s.len() && !matches!(self.s[self.pos], b'\n' | b'\r') {
                        self.pos += 1;
                    }
                    if self.s.get(self.pos) == Some(&b'\r') {
                        self.pos += 1;
                    }
                    if self.s.get(self.pos) == Some(&b'\n') {
                        self.pos += 1;
                    }
                    continue;
                }
                at_line_start = false;
            }
            let c = self.s[self.pos];
            let start = self.pos;
            match c {
                b' ' | b'\t' | b'\x0c' => self.pos += 1,
                b'\r' | b'\n' => {
                    self.pos += 1;
                    if c == b'\r' && self.s.get(self.pos) == Some(&b'\n') {
                        self.pos += 1;
                    }
                    if self.parens.is_empty() {
                        self.push(Tok::Newline, start, start);
                        at_line_start = true;
                    }
                }
                b'#' => {
                    while self.pos < self.s.len()
                        && self.s[self.pos] != b'\n'
                        && self.s[self.pos] != b'\r'
                    {
                        self.pos += 1;
                    }
                }
                b'\\' => {
                    self.pos += 1;
                    match self.s.get(self.pos) {
                        Some(b'\n') => self.pos += 1,
                        Some(b'\r') => {
                            self.pos += 1;
                            if self.s.get(self.pos) == Some(&b'\n') {
                                self.pos += 1;
                            }
                        }
                        _ => {
                            return Err(err(
                                start,
                                start + 1,
                                "unexpected character after line continuation character",
                            ))
                        }
                    }
                }
                b'0'..=b'9' => self.number()?,
                b'.' if self.s.get(self.pos + 1).is_some_and(u8::is_ascii_digit) => {
                    self.number()?
                }
                b'"' | b'\'' => self.string(start, false)?,
                c if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => self.name()?,
                _ => self.operator()?,
            }
        }
        if let Some(&(_, at)) = self.parens.last() {
            return Err(err(at, at + 1, "this bracket is never closed"));
        }
        let end = self.s.len();
        if !matches!(self.toks.last().map(|t| &t.tok), None | Some(Tok::Newline)) {
            self.push(Tok::Newline, end, end);
        }
        while self.indents.len() > 1 {
            self.indents.pop();
            self.push(Tok::Dedent, end, end);
        }
        self.push(Tok::Eof, end, end);
        Ok(self.toks)
    }

    /// Measures the indentation at the start of a line and emits INDENT/DEDENT.
    /// Returns true when the line is blank or a comment (nothing emitted).
    fn indentation(&mut self) -> Result<bool> {
        let start = self.pos;
        let (mut w8, mut w1) = (0usize, 0usize);
        while let Some(&c) = self.s.get(self.pos) {
            match c {
                b' ' => {
                    w8 += 1;
                    w1 += 1;
                }
                b'\t' => {
                    w8 = (w8 / 8 + 1) * 8;
                    w1 += 1;
                }
                b'\x0c' => {
                    w8 = 0;
                    w1 = 0;
                }
                _ => break,
            }
            self.pos += 1;
        }
        match self.s.get(self.pos) {
            None | Some(b'#' | b'\n' | b'\r') => return Ok(true),
            Some(b'\\') => return Ok(false),
            _ => {}
        }
        let &(top8, top1) = self.indents.last().unwrap();
        let here = self.pos;
        if w8 > top8 {
            if w1 <= top1 {
                return Err(err(
                    start,
                    here,
                    "inconsistent use of tabs and spaces in indentation",
                ));
            }
            if self.indents.len() > MAX_NESTING {
                return Err(Diagnostic::new(
                    DiagKind::Limit,
                    Span::new(start, here),
                    "too many levels of indentation",
                ));
            }
            self.indents.push((w8, w1));
            self.push(Tok::Indent, start, here);
        } else {
            while w8 < self.indents.last().unwrap().0 {
                self.indents.pop();
                self.push(Tok::Dedent, here, here);
            }
            let &(t8, t1) = self.indents.last().unwrap();
            if t8 != w8 {
                return Err(err(
                    start,
                    here,
                    "unindent does not match any outer indentation level",
                ));
            }
            if t1 != w1 {
                return Err(err(
                    start,
                    here,
                    "inconsistent use of tabs and spaces in indentation",
                ));
            }
        }
        Ok(false)
    }

    fn name(&mut self) -> Result<()> {
        let start = self.pos;
        // Identifiers are ASCII or any non-ASCII letter; we accept any
        // non-ASCII char and let the parser/typer reject what it must.
        while let Some(&c) = self.s.get(self.pos) {
            if c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80 {
                self.pos += 1;
            } else {
                break;
            }
        }
        // Stop on a char boundary (pos only advanced over whole UTF-8 sequences
        // because every continuation byte is >= 0x80).
        let word = &self.text[start..self.pos];
        if let Some(q) = self
            .s
            .get(self.pos)
            .copied()
            .filter(|&q| q == b'"' || q == b'\'')
        {
            let lower = word.to_ascii_lowercase();
            if matches!(
                lower.as_str(),
                "r" | "b" | "u" | "f" | "rb" | "br" | "fr" | "rf"
            ) {
                if lower.contains('f') {
                    return self.fstring(start, lower.contains('r'));
                }
                if lower.contains('b') {
                    return Err(Diagnostic::new(
                        DiagKind::Unsupported,
                        Span::new(start, self.pos + 1),
                        "bytes literals are not supported",
                    ));
                }
                let _ = q;
                return self.string(start, lower.contains('r'));
            }
        }
        if let Some(k) = KEYWORDS.iter().find(|k| **k == word) {
            self.push(Tok::P(k), start, self.pos);
        } else {
            if !word.chars().all(|c| c == '_' || c.is_alphanumeric()) {
                return Err(err(
                    start,
                    self.pos,
                    format!("invalid character in identifier: {word:?}"),
                ));
            }
            self.push(Tok::Name(word.to_string()), start, self.pos);
        }
        Ok(())
    }

    fn digits(&mut self, radix: u32) -> Result<String> {
        let mut out = String::new();
        let mut last_us = false;
        while let Some(&c) = self.s.get(self.pos) {
            if c == b'_' {
                if last_us || out.is_empty() && radix == 10 {
                    return Err(err(
                        self.pos,
                        self.pos + 1,
                        "invalid use of '_' in a number",
                    ));
                }
                last_us = true;
            } else if (c as char).is_digit(radix) {
                out.push(c as char);
                last_us = false;
            } else {
                break;
            }
            self.pos += 1;
        }
        if last_us {
            return Err(err(self.pos - 1, self.pos, "a number cannot end in '_'"));
        }
        Ok(out)
    }

    fn number(&mut self) -> Result<()> {
        let start = self.pos;
        let radix = match (
            self.s[self.pos],
            self.s.get(self.pos + 1).map(u8::to_ascii_lowercase),
        ) {
            (b'0', Some(b'x')) => 16,
            (b'0', Some(b'o')) => 8,
            (b'0', Some(b'b')) => 2,
            _ => 10,
        };
        if radix != 10 {
            self.pos += 2;
            if self.s.get(self.pos) == Some(&b'_') {
                self.pos += 1;
            }
            let d = self.digits(radix)?;
            if d.is_empty() {
                return Err(err(start, self.pos, "invalid number literal: no digits"));
            }
            self.check_number_end(start)?;
            let v = u64::from_str_radix(&d, radix)
                .ok()
                .filter(|&v| v <= i64::MAX as u64)
                .ok_or_else(|| too_large(start, self.pos))?;
            self.push(Tok::Int(v as i64), start, self.pos);
            return Ok(());
        }
        let int_part = self.digits(10)?;
        let mut text = int_part.clone();
        let mut is_float = false;
        if self.s.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            is_float = true;
            text.push('.');
            if self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                text.push_str(&self.digits(10)?);
            }
        }
        if matches!(self.s.get(self.pos), Some(b'e' | b'E')) {
            let save = self.pos;
            self.pos += 1;
            let mut exp = String::from("e");
            if let Some(&sign @ (b'+' | b'-')) = self.s.get(self.pos) {
                exp.push(sign as char);
                self.pos += 1;
            }
            if self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                exp.push_str(&self.digits(10)?);
                text.push_str(&exp);
                is_float = true;
            } else {
                self.pos = save;
                return Err(err(
                    start,
                    self.pos + 1,
                    "invalid float literal: exponent has no digits",
                ));
            }
        }
        if matches!(self.s.get(self.pos), Some(b'j' | b'J')) {
            return Err(Diagnostic::new(
                DiagKind::Unsupported,
                Span::new(start, self.pos + 1),
                "complex numbers are not supported in Kiln",
            )
            .help("carry the real and imaginary parts as two floats"));
        }
        self.check_number_end(start)?;
        if is_float {
            let v: f64 = text
                .parse()
                .map_err(|_| err(start, self.pos, "invalid float literal"))?;
            self.push(Tok::Float(v), start, self.pos);
        } else {
            if int_part.len() > 1
                && int_part.starts_with('0')
                && int_part.bytes().any(|b| b != b'0')
            {
                return Err(err(
                    start,
                    self.pos,
                    "leading zeros in decimal integer literals are not permitted",
                )
                .help("use an 0o prefix for octal integers"));
            }
            let v: i64 = int_part.parse().map_err(|_| too_large(start, self.pos))?;
            self.push(Tok::Int(v), start, self.pos);
        }
        Ok(())
    }

    fn check_number_end(&self, start: usize) -> Result<()> {
        match self.s.get(self.pos) {
            Some(&c) if c == b'_' || c.is_ascii_alphanumeric() => {
                Err(err(start, self.pos + 1, "invalid number literal"))
            }
            _ => Ok(()),
        }
    }

    fn string(&mut self, start: usize, raw: bool) -> Result<()> {
        // `self.pos` is at the opening quote (after any prefix).
        let q = self.s[self.pos];
        let triple = self.s.get(self.pos + 1) == Some(&q) && self.s.get(self.pos + 2) == Some(&q);
        self.pos += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err(err(start, self.pos, "unterminated string literal"));
            };
            if c == q {
                if !triple {
                    self.pos += 1;
                    break;
                }
                if self.s.get(self.pos + 1) == Some(&q) && self.s.get(self.pos + 2) == Some(&q) {
                    self.pos += 3;
                    break;
                }
            }
            if !triple && (c == b'\n' || c == b'\r') {
                return Err(err(start, self.pos, "unterminated string literal"));
            }
            if c == b'\\' && !raw {
                self.escape(start, &mut out)?;
                continue;
            }
            // Copy one whole UTF-8 character.
            let ch_len = utf8_len(c);
            let chunk = self
                .text
                .get(self.pos..self.pos + ch_len)
                .ok_or_else(|| err(self.pos, self.pos + 1, "invalid UTF-8 in string"))?;
            out.push_str(chunk);
            self.pos += ch_len;
        }
        self.push(Tok::Str(out), start, self.pos);
        Ok(())
    }

    /// Decodes the escape sequence at `self.pos` (a backslash) of a string
    /// starting at `start` onto `out`.
    fn escape(&mut self, start: usize, out: &mut String) -> Result<()> {
        self.pos += 1;
        let Some(&e) = self.s.get(self.pos) else {
            return Err(err(start, self.pos, "unterminated string literal"));
        };
        self.pos += 1;
        match e {
            b'n' => out.push('\n'),
            b't' => out.push('\t'),
            b'r' => out.push('\r'),
            b'0' => out.push('\0'),
            b'a' => out.push('\x07'),
            b'b' => out.push('\x08'),
            b'f' => out.push('\x0c'),
            b'v' => out.push('\x0b'),
            b'\\' => out.push('\\'),
            b'\'' => out.push('\''),
            b'"' => out.push('"'),
            b'\n' => {}
            b'x' | b'u' | b'U' => {
                let n = match e {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let hex = self.text.get(self.pos..self.pos + n).unwrap_or("");
                let ch = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
                match ch {
                    Some(ch) if hex.len() == n => out.push(ch),
                    _ => {
                        return Err(err(
                            self.pos - 2,
                            self.pos + n.min(self.s.len() - self.pos),
                            "invalid escape sequence",
                        ))
                    }
                }
                self.pos += n;
            }
            _ => {
                out.push('\\');
                self.pos -= 1;
            }
        }
        Ok(())
    }

    /// An f-string: its body is delimited as any string's, then read for
    /// literal text and `{...}` fields.
    fn fstring(&mut self, start: usize, raw: bool) -> Result<()> {
        let q = self.s[self.pos];
        let triple = self.s.get(self.pos + 1) == Some(&q) && self.s.get(self.pos + 2) == Some(&q);
        let open = if triple { 3 } else { 1 };
        let body = self.pos + open;
        let mut p = body;
        let end = loop {
            let Some(&c) = self.s.get(p) else {
                return Err(err(start, p, "unterminated string literal"));
            };
            if c == q
                && (!triple || (self.s.get(p + 1) == Some(&q) && self.s.get(p + 2) == Some(&q)))
            {
                break p;
            }
            if !triple && (c == b'\n' || c == b'\r') {
                return Err(err(start, p, "unterminated string literal"));
            }
            p += if c == b'\\' { 2 } else { 1 };
        };
        self.pos = body;
        let parts = self.fparts(start, end, raw, 0)?;
        self.pos = end + open;
        self.push(Tok::FStr(parts), start, self.pos);
        Ok(())
    }

    /// Reads f-string text from `self.pos` up to `end` (the closing quote),
    /// or, in a format spec (`level` 1 and deeper), up to the field's
    /// closing brace.
    fn fparts(&mut self, start: usize, end: usize, raw: bool, level: u8) -> Result<Vec<FPart>> {
        let spec = level > 0;
        let mut parts = Vec::new();
        let mut text = String::new();
        while self.pos < end {
            let c = self.s[self.pos];
            match c {
                b'}' if spec => break,
                b'{' | b'}' if !spec && self.s.get(self.pos + 1) == Some(&c) => {
                    text.push(c as char);
                    self.pos += 2;
                }
                b'}' => {
                    return Err(err(
                        self.pos,
                        self.pos + 1,
                        "f-string: single '}' is not allowed",
                    ))
                }
                b'{' => {
                    if !text.is_empty() {
                        parts.push(FPart::Lit(std::mem::take(&mut text)));
                    }
                    // A spec's fields may not have fields in their specs.
                    if level > 1 {
                        return Err(err(
                            self.pos,
                            self.pos + 1,
                            "f-string: expressions nested too deeply",
                        ));
                    }
                    parts.push(self.ffield(start, end, raw, level)?);
                }
                b'\\' if !raw => self.escape(start, &mut text)?,
                _ => {
                    let n = utf8_len(c);
                    let chunk = self
                        .text
                        .get(self.pos..self.pos + n)
                        .ok_or_else(|| err(self.pos, self.pos + 1, "invalid UTF-8 in string"))?;
                    text.push_str(chunk);
                    self.pos += n;
                }
            }
        }
        if !text.is_empty() {
            parts.push(FPart::Lit(text));
        }
        Ok(parts)
    }

    /// A replacement field, `self.pos` at its `{`: the expression up to
    /// a `!`, `:`, `=` or `}` outside brackets and strings, then the
    /// conversion and spec.
    fn ffield(&mut self, start: usize, end: usize, raw: bool, level: u8) -> Result<FPart> {
        let open = self.pos;
        let es = open + 1;
        let mut p = es;
        let mut depth = 0usize;
        let mut quote: Option<(u8, bool)> = None;
        let expecting = |at: usize| err(open, at.max(open + 1), "f-string: expecting '}'");
        while p < end {
            let c = self.s[p];
            if let Some((qc, triple)) = quote {
                if c == qc
                    && (!triple
                        || (self.s.get(p + 1) == Some(&qc) && self.s.get(p + 2) == Some(&qc)))
                {
                    quote = None;
                    p += if triple { 3 } else { 1 };
                } else {
                    p += 1;
                }
                continue;
            }
            match c {
                b'\\' => {
                    return Err(err(
                        p,
                        p + 1,
                        "f-string expression part cannot include a backslash",
                    ))
                }
                b'#' => return Err(err(p, p + 1, "f-string expression part cannot include '#'")),
                b'\'' | b'"' => {
                    let triple = self.s.get(p + 1) == Some(&c) && self.s.get(p + 2) == Some(&c);
                    quote = Some((c, triple));
                    p += if triple { 3 } else { 1 };
                    continue;
                }
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(Diagnostic::new(
                            DiagKind::Limit,
                            Span::new(p, p + 1),
                            "too many nested brackets",
                        ));
                    }
                }
                b')' | b']' | b'}' if depth > 0 => depth -= 1,
                b'!' | b'=' | b'<' | b'>' if self.s.get(p + 1) == Some(&b'=') => {
                    p += 2;
                    continue;
                }
                b'!' | b':' | b'}' | b'=' if depth == 0 => break,
                b')' | b']' => {
                    return Err(err(
                        p,
                        p + 1,
                        format!("f-string: unmatched '{}'", c as char),
                    ))
                }
                _ => {}
            }
            p += 1;
        }
        if p >= end || quote.is_some() {
            return Err(expecting(p.min(end)));
        }
        let ee = p;
        if self.text[es..ee].trim().is_empty() {
            return Err(err(open, ee + 1, "f-string: empty expression not allowed"));
        }
        let toks = self.expr_tokens(es, ee)?;
        let mut debug = None;
        if self.s[p] == b'=' {
            p += 1;
            while p < end && matches!(self.s[p], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
                p += 1;
            }
            debug = Some(self.text[es..p].to_string());
        }
        let mut conv = None;
        if p < end && self.s[p] == b'!' {
            match self.s.get(p + 1) {
                Some(&k @ (b's' | b'r' | b'a')) if p + 1 < end => conv = Some(k as char),
                _ => {
                    return Err(err(
                        p,
                        (p + 2).min(end),
                        "f-string: invalid conversion character: expected 's', 'r', or 'a'",
                    ))
                }
            }
            p += 2;
        }
        let mut spec = Vec::new();
        if p < end && self.s[p] == b':' {
            self.pos = p + 1;
            spec = self.fparts(start, end, raw, level + 1)?;
            p = self.pos;
        }
        if p >= end || self.s[p] != b'}' {
            return Err(expecting(p.min(end)));
        }
        self.pos = p + 1;
        Ok(FPart::Field {
            toks,
            span: Span::new(es, ee),
            debug,
            conv,
            spec,
        })
    }

    /// The tokens of an f-string field's expression `[from, to)`, lexed as
    /// if in parentheses (so newlines join lines), ending in `Eof`.
    fn expr_tokens(&self, from: usize, to: usize) -> Result<Vec<Token>> {
        let mut sub = Lexer {
            s: &self.s[..to],
            text: &self.text[..to],
            pos: from,
            toks: Vec::new(),
            indents: vec![(0, 0)],
            parens: vec![(b'(', from)],
        };
        while sub.pos < to {
            let c = sub.s[sub.pos];
            let start = sub.pos;
            match c {
                b' ' | b'\t' | b'\x0c' | b'\r' | b'\n' => sub.pos += 1,
                b'0'..=b'9' => sub.number()?,
                b'.' if sub.s.get(sub.pos + 1).is_some_and(u8::is_ascii_digit) => sub.number()?,
                b'"' | b'\'' => sub.string(start, false)?,
                c if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => sub.name()?,
                _ => sub.operator()?,
            }
        }
        sub.push(Tok::Eof, to, to);
        Ok(sub.toks)
    }

    fn operator(&mut self) -> Result<()> {
        let start = self.pos;
        let rest = &self.s[self.pos..];
        let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(op.as_bytes())) else {
            let ch = self.text[self.pos..].chars().next().unwrap_or('?');
            return Err(err(
                start,
                start + ch.len_utf8(),
                format!("invalid character {ch:?} in source"),
            ));
        };
        self.pos += op.len();
        match *op {
            "(" | "[" | "{" => {
                if self.parens.len() >= MAX_NESTING {
                    return Err(Diagnostic::new(
                        DiagKind::Limit,
                        Span::new(start, self.pos),
                        "too many nested brackets",
                    ));
                }
                self.parens.push((op.as_bytes()[0], start));
            }
            ")" | "]" | "}" => {
                let open = match *op {
                    ")" => b'(',
                    "]" => b'[',
                    _ => b'{',
                };
                match self.parens.pop() {
                    Some((o, _)) if o == open => {}
                    Some((o, at)) => {
                        return Err(err(
                            start,
                            self.pos,
                            format!("closing '{}' does not match opening '{}'", op, o as char),
                        )
                        .note(Span::new(at, at + 1), "opened here"))
                    }
                    None => return Err(err(start, self.pos, format!("unmatched '{op}'"))),
                }
            }
            _ => {}
        }
        self.push(Tok::P(op), start, self.pos);
        Ok(())
    }
}

fn too_large(start: usize, end: usize) -> Diagnostic {
    Diagnostic::new(
        DiagKind::Limit,
        Span::new(start, end),
        "integer literal is too large for int64",
    )
    .help("Kiln integers are 64-bit; use a float literal for larger magnitudes")
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn literals() {
        assert_eq!(
            toks("1_000 0x1f 0o17 0b101 1e-3 .5 1. 'a\\n' \"b\""),
            vec![
                Tok::Int(1000),
                Tok::Int(31),
                Tok::Int(15),
                Tok::Int(5),
                Tok::Float(1e-3),
                Tok::Float(0.5),
                Tok::Float(1.0),
                Tok::Str("a\n".into()),
                Tok::Str("b".into()),
                Tok::Newline,
                Tok::Eof
            ]
        );
    }

    #[test]
    fn indentation() {
        let t = toks("if x:\n    y\n\n    # c\n    z\nw\n");
        use Tok::*;
        assert_eq!(
            t,
            vec![
                P("if"),
                Name("x".into()),
                P(":"),
                Newline,
                Indent,
                Name("y".into()),
                Newline,
                Name("z".into()),
                Newline,
                Dedent,
                Name("w".into()),
                Newline,
                Eof
            ]
        );
    }

    #[test]
    fn brackets_join_lines() {
        let t = toks("f(1,\n  2)\n");
        assert!(!t[..t.len() - 2].contains(&Tok::Newline));
    }

    #[test]
    fn errors() {
        for bad in [
            "'abc",
            "x = (1\n",
            "1__0",
            "99999999999999999999",
            "if x:\n\t  y\n        z\n",
            "x = $",
            "f'{'",
            "f'}'",
            "f'{x!z}'",
            "f'{ }'",
            "f'{a#b}'",
            "f'{a[0)}'",
            "f'{x:{y:{z}}}'",
            "f'{x'",
            "1j",
            "  x\n y\n",
            "x = )",
            "print('a\0b')",
        ] {
            assert!(tokenize(bad).is_err(), "{bad:?} should not lex");
        }
    }

    #[test]
    fn fstrings() {
        let t = toks("f'a{{{x + 1!r:>{w}}}}b{y=}' 'c'");
        let Tok::FStr(parts) = &t[0] else {
            panic!("{t:?}")
        };
        assert_eq!(parts[0], FPart::Lit("a{".into()));
        let FPart::Field {
            toks: expr,
            conv,
            spec,
            ..
        } = &parts[1]
        else {
            panic!("{parts:?}")
        };
        assert_eq!(expr.len(), 4, "{expr:?}"); // x + 1 Eof
        assert_eq!(*conv, Some('r'));
        assert_eq!(spec[0], FPart::Lit(">".into()));
        assert!(matches!(spec[1], FPart::Field { .. }));
        assert_eq!(parts[2], FPart::Lit("}b".into()));
        let FPart::Field { debug, .. } = &parts[3] else {
            panic!("{parts:?}")
        };
        assert_eq!(debug.as_deref(), Some("y="));
        assert_eq!(t[1], Tok::Str("c".into()));
        // `!=` and `==` belong to the expression; a nested string may
        // hold the other quote and a colon.
        let t = toks("f\"{a != b}{d['k:']}\"");
        let Tok::FStr(parts) = &t[0] else {
            panic!("{t:?}")
        };
        assert_eq!(parts.len(), 2);
    }

    #[test]
    fn triple_quoted_and_raw() {
        assert_eq!(toks("'''a\nb'''")[0], Tok::Str("a\nb".into()));
        assert_eq!(toks("r'a\\n'")[0], Tok::Str("a\\n".into()));
    }
}
