//! How the interpreter hands a function to its native code and takes it
//! back.
//!
//! Native code runs on the interpreter's own frames: the same register
//! slots, the same frame records, the same fuel counter. It is entered at
//! an instruction that has an entry (a function's start; a loop's head,
//! where the interpreter goes back to it at every backward jump; after a
//! call or an op it leaves to the interpreter, where the code has an entry
//! there) and runs until it reaches an
//! instruction it does not handle — a call, a return, a runtime operation,
//! or any instruction that is about to raise — and returns that
//! instruction's index. The interpreter then executes that instruction
//! itself, so every exception, allocation and traceback comes from one
//! place, whichever tier ran the code around it.

use std::rc::Rc;

use crate::bytecode::Op;
use crate::module::Proto;

/// The entry of a function's native code: `at` is the address of the
/// instruction to start at (from [`Native::entries`]) and `cx` the state it
/// works on. Returns the index of the instruction the interpreter is to
/// execute next, in the function then running (`cx.ctl.cur`: native code
/// may have called or returned on its own).
pub type Enter = unsafe extern "C" fn(cx: *mut Cx, at: *const u8) -> u32;

/// A suspended caller, as the interpreter and native code both record it:
/// its function, where to resume and its registers.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Frame {
    /// Into the running module's protos.
    pub proto: *const Proto,
    /// Where to resume in the caller (one past its `Call`).
    pub ip: *const Op,
    /// The caller's first register, as a stack index (the stack may move).
    pub base: usize,
    /// The caller's native code at `ip`, when native code made the call
    /// (a native return jumps there); null when the interpreter did.
    pub resume: *const u8,
}

impl Frame {
    pub const NONE: Frame = Frame {
        proto: std::ptr::null(),
        ip: std::ptr::null(),
        base: 0,
        resume: std::ptr::null(),
    };
}

/// Where a run is: the running function, its frame, and the frame-record
/// stack. The interpreter keeps it in memory and native code updates it
/// when it calls and returns.
#[repr(C)]
pub struct Ctl {
    pub cur: *const Proto,
    /// The current frame's first register, as a stack index.
    pub fbase: usize,
    /// The next free frame record.
    pub fp: *mut Frame,
    /// One past the last record of the buffer (a native call leaves to the
    /// interpreter there, which grows it or raises `RecursionError`).
    pub fend: *mut Frame,
}

/// What native code runs on, for one entry.
#[repr(C)]
pub struct Cx {
    /// The current frame's first register.
    pub base: *mut u64,
    pub fuel: *mut u64,
    pub ctl: *mut Ctl,
    /// The first frame record: a return with `ctl.fp` here ends the run,
    /// which the interpreter does.
    pub frames: *const Frame,
    /// The register stack and its length (a callee whose frame would not
    /// fit leaves the call to the interpreter, which grows the stack).
    pub stack: *mut u64,
    pub stack_len: usize,
    /// The module's functions, by index.
    pub protos: *const Proto,
    /// What runtime operations run in (the allocators).
    pub rt: *const crate::rt::RtCtx,
    /// The module's runtime operations, by index (`Rt` instructions).
    pub rtops: *const crate::rt::RtDesc,
    /// Where a runtime operation's exception goes; native code then returns
    /// the instruction's index with [`RAISED`] set.
    pub raised: *mut crate::runtime::RaisedSlot,
    /// Ticks in a window of fuel: native code that spends a window's last
    /// tick takes the next window from the reserve itself, as the
    /// interpreter does (only the interpreter raises the fuel error).
    pub window: u64,
}

/// Set in the instruction index native code returns when the instruction
/// raised (a runtime operation): the exception is in `Cx::raised`, and the
/// interpreter unwinds from that instruction without executing it again.
pub const RAISED: usize = 1 << 31;

/// What compiles a function (of the module's functions) to native code
/// (`None` where it cannot).
pub type Compile = dyn Fn(&crate::Proto, &crate::Module) -> Option<Native>;

/// A function's native code.
#[derive(Clone)]
pub struct Native {
    pub enter: Enter,
    /// Where native code can be entered, by instruction: null where it
    /// cannot (the interpreter goes on until an instruction that has an
    /// entry). Instruction 0 always has one.
    pub entries: Rc<[*const u8]>,
    /// The whole code: the entry sequence, the function's code from
    /// `entries[0]` to `exits`, then the out-of-line exits, up to `end`.
    pub start: *const u8,
    pub exits: *const u8,
    pub end: *const u8,
    /// What keeps the code mapped (the executable buffer).
    pub code: Rc<dyn std::any::Any>,
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Native({} entries)", self.entries.len())
    }
}

impl Native {
    /// Runs the native code from instruction `pc`; returns the instruction
    /// the interpreter continues with (in `cx.ctl.cur`).
    ///
    /// # Safety
    /// `cx` describes the run truthfully: `cx.base` is the frame of the
    /// function this code was compiled from (`ctl.cur`), with its `nregs`
    /// slots inside the stack; the frame records, stack and protos are
    /// those of the running module. `pc` is an instruction of the function
    /// with an entry (`entries[pc]` is not null).
    #[inline(always)]
    pub unsafe fn run(&self, cx: &mut Cx, pc: usize) -> usize {
        // SAFETY: `enter` is this code's entry sequence (it lives as long as
        // `self.code`), `entries[pc]` an address inside it (the index is
        // checked), and `cx` is truthful by the caller's contract.
        unsafe { (self.enter)(cx, self.entries[pc]) as usize }
    }
}
