//! Source text → run in the interpreter, the JIT and the auto tier with
//! fuel and a memory cap; any difference in output, exception text or
//! allocator statistics (or an array left allocated) is a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // Records panics, so that one Kiln catches and turns into an error is
    // still reported.
    init: kiln_fuzz::exec::quiet_panics(),
    |data: &[u8]| {
        let opts = kiln_fuzz::exec::RunOpts {
            fuel: 20_000,
            max_memory: 16 << 20,
            ..Default::default()
        };
        if let Err(f) = kiln_fuzz::exec::run(data, &opts) {
            panic!("{}\n{}", f.key, f.detail);
        }
    }
);
