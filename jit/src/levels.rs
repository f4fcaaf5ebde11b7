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
