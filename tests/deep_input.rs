//! Deeply nested and very long programs: every pass over the syntax tree and
//! the typed tree recurses, so the parser bounds the depth of both (see
//! `typer::parser::MAX_DEPTH` and `typer::lexer::MAX_NESTING`). Past the
//! bounds a program gets a `limit exceeded` diagnostic with file:line:col,
//! the source line and a caret (exit 1), never a native stack overflow; up
//! to them it runs, also on a host thread with a 2 MiB stack. Programs with
//! very many names type-check in time linear in their size.

mod common;

use std::time::Duration;

use common::{run_vm, Outcome, TempDir};
use kiln::{Config, Error, Value, Vm};
use typer::parser::MAX_DEPTH;

/// Per-invocation time limit: generous, for unoptimised builds on a busy
/// machine. Timing itself is not asserted.
const LIMIT: Duration = Duration::from_secs(60);

const MODES: [&[&str]; 4] = [
    &["check"],
    &["run", "--tier", "interp"],
    &["run", "--tier", "jit"],
    &["run", "--tier", "auto"],
];

fn vm(mode: &[&str], file: &std::path::Path) -> Outcome {
    let mut args: Vec<&std::ffi::OsStr> = mode.iter().map(|s| s.as_ref()).collect();
    args.push(file.as_os_str());
    run_vm(&args, None, LIMIT)
}

/// A construct's name, its program with `n` repetitions, and the line the
/// diagnostic must be on.
type Chain = (&'static str, fn(usize) -> String, usize);

/// The chains that overflowed the native stack.
fn chains() -> Vec<Chain> {
    vec![
        (
            "or",
            |n| format!("x = 1\ny = x{}\nprint(y)\n", " or x".repeat(n)),
            2,
        ),
        (
            "and",
            |n| format!("x = 1\ny = x{}\nprint(y)\n", " and x".repeat(n)),
            2,
        ),
        (
            "attribute",
            |n| {
                format!(
                    "import numpy as np\na = np.zeros((2, 2))\nb = a{}\nprint(b)\n",
                    ".T".repeat(n)
                )
            },
            3,
        ),
        (
            "index",
            |n| {
                format!(
                    "import numpy as np\na = np.zeros(3)\nb = a{}\nprint(b)\n",
                    "[0]".repeat(n)
                )
            },
            3,
        ),
        (
            "slice",
            |n| {
                format!(
                    "import numpy as np\na = np.zeros(3)\nb = a{}\nprint(b)\n",
                    "[::1]".repeat(n)
                )
            },
            3,
        ),
        (
            "call",
            |n| format!("def f():\n    return 1\ng = f{}\n", "()".repeat(n)),
            3,
        ),
        (
            "*",
            |n| format!("x = 1\ny = x{}\nprint(y)\n", " * x".repeat(n)),
            2,
        ),
        (
            "-",
            |n| format!("x = 1\ny = x{}\nprint(y)\n", " - x".repeat(n)),
            2,
        ),
        (
            "**",
            |n| format!("x = 1\ny = x{}\nprint(y)\n", " ** x".repeat(n)),
            2,
        ),
        (
            "unary -",
            |n| format!("x = 1\ny = {}x\nprint(y)\n", "- ".repeat(n)),
            2,
        ),
        (
            "not",
            |n| format!("x = 1\ny = {}x\nprint(y)\n", "not ".repeat(n)),
            2,
        ),
        (
            "conditional",
            |n| format!("x = 1\ny = {}x\nprint(y)\n", "x if x else ".repeat(n)),
            2,
        ),
        (
            "nested calls",
            |n| {
                format!(
                    "def f(a):\n    return a\ny = {}1{}\nprint(y)\n",
                    "f(".repeat(n),
                    ")".repeat(n)
                )
            },
            3,
        ),
        (
            "in a function",
            |n| format!("def f(x):\n    return x{}\nprint(f(1))\n", " + x".repeat(n)),
            2,
        ),
    ]
}

fn assert_limit_diagnostic(what: &str, mode: &[&str], o: &Outcome, file: &str, line: usize) {
    assert!(
        o.signal.is_none() && !o.timed_out && !o.panicked(),
        "{what} under {mode:?}: {} {}",
        o.status_text(),
        o.stderr_head(300)
    );
    assert_eq!(
        o.code,
        Some(1),
        "{what} under {mode:?}: {}",
        o.stderr_head(300)
    );
    let first = o.stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with(&format!("{file}:{line}:")) && first.contains("limit exceeded"),
        "{what} under {mode:?}: {}",
        o.stderr_head(300)
    );
    assert!(
        first.contains("too deeply nested")
            || first.contains("nested too deeply")
            || first.contains("too many nested brackets"),
        "{what} under {mode:?}: {first}"
    );
    // The source line, then a caret under the construct.
    let caret = o.stderr.lines().nth(2).unwrap_or("");
    assert!(
        caret.trim_start().starts_with('^'),
        "{what} under {mode:?}: {}",
        o.stderr_head(300)
    );
}

#[test]
fn long_chains_get_a_diagnostic_in_every_mode() {
    let dir = TempDir::new("deep");
    for (what, program, line) in chains() {
        for n in [20_000, 100_000] {
            let file = dir.write("deep.py", program(n));
            for mode in MODES {
                let o = vm(mode, &file);
                assert_limit_diagnostic(what, mode, &o, &file.display().to_string(), line);
            }
        }
    }
}

#[test]
fn chains_within_the_limit_run_in_every_mode() {
    let dir = TempDir::new("deep-ok");
    let n = MAX_DEPTH - 1;
    let cases = [
        (
            format!("x = 1\ny = x{}\nprint(y)\n", " or x".repeat(n)),
            "1",
        ),
        (
            format!("def f(x):\n    return x{}\nprint(f(2))\n", " + x".repeat(n)),
            "400",
        ),
        (
            format!(
                "import numpy as np\na = np.ones((2, 3))\nprint(a{}.shape[0])\n",
                ".T".repeat(n - 4)
            ),
            "3",
        ),
        (
            format!("x = 1\ny = {}x\nprint(y)\n", "not ".repeat(90)),
            "True",
        ),
        // Comparison chains are flat: any length works.
        (
            format!("x = 1\nprint(x{})\n", " <= x".repeat(10_000)),
            "True",
        ),
    ];
    for (src, want) in cases {
        let file = dir.write("ok.py", &src);
        for mode in MODES {
            let o = vm(mode, &file);
            assert_eq!(
                o.code,
                Some(0),
                "{mode:?} {}: {}",
                common::head(&src, 60),
                o.stderr_head(300)
            );
            if mode[0] == "run" {
                assert_eq!(o.stdout.trim(), want, "{mode:?} {}", common::head(&src, 60));
            }
        }
    }
}

/// `depth` nested `while` loops around a sum of `terms` terms: the deepest
/// statement nesting the lexer accepts, holding an expression as deep as the
/// parser accepts.
fn nested_blocks(depth: usize, terms: usize) -> String {
    let mut s = String::from("def f(x):\n");
    let mut indent = String::from(" ");
    for _ in 0..depth {
        s += &format!("{indent}while x < 2:\n");
        indent.push(' ');
    }
    s += &format!("{indent}x = x{}\n", " + x".repeat(terms - 1));
    s += " return x\n";
    s
}

/// Loads `src` and calls `f(arg)` on a thread with a 2 MiB stack, as a host
/// that spawns its own threads would.
fn on_small_stack(src: String, arg: i64) -> Result<i64, String> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let mut vm = Vm::new(Config::default());
            let m = vm.load("deep.py", &src).map_err(|e| match e {
                Error::Compile { rendered, .. } => rendered,
                e => e.to_string(),
            })?;
            match vm.call(&m, "f", &[Value::Int(arg)]) {
                Ok(Value::Int(v)) => Ok(v),
                Ok(v) => Err(format!("not an int: {v:?}")),
                Err(e) => Err(e.to_string()),
            }
        })
        .unwrap()
        .join()
        .expect("the host thread died")
}

#[test]
fn the_rust_api_stays_within_a_2_mib_thread() {
    let n = MAX_DEPTH;
    // Up to the limits: the right value.
    let deepest_block = nested_blocks(96, n);
    assert_eq!(on_small_stack(deepest_block, 1), Ok(n as i64));
    let chain = format!("def f(x):\n    return x{}\n", " * x".repeat(n - 1));
    assert_eq!(on_small_stack(chain, 1), Ok(1));
    let parens = format!(
        "def f(x):\n    return {}x{}\n",
        "(".repeat(96),
        ")".repeat(96)
    );
    assert_eq!(on_small_stack(parens, 7), Ok(7));
    // A call's brackets and its argument each count toward MAX_NESTING.
    let calls = format!(
        "def g(a):\n    return a + 1\ndef f(x):\n    return {}x{}\n",
        "g(".repeat(48),
        ")".repeat(48)
    );
    assert_eq!(on_small_stack(calls, 0), Ok(48));
    let attrs = format!(
        "import numpy as np\ndef f(x):\n    return np.ones((x, 3)){}.shape[0]\n",
        ".T".repeat(n - 5)
    );
    assert_eq!(on_small_stack(attrs, 2), Ok(3));
    // Past them: a diagnostic, at the construct.
    for (what, program, _) in chains() {
        let src = program(100_000).replace("print(", "def f(x):\n    return x\nprint(");
        let err = on_small_stack(src, 0).unwrap_err();
        assert!(
            err.contains("limit exceeded") && err.contains("deep.py:"),
            "{what}: {err}"
        );
    }
    let too_deep = nested_blocks(96, n + 1);
    let err = on_small_stack(too_deep, 1).unwrap_err();
    assert!(err.contains("too deeply nested"), "{err}");
    let too_nested = nested_blocks(200, 2);
    let err = on_small_stack(too_nested, 1).unwrap_err();
    assert!(err.contains("limit exceeded"), "{err}");
}

/// `n` distinct variables at module level, or in a function.
fn many_locals(n: usize, in_function: bool) -> String {
    let pad = if in_function { "    " } else { "" };
    let mut s = String::new();
    if in_function {
        s += "def f():\n";
    }
    for i in 0..n {
        s += &format!("{pad}v{i} = {i}\n");
    }
    if in_function {
        s += &format!("    return v0 + v{}\nprint(f())\n", n - 1);
    } else {
        s += &format!("print(v0 + v{})\n", n - 1);
    }
    s
}

/// `v0 = v1 = ... = 1`, at module level or in a function.
fn chained_assignment(n: usize, in_function: bool) -> String {
    let targets: String = (0..n).map(|i| format!("v{i} = ")).collect();
    let last = n - 1;
    if in_function {
        format!("def f():\n    {targets}1\n    return v0 + v{last}\nprint(f())\n")
    } else {
        format!("{targets}1\nprint(v0 + v{last})\n")
    }
}

#[test]
fn a_hundred_thousand_names_are_checked_quickly() {
    // Past the register limit: a clean diagnostic (fast: the check used
    // to be quadratic in the number of names and took over a minute).
    let dir = TempDir::new("many");
    for in_function in [false, true] {
        for (what, src) in [
            ("locals", many_locals(100_000, in_function)),
            (
                "chained assignment",
                chained_assignment(100_000, in_function),
            ),
        ] {
            let file = dir.write("many.py", &src);
            for mode in MODES {
                let o = vm(mode, &file);
                assert!(
                    !o.timed_out && o.signal.is_none() && !o.panicked(),
                    "{what} {mode:?}: {}",
                    o.status_text()
                );
                assert_eq!(o.code, Some(1), "{what} {mode:?}: {}", o.stderr_head(300));
                assert!(
                    o.stderr
                        .contains("limit exceeded: function too large: too many variables"),
                    "{what} {mode:?}: {}",
                    o.stderr_head(300)
                );
            }
        }
    }
}

#[test]
fn many_names_within_the_register_limit_run() {
    let dir = TempDir::new("many-ok");
    let n = 20_000;
    for in_function in [false, true] {
        for (what, src, want) in [
            ("locals", many_locals(n, in_function), (n - 1).to_string()),
            (
                "chained assignment",
                chained_assignment(n, in_function),
                "2".to_string(),
            ),
        ] {
            let file = dir.write("many.py", &src);
            for mode in MODES {
                let o = vm(mode, &file);
                assert_eq!(o.code, Some(0), "{what} {mode:?}: {}", o.stderr_head(300));
                if mode[0] == "run" {
                    assert_eq!(o.stdout.trim(), want, "{what} {mode:?}");
                }
            }
        }
    }
}
