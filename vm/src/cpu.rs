//! The vector instructions this processor has, for the kernels
//! (`stdlib`'s contiguous loops) and the native tier (its vector loops'
//! width): detected once per process, when the runtime table is installed
//! (`runtime::install`), and read after that with one load.
//!
//! Only the two `cpuid` leaves the answer needs are read (the feature
//! flags of leaves 1 and 7) and the operating system's register state
//! (`xgetbv`): a general feature probe reads many more, and under a
//! hypervisor each `cpuid` is an exit to it (several microseconds, more
//! than compiling a small function).

use std::sync::atomic::{AtomicU8, Ordering};

/// The widest vector instructions every loop may use. SSE2 is x86-64's
/// baseline (and NEON aarch64's: other architectures are `Base`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Simd {
    Base = 1,
    /// AVX2 (256-bit registers, VEX encodings), with the operating
    /// system saving them.
    Avx2 = 2,
    /// AVX-512 F, DQ, BW and VL (x86-64-v4's), with the operating system
    /// saving the mask and 512-bit registers.
    Avx512 = 3,
}

static LEVEL: AtomicU8 = AtomicU8::new(0);

/// The processor's [`Simd`] level (detected on the first call).
#[inline]
pub fn simd() -> Simd {
    match LEVEL.load(Ordering::Relaxed) {
        0 => {
            let s = detect();
            LEVEL.store(s as u8, Ordering::Relaxed);
            s
        }
        2 => Simd::Avx2,
        3 => Simd::Avx512,
        _ => Simd::Base,
    }
}

#[cfg(target_arch = "x86_64")]
fn detect() -> Simd {
    use std::arch::x86_64::{__cpuid, __cpuid_count};
    // SAFETY: every x86-64 processor has `cpuid`, and leaf 1 is always
    // defined. (Newer compilers call these intrinsics safe.)
    #[allow(unused_unsafe)]
    let ecx1 = unsafe { __cpuid(1).ecx };
    // XSAVE (bit 26), the system's use of it (OSXSAVE, bit 27), which
    // `xgetbv` needs, and AVX (bit 28). A processor with XSAVE has leaf
    // 0xD, so leaf 7 exists too: no need to ask leaf 0 for the largest.
    if ecx1 & (7 << 26) != 7 << 26 {
        return Simd::Base;
    }
    // SAFETY: OSXSAVE is set, so `xgetbv` with register 0 (XCR0) is
    // defined; leaf 7 exists (above).
    #[allow(unused_unsafe)]
    let (xcr0, ebx7) = unsafe { (xcr0(), __cpuid_count(7, 0).ebx) };
    // The system saves the XMM and YMM state (bits 1, 2), and for
    // AVX-512 the mask and both halves of the ZMM state (bits 5-7).
    let ymm = xcr0 & 0b110 == 0b110;
    let zmm = ymm && xcr0 & 0b1110_0000 == 0b1110_0000;
    const AVX2: u32 = 1 << 5;
    // F, DQ, BW, VL.
    const AVX512: u32 = (1 << 16) | (1 << 17) | (1 << 30) | (1 << 31);
    if zmm && ebx7 & AVX512 == AVX512 && ebx7 & AVX2 != 0 {
        Simd::Avx512
    } else if ymm && ebx7 & AVX2 != 0 {
        Simd::Avx2
    } else {
        Simd::Base
    }
}

/// XCR0, the register state the operating system saves.
///
/// # Safety
/// The processor has XSAVE and the system enabled it (`cpuid` leaf 1's
/// OSXSAVE bit).
#[cfg(target_arch = "x86_64")]
unsafe fn xcr0() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: the caller's promise makes `xgetbv` defined; it reads
    // registers only.
    unsafe {
        std::arch::asm!(
            "xgetbv",
            in("ecx") 0u32,
            out("eax") lo,
            out("edx") hi,
            options(nomem, nostack, preserves_flags)
        );
    }
    ((hi as u64) << 32) | lo as u64
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> Simd {
    Simd::Base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_agrees_with_the_standard_library() {
        #[cfg(target_arch = "x86_64")]
        {
            let want = if std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512dq")
                && std::is_x86_feature_detected!("avx512bw")
                && std::is_x86_feature_detected!("avx512vl")
                && std::is_x86_feature_detected!("avx2")
            {
                Simd::Avx512
            } else if std::is_x86_feature_detected!("avx2") {
                Simd::Avx2
            } else {
                Simd::Base
            };
            assert_eq!(detect(), want);
        }
        assert_eq!(simd(), detect());
        assert_eq!(simd(), simd());
    }
}
