//! Code every backend's tests run, on its own machine (the aarch64 code
//! under qemu-user elsewhere): what `Asm` operations do on a real machine,
//! written once against the trait, so that both backends must give the
//! same results whichever registers the allocator picked.

use super::*;
use crate::layout::LEVEL_PC;

/// What [`runtime_calls`] calls: spends 3 units of the window's fuel
/// through the `Cx` it is given, and returns `1000 * k + x`.
extern "C" fn by_value(cx: *mut vm::tiering::Cx, k: u64, x: u64) -> u64 {
    // SAFETY: the checks' `Cx`, whose fuel counter is live.
    unsafe { *(*cx).fuel -= 3 };
    1000 * k + x
}

/// As [`by_value`], with `x` the address of a slot: returns `1000 * k`
/// plus the slot's value, and adds 1 to the slot.
extern "C" fn by_slot(cx: *mut vm::tiering::Cx, k: u64, x: u64) -> u64 {
    // SAFETY: the checks' `Cx`, and `x` the address of one of its
    // slots.
    unsafe {
        *(*cx).fuel -= 3;
        let slot = x as *mut u64;
        *slot += 1;
        1000 * k + *slot - 1
    }
}

/// Calls into the runtime table (`Asm::call_cx`) with the word in
/// `x`, which `x` is first loaded into (any of the allocator's
/// registers, or the emitter's scratch), and with a slot's address:
/// slot 0 gets the first call's result, slot 1 the second's, slot 2
/// (30 before) what the second left there, slot 3 the fuel left in the
/// window after both (10 before: each spends 3).
pub fn runtime_calls<A: Asm>(a: &mut A, x: PReg) -> [u64; 4] {
    a.movi(x, 5);
    a.call_cx(by_value as *const () as usize, 7, Word::R(x));
    a.store_slot(0, A::RET);
    a.call_cx(by_slot as *const () as usize, 9, Word::Slot(2));
    a.store_slot(1, A::RET);
    a.fuel_left(A::RET);
    a.store_slot(3, A::RET);
    [7005, 9030, 31, 4]
}

/// Native calls two deep, each callee reading its level's
/// instruction: slots 0 and 1 get the two instructions, 2 and 3 what
/// each callee computed from a value its caller left in a register
/// (every register is lost across the call, so the slots carry
/// them), 4 the stack pointer's distance from its value before the
/// calls (0: each return popped its level).
pub fn native_calls<A: Asm>(a: &mut A) -> [u64; 5] {
    let (g, w) = (A::REGS.gpr, Width::W64);
    let (outer, inner, done) = (a.new_label(), a.new_label(), a.new_label());
    a.sp(g[0]);
    a.store_slot(5, g[0]);
    a.call_native(11, Callee::Label(outer));
    a.sp(g[0]);
    a.load_slot(g[1], 5);
    a.alu(IOp::Sub, g[0], g[0], Src::R(g[1]));
    a.store_slot(4, g[0]);
    a.jump(done);
    a.bind(outer);
    a.call_entry();
    a.sp(g[0]);
    a.load(w, g[0], g[0], LEVEL_PC);
    a.store_slot(0, g[0]);
    a.movi(g[1], 40);
    a.store_slot(2, g[1]);
    a.call_native(22, Callee::Label(inner));
    a.load_slot(g[1], 2);
    a.alu(IOp::Add, g[1], g[1], Src::K(2));
    a.store_slot(2, g[1]);
    a.ret_native();
    a.bind(inner);
    a.call_entry();
    a.sp(g[2]);
    a.load(w, g[2], g[2], LEVEL_PC);
    a.store_slot(1, g[2]);
    a.movi(g[3], 5);
    a.store_slot(3, g[3]);
    a.ret_native();
    a.bind(done);
    [11, 22, 42, 5, 0]
}

/// [`runtime_calls`] with the word in each register the allocator hands
/// out and in each scratch register.
pub(crate) fn runtime_calls_from_every_register<A: Asm>(run: &Runner<A>) {
    let regs = A::REGS.gpr.iter().chain(A::REGS.gpr_saved);
    for &x in regs.chain(&A::SCRATCH) {
        let want = std::cell::Cell::new([0; 4]);
        let s = run(&[0, 0, 30, 0], &|a| want.set(runtime_calls(a, x)));
        assert_eq!(s, want.get(), "the word in register {x}");
    }
}

/// Python's `//` on int64 (wrapping where the quotient overflows): what
/// the backends' floor division must give.
pub(crate) fn floordiv(a: i64, b: i64) -> i64 {
    let q = a.wrapping_div(b);
    if a.wrapping_rem(b) != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

/// Python's `%` on int64: the remainder takes the divisor's sign.
pub(crate) fn modulo(a: i64, b: i64) -> i64 {
    let r = a.wrapping_rem(b);
    if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    }
}

/// Runs a body of code on slots and returns them: each backend's
/// `run`, assembling the body between its entry sequence and an exit.
pub(crate) type Runner<A> = dyn Fn(&[u64], &dyn Fn(&mut A)) -> Vec<u64>;

pub(crate) fn shifts_unsigned_division_conversions_and_negated_float_branches<A: Asm>(
    run: &Runner<A>,
) {
    // Each register combination, the count's register among them.
    let shl = |x: i64, n: i64| x.wrapping_shl((n & 63) as u32);
    let sar = |x: i64, n: i64| x >> (n & 63);
    for (x, n) in [(5i64, 3i64), (-40, 2), (1, 63), (-1, 64), (7, 65)] {
        for (ra, rb, rd) in [
            (1u8, 2u8, 6u8),
            (2, 1, 1),
            (6, 1, 2),
            (1, 6, 6),
            (7, 2, 1),
            (1, 2, 9),
        ] {
            for op in [IOp::Shl, IOp::Sar] {
                let s = run(&[x as u64, n as u64, 0], &|a| {
                    a.load_slot(ra, 0);
                    a.load_slot(rb, 1);
                    a.alu(op, rd, ra, Src::R(rb));
                    a.store_slot(2, rd);
                });
                let want = if op == IOp::Shl { shl(x, n) } else { sar(x, n) };
                if ra != rb {
                    assert_eq!(s[2] as i64, want, "{op:?} {x} {n} in {ra},{rb} -> {rd}");
                }
            }
        }
        let s = run(&[x as u64, 0, 0], &|a| {
            a.load_slot(6, 0);
            a.alu(IOp::Shl, 6, 6, Src::K(n as i32));
            a.store_slot(2, 6);
        });
        assert_eq!(s[2] as i64, shl(x, n));
    }
    for (x, y) in [
        (u64::MAX, 1u64),
        (u64::MAX, 3),
        (10, 20),
        (1 << 63, 1 << 62),
    ] {
        for (ra, rb, rd) in [
            (1u8, 2u8, 6u8),
            (2, 1, 1),
            (6, 1, 2),
            (1, 6, 6),
            (7, 2, 1),
            (1, 2, 9),
        ] {
            if ra == rb {
                continue;
            }
            let s = run(&[x, y, 0], &|a| {
                a.load_slot(ra, 0);
                a.load_slot(rb, 1);
                a.alu(IOp::UDiv, rd, ra, Src::R(rb));
                a.store_slot(2, rd);
            });
            assert_eq!(s[2], x / y, "{x} / {y} in {ra},{rb} -> {rd}");
        }
    }
    for x in [1.5f64, -2.75, 1e10, -0.0, -1e15 - 0.5, 1.0 + f64::EPSILON] {
        let s = run(&[x.to_bits(), 0, 0], &|a| {
            a.fload_slot(1, 0);
            a.ftoi(6, 1);
            a.store_slot(1, 6);
            a.fun(UnOp::F32, 2, 1);
            a.fstore_slot(2, 2);
        });
        assert_eq!(s[1] as i64, x as i64);
        assert_eq!(s[2], (x as f32 as f64).to_bits());
    }
    for (x, y) in [(1.0f64, 2.0f64), (f64::NAN, 1.0), (2.0, 2.0), (3.0, 1.0)] {
        for (k, c) in [FCond::Lt, FCond::Le, FCond::Eq, FCond::Ne]
            .into_iter()
            .enumerate()
        {
            let s = run(&[x.to_bits(), y.to_bits(), 0], &|a| {
                let l = a.new_label();
                a.fload_slot(1, 0);
                a.fload_slot(2, 1);
                a.movi(6, 0);
                a.fbranch_not(c, 1, 2, l);
                a.movi(6, 1);
                a.bind(l);
                a.store_slot(2, 6);
            });
            let want = [x < y, x <= y, x == y, x != y][k];
            assert_eq!(s[2] == 1, want, "not {c:?} {x} {y}");
        }
    }
}

/// Vector operations on `lanes` elements at once, each lane as the
/// scalar operation computes it, whichever registers alias.
pub(crate) fn vectors_compute_each_lane<A: Asm>(lanes: usize, base: PReg, run: &Runner<A>) {
    let xs = [1.5f64, -2.25, 0.0, 9.0, 4.0, -0.5, 3.0, 1e300];
    let ys = [0.5f64, 3.0, -7.0, 2.0, -4.0, 0.25, -0.0, 1e300];
    let mut slots: Vec<u64> = xs.iter().chain(&ys).map(|x| x.to_bits()).collect();
    slots.extend([0u64; 8]);
    for (op, f) in [
        (FOp::Add, (|a: f64, b: f64| a + b) as fn(f64, f64) -> f64),
        (FOp::Sub, |a, b| a - b),
        (FOp::Mul, |a, b| a * b),
        (FOp::Div, |a, b| a / b),
    ] {
        for (ra, rb, rd) in [(1u8, 2u8, 6u8), (1, 2, 1), (1, 2, 2), (2, 2, 2)] {
            let s = run(&slots, &|a| {
                a.vload(ra, base, 0);
                a.vload(rb, base, 64);
                a.vfalu(op, rd, ra, rb);
                a.vstore(base, 128, rd);
                a.vend();
            });
            for k in 0..lanes {
                let (x, y) = (if ra == rb { ys[k] } else { xs[k] }, ys[k]);
                assert_eq!(
                    s[16 + k],
                    f(x, y).to_bits(),
                    "{op:?} lane {k} in {ra},{rb} -> {rd}"
                );
            }
            assert!(s[16 + lanes..].iter().all(|&w| w == 0), "past the lanes");
        }
    }
    for (op, f) in [
        (UnOp::FNeg, (|a: f64| -a) as fn(f64) -> f64),
        (UnOp::FAbs, |a: f64| a.abs()),
        (UnOp::FSqrt, |a: f64| a.sqrt()),
    ] {
        let s = run(&slots, &|a| {
            a.vload(1, base, 0);
            a.vfun(op, 2, 1);
            a.vstore(base, 128, 2);
            a.vend();
        });
        for k in 0..lanes {
            assert_eq!(s[16 + k], f(xs[k]).to_bits(), "{op:?} lane {k}");
        }
    }
    let s = run(&slots, &|a| {
        a.fload_slot(3, 1);
        a.splat(4, 3);
        a.vstore(base, 128, 4);
        a.vend();
    });
    for k in 0..lanes {
        assert_eq!(s[16 + k], xs[1].to_bits(), "splat lane {k}");
    }
}
