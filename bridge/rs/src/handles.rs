//! Reply handles: the numbers `h2r_call` gives a caller for its call's reply cell,
//! checked on every use.
//!
//! A handle is a key into one process-wide table of reply cells (a
//! [`sharded_slab::Slab`]: lock-free, with a shard per thread, so callers on many
//! threads never contend on one lock), plus one, so that 0 is never a handle. A key
//! carries its slot's generation, which advances when the slot is emptied: a
//! handle released (a second release, a read or park after release) or never
//! issued finds no cell and is refused with `UnknownHandle`, so no caller can reach
//! a cell that is not its own and alive. A stale handle could only match again
//! after its slot was reused 2^29 times (on a 64-bit target).
//!
//! The table holds one `Arc` of each cell from issue to release; the cell's
//! ownership rules are `reply`'s, unchanged.
//!
//! Slots leave the table only through `Slab::remove`, never `Slab::take`: `take`
//! leaves the emptied slot marked present at its next generation, where a guessed
//! handle would make `Slab::get` panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, OnceLock};

use sharded_slab::Slab;

use crate::reply::ReplyCell;
use crate::status::Status;

/// The table's layout: at most 16 pages of slots per thread (32, 64, …: about two
/// million handles outstanding per thread), and 4096 threads holding handles at
/// once. A key is the slot's address (22 bits), the thread's shard (13), and the
/// generation in the rest of the 64 bits (29).
///
/// The thread limit counts the OS threads alive at once that have used a
/// `sharded-slab` table in this process (thread ids are reused when a thread
/// exits): far beyond the threads a GHC program runs foreign calls on (its
/// capabilities' threads, and those inside blocking `safe` calls), but a program
/// of many bound threads can pass it. `sharded-slab` gives a thread an id on its
/// first insert or remove: ids up to twice the limit, of which those past it have no
/// shard, and a panic where it would give one more. Either way the table panics
/// before it changes anything (see [`guarded`]), so an insert or a remove from a
/// thread beyond the limit is refused with `HandleTableFull`, and the other
/// threads' handles work as before. `sharded-slab` hands the ids of exited threads
/// to new ones, ids beyond the limit too, so once the limit has been passed a
/// thread started later may be refused in the same way for its whole life.
///
/// A lookup takes no id, but dropping its guard may: the last guard of a slot
/// removed meanwhile empties it, and takes the dropping thread's id to do so. A
/// thread that cannot get one panics there, after the use the guard served, so
/// every guard is dropped through [`unguard`]: that use stands, and the slot stays
/// refused and is never reused (a leak of one slot, as for a failed remove).
struct HandleConfig;

impl sharded_slab::Config for HandleConfig {
    const MAX_THREADS: usize = 4096;
    const MAX_PAGES: usize = 16;
    const INITIAL_PAGE_SIZE: usize = 32;
}

/// Every reply cell whose handle was issued and not yet released, and the slots
/// reserved for calls being submitted (empty until their cell is issued).
static TABLE: LazyLock<Slab<Slot, HandleConfig>> =
    LazyLock::new(Slab::new_with_config::<HandleConfig>);

/// One handle's slot: its cell once issued, and whether the handle was released.
/// The flag makes release exactly-once (`Slab::remove` may report success to two
/// racing removers) and refuses the handle from the moment of its release until
/// the table empties the slot, once no other use of it is in progress.
#[derive(Default)]
struct Slot {
    cell: OnceLock<Arc<ReplyCell>>,
    released: AtomicBool,
}

/// A slot taken for one call's handle before the call is submitted, so that a
/// submitted call always gets its handle. Dropped unissued, it frees the slot.
///
/// The slot is filled in two steps (an empty cell, then the reply cell) rather than
/// through the table's reservations, whose slots cannot be looked up safely before
/// they are filled: a guessed handle must be refused, never make the table panic.
pub(crate) struct Reservation {
    handle: u64,
    issued: bool,
}

/// Takes a slot for the next handle. `HandleTableFull` if every slot this thread
/// can have is held (handles issued and never released).
pub(crate) fn reserve() -> Result<Reservation, Status> {
    let key = guarded(|| TABLE.insert(Slot::default()))
        .flatten()
        .ok_or(Status::HandleTableFull)?;
    let handle = u64::try_from(key).ok().and_then(|key| key.checked_add(1));
    match handle {
        Some(handle) => Ok(Reservation {
            handle,
            issued: false,
        }),
        None => {
            guarded(|| TABLE.remove(key));
            Err(Status::HandleTableFull)
        }
    }
}

impl Reservation {
    /// Stores the cell in the reserved slot; its handle.
    pub(crate) fn issue(mut self, cell: Arc<ReplyCell>) -> u64 {
        // Only this reservation's drop removes an unissued slot (`release` refuses
        // one), so the slot is there, and empty.
        let slot = TABLE
            .get(key(self.handle).unwrap_or(usize::MAX))
            .expect("a reserved slot stays in the table until it is issued");
        let set = slot.cell.set(cell).is_ok();
        unguard(slot);
        assert!(set, "a reserved slot is issued once");
        self.issued = true;
        self.handle
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.issued {
            if let Ok(key) = key(self.handle) {
                guarded(|| TABLE.remove(key));
            }
        }
    }
}

/// The key of a handle, if it can be one.
fn key(handle: u64) -> Result<usize, Status> {
    handle
        .checked_sub(1)
        .and_then(|key| usize::try_from(key).ok())
        .ok_or(Status::UnknownHandle)
}

/// Runs `f` on the handle's cell, which stays alive while `f` runs.
/// `UnknownHandle` if the handle was never issued or is released.
pub(crate) fn with_cell<R>(handle: u64, f: impl FnOnce(&ReplyCell) -> R) -> Result<R, Status> {
    let slot = TABLE.get(key(handle)?).ok_or(Status::UnknownHandle)?;
    let used = if slot.released.load(Ordering::Acquire) {
        Err(Status::UnknownHandle)
    } else {
        slot.cell
            .get()
            .map(|cell| f(cell))
            .ok_or(Status::UnknownHandle)
    };
    unguard(slot);
    used
}

/// Releases the handle: its cell is given to the caller, and its slot leaves the
/// table once no other use of this handle is in progress (each a few atomic
/// operations). Exactly one release of an issued handle gets the cell; any other,
/// and a release of a slot reserved but not issued yet, gets `UnknownHandle` and
/// removes nothing.
pub(crate) fn release(handle: u64) -> Result<Arc<ReplyCell>, Status> {
    let key = key(handle)?;
    let slot = TABLE.get(key).ok_or(Status::UnknownHandle)?;
    let cell = match slot.cell.get() {
        Some(cell) if !slot.released.swap(true, Ordering::AcqRel) => Some(Arc::clone(cell)),
        _ => None,
    };
    unguard(slot);
    let cell = cell.ok_or(Status::UnknownHandle)?;
    // The slot is marked released, so it is refused whether or not it leaves.
    guarded(|| TABLE.remove(key));
    Ok(cell)
}

/// Drops a table guard, whose drop may take the calling thread's id (see
/// `HandleConfig`). If the thread cannot get one, the table panics before it
/// empties the slot: the slot stays refused and is never reused, and the panic
/// goes no further.
fn unguard(guard: sharded_slab::Entry<'_, Slot, HandleConfig>) {
    guarded(move || drop(guard));
}

/// Runs a table operation that takes the calling thread's id or shard: `None` if
/// the table panicked because the thread is beyond its thread limit (see
/// `HandleConfig`). `sharded-slab` checks the limit before it touches any slot, so
/// the table is as it was. A slot such a thread fails to remove stays marked
/// released (refused, never reused): a leak of one slot, only past the limit.
fn guarded<R>(operation: impl FnOnce() -> R) -> Option<R> {
    // AssertUnwindSafe: the panic leaves the table unchanged (above), and nothing
    // else is borrowed across it.
    catch_unwind(AssertUnwindSafe(operation)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bits of a key that count a slot's reuses, on a 64-bit target: the
    /// highest ones (see `HandleConfig`).
    const GENERATION_BITS: u32 = 29;

    /// The counters the test cells count against (no bridge reads them).
    static STATS: crate::stats::Stats = crate::stats::Stats::new();

    fn cell() -> Arc<ReplyCell> {
        Arc::new(ReplyCell::new(None, &STATS))
    }

    /// A slot emptied and taken again by the same thread (its shard's free list is
    /// last in, first out) gives a key that differs only in the generation, which
    /// starts at bit `64 - GENERATION_BITS`.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_reused_slot_differs_only_in_the_generation() {
        let old = reserve().unwrap().issue(cell());
        release(old).unwrap();
        let new = reserve().unwrap().issue(cell());
        release(new).unwrap();
        let differ = (old - 1) ^ (new - 1);
        assert_eq!(
            differ.trailing_zeros(),
            64 - GENERATION_BITS,
            "{old:#x} {new:#x}"
        );
    }

    #[test]
    fn a_handle_is_never_zero_and_is_refused_after_release() {
        let handle = reserve().unwrap().issue(cell());
        assert_ne!(handle, 0);
        assert_eq!(with_cell(handle, |_| ()), Ok(()));
        assert!(release(handle).is_ok());
        assert_eq!(with_cell(handle, |_| ()), Err(Status::UnknownHandle));
        assert_eq!(release(handle).err(), Some(Status::UnknownHandle));
        assert_eq!(with_cell(0, |_| ()), Err(Status::UnknownHandle));
        assert_eq!(release(0).err(), Some(Status::UnknownHandle));
        assert_eq!(release(u64::MAX).err(), Some(Status::UnknownHandle));
    }

    /// The key a released slot would have at its next generation, before any
    /// reuse: refused, like every key never issued.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn the_next_generation_of_a_released_handle_is_refused() {
        let handle = reserve().unwrap().issue(cell());
        release(handle).unwrap();
        let next = handle + (1 << (64 - GENERATION_BITS));
        assert_eq!(with_cell(next, |_| ()), Err(Status::UnknownHandle));
        assert_eq!(release(next).err(), Some(Status::UnknownHandle));
    }

    #[test]
    fn a_reused_slot_gives_a_new_handle_and_the_old_one_stays_refused() {
        let old = reserve().unwrap().issue(cell());
        release(old).unwrap();
        let new = reserve().unwrap().issue(cell());
        assert_ne!(old, new);
        assert_eq!(release(old).err(), Some(Status::UnknownHandle));
        assert!(release(new).is_ok());
    }

    #[test]
    fn a_slot_reserved_but_not_issued_is_refused_and_an_unused_one_is_freed() {
        let reservation = reserve().unwrap();
        let handle = reservation.handle;
        assert_eq!(with_cell(handle, |_| ()), Err(Status::UnknownHandle));
        assert_eq!(release(handle).err(), Some(Status::UnknownHandle));
        assert_eq!(
            reservation.issue(cell()),
            handle,
            "the refusals removed nothing"
        );
        assert!(release(handle).is_ok());
        let unused = reserve().unwrap().handle;
        assert_eq!(with_cell(unused, |_| ()), Err(Status::UnknownHandle));
        assert_eq!(release(unused).err(), Some(Status::UnknownHandle));
        let next = reserve().unwrap().issue(cell());
        assert_ne!(
            next, unused,
            "the freed slot comes back with a new generation"
        );
        release(next).unwrap();
    }

    /// Held by the tests that run thousands of threads, so that they run one at a
    /// time. Even so each needs a process of its own (`just test-rs` runs them
    /// apart): the ids one test's threads leave free go to the next test's threads,
    /// ids past the limit too.
    static MANY_THREADS: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// Waits at the barrier when dropped, on unwinding too.
    struct Holding(Arc<std::sync::Barrier>);

    impl Drop for Holding {
        fn drop(&mut self) {
            self.0.wait();
        }
    }

    /// More threads alive at once than the table has shards: those beyond the limit
    /// are refused with `HandleTableFull`, and every other one gets a handle that
    /// works. Ignored by default, since valgrind (`just memcheck`) cannot run this
    /// many threads; `just test-rs` runs it.
    #[test]
    #[ignore = "runs thousands of threads: `just test-rs` runs it"]
    fn threads_beyond_the_limit_are_refused_and_the_others_served() {
        let _alone = MANY_THREADS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let beyond = 64;
        let threads = <HandleConfig as sharded_slab::Config>::MAX_THREADS + beyond;
        let barrier = Arc::new(std::sync::Barrier::new(threads));
        let spawned: Vec<_> = (0..threads)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                std::thread::Builder::new()
                    .stack_size(64 * 1024)
                    .spawn(move || {
                        // Every thread holds its id until all have tried, also one
                        // that panics (its join then fails the test).
                        let holding = Holding(barrier);
                        let issued = reserve().map(|reservation| reservation.issue(cell()));
                        drop(holding);
                        issued.and_then(|handle| {
                            assert_eq!(with_cell(handle, |_| ()), Ok(()));
                            release(handle).map(drop)
                        })
                    })
                    .expect("a thread with a small stack starts")
            })
            .collect();
        let results: Vec<_> = spawned
            .into_iter()
            .map(|thread| thread.join().expect("no panic leaves the table"))
            .collect();
        let refused = results
            .iter()
            .filter(|result| **result == Err(Status::HandleTableFull))
            .count();
        let served = results.iter().filter(|result| result.is_ok()).count();
        assert!(refused >= beyond, "{refused} refused");
        assert_eq!(refused + served, threads);
    }

    /// A thread that cannot get a thread id (the ids are exhausted: twice the
    /// limit are alive) reads a handle while its owner releases it, so the reader's
    /// guard is the slot's last: dropping it empties the slot, which takes the
    /// thread's id. The read is answered all the same, and the handle is refused
    /// afterwards. Ignored by default, as the test above.
    #[test]
    #[ignore = "runs thousands of threads: `just test-rs` runs it"]
    fn a_guard_dropped_by_a_thread_without_an_id_leaves_the_use_answered() {
        let _alone = MANY_THREADS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        use std::sync::atomic::AtomicUsize;
        use std::sync::mpsc;
        const WAIT: std::time::Duration = std::time::Duration::from_secs(60);
        let handle = reserve().unwrap().issue(cell());
        // `sharded-slab` gives ids below twice the shard count (those past the
        // limit are refused a shard), so this many threads hold every id.
        let holders = 2 * <HandleConfig as sharded_slab::Config>::MAX_THREADS + 64;
        let barrier = Arc::new(std::sync::Barrier::new(holders + 1));
        let tried = Arc::new(AtomicUsize::new(0));
        let spawned: Vec<_> = (0..holders)
            .map(|_| {
                let (barrier, tried) = (Arc::clone(&barrier), Arc::clone(&tried));
                std::thread::Builder::new()
                    .stack_size(64 * 1024)
                    .spawn(move || {
                        let holding = Holding(barrier);
                        let issued = reserve().map(|reservation| reservation.issue(cell()));
                        tried.fetch_add(1, Ordering::AcqRel);
                        drop(holding);
                        issued.and_then(release).map(drop)
                    })
                    .expect("a thread with a small stack starts")
            })
            .collect();
        let started = std::time::Instant::now();
        while tried.load(Ordering::Acquire) < holders {
            assert!(started.elapsed() < WAIT, "every holder tried");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let (inside, reader_inside) = mpsc::channel();
        let (released, handle_released) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            with_cell(handle, |_| {
                inside.send(()).unwrap();
                handle_released
                    .recv_timeout(WAIT)
                    .expect("released in time");
            })
        });
        reader_inside
            .recv_timeout(WAIT)
            .expect("the reader holds the handle");
        // Marks the slot removed; the reader's guard is left to empty it.
        release(handle).unwrap();
        released.send(()).unwrap();
        let read = reader.join();
        barrier.wait();
        for holder in spawned {
            let _ = holder.join().expect("no panic leaves the table");
        }
        assert_eq!(
            read.expect("no panic leaves the table"),
            Ok(()),
            "the read is answered"
        );
        assert_eq!(with_cell(handle, |_| ()), Err(Status::UnknownHandle));
        assert_eq!(release(handle).err(), Some(Status::UnknownHandle));
    }

    #[test]
    fn concurrent_releases_of_one_handle_release_it_once() {
        for _ in 0..200 {
            let handle = reserve().unwrap().issue(cell());
            let released: usize = std::thread::scope(|scope| {
                let racers: Vec<_> = (0..4)
                    .map(|_| scope.spawn(move || usize::from(release(handle).is_ok())))
                    .collect();
                racers.into_iter().map(|racer| racer.join().unwrap()).sum()
            });
            assert_eq!(released, 1);
        }
    }
}
