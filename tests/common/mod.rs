//! Helpers shared by the integration tests that drive the `vm` binary:
//! running it with a time limit, and a scratch directory per test.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The `vm` binary Cargo built for this test run.
pub fn vm_path() -> &'static str {
    env!("CARGO_BIN_EXE_vm")
}

/// A command that runs `vm` (through the cross runner, when there is one).
pub fn vm_command() -> Command {
    runner::command(vm_path())
}

pub mod runner;

/// What one `vm` invocation did.
#[derive(Debug)]
pub struct Outcome {
    /// Exit code, if the process exited normally (`None` if killed by a signal
    /// or by the time limit).
    pub code: Option<i32>,
    /// The signal that ended the process, if any.
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub elapsed: Duration,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// A one-line description of how the process ended.
    pub fn status_text(&self) -> String {
        if self.timed_out {
            format!("timed out after {:.1?}", self.elapsed)
        } else if let Some(s) = self.signal {
            format!("killed by signal {s}")
        } else {
            format!("exit {}", self.code.unwrap_or(-1))
        }
    }

    /// The last non-empty line of stderr (trimmed).
    pub fn last_stderr_line(&self) -> &str {
        self.stderr
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
    }

    /// True if stderr looks like a Rust panic message.
    pub fn panicked(&self) -> bool {
        self.code == Some(101)
            || self.stderr.contains("panicked at")
            || self.stderr.contains("RUST_BACKTRACE")
            || self.stderr.contains("has overflowed its stack")
    }

    /// The first `n` characters of stderr, for failure messages.
    pub fn stderr_head(&self, n: usize) -> String {
        head(&self.stderr, n)
    }

    pub fn stdout_head(&self, n: usize) -> String {
        head(&self.stdout, n)
    }
}

pub fn head(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push_str("...");
    }
    out
}

/// Runs `vm` with `args` (in `cwd`, if given), killing it after `limit`.
/// stdout and stderr are drained on separate threads so a chatty child
/// cannot block on a full pipe.
pub fn run_vm<S: AsRef<OsStr>>(args: &[S], cwd: Option<&Path>, limit: Duration) -> Outcome {
    let limit = runner::time_limit(limit);
    let o = run_once(args, cwd, limit);
    // qemu-user has hung, rarely, on inputs that end in well under a
    // second: silent until killed, and not again in thousands of runs of
    // the same input. Such a run under an emulator is tried once more; a
    // hang that happens again still fails, and on the host nothing is
    // retried.
    if o.timed_out && runner::emulated() && o.stdout.is_empty() && o.stderr.is_empty() {
        let shown: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
        eprintln!(
            "note: `vm {}` was silent for {:.1?} under the emulator; running it again",
            shown.join(" "),
            o.elapsed
        );
        return run_once(args, cwd, limit);
    }
    o
}

fn run_once<S: AsRef<OsStr>>(args: &[S], cwd: Option<&Path>, limit: Duration) -> Outcome {
    let mut cmd = vm_command();
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LOG");
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("failed to spawn the vm binary");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_t = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let mut timed_out = false;
    let mut nap = Duration::from_micros(200);
    let status = loop {
        match child.try_wait().expect("try_wait failed") {
            Some(st) => break st,
            None => {
                if start.elapsed() > limit {
                    timed_out = true;
                    let _ = child.kill();
                    break child.wait().expect("wait failed");
                }
                thread::sleep(nap);
                nap = (nap * 2).min(Duration::from_millis(20));
            }
        }
    };
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&out_t.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err_t.join().unwrap()).into_owned();
    #[cfg(unix)]
    let signal = {
        use std::os::unix::process::ExitStatusExt;
        if timed_out {
            None
        } else {
            status.signal()
        }
    };
    #[cfg(not(unix))]
    let signal = None;
    Outcome {
        code: if timed_out { None } else { status.code() },
        signal,
        timed_out,
        elapsed,
        stdout,
        stderr,
    }
}

/// A fresh scratch directory under the system temp dir, removed on drop
/// (unless `KILN_KEEP_TMP` is set, to look at failing inputs).
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("kiln-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("cannot create temp dir");
        TempDir { path }
    }

    /// Writes `bytes` to `name` inside the directory and returns its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path.join(name);
        std::fs::write(&p, bytes).expect("cannot write temp file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("KILN_KEEP_TMP").is_none() {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
