//! How the interpreter hands a function to its native code and takes it
//! back.
//!
//! Native code runs on the interpreter's own frames: the same register
//! slots, the same frame records, the same fuel counter. It is entered at
//! an instruction that has an entry (a function's start; a loop's head,
//! where the interpreter goes back to it at every backward jump; after a
//! call or an op it leaves to the interpreter, where the code has an entry
//! there) and runs until it reaches an
//! instruction it leaves to the interpreter — one about to raise, a call
//! or return past what it can make itself, the last unit of fuel — and
//! returns that instruction's index. The interpreter then executes that
//! instruction itself, so every exception and traceback comes from one
//! place, whichever tier ran the code around it. What native code does
//! not compute itself (array operations, printing, formatting) it calls
//! through the runtime table, into the routines the interpreter runs.

use std::rc::Rc;

use crate::bytecode::Op;
use crate::module::Proto;

/// The entry of a function's native code: `at` is the address of the
/// instruction to start at (from [`Native::entries`]) and `cx` the state it
/// works on. Returns the index of the instruction the interpreter is to
/// execute next, in the function then running (`cx.ctl.cur`: native code
/// may have called or returned on its own).
pub type Enter = unsafe extern "C" fn(cx: *mut Cx, at: *const u8) -> u32;

/// A suspended caller, as the interpreter records it: its function, where
/// to resume and its registers.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Frame {
    /// Into the running module's protos.
    pub proto: *const Proto,
    /// Where to resume in the caller (one past its `Call`).
    pub ip: *const Op,
    /// The caller's first register, as a stack index (the stack may move).
    pub base: usize,
}

impl Frame {
    pub const NONE: Frame = Frame {
        proto: std::ptr::null(),
        ip: std::ptr::null(),
        base: 0,
    };
}

/// Where a run is: the running function, its frame, and the frame-record
/// stack. The interpreter keeps it in memory. Native code leaves it as it
/// was entered while it runs: its own calls are on the machine stack
/// (see [`Cx::levels`]), and become frame records here only when it
/// leaves with them unreturned.
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

/// Spill slots of native code, in [`Cx::spills`].
pub const SPILLS: usize = 64;

/// At most this many native calls deep on one entry into native code (the
/// machine stack holds a few words for each); deeper, the interpreter
/// makes the call, and the callee's native code starts on a fresh entry.
pub const MAX_LEVELS: usize = 4096;

/// What native code runs on, for one entry.
///
/// Native code calls script functions with the machine's own call and
/// return: each unreturned call is a *level* of the machine stack below
/// the entry's, holding the call's instruction, and nothing else records
/// it. When native code leaves with levels on the machine stack, the
/// backend's exit turns them into frame records (outermost first, from
/// `ctl` as entered: each `Call`'s callee and argument block give the
/// next function and frame), so the interpreter finds the run as if it
/// had made the calls itself.
#[repr(C)]
pub struct Cx {
    /// The current frame's first register.
    pub base: *mut u64,
    pub fuel: *mut u64,
    pub ctl: *mut Ctl,
    /// How many levels native code may make on this entry: each needs a
    /// free frame record and room in the register stack for a frame of
    /// the module's largest (so one compare of the machine stack pointer
    /// checks both).
    pub levels: usize,
    /// The machine stack pointer on entry, and the lowest one a call may
    /// push a level from; both written by the entry sequence.
    pub sp: usize,
    pub floor: usize,
    /// The module's functions, by index.
    pub protos: *const Proto,
    /// What runtime operations run in (the allocators).
    pub rt: *const crate::rt::RtCtx,
    /// The module's runtime operations, by index (`Rt` instructions).
    pub rtops: *const crate::rt::RtDesc,
    /// The running module (its strings and formats, for printing).
    pub module: *const crate::Module,
    /// The run's output buffer, which printing writes.
    pub out: *mut crate::out::Out,
    /// Where the exception of a runtime operation, a print or a format goes;
    /// native code then returns the instruction's index with [`RAISED`] set.
    pub raised: *mut crate::runtime::RaisedSlot,
    /// Ticks in a window of fuel: native code that spends a window's last
    /// tick takes the next window from the reserve itself, as the
    /// interpreter does (only the interpreter raises the fuel error).
    pub window: u64,
    /// Native code's spill slots (shared by every function it calls: a
    /// call writes every live value to the frame first).
    pub spills: [u64; SPILLS],
}

impl Cx {
    /// A context on `base` and `fuel` with nothing else (no calls, no
    /// runtime): for tests of code that uses neither.
    pub fn bare(base: *mut u64, fuel: *mut u64) -> Cx {
        Cx {
            base,
            fuel,
            ctl: std::ptr::null_mut(),
            levels: 0,
            sp: 0,
            floor: 0,
            protos: std::ptr::null(),
            rt: std::ptr::null(),
            rtops: std::ptr::null(),
            module: std::ptr::null(),
            out: std::ptr::null_mut(),
            raised: std::ptr::null_mut(),
            window: 0,
            spills: [0; SPILLS],
        }
    }
}

/// Set in the instruction index native code returns when the instruction
/// raised (a runtime operation, a print, a format): the exception is in
/// `Cx::raised`, and the interpreter unwinds from that instruction without
/// executing it again.
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
    /// Where a native call enters (at instruction 0).
    pub call: *const u8,
    /// The most frame records an exit inside the code's inlined calls
    /// makes: the code runs only where the run has room for that many
    /// more calls (its call entry leaves at instruction 0 otherwise, and
    /// the interpreter does not enter it), as the calls would have needed.
    pub inlined: usize,
    /// The functions the code calls (by number in the module), those of
    /// its script calls not inlined: what a native caller needs compiled.
    pub calls: Box<[u16]>,
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
