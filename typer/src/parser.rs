//! A recursive-descent parser for Kiln's subset of Python 3.
//!
//! Constructs that are valid Python but outside the subset (classes, lambdas,
//! try, with, comprehensions, ...) are recognised by their first token and
//! rejected with an `Unsupported` diagnostic that names them.

use crate::ast::*;
use crate::diag::{DiagKind, Diagnostic, Result, Span};
use crate::lexer::{tokenize, FPart, Tok, Token, MAX_NESTING};

/// Appends literal text to f-string pieces, joining it to a literal before.
fn lit(parts: &mut Vec<FStrPart>, t: String) {
    match parts.last_mut() {
        Some(FStrPart::Lit(prev)) => prev.push_str(&t),
        _ => parts.push(FStrPart::Lit(t)),
    }
}

/// Tallest expression tree accepted, counting a leaf as 1.
///
/// Every pass after parsing (type inference, the bytecode compiler, the
/// printers, even dropping the tree) recurses once per level of an
/// expression, so this bound is what keeps them within the native stack
/// whatever the input. Measured through `vm run` per level of a chain such
/// as `a or a or ...`, `a.T.T...` or `a + a + ...`, the deepest pass uses
/// 0.9-1.3 KiB of stack in a release build and 3.3-4.7 KiB in an
/// unoptimised one. The worst programs the limits accept (200 levels of
/// expression inside 96 nested blocks, or 97 nested brackets, which
/// `lexer::MAX_NESTING` bounds) need at most about 0.5 MiB (release) and
/// 1.3 MiB (unoptimised): within the 2 MiB stack of a thread a host spawns
/// with the default size, with room for the host's own frames. Written code
/// rarely nests past a few dozen; a longer chain of one operator
/// (`t0 + t1 + ...`, which nests to the left) can be split into several
/// statements.
pub const MAX_DEPTH: usize = 200;

pub fn parse(text: &str) -> Result<Module> {
    let toks = tokenize(text)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        h: 0,
        more: Vec::new(),
    };
    let mut body = Vec::new();
    while !p.at_eof() {
        if p.eat_p("\n") {
            continue;
        }
        body.push(p.statement()?);
        body.append(&mut p.more);
    }
    Ok(Module { body })
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    /// Current expression/statement nesting, bounded by `MAX_NESTING` so that
    /// adversarial input cannot exhaust the native stack.
    depth: usize,
    /// Height of the expression the last expression function returned,
    /// bounded by `MAX_DEPTH` (the parser builds chains in loops, so its own
    /// recursion does not see how deep a chain makes the tree).
    h: usize,
    /// The statements after the first of a line `a; b; c`, which the
    /// block being parsed takes after it.
    more: Vec<Stmt>,
}

fn unsupported(span: Span, what: &str) -> Diagnostic {
    Diagnostic::new(
        DiagKind::Unsupported,
        span,
        format!("{what} not supported in Kiln"),
    )
}

impl Parser {
    fn tok(&self) -> &Tok {
        &self.toks[self.pos].tok
    }
    fn span(&self) -> Span {
        self.toks[self.pos].span
    }
    fn prev_span(&self) -> Span {
        self.toks[self.pos.saturating_sub(1)].span
    }
    fn at_eof(&self) -> bool {
        matches!(self.tok(), Tok::Eof)
    }
    fn is_p(&self, p: &str) -> bool {
        matches!(self.tok(), Tok::P(q) if *q == p)
    }
    fn peek_is_p(&self, n: usize, p: &str) -> bool {
        matches!(self.toks.get(self.pos + n).map(|t| &t.tok), Some(Tok::P(q)) if *q == p)
    }
    fn bump(&mut self) -> Token {
        let t = self.toks[self.pos].clone();
        if !matches!(t.tok, Tok::Eof) {
            self.pos += 1;
        }
        t
    }
    /// Consumes punctuation/keyword `p` (or a NEWLINE for "\n") if present.
    fn eat_p(&mut self, p: &str) -> bool {
        let hit = if p == "\n" {
            matches!(self.tok(), Tok::Newline)
        } else {
            self.is_p(p)
        };
        if hit {
            self.bump();
        }
        hit
    }
    fn expect_p(&mut self, p: &str, ctx: &str) -> Result<Span> {
        if self.eat_p(p) {
            return Ok(self.prev_span());
        }
        Err(self.unexpected(&format!("expected '{p}' {ctx}")))
    }
    fn unexpected(&self, msg: &str) -> Diagnostic {
        let found = match self.tok() {
            Tok::Name(n) => format!("name '{n}'"),
            Tok::Int(_) | Tok::Float(_) => "a number".into(),
            Tok::Str(_) | Tok::FStr(_) => "a string".into(),
            Tok::Newline => "end of line".into(),
            Tok::Indent => "an indent".into(),
            Tok::Dedent => "an unindent".into(),
            Tok::Eof => "end of file".into(),
            Tok::P(p) => format!("'{p}'"),
        };
        Diagnostic::new(
            DiagKind::Syntax,
            self.span(),
            format!("{msg}, found {found}"),
        )
    }
    fn name(&mut self, ctx: &str) -> Result<(String, Span)> {
        if let Tok::Name(n) = self.tok() {
            let n = n.clone();
            let sp = self.bump().span;
            return Ok((n, sp));
        }
        Err(self.unexpected(&format!("expected a name {ctx}")))
    }
    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Diagnostic::new(
                DiagKind::Limit,
                self.span(),
                "expression or block nested too deeply",
            )
            .help("split it into smaller expressions or functions"));
        }
        Ok(())
    }

    /// Records that a node was built over children at most `child` high,
    /// rejecting it if that makes it too high. `at` is the node's operator.
    fn built(&mut self, child: usize, at: Span) -> Result<()> {
        self.h = child + 1;
        if self.h > MAX_DEPTH {
            return Err(Diagnostic::new(
                DiagKind::Limit,
                at,
                format!("expression too deeply nested (more than {MAX_DEPTH} levels)"),
            )
            .help("split it into several statements, assigning parts of it to variables"));
        }
        Ok(())
    }

    // ---------------------------------------------------------------- statements

    fn statement(&mut self) -> Result<Stmt> {
        self.enter()?;
        let r = self.statement_inner();
        self.depth -= 1;
        r
    }

    /// Compound statements, which nest, are parsed by their own functions
    /// so that this frame, which every nested block re-enters, stays small.
    fn statement_inner(&mut self) -> Result<Stmt> {
        let start = self.span();
        match self.tok() {
            Tok::P("def") => self.funcdef(Vec::new(), start),
            Tok::P("@") => self.decorated(start),
            Tok::P("if") => {
                self.bump();
                self.if_rest(start)
            }
            Tok::P("while") => self.while_stmt(start),
            Tok::P("for") => self.for_stmt(start),
            _ => self.simple_line(start),
        }
    }

    fn decorated(&mut self, start: Span) -> Result<Stmt> {
        let mut decos = Vec::new();
        while self.eat_p("@") {
            decos.push(self.expr()?);
            self.expect_p("\n", "after a decorator")?;
        }
        if !self.is_p("def") {
            if self.is_p("class") {
                return Err(unsupported(self.span(), "classes are"));
            }
            return Err(self.unexpected("expected 'def' after decorators"));
        }
        self.funcdef(decos, start)
    }

    fn while_stmt(&mut self, start: Span) -> Result<Stmt> {
        self.bump();
        let test = self.named_expr()?;
        let body = self.block("after 'while' condition")?;
        let orelse = self.else_block()?;
        Ok(Stmt {
            span: start.to(self.prev_span()),
            kind: StmtKind::While { test, body, orelse },
        })
    }

    fn for_stmt(&mut self, start: Span) -> Result<Stmt> {
        self.bump();
        let target = self.target_list()?;
        self.expect_p("in", "in a for statement")?;
        let iter = self.expr_list()?;
        let body = self.block("after the for header")?;
        let orelse = self.else_block()?;
        Ok(Stmt {
            span: start.to(self.prev_span()),
            kind: StmtKind::For {
                target,
                iter,
                body,
                orelse,
            },
        })
    }

    /// A statement that is not compound, with the end of its line.
    fn simple_line(&mut self, start: Span) -> Result<Stmt> {
        match self.tok() {
            Tok::P("class") => return Err(unsupported(start, "classes are")),
            Tok::P("try") => return Err(unsupported(start, "try/except is")),
            Tok::P("with") => return Err(unsupported(start, "'with' statements are")),
            Tok::P("async") => return Err(unsupported(start, "async functions are")),
            Tok::P("elif") | Tok::P("else") => {
                return Err(
                    self.unexpected("'elif'/'else' without a matching 'if', 'for' or 'while'")
                )
            }
            Tok::P("except") | Tok::P("finally") => {
                return Err(unsupported(start, "try/except is"))
            }
            Tok::Indent => {
                return Err(Diagnostic::new(
                    DiagKind::Syntax,
                    start,
                    "unexpected indent",
                ))
            }
            _ => {}
        }
        let s = self.simple_stmt()?;
        let mut rest = Vec::new();
        while self.eat_p(";") && !matches!(self.tok(), Tok::Newline) {
            if matches!(self.tok(), Tok::P("if" | "for" | "while" | "def" | "@")) {
                return Err(self.unexpected("a simple statement after ';'"));
            }
            rest.push(self.simple_stmt()?);
        }
        self.expect_p("\n", "at the end of the statement")?;
        self.more.extend(rest);
        Ok(s)
    }

    fn if_rest(&mut self, start: Span) -> Result<Stmt> {
        let test = self.named_expr()?;
        let body = self.block("after 'if' condition")?;
        let orelse = if self.is_p("elif") {
            let s = self.span();
            self.bump();
            self.enter()?;
            let r = self.if_rest(s);
            self.depth -= 1;
            vec![r?]
        } else {
            self.else_block()?
        };
        Ok(Stmt {
            span: start.to(self.prev_span()),
            kind: StmtKind::If { test, body, orelse },
        })
    }

    fn else_block(&mut self) -> Result<Vec<Stmt>> {
        if self.eat_p("else") {
            self.block("after 'else'")
        } else {
            Ok(Vec::new())
        }
    }

    /// `: NEWLINE INDENT stmts DEDENT` or `: simple_stmt`.
    fn block(&mut self, ctx: &str) -> Result<Vec<Stmt>> {
        self.expect_p(":", ctx)?;
        if !self.eat_p("\n") {
            let mut body = vec![self.statement()?];
            body.append(&mut self.more);
            return Ok(body);
        }
        if !matches!(self.tok(), Tok::Indent) {
            return Err(Diagnostic::new(
                DiagKind::Syntax,
                self.span(),
                "expected an indented block",
            ));
        }
        self.bump();
        let mut body = Vec::new();
        while !matches!(self.tok(), Tok::Dedent | Tok::Eof) {
            if self.eat_p("\n") {
                continue;
            }
            body.push(self.statement()?);
            body.append(&mut self.more);
        }
        self.bump();
        Ok(body)
    }

    fn funcdef(&mut self, decorators: Vec<Expr>, start: Span) -> Result<Stmt> {
        self.expect_p("def", "")?;
        let (name, name_span) = self.name("after 'def'")?;
        self.expect_p("(", "after the function name")?;
        let mut params: Vec<Param> = Vec::new();
        while !self.is_p(")") {
            if self.is_p("*") || self.is_p("**") || self.is_p("/") {
                return Err(unsupported(
                    self.span(),
                    "'*args', '**kwargs' and positional-only markers are",
                ));
            }
            let (pname, pspan) = self.name("for a parameter")?;
            if params.iter().any(|p| p.name == pname) {
                return Err(Diagnostic::new(
                    DiagKind::Syntax,
                    pspan,
                    format!("duplicate parameter '{pname}'"),
                ));
            }
            let annotation = if self.eat_p(":") {
                Some(self.expr()?)
            } else {
                None
            };
            let default = if self.eat_p("=") {
                Some(self.expr()?)
            } else {
                if params.last().is_some_and(|p| p.default.is_some()) {
                    return Err(Diagnostic::new(
                        DiagKind::Syntax,
                        pspan,
                        "a parameter without a default follows one with a default",
                    ));
                }
                None
            };
            params.push(Param {
                name: pname,
                span: pspan,
                default,
                annotation,
            });
            if !self.eat_p(",") {
                break;
            }
        }
        self.expect_p(")", "to close the parameter list")?;
        let returns = if self.eat_p("->") {
            Some(self.expr()?)
        } else {
            None
        };
        let body = self.block("after the function signature")?;
        Ok(Stmt {
            span: start.to(self.prev_span()),
            kind: StmtKind::FunctionDef(Box::new(FuncDef {
                name,
                name_span,
                params,
                body,
                decorators,
                returns,
                span: start.to(name_span),
            })),
        })
    }

    fn simple_stmt(&mut self) -> Result<Stmt> {
        let start = self.span();
        let kind = match self.tok() {
            Tok::P("pass") => {
                self.bump();
                StmtKind::Pass
            }
            Tok::P("break") => {
                self.bump();
                StmtKind::Break
            }
            Tok::P("continue") => {
                self.bump();
                StmtKind::Continue
            }
            Tok::P("return") => {
                self.bump();
                if matches!(self.tok(), Tok::Newline) || self.is_p(";") {
                    StmtKind::Return(None)
                } else {
                    StmtKind::Return(Some(self.expr_list()?))
                }
            }
            Tok::P("raise") => {
                self.bump();
                if matches!(self.tok(), Tok::Newline) {
                    StmtKind::Raise(None)
                } else {
                    let e = self.expr()?;
                    if self.is_p("from") {
                        return Err(unsupported(self.span(), "'raise ... from' is"));
                    }
                    StmtKind::Raise(Some(e))
                }
            }
            Tok::P("assert") => {
                self.bump();
                let test = self.expr()?;
                let msg = if self.eat_p(",") {
                    Some(self.expr()?)
                } else {
                    None
                };
                StmtKind::Assert { test, msg }
            }
            Tok::P("import") => {
                self.bump();
                let mut names = Vec::new();
                loop {
                    let m = self.dotted()?;
                    let alias = if self.eat_p("as") {
                        Some(self.name("after 'as'")?.0)
                    } else {
                        None
                    };
                    names.push((m, alias));
                    if !self.eat_p(",") {
                        break;
                    }
                }
                StmtKind::Import(names)
            }
            Tok::P("from") => {
                self.bump();
                if self.is_p(".") {
                    return Err(unsupported(self.span(), "relative imports are"));
                }
                let m = self.dotted()?;
                self.expect_p("import", "in a from-import")?;
                if self.is_p("*") {
                    return Err(unsupported(self.span(), "'import *' is"));
                }
                let paren = self.eat_p("(");
                let mut names = Vec::new();
                loop {
                    let n = self.name("to import")?.0;
                    let alias = if self.eat_p("as") {
                        Some(self.name("after 'as'")?.0)
                    } else {
                        None
                    };
                    names.push((n, alias));
                    if !self.eat_p(",") || (paren && self.is_p(")")) {
                        break;
                    }
                }
                if paren {
                    self.expect_p(")", "to close the import list")?;
                }
                StmtKind::ImportFrom(m, names)
            }
            Tok::P("global") | Tok::P("nonlocal") => {
                return Err(unsupported(start, "'global' and 'nonlocal' are")
                    .help("pass the value as an argument and return the new value"))
            }
            Tok::P("del") => return Err(unsupported(start, "'del' is")),
            Tok::P("yield") => return Err(unsupported(start, "generators ('yield') are")),
            _ => return self.expr_or_assign(),
        };
        Ok(Stmt {
            span: start.to(self.prev_span()),
            kind,
        })
    }

    fn dotted(&mut self) -> Result<String> {
        let mut m = self.name("for a module")?.0;
        while self.eat_p(".") {
            m.push('.');
            m.push_str(&self.name("after '.'")?.0);
        }
        Ok(m)
    }

    fn expr_or_assign(&mut self) -> Result<Stmt> {
        let start = self.span();
        let first = self.expr_list()?;
        if self.eat_p(":") {
            let annotation = self.expr()?;
            let value = if self.eat_p("=") {
                Some(self.expr_list()?)
            } else {
                None
            };
            return Ok(Stmt {
                span: start.to(self.prev_span()),
                kind: StmtKind::AnnAssign {
                    target: first,
                    annotation,
                    value,
                },
            });
        }
        if let Tok::P(p) = self.tok() {
            if let Some(op) = BinOp::from_aug(p) {
                self.bump();
                let value = self.expr_list()?;
                return Ok(Stmt {
                    span: start.to(self.prev_span()),
                    kind: StmtKind::AugAssign {
                        target: first,
                        op,
                        value,
                    },
                });
            }
        }
        if self.is_p("=") {
            let mut targets = vec![first];
            let mut value;
            loop {
                self.bump();
                value = self.expr_list()?;
                if !self.is_p("=") {
                    break;
                }
                targets.push(value);
            }
            return Ok(Stmt {
                span: start.to(self.prev_span()),
                kind: StmtKind::Assign { targets, value },
            });
        }
        Ok(Stmt {
            span: start.to(self.prev_span()),
            kind: StmtKind::Expr(first),
        })
    }

    // --------------------------------------------------------------- expressions

    /// `a, b` (a tuple) or a single expression.
    fn expr_list(&mut self) -> Result<Expr> {
        let first = self.expr()?;
        if !self.is_p(",") {
            return Ok(first);
        }
        let at = self.span();
        let mut hmax = self.h;
        let mut items = vec![first];
        while self.eat_p(",") {
            if self.ends_expr_list() {
                break;
            }
            items.push(self.expr()?);
            hmax = hmax.max(self.h);
        }
        self.built(hmax, at)?;
        let span = items[0].span.to(self.prev_span());
        Ok(Expr {
            kind: ExprKind::Tuple(items),
            span,
        })
    }

    fn ends_expr_list(&self) -> bool {
        matches!(
            self.tok(),
            Tok::Newline | Tok::Eof | Tok::P("=" | ")" | "]" | ":" | ";" | "in")
        ) || matches!(self.tok(), Tok::P(p) if BinOp::from_aug(p).is_some())
    }

    /// A for-loop target: names and tuples of names, parsed below comparisons
    /// so that `in` is not taken as an operator.
    fn target_list(&mut self) -> Result<Expr> {
        let first = self.bitor()?;
        if !self.is_p(",") {
            return Ok(first);
        }
        let at = self.span();
        let mut hmax = self.h;
        let mut items = vec![first];
        while self.eat_p(",") {
            if self.is_p("in") {
                break;
            }
            items.push(self.bitor()?);
            hmax = hmax.max(self.h);
        }
        self.built(hmax, at)?;
        let span = items[0].span.to(self.prev_span());
        Ok(Expr {
            kind: ExprKind::Tuple(items),
            span,
        })
    }

    fn named_expr(&mut self) -> Result<Expr> {
        let e = self.expr()?;
        if self.is_p(":=") {
            return Err(unsupported(
                self.span(),
                "assignment expressions (':=') are",
            ));
        }
        Ok(e)
    }

    fn expr(&mut self) -> Result<Expr> {
        self.enter()?;
        let r = self.ternary();
        self.depth -= 1;
        r
    }

    // Functions on the path that every nested bracket re-enters
    // (expr, ternary, logic, binary, factor, primary, atom) keep their rare
    // cases in separate functions: an unoptimised build gives a frame room
    // for every local of every branch, and this path is walked once per
    // level of nesting.

    fn ternary(&mut self) -> Result<Expr> {
        if self.is_p("lambda") || self.is_p("yield") || self.is_p("await") {
            return Err(self.unsupported_expr());
        }
        let body = self.logic(1)?;
        if self.is_p("if") {
            return self.ternary_rest(body);
        }
        Ok(body)
    }

    fn unsupported_expr(&self) -> Diagnostic {
        if self.is_p("lambda") {
            unsupported(self.span(), "lambdas are").help("define a function with 'def'")
        } else {
            unsupported(self.span(), "'yield' and 'await' are")
        }
    }

    fn ternary_rest(&mut self, body: Expr) -> Result<Expr> {
        let (bh, at) = (self.h, self.bump().span);
        let test = self.logic(1)?;
        let th = self.h;
        self.expect_p("else", "in a conditional expression")?;
        let orelse = self.expr()?;
        self.built(bh.max(th).max(self.h), at)?;
        let span = body.span.to(orelse.span);
        Ok(Expr {
            kind: ExprKind::IfExp {
                test: Box::new(test),
                body: Box::new(body),
                orelse: Box::new(orelse),
            },
            span,
        })
    }

    /// `or` (precedence 1) and `and` (2) over `not` and comparisons, by
    /// precedence climbing.
    fn logic(&mut self, min: u8) -> Result<Expr> {
        let mut l = if self.is_p("not") {
            self.not_rest()?
        } else {
            self.comparison()?
        };
        loop {
            let (op, prec) = match self.tok() {
                Tok::P("or") => (BoolOp::Or, 1),
                Tok::P("and") => (BoolOp::And, 2),
                _ => return Ok(l),
            };
            if prec < min {
                return Ok(l);
            }
            let (lh, at) = (self.h, self.bump().span);
            let r = self.logic(prec + 1)?;
            self.built(lh.max(self.h), at)?;
            l = bool_op(op, l, r);
        }
    }

    fn not_rest(&mut self) -> Result<Expr> {
        let start = self.bump().span;
        self.enter()?;
        let e = if self.is_p("not") {
            self.not_rest()
        } else {
            self.comparison()
        };
        self.depth -= 1;
        let e = e?;
        self.built(self.h, start)?;
        let span = start.to(e.span);
        Ok(Expr {
            kind: ExprKind::Unary(UnaryOp::Not, Box::new(e)),
            span,
        })
    }

    fn comparison(&mut self) -> Result<Expr> {
        let first = self.binary(1)?;
        if self.cmp_here()?.is_none() {
            return Ok(first);
        }
        self.comparison_rest(first)
    }

    /// The comparison operator at the current token, if any.
    fn cmp_here(&self) -> Result<Option<CmpOp>> {
        Ok(Some(match self.tok() {
            Tok::P("==") => CmpOp::Eq,
            Tok::P("!=") => CmpOp::Ne,
            Tok::P("<") => CmpOp::Lt,
            Tok::P("<=") => CmpOp::Le,
            Tok::P(">") => CmpOp::Gt,
            Tok::P(">=") => CmpOp::Ge,
            Tok::P("in") => return Err(unsupported(self.span(), "the 'in' operator is")),
            Tok::P("is") => {
                return Err(unsupported(self.span(), "the 'is' operator is")
                    .help("compare values with '=='"))
            }
            Tok::P("not") if self.peek_is_p(1, "in") => {
                return Err(unsupported(self.span(), "the 'not in' operator is"))
            }
            _ => return Ok(None),
        }))
    }

    fn comparison_rest(&mut self, first: Expr) -> Result<Expr> {
        let (mut hmax, at) = (self.h, self.span());
        let mut rest = Vec::new();
        while let Some(op) = self.cmp_here()? {
            self.bump();
            rest.push((op, self.binary(1)?));
            hmax = hmax.max(self.h);
        }
        self.built(hmax, at)?;
        let span = first.span.to(rest.last().unwrap().1.span);
        Ok(Expr {
            kind: ExprKind::Compare(Box::new(first), rest),
            span,
        })
    }

    /// The binary operator at the current token and its precedence
    /// (higher binds tighter), below `**` and the unary operators.
    fn binop_here(&self) -> Option<(BinOp, u8)> {
        let Tok::P(p) = self.tok() else {
            return None;
        };
        Some(match *p {
            "|" => (BinOp::BitOr, 1),
            "^" => (BinOp::BitXor, 2),
            "&" => (BinOp::BitAnd, 3),
            "<<" => (BinOp::LShift, 4),
            ">>" => (BinOp::RShift, 4),
            "+" => (BinOp::Add, 5),
            "-" => (BinOp::Sub, 5),
            "*" => (BinOp::Mul, 6),
            "/" => (BinOp::Div, 6),
            "//" => (BinOp::FloorDiv, 6),
            "%" => (BinOp::Mod, 6),
            "@" => (BinOp::MatMul, 6),
            _ => return None,
        })
    }

    /// `|` down to `*`: operators of precedence `min` or more, by precedence
    /// climbing, so that the recursion for a right operand is at most one
    /// call per level.
    fn binary(&mut self, min: u8) -> Result<Expr> {
        let mut l = self.factor()?;
        while let Some((op, prec)) = self.binop_here() {
            if prec < min {
                break;
            }
            let (lh, at) = (self.h, self.bump().span);
            let r = self.binary(prec + 1)?;
            self.built(lh.max(self.h), at)?;
            let span = l.span.to(r.span);
            l = Expr {
                kind: ExprKind::Binary(op, Box::new(l), Box::new(r)),
                span,
            };
        }
        Ok(l)
    }

    fn bitor(&mut self) -> Result<Expr> {
        self.binary(1)
    }

    /// Unary `-`, `+`, `~`, and `**` (which binds tighter on its left).
    fn factor(&mut self) -> Result<Expr> {
        if matches!(self.tok(), Tok::P("-" | "+" | "~")) {
            return self.unary_rest();
        }
        let base = self.primary()?;
        if self.is_p("**") {
            return self.power_rest(base);
        }
        Ok(base)
    }

    fn unary_rest(&mut self) -> Result<Expr> {
        let t = self.bump();
        let op = match t.tok {
            Tok::P("-") => UnaryOp::Neg,
            Tok::P("+") => UnaryOp::Pos,
            _ => UnaryOp::Invert,
        };
        let start = t.span;
        self.enter()?;
        let e = self.factor();
        self.depth -= 1;
        let e = e?;
        self.built(self.h, start)?;
        let span = start.to(e.span);
        Ok(Expr {
            kind: ExprKind::Unary(op, Box::new(e)),
            span,
        })
    }

    fn power_rest(&mut self, base: Expr) -> Result<Expr> {
        let (bh, at) = (self.h, self.bump().span);
        self.enter()?;
        let exp = self.factor();
        self.depth -= 1;
        let exp = exp?;
        self.built(bh.max(self.h), at)?;
        let span = base.span.to(exp.span);
        Ok(Expr {
            kind: ExprKind::Binary(BinOp::Pow, Box::new(base), Box::new(exp)),
            span,
        })
    }

    fn primary(&mut self) -> Result<Expr> {
        let mut e = self.atom()?;
        loop {
            e = match self.tok() {
                Tok::P(".") => self.attribute_rest(e)?,
                Tok::P("(") => self.call_rest(e)?,
                Tok::P("[") => self.subscript_rest(e)?,
                _ => return Ok(e),
            };
        }
    }

    fn attribute_rest(&mut self, e: Expr) -> Result<Expr> {
        let (eh, at) = (self.h, self.bump().span);
        let (n, sp) = self.name("after '.'")?;
        self.built(eh, at)?;
        let span = e.span.to(sp);
        Ok(Expr {
            kind: ExprKind::Attribute(Box::new(e), n),
            span,
        })
    }

    fn call_rest(&mut self, e: Expr) -> Result<Expr> {
        let (eh, at) = (self.h, self.bump().span);
        self.enter()?;
        let r = self.call_args();
        self.depth -= 1;
        let (args, kwargs, ah) = r?;
        let end = self.expect_p(")", "to close the call")?;
        self.built(eh.max(ah), at)?;
        let span = e.span.to(end);
        Ok(Expr {
            kind: ExprKind::Call {
                func: Box::new(e),
                args,
                kwargs,
            },
            span,
        })
    }

    fn subscript_rest(&mut self, e: Expr) -> Result<Expr> {
        let (eh, at) = (self.h, self.bump().span);
        self.enter()?;
        let r = self.subscript();
        self.depth -= 1;
        let idx = r?;
        let end = self.expect_p("]", "to close the subscript")?;
        self.built(eh.max(self.h), at)?;
        let span = e.span.to(end);
        Ok(Expr {
            kind: ExprKind::Subscript(Box::new(e), Box::new(idx)),
            span,
        })
    }

    /// The arguments of a call, and the height of the highest.
    fn call_args(&mut self) -> Result<(Vec<Expr>, Vec<Keyword>, usize)> {
        let mut hmax = 0;
        let mut args = Vec::new();
        let mut kwargs: Vec<Keyword> = Vec::new();
        while !self.is_p(")") {
            if self.is_p("*") || self.is_p("**") {
                return Err(unsupported(
                    self.span(),
                    "argument unpacking ('*args', '**kwargs') is",
                ));
            }
            if matches!(self.tok(), Tok::Name(_)) && self.peek_is_p(1, "=") {
                let (name, name_span) = self.name("")?;
                self.bump();
                let value = self.expr()?;
                hmax = hmax.max(self.h);
                if kwargs.iter().any(|k| k.name == name) {
                    return Err(Diagnostic::new(
                        DiagKind::Syntax,
                        name_span,
                        format!("keyword argument '{name}' repeated"),
                    ));
                }
                kwargs.push(Keyword {
                    name,
                    name_span,
                    value,
                });
            } else {
                let e = self.expr()?;
                hmax = hmax.max(self.h);
                if self.is_p("for") {
                    return Err(unsupported(self.span(), "generator expressions are"));
                }
                if !kwargs.is_empty() {
                    return Err(Diagnostic::new(
                        DiagKind::Syntax,
                        e.span,
                        "positional argument follows keyword argument",
                    ));
                }
                args.push(e);
            }
            if !self.eat_p(",") {
                break;
            }
        }
        Ok((args, kwargs, hmax))
    }

    /// The inside of `[...]`: an index, a slice, or a tuple of them.
    fn subscript(&mut self) -> Result<Expr> {
        let first = self.slice_item()?;
        if !self.is_p(",") {
            return Ok(first);
        }
        let (mut hmax, at) = (self.h, self.span());
        let mut items = vec![first];
        while self.eat_p(",") {
            if self.is_p("]") {
                break;
            }
            items.push(self.slice_item()?);
            hmax = hmax.max(self.h);
        }
        self.built(hmax, at)?;
        let span = items[0].span.to(self.prev_span());
        Ok(Expr {
            kind: ExprKind::Tuple(items),
            span,
        })
    }

    fn slice_item(&mut self) -> Result<Expr> {
        let start = self.span();
        let (lo, mut hmax) = if self.is_p(":") {
            (None, 0)
        } else {
            (Some(Box::new(self.expr()?)), self.h)
        };
        let at = self.span();
        if !self.eat_p(":") {
            return Ok(*lo.unwrap());
        }
        let bound = |p: &mut Parser, hmax: &mut usize| -> Result<Option<Box<Expr>>> {
            if p.is_p(":") || p.is_p(",") || p.is_p("]") {
                Ok(None)
            } else {
                let e = p.expr()?;
                *hmax = (*hmax).max(p.h);
                Ok(Some(Box::new(e)))
            }
        };
        let hi = bound(self, &mut hmax)?;
        let step = if self.eat_p(":") {
            bound(self, &mut hmax)?
        } else {
            None
        };
        self.built(hmax, at)?;
        Ok(Expr {
            kind: ExprKind::Slice(lo, hi, step),
            span: start.to(self.prev_span()),
        })
    }

    fn atom(&mut self) -> Result<Expr> {
        self.h = 1;
        let span = self.span();
        let kind = match self.tok() {
            Tok::Name(n) => ExprKind::Name(n.clone()),
            Tok::Int(v) => ExprKind::Int(*v),
            Tok::Float(v) => ExprKind::Float(*v),
            Tok::Str(_) | Tok::FStr(_) => return self.string(),
            Tok::P("True") => ExprKind::Bool(true),
            Tok::P("False") => ExprKind::Bool(false),
            Tok::P("None") => ExprKind::None,
            Tok::P("(") => return self.paren_rest(),
            Tok::P("[") => return self.list_rest(),
            _ => return Err(self.not_an_atom()),
        };
        self.bump();
        Ok(Expr { kind, span })
    }

    /// Adjacent string literals and f-strings, concatenated as in Python:
    /// a plain string unless there is a replacement field.
    fn string(&mut self) -> Result<Expr> {
        let mut parts: Vec<FStrPart> = Vec::new();
        let mut span = self.span();
        let mut hmax = 0;
        loop {
            match self.tok().clone() {
                Tok::Str(more) => lit(&mut parts, more),
                Tok::FStr(pieces) => {
                    for p in self.fparts(pieces, &mut hmax)? {
                        match p {
                            FStrPart::Lit(t) => lit(&mut parts, t),
                            f => parts.push(f),
                        }
                    }
                }
                _ => break,
            }
            span = span.to(self.bump().span);
        }
        let kind = match parts.as_slice() {
            [] => ExprKind::Str(String::new()),
            [FStrPart::Lit(t)] => ExprKind::Str(t.clone()),
            _ => ExprKind::FString(parts),
        };
        self.built(hmax, span)?;
        Ok(Expr { kind, span })
    }

    /// The pieces of one f-string, each field's expression parsed from its
    /// tokens; `hmax` grows to the tallest expression.
    fn fparts(&mut self, pieces: Vec<FPart>, hmax: &mut usize) -> Result<Vec<FStrPart>> {
        let mut out = Vec::with_capacity(pieces.len());
        for p in pieces {
            out.push(match p {
                FPart::Lit(t) => FStrPart::Lit(t),
                FPart::Field {
                    toks,
                    span,
                    debug,
                    conv,
                    spec,
                } => {
                    let mut sub = Parser {
                        toks,
                        pos: 0,
                        depth: self.depth,
                        h: 0,
                        more: Vec::new(),
                    };
                    sub.enter()?;
                    let value = sub.expr_list()?;
                    if !sub.at_eof() {
                        return Err(sub.unexpected("expected '}' after the f-string expression"));
                    }
                    *hmax = (*hmax).max(sub.h);
                    let spec = self.fparts(spec, hmax)?;
                    FStrPart::Field {
                        value: Box::new(value),
                        span,
                        debug,
                        conv,
                        spec,
                    }
                }
            });
        }
        Ok(out)
    }

    fn not_an_atom(&self) -> Diagnostic {
        let span = self.span();
        match self.tok() {
            Tok::P("{") => unsupported(span, "dicts and sets are"),
            Tok::P("...") => unsupported(span, "Ellipsis ('...') is"),
            Tok::P("lambda") => {
                unsupported(span, "lambdas are").help("define a function with 'def'")
            }
            Tok::P("yield") | Tok::P("await") => unsupported(span, "'yield' and 'await' are"),
            _ => self.unexpected("expected an expression"),
        }
    }

    /// `( ... )`: a parenthesised expression or a tuple.
    fn paren_rest(&mut self) -> Result<Expr> {
        let span = self.bump().span;
        if self.eat_p(")") {
            self.h = 1;
            return Ok(Expr {
                kind: ExprKind::Tuple(Vec::new()),
                span: span.to(self.prev_span()),
            });
        }
        let first = self.expr()?;
        if self.is_p("for") {
            return Err(unsupported(self.span(), "generator expressions are"));
        }
        if self.eat_p(")") {
            // Parenthesised expression: widen the span to the parens so
            // carets cover what the user wrote.
            return Ok(Expr {
                kind: first.kind,
                span: span.to(self.prev_span()),
            });
        }
        let mut hmax = self.h;
        let mut items = vec![first];
        while self.eat_p(",") {
            if self.is_p(")") {
                break;
            }
            items.push(self.expr()?);
            hmax = hmax.max(self.h);
        }
        let end = self.expect_p(")", "to close the tuple")?;
        self.built(hmax, span)?;
        Ok(Expr {
            kind: ExprKind::Tuple(items),
            span: span.to(end),
        })
    }

    fn list_rest(&mut self) -> Result<Expr> {
        let span = self.bump().span;
        let mut items = Vec::new();
        let mut hmax = 0;
        while !self.is_p("]") {
            items.push(self.expr()?);
            hmax = hmax.max(self.h);
            if self.is_p("for") {
                return Err(unsupported(self.span(), "list comprehensions are").help(
                    "fill an array in a loop: out = np.empty(n); for i in range(n): out[i] = ...",
                ));
            }
            if !self.eat_p(",") {
                break;
            }
        }
        let end = self.expect_p("]", "to close the list")?;
        self.built(hmax, span)?;
        Ok(Expr {
            kind: ExprKind::List(items),
            span: span.to(end),
        })
    }
}

fn bool_op(op: BoolOp, l: Expr, r: Expr) -> Expr {
    let span = l.span.to(r.span);
    Expr {
        kind: ExprKind::BoolOp(op, Box::new(l), Box::new(r)),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(s: &str) -> Expr {
        let m = parse(s).unwrap();
        match &m.body[0].kind {
            StmtKind::Expr(e) => e.clone(),
            k => panic!("not an expression: {k:?}"),
        }
    }

    #[test]
    fn precedence() {
        // -2 ** 4 is -(2 ** 4); 2 ** 3 ** 2 is 2 ** (3 ** 2)
        match expr("-2 ** 4").kind {
            ExprKind::Unary(UnaryOp::Neg, e) => {
                assert!(matches!(e.kind, ExprKind::Binary(BinOp::Pow, ..)))
            }
            k => panic!("{k:?}"),
        }
        match expr("2 ** 3 ** 2").kind {
            ExprKind::Binary(BinOp::Pow, l, r) => {
                assert!(matches!(l.kind, ExprKind::Int(2)));
                assert!(matches!(r.kind, ExprKind::Binary(BinOp::Pow, ..)));
            }
            k => panic!("{k:?}"),
        }
        match expr("1 + 2 * 3 < 4 < 5").kind {
            ExprKind::Compare(first, rest) => {
                assert!(matches!(first.kind, ExprKind::Binary(BinOp::Add, ..)));
                assert_eq!(rest.len(), 2);
            }
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn statements() {
        let m = parse("@njit\ndef f(a, b=2):\n    a, b = b, a\n    return a\nx: int = 0\nx += 1\nfor i in range(3):\n    pass\nelse:\n    pass\n").unwrap();
        assert_eq!(m.body.len(), 4);
        assert!(
            matches!(&m.body[0].kind, StmtKind::FunctionDef(f) if f.params.len() == 2 && f.decorators.len() == 1)
        );
        assert!(matches!(
            &m.body[2].kind,
            StmtKind::AugAssign { op: BinOp::Add, .. }
        ));
        assert!(matches!(&m.body[3].kind, StmtKind::For { orelse, .. } if orelse.len() == 1));
    }

    #[test]
    fn unsupported_constructs_are_named() {
        for (src, what) in [
            ("class A:\n    pass\n", "classes"),
            ("f = lambda x: x\n", "lambdas"),
            ("try:\n    pass\nexcept:\n    pass\n", "try/except"),
            ("with f() as g:\n    pass\n", "'with'"),
            ("x = {}\n", "dicts"),
            ("x = [i for i in range(3)]\n", "list comprehensions"),
            ("global x\n", "'global'"),
            ("def g():\n    yield 1\n", "generators"),
            ("x = 1 if y in z else 2\n", "'in'"),
        ] {
            let e = parse(src).unwrap_err();
            assert_eq!(e.kind, DiagKind::Unsupported, "{src}");
            assert!(e.message.contains(what), "{src}: {}", e.message);
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("x = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
        assert!(parse(&src).is_err());
        let src = format!("x = {}1\n", "-".repeat(100_000));
        assert!(parse(&src).is_err());
        let src = format!("x = 1{}\n", " + 1".repeat(MAX_DEPTH - 1));
        assert!(parse(&src).is_ok());
        let src = format!("x = 1{}\n", " + 1".repeat(100_000));
        assert!(parse(&src).is_err());
    }

    /// The height of a tree, computed the obvious way.
    fn height(e: &Expr) -> usize {
        let kids: Vec<&Expr> = match &e.kind {
            ExprKind::Name(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::None => vec![],
            ExprKind::Unary(_, x) | ExprKind::Attribute(x, _) => vec![x],
            ExprKind::Binary(_, l, r) | ExprKind::BoolOp(_, l, r) | ExprKind::Subscript(l, r) => {
                vec![l, r]
            }
            ExprKind::Compare(first, rest) => std::iter::once(&**first)
                .chain(rest.iter().map(|(_, r)| r))
                .collect(),
            ExprKind::IfExp { test, body, orelse } => vec![test, body, orelse],
            ExprKind::Call { func, args, kwargs } => std::iter::once(&**func)
                .chain(args)
                .chain(kwargs.iter().map(|k| &k.value))
                .collect(),
            ExprKind::Slice(a, b, c) => [a, b, c].into_iter().flatten().map(|b| &**b).collect(),
            ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().collect(),
            ExprKind::FString(parts) => {
                fn fields<'a>(parts: &'a [FStrPart], out: &mut Vec<&'a Expr>) {
                    for p in parts {
                        if let FStrPart::Field { value, spec, .. } = p {
                            out.push(value);
                            fields(spec, out);
                        }
                    }
                }
                let mut v = Vec::new();
                fields(parts, &mut v);
                v
            }
        };
        1 + kids.into_iter().map(height).max().unwrap_or(0)
    }

    #[test]
    fn tracked_height_is_the_tree_height() {
        for src in [
            "x",
            "-x",
            "not not x",
            "a + b * c ** d ** e - f",
            "a or b and not c < d <= (e | f ^ g & h << i)",
            "(a, (b, [c, d]), ())",
            "f(a, b + c, k=g(h(i)))",
            "a.b[1:2, ::c][d](e)(f=g.h)",
            "x if a < b < c else y if d else (z, w)",
            "~a // b % c @ d",
            "((((a))))",
            "'s' 't'",
            "a[b, c:d:e.f]",
        ] {
            let mut p = Parser {
                toks: tokenize(src).unwrap(),
                pos: 0,
                depth: 0,
                h: 0,
                more: Vec::new(),
            };
            let e = p.expr_list().unwrap();
            assert_eq!(p.h, height(&e), "{src}");
        }
    }

    #[test]
    fn expression_height_is_bounded_for_every_kind_of_chain() {
        // Each builds a tree of height n + 1 from n repetitions.
        type Chain = (&'static str, fn(usize) -> String);
        let chains: [Chain; 12] = [
            ("or", |n| format!("x{}", " or x".repeat(n))),
            ("and", |n| format!("x{}", " and x".repeat(n))),
            ("*", |n| format!("x{}", " * x".repeat(n))),
            ("-", |n| format!("x{}", " - x".repeat(n))),
            ("|", |n| format!("x{}", " | x".repeat(n))),
            ("attribute", |n| format!("a{}", ".T".repeat(n))),
            ("index", |n| format!("a{}", "[0]".repeat(n))),
            ("call", |n| format!("f{}", "()".repeat(n))),
            ("slice", |n| format!("a{}", "[::1]".repeat(n - 1))),
            ("mixed", |n| format!("a{}", ".T[0]".repeat(n / 2))),
            ("tuple", |n| {
                format!("{}x{}", "(x, ".repeat(n.min(90)), ")".repeat(n.min(90)))
            }),
            ("+ and -", |n| format!("x{}", " + x - x".repeat(n / 2))),
        ];
        for (what, chain) in chains {
            let at = |n: usize| parse(&format!("y = {}\n", chain(n)));
            assert!(at(MAX_DEPTH - 1).is_ok(), "{what} at the limit");
            if what == "tuple" {
                continue; // bracket nesting stops it first
            }
            for n in [MAX_DEPTH + 1, 20_000, 100_000] {
                let e = at(n).unwrap_err();
                assert_eq!(e.kind, DiagKind::Limit, "{what} {n}");
                assert!(
                    e.message.contains("too deeply nested"),
                    "{what}: {}",
                    e.message
                );
            }
        }
    }

    #[test]
    fn the_height_error_points_at_the_operator_that_goes_too_deep() {
        let src = format!("y = x{}\n", " or x".repeat(MAX_DEPTH + 5));
        let e = parse(&src).unwrap_err();
        // The MAX_DEPTH-th 'or' makes a tree of MAX_DEPTH + 1 levels.
        let col = "y = x".len() + (MAX_DEPTH - 1) * " or x".len() + 1;
        assert_eq!(e.span.start as usize, col);
        assert_eq!(&src[col..col + 2], "or");
    }

    #[test]
    fn unary_and_conditional_chains_are_errors_not_crashes() {
        for src in [
            format!("y = {}x\n", "not ".repeat(100_000)),
            format!("y = {}x\n", "~".repeat(100_000)),
            format!("y = x{}\n", " ** x".repeat(100_000)),
            format!("y = {}x\n", "x if c else ".repeat(100_000)),
        ] {
            assert_eq!(parse(&src).unwrap_err().kind, DiagKind::Limit);
        }
    }
}
