//! The executable code region every function's machine code goes to: one
//! mapping per thread, filled function after function (a new one only when
//! it is full), instead of a mapping per function, whose system calls cost
//! more than compiling a small function.
//!
//! No page is writable and executable at once (W^X), and installing a
//! function takes no system call: on Linux each mapping is shared memory
//! mapped twice, readable and executable where code runs and writable
//! elsewhere, where the region copies code in. Where that is not
//! available, pages stay readable and executable and installing a
//! function makes the pages it lands on writable for the copy; the region
//! is the thread's own (native code holds `Rc`s, so it never runs on
//! another thread) and nothing runs native code while it compiles on the
//! same thread, so no code runs from a page while it is writable. A
//! mapping is unmapped once the region has moved on to another and the
//! last function in it is gone.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Bytes of one mapping (only the pages touched take memory).
const CHUNK: usize = 4 << 20;
/// Functions start at this alignment.
const ALIGN: usize = 64;

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as usize
    } else {
        4096
    }
}

/// One mapping of the region.
struct Chunk {
    /// Where the code runs.
    base: *mut u8,
    /// The same memory, writable (null: `base`'s pages change protection
    /// instead).
    write: *mut u8,
    size: usize,
    used: Cell<usize>,
}

impl Chunk {
    fn new(size: usize) -> Chunk {
        #[cfg(target_os = "linux")]
        if let Some(c) = Chunk::dual(size) {
            return c;
        }
        Chunk::anon(size)
    }

    /// An anonymous mapping whose pages change protection around a copy.
    fn anon(size: usize) -> Chunk {
        // SAFETY: an anonymous private mapping at an address of the
        // kernel's choosing affects no existing memory.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_EXEC,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert!(
            p != libc::MAP_FAILED,
            "cannot map memory for native code: {}",
            std::io::Error::last_os_error()
        );
        Chunk {
            base: p.cast(),
            write: std::ptr::null_mut(),
            size,
            used: Cell::new(0),
        }
    }

    /// `size` bytes of shared memory mapped twice (executable, writable),
    /// or `None` where the system refuses both ways.
    #[cfg(target_os = "linux")]
    fn dual(size: usize) -> Option<Chunk> {
        Chunk::dual_anon(size).or_else(|| Chunk::dual_file(size))
    }

    /// Three system calls: a shared anonymous mapping, a second mapping of
    /// the same pages (`mremap` of a shared mapping from length 0), made
    /// executable; cheaper than a named memory file, which needs a
    /// descriptor and a size first. Not every system takes that `mremap`
    /// (user-mode emulators refuse it).
    #[cfg(target_os = "linux")]
    fn dual_anon(size: usize) -> Option<Chunk> {
        // SAFETY: the mappings are new, at addresses of the kernel's
        // choosing, and affect no existing memory; each is unmapped again
        // if a later step fails.
        unsafe {
            let w = libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            if w == libc::MAP_FAILED {
                return None;
            }
            let x = libc::mremap(w, 0, size, libc::MREMAP_MAYMOVE);
            if x == libc::MAP_FAILED {
                libc::munmap(w, size);
                return None;
            }
            if libc::mprotect(x, size, libc::PROT_READ | libc::PROT_EXEC) != 0 {
                libc::munmap(x, size);
                libc::munmap(w, size);
                return None;
            }
            Some(Chunk {
                base: x.cast(),
                write: w.cast(),
                size,
                used: Cell::new(0),
            })
        }
    }

    /// A memory file of `size` bytes mapped twice (executable, writable),
    /// or `None` where the system refuses.
    #[cfg(target_os = "linux")]
    fn dual_file(size: usize) -> Option<Chunk> {
        // SAFETY: the name is a NUL-terminated string; the descriptor is
        // ours, sized before it is mapped, and closed once both mappings
        // (which keep the file alive) exist or failed; the mappings are at
        // addresses of the kernel's choosing and affect no existing memory.
        unsafe {
            let fd = libc::memfd_create(c"kiln-code".as_ptr(), libc::MFD_CLOEXEC);
            if fd < 0 {
                return None;
            }
            let map = |prot| libc::mmap(std::ptr::null_mut(), size, prot, libc::MAP_SHARED, fd, 0);
            let ok = libc::ftruncate(fd, size as libc::off_t) == 0;
            let x = if ok {
                map(libc::PROT_READ | libc::PROT_EXEC)
            } else {
                libc::MAP_FAILED
            };
            let w = if x != libc::MAP_FAILED {
                map(libc::PROT_READ | libc::PROT_WRITE)
            } else {
                libc::MAP_FAILED
            };
            libc::close(fd);
            if w == libc::MAP_FAILED {
                if x != libc::MAP_FAILED {
                    libc::munmap(x, size);
                }
                return None;
            }
            Some(Chunk {
                base: x.cast(),
                write: w.cast(),
                size,
                used: Cell::new(0),
            })
        }
    }

    /// Copies `bytes` in at the next free aligned address, if they fit.
    fn install(&self, bytes: &[u8]) -> Option<*const u8> {
        let at = self.used.get().next_multiple_of(ALIGN);
        if at + bytes.len() > self.size {
            return None;
        }
        if !self.write.is_null() {
            // SAFETY: at..at+len lies inside the writable view, past every
            // installed function.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.write.add(at), bytes.len());
            }
        } else {
            let page = page_size();
            let from = at / page * page;
            let to = (at + bytes.len()).next_multiple_of(page).min(self.size);
            // SAFETY: [from, to) lies inside this mapping (page-aligned); no
            // code runs from it while it is writable (see the module's
            // comment), and the copy writes only past every installed
            // function.
            unsafe {
                let p = self.base.add(from);
                protect(p, to - from, libc::PROT_READ | libc::PROT_WRITE);
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(at), bytes.len());
                protect(p, to - from, libc::PROT_READ | libc::PROT_EXEC);
            }
        }
        // Instruction fetch does not see data writes on every architecture
        // (aarch64: the data cache is cleaned and the instruction cache
        // invalidated over the range at the addresses code runs from,
        // whichever view wrote it, then the pipeline flushed); a no-op on
        // x86-64.
        // SAFETY: the range was just written and stays mapped, readable.
        let written = unsafe { std::slice::from_raw_parts(self.base.add(at), bytes.len()) };
        dynasmrt::cache_control::synchronize_icache(written);
        dynasmrt::cache_control::prepare_for_execution(written);
        self.used.set(at + bytes.len());
        // SAFETY: `at` is inside the mapping.
        Some(unsafe { self.base.add(at) })
    }
}

/// # Safety
/// `p..p+len` is page-aligned memory of a live mapping of this module.
unsafe fn protect(p: *mut u8, len: usize, prot: libc::c_int) {
    // SAFETY: the caller's promise.
    let r = unsafe { libc::mprotect(p.cast(), len, prot) };
    assert!(
        r == 0,
        "cannot change the protection of native code: {}",
        std::io::Error::last_os_error()
    );
}

impl Drop for Chunk {
    fn drop(&mut self) {
        // SAFETY: the mappings are this chunk's, and no `Code` in it is
        // left (each holds an `Rc` of its chunk).
        unsafe {
            libc::munmap(self.base.cast(), self.size);
            if !self.write.is_null() {
                libc::munmap(self.write.cast(), self.size);
            }
        }
    }
}

thread_local! {
    static REGION: RefCell<Option<Rc<Chunk>>> = const { RefCell::new(None) };
}

/// One function's machine code in the region; the memory stays mapped as
/// long as this lives.
pub struct Code {
    chunk: Rc<Chunk>,
    start: *const u8,
    len: usize,
}

impl Code {
    /// The first byte.
    pub fn as_ptr(&self) -> *const u8 {
        self.start
    }
    /// The byte at `offset` (at most the length).
    pub fn ptr(&self, offset: usize) -> *const u8 {
        assert!(offset <= self.len);
        self.start.wrapping_add(offset)
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The code's bytes.
    pub fn bytes(&self) -> &[u8] {
        let _ = &self.chunk;
        // SAFETY: start..start+len was written by `install` and stays
        // mapped (readable) while `self.chunk` lives.
        unsafe { std::slice::from_raw_parts(self.start, self.len) }
    }
}

/// Maps the thread's region if it has none yet: what a VM that compiles
/// does when it is created (a few system calls, once per thread), so that
/// its first compile does not.
pub fn reserve() {
    REGION.with(|r| {
        let mut r = r.borrow_mut();
        if r.is_none() {
            *r = Some(Rc::new(Chunk::new(CHUNK)));
        }
    })
}

/// Puts position-independent machine code into the region.
pub fn install(bytes: &[u8]) -> Code {
    REGION.with(|r| {
        let mut r = r.borrow_mut();
        if let Some(c) = r.as_ref() {
            if let Some(start) = c.install(bytes) {
                return Code {
                    chunk: c.clone(),
                    start,
                    len: bytes.len(),
                };
            }
        }
        let size = CHUNK.max(bytes.len().next_multiple_of(page_size()));
        let c = Rc::new(Chunk::new(size));
        let start = c.install(bytes).expect("a new mapping has room");
        *r = Some(c.clone());
        Code {
            chunk: c,
            start,
            len: bytes.len(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_share_a_mapping_and_keep_their_bytes() {
        let a = install(&[1, 2, 3]);
        let b = install(&[4; 100]);
        assert!(Rc::ptr_eq(&a.chunk, &b.chunk));
        assert_eq!(a.bytes(), &[1, 2, 3]);
        assert_eq!(b.bytes(), &[4; 100][..]);
        assert_eq!(b.as_ptr() as usize % ALIGN, 0);
        assert!(b.as_ptr() as usize >= a.as_ptr() as usize + 3);
    }

    #[test]
    fn code_runs_from_the_region() {
        // mov eax, 42; ret
        #[cfg(target_arch = "x86_64")]
        {
            let c = install(&[0xb8, 42, 0, 0, 0, 0xc3]);
            // SAFETY: the bytes are a complete function of the C ABI that
            // returns 42, installed executable.
            let f: extern "C" fn() -> u32 = unsafe { std::mem::transmute(c.as_ptr()) };
            assert_eq!(f(), 42);
        }
    }

    #[test]
    fn the_two_views_share_their_pages() {
        #[cfg(target_os = "linux")]
        {
            // The memory file works everywhere; the anonymous pages where
            // the system takes them, and then they are the first choice.
            let anon = Chunk::dual_anon(CHUNK);
            let file = Chunk::dual_file(CHUNK).expect("a memory file mapped twice");
            let first = Chunk::dual(CHUNK).expect("a dual mapping");
            assert!(!first.write.is_null());
            for c in anon.iter().chain([&file, &first]) {
                assert_ne!(c.base, c.write);
                let p = c.install(&[5, 6, 7]).expect("room");
                assert_eq!(p, c.base.cast_const());
                // SAFETY: three bytes were installed at `p`, readable.
                assert_eq!(unsafe { std::slice::from_raw_parts(p, 3) }, &[5, 6, 7]);
            }
        }
    }

    #[test]
    fn the_fallback_mapping_changes_protection_around_the_copy() {
        let c = Chunk::anon(CHUNK);
        let p = c.install(&[9, 8, 7]).expect("room");
        // SAFETY: three bytes were installed at `p`.
        assert_eq!(unsafe { std::slice::from_raw_parts(p, 3) }, &[9, 8, 7]);
    }

    #[test]
    fn a_function_larger_than_a_mapping_gets_its_own() {
        let big = vec![0x90u8; CHUNK + 1];
        let c = install(&big);
        assert_eq!(c.len(), CHUNK + 1);
        assert_eq!(c.bytes()[CHUNK], 0x90);
        let d = install(&[7]);
        assert_eq!(d.bytes(), &[7]);
    }
}
