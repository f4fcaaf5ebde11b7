//! Running programs the tests built, on the host or, when the tests are
//! cross-compiled, under the target's emulator.
//!
//! Cargo runs test binaries through `CARGO_TARGET_<TRIPLE>_RUNNER`, but the
//! programs a test starts itself (the `vm` binary, C hosts) are started by
//! the test: `KILN_TEST_RUNNER` (a command and its arguments, split on
//! spaces, e.g. `qemu-aarch64 -L /usr/aarch64-linux-gnu`) is put in front
//! of them. `KILN_TEST_TARGET` and `KILN_TEST_CC` name the target triple
//! and C compiler for the C hosts the tests link.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::process::Command;
use std::time::Duration;

/// The emulator command and its arguments, if tests run under one.
pub fn prefix() -> Vec<String> {
    std::env::var("KILN_TEST_RUNNER")
        .map(|r| r.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Do programs run under an emulator?
pub fn emulated() -> bool {
    !prefix().is_empty()
}

/// A command that runs `program` on the tests' target.
pub fn command<S: AsRef<OsStr>>(program: S) -> Command {
    let pre = prefix();
    match pre.split_first() {
        Some((emu, args)) => {
            let mut c = Command::new(emu);
            c.args(args).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// A limit that guards against hangs, for a program run on the tests'
/// target: under an emulator, code runs several times slower (ten is
/// what qemu-user on a loaded machine needs for the slowest inputs).
pub fn time_limit(native: Duration) -> Duration {
    if !emulated() {
        native
    } else {
        native * 10
    }
}
