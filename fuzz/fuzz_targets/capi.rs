//! Bytes → a sequence of C API calls (include/kiln.h), misuse included; a
//! crash, a panic (caught or not), a broken promise of the header or an
//! external-allocator block never freed is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    // Records panics, so that one Kiln catches and turns into an error is
    // still reported.
    init: kiln_fuzz::exec::quiet_panics(),
    |data: &[u8]| {
        if let Err(f) = kiln_fuzz::capi::check(data) {
            panic!("{}\n{}", f.key, f.detail);
        }
    }
);
