//! Kiln's benchmark programs and harness.
//!
//! The programs are the `.py` files under `benches/programs/`: plain Python
//! that runs unchanged under CPython + NumPy, under Numba and under Kiln,
//! each with a `main()` that does the work and checks its own result. This
//! crate finds them and runs them through the [`kiln`] embedding API; the
//! criterion benches in `benches/programs.rs` time them per tier, and
//! `peers/compare` times them against CPython + NumPy and Numba.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub use kiln::Tier;

/// Every tier with its command-line name, in the order benches report them.
pub const TIERS: [(&str, Tier); 3] = [
    ("interp", Tier::Interp),
    ("jit", Tier::Jit),
    ("auto", Tier::Auto),
];

/// One benchmark program.
#[derive(Clone, Debug)]
pub struct Program {
    /// The file stem (`fib` for `fib.py`).
    pub name: String,
    pub path: PathBuf,
    pub source: String,
}

/// The directory holding the benchmark programs.
pub fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("programs")
}

/// Every benchmark program, sorted by name.
pub fn programs() -> std::io::Result<Vec<Program>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(programs_dir())? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "py") {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let source = std::fs::read_to_string(&path)?;
            out.push(Program { name, path, source });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A VM for `tier` whose scripts' output is discarded.
pub fn quiet_vm(tier: Tier) -> kiln::Vm {
    let config = kiln::Config {
        tier,
        ..kiln::Config::default()
    };
    kiln::Vm::with_output(config, Box::new(std::io::sink()))
}

/// A [`Write`] that keeps what was written, shared with the caller.
#[derive(Clone, Default)]
struct Captured(Rc<RefCell<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Loads and runs `program` once in a fresh VM for `tier`, and returns what
/// it printed; a compile or runtime error comes back rendered.
pub fn run_captured(program: &Program, tier: Tier) -> Result<String, String> {
    let out = Captured::default();
    let config = kiln::Config {
        tier,
        ..kiln::Config::default()
    };
    let mut vm = kiln::Vm::with_output(config, Box::new(out.clone()));
    let m = vm
        .load(&program.path.to_string_lossy(), &program.source)
        .map_err(|e| e.to_string())?;
    let r = vm.run_main(&m);
    vm.flush();
    let text = String::from_utf8_lossy(&out.0.borrow()).into_owned();
    r.map(|()| text).map_err(|e| e.to_string())
}
