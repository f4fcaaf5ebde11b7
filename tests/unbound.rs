//! Reads of locals that may be unassigned: a host never receives the
//! register's old contents (a null array, an address), the check exists only
//! where some path reaches the read with the local unassigned, and raising
//! spends the same fuel in every tier.

mod common;

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::time::Duration;

use kiln::{Config, Error, Hot, Tier, Value, Vm};

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

const MAYBE_ARRAY: &str = "import numpy as np\n\n\
    def f(n):\n    if n > 0:\n        a = np.zeros(3)\n    return a\n";

#[test]
fn host_call_returning_an_unassigned_array_raises() {
    for tier in [Tier::Interp, Tier::Jit, Tier::Auto] {
        let mut vm = Vm::with_output(
            Config {
                tier,
                ..Config::default()
            },
            Box::new(Sink::default()),
        );
        let m = vm.load("f.py", MAYBE_ARRAY).unwrap();
        match vm.call(&m, "f", &[Value::Int(0)]) {
            Err(Error::Runtime(e)) => {
                assert_eq!(e.kind, "UnboundLocalError", "{tier:?}");
                assert_eq!(
                    e.message,
                    "cannot access local variable 'a' where it is not associated with a value"
                );
                // At `return a`, line 6, with the caret under the name.
                let text = e.render();
                assert!(
                    text.contains("line 6, in f\n    return a\n           ^\n"),
                    "{tier:?}: {text}"
                );
            }
            other => panic!("{tier:?}: f(0) gave {other:?}"),
        }
        // The same specialisation, now with the branch taken.
        match vm.call(&m, "f", &[Value::Int(1)]) {
            Ok(Value::Array(a)) => {
                assert_eq!(a.shape(), vec![3]);
                assert_eq!(a.to_vec_f64(), vec![0.0; 3]);
            }
            other => panic!("{tier:?}: f(1) gave {other:?}"),
        }
        // And once more unassigned, after a successful call.
        assert!(matches!(
            vm.call(&m, "f", &[Value::Int(-4)]),
            Err(Error::Runtime(e)) if e.kind == "UnboundLocalError"
        ));
    }
}

#[test]
fn an_unassigned_scalar_is_never_read() {
    // The fuzzer's case: the register of `i` may hold anything (an
    // address, from the frame of an earlier call).
    let src = "import numpy as np\n\n\
        def total(a):\n    print(i)\n    for i in range(len(a)):\n        pass\n\n\
        def make(n):\n    return np.ones(n)\n";
    let sink = Sink::default();
    let mut vm = Vm::with_output(Config::default(), Box::new(sink.clone()));
    let m = vm.load("t.py", src).unwrap();
    let Ok(Value::Array(a)) = vm.call(&m, "make", &[Value::Int(4)]) else {
        panic!("make(4) failed")
    };
    match vm.call(&m, "total", &[Value::Array(a)]) {
        Err(Error::Runtime(e)) => assert_eq!(
            e.summary(),
            "UnboundLocalError: cannot access local variable 'i' where it is not associated with a value"
        ),
        other => panic!("total gave {other:?}"),
    }
    drop(vm);
    assert_eq!(String::from_utf8_lossy(&sink.0.borrow()), "");
}

/// The `Bound` checks `vm dis` lists in each function, by line.
fn checks_by_function(listing: &str) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    let mut line = 0;
    for l in listing.lines() {
        if let Some(rest) = l.strip_prefix("function ") {
            out.push((rest.split(' ').next().unwrap().to_string(), Vec::new()));
        } else if let Some((num, _)) = l.trim_start().split_once('|') {
            line = num.trim().parse().unwrap();
        } else if l.split_whitespace().nth(1) == Some("Bound") {
            out.last_mut().unwrap().1.push(line);
        }
    }
    out
}

#[test]
fn only_reads_that_may_find_the_name_unassigned_are_checked() {
    let src = "\
import numpy as np
K = 4

def always(n, x):
    if n > 0:
        a = np.zeros(n)
        k = 1
    else:
        a = np.ones(1)
        k = 2
    t = 0.0
    for i in range(n):
        t += a[i] * x
        if i == K:
            break
    else:
        t = -t
    while t > 100.0:
        t = t / 2.0
    s, c = k, t
    return s + c + k + a.sum()

def sometimes(n):
    for i in range(n):
        if i == 2:
            m = i
    print(m)
    print(m + 1)
    return i

print(always(3, 0.5), sometimes(3))
";
    let dir = common::TempDir::new("unbound-dis");
    let file = dir.write("d.py", src);
    let o = common::run_vm(
        &[std::ffi::OsStr::new("dis"), file.as_os_str()],
        None,
        Duration::from_secs(60),
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let checks = checks_by_function(&o.stdout);
    let find = |name: &str| {
        checks
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no function {name} in\n{}", o.stdout))
            .1
            .clone()
    };
    assert_eq!(find("always"), Vec::<usize>::new(), "{}", o.stdout);
    assert_eq!(find("<module>"), Vec::<usize>::new(), "{}", o.stdout);
    // `m` at its first read only (a read that passed proves it for the
    // next line); `i` after a loop that may not have run.
    assert_eq!(find("sometimes"), vec![27, 29], "{}", o.stdout);
    // And the program runs as CPython runs it.
    let o = common::run_vm(
        &[std::ffi::OsStr::new("run"), file.as_os_str()],
        None,
        Duration::from_secs(60),
    );
    assert_eq!(o.stdout, "2\n3\n2.0 2\n", "{}", o.stderr);
}

/// The run's output and ending: the exception and where, or "ok".
fn run(src: &str, tier: Tier, fuel: Option<u64>) -> (String, String) {
    let sink = Sink::default();
    let mut cfg = Config {
        tier,
        ..Config::default()
    };
    // Tiers switch as often as they can, part way through loops.
    cfg.hot = Hot {
        window: 3,
        threshold: 1,
    };
    cfg.limits.fuel = fuel;
    let mut vm = Vm::with_output(cfg, Box::new(sink.clone()));
    let m = vm.load("fuel.py", src).unwrap();
    let end = match vm.run_main(&m) {
        Ok(()) => "ok".to_string(),
        Err(Error::Runtime(e)) => {
            let at: Vec<String> = e
                .traceback
                .iter()
                .map(|t| format!("{}:{}", t.func, t.span.start))
                .collect();
            format!("{} at {}", e.summary(), at.join(" < "))
        }
        Err(e) => panic!("{e}"),
    };
    drop(vm);
    let out = String::from_utf8_lossy(&sink.0.borrow()).into_owned();
    (out, end)
}

#[test]
fn raising_spends_the_same_fuel_in_every_tier() {
    // The failing check runs in a hot loop, after many iterations in which
    // the checks around it pass.
    let src = "import numpy as np\n\n\
        def f(n):\n    t = 0\n    for i in range(n):\n        for j in range(i):\n            t += j\n        \
        if t > 2000:\n            print(i, t, hit, w)\n        if i % 3 == 0:\n            w = np.ones(2) * i\n        \
        if t > 5000:\n            hit = t\n    return t\n\nprint(f(40))\n";
    let unbound =
        |end: &str| end.starts_with("UnboundLocalError: cannot access local variable 'hit'");
    let mut spent = Vec::new();
    for tier in [Tier::Interp, Tier::Jit, Tier::Auto] {
        let (out, end) = run(src, tier, None);
        assert!(unbound(&end), "{tier:?}: {end}");
        assert_eq!(out, "", "{tier:?}");
        // The least fuel with which the run gets as far as the raise.
        let (mut lo, mut hi) = (0u64, 1u64 << 20);
        assert!(unbound(&run(src, tier, Some(hi)).1));
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if unbound(&run(src, tier, Some(mid)).1) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let below = run(src, tier, Some(lo));
        assert!(
            below
                .1
                .starts_with("RuntimeError: instruction fuel exhausted"),
            "{tier:?}: {below:?}"
        );
        spent.push((tier, hi, below));
    }
    for (tier, fuel, below) in &spent[1..] {
        assert_eq!(*fuel, spent[0].1, "{tier:?} against the interpreter");
        assert_eq!(*below, spent[0].2, "{tier:?}: where the fuel ran out");
    }
    assert!(spent[0].1 > 100, "the loops ran: {}", spent[0].1);
}

#[test]
fn raising_releases_every_array_and_allocates_alike_in_every_tier() {
    // The check fails with an owned temporary live (`np.ones(4) * 2.0`)
    // and array locals assigned (`w`) and not (`arr`).
    let src = "import numpy as np\n\n\
        def f(n):\n    w = np.zeros(4)\n    if n > 3:\n        arr = np.ones(4)\n    \
        b = np.ones(4) * 2.0 + arr\n    return b + w\n\nprint(f(5))\nprint(f(1))\n";
    let mut seen = Vec::new();
    for tier in [Tier::Interp, Tier::Jit, Tier::Auto] {
        let sink = Sink::default();
        let mut vm = Vm::with_output(
            Config {
                tier,
                ..Config::default()
            },
            Box::new(sink.clone()),
        );
        let m = vm.load("leak.py", src).unwrap();
        let e = vm.run_main(&m).unwrap_err();
        assert!(
            matches!(&e, Error::Runtime(x) if x.kind == "UnboundLocalError"),
            "{tier:?}: {e}"
        );
        drop(m);
        let stats = vm.alloc_stats();
        let (allocs, frees): (u64, u64) = stats
            .iter()
            .fold((0, 0), |(a, f), (_, s)| (a + s.allocs, f + s.frees));
        assert_eq!(allocs, frees, "{tier:?}: {stats:?}");
        assert!(allocs > 0);
        drop(vm);
        let out = String::from_utf8_lossy(&sink.0.borrow()).into_owned();
        assert_eq!(out, "[3. 3. 3. 3.]\n", "{tier:?}");
        seen.push(allocs);
    }
    assert!(seen.iter().all(|&n| n == seen[0]), "{seen:?}");
}
