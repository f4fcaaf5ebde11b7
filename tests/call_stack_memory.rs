//! A call stack that cannot grow raises `MemoryError` at the call that
//! needs more, with a traceback, in every tier, and leaves the VM usable.
//! `Config::max_memory` bounds the call stack as well as arrays, which makes
//! the failure happen at the same call every time.

use kiln::{Config, Error, Limits, Tier, Value, Vm, NDARRAY};

const SRC: &str = "\
import numpy as np


def down(n, a):
    if n == 0:
        return a.sum()
    return down(n - 1, a) + 1.0
";

const TIERS: [Tier; 3] = [Tier::Interp, Tier::Jit, Tier::Auto];

fn vm(tier: Tier, max_memory: Option<u64>) -> Vm {
    Vm::new(Config {
        tier,
        limits: Limits {
            max_depth: 1_000_000,
            fuel: None,
        },
        max_memory,
        ..Config::default()
    })
}

fn ones(vm: &mut Vm) -> Value {
    Value::Array(vm.array_from_vec(vec![1.0f64; 4], &[4], NDARRAY))
}

#[test]
fn a_call_stack_past_the_memory_limit_raises_memory_error_in_every_tier() {
    let mut messages = Vec::new();
    for tier in TIERS {
        let mut vm = vm(tier, Some(1 << 20));
        let m = vm.load("deep.py", SRC).unwrap();
        let a = ones(&mut vm);
        let e = match vm.call(&m, "down", &[Value::Int(500_000), a.clone()]) {
            Err(Error::Runtime(e)) => e,
            r => panic!("{tier:?}: {r:?}"),
        };
        assert_eq!(e.kind, "MemoryError", "{tier:?}: {}", e.render());
        assert!(
            e.message.starts_with("no memory for a call stack")
                && e.message.ends_with("lower the recursion limit"),
            "{tier:?}: {}",
            e.message
        );
        // At the recursive call, with the frames that made it.
        assert_eq!(e.location().map(|l| l.0), Some(7), "{tier:?}");
        let text = e.render();
        assert!(
            text.starts_with("Traceback (most recent call last):")
                && text.contains("  File \"deep.py\", line 7, in down")
                && text.contains("    return down(n - 1, a) + 1.0")
                && text
                    .trim_end()
                    .ends_with(&format!("MemoryError: {}", e.message)),
            "{tier:?}: {text}"
        );
        messages.push(e.message.clone());
        // Every frame's reference to the array was released on the way out.
        drop(a);
        let live: u64 = vm.alloc_stats().iter().map(|(_, s)| s.live()).sum();
        assert_eq!(live, 0, "{tier:?}");
        // The VM goes on: a shallower call runs.
        let a = ones(&mut vm);
        assert_eq!(
            vm.call(&m, "down", &[Value::Int(1000), a]).unwrap(),
            Value::Float(1004.0),
            "{tier:?}"
        );
    }
    // The same call fails in every tier.
    assert!(messages.windows(2).all(|w| w[0] == w[1]), "{messages:?}");
}

#[test]
fn without_a_memory_limit_the_same_recursion_runs() {
    for tier in TIERS {
        let mut vm = vm(tier, None);
        let m = vm.load("deep.py", SRC).unwrap();
        let a = ones(&mut vm);
        assert_eq!(
            vm.call(&m, "down", &[Value::Int(100_000), a]).unwrap(),
            Value::Float(100_004.0),
            "{tier:?}"
        );
    }
}
