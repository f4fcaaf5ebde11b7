//! Strings made at run time (f-strings, `str.format`): every one a program
//! makes is freed, in every tier, whether the program ends normally or
//! with an exception; and none is handed to a host.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use kiln::{Config, Error, Tier, Value, Vm};

/// Output captured from a VM.
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

const PROGRAMS: &[(&str, &str)] = &[
    (
        "loops",
        "def label(i):\n    return f\"item {i:03d}\"\n\
         def run(n):\n    last = \"\"\n    for i in range(n):\n        s = label(i)\n        t = (s, i)\n        last = t[0]\n    return last\n\
         print(run(3000))\n",
    ),
    (
        "branches",
        "def pick(c):\n    s = \"lit\" if c else \"{}!\".format(c)\n    if c:\n        s = f\"{s}{s}\"\n    return s\n\
         for k in range(2000):\n    x = pick(k % 3 == 0)\nprint(x)\n",
    ),
    (
        "raise",
        "def check(v):\n    m = f\"v={v}\"\n    if v > 5:\n        raise ValueError(f\"{m} is too big\")\n    return m\n\
         for i in range(10):\n    print(check(i))\n",
    ),
    (
        "format error",
        "def show(x):\n    a = f\"{x}\"\n    return f\"{a}{x:d}\"\nprint(show(1))\nprint(show(1.5))\n",
    ),
    (
        "unassigned",
        "def f(c):\n    if c:\n        s = f\"{c}\"\n    return s\nprint(f(1))\nprint(f(0))\n",
    ),
];

#[test]
fn every_string_is_freed_in_every_tier() {
    for tier in [Tier::Interp, Tier::Jit, Tier::Auto] {
        for (name, src) in PROGRAMS {
            let sink = Sink::default();
            let mut vm = Vm::with_output(
                Config {
                    tier,
                    ..Config::default()
                },
                Box::new(sink.clone()),
            );
            let m = vm
                .load("t.py", src)
                .unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let r = vm.run_main(&m);
            drop(vm);
            drop(m);
            let out = String::from_utf8(sink.0.borrow().clone()).unwrap();
            match *name {
                "raise" | "format error" | "unassigned" => {
                    assert!(r.is_err(), "{name} [{tier:?}] should raise: {out}")
                }
                _ => assert!(r.is_ok(), "{name} [{tier:?}]: {r:?}"),
            }
            assert_eq!(
                vm::format::live_texts(),
                0,
                "{name} [{tier:?}] left strings alive; it printed:\n{out}"
            );
        }
    }
}

#[test]
fn a_host_gets_no_strings() {
    let mut vm = Vm::new(Config::default());
    let m = vm
        .load(
            "t.py",
            "def f(x):\n    return (f\"{x}\", x)\ndef g(x):\n    return x\n",
        )
        .unwrap();
    match vm.call(&m, "f", &[Value::Int(1)]) {
        Err(Error::Compile { rendered, .. }) => {
            assert!(rendered.contains("cannot hand to a host"), "{rendered}")
        }
        r => panic!("{r:?}"),
    }
    // The module still works for what a host may call.
    assert_eq!(vm.call(&m, "g", &[Value::Int(2)]).unwrap(), Value::Int(2));
    assert_eq!(vm::format::live_texts(), 0);
}
