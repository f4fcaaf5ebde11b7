//! The `vm` command-line tool: run, check and inspect Kiln programs.
//!
//! Exit status: 0 on success, 1 when the script fails (a compile error or an
//! uncaught exception), 2 on a usage error, 141 when standard output is
//! closed early (`vm bench ... | head -1`), as a shell reports for `cat`
//! stopped by SIGPIPE.

use std::io::Write;
use std::process::ExitCode;

use kiln::{Config, Error, Tier, Vm};

const USAGE: &str = "\
vm — run, check and inspect Kiln programs (typed array code in a Numba-compatible subset of Python)

Usage:
    vm run FILE [--tier interp|jit|auto] [--stats] [--inspect-types] [--recursion-limit N] [--fuel N]
    vm check FILE
    vm dis FILE
    vm asm FILE [--ir] [--arch aarch64|x86-64]
    vm bench FILE... [--tier interp|jit|auto|all] [--runs N] [--json]
    vm help [COMMAND]

Commands:
    run     Run a program's top-level code
    check   Parse and type-check everything the program reaches; run nothing
    dis     Print the bytecode of every compiled function with its source lines
    asm     Print the native code of every compiled function, disassembled, under its bytecode
    bench   Time a program per tier: first run (compile included), then repeated runs

Run `vm COMMAND --help` for a command's options.
";

const RUN_HELP: &str = "\
vm run FILE [options]

Runs FILE's top-level code. Program output goes to stdout; an uncaught
exception prints a traceback to stderr and exits with status 1.

Options:
    --tier interp|jit|auto   Which tier runs the code (default: auto).
                             jit compiles every function to native code
                             before it first runs; auto interprets and
                             compiles the functions whose calls and loops
                             get hot (x86-64; elsewhere both interpret).
    --stats                  After the run (also after an uncaught exception), print
                             allocation statistics per allocator to stderr, one line
                             each: `kiln stats: allocator NAME: allocs=N frees=N
                             bytes_allocated=N bytes_freed=N live=N`
    --inspect-types          Before running, print every compiled specialisation as
                             annotated source: each line under its typed IR
                             statements (`$1 = a * 2 :: array(int64, 1d, C)`)
    --recursion-limit N      Deepest call nesting before RecursionError (default 1000, at most 1000000)
    --fuel N                 Stop after N units of work (default: no limit): one per
                             loop iteration and call, per 32 elements an array
                             operation processes, per array element printed,
                             per 32 bytes of a string made or printed
    -h, --help               Show this help
";

const CHECK_HELP: &str = "\
vm check FILE

Parses and type-checks FILE and every function its top-level code reaches,
without running anything. Prints `ok` and exits 0, or prints the first error
(file:line:col, the source line, a caret) and exits 1.
";

const DIS_HELP: &str = "\
vm dis FILE

Compiles FILE and prints the register bytecode of every specialisation:
a header with its argument types, return type and frame size, then each
instruction under the source line it came from.
";

const ASM_HELP: &str = "\
vm asm FILE [--ir] [--arch aarch64|x86-64]

Compiles FILE to bytecode and then to native code for the host (x86-64 or
aarch64), and prints the bytecode as `vm dis` does with each instruction's
machine code, disassembled, under it: address, bytes (an aarch64 word as
its value), instruction. The entry sequence comes before the first
instruction and the out-of-line exits to the interpreter after the last.
On a host without a native backend it prints the bytecode alone.

With --arch aarch64 on another host it lists the code the aarch64 backend
generates, as if it started at address 0, without running it.

With --ir it prints each function in the native tier's low IR instead:
basic blocks of typed values (i64, f64, ptr) with their parameters, the
loops and dominators found, and every exit to the interpreter with the
frame slots it writes back.
";

const BENCH_HELP: &str = "\
vm bench FILE... [options]

Times each FILE per tier. The first run loads the program (parse, type, compile)
and runs its top-level code: the time to first result. Then, after one
warm-up run, the top-level code runs N more times on the compiled program
with its output discarded; the median, min and max of those are reported.
For native code it reports the compile time up to the end of the first
run, and the median over the functions compiled of their compile time and
of that time per 100 bytecode instructions, and where that time went
(the total over the functions of each phase: building the low IR,
inlining, loop optimisation, register allocation, emitting). Prints one
line per tier (and two for native compile times), or JSON with --json
(one line per FILE). Given several files, it ends with the compile time
medians over every function of all of them.

Options:
    --tier interp|jit|auto|all   Tiers to time (default: all)
    --runs N                     Timed runs per tier (default 10)
    --json                       Machine-readable output:
                                 {\"file\": F, \"tiers\": [{\"tier\": T, \"compile_s\": x,
                                 \"first_run_s\": x, \"jit_compile_s\": x,
                                 \"jit_us_per_function\": x, \"jit_us_per_100_bytecodes\": x,
                                 \"jit_functions\": [{\"function\": F, \"bytecodes\": N, \"us\": x,
                                 \"phases_us\": {\"build\": x, \"inline\": x, \"optimize\": x,
                                 \"regalloc\": x, \"emit\": x}}],
                                 \"runs\": N, \"median_s\": x, \"min_s\": x, \"max_s\": x}]}
";

/// The status a shell shows for a process stopped by SIGPIPE (128 + 13).
const CLOSED_PIPE: i32 = 141;

/// Standard output for everything the tool and its scripts print. Rust
/// ignores SIGPIPE, so a reader that quits early (`head`) turns each later
/// write into an error, which `print!` reports by panicking; instead the
/// tool stops there, quietly, as `cat` would.
struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        quiet(std::io::stdout().write(buf))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        quiet(std::io::stdout().flush())
    }
}

/// `r`, unless it says the reader has gone: then the process ends.
fn quiet<T>(r: std::io::Result<T>) -> std::io::Result<T> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(CLOSED_PIPE),
        r => r,
    }
}

/// `print!` through [`Stdout`].
macro_rules! out {
    ($($t:tt)*) => {{
        // Other errors (a full disk) are dropped, as a script's own output
        // drops them.
        let _ = Stdout.write_fmt(format_args!($($t)*));
    }};
}

/// `println!` through [`Stdout`].
macro_rules! outln {
    ($($t:tt)*) => {{
        out!($($t)*);
        out!("\n");
    }};
}

struct Usage(String);

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(Usage(msg)) => {
            eprintln!("vm: {msg}");
            eprintln!("Run `vm --help` for usage.");
            ExitCode::from(2)
        }
    }
}

fn real_main() -> Result<ExitCode, Usage> {
    let mut args = std::env::args().skip(1);
    let Some(cmd) = args.next() else {
        out!("{USAGE}");
        return Ok(ExitCode::from(2));
    };
    let rest: Vec<String> = args.collect();
    match cmd.as_str() {
        "-h" | "--help" => {
            out!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        "-V" | "--version" => {
            outln!("vm (kiln) {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        "help" => {
            let text = match rest.first().map(String::as_str) {
                None => USAGE,
                Some("run") => RUN_HELP,
                Some("check") => CHECK_HELP,
                Some("dis") => DIS_HELP,
                Some("asm") => ASM_HELP,
                Some("bench") => BENCH_HELP,
                Some(other) => return Err(Usage(format!("no command '{other}'"))),
            };
            out!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        "run" => run(&rest),
        "check" => check(&rest),
        "dis" => dis(&rest),
        "asm" => asm(&rest),
        "bench" => bench(&rest),
        other => Err(Usage(format!("no command '{other}'"))),
    }
}

struct Opts {
    file: String,
    config: Config,
    stats: bool,
    inspect: bool,
}

fn parse_opts(args: &[String], help: &str, allow_run: bool) -> Result<Option<Opts>, Usage> {
    let mut file = None;
    let mut config = Config::default();
    let mut stats = false;
    let mut inspect = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> Result<String, Usage> {
            it.next()
                .cloned()
                .ok_or_else(|| Usage(format!("{name} needs a value")))
        };
        match a.as_str() {
            "-h" | "--help" => {
                out!("{help}");
                return Ok(None);
            }
            "--tier" if allow_run => {
                let v = value("--tier")?;
                config.tier = Tier::parse(&v)
                    .ok_or_else(|| Usage(format!("--tier takes interp, jit or auto, not '{v}'")))?;
            }
            "--recursion-limit" if allow_run => {
                let v = value("--recursion-limit")?;
                config.limits.max_depth =
                    v.parse().ok().filter(|&n: &usize| n > 0).ok_or_else(|| {
                        Usage(format!(
                            "--recursion-limit takes a positive number, not '{v}'"
                        ))
                    })?;
            }
            "--stats" if allow_run => stats = true,
            "--inspect-types" if allow_run => inspect = true,
            "--fuel" if allow_run => {
                let v = value("--fuel")?;
                config.limits.fuel =
                    Some(v.parse().ok().filter(|&n: &u64| n > 0).ok_or_else(|| {
                        Usage(format!("--fuel takes a positive number, not '{v}'"))
                    })?);
            }
            s => positional(&mut file, s)?,
        }
    }
    let file = file.ok_or_else(|| Usage("missing FILE".into()))?;
    Ok(Some(Opts {
        file,
        config,
        stats,
        inspect,
    }))
}

/// An argument that is not a known option: the FILE, given once.
fn positional(file: &mut Option<String>, s: &str) -> Result<(), Usage> {
    if s.starts_with('-') && s.len() > 1 {
        return Err(Usage(format!("unknown option '{s}'")));
    }
    if file.replace(s.to_string()).is_some() {
        return Err(Usage("give exactly one FILE".into()));
    }
    Ok(())
}

fn read_source(path: &str) -> Result<String, ExitCode> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("vm: cannot read {path}: {e}");
            return Err(ExitCode::from(2));
        }
    };
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            eprintln!(
                "{path}: syntax error: the file is not valid UTF-8 (bad byte at offset {at})"
            );
            Err(ExitCode::from(1))
        }
    }
}

fn load(opts: &Opts, vm: &mut Vm) -> Result<kiln::Module, ExitCode> {
    let text = read_source(&opts.file)?;
    vm.load(&opts.file, &text).map_err(|e| {
        eprint!("{e}");
        ExitCode::from(1)
    })
}

fn run(args: &[String]) -> Result<ExitCode, Usage> {
    let Some(opts) = parse_opts(args, RUN_HELP, true)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let mut vm = Vm::with_output(opts.config.clone(), Box::new(Stdout));
    let m = match load(&opts, &mut vm) {
        Ok(m) => m,
        Err(code) => return Ok(code),
    };
    if opts.inspect {
        out!("{}", m.inspect_types());
    }
    let r = vm.run_main(&m);
    if let Err(e) = &r {
        report(e);
    }
    if opts.stats {
        for (name, s) in vm.alloc_stats() {
            eprintln!(
                "kiln stats: allocator {name}: allocs={} frees={} bytes_allocated={} bytes_freed={} live={}",
                s.allocs,
                s.frees,
                s.bytes_allocated,
                s.bytes_freed,
                s.live()
            );
        }
    }
    Ok(if r.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn report(e: &Error) {
    let _ = Stdout.flush();
    eprint!("{e}");
}

fn check(args: &[String]) -> Result<ExitCode, Usage> {
    let Some(opts) = parse_opts(args, CHECK_HELP, false)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let mut vm = Vm::new(opts.config.clone());
    Ok(match load(&opts, &mut vm) {
        Ok(_) => {
            outln!("ok");
            ExitCode::SUCCESS
        }
        Err(code) => code,
    })
}

fn asm(args: &[String]) -> Result<ExitCode, Usage> {
    let ir = args.iter().any(|a| a == "--ir");
    let mut arch = None;
    let mut rest = Vec::new();
    let mut it = args.iter().filter(|a| *a != "--ir");
    while let Some(a) = it.next() {
        if a == "--arch" {
            let v = it
                .next()
                .ok_or_else(|| Usage("--arch needs a value".into()))?;
            arch = Some(v.clone());
        } else {
            rest.push(a.clone());
        }
    }
    let args = rest;
    let Some(opts) = parse_opts(&args, ASM_HELP, false)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let mut vm = Vm::new(opts.config.clone());
    Ok(match load(&opts, &mut vm) {
        Ok(m) => {
            if ir {
                out!("{}", m.low_ir());
            } else if let Some(arch) = arch {
                out!("{}", m.machine_code_for(&arch).map_err(Usage)?);
            } else {
                out!("{}", m.machine_code());
            }
            ExitCode::SUCCESS
        }
        Err(code) => code,
    })
}

fn dis(args: &[String]) -> Result<ExitCode, Usage> {
    let Some(opts) = parse_opts(args, DIS_HELP, false)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let mut vm = Vm::new(opts.config.clone());
    Ok(match load(&opts, &mut vm) {
        Ok(m) => {
            out!("{}", m.disassemble());
            ExitCode::SUCCESS
        }
        Err(code) => code,
    })
}

struct BenchResult {
    tier: &'static str,
    compile_s: f64,
    /// Native-code compile time up to the end of the first run.
    jit_s: f64,
    /// Each function compiled up to then.
    compiles: Vec<kiln::JitCompile>,
    first_run_s: f64,
    times: Vec<f64>,
}

fn bench(args: &[String]) -> Result<ExitCode, Usage> {
    let mut files = Vec::new();
    let mut tiers: Vec<(&'static str, Tier)> = vec![
        ("interp", Tier::Interp),
        ("jit", Tier::Jit),
        ("auto", Tier::Auto),
    ];
    let mut runs = 10usize;
    let mut json = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => {
                out!("{BENCH_HELP}");
                return Ok(ExitCode::SUCCESS);
            }
            "--json" => json = true,
            "--runs" => {
                let v = it
                    .next()
                    .ok_or_else(|| Usage("--runs needs a value".into()))?;
                runs =
                    v.parse().ok().filter(|&n: &usize| n > 0).ok_or_else(|| {
                        Usage(format!("--runs takes a positive number, not '{v}'"))
                    })?;
            }
            "--tier" => {
                let v = it
                    .next()
                    .ok_or_else(|| Usage("--tier needs a value".into()))?;
                tiers = match v.as_str() {
                    "all" => tiers,
                    "interp" => vec![("interp", Tier::Interp)],
                    "jit" => vec![("jit", Tier::Jit)],
                    "auto" => vec![("auto", Tier::Auto)],
                    _ => {
                        return Err(Usage(format!(
                            "--tier takes interp, jit, auto or all, not '{v}'"
                        )))
                    }
                };
            }
            s if s.starts_with('-') && s.len() > 1 => {
                return Err(Usage(format!("unknown option '{s}'")))
            }
            s => files.push(s.to_string()),
        }
    }
    if files.is_empty() {
        return Err(Usage("missing FILE".into()));
    }
    // Every function each tier compiled, over all the files.
    let mut all: Vec<Vec<kiln::JitCompile>> = vec![Vec::new(); tiers.len()];
    for file in &files {
        let progress = !json && std::io::IsTerminal::is_terminal(&std::io::stderr());
        let results = match bench_file(file, &tiers, runs, progress) {
            Ok(r) => r,
            Err(code) => return Ok(code),
        };
        print_bench(file, &results, json);
        for (acc, r) in all.iter_mut().zip(&results) {
            acc.extend(r.compiles.iter().cloned());
        }
    }
    if files.len() > 1 && !json {
        outln!("all {} files", files.len());
        for ((name, _), c) in tiers.iter().zip(&all) {
            if !c.is_empty() {
                outln!("  {name:<6}  {}", jit_summary(c));
                outln!("          {}", phase_summary(c));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Times `file` in each tier.
fn bench_file(
    file: &str,
    tiers: &[(&'static str, Tier)],
    runs: usize,
    progress: bool,
) -> Result<Vec<BenchResult>, ExitCode> {
    let text = read_source(file)?;
    let mut results = Vec::new();
    for &(name, tier) in tiers {
        let config = Config {
            tier,
            ..Config::default()
        };
        // Output is discarded: the benchmark times the program, not the terminal.
        let mut vm = Vm::with_output(config, Box::new(std::io::sink()));
        let t0 = std::time::Instant::now();
        let m = match vm.load(file, &text) {
            Ok(m) => m,
            Err(e) => {
                eprint!("{e}");
                return Err(ExitCode::from(1));
            }
        };
        let compile_s = t0.elapsed().as_secs_f64();
        if let Err(e) = vm.run_main(&m) {
            report(&e);
            return Err(ExitCode::from(1));
        }
        let first_run_s = t0.elapsed().as_secs_f64();
        let jit_s = vm.jit_stats().seconds;
        let compiles = vm.jit_compiles();
        let _ = vm.run_main(&m);
        let mut times = Vec::with_capacity(runs);
        for k in 0..runs {
            if progress {
                eprint!("\r{name}: run {}/{runs}", k + 1);
            }
            let t = std::time::Instant::now();
            let _ = vm.run_main(&m);
            times.push(t.elapsed().as_secs_f64());
        }
        if progress {
            eprint!("\r\x1b[K");
        }
        results.push(BenchResult {
            tier: name,
            compile_s,
            jit_s,
            compiles,
            first_run_s,
            times,
        });
    }
    Ok(results)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Compile time per function and per 100 bytecodes, medians over the
/// functions compiled (µs).
fn per_function(c: &[kiln::JitCompile]) -> (f64, f64) {
    (
        median(c.iter().map(|c| c.seconds * 1e6).collect()),
        median(
            c.iter()
                .map(|c| c.seconds * 1e8 / c.bytecodes.max(1) as f64)
                .collect(),
        ),
    )
}

fn jit_summary(c: &[kiln::JitCompile]) -> String {
    let (per_fn, per_100) = per_function(c);
    format!(
        "JIT compile of {} functions: median {per_fn:.1} µs per function, {per_100:.1} µs per 100 bytecodes",
        c.len()
    )
}

/// Where the compile time went: each phase's total over the functions
/// (µs) and its share.
fn phase_summary(c: &[kiln::JitCompile]) -> String {
    let mut total = kiln::JitPhases::default().named();
    for x in c {
        for (t, (_, s)) in total.iter_mut().zip(x.phases.named()) {
            t.1 += s;
        }
    }
    let all: f64 = c.iter().map(|c| c.seconds).sum::<f64>().max(1e-12);
    let parts: Vec<String> = total
        .iter()
        .map(|(n, s)| format!("{n} {:.0} µs ({:.0}%)", s * 1e6, s / all * 100.0))
        .collect();
    format!("phases: {}", parts.join(", "))
}

fn print_bench(file: &str, results: &[BenchResult], json: bool) {
    let stats = |t: &[f64]| {
        let mut v = t.to_vec();
        v.sort_by(f64::total_cmp);
        (median(t.to_vec()), v[0], v[v.len() - 1])
    };
    if json {
        let items: Vec<String> = results
            .iter()
            .map(|r| {
                let (med, min, max) = stats(&r.times);
                let (per_fn, per_100) = per_function(&r.compiles);
                let fns: Vec<String> = r
                    .compiles
                    .iter()
                    .map(|c| {
                        let phases: Vec<String> = c
                            .phases
                            .named()
                            .iter()
                            .map(|(n, s)| format!("\"{n}\": {:.1}", s * 1e6))
                            .collect();
                        format!(
                            "{{\"function\": {:?}, \"bytecodes\": {}, \"us\": {:.1}, \"phases_us\": {{{}}}}}",
                            c.function,
                            c.bytecodes,
                            c.seconds * 1e6,
                            phases.join(", ")
                        )
                    })
                    .collect();
                format!(
                    "{{\"tier\": \"{}\", \"compile_s\": {:.6}, \"first_run_s\": {:.6}, \"jit_compile_s\": {:.6}, \"jit_us_per_function\": {:.1}, \"jit_us_per_100_bytecodes\": {:.1}, \"jit_functions\": [{}], \"runs\": {}, \"median_s\": {:.6}, \"min_s\": {:.6}, \"max_s\": {:.6}}}",
                    r.tier,
                    r.compile_s,
                    r.first_run_s,
                    r.jit_s,
                    per_fn,
                    per_100,
                    fns.join(", "),
                    r.times.len(),
                    med,
                    min,
                    max
                )
            })
            .collect();
        outln!(
            "{{\"file\": {:?}, \"tiers\": [{}]}}",
            file,
            items.join(", ")
        );
    } else {
        outln!("{file}");
        for r in results {
            let (med, min, max) = stats(&r.times);
            outln!(
                "  {:<6}  first run {:>9.3} ms (compile {:.3} ms, JIT compile {:.3} ms)   median {:>9.3} ms   min {:>9.3} ms   max {:>9.3} ms   ({} runs)",
                r.tier,
                r.first_run_s * 1e3,
                r.compile_s * 1e3,
                r.jit_s * 1e3,
                med * 1e3,
                min * 1e3,
                max * 1e3,
                r.times.len()
            );
            if !r.compiles.is_empty() {
                outln!("          {}", jit_summary(&r.compiles));
                outln!("          {}", phase_summary(&r.compiles));
            }
        }
    }
}
