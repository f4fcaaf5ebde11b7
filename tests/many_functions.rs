//! Programs with very many functions: long call chains type in a bounded
//! number of inferences per function (not one round per link) and run in
//! every tier, also on a host thread with the default stack.

mod common;

use std::time::Duration;

use common::{run_vm, Outcome, TempDir};
use kiln::{Config, Error, Limits, Tier, Value, Vm};

/// Per-invocation time limit: generous, for unoptimised builds on a busy
/// machine. Timing itself is not asserted.
const LIMIT: Duration = Duration::from_secs(120);

const TIERS: [&str; 3] = ["interp", "jit", "auto"];

/// `n` functions `f0` ... `f{n-1}`, each calling the next with its argument
/// and adding one; the last returns its argument. `f0(x)` is `x + n - 1`.
fn chain(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n - 1 {
        s += &format!("def f{i}(x):\n    return f{}(x) + 1\n", i + 1);
    }
    s += &format!("def f{}(x):\n    return x\n", n - 1);
    s
}

fn vm(args: &[&str], file: &std::path::Path) -> Outcome {
    let mut a: Vec<&std::ffi::OsStr> = args.iter().map(|s| s.as_ref()).collect();
    a.push(file.as_os_str());
    run_vm(&a, None, LIMIT)
}

#[test]
fn a_chain_of_a_thousand_functions_runs_in_every_tier() {
    let dir = TempDir::new("chain");
    // Past the 64 rounds inference used to be limited to, and deeper than
    // the default recursion limit of 1000 frames.
    let n = 1000;
    let file = dir.write("chain.py", chain(n) + "print(f0(5))\n");
    let o = vm(&["check"], &file);
    assert_eq!(o.code, Some(0), "check: {}", o.stderr_head(400));
    for tier in TIERS {
        let o = vm(&["run", "--tier", tier, "--recursion-limit", "1100"], &file);
        assert_eq!(o.code, Some(0), "{tier}: {}", o.stderr_head(400));
        assert_eq!(o.stdout.trim(), (5 + n - 1).to_string(), "{tier}");
    }
    // At the default limit, the same program is CPython's RecursionError.
    for tier in TIERS {
        let o = vm(&["run", "--tier", tier], &file);
        assert_eq!(o.code, Some(1), "{tier}: {}", o.stderr_head(400));
        assert_eq!(
            o.last_stderr_line(),
            "RecursionError: maximum recursion depth exceeded",
            "{tier}"
        );
    }
}

/// Loads `src` and calls `f0(arg)` in `tier` on a thread with the default
/// stack, as a host that spawns its own threads would.
fn on_default_thread(src: String, tier: Tier, arg: i64) -> Result<i64, String> {
    std::thread::spawn(move || {
        let mut vm = Vm::new(Config {
            tier,
            limits: Limits {
                max_depth: 5000,
                fuel: None,
            },
            ..Config::default()
        });
        let m = vm.load("chain.py", &src).map_err(|e| match e {
            Error::Compile { rendered, .. } => rendered,
            e => e.to_string(),
        })?;
        match vm.call(&m, "f0", &[Value::Int(arg)]) {
            Ok(Value::Int(v)) => Ok(v),
            Ok(v) => Err(format!("not an int: {v:?}")),
            Err(e) => Err(e.to_string()),
        }
    })
    .join()
    .expect("the host thread died")
}

#[test]
fn a_long_chain_stays_within_a_default_thread_stack() {
    // Typing, compiling and (in the native tier) inlining a chain must not
    // recurse along it.
    let n = 4000;
    for tier in [Tier::Interp, Tier::Jit, Tier::Auto] {
        assert_eq!(
            on_default_thread(chain(n), tier, 7),
            Ok(7 + n as i64 - 1),
            "{tier:?}"
        );
    }
}
