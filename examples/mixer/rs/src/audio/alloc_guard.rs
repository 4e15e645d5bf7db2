//! The allocation guard: a global allocator that counts, per thread, the
//! allocations and frees made inside [`count`].
//!
//! The render thread runs each callback inside [`count`]; a non-zero count is a
//! broken promise (the callback must never allocate or free). Debug builds fail on
//! it at once, and every build reports the totals in the audio figures. Outside
//! [`count`] the allocator is [`System`] plus one thread-local flag read.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// What happened inside one [`count`]: allocations (reallocations included) and
/// frees on the calling thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocCounts {
    /// Allocations and reallocations.
    pub allocations: u64,
    /// Frees.
    pub frees: u64,
}

thread_local! {
    // Const-initialised and without a destructor, so reading them never allocates
    // and works at any point of a thread's life.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static FREES: Cell<u64> = const { Cell::new(0) };
}

/// Runs `f` and answers with what it returned and how many allocations and frees it
/// made on this thread. Nested calls count towards the outermost one.
pub fn count<R>(f: impl FnOnce() -> R) -> (R, AllocCounts) {
    let outer = GUARDED.with(|g| g.replace(true));
    let before = (ALLOCATIONS.with(Cell::get), FREES.with(Cell::get));
    let result = f();
    let counts = AllocCounts {
        allocations: ALLOCATIONS.with(Cell::get) - before.0,
        frees: FREES.with(Cell::get) - before.1,
    };
    GUARDED.with(|g| g.set(outer));
    (result, counts)
}

/// Adds one to `counter` if this thread is inside [`count`].
fn note(counter: &'static std::thread::LocalKey<Cell<u64>>) {
    // `try_with`: never panic inside the allocator, even while the thread exits.
    if GUARDED.try_with(Cell::get).unwrap_or(false) {
        let _ = counter.try_with(|c| c.set(c.get() + 1));
    }
}

/// [`System`], counting inside [`count`].
struct CountingAlloc;

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds
// the `GlobalAlloc` contract; the extra work only touches const-initialised
// thread-locals, which neither allocate nor unwind.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(&ALLOCATIONS);
        // SAFETY: the caller's duties for `alloc` are passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(&ALLOCATIONS);
        // SAFETY: the caller's duties for `alloc_zeroed` are passed on unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(&FREES);
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(&ALLOCATIONS);
        // SAFETY: `ptr` came from `System` with `layout`; the caller's duties for
        // `realloc` are passed on unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_counts_allocations_and_frees_inside_it_only() {
        let outside = vec![1_u8; 16];
        let (kept, counts) = count(|| {
            drop(outside);
            let mut grown = vec![0_u64; 4];
            grown.extend_from_slice(&[1, 2, 3, 4, 5]);
            grown
        });
        assert_eq!(counts.frees, 1);
        assert!(counts.allocations >= 2, "{counts:?}");
        let (_, nothing) = count(|| kept.iter().sum::<u64>());
        assert_eq!(nothing, AllocCounts::default());
    }
}
