//! The interpreter: one loop over typed register bytecode.
//!
//! Script calls do not recurse on the native stack: a call pushes a
//! [`Frame`] record and switches the current function, so recursion depth is
//! bounded by [`Limits::max_depth`] (a `RecursionError`), never by the
//! host's stack. (Native code's own calls use the machine stack, a few
//! words each and at most [`crate::tiering::MAX_LEVELS`] deep on one entry,
//! within the same limit.) Registers live in one growable slot array; a frame is a
//! window into it starting at the caller's argument block.

use std::io::Write;

use crate::runtime::scalar::{self, ScalarError};

use crate::array::{self, Array};
use crate::bytecode::Op;
use crate::error::{Exception, TraceEntry, EXCEPTIONS};
use crate::module::{Module, Proto};
use crate::runtime::RUNTIME;
use crate::tiering::{Ctl, Cx, Frame};

/// Bounds on a run, so that an embedded script cannot exhaust its host.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Deepest call nesting before `RecursionError` (CPython's default:
    /// 1000). Values above [`MAX_DEPTH`] act as `MAX_DEPTH`.
    pub max_depth: usize,
    /// Fuel: the work a run may do before it is stopped with
    /// `RuntimeError: instruction fuel exhausted`; `None` for no bound. Each
    /// loop iteration (backward jump) and each call costs one unit; an
    /// array operation costs one unit per [`crate::rt::ELEMS_PER_FUEL`]
    /// (32) elements it creates, reads or computes (rounded up per
    /// operation; a dot product counts its multiply-adds), printing an
    /// array one unit per element it shows, and making or printing a
    /// string one unit per 32 bytes (rounded down; see
    /// [`crate::format::text_cost`]). Views, `len` and `shape` cost
    /// nothing. The count is the same in every tier, so a budget bounds a
    /// script's running time and runs out at the same line everywhere.
    /// Each top-level call (`run_main`, `call`) gets the whole budget.
    pub fuel: Option<u64>,
}

/// The deepest call nesting any configuration allows: the frame records
/// and the traceback of a `RecursionError` at this depth take tens of
/// megabytes, which a host can afford; a limit in the billions would let a
/// script ask for more memory than there is. (A call stack that cannot grow
/// before that raises `MemoryError`.)
pub const MAX_DEPTH: usize = 1_000_000;

impl Limits {
    /// [`Limits::max_depth`] as it applies.
    fn depth(&self) -> usize {
        self.max_depth.min(MAX_DEPTH)
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 1000,
            fuel: None,
        }
    }
}

/// Execution state that outlives one call: the register stack, the frame
/// records and the output buffer.
pub struct Machine {
    stack: Vec<u64>,
    /// The frame records of the running call, kept between calls so that a
    /// call from the host allocates none (see [`FIRST_FRAMES`]).
    frames: Vec<Frame>,
    /// What array operations need: the allocators.
    pub rt: crate::rt::RtCtx,
    out: crate::out::Out,
    pub limits: Limits,
    /// Ticks per window: each window's end is a profile sample.
    window: u64,
    /// Compiling hot functions while they run; `None` interprets only.
    tiering: Option<Tiering>,
    /// Times the interpreter entered native code.
    pub native_entries: u64,
    /// Whether runs enter native code (false: the interpreter alone, even
    /// for functions that have some).
    pub native: bool,
}

/// Compiling functions while they run: the interpreter counts each
/// function's calls and the backward jumps it takes in it, and hands a
/// function to `compile` at the first past `threshold` (0, the `jit`
/// tier: before it first runs; `auto`: once it is hot), with the
/// functions its native code calls. The next call, or the loop's head,
/// enters the native code.
pub struct Tiering {
    /// Loop back-edges and calls per window of fuel: at a window's end a
    /// loop whose function has native code goes back to it.
    pub window: u64,
    /// Calls and backward jumps a function runs interpreted before it is
    /// compiled.
    pub threshold: u32,
    pub compile: Box<crate::tiering::Compile>,
}

impl Machine {
    /// Turns tiering on (or off, with `None`) for the next runs.
    pub fn set_tiering(&mut self, t: Option<Tiering>) {
        self.window = t.as_ref().map_or(u64::MAX, |t| t.window.max(2));
        self.tiering = t;
    }

    /// Counts fuel in windows of `ticks` without profiling: at each
    /// window's end a loop whose function has native code goes back to it
    /// (after the interpreter ran an instruction native code left to it).
    pub fn set_window(&mut self, ticks: u64) {
        self.window = ticks.max(2);
    }
}

/// Frame records a run starts with; deeper recursion grows the buffer (up
/// to the depth limit) and the run hands the growth back when it ends.
const FIRST_FRAMES: usize = 64;

#[inline(always)]
fn i(x: u64) -> i64 {
    x as i64
}
#[inline(always)]
fn f(x: u64) -> f64 {
    f64::from_bits(x)
}
#[inline(always)]
fn fb(x: f64) -> u64 {
    x.to_bits()
}
#[inline(always)]
fn ib(x: i64) -> u64 {
    x as u64
}

type Raised = crate::array::Raised;

/// `Norm` operands index this table.
pub const DTYPES: [typer::DType; 11] = typer::DType::ALL;

#[cold]
#[inline(never)]
fn raised(e: ScalarError) -> Raised {
    (e.0, e.1.to_string())
}

impl Machine {
    pub fn new(
        sink: Box<dyn Write>,
        limits: Limits,
        classes: typer::classes::ClassesRef,
    ) -> Machine {
        Machine {
            stack: vec![0; 1024],
            frames: Vec::new(),
            rt: crate::rt::RtCtx::new(crate::classmethods::ClassTable::new(classes)),
            out: crate::out::Out::new(sink),
            limits,
            window: u64::MAX,
            tiering: None,
            native_entries: 0,
            native: true,
        }
    }

    /// Hands buffered output to the sink.
    pub fn flush(&mut self) {
        self.out.flush();
    }

    /// Calls function `f` of `m` with flattened argument registers and
    /// returns its flattened result registers (valid until the next call).
    pub fn call(&mut self, m: &Module, func: u32, args: &[u64]) -> Result<&[u64], Exception> {
        let p = &m.protos[func as usize];
        assert_eq!(
            args.len(),
            p.nargs as usize,
            "argument registers for {}",
            p.name
        );
        // The run's fuel is the window's ticks left plus the reserve
        // (`rt::Fuel`). A budget of 0 stops at the first tick, as 1 does.
        let total = self.limits.fuel.unwrap_or(u64::MAX).max(1);
        let fuel = &self.rt.fuel;
        fuel.limit.set(self.limits.fuel);
        // The interpreter alone counts all its fuel in one window.
        let left = if self.native {
            total.min(self.window)
        } else {
            total
        };
        fuel.left.set(left);
        fuel.reserve.set(total - left);
        let need = p.nregs as usize;
        if self.stack.len() < need {
            self.stack.resize(need, 0);
        }
        // A few registers each: element loops, not calls to memcpy.
        for (s, &a) in self.stack.iter_mut().zip(args) {
            *s = a;
        }
        if !p.plain {
            let kb = p.kbase as usize;
            for (s, &k) in self.stack[kb..kb + p.kvals.len()].iter_mut().zip(&p.kvals) {
                *s = k;
            }
            for &r in &p.zero_locals {
                self.stack[r as usize] = 0;
            }
        }
        // The records are written by each `Call` before they are read: the
        // last run's contents need no clearing.
        let mut frames = std::mem::take(&mut self.frames);
        let first = self.limits.depth().saturating_sub(1).min(FIRST_FRAMES);
        if frames.len() != first {
            frames.resize(first, Frame::NONE);
        }
        // Two instances of the loop: one that never looks for native code
        // (`--tier interp`), so that the pure interpreter pays nothing for
        // the tiers it does not use.
        let r = if self.native {
            // The call from the host counts as the function's.
            self.warm(p, m);
            self.exec::<true>(m, func, 0, &mut frames)
        } else {
            self.exec::<false>(m, func, 0, &mut frames)
        };
        // A deep recursion's records are not kept past its run.
        if frames.capacity() > FIRST_FRAMES {
            frames.truncate(FIRST_FRAMES);
            frames.shrink_to(FIRST_FRAMES);
        }
        self.frames = frames;
        self.out.flush_full();
        r?;
        let out = &self.stack[..p.nret as usize];
        // Every read of a local that may be unassigned is checked, so a
        // result never holds a null array; the host must never see one
        // even if that were broken (its array handles would be dangling).
        if !crate::compile::has_refs(&p.ret) {
            return Ok(out);
        }
        let mut refs = Vec::new();
        crate::compile::ref_offsets(&p.ret, 0, &mut refs);
        if refs.iter().any(|&r| out[r as usize] == 0) {
            for &r in &refs {
                // SAFETY: result registers of array type hold null or an
                // owned reference, which the host will not receive.
                unsafe { array::release(out[r as usize] as *mut Array) };
            }
            return Err(Exception::new(
                "SystemError",
                format!("{} returned an unassigned array", p.name),
            ));
        }
        Ok(out)
    }

    /// The result registers of the last call that returned: what it
    /// returned, until the next call.
    pub fn results(&self, n: usize) -> &[u64] {
        &self.stack[..n]
    }

    /// The interpreter loop: runs `entry` with its frame at slot `fbase`
    /// until it returns.
    ///
    /// Shaped for the register allocator: the loop's hot state (`ip`, the
    /// current code, `base` and `fuel`) is kept in locals that no rarely
    /// used path keeps alive, and every op that is long or calls out runs in
    /// [`Machine::slow`], so the common ops compile to a load, an operation,
    /// a store and the shared dispatch jump.
    fn exec<const NATIVE: bool>(
        &mut self,
        m: &Module,
        entry: u32,
        fbase: usize,
        frames: &mut Vec<Frame>,
    ) -> Result<(), Exception> {
        let protos = m.protos.as_ptr();
        let cur: *const Proto = &m.protos[entry as usize];
        // SAFETY (instruction fetch): `st.cur` points into `m.protos`, which
        // outlives this call; verify() checked that every jump target is
        // inside the code and that the last instruction is a terminator, so
        // sequential execution and jumps keep `ip` inside the code; a call
        // starts at 0 and a return resumes one past a `Call`, which is never
        // the last instruction.
        // SAFETY: `cur` points into `m.protos` (just taken from it).
        let mut code0: *const Op = unsafe { (*cur).code.as_ptr() };
        let mut ip = code0;
        // Frame records live in `frames[..depth]` and are pushed and popped
        // through `st.fp`; `st.fend` is where the buffer (grown on demand up to
        // the depth limit) ends, so one compare covers both.
        let max_frames = self.limits.depth().saturating_sub(1);
        let frame_cap = stack_cap(self.rt.table.mem_limit, std::mem::size_of::<Frame>());
        let fp: *mut Frame = frames.as_mut_ptr();
        // The control state calls and returns change. It is kept in memory
        // (its address is taken by the cold paths), which leaves the
        // machine registers to `ip`, `base` and the current code.
        let mut st = Ctl {
            cur,
            fbase,
            fp,
            // SAFETY: one past the end of the buffer.
            fend: unsafe { fp.add(frames.len()) },
        };
        let mut base: *mut u64 = self.stack[fbase..].as_mut_ptr();
        // The largest frame of the module: native code's calls are
        // bounded by the room for frames this large.
        let big = m
            .protos
            .iter()
            .map(|p| p.nregs as usize)
            .max()
            .unwrap_or(0)
            .max(1);

        // SAFETY (register access): verify() checked that every register
        // operand of every instruction is below its function's `nregs`, and
        // the stack holds at least `st.fbase + nregs` slots of the current
        // function (checked by `call` for the entry and at every `Call`
        // below, which also re-derives `base` after growing the stack). So
        // `base.add(r)` is in bounds of `self.stack` for every operand `r`,
        // and nothing else holds a reference into the stack.
        macro_rules! reg {
            ($r:expr) => {
                // SAFETY: see "register access" above.
                unsafe { rd(base, $r as usize) }
            };
        }
        macro_rules! set {
            ($r:expr, $v:expr) => {{
                let v = $v;
                // SAFETY: see "register access" above.
                unsafe { wr(base, $r as usize, v) }
            }};
        }
        // One unit of fuel for a backward jump. Evaluates to whether it ended
        // the window: then the next window is taken (or the fuel error
        // raised) and, once the jump is made, `land!` offers the loop to
        // native code.
        macro_rules! tick {
            () => {{
                if NATIVE {
                    // SAFETY: `st.cur` points into `m.protos`.
                    self.warm(unsafe { &*st.cur }, m);
                }
                let left = self.rt.fuel.left.get().wrapping_sub(1);
                self.rt.fuel.left.set(left);
                let end = left == 0;
                if end {
                    if !NATIVE {
                        break fuel_out(&self.limits);
                    }
                    // SAFETY: `st.cur` points into `m.protos`.
                    if let Err(e) = self.refuel(Some(unsafe { &*st.cur }), m) {
                        break e;
                    }
                }
                end
            }};
        }
        // After a backward jump: a loop whose function has native code with
        // an entry at the jump's target goes back to it, whether the window
        // ended or the interpreter ran an instruction native code left to it.
        macro_rules! land {
            ($end:expr, $t:expr) => {{
                let _ = $end;
                if NATIVE {
                    if let Some(e) = native!($t as usize) {
                        break e;
                    }
                }
                continue;
            }};
        }
        macro_rules! jump {
            ($t:expr) => {{
                // SAFETY: verify() checked the target is inside the code.
                let to = unsafe { code0.add($t as usize) };
                if to > ip {
                    ip = to;
                    continue;
                }
                let end = tick!();
                ip = to;
                land!(end, $t)
            }};
        }

        // Hands the running function to its native code from instruction
        // `pc`, if it has any; the interpreter goes on where that code stops.
        macro_rules! native {
            ($pc:expr) => {{
                // Evaluates to the exception a runtime operation in native
                // code raised (with `ip` at that instruction), if any.
                let pc: usize = $pc;
                // SAFETY: `st.cur` points into `m.protos`.
                let code = NATIVE.then(|| unsafe { (*st.cur).native() }).flatten();
                // An instruction without an entry (a gap in the table) goes
                // on in the interpreter.
                if let Some(n) = code.filter(|n| !n.entries[pc].is_null()) {
                    // SAFETY: this is the run's state: base is the frame of
                    // `st.cur` (nregs slots inside the stack) and pc one of
                    // its instructions.
                    let r = unsafe { self.run_native(n, &mut st, m, big, pc) };
                    let (next, e) = match r {
                        Ok(next) => (next, None),
                        Err((at, e)) => (at, Some(e)),
                    };
                    // Native code may have called or returned: the running
                    // function and its frame are st's now.
                    // SAFETY: st.cur points into `m.protos`, its frame is in
                    // the stack, and `next` is one of its instructions.
                    unsafe {
                        code0 = (*st.cur).code.as_ptr();
                        base = self.stack.as_mut_ptr().add(st.fbase);
                        ip = code0.add(next);
                    }
                    e
                } else {
                    None
                }
            }};
        }

        // Back to the caller: pops its frame record (or ends the run).
        macro_rules! ret {
            () => {{
                if st.fp == frames.as_mut_ptr() {
                    return Ok(());
                }
                // SAFETY: st.fp is above the first record, so the one
                // below it was written by a `Call`.
                let fr = unsafe {
                    st.fp = st.fp.sub(1);
                    *st.fp
                };
                st.cur = fr.proto;
                ip = fr.ip;
                st.fbase = fr.base;
                // SAFETY: frame records point into `m.protos`.
                code0 = unsafe { (*st.cur).code.as_ptr() };
                // SAFETY: the caller's frame was in bounds when it called,
                // and the stack never shrinks.
                base = unsafe { self.stack.as_mut_ptr().add(st.fbase) };
                // SAFETY: the resume point is inside the caller's code.
                if let Some(e) = native!(unsafe { ip.offset_from(code0) } as usize) {
                    break e;
                }
                continue;
            }};
        }

        // The address of an array element, bounds-checked; a refused index
        // (or an unassigned array) raises NumPy's exception.
        macro_rules! elem {
            ($p:expr, [$x:expr]) => {{
                let (p, x) = ($p, $x);
                // SAFETY: array registers hold null or a live header.
                match unsafe { array::elem1(p, x) } {
                    Some(e) => e,
                    // SAFETY: as above.
                    None => break unsafe { array::index_error(p, &[x]) },
                }
            }};
            ($p:expr, [$x:expr, $y:expr]) => {{
                let (p, x, y) = ($p, $x, $y);
                // SAFETY: array registers hold null or a live header.
                match unsafe { array::elem2(p, x, y) } {
                    Some(e) => e,
                    // SAFETY: as above.
                    None => break unsafe { array::index_error(p, &[x, y]) },
                }
            }};
        }

        let err: Raised = if let Some(e) = native!(0) {
            e
        } else {
            loop {
                // SAFETY: see "instruction fetch" above.
                // `ip` stays on the running instruction (errors report it) and
                // moves on after the match; ops that jump `continue` instead.
                let op = unsafe { &*ip };
                match *op {
                    Op::Mov { a, b } => set!(a, reg!(b)),
                    Op::LoadI { a, v } => set!(a, ib(v as i64)),
                    Op::LoadK { a, k } => {
                        // SAFETY: `st.cur` points into `m.protos`; verify() checked
                        // k < consts.len().
                        let consts = unsafe { &(*st.cur).consts };
                        // SAFETY: as above.
                        set!(a, unsafe { *consts.get_unchecked(k as usize) })
                    }

                    Op::AddI { a, b, c } => set!(a, ib(i(reg!(b)).wrapping_add(i(reg!(c))))),
                    Op::SubI { a, b, c } => set!(a, ib(i(reg!(b)).wrapping_sub(i(reg!(c))))),
                    Op::AddIK { a, b, v } => set!(a, ib(i(reg!(b)).wrapping_add(v as i64))),
                    // The verifier keeps v in 0..64.
                    Op::ShrIK { a, b, v } => set!(a, ib(i(reg!(b)) >> (v & 63))),
                    Op::AndIK { a, b, v } => set!(a, reg!(b) & ib(v as i64)),
                    Op::MulI { a, b, c } => set!(a, ib(i(reg!(b)).wrapping_mul(i(reg!(c))))),
                    Op::FloorDivI { a, b, c } => {
                        let d = i(reg!(c));
                        if d == 0 {
                            break raised(scalar::INT_DIV_ZERO);
                        }
                        set!(a, ib(scalar::floordiv_i64(i(reg!(b)), d)))
                    }
                    Op::ModI { a, b, c } => {
                        let d = i(reg!(c));
                        if d == 0 {
                            break raised(scalar::INT_MOD_ZERO);
                        }
                        set!(a, ib(scalar::mod_i64(i(reg!(b)), d)))
                    }
                    Op::DivI { a, b, c } => {
                        let d = i(reg!(c));
                        if d == 0 {
                            break raised(scalar::DIV_ZERO);
                        }
                        set!(a, fb(i(reg!(b)) as f64 / d as f64))
                    }
                    Op::AndI { a, b, c } => set!(a, reg!(b) & reg!(c)),
                    Op::OrI { a, b, c } => set!(a, reg!(b) | reg!(c)),
                    Op::XorI { a, b, c } => set!(a, reg!(b) ^ reg!(c)),
                    Op::NegI { a, b } => set!(a, ib(i(reg!(b)).wrapping_neg())),
                    Op::InvI { a, b } => set!(a, !reg!(b)),
                    Op::AbsI { a, b } => set!(a, ib(i(reg!(b)).wrapping_abs())),
                    Op::MinI { a, b, c } => {
                        let (x, y) = (i(reg!(b)), i(reg!(c)));
                        set!(a, ib(if y < x { y } else { x }))
                    }
                    Op::MaxI { a, b, c } => {
                        let (x, y) = (i(reg!(b)), i(reg!(c)));
                        set!(a, ib(if y > x { y } else { x }))
                    }

                    Op::AddF { a, b, c } => set!(a, fb(f(reg!(b)) + f(reg!(c)))),
                    Op::SubF { a, b, c } => set!(a, fb(f(reg!(b)) - f(reg!(c)))),
                    Op::MulF { a, b, c } => set!(a, fb(f(reg!(b)) * f(reg!(c)))),
                    Op::DivF { a, b, c } => {
                        let d = f(reg!(c));
                        if d == 0.0 {
                            break raised(scalar::FLOAT_DIV_ZERO);
                        }
                        set!(a, fb(f(reg!(b)) / d))
                    }
                    // Two roundings, as the separate operations: Rust never
                    // contracts `x * y + z` into a fused multiply-add.
                    Op::MulAddF { a, b, c, d } => set!(a, fb(f(reg!(b)) * f(reg!(c)) + f(reg!(d)))),
                    Op::MulSubF { a, b, c, d } => set!(a, fb(f(reg!(b)) * f(reg!(c)) - f(reg!(d)))),
                    Op::SubMulF { a, b, c, d } => set!(a, fb(f(reg!(d)) - f(reg!(b)) * f(reg!(c)))),
                    Op::AddFI { a, b, c } => set!(a, fb(f(reg!(b)) + i(reg!(c)) as f64)),
                    Op::SubFI { a, b, c } => set!(a, fb(f(reg!(b)) - i(reg!(c)) as f64)),
                    Op::SubIF { a, b, c } => set!(a, fb(i(reg!(b)) as f64 - f(reg!(c)))),
                    Op::MulFI { a, b, c } => set!(a, fb(f(reg!(b)) * i(reg!(c)) as f64)),
                    Op::DivFI { a, b, c } => {
                        let d = i(reg!(c));
                        if d == 0 {
                            break raised(scalar::FLOAT_DIV_ZERO);
                        }
                        set!(a, fb(f(reg!(b)) / d as f64))
                    }
                    Op::DivIF { a, b, c } => {
                        let d = f(reg!(c));
                        if d == 0.0 {
                            break raised(scalar::FLOAT_DIV_ZERO);
                        }
                        set!(a, fb(i(reg!(b)) as f64 / d))
                    }
                    Op::NegF { a, b } => set!(a, fb(-f(reg!(b)))),
                    Op::AbsF { a, b } => set!(a, fb(f(reg!(b)).abs())),
                    Op::MinF { a, b, c } => {
                        let (x, y) = (f(reg!(b)), f(reg!(c)));
                        set!(a, fb(if y < x { y } else { x }))
                    }
                    Op::MaxF { a, b, c } => {
                        let (x, y) = (f(reg!(b)), f(reg!(c)));
                        set!(a, fb(if y > x { y } else { x }))
                    }

                    Op::EqI { a, b, c } => set!(a, (reg!(b) == reg!(c)) as u64),
                    Op::NeI { a, b, c } => set!(a, (reg!(b) != reg!(c)) as u64),
                    Op::LtI { a, b, c } => set!(a, (i(reg!(b)) < i(reg!(c))) as u64),
                    Op::LeI { a, b, c } => set!(a, (i(reg!(b)) <= i(reg!(c))) as u64),
                    Op::EqF { a, b, c } => set!(a, (f(reg!(b)) == f(reg!(c))) as u64),
                    Op::NeF { a, b, c } => set!(a, (f(reg!(b)) != f(reg!(c))) as u64),
                    Op::LtF { a, b, c } => set!(a, (f(reg!(b)) < f(reg!(c))) as u64),
                    Op::LeF { a, b, c } => set!(a, (f(reg!(b)) <= f(reg!(c))) as u64),

                    Op::IToF { a, b } => set!(a, fb(i(reg!(b)) as f64)),
                    Op::IToB { a, b } => set!(a, (reg!(b) != 0) as u64),
                    Op::FToB { a, b } => set!(a, (f(reg!(b)) != 0.0) as u64),
                    Op::NotB { a, b } => set!(a, reg!(b) ^ 1),
                    Op::Bound { a, s, k } => {
                        if reg!(a) == 0 {
                            break unbound(m, s, k);
                        }
                    }

                    Op::Jmp { t } => jump!(t),
                    Op::JmpT { a, t } => {
                        if reg!(a) != 0 {
                            jump!(t)
                        }
                    }
                    Op::JmpF { a, t } => {
                        if reg!(a) == 0 {
                            jump!(t)
                        }
                    }
                    Op::JLtI { a, b, t } => {
                        if i(reg!(a)) < i(reg!(b)) {
                            jump!(t)
                        }
                    }
                    Op::JLeI { a, b, t } => {
                        if i(reg!(a)) <= i(reg!(b)) {
                            jump!(t)
                        }
                    }
                    Op::JEqI { a, b, t } => {
                        if reg!(a) == reg!(b) {
                            jump!(t)
                        }
                    }
                    Op::JNeI { a, b, t } => {
                        if reg!(a) != reg!(b) {
                            jump!(t)
                        }
                    }
                    Op::JLtIK { a, v, t } => {
                        if i(reg!(a)) < v as i64 {
                            jump!(t)
                        }
                    }
                    Op::JLeIK { a, v, t } => {
                        if i(reg!(a)) <= v as i64 {
                            jump!(t)
                        }
                    }
                    Op::JGtIK { a, v, t } => {
                        if i(reg!(a)) > v as i64 {
                            jump!(t)
                        }
                    }
                    Op::JGeIK { a, v, t } => {
                        if i(reg!(a)) >= v as i64 {
                            jump!(t)
                        }
                    }
                    Op::JEqIK { a, v, t } => {
                        if i(reg!(a)) == v as i64 {
                            jump!(t)
                        }
                    }
                    Op::JNeIK { a, v, t } => {
                        if i(reg!(a)) != v as i64 {
                            jump!(t)
                        }
                    }
                    Op::ForPrep { a, v, t } => {
                        let (start, stop, step) =
                            (i(reg!(a)), i(reg!(a as usize + 1)), i(reg!(a as usize + 2)));
                        let Some(count) = range_len(start, stop, step) else {
                            break zero_step();
                        };
                        if count == 0 {
                            // SAFETY: verify() checked the target is inside the code.
                            ip = unsafe { code0.add(t as usize) };
                            continue;
                        } else {
                            set!(a as usize + 1, count);
                            set!(v, ib(start));
                        }
                    }
                    Op::ForLoop { a, v, t } => {
                        let left = reg!(a as usize + 1) - 1;
                        set!(a as usize + 1, left);
                        if left > 0 {
                            let end = tick!();
                            let x = i(reg!(a)).wrapping_add(i(reg!(a as usize + 2)));
                            set!(a, ib(x));
                            set!(v, ib(x));
                            // SAFETY: verify() checked the target is inside the code.
                            ip = unsafe { code0.add(t as usize) };
                            land!(end, t)
                        }
                    }

                    Op::ForPrep1 { a, v, t } => {
                        let start = reg!(a);
                        if i(start) >= i(reg!(a as usize + 1)) {
                            // SAFETY: verify() checked the target is inside the code.
                            ip = unsafe { code0.add(t as usize) };
                            continue;
                        } else {
                            set!(v, start);
                        }
                    }
                    Op::ForLoop1 { a, v, t } => {
                        // No overflow: R[a] < R[a+1] <= i64::MAX.
                        let x = i(reg!(a)) + 1;
                        if x < i(reg!(a as usize + 1)) {
                            let end = tick!();
                            set!(a, ib(x));
                            set!(v, ib(x));
                            // SAFETY: verify() checked the target is inside the code.
                            ip = unsafe { code0.add(t as usize) };
                            land!(end, t)
                        }
                    }
                    Op::Dup { a, b } => {
                        let x = reg!(b);
                        // SAFETY: array registers hold null or a live header.
                        unsafe { array::retain(x as *mut Array) };
                        set!(a, x)
                    }
                    Op::Store { a, b } => {
                        let old = reg!(a);
                        set!(a, reg!(b));
                        // SAFETY: the local held null or an owned reference.
                        unsafe { array::release(old as *mut Array) };
                    }
                    Op::Drop { a } => {
                        let old = reg!(a);
                        set!(a, 0);
                        // SAFETY: the temporary held an owned reference.
                        unsafe { array::release(old as *mut Array) };
                    }
                    Op::GetE { a, b, c } => {
                        let p = reg!(b) as *const Array;
                        let e = elem!(p, [i(reg!(c))]);
                        // SAFETY: elem! checked the index, so p is a live header
                        // and e points at an element of its dtype.
                        set!(a, unsafe { array::load((*p).dtype, e).to_bits((*p).dtype) })
                    }
                    Op::GetE2 { a, b, c } => {
                        let p = reg!(b) as *const Array;
                        let e = elem!(p, [i(reg!(c)), i(reg!(c as usize + 1))]);
                        // SAFETY: as for GetE.
                        set!(a, unsafe { array::load((*p).dtype, e).to_bits((*p).dtype) })
                    }
                    Op::GetEW { a, b, c } => {
                        let e = elem!(reg!(b) as *const Array, [i(reg!(c))]);
                        // SAFETY: elem! checked the index; the dtype is 64-bit.
                        set!(a, unsafe { (e as *const u64).read_unaligned() })
                    }
                    Op::GetE2W { a, b, c } => {
                        let e = elem!(
                            reg!(b) as *const Array,
                            [i(reg!(c)), i(reg!(c as usize + 1))]
                        );
                        // SAFETY: elem! checked the indices; the dtype is 64-bit.
                        set!(a, unsafe { (e as *const u64).read_unaligned() })
                    }
                    Op::GetEB { a, b, c } => {
                        let e = elem!(reg!(b) as *const Array, [i(reg!(c))]);
                        // SAFETY: elem! checked the index; the dtype is bool.
                        set!(a, (unsafe { e.read() } != 0) as u64)
                    }
                    Op::SetEB { a, b, c } => {
                        let v = (reg!(c) != 0) as u8;
                        let e = elem!(reg!(a) as *const Array, [i(reg!(b))]);
                        // SAFETY: elem! checked the index; the dtype is bool.
                        unsafe { e.write(v) }
                    }
                    Op::SetEW { a, b, c } => {
                        let v = reg!(c);
                        let e = elem!(reg!(a) as *const Array, [i(reg!(b))]);
                        // SAFETY: elem! checked the index; the dtype is 64-bit.
                        unsafe { (e as *mut u64).write_unaligned(v) }
                    }
                    Op::SetE2W { a, b, c } => {
                        let v = reg!(c);
                        let e = elem!(
                            reg!(a) as *const Array,
                            [i(reg!(b)), i(reg!(b as usize + 1))]
                        );
                        // SAFETY: elem! checked the indices; the dtype is 64-bit.
                        unsafe { (e as *mut u64).write_unaligned(v) }
                    }
                    Op::SetEI { a, b, c } | Op::SetEF { a, b, c } => {
                        let v = if matches!(*op, Op::SetEF { .. }) {
                            array::Val::F(f(reg!(c)))
                        } else {
                            array::Val::I(i(reg!(c)))
                        };
                        let p = reg!(a) as *const Array;
                        let e = elem!(p, [i(reg!(b))]);
                        // SAFETY: elem! checked the index, so p is a live header
                        // and e points at an element of its dtype.
                        unsafe { array::store((*p).dtype, e, v) }
                    }
                    Op::SetE2I { a, b, c } | Op::SetE2F { a, b, c } => {
                        let v = if matches!(*op, Op::SetE2F { .. }) {
                            array::Val::F(f(reg!(c)))
                        } else {
                            array::Val::I(i(reg!(c)))
                        };
                        let p = reg!(a) as *const Array;
                        let e = elem!(p, [i(reg!(b)), i(reg!(b as usize + 1))]);
                        // SAFETY: as for SetEI.
                        unsafe { array::store((*p).dtype, e, v) }
                    }

                    Op::Call { a, f: callee } => {
                        if NATIVE {
                            // SAFETY: verify() checked the callee exists.
                            self.warm(unsafe { &*protos.add(callee as usize) }, m);
                        }
                        let left = self.rt.fuel.left.get().wrapping_sub(1);
                        self.rt.fuel.left.set(left);
                        if st.fp == st.fend || left == 0 {
                            // SAFETY: st.fp lies in `frames` (or one past its end).
                            let depth = unsafe { st.fp.offset_from(frames.as_ptr()) } as usize;
                            // SAFETY: verify() checked the callee exists.
                            let p = unsafe { &*protos.add(callee as usize) };
                            let spent = left == 0 && (!NATIVE || self.refuel(Some(p), m).is_err());
                            if depth == max_frames || spent {
                                // SAFETY: verify() checked that the argument
                                // block lies inside this frame.
                                break unsafe {
                                    self.refuse_call(p, base.add(a as usize), depth, false)
                                };
                            }
                            if st.fp == st.fend
                                && !grow_frames(frames, &mut st, max_frames, frame_cap)
                            {
                                // SAFETY: as above.
                                break unsafe {
                                    self.refuse_call(p, base.add(a as usize), depth, true)
                                };
                            }
                        }
                        // The callee's registers, before anything changes, so
                        // that a stack that cannot grow refuses the call.
                        // SAFETY: verify() checked the callee exists.
                        let need = st.fbase
                            + a as usize
                            + unsafe { &*protos.add(callee as usize) }.nregs as usize;
                        if need > self.stack.len() && !self.grow(need) {
                            // SAFETY: st.fp lies in `frames` (or one past its end).
                            let depth = unsafe { st.fp.offset_from(frames.as_ptr()) } as usize;
                            // SAFETY: verify() checked the callee exists and that
                            // the argument block lies inside this frame.
                            break unsafe {
                                self.refuse_call(
                                    &*protos.add(callee as usize),
                                    base.add(a as usize),
                                    depth,
                                    true,
                                )
                            };
                        }
                        // SAFETY: st.fp < st.fend, so it points at a record of `frames`.
                        unsafe {
                            st.fp.write(Frame {
                                proto: st.cur,
                                // SAFETY: a `Call` is never the last instruction.
                                ip: ip.add(1),
                                base: st.fbase,
                            });
                            st.fp = st.fp.add(1);
                        }
                        st.fbase += a as usize;
                        // SAFETY: verify() checked the callee exists.
                        st.cur = unsafe { protos.add(callee as usize) };
                        // SAFETY: as above: a function of `m.protos`.
                        let p = unsafe { &*st.cur };
                        code0 = p.code.as_ptr();
                        ip = code0;
                        // SAFETY: st.fbase + p.nregs <= stack.len(), ensured
                        // before the call began.
                        base = unsafe { self.stack.as_mut_ptr().add(st.fbase) };
                        if !p.plain {
                            for &r in &p.zero_locals {
                                set!(r, 0);
                            }
                            // SAFETY: verify() checked kbase + kvals.len() <= nregs,
                            // and the stack holds nregs slots from base (just
                            // ensured). (A plain loop: these blocks are a few words.)
                            unsafe {
                                let (mut src, mut dst) =
                                    (p.kvals.as_ptr(), base.add(p.kbase as usize));
                                let end = src.add(p.kvals.len());
                                while src < end {
                                    *dst = *src;
                                    src = src.add(1);
                                    dst = dst.add(1);
                                }
                            }
                        }
                        if let Some(e) = native!(0) {
                            break e;
                        }
                        continue;
                    }
                    Op::Ret1 { a } => {
                        set!(0, reg!(a));
                        ret!()
                    }
                    Op::Ret { a, n } => {
                        // SAFETY: `st.cur` points into `m.protos`.
                        for &r in unsafe { &(*st.cur).ref_locals } {
                            let x = reg!(r);
                            set!(r, 0);
                            // SAFETY: array registers hold null or an owned reference.
                            unsafe { array::release(x as *mut Array) };
                        }
                        // Results move down to R[0..n]; a >= 0 so copying upward
                        // in order never overwrites a value not yet moved.
                        if n == 1 {
                            set!(0, reg!(a));
                        } else {
                            for k in 0..n {
                                set!(k, reg!(a as usize + k as usize));
                            }
                        }
                        ret!()
                    }

                    // Listed rather than `_`, so that the match is exhaustive and
                    // the jump table needs no bound check.
                    Op::PowI { .. }
                    | Op::ShlI { .. }
                    | Op::ShrI { .. }
                    | Op::FloorDivF { .. }
                    | Op::ModF { .. }
                    | Op::PowF { .. }
                    | Op::Math1 { .. }
                    | Op::Atan2 { .. }
                    | Op::RoundFI { .. }
                    | Op::RoundFN { .. }
                    | Op::FloorFI { .. }
                    | Op::CeilFI { .. }
                    | Op::FToI { .. }
                    | Op::ClassF { .. }
                    | Op::Norm { .. }
                    | Op::Rt { .. }
                    | Op::Print { .. }
                    | Op::PrintK { .. }
                    | Op::Raise { .. }
                    | Op::Fmt { .. }
                    | Op::RaiseT { .. } => {
                        // SAFETY: as for `reg!`: the operands are inside this frame.
                        if let Err(e) = unsafe { self.slow(m, *op, base) } {
                            break e;
                        }
                        // SAFETY: a slow op is never the last instruction.
                        ip = unsafe { ip.add(1) };
                        // SAFETY: `ip` and `code0` point into the same code.
                        if let Some(e) = native!(unsafe { ip.offset_from(code0) } as usize) {
                            break e;
                        }
                        continue;
                    }
                }
                // SAFETY: see "instruction fetch" above: the instruction was not
                // the last (that is a terminator), so the next one exists.
                ip = unsafe { ip.add(1) };
            }
        };

        // SAFETY: st.fp lies in `frames` (or one past its end).
        let depth = unsafe { st.fp.offset_from(frames.as_ptr()) } as usize;
        frames.truncate(depth);
        // Unwind: release what every frame owns (its array locals and the
        // temporaries live at its pc), innermost first, so nothing leaks.
        // SAFETY: `st.cur` and every frame's `proto` point into `m.protos`;
        // `ip` is at the faulting instruction and a frame's `ip` one past
        // its `Call`.
        let at = |proto: *const Proto, ip: *const Op, back: usize| unsafe {
            let p = &*proto;
            (p, ip.offset_from(p.code.as_ptr()) as usize - back)
        };
        let release_frame = |stack: &mut [u64], (p, pc): (&Proto, usize), fbase: usize| {
            for &r in p.ref_locals.iter().chain(p.live_at(pc)) {
                let slot = &mut stack[fbase + r as usize];
                let x = std::mem::replace(slot, 0);
                // SAFETY: per the stack map and the frame layout these slots
                // hold null or owned references.
                unsafe { array::release(x as *mut Array) };
            }
        };
        release_frame(&mut self.stack, at(st.cur, ip, 0), st.fbase);
        for fr in frames.iter().rev() {
            release_frame(&mut self.stack, at(fr.proto, fr.ip, 1), fr.base);
        }
        // Record every frame of this run, innermost last.
        let mut tb: Vec<TraceEntry> = frames
            .iter()
            .map(|fr| at(fr.proto, fr.ip, 1))
            .chain(std::iter::once(at(st.cur, ip, 0)))
            .map(|(p, pc)| TraceEntry {
                func: p.name.clone(),
                span: p.spans[pc],
            })
            .collect();
        tb.shrink_to_fit();
        Err(Exception {
            kind: err.0.to_string(),
            message: err.1,
            traceback: tb,
            source: Some(m.source.clone()),
        })
    }

    /// Runs native code `n` from instruction `pc` on the run's state;
    /// returns the instruction to execute next, in `st.cur` (the code may
    /// have called or returned). Out of line: the loop's registers stay its
    /// own.
    ///
    /// # Safety
    /// As for [`crate::tiering::Native::run`]: `st` is the run's state,
    /// `n` the code of `st.cur`, whose frame is in the stack; `m` is the
    /// running module.
    #[inline(never)]
    unsafe fn run_native(
        &mut self,
        n: &crate::tiering::Native,
        st: &mut Ctl,
        m: &Module,
        big: usize,
        pc: usize,
    ) -> Result<usize, (usize, Raised)> {
        let levels = self.levels(st, big);
        if levels < n.inlined {
            // No room for the frames its inlined calls may make: the
            // interpreter goes on.
            return Ok(pc);
        }
        self.native_entries += 1;
        let mut raised: crate::runtime::RaisedSlot = None;
        let mut cx = Cx {
            // SAFETY: the frame of `st.cur` is inside the stack.
            base: unsafe { self.stack.as_mut_ptr().add(st.fbase) },
            fuel: self.rt.fuel.left.as_ptr(),
            ctl: st,
            levels,
            sp: 0,
            floor: 0,
            protos: m.protos.as_ptr(),
            rt: &self.rt,
            rtops: m.rtops.as_ptr(),
            module: m,
            out: &mut self.out,
            raised: &mut raised,
            window: self.window,
            spills: [0; crate::tiering::SPILLS],
        };
        // SAFETY: the caller's contract: `cx` describes this run truthfully.
        let next = unsafe { n.run(&mut cx, pc) };
        if next & crate::tiering::RAISED != 0 {
            let e = raised.unwrap_or(("SystemError", "runtime operation failed".into()));
            return Err((next & !crate::tiering::RAISED, e));
        }
        Ok(next)
    }

    /// How many calls deep native code may go from `st` on its own (see
    /// [`Cx::levels`]): the free frame records, and the frames of the
    /// module's largest function the stack has room for after the current
    /// one (it grows for that when it can, as the interpreter's calls
    /// would grow it). `big` is the module's largest frame.
    fn levels(&mut self, st: &Ctl, big: usize) -> usize {
        // SAFETY: st.fp and st.fend lie in (or one past) one buffer.
        let free = unsafe { st.fend.offset_from(st.fp) }.max(0) as usize;
        let want = free.min(crate::tiering::MAX_LEVELS);
        // A call j levels deep has its frame at most j frames above this
        // one, and needs one more above that.
        // As much of that as the memory limit allows.
        let cap = stack_cap(self.rt.table.mem_limit, std::mem::size_of::<u64>());
        let need = (st.fbase + (want + 1) * big).min(cap);
        if need > self.stack.len() {
            let _ = self.grow(need);
        }
        ((self.stack.len() - st.fbase) / big)
            .saturating_sub(1)
            .min(want)
    }

    /// Grows the register stack to at least `need` slots; false when there
    /// is no memory for it (a recursion limit set very high) or the memory
    /// limit does not allow it (see [`stack_cap`]).
    #[cold]
    #[inline(never)]
    fn grow(&mut self, need: usize) -> bool {
        let cap = stack_cap(self.rt.table.mem_limit, std::mem::size_of::<u64>());
        if need > cap {
            return false;
        }
        let n = need.max(self.stack.len() * 2).min(cap);
        if self.stack.try_reserve_exact(n - self.stack.len()).is_err() {
            return false;
        }
        self.stack.resize(n, 0);
        true
    }

    /// The error for a call refused by the depth limit or fuel. The callee
    /// owns its arguments but never ran: the arrays among them are released
    /// here.
    ///
    /// # Safety
    /// `args` points at the callee's argument block, inside the stack.
    #[cold]
    #[inline(never)]
    unsafe fn refuse_call(
        &self,
        callee: &Proto,
        args: *mut u64,
        depth: usize,
        no_memory: bool,
    ) -> Raised {
        for &r in callee.ref_locals.iter().filter(|&&r| r < callee.nargs) {
            let x = std::mem::replace(&mut *args.add(r as usize), 0);
            // SAFETY: argument registers of array type hold owned references.
            array::release(x as *mut Array);
        }
        if no_memory {
            (
                "MemoryError",
                format!(
                    "no memory for a call stack {} calls deep; lower the recursion limit",
                    depth + 1
                ),
            )
        } else if depth + 1 >= self.limits.depth() {
            (
                "RecursionError",
                "maximum recursion depth exceeded".to_string(),
            )
        } else {
            fuel_out(&self.limits)
        }
    }

    /// The fuel counter ran down: takes the next window of ticks from the
    /// reserve (a fuel error when there is none left).
    #[cold]
    #[inline(never)]
    fn refuel(&mut self, _p: Option<&Proto>, _m: &Module) -> Result<(), Raised> {
        let fuel = &self.rt.fuel;
        let reserve = fuel.reserve.get();
        if reserve == 0 {
            return Err(fuel_out(&self.limits));
        }
        let take = reserve.min(self.window);
        fuel.left.set(take);
        fuel.reserve.set(reserve - take);
        Ok(())
    }

    /// Counts a call of `p`, or a backward jump the interpreter takes in
    /// it; with tiering on, compiles `p` at the first past the threshold
    /// (once: a function native code cannot take stays interpreted).
    #[inline(always)]
    fn warm(&mut self, p: &Proto, m: &Module) {
        if let Some(t) = &self.tiering {
            let heat = p.heat.get().saturating_add(1);
            p.heat.set(heat);
            if heat == t.threshold.saturating_add(1) {
                self.compile(p, m);
            }
        }
    }

    /// Compiles `p`, then the functions it calls and those they call
    /// (the call tree, as Numba compiles it), each function once: one
    /// after another, each compile finds the compiler's code and data in
    /// the caches the last one filled, where a compile at each function's
    /// first call would come after the caller had run, and found them
    /// cold. A function tried here counts as past the threshold, so that
    /// its own calls do not try it again.
    #[cold]
    #[inline(never)]
    fn compile(&mut self, p: &Proto, m: &Module) {
        let Some(t) = &self.tiering else {
            return;
        };
        let tried = t.threshold.saturating_add(1);
        let mut work = vec![p];
        let mut i = 0;
        while let Some(&q) = work.get(i) {
            i += 1;
            if q.native().is_none() {
                if let Some(code) = (t.compile)(q, m) {
                    q.set_native(code);
                }
            }
            // The callees its native code calls (an inlined one is not
            // called), or, interpreted, every one.
            let mut next = |f: u16| {
                if let Some(c) = m.protos.get(f as usize) {
                    if c.heat.get() < tried {
                        c.heat.set(tried);
                        work.push(c);
                    }
                }
            };
            match q.native() {
                Some(n) => n.calls.iter().for_each(|&f| next(f)),
                None => q.code.iter().for_each(|op| {
                    if let Op::Call { f, .. } = *op {
                        next(f)
                    }
                }),
            }
        }
    }

    /// The ops that are long, rare or call out: kept out of the loop so that
    /// they do not crowd its registers.
    ///
    /// # Safety
    /// `base` is the current frame and `op`'s register operands are inside
    /// it (what verify() checked).
    #[inline(never)]
    unsafe fn slow(&mut self, m: &Module, op: Op, base: *mut u64) -> Result<(), Raised> {
        macro_rules! reg {
            ($r:expr) => {
                rd(base, $r as usize)
            };
        }
        macro_rules! set {
            ($r:expr, $v:expr) => {{
                let v = $v;
                wr(base, $r as usize, v)
            }};
        }
        let e = |r: Result<u64, ScalarError>| r.map_err(raised);
        match op {
            Op::PowI { a, b, c } => set!(
                a,
                ib(e(scalar::pow_i64(i(reg!(b)), i(reg!(c))).map(ib))? as i64)
            ),
            Op::ShlI { a, b, c } => set!(a, e(scalar::shl_i64(i(reg!(b)), i(reg!(c))).map(ib))?),
            Op::ShrI { a, b, c } => set!(a, e(scalar::shr_i64(i(reg!(b)), i(reg!(c))).map(ib))?),
            Op::FloorDivF { a, b, c } => {
                let d = f(reg!(c));
                if d == 0.0 {
                    return Err(raised(scalar::FLOAT_FLOORDIV_ZERO));
                }
                set!(a, fb((RUNTIME.floordiv_f64)(f(reg!(b)), d)))
            }
            Op::ModF { a, b, c } => {
                let d = f(reg!(c));
                if d == 0.0 {
                    return Err(raised(scalar::FLOAT_MOD_ZERO));
                }
                set!(a, fb((RUNTIME.mod_f64)(f(reg!(b)), d)))
            }
            Op::PowF { a, b, c } => set!(a, e(scalar::pow_f64(f(reg!(b)), f(reg!(c))).map(fb))?),
            Op::Math1 { a, b, f: k } => {
                let x = f(reg!(b));
                let y = (RUNTIME.math1[k as usize])(x);
                if let Some(err) = (crate::runtime::kernels().math1_error)(x, y) {
                    return Err(raised(err));
                }
                set!(a, fb(y))
            }
            Op::Atan2 { a, b, c } => set!(a, fb((RUNTIME.atan2)(f(reg!(b)), f(reg!(c))))),
            Op::RoundFI { a, b } => set!(a, e(scalar::round_i64(f(reg!(b))).map(ib))?),
            Op::RoundFN { a, b, c } => set!(a, fb(scalar::round_f64(f(reg!(b)), i(reg!(c))))),
            Op::FloorFI { a, b } => set!(a, e(scalar::f64_to_i64(f(reg!(b)).floor()).map(ib))?),
            Op::CeilFI { a, b } => set!(a, e(scalar::f64_to_i64(f(reg!(b)).ceil()).map(ib))?),
            Op::FToI { a, b } => set!(a, e(scalar::f64_to_i64(f(reg!(b))).map(ib))?),
            Op::ClassF { a, b, k } => {
                let x = f(reg!(b));
                let v = match k {
                    0 => x.is_nan(),
                    1 => x.is_infinite(),
                    _ => x.is_finite(),
                };
                set!(a, v as u64)
            }
            Op::Norm { a, b, k } => {
                let d = DTYPES[k as usize];
                let x = reg!(b);
                set!(
                    a,
                    if d.is_float() {
                        fb(f(x) as f32 as f64)
                    } else {
                        ib(array::wrap(i(x), d))
                    }
                )
            }
            Op::Rt { a, d } => {
                let desc = &m.rtops[d as usize];
                let mut raised = None;
                // Through the runtime table, as native code calls it.
                // verify() checked a + window <= nregs, and the stack holds
                // nregs slots from base; nothing else refers into the stack
                // during the operation.
                let status = (RUNTIME.rt_exec)(
                    &self.rt,
                    desc,
                    base.add(a as usize),
                    desc.window(),
                    &mut raised,
                );
                if status != 0 {
                    return Err(
                        raised.unwrap_or(("SystemError", "runtime operation failed".into()))
                    );
                }
            }
            // The array and string kinds print a register of their type.
            Op::Print { a, f: kind } => self.out.print(m, &self.rt.fuel, reg!(a), kind)?,
            Op::PrintK { s } => self.out.print_k(m, s),
            Op::Raise { e, s } => {
                return Err((EXCEPTIONS[e as usize], m.strings[s as usize].clone()))
            }
            Op::Fmt { a, n, d } => {
                // verify() checked that the window is the format's and
                // inside the frame.
                let window = std::slice::from_raw_parts_mut(base.add(a as usize), n as usize);
                crate::out::fmt(m, &self.rt, d, window)?
            }
            Op::RaiseT { e, a } => {
                let t = crate::format::text(reg!(a) as *const Array)?;
                // KeyError shows its argument's repr, as Python does.
                let msg = if EXCEPTIONS[e as usize] == "KeyError" {
                    (crate::runtime::kernels().str_repr)(t)
                } else {
                    t.to_string()
                };
                return Err((EXCEPTIONS[e as usize], msg));
            }
            _ => unreachable!("{} is handled in the interpreter loop", op.name()),
        }
        Ok(())
    }
}

/// How many items of `size` bytes the call stack may hold under the memory
/// limit: its registers and its frame records each stay within the limit.
/// They are bounded on their own, not with arrays: native code grows the
/// register stack ahead of its calls, and counted with arrays that would
/// make an allocation fail in one tier and not in another. Growth is
/// refused exactly when a call needs more than this, at the same call in
/// every tier.
fn stack_cap(limit: Option<u64>, size: usize) -> usize {
    limit.map_or(usize::MAX, |b| {
        usize::try_from(b / size as u64).unwrap_or(usize::MAX)
    })
}

/// Grows the frame-record buffer, at most to `max` records (and `cap`, see
/// [`stack_cap`]), and moves `st`'s pointers to the new buffer; false when
/// it cannot.
#[cold]
#[inline(never)]
fn grow_frames(frames: &mut Vec<Frame>, st: &mut Ctl, max: usize, cap: usize) -> bool {
    // SAFETY: st.fp lies in `frames` (or one past its end).
    let depth = unsafe { st.fp.offset_from(frames.as_ptr()) } as usize;
    if frames.len() >= cap {
        return false;
    }
    let n = (frames.len() * 2).clamp(frames.len() + 1, max.min(cap));
    // Nothing moves when there is no memory: `st` stays valid.
    if frames.try_reserve_exact(n - frames.len()).is_err() {
        return false;
    }
    frames.resize(n, Frame::NONE);
    // SAFETY: depth < frames.len() after growing.
    unsafe {
        st.fp = frames.as_mut_ptr().add(depth);
        st.fend = frames.as_mut_ptr().add(frames.len());
    }
    true
}

/// Reads register `r` of the frame at `base`.
///
/// # Safety
/// `base.add(r)` is inside the register stack (see `Machine::exec`).
#[inline(always)]
unsafe fn rd(base: *mut u64, r: usize) -> u64 {
    *base.add(r)
}

/// Writes register `r` of the frame at `base`.
///
/// # Safety
/// As for [`rd`].
#[inline(always)]
unsafe fn wr(base: *mut u64, r: usize, v: u64) {
    *base.add(r) = v
}

#[cold]
#[inline(never)]
fn fuel_out(limits: &Limits) -> Raised {
    crate::rt::fuel_error(limits.fuel)
}

/// The exception of a `Bound` that found its local unassigned.
#[cold]
#[inline(never)]
fn unbound(m: &Module, s: u16, k: u16) -> Raised {
    let kind = if k == crate::bytecode::unbound::MODULE {
        "NameError"
    } else {
        "UnboundLocalError"
    };
    (kind, m.strings[s as usize].clone())
}

#[cold]
#[inline(never)]
fn zero_step() -> Raised {
    ("ValueError", "range() arg 3 must not be zero".into())
}

impl Drop for Machine {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Trip count of `range(start, stop, step)`; `None` when step is 0.
fn range_len(start: i64, stop: i64, step: i64) -> Option<u64> {
    if step == 0 {
        return None;
    }
    let (lo, hi, s) = if step > 0 {
        (start as i128, stop as i128, step as i128)
    } else {
        (stop as i128, start as i128, -(step as i128))
    };
    Some(if lo < hi {
        ((hi - lo - 1) / s + 1) as u64
    } else {
        0
    })
}

#[cfg(test)]
mod tests {
    use super::{range_len, Limits, Machine};
    use crate::bytecode::Op;

    /// `f` of a program whose `f(0)` reads `a` unassigned.
    fn maybe_unassigned_array() -> (crate::Module, u32) {
        let src = "import numpy as np\n\
            def f(n):\n    if n > 0:\n        a = np.zeros(3)\n    return a\n\
            f(1)\n";
        let source = std::rc::Rc::new(typer::Source::new("t.py", src));
        let (_, m) = crate::load(source, typer::classes::Classes::shared()).unwrap();
        let f = m.protos.iter().position(|p| p.name == "f").unwrap() as u32;
        (m, f)
    }

    fn machine() -> Machine {
        crate::runtime::install_without_kernels();
        Machine::new(
            Box::new(std::io::sink()),
            Limits::default(),
            typer::classes::Classes::shared(),
        )
    }

    /// A recursion limit of billions acts as MAX_DEPTH: the recursion stops
    /// with RecursionError there, not when the host's memory runs out.
    #[test]
    fn the_recursion_limit_is_capped() {
        let src =
            "def down(n):\n    if n > 0:\n        return down(n - 1)\n    return n\ndown(1)\n";
        let source = std::rc::Rc::new(typer::Source::new("t.py", src));
        let (_, m) = crate::load(source, typer::classes::Classes::shared()).unwrap();
        let f = m.protos.iter().position(|p| p.name == "down").unwrap() as u32;
        let mut vm = Machine::new(
            Box::new(std::io::sink()),
            Limits {
                max_depth: usize::MAX,
                fuel: None,
            },
            typer::classes::Classes::shared(),
        );
        assert_eq!(vm.call(&m, f, &[1000]).unwrap()[0], 0);
        let e = vm.call(&m, f, &[i64::MAX as u64]).unwrap_err();
        assert_eq!(e.kind, "RecursionError");
        assert_eq!(e.traceback.len(), super::MAX_DEPTH);
    }

    /// One buffer of frame records serves every call; a recursion that
    /// grew it, or ended in an error, leaves it as the next call needs it.
    #[test]
    fn frame_records_are_kept_between_calls() {
        let src =
            "def down(n):\n    if n > 0:\n        return down(n - 1)\n    return n\ndown(1)\n";
        let source = std::rc::Rc::new(typer::Source::new("t.py", src));
        let (_, m) = crate::load(source, typer::classes::Classes::shared()).unwrap();
        let f = m.protos.iter().position(|p| p.name == "down").unwrap() as u32;
        let mut vm = machine();
        assert_eq!(vm.call(&m, f, &[3]).unwrap(), &[0]);
        assert_eq!(vm.frames.capacity(), super::FIRST_FRAMES);
        assert_eq!(vm.call(&m, f, &[999]).unwrap(), &[0]);
        assert_eq!(
            vm.frames.capacity(),
            super::FIRST_FRAMES,
            "deep records given back"
        );
        let e = vm.call(&m, f, &[5000]).unwrap_err();
        assert_eq!(
            (e.kind.as_str(), e.traceback.len()),
            ("RecursionError", 1000)
        );
        assert_eq!(vm.frames.capacity(), super::FIRST_FRAMES);
        assert_eq!(vm.call(&m, f, &[999]).unwrap(), &[0]);
        let e = vm.call(&m, f, &[1000]).unwrap_err();
        assert_eq!(e.kind, "RecursionError");
        assert_eq!(vm.call(&m, f, &[70]).unwrap(), &[0]);
    }

    #[test]
    fn an_unassigned_read_raises_unbound_local_error() {
        let (m, f) = maybe_unassigned_array();
        let e = machine().call(&m, f, &[0]).unwrap_err();
        assert_eq!(e.kind, "UnboundLocalError");
        let r = machine().call(&m, f, &[1]).unwrap()[0];
        assert_ne!(r, 0);
        // SAFETY: the result is an owned array reference.
        unsafe { crate::array::release(r as *mut crate::array::Array) };
    }

    #[test]
    fn a_null_array_result_never_reaches_the_host() {
        // Without its check (as if the analysis had missed the read), the
        // function would hand back a null array: the call refuses it.
        let (mut m, f) = maybe_unassigned_array();
        let code = &mut m.protos[f as usize].code;
        let pc = code
            .iter()
            .position(|o| matches!(o, Op::Bound { .. }))
            .expect("a check before `return a`");
        code[pc] = Op::Mov { a: 0, b: 0 };
        let e = machine().call(&m, f, &[0]).unwrap_err();
        assert_eq!(e.kind, "SystemError");
        assert!(e.message.contains("unassigned array"), "{}", e.message);
    }

    #[test]
    fn range_lengths() {
        assert_eq!(range_len(0, 10, 1), Some(10));
        assert_eq!(range_len(10, 0, -3), Some(4));
        assert_eq!(range_len(5, 5, 1), Some(0));
        assert_eq!(range_len(0, 10, 20), Some(1));
        assert_eq!(range_len(i64::MIN, i64::MAX, 1), Some(u64::MAX));
        assert_eq!(range_len(0, 1, 0), None);
    }
}
