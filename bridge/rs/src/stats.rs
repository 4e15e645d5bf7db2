//! Process-wide counters that prove the bridge leaks nothing.
//!
//! Tests and the benchmark read them through `h2r_stats`; they cost one relaxed atomic
//! add each on the call path. Counts are cumulative over the process, across
//! init/deinit cycles.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::status::Status;

static CALLS_ACCEPTED: AtomicU64 = AtomicU64::new(0);
static CALLS_ANSWERED: AtomicU64 = AtomicU64::new(0);
static HANDLES_ISSUED: AtomicU64 = AtomicU64::new(0);
static HANDLES_RELEASED: AtomicU64 = AtomicU64::new(0);
static TOKENS_CREATED: AtomicU64 = AtomicU64::new(0);
static TOKENS_FREED_UNSENT: AtomicU64 = AtomicU64::new(0);
static CALLS_DROPPED_ABANDONED: AtomicU64 = AtomicU64::new(0);
static CALLS_DROPPED_EXPIRED: AtomicU64 = AtomicU64::new(0);
static CALLS_WOKEN: AtomicU64 = AtomicU64::new(0);
static CALLS_DEFERRED: AtomicU64 = AtomicU64::new(0);
static DEFERRED_SETTLED: AtomicU64 = AtomicU64::new(0);
static ANSWERS_LATE: AtomicU64 = AtomicU64::new(0);
static CALLS_UNANSWERED: AtomicU64 = AtomicU64::new(0);
static CALLS_REVOKED: AtomicU64 = AtomicU64::new(0);

/// How many counters there are: the length of [`Snapshot::to_array`].
pub const COUNTERS: usize = 14;

/// A snapshot of the counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// Calls queued for the worker.
    pub calls_accepted: u64,
    /// Accepted calls whose outcome the worker settled (each exactly once): a reply,
    /// a failure, or a drop (the two counters below).
    pub calls_answered: u64,
    /// Reply handles given to callers.
    pub handles_issued: u64,
    /// Reply handles released by callers.
    pub handles_released: u64,
    /// Wake-up tokens (`StablePtr`s) the Haskell side made for calls, as it reports
    /// them through `h2r_token_created`.
    pub tokens_created: u64,
    /// Tokens the Haskell side freed itself because Rust never took them (a refused
    /// submit or park, or a reply that was there before the caller parked), as it
    /// reports them through `h2r_token_freed_unsent`.
    pub tokens_freed_unsent: u64,
    /// Calls dropped unrun because their caller had released its handle.
    pub calls_dropped_abandoned: u64,
    /// Calls dropped unrun because their deadline had passed.
    pub calls_dropped_expired: u64,
    /// Tokens handed back through `notify` (each exactly once): the calls whose
    /// caller parked before the outcome was there.
    pub calls_woken: u64,
    /// Calls whose reply handle outlived the engine's `call_later` unanswered: the
    /// calls answered later.
    pub calls_deferred: u64,
    /// Deferred calls settled since: answered, dropped unanswered or revoked. The
    /// difference to `calls_deferred` is the deferred calls outstanding.
    pub deferred_settled: u64,
    /// Answers given after the caller had given up (or the bridge had revoked the
    /// handle), dropped unencoded.
    pub answers_late: u64,
    /// Reply handles dropped unanswered: their callers got `Unanswered`.
    pub calls_unanswered: u64,
    /// Reply handles still held when the bridge stopped: their callers got
    /// `ShuttingDown`.
    pub calls_revoked: u64,
}

impl Snapshot {
    /// The counters by name, in the order `h2r_stats` writes them: the one table of
    /// their layout, from which [`Snapshot::to_array`] and [`Snapshot::NAMES`] come
    /// (and `bridge/fixtures/abi.txt`, which the Haskell side checks).
    pub const fn named(self) -> [(&'static str, u64); COUNTERS] {
        [
            ("calls_accepted", self.calls_accepted),
            ("calls_answered", self.calls_answered),
            ("handles_issued", self.handles_issued),
            ("handles_released", self.handles_released),
            ("tokens_created", self.tokens_created),
            ("tokens_freed_unsent", self.tokens_freed_unsent),
            ("calls_dropped_abandoned", self.calls_dropped_abandoned),
            ("calls_dropped_expired", self.calls_dropped_expired),
            ("calls_woken", self.calls_woken),
            ("calls_deferred", self.calls_deferred),
            ("deferred_settled", self.deferred_settled),
            ("answers_late", self.answers_late),
            ("calls_unanswered", self.calls_unanswered),
            ("calls_revoked", self.calls_revoked),
        ]
    }

    /// The counters' names, in the order `h2r_stats` writes them.
    pub const NAMES: [&'static str; COUNTERS] = {
        let named = Snapshot::ZERO.named();
        let mut names = [""; COUNTERS];
        let mut at = 0;
        while at < COUNTERS {
            names[at] = named[at].0;
            at += 1;
        }
        names
    };

    /// Every counter zero.
    const ZERO: Snapshot = Snapshot {
        calls_accepted: 0,
        calls_answered: 0,
        handles_issued: 0,
        handles_released: 0,
        tokens_created: 0,
        tokens_freed_unsent: 0,
        calls_dropped_abandoned: 0,
        calls_dropped_expired: 0,
        calls_woken: 0,
        calls_deferred: 0,
        deferred_settled: 0,
        answers_late: 0,
        calls_unanswered: 0,
        calls_revoked: 0,
    };

    /// The values in the order `h2r_stats` writes them.
    pub fn to_array(self) -> [u64; COUNTERS] {
        self.named().map(|(_, value)| value)
    }

    /// Deferred calls not settled yet.
    pub fn deferred_outstanding(self) -> u64 {
        self.calls_deferred.saturating_sub(self.deferred_settled)
    }
}

/// Reads all counters (each exactly; together only a near-instant view).
pub fn snapshot() -> Snapshot {
    Snapshot {
        calls_accepted: CALLS_ACCEPTED.load(Ordering::SeqCst),
        calls_answered: CALLS_ANSWERED.load(Ordering::SeqCst),
        handles_issued: HANDLES_ISSUED.load(Ordering::SeqCst),
        handles_released: HANDLES_RELEASED.load(Ordering::SeqCst),
        tokens_created: TOKENS_CREATED.load(Ordering::SeqCst),
        tokens_freed_unsent: TOKENS_FREED_UNSENT.load(Ordering::SeqCst),
        calls_dropped_abandoned: CALLS_DROPPED_ABANDONED.load(Ordering::SeqCst),
        calls_dropped_expired: CALLS_DROPPED_EXPIRED.load(Ordering::SeqCst),
        calls_woken: CALLS_WOKEN.load(Ordering::SeqCst),
        calls_deferred: CALLS_DEFERRED.load(Ordering::SeqCst),
        deferred_settled: DEFERRED_SETTLED.load(Ordering::SeqCst),
        answers_late: ANSWERS_LATE.load(Ordering::SeqCst),
        calls_unanswered: CALLS_UNANSWERED.load(Ordering::SeqCst),
        calls_revoked: CALLS_REVOKED.load(Ordering::SeqCst),
    }
}

/// Accepted calls not settled yet (queued or running), less the deferred calls
/// whose handles the engine holds (they keep no worker busy), from relaxed loads:
/// a hint for a caller deciding whether to spin, not an exact count.
pub fn calls_in_flight() -> u64 {
    let deferred = CALLS_DEFERRED
        .load(Ordering::Relaxed)
        .saturating_sub(DEFERRED_SETTLED.load(Ordering::Relaxed));
    CALLS_ACCEPTED
        .load(Ordering::Relaxed)
        .saturating_sub(CALLS_ANSWERED.load(Ordering::Relaxed))
        .saturating_sub(deferred)
}

pub(crate) fn call_accepted() {
    CALLS_ACCEPTED.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn call_answered() {
    CALLS_ANSWERED.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn call_woken() {
    CALLS_WOKEN.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn call_deferred() {
    CALLS_DEFERRED.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn deferred_settled() {
    DEFERRED_SETTLED.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn answer_late() {
    ANSWERS_LATE.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn call_unanswered() {
    CALLS_UNANSWERED.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn call_revoked() {
    CALLS_REVOKED.fetch_add(1, Ordering::Relaxed);
}

/// Counts a call dropped unrun, by why (`Abandoned` or `Expired`).
pub(crate) fn call_dropped(why: Status) {
    let counter = match why {
        Status::Expired => &CALLS_DROPPED_EXPIRED,
        _ => &CALLS_DROPPED_ABANDONED,
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn handle_issued() {
    HANDLES_ISSUED.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn handle_released() {
    HANDLES_RELEASED.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn token_created() {
    TOKENS_CREATED.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn token_freed_unsent() {
    TOKENS_FREED_UNSENT.fetch_add(1, Ordering::Relaxed);
}
