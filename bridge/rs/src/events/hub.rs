//! A bridge's event hub: the one subscription slot, its queue and park flag, and
//! the counters.

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicI32, AtomicU64, AtomicUsize, Ordering, fence};
use std::sync::{Mutex, PoisonError, RwLock, TryLockError};

use crossbeam_queue::ArrayQueue;

use super::record::Item;
use super::{EventStats, MAX_EVENT_CAPACITY};
use crate::reply::Notify;
use crate::status::Status;

/// What one `take` produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Taken {
    /// Bytes of records written.
    pub used: usize,
    /// Events missed after the last record (reported only once the queue is empty).
    pub missed_after: u64,
}

/// Why a `take` wrote nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TakeError {
    /// The next event's record needs this many bytes, more than the buffer has; it
    /// stays first in line.
    TooSmall(usize),
    /// No subscription, or it is starting or ending.
    Refused(Status),
}

/// The subscriber is draining (or has not parked yet).
const RUNNING: u64 = 0;
/// A park has claimed the subscription and is storing its token; no other park, and
/// no emitter, touches the state until it moves on.
const PARKING: u64 = 1;
/// The subscriber waits for a wake-up; its token is in `token` and `capability`.
const PARKED: u64 = 2;
/// The bits of `Subscription::state` that hold the flag; the rest count the parks.
const FLAG: u64 = 0b11;
/// One park, in `Subscription::state`'s count.
const ONE_PARK: u64 = FLAG + 1;

/// One subscriber's queue and wake-up state.
struct Subscription {
    queue: ArrayQueue<Item>,
    /// Drops not yet attached to a queued event.
    missed: AtomicU64,
    /// `RUNNING`, `PARKING` or `PARKED` in the low bits (`FLAG`), and above them
    /// the number of parks that claimed the subscription. Every park changes the
    /// count, so a compare-and-swap from a `PARKED` value succeeds only for the park
    /// that stored it: it cannot mistake a later park's state for its own.
    state: AtomicU64,
    /// The parked subscriber's token (the address of a `StablePtr PrimMVar`):
    /// written while the state is `PARKING`, before it becomes `PARKED`; only whoever
    /// moves that `PARKED` state off passes it to `notify`.
    token: AtomicUsize,
    /// The capability to wake it on, with the token.
    capability: AtomicI32,
    /// An event taken from the queue that did not fit the subscriber's buffer; only
    /// `take` and `park`, the subscriber's own calls, touch it.
    stash: Mutex<Option<Item>>,
}

/// A bridge's event hub: the one subscription slot and the counters. Shared by
/// every [`Events`] handle and by the bridge.
pub(crate) struct Hub {
    notify: Notify,
    /// Held by subscribe and unsubscribe, so that the slot is write-locked only to
    /// start or end a subscription, never to refuse a second one (which would
    /// drop, unreported, events of the running one).
    lifecycle: Mutex<()>,
    slot: RwLock<Option<Subscription>>,
    emitted: AtomicU64,
    delivered: AtomicU64,
    dropped: AtomicU64,
    wakeups: AtomicU64,
    tokens_taken: AtomicU64,
    tokens_returned: AtomicU64,
}

impl Hub {
    /// A hub with no subscriber, which wakes subscribers with `notify`.
    pub fn new(notify: Notify) -> Self {
        Hub {
            notify,
            lifecycle: Mutex::new(()),
            slot: RwLock::new(None),
            emitted: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            wakeups: AtomicU64::new(0),
            tokens_taken: AtomicU64::new(0),
            tokens_returned: AtomicU64::new(0),
        }
    }

    fn count(counter: &AtomicU64, by: u64) {
        counter.fetch_add(by, Ordering::Relaxed);
    }

    /// Queues one encoded event (`None`: it did not encode), or drops it.
    pub(super) fn emit(&self, bytes: Option<Vec<u8>>) {
        Self::count(&self.emitted, 1);
        let guard = match self.slot.try_read() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return Self::count(&self.dropped, 1),
        };
        let (Some(subscription), Some(bytes)) = (guard.as_ref(), bytes) else {
            return Self::count(&self.dropped, 1);
        };
        let missed_before = subscription.missed.swap(0, Ordering::AcqRel);
        let item = Item {
            missed_before,
            bytes,
        };
        if subscription.queue.push(item).is_err() {
            subscription
                .missed
                .fetch_add(missed_before + 1, Ordering::AcqRel);
            Self::count(&self.dropped, 1);
        }
        // Pairs with the fence in `park`: either the subscriber sees this event (or
        // this drop) before it parks, or this load sees it parked.
        fence(Ordering::SeqCst);
        let state = subscription.state.load(Ordering::Acquire);
        if state & FLAG != PARKED {
            return;
        }
        // Read before the state moves: once it is `RUNNING` a new park may store
        // its own token. The compare-and-swap below succeeds only if the state is
        // still this park's, so the token read is this park's too.
        let parked = (
            subscription.capability.load(Ordering::Relaxed),
            subscription.token.load(Ordering::Relaxed),
        );
        if subscription
            .state
            .compare_exchange(state, state - PARKED, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            Self::count(&self.wakeups, 1);
            self.hand_back(parked);
        }
    }

    /// Passes a parked `(capability, token)` to `notify`; only the one who moved
    /// its state off `PARKED` calls it.
    fn hand_back(&self, (capability, token): (c_int, usize)) {
        Self::count(&self.tokens_returned, 1);
        (self.notify)(
            capability,
            std::ptr::without_provenance_mut::<c_void>(token),
        );
    }

    /// Starts the one subscription, with room for `capacity` events.
    /// `AlreadySubscribed` if one is running, `InvalidArgument` for a capacity of 0
    /// or above [`MAX_EVENT_CAPACITY`].
    pub fn subscribe(&self, capacity: usize) -> Result<(), Status> {
        if !(1..=MAX_EVENT_CAPACITY).contains(&capacity) {
            return Err(Status::InvalidArgument);
        }
        let _lifecycle = self
            .lifecycle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if self
            .slot
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
        {
            return Err(Status::AlreadySubscribed);
        }
        *self.slot.write().unwrap_or_else(PoisonError::into_inner) = Some(Subscription {
            queue: ArrayQueue::new(capacity),
            missed: AtomicU64::new(0),
            state: AtomicU64::new(RUNNING),
            token: AtomicUsize::new(0),
            capability: AtomicI32::new(0),
            stash: Mutex::new(None),
        });
        Ok(())
    }

    /// Ends the subscription, if there is one: a barrier (see the module docs).
    /// Events still queued are dropped and counted; a parked token is handed back.
    pub fn unsubscribe(&self) {
        let _lifecycle = self
            .lifecycle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(subscription) = self
            .slot
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        else {
            return;
        };
        // No emitter or park can reach it any more (taking the write lock waited for
        // those inside), so a plain load settles the state.
        if subscription.state.load(Ordering::Acquire) & FLAG == PARKED {
            self.hand_back((
                subscription.capability.load(Ordering::Relaxed),
                subscription.token.load(Ordering::Relaxed),
            ));
        }
        let stashed = subscription
            .stash
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some();
        let left = subscription.queue.len() + usize::from(stashed);
        Self::count(&self.dropped, left as u64);
    }

    /// Writes as many queued events as fit into `out`, as records (see
    /// [`RECORD_HEADER_LEN`]), in emission order. Reports the events missed after
    /// the last one only once the queue is empty.
    pub fn take(&self, out: &mut [u8]) -> Result<Taken, TakeError> {
        let guard = match self.slot.try_read() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => {
                return Err(TakeError::Refused(Status::SubscriptionBusy));
            }
        };
        let subscription = guard
            .as_ref()
            .ok_or(TakeError::Refused(Status::NotSubscribed))?;
        let mut stash = subscription
            .stash
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut used = 0;
        let mut delivered = 0;
        let result = loop {
            let Some(item) = stash.take().or_else(|| subscription.queue.pop()) else {
                let missed_after = subscription.missed.swap(0, Ordering::AcqRel);
                break Ok(Taken { used, missed_after });
            };
            let len = item.record_len();
            if len > out.len() - used {
                let needed = (used == 0).then_some(len);
                *stash = Some(item);
                break match needed {
                    Some(needed) => Err(TakeError::TooSmall(needed)),
                    None => Ok(Taken {
                        used,
                        missed_after: 0,
                    }),
                };
            }
            item.write(&mut out[used..]);
            used += len;
            delivered += 1;
        };
        Self::count(&self.delivered, delivered);
        result
    }

    /// Parks the subscriber with its wake-up `token`, unless an event (or a missed
    /// count) is waiting. `Ok(true)`: Rust took the token and passes it to `notify`
    /// exactly once (at the next event, or when the subscription ends).
    /// `Ok(false)`: not parked, take again; the caller keeps the token.
    /// `InvalidArgument` if the subscriber is parked already, or another park is
    /// under way (on another thread); the caller keeps the token.
    ///
    /// A park claims the subscription (`RUNNING` to `PARKING`, counting one more
    /// park), stores the token, then publishes it (`PARKED`), so two parks never
    /// interleave.
    pub fn park(&self, capability: c_int, token: *mut c_void) -> Result<bool, Status> {
        let guard = match self.slot.try_read() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return Err(Status::SubscriptionBusy),
        };
        let subscription = guard.as_ref().ok_or(Status::NotSubscribed)?;
        let running = subscription.state.load(Ordering::Acquire);
        if running & FLAG != RUNNING {
            return Err(Status::InvalidArgument);
        }
        let parking = running.wrapping_add(ONE_PARK) | PARKING;
        // Only a park moves the state off `RUNNING`, so a failure is another park's
        // claim.
        if subscription
            .state
            .compare_exchange(running, parking, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return Err(Status::InvalidArgument);
        }
        let parked = parking - PARKING + PARKED;
        let back = parking - PARKING;
        let stashed = subscription
            .stash
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some();
        if stashed {
            subscription.state.store(back, Ordering::Release);
            return Ok(false);
        }
        subscription.token.store(token.addr(), Ordering::Relaxed);
        subscription.capability.store(capability, Ordering::Relaxed);
        // Nothing else moves a `PARKING` state, so a plain store publishes it.
        subscription.state.store(parked, Ordering::Release);
        // Pairs with the fence in `emit` (see there).
        fence(Ordering::SeqCst);
        let waiting =
            !subscription.queue.is_empty() || subscription.missed.load(Ordering::Relaxed) > 0;
        if waiting
            && subscription
                .state
                .compare_exchange(parked, back, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            return Ok(false);
        }
        // Parked, or an emitter already moved the state and owns the token.
        Self::count(&self.tokens_taken, 1);
        Ok(true)
    }

    /// The counters so far.
    pub fn stats(&self) -> EventStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::SeqCst);
        EventStats {
            emitted: load(&self.emitted),
            delivered: load(&self.delivered),
            dropped: load(&self.dropped),
            wakeups: load(&self.wakeups),
            tokens_taken: load(&self.tokens_taken),
            tokens_returned: load(&self.tokens_returned),
        }
    }
}
