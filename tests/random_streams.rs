//! The random generators' streams against NumPy's and CPython's: every
//! function of `tests/random/streams.py` draws a million values for each
//! of several seeds, in Kiln, and the digest of the draws (and the first
//! few, bit for bit) must be what CPython + NumPy give for the same file.
//!
//! With a Python that has NumPy (`KILN_PYTHON`, the peers' venv under
//! `benches/peers/.venv-peers`, or `python3`), the reference is computed
//! afresh, and the stored sample `tests/random/streams.txt` must agree
//! with it too (`KILN_BLESS=1` rewrites the file from it). Without one,
//! the stored sample is the reference.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kiln::{Config, Tier, Value, Vm};

/// Draws per stream.
const N: i64 = 1_000_000;
const SEEDS: [i64; 3] = [0, 123_456_789, 4_294_967_295];
/// Values kept bit for bit from the start of each stream.
const FIRST: usize = 3;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("random")
}

/// The functions of the draws file, in order.
fn functions(src: &str) -> Vec<String> {
    src.lines()
        .filter_map(|l| l.strip_prefix("def "))
        .map(|l| l[..l.find('(').unwrap()].to_string())
        .collect()
}

/// An order-sensitive digest of 64-bit values (float64 bits or int64),
/// which NumPy computes with wrapping uint64 arithmetic.
fn digest(bits: &[u64]) -> u64 {
    bits.iter().enumerate().fold(0u64, |h, (i, &v)| {
        h.wrapping_add(
            (v ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
                .wrapping_mul(0xBF58_476D_1CE4_E5B9),
        )
    })
}

/// One line per stream: `function seed digest first...`, in hex.
fn line(name: &str, seed: i64, bits: &[u64]) -> String {
    let mut s = format!("{name} {seed} {:016x}", digest(bits));
    for b in bits.iter().take(FIRST) {
        write!(s, " {b:016x}").unwrap();
    }
    s
}

const DRIVER: &str = r#"
import sys
import numpy as np
path, n, first = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seeds = [int(s) for s in sys.argv[4].split(",")]
ns = {"__name__": "streams"}
exec(compile(open(path).read(), path, "exec"), ns)
names = [l[4:l.index("(")] for l in open(path).read().splitlines() if l.startswith("def ")]
idx = np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
for name in names:
    for seed in seeds:
        a = np.ascontiguousarray(ns[name](seed, n))
        assert a.dtype in (np.float64, np.int64), (name, a.dtype)
        v = a.view(np.uint64)
        h = int(np.sum((v ^ idx) * np.uint64(0xBF58476D1CE4E5B9), dtype=np.uint64))
        print(name, seed, "%016x" % h, *["%016x" % int(x) for x in v[:first]])
"#;

/// A Python that can import NumPy.
fn python() -> Option<String> {
    let mut tries: Vec<String> = Vec::new();
    if let Ok(p) = std::env::var("KILN_PYTHON") {
        tries.push(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers/.venv-peers/bin/python");
    tries.push(venv.to_string_lossy().into_owned());
    tries.push("python3".into());
    tries.into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import numpy"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

#[test]
fn streams_match_numpy_and_cpython() {
    let path = dir().join("streams.py");
    let src = std::fs::read_to_string(&path).unwrap();
    // The reference runs alongside Kiln's draws.
    let seeds: Vec<String> = SEEDS.iter().map(|s| s.to_string()).collect();
    let reference = python().map(|py| {
        Command::new(py)
            .args(["-c", DRIVER])
            .arg(&path)
            .args([N.to_string(), FIRST.to_string(), seeds.join(",")])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting Python")
    });

    let mut vm = Vm::new(Config {
        tier: Tier::Jit,
        ..Config::default()
    });
    let m = vm.load("streams.py", &src).expect("the draws compile");
    let mut ours = Vec::new();
    for name in functions(&src) {
        for &seed in &SEEDS {
            let v = vm
                .call(&m, &name, &[Value::Int(seed), Value::Int(N)])
                .unwrap_or_else(|e| panic!("{name}({seed}): {e:?}"));
            let Value::Array(a) = v else {
                panic!("{name} returned {v:?}")
            };
            assert_eq!(a.shape(), [N as usize], "{name}");
            let bits: Vec<u64> = match a.dtype() {
                kiln::DType::F64 => a.to_vec_f64().iter().map(|x| x.to_bits()).collect(),
                kiln::DType::I64 => a.to_vec_i64().iter().map(|&x| x as u64).collect(),
                d => panic!("{name} returned {d}"),
            };
            ours.push(line(&name, seed, &bits));
        }
    }
    let ours = ours.join("\n") + "\n";

    let stored_path = dir().join("streams.txt");
    let stored = std::fs::read_to_string(&stored_path).unwrap_or_default();
    match reference {
        Some(child) => {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "the reference failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let theirs = String::from_utf8(out.stdout).unwrap();
            compare("NumPy/CPython", &theirs, &ours);
            if std::env::var_os("KILN_BLESS").is_some() {
                std::fs::write(&stored_path, &theirs).unwrap();
            } else {
                compare(
                    "the stored sample (KILN_BLESS=1 rewrites it)",
                    &theirs,
                    &stored,
                );
            }
        }
        None => compare("the stored sample", &stored, &ours),
    }
}

fn compare(what: &str, want: &str, got: &str) {
    let bad: Vec<String> = want
        .lines()
        .zip(got.lines())
        .filter(|(w, g)| w != g)
        .map(|(w, g)| format!("  want {w}\n  got  {g}"))
        .collect();
    assert!(
        bad.is_empty() && want.lines().count() == got.lines().count(),
        "streams differ from {what} ({} of {} lines):\n{}",
        bad.len(),
        want.lines().count(),
        bad.join("\n")
    );
}
