//! Criterion benches over the benchmark programs (`benches/programs/*.py`).
//!
//! - `run/PROGRAM/TIER`: the program's top-level code (`main()`), run again
//!   and again on one loaded module in a VM of that tier (`interp`, `jit`,
//!   `auto`): the steady state, as `vm bench` reports it. The programs check
//!   their own results, so a wrong answer fails the bench.
//! - `load/PROGRAM` and `load/all`: the front end (parse, type inference,
//!   bytecode compilation) with the source size as throughput, so criterion
//!   reports the cost per KiB of source.
//!
//! In `jit` and `auto` the steady state is the optimizing native tier's
//! code. Its compile time is no bench here: it happens once per function,
//! inside the warm-up, and `vm bench` reports it (per function and per 100
//! bytecode instructions).
//!
//! The programs run for up to a couple of seconds each, so the run benches
//! take criterion's minimum of 10 samples (flat sampling) in a 2 s window
//! after a warm-up of one run (which also checks the program). A program
//! slower than 0.2 s gets one run per sample, and criterion then warns that
//! it could not complete 10 samples in 2 s: expected, and harmless. Select
//! benches with a filter (a regex), e.g. `cargo bench -p kiln-benches --
//! 'run/fib/'`, `-- /interp`, or `-- load`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use kiln_benches::{programs, quiet_vm, Program, TIERS};

fn all_programs() -> Vec<Program> {
    programs().unwrap_or_else(|e| panic!("reading {}: {e}", kiln_benches::programs_dir().display()))
}

fn bench_runs(c: &mut Criterion) {
    for p in all_programs() {
        let mut group = c.benchmark_group(format!("run/{}", p.name));
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(10)
            .warm_up_time(Duration::from_millis(1))
            .measurement_time(Duration::from_secs(2));
        for (tier_name, tier) in TIERS {
            let mut vm = quiet_vm(tier);
            let m = vm
                .load(&p.path.to_string_lossy(), &p.source)
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
            let mut run = || {
                vm.run_main(&m)
                    .unwrap_or_else(|e| panic!("{} ({tier_name}): {e}", p.name))
            };
            group.bench_function(tier_name, |b| b.iter(&mut run));
        }
        group.finish();
    }
}

fn bench_load(c: &mut Criterion) {
    let progs = all_programs();
    let mut group = c.benchmark_group("load");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(1));
    let mut vm = quiet_vm(kiln::Tier::Interp);
    for p in &progs {
        let name = p.path.to_string_lossy().into_owned();
        group.throughput(Throughput::Bytes(p.source.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(&p.name), p, |b, p| {
            b.iter(|| {
                black_box(
                    vm.load(&name, &p.source)
                        .unwrap_or_else(|e| panic!("{}: {e}", p.name)),
                )
            })
        });
    }
    let total: usize = progs.iter().map(|p| p.source.len()).sum();
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("all", |b| {
        b.iter(|| {
            for p in &progs {
                black_box(
                    vm.load(&p.name, &p.source)
                        .unwrap_or_else(|e| panic!("{}: {e}", p.name)),
                );
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_load, bench_runs);
criterion_main!(benches);
