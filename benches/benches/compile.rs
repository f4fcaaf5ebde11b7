//! The native tier's compile time, function by function, over the
//! benchmark programs (`benches/programs/*.py`): each function that the
//! tier takes is compiled again and again in one process, and the median
//! of those compiles is its time, with the median of each phase. Unlike
//! `vm bench`, which times each function's one compile as a run makes it
//! (caches cold, the first compile in the process paying for what is set
//! up once), this is the steady cost, steady enough to compare changes.
//!
//!     cargo bench -p kiln-benches --bench compile            # every program
//!     cargo bench -p kiln-benches --bench compile -- nbody   # PROGRAM/FUNCTION containing "nbody"
//!     cargo bench -p kiln-benches --bench compile -- --runs 50   # 50 compiles each
//!
//! It prints each function's bytecodes, µs and µs per 100 bytecodes, the
//! heap allocations one compile makes, and its phases (µs), then the
//! median over all functions of µs per 100 bytecodes, the allocations of
//! all and each phase's share of the total.

use std::alloc::{GlobalAlloc, Layout, System};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use kiln_benches::programs;

/// Compiles per function: at least `MIN`, and more until `TIME` has
/// passed or `MAX` were made.
const MIN: usize = 5;
const MAX: usize = 10_000;
const TIME: Duration = Duration::from_millis(40);

/// The system allocator, counting allocations: a compile's count is a
/// figure that does not vary from run to run.
struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes to the system allocator with the caller's
// arguments, so its contract is the system allocator's.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        // SAFETY: the caller's promise, passed on.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: the caller's promise, passed on.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        // SAFETY: the caller's promise, passed on.
        unsafe { System.realloc(p, l, size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn cold_arg() -> bool {
    std::env::args().any(|a| a == "--cold")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `--runs N` fixes the compiles per
    // function (for counting instructions with a profiler); any other
    // argument filters.
    let mut filter = None;
    let mut runs = None;
    let mut cold = false;
    // Written over before each compile with --cold, to leave the caches
    // holding none of the compiler's code and data, as when a program
    // runs between compiles.
    let mut evict = vec![0u8; if cold_arg() { 64 << 20 } else { 0 }];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse::<usize>().ok()),
            "--cold" => cold = true,
            s if s.starts_with('-') => {}
            _ => filter = Some(a),
        }
    }
    let (least, most) = match runs {
        Some(n) => (n.max(1), n.max(1)),
        None => (MIN, MAX),
    };
    // Native code calls the kernels through the runtime table.
    stdlib::install();
    let progs = programs().unwrap_or_else(|e| panic!("reading the programs: {e}"));
    let mut per_100 = Vec::new();
    let mut total_allocs = 0;
    let mut totals = jit::Phases::default().named();
    for p in &progs {
        let source = Rc::new(typer::Source::new(&p.name, &p.source));
        let (_, m) = vm::load(source, typer::classes::Classes::shared())
            .unwrap_or_else(|e| panic!("{}: {e:?}", p.name));
        println!("{}", p.name);
        for proto in &m.protos {
            let name = format!("{}/{}", p.name, proto.name);
            if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
                continue;
            }
            let mut times = Vec::new();
            let mut phases = Vec::new();
            let mut allocs = 0;
            let start = Instant::now();
            while times.len() < least || (times.len() < most && start.elapsed() < TIME) {
                if cold {
                    for (k, x) in evict.iter_mut().enumerate().step_by(64) {
                        *x = x.wrapping_add(k as u8);
                    }
                    std::hint::black_box(&evict);
                }
                let mut t = jit::Phases::default();
                let a0 = ALLOCS.load(Relaxed);
                let t0 = Instant::now();
                let code = jit::compile_timed(proto, &m, &mut t);
                times.push(t0.elapsed().as_secs_f64() * 1e6);
                allocs = ALLOCS.load(Relaxed) - a0;
                phases.push(t);
                if code.is_none() {
                    break;
                }
            }
            if times.len() < least {
                println!("  {:<16} not compiled", proto.name);
                continue;
            }
            let us = median(times);
            let n = proto.code.len().max(1);
            per_100.push(us * 100.0 / n as f64);
            let parts: Vec<String> = (0..totals.len())
                .map(|k| {
                    let s = median(phases.iter().map(|t| t.named()[k].1 * 1e6).collect());
                    totals[k].1 += s;
                    format!("{} {s:.1}", totals[k].0)
                })
                .collect();
            println!(
                "  {:<16} {n:>4} bytecodes {us:>8.1} µs {:>8.1} µs/100 {allocs:>6} allocations   {}",
                proto.name,
                us * 100.0 / n as f64,
                parts.join(", ")
            );
            total_allocs += allocs;
        }
    }
    let all: f64 = totals.iter().map(|t| t.1).sum::<f64>().max(1e-12);
    let shares: Vec<String> = totals
        .iter()
        .map(|(n, s)| format!("{n} {:.0}%", s / all * 100.0))
        .collect();
    println!(
        "median over {} functions: {:.1} µs per 100 bytecodes; {total_allocs} allocations; phases: {}",
        per_100.len(),
        median(per_100),
        shares.join(", ")
    );
}
