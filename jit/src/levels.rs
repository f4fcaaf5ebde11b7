//! Native calls' levels of the machine stack, made frame records when
//! native code leaves with them unreturned.
//!
//! A native script call pushes a level (`layout::LEVEL` bytes: the return
//! address and the call's instruction) and jumps with the machine's call;
//! a native return pops it with the machine's return. Neither touches the
//! interpreter's `Ctl` or frame records: those stay as the entry found
//! them. Every way out of native code goes through the backend's
//! epilogue, which, when there are levels below the entry's stack pointer,
//! calls [`records`] to write them as the frame records the interpreter's
//! own calls would have written, and to make the innermost callee the
//! current function. An exit inside inlined calls pushes a level for each
//! (with no return address) before it leaves, and so makes their frames
//! the same way.

use vm::bytecode::Op;
use vm::tiering::{Cx, Frame};

use crate::layout::{LEVEL, LEVEL_PC};

/// Writes the levels from `cx.sp` down to `sp` as frame records, outermost
/// first, and makes the innermost callee current (`cx.ctl`'s `cur`,
/// `fbase`, `fp`).
///
/// # Safety
/// `cx` is the context of the running native code, `sp` the machine stack
/// pointer with nothing but levels between it and `cx.sp`, each made by a
/// call (native or inlined) that `ctl.cur`'s chain of calls reaches: its
/// instruction a `Call` of the function the previous level called (of
/// `ctl.cur` for the outermost). The entry's level budget
/// (`Cx::levels`) left a free record for each.
pub unsafe extern "C" fn records(cx: *mut Cx, sp: usize) {
    // SAFETY: the caller's promise: the context and its `ctl` are live.
    let (cx, ctl) = unsafe { (&*cx, &mut *(*cx).ctl) };
    let mut at = cx.sp;
    while at > sp {
        at -= LEVEL as usize;
        // SAFETY: a level lies between `sp` and `cx.sp`, its
        // instruction at LEVEL_PC (the backends write a full word).
        let pc = unsafe { *((at + LEVEL_PC as usize) as *const u64) } as usize;
        // SAFETY: `ctl.cur` points into the module's protos.
        let p = unsafe { &*ctl.cur };
        let Some(&Op::Call { a, f }) = p.code.get(pc) else {
            // Levels are pushed only at calls: anything else is a broken
            // invariant, and going on would corrupt the run.
            std::process::abort();
        };
        // SAFETY: the level budget left a record free for each level (fp
        // stays below fend); the callee exists (the module was
        // verified); `pc + 1` is inside the code (a call is never last).
        unsafe {
            ctl.fp.write(Frame {
                proto: ctl.cur,
                ip: p.code.as_ptr().add(pc + 1),
                base: ctl.fbase,
            });
            ctl.fp = ctl.fp.add(1);
            ctl.cur = cx.protos.add(f as usize);
        }
        ctl.fbase += a as usize;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vm::tiering::Ctl;

    /// Levels as a backend pushes them, in a buffer standing for the
    /// machine stack: the outermost highest.
    fn stack(pcs: &[usize]) -> Vec<u64> {
        let words = LEVEL as usize / 8;
        let mut s = vec![0u64; words * pcs.len()];
        for (k, &pc) in pcs.iter().rev().enumerate() {
            s[k * words + LEVEL_PC as usize / 8] = pc as u64;
        }
        s
    }

    #[test]
    fn levels_become_the_records_the_calls_would_have_made() {
        let m = crate::ir::tests::module(
            "def c(x):\n    return x + 1\n\n\
             def b(x):\n    y = x * 2\n    return c(y) + 1\n\n\
             def a(x):\n    return b(x) + b(x + 1)\n\nprint(a(1))\n",
        );
        let at = |name: &str| m.protos.iter().position(|p| p.name == name).unwrap();
        let call = |f: usize, k: usize| {
            m.protos[f]
                .code
                .iter()
                .enumerate()
                .filter(|(_, op)| matches!(op, Op::Call { .. }))
                .nth(k)
                .map(|(pc, op)| match *op {
                    Op::Call { a, .. } => (pc, a as usize),
                    _ => unreachable!(),
                })
                .unwrap()
        };
        let (a, b, c) = (at("a"), at("b"), at("c"));
        // a's second call of b, then b's call of c.
        let ((pa, aa), (pb, ab)) = (call(a, 1), call(b, 0));
        let mut frames = [Frame::NONE; 4];
        let mut ctl = Ctl {
            cur: &m.protos[a],
            fbase: 10,
            // One record the interpreter made below the entry.
            fp: frames[1..].as_mut_ptr(),
            fend: frames.as_mut_ptr_range().end,
        };
        let s = stack(&[pa, pb]);
        let mut cx = Cx::bare(std::ptr::null_mut(), std::ptr::null_mut());
        cx.ctl = &mut ctl;
        cx.protos = m.protos.as_ptr();
        cx.sp = s.as_ptr_range().end as usize;
        // SAFETY: `s` holds two levels of calls `a`'s chain makes, and the
        // records have room for them.
        unsafe { records(&mut cx, s.as_ptr() as usize) };
        assert!(std::ptr::eq(ctl.cur, &m.protos[c]));
        assert_eq!(ctl.fbase, 10 + aa + ab);
        assert_eq!(ctl.fp, frames[3..].as_mut_ptr());
        let want = [(a, pa, 10), (b, pb, 10 + aa)];
        for (fr, (f, pc, base)) in frames[1..3].iter().zip(want) {
            assert!(std::ptr::eq(fr.proto, &m.protos[f]));
            assert_eq!(fr.ip, m.protos[f].code[pc + 1..].as_ptr());
            assert_eq!(fr.base, base);
        }
        // Nothing below the entry's stack pointer: nothing changes.
        let before = (ctl.cur, ctl.fbase, ctl.fp);
        // SAFETY: as above, with no levels.
        unsafe { records(&mut cx, cx.sp) };
        assert_eq!((ctl.cur, ctl.fbase, ctl.fp), before);
    }
}
