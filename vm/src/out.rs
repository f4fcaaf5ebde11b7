//! What a run prints: the output buffer, handed to the sink in chunks, and
//! the instructions that write it or make strings (`Print`, `PrintK`,
//! `Fmt`). Each has one routine here, which the interpreter runs and
//! native code calls through the runtime table (`Runtime::print`,
//! `print_k`, `fmt`), so both tiers write the same bytes, flush at the
//! same points, spend the same fuel and raise the same errors.

use std::io::Write;

use crate::array::{Array, Raised};
use crate::bytecode::pfmt;
use crate::module::Module;
use crate::rt::{Fuel, RtCtx};
use crate::runtime::{kernels, Elem};
use crate::tiering::Cx;

/// Output is buffered and handed to the sink in chunks of about this size.
pub const CHUNK: usize = 1 << 14;

/// The output buffer and where it goes.
pub struct Out {
    buf: String,
    sink: Box<dyn Write>,
}

impl Out {
    pub fn new(sink: Box<dyn Write>) -> Out {
        Out {
            buf: String::new(),
            sink,
        }
    }

    /// Hands buffered output to the sink.
    pub fn flush(&mut self) {
        if !self.buf.is_empty() {
            // Output errors (a closed pipe) cannot be reported to the script;
            // dropping the text is what Python does after EPIPE too.
            let _ = self.sink.write_all(self.buf.as_bytes());
            let _ = self.sink.flush();
            self.buf.clear();
        }
    }

    /// Hands the buffer on once a chunk has gathered.
    #[inline]
    pub fn flush_full(&mut self) {
        if self.buf.len() >= CHUNK {
            self.flush();
        }
    }

    /// `Print`: `x`, a register of the type `kind` says (see `pfmt`).
    /// The common kinds inline, the others out of line.
    ///
    /// # Safety
    /// An array or string register (`ARRAY`, `ARRAY_REPR`, `TEXT`,
    /// `TEXT_REPR`) holds null or a live header of its kind.
    #[inline(always)]
    pub unsafe fn print(
        &mut self,
        m: &Module,
        fuel: &Fuel,
        x: u64,
        kind: u16,
    ) -> Result<(), Raised> {
        match kind {
            pfmt::INT => push_int(&mut self.buf, x as i64),
            pfmt::BOOL => self.buf.push_str(if x != 0 { "True" } else { "False" }),
            // SAFETY: the caller's contract.
            _ => return unsafe { self.print_other(m, fuel, x, kind) },
        }
        Ok(())
    }

    /// [`Out::print`] of the other kinds.
    ///
    /// # Safety
    /// As for [`Out::print`].
    #[inline(never)]
    unsafe fn print_other(
        &mut self,
        m: &Module,
        fuel: &Fuel,
        x: u64,
        kind: u16,
    ) -> Result<(), Raised> {
        let out = &mut self.buf;
        let string = |x: u64| m.strings.get(x as usize).map_or("", |s| s.as_str());
        match kind {
            pfmt::FLOAT => (kernels().write_float)(out, f64::from_bits(x)),
            pfmt::NPBOOL_REPR => out.push_str(if x != 0 { "np.True_" } else { "np.False_" }),
            pfmt::FLOAT32 => {
                out.push_str(&(kernels().scalar_str)(Elem::F32(f64::from_bits(x) as f32)))
            }
            pfmt::ARRAY | pfmt::ARRAY_REPR => {
                let p = x as *const Array;
                if p.is_null() {
                    return Err((
                        "UnboundLocalError",
                        "an array variable was used before it was assigned".into(),
                    ));
                }
                // SAFETY: non-null, so a live header (the contract).
                let a = unsafe { &*p };
                fuel.spend(crate::rt::print_cost(a))?;
                let text = if kind == pfmt::ARRAY {
                    crate::rt::array_str(a)
                } else {
                    crate::rt::array_repr(a)
                };
                out.push_str(&text);
            }
            pfmt::STR_REPR => out.push_str(&(kernels().str_repr)(string(x))),
            // SAFETY: a string register holds null or a live string value.
            pfmt::TEXT | pfmt::TEXT_REPR => {
                // SAFETY: a string register holds null or a live string value.
                let t = unsafe { crate::format::text(x as *const Array) }?;
                fuel.spend(crate::format::text_cost(t.len()))?;
                if kind == pfmt::TEXT {
                    out.push_str(t)
                } else {
                    out.push_str(&(kernels().str_repr)(t))
                }
            }
            pfmt::INT | pfmt::BOOL => unreachable!("printed inline"),
            _ => out.push_str(string(x)),
        }
        Ok(())
    }

    /// `PrintK`: string constant `s` of the module (verified to exist).
    #[inline]
    pub fn print_k(&mut self, m: &Module, s: u16) {
        self.buf.push_str(&m.strings[s as usize]);
        self.flush_full();
    }
}

/// Appends `x` in decimal, as Python's `str` of an int shows it (what
/// `format!("{x}")` writes, without the formatting machinery: printing
/// ints is what loops print most).
fn push_int(out: &mut String, x: i64) {
    let mut digits = [0u8; 20];
    let mut n = x.unsigned_abs();
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if x < 0 {
        // (19 digits at most: room for the sign.)
        at -= 1;
        digits[at] = b'-';
    }
    // SAFETY: ASCII keeps the string UTF-8.
    unsafe { out.as_mut_vec() }.extend_from_slice(&digits[at..]);
}

/// `Fmt`: format `d` of the module on its operand registers, `window`
/// (verified to be the format's); the new string, an owned reference,
/// goes to the window's first register.
pub fn fmt(m: &Module, rt: &RtCtx, d: u16, window: &mut [u64]) -> Result<(), Raised> {
    let desc = &m.formats[d as usize];
    let s = crate::format::run(desc, window, &m.strings, &rt.fuel)?;
    // A string counts against the memory limit with the arrays.
    rt.table.within_limit(s.len() as u64)?;
    window[0] = crate::format::new_text(s, &rt.table.texts) as u64;
    Ok(())
}

/// What native code calls for `Print`, `PrintK` and `Fmt` (the runtime
/// table's `print`, `print_k` and `fmt`): the run's `Cx`, the
/// instruction's constant operand and one word (see each). Returns 0, or 1
/// with the exception in `*cx.raised`. The fuel they spend is in
/// `*cx.fuel` (native code writes its count there before the call).
pub type IoFn = unsafe extern "C" fn(cx: *mut Cx, k: u64, x: u64) -> u64;

/// Runs `f` on the output buffer and module of `cx`, catching a panic (it
/// must not unwind into native code) as an exception.
///
/// # Safety
/// `cx` is the `Cx` of a run in native code: its `out`, `module`, `rt`
/// and `raised` are live, and nothing else refers to its output buffer
/// while native code runs.
unsafe fn io(cx: *mut Cx, f: impl FnOnce(&mut Out, &Module, &RtCtx) -> Result<(), Raised>) -> u64 {
    // SAFETY: live, per the contract; the buffer is this call's alone.
    let (out, m, rt, raised) = unsafe {
        let cx = &*cx;
        (&mut *cx.out, &*cx.module, &*cx.rt, cx.raised)
    };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(out, m, rt)))
        .unwrap_or_else(|_| Err(("SystemError", "printing failed unexpectedly".into())));
    match r {
        Ok(()) => 0,
        Err(e) => {
            // SAFETY: writable, per the contract, and holding a valid value.
            unsafe { *raised = Some(e) };
            1
        }
    }
}

/// `Print` of register value `x` as kind `kind`.
///
/// # Safety
/// As for [`io`], and `x` is as [`Out::print`] requires.
pub(crate) unsafe extern "C" fn native_print(cx: *mut Cx, kind: u64, x: u64) -> u64 {
    let print = |out: &mut Out, m: &Module, rt: &RtCtx| {
        // SAFETY: `x` is as `print` requires (the caller's contract).
        unsafe { out.print(m, &rt.fuel, x, kind as u16) }
    };
    // SAFETY: the caller's contract.
    unsafe { io(cx, print) }
}

/// `PrintK` of string `s`.
///
/// # Safety
/// As for [`io`].
pub(crate) unsafe extern "C" fn native_print_k(cx: *mut Cx, s: u64, _: u64) -> u64 {
    let print = |out: &mut Out, m: &Module, _: &RtCtx| {
        out.print_k(m, s as u16);
        Ok(())
    };
    // SAFETY: the caller's contract.
    unsafe { io(cx, print) }
}

/// `Fmt` of format `d` on the frame's registers from address `regs`.
///
/// # Safety
/// As for [`io`], and `regs` is the address of the instruction's first
/// register in the running frame (the format's window is inside it).
pub(crate) unsafe extern "C" fn native_fmt(cx: *mut Cx, d: u64, regs: u64) -> u64 {
    let format = |_: &mut Out, m: &Module, rt: &RtCtx| {
        let n = m.formats[d as usize].window();
        // SAFETY: the window is in the frame (verified), which nothing
        // else refers to during the call.
        let window = unsafe { std::slice::from_raw_parts_mut(regs as *mut u64, n) };
        fmt(m, rt, d as u16, window)
    };
    // SAFETY: the caller's contract.
    unsafe { io(cx, format) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ints_print_as_rust_formats_them() {
        let mut xs = vec![
            0,
            1,
            -1,
            9,
            10,
            -10,
            99,
            100,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ];
        let near = |p: i64| [p, p.wrapping_sub(1), p.wrapping_neg(), 1i64.wrapping_sub(p)];
        xs.extend((0..64).map(|k| 1i64 << k).flat_map(near));
        xs.extend((1..19).map(|k| 10i64.pow(k)).flat_map(near));
        for x in xs {
            let mut s = String::from("> ");
            super::push_int(&mut s, x);
            assert_eq!(s, format!("> {x}"));
        }
    }
}
