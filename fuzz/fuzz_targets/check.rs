//! Source text → parse and type-check. A panic or a diagnostic that does
//! not point into the file is a crash; a stack overflow kills the process,
//! which libFuzzer reports as a crash too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // Records panics, so that one Kiln catches and turns into an error is
    // still reported.
    init: kiln_fuzz::exec::quiet_panics(),
    |data: &[u8]| {
        if let Err(f) = kiln_fuzz::exec::check(data) {
            panic!("{}\n{}", f.key, f.detail);
        }
    }
);
