//! Every misuse of the C API found so far, each in its own C host process
//! (`tests/c/misuse.c`): the misused calls must return their error code
//! with a message, and the process must exit normally: no signal, no
//! abort, no hang.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[path = "c/link.rs"]
mod link;
#[path = "common/runner.rs"]
mod runner;

/// Every case `misuse.c` must have: a case that disappears from it fails
/// here.
const CASES: &[&str] = &[
    "null_pointers",
    "array_use_after_release",
    "array_double_release",
    "module_double_free",
    "call_after_module_free",
    "call_after_vm_free",
    "double_vm_free",
    "foreign_handles",
    "other_thread_handles",
    "null_malloc_table",
    "allocator_bad_class",
    "shape_overflow",
    "ndim_9",
    "nargs_huge",
    "array_8tib",
    "reentrant_call",
    "class_cycle",
    "failed_call_keeps_module",
    "runaway_fuel",
];

/// Longest a case may take before it counts as a hang.
const TIMEOUT: Duration = Duration::from_secs(120);

#[test]
fn c_misuses_are_errors_not_crashes() {
    let dir = std::env::temp_dir().join(format!("kiln-capi-misuse-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("misuse");
    link::build_c(&["tests/c/misuse.c"], &exe, link::Link::Static);

    let list = runner::command(&exe).arg("--list").output().unwrap();
    let listed = String::from_utf8(list.stdout).unwrap();
    let listed: Vec<&str> = listed.lines().collect();
    assert_eq!(listed, CASES, "misuse.c and this test list different cases");

    let mut failures = Vec::new();
    for case in CASES {
        let mut child = runner::command(&exe)
            .arg(case)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if start.elapsed() > TIMEOUT {
                child.kill().ok();
                child.wait().ok();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut out = String::new();
        let mut err = String::new();
        child.stdout.take().unwrap().read_to_string(&mut out).ok();
        child.stderr.take().unwrap().read_to_string(&mut err).ok();
        match status {
            Some(s) if s.success() && out.ends_with(&format!("ok {case}\n")) => {
                print!("{case}:\n{out}");
            }
            Some(s) => failures.push(format!("{case}: {s}\n{out}{err}")),
            None => failures.push(format!("{case}: hung for {TIMEOUT:?}\n{out}{err}")),
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
