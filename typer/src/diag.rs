//! Source files, spans and diagnostics.
//!
//! Every error a user sees from the front end (and the runtime's tracebacks)
//! points into a [`Source`] with a [`Span`]; [`Diagnostic::render`] turns that
//! into `file:line:col`, the source line and a caret under the offending text.

use std::fmt;

/// A half-open byte range `[start, end)` into one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        // Sources are capped at u32::MAX bytes when loaded, so this cannot truncate.
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A loaded source file with its line index.
#[derive(Debug)]
pub struct Source {
    pub name: String,
    pub text: String,
    line_starts: Vec<u32>,
}

/// Largest source accepted: spans are u32 byte offsets.
pub const MAX_SOURCE_BYTES: usize = 64 << 20;

/// The most characters of a source line a snippet shows.
const SHOWN: usize = 160;

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        let text = text.into();
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        Source {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self
            .text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line - 1) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&e| e as usize);
        let s = self.text.get(start as usize..end).unwrap_or("");
        s.trim_end_matches(['\n', '\r'])
    }

    /// Renders the source line of `span` with carets under it (the caret line
    /// is indented by `indent`). Multi-line spans underline to the end of the
    /// first line.
    pub fn snippet(&self, span: Span, indent: &str) -> String {
        let (line, col) = self.line_col(span.start);
        let text = self.line_text(line);
        let shown: String = text
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect();
        let (end_line, end_col) = self.line_col(span.end);
        let width = if end_line == line {
            end_col.saturating_sub(col).max(1)
        } else {
            (shown.chars().count() + 1).saturating_sub(col).max(1)
        };
        let trimmed = shown.trim_start();
        let lead = shown.chars().count() - trimmed.chars().count();
        let pad = (col - 1).saturating_sub(lead);
        // A very long line is shown as a window around the caret: a
        // generated line of 100,000 characters is no help in a terminal.
        let chars: Vec<char> = trimmed.chars().collect();
        let (text, pad, width) = if chars.len() <= SHOWN {
            (trimmed.to_string(), pad, width)
        } else {
            let start = pad.saturating_sub(SHOWN / 3).min(chars.len() - SHOWN);
            let end = start + SHOWN;
            let mut t = String::new();
            if start > 0 {
                t.push_str("...");
            }
            t.extend(&chars[start..end]);
            if end < chars.len() {
                t.push_str("...");
            }
            let dots = if start > 0 { 3 } else { 0 };
            let width = width.min(end.saturating_sub(pad)).max(1);
            (t, pad - start + dots, width)
        };
        format!(
            "{indent}{text}\n{indent}{}{}",
            " ".repeat(pad),
            "^".repeat(width)
        )
    }
}

/// What kind of mistake a diagnostic reports; tests match on this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagKind {
    /// Malformed source: bad token, bad indentation, grammar error.
    Syntax,
    /// Valid Python outside Kiln's subset.
    Unsupported,
    /// Types that do not fit together.
    Type,
    /// A name that is not defined.
    Name,
    /// Wrong number or names of arguments.
    Arity,
    /// Program too large or too deep for the implementation limits.
    Limit,
}

impl DiagKind {
    pub fn title(self) -> &'static str {
        match self {
            DiagKind::Syntax => "syntax error",
            DiagKind::Unsupported => "unsupported",
            DiagKind::Type => "type error",
            DiagKind::Name => "name error",
            DiagKind::Arity => "arity error",
            DiagKind::Limit => "limit exceeded",
        }
    }
}

/// A compile-time error: a message at a span, optional secondary spans
/// (e.g. the other site of a type conflict) and a hint on what to do.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub kind: DiagKind,
    pub message: String,
    pub span: Span,
    pub notes: Vec<(Span, String)>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(kind: DiagKind, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            kind,
            message: message.into(),
            span,
            notes: Vec::new(),
            help: None,
        }
    }
    pub fn note(mut self, span: Span, msg: impl Into<String>) -> Diagnostic {
        self.notes.push((span, msg.into()));
        self
    }
    pub fn help(mut self, msg: impl Into<String>) -> Diagnostic {
        self.help = Some(msg.into());
        self
    }

    /// `file:line:col: kind: message`, the source line with a caret, then notes.
    pub fn render(&self, src: &Source) -> String {
        let (line, col) = src.line_col(self.span.start);
        let mut out = format!(
            "{}:{}:{}: {}: {}\n{}\n",
            src.name,
            line,
            col,
            self.kind.title(),
            self.message,
            src.snippet(self.span, "    ")
        );
        for (span, msg) in &self.notes {
            let (l, c) = src.line_col(span.start);
            out.push_str(&format!(
                "{}:{}:{}: note: {}\n{}\n",
                src.name,
                l,
                c,
                msg,
                src.snippet(*span, "    ")
            ));
        }
        if let Some(h) = &self.help {
            out.push_str(&format!("  help: {h}\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.title(), self.message)
    }
}

pub type Result<T> = std::result::Result<T, Diagnostic>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_and_snippet() {
        let src = Source::new("t.py", "x = 1\n  y = foo(2)\n");
        let at = src.text.find("foo").unwrap();
        assert_eq!(src.line_col(at as u32), (2, 7));
        let sn = src.snippet(Span::new(at, at + 3), "");
        assert_eq!(sn, "y = foo(2)\n    ^^^");
    }

    #[test]
    fn a_long_line_shows_a_window_around_the_caret() {
        let line = format!("x = {}foo(2){}", "a + ".repeat(500), " + b".repeat(500));
        let src = Source::new("t.py", format!("{line}\n"));
        let at = src.text.find("foo").unwrap();
        let sn = src.snippet(Span::new(at, at + 3), "");
        let (text, caret) = sn.split_once('\n').unwrap();
        assert!(text.starts_with("...") && text.ends_with("..."), "{text}");
        assert!(text.chars().count() <= SHOWN + 6);
        let k = caret.find('^').unwrap();
        assert_eq!(&text[k..k + 3], "foo");
        assert_eq!(caret.trim_start(), "^^^");
        // At the line's very end: no trailing dots, the caret still under it.
        let at = src.text.rfind('b').unwrap();
        let sn = src.snippet(Span::new(at, at + 1), "");
        let (text, caret) = sn.split_once('\n').unwrap();
        assert!(text.starts_with("...") && text.ends_with('b'), "{text}");
        assert_eq!(caret.find('^'), Some(text.len() - 1));
        // A short line is shown whole.
        let src = Source::new("t.py", "y = 1\n");
        assert_eq!(src.snippet(Span::new(4, 5), ""), "y = 1\n    ^");
    }

    #[test]
    fn render_has_location_line_and_caret() {
        let src = Source::new("t.py", "a = b + 1\n");
        let d = Diagnostic::new(DiagKind::Name, Span::new(4, 5), "name 'b' is not defined")
            .help("assign it first");
        let r = d.render(&src);
        assert!(r.starts_with("t.py:1:5: name error: name 'b' is not defined\n"));
        assert!(r.contains("    a = b + 1\n        ^\n"));
        assert!(r.contains("help: assign it first"));
    }
}
