//! Bytes → a sequence of C API calls (include/kiln.h) within the header's
//! contract; a crash, a panic or an external-allocator block never freed is
//! a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(f) = kiln_fuzz::capi::check(data) {
        panic!("{}\n{}", f.key, f.detail);
    }
});
