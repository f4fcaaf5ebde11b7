//! `kiln-fuzz`: mutation fuzzing campaigns over Kiln's front end and tiers.
//! See fuzz/README.md.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use kiln_fuzz::campaign::{self, Launcher, Mode, Plan, Settings};

const USAGE: &str = "\
kiln-fuzz — mutation fuzzing of Kiln programs, crash-safe (inputs run in child processes)

Usage:
    kiln-fuzz check|run|capi [--seed N] [--count N] [options]   a campaign
    kiln-fuzz check|run|capi --file FILE [options]              replay one input
    kiln-fuzz check|run|capi --minimize FILE [options]          shrink a failing input
    kiln-fuzz dict                                          a libFuzzer dictionary from the corpus
    kiln-fuzz check|run|capi --emit DIR [--seed N] [--count N]  write the inputs to files instead

Modes:
    check   parse and type-check each input (nothing runs)
    run     run each input in --tier interp, jit and auto with fuel and a memory
            cap, and compare output, exception text and allocator statistics
    capi    read each input as a sequence of C API calls (include/kiln.h),
            misuse included, and check the header's promises

Options:
    --seed N            campaign seed (default 1); input i is a function of (seed, i)
    --count N           inputs (default 10000)
    --batch N           inputs per child process (default 2000 for check, 200 for run)
    --timeout S         seconds an input may take before it counts as a hang (default 10)
    --crashes DIR       save the first input of each distinct failure here, with a note
    --minimize-found S  shrink each saved failure for up to S seconds (needs --crashes)
    --corpus DIR        programs to mutate (default: tests/programs)
    --max-mutations N   most mutations stacked per input (default 6 for check, 2 for run)
    --max-chain N       longest generated chain or nesting (default 20000)
    --no-bytes          no NUL bytes or invalid UTF-8
    --fuel N            fuel per run (default 200000; a quarter of inputs get less)
    --max-memory N      array memory cap per run in bytes (default 64 MiB)
    --no-auto           compare interp and jit only
    --fixed-fuel N      use this fuel for every input (replays)
    --fixed-window N    use this profile window for every input (replays)
    --mem-limit-mb N    address-space cap per child process (default 4096; 0: none)
    --quiet             no progress lines

Exit status: 0 if no input failed, 1 if some did, 2 on a usage error.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("child") => ExitCode::from(campaign::child_main(&args[1..]) as u8),
        Some("dict") => dict(),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(m) => match Mode::parse(m) {
            Some(mode) => match driver(mode, &args[1..]) {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("kiln-fuzz: {e}\nRun `kiln-fuzz --help` for usage.");
                    ExitCode::from(2)
                }
            },
            None => {
                eprintln!("kiln-fuzz: no mode '{m}' (check, run or capi)\nRun `kiln-fuzz --help` for usage.");
                ExitCode::from(2)
            }
        },
    }
}

/// Prints the corpus's tokens in libFuzzer's dictionary format.
fn dict() -> ExitCode {
    let corpus = match kiln_fuzz::mutate::Corpus::load(&campaign::default_corpus()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kiln-fuzz: the corpus: {e}");
            return ExitCode::from(2);
        }
    };
    println!("# Keywords, names, operators and edge-case literals of Kiln's test");
    println!("# programs, for libFuzzer's -dict (regenerate: `kiln-fuzz dict`).");
    for t in corpus.dictionary() {
        let mut q = String::new();
        for b in t.bytes() {
            match b {
                b'"' | b'\\' => q.push_str(&format!("\\{}", b as char)),
                0x20..=0x7e => q.push(b as char),
                _ => q.push_str(&format!("\\x{b:02x}")),
            }
        }
        println!("\"{q}\"");
    }
    ExitCode::SUCCESS
}

fn driver(mode: Mode, args: &[String]) -> Result<ExitCode, String> {
    let (s, rest) = Settings::parse(mode, args)?;
    let mut plan = Plan {
        count: 10_000,
        batch: if mode == Mode::Run { 200 } else { 2000 },
        timeout: Duration::from_secs(10),
        crash_dir: None,
        progress: true,
    };
    let mut file = None;
    let mut shrink = None;
    let mut minimize_found = None;
    let mut emit = None;
    let mut mem_limit_kb = Some(campaign::DEFAULT_MEM_LIMIT_KB);
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs a value"))
        };
        let num = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{a}: not a number: {v}"))
        };
        match a.as_str() {
            "--count" => plan.count = num(val()?)?,
            "--batch" => plan.batch = num(val()?)?.max(1),
            "--timeout" => plan.timeout = Duration::from_secs(num(val()?)?.max(1)),
            "--crashes" => plan.crash_dir = Some(PathBuf::from(val()?)),
            "--minimize-found" => minimize_found = Some(Duration::from_secs(num(val()?)?)),
            "--file" => file = Some(PathBuf::from(val()?)),
            "--minimize" => shrink = Some(PathBuf::from(val()?)),
            "--emit" => emit = Some(PathBuf::from(val()?)),
            "--quiet" => plan.progress = false,
            "--mem-limit-mb" => {
                let mb = num(val()?)?;
                mem_limit_kb = (mb > 0).then_some(mb << 10);
            }
            other => return Err(format!("unknown option '{other}'")),
        }
    }
    if let Some(dir) = emit {
        let corpus = kiln_fuzz::mutate::Corpus::load(&s.corpus)
            .map_err(|e| format!("{}: {e}", s.corpus.display()))?;
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for i in 0..plan.count {
            let src = campaign::input(&corpus, &s, i);
            let p = dir.join(format!("{}-{i:08}.py", s.seed));
            std::fs::write(&p, src).map_err(|e| format!("{}: {e}", p.display()))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let l = Launcher {
        mem_limit_kb,
        ..Launcher::this_exe()
    };
    if let Some(f) = file {
        // A closed pipe (`| head`) is no reason to panic.
        use std::io::Write;
        let mut out = std::io::stdout();
        if mode == Mode::Capi && std::env::var_os("KILN_FUZZ_TRACE").is_some() {
            // The calls, here rather than in a child whose output is kept
            // only when it fails.
            let input = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            let _ = writeln!(out, "{:?}", kiln_fuzz::capi::run(&input));
        }
        return Ok(match campaign::replay(&l, &s, &f, plan.timeout) {
            None => {
                let _ = writeln!(out, "{}: ok", f.display());
                ExitCode::SUCCESS
            }
            Some(fail) => {
                let _ = writeln!(out, "{}: {}\n{}", f.display(), fail.key, fail.detail);
                ExitCode::from(1)
            }
        });
    }
    if let Some(f) = shrink {
        let input = std::fs::read(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let Some(fail) = campaign::replay(&l, &s, &f, plan.timeout) else {
            return Err(format!("{} does not fail", f.display()));
        };
        let small = campaign::minimize(
            &l,
            &s,
            &input,
            &fail.key,
            plan.timeout,
            Duration::from_secs(300),
        );
        let out = f.with_extension("min.py");
        std::fs::write(&out, &small).map_err(|e| format!("{}: {e}", out.display()))?;
        println!(
            "{}: {} -> {} bytes in {}",
            fail.key,
            input.len(),
            small.len(),
            out.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let rep = campaign::campaign(&l, &s, &plan);
    print!("{}", rep.summary(mode));
    println!(
        "  command: kiln-fuzz {} --seed {} --count {}",
        mode.name(),
        s.seed,
        plan.count
    );
    if let (Some(budget), Some(_)) = (minimize_found, &plan.crash_dir) {
        for (key, f) in &rep.failures {
            let Some(path) = &f.saved else { continue };
            let small = campaign::minimize(&l, &s, &f.input, key, plan.timeout, budget);
            let out = path.with_extension("min.py");
            if std::fs::write(&out, &small).is_ok() {
                println!(
                    "  minimised {} -> {} bytes: {}",
                    f.input.len(),
                    small.len(),
                    out.display()
                );
            }
        }
    }
    Ok(if rep.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
