//! Building C hosts against the kiln libraries of the build under test,
//! for the C API tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// How a C host links kiln.
#[derive(Clone, Copy, Debug)]
#[allow(dead_code)]
pub enum Link {
    /// `libkiln.a`, copied into the program.
    Static,
    /// `libkiln.so`, found at run time through the program's rpath.
    Shared,
    /// Not linked: the program loads `libkiln.so` itself (`dlopen`).
    None,
}

/// The directory holding this build's `libkiln.a` and `libkiln.so`. Cargo
/// builds the kiln library with every crate type `[lib]` lists before it
/// links a test against it, and leaves them in the directory of the test
/// binaries: `<target>/[<triple>/]<profile>/deps`. So the libraries are
/// always those of the code under test, for its target and profile.
pub fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().to_path_buf();
    for lib in ["libkiln.a", "libkiln.so"] {
        assert!(
            dir.join(lib).exists(),
            "{} is missing: the C API tests need the libraries cargo builds with them",
            dir.join(lib).display()
        );
    }
    dir
}

/// Compiles and links C `sources` (relative to the crate root) into
/// `exe`, with warnings as errors.
pub fn build_c(sources: &[&str], exe: &Path, link: Link) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = lib_dir();
    let cc = std::env::var("KILN_TEST_CC")
        .or_else(|_| std::env::var("CC"))
        .unwrap_or_else(|_| "cc".into());
    let mut cmd = Command::new(&cc);
    cmd.args(sources.iter().map(|s| root.join(s)))
        .args(["-Wall", "-Wextra", "-Werror", "-I"])
        .arg(root.join("include"));
    match link {
        Link::Static => {
            cmd.arg(dir.join("libkiln.a"))
                .args(["-lpthread", "-ldl", "-lm"]);
        }
        Link::Shared => {
            cmd.arg("-L")
                .arg(&dir)
                .arg("-lkiln")
                .arg(format!("-Wl,-rpath,{}", dir.display()));
        }
        Link::None => {
            cmd.arg("-ldl");
        }
    }
    let status = cmd.arg("-o").arg(exe).status().expect("a C compiler");
    assert!(status.success(), "cc failed on {sources:?} ({link:?})");
}
