//! Building C hosts against the kiln static library, for the C API tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds the static library. `cargo test` builds only the rlib, and the
/// test cannot wait on its own build directory, so the library gets a
/// target directory of its own (kept between runs).
pub fn static_lib() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // tests run from <target>/<profile>/deps/<name>-<hash>
    let exe = std::env::current_exe().unwrap();
    let target = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("capi");
    let triple = std::env::var("KILN_TEST_TARGET").ok();
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .current_dir(&root)
        .args(["build", "--lib", "--quiet", "--target-dir"])
        .arg(&target);
    if let Some(t) = &triple {
        cargo.args(["--target", t]);
    }
    let status = cargo.status().expect("cargo runs");
    assert!(status.success(), "building the static library failed");
    let lib = match &triple {
        Some(t) => target.join(t),
        None => target,
    }
    .join("debug")
    .join("libkiln.a");
    assert!(lib.exists(), "{} was not built", lib.display());
    lib
}

/// Compiles and links C `sources` (relative to the crate root) into
/// `exe`, with warnings as errors.
pub fn build_c(sources: &[&str], exe: &Path) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let lib = static_lib();
    let cc = std::env::var("KILN_TEST_CC")
        .or_else(|_| std::env::var("CC"))
        .unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .args(sources.iter().map(|s| root.join(s)))
        .args(["-Wall", "-Wextra", "-Werror", "-I"])
        .arg(root.join("include"))
        .arg(&lib)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(exe)
        .status()
        .expect("a C compiler");
    assert!(status.success(), "cc failed on {sources:?}");
}
