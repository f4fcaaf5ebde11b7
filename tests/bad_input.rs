//! Malformed, huge and pathological inputs for `vm run` and `vm check`.
//!
//! The invariant: the `vm` binary never panics (exit 101), never dies from a
//! signal (stack overflow, abort) and never hangs (each invocation is killed
//! after `LIMIT`). What it may do depends on the input:
//!
//! * garbage (random bytes, unterminated strings, NUL bytes, invalid UTF-8,
//!   inconsistent tabs): exit 1 (a diagnostic) or 2, with a message on stderr;
//! * random mutations of valid programs and random token soup may still be
//!   valid programs, so 0 is accepted there too;
//! * syntactically valid Python that is merely huge or deep (100000 nested
//!   parentheses, 5000 nested `if`s, a 10^6-term sum, ...): either the right
//!   output with exit 0, or exit 1 with a diagnostic (a `limit exceeded` is
//!   the expected kind), never a crash;
//! * an empty file and a file of only comments are valid programs: exit 0;
//! * deep recursion at run time: `RecursionError`, exit 1.
//!
//! Runs under `vm run` use `--fuel` so that a mutation that turned a loop
//! into an infinite one ends quickly.
//!
//! Every failure of a test is collected and reported in one panic message.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{head, run_vm, Outcome, TempDir};

/// Per-invocation time limit.
const LIMIT: Duration = Duration::from_secs(60);
/// Fuel for `vm run` of generated inputs (loop iterations and calls).
const FUEL: &str = "300000";

/// A tiny deterministic PRNG (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn byte(&mut self) -> u8 {
        (self.next() >> 56) as u8
    }
}

/// What an input is allowed to do.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Expect {
    /// Exit 1 or 2 with something on stderr.
    Reject,
    /// Exit 0, 1 or 2 (1 with something on stderr).
    Any,
    /// Exit 0 with exactly this stdout (run) / `ok` (check), or exit 1 with
    /// a diagnostic.
    OutputOrDiagnostic(&'static str),
    /// Exit 0 with exactly this stdout (run) / `ok` (check).
    Output(&'static str),
}

/// Checks one outcome; `what` describes the invocation for the message.
fn judge(what: &str, is_run: bool, expect: Expect, o: &Outcome) -> Option<String> {
    let bad = |why: String| {
        Some(format!(
            "{what}: {why}; got {}\n    stdout: {:?}\n    stderr: {:?}",
            o.status_text(),
            o.stdout_head(200),
            o.stderr_head(400)
        ))
    };
    if o.timed_out {
        return bad(format!("took longer than {LIMIT:?}"));
    }
    if o.signal.is_some() {
        return bad("killed by a signal (crash)".into());
    }
    if o.panicked() {
        return bad("panicked".into());
    }
    let code = o.code.unwrap_or(-1);
    if code == 1 && o.stderr.trim().is_empty() {
        return bad("exit 1 without any message on stderr".into());
    }
    let want_ok = |out: &str| -> bool {
        code == 0
            && if is_run {
                o.stdout == out
            } else {
                o.stdout.trim() == "ok"
            }
    };
    match expect {
        Expect::Reject if code == 1 || code == 2 => None,
        Expect::Reject => bad("expected exit 1 or 2".into()),
        Expect::Any if (0..=2).contains(&code) => None,
        Expect::Any => bad("expected exit 0, 1 or 2".into()),
        Expect::OutputOrDiagnostic(out) => {
            if want_ok(out) || code == 1 {
                None
            } else {
                bad(format!(
                    "expected exit 0 with stdout {:?}, or exit 1 with a diagnostic",
                    head(out, 100)
                ))
            }
        }
        Expect::Output(out) => {
            if want_ok(out) {
                None
            } else {
                bad(format!("expected exit 0 with stdout {:?}", head(out, 100)))
            }
        }
    }
}

/// Runs `vm check FILE` and `vm run --fuel N FILE` on each file and judges
/// them. Returns the failures.
fn run_all(dir: &Path, inputs: &[(String, Expect)]) -> Vec<String> {
    let mut failures = Vec::new();
    for (name, expect) in inputs {
        let o = run_vm(&["check", name.as_str()], Some(dir), LIMIT);
        if let Some(f) = judge(&format!("vm check {name}"), false, *expect, &o) {
            failures.push(f);
        }
        let o = run_vm(&["run", "--fuel", FUEL, name.as_str()], Some(dir), LIMIT);
        if let Some(f) = judge(&format!("vm run {name}"), true, *expect, &o) {
            failures.push(f);
        }
    }
    failures
}

fn report(test: &str, total: usize, failures: Vec<String>) {
    if !failures.is_empty() {
        panic!(
            "{test}: {} failures over {total} inputs (set KILN_KEEP_TMP=1 to keep the files):\n\n{}\n",
            failures.len(),
            failures.join("\n\n")
        );
    }
}

/// The valid programs of `tests/programs`, used as seeds for mutation.
fn seeds() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("programs");
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("tests/programs is missing")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    assert!(!v.is_empty());
    v
}

#[test]
fn random_binary_garbage_is_rejected() {
    let dir = TempDir::new("garbage");
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let mut inputs = Vec::new();
    for i in 0..150 {
        let len = match i % 3 {
            0 => 1 + rng.below(16),
            1 => 1 + rng.below(512),
            _ => 1 + rng.below(8192),
        };
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        // make sure it is not accidentally valid: one byte that is never
        // valid UTF-8 somewhere
        let at = rng.below(len);
        bytes[at] = 0xFF;
        let name = format!("garbage_{i:03}.py");
        dir.write(&name, &bytes);
        inputs.push((name, Expect::Reject));
    }
    let total = inputs.len();
    report("random binary garbage", total, run_all(&dir.path, &inputs));
}

/// Random sequences of Python-ish tokens and characters: valid UTF-8 that
/// reaches the lexer and parser.
#[test]
fn random_token_soup_never_crashes() {
    const TOKENS: &[&str] = &[
        "def",
        "f",
        "(",
        ")",
        ":",
        "\n",
        "    ",
        "\t",
        "return",
        "x",
        "=",
        "1",
        "2.5",
        "+",
        "-",
        "*",
        "**",
        "//",
        "%",
        "if",
        "else",
        "elif",
        "while",
        "for",
        "in",
        "range",
        "(",
        ")",
        ",",
        "print",
        "\"s\"",
        "'",
        "\"\"\"",
        "#",
        "\\",
        "and",
        "or",
        "not",
        "<",
        "<=",
        "==",
        "!=",
        ">>",
        "<<",
        "&",
        "|",
        "^",
        "~",
        "True",
        "False",
        "None",
        "import",
        "math",
        "numba",
        "@njit",
        ".",
        "lambda",
        "class",
        "[",
        "]",
        "{",
        "}",
        "0x",
        "1e",
        "_",
        "9223372036854775808",
        "assert",
        "raise",
        "ValueError",
        "break",
        "continue",
        "pass",
        "global",
        "yield",
        "é",
        "π",
        "\r",
        " ",
        "  ",
        ";",
        "->",
        ":=",
        "...",
    ];
    let dir = TempDir::new("soup");
    let mut rng = Rng::new(12345);
    let mut inputs = Vec::new();
    for i in 0..120 {
        let n = 1 + rng.below(if i % 2 == 0 { 12 } else { 200 });
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(TOKENS[rng.below(TOKENS.len())]);
            if rng.below(3) == 0 {
                s.push(' ');
            }
        }
        let name = format!("soup_{i:03}.py");
        dir.write(&name, s.as_bytes());
        inputs.push((name, Expect::Any));
    }
    let total = inputs.len();
    report("random token soup", total, run_all(&dir.path, &inputs));
}

/// Byte flips, truncations, duplicated/deleted/swapped lines and inserted
/// tokens applied to the valid programs of tests/programs.
#[test]
fn mutated_valid_programs_never_crash() {
    const INSERTS: &[&[u8]] = &[
        b"(",
        b")",
        b":",
        b"\t",
        b"    ",
        b"\"",
        b"'''",
        b"lambda ",
        b"0x",
        b"1e",
        b"**",
        b"\\",
        b"\r",
        b"\x00",
        b"\n",
        b"#",
        b"def ",
        b"return ",
        b" if ",
        b" else ",
        b"9999999999999999999999",
        b"[",
        b"{",
        b",",
        b"=",
        b"\xff",
        b"\xc3",
    ];
    let dir = TempDir::new("mutate");
    let seeds = seeds();
    let mut rng = Rng::new(0xC0FF_EE00_1234_5678);
    let mut inputs = Vec::new();
    for i in 0..220 {
        let (seed_name, seed) = &seeds[i % seeds.len()];
        let mut bytes = seed.clone();
        let op = rng.below(7);
        let kind;
        match op {
            0 => {
                // flip a few bytes
                kind = "flip";
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(bytes.len());
                    bytes[at] ^= 1 << rng.below(8);
                }
            }
            1 => {
                kind = "truncate";
                let at = rng.below(bytes.len());
                bytes.truncate(at);
            }
            2..=4 => {
                let mut lines: Vec<Vec<u8>> =
                    bytes.split(|&b| b == b'\n').map(|l| l.to_vec()).collect();
                let a = rng.below(lines.len());
                let b = rng.below(lines.len());
                match op {
                    2 => {
                        kind = "dup-line";
                        let l = lines[a].clone();
                        lines.insert(b, l);
                    }
                    3 => {
                        kind = "del-line";
                        lines.remove(a);
                    }
                    _ => {
                        kind = "swap-lines";
                        lines.swap(a, b);
                    }
                }
                bytes = lines.join(&b'\n');
            }
            5 => {
                kind = "insert";
                for _ in 0..1 + rng.below(3) {
                    let at = rng.below(bytes.len() + 1);
                    let tok = INSERTS[rng.below(INSERTS.len())];
                    bytes.splice(at..at, tok.iter().copied());
                }
            }
            _ => {
                kind = "delete-span";
                let a = rng.below(bytes.len());
                let b = (a + 1 + rng.below(40)).min(bytes.len());
                bytes.drain(a..b);
            }
        }
        let name = format!("mut_{i:03}_{kind}_{seed_name}.py");
        dir.write(&name, &bytes);
        inputs.push((name, Expect::Any));
    }
    let total = inputs.len();
    report("mutated programs", total, run_all(&dir.path, &inputs));
}

/// Syntactically valid but enormous or deeply nested programs.
#[test]
fn huge_and_deep_sources() {
    let dir = TempDir::new("deep");
    let mut inputs: Vec<(String, Expect)> = Vec::new();
    let mut add = |name: &str, src: String, e: Expect| {
        dir.write(name, src.as_bytes());
        inputs.push((name.to_string(), e));
    };
    let n = 100_000;
    add(
        "parens_100k.py",
        format!("x = {}1{}\nprint(x)\n", "(".repeat(n), ")".repeat(n)),
        Expect::OutputOrDiagnostic("1\n"),
    );
    add(
        "unclosed_parens_100k.py",
        format!("x = {}1\nprint(x)\n", "(".repeat(n)),
        Expect::Reject,
    );
    add(
        "closing_parens_100k.py",
        format!("x = 1{}\n", ")".repeat(n)),
        Expect::Reject,
    );
    // 5000 nested ifs, one more space of indentation per level
    let mut s = String::new();
    for level in 0..5000 {
        s.push_str(&" ".repeat(level));
        s.push_str("if True:\n");
    }
    s.push_str(&" ".repeat(5000));
    s.push_str("print(1)\n");
    add("nested_if_5000.py", s, Expect::OutputOrDiagnostic("1\n"));
    // the same inside a function
    let mut s = String::from("def f(x):\n");
    for level in 1..=5000 {
        s.push_str(&" ".repeat(level));
        s.push_str("if x > 0:\n");
    }
    s.push_str(&" ".repeat(5001));
    s.push_str("return 1\n return 0\nprint(f(1))\n");
    add(
        "nested_if_in_def_5000.py",
        s,
        Expect::OutputOrDiagnostic("1\n"),
    );
    add(
        "unary_minus_100k.py",
        format!("x = {}1\nprint(x)\n", "-".repeat(n)),
        Expect::OutputOrDiagnostic("1\n"),
    );
    add(
        "not_100k.py",
        format!("x = {}True\nprint(x)\n", "not ".repeat(n)),
        Expect::OutputOrDiagnostic("True\n"),
    );
    add(
        "binary_minus_100k.py",
        format!("x = 1{}\nprint(x)\n", "-1".repeat(n)),
        Expect::OutputOrDiagnostic("-99999\n"),
    );
    let mut sum = String::with_capacity(2_000_010);
    sum.push_str("x = 1");
    for _ in 1..1_000_000 {
        sum.push_str("+1");
    }
    sum.push_str("\nprint(x)\n");
    add("sum_1e6.py", sum, Expect::OutputOrDiagnostic("1000000\n"));
    add(
        "power_tower_50k.py",
        format!("x = 1{}\nprint(x)\n", "**1".repeat(50_000)),
        Expect::OutputOrDiagnostic("1\n"),
    );
    add(
        "chained_compare_50k.py",
        format!("x = 1{}\nprint(x)\n", " < 2".repeat(50_000)),
        Expect::OutputOrDiagnostic("False\n"),
    );
    add(
        "nested_calls_20k.py",
        format!(
            "def f(x):\n    return x\nprint({}1{})\n",
            "f(".repeat(20_000),
            ")".repeat(20_000)
        ),
        Expect::OutputOrDiagnostic("1\n"),
    );
    add(
        "nested_tuples_50k.py",
        format!(
            "t = {}1{}\nprint(1)\n",
            "(".repeat(50_000),
            ",)".repeat(50_000)
        ),
        Expect::OutputOrDiagnostic("1\n"),
    );
    add(
        "nested_ternary_20k.py",
        format!("x = 1\ny = {}0\nprint(y)\n", "1 if x else ".repeat(20_000)),
        Expect::OutputOrDiagnostic("1\n"),
    );
    let mut elifs = String::from("def f(x):\n    if x == 0:\n        return 0\n");
    for k in 1..20_000 {
        elifs.push_str(&format!("    elif x == {k}:\n        return {k}\n"));
    }
    elifs.push_str("    return -1\nprint(f(19999))\n");
    add(
        "elif_chain_20k.py",
        elifs,
        Expect::OutputOrDiagnostic("19999\n"),
    );
    let mut many = String::new();
    for k in 0..5000 {
        many.push_str(&format!("def f{k}(x):\n    return x + {k}\n"));
    }
    many.push_str("print(f4999(1))\n");
    add(
        "many_functions_5000.py",
        many,
        Expect::OutputOrDiagnostic("5000\n"),
    );
    let mut chain = String::new();
    for k in 0..3000 {
        chain.push_str(&format!("def g{k}(x):\n    return g{}(x) + 1\n", k + 1));
    }
    chain.push_str("def g3000(x):\n    return x\nprint(g0(0))\n");
    // 3001 nested calls exceed the default recursion limit of 1000 at run
    // time; `vm check` must still accept the program.
    add("call_chain_3000.py", chain, Expect::Any);
    add(
        "long_identifier_1m.py",
        format!("{0} = 7\nprint({0})\n", "a".repeat(1_000_000)),
        Expect::OutputOrDiagnostic("7\n"),
    );
    add(
        "long_line_of_statements.py",
        format!("x = 0\n{}print(x)\n", "x += 1; ".repeat(50_000)),
        Expect::OutputOrDiagnostic("50000\n"),
    );
    add(
        "long_string_1m.py",
        format!("print(\"{}\")\n", "z".repeat(1_000_000)),
        Expect::OutputOrDiagnostic(Box::leak(
            format!("{}\n", "z".repeat(1_000_000)).into_boxed_str(),
        )),
    );
    let total = inputs.len();
    report("huge and deep sources", total, run_all(&dir.path, &inputs));
}

/// Number literals that do not fit in int64 are an error, not a silent wrap;
/// float literals follow Python.
#[test]
fn huge_number_literals() {
    let dir = TempDir::new("numbers");
    let mut inputs: Vec<(String, Expect)> = Vec::new();
    let mut add = |name: &str, src: String, e: Expect| {
        dir.write(name, src.as_bytes());
        inputs.push((name.to_string(), e));
    };
    add(
        "int_2_pow_63.py",
        "print(9223372036854775808)\n".into(),
        Expect::Reject,
    );
    add(
        "int_30_digits.py",
        "x = 123456789012345678901234567890\nprint(x)\n".into(),
        Expect::Reject,
    );
    add(
        "int_100k_digits.py",
        format!("x = {}\nprint(x)\n", "9".repeat(100_000)),
        Expect::Reject,
    );
    add(
        "hex_too_big.py",
        "print(0x1_0000_0000_0000_0000)\n".into(),
        Expect::Reject,
    );
    add(
        "bin_too_big.py",
        format!("print(0b1{})\n", "0".repeat(64)),
        Expect::Reject,
    );
    add(
        "int_max_ok.py",
        "print(9223372036854775807, 0x7fffffffffffffff)\n".into(),
        Expect::Output("9223372036854775807 9223372036854775807\n"),
    );
    add(
        "int_min_spelled.py",
        "print(-9223372036854775807 - 1)\n".into(),
        Expect::Output("-9223372036854775808\n"),
    );
    add(
        "float_overflow_literal.py",
        "print(1e999999, -1e400)\n".into(),
        Expect::OutputOrDiagnostic("inf -inf\n"),
    );
    add(
        "float_underflow_literal.py",
        "print(1e-999999)\n".into(),
        Expect::OutputOrDiagnostic("0.0\n"),
    );
    add(
        "float_100k_digits.py",
        format!("print(0.{}1)\n", "0".repeat(100_000)),
        Expect::OutputOrDiagnostic("0.0\n"),
    );
    add(
        "float_long_mantissa.py",
        format!("print(1.{})\n", "1".repeat(100_000)),
        Expect::OutputOrDiagnostic("1.1111111111111112\n"),
    );
    add("bad_exponent.py", "print(1e)\n".into(), Expect::Reject);
    add(
        "bad_underscore.py",
        "print(1__000)\n".into(),
        Expect::Reject,
    );
    add(
        "trailing_underscore.py",
        "print(1000_)\n".into(),
        Expect::Reject,
    );
    add("bad_octal_digit.py", "print(0o8)\n".into(), Expect::Reject);
    add("leading_zero.py", "print(0123)\n".into(), Expect::Reject);
    let total = inputs.len();
    report("huge number literals", total, run_all(&dir.path, &inputs));
}

/// Lexical garbage: strings, tabs, NUL bytes, encodings, line endings.
#[test]
fn lexical_garbage() {
    let dir = TempDir::new("lexical");
    let mut inputs: Vec<(String, Expect)> = Vec::new();
    let mut add = |name: &str, src: &[u8], e: Expect| {
        dir.write(name, src);
        inputs.push((name.to_string(), e));
    };
    add("unterminated_string.py", b"print(\"abc)\n", Expect::Reject);
    add("unterminated_string_eof.py", b"print('abc", Expect::Reject);
    add(
        "unterminated_triple.py",
        b"x = 1\ns = \"\"\"abc\nprint(x)\n",
        Expect::Reject,
    );
    add(
        "unterminated_triple_single.py",
        b"print('''\n\n\n",
        Expect::Reject,
    );
    add("string_newline.py", b"print(\"ab\ncd\")\n", Expect::Reject);
    add("backslash_eof.py", b"x = 1 + \\", Expect::Reject);
    add("backslash_newline_eof.py", b"x = 1 + \\\n", Expect::Reject);
    add(
        "tabs_inconsistent.py",
        b"if True:\n\tx = 1\n        y = 2\n",
        Expect::Reject,
    );
    add(
        "tabs_then_spaces.py",
        b"def f(a):\n\tif a:\n\t    return 1\n        return 0\nprint(f(1))\n",
        Expect::Reject,
    );
    add(
        "tabs_consistent.py",
        b"def f(a):\n\tif a:\n\t\treturn 1\n\treturn 0\nprint(f(1))\n",
        Expect::Output("1\n"),
    );
    add("nul_in_code.py", b"x = 1\x00\nprint(x)\n", Expect::Reject);
    add("nul_in_string.py", b"print(\"a\x00b\")\n", Expect::Reject);
    add("nul_only.py", b"\x00", Expect::Reject);
    add("nul_many.py", &[0u8; 10_000], Expect::Reject);
    add("invalid_utf8.py", b"print(1)\n\xff\xfe\n", Expect::Reject);
    add(
        "invalid_utf8_in_string.py",
        b"print(\"\xc3\x28\")\n",
        Expect::Reject,
    );
    add(
        "invalid_utf8_in_comment.py",
        b"# \xe2\x82\nprint(1)\n",
        Expect::Reject,
    );
    add(
        "utf16_bom.py",
        b"\xff\xfep\x00r\x00i\x00n\x00t\x00(\x001\x00)\x00",
        Expect::Reject,
    );
    add(
        "lone_surrogate.py",
        b"print(\"\xed\xa0\x80\")\n",
        Expect::Reject,
    );
    add(
        "utf8_bom.py",
        b"\xef\xbb\xbfprint(1)\n",
        Expect::OutputOrDiagnostic("1\n"),
    );
    add(
        "crlf_lines.py",
        b"def f(a):\r\n    return a + 1\r\nprint(f(1))\r\n",
        Expect::Output("2\n"),
    );
    add(
        "cr_only_lines.py",
        b"x = 1\ry = 2\rprint(x + y)\r",
        Expect::OutputOrDiagnostic("3\n"),
    );
    add(
        "form_feed.py",
        b"x = 1\n\x0c\nprint(x)\n",
        Expect::OutputOrDiagnostic("1\n"),
    );
    add(
        "control_chars.py",
        b"x = 1\x01\x02\nprint(x)\n",
        Expect::Reject,
    );
    add("lone_indent_eof.py", b"def f(a):\n    ", Expect::Reject);
    add("only_dedent.py", b"    x = 1\n", Expect::Reject);
    add("colon_only.py", b":\n", Expect::Reject);
    add("unbalanced_brackets.py", b"print((1, 2]\n", Expect::Reject);
    add("no_newline_at_eof.py", b"print(42)", Expect::Output("42\n"));
    add("empty.py", b"", Expect::Output(""));
    add("only_newlines.py", b"\n\n\n\n", Expect::Output(""));
    add("only_whitespace.py", b"   \n\t\n  \n", Expect::Output(""));
    add(
        "only_comments.py",
        b"# a comment\n    # an indented comment\n#\n# last, no newline",
        Expect::Output(""),
    );
    add(
        "comments_and_docstring.py",
        b"\"\"\"A module docstring.\"\"\"\n# comment\n",
        Expect::OutputOrDiagnostic(""),
    );
    let total = inputs.len();
    report("lexical garbage", total, run_all(&dir.path, &inputs));
}

/// Valid programs that go deep at run time: RecursionError, never a crash.
#[test]
fn deep_recursion_at_run_time() {
    let dir = TempDir::new("recursion");
    let mut failures = Vec::new();
    let deep = "def f(n):\n    if n == 0:\n        return 0\n    return 1 + f(n - 1)\n\n\nprint(f(100000))\n";
    dir.write("deep.py", deep);
    let mutual = "def a(n):\n    if n == 0:\n        return 0\n    return b(n - 1) + 1\n\n\ndef b(n):\n    return a(n) * 1\n\n\nprint(a(100000))\n";
    dir.write("mutual.py", mutual);
    let unbounded = "def g(x):\n    return g(x + 1.0)\n\n\nprint(\"start\")\nprint(g(0.0))\n";
    dir.write("unbounded.py", unbounded);
    let deep_args = "def h(a, b, c, d, e, f, g, i):\n    return h(b, c, d, e, f, g, i, a + 1)\n\n\nh(1, 2, 3, 4, 5, 6, 7, 8)\n";
    dir.write("deep_args.py", deep_args);
    for file in ["deep.py", "mutual.py", "unbounded.py", "deep_args.py"] {
        for tier in ["interp", "jit", "auto"] {
            let o = run_vm(&["run", "--tier", tier, file], Some(&dir.path), LIMIT);
            let what = format!("vm run --tier {tier} {file}");
            if o.timed_out || o.signal.is_some() || o.panicked() || o.code != Some(1) {
                failures.push(format!(
                    "{what}: expected exit 1 with RecursionError, got {}\n    stderr: {:?}",
                    o.status_text(),
                    o.stderr_head(400)
                ));
                continue;
            }
            if o.last_stderr_line() != "RecursionError: maximum recursion depth exceeded" {
                failures.push(format!(
                    "{what}: last stderr line should be RecursionError, got {:?}",
                    o.last_stderr_line()
                ));
            }
            if !o.stderr.starts_with("Traceback (most recent call last):") {
                failures.push(format!(
                    "{what}: no traceback header: {:?}",
                    o.stderr_head(200)
                ));
            }
            // tracebacks of self-recursion are folded as CPython folds them
            // ("[Previous line repeated N more times]"); CPython does not
            // fold alternating frames, so mutual recursion is exempt
            if file != "mutual.py" && o.stderr.lines().count() > 200 {
                failures.push(format!(
                    "{what}: traceback is {} lines long; repeated frames should be folded",
                    o.stderr.lines().count()
                ));
            }
            if file == "unbounded.py" && o.stdout != "start\n" {
                failures.push(format!(
                    "{what}: stdout {:?}, expected \"start\\n\"",
                    o.stdout
                ));
            }
        }
    }
    // A raised recursion limit must not turn into a native stack overflow:
    // either the result or a clean error.
    for (file, out) in [("deep.py", "100000\n"), ("mutual.py", "100000\n")] {
        let o = run_vm(
            &["run", "--recursion-limit", "1000000", file],
            Some(&dir.path),
            LIMIT,
        );
        let what = format!("vm run --recursion-limit 1000000 {file}");
        let clean_error = o.code == Some(1)
            && (o.last_stderr_line().starts_with("RecursionError")
                || o.last_stderr_line().starts_with("MemoryError"));
        if o.timed_out
            || o.signal.is_some()
            || o.panicked()
            || !(o.stdout == out && o.code == Some(0) || clean_error)
        {
            failures.push(format!(
                "{what}: expected {out:?} or a RecursionError, got {}\n    stdout: {:?}\n    stderr: {:?}",
                o.status_text(),
                o.stdout_head(100),
                o.stderr_head(400)
            ));
        }
    }
    // A recursion limit in the billions acts as the largest one (10^6), so
    // unbounded recursion ends in RecursionError there, in every tier,
    // instead of growing the call stack until the host's memory runs out.
    for tier in ["interp", "jit", "auto"] {
        let o = run_vm(
            &[
                "run",
                "--tier",
                tier,
                "--recursion-limit",
                "4000000000",
                "unbounded.py",
            ],
            Some(&dir.path),
            LIMIT,
        );
        let folded = "  [Previous line repeated 999996 more times]";
        if o.code != Some(1)
            || o.last_stderr_line() != "RecursionError: maximum recursion depth exceeded"
            || !o.stderr.lines().any(|l| l == folded)
        {
            failures.push(format!(
                "vm run --tier {tier} --recursion-limit 4000000000 unbounded.py: expected a \
                 RecursionError at depth 1000000, got {}\n    stderr: {:?}",
                o.status_text(),
                o.stderr_head(600)
            ));
        }
    }
    // Fuel bounds a run that would never end.
    dir.write("forever.py", "n = 0\nwhile True:\n    n += 1\n");
    dir.write(
        "forever_calls.py",
        "def f(n):\n    return n + 1\n\n\nn = 0\nwhile n >= 0:\n    n = f(n) % 1000\n",
    );
    for file in ["forever.py", "forever_calls.py"] {
        for tier in ["interp", "jit"] {
            let o = run_vm(
                &["run", "--tier", tier, "--fuel", "100000", file],
                Some(&dir.path),
                LIMIT,
            );
            if o.timed_out || o.signal.is_some() || o.panicked() || o.code != Some(1) {
                failures.push(format!(
                    "vm run --tier {tier} --fuel 100000 {file}: expected exit 1, got {}\n    stderr: {:?}",
                    o.status_text(),
                    o.stderr_head(400)
                ));
            }
        }
    }
    report("deep recursion at run time", 14, failures);
}

/// Command-line misuse is a usage error (exit 2), never a crash.
#[test]
fn usage_errors() {
    let dir = TempDir::new("usage");
    dir.write("ok.py", "print(1)\n");
    let cases: &[&[&str]] = &[
        &["run"],
        &["check"],
        &["run", "ok.py", "ok.py"],
        &["run", "--tier"],
        &["run", "--tier", "native", "ok.py"],
        &["run", "--fuel", "0", "ok.py"],
        &["run", "--fuel", "-5", "ok.py"],
        &["run", "--recursion-limit", "many", "ok.py"],
        &["run", "--no-such-option", "ok.py"],
        &["run", "missing.py"],
        &["run", "."],
        &["check", "/"],
        &["dis", "missing.py"],
        &["frobnicate", "ok.py"],
    ];
    let mut failures = Vec::new();
    for args in cases {
        let o = run_vm(args, Some(&dir.path), LIMIT);
        if o.code != Some(2) || o.panicked() {
            failures.push(format!(
                "vm {}: expected exit 2, got {}\n    stderr: {:?}",
                args.join(" "),
                o.status_text(),
                o.stderr_head(300)
            ));
        }
    }
    report("usage errors", cases.len(), failures);
}
