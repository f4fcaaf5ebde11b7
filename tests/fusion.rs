//! Fused elementwise expressions end to end: how many arrays they allocate
//! in every tier, that overlapping outputs read the old values, and that
//! `--inspect-types` shows them. (Values against NumPy:
//! `tests/programs/fused_exprs.py` and `tests/tools/fuzz_arrays.py SEED N
//! fused`.)

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use kiln::{Config, Tier, Vm};

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

/// Runs `src` in `tier`: what it printed and (allocations, frees) of the
/// default allocator.
fn run(src: &str, tier: Tier) -> (String, (u64, u64)) {
    let sink = Sink::default();
    let cfg = Config {
        tier,
        ..Config::default()
    };
    let mut vm = Vm::with_output(cfg, Box::new(sink.clone()));
    let m = vm.load("fusion.py", src).expect("compiles");
    vm.run_main(&m).expect("runs");
    let s = vm
        .alloc_stats()
        .into_iter()
        .find(|(n, _)| n == "system")
        .expect("the default allocator")
        .1;
    drop(vm);
    let out = String::from_utf8_lossy(&sink.0.borrow()).into_owned();
    (out, (s.allocs, s.frees))
}

const TIERS: [Tier; 3] = [Tier::Interp, Tier::Jit, Tier::Auto];

#[test]
fn the_seed_expression_allocates_its_result_only() {
    let src = "import numpy as np\n\ndef f(a):\n    return a * 2 + a\n\n\
               def main():\n    a = np.arange(10)\n    print(f(a))\n\nmain()\n";
    for tier in TIERS {
        let (out, allocs) = run(src, tier);
        assert_eq!(out, "[ 0  3  6  9 12 15 18 21 24 27]\n", "{tier:?}");
        // The arange and the result.
        assert_eq!(allocs, (2, 2), "{tier:?}");
    }
}

#[test]
fn rows_longer_than_a_block_and_at_its_edges() {
    // The typed path works in blocks of the row (256 elements), the first
    // operand's chain in the output's own block: every element of short
    // rows, rows at a block's edges and rows of several blocks, in 1-D and
    // row by row in 2-D, with intermediates in the output and in buffers.
    let src = "import numpy as np\n\ndef f(a, b):\n    return a * 3 - b\n\n\
               def g(a, b):\n    return (a * 3 - b) * (a + 1) - a\n\n\
               def main():\n    for n in (1, 255, 256, 257, 1023, 1025, 2053):\n        \
               a = np.arange(n)\n        r = f(a, (n - 1) - a)\n        \
               print(n, r.sum(), r[0], r[n - 1], g(a, (n - 1) - a).sum())\n    \
               m = np.arange(3 * 1500).reshape(3, 1500)\n    print(f(m, m * 0 - m).sum())\n\n\
               main()\n";
    for tier in TIERS {
        let (out, _) = run(src, tier);
        assert_eq!(out, "1 0 0 0 0\n255 64770 -254 762 13785215\n256 65280 -255 765 13948160\n257 65792 -256 768 14112384\n1023 1045506 -1022 3066 891642367\n1025 1049600 -1024 3072 896883200\n2053 4212756 -2052 6156 7208727642\n40491000\n", "{tier:?}");
    }
}

#[test]
fn in_place_and_slice_assignments_allocate_nothing() {
    let src = "import numpy as np\n\ndef main():\n    u = np.zeros((6, 6))\n    \
               u[0, :] = 1.0\n    v = np.zeros((6, 6))\n    for it in range(3):\n        \
               v[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])\n        \
               v += u * 0.5 - v * 0.25\n        u, v = v, u\n    print(u[1])\n\nmain()\n";
    let mut first = None;
    for tier in TIERS {
        let (out, allocs) = run(src, tier);
        // The two grids only.
        assert_eq!(allocs, (2, 2), "{tier:?}");
        let first = first.get_or_insert(out.clone());
        assert_eq!(&out, first, "{tier:?} prints what interp printed");
    }
}

#[test]
fn overlapping_outputs_read_the_old_values() {
    let src = "import numpy as np\n\ndef main():\n    b = np.arange(6.0)\n    \
               b[1:] = (b[:-1] + b[1:]) / 2\n    print(b)\n    c = np.arange(6.0)\n    \
               c += c[::-1] * 2.0\n    print(c)\n    d = np.arange(6.0)\n    \
               d[::-1] = d * 10.0 + d\n    print(d)\n\nmain()\n";
    for tier in TIERS {
        let (out, _) = run(src, tier);
        // As NumPy prints it.
        assert_eq!(
            out,
            "[0.  0.5 1.5 2.5 3.5 4.5]\n[10.  9.  8.  7.  6.  5.]\n[55. 44. 33. 22. 11.  0.]\n",
            "{tier:?}"
        );
    }
}

#[test]
fn inspect_types_shows_one_fused_statement() {
    // (Array subtypes with a ufunc hook are not fused: the seed example,
    // `cargo run --example myarray`, still makes two mallocs, which
    // tests/classmethods.rs counts.)
    let mut vm = Vm::new(Config::default());
    let m = vm
        .load(
            "s.py",
            "import numpy as np\n\ndef f(a, b):\n    return np.sqrt(a * a + b * b)\n\n\
             x = np.ones(3)\nprint(f(x, x))\n",
        )
        .unwrap();
    let text = m.inspect_types();
    assert!(
        text.contains(
            "# $1 = fused(np.sqrt(((a * a) + (b * b))) [loop float64]) :: array(float64, 1d, C)"
        ),
        "{text}"
    );
}
