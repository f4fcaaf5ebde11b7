//! How the interpreter hands a function to its native code and takes it
//! back.
//!
//! Native code runs on the interpreter's own frames: the same register
//! slots, the same frame records, the same fuel counter. It is entered at
//! an instruction (a function's start, the instruction after a call or after
//! an op it leaves to the interpreter) and runs until it reaches an
//! instruction it does not handle — a call, a return, a runtime operation,
//! or any instruction that is about to raise — and returns that
//! instruction's index. The interpreter then executes that instruction
//! itself, so every exception, allocation and traceback comes from one
//! place, whichever tier ran the code around it.

use std::rc::Rc;

/// The entry of a function's native code: `at` is the address of the
/// instruction to start at (from [`Native::entries`]), `base` the frame's
/// first register and `fuel` the run's fuel counter. Returns the index of
/// the instruction the interpreter is to execute next.
pub type Enter = unsafe extern "C" fn(base: *mut u64, fuel: *mut u64, at: *const u8) -> u32;

/// What compiles a function to native code (`None` where it cannot).
pub type Compile = dyn Fn(&crate::Proto) -> Option<Native>;

/// A function's native code.
#[derive(Clone)]
pub struct Native {
    pub enter: Enter,
    /// The native address of every instruction, by index.
    pub entries: Rc<[*const u8]>,
    /// The whole code: the entry sequence, the instructions from
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
    /// the interpreter continues with.
    ///
    /// # Safety
    /// `base` is the frame of the function this code was compiled from,
    /// with its `nregs` slots inside the register stack, and `pc` is an
    /// instruction of that function.
    #[inline(always)]
    pub unsafe fn run(&self, base: *mut u64, fuel: *mut u64, pc: usize) -> usize {
        unsafe { (self.enter)(base, fuel, self.entries[pc]) as usize }
    }
}
