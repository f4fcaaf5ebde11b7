//! A compiled program: one [`Proto`] per specialisation, the module's string
//! table and its source, and the verifier that establishes the invariants the
//! interpreter's unchecked register access relies on.

use std::rc::Rc;

use typer::{Source, Span, Type};

use crate::bytecode::Op;

/// One compiled specialisation.
#[derive(Debug, Clone)]
pub struct Proto {
    pub name: String,
    pub code: Vec<Op>,
    /// The line table: the source span of each instruction.
    pub spans: Vec<Span>,
    pub consts: Vec<u64>,
    /// Constant registers: R[kbase..kbase+kvals.len()] hold `kvals` from
    /// entry on (the caller's frame setup copies them in).
    pub kbase: u16,
    pub kvals: Vec<u64>,
    /// Registers the frame needs.
    pub nregs: u16,
    /// Registers holding the (flattened) arguments on entry: R[0..nargs].
    pub nargs: u16,
    /// Registers returned.
    pub nret: u16,
    pub args: Vec<Type>,
    pub ret: Type,
    /// Registers of array locals (parameters included): released on return
    /// and when an exception unwinds the frame.
    pub ref_locals: Vec<u16>,
    /// Array locals that are not parameters: zeroed on entry.
    pub zero_locals: Vec<u16>,
    /// No constant registers to fill and no array locals to clear: a call
    /// needs no frame setup.
    pub plain: bool,
    /// Native code, once the function is compiled to it (set once, also
    /// while the module runs, through [`Proto::set_native`]).
    pub(crate) native: std::cell::OnceCell<crate::tiering::Native>,
    /// Where a native call enters the function's native code once
    /// compiled, else null: what native callers read.
    pub entry: std::cell::Cell<*const u8>,
    /// Profile samples that fell in this function's loops (see
    /// `Machine::refuel`).
    pub heat: std::cell::Cell<u32>,
    /// Owned array temporaries live at each instruction, as (first pc, registers)
    /// in pc order: the entry with the greatest pc <= the faulting pc applies.
    pub stackmap: Vec<(u32, Vec<u16>)>,
}

impl Proto {
    /// The function's native code, once compiled.
    pub fn native(&self) -> Option<&crate::tiering::Native> {
        self.native.get()
    }

    /// Installs the function's native code (once; later calls do nothing).
    pub fn set_native(&self, n: crate::tiering::Native) {
        let call = n.call;
        if self.native.set(n).is_ok() {
            self.entry.set(call);
        }
    }

    /// The owned temporaries live at `pc`.
    pub fn live_at(&self, pc: usize) -> &[u16] {
        let i = self.stackmap.partition_point(|(p, _)| *p as usize <= pc);
        if i == 0 {
            &[]
        } else {
            &self.stackmap[i - 1].1
        }
    }
}

#[derive(Debug)]
pub struct Module {
    pub protos: Vec<Proto>,
    pub strings: Vec<String>,
    /// The runtime operation of every `Rt` instruction.
    pub rtops: Vec<crate::rt::RtDesc>,
    /// The format of every `Fmt` instruction.
    pub formats: Vec<crate::format::FmtDesc>,
    pub source: Rc<Source>,
}

impl Module {
    /// Checks every instruction against the bounds the interpreter assumes
    /// without checking: registers inside the frame, jump targets inside the
    /// code, constants, strings and callees that exist, and no path running
    /// off the end of the code. Compiled code always passes; this guards the
    /// unchecked accesses against a compiler bug.
    pub fn verify(&self) -> Result<(), String> {
        for (pi, p) in self.protos.iter().enumerate() {
            let err =
                |pc: usize, what: &str| Err(format!("{} (proto {pi}) pc {pc}: {what}", p.name));
            if p.code.is_empty() || !p.code.last().unwrap().is_terminator() {
                return err(p.code.len(), "code does not end in a terminator");
            }
            if p.spans.len() != p.code.len() {
                return err(0, "line table length differs from code length");
            }
            let regs_ok = |rs: &[u16]| rs.iter().all(|&r| r < p.nregs);
            if !regs_ok(&p.ref_locals)
                || !regs_ok(&p.zero_locals)
                || !p.stackmap.iter().all(|(_, rs)| regs_ok(rs))
            {
                return err(0, "reference registers outside the frame");
            }
            if p.plain != (p.kvals.is_empty() && p.zero_locals.is_empty()) {
                return err(0, "frame setup flag disagrees with the frame");
            }
            if p.kbase as usize + p.kvals.len() > p.nregs as usize {
                return err(0, "constant registers exceed the frame");
            }
            if p.nargs > p.nregs || p.nret > p.nregs {
                return err(0, "argument registers exceed the frame");
            }
            for (pc, op) in p.code.iter().enumerate() {
                for (kind, v) in op.operands() {
                    let ok = match kind {
                        "R" | "R8" => v < p.nregs as i64,
                        "L" => (v as usize) < p.code.len(),
                        "K" => (v as usize) < p.consts.len(),
                        _ => true,
                    };
                    if !ok {
                        return err(
                            pc,
                            &format!("operand {kind}{v} out of range in {}", op.name()),
                        );
                    }
                }
                match *op {
                    Op::Ret { a, n } if a as usize + n as usize > p.nregs as usize => {
                        return err(pc, "return block outside frame")
                    }
                    Op::ForPrep { a, .. } | Op::ForLoop { a, .. }
                        if a as usize + 2 >= p.nregs as usize =>
                    {
                        return err(pc, "loop registers outside frame")
                    }
                    Op::ForPrep1 { a, .. } | Op::ForLoop1 { a, .. }
                        if a as usize + 1 >= p.nregs as usize =>
                    {
                        return err(pc, "loop registers outside frame")
                    }
                    Op::Ret { n, .. } if n != p.nret => {
                        return err(pc, "return arity differs from the function's")
                    }
                    Op::Ret1 { .. } if p.nret != 1 || !p.ref_locals.is_empty() => {
                        return err(pc, "short return from a function that needs the long one")
                    }
                    Op::Call { a, f } => {
                        let Some(callee) = self.protos.get(f as usize) else {
                            return err(pc, "call to unknown function");
                        };
                        if a as usize + callee.nargs.max(callee.nret) as usize > p.nregs as usize {
                            return err(pc, "call arguments or results outside frame");
                        }
                    }
                    Op::PrintK { s } | Op::Raise { s, .. } if s as usize >= self.strings.len() => {
                        return err(pc, "unknown string")
                    }
                    Op::Bound { s, k, .. }
                        if s as usize >= self.strings.len()
                            || k > crate::bytecode::unbound::MODULE =>
                    {
                        return err(pc, "unknown string or kind in Bound")
                    }
                    Op::Math1 { f, .. } if f as usize >= typer::builtins::Math1::ALL.len() => {
                        return err(pc, "unknown math kernel")
                    }
                    Op::Raise { e, .. } | Op::RaiseT { e, .. }
                        if e as usize >= crate::error::EXCEPTIONS.len() =>
                    {
                        return err(pc, "unknown exception")
                    }
                    Op::Fmt { a, n, d } => match self.formats.get(d as usize) {
                        None => return err(pc, "unknown format"),
                        Some(f) if f.window() != n as usize => {
                            return err(pc, "format window differs from the format's")
                        }
                        Some(_) if a as usize + n as usize > p.nregs as usize => {
                            return err(pc, "format registers outside frame")
                        }
                        Some(_) => {}
                    },
                    Op::GetE2 { c: r, .. }
                    | Op::GetE2W { c: r, .. }
                    | Op::SetE2I { b: r, .. }
                    | Op::SetE2F { b: r, .. }
                    | Op::SetE2W { b: r, .. }
                        if r as usize + 1 >= p.nregs as usize =>
                    {
                        return err(pc, "index registers outside frame")
                    }
                    Op::Rt { a, d } => match self.rtops.get(d as usize) {
                        None => return err(pc, "unknown runtime operation"),
                        Some(desc) if a as usize + desc.window() > p.nregs as usize => {
                            return err(pc, "runtime operation registers outside frame")
                        }
                        Some(_) => {}
                    },
                    Op::ShrIK { v, .. } if !(0..64).contains(&v) => {
                        return err(pc, "shift count out of range")
                    }
                    Op::Norm { k, .. } if k as usize >= crate::interp::DTYPES.len() => {
                        return err(pc, "unknown dtype")
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(src: &str) -> Module {
        let source = Rc::new(Source::new("t.py", src));
        crate::load(source, typer::classes::Classes::shared())
            .unwrap()
            .1
    }

    /// Rewrites the first instruction matching `pick` in function `f` and
    /// returns the verifier's verdict.
    fn tampered(m: &mut Module, f: usize, pick: impl Fn(&Op) -> Option<Op>) -> Result<(), String> {
        let code = &mut m.protos[f].code;
        let pc = code
            .iter()
            .position(|o| pick(o).is_some())
            .expect("no such op");
        code[pc] = pick(&code[pc]).unwrap();
        m.verify()
    }

    const SRC: &str = "import numpy as np\n\
        def f(m, i):\n    m[i, i] = m[i, 0] + 1.0\n    return (m + m).sum()\n\
        print(f(np.zeros((2, 2)), 1))\n";

    #[test]
    fn compiled_code_verifies() {
        assert_eq!(module(SRC).verify(), Ok(()));
    }

    #[test]
    fn operands_past_the_frame_are_rejected() {
        let mut m = module(SRC);
        let n = m.protos[1].nregs;
        // The second index register of a 2-D access lies past the frame.
        let e = tampered(&mut m, 1, |o| match *o {
            Op::GetE2W { a, b, .. } => Some(Op::GetE2W { a, b, c: n - 1 }),
            _ => None,
        });
        assert!(e.unwrap_err().contains("index registers"));
        let mut m = module(SRC);
        let e = tampered(&mut m, 1, |o| match *o {
            Op::SetE2W { a, c, .. } => Some(Op::SetE2W { a, b: n - 1, c }),
            _ => None,
        });
        assert!(e.unwrap_err().contains("index registers"));
        let mut m = module(SRC);
        let windows: Vec<usize> = m.rtops.iter().map(|d| d.window()).collect();
        let e = tampered(&mut m, 1, |o| match *o {
            // `m + m`: a window of two registers.
            Op::Rt { d, .. } if windows[d as usize] == 2 => Some(Op::Rt { a: n - 1, d }),
            _ => None,
        });
        assert!(e.unwrap_err().contains("runtime operation registers"));
        let mut m = module(SRC);
        let e = tampered(&mut m, 1, |o| match *o {
            Op::Rt { a, .. } => Some(Op::Rt { a, d: 999 }),
            _ => None,
        });
        assert!(e.unwrap_err().contains("unknown runtime operation"));
        let mut m = module(SRC);
        let e = tampered(&mut m, 1, |o| match *o {
            Op::MulAddF { b, c, d, .. } => Some(Op::MulAddF { a: 255, b, c, d }),
            Op::AddF { b, c, .. } => Some(Op::MulAddF {
                a: 255,
                b: b as u8,
                c: c as u8,
                d: 0,
            }),
            _ => None,
        });
        assert!(e.unwrap_err().contains("out of range"));
    }
}
