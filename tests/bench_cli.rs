//! `vm bench` over several files: a report per file, the native tier's
//! compile time by phase, and the medians over every function of all the
//! files at the end. (Only the shape of the report is checked: the times
//! themselves depend on the machine.)

#[path = "common/runner.rs"]
mod runner;

use std::path::PathBuf;

/// Two small programs in a fresh directory of their own (`tag` tells the
/// tests' apart).
fn programs(tag: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("kiln-bench-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.py");
    let b = dir.join("b.py");
    std::fs::write(
        &a,
        "def f(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n\nprint(f(10))\n",
    )
    .unwrap();
    std::fs::write(&b, "def g(x):\n    return x * 2.0\n\nprint(g(1.5))\n").unwrap();
    (a, b)
}

fn bench(tag: &str, args: &[&str]) -> String {
    let (a, b) = programs(tag);
    let out = runner::command(env!("CARGO_BIN_EXE_vm"))
        .arg("bench")
        .args(args)
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(a.parent().unwrap());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn several_files_end_with_the_medians_over_all_their_functions() {
    let text = bench("text", &["--tier", "jit", "--runs", "1"]);
    // One report per file, then the summary: each with the compile times
    // and their phases.
    assert_eq!(text.matches("JIT compile of").count(), 3, "{text}");
    assert_eq!(text.matches("phases: build").count(), 3, "{text}");
    let all = text.split("all 2 files").nth(1).expect("a summary");
    // The summary counts the functions of both files.
    let counts: Vec<usize> = text
        .split("JIT compile of ")
        .skip(1)
        .map(|s| s.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(counts[0] > 0 && counts[1] > 0, "{text}");
    assert_eq!(counts[2], counts[0] + counts[1], "{text}");
    for phase in ["inline", "optimize", "regalloc", "emit"] {
        assert!(all.contains(phase), "{text}");
    }
}

#[test]
fn json_has_a_line_per_file_with_each_functions_phases() {
    let text = bench("json", &["--tier", "jit", "--runs", "1", "--json"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains("a.py") && lines[1].contains("b.py"),
        "{text}"
    );
    for l in lines {
        assert!(l.starts_with('{') && l.ends_with('}'), "{l}");
        assert!(l.contains("\"phases_us\": {\"build\": "), "{l}");
        assert!(l.contains("\"emit\": "), "{l}");
    }
}
