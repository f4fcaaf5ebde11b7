//! Kiln's virtual machine: the typed register bytecode, the compiler from
//! the typer's IR to it, the interpreter, and the runtime they share (the
//! entry table of native kernels, exceptions and tracebacks).
//!
//! This crate executes programs; it does not parse or type them (that is
//! `typer`) and does not generate machine code (that is `jit`, which lowers
//! the same bytecode and calls the same runtime table).

pub mod array;
pub mod bytecode;
pub mod classmethods;
pub mod compile;
pub mod cpu;
pub mod dis;
pub mod error;
pub mod format;
pub mod interp;
pub mod meminfo;
pub mod module;
pub mod out;
pub mod rt;
pub mod runtime;
pub mod tiering;

use std::rc::Rc;

pub use error::Exception;
pub use interp::{Limits, Machine, Tiering};
pub use module::{Module, Proto};
use typer::{Diagnostic, Program, Source};

/// Largest source file accepted, in bytes.
pub const MAX_SOURCE: usize = typer::diag::MAX_SOURCE_BYTES;

/// Parses, types and compiles a program from its module code.
pub fn load(
    source: Rc<Source>,
    classes: typer::classes::ClassesRef,
) -> Result<(Program, Module), Diagnostic> {
    if source.text.len() > MAX_SOURCE {
        return Err(Diagnostic::new(
            typer::DiagKind::Limit,
            typer::Span::default(),
            "source file is too large",
        ));
    }
    let prog = typer::check_with(&source.text, classes)?;
    let module = compile::compile(&prog, source)?;
    Ok((prog, module))
}
