//! Reference-counted memory blocks (`MemInfo`) and the allocators behind
//! them, laid out as Numba's NRT lays them out so that an external
//! allocator written for Numba (`ExternalMemAllocator`) works unchanged.
//!
//! One allocation holds the header and the data:
//!
//! ```text
//! base ─► MemInfo (48 bytes) │ padding │ data (aligned to `align`) │ slack
//! ```
//!
//! The allocator is asked for `size_of::<MemInfo>() + size + 2 * align`
//! bytes (Numba's formula: 48 + 32 + 64 = 144 for four int64 at align 32),
//! and the matching `free` gets `base` back, with the same `opaque_data`,
//! exactly once, when the last reference goes.
//!
//! Numba's header has no room for the block's size, and the alignment a
//! block was made with varies (a host's `_allocate` picks it), so the size
//! cannot be recomputed when the block is freed. It is kept in the slack
//! instead: one unaligned word right after the data, which the formula
//! always leaves room for (the data starts less than `align` bytes after
//! the header, and `align >= 8`).

use std::cell::Cell;
use std::ffi::c_void;
use std::rc::Rc;

pub type MallocFn = unsafe extern "C" fn(size: usize, opaque: *mut c_void) -> *mut c_void;
pub type ReallocFn =
    unsafe extern "C" fn(ptr: *mut c_void, new_size: usize, opaque: *mut c_void) -> *mut c_void;
pub type FreeFn = unsafe extern "C" fn(ptr: *mut c_void, opaque: *mut c_void);

/// Byte for byte Numba's `nrt_external.h` allocator table.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ExternalMemAllocator {
    /// Allocates `size` bytes (null: out of memory, a `MemoryError`).
    pub malloc: MallocFn,
    /// Unused by Kiln; kept for the table's layout.
    pub realloc: Option<ReallocFn>,
    /// Frees a block from `malloc`, once.
    pub free: FreeFn,
    /// Passed to every call, for the host's state.
    pub opaque_data: *mut c_void,
}

/// Allocation statistics of one allocator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocStats {
    /// Blocks allocated.
    pub allocs: u64,
    /// Blocks freed.
    pub frees: u64,
    /// Bytes requested from the allocator (headers and padding included).
    pub bytes_allocated: u64,
    /// Bytes of the blocks freed, counted as when allocated.
    pub bytes_freed: u64,
}

impl AllocStats {
    /// Blocks allocated and not yet freed.
    pub fn live(&self) -> u64 {
        self.allocs - self.frees
    }
}

/// An allocator as the VM holds it: where blocks come from plus its
/// statistics. Every block keeps its allocator alive (a strong count), so a
/// block freed after the VM is gone still reaches the right `free`.
///
/// The state behind an allocator (the system allocator's block cache, or an
/// external table) is owned by the `Allocator` and reachable only through an
/// `Rc` of it: no copy of it can outlive the allocator.
///
/// ```compile_fail,E0609
/// // The table is not a public, copyable handle to the allocator's state.
/// let t = kiln_vm::meminfo::Allocator::system().table;
/// ```
///
/// ```compile_fail,E0133
/// // A host's table is trusted only under `unsafe`.
/// # fn f(t: kiln_vm::meminfo::ExternalMemAllocator) {
/// let a = kiln_vm::meminfo::Allocator::new("host", t);
/// # }
/// ```
pub struct Allocator {
    pub name: String,
    backend: Backend,
    stats: Cell<AllocStats>,
}

enum Backend {
    /// The C library's malloc and free behind a cache this allocator owns.
    System(BlockCache),
    /// A host's table, trusted by the `unsafe` constructor.
    External(ExternalMemAllocator),
}

impl Allocator {
    /// An allocator over an external table.
    ///
    /// # Safety
    /// `table.malloc` returns null or a block of at least the requested size,
    /// aligned for any C type, not otherwise in use; `table.free` accepts
    /// every block `malloc` returned exactly once; both may be called with
    /// `table.opaque_data` for as long as the returned allocator (or any
    /// block from it) lives, from the thread that created it, and neither
    /// calls back into the VM.
    pub unsafe fn new(name: impl Into<String>, table: ExternalMemAllocator) -> Rc<Allocator> {
        Rc::new(Allocator {
            name: name.into(),
            backend: Backend::External(table),
            stats: Cell::new(AllocStats::default()),
        })
    }

    /// The C library's malloc and free, with a small cache of large freed
    /// blocks: array temporaries of the same size (`a * 2 + a` in a loop)
    /// reuse memory that is already mapped instead of faulting in fresh pages.
    pub fn system() -> Rc<Allocator> {
        Rc::new(Allocator {
            name: "system".into(),
            backend: Backend::System(BlockCache::default()),
            stats: Cell::new(AllocStats::default()),
        })
    }

    pub fn stats(&self) -> AllocStats {
        self.stats.get()
    }

    /// The external table this allocator calls, or `None` for the system
    /// allocator (whose state is private to it).
    pub fn external_table(&self) -> Option<&ExternalMemAllocator> {
        match &self.backend {
            Backend::System(_) => None,
            Backend::External(t) => Some(t),
        }
    }

    fn malloc(&self, size: usize) -> *mut c_void {
        match &self.backend {
            Backend::System(cache) => sys_malloc(size, cache),
            // SAFETY: calling the table as its C contract says, which the
            // unsafe constructor's caller vouched for.
            Backend::External(t) => unsafe { (t.malloc)(size, t.opaque_data) },
        }
    }

    /// # Safety
    /// `ptr` came from this allocator's `malloc` and is freed once.
    unsafe fn free(&self, ptr: *mut c_void) {
        match &self.backend {
            // SAFETY: forwarded from the caller.
            Backend::System(cache) => unsafe { sys_free(ptr, cache) },
            // SAFETY: as in `malloc`, and `ptr` came from this table.
            Backend::External(t) => unsafe { (t.free)(ptr, t.opaque_data) },
        }
    }
}

impl Drop for BlockCache {
    fn drop(&mut self) {
        for (_, p) in self.blocks.take() {
            // SAFETY: cached blocks came from C malloc and are owned by the
            // cache alone (no array uses them).
            unsafe { free(p) };
        }
    }
}

/// Freed blocks kept for reuse, by exact size.
#[derive(Default)]
struct BlockCache {
    blocks: std::cell::RefCell<Vec<(usize, *mut c_void)>>,
    bytes: Cell<usize>,
}

/// Blocks at least this large are cached (glibc maps them fresh otherwise).
const CACHE_MIN: usize = 128 << 10;
const CACHE_MAX_BLOCKS: usize = 8;
const CACHE_MAX_BYTES: usize = 256 << 20;

extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    fn free(ptr: *mut c_void);
}

fn sys_malloc(size: usize, cache: &BlockCache) -> *mut c_void {
    if size >= CACHE_MIN {
        let mut blocks = cache.blocks.borrow_mut();
        if let Some(i) = blocks.iter().position(|&(s, _)| s == size) {
            let (_, p) = blocks.swap_remove(i);
            cache.bytes.set(cache.bytes.get() - size);
            return p;
        }
    }
    // SAFETY: plain C malloc; any size is valid to ask for.
    let p = unsafe { malloc(size) };
    if !p.is_null() && size >= HUGE_BLOCK {
        advise_huge(p, size);
    }
    p
}

/// Blocks this large ask the kernel for huge pages, as NumPy does: a fresh
/// multi-megabyte array otherwise costs a page fault per 4 KiB on first touch.
const HUGE_BLOCK: usize = 4 << 20;

#[cfg(target_os = "linux")]
fn advise_huge(p: *mut c_void, size: usize) {
    extern "C" {
        fn madvise(addr: *mut c_void, len: usize, advice: i32) -> i32;
    }
    const MADV_HUGEPAGE: i32 = 14;
    let page = 4096usize;
    let start = (p as usize).div_ceil(page) * page;
    let end = (p as usize + size) / page * page;
    if end > start {
        // SAFETY: the range lies inside the block just allocated; the advice
        // is only a hint and its failure is harmless.
        unsafe { madvise(start as *mut c_void, end - start, MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge(_p: *mut c_void, _size: usize) {}

/// # Safety
/// `ptr` is a block `alloc` made through `sys_malloc` with the same cache
/// (the system allocator frees nothing else), with its header and size word
/// intact, freed once.
unsafe fn sys_free(ptr: *mut c_void, cache: &BlockCache) {
    // SAFETY: per the contract, `ptr` is a live block from `alloc`.
    let size = unsafe { total_size(ptr as *const MemInfo) };
    if size >= CACHE_MIN {
        let mut blocks = cache.blocks.borrow_mut();
        if blocks.len() < CACHE_MAX_BLOCKS && cache.bytes.get() + size <= CACHE_MAX_BYTES {
            blocks.push((size, ptr));
            cache.bytes.set(cache.bytes.get() + size);
            return;
        }
    }
    // SAFETY: `ptr` came from `sys_malloc` (the only allocator that frees
    // through this function) and is freed once.
    unsafe { free(ptr) }
}

/// Numba's MemInfo, field for field.
#[repr(C)]
pub struct MemInfo {
    pub refct: usize,
    pub dtor: Option<unsafe extern "C" fn(*mut c_void, usize, *mut c_void)>,
    /// The owning `Allocator` (an `Rc` turned into a raw pointer).
    pub dtor_info: *mut c_void,
    pub data: *mut u8,
    pub size: usize,
    pub external_allocator: *const ExternalMemAllocator,
}

/// A MemInfo over memory the host owns (passed in without copying): the
/// header is a Rust allocation and `keep` is dropped with it, when the last
/// reference goes.
pub fn host_block(data: *mut u8, size: usize, keep: Box<dyn std::any::Any>) -> *mut MemInfo {
    #[repr(C)]
    struct HostBlock {
        mi: MemInfo,
        keep: Box<dyn std::any::Any>,
    }
    unsafe extern "C" fn drop_host(mi: *mut c_void, _size: usize, _info: *mut c_void) {
        // SAFETY: `mi` is the first field of a boxed HostBlock made below.
        drop(unsafe { Box::from_raw(mi as *mut HostBlock) });
    }
    let b = Box::new(HostBlock {
        mi: MemInfo {
            refct: 1,
            dtor: Some(drop_host),
            dtor_info: std::ptr::null_mut(),
            data,
            size,
            external_allocator: std::ptr::null(),
        },
        keep,
    });
    Box::into_raw(b) as *mut MemInfo
}

/// The alignment `alloc` really uses when asked for `align`: a power of
/// two, at least 8 (room for the size word in the slack).
fn real_align(align: usize) -> Option<usize> {
    align.max(8).checked_next_power_of_two()
}

/// Bytes asked of the allocator for `size` data bytes at `align`.
pub fn block_size(size: usize, align: usize) -> Option<usize> {
    size.checked_add(std::mem::size_of::<MemInfo>())?
        .checked_add(real_align(align)?.checked_mul(2)?)
}

/// The number of bytes the allocator gave a block made by [`alloc`].
///
/// # Safety
/// `mi` is a live block from [`alloc`] whose header and size word (right
/// after the data) are intact.
unsafe fn total_size(mi: *const MemInfo) -> usize {
    // SAFETY: `alloc` wrote the word at `data + size`, inside the block.
    unsafe {
        let m = &*mi;
        (m.data.add(m.size) as *const usize).read_unaligned()
    }
}

/// Allocates a block of `size` data bytes aligned to `align` (rounded up to
/// a power of two, at least 8) through `alloc`. `Err` carries the byte
/// count that failed.
pub fn alloc(alloc: &Rc<Allocator>, size: usize, align: usize) -> Result<*mut MemInfo, usize> {
    let total = block_size(size, align).ok_or(usize::MAX)?;
    let align = real_align(align).ok_or(usize::MAX)?;
    let base = alloc.malloc(total) as *mut u8;
    if base.is_null() {
        return Err(total);
    }
    let header = std::mem::size_of::<MemInfo>();
    let addr = base as usize + header;
    let data_off = addr.next_multiple_of(align) - base as usize;
    let mi = base as *mut MemInfo;
    // SAFETY: the block has `total` bytes: the header fits at its start
    // (malloc returns memory aligned for any C type), and data_off <=
    // header + align - 1, so the data and the size word after it end by
    // header + align + 7 + size <= header + 2 * align + size = total.
    unsafe {
        let data = base.add(data_off);
        mi.write(MemInfo {
            refct: 1,
            dtor: None,
            dtor_info: Rc::into_raw(alloc.clone()) as *mut c_void,
            data,
            size,
            external_allocator: alloc
                .external_table()
                .map_or(std::ptr::null(), |t| t as *const _),
        });
        (data.add(size) as *mut usize).write_unaligned(total);
    }
    let mut s = alloc.stats.get();
    s.allocs += 1;
    s.bytes_allocated += total as u64;
    alloc.stats.set(s);
    Ok(mi)
}

/// Adds a reference.
///
/// # Safety
/// `mi` is a live MemInfo from [`alloc`].
pub unsafe fn incref(mi: *mut MemInfo) {
    // SAFETY: `mi` is live by the contract.
    unsafe { (*mi).refct += 1 };
}

/// Drops a reference, freeing the block through its allocator at zero.
///
/// # Safety
/// `mi` is a live MemInfo from [`alloc`] and the caller owns one reference.
pub unsafe fn decref(mi: *mut MemInfo) {
    // SAFETY: `mi` is live and the caller's reference is the one dropped;
    // at zero no one else holds it. A block without a destructor came from
    // `alloc`, so `dtor_info` is the strong count `alloc` leaked into it,
    // taken back here exactly once, and the block is its allocator's to free.
    unsafe {
        (*mi).refct -= 1;
        if (*mi).refct != 0 {
            return;
        }
        if let Some(dtor) = (*mi).dtor {
            // Host memory: its owner's destructor frees everything.
            dtor(mi as *mut c_void, (*mi).size, (*mi).dtor_info);
            return;
        }
        let alloc = Rc::from_raw((*mi).dtor_info as *const Allocator);
        // Read before `free`, which may reuse the block.
        let total = total_size(mi);
        alloc.free(mi as *mut c_void);
        let mut s = alloc.stats.get();
        s.frees += 1;
        s.bytes_freed += total as u64;
        alloc.stats.set(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_numbas_layout() {
        assert_eq!(std::mem::size_of::<MemInfo>(), 48);
        assert_eq!(std::mem::size_of::<ExternalMemAllocator>(), 32);
        assert_eq!(block_size(32, 32), Some(144));
    }

    #[test]
    fn alloc_free_counts_and_alignment() {
        let a = Allocator::system();
        let mi = alloc(&a, 100, 32).unwrap();
        // SAFETY: the block is live with 100 data bytes; we hold its one
        // reference and drop it last.
        unsafe {
            assert_eq!((*mi).data as usize % 32, 0);
            (*mi).data.write_bytes(7, 100);
            incref(mi);
            decref(mi);
            assert_eq!(a.stats().frees, 0);
            decref(mi);
        }
        let s = a.stats();
        assert_eq!((s.allocs, s.frees), (1, 1));
        assert_eq!(s.bytes_allocated, s.bytes_freed);
    }

    /// A block asked for at a small alignment is cached under the size it
    /// really has, so the cache never hands out a block shorter than its key.
    #[test]
    fn small_alignment_blocks_are_cached_at_their_true_size() {
        let a = Allocator::system();
        let n = CACHE_MIN;
        let small = alloc(&a, n, 8).unwrap();
        // SAFETY: `small` is live and owned here; freed once.
        unsafe { decref(small) };
        let s = a.stats();
        assert_eq!(s.bytes_allocated, s.bytes_freed);
        // The cached block comes back for the same request; all of it is
        // writable.
        let again = alloc(&a, n, 32).unwrap();
        // SAFETY: the block has `n` data bytes; `again` is owned here.
        unsafe {
            (*again).data.write_bytes(1, n);
            decref(again);
        }
    }

    /// The system allocator's cache lives as long as the last block of it,
    /// even when every other handle to the allocator is gone.
    #[test]
    fn system_cache_outlives_the_last_handle() {
        let a = Allocator::system();
        let big = alloc(&a, CACHE_MIN * 2, 32).unwrap();
        assert!(a.external_table().is_none());
        drop(a);
        // SAFETY: the block keeps its allocator alive; freed once.
        unsafe { decref(big) };
    }

    /// What a recording allocator saw: (base, bytes) per malloc, and the
    /// bases freed.
    #[derive(Default)]
    struct Record {
        mallocs: Vec<(usize, usize)>,
        frees: Vec<usize>,
    }

    unsafe extern "C" fn rec_malloc(size: usize, opaque: *mut c_void) -> *mut c_void {
        // SAFETY: plain C malloc; `opaque` is the test's live Record.
        unsafe {
            let p = malloc(size);
            (*(opaque as *mut Record)).mallocs.push((p as usize, size));
            p
        }
    }

    unsafe extern "C" fn rec_free(ptr: *mut c_void, opaque: *mut c_void) {
        // SAFETY: `ptr` came from `rec_malloc`, freed once; `opaque` is the
        // test's live Record.
        unsafe {
            (*(opaque as *mut Record)).frees.push(ptr as usize);
            free(ptr);
        }
    }

    /// Blocks made at alignments other than Numba's 32 (a host's
    /// `_allocate` chooses its own): freeing one gives the allocator and the
    /// statistics the size malloc was asked for, and the system allocator
    /// caches it under that size, so a later block of that size fits.
    #[test]
    fn blocks_of_any_alignment_free_what_they_allocated() {
        let mut rec = Record::default();
        // SAFETY: the recording table mallocs and frees through C and
        // `rec` outlives the allocator's last block (all freed below).
        let ext = unsafe {
            Allocator::new(
                "recording",
                ExternalMemAllocator {
                    malloc: rec_malloc,
                    realloc: None,
                    free: rec_free,
                    opaque_data: &mut rec as *mut Record as *mut c_void,
                },
            )
        };
        let sys = Allocator::system();
        for align in [1, 8, 16, 32, 64, 128, 4096] {
            for size in [0, 1, 24, 1000, CACHE_MIN + 8] {
                for a in [&ext, &sys] {
                    let mi = alloc(a, size, align).unwrap();
                    // SAFETY: a fresh block with `size` data bytes, whose
                    // only reference is dropped.
                    unsafe {
                        assert_eq!((*mi).data as usize % align.max(8), 0);
                        (*mi).data.write_bytes(0xAB, size);
                        decref(mi);
                    }
                    let s = a.stats();
                    assert_eq!(
                        s.bytes_allocated, s.bytes_freed,
                        "align {align}, size {size}"
                    );
                }
                let &(base, bytes) = rec.mallocs.last().unwrap();
                assert_eq!(rec.frees.last(), Some(&base));
                assert_eq!(Some(bytes), block_size(size, align));
            }
        }
        assert_eq!(ext.stats().allocs, ext.stats().frees);
        // The system allocator's cache holds blocks by their real size.
        let Backend::System(cache) = &sys.backend else {
            unreachable!("the system allocator has a cache")
        };
        let cached: Vec<usize> = cache.blocks.borrow().iter().map(|b| b.0).collect();
        assert!(!cached.is_empty());
        for want in [8, 16, 32, 64, 128, 4096].map(|a| block_size(CACHE_MIN + 8, a).unwrap()) {
            assert!(cached.contains(&want), "{cached:?} lacks {want}");
        }
        // A block of a cached size comes from the cache and holds all of it.
        let cached_at: Vec<usize> = cache.blocks.borrow().iter().map(|b| b.1 as usize).collect();
        let mi = alloc(&sys, CACHE_MIN + 8, 64).unwrap();
        assert!(cached_at.contains(&(mi as usize)));
        assert_eq!(cache.blocks.borrow().len(), cached.len() - 1);
        // SAFETY: a block with CACHE_MIN + 8 data bytes, dropped once.
        unsafe {
            (*mi).data.write_bytes(1, CACHE_MIN + 8);
            decref(mi);
        }
    }
}
