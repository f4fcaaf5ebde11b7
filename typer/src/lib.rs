//! Kiln's front end: the lexer, the parser, Kiln's types and type inference,
//! and the diagnostics every stage reports through.
//!
//! The input is Python source in Kiln's subset; the output is a [`Program`]
//! whose specialisations ([`tir::TFunc`]) are fully typed and ready for the
//! bytecode compiler. This crate knows nothing about bytecode, memory or
//! execution: it only decides what a program means and whether it is valid.

pub mod ast;
pub mod builtins;
pub mod classes;
pub mod diag;
pub mod infer;
pub mod inspect;
pub mod lexer;
mod lift;
pub mod parser;
pub mod template;
pub mod tir;
pub mod types;
pub mod unbound;

pub use diag::{DiagKind, Diagnostic, Source, Span};
pub use infer::Program;
pub use types::{DType, Type};

/// Parses and types a whole program from its module code, reaching every
/// function it calls.
pub fn check(text: &str) -> Result<Program, Diagnostic> {
    check_with(text, classes::Classes::shared())
}

/// Like [`check`], with the array classes a host registered.
pub fn check_with(text: &str, classes: classes::ClassesRef) -> Result<Program, Diagnostic> {
    let module = parser::parse(text)?;
    let mut p = Program::new(module)?;
    p.classes = classes;
    p.module_spec();
    p.solve()?;
    Ok(p)
}
