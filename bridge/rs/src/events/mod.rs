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
//! subscriber parks is never left without a wake-up. A park is one step to the
//! others: it claims the subscription before it stores its token, so a second park
//! on another thread, while one is parked or under way, is refused and keeps its
//! token, and an emitter hands back only the token of the park it saw.
//!
//! Unsubscribing is a barrier: it takes the subscription's write lock, which waits
//! for every emitter inside it (they hold the read lock across push and `notify`),
//! so after it returns no emitter touches the subscription or calls `notify` for it
//! again. A token still parked then is handed back through `notify`, so every token
//! is returned exactly once. Emitters never wait for that lock: they `try_read`, and
//! an event emitted while a subscription starts or ends is dropped and counted (the
//! lock is taken for writing only then, so a running subscriber misses nothing
//! unreported).
//!
//! The parts: `handle` ([`Events`]), `hub` (the subscription slot, its queue and
//! park flag, the counters) and `record` (the layout `h2r_events_take` writes).

mod handle;
mod hub;
mod record;

#[cfg(test)]
mod tests;

pub use handle::Events;
pub(crate) use hub::{Hub, TakeError};
pub use record::{RECORD_ALIGN, RECORD_HEADER_LEN, RECORD_LEN_AT, RECORD_MISSED_AT};

/// The largest queue a subscriber may ask for, in events.
pub const MAX_EVENT_CAPACITY: usize = 1 << 16;

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
    pub const NAMES: [&'static str; EVENT_COUNTERS] = crate::stats::names(EventStats::ZERO.named());

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
