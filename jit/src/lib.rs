//! Kiln's native-code tier.
//!
//! This crate lowers the VM's typed register bytecode to machine code, one
//! way: it builds a low IR (`ir`), inlines small script callees into it
//! (`inline`), optimises its loops (`opt`, `version`),
//! allocates registers over the whole function (`regalloc`) and emits it
//! (`emit`) through a backend trait of three-address operations on
//! physical registers (`backend::Asm`; x86-64 in `x64::asm`, aarch64 in
//! `arm64::asm`) into one executable region (`code`). A function the IR
//! does not take is interpreted. It does not decide when to compile (the
//! interpreter does: a function once its calls and back edges pass a
//! threshold, 0 for `--tier jit`) and it does not run code: the
//! interpreter enters native code at an instruction and takes it back
//! (`vm::tiering`).
//!
//! What compiled code must reproduce exactly, as the interpreter does it
//! (`vm::interp`), so that both tiers print the same output, raise the same
//! errors at the same lines and make the same allocator calls, and how this
//! tier does it:
//!
//! - **Frames.** A function's registers are 64-bit slots `R[0..nregs]` of one
//!   register stack; native code reads and writes those same slots (the
//!   frame base is pinned in a register), so either tier can take over at
//!   any instruction: that is how calls, returns and on-stack replacement at
//!   a loop's head work, with no state to convert.
//! - **Calls and returns** are the machine's own: a call pushes a level of
//!   the machine stack holding its instruction, fills the callee's
//!   constant registers and clears its array locals as the interpreter's
//!   `Call` does, and calls the callee's native code; a return pops it.
//!   Only when native code leaves with calls unreturned do their levels
//!   become the interpreter's frame records (`levels`), so tracebacks and
//!   the depth limit are the interpreter's. Past the entry's level budget
//!   (free frame records, stack room: `vm::tiering::Cx::levels`), without
//!   native code for the callee, or returning to a caller the interpreter
//!   called from, native code leaves the call or return to the
//!   interpreter. The code after a call reloads the frame.
//! - **Inlined calls** make no frame: the call site spends the call's fuel;
//!   native code runs only with room for the frames its inlined calls
//!   would have made (`vm::tiering::Native::inlined`); an exit inside an
//!   inlined callee first makes the frames it is in real, so the
//!   interpreter raises there, or goes on, in the callee's own frame.
//! - **Fuel.** One unit per call and per taken backward jump, and the array
//!   work a runtime operation charges inside `rt_exec` (shared, so the same
//!   in both tiers; it leaves at least one unit in the window). Native code
//!   keeps the window's count in a register and takes the next window
//!   itself (`fuel`); when the run has no fuel left it leaves before the
//!   tick, so the interpreter spends it and raises the fuel error.
//! - **Exceptions.** An instruction about to raise (a zero divisor, an
//!   index out of bounds, an unassigned array) leaves before changing
//!   anything; the interpreter executes it and raises, with its message, its
//!   traceback and its unwinding (array locals and live temporaries
//!   released from the stack maps).
//! - **Arrays and runtime calls.** Reference counts (`Dup`, `Store`,
//!   `Drop`, and releases on return) call `vm::runtime::RUNTIME`'s
//!   `retain`/`release` at the same points as the interpreter, so frees
//!   happen in the same order. Array operations (`Rt`) call the same
//!   `rt_exec` the interpreter does, where every allocation goes through
//!   the classmethod table; one that raises returns its instruction with
//!   `vm::tiering::RAISED` and the exception, which the interpreter unwinds
//!   from without executing the instruction again. Printing (`Print`,
//!   `PrintK`) and formatting (`Fmt`) call the runtime table's `print`,
//!   `print_k` and `fmt`, the interpreter's own routines (`vm::out`), on
//!   the run's output buffer, so output and its flushes come out the same
//!   in every tier; a print needs no frame (it reads one value) and stays
//!   inside its block, a format runs on the frame as `Rt` does. Only the
//!   raising ops leave native code (`ir::EXITS`). Element reads and writes
//!   of 64-bit and bool dtypes are native, with the same bounds check;
//!   other dtypes' go through `scalar`, as do Python's `**`, float `//`
//!   and `%` and `round(x, n)`, with the kernels the interpreter uses.

pub mod arm64;
pub mod backend;
pub mod code;
pub mod emit;
pub mod fuel;
pub mod inline;
pub mod ir;
pub mod layout;
pub mod levels;
pub mod listing;
pub mod opt;
pub(crate) mod pool;
pub mod regalloc;
pub mod scalar;
pub mod simplify;
pub mod vector;
pub mod version;
#[cfg(target_arch = "x86_64")]
pub mod x64;

use vm::Module;

/// Sets up what compiling needs once per thread (the executable code
/// region): a VM that compiles calls it when it is created.
pub fn prepare() {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    code::reserve();
}

/// Compiles every function of `m` that has no native code yet, on hosts
/// with a backend; returns how many functions were compiled.
pub fn compile_module(m: &Module) -> usize {
    let mut n = 0;
    for p in &m.protos {
        if p.native().is_none() {
            if let Some(code) = compile(p, m) {
                p.set_native(code);
                n += 1;
            }
        }
    }
    n
}

/// The native code of `p`, one of `m`'s functions (its calls and runtime
/// operations name the module's), or `None` where there is no backend.
pub fn compile(p: &vm::Proto, m: &Module) -> Option<vm::tiering::Native> {
    compile_timed(p, m, &mut Phases::default())
}

/// [`compile`], adding the time each phase took to `t`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub fn compile_timed(p: &vm::Proto, m: &Module, t: &mut Phases) -> Option<vm::tiering::Native> {
    // A function the low IR does not take (see `ir::Unsupported`) is
    // interpreted.
    compile_ir(p, m, t).ok()
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
pub fn compile_timed(_p: &vm::Proto, _m: &Module, _t: &mut Phases) -> Option<vm::tiering::Native> {
    None
}

/// How long each phase of compiling took, in seconds: what `vm bench`
/// reports of where compile time goes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Phases {
    /// The low IR from the bytecode (`ir::build_open`, `ir::finish`).
    pub build: f64,
    pub inline: f64,
    /// `opt::optimize`: folding, CSE, loop versioning, vector loops,
    /// hoisting.
    pub optimize: f64,
    pub regalloc: f64,
    /// Machine code, made executable, with its block notes.
    pub emit: f64,
}

impl Phases {
    /// Each phase's name and time.
    pub fn named(&self) -> [(&'static str, f64); 5] {
        [
            ("build", self.build),
            ("inline", self.inline),
            ("optimize", self.optimize),
            ("regalloc", self.regalloc),
            ("emit", self.emit),
        ]
    }
}

/// Times phases one after another: each lap is the time since the last.
struct Clock(std::time::Instant);

impl Clock {
    fn start() -> Clock {
        Clock(std::time::Instant::now())
    }

    fn lap(&mut self) -> f64 {
        let now = std::time::Instant::now();
        let s = (now - self.0).as_secs_f64();
        self.0 = now;
        s
    }
}

/// Machine code that the low IR's emitter produced, with what `vm asm`
/// shows of it.
pub struct Mapped {
    pub buf: code::Code,
    /// Each block's first byte and what it is, in code order.
    pub blocks: Vec<(usize, BlockNote)>,
}

/// What `vm asm` says about a block of code from the low IR (kept as
/// numbers: the text is made only when someone asks for the listing).
#[derive(Clone, Copy, Debug)]
pub struct BlockNote {
    pub block: ir::Block,
    pub pc: usize,
    pub entry: bool,
    /// The block's copy that native calls enter, with the arguments in
    /// registers (`emit::Emitted::call`).
    pub call: bool,
    /// The innermost loop it is in: its header and depth.
    pub in_loop: Option<(ir::Block, u32)>,
    /// A vector loop's block: its lanes.
    pub lanes: u8,
}

impl std::fmt::Display for BlockNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: pc {}", self.block, self.pc)?;
        if self.call {
            write!(f, ", native call entry, arguments in registers")?;
        } else if self.entry {
            write!(f, ", entry")?;
        }
        if self.lanes > 0 {
            write!(f, ", {} lanes", self.lanes)?;
        }
        match self.in_loop {
            Some((h, depth)) if h == self.block => write!(f, ", loop header, depth {depth}"),
            Some((h, _)) => write!(f, ", in loop {h}"),
            None => Ok(()),
        }
    }
}

/// The low IR of `p`, one of `m`'s functions, with the calls it can
/// inline inlined (before the loop optimisations).
pub fn lower(p: &vm::Proto, m: &Module) -> Result<ir::Func, ir::Unsupported> {
    lower_timed(p, m, &mut Phases::default(), &mut Clock::start())
}

fn lower_timed(
    p: &vm::Proto,
    m: &Module,
    t: &mut Phases,
    c: &mut Clock,
) -> Result<ir::Func, ir::Unsupported> {
    let mut f = ir::build_open(p, &m.protos, &m.rtops)?;
    t.build += c.lap();
    if let Some(me) = m.protos.iter().position(|q| std::ptr::eq(q, p)) {
        inline::inline(&mut f, me, m);
    }
    t.inline += c.lap();
    ir::finish(&mut f);
    t.build += c.lap();
    Ok(f)
}

/// The low IR of `p` optimised, allocated and emitted through backend `a`,
/// adding each phase's time to `t`.
pub fn emit_ir<A: backend::Asm>(
    p: &vm::Proto,
    m: &Module,
    a: &mut A,
    t: &mut Phases,
) -> Result<(ir::Func, emit::Emitted), ir::Unsupported> {
    let mut c = Clock::start();
    let mut f = lower_timed(p, m, t, &mut c)?;
    opt::optimize(&mut f, &A::REGS, a.lanes());
    t.optimize += c.lap();
    let prefs = emit::arg_prefs::<A>(&f, p, &m.protos);
    let al = regalloc::allocate_with(&f, &A::REGS, &prefs);
    t.regalloc += c.lap();
    // (`emit` checks first that it can take the function.)
    let e = emit::emit(a, p, &m.protos, &f, &al, &m.rtops);
    regalloc::recycle(al);
    let e = e?;
    t.emit += c.lap();
    Ok((f, e))
}

/// What `vm asm` says of each block of `f`, by its first byte.
fn block_notes(f: &ir::Func, e: &emit::Emitted) -> Vec<(usize, BlockNote)> {
    let inner = f.loops_of();
    e.blocks
        .iter()
        .map(|&(o, b)| {
            let bd = &f.blocks[b.0 as usize];
            let in_loop = inner[b.0 as usize].map(|l| (f.loops[l].header, f.loops[l].depth));
            let note = BlockNote {
                block: b,
                pc: bd.pc,
                entry: bd.entry,
                call: o == e.call && f.entries.first().is_some_and(|&(_, e0)| e0 == b),
                in_loop,
                lanes: bd.lanes,
            };
            (o, note)
        })
        .collect()
}

/// `p`'s native code from the emitted `buf`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn native(p: &vm::Proto, f: &ir::Func, e: &emit::Emitted, buf: code::Code) -> vm::tiering::Native {
    use std::rc::Rc;
    let at = |o: usize| buf.ptr(o);
    let mut entries = vec![std::ptr::null(); p.code.len()];
    for &(pc, o) in &e.entries {
        entries[pc] = at(o);
    }
    // SAFETY: the code at offset 0 is the entry sequence, which follows
    // the `Enter` contract in the host's C calling convention (the Cx and
    // the address to start at as the first two arguments, the next
    // instruction returned), and the buffer stays mapped as long as
    // `Native::code` lives.
    let enter: vm::tiering::Enter = unsafe { std::mem::transmute(at(0)) };
    let blocks = block_notes(f, e);
    let mut calls: Vec<u16> = f
        .blocks
        .iter()
        .filter_map(|b| match b.term {
            Some(ir::Term::Call { f, .. }) => Some(f),
            _ => None,
        })
        .collect();
    calls.sort_unstable();
    calls.dedup();
    vm::tiering::Native {
        calls: calls.into(),
        enter,
        entries: entries.into(),
        call: at(e.call),
        inlined: e.inlined,
        start: at(0),
        exits: buf.as_ptr().wrapping_add(e.exits),
        end: buf.as_ptr().wrapping_add(buf.len()),
        code: Rc::new(Mapped { buf, blocks }),
    }
}

/// The native code of `p` through the low IR, register allocation and
/// the x86-64 backend, or why not.
#[cfg(target_arch = "x86_64")]
pub fn compile_ir(
    p: &vm::Proto,
    m: &Module,
    t: &mut Phases,
) -> Result<vm::tiering::Native, ir::Unsupported> {
    let mut c = Clock::start();
    let mut a = x64::asm::X64Asm::new();
    t.emit += c.lap();
    let (f, e) = emit_ir(p, m, &mut a, t)?;
    c = Clock::start();
    let code = native(p, &f, &e, a.finish());
    ir::recycle(f);
    t.emit += c.lap();
    Ok(code)
}

/// The native code of `p` through the low IR, register allocation and
/// the aarch64 backend, or why not.
#[cfg(target_arch = "aarch64")]
pub fn compile_ir(
    p: &vm::Proto,
    m: &Module,
    t: &mut Phases,
) -> Result<vm::tiering::Native, ir::Unsupported> {
    let mut c = Clock::start();
    let mut a = arm64::asm::A64Asm::new();
    t.emit += c.lap();
    let (f, e) = emit_ir(p, m, &mut a, t)?;
    c = Clock::start();
    let code = native(p, &f, &e, a.finish());
    ir::recycle(f);
    t.emit += c.lap();
    Ok(code)
}

/// aarch64 code for `p`, on any host, never run: for listings.
pub struct Listed {
    pub code: Vec<u8>,
    /// Each block's first byte and what it is, in code order.
    pub blocks: Vec<(usize, BlockNote)>,
    /// Where the out-of-line exits start.
    pub exits: usize,
}

/// The aarch64 code of `p` (as if it started at address 0), or why
/// there is none.
pub fn compile_arm64(p: &vm::Proto, m: &Module) -> Result<Listed, ir::Unsupported> {
    let mut a = arm64::asm::A64Asm::new();
    let (f, e) = emit_ir(p, m, &mut a, &mut Phases::default())?;
    Ok(Listed {
        blocks: block_notes(&f, &e),
        exits: e.exits,
        code: a.finish_bytes(),
    })
}

/// Names every bytecode op the backends must lower; the coverage test of
/// each backend will compare its table against this one.
pub fn ops_to_lower() -> &'static [&'static str] {
    vm::bytecode::Op::NAMES
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_op_is_listed_once() {
        let ops = super::ops_to_lower();
        let mut sorted = ops.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ops.len());
        assert!(ops.contains(&"Call") && ops.contains(&"Rt"));
    }
}
