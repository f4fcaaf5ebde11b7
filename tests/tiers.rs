//! Differential testing of the tiers: random programs run in the interpreter,
//! with `--tier jit` and with an eager `--tier auto` must print the same output and end the same way
//! (the same exception, message and traceback lines, or none), and use the
//! same fuel.
//!
//! The generator writes loops over ints and floats with every operator the
//! native code lowers, element reads and writes of float64 and int64
//! arrays (negative and out-of-bounds indices included), divisions that can
//! reach zero, calls and prints the native code hands back to the
//! interpreter, loops with and without calls (the native tier compiles
//! them differently), nested loops whose indices (the loop variable plus or
//! minus one, from starts below zero too, and rows fixed outside the loop)
//! run up to and past the arrays' bounds, fuel that runs out inside loops, and reads of names
//! that may not be assigned yet. Set `KILN_TIER_SEED` to run one seed, `KILN_TIER_CASES` for
//! more cases, `KILN_TIER_FIRST` for the first seed of them, `KILN_TIER_SHOW=1` to print each program and its endings.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use kiln::{Config, Error, Hot, Tier, Vm};

/// xorshift64*: small, deterministic, good enough to pick shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn int_atom(r: &mut Rng) -> String {
    match r.below(6) {
        0 => "a".into(),
        1 => "i".into(),
        2 => "n".into(),
        3 => "b".into(),
        4 => format!("{}", r.below(40) as i64 - 20),
        _ => r.pick(&["1", "2", "7", "1000003", "-3"]).into(),
    }
}

fn int_expr(r: &mut Rng, depth: u32) -> String {
    if depth == 0 || r.chance(30) {
        return int_atom(r);
    }
    let (x, y) = (int_expr(r, depth - 1), int_expr(r, depth - 1));
    match r.below(12) {
        0 => format!("({x} + {y})"),
        1 => format!("({x} - {y})"),
        2 => format!("({x} * {y})"),
        3 => format!("({x} // {})", r.pick(&["2", "8", "4096", "3"])),
        4 => format!("({x} % {})", r.pick(&["2", "16", "5"])),
        5 => format!("({x} // ({y}))"),
        6 => format!("({x} & {y})"),
        7 => format!("({x} | {y})"),
        8 => format!("({x} ^ {y})"),
        9 => format!("min({x}, {y})"),
        10 => format!("max({x}, {y})"),
        _ => format!("abs({x})"),
    }
}

fn float_atom(r: &mut Rng) -> String {
    match r.below(6) {
        0 => "s".into(),
        1 => "x".into(),
        2 => "float(i)".into(),
        3 => format!("{}.5", r.below(9)),
        4 => "arr[i % 8]".into(),
        _ => r.pick(&["0.1", "-2.25", "1e300", "0.0"]).into(),
    }
}

fn float_expr(r: &mut Rng, depth: u32) -> String {
    if depth == 0 || r.chance(30) {
        return float_atom(r);
    }
    let (x, y) = (float_expr(r, depth - 1), float_expr(r, depth - 1));
    match r.below(9) {
        0 => format!("({x} + {y})"),
        1 => format!("({x} - {y})"),
        2 => format!("({x} * {y})"),
        3 => format!("({x} / {y})"),
        4 => format!("({x} * {y} + {})", float_atom(r)),
        5 => format!("({} - {x} * {y})", float_atom(r)),
        6 => format!("({x} + {})", int_atom(r)),
        7 => format!("(-{x})"),
        _ => format!("abs({x})"),
    }
}

fn cond(r: &mut Rng) -> String {
    if r.chance(50) {
        let op = r.pick(&["<", "<=", ">", ">=", "==", "!="]);
        format!("{} {op} {}", int_expr(r, 1), int_expr(r, 1))
    } else {
        let op = r.pick(&["<", "<=", ">", ">=", "==", "!="]);
        format!("{} {op} {}", float_expr(r, 1), float_expr(r, 1))
    }
}

/// One random program: a function with a loop, called from the top level.
fn program(seed: u64) -> String {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut body = Vec::new();
    for _ in 0..1 + r.below(4) {
        let line = match r.below(12) {
            // Recursion, native call after native call, sometimes past the
            // depth limit (and so through RecursionError's unwinding).
            11 => format!(
                "a = (a + rec(i * {})) % 1009",
                r.pick(&["1", "7", "97", "400"])
            ),
            0 | 1 => format!("a = {}", int_expr(&mut r, 3)),
            2 | 3 => format!("s = {}", float_expr(&mut r, 3)),
            4 => format!(
                "if {}:\n            b = {}\n        else:\n            s = {}",
                cond(&mut r),
                int_expr(&mut r, 2),
                float_expr(&mut r, 2)
            ),
            5 => format!(
                "arr[{}] = {}",
                r.pick(&["i % 8", "-1 - i % 8", "b % 9", "i"]),
                float_expr(&mut r, 2)
            ),
            6 => format!(
                "iarr[(i * 3) % 4, {}] = {}",
                r.pick(&["i % 5", "-1", "a % 5"]),
                int_expr(&mut r, 2)
            ),
            7 => format!("b = iarr[i % 4, (i + b) % 5] + {}", int_expr(&mut r, 1)),
            8 => format!(
                "flags[{}] = {}",
                r.pick(&["i % 6", "-1 - b % 6", "a % 7"]),
                int_expr(&mut r, 1)
            ),
            // A name assigned on some iterations only: reading it raises
            // UnboundLocalError until its first assignment.
            9 if r.chance(40) => format!(
                "if {}:\n            u = {}\n        b = (b + u) % 1009",
                cond(&mut r),
                int_expr(&mut r, 2)
            ),
            9 => format!(
                "if flags[(i + b) % 6]:\n            a = {}",
                int_expr(&mut r, 2)
            ),
            _ => format!(
                "if i % {} == 0:\n            {}",
                1 + r.below(5),
                print_stmt(&mut r)
            ),
        };
        body.push(format!("        {line}"));
    }
    // Without a call in the loop the function takes the register-allocated
    // path; an inner loop runs its indices up to and past the arrays'
    // bounds.
    if r.chance(50) {
        let mut inner = Vec::new();
        for _ in 0..1 + r.below(3) {
            let line = match r.below(18) {
                // A call inside the optimised inner loop (inlined), and
                // inlined callees that raise: a zero divisor, an index
                // out of bounds.
                13 => "b = (b + helper(j)) % 1009".to_string(),
                14 => format!("s = s * 0.5 + half({})", float_expr(&mut r, 1)),
                15 => "b = (b + hdiv(a, j - 2)) % 1009".to_string(),
                16 => "s += hget(arr, j + 3)".to_string(),
                // An inlined callee that prints an array (fuel for each
                // element shown: a budget may run out inside the print).
                17 => "b = (b + note(arr, j)) % 1009".to_string(),
                // Indices off the induction variable, and a row fixed
                // before the loop: the unchecked copy of the loop runs
                // when they stay in bounds all through it, the checked
                // one otherwise.
                9 => "s += arr[j + 1]".to_string(),
                10 => format!("arr[j - 1] = {}", float_expr(&mut r, 1)),
                11 => format!("iarr[c, j] = {}", int_expr(&mut r, 1)),
                12 => "b = (b + iarr[c, j - 1]) % 1009".to_string(),
                0 => "s += arr[j]".to_string(),
                1 => format!("iarr[i % 4, j] = {}", int_expr(&mut r, 1)),
                2 => "b = (b + iarr[j % 4, i]) % 1009".to_string(),
                3 => format!("arr[j - 3] = {}", float_expr(&mut r, 1)),
                4 => "s = s * 0.5 + float(j)".to_string(),
                5 => "a = a + j % 3 - (a // 7)".to_string(),
                6 => "b = b + a // (j - 2)".to_string(),
                7 => "t = max(t, j * i)\n            a = (a + t) % 10007".to_string(),
                _ => format!("s = min(s, {})", float_expr(&mut r, 1)),
            };
            inner.push(format!("            {line}"));
        }
        let lo = r.pick(&["0", "1", "-2", "b % 3 - 1", "m - 3"]);
        body.push(format!(
            "        c = {} % 5\n        for j in range({lo}, m):\n{}",
            int_expr(&mut r, 1),
            inner.join("\n")
        ));
    }
    if r.chance(30) {
        body.push("        s += arr[i]".into());
    }
    let step = if r.chance(50) {
        "a = a + helper(i) % 3"
    } else {
        "a = a + i % 3"
    };
    body.push(format!("        {step}"));
    let n = r.below(40);
    let m = r.below(11);
    let x = r.pick(&["0.5", "-1.25", "3.0", "1e-3"]);
    format!(
        "import numpy as np\n\n\
         def helper(v):\n    return v * 2 + 1\n\n\
         def half(v):\n    return v * 0.5\n\n\
         def hdiv(v, w):\n    return v // w\n\n\
         def hget(x, k):\n    return x[k]\n\n\
         def note(x, k):\n    print(k, x, sep=\": \")\n    return k + 1\n\n\
         def rec(k):\n    if k <= 0:\n        return 0\n    return rec(k - 1) + 1\n\n\
         def f(n, x, m):\n    a = 1\n    b = 3\n    c = 0\n    t = 0\n    s = x\n    arr = np.zeros(8)\n    iarr = np.ones((4, 5), dtype=np.int64)\n    flags = np.zeros(6, dtype=np.bool_)\n    \
         for i in range(n):\n{}\n    print(a, b, s, t, arr.sum(), iarr.sum(), flags)\n    return s\n\n\
         print(f({n}, {x}, {m}))\n",
        body.join("\n")
    )
}

/// A print inside a loop of [`program`] (its names), in one of the
/// forms the interpreter prints: numbers, bools, strings, None, tuples,
/// arrays (one unit of fuel per element shown), sep and end, f-strings and
/// `str.format` with format specs, strings made in the loop.
fn print_stmt(r: &mut Rng) -> String {
    match r.below(7) {
        0 => "print(i, a, s)".to_string(),
        1 => format!(
            "print(f\"{{i:>3}} {{a:x}} {{s:.3f}} {{s!r}} {{{}:+.2e}} {{b % 2 == 0}}\")",
            float_expr(r, 1)
        ),
        2 => format!(
            "print(i, s, {}, sep={}, end={})",
            int_expr(r, 1),
            r.pick(&["\", \"", "\"\"", "\" | \""]),
            r.pick(&["\";\\n\"", "\"\\n\"", "\" \""])
        ),
        3 => "print((i, s, \"t\"), None, i > a, arr)".to_string(),
        4 => "print(flags, iarr[i % 4], (arr, flags[i % 6]), arr.dtype)".to_string(),
        5 => "print(\"{}|{:>8.2f}|{:,}\".format(i, s, a * 1000))".to_string(),
        _ => format!(
            "txt = f\"{{a}}/{{s:.{}g}}\"\n            print(txt, (txt, i))",
            1 + r.below(6)
        ),
    }
}

/// One random program of script calls: recursion to depths below, at and
/// past the recursion limit (itself below, at and above the depth native
/// code goes on one entry, `vm::tiering::MAX_LEVELS`), mutual recursion,
/// frames of many registers, and callees that leave native code deep in
/// the recursion: prints, a zero divisor, an index out of bounds, array
/// operations, loops, fuel running out.
fn call_program(seed: u64) -> String {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x2545_f491_4f6c_dd1d | 1);
    let limit = r.pick(&["40", "1000", "1000", "6000"]);
    let d = |r: &mut Rng| -> String {
        r.pick(&[
            "3", "37", "k % 50", "n", "n * 7", "n * 131", "995", "1200", "5000",
        ])
        .to_string()
    };
    // What the innermost call does: often nothing that leaves native code.
    let leaf = match r.below(8) {
        0 => format!(
            "if k % {} == 0:\n        print(\"leaf\", k, v)\n    ",
            1 + r.below(400)
        ),
        5 => format!(
            "if k % {} == 0:\n        print(f\"leaf {{k:>4}} {{v:#x}}\", (k, \"v\"), sep=\"|\")\n    ",
            1 + r.below(50)
        ),
        1 => format!("if k == {}:\n        v = v // (k - k)\n    ", r.below(60)),
        2 => "v += int(np.arange(9.0)[k % 11])\n    ".to_string(),
        3 => "v += int(np.ones(2).sum())\n    ".to_string(),
        4 => "for j in range(k % 5):\n        v = (v * 7 + j) % 1009\n    ".to_string(),
        _ => String::new(),
    };
    let mut body = Vec::new();
    for _ in 0..1 + r.below(4) {
        let line = match r.below(7) {
            0 => format!("a = (a + down({}, a)) % 1009", d(&mut r)),
            1 => format!("a = (a + wide({}, a, 1.5)) % 1009", d(&mut r)),
            2 => format!("s = s * 0.5 + even({})", d(&mut r)),
            3 => format!("a = (a + walk(arr, {})) % 1009", d(&mut r)),
            4 => format!(
                "a = (a + twice({}, a)) % 1009",
                r.pick(&["3", "37", "k % 50", "n * 7"])
            ),
            5 => format!(
                "if k % {} == 0:\n            print(k, a, s)",
                1 + r.below(5)
            ),
            _ => "a = (a + leaf(k, a)) % 1009".to_string(),
        };
        body.push(format!("        {line}"));
    }
    let n = r.below(12);
    format!(
        "# depth {limit}\n\
         import numpy as np\n\n\
\
         def leaf(k, v):\n    {leaf}return v + k\n\n\
         def down(k, v):\n    if k <= 0:\n        return leaf(k, v)\n    \
         w = down(k - 1, (v * 3 + k) % 1009)\n    return (w + leaf(k, v)) % 1009\n\n\
         def twice(k, v):\n    if k <= 0:\n        return v\n    \
         return (twice(k - 1, v + 1) + twice(k // 3 - 1, v)) % 1009\n\n\
         def wide(k, v, x):\n    p = v + 1\n    q = p * 2\n    r = q - v\n    t = r * 3 + p\n    \
         u = x * 2.0\n    w = u + x\n    y = w * u\n    z = y - 1.0\n    \
         if k <= 0:\n        return leaf(k, p + q + r + t) + int(z)\n    \
         return (wide(k - 1, t % 1009, w * 0.5) + p - q + r) % 1009\n\n\
         def even(k):\n    if k <= 0:\n        return 1.5\n    return odd(k - 1) * 0.5 + 0.25\n\n\
         def odd(k):\n    if k <= 0:\n        return float(leaf(k, 2))\n    return even(k - 1) + 1.0\n\n\
         def walk(a, k):\n    if k <= 0:\n        return leaf(k, int(a[0]))\n    \
         return (walk(a, k - 1) + int(a[k % 9])) % 1009\n\n\
         def f(n):\n    a = 1\n    s = 0.5\n    arr = np.arange(9.0)\n    for k in range(n):\n{}\n    return a\n\n\
         print(f({n}))\n",
        body.join("\n")
    )
}

/// A statement over index `j` for the loop shapes: element reads and writes
/// of contiguous arrays, a strided view and a 2-D array's row at constant
/// columns, any of which may run past the bounds, and indices the loop
/// does not change, negative on some entries.
fn shape_stmt(r: &mut Rng) -> String {
    match r.below(11) {
        // An index the loop does not change, negative on some entries
        // (Python wraps it).
        9 => "s += g[c - 3, j % 3]".to_string(),
        10 => "arr[k - 4] += w[j]".to_string(),
        0 => format!("arr[j] = {}", float_expr(r, 1)),
        1 => "s += arr[j - 1] * 0.5".to_string(),
        2 => format!("w[j] = {}", float_expr(r, 1)),
        3 => "s += w[j]".to_string(),
        4 => "g[j, 0] = g[j, 1] + g[j, 2] * 0.5".to_string(),
        5 => "g[i % 3, j] -= g[j % 3, 2]".to_string(),
        6 => format!("flags[j] = {}", int_expr(r, 1)),
        7 => "if flags[j]:\n                a += j".to_string(),
        _ => format!("iarr[j % 4, j] = {}", int_expr(r, 1)),
    }
}

/// A statement of the number and element operations native code does
/// through runtime functions or several instructions: conversions to int
/// (from NaN and infinities too), rounding, powers, shifts by any count,
/// float `//` and `%`, NaN tests, narrow-dtype elements, ranges with steps.
fn op_stmt(r: &mut Rng) -> String {
    let fx = float_expr(r, 1);
    let ix = int_expr(r, 1);
    match r.below(16) {
        0 => format!("t += int({fx})"),
        1 => format!("t += math.floor({fx}) - math.ceil({fx})"),
        2 => format!("t += round({fx}) + round({fx} + 0.5)"),
        3 => format!(
            "s += round({fx}, {})",
            r.pick(&["0", "1", "2", "-1", "i % 4"])
        ),
        4 => format!(
            "t += ({ix}) ** {}",
            r.pick(&["2", "3", "0", "i % 4", "-1", "b % 3"])
        ),
        5 => format!(
            "s += abs({fx}) ** {}",
            r.pick(&["2.0", "0.5", "-1.5", "s", "x"])
        ),
        6 => format!("s += ({fx}) ** {}", r.pick(&["-1.0", "2.0", "3.0"])),
        7 => format!(
            "t += ({ix}) << {}",
            r.pick(&["3", "i % 70", "b % 5 - 1", "63"])
        ),
        8 => format!(
            "t += ({ix}) >> {}",
            r.pick(&["2", "i % 70", "b % 5 - 1", "64"])
        ),
        9 => format!(
            "s += ({fx}) // {}",
            r.pick(&["0.75", "s", "x - 0.5", "-2.0"])
        ),
        10 => format!(
            "s += ({fx}) % {}",
            r.pick(&["0.75", "s", "x - 0.5", "-2.0"])
        ),
        11 => format!("t += math.isnan({fx}) + 2 * math.isinf({fx}) + 4 * math.isfinite({fx})"),
        12 => format!(
            "n32[i % 5] = n32[(i + 1) % 5] + n32[i % 3] * {}",
            r.pick(&["3", "100003", "-7"])
        ),
        13 => format!("f32[i % 4, i % 2] = f32[(i + 1) % 4, 1] * {fx}"),
        14 => "u8[i % 6] = u8[(i + 2) % 6] * 3 + u8[i % 4]\n        t += u8[i % 6]".to_string(),
        _ => format!(
            "for k in range({}, {}, {}):\n            t += k",
            r.pick(&["i", "0", "n", "-3"]),
            r.pick(&["n", "-2", "i % 7", "10"]),
            r.pick(&["2", "-1", "-3", "5", "b % 3 - 1"])
        ),
    }
}

/// One random program of the operations of [`op_stmt`] in a loop.
fn op_program(seed: u64) -> String {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5851_f42d_4c95_7f2d | 1);
    let body: Vec<String> = (0..1 + r.below(4))
        .map(|_| format!("        {}", op_stmt(&mut r)))
        .collect();
    let n = r.below(25);
    let x = r.pick(&["0.5", "-1.25", "3.0", "1e300", "-0.0"]);
    format!(
        "import math\nimport numpy as np\n\n\
         def f(n, x):\n    a = 1\n    b = 3\n    t = 0\n    s = x\n    arr = np.zeros(8)\n    \
         n32 = np.ones(5, dtype=np.int32)\n    f32 = np.ones((4, 2), dtype=np.float32)\n    \
         u8 = np.ones(6, dtype=np.uint8)\n    \
         for i in range(n):\n{}\n        a = a + i % 3\n    print(a, b, t, s, n32, f32, u8)\n    return s\n\n\
         print(f({n}, {x}))\n",
        body.join("\n")
    )
}

/// A float expression over the elements a vector loop may read: element
/// `j` (or near it) of arrays, views that overlap them, and invariants.
fn lane_expr(r: &mut Rng, depth: u32) -> String {
    if depth == 0 || r.chance(25) {
        return match r.below(8) {
            0 => format!("a[j + {}]", r.below(3)),
            1 => "b[j]".into(),
            2 => format!("b[j + {}]", r.below(2)),
            3 => "v[j]".into(),
            4 => "s".into(),
            5 => "x".into(),
            6 => r.pick(&["0.5", "-1.25", "3.0", "1e300", "-0.0"]).into(),
            _ => "c[j]".into(),
        };
    }
    let (p, q) = (lane_expr(r, depth - 1), lane_expr(r, depth - 1));
    match r.below(7) {
        0 => format!("({p} + {q})"),
        1 => format!("({p} - {q})"),
        2 => format!("({p} * {q})"),
        3 => format!("({p} / {})", r.pick(&["3.0", "-0.5", "x", "s"])),
        4 => format!("(-{p})"),
        5 => format!("abs({p})"),
        _ => format!("({p} * {q} + {})", r.pick(&["1.0", "s"])),
    }
}

/// One random program of loops that write float64 elements one after
/// the other (what the native tier does several at a time), into arrays
/// and views that overlap what they read, from bounds in and out of range.
fn lane_program(seed: u64) -> String {
    let mut r = Rng(seed.wrapping_mul(0xd1b5_4a32_d192_ed03) | 1);
    let mut body = Vec::new();
    for _ in 0..1 + r.below(3) {
        let target = r.pick(&["a[j]", "a[j + 1]", "b[j]", "v[j]", "c[j]", "a[j + 2]"]);
        let mut stmts = vec![format!("{target} = {}", lane_expr(&mut r, 3))];
        if r.chance(30) {
            stmts.push(format!("b[j] = {}", lane_expr(&mut r, 2)));
        }
        let lo = r.pick(&["0", "1", "m % 3", "-1"]);
        let hi = r.pick(&["m", "n", "9", "m + 5", "17"]);
        body.push(format!(
            "        for j in range({lo}, {hi}):\n            {}",
            stmts.join("\n            ")
        ));
    }
    if r.chance(30) {
        body.push("        s = s * 0.5 + a[i % 8]".into());
    }
    let n = r.below(6);
    let m = r.below(20);
    let x = r.pick(&["0.5", "-1.25", "3.0"]);
    let view = r.pick(&["a[1:]", "a[2:]", "b", "a", "a[::2]", "b[1:]"]);
    format!(
        "import numpy as np\n\n\
         def f(n, x, m):\n    s = x\n    a = np.zeros(24)\n    b = np.zeros(24)\n    \
         for k in range(24):\n        a[k] = k * 0.5 - 3.0\n        b[k] = 1.0 / (k + 1)\n    \
         c = b[::-1]\n    v = {view}\n    \
         for i in range(n):\n{}\n    print(s, a.sum(), b.sum(), a[3], b[5])\n    return s\n\n\
         print(f({n}, {x}, {m}))\n",
        body.join("\n")
    )
}

/// One random program of loop shapes the native tier optimises apart: while
/// loops counting up or down by constant or variable steps, loops nested
/// in loops (entered from the side when an inner one exits), rows fixed
/// outside the inner loop, choices between two integers.
fn shape_program(seed: u64) -> String {
    let mut r = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1);
    let mut body = Vec::new();
    for _ in 0..1 + r.below(3) {
        let stmts: Vec<String> = (0..1 + r.below(2)).map(|_| shape_stmt(&mut r)).collect();
        let inner = stmts.join("\n            ");
        let line = match r.below(8) {
            // Scans with no bound to test before the loop (`j` only goes
            // one way): they stop at an element, at a bound tested first,
            // or run past either end of the array.
            6 | 7 => {
                let lo = r.pick(&["0", "1", "2", "i % 3", "-2", "c"]);
                let step = r.pick(&["1", "2", "-1", "3"]);
                let at = r.pick(&[
                    "arr[j] < 0.5",
                    "arr[j + 1] >= s",
                    "w[j] == 0.0",
                    "flags[j] == 0",
                    "iarr[c % 4, j] >= 1",
                    "g[j, 1] > -1.0",
                ]);
                let cond = if r.chance(50) {
                    format!("{} and {at}", r.pick(&["j < m", "j > -3", "j != 5", "j < 4"]))
                } else {
                    at.to_string()
                };
                format!("j = {lo}\n        while {cond}:\n            {inner}\n            j += {step}")
            }
            0 | 1 => {
                let lo = r.pick(&["0", "i % 3", "-1", "b % 4"]);
                let hi = r.pick(&["m % 5", "4", "n % 6", "3", "m"]);
                let step = r.pick(&["1", "2", "3", "1 + b % 3", "k"]);
                let cmp = r.pick(&["<", "<="]);
                format!(
                    "j = {lo}\n        while j {cmp} {hi}:\n            {inner}\n            j += {step}"
                )
            }
            2 => {
                let hi = r.pick(&["m % 5", "3", "n % 4", "a % 8"]);
                let lo = r.pick(&["0", "-1", "2"]);
                let step = r.pick(&["1", "2"]);
                let cmp = r.pick(&[">", ">="]);
                format!(
                    "j = {hi}\n        while j {cmp} {lo}:\n            {inner}\n            j -= {step}"
                )
            }
            3 => format!(
                "for j in range({}, {}):\n            {inner}",
                r.pick(&["0", "1", "-2", "c"]),
                r.pick(&["m % 5", "4", "n % 5", "m"])
            ),
            4 => format!(
                "if a % 2 == 0:\n            a = a // 2\n        else:\n            a = {} * a + 1\n        b = {} if a > b else b",
                r.pick(&["3", "5"]),
                int_expr(&mut r, 1)
            ),
            _ => format!(
                "if i % {} == 1:\n            print(i, a, s)\n        c = (c + a) % 5",
                2 + r.below(4)
            ),
        };
        body.push(format!("        {line}"));
    }
    let n = r.below(30);
    let m = r.below(10);
    let x = r.pick(&["0.5", "-1.25", "3.0"]);
    format!(
        "import numpy as np\n\n\
         def f(n, x, m):\n    a = 7\n    b = 3\n    c = 1\n    k = 1 + m % 3\n    s = x\n    \
         arr = np.zeros(8)\n    w = arr[::2]\n    g = np.ones((5, 3))\n    \
         iarr = np.ones((4, 5), dtype=np.int64)\n    flags = np.zeros(6, dtype=np.bool_)\n    \
         for i in range(n):\n{}\n    print(a, b, c, s, arr.sum(), g.sum(), iarr.sum(), flags)\n    return s\n\n\
         print(f({n}, {x}, {m}))\n",
        body.join("\n")
    )
}

#[derive(Clone, Default)]
struct Sink(Rc<RefCell<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Output and ending of `src` in a tier: the exception kind, message and
/// traceback lines, or "ok".
fn run(src: &str, tier: Tier, fuel: Option<u64>) -> (String, String) {
    run_in_windows(src, tier, fuel, 3)
}

/// As [`run`], with fuel counted in windows of `window` ticks (native code
/// does several iterations at a time only where a window has fuel for
/// them all).
fn run_in_windows(src: &str, tier: Tier, fuel: Option<u64>, window: u64) -> (String, String) {
    let sink = Sink::default();
    let mut cfg = Config {
        tier,
        ..Config::default()
    };
    // `auto` as eager as it gets: a sample every 3 ticks, compiled at the
    // first, so code switches tiers part way through loops.
    cfg.hot = Hot {
        window,
        threshold: 1,
    };
    cfg.limits.fuel = fuel;
    // A program may set its recursion limit in its first line.
    if let Some(d) = src
        .strip_prefix("# depth ")
        .and_then(|t| t.lines().next())
        .and_then(|d| d.parse().ok())
    {
        cfg.limits.max_depth = d;
    }
    let mut vm = Vm::with_output(cfg, Box::new(sink.clone()));
    let end = match vm.load("gen.py", src) {
        Err(Error::Compile { rendered, .. }) => format!("compile error: {rendered}"),
        Err(e) => format!("load: {e}"),
        Ok(m) => match vm.run_main(&m) {
            Ok(()) => "ok".to_string(),
            Err(Error::Runtime(e)) => {
                let lines: Vec<String> = e
                    .traceback
                    .iter()
                    .map(|t| format!("{}:{}", t.func, t.span.start))
                    .collect();
                format!("{}: {} at {}", e.kind, e.message, lines.join(" < "))
            }
            Err(e) => format!("error: {e}"),
        },
    };
    drop(vm);
    let out = String::from_utf8_lossy(&sink.0.borrow()).into_owned();
    (out, end)
}

/// Runs the programs `gen` makes for `cases` seeds from `KILN_TIER_FIRST`
/// (1 unless set), or for `KILN_TIER_SEED` alone,
/// in every tier, with and without a fuel budget; they must agree.
fn agree_across_tiers(gen: fn(u64) -> String) {
    let cases: u64 = std::env::var("KILN_TIER_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let first: u64 = std::env::var("KILN_TIER_FIRST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let seeds: Vec<u64> = match std::env::var("KILN_TIER_SEED") {
        Ok(s) => vec![s.parse().expect("KILN_TIER_SEED is a number")],
        Err(_) => (first..first + cases).collect(),
    };
    let (mut ran, mut raised, mut failures) = (0, 0, Vec::new());
    for seed in seeds {
        let src = gen(seed);
        let interp = run(&src, Tier::Interp, None);
        if interp.1.starts_with("compile error") {
            // The generator writes only what the subset accepts.
            failures.push(format!(
                "seed {seed}: does not compile\n{src}\n{}",
                interp.1
            ));
            continue;
        }
        let jit = run(&src, Tier::Jit, None);
        let wide = run_in_windows(&src, Tier::Jit, None, 1000);
        if wide != interp {
            failures.push(format!(
                "seed {seed} (jit, windows of 1000):\n{src}\ninterp: {:?}\njit:    {:?}",
                interp, wide
            ));
        }
        let auto = run(&src, Tier::Auto, None);
        if auto != interp {
            failures.push(format!(
                "seed {seed} (auto):\n{src}\ninterp: {:?}\nauto:   {:?}",
                interp, auto
            ));
        }
        if std::env::var_os("KILN_TIER_SHOW").is_some() {
            eprintln!("seed {seed}:\n{src}\ninterp: {interp:?}\njit:    {jit:?}");
        }
        if interp != jit {
            failures.push(format!(
                "seed {seed}:\n{src}\ninterp: {:?}\njit:    {:?}",
                interp, jit
            ));
        }
        // A fuel budget that runs out part way: both stop at the same place.
        let fuel = if seed % 2 == 0 {
            1 + seed % 37
        } else {
            20 + seed % 400
        };
        let a = run(&src, Tier::Interp, Some(fuel));
        for (tier, window) in [(Tier::Jit, 3), (Tier::Jit, 1000), (Tier::Auto, 3)] {
            let b = run_in_windows(&src, tier, Some(fuel), window);
            if a != b {
                failures.push(format!(
                    "seed {seed}, fuel {fuel}, {tier:?} in windows of {window}:\n{src}\ninterp: {a:?}\nother:  {b:?}"
                ));
            }
        }
        ran += 1;
        raised += (interp.1 != "ok") as usize;
    }
    assert!(
        failures.is_empty(),
        "{} of the programs differ between tiers; the first:\n{}",
        failures.len(),
        failures[0]
    );
    eprintln!("{ran} programs, {raised} ended in an exception");
    // The generator must reach both endings, or the test proves little.
    assert!(
        ran == 0 || (raised > 0 && raised < ran),
        "{raised} of {ran} raised"
    );
}

#[test]
fn random_programs_agree_across_tiers() {
    agree_across_tiers(program);
}

#[test]
fn script_calls_agree_across_tiers() {
    agree_across_tiers(call_program);
}

#[test]
fn loop_shapes_agree_across_tiers() {
    agree_across_tiers(shape_program);
}

#[test]
fn number_operations_agree_across_tiers() {
    agree_across_tiers(op_program);
}

#[test]
fn vector_loops_agree_across_tiers() {
    agree_across_tiers(lane_program);
}

#[test]
fn machine_code_is_listed_under_each_instruction() {
    let mut vm = Vm::with_output(Config::default(), Box::new(Sink::default()));
    let m = vm
        .load("t.py", "def f(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s\n\nprint(f(3))\n")
        .unwrap();
    let text = m.machine_code();
    // The bytecode is there, as `vm dis` prints it.
    assert!(
        text.contains("ForLoop1") && text.contains("function f #1"),
        "{text}"
    );
    if cfg!(target_arch = "x86_64") {
        // The entry sequence, the loop's native code, and the exits.
        assert!(
            text.contains("; entry") && text.contains("push rbx"),
            "{text}"
        );
        // The fuel count, in a register.
        assert!(text.contains("dec r12"), "fuel count in the loop:\n{text}");
        assert!(!text.contains("[r12]"), "fuel in memory:\n{text}");
        assert!(text.contains("; exits"), "{text}");
        // Compiled code runs: the program still prints the same.
        vm.run_main(&m).unwrap();
    } else if cfg!(target_arch = "aarch64") {
        assert!(
            text.contains("; entry") && text.contains("stp x29, x30, [sp, #-0xa0]!"),
            "{text}"
        );
        // The fuel count, in a register.
        assert!(
            text.contains("subs x20, x20, #0x1"),
            "fuel count in the loop:\n{text}"
        );
        assert!(!text.contains("[x20"), "fuel in memory:\n{text}");
        assert!(text.contains("; exits"), "{text}");
        vm.run_main(&m).unwrap();
    }
}

/// The machine code listed under `header` (up to the next section).
fn section<'a>(text: &'a str, header: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| !l.contains(header))
        .skip(1)
        .take_while(|l| l.starts_with("          ") && !l.trim_start().starts_with(';'))
        .collect()
}

/// A native call passes its arguments in registers: the callee's call
/// entry takes them from there, with no load from the frame, and the
/// recursion still prints what the interpreter does.
#[test]
fn native_calls_take_arguments_in_registers() {
    let (frame, call) = if cfg!(target_arch = "x86_64") {
        ("[rbx", "call ")
    } else if cfg!(target_arch = "aarch64") {
        ("[x19", "bl ")
    } else {
        return;
    };
    let src = "def g(n, x):\n    if n < 2:\n        return x\n    return g(n - 1, x * 0.5) + g(n - 2, x + 1.0)\n\nprint(g(12, 3.0))\n";
    let sink = Sink::default();
    let mut vm = Vm::with_output(
        Config {
            tier: Tier::Jit,
            ..Config::default()
        },
        Box::new(sink.clone()),
    );
    let m = vm.load("g.py", src).unwrap();
    vm.run_main(&m).unwrap();
    let text = m.machine_code();
    let g = &text[text.find("function g #").expect("g is listed")..];
    let entry = section(g, "native call entry, arguments in registers");
    // (On x86-64 the entry may be empty: the arguments already where
    // the allocation keeps them.)
    assert!(
        g.contains("native call entry") && entry.iter().all(|l| !l.contains(frame)),
        "a parameter loaded from the frame on the call path:\n{}",
        entry.join("\n")
    );
    // Both calls are native calls of g's own code.
    assert!(g.matches(call).count() >= 2, "{g}");
    drop(m);
    drop(vm);
    let out = String::from_utf8_lossy(&sink.0.borrow()).into_owned();
    assert_eq!(out, run(src, Tier::Interp, None).0);
}

/// On a host with a backend, loops over numbers and arrays run as native
/// code: functions are compiled and entered, and print what the
/// interpreter prints.
#[test]
fn loops_run_as_native_code_on_every_backend() {
    if !cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        return;
    }
    let src = "import numpy as np\n\n\
               def fsum(n):\n    s = 0.0\n    for i in range(n):\n        s += i * 0.5 - i // 3\n    return s\n\n\
               def isum(a):\n    t = 0\n    for i in range(a.shape[0]):\n        t += a[i] % 7 - a[i] // -3\n        a[i] = t\n    return t\n\n\
               print(fsum(100000))\nprint(isum(np.arange(1000)))\n";
    let (want, end) = run(src, Tier::Interp, None);
    assert_eq!(end, "ok");
    for tier in [Tier::Jit, Tier::Auto] {
        let sink = Sink::default();
        let mut vm = Vm::with_output(
            Config {
                tier,
                ..Config::default()
            },
            Box::new(sink.clone()),
        );
        let m = vm.load("loops.py", src).unwrap();
        vm.run_main(&m).unwrap();
        drop(m);
        let s = vm.jit_stats();
        // `auto` compiles what gets hot: the long loop at least.
        let compiled = if tier == Tier::Jit { 2 } else { 1 };
        assert!(s.functions >= compiled, "{tier:?}: {s:?}");
        assert!(s.entries >= 1, "{tier:?}: {s:?}");
        // The loop runs natively: it takes its next windows of fuel
        // itself, and the interpreter hands over a handful of times, not
        // once per window or per iteration.
        assert!(s.entries < 10, "{tier:?}: {s:?}");
        drop(vm);
        assert_eq!(String::from_utf8_lossy(&sink.0.borrow()), want, "{tier:?}");
    }
}

/// A sink that keeps each write apart: the chunks the output buffer was
/// handed over in.
#[derive(Clone, Default)]
struct Chunks(Rc<RefCell<Vec<Vec<u8>>>>);

impl Write for Chunks {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().push(b.to_vec());
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Printing and formatting are calls from native code into the
/// interpreter's own routines: a loop that prints in every form (numbers,
/// bools, strings, None, tuples, arrays, NumPy scalars, dtypes, sep and
/// end, f-strings and `str.format` with specs) runs in native code from
/// its first iteration to its last (the interpreter enters it a handful
/// of times, not once per print), and the sink gets the interpreter's
/// bytes in the interpreter's chunks.
#[test]
fn printing_runs_as_native_code() {
    if !cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        return;
    }
    let src = "import numpy as np\n\n\
               def f(n):\n    a = np.arange(3.0)\n    g = np.ones(2, dtype=np.float32)\n    \
               flags = np.zeros(2, dtype=np.bool_)\n    s = 0.5\n    for i in range(n):\n        \
               s = s * 0.75 + i\n        a[i % 3] = s\n        flags[i % 2] = i % 3 == 0\n        \
               print(i, s, i % 2 == 0, \"str\", None, -i, sep=\" \", end=\";\")\n        \
               print((i, s, \"q\"), a, (a, flags[0]), flags, g[i % 2], a.dtype)\n        \
               t = f\"{i:>5d}|{s:10.3e}|{s!r}|{i:#x}|{'c':^3}\"\n        \
               print(t, (t,), \"{} {:.2f}\".format(i, s))\n        print()\n    return s\n\n\
               print(f(3000))\n";
    let run = |tier: Tier| {
        let sink = Chunks::default();
        let mut vm = Vm::with_output(
            Config {
                tier,
                ..Config::default()
            },
            Box::new(sink.clone()),
        );
        let m = vm.load("p.py", src).unwrap();
        vm.run_main(&m).unwrap();
        drop(m);
        let entries = vm.jit_stats().entries;
        drop(vm);
        let chunks = sink.0.borrow().clone();
        (chunks, entries)
    };
    let (want, _) = run(Tier::Interp);
    // The output passed the buffer's size many times.
    assert!(want.len() > 10, "{} chunks", want.len());
    for tier in [Tier::Jit, Tier::Auto] {
        let (got, entries) = run(tier);
        if tier == Tier::Jit {
            assert!(entries < 10, "{entries} entries into native code");
        }
        let sizes = |c: &[Vec<u8>]| c.iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(sizes(&got), sizes(&want), "{tier:?}: chunks");
        assert!(got == want, "{tier:?}: the output differs");
    }
}

/// Calls made by native code: deep and mutual recursion, the depth limit,
/// exceptions and fuel running out several frames down, callees that need
/// frame setup or release arrays (which native code leaves to the
/// interpreter part way through a native call chain).
#[test]
fn calls_agree_across_tiers() {
    let programs = [
        // Plain recursion, and the depth limit reached from native calls.
        "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\n\
         def down(n):\n    return down(n + 1) + 1\n\nprint(fib(20))\nprint(down(0))\n",
        // An exception three native frames down.
        "def c(x):\n    return 10 // x\n\ndef b(x):\n    return c(x - 1) + 1\n\n\
         def a(x):\n    return b(x - 1) * 2\n\nfor i in range(5, 0, -1):\n    print(a(i))\n",
        // Mutual recursion through a callee with float constants (frame
        // setup: the interpreter's) and one without.
        "def even(n):\n    if n == 0:\n        return 1.5\n    return odd(n - 1)\n\n\
         def odd(n):\n    if n == 0:\n        return 0.25\n    return even(n - 1) * 1.0\n\n\
         print(even(50), odd(77))\n",
        // Array arguments: callees that release arrays return through the
        // interpreter, from calls native code made.
        "import numpy as np\n\ndef get(a, i):\n    return a[i]\n\n\
         def total(a):\n    s = 0.0\n    for i in range(a.shape[0]):\n        s += get(a, i)\n    return s\n\n\
         def outer(n):\n    a = np.arange(float(n))\n    return total(a) + get(a, -1)\n\n\
         print(outer(100))\nprint(outer(0))\n",
        // Recursion to the limit through a callee with calls inlined two
        // deep whose innermost prints: native code needs room for their
        // frames at every level, and leaves at the call entry without it.
        "def h(x):\n    if x == 0:\n        print(\"zero\")\n    return x + 1\n\n\
         def g(x):\n    return h(x) * 2\n\n\
         def down(n):\n    return g(n % 400) + down(n + 1)\n\nprint(down(0))\n",
        // A format that raises in a callee of native recursion: the
        // levels on the machine stack become frame records, and the
        // interpreter unwinds from the format.
        "def show(k, x):\n    spec = \"{:>4d}\"\n    if k == 7:\n        return spec.format(x)\n    return spec.format(k)\n\n\
         def down(k):\n    if k == 0:\n        return 0\n    t = show(k, k * 0.5)\n    print(t, (t, k), f\"{k * 0.25:+.2f}\")\n    \
         return down(k - 1) + 1\n\nprint(down(5))\nprint(down(12))\n",
        // Many calls from a loop, with prints in between.
        "def sq(x):\n    return x * x\n\ndef run(n):\n    t = 0\n    for i in range(n):\n        t += sq(i) % 7\n        if i % 250 == 0:\n            print(i, t)\n    return t\n\nprint(run(1000))\n",
    ];
    for (k, src) in programs.iter().enumerate() {
        for fuel in [None, Some(50), Some(1234)] {
            let interp = run(src, Tier::Interp, fuel);
            assert!(
                !interp.1.starts_with("compile"),
                "program {k}: {}",
                interp.1
            );
            for tier in [Tier::Jit, Tier::Auto] {
                let other = run(src, tier, fuel);
                assert_eq!(
                    interp, other,
                    "program {k}, fuel {fuel:?}, {tier:?}:\n{src}"
                );
            }
        }
    }
}

/// Native calls pass their arguments in registers: more arguments than
/// either backend has registers for (the rest through the frame), ints,
/// floats and arrays mixed, arguments permuted from call to call (cycles
/// of moves), arguments the frame already holds, the depth limit and fuel
/// running out inside callees that took their arguments in registers (the
/// interpreter then reads them from the frame), and exceptions whose
/// unwinding releases array arguments.
#[test]
fn register_arguments_agree_across_tiers() {
    let programs = [
        // Nine ints, rotated on every call.
        "def rot(n, a, b, c, d, e, f, g, h):\n    if n == 0:\n        \
         return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h\n    \
         return (rot(n - 1, b, c, d, e, f, g, h, a + n) + a) % 100003\n\n\
         print(rot(40, 1, 2, 3, 4, 5, 6, 7, 8))\nprint(rot(3, -1, 0, 9, 8, 7, 6, 5, 4))\n",
        // Ten floats and seven ints, interleaved, swapped around; a bool.
        "def mix(n, x0, i0, x1, i1, x2, i2, x3, i3, x4, i4, x5, i5, x6, x7, x8, x9, flip):\n    \
         if n <= 0:\n        return x0 + x1 * 2.0 + x2 * 3.0 + x9 - x8 + x7 * 0.5 + float(i0 + i1 * 3 + i2 - i3 + i4 * i5)\n    \
         if flip:\n        return mix(n - 1, x9, i5, x0, i0, x1, i1, x2, i2, x3, i3, x4, i4, x5, x6, x7, x8, n % 3 == 0) + 0.125\n    \
         return mix(n - 1, x1, i1, x0, i0, x3, i3, x2, i2, x5, i5, x4, i4, x7, x6, x9, x8, n % 2 == 0) - 0.25\n\n\
         for k in range(6):\n    print(mix(k * 7, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7.5, 8.5, 9.5, k % 2 == 0))\n",
        // Deep recursion with arguments in registers and in the frame,
        // to the depth limit: the interpreter makes the call it refuses.
        "def deep(n, x, y, z, p, q, r, s, t, u, v):\n    \
         return deep(n + 1, y, z, x + 0.5, q, r, s, t, u, v, p + n) + 1\n\n\
         print(deep(0, 0.5, 1.5, 2.5, 1, 2, 3, 4, 5, 6, 7))\n",
        // Arguments the frame already holds: each call's first argument
        // is written before the inner call in its second.
        "def r(n, x):\n    if n <= 0:\n        return x\n    return r(n - 1, r(n // 2 - 1, x + 1) * 3 % 1009)\n\n\
         print(r(12, 5))\nprint(r(0, 7))\n",
        // An array argument released by the callee's return, and unwound
        // by an index out of bounds deep down.
        "import numpy as np\n\ndef walk(a, k, x, i):\n    if k == 0:\n        return a[i] + x\n    \
         return walk(a, k - 1, x * 0.5, i + 1) + a[k % 3]\n\n\
         a = np.arange(12.0)\nprint(walk(a, 5, 3.0, 0))\nprint(walk(a, 11, 1.0, 1))\n",
        // A callee with calls inlined in it, recursing to the limit with
        // its arguments in registers: its call entry leaves without room.
        "def h(x, y):\n    if x == 0:\n        print(\"zero\", y)\n    return x + 1\n\n\
         def g(x, y):\n    return h(x, y) * 2\n\n\
         def down(n, y, z):\n    return g(n % 400, y) + down(n + 1, z, y + 0.5)\n\nprint(down(0, 0.5, 1.0))\n",
        // A loop making native calls with its counter (and the counter
        // less one) as arguments, and a division by zero in the callee.
        "def f(i, j, x):\n    if i > 0:\n        return f(i - 1, j, x) + 1\n    return 100 // j + int(x)\n\n\
         def run(n):\n    t = 0\n    for i in range(n):\n        t += f(i % 4, i - 1, i * 0.5)\n    return t\n\n\
         print(run(5))\nprint(run(0))\n",
        // A tuple argument (flattened into two slots) and a float result.
        "def tup(n, p, w):\n    if n == 0:\n        return p[0] * w + p[1]\n    return tup(n - 1, (p[1], p[0] + 1.0), w * 0.5) + 1.0\n\n\
         print(tup(9, (1.0, 2.0), 3.0))\n",
    ];
    for (k, src) in programs.iter().enumerate() {
        for fuel in [None, Some(7), Some(60), Some(333), Some(1234)] {
            let interp = run(src, Tier::Interp, fuel);
            assert!(
                !interp.1.starts_with("compile"),
                "program {k}: {}",
                interp.1
            );
            for tier in [Tier::Jit, Tier::Auto] {
                for window in [3, 1000] {
                    let other = run_in_windows(src, tier, fuel, window);
                    assert_eq!(
                        interp, other,
                        "program {k}, fuel {fuel:?}, {tier:?}, windows of {window}:\n{src}"
                    );
                }
            }
        }
    }
    let ends = |k: usize, fuel| run(programs[k], Tier::Jit, fuel).1;
    assert!(
        ends(2, None).starts_with("RecursionError"),
        "{}",
        ends(2, None)
    );
    assert!(
        ends(5, None).starts_with("RecursionError"),
        "{}",
        ends(5, None)
    );
    assert!(ends(4, None).starts_with("IndexError"), "{}", ends(4, None));
    assert!(
        ends(6, None).starts_with("ZeroDivisionError"),
        "{}",
        ends(6, None)
    );
    // Fuel runs out several native calls down.
    let end = ends(0, Some(20));
    assert!(
        end.starts_with("RuntimeError") && end.matches("rot:").count() > 3,
        "{end}"
    );
}

/// Calls the native tier inlines: exceptions inside an inlined callee (its
/// line, and a traceback entry for its frame, as the interpreter reports
/// them), nested inlined callees, callees with loops, array arguments and
/// results, the depth limit reached at an inlined call, and fuel running
/// out at every point of the calls.
#[test]
fn inlined_calls_agree_across_tiers() {
    let programs = [
        // A division by zero inside the callee, in a loop.
        "def inv(x):\n    return 1.0 / x\n\n\
         def run(n):\n    t = 0.0\n    for i in range(n):\n        t += inv(i - 7)\n    return t\n\n\
         print(run(5))\nprint(run(20))\n",
        // An index out of bounds inside a callee taking an array.
        "import numpy as np\n\ndef at(a, i):\n    return a[i] * 2.0\n\n\
         def run(a, n):\n    t = 0.0\n    for i in range(n):\n        t += at(a, i)\n    return t\n\n\
         a = np.arange(5.0)\nprint(run(a, 5))\nprint(run(a, 9))\n",
        // Three inlined frames deep, the innermost raising.
        "def h(x):\n    return 100 // x\n\ndef g(x):\n    return h(x - 1) + 1\n\n\
         def f(x):\n    return g(x - 1) * 2\n\n\
         def run(n):\n    t = 0\n    for i in range(n):\n        t += f(n - i)\n    return t\n\n\
         print(run(2))\nprint(run(9))\n",
        // A callee with a loop and a return from inside it.
        "def escape(cr, ci, m):\n    zr = 0.0\n    zi = 0.0\n    for n in range(m):\n        zr2 = zr * zr\n        zi2 = zi * zi\n        if zr2 + zi2 > 4.0:\n            return n\n        zi = 2.0 * zr * zi + ci\n        zr = zr2 - zi2 + cr\n    return m\n\n\
         def grid(k):\n    t = 0\n    for y in range(k):\n        for x in range(k):\n            t += escape(-2.0 + 2.5 * x / k, -1.25 + 2.5 * y / k, 30)\n    return t\n\n\
         print(grid(12))\n",
        // The depth limit reached at an inlined call.
        "def sq(x):\n    return x * x + 1\n\ndef down(n):\n    return sq(n) % 7 + down(n + 1)\n\nprint(down(0))\n",
        // Arrays in and out: references taken and released as the
        // interpreter's calls do.
        "import numpy as np\n\ndef pick(a, b, c):\n    if c:\n        return a\n    return b\n\n\
         def run(n):\n    a = np.ones(3)\n    b = np.zeros(3)\n    t = 0.0\n    for i in range(n):\n        t += pick(a, b, i % 3 == 0).sum()\n    return t\n\n\
         print(run(10))\n",
        // A failed assertion inside the callee.
        "def check(x):\n    assert x < 5, \"too big\"\n    return x + 1\n\n\
         def run(n):\n    t = 0\n    for i in range(n):\n        t += check(i)\n    return t\n\n\
         print(run(3))\nprint(run(9))\n",
        // A callee that prints an array (one unit of fuel per element
        // shown), inlined: a budget runs out inside its print, which
        // raises in the callee's frame.
        "import numpy as np\n\ndef show(a, k):\n    print(k, a, (k, a[k % 3]), sep=\";\")\n    return k + 1\n\n\
         def run(n):\n    a = np.arange(6.0)\n    t = 0\n    for i in range(n):\n        t += show(a, i)\n    return t\n\n\
         print(run(30))\n",
        // One callee specialised for ints and floats; a result used in
        // the other register class than the callee's.
        "def ident(x):\n    return x\n\ndef run(n):\n    s = 0.0\n    k = 0\n    for i in range(n):\n        s += ident(0.5) * ident(i)\n        k += ident(i)\n    return s + k\n\n\
         print(run(40))\n",
    ];
    for (k, src) in programs.iter().enumerate() {
        for fuel in [None, Some(9), Some(40), Some(333), Some(1234)] {
            let interp = run(src, Tier::Interp, fuel);
            assert!(
                !interp.1.starts_with("compile"),
                "program {k}: {}",
                interp.1
            );
            for tier in [Tier::Jit, Tier::Auto] {
                let other = run(src, tier, fuel);
                assert_eq!(
                    interp, other,
                    "program {k}, fuel {fuel:?}, {tier:?}:\n{src}"
                );
            }
        }
    }
    // The callee's frame is in the traceback, at the callee's line.
    let (_, end) = run(programs[2], Tier::Jit, None);
    assert!(
        end.starts_with("ZeroDivisionError")
            && ["run:", "f:", "g:", "h:"].iter().all(|f| end.contains(f)),
        "{end}"
    );
    let (_, end) = run(programs[4], Tier::Jit, None);
    assert!(end.starts_with("RecursionError"), "{end}");
    // The fuel runs out inside the inlined print.
    let (out, end) = run(programs[7], Tier::Jit, Some(40));
    assert!(
        end.starts_with("RuntimeError") && end.contains("< show:"),
        "{out}{end}"
    );
}

/// Once compiled, recursion runs in native code on its own: the interpreter
/// hands over a handful of times, not once per call.
#[test]
fn native_code_calls_itself() {
    if !cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        return;
    }
    let src = "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\nprint(fib(22))\n";
    for tier in [Tier::Jit, Tier::Auto] {
        let sink = Sink::default();
        let mut vm = Vm::with_output(
            Config {
                tier,
                ..Config::default()
            },
            Box::new(sink.clone()),
        );
        let m = vm.load("fib.py", src).unwrap();
        vm.run_main(&m).unwrap();
        drop(m);
        let s = vm.jit_stats();
        assert!(s.functions >= 1, "{tier:?}: {s:?}");
        // fib(22) makes 57313 calls.
        assert!(s.entries < 500, "{tier:?}: {s:?}");
        drop(vm);
        assert_eq!(String::from_utf8_lossy(&sink.0.borrow()), "17711\n");
    }
}

/// A loop in native code takes the next window of fuel itself: the
/// interpreter hands it over once, not once per window, and the run
/// spends exactly the interpreter's fuel (the same budget runs out at the
/// same iteration).
#[test]
fn native_loops_refuel_themselves() {
    if !cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        return;
    }
    let src = "def f(n):\n    s = 0\n    for i in range(n):\n        s += i & 3\n        if s > 1000000:\n            print(s)\n    return s\n\nprint(f(100000))\n";
    let run = |tier: Tier, fuel: Option<u64>| {
        let sink = Sink::default();
        let mut cfg = Config {
            tier,
            ..Config::default()
        };
        cfg.hot = Hot {
            window: 16,
            threshold: 1,
        };
        cfg.limits.fuel = fuel;
        let mut vm = Vm::with_output(cfg, Box::new(sink.clone()));
        let m = vm.load("w.py", src).unwrap();
        let end = vm.run_main(&m).map_err(|e| e.to_string());
        drop(m);
        let entries = vm.jit_stats().entries;
        drop(vm);
        let out = String::from_utf8_lossy(&sink.0.borrow()).into_owned();
        (out, end, entries)
    };
    let (out, end, entries) = run(Tier::Jit, None);
    assert_eq!((out.as_str(), end), ("150000\n", Ok(())));
    // 100000 iterations are 6250 windows of 16.
    assert!(entries < 10, "{entries} entries");
    for fuel in [5000, 50_001, 99_999] {
        let (interp, jit) = (run(Tier::Interp, Some(fuel)), run(Tier::Jit, Some(fuel)));
        assert!(interp.1.is_err(), "{fuel}: {:?}", interp.1);
        assert_eq!((interp.0, interp.1), (jit.0, jit.1), "fuel {fuel}");
    }
}

/// One tier policy: a function is compiled once the interpreter has run its
/// threshold of calls and back edges (a hot callee without loops too, which
/// window-end samples may never land in), and `jit` is the same with a
/// threshold of 0 (compiled before it first runs; a function never called
/// is never compiled).
#[test]
fn hot_calls_and_loops_compile_under_one_policy() {
    if !cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        return;
    }
    // (f calls itself, so that it is compiled rather than inlined.)
    let src = "def f(x):\n    if x < 0:\n        return f(-x)\n    return x * 3 + 1\n\ndef unused(x):\n    return x\n\n\
               def main():\n    s = 0\n    for i in range(5000):\n        s = (s + f(i)) % 1000003\n    print(s)\n\nmain()\n";
    let compiled = |tier: Tier, threshold: u32| {
        let mut cfg = Config {
            tier,
            ..Config::default()
        };
        cfg.hot = Hot {
            window: 1000,
            threshold,
        };
        let sink = Sink::default();
        let mut vm = Vm::with_output(cfg, Box::new(sink.clone()));
        let m = vm.load("p.py", src).unwrap();
        vm.run_main(&m).unwrap();
        drop(m);
        let mut names: Vec<String> = vm.jit_compiles().into_iter().map(|c| c.function).collect();
        names.sort();
        drop(vm);
        assert_eq!(String::from_utf8_lossy(&sink.0.borrow()), "497389\n");
        names
    };
    // 5000 calls of f and 5000 back edges of main: both past 1000, the
    // top level (one call) and the function never called not.
    assert_eq!(compiled(Tier::Auto, 1000), ["f", "main"]);
    assert_eq!(compiled(Tier::Auto, 100_000), Vec::<String>::new());
    assert_eq!(compiled(Tier::Jit, 1000), ["<module>", "f", "main"]);
}

/// A host calling into compiled code, with new specialisations compiled
/// between calls (the module's function table grows while native code that
/// calls through it exists): every tier returns what the interpreter does.
#[test]
fn host_calls_with_new_specialisations_agree() {
    let src = "def poly(x, n):\n    s = x * 0\n    for i in range(n):\n        s = s * x + i\n    return s\n\n\
               def twice(x, n):\n    return poly(x, n) + poly(x, n + 1)\n";
    let mut results = Vec::new();
    for tier in [Tier::Interp, Tier::Jit, Tier::Auto] {
        let mut cfg = Config {
            tier,
            ..Config::default()
        };
        cfg.hot = Hot {
            window: 3,
            threshold: 1,
        };
        let mut vm = Vm::with_output(cfg, Box::new(Sink::default()));
        let m = vm.load("h.py", src).unwrap();
        let mut out = Vec::new();
        for k in 0..40i64 {
            // Alternate argument types: each new pair specialises anew.
            let x = match k % 4 {
                0 => kiln::Value::Int(k),
                1 => kiln::Value::Float(k as f64 * 0.5),
                2 => kiln::Value::Bool(k % 3 == 0),
                _ => kiln::Value::Float(-1.25),
            };
            let v = vm.call(&m, "twice", &[x, kiln::Value::Int(k % 9)]);
            out.push(format!(
                "{:?}",
                v.map(|v| format!("{v:?}")).map_err(|e| e.to_string())
            ));
        }
        results.push((tier, out));
    }
    // The calls succeed (the comparison is not between errors).
    assert!(
        results[0].1.iter().all(|r| r.starts_with("Ok")),
        "{:?}",
        results[0].1
    );
    for (tier, out) in &results[1..] {
        assert_eq!(out, &results[0].1, "{tier:?}");
    }
}
