//! The aarch64 backend: [`asm::A64Asm`], the register-allocating
//! emitter's [`crate::backend::Asm`] over dynasm-rs.
//!
//! Unlike x86-64, this backend has no single-pass counterpart (`lower`
//! over `masm::Masm`): a function the low IR's pipeline does not take
//! stays interpreted on aarch64.
//!
//! The assembler is a type parameter: an executable one on an aarch64
//! host, dynasm's `VecAssembler` (bytes in a vector, never run) on any
//! host, for `vm asm --arch aarch64` and for the encoder tests, which so
//! run in every `cargo test`.

pub mod asm;

/// Assembles aarch64 code into a plain vector, on any host.
pub type VecAsm = asm::A64Asm<dynasmrt::VecAssembler<dynasmrt::aarch64::Aarch64Relocation>>;

impl VecAsm {
    /// An assembler whose code would start at `base`.
    pub fn new_vec(base: usize) -> VecAsm {
        asm::A64Asm::with(dynasmrt::VecAssembler::new(base))
    }

    /// The machine code.
    pub fn finish_vec(self) -> Vec<u8> {
        self.ops.finalize().expect("every label is bound")
    }
}

/// Runs on the host: aarch64 hosts only.
#[cfg(target_arch = "aarch64")]
pub type ExecAsm = asm::A64Asm<dynasmrt::aarch64::Assembler>;

#[cfg(target_arch = "aarch64")]
impl ExecAsm {
    pub fn new() -> ExecAsm {
        asm::A64Asm::with(dynasmrt::aarch64::Assembler::new().expect("an executable mapping"))
    }

    /// Maps the code. dynasmrt's commit cleans the data cache and
    /// invalidates the instruction cache over the whole buffer it copies
    /// the code into (`cache_control::synchronize_icache`), and its
    /// finalize issues the `isb`: code written here is what the core
    /// fetches.
    pub fn finish(self) -> dynasmrt::ExecutableBuffer {
        match self.ops.finalize() {
            Ok(buf) => buf,
            Err(_) => panic!("finalize the code buffer"),
        }
    }
}

#[cfg(target_arch = "aarch64")]
impl Default for ExecAsm {
    fn default() -> Self {
        ExecAsm::new()
    }
}
