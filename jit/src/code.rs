//! The executable code region every function's machine code goes to: one
//! mapping per thread, filled function after function (a new one only when
//! it is full), instead of a mapping per function, whose system calls cost
//! more than compiling a small function.
//!
//! Pages stay readable and executable; installing a function makes the
//! pages it lands on writable for the copy and executable again (W^X).
//! The region is the thread's own (native code holds `Rc`s, so it never
//! runs on another thread) and nothing runs native code while it compiles
//! on the same thread, so no code runs from a page while it is writable.
//! A mapping is unmapped once the region has moved on to another and the
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
    base: *mut u8,
    size: usize,
    used: Cell<usize>,
}

impl Chunk {
    fn new(size: usize) -> Chunk {
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
            size,
            used: Cell::new(0),
        }
    }

    /// Copies `bytes` in at the next free aligned address, if they fit.
    fn install(&self, bytes: &[u8]) -> Option<*const u8> {
        let at = self.used.get().next_multiple_of(ALIGN);
        if at + bytes.len() > self.size {
            return None;
        }
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
        // Instruction fetch does not see data writes on every architecture
        // (aarch64: the data cache is cleaned and the instruction cache
        // invalidated over the range, then the pipeline flushed); a no-op
        // on x86-64.
        // SAFETY: the range was just written and stays mapped.
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
        // SAFETY: the mapping is this chunk's, and no `Code` in it is left
        // (each holds an `Rc` of its chunk).
        unsafe {
            libc::munmap(self.base.cast(), self.size);
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
    fn a_function_larger_than_a_mapping_gets_its_own() {
        let big = vec![0x90u8; CHUNK + 1];
        let c = install(&big);
        assert_eq!(c.len(), CHUNK + 1);
        assert_eq!(c.bytes()[CHUNK], 0x90);
        let d = install(&[7]);
        assert_eq!(d.bytes(), &[7]);
    }
}
