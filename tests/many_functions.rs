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

const MODES: [&[&str]; 4] = [
    &["check"],
    &["run", "--tier", "interp"],
    &["run", "--tier", "jit"],
    &["run", "--tier", "auto"],
];

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

/// `n` functions `f0` ... `f{n-1}`, `f{i}(x)` returning `x + i`, and module
/// code that adds up `f{i}(1)` for all of them.
fn many(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s += &format!("def f{i}(x):\n    return x + {i}\n");
    }
    s += "s = 0\n";
    for i in 0..n {
        s += &format!("s += f{i}(1)\n");
    }
    s + "print(s)\n"
}

fn assert_limit(what: &str, o: &Outcome, at: &str, message: &str) {
    assert!(
        o.signal.is_none() && !o.timed_out && !o.panicked(),
        "{what}: {} {}",
        o.status_text(),
        o.stderr_head(300)
    );
    assert_eq!(o.code, Some(1), "{what}: {}", o.stderr_head(300));
    let first = o.stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with(at) && first.contains("limit exceeded") && first.contains(message),
        "{what}: {}",
        o.stderr_head(600)
    );
    assert!(
        o.stderr.contains("help: "),
        "{what}: {}",
        o.stderr_head(600)
    );
}

#[test]
fn sixteen_thousand_functions_run_in_every_tier() {
    let dir = TempDir::new("many");
    let n = 16_000;
    let file = dir.write("many.py", many(n));
    let want = (0..n).map(|i| 1 + i).sum::<usize>().to_string();
    for tier in TIERS {
        let o = vm(&["run", "--tier", tier], &file);
        assert_eq!(o.code, Some(0), "{tier}: {}", o.stderr_head(400));
        assert_eq!(o.stdout.trim(), want, "{tier}");
    }
}

#[test]
fn past_the_specialisations_of_a_module_the_limit_is_named() {
    let dir = TempDir::new("too-many");
    let limit = typer::infer::MAX_SPECS;
    let file = dir.write("many.py", many(limit + 10));
    // The first function that does not fit, counting the module's code.
    let at = format!("{}:{}:5:", file.display(), 2 * limit - 1);
    for mode in MODES {
        let o = vm(mode, &file);
        assert_limit(
            &format!("{mode:?}"),
            &o,
            &at,
            &format!("program too large: it needs more than {limit} specialisations"),
        );
    }
}

#[test]
fn runaway_specialisation_of_one_function_names_it() {
    let dir = TempDir::new("runaway");
    // Each argument's tuple nesting is bounded, but together they make
    // more combinations than one function may have.
    let file = dir.write(
        "runaway.py",
        "def f(a, b, c, n):\n    if n == 0:\n        return 0\n    \
         return f((a,), b, c, n - 1) + f(a, (b,), c, n - 1) + f(a, b, (c,), n - 1)\n\
         print(f(1, 2, 3, 2))\n",
    );
    let at = format!("{}:1:5:", file.display());
    for mode in MODES {
        let o = vm(mode, &file);
        assert_limit(
            &format!("{mode:?}"),
            &o,
            &at,
            "too many specialisations of 'f': it is called with more than 4096",
        );
        assert!(o.stderr.contains("note: the call that needs one more"));
    }
}
