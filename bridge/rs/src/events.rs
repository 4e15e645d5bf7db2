//! Events from the engine to Haskell: [`Events`], the engine's handle, and the hub
//! behind it.
//!
//! The engine emits typed events ([`Events::emit`]); each is encoded (its tag, its
//! position in the protocol's events, then its payload) and pushed onto the
//! subscriber's bounded lock-free queue (`crossbeam_queue::ArrayQueue`). Nothing on
//! the emitting side waits: a full queue, or no subscriber at all, drops the event
//! and counts it. A dropped event that a subscriber would have seen is also counted
//! for that subscriber, and reported to it, in order, as "missed" just before the
//! next event it gets (or after the last, once its queue is empty).
//!
//! Wake-ups are batched. The subscriber drains its queue (`take`, as many events as
//! fit its buffer) until it is empty, and only then parks: it hands over a fresh
//! wake-up token (`park`) and the state moves to parked. An emitter that finds the
//! state parked moves it back with a compare-and-swap; only the winner calls
//! `notify` with the token, once. So a burst of events costs one wake-up, however
//! long it is. Both sides fence between their write and their read (push, then read
//! the state; park, then look at the queue), so an event pushed while the
//! subscriber parks is never left without a wake-up.
//!
//! Unsubscribing is a barrier: it takes the subscription's write lock, which waits
//! for every emitter inside it (they hold the read lock across push and `notify`),
//! so after it returns no emitter touches the subscription or calls `notify` for it
//! again. A token still parked then is handed back through `notify`, so every token
//! is returned exactly once. Emitters never wait for that lock: they `try_read`, and
//! an event emitted while a subscription starts or ends is dropped and counted (the
//! lock is taken for writing only then, so a running subscriber misses nothing
//! unreported).

use std::ffi::{c_int, c_void};
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicI32, AtomicU8, AtomicU64, AtomicUsize, Ordering, fence};
use std::sync::{Arc, Mutex, PoisonError, RwLock, TryLockError};

use crossbeam_queue::ArrayQueue;

use crate::protocol::Protocol;
use crate::reply::Notify;
use crate::status::Status;
use crate::wire::encode;

/// The largest queue a subscriber may ask for, in events.
pub const MAX_EVENT_CAPACITY: usize = 1 << 16;

/// Bytes before each event in a batch that `h2r_events_take` writes: the events
/// missed just before it (`u64`), then its length (`u64`), both in native byte
/// order. The event's bytes follow, padded with zeros to a multiple of 8.
pub const RECORD_HEADER_LEN: usize = 16;

/// Where a record's missed count (`u64`) starts, from the record's start.
pub const RECORD_MISSED_AT: usize = 0;

/// Where a record's event length (`u64`) starts, from the record's start.
pub const RECORD_LEN_AT: usize = 8;

/// What each record's length is a multiple of (its bytes are padded with zeros).
pub const RECORD_ALIGN: usize = 8;

/// The engine's handle for emitting the events of protocol `P`.
///
/// The bridge gives one to the engine's constructor, [`Engine::new`](crate::Engine::new).
/// Clone it freely and send it to other threads; every
/// clone reaches the same subscriber. [`Events::emit`] never blocks and never calls
/// into Haskell while holding anything the engine needs, but it encodes (and so
/// allocates): an audio callback must not call it, and should hand its data to a
/// thread that does.
pub struct Events<P: Protocol> {
    hub: Arc<Hub>,
    protocol: PhantomData<fn() -> P>,
}

impl<P: Protocol> Clone for Events<P> {
    fn clone(&self) -> Self {
        Events {
            hub: Arc::clone(&self.hub),
            protocol: PhantomData,
        }
    }
}

impl<P: Protocol> fmt::Debug for Events<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events")
            .field("protocol", &P::NAME)
            .field("stats", &self.stats())
            .finish()
    }
}

impl<P: Protocol> Events<P> {
    pub(crate) fn new(hub: Arc<Hub>) -> Self {
        Events {
            hub,
            protocol: PhantomData,
        }
    }

    /// A handle that reaches no bridge, for an engine built outside one (its unit
    /// tests): no one can subscribe, so every emit is dropped, and counted in
    /// [`Events::stats`].
    pub fn detached() -> Self {
        extern "C" fn never(_capability: c_int, _token: *mut c_void) {}
        Events::new(Arc::new(Hub::new(never)))
    }

    /// Emits one event to the subscriber, if there is one and its queue has room;
    /// otherwise drops it and counts it ([`EventStats::dropped`]). Never blocks.
    /// The protocol's events trait, implemented for `Events<P>` by
    /// [`protocol!`](crate::protocol!), has one method per event that calls this.
    pub fn emit(&self, event: P::Event) {
        self.hub.emit(encode(&event).ok());
    }

    /// The counters of this bridge's events so far.
    pub fn stats(&self) -> EventStats {
        self.hub.stats()
    }
}

/// Counters of one bridge's events, from its start; `h2r_events_stats` writes them
/// in this order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventStats {
    /// Events the engine emitted.
    pub emitted: u64,
    /// Events handed to a subscriber.
    pub delivered: u64,
    /// Events dropped: no subscriber, a full queue, an encoding failure, emitted
    /// while a subscription started or ended, or still queued when it ended. Once
    /// no subscription is running, `emitted = delivered + dropped`.
    pub dropped: u64,
    /// Wake-ups of a parked subscriber by an emitter (`notify` calls).
    pub wakeups: u64,
    /// Wake-up tokens Rust took from a parking subscriber.
    pub tokens_taken: u64,
    /// Tokens Rust handed back through `notify`: the wake-ups, and a token still
    /// parked when its subscription ended. Equal to `tokens_taken` when no
    /// subscriber is parked.
    pub tokens_returned: u64,
}

/// How many counters `h2r_events_stats` can write.
pub const EVENT_COUNTERS: usize = 6;

impl EventStats {
    /// The counters by name, in the order `h2r_events_stats` writes them: the one
    /// table of their layout, from which [`EventStats::to_array`] and
    /// [`EventStats::NAMES`] come (and `bridge/fixtures/abi.txt`).
    pub const fn named(self) -> [(&'static str, u64); EVENT_COUNTERS] {
        [
            ("emitted", self.emitted),
            ("delivered", self.delivered),
            ("dropped", self.dropped),
            ("wakeups", self.wakeups),
            ("tokens_taken", self.tokens_taken),
            ("tokens_returned", self.tokens_returned),
        ]
    }

    /// The counters' names, in the order `h2r_events_stats` writes them.
    pub const NAMES: [&'static str; EVENT_COUNTERS] = {
        let named = EventStats::ZERO.named();
        let mut names = [""; EVENT_COUNTERS];
        let mut at = 0;
        while at < EVENT_COUNTERS {
            names[at] = named[at].0;
            at += 1;
        }
        names
    };

    /// Every counter zero.
    const ZERO: EventStats = EventStats {
        emitted: 0,
        delivered: 0,
        dropped: 0,
        wakeups: 0,
        tokens_taken: 0,
        tokens_returned: 0,
    };

    /// The values in the order `h2r_events_stats` writes them.
    pub fn to_array(self) -> [u64; EVENT_COUNTERS] {
        self.named().map(|(_, value)| value)
    }
}

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
const RUNNING: u8 = 0;
/// The subscriber waits for a wake-up; its token is in `token` and `capability`.
const PARKED: u8 = 1;

/// One queued event.
struct Item {
    /// Events dropped just before this one.
    missed_before: u64,
    /// Its encoding: tag, then payload.
    bytes: Vec<u8>,
}

impl Item {
    fn record_len(&self) -> usize {
        RECORD_HEADER_LEN + self.bytes.len().next_multiple_of(RECORD_ALIGN)
    }

    /// Writes the record at the start of `out`, which holds at least `record_len`.
    fn write(&self, out: &mut [u8]) {
        let len = self.bytes.len();
        out[RECORD_MISSED_AT..RECORD_MISSED_AT + 8]
            .copy_from_slice(&self.missed_before.to_ne_bytes());
        out[RECORD_LEN_AT..RECORD_LEN_AT + 8].copy_from_slice(&(len as u64).to_ne_bytes());
        out[RECORD_HEADER_LEN..RECORD_HEADER_LEN + len].copy_from_slice(&self.bytes);
        out[RECORD_HEADER_LEN + len..self.record_len()].fill(0);
    }
}

/// One subscriber's queue and wake-up state.
struct Subscription {
    queue: ArrayQueue<Item>,
    /// Drops not yet attached to a queued event.
    missed: AtomicU64,
    /// `RUNNING` or `PARKED`.
    state: AtomicU8,
    /// The parked subscriber's token (the address of a `StablePtr PrimMVar`):
    /// written before the state becomes `PARKED`, read only by whoever moves it off.
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
    fn emit(&self, bytes: Option<Vec<u8>>) {
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
        if subscription.state.load(Ordering::Relaxed) == PARKED
            && subscription
                .state
                .compare_exchange(PARKED, RUNNING, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            Self::count(&self.wakeups, 1);
            self.hand_back(subscription);
        }
    }

    /// Passes the parked token to `notify`; only the one who moved the state off
    /// `PARKED` calls it.
    fn hand_back(&self, subscription: &Subscription) {
        let token = subscription.token.load(Ordering::Relaxed);
        let capability = subscription.capability.load(Ordering::Relaxed);
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
            state: AtomicU8::new(RUNNING),
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
        // No emitter can reach it any more (taking the write lock waited for those
        // inside), so a plain swap settles the state.
        if subscription.state.swap(RUNNING, Ordering::AcqRel) == PARKED {
            self.hand_back(&subscription);
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
    /// `InvalidArgument` if the subscriber is parked already.
    pub fn park(&self, capability: c_int, token: *mut c_void) -> Result<bool, Status> {
        let guard = match self.slot.try_read() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return Err(Status::SubscriptionBusy),
        };
        let subscription = guard.as_ref().ok_or(Status::NotSubscribed)?;
        if subscription.state.load(Ordering::Acquire) == PARKED {
            return Err(Status::InvalidArgument);
        }
        let stashed = subscription
            .stash
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some();
        if stashed {
            return Ok(false);
        }
        subscription.token.store(token.addr(), Ordering::Relaxed);
        subscription.capability.store(capability, Ordering::Relaxed);
        subscription.state.store(PARKED, Ordering::Release);
        // Pairs with the fence in `emit` (see there).
        fence(Ordering::SeqCst);
        let waiting =
            !subscription.queue.is_empty() || subscription.missed.load(Ordering::Relaxed) > 0;
        if waiting
            && subscription
                .state
                .compare_exchange(PARKED, RUNNING, Ordering::AcqRel, Ordering::Relaxed)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Every wait in these tests is bounded by this.
    const WAIT: Duration = Duration::from_secs(10);

    /// The tokens each hub's notify was given, by test: a hub per test, and the
    /// token's value names the test, so tests may run in parallel.
    static WOKEN: Mutex<Vec<usize>> = Mutex::new(Vec::new());

    extern "C" fn record(_capability: c_int, token: *mut c_void) {
        WOKEN
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(token.addr());
    }

    fn woken(token: usize) -> usize {
        WOKEN
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|woken| **woken == token)
            .count()
    }

    fn token(value: usize) -> *mut c_void {
        std::ptr::without_provenance_mut(value)
    }

    /// The events in `out`, as (missed before, bytes).
    fn records(out: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let mut records = Vec::new();
        let mut at = 0;
        while at < out.len() {
            let word = |from: usize| u64::from_ne_bytes(out[from..from + 8].try_into().unwrap());
            let len = usize::try_from(word(at + 8)).unwrap();
            records.push((word(at), out[at + 16..at + 16 + len].to_vec()));
            at += RECORD_HEADER_LEN + len.next_multiple_of(8);
        }
        records
    }

    fn take_all(hub: &Hub) -> (Vec<(u64, Vec<u8>)>, u64) {
        let mut out = vec![0; 1 << 16];
        let taken = hub.take(&mut out).unwrap();
        (records(&out[..taken.used]), taken.missed_after)
    }

    #[test]
    fn events_arrive_in_order_and_drops_are_reported_where_they_happened() {
        let hub = Hub::new(record);
        hub.subscribe(3).unwrap();
        for n in 0..5u8 {
            hub.emit(Some(vec![n]));
        }
        // 0, 1, 2 fit; 3 and 4 are dropped and reported after 2.
        assert_eq!(
            take_all(&hub),
            (vec![(0, vec![0]), (0, vec![1]), (0, vec![2])], 2)
        );
        for n in 5..10u8 {
            hub.emit(Some(vec![n]));
        }
        // 5, 6, 7 fit; 8, 9 dropped; then 10 comes after the gap.
        assert_eq!(
            take_all(&hub),
            (vec![(0, vec![5]), (0, vec![6]), (0, vec![7])], 2)
        );
        // A gap followed by an event: the count comes with the event.
        for n in 20..24u8 {
            hub.emit(Some(vec![n]));
        }
        let mut one = [0; RECORD_HEADER_LEN + 8];
        let taken = hub.take(&mut one).unwrap();
        assert_eq!(records(&one[..taken.used]), vec![(0, vec![20])]);
        hub.emit(Some(vec![24]));
        let (records, missed) = take_all(&hub);
        assert_eq!(records, vec![(0, vec![21]), (0, vec![22]), (1, vec![24])]);
        assert_eq!(missed, 0);
        let stats = hub.stats();
        assert_eq!(stats.emitted, stats.delivered + stats.dropped);
        assert_eq!(stats.emitted, 15);
    }

    #[test]
    fn a_record_that_does_not_fit_waits_for_a_bigger_buffer() {
        let hub = Hub::new(record);
        hub.subscribe(4).unwrap();
        hub.emit(Some(vec![7; 20]));
        hub.emit(Some(vec![8]));
        let mut small = [0; 16];
        assert_eq!(hub.take(&mut small), Err(TakeError::TooSmall(40)));
        // Not parked while it waits, and it is the first in line.
        assert_eq!(hub.park(0, token(1)), Ok(false));
        let (records, _) = take_all(&hub);
        assert_eq!(records, vec![(0, vec![7; 20]), (0, vec![8])]);
        assert_eq!(hub.stats().delivered, 2);
    }

    #[test]
    fn one_wake_up_per_park_however_many_events() {
        const TOKEN: usize = 0x1000;
        let hub = Hub::new(record);
        hub.subscribe(1024).unwrap();
        assert_eq!(hub.park(3, token(TOKEN)), Ok(true));
        assert_eq!(hub.park(3, token(TOKEN)), Err(Status::InvalidArgument));
        for n in 0..1000u16 {
            hub.emit(Some(n.to_le_bytes().to_vec()));
        }
        assert_eq!(woken(TOKEN), 1);
        let (records, _) = take_all(&hub);
        assert_eq!(records.len(), 1000);
        let stats = hub.stats();
        assert_eq!(
            (stats.wakeups, stats.tokens_taken, stats.tokens_returned),
            (1, 1, 1)
        );
    }

    #[test]
    fn a_subscriber_with_work_waiting_is_not_parked() {
        let hub = Hub::new(record);
        hub.subscribe(2).unwrap();
        hub.emit(Some(vec![1]));
        assert_eq!(hub.park(0, token(2)), Ok(false));
        assert_eq!(hub.stats().tokens_taken, 0);
    }

    #[test]
    fn no_notify_after_unsubscribe_and_a_parked_token_comes_back_once() {
        const TOKEN: usize = 0x2000;
        let hub = Hub::new(record);
        hub.subscribe(8).unwrap();
        assert_eq!(hub.park(0, token(TOKEN)), Ok(true));
        hub.unsubscribe();
        assert_eq!(woken(TOKEN), 1, "the parked token is handed back");
        for _ in 0..100 {
            hub.emit(Some(vec![1]));
        }
        assert_eq!(woken(TOKEN), 1);
        assert_eq!(
            hub.take(&mut [0; 64]),
            Err(TakeError::Refused(Status::NotSubscribed))
        );
        let stats = hub.stats();
        assert_eq!(stats.tokens_taken, stats.tokens_returned);
        assert_eq!((stats.emitted, stats.dropped, stats.wakeups), (100, 100, 0));
        // A second unsubscribe is harmless; a new subscription starts afresh.
        hub.unsubscribe();
        hub.subscribe(8).unwrap();
        assert_eq!(hub.subscribe(8), Err(Status::AlreadySubscribed));
    }

    #[test]
    fn queued_events_are_counted_as_dropped_when_the_subscription_ends() {
        let hub = Hub::new(record);
        hub.subscribe(8).unwrap();
        for _ in 0..5 {
            hub.emit(Some(vec![0]));
        }
        hub.unsubscribe();
        let stats = hub.stats();
        assert_eq!((stats.emitted, stats.delivered, stats.dropped), (5, 0, 5));
    }

    /// A protocol with one event and nothing else; only its events are used.
    mod lone {
        #![allow(dead_code)]

        /// A tick.
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct Tick(pub u8);

        crate::protocol! {
            /// One event.
            pub struct Lone;
            /// No calls.
            pub trait LoneCalls {}
            /// No casts.
            pub trait LoneCasts {}
            /// Its event.
            pub trait LoneEvents {
                /// A tick.
                fn ticked(Tick);
            }
        }
    }

    #[test]
    fn a_detached_handle_counts_what_it_drops() {
        use lone::{Event, Lone, LoneEvents, Tick};
        let events = Events::<Lone>::detached();
        events.ticked(Tick(1));
        events.clone().emit(Event::Tick(Tick(2)));
        let stats = events.stats();
        assert_eq!((stats.emitted, stats.dropped, stats.wakeups), (2, 2, 0));
    }

    #[test]
    fn bad_capacities_and_undecodable_events_are_refused() {
        let hub = Hub::new(record);
        assert_eq!(hub.subscribe(0), Err(Status::InvalidArgument));
        assert_eq!(
            hub.subscribe(MAX_EVENT_CAPACITY + 1),
            Err(Status::InvalidArgument)
        );
        hub.subscribe(MAX_EVENT_CAPACITY).unwrap();
        hub.emit(None);
        assert_eq!(hub.stats().dropped, 1);
    }

    /// Emitters on several threads against a subscriber that never takes: every
    /// emit returns, and every event is either queued or counted as dropped.
    #[test]
    fn emit_never_blocks_on_a_stalled_subscriber() {
        let hub = Arc::new(Hub::new(record));
        hub.subscribe(16).unwrap();
        let (done, finished) = mpsc::channel();
        for _ in 0..4 {
            let hub = Arc::clone(&hub);
            let done = done.clone();
            std::thread::spawn(move || {
                for _ in 0..10_000 {
                    hub.emit(Some(vec![0; 8]));
                }
                done.send(()).unwrap();
            });
        }
        for _ in 0..4 {
            finished.recv_timeout(WAIT).expect("emit returned");
        }
        let stats = hub.stats();
        assert_eq!(stats.emitted, 40_000);
        assert_eq!(stats.dropped, 40_000 - 16);
        let (records, missed) = take_all(&hub);
        assert_eq!(records.len(), 16);
        let reported: u64 = records.iter().map(|(missed, _)| missed).sum::<u64>() + missed;
        assert_eq!(reported, 40_000 - 16);
    }

    /// A subscriber that parks whenever its queue is empty, against an emitter
    /// thread: no event is lost, none arrives twice or out of order, and there are
    /// never more wake-ups than parks.
    #[test]
    fn a_parking_subscriber_gets_every_event_in_order() {
        const EVENTS: u32 = 20_000;
        static WAKE: (Mutex<u64>, std::sync::Condvar) = (Mutex::new(0), std::sync::Condvar::new());
        extern "C" fn wake(_capability: c_int, _token: *mut c_void) {
            *WAKE.0.lock().unwrap_or_else(PoisonError::into_inner) += 1;
            WAKE.1.notify_all();
        }
        let hub = Arc::new(Hub::new(wake));
        hub.subscribe(EVENTS as usize).unwrap();
        let emitter = {
            let hub = Arc::clone(&hub);
            std::thread::spawn(move || {
                for n in 0..EVENTS {
                    hub.emit(Some(n.to_le_bytes().to_vec()));
                }
            })
        };
        let mut next = 0u32;
        let mut out = vec![0; 4096];
        let mut parks = 0u64;
        while next < EVENTS {
            let taken = hub.take(&mut out).unwrap();
            assert_eq!(taken.missed_after, 0);
            let batch = records(&out[..taken.used]);
            for (missed, bytes) in &batch {
                assert_eq!(*missed, 0);
                assert_eq!(u32::from_le_bytes(bytes[..].try_into().unwrap()), next);
                next += 1;
            }
            if batch.is_empty() && hub.park(0, token(1)).unwrap() {
                parks += 1;
                let woken = WAKE.0.lock().unwrap_or_else(PoisonError::into_inner);
                let (woken, timeout) = WAKE
                    .1
                    .wait_timeout_while(woken, WAIT, |woken| *woken < parks)
                    .unwrap_or_else(PoisonError::into_inner);
                assert!(
                    !timeout.timed_out(),
                    "a parked subscriber was woken ({woken})"
                );
            }
        }
        emitter.join().unwrap();
        let stats = hub.stats();
        assert_eq!((stats.delivered, stats.dropped), (u64::from(EVENTS), 0));
        assert_eq!(stats.tokens_taken, parks);
        assert!(stats.wakeups <= parks, "{stats:?}");
        hub.unsubscribe();
        assert_eq!(hub.stats().tokens_returned, hub.stats().tokens_taken);
    }
}
