//! Negative tests for compile-time diagnostics, one case per construct.
//!
//! Each case is a small source written to a temp dir and checked with
//! `vm check FILE`. The expected output is
//!
//! ```text
//! FILE:LINE:COL: <kind>: message
//!     <the source line>
//!     <spaces>^^^
//! ```
//!
//! and the test asserts: exit status 1; nothing on stdout; the first stderr
//! line starts with `FILE:LINE:COL: <kind>:` at a hand-computed position;
//! the next line is the source line; the line after it is a caret line whose
//! first `^` sits under column COL; the message names the construct. For a
//! type conflict the other site must be named too (`FILE:LINE:` of a note, or
//! `line N`).
//!
//! Where more than one position is a fair place to point (the start of a
//! statement or the name it is about, a comprehension's `[` or its `for`),
//! the case lists every acceptable position; each was worked out by hand.
//!
//! `vm run` on the same file must fail with exit 1 and the same first
//! diagnostic line.
//!
//! All cases run; every failure is reported in one panic message.

mod common;

use std::time::Duration;

use common::{run_vm, TempDir};

const LIMIT: Duration = Duration::from_secs(20);

struct Case {
    /// File stem (the file is `NAME.py`).
    name: &'static str,
    src: &'static str,
    /// `syntax error`, `unsupported`, `type error`, `name error`, `arity error`.
    kind: &'static str,
    /// Acceptable (line, col) positions, 1-based; col counts characters.
    at: &'static [(usize, usize)],
    /// Each group must have at least one alternative in the message line
    /// (case-insensitive).
    names: &'static [&'static [&'static str]],
    /// For type conflicts: the line of the other site, which stderr must name.
    other_line: Option<usize>,
}

const CASES: &[Case] = &[
    // ---------------------------------------------------------------- syntax
    Case {
        name: "syn_double_equals",
        src: "x = = 1\n",
        kind: "syntax error",
        at: &[(1, 5)],
        names: &[],
        other_line: None,
    },
    Case {
        name: "syn_bad_operator",
        src: "y = 2\nprint(1 +* 2)\n",
        kind: "syntax error",
        at: &[(2, 10)],
        names: &[],
        other_line: None,
    },
    Case {
        name: "syn_unexpected_indent",
        src: "x = 1\n    y = 2\nprint(x)\n",
        kind: "syntax error",
        at: &[(2, 1), (2, 5)],
        names: &[&["indent"]],
        other_line: None,
    },
    Case {
        name: "syn_bad_dedent",
        src: "def f(a):\n        x = a\n    return x\nprint(f(1))\n",
        kind: "syntax error",
        at: &[(3, 1), (3, 5)],
        names: &[&["indent"]],
        other_line: None,
    },
    Case {
        name: "syn_missing_block",
        src: "if True:\nx = 1\n",
        kind: "syntax error",
        at: &[(2, 1)],
        names: &[&["indent"]],
        other_line: None,
    },
    Case {
        name: "syn_missing_colon",
        src: "def f(a)\n    return a\n",
        kind: "syntax error",
        at: &[(1, 9)],
        names: &[&["':'", "colon"]],
        other_line: None,
    },
    Case {
        name: "syn_unclosed_paren",
        src: "x = (1 + 2\ny = 3\nprint(x, y)\n",
        kind: "syntax error",
        at: &[(1, 5)],
        names: &[&["close", "'('"]],
        other_line: None,
    },
    Case {
        name: "syn_unmatched_close",
        src: "x = 1 + 2)\n",
        kind: "syntax error",
        at: &[(1, 10)],
        names: &[&["')'"]],
        other_line: None,
    },
    Case {
        name: "syn_unterminated_string",
        src: "x = 1\nprint(\"abc)\n",
        kind: "syntax error",
        at: &[(2, 7)],
        names: &[&["unterminated", "string"]],
        other_line: None,
    },
    Case {
        name: "syn_unterminated_triple_string",
        src: "x = 1\ns = \"\"\"abc\nprint(x)\n",
        kind: "syntax error",
        at: &[(2, 5)],
        names: &[&["unterminated", "string"]],
        other_line: None,
    },
    Case {
        name: "syn_invalid_character",
        src: "x = 1 $ 2\n",
        kind: "syntax error",
        at: &[(1, 7)],
        names: &[&["$"]],
        other_line: None,
    },
    Case {
        name: "syn_keyword_as_name",
        src: "def = 3\n",
        kind: "syntax error",
        at: &[(1, 5), (1, 1)],
        names: &[],
        other_line: None,
    },
    Case {
        name: "syn_return_outside_function",
        src: "x = 1\nreturn x\n",
        kind: "syntax error",
        at: &[(2, 1)],
        names: &[&["return"]],
        other_line: None,
    },
    Case {
        name: "syn_bad_number",
        src: "x = 12abc\n",
        kind: "syntax error",
        at: &[(1, 5)],
        names: &[],
        other_line: None,
    },
    // ----------------------------------------------------------- unsupported
    Case {
        name: "unsup_class",
        src: "x = 1\nclass Foo:\n    pass\n",
        kind: "unsupported",
        at: &[(2, 1)],
        names: &[&["class"]],
        other_line: None,
    },
    Case {
        name: "unsup_lambda",
        src: "def f(a):\n    g = lambda y: y + 1\n    return a\nprint(f(1))\n",
        kind: "unsupported",
        at: &[(2, 9)],
        names: &[&["lambda"]],
        other_line: None,
    },
    Case {
        name: "unsup_dot_0d",
        src: "import numpy as np\nz = np.zeros(())\nprint(np.dot(z, z))\n",
        kind: "unsupported",
        at: &[(3, 7)],
        names: &[&["np.dot"], &["1-D"]],
        other_line: None,
    },
    // A recursive call whose argument type grows: refused at the call
    // within a few specialisations (it once took tens of seconds).
    Case {
        name: "limit_growing_argument",
        src: "def report(total, count):\n    return report(((total, 1), 1), count)\n\nprint(report(10, 3))\n",
        kind: "limit exceeded",
        at: &[(2, 12)],
        names: &[&["report()"], &["recursive call"]],
        other_line: None,
    },
    Case {
        name: "unsup_bool_scalar_index",
        src: "import numpy as np\na = np.arange(3)\nprint(a[True])\n",
        kind: "unsupported",
        at: &[(3, 9)],
        names: &[&["boolean scalar"], &["index"]],
        other_line: None,
    },
    Case {
        name: "type_float_index_array",
        src: "import numpy as np\na = np.arange(3)\nprint(a[np.ones(2)])\n",
        kind: "type error",
        at: &[(3, 9)],
        names: &[&["integer (or boolean)"]],
        other_line: None,
    },
    Case {
        name: "unsup_try",
        src: "def f(a):\n    try:\n        return a\n    except ValueError:\n        return 0\nprint(f(1))\n",
        kind: "unsupported",
        at: &[(2, 5)],
        names: &[&["try"]],
        other_line: None,
    },
    Case {
        name: "unsup_with",
        src: "def f(a):\n    with a:\n        pass\n    return a\nprint(f(1))\n",
        kind: "unsupported",
        at: &[(2, 5)],
        names: &[&["with"]],
        other_line: None,
    },
    Case {
        name: "unsup_dict",
        src: "def f(a):\n    d = {1: a}\n    return a\nprint(f(1))\n",
        kind: "unsupported",
        at: &[(2, 9)],
        names: &[&["dict"]],
        other_line: None,
    },
    Case {
        // `[` of the comprehension, or its `for`.
        name: "unsup_list_comprehension",
        src: "def f(n):\n    xs = [i * i for i in range(n)]\n    return n\nprint(f(3))\n",
        kind: "unsupported",
        at: &[(2, 10), (2, 17)],
        names: &[&["comprehension"]],
        other_line: None,
    },
    Case {
        name: "unsup_list_literal",
        src: "x = 1\ny = [x, 2]\n",
        kind: "unsupported",
        at: &[(2, 5)],
        names: &[&["list"]],
        other_line: None,
    },
    Case {
        name: "unsup_global",
        src: "N = 1\ndef f(a):\n    global N\n    return a\nprint(f(1))\n",
        kind: "unsupported",
        at: &[(3, 5)],
        names: &[&["global"]],
        other_line: None,
    },
    Case {
        // one level of nesting is lifted; two are refused
        name: "unsup_nested_def",
        src: "def outer(a):\n    def inner(b):\n        def deep(c):\n            return c\n        return deep(b)\n    return inner(a)\nprint(outer(1))\n",
        kind: "unsupported",
        at: &[(3, 9), (3, 13)],
        names: &[&["nested", "deep"]],
        other_line: None,
    },
    Case {
        // the statement, or the module name
        name: "unsup_import_unknown",
        src: "import math\nimport os\nprint(math.pi)\n",
        kind: "unsupported",
        at: &[(2, 1), (2, 8)],
        names: &[&["'os'", "os"]],
        other_line: None,
    },
    Case {
        name: "unsup_from_import_unknown",
        src: "from collections import deque\nprint(1)\n",
        kind: "unsupported",
        at: &[(1, 1), (1, 6)],
        names: &[&["collections"]],
        other_line: None,
    },
    Case {
        // a str.format field reading an attribute
        name: "unsup_format_field_attribute",
        src: "x = 3\nprint(\"{0.real}\".format(x))\n",
        kind: "unsupported",
        at: &[(2, 7)],
        names: &[&["attribute"]],
        other_line: None,
    },
    Case {
        name: "unsup_yield",
        src: "def gen(n):\n    yield n\nprint(gen(1))\n",
        kind: "unsupported",
        at: &[(2, 5)],
        names: &[&["yield", "generator"]],
        other_line: None,
    },
    // ----------------------------------------------------------------- types
    Case {
        // x = int at line 3, x = tuple at line 4
        name: "type_var_int_then_tuple",
        src: "def f(a):\n    y = a + 1\n    x = a\n    x = (a, y)\n    return y\nprint(f(1))\n",
        kind: "type error",
        at: &[(4, 5), (4, 9)],
        names: &[&["int"], &["tuple"]],
        other_line: Some(3),
    },
    Case {
        // x = float at line 2, x = tuple at line 4 (inside an if)
        name: "type_var_float_then_tuple_in_branch",
        src: "def g(a):\n    x = 1.5\n    if a > 0:\n        x = (1, 2)\n    return a\nprint(g(1))\n",
        kind: "type error",
        at: &[(4, 9), (4, 13)],
        names: &[&["float"], &["tuple"]],
        other_line: Some(2),
    },
    Case {
        // returns int at line 3, a tuple at line 4
        name: "type_return_int_or_tuple",
        src: "def f(n):\n    if n > 0:\n        return n\n    return (n, n)\nprint(f(1))\n",
        kind: "type error",
        at: &[(4, 5), (4, 12)],
        names: &[&["int"], &["tuple"]],
        other_line: Some(3),
    },
    Case {
        name: "type_tuple_plus_int",
        src: "def f(n):\n    t = (n, n)\n    return t + 1\nprint(f(1))\n",
        kind: "type error",
        at: &[(3, 12)],
        names: &[&["tuple"], &["int"]],
        other_line: None,
    },
    // ----------------------------------------------------------------- names
    Case {
        name: "name_in_function",
        src: "def f(a):\n    return a + bee\nprint(f(1))\n",
        kind: "name error",
        at: &[(2, 16)],
        names: &[&["'bee'"]],
        other_line: None,
    },
    Case {
        name: "name_top_level",
        src: "x = 1\nprint(x, why)\n",
        kind: "name error",
        at: &[(2, 10)],
        names: &[&["'why'"]],
        other_line: None,
    },
    Case {
        name: "name_unknown_function",
        src: "x = 2\nprint(frobnicate(x))\n",
        kind: "name error",
        at: &[(2, 7)],
        names: &[&["'frobnicate'"]],
        other_line: None,
    },
    Case {
        name: "name_misspelled_builtin",
        src: "def f(a, b):\n    return mx(a, b)\nprint(f(1, 2))\n",
        kind: "name error",
        at: &[(2, 12)],
        names: &[&["'mx'"]],
        other_line: None,
    },
    // ----------------------------------------------------------------- arity
    Case {
        // the call, or the first extra argument
        name: "arity_too_many",
        src: "def area(w, h):\n    return w * h\nprint(area(1, 2, 3))\n",
        kind: "arity error",
        at: &[(3, 7), (3, 18)],
        names: &[&["area"]],
        other_line: None,
    },
    Case {
        name: "arity_too_few",
        src: "def area(w, h):\n    return w * h\nprint(area(1))\n",
        kind: "arity error",
        at: &[(3, 7)],
        names: &[&["area"]],
        other_line: None,
    },
    Case {
        // the call, or the keyword
        name: "arity_unknown_keyword",
        src: "def scale(x, k=2):\n    return x * k\nprint(scale(1, factor=3))\n",
        kind: "arity error",
        at: &[(3, 7), (3, 16)],
        names: &[&["factor"]],
        other_line: None,
    },
    Case {
        name: "arity_duplicate_keyword",
        src: "def scale(x, k=2):\n    return x * k\nprint(scale(1, x=3))\n",
        kind: "arity error",
        at: &[(3, 7), (3, 16)],
        names: &[&["'x'"]],
        other_line: None,
    },
    Case {
        name: "arity_too_few_in_function",
        src: "def add3(a, b, c):\n    return a + b + c\ndef g(n):\n    return add3(n, n)\nprint(g(1))\n",
        kind: "arity error",
        at: &[(4, 12)],
        names: &[&["add3"]],
        other_line: None,
    },
    Case {
        name: "arity_builtin_math",
        src: "import math\nprint(math.sqrt(1.0, 2.0))\n",
        kind: "arity error",
        at: &[(2, 7), (2, 22)],
        names: &[&["sqrt"]],
        other_line: None,
    },
];

/// Checks one diagnostic (stderr of `vm check`) against a case; returns the
/// problems found.
fn check_case(
    case: &Case,
    file: &str,
    code: Option<i32>,
    stdout: &str,
    stderr: &str,
) -> Vec<String> {
    let mut p = Vec::new();
    if code != Some(1) {
        p.push(format!("exit status {code:?}, expected 1"));
    }
    if !stdout.trim().is_empty() {
        p.push(format!("stdout should be empty, got {stdout:?}"));
    }
    let lines: Vec<&str> = stderr.lines().collect();
    let Some(first) = lines.first() else {
        p.push("stderr is empty".into());
        return p;
    };
    // FILE:LINE:COL: kind: message
    let prefix_ok = case
        .at
        .iter()
        .find(|(l, c)| first.starts_with(&format!("{file}:{l}:{c}: {}:", case.kind)));
    let Some(&(line, col)) = prefix_ok else {
        let want: Vec<String> = case
            .at
            .iter()
            .map(|(l, c)| format!("{file}:{l}:{c}: {}:", case.kind))
            .collect();
        p.push(format!(
            "first stderr line {first:?} should start with one of {want:?}"
        ));
        return p;
    };
    let message = first.to_lowercase();
    for group in case.names {
        if !group.iter().any(|w| message.contains(&w.to_lowercase())) {
            p.push(format!("message {first:?} should mention one of {group:?}"));
        }
    }
    // The source line, then the caret line.
    let src_line = case.src.split('\n').nth(line - 1).unwrap_or("");
    match lines.get(1) {
        Some(shown) if shown.trim() == src_line.trim() && !src_line.trim().is_empty() => {
            // caret alignment: the first '^' must sit under column `col`
            match lines.get(2) {
                Some(carets)
                    if !carets.trim().is_empty() && carets.trim().chars().all(|c| c == '^') =>
                {
                    let shown_indent = shown.len() - shown.trim_start().len();
                    let lead = src_line.chars().count() - src_line.trim_start().chars().count();
                    let caret_at = carets.find('^').unwrap();
                    let want = shown_indent + (col - 1).saturating_sub(lead);
                    if caret_at != want {
                        p.push(format!(
                            "the caret is at offset {caret_at} of the caret line, expected {want} (under column {col}):\n{shown}\n{carets}"
                        ));
                    }
                }
                other => p.push(format!(
                    "third stderr line should be a caret line of '^', got {other:?}"
                )),
            }
        }
        other => p.push(format!(
            "second stderr line should be the source line {src_line:?}, got {other:?}"
        )),
    }
    if let Some(other) = case.other_line {
        let a = format!("{file}:{other}:");
        let b = format!("line {other}");
        if !stderr.contains(&a) && !stderr.contains(&b) {
            p.push(format!(
                "the diagnostic should name the other site (line {other}), stderr:\n{stderr}"
            ));
        }
    }
    p
}

#[test]
fn diagnostics_point_at_the_construct() {
    let dir = TempDir::new("diag");
    let mut failures = Vec::new();
    let mut names = std::collections::HashSet::new();
    for case in CASES {
        assert!(names.insert(case.name), "duplicate case name {}", case.name);
        let file = format!("{}.py", case.name);
        dir.write(&file, case.src);
        let o = run_vm(&["check", file.as_str()], Some(&dir.path), LIMIT);
        if o.timed_out || o.signal.is_some() || o.panicked() {
            failures.push(format!(
                "{} [check]: {} (crash)\n    stderr: {}",
                case.name,
                o.status_text(),
                o.stderr_head(600)
            ));
            continue;
        }
        let problems = check_case(case, &file, o.code, &o.stdout, &o.stderr);
        if !problems.is_empty() {
            failures.push(format!(
                "{} [check]:\n  - {}\n  source:\n{}\n  stderr:\n{}",
                case.name,
                problems.join("\n  - "),
                indent(case.src),
                indent(&o.stderr)
            ));
        }
        // `vm run` reports the same first diagnostic.
        let r = run_vm(&["run", file.as_str()], Some(&dir.path), LIMIT);
        let first_check = o.stderr.lines().next().unwrap_or("");
        let first_run = r
            .stderr
            .lines()
            .find(|l| l.starts_with(&file))
            .unwrap_or("");
        if r.code != Some(1) || r.panicked() || first_run != first_check {
            failures.push(format!(
                "{} [run]: expected exit 1 and the diagnostic {first_check:?}; got {} and stderr:\n{}",
                case.name,
                r.status_text(),
                indent(&r.stderr_head(600))
            ));
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} diagnostic cases failed:\n\n{}\n",
            failures.len(),
            CASES.len(),
            failures.join("\n\n")
        );
    }
}

/// Every diagnostic kind the CLI documents is exercised above.
#[test]
fn every_kind_is_covered() {
    for kind in [
        "syntax error",
        "unsupported",
        "type error",
        "name error",
        "arity error",
    ] {
        assert!(
            CASES.iter().filter(|c| c.kind == kind).count() >= 3,
            "fewer than 3 cases of {kind}"
        );
    }
}

/// `vm check` on a valid program prints `ok` and exits 0, and on a missing
/// file exits 2 (usage), not 1.
#[test]
fn check_ok_and_missing_file() {
    let dir = TempDir::new("diag-ok");
    dir.write("fine.py", "def f(a, b=2):\n    return a * b\nprint(f(3))\n");
    let o = run_vm(&["check", "fine.py"], Some(&dir.path), LIMIT);
    assert_eq!(o.code, Some(0), "vm check on a valid program: {}", o.stderr);
    assert_eq!(o.stdout.trim(), "ok");
    let o = run_vm(&["check", "no_such_file.py"], Some(&dir.path), LIMIT);
    assert_eq!(o.code, Some(2), "vm check on a missing file: {}", o.stderr);
    let o = run_vm(
        &["run", "--tier", "warp", "fine.py"],
        Some(&dir.path),
        LIMIT,
    );
    assert_eq!(o.code, Some(2), "vm run with a bad --tier: {}", o.stderr);
    let o = run_vm(&["frobnicate"], Some(&dir.path), LIMIT);
    assert_eq!(o.code, Some(2), "unknown command: {}", o.stderr);
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
