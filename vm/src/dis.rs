//! The disassembler behind `vm dis`: bytecode listed with its source lines.

use std::fmt::Write;

use crate::bytecode::Op;
use crate::module::{Module, Proto};

/// Renders every function of a module: a header with its signature and frame
/// size, then each instruction, with the source line it came from printed
/// whenever the line changes.
pub fn disassemble(m: &Module) -> String {
    disassemble_with(m, &|_, _, _| {})
}

/// As [`disassemble`], with `extra(proto, pc, out)` writing more under each
/// instruction (`pc == code.len()` once after the last: the function's
/// trailer), as `vm asm` does with machine code.
pub fn disassemble_with(m: &Module, extra: &dyn Fn(&Proto, usize, &mut String)) -> String {
    let mut out = String::new();
    for (fi, p) in m.protos.iter().enumerate() {
        let args: Vec<String> = p.args.iter().map(|t| t.to_string()).collect();
        let _ = writeln!(
            out,
            "function {} #{fi} ({}) -> {}   [{} registers, {} instructions]",
            p.name,
            args.join(", "),
            p.ret,
            p.nregs,
            p.code.len()
        );
        let mut last_line = 0;
        for (pc, op) in p.code.iter().enumerate() {
            let (line, _) = m.source.line_col(p.spans[pc].start);
            if line != last_line {
                let _ = writeln!(out, "  {:>4}| {}", line, m.source.line_text(line).trim());
                last_line = line;
            }
            let _ = writeln!(out, "  {:>6}  {:<10}{}", pc, op.name(), operands(m, p, op));
            extra(p, pc, &mut out);
        }
        extra(p, p.code.len(), &mut out);
        out.push('\n');
    }
    out
}

fn operands(m: &Module, p: &Proto, op: &Op) -> String {
    let mut parts = Vec::new();
    for (kind, v) in op.operands() {
        parts.push(match kind {
            "R" | "R8" => format!("r{v}"),
            "L" => format!("@{v}"),
            "K" => {
                let bits = p.consts.get(v as usize).copied().unwrap_or(0);
                format!("k{v}(0x{bits:x})")
            }
            _ => format!("{v}"),
        });
    }
    let mut s = parts.join(", ");
    match *op {
        Op::Call { f, .. } => {
            if let Some(c) = m.protos.get(f as usize) {
                let _ = write!(s, "    ; {}", c.name);
            }
        }
        Op::PrintK { s: k } | Op::Raise { s: k, .. } | Op::Bound { s: k, .. } => {
            let _ = write!(
                s,
                "    ; {:?}",
                m.strings.get(k as usize).map_or("", |x| x.as_str())
            );
        }
        Op::Rt { d, .. } => {
            if let Some(desc) = m.rtops.get(d as usize) {
                let args: Vec<String> = desc.args.iter().map(|t| t.to_string()).collect();
                let _ = write!(
                    s,
                    "    ; {:?} ({}) -> {}",
                    desc.op,
                    args.join(", "),
                    desc.ret
                );
            }
        }
        Op::Math1 { f, .. } => {
            if let Some(name) = typer::builtins::Math1::ALL.get(f as usize) {
                let _ = write!(s, "    ; {}", name.name());
            }
        }
        _ => {}
    }
    s
}
