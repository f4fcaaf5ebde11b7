//! The `vm` tool writing to a reader that has gone (`vm bench ... | head -1`)
//! stops quietly with status 141, as `cat` stopped by SIGPIPE does, instead
//! of panicking.
//!
//! Each command here prints more than a pipe holds (64 KiB on Linux), and
//! the test closes its end of the pipe at once without reading, so some
//! write must fail however the two processes are scheduled.

#[path = "common/runner.rs"]
mod runner;

use std::path::PathBuf;
use std::process::Stdio;

fn program(tag: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kiln-pipe-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("p.py");
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `vm ARGS` with its stdout a pipe closed before anything is read;
/// returns its exit status and stderr.
fn closed(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let mut child = runner::command(env!("CARGO_BIN_EXE_vm"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn assert_quiet((code, stderr): (Option<i32>, String)) {
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
    assert_eq!(stderr, "");
    assert_eq!(code, Some(141), "{stderr}");
}

#[test]
fn bench_json_to_a_closed_pipe_stops_quietly() {
    let p = program("bench", "print(1 + 1)\n");
    // One JSON line (about 250 bytes) per file given: 400 of them.
    let mut args: Vec<&std::ffi::OsStr> = ["bench", "--json", "--tier", "interp", "--runs", "1"]
        .iter()
        .map(|s| s.as_ref())
        .collect();
    for _ in 0..400 {
        args.push(p.as_os_str());
    }
    let r = closed(&args);
    let _ = std::fs::remove_dir_all(p.parent().unwrap());
    assert_quiet(r);
}

#[test]
fn a_script_printing_to_a_closed_pipe_stops_quietly() {
    // 200 000 lines: the script would run well past the point where its
    // output has nowhere to go.
    let p = program("run", "for i in range(200000):\n    print(\"line\", i)\n");
    for tier in ["interp", "jit"] {
        let r = closed(&[
            "run".as_ref(),
            p.as_os_str(),
            "--tier".as_ref(),
            tier.as_ref(),
        ]);
        assert_quiet(r);
    }
    let _ = std::fs::remove_dir_all(p.parent().unwrap());
}
