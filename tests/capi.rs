//! Builds `examples/c/seed.c` with the system C compiler against the kiln
//! static library and runs it: the C host sees the seed's allocator trace,
//! the result, and an error as text.

use std::path::PathBuf;
use std::process::Command;

/// Builds the static library. `cargo test` builds only the rlib, and the
/// test cannot wait on its own build directory, so the library gets a
/// target directory of its own (kept between runs).
fn static_lib() -> PathBuf {
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
    let status = Command::new(env!("CARGO"))
        .current_dir(&root)
        .args(["build", "--lib", "--quiet", "--target-dir"])
        .arg(&target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the static library failed");
    target.join("debug").join("libkiln.a")
}

#[test]
fn c_host_runs_the_seed() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let lib = static_lib();
    assert!(lib.exists(), "{} was not built", lib.display());
    let out_dir = std::env::temp_dir().join(format!("kiln-capi-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join("seed");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .arg(root.join("examples/c/seed.c"))
        .arg("-I")
        .arg(root.join("include"))
        .arg(&lib)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&exe)
        .status()
        .expect("a C compiler");
    assert!(status.success(), "cc failed");
    let out = Command::new(&exe).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with(">>> Malloc size=144 data="), "{text}");
    assert!(lines[1].starts_with(">>> Malloc size=144 data="), "{text}");
    let first = lines[0].rsplit(" -> ").next().unwrap();
    let second = lines[1].rsplit(" -> ").next().unwrap();
    assert!(
        lines[2].starts_with(&format!(">>> Free ptr={first} ")),
        "{text}"
    );
    assert_eq!(lines[3], "foo(a) = [0 3 6 9]");
    assert_eq!(lines[4], "releasing the result");
    assert!(
        lines[5].starts_with(&format!(">>> Free ptr={second} ")),
        "{text}"
    );
    assert!(
        text.contains("IndexError: index 10 is out of bounds for axis 0 with size 1"),
        "{text}"
    );
    std::fs::remove_dir_all(&out_dir).ok();
}
