//! Fuzzing Kiln: no script may crash, hang or corrupt the host, and every
//! tier must do the same thing with it.
//!
//! [`mutate`] derives inputs from the test programs, [`exec`] runs one input
//! in-process (type-check only, or in every tier with a comparison), and
//! [`campaign`] drives many inputs through child processes so that a stack
//! overflow or a hang is caught and attributed to its input. The `kiln-fuzz`
//! binary is the command line over these; the libFuzzer targets in `fuzz/`
//! use [`exec`] directly.

pub mod campaign;
pub mod capi;
pub mod exec;
pub mod mutate;
pub mod rng;
