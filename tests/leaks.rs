//! Leak check: runs every `tests/programs/*.py` and every
//! `../shared/conformance/cases/*.py` (skipped if that directory is absent)
//! with `vm run --stats` in every tier and checks the allocation statistics
//! the VM prints to stderr, one line per allocator:
//!
//! ```text
//! kiln stats: allocator NAME: allocs=N frees=N bytes_allocated=N bytes_freed=N live=N
//! ```
//!
//! For every program — including those that end in an uncaught exception —
//! there must be at least one such line, and on each line `allocs == frees`,
//! `bytes_allocated == bytes_freed` and `live == 0`. Programs whose source
//! creates arrays (calls a NumPy constructor) must report `allocs > 0` in
//! total, so the test fails if statistics stop being collected. The lines
//! must be the same in every tier: native code makes the interpreter's
//! allocator calls.
//!
//! All programs are run and every failure is reported in one panic message.
//! Set `KILN_PROGRAMS=name1,name2` to run only some programs (by file stem,
//! in either directory).

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{run_vm, Outcome};

const LIMIT: Duration = Duration::from_secs(60);
const PREFIX: &str = "kiln stats: allocator ";

/// One parsed `kiln stats:` line.
#[derive(Debug, PartialEq, Eq)]
struct Stats {
    allocator: String,
    allocs: u64,
    frees: u64,
    bytes_allocated: u64,
    bytes_freed: u64,
    live: u64,
}

/// Parses `kiln stats: allocator NAME: allocs=N frees=N bytes_allocated=N
/// bytes_freed=N live=N` (fields in any order; extra fields are ignored).
fn parse_stats(line: &str) -> Result<Stats, String> {
    let rest = line
        .strip_prefix(PREFIX)
        .ok_or_else(|| format!("does not start with {PREFIX:?}"))?;
    let (name, fields) = rest
        .rsplit_once(": ")
        .ok_or_else(|| "no `NAME: ` before the counters".to_string())?;
    let get = |key: &str| -> Result<u64, String> {
        let value = fields
            .split_whitespace()
            .find_map(|f| f.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .ok_or_else(|| format!("missing {key}="))?;
        value
            .parse::<u64>()
            .map_err(|e| format!("{key}={value:?}: {e}"))
    };
    Ok(Stats {
        allocator: name.trim().to_string(),
        allocs: get("allocs")?,
        frees: get("frees")?,
        bytes_allocated: get("bytes_allocated")?,
        bytes_freed: get("bytes_freed")?,
        live: get("live")?,
    })
}

/// True if the program's source calls a NumPy array constructor, so a run
/// that reaches it must allocate.
fn creates_arrays(source: &str) -> bool {
    const CTORS: [&str; 11] = [
        "zeros(",
        "ones(",
        "empty(",
        "full(",
        "arange(",
        "linspace(",
        "array(",
        "zeros_like(",
        "ones_like(",
        "empty_like(",
        "copy(",
    ];
    source.lines().any(|line| {
        let code = line.split('#').next().unwrap_or("");
        CTORS.iter().any(|c| code.contains(&format!("np.{c}")))
    })
}

fn py_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    v.sort();
    v
}

fn all_programs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = py_files(&root.join("tests").join("programs"));
    assert!(!files.is_empty(), "no programs found in tests/programs");
    // The shared corpus sits beside the workspace; it is optional.
    files.extend(py_files(
        &root
            .join("..")
            .join("shared")
            .join("conformance")
            .join("cases"),
    ));
    if let Ok(only) = std::env::var("KILN_PROGRAMS") {
        let names: Vec<&str> = only.split(',').map(str::trim).collect();
        files.retain(|p| names.contains(&p.file_stem().unwrap().to_str().unwrap()));
    }
    files
}

/// A short label for a program: `programs/NAME.py` or `conformance/NAME.py`.
fn label(file: &Path) -> String {
    let dir = file.parent().unwrap();
    let group = if dir.ends_with("cases") {
        "conformance"
    } else {
        "programs"
    };
    format!("{group}/{}", file.file_name().unwrap().to_str().unwrap())
}

fn run(file: &Path, tier: &str) -> Outcome {
    // Run from the program's directory with a relative path, as a user would.
    run_vm(
        &[
            OsStr::new("run"),
            OsStr::new("--stats"),
            OsStr::new("--tier"),
            OsStr::new(tier),
            file.file_name().unwrap(),
        ],
        file.parent(),
        LIMIT,
    )
}

/// Everything wrong with one program's statistics.
fn check(name: &str, source: &str, o: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if o.timed_out || o.signal.is_some() || o.panicked() {
        problems.push(format!(
            "{name}: {} (panic/crash)\n    stderr: {}",
            o.status_text(),
            o.stderr_head(800)
        ));
        return problems;
    }
    let lines: Vec<&str> = o
        .stderr
        .lines()
        .filter(|l| l.starts_with("kiln stats:"))
        .collect();
    if lines.is_empty() {
        problems.push(format!(
            "{name}: no `kiln stats:` line on stderr ({})\n    stderr: {}",
            o.status_text(),
            o.stderr_head(800)
        ));
        return problems;
    }
    let mut total_allocs = 0u64;
    for line in lines {
        let s = match parse_stats(line) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{name}: malformed stats line ({e}): {line:?}"));
                continue;
            }
        };
        total_allocs += s.allocs;
        let mut bad = Vec::new();
        if s.allocs != s.frees {
            bad.push(format!(
                "allocs {} != frees {} ({} leaked)",
                s.allocs,
                s.frees,
                s.allocs as i128 - s.frees as i128
            ));
        }
        if s.bytes_allocated != s.bytes_freed {
            bad.push(format!(
                "bytes_allocated {} != bytes_freed {}",
                s.bytes_allocated, s.bytes_freed
            ));
        }
        if s.live != 0 {
            bad.push(format!("live={}", s.live));
        }
        if !bad.is_empty() {
            problems.push(format!(
                "{name} ({}): allocator {}: {}\n    {line}",
                o.status_text(),
                s.allocator,
                bad.join(", ")
            ));
        }
    }
    if creates_arrays(source) && total_allocs == 0 {
        problems.push(format!(
            "{name} ({}): creates arrays but its stats report allocs=0 \
             (are statistics still collected?)\n    stderr: {}",
            o.status_text(),
            o.stderr_head(800)
        ));
    }
    problems
}

#[test]
fn stats_parser() {
    let s = parse_stats(
        "kiln stats: allocator system: allocs=3 frees=2 bytes_allocated=456 bytes_freed=400 live=1",
    )
    .unwrap();
    assert_eq!(
        s,
        Stats {
            allocator: "system".into(),
            allocs: 3,
            frees: 2,
            bytes_allocated: 456,
            bytes_freed: 400,
            live: 1,
        }
    );
    assert!(parse_stats("kiln stats: allocator x: allocs=1 frees=1").is_err());
    assert!(parse_stats(
        "kiln stats: allocator x: allocs=a frees=1 bytes_allocated=0 bytes_freed=0 live=0"
    )
    .is_err());
    assert!(creates_arrays("import numpy as np\na = np.zeros(3)\n"));
    assert!(!creates_arrays(
        "import numpy as np\n# np.zeros(3)\nx = np.floor(2.5)\n"
    ));
}

/// `check` itself: flags leaks, missing lines and allocs=0 for array programs.
#[test]
fn check_flags_problems() {
    let outcome = |code: i32, stderr: &str| Outcome {
        code: Some(code),
        signal: None,
        timed_out: false,
        elapsed: Duration::ZERO,
        stdout: String::new(),
        stderr: stderr.to_string(),
    };
    let arrays = "import numpy as np\nprint(np.zeros(3))\n";
    let scalars = "print(1 + 2)\n";
    let clean =
        "kiln stats: allocator system: allocs=2 frees=2 bytes_allocated=64 bytes_freed=64 live=0\n";
    assert!(check("p", arrays, &outcome(0, clean)).is_empty());
    let after_error = format!("Traceback (most recent call last):\nIndexError: x\n{clean}");
    assert!(check("p", arrays, &outcome(1, &after_error)).is_empty());
    let none =
        "kiln stats: allocator system: allocs=0 frees=0 bytes_allocated=0 bytes_freed=0 live=0\n";
    assert!(check("p", scalars, &outcome(0, none)).is_empty());
    assert_eq!(check("p", arrays, &outcome(0, none)).len(), 1);
    assert_eq!(check("p", arrays, &outcome(0, "")).len(), 1);
    let leaked =
        "kiln stats: allocator system: allocs=3 frees=2 bytes_allocated=96 bytes_freed=64 live=1\n";
    let p = check("p", arrays, &outcome(1, leaked));
    assert_eq!(p.len(), 1);
    assert!(
        p[0].contains("allocs 3 != frees 2") && p[0].contains("live=1"),
        "{p:?}"
    );
    // Every allocator is checked, not only the first.
    let two = format!("{clean}kiln stats: allocator host: allocs=1 frees=0 bytes_allocated=8 bytes_freed=0 live=1\n");
    assert_eq!(check("p", arrays, &outcome(0, &two)).len(), 1);
    assert_eq!(check("p", arrays, &outcome(101, clean)).len(), 1);
}

#[test]
fn no_program_leaks_memory() {
    let files = all_programs();
    let mut failures: Vec<String> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    let mut with_arrays = 0;
    for file in &files {
        let name = label(file);
        let source = std::fs::read_to_string(file).unwrap_or_default();
        if creates_arrays(&source) {
            with_arrays += 1;
        }
        let stats = |o: &Outcome| -> Vec<String> {
            o.stderr
                .lines()
                .filter(|l| l.starts_with("kiln stats:"))
                .map(str::to_string)
                .collect()
        };
        let mut first: Option<Vec<String>> = None;
        let mut problems = Vec::new();
        for tier in ["interp", "jit", "auto"] {
            let o = run(file, tier);
            problems.extend(check(&format!("{name} [{tier}]"), &source, &o));
            match &first {
                None => first = Some(stats(&o)),
                Some(f) if *f != stats(&o) => problems.push(format!(
                    "{name} [{tier}]: statistics differ from the interpreter's\n    interp: {f:?}\n    {tier}: {:?}",
                    stats(&o)
                )),
                Some(_) => {}
            }
        }
        if !problems.is_empty() {
            failed.push(name);
            failures.extend(problems);
        }
    }
    if std::env::var_os("KILN_PROGRAMS").is_none() {
        assert!(
            with_arrays > 0,
            "no program creates arrays: the leak check would check nothing"
        );
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} programs failed the leak check: {}\n\n{}\n",
            failed.len(),
            files.len(),
            failed.join(", "),
            failures.join("\n\n")
        );
    }
}
