//! Machine code as `vm asm` prints it: each bytecode instruction's native
//! code, disassembled, under the instruction; the entry sequence before
//! the first and the out-of-line exits after the last.

use std::fmt::Write;

use vm::{Module, Proto};

#[cfg(target_arch = "x86_64")]
type HostAsm = crate::x64::asm::X64Asm;
#[cfg(target_arch = "aarch64")]
type HostAsm = crate::arm64::asm::A64Asm;

/// The instruction sets `vm asm` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    X64,
    Arm64,
}

impl Arch {
    /// The host's, when it has a backend.
    pub const HOST: Option<Arch> = if cfg!(target_arch = "x86_64") {
        Some(Arch::X64)
    } else if cfg!(target_arch = "aarch64") {
        Some(Arch::Arm64)
    } else {
        None
    };

    pub fn parse(s: &str) -> Option<Arch> {
        match s {
            "x86-64" | "x86_64" | "x64" => Some(Arch::X64),
            "aarch64" | "arm64" => Some(Arch::Arm64),
            _ => None,
        }
    }
}

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
        match crate::lower(p, m) {
            Ok(mut f) => {
                #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
                {
                    use crate::backend::Asm;
                    let lanes = HostAsm::new().lanes();
                    crate::opt::optimize(&mut f, &HostAsm::REGS, lanes);
                }
                out.push_str(&f.listing());
                #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
                {
                    use crate::backend::Asm;
                    let a = crate::regalloc::allocate(&f, &HostAsm::REGS);
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
    let Some(arch) = Arch::HOST else { return };
    // SAFETY: from..to lies inside one function's mapped, readable code
    // (both come from its `Native`, in order).
    let bytes = |from: *const u8, to: *const u8| unsafe {
        std::slice::from_raw_parts(from, to.offset_from(from) as usize)
    };
    let section = |from: *const u8, to: *const u8, title: &str, out: &mut String| {
        section(arch, bytes(from, to), from as u64, title, out)
    };
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

/// `vm asm --arch aarch64` on any host: each function's aarch64 code,
/// generated as on an aarch64 host (but from address 0) and never run,
/// under its first instruction, the exits under its last; a function the
/// backend does not take says why.
pub fn arm64(m: &Module) -> String {
    let listed: Vec<_> = m
        .protos
        .iter()
        .map(|p| crate::compile_arm64(p, m))
        .collect();
    vm::dis::disassemble_with(m, &|p: &Proto, pc: usize, out: &mut String| {
        let Some(i) = m.protos.iter().position(|q| std::ptr::eq(q, p)) else {
            return;
        };
        let l = match &listed[i] {
            Ok(l) => l,
            Err(e) => {
                if pc == 0 {
                    let _ = writeln!(out, "          ; no native code: {}", e.0);
                }
                return;
            }
        };
        if pc == 0 {
            let first = l.blocks.first().map_or(l.exits, |&(o, _)| o);
            section(Arch::Arm64, &l.code[..first], 0, "entry", out);
            for (k, (o, note)) in l.blocks.iter().enumerate() {
                let to = l.blocks.get(k + 1).map_or(l.exits, |&(o, _)| o);
                section(
                    Arch::Arm64,
                    &l.code[*o..to],
                    *o as u64,
                    &note.to_string(),
                    out,
                );
            }
        } else if pc == p.code.len() {
            let at = l.exits as u64;
            section(Arch::Arm64, &l.code[l.exits..], at, "exits", out);
        }
    })
}

fn section(arch: Arch, bytes: &[u8], ip: u64, title: &str, out: &mut String) {
    if !title.is_empty() {
        let _ = writeln!(out, "          ; {title}");
    }
    match arch {
        Arch::X64 => decode_x64(bytes, ip, out),
        Arch::Arm64 => decode_arm64(bytes, ip, out),
    }
}

fn decode_x64(bytes: &[u8], ip: u64, out: &mut String) {
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

/// Fixed four-byte words: the word's value in the bytes column, as
/// aarch64 disassemblers print it.
fn decode_arm64(bytes: &[u8], ip: u64, out: &mut String) {
    use yaxpeax_arch::{Decoder, U8Reader};
    use yaxpeax_arm::armv8::a64::InstDecoder;
    let d = InstDecoder::default();
    for (k, w) in bytes.chunks(4).enumerate() {
        let at = ip + 4 * k as u64;
        let word = w.iter().rev().fold(0u32, |a, &b| a << 8 | b as u32);
        let text = match d.decode(&mut U8Reader::new(w)) {
            Ok(i) => i.to_string(),
            Err(e) => format!("(undecoded: {e})"),
        };
        let _ = writeln!(out, "          {at:>12x}  {word:08x}{:16} {text}", "");
    }
}

#[cfg(test)]
mod tests {
    /// `vm asm --arch aarch64` of a float loop, on any host.
    #[test]
    fn aarch64_code_is_listed_on_any_host() {
        stdlib::install();
        let m = crate::ir::tests::module(
            "def f(n):\n    s = 0.0\n    for i in range(n):\n        s += i * 0.5\n    return s\n\n\
             def g(n):\n    if n < 1:\n        return 0.0\n    return g(n - 1)\n\nprint(f(10) + g(2))\n",
        );
        let text = super::arm64(&m);
        // The bytecode, as `vm dis` prints it, the entry sequence, the
        // loop with its float work and fuel count, and the exits.
        assert!(
            text.contains("function f #1") && text.contains("ForLoop1"),
            "{text}"
        );
        assert!(
            text.contains("; entry") && text.contains("stp x29, x30, [sp, #-0xa0]!"),
            "{text}"
        );
        assert!(text.contains("loop header"), "{text}");
        for ins in [
            "scvtf d",
            "fmul d",
            "fadd d",
            "subs x20, x20, #0x1",
            "ret",
            "br x1",
        ] {
            assert!(text.contains(ins), "{ins} missing:\n{text}");
        }
        assert!(text.contains("; exits"), "{text}");
        // The caller's script call (of the recursive function; the other
        // is inlined): the call's level, the call into the callee's code,
        // and the out-of-line refuel of the call's tick.
        let caller = &text[..text.find("function f #1").expect("f is listed")];
        for ins in ["stp xzr, x16, [sp, #-0x10]!", "blr x", "bl $"] {
            assert!(caller.contains(ins), "{ins} missing:\n{caller}");
        }
        assert!(!text.contains("undecoded"), "{text}");
    }

    /// The aarch64 code of native recursion with an int and a float
    /// argument: the callee's call entry takes both in registers (no load
    /// from the frame, `x19`), and the caller moves them there instead
    /// of storing them in the callee's first two slots.
    #[test]
    fn aarch64_native_calls_pass_arguments_in_registers() {
        stdlib::install();
        let m = crate::ir::tests::module(
            "def g(n, x):\n    if n < 2:\n        return x\n    return g(n - 1, x * 0.5) + g(n - 2, x + 1.0)\n\n\
             print(g(12, 3.0))\n",
        );
        let text = super::arm64(&m);
        let g = &text[text.find("function g #").expect("g is listed")..];
        let code = |from: &str| -> Vec<&str> {
            g.lines()
                .skip_while(|l| !l.contains(from))
                .skip(1)
                .take_while(|l| !l.trim_start().starts_with(';') && l.starts_with("          "))
                .collect()
        };
        let entry = code("native call entry, arguments in registers");
        assert!(
            !entry.is_empty() && entry.iter().all(|l| !l.contains("[x19")),
            "{g}"
        );
        // From the callee's frame base to the call: its constants, no
        // arguments.
        let lines: Vec<&str> = g.lines().collect();
        let bl = lines
            .iter()
            .position(|l| l.contains(" bl $"))
            .expect("a call");
        let base = lines[..bl]
            .iter()
            .rposition(|l| l.contains("add x19, x19, #"))
            .expect("the callee's frame base");
        for l in &lines[base..bl] {
            assert!(
                !l.contains("[x19]") && !l.contains("[x19, #0x8]"),
                "an argument stored in the callee's frame: {l}\n{g}"
            );
        }
    }
}
