//! Machine code as `vm asm` prints it: each bytecode instruction's native
//! code, disassembled, under the instruction; the entry sequence before
//! the first and the out-of-line exits after the last.

use std::fmt::Write;

use vm::{Module, Proto};

/// Every function of `m` in the low IR (`vm asm --ir`): its blocks, loops
/// and exits, or why it has none.
pub fn ir(m: &Module) -> String {
    let mut out = String::new();
    for (fi, p) in m.protos.iter().enumerate() {
        let _ = writeln!(
            out,
            "function {} #{fi}   [{} registers, {} instructions]",
            p.name,
            p.nregs,
            p.code.len()
        );
        match crate::ir::build(p, &m.protos, &m.rtops) {
            Ok(mut f) => {
                #[cfg(target_arch = "x86_64")]
                {
                    use crate::backend::Asm;
                    crate::opt::optimize(&mut f, &crate::x64::asm::X64Asm::REGS);
                }
                out.push_str(&f.listing());
                #[cfg(target_arch = "x86_64")]
                {
                    use crate::backend::Asm;
                    let a = crate::regalloc::allocate(&f, &crate::x64::asm::X64Asm::REGS);
                    let locs: Vec<String> = (0..f.insts.len() as u32)
                        .map(crate::ir::Value)
                        .filter(|&v| a.loc[v.0 as usize] != crate::regalloc::Loc::Dead)
                        .map(|v| format!("{v}={}", a.show(&f, v)))
                        .collect();
                    let _ = writeln!(
                        out,
                        "  ; registers ({} spill slots): {}",
                        a.spills,
                        locs.join(" ")
                    );
                    if let Err(e) = crate::emit::check(&f, &a, &m.rtops) {
                        let _ = writeln!(out, "  ; interpreted: {}", e.0);
                    }
                }
            }
            Err(e) => {
                let _ = writeln!(out, "  ; no IR: {}", e.0);
            }
        }
        out.push('\n');
    }
    out
}

/// Writes the native code of instruction `pc` of `p` (with `pc ==
/// p.code.len()`, the exits), one line per machine instruction. Writes
/// nothing for a function without native code.
pub fn instruction(p: &Proto, pc: usize, out: &mut String) {
    let Some(n) = p.native() else { return };
    let Some(mapped) = n.code.as_ref().downcast_ref::<crate::Mapped>() else {
        return;
    };
    // Code from the low IR follows its blocks, not the bytecode: all of it
    // under the first instruction, block by block.
    let at = |o: usize| mapped.buf.as_ptr().wrapping_add(o);
    if pc == 0 {
        let first = mapped.blocks.first().map_or(n.exits, |&(o, _)| at(o));
        section(n.start, first, "entry", out);
        for (i, (o, note)) in mapped.blocks.iter().enumerate() {
            let to = mapped.blocks.get(i + 1).map_or(n.exits, |&(o, _)| at(o));
            section(at(*o), to, &note.to_string(), out);
        }
    } else if pc == p.code.len() {
        section(n.exits, n.end, "exits", out);
    }
}

fn section(from: *const u8, to: *const u8, title: &str, out: &mut String) {
    if !title.is_empty() {
        let _ = writeln!(out, "          ; {title}");
    }
    // SAFETY: from..to lies inside one function's mapped, readable code
    // (both come from its `Native`, in order).
    let bytes = unsafe { std::slice::from_raw_parts(from, to.offset_from(from) as usize) };
    decode(bytes, from as u64, out);
}

#[cfg(target_arch = "x86_64")]
fn decode(bytes: &[u8], ip: u64, out: &mut String) {
    use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};
    let mut d = Decoder::with_ip(64, bytes, ip, DecoderOptions::NONE);
    let mut f = IntelFormatter::new();
    let mut text = String::new();
    for ins in &mut d {
        text.clear();
        f.format(&ins, &mut text);
        let at = (ins.ip() - ip) as usize;
        let hex: String = bytes[at..at + ins.len()]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let _ = writeln!(out, "          {:>12x}  {hex:<24} {text}", ins.ip());
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn decode(bytes: &[u8], ip: u64, out: &mut String) {
    let _ = writeln!(out, "          {ip:>12x}  {} bytes", bytes.len());
}
