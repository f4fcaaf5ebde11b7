//! Fuel bounds work, not only instructions: a script capped with
//! `Config::limits.fuel` that loops over large array operations stops after
//! the number of iterations the documented costs allow (one unit per loop
//! iteration and call, one per 32 elements an array operation processes,
//! one per element an array print shows), with the fuel error at the line
//! of the operation that would overspend, before doing its work, and the
//! same in every tier: the same output, the same error and traceback, and
//! the same fuel spent (the smallest budget a program completes with).

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use kiln::{Config, Error, Hot, Tier, Vm};

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

/// The tiers, and `auto` and `jit` with a window of 3 ticks, so that array
/// operations often spend past the end of a window.
fn configs() -> Vec<(&'static str, Config)> {
    let mut v = Vec::new();
    for (name, tier, window) in [
        ("interp", Tier::Interp, None),
        ("jit", Tier::Jit, None),
        ("auto", Tier::Auto, None),
        ("jit, window 3", Tier::Jit, Some(3)),
        ("auto, window 3", Tier::Auto, Some(3)),
    ] {
        let mut cfg = Config {
            tier,
            ..Config::default()
        };
        if let Some(window) = window {
            cfg.hot = Hot {
                window,
                threshold: 1,
            };
        }
        v.push((name, cfg));
    }
    v
}

/// What a run printed, and how it ended: "ok" or the exception kind,
/// message and traceback lines (1-based).
fn run(src: &str, cfg: &Config, fuel: Option<u64>) -> (String, String) {
    let sink = Sink::default();
    let mut cfg = cfg.clone();
    cfg.limits.fuel = fuel;
    let mut vm = Vm::with_output(cfg, Box::new(sink.clone()));
    let m = vm.load("fuel.py", src).expect("the test program compiles");
    let end = match vm.run_main(&m) {
        Ok(()) => "ok".to_string(),
        Err(Error::Runtime(e)) => {
            let lines: Vec<String> = e
                .traceback
                .iter()
                .map(|t| format!("{}:{}", t.func, m.source().line_col(t.span.start).0))
                .collect();
            format!("{}: {} at {}", e.kind, e.message, lines.join(" < "))
        }
        Err(e) => format!("error: {e}"),
    };
    drop(vm);
    let out = String::from_utf8_lossy(&sink.0.borrow()).into_owned();
    (out, end)
}

/// Runs `src` in every tier; they must agree. Returns the interpreter's.
fn run_all(src: &str, fuel: Option<u64>) -> (String, String) {
    let cs = configs();
    let first = run(src, &cs[0].1, fuel);
    for (name, cfg) in &cs[1..] {
        let other = run(src, cfg, fuel);
        assert_eq!(
            first, other,
            "{name} differs from interp, fuel {fuel:?}:\n{src}"
        );
    }
    first
}

/// The fuel `src` spends in the tier of `cfg`, found as the smallest budget
/// it completes with (a run may not spend its last unit).
fn spent(src: &str, cfg: &Config) -> u64 {
    let (mut lo, mut hi) = (1u64, 1u64 << 24);
    assert_eq!(run(src, cfg, Some(hi)).1, "ok", "{src}");
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if run(src, cfg, Some(mid)).1 == "ok" {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo - 1
}

/// A loop that runs `op` on arrays of `n` elements (up to 100 times, more
/// than the budgets below allow), printing each iteration's number after
/// the operation. `setup` is two
/// lines, so the operation is on line 8 and the call of `main` on line 12.
fn looping(setup: &str, op: &str, n: usize) -> String {
    assert_eq!(setup.lines().count(), 2, "{setup}");
    [
        "import numpy as np",
        "",
        "def main(n):",
        setup,
        "    i = 0",
        // Bounded, so that a run that spent too little ends "ok" soon.
        "    while i < 100:",
        &format!("        {op}"),
        "        print(i)",
        "        i += 1",
        "",
        &format!("main({n})"),
        "",
    ]
    .join("\n")
}

/// How many iterations the loop of [`looping`] completes with `fuel`,
/// following the documented costs: the call of `main`, then `setup`
/// units, one for the backward jump into the loop (`while` tests its
/// condition at the bottom), then per iteration `op` units and one for the
/// back-edge. Spending fails when it would take the last unit. Also
/// returns whether the operation (rather than a back-edge) ran out.
fn expected(fuel: u64, setup: u64, op: u64) -> (u64, bool) {
    let mut left = fuel;
    let mut spend = |u: u64| {
        if u >= left {
            return false;
        }
        left -= u;
        true
    };
    assert!(
        spend(1) && spend(setup) && spend(1),
        "the budget covers the setup"
    );
    let mut k = 0;
    loop {
        if !spend(op) {
            return (k, true);
        }
        k += 1;
        if !spend(1) {
            return (k, false);
        }
    }
}

#[test]
fn array_operations_in_a_loop_stop_after_bounded_work() {
    const N: usize = 65536;
    let units = (N / 32) as u64;
    let none = "    a = 0\n    b = 0";
    let two = "    a = np.ones(n)\n    b = np.ones(n)";
    let mat = "    a = np.ones((64, 64))\n    b = np.ones((64, 64))";
    // (setup, op, setup units, op units)
    let cases: &[(&str, &str, u64, u64)] = &[
        (none, "c = np.zeros(n)", 0, units),
        (none, "c = np.empty(n)", 0, units),
        (none, "c = np.arange(n)", 0, units),
        (two, "c = a + b", 2 * units, units),
        (two, "c = a * 2.0 + b", 2 * units, 2 * units),
        (two, "a += b", 2 * units, units),
        (two, "a += a", 2 * units, units),
        (two, "c = np.sqrt(a)", 2 * units, units),
        (two, "c = np.where(a > 0.0, a, b)", 2 * units, 2 * units),
        (two, "c = a.sum()", 2 * units, units),
        (two, "c = np.dot(a, b)", 2 * units, units),
        (two, "c = a.copy()", 2 * units, units),
        (two, "c = a.astype(np.int64)", 2 * units, units),
        (two, "a.fill(3.0)", 2 * units, units),
        (two, "a[::2] = b[::2]", 2 * units, units / 2),
        (two, "c = a[1:]", 2 * units, 0),
        // 64 * 64 * 64 multiply-adds.
        (mat, "c = a @ b", 256, 8192),
        // A copy (of a transposed view) and a view of the copy.
        (mat, "c = a.T.reshape(4096)", 256, 128),
        (mat, "c = a.sum(axis=0)", 256, 128),
    ];
    for &(setup, op, setup_units, op_units) in cases {
        let src = looping(setup, op, N);
        // Room for 20 iterations and part of the next.
        let fuel = 2 + setup_units + 20 * (op_units + 1) + op_units / 2 + 1;
        let (out, end) = run_all(&src, Some(fuel));
        let (k, in_op) = expected(fuel, setup_units, op_units);
        let printed = out.lines().count() as u64;
        assert_eq!(printed, k, "{op}: iterations with fuel {fuel}");
        let want: String = (0..k).map(|i| format!("{i}\n")).collect();
        assert_eq!(out, want, "{op}");
        let line = if in_op { 8 } else { 7 };
        assert_eq!(
            end,
            format!("RuntimeError: instruction fuel exhausted (limit {fuel}) at <module>:12 < main:{line}"),
            "{op}"
        );
    }
}

#[test]
fn printing_an_array_spends_one_unit_per_element_shown() {
    // 500 elements are all shown; of a 10000 x 10 array, 6 x 6.
    for (shape, shown) in [("500", 500u64), ("(10000, 10)", 36)] {
        let setup = format!("    a = np.zeros({shape})\n    b = 0");
        let src = looping(&setup, "print(a)", 0);
        let setup_units = if shown == 500 { 16 } else { 3125 };
        let fuel = 2 + setup_units + 5 * (shown + 1) + 3;
        let (out, end) = run_all(&src, Some(fuel));
        let (k, in_op) = expected(fuel, setup_units, shown);
        assert!(in_op);
        assert_eq!(
            out.lines()
                .filter(|l| l.chars().all(|c| c.is_ascii_digit()))
                .count() as u64,
            k,
            "{shape}: {out}"
        );
        assert!(end.ends_with("at <module>:12 < main:8"), "{end}");
    }
}

/// The fuel a program spends is the sum of the documented costs, and the
/// same in every tier.
#[test]
fn fuel_spent_is_the_documented_sum_in_every_tier() {
    let programs: &[(&str, u64)] = &[
        // call f; zeros(1000): 32; 10 iterations of a + b (32) with 9
        // back-edges; sum: 32.
        (
            "import numpy as np\n\ndef f():\n    a = np.zeros(1000)\n    s = 0.0\n    \
             for i in range(10):\n        s += (a + a).sum()\n    return s\n\nprint(f())\n",
            1 + 32 + 10 * 64 + 9,
        ),
        // Calls and a loop only: no array work.
        (
            "def g(x):\n    return x + 1\n\ndef f():\n    t = 0\n    for i in range(100):\n        \
             t = g(t)\n    return t\n\nprint(f())\n",
            1 + 100 + 99,
        ),
        // Rounding up per operation: 33 elements cost 2, 1 element 1, 0 none.
        (
            "import numpy as np\n\nx = np.ones(33)\ny = np.ones(1)\nz = np.ones(0)\nprint(x.size + y.size + z.size)\n",
            2 + 1,
        ),
        // Index arrays: zeros(100): 4; a > -1: 4; the read pays for the
        // mask it reads (4) and the elements it copies (4); arange(40): 2;
        // the write pays for its positions (2) and its writes (2).
        (
            "import numpy as np\n\na = np.zeros(100)\nb = a[a > -1]\na[np.arange(40)] = 1.0\nprint(b.size)\n",
            4 + 4 + 8 + 2 + 4,
        ),
        // Printing shows 12 elements; the arange makes them.
        (
            "import numpy as np\n\nprint(np.arange(12).reshape(3, 4))\n",
            1 + 12,
        ),
        // Strings cost a unit per 32 bytes made (a 100-byte field: 3, a
        // short one nothing) and per 32 printed (3).
        (
            "s = f\"{7:>100}\"\nt = f\"{s}\"\nu = f\"{1}\"\nprint(s)\nprint(u)\n",
            3 + 3 + 3,
        ),
        // A loop making longer and longer strings: sum over w < 100 of
        // (w + 2) / 32, and 99 back-edges.
        (
            "def f():\n    for w in range(1, 100):\n        s = f\"[{w:>{w}}]\"\n\nf()\n",
            1 + (1..100u64).map(|w| (w + 2) / 32).sum::<u64>() + 98,
        ),
    ];
    for &(src, want) in programs {
        for (name, cfg) in configs() {
            assert_eq!(spent(src, &cfg), want, "{name}:\n{src}");
        }
    }
}

/// The fuel for an operation is spent before its work: an array too large
/// for the budget is never allocated.
#[test]
fn an_operation_out_of_fuel_does_no_work() {
    let src = "import numpy as np\n\nprint(1)\na = np.zeros(10 ** 10)\nprint(2)\n";
    for (name, mut cfg) in configs() {
        cfg.limits.fuel = Some(1_000_000);
        let mut vm = Vm::with_output(cfg, Box::new(Sink::default()));
        let m = vm.load("big.py", src).unwrap();
        match vm.run_main(&m) {
            Err(Error::Runtime(e)) => {
                assert_eq!(e.kind, "RuntimeError", "{name}");
                assert_eq!(e.message, "instruction fuel exhausted (limit 1000000)");
            }
            other => panic!("{name}: expected the fuel error, got {other:?}"),
        }
        let stats = vm.alloc_stats();
        assert!(
            stats.iter().all(|(_, s)| s.allocs == 0),
            "{name}: {stats:?}"
        );
    }
}

/// A string doubled in a loop stops with a `MemoryError` at the same
/// iteration in every tier, before it takes the host's memory; with a
/// budget, its fuel runs out first.
#[test]
fn strings_are_bounded_by_fuel_and_size() {
    let src = "def main():\n    s = \"ab\"\n    for i in range(80):\n        \
               s = f\"{s}{s}\"\n        print(i)\n\nmain()\n";
    let (out, end) = run_all(src, None);
    // 2 << 27 bytes is the longest string that may be made.
    assert_eq!(out.lines().count(), 27, "{out}");
    assert!(
        end.starts_with("MemoryError: a string longer than"),
        "{end}"
    );
    assert!(end.ends_with("at <module>:7 < main:4"), "{end}");
    let (_, end) = run_all(src, Some(1 << 20));
    assert!(
        end.starts_with("RuntimeError: instruction fuel exhausted"),
        "{end}"
    );
}

/// Strings count against the memory limit with the arrays, in every tier:
/// a string that would pass it is a `MemoryError`, and a string's bytes
/// are given back when it is freed.
#[test]
fn strings_count_against_the_memory_limit() {
    let limit = 1 << 20;
    let cases: &[(&str, &str)] = &[
        // 400 KB strings made over and over: at most two live at once.
        (
            "def main():\n    for i in range(20):\n        s = f\"{i:>{400000}}\"\n    print(1)\n\nmain()\n",
            "ok",
        ),
        // One string past the limit.
        (
            "def main():\n    s = f\"{1:>{2000000}}\"\n    print(1)\n\nmain()\n",
            "MemoryError: memory limit of 1048576 bytes exceeded (requested 2000000 bytes with 0 in use) at <module>:5 < main:2",
        ),
        // An array and a string that each fit, but not together.
        (
            "import numpy as np\n\ndef main():\n    a = np.zeros(100000)\n    s = f\"{1:>{300000}}\"\n    print(a.size)\n\nmain()\n",
            "MemoryError: memory limit of 1048576 bytes exceeded (requested 300000 bytes with 800112 in use) at <module>:8 < main:5",
        ),
        // A string that fits, then an array that does not fit beside it.
        (
            "import numpy as np\n\ndef main():\n    s = f\"{1:>{300000}}\"\n    a = np.zeros(100000)\n    print(a.size)\n\nmain()\n",
            "MemoryError: memory limit of 1048576 bytes exceeded (requested 800112 bytes with 300000 in use) at <module>:8 < main:5",
        ),
    ];
    for &(src, want) in cases {
        for (name, mut cfg) in configs() {
            cfg.max_memory = Some(limit);
            let (_, end) = run(src, &cfg, None);
            assert_eq!(end, want, "{name}:\n{src}");
        }
    }
}
