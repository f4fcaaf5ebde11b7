//! Mutations of a corpus of programs: line-level (delete, duplicate, swap,
//! splice, re-indent, guard with `if`), token-level (identifiers, numbers
//! and operators replaced by others from the corpus, deep chains such as
//! `x or x or ...`, `a.T.T...`, `f()()...`, huge literals, reads of names
//! that are not assigned yet, out-of-range indices) and byte-level (NUL
//! bytes, invalid UTF-8, odd whitespace).

use std::collections::BTreeSet;
use std::path::Path;

use crate::rng::Rng;

/// The programs inputs are derived from, with the tokens they use.
pub struct Corpus {
    pub programs: Vec<(String, String)>,
    idents: Vec<String>,
    numbers: Vec<String>,
    ops: Vec<String>,
    lines: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Ident,
    Number,
    Str,
    Op,
}

#[derive(Clone, Copy, Debug)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

const MULTI_OPS: [&str; 24] = [
    "**=", "//=", ">>=", "<<=", "**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=",
    "&=", "|=", "^=", "@=", "->", "<<", ">>", ":=", "...",
];

/// Operators and keywords a mutation may put where another operator was.
const OPS: [&str; 44] = [
    "+", "-", "*", "/", "//", "%", "**", "@", "<<", ">>", "&", "|", "^", "~", "<", ">", "<=", ">=",
    "==", "!=", "=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", ":", ",", ".", "(", ")", "[", "]",
    " and ", " or ", " not ", " is ", " in ", " is not ", " not in ", ";", "...",
];

const NUMBERS: [&str; 40] = [
    "0",
    "1",
    "-1",
    "2",
    "3",
    "7",
    "-2",
    "255",
    "256",
    "-129",
    "65536",
    "2147483647",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "0x7fffffffffffffff",
    "0xffffffffffffffff",
    "0b1",
    "0o17",
    "1_000",
    "0.0",
    "-0.0",
    "0.5",
    "1e308",
    "1e309",
    "1e-320",
    "1.7976931348623157e308",
    "-1e308",
    "2**63",
    "2**64",
    "-(2**63)",
    "10**18",
    "(1 << 62)",
    "(-1 >> 1)",
    "1.5e3",
    "00",
];

const KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "break", "class", "continue", "def", "del",
    "elif", "else", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "while", "with", "yield", "try", "except", "np",
    "range", "len",
];

/// Odd characters for the lexer.
const ODD: [&str; 22] = [
    "\u{0}",
    "é",
    "\u{2028}",
    "\u{feff}",
    "\u{200b}",
    "１",
    "\t",
    "\r",
    "\x0c",
    "\\",
    "\r\n",
    "'''",
    "\"\"\"",
    "#",
    ":",
    "\\\n",
    "'",
    "\"",
    "(",
    ")",
    "[",
    "\u{1F600}",
];

fn tokenize(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c == b'#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let kind = if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            Kind::Ident
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'.'
                    || b[i] == b'_'
                    || ((b[i] == b'-' || b[i] == b'+') && matches!(b[i - 1], b'e' | b'E')))
            {
                i += 1;
            }
            Kind::Number
        } else if c == b'\'' || c == b'"' {
            i += 1;
            while i < b.len() && b[i] != c && b[i] != b'\n' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
            Kind::Str
        } else {
            let rest = &s[i..];
            i += MULTI_OPS
                .iter()
                .find(|op| rest.starts_with(*op))
                .map_or(1, |op| op.len());
            Kind::Op
        };
        // Identifiers may run into multi-byte characters: keep char boundaries.
        while i < b.len() && !s.is_char_boundary(i) {
            i += 1;
        }
        out.push(Tok {
            kind,
            start,
            end: i,
        });
    }
    out
}

impl Corpus {
    /// Every `*.py` file of `dir`, in name order.
    pub fn load(dir: &Path) -> std::io::Result<Corpus> {
        let mut files: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "py"))
            .collect();
        files.sort();
        let mut programs = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f)?;
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            programs.push((name, text));
        }
        Ok(Corpus::new(programs))
    }

    pub fn new(programs: Vec<(String, String)>) -> Corpus {
        let mut idents = BTreeSet::new();
        let mut numbers = BTreeSet::new();
        let mut ops = BTreeSet::new();
        let mut lines = BTreeSet::new();
        for (_, text) in &programs {
            for t in tokenize(text) {
                let s = text[t.start..t.end].to_string();
                match t.kind {
                    Kind::Ident => idents.insert(s),
                    Kind::Number => numbers.insert(s),
                    Kind::Op => ops.insert(s),
                    Kind::Str => false,
                };
            }
            for l in text.lines() {
                if !l.trim().is_empty() && !l.trim_start().starts_with('#') {
                    lines.insert(l.to_string());
                }
            }
        }
        idents.extend(KEYWORDS.iter().map(|s| s.to_string()));
        numbers.extend(NUMBERS.iter().map(|s| s.to_string()));
        ops.extend(OPS.iter().map(|s| s.to_string()));
        if programs.is_empty() {
            lines.insert("pass".into());
        }
        Corpus {
            programs: if programs.is_empty() {
                vec![("empty.py".into(), String::new())]
            } else {
                programs
            },
            idents: idents.into_iter().collect(),
            numbers: numbers.into_iter().collect(),
            ops: ops.into_iter().collect(),
            lines: lines.into_iter().collect(),
        }
    }

    /// Tokens worth a libFuzzer dictionary: keywords, names, operators.
    pub fn dictionary(&self) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        all.extend(self.idents.iter().cloned());
        all.extend(self.ops.iter().map(|s| s.trim().to_string()));
        all.extend(NUMBERS.iter().map(|s| s.to_string()));
        all.retain(|s| !s.is_empty());
        all.sort();
        all.dedup();
        all
    }
}

/// What kinds of input a campaign makes.
#[derive(Clone, Copy, Debug)]
pub struct MutateOpts {
    /// Most mutations stacked on one program.
    pub max_mutations: usize,
    /// Longest generated chain (`x or x or ...`) or nesting.
    pub max_chain: usize,
    /// Whether byte-level damage (NUL, invalid UTF-8) is allowed.
    pub bytes: bool,
}

impl Default for MutateOpts {
    fn default() -> MutateOpts {
        MutateOpts {
            max_mutations: 6,
            max_chain: 20_000,
            bytes: true,
        }
    }
}

/// The leading whitespace of a line.
fn indent_of(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// Lines, each without its terminator.
fn split_lines(s: &str) -> Vec<String> {
    s.split('\n').map(str::to_string).collect()
}

fn join(lines: &[String]) -> String {
    lines.join("\n")
}

/// An expression `n` levels deep around `x`.
fn chain(r: &mut Rng, x: &str, n: usize) -> String {
    let mut s = String::with_capacity(n * (x.len() + 6));
    match r.below(16) {
        0 => {
            s.push('(');
            for k in 0..n {
                if k > 0 {
                    s.push_str(" or ");
                }
                s.push_str(x);
            }
            s.push(')');
        }
        1 => {
            s.push_str(x);
            s.push_str(&".T".repeat(n));
        }
        2 => {
            s.push_str(x);
            s.push_str(&"[0]".repeat(n));
        }
        3 => {
            s.push_str(x);
            s.push_str(&"[::1]".repeat(n));
        }
        4 => {
            s.push_str(x);
            s.push_str(&"()".repeat(n));
        }
        5 => {
            s.push_str(&"-".repeat(n));
            s.push_str(x);
        }
        6 => {
            s.push_str(&"(".repeat(n));
            s.push_str(x);
            s.push_str(&")".repeat(n));
        }
        7 => {
            s.push('(');
            for k in 0..n {
                if k > 0 {
                    s.push_str(" + ");
                }
                s.push_str(x);
            }
            s.push(')');
        }
        8 => {
            s.push_str(&"not ".repeat(n));
            s.push_str(x);
        }
        9 => {
            s.push_str(&"[".repeat(n));
            s.push_str(x);
            s.push_str(&"]".repeat(n));
        }
        10 => {
            s.push('(');
            for _ in 0..n {
                s.push_str(x);
                s.push_str(" if ");
                s.push_str(x);
                s.push_str(" else ");
            }
            s.push_str(x);
            s.push(')');
        }
        11 => {
            s.push_str(&"abs(".repeat(n));
            s.push_str(x);
            s.push_str(&")".repeat(n));
        }
        12 => {
            s.push('(');
            for k in 0..n {
                if k > 0 {
                    s.push_str(" < ");
                }
                s.push_str(x);
            }
            s.push(')');
        }
        13 => {
            s.push_str(&"(".repeat(n));
            s.push_str(x);
            s.push_str(&", 1)".repeat(n));
        }
        14 => {
            s.push('(');
            for k in 0..n {
                if k > 0 {
                    s.push_str(" ** ");
                }
                s.push_str(x);
            }
            s.push(')');
        }
        _ => {
            s.push('(');
            for k in 0..n {
                if k > 0 {
                    s.push_str(" and ");
                }
                s.push_str(x);
            }
            s.push(')');
        }
    }
    s
}

/// A literal far beyond any machine type.
fn huge_literal(r: &mut Rng, n: usize) -> String {
    match r.below(6) {
        0 => "9".repeat(n),
        1 => format!("1{}", "0".repeat(n)),
        2 => format!("0x{}", "f".repeat(n)),
        3 => format!("{}.5e{}", "1".repeat(n.min(400)), n),
        4 => format!("'{}'", "a".repeat(n)),
        _ => {
            let mut s = String::from("[");
            for k in 0..n {
                if k > 0 {
                    s.push_str(", ");
                }
                s.push('1');
            }
            s.push(']');
            s
        }
    }
}

/// Applies one text mutation.
fn mutate_text(r: &mut Rng, c: &Corpus, text: &mut String, o: &MutateOpts) {
    let toks = tokenize(text);
    let pick_tok = |r: &mut Rng, kind: Option<Kind>| -> Option<Tok> {
        let cands: Vec<Tok> = toks
            .iter()
            .copied()
            .filter(|t| !matches!(kind, Some(k) if k != t.kind))
            .collect();
        (!cands.is_empty()).then(|| *r.pick(&cands))
    };
    let replace = |text: &mut String, t: Tok, with: &str| {
        text.replace_range(t.start..t.end, with);
    };
    let names_here: Vec<String> = toks
        .iter()
        .filter(|t| t.kind == Kind::Ident)
        .map(|t| text[t.start..t.end].to_string())
        .collect();
    let mut lines = split_lines(text);
    let nl = lines.len();
    match r.below(20) {
        // Line level.
        0 => {
            lines.remove(r.below(nl));
        }
        1 => {
            let k = r.below(nl);
            let l = lines[k].clone();
            for _ in 0..r.skewed(o.max_chain.min(64)) {
                lines.insert(k, l.clone());
            }
        }
        2 => {
            let (a, b) = (r.below(nl), r.below(nl));
            lines.swap(a, b);
        }
        3 => {
            // A line from any corpus program, at this line's indentation.
            let k = r.below(nl);
            let ind = indent_of(&lines[k]).to_string();
            let l = r.pick(&c.lines).trim_start().to_string();
            lines.insert(k, format!("{ind}{l}"));
        }
        4 => {
            // A block of lines from another program.
            let (_, other) = r.pick(&c.programs);
            let ol = split_lines(other);
            let a = r.below(ol.len());
            let b = (a + r.skewed(30)).min(ol.len());
            let k = r.below(nl + 1);
            for (j, l) in ol[a..b].iter().enumerate() {
                lines.insert(k + j, l.clone());
            }
        }
        5 => {
            // Re-indent a line.
            let k = r.below(nl);
            let body = lines[k].trim_start().to_string();
            let ind = match r.below(4) {
                0 => String::new(),
                1 => format!("{}    ", indent_of(&lines[k])),
                2 => indent_of(&lines[k]).replacen("    ", "", 1),
                _ => format!("\t{}", indent_of(&lines[k])),
            };
            lines[k] = format!("{ind}{body}");
        }
        6 => {
            // Guard a line with a condition: names assigned only sometimes.
            let k = r.below(nl);
            let ind = indent_of(&lines[k]).to_string();
            let cond = match r.below(4) {
                0 => "False".to_string(),
                1 if !names_here.is_empty() => format!("{} > 0", r.pick(&names_here)),
                2 => "len(range(0)) > 0".to_string(),
                _ => format!("{} == {}", r.pick(&c.numbers), r.pick(&c.numbers)),
            };
            let body = lines[k].trim_start().to_string();
            lines[k] = format!("{ind}if {cond}:\n{ind}    {body}");
        }
        7 => {
            // Read a name before (or without) its assignment.
            let k = r.below(nl);
            let ind = indent_of(&lines[k]).to_string();
            let name = if names_here.is_empty() || r.one_in(4) {
                r.pick(&c.idents).clone()
            } else {
                r.pick(&names_here).clone()
            };
            let stmt = match r.below(5) {
                0 => format!("print({name})"),
                1 => format!("return {name}"),
                2 => format!("{name} = {name} + 1"),
                3 => format!("print({name}[{}])", r.pick(&c.numbers)),
                _ => format!("del {name}"),
            };
            lines.insert(k, format!("{ind}{stmt}"));
        }
        8 => {
            // Nest a line in many blocks.
            let k = r.below(nl);
            let n = r.skewed(o.max_chain.min(500));
            let base = indent_of(&lines[k]).to_string();
            let mut block = String::new();
            for d in 0..n {
                let head = match r.below(3) {
                    0 => "if True:",
                    1 => "for _q in range(1):",
                    _ => "while False:",
                };
                block.push_str(&format!("{base}{}{head}\n", " ".repeat(d)));
            }
            block.push_str(&format!("{base}{}{}", " ".repeat(n), lines[k].trim_start()));
            lines[k] = block;
        }
        // Token level.
        9 | 10 => {
            if let Some(t) = pick_tok(r, Some(Kind::Ident)) {
                let with = if r.one_in(2) && !names_here.is_empty() {
                    r.pick(&names_here).clone()
                } else {
                    r.pick(&c.idents).clone()
                };
                replace(text, t, &with);
                return;
            }
        }
        11 | 12 => {
            if let Some(t) = pick_tok(r, Some(Kind::Number)) {
                let with = r.pick(&c.numbers).clone();
                replace(text, t, &with);
                return;
            }
        }
        13 => {
            if let Some(t) = pick_tok(r, Some(Kind::Op)) {
                let with = r.pick(&c.ops).clone();
                replace(text, t, &with);
                return;
            }
        }
        14 | 15 => {
            if let Some(t) = pick_tok(r, Some(Kind::Ident)) {
                let x = text[t.start..t.end].to_string();
                let n = r.skewed(o.max_chain);
                let with = chain(r, &x, n);
                replace(text, t, &with);
                return;
            }
        }
        16 => {
            let kind = if r.one_in(2) {
                Some(Kind::Number)
            } else {
                None
            };
            if let Some(t) = pick_tok(r, kind) {
                let n = r.skewed(o.max_chain);
                let with = huge_literal(r, n);
                replace(text, t, &with);
                return;
            }
        }
        17 => {
            // Delete or duplicate a run of tokens.
            if toks.len() >= 2 {
                let a = r.below(toks.len());
                let b = (a + r.skewed(8)).min(toks.len() - 1);
                let (s, e) = (toks[a].start, toks[b].end);
                if r.one_in(2) {
                    text.replace_range(s..e, "");
                } else {
                    let dup = text[s..e].to_string();
                    text.insert_str(e, &format!(" {dup}"));
                }
                return;
            }
        }
        18 => {
            // An odd character somewhere.
            let mut at = r.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let odd = *r.pick(&ODD[..]);
            text.insert_str(at, odd);
            return;
        }
        _ => {
            // Truncate.
            let mut at = r.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.truncate(at);
            return;
        }
    }
    *text = join(&lines);
}

/// Damage that leaves valid UTF-8 behind, or not.
fn mutate_bytes(r: &mut Rng, b: &mut Vec<u8>) {
    let at = r.below(b.len() + 1);
    match r.below(6) {
        0 => b.insert(at, 0),
        1 => b.insert(at, 0xff),
        2 => b.splice(at..at, [0xc3]).for_each(drop),
        3 => b.insert(at, 0x80),
        4 => b.splice(at..at, [0xed, 0xa0, 0x80]).for_each(drop),
        _ => {
            let end = (at + r.skewed(16)).min(b.len());
            b.drain(at..end);
        }
    }
}

/// Input `index` of the campaign with `seed`: a corpus program with some
/// mutations.
pub fn generate(c: &Corpus, seed: u64, index: u64, o: &MutateOpts) -> Vec<u8> {
    let mut r = Rng::for_input(seed, index);
    let mut text = r.pick(&c.programs).1.clone();
    let n = 1 + r.below(o.max_mutations.max(1));
    for _ in 0..n {
        mutate_text(&mut r, c, &mut text, o);
    }
    let mut bytes = text.into_bytes();
    if o.bytes && r.one_in(40) {
        mutate_bytes(&mut r, &mut bytes);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Corpus {
        Corpus::new(vec![
            (
                "a.py".into(),
                "import numpy as np\n\ndef f(a, n):\n    s = 0\n    for i in range(n):\n        s += a[i] * 2\n    return s\n\nprint(f(np.arange(3), 3))\n".into(),
            ),
            ("b.py".into(), "x = 1.5\nif x > 1:\n    print(x)\n".into()),
        ])
    }

    #[test]
    fn tokens_cover_the_source() {
        let s = "a.T[0] += 1e-3  # c\nb = 'x\\'y' ** 2\n";
        let t: Vec<&str> = tokenize(s).iter().map(|t| &s[t.start..t.end]).collect();
        assert_eq!(
            t,
            ["a", ".", "T", "[", "0", "]", "+=", "1e-3", "b", "=", "'x\\'y'", "**", "2"]
        );
    }

    #[test]
    fn generation_is_deterministic_and_varied() {
        let c = corpus();
        let o = MutateOpts::default();
        let a: Vec<Vec<u8>> = (0..200).map(|i| generate(&c, 5, i, &o)).collect();
        let b: Vec<Vec<u8>> = (0..200).map(|i| generate(&c, 5, i, &o)).collect();
        assert_eq!(a, b);
        let mut d = a.clone();
        d.sort();
        d.dedup();
        assert!(d.len() > 150, "only {} distinct inputs of 200", d.len());
    }

    #[test]
    fn chains_have_the_asked_depth() {
        let mut r = Rng::new(1);
        for _ in 0..64 {
            let s = chain(&mut r, "x", 50);
            assert!(s.len() > 50 && s.contains('x'), "{s}");
        }
    }
}
