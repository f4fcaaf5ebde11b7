//! Kiln: a tiered virtual machine for typed array programs written in a
//! Numba-compatible subset of Python.
//!
//! This crate is the facade a host program uses: it wires the front end
//! (`typer`), the bytecode VM (`vm`), the native kernels (`stdlib`) and the
//! JIT (`jit`) behind one [`Vm`] type, and it owns the `vm` command-line
//! tool. It adds no semantics of its own.
//!
//! ```
//! use kiln::{Value, Vm};
//! let mut vm = Vm::new(kiln::Config::default());
//! let m = vm.load("example.py", "def add(a, b):\n    return a + b\n").unwrap();
//! assert_eq!(vm.call(&m, "add", &[Value::Int(2), Value::Float(0.5)]).unwrap(), Value::Float(2.5));
//! ```

use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::rc::Rc;

pub use typer::{DType, Diagnostic, Source, Type};
pub use vm::meminfo::AllocStats;
pub use vm::{Exception, Limits};

/// Which tier runs compiled code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tier {
    /// The bytecode interpreter only.
    Interp,
    /// Compile every specialisation before its first call.
    Jit,
    /// Interpret, and compile what gets hot.
    #[default]
    Auto,
}

impl Tier {
    pub fn parse(s: &str) -> Option<Tier> {
        match s {
            "interp" => Some(Tier::Interp),
            "jit" => Some(Tier::Jit),
            "auto" => Some(Tier::Auto),
            _ => None,
        }
    }
}

/// How a [`Vm`] runs programs.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub tier: Tier,
    pub limits: Limits,
}

/// A value passed to or returned from a script function.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Tuple(Vec<Value>),
}

impl Value {
    fn ty(&self) -> Type {
        match self {
            Value::None => Type::None,
            Value::Bool(_) => Type::Bool,
            Value::Int(_) => Type::Int,
            Value::Float(_) => Type::Float,
            Value::Tuple(items) => Type::tuple(items.iter().map(Value::ty).collect()),
        }
    }
    fn flatten(&self, out: &mut Vec<u64>) {
        match self {
            Value::None => {}
            Value::Bool(b) => out.push(*b as u64),
            Value::Int(v) => out.push(*v as u64),
            Value::Float(v) => out.push(v.to_bits()),
            Value::Tuple(items) => items.iter().for_each(|i| i.flatten(out)),
        }
    }
    fn unflatten(ty: &Type, regs: &mut impl Iterator<Item = u64>) -> Value {
        match ty {
            Type::Bool => Value::Bool(regs.next().unwrap_or(0) != 0),
            Type::Int => Value::Int(regs.next().unwrap_or(0) as i64),
            Type::Float => Value::Float(f64::from_bits(regs.next().unwrap_or(0))),
            Type::Tuple(items) => {
                Value::Tuple(items.iter().map(|t| Value::unflatten(t, regs)).collect())
            }
            _ => Value::None,
        }
    }
}

/// An error from loading or running a script.
#[derive(Debug)]
pub enum Error {
    /// The program does not compile: the diagnostic, rendered with its source.
    Compile {
        diagnostic: Diagnostic,
        rendered: String,
    },
    /// A Python exception escaped the script.
    Runtime(Exception),
    /// The host called something that does not exist or with wrong arguments.
    Call(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Compile { rendered, .. } => f.write_str(rendered),
            Error::Runtime(e) => f.write_str(&e.render()),
            Error::Call(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

/// A loaded program: its typed specialisations and their bytecode.
pub struct Module {
    prog: RefCell<typer::Program>,
    code: RefCell<vm::Module>,
    source: Rc<Source>,
}

impl Module {
    /// The bytecode of every compiled specialisation, as `vm dis` prints it.
    pub fn disassemble(&self) -> String {
        vm::dis::disassemble(&self.code.borrow())
    }
    /// Every compiled specialisation as annotated source (`--inspect-types`).
    pub fn inspect_types(&self) -> String {
        typer::inspect::inspect_types(&self.prog.borrow(), &self.source)
    }

    pub fn source(&self) -> &Source {
        &self.source
    }
}

/// A Kiln virtual machine: configuration plus execution state.
pub struct Vm {
    config: Config,
    machine: vm::Machine,
}

impl Vm {
    /// A VM whose scripts print to the process's standard output.
    pub fn new(config: Config) -> Vm {
        Vm::with_output(config, Box::new(std::io::stdout()))
    }

    /// A VM whose scripts print to `out`.
    pub fn with_output(config: Config, out: Box<dyn Write>) -> Vm {
        let machine = vm::Machine::new(out, config.limits.clone());
        Vm { config, machine }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Parses, types and compiles a program.
    pub fn load(&mut self, name: &str, text: &str) -> Result<Module, Error> {
        let source = Rc::new(Source::new(name, text));
        match vm::load(source.clone()) {
            Ok((prog, code)) => Ok(Module {
                prog: RefCell::new(prog),
                code: RefCell::new(code),
                source,
            }),
            Err(d) => Err(compile_error(d, &source)),
        }
    }

    /// Runs the module's top-level code, as `vm run` does.
    pub fn run_main(&mut self, m: &Module) -> Result<(), Error> {
        let code = m.code.borrow();
        let r = self.machine.call(&code, 0, &[]);
        self.machine.flush();
        r.map(|_| ()).map_err(Error::Runtime)
    }

    /// Allocation statistics of every allocator this VM has used, by name.
    pub fn alloc_stats(&self) -> Vec<(String, vm::meminfo::AllocStats)> {
        let a = &self.machine.rt.default_alloc;
        vec![(a.name.clone(), a.stats())]
    }

    /// Calls a top-level function with arguments, specialising it for their
    /// types on first use.
    pub fn call(&mut self, m: &Module, name: &str, args: &[Value]) -> Result<Value, Error> {
        let tys: Vec<Type> = args.iter().map(Value::ty).collect();
        let id = {
            let mut prog = m.prog.borrow_mut();
            let id = prog.specialise(name, tys).map_err(Error::Call)?;
            prog.solve().map_err(|d| compile_error(d, &m.source))?;
            let mut code = m.code.borrow_mut();
            vm::compile::compile_more(&prog, &mut code).map_err(|d| compile_error(d, &m.source))?;
            id
        };
        let code = m.code.borrow();
        let p = &code.protos[id as usize];
        let mut regs = Vec::new();
        for a in args {
            a.flatten(&mut regs);
        }
        // Defaults the host did not pass are constants of the signature.
        if regs.len() != p.nargs as usize {
            return Err(Error::Call(format!(
                "{name}: pass every argument explicitly from the host"
            )));
        }
        let ret = p.ret.clone();
        let out = self.machine.call(&code, id, &regs);
        self.machine.flush();
        let out = out.map_err(Error::Runtime)?;
        Ok(Value::unflatten(&ret, &mut out.into_iter()))
    }
}

fn compile_error(d: Diagnostic, source: &Source) -> Error {
    let rendered = d.render(source);
    Error::Compile {
        diagnostic: d,
        rendered,
    }
}
