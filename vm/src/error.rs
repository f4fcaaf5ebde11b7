//! Runtime errors: Python exceptions with a traceback, as values.

use std::fmt;
use std::rc::Rc;

use typer::{Source, Span};

/// Builtin exception names, indexed by `Raise`'s `e` operand.
pub use typer::builtins::EXCEPTIONS;

pub fn exception_index(name: &str) -> u16 {
    EXCEPTIONS.iter().position(|e| *e == name).unwrap_or(0) as u16
}

/// One frame of a traceback: the function and where in it execution was.
#[derive(Clone, Debug)]
pub struct TraceEntry {
    /// The function's name.
    pub func: String,
    /// Where in the source execution was.
    pub span: Span,
}

/// A Python exception raised by a script (or by the VM on its behalf:
/// `RecursionError`, a limit being hit), with the frames it unwound,
/// outermost first.
#[derive(Clone)]
pub struct Exception {
    /// The exception's type name (`IndexError`).
    pub kind: String,
    /// Its message, as `str(e)` gives it.
    pub message: String,
    /// The frames it unwound, outermost first.
    pub traceback: Vec<TraceEntry>,
    /// The program's source, for rendering the traceback's lines.
    pub source: Option<Rc<Source>>,
}

impl Exception {
    /// An exception of type `kind` with no traceback yet.
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> Exception {
        Exception {
            kind: kind.into(),
            message: message.into(),
            traceback: Vec::new(),
            source: None,
        }
    }

    /// The last line of a traceback: `ValueError: message`.
    pub fn summary(&self) -> String {
        if self.message.is_empty() {
            self.kind.clone()
        } else {
            format!("{}: {}", self.kind, self.message)
        }
    }

    /// A Python-style traceback, innermost frame last, each frame with its
    /// file, line, function, source line and a caret under the expression.
    /// Runs of identical frames (deep recursion) are folded as Python does.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Some(src) = &self.source {
            if !self.traceback.is_empty() {
                out.push_str("Traceback (most recent call last):\n");
            }
            let mut i = 0;
            while i < self.traceback.len() {
                let e = &self.traceback[i];
                let mut run = 1;
                while i + run < self.traceback.len() {
                    let n = &self.traceback[i + run];
                    if n.func == e.func && n.span == e.span {
                        run += 1;
                    } else {
                        break;
                    }
                }
                let shown = run.min(3);
                for _ in 0..shown {
                    let (line, _) = src.line_col(e.span.start);
                    out.push_str(&format!(
                        "  File \"{}\", line {}, in {}\n",
                        src.name, line, e.func
                    ));
                    out.push_str(&src.snippet(e.span, "    "));
                    out.push('\n');
                }
                if run > shown {
                    out.push_str(&format!(
                        "  [Previous line repeated {} more times]\n",
                        run - shown
                    ));
                }
                i += run;
            }
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// `file:line:col` of the innermost frame, if known.
    pub fn location(&self) -> Option<(usize, usize)> {
        let src = self.source.as_ref()?;
        let e = self.traceback.last()?;
        Some(src.line_col(e.span.start))
    }
}

impl fmt::Debug for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.summary())
    }
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Exception {}
