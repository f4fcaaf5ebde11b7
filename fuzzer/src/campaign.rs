//! Campaigns in child processes. A stack overflow or an abort kills the
//! process it happens in, so inputs run in a child, a batch at a time; the
//! child announces each input before running it, which tells the parent
//! which input a dead (or silent) child was on. That input is replayed
//! alone in a fresh child to confirm it, saved, and the batch resumes
//! after it.
//!
//! The child speaks on its standard error, one line per event, each
//! starting with [`TAG`]; other lines there (the runtime's stack-overflow
//! message, say) are kept as the crash's detail.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::exec::{self, Failure, Reached, RunOpts};
use crate::mutate::{self, Corpus, MutateOpts};
use crate::rng::fnv;

/// Marks the child's protocol lines.
pub const TAG: &str = "\u{1}KF ";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Parse and type-check.
    Check,
    /// Run in every tier and compare.
    Run,
    /// Sequences of C API calls.
    Capi,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "check" => Some(Mode::Check),
            "run" => Some(Mode::Run),
            "capi" => Some(Mode::Capi),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Mode::Check => "check",
            Mode::Run => "run",
            Mode::Capi => "capi",
        }
    }
}

/// Everything that decides what a child does with an input.
#[derive(Clone, Debug)]
pub struct Settings {
    pub mode: Mode,
    pub seed: u64,
    pub corpus: PathBuf,
    pub mutate: MutateOpts,
    pub run: RunOpts,
}

impl Settings {
    /// The child's arguments after `child`, up to the input selection.
    fn args(&self) -> Vec<String> {
        let mut a = vec![
            self.mode.name().to_string(),
            "--seed".into(),
            self.seed.to_string(),
            "--corpus".into(),
            self.corpus.display().to_string(),
            "--max-mutations".into(),
            self.mutate.max_mutations.to_string(),
            "--max-chain".into(),
            self.mutate.max_chain.to_string(),
            "--fuel".into(),
            self.run.fuel.to_string(),
            "--max-memory".into(),
            self.run.max_memory.to_string(),
        ];
        if !self.mutate.bytes {
            a.push("--no-bytes".into());
        }
        if !self.run.auto {
            a.push("--no-auto".into());
        }
        if let Some(f) = self.run.fixed_fuel {
            a.extend(["--fixed-fuel".into(), f.to_string()]);
        }
        if let Some(w) = self.run.fixed_window {
            a.extend(["--fixed-window".into(), w.to_string()]);
        }
        a
    }

    /// Parses what `Settings::args` wrote (and what a user may type);
    /// returns the settings and the arguments it did not know.
    pub fn parse(mode: Mode, args: &[String]) -> Result<(Settings, Vec<String>), String> {
        let mut s = Settings {
            mode,
            seed: 1,
            corpus: default_corpus(),
            mutate: MutateOpts {
                // Most inputs of a run campaign should still compile.
                max_mutations: if mode == Mode::Run { 2 } else { 6 },
                ..MutateOpts::default()
            },
            run: RunOpts::default(),
        };
        let mut rest = Vec::new();
        let mut it = args.iter();
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
                "--seed" => s.seed = num(val()?)?,
                "--corpus" => s.corpus = PathBuf::from(val()?),
                "--max-mutations" => s.mutate.max_mutations = num(val()?)? as usize,
                "--max-chain" => s.mutate.max_chain = num(val()?)? as usize,
                "--fuel" => s.run.fuel = num(val()?)?,
                "--max-memory" => s.run.max_memory = num(val()?)?,
                "--fixed-fuel" => s.run.fixed_fuel = Some(num(val()?)?),
                "--fixed-window" => s.run.fixed_window = Some(num(val()?)?),
                "--no-bytes" => s.mutate.bytes = false,
                "--no-auto" => s.run.auto = false,
                _ => rest.push(a.clone()),
            }
        }
        Ok((s, rest))
    }
}

/// The repository's test programs.
pub fn default_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/programs")
}

/// Where a child gets its inputs.
#[derive(Clone, Debug)]
pub enum Inputs {
    /// Generated inputs `start..start + count` of the campaign.
    Gen { start: u64, count: u64 },
    /// One input read from a file.
    File(PathBuf),
}

/// Input `i` of the campaign.
pub fn input(c: &Corpus, s: &Settings, i: u64) -> Vec<u8> {
    match s.mode {
        Mode::Check | Mode::Run => mutate::generate(c, s.seed, i, &s.mutate),
        Mode::Capi => {
            let mut r = crate::rng::Rng::for_input(s.seed, i);
            let n = 16 + r.below(512);
            (0..n).map(|_| r.next_u64() as u8).collect()
        }
    }
}

/// Runs one input in this process.
pub fn run_one(s: &Settings, src: &[u8]) -> Result<Reached, Failure> {
    match s.mode {
        Mode::Check => exec::check(src),
        Mode::Run => exec::run(src, &s.run),
        Mode::Capi => crate::capi::check(src),
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => out.push('\n'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

const REACHED: [(Reached, &str); 6] = [
    (Reached::NotUtf8, "not-utf8"),
    (Reached::CompileError, "compile-error"),
    (Reached::Loaded, "loaded"),
    (Reached::RuntimeError, "runtime-error"),
    (Reached::OutOfFuel, "out-of-fuel"),
    (Reached::Finished, "finished"),
];

/// The child's side: runs the inputs, announcing each, reporting failures.
pub fn child_main(args: &[String]) -> i32 {
    let Some(mode) = args.first().and_then(|m| Mode::parse(m)) else {
        eprintln!("kiln-fuzz child: first argument must be check, run or capi");
        return 2;
    };
    let (s, rest) = match Settings::parse(mode, &args[1..]) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("kiln-fuzz child: {e}");
            return 2;
        }
    };
    let inputs = match rest.as_slice() {
        [a, start, b, count] if a == "--start" && b == "--count" => {
            match (start.parse(), count.parse()) {
                (Ok(start), Ok(count)) => Inputs::Gen { start, count },
                _ => {
                    eprintln!("kiln-fuzz child: bad --start/--count");
                    return 2;
                }
            }
        }
        [f, path] if f == "--file" => Inputs::File(PathBuf::from(path)),
        _ => {
            eprintln!("kiln-fuzz child: unexpected arguments {rest:?}");
            return 2;
        }
    };
    exec::quiet_panics();
    let err = std::io::stderr();
    let say = |line: String| {
        let mut e = err.lock();
        let _ = e.write_all(format!("{TAG}{line}\n").as_bytes());
    };
    // Each announcement carries how the previous input ended (`-` for
    // none or a failure), so counts survive a child that dies.
    let mut prev = "-";
    let mut one = |i: u64, src: &[u8]| {
        say(format!("S {i} {prev}"));
        prev = match run_one(&s, src) {
            Ok(r) => REACHED.iter().find(|(k, _)| *k == r).unwrap().1,
            Err(f) => {
                say(format!("F {i} {}\t{}", escape(&f.key), escape(&f.detail)));
                "-"
            }
        };
    };
    match inputs {
        Inputs::Gen { start, count } => {
            let corpus = match Corpus::load(&s.corpus) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("kiln-fuzz child: corpus {}: {e}", s.corpus.display());
                    return 2;
                }
            };
            for i in start..start + count {
                let src = input(&corpus, &s, i);
                one(i, &src);
            }
        }
        Inputs::File(p) => match std::fs::read(&p) {
            Ok(src) => one(0, &src),
            Err(e) => {
                eprintln!("kiln-fuzz child: {}: {e}", p.display());
                return 2;
            }
        },
    }
    say(format!("D {prev}"));
    0
}

/// How to start a child: an executable and the arguments that select its
/// child mode (`child` for the driver, `child` for the smoke test too).
#[derive(Clone, Debug)]
pub struct Launcher {
    pub exe: PathBuf,
    pub prefix: Vec<String>,
    /// Address-space cap for the child in KiB (`ulimit -v`), so that an
    /// input asking for huge memory fails in the child instead of pressing
    /// the machine; `None` for no cap.
    pub mem_limit_kb: Option<u64>,
}

impl Launcher {
    /// This executable, with `child` as its first argument.
    pub fn this_exe() -> Launcher {
        Launcher {
            exe: std::env::current_exe().expect("cannot find the running executable"),
            prefix: vec!["child".into()],
            mem_limit_kb: Some(DEFAULT_MEM_LIMIT_KB),
        }
    }
}

/// The children's default address-space cap: 4 GiB.
pub const DEFAULT_MEM_LIMIT_KB: u64 = 4 << 20;

/// How a child's run over some inputs ended.
enum End {
    Completed,
    /// It died while running input `at` (or before any input: `None`).
    Died {
        at: Option<u64>,
        why: String,
    },
    /// It went silent on input `at` for longer than the time limit.
    Hung {
        at: Option<u64>,
    },
}

struct ChildRun {
    counts: [u64; REACHED.len()],
    /// The slowest inputs: seconds and index.
    slow: Vec<(f64, u64)>,
    failures: Vec<(u64, Failure)>,
    /// Inputs it started.
    started: u64,
    end: End,
    /// Non-protocol lines of its standard error (the last few).
    noise: Vec<String>,
}

/// A description of an abnormal exit.
fn exit_text(st: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = st.signal() {
            let name = match sig {
                4 => "SIGILL",
                6 => "SIGABRT",
                7 => "SIGBUS",
                8 => "SIGFPE",
                9 => "SIGKILL",
                11 => "SIGSEGV",
                _ => "signal",
            };
            return format!("killed by {name} ({sig})");
        }
    }
    format!("exit status {}", st.code().unwrap_or(-1))
}

fn spawn(l: &Launcher, s: &Settings, inputs: &Inputs, timeout: Duration) -> ChildRun {
    // Under an emulator (a cross-compiled test run: `KILN_TEST_RUNNER`, as
    // the tests use it) the child is started through it, without the
    // address-space cap, which the emulator's own reservations would hit.
    let emu: Vec<String> = std::env::var("KILN_TEST_RUNNER")
        .map(|r| r.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let mut cmd = match (emu.split_first(), l.mem_limit_kb) {
        (Some((e, rest)), _) => {
            let mut c = Command::new(e);
            c.args(rest).arg(&l.exe);
            c
        }
        (None, Some(kb)) if cfg!(unix) => {
            let mut c = Command::new("/bin/sh");
            c.arg("-c")
                .arg(format!("ulimit -v {kb} 2>/dev/null; exec \"$0\" \"$@\""))
                .arg(&l.exe);
            c
        }
        (None, _) => Command::new(&l.exe),
    };
    cmd.args(&l.prefix).args(s.args());
    match inputs {
        Inputs::Gen { start, count } => {
            cmd.args(["--start", &start.to_string(), "--count", &count.to_string()]);
        }
        Inputs::File(p) => {
            cmd.arg("--file").arg(p);
        }
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env_remove("RUST_BACKTRACE");
    let mut child = cmd.spawn().expect("cannot start a fuzzing child process");
    let err = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(err).split(b'\n') {
            let Ok(line) = line else { break };
            if tx
                .send(String::from_utf8_lossy(&line).into_owned())
                .is_err()
            {
                break;
            }
        }
    });
    let mut run = ChildRun {
        counts: [0; REACHED.len()],
        slow: Vec::new(),
        failures: Vec::new(),
        started: 0,
        end: End::Completed,
        noise: Vec::new(),
    };
    let mut current = None;
    let mut done = false;
    let mut last = Instant::now();
    loop {
        let left = timeout.saturating_sub(last.elapsed());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let Some(msg) = line.strip_prefix(TAG) else {
                    run.noise.push(line);
                    if run.noise.len() > 40 {
                        run.noise.remove(0);
                    }
                    continue;
                };
                let (tag, rest) = msg.split_once(' ').unwrap_or((msg, ""));
                let (arg, prev) = rest.split_once(' ').unwrap_or((rest, "-"));
                if tag == "S" || tag == "D" {
                    if let Some(k) = REACHED.iter().position(|(_, n)| *n == prev) {
                        run.counts[k] += 1;
                    }
                    if let Some(i) = current {
                        run.slow.push((last.elapsed().as_secs_f64(), i));
                        if run.slow.len() > 64 {
                            run.slow.sort_by(|a, b| b.0.total_cmp(&a.0));
                            run.slow.truncate(SLOWEST);
                        }
                    }
                }
                match tag {
                    "S" => {
                        current = arg.parse().ok();
                        run.started += 1;
                        last = Instant::now();
                    }
                    "F" => {
                        let (i, f) = rest.split_once(' ').unwrap_or(("0", rest));
                        let (key, detail) = f.split_once('\t').unwrap_or((f, ""));
                        run.failures.push((
                            i.parse().unwrap_or(0),
                            Failure {
                                key: unescape(key),
                                detail: unescape(detail),
                            },
                        ));
                    }
                    "D" => done = true,
                    _ => run.noise.push(line),
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = reader.join();
                run.end = End::Hung { at: current };
                return run;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let st = child.wait().expect("wait for a fuzzing child");
    let _ = reader.join();
    if !(done && st.success()) {
        run.end = End::Died {
            at: current,
            why: exit_text(st),
        };
    }
    run
}

/// How many of the slowest inputs a report lists.
const SLOWEST: usize = 5;

/// A failure as the campaign reports it.
#[derive(Clone, Debug)]
pub struct Found {
    pub count: u64,
    /// The first input that showed it.
    pub index: u64,
    pub detail: String,
    pub saved: Option<PathBuf>,
    pub input: Vec<u8>,
}

/// What a campaign did.
#[derive(Default, Debug)]
pub struct Report {
    pub inputs: u64,
    pub reached: BTreeMap<&'static str, u64>,
    pub failures: BTreeMap<String, Found>,
    /// The slowest inputs: seconds and index.
    pub slowest: Vec<(f64, u64)>,
    pub children: u64,
    pub seconds: f64,
}

impl Report {
    pub fn failed(&self) -> u64 {
        self.failures.values().map(|f| f.count).sum()
    }

    pub fn summary(&self, mode: Mode) -> String {
        let mut s = format!(
            "kiln-fuzz {}: {} inputs in {:.1} s ({:.0}/s), {} child processes\n",
            mode.name(),
            self.inputs,
            self.seconds,
            self.inputs as f64 / self.seconds.max(1e-9),
            self.children
        );
        let reached: Vec<String> = self
            .reached
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        s.push_str(&format!("  reached: {}\n", reached.join(", ")));
        s.push_str(&format!(
            "  failures: {} inputs, {} distinct\n",
            self.failed(),
            self.failures.len()
        ));
        let slow: Vec<String> = self
            .slowest
            .iter()
            .map(|(t, i)| format!("#{i} {t:.2} s"))
            .collect();
        s.push_str(&format!("  slowest inputs: {}\n", slow.join(", ")));
        for (key, f) in &self.failures {
            s.push_str(&format!(
                "  - {key}: {} inputs, first #{}",
                f.count, f.index
            ));
            if let Some(p) = &f.saved {
                s.push_str(&format!(", saved as {}", p.display()));
            }
            s.push('\n');
        }
        s
    }
}

/// Campaign parameters beyond the input settings.
#[derive(Clone, Debug)]
pub struct Plan {
    pub count: u64,
    /// Inputs per child process.
    pub batch: u64,
    /// Longest an input may run (or a child stay silent).
    pub timeout: Duration,
    /// Where reproducers go (`None`: nowhere).
    pub crash_dir: Option<PathBuf>,
    /// Print progress to standard error.
    pub progress: bool,
}

/// The key of a crash: how the process ended, and what the runtime said.
fn crash_key(kind: &str, why: &str, noise: &[String]) -> String {
    let said = |what: &str| noise.iter().any(|l| l.contains(what));
    // The panic that started it, not the standard library's "panic in a
    // function that cannot unwind" that follows.
    let panic_at = noise.iter().rev().find_map(|l| {
        let rest = l.strip_prefix(exec::PANIC_LINE)?;
        if rest.starts_with("/rustc/") {
            return None;
        }
        // file:line:col, then the message.
        Some(rest.split(": ").next().unwrap_or(rest).to_string())
    });
    if let Some(at) = panic_at.filter(|_| said("panic")) {
        format!("{kind}: a panic that could not unwind, at {at} ({why})")
    } else if said("overflowed its stack") {
        format!("{kind}: stack overflow ({why})")
    } else if said("memory allocation of") {
        format!("{kind}: a Rust allocation failed ({why})")
    } else {
        format!("{kind}: {why}")
    }
}

/// Runs a campaign: `plan.count` generated inputs, in child processes.
pub fn campaign(l: &Launcher, s: &Settings, plan: &Plan) -> Report {
    let t0 = Instant::now();
    let corpus = Corpus::load(&s.corpus)
        .unwrap_or_else(|e| panic!("cannot read the corpus {}: {e}", s.corpus.display()));
    let mut rep = Report::default();
    for (_, name) in REACHED {
        rep.reached.insert(name, 0);
    }
    let record = |rep: &mut Report, i: u64, f: Failure| {
        let entry = rep.failures.entry(f.key.clone()).or_insert_with(|| {
            let input = input(&corpus, s, i);
            Found {
                count: 0,
                index: i,
                detail: f.detail.clone(),
                saved: None,
                input,
            }
        });
        entry.count += 1;
        if entry.count == 1 {
            if let Some(dir) = &plan.crash_dir {
                entry.saved = save(dir, s, &f.key, i, &entry.input, &f.detail).ok();
            }
        }
    };
    let mut next = 0;
    let mut last_progress = Instant::now();
    while next < plan.count {
        let n = plan.batch.min(plan.count - next);
        let run = spawn(
            l,
            s,
            &Inputs::Gen {
                start: next,
                count: n,
            },
            plan.timeout,
        );
        rep.children += 1;
        for (k, v) in run.counts.iter().enumerate() {
            *rep.reached.get_mut(REACHED[k].1).unwrap() += v;
        }
        for (i, f) in run.failures {
            record(&mut rep, i, f);
        }
        rep.slowest.extend(run.slow);
        rep.slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
        rep.slowest.truncate(SLOWEST);
        let culprit = match &run.end {
            End::Completed => {
                rep.inputs += n;
                next += n;
                None
            }
            End::Died { at: Some(i), why } => Some((*i, crash_key("crash", why, &run.noise))),
            End::Hung { at: Some(i) } => Some((*i, format!("hang: silent for {:?}", plan.timeout))),
            End::Died { at: None, why } => {
                panic!(
                    "the fuzzing child failed before its first input ({why}): {}",
                    run.noise.join("\n")
                )
            }
            End::Hung { at: None } => panic!("the fuzzing child hung before its first input"),
        };
        if let Some((i, key)) = culprit {
            rep.inputs += i + 1 - next;
            next = i + 1;
            // Again, alone: does the input do it by itself?
            let again = spawn(l, s, &Inputs::Gen { start: i, count: 1 }, plan.timeout);
            rep.children += 1;
            let alone = match again.end {
                End::Completed => None,
                End::Died { why, .. } => Some(crash_key("crash", &why, &again.noise)),
                End::Hung { .. } => Some(key.clone()),
            };
            let detail = run.noise.join("\n");
            match alone {
                Some(k) => record(&mut rep, i, Failure { key: k, detail }),
                None => record(
                    &mut rep,
                    i,
                    Failure {
                        key: format!("{key}, only after earlier inputs of its child"),
                        detail: format!(
                            "{detail}\n(the child started at input {})",
                            i + 1 - run.started
                        ),
                    },
                ),
            }
        }
        if plan.progress && last_progress.elapsed() > Duration::from_secs(10) {
            last_progress = Instant::now();
            eprintln!(
                "kiln-fuzz {}: {next}/{} inputs, {:.0}/s, {} failures ({} distinct)",
                s.mode.name(),
                plan.count,
                next as f64 / t0.elapsed().as_secs_f64(),
                rep.failed(),
                rep.failures.len()
            );
        }
    }
    rep.seconds = t0.elapsed().as_secs_f64();
    rep
}

/// Saves a reproducer and a note on how to replay it.
fn save(
    dir: &Path,
    s: &Settings,
    key: &str,
    i: u64,
    input: &[u8],
    detail: &str,
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stem = format!("{}-{:016x}", s.mode.name(), fnv(key.as_bytes()));
    let path = dir.join(format!("{stem}.py"));
    std::fs::write(&path, input)?;
    let note = format!(
        "{key}\n\nmode {}, seed {}, input #{i}\nreplay: kiln-fuzz {} --file {}{}\n\n{detail}\n",
        s.mode.name(),
        s.seed,
        s.mode.name(),
        path.display(),
        replay_flags(s, detail),
    );
    std::fs::write(dir.join(format!("{stem}.txt")), note)?;
    Ok(path)
}

/// The fuel and profile window a `run` failure saw, as replay flags.
fn replay_flags(s: &Settings, detail: &str) -> String {
    if s.mode != Mode::Run {
        return String::new();
    }
    let grab = |pre: &str| -> Option<u64> {
        let at = detail.find(pre)? + pre.len();
        let digits: String = detail[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    };
    let mut f = String::new();
    if let Some(v) = grab("fuel ") {
        f.push_str(&format!(" --fixed-fuel {v}"));
    }
    if let Some(v) = grab("profile window ") {
        f.push_str(&format!(" --fixed-window {v}"));
    }
    f
}

/// Replays one file in a child: the failure it shows, if any.
pub fn replay(l: &Launcher, s: &Settings, file: &Path, timeout: Duration) -> Option<Failure> {
    let run = spawn(l, s, &Inputs::File(file.to_path_buf()), timeout);
    match run.end {
        End::Completed => run.failures.into_iter().next().map(|(_, f)| f),
        End::Died { why, .. } => Some(Failure {
            key: crash_key("crash", &why, &run.noise),
            detail: run.noise.join("\n"),
        }),
        End::Hung { .. } => Some(Failure {
            key: format!("hang: silent for {timeout:?}"),
            detail: run.noise.join("\n"),
        }),
    }
}

/// Shrinks `input` while it keeps failing with `key`: first whole lines,
/// then runs of characters, halving the run length; stops at `budget`.
pub fn minimize(
    l: &Launcher,
    s: &Settings,
    input: &[u8],
    key: &str,
    timeout: Duration,
    budget: Duration,
) -> Vec<u8> {
    let t0 = Instant::now();
    let scratch = std::env::temp_dir().join(format!("kiln-fuzz-min-{}.py", std::process::id()));
    let fails = |cand: &[u8]| -> bool {
        if std::fs::write(&scratch, cand).is_err() {
            return false;
        }
        replay(l, s, &scratch, timeout).is_some_and(|f| f.key == key)
    };
    let mut best = input.to_vec();
    // Units: lines first, then bytes.
    for by_line in [true, false] {
        let units = |b: &[u8]| -> Vec<(usize, usize)> {
            if by_line {
                let mut v = Vec::new();
                let mut s = 0;
                for (k, &c) in b.iter().enumerate() {
                    if c == b'\n' {
                        v.push((s, k + 1));
                        s = k + 1;
                    }
                }
                if s < b.len() {
                    v.push((s, b.len()));
                }
                v
            } else {
                (0..b.len()).map(|k| (k, k + 1)).collect()
            }
        };
        let mut chunk = units(&best).len().div_ceil(2).max(1);
        loop {
            let u = units(&best);
            let mut k = u.len();
            let mut shrunk = false;
            while k > 0 {
                if t0.elapsed() > budget {
                    let _ = std::fs::remove_file(&scratch);
                    return best;
                }
                let a = k.saturating_sub(chunk);
                let (from, to) = (u[a].0, u[k - 1].1);
                let mut cand = best[..from].to_vec();
                cand.extend_from_slice(&best[to..]);
                if fails(&cand) {
                    best = cand;
                    shrunk = true;
                }
                k = a;
            }
            if chunk == 1 && !shrunk {
                break;
            }
            if !shrunk {
                chunk = chunk.div_ceil(2);
            }
            chunk = chunk.min(units(&best).len().max(1));
        }
    }
    let _ = std::fs::remove_file(&scratch);
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips() {
        for s in ["a\nb\\n\tc", "", "\\", "x\n"] {
            assert_eq!(unescape(&escape(s)), s);
            assert!(!escape(s).contains('\n'));
        }
    }

    #[test]
    fn settings_round_trip_through_arguments() {
        let (mut s, _) = Settings::parse(Mode::Run, &[]).unwrap();
        s.seed = 9;
        s.mutate.max_chain = 33;
        s.run.auto = false;
        s.run.fixed_fuel = Some(12);
        let (t, rest) = Settings::parse(Mode::Run, &s.args()[1..]).unwrap();
        assert!(rest.is_empty());
        assert_eq!(t.seed, 9);
        assert_eq!(t.mutate.max_chain, 33);
        assert!(!t.run.auto);
        assert_eq!(t.run.fixed_fuel, Some(12));
    }

    #[test]
    fn replay_flags_come_from_the_detail() {
        let (s, _) = Settings::parse(Mode::Run, &[]).unwrap();
        assert_eq!(
            replay_flags(&s, "fuel 77, profile window 5\n--- interp"),
            " --fixed-fuel 77 --fixed-window 5"
        );
    }
}
