//! Bounded fuzzing under `cargo test`, and the fuzzing regression corpus.
//!
//! * A smoke campaign of the mutation fuzzer (`kiln-fuzz`, fuzz/README.md)
//!   with a fixed seed: a few thousand mutated test programs through the
//!   front end (`check`) and a few hundred through every tier (`run`,
//!   comparing output, exception text and allocator statistics), and a
//!   few thousand C API call sequences (`capi`, misuse included). Inputs
//!   run in child processes (this binary, re-executed with `child`), so a
//!   stack overflow or a hang is reported with its input instead of taking
//!   the test down.
//! * Every input saved under tests/fuzz_corpus/: `*.py` must type-check
//!   and run alike in every tier (replayed as the fuzzer would), and `vm
//!   check` / `vm run --tier T` must end with status 0 or 1, never a signal
//!   or a panic; `*.capi` files are C API call sequences for the harness.
//!   tests/fuzz_corpus/pending/ holds inputs that still fail; they are not
//!   run (see the README there).
//!
//! Its own `main` (no libtest harness): the child must run on the main
//! thread, with the stack the `vm` binary has.

#[path = "common/runner.rs"]
mod runner;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kiln_fuzz::campaign::{self, Launcher, Mode, Plan, Settings};

/// Seed of the smoke campaign (the long campaigns on this seed pass too:
/// fuzz/README.md).
const SEED: &str = "1";

fn launcher() -> Launcher {
    Launcher {
        exe: std::env::current_exe().expect("the test binary's path"),
        prefix: vec!["child".into()],
        mem_limit_kb: Some(campaign::DEFAULT_MEM_LIMIT_KB),
    }
}

fn settings(mode: Mode, extra: &[&str]) -> Settings {
    let mut args = vec!["--seed".to_string(), SEED.into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    let (s, rest) = Settings::parse(mode, &args).expect("smoke settings");
    assert!(rest.is_empty(), "{rest:?}");
    s
}

/// A smoke campaign; its failures, described.
fn smoke(mode: Mode, count: u64, extra: &[&str]) -> Vec<String> {
    let s = settings(mode, extra);
    let plan = Plan {
        count,
        batch: count,
        timeout: Duration::from_secs(20),
        crash_dir: None,
        progress: false,
    };
    let rep = campaign::campaign(&launcher(), &s, &plan);
    print!("{}", rep.summary(mode));
    let mut out = Vec::new();
    if rep.inputs != count {
        out.push(format!(
            "{}: ran {} of {count} inputs",
            mode.name(),
            rep.inputs
        ));
    }
    for (key, f) in &rep.failures {
        out.push(format!(
            "{} smoke (seed {SEED}) input #{}: {key}\n{}\n--- input:\n{}",
            mode.name(),
            f.index,
            f.detail.chars().take(3000).collect::<String>(),
            String::from_utf8_lossy(&f.input)
                .chars()
                .take(3000)
                .collect::<String>()
        ));
    }
    out
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_corpus")
}

/// How `vm ARGS` ended, if not with status 0 or 1 within the limit.
fn vm_abnormal(args: &[&str], file: &Path) -> Option<String> {
    let mut child = runner::command(env!("CARGO_BIN_EXE_vm"))
        .args(args)
        .arg(file)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start vm");
    // Read stderr while the child runs: one that writes more than a pipe
    // holds would otherwise wait for us forever.
    let mut pipe = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut err = Vec::new();
        let _ = pipe.read_to_end(&mut err);
        err
    });
    let t = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait for vm") {
            break st;
        }
        if t.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            return Some("still running after 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let err = String::from_utf8_lossy(&reader.join().unwrap_or_default()).into_owned();
    match status.code() {
        Some(0 | 1) if !err.contains("panicked") => None,
        _ => Some(format!(
            "{status}: {}",
            err.chars().take(2000).collect::<String>()
        )),
    }
}

/// Every live corpus input; the failures, described.
fn regressions() -> Vec<String> {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fuzz_corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| p.extension().is_some_and(|e| e == "py" || e == "capi"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "the regression corpus is missing");
    let l = launcher();
    let timeout = Duration::from_secs(30);
    let mut out = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let modes: &[Mode] = if name.ends_with(".capi") {
            &[Mode::Capi]
        } else {
            &[Mode::Check, Mode::Run]
        };
        for &m in modes {
            if let Some(fail) = campaign::replay(&l, &settings(m, &[]), f, timeout) {
                out.push(format!(
                    "{name} ({}): {}\n{}",
                    m.name(),
                    fail.key,
                    fail.detail
                ));
            }
        }
        if name.ends_with(".py") {
            let runs: [&[&str]; 4] = [
                &["check"],
                &["run", "--tier", "interp", "--fuel", "1000000"],
                &["run", "--tier", "jit", "--fuel", "1000000"],
                &["run", "--tier", "auto", "--fuel", "1000000"],
            ];
            for args in runs {
                if let Some(why) = vm_abnormal(args, f) {
                    out.push(format!("{name}: vm {}: {why}", args.join(" ")));
                }
            }
        }
    }
    println!("fuzz corpus: {} inputs replayed", files.len());
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("child") {
        std::process::exit(campaign::child_main(&args[1..]));
    }
    // libtest's options (--nocapture, filters, ...) do not apply here.
    let t0 = Instant::now();
    let mut failures = Vec::new();
    failures.extend(smoke(Mode::Check, 3000, &[]));
    failures.extend(smoke(Mode::Run, 600, &[]));
    failures.extend(smoke(Mode::Capi, 1500, &[]));
    failures.extend(regressions());
    println!("fuzz smoke: {:.1} s", t0.elapsed().as_secs_f64());
    if !failures.is_empty() {
        eprintln!(
            "{} fuzzing failures:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
        std::process::exit(1);
    }
    println!("test result: ok");
}
