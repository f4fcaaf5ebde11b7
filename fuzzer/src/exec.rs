//! Running one input in-process: `check` parses and type-checks it, `run`
//! runs it in every tier and compares what the tiers did. A panic, a
//! malformed diagnostic, a difference between tiers or an array still
//! allocated after everything was dropped is a [`Failure`].

use std::cell::RefCell;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use kiln::{AllocStats, Config, Error, Hot, Tier, Vm};

use crate::rng::{fnv, fnv_extend};

/// The file name inputs are loaded under (it appears in diagnostics).
pub const NAME: &str = "fuzz.py";

/// A failed input: `key` groups failures with the same cause, `detail`
/// says what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub key: String,
    pub detail: String,
}

impl Failure {
    fn new(key: impl Into<String>, detail: impl Into<String>) -> Failure {
        Failure {
            key: key.into(),
            detail: detail.into(),
        }
    }
}

/// How far an input got, for the campaign's coverage counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reached {
    /// Not UTF-8: refused before the front end, as `vm` refuses it.
    NotUtf8,
    /// A compile diagnostic.
    CompileError,
    /// Loaded (and, when run, ended with an exception).
    Loaded,
    RuntimeError,
    /// Ran out of fuel in every tier.
    OutOfFuel,
    /// Ran to the end in every tier.
    Finished,
}

/// How a child's standard error announces a panic under `guarded`.
pub const PANIC_LINE: &str = "kiln-fuzz: panic at ";

thread_local! {
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Records panics under `guarded` instead of printing them: a campaign
/// reports each one with its input. Other panics go to the previous hook.
/// Call once per process before running inputs.
pub fn quiet_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !GUARDED.with(|g| g.get()) {
            return previous(info);
        }
        let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "non-string panic payload".to_string()
        };
        let at = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        // Also said on stderr: a panic that cannot unwind (out of an
        // `extern "C"` function) aborts, and the parent keys the crash on it.
        eprintln!("{PANIC_LINE}{at}: {}", msg.lines().next().unwrap_or(""));
        PANIC.with(|p| *p.borrow_mut() = Some(format!("{at}\t{msg}")));
    }));
}

/// `f`, with a panic turned into a failure keyed by where it happened.
pub(crate) fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, Failure> {
    PANIC.with(|p| p.borrow_mut().take());
    GUARDED.with(|g| g.set(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(false));
    let panicked = PANIC.with(|p| p.borrow_mut().take());
    let failure = |text: String, how: &str| {
        let (at, msg) = text.split_once('\t').unwrap_or(("", &text));
        Failure::new(format!("{how} in {what} at {at}"), msg.to_string())
    };
    match r {
        Err(_) => Err(failure(
            panicked.unwrap_or_else(|| "\tpanic".into()),
            "panic",
        )),
        // Kiln turns some panics into errors (a SystemError in the
        // script, KILN_E_INTERNAL from the C API) so that the host lives
        // on; each is still a bug.
        Ok(_) if panicked.is_some() => Err(failure(panicked.unwrap(), "caught panic")),
        Ok(v) => Ok(v),
    }
}

/// A diagnostic must point into the file: `fuzz.py:LINE:COL: ...` with a
/// line of the input (or one past its end) and a column of that line.
fn check_diagnostic(text: &str, rendered: &str) -> Result<(), Failure> {
    let bad = |why: &str| {
        Err(Failure::new(
            format!("bad diagnostic: {why}"),
            rendered.chars().take(2000).collect::<String>(),
        ))
    };
    let Some(rest) = rendered
        .strip_prefix(NAME)
        .and_then(|r| r.strip_prefix(':'))
    else {
        return bad("no file name");
    };
    let mut parts = rest.splitn(3, ':');
    let (Some(Ok(line)), Some(Ok(col))) = (
        parts.next().map(str::parse::<usize>),
        parts.next().map(str::parse::<usize>),
    ) else {
        return bad("no line:col");
    };
    let lines: Vec<&str> = text.split('\n').collect();
    if line == 0 || line > lines.len() + 1 {
        return bad("line out of range");
    }
    let width = lines.get(line - 1).map_or(0, |l| l.chars().count());
    if col == 0 || col > width + 2 {
        return bad("column out of range");
    }
    Ok(())
}

/// Parses and type-checks `src`; runs nothing.
pub fn check(src: &[u8]) -> Result<Reached, Failure> {
    let Ok(text) = std::str::from_utf8(src) else {
        return Ok(Reached::NotUtf8);
    };
    let loaded = guarded("check", || {
        let cfg = Config {
            tier: Tier::Interp,
            ..Config::default()
        };
        let mut vm = Vm::with_output(cfg, Box::new(std::io::sink()));
        vm.load(NAME, text).map(|_| ())
    })?;
    match loaded {
        Ok(()) => Ok(Reached::Loaded),
        Err(Error::Compile { rendered, .. }) => {
            check_diagnostic(text, &rendered)?;
            Ok(Reached::CompileError)
        }
        Err(e) => Err(Failure::new("load gave a non-compile error", e.to_string())),
    }
}

/// The stack a Linux main thread gets by default (`ulimit -s`).
const MAIN_STACK: usize = 8 << 20;

/// Limits for `run`.
#[derive(Clone, Copy, Debug)]
pub struct RunOpts {
    /// Fuel for most inputs; a quarter get a small amount derived from
    /// their text, so that runs also stop in the middle of things.
    pub fuel: u64,
    pub max_memory: u64,
    /// Also run the `auto` tier (interpreting, compiling hot code).
    pub auto: bool,
    /// Fuel and profile window for every input instead of ones derived from
    /// its text (to replay or minimise a failure seen with them).
    pub fixed_fuel: Option<u64>,
    pub fixed_window: Option<u64>,
}

impl Default for RunOpts {
    fn default() -> RunOpts {
        RunOpts {
            fuel: 200_000,
            max_memory: 64 << 20,
            auto: true,
            fixed_fuel: None,
            fixed_window: None,
        }
    }
}

/// Program output: the first bytes, and the length and hash of all of it.
#[derive(Default, PartialEq, Eq, Debug)]
struct Captured {
    head: Vec<u8>,
    len: u64,
    hash: u64,
}

const HEAD: usize = 1 << 16;

struct Sink(Rc<RefCell<Captured>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut c = self.0.borrow_mut();
        let room = HEAD.saturating_sub(c.head.len()).min(buf.len());
        c.head.extend_from_slice(&buf[..room]);
        c.len += buf.len() as u64;
        c.hash = fnv_extend(c.hash, buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What one tier did with a program.
#[derive(Debug, PartialEq, Eq)]
struct TierRun {
    /// The compile error, if any.
    load: Result<(), String>,
    /// The uncaught exception's traceback, if any (`None`: not run).
    run: Option<Result<(), String>>,
    out: Captured,
    /// Allocator statistics after the run.
    stats: Vec<(String, AllocStats)>,
    /// Arrays still allocated once the module is dropped.
    live_after: u64,
}

fn run_tier(text: &str, tier: Tier, fuel: u64, hot: Hot, max_memory: u64) -> TierRun {
    let cap = Rc::new(RefCell::new(Captured::default()));
    let mut cfg = Config {
        tier,
        hot,
        max_memory: Some(max_memory),
        ..Config::default()
    };
    cfg.limits.fuel = Some(fuel);
    let mut vm = Vm::with_output(cfg, Box::new(Sink(cap.clone())));
    let (load, run) = match vm.load(NAME, text) {
        Ok(m) => {
            let r = vm.run_main(&m).map_err(|e| e.to_string());
            vm.flush();
            drop(m);
            (Ok(()), Some(r))
        }
        Err(e) => (Err(e.to_string()), None),
    };
    let stats = vm.alloc_stats();
    let live_after = stats.iter().map(|(_, s)| s.live()).sum();
    drop(vm);
    let out = std::mem::take(&mut *cap.borrow_mut());
    TierRun {
        load,
        run,
        out,
        stats,
        live_after,
    }
}

fn show_out(c: &Captured) -> String {
    let s = String::from_utf8_lossy(&c.head);
    let tail: String = s
        .chars()
        .rev()
        .take(600)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{} bytes, ...{tail:?}", c.len)
}

/// The exception type at the end of a traceback, for grouping.
fn exc_kind(r: &Option<Result<(), String>>) -> String {
    match r {
        None => "not run".into(),
        Some(Ok(())) => "ok".into(),
        Some(Err(e)) => {
            let last = e.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
            last.split(':').next().unwrap_or("").trim().to_string()
        }
    }
}

/// Runs `src` in the interpreter and the native tiers with the same fuel
/// and memory cap and compares output, errors and allocator statistics.
pub fn run(src: &[u8], o: &RunOpts) -> Result<Reached, Failure> {
    let Ok(text) = std::str::from_utf8(src) else {
        return Ok(Reached::NotUtf8);
    };
    let h = fnv(src);
    let fuel = o.fixed_fuel.unwrap_or(if h & 3 == 0 {
        1 + (h >> 8) % 3000
    } else {
        o.fuel
    });
    // Short profile windows make the native tiers hand over to the
    // interpreter and back (and `auto` compile) even in short runs.
    let hot = Hot {
        window: o.fixed_window.unwrap_or(2 + (h >> 32) % 200),
        threshold: 1,
    };
    let mut tiers = vec![("interp", Tier::Interp), ("jit", Tier::Jit)];
    if o.auto {
        tiers.push(("auto", Tier::Auto));
    }
    let mut runs = Vec::new();
    for (name, tier) in tiers {
        let r = guarded(&format!("run --tier {name}"), || {
            run_tier(text, tier, fuel, hot, o.max_memory)
        })?;
        runs.push((name, r));
    }
    // The interpreter once more, on another thread (so in another malloc
    // arena, with the heap laid out differently): a read of uninitialised
    // memory, a stale pointer say, shows as output that changes between
    // two runs of the same program. The thread gets the main thread's
    // usual stack size, which the `vm` binary runs on.
    let owned = text.to_string();
    let mo = o.max_memory;
    let again = std::thread::Builder::new()
        .stack_size(MAIN_STACK)
        .spawn(move || {
            let pad: Vec<Vec<u8>> = (0..16u64)
                .map(|k| vec![0x5a; 8 + (crate::rng::splitmix(h ^ k) % 4096) as usize])
                .collect();
            let r = guarded("run --tier interp (again, on another thread)", || {
                run_tier(&owned, Tier::Interp, fuel, hot, mo)
            });
            drop(pad);
            r
        })
        .expect("start a thread")
        .join()
        .expect("the second run's thread")?;
    let (_, base) = &runs[0];
    let ctx = format!("fuel {fuel}, profile window {}", hot.window);
    if again.out != base.out || again.run != base.run {
        return Err(Failure::new(
            format!(
                "interp differs from itself: a read of uninitialised memory? ({})",
                exc_kind(&base.run)
            ),
            format!(
                "{ctx}\n--- first run:\n{} {:?}\n--- second run:\n{} {:?}",
                show_out(&base.out),
                base.run,
                show_out(&again.out),
                again.run
            ),
        ));
    }
    for (name, r) in &runs {
        if r.live_after != 0 {
            return Err(Failure::new(
                format!("leak in --tier {name}"),
                format!(
                    "{} arrays still allocated after the module was dropped ({ctx}); stats {:?}",
                    r.live_after, r.stats
                ),
            ));
        }
    }
    for (name, r) in &runs[1..] {
        let differ = |what: &str, a: String, b: String| {
            Err(Failure::new(
                format!(
                    "tiers differ: {what} (interp {}, {name} {})",
                    exc_kind(&base.run),
                    exc_kind(&r.run)
                ),
                format!("{ctx}\n--- interp:\n{a}\n--- {name}:\n{b}"),
            ))
        };
        if r.load != base.load {
            return differ(
                "compile",
                format!("{:?}", base.load),
                format!("{:?}", r.load),
            );
        }
        if r.run != base.run {
            return differ("error", format!("{:?}", base.run), format!("{:?}", r.run));
        }
        if r.out != base.out {
            return differ("output", show_out(&base.out), show_out(&r.out));
        }
        if r.stats != base.stats {
            return differ(
                "allocations",
                format!("{:?}", base.stats),
                format!("{:?}", r.stats),
            );
        }
    }
    Ok(match &base.run {
        None => Reached::CompileError,
        Some(Ok(())) => Reached::Finished,
        Some(Err(e)) if e.contains("fuel exhausted") => Reached::OutOfFuel,
        Some(Err(_)) => Reached::RuntimeError,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_accepts_and_rejects() {
        assert_eq!(check(b"x = 1\nprint(x)\n"), Ok(Reached::Loaded));
        assert_eq!(check(b"def f(:\n"), Ok(Reached::CompileError));
        assert_eq!(check(b"x = \xff\n"), Ok(Reached::NotUtf8));
    }

    #[test]
    fn diagnostics_must_point_into_the_file() {
        let text = "x = 1\ny = (\n";
        assert!(check_diagnostic(text, "fuzz.py:2:5: syntax error: x\n").is_ok());
        assert!(check_diagnostic(text, "fuzz.py:9:1: syntax error: x\n").is_err());
        assert!(check_diagnostic(text, "fuzz.py:1:40: syntax error: x\n").is_err());
        assert!(check_diagnostic(text, "other.py:1:1: syntax error: x\n").is_err());
    }

    #[test]
    fn tiers_agree_on_a_program_and_its_fuel_error() {
        let o = RunOpts::default();
        let ok = b"import numpy as np\na = np.arange(4) * 2\nprint(a.sum(), a)\n";
        assert_eq!(run(ok, &o), Ok(Reached::Finished));
        let spin = b"def spin():\n    i = 0\n    while True:\n        i += 1\n\nspin()\n";
        assert_eq!(run(spin, &o), Ok(Reached::OutOfFuel));
    }

    #[test]
    fn a_panic_is_a_failure() {
        quiet_panics();
        let f = guarded("x", || panic!("boom")).unwrap_err();
        assert!(f.key.starts_with("panic in x at "), "{f:?}");
        assert_eq!(f.detail, "boom");
    }
}
