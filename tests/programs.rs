//! Runs every `tests/programs/NAME.py` through the `vm` binary and compares
//! with what CPython printed for it:
//!
//! * `NAME.out` — the exact expected stdout;
//! * `NAME.err` — present when the program ends in an uncaught exception:
//!   the last line CPython wrote to stderr (`ZeroDivisionError: ...`). Such a
//!   program must exit with status 1, print a traceback that starts with
//!   `Traceback (most recent call last):` and ends with that line.
//!   Otherwise the program must exit with status 0.
//!
//! Each program runs with `--tier interp` against the expectations, then with
//! `--tier jit` and `--tier auto`, which must match the interpreter exactly
//! (stdout, exit status and the exception line).
//!
//! All programs are run and every failure is reported in one panic message.
//! Set `KILN_PROGRAMS=name1,name2` to run only some programs.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{run_vm, Outcome};

const LIMIT: Duration = Duration::from_secs(60);

fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("programs")
}

fn programs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(programs_dir())
        .expect("tests/programs is missing")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    v.sort();
    if let Ok(only) = std::env::var("KILN_PROGRAMS") {
        let names: Vec<&str> = only.split(',').map(str::trim).collect();
        v.retain(|p| names.contains(&p.file_stem().unwrap().to_str().unwrap()));
        assert!(!v.is_empty(), "KILN_PROGRAMS={only} names no program");
    }
    v
}

fn run(tier: &str, file: &Path) -> Outcome {
    // Run from the programs directory with a relative path, so tracebacks
    // name the file the way a user would have typed it.
    let name = file.file_name().unwrap();
    run_vm(
        &[
            OsStr::new("run"),
            OsStr::new("--tier"),
            OsStr::new(tier),
            name,
        ],
        Some(&programs_dir()),
        LIMIT,
    )
}

/// A short unified-ish diff: the first differing line and a few around it.
fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.split('\n').collect();
    let a: Vec<&str> = actual.split('\n').collect();
    let n = e.len().max(a.len());
    for i in 0..n {
        let el = e.get(i).copied();
        let al = a.get(i).copied();
        if el != al {
            return format!(
                "first difference at stdout line {}:\n      expected: {:?}\n      actual:   {:?}",
                i + 1,
                el.unwrap_or("<missing>"),
                al.unwrap_or("<missing>")
            );
        }
    }
    "outputs differ only in trailing newline".to_string()
}

/// Checks the interpreter run against the CPython expectations.
fn check_expected(name: &str, o: &Outcome, out: &str, err: Option<&str>) -> Vec<String> {
    let mut problems = Vec::new();
    if o.timed_out || o.signal.is_some() || o.panicked() {
        problems.push(format!(
            "{name} [interp]: {} (panic/crash)\n    stderr: {}",
            o.status_text(),
            o.stderr_head(800)
        ));
        return problems;
    }
    if o.stdout != out {
        problems.push(format!(
            "{name} [interp]: stdout differs from {name}.out; {}",
            first_difference(out, &o.stdout)
        ));
    }
    match err {
        None => {
            if o.code != Some(0) {
                problems.push(format!(
                    "{name} [interp]: expected exit 0, got {}\n    stderr: {}",
                    o.status_text(),
                    o.stderr_head(800)
                ));
            }
        }
        Some(err) => {
            if o.code != Some(1) {
                problems.push(format!(
                    "{name} [interp]: expected exit 1 (uncaught {err}), got {}\n    stderr: {}",
                    o.status_text(),
                    o.stderr_head(800)
                ));
            }
            if o.last_stderr_line() != err {
                problems.push(format!(
                    "{name} [interp]: last stderr line should be {err:?}, got {:?}",
                    o.last_stderr_line()
                ));
            }
            if !o.stderr.starts_with("Traceback (most recent call last):") {
                problems.push(format!(
                    "{name} [interp]: stderr should start with a traceback header, got: {}",
                    o.stderr_head(300)
                ));
            }
        }
    }
    problems
}

/// Checks that another tier behaves exactly as the interpreter did.
fn check_same(name: &str, tier: &str, base: &Outcome, o: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if o.timed_out || o.signal.is_some() || o.panicked() {
        problems.push(format!(
            "{name} [{tier}]: {} (panic/crash)\n    stderr: {}",
            o.status_text(),
            o.stderr_head(800)
        ));
        return problems;
    }
    if o.code != base.code {
        problems.push(format!(
            "{name} [{tier}]: exit status {} differs from the interpreter's {}",
            o.status_text(),
            base.status_text()
        ));
    }
    if o.stdout != base.stdout {
        problems.push(format!(
            "{name} [{tier}]: stdout differs from the interpreter's; {}",
            first_difference(&base.stdout, &o.stdout)
        ));
    }
    if o.last_stderr_line() != base.last_stderr_line() {
        problems.push(format!(
            "{name} [{tier}]: exception line {:?} differs from the interpreter's {:?}",
            o.last_stderr_line(),
            base.last_stderr_line()
        ));
    }
    problems
}

#[test]
fn programs_match_cpython_in_every_tier() {
    let files = programs();
    if std::env::var_os("KILN_PROGRAMS").is_none() {
        assert!(
            files.len() >= 25,
            "expected at least 25 programs in tests/programs, found {}",
            files.len()
        );
    }
    let mut failures: Vec<String> = Vec::new();
    let mut failed_programs: Vec<String> = Vec::new();
    for file in &files {
        let name = file.file_stem().unwrap().to_str().unwrap().to_string();
        let out_path = file.with_extension("out");
        let err_path = file.with_extension("err");
        let Ok(out) = std::fs::read_to_string(&out_path) else {
            failures.push(format!("{name}: missing {name}.out"));
            failed_programs.push(name);
            continue;
        };
        let err = std::fs::read_to_string(&err_path)
            .ok()
            .map(|s| s.trim().to_string());

        let mut problems = Vec::new();
        let base = run("interp", file);
        problems.extend(check_expected(&name, &base, &out, err.as_deref()));
        for tier in ["jit", "auto"] {
            let o = run(tier, file);
            problems.extend(check_same(&name, tier, &base, &o));
        }
        if !problems.is_empty() {
            failed_programs.push(name);
            failures.extend(problems);
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} programs failed: {}\n\n{}\n",
            failed_programs.len(),
            files.len(),
            failed_programs.join(", "),
            failures.join("\n\n")
        );
    }
}

/// Every `.out` / `.err` file belongs to a program (catches renamed programs
/// whose expectations were left behind).
#[test]
fn expectation_files_have_programs() {
    let mut orphans = Vec::new();
    for e in std::fs::read_dir(programs_dir()).unwrap() {
        let p = e.unwrap().path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if (ext == "out" || ext == "err") && !p.with_extension("py").exists() {
            orphans.push(p.display().to_string());
        }
    }
    assert!(
        orphans.is_empty(),
        "expectation files without a program: {orphans:?}"
    );
}
