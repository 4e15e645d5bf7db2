//! The counters of one bridge that prove it leaks nothing.
//!
//! Each engine's `Bridge` owns its `Stats`, so two engines in one program count
//! apart. Tests and the benchmark read them through the engine's `h2r_stats`; they
//! cost one relaxed atomic add each on the call path. Counts are cumulative over the
//! process, across the bridge's init/deinit cycles.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::status::Status;

/// The names of a table of counters (a `named()`), in its order.
pub(crate) const fn names<const N: usize>(named: [(&'static str, u64); N]) -> [&'static str; N] {
    let mut names = [""; N];
    let mut at = 0;
    while at < N {
        names[at] = named[at].0;
        at += 1;
    }
    names
}

/// One bridge's counters: a field of its `Bridge`, so `'static` with it.
#[derive(Debug)]
pub struct Stats {
    calls_accepted: AtomicU64,
    calls_answered: AtomicU64,
    handles_issued: AtomicU64,
    handles_released: AtomicU64,
    tokens_created: AtomicU64,
    tokens_freed_unsent: AtomicU64,
    calls_dropped_abandoned: AtomicU64,
    calls_dropped_expired: AtomicU64,
    calls_woken: AtomicU64,
    calls_deferred: AtomicU64,
    deferred_settled: AtomicU64,
    answers_late: AtomicU64,
    calls_unanswered: AtomicU64,
    calls_revoked: AtomicU64,
}

impl Default for Stats {
    fn default() -> Self {
        Self::new()
    }
}

/// How many counters there are: the length of [`Snapshot::to_array`].
pub const COUNTERS: usize = 14;

/// A snapshot of one bridge's counters.
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
    pub const NAMES: [&'static str; COUNTERS] = names(Snapshot::ZERO.named());

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

    /// The values as `h2r_stats` writes them, back in their fields.
    pub fn from_array(values: [u64; COUNTERS]) -> Self {
        Snapshot {
            calls_accepted: values[0],
            calls_answered: values[1],
            handles_issued: values[2],
            handles_released: values[3],
            tokens_created: values[4],
            tokens_freed_unsent: values[5],
            calls_dropped_abandoned: values[6],
            calls_dropped_expired: values[7],
            calls_woken: values[8],
            calls_deferred: values[9],
            deferred_settled: values[10],
            answers_late: values[11],
            calls_unanswered: values[12],
            calls_revoked: values[13],
        }
    }

    /// Deferred calls not settled yet.
    pub fn deferred_outstanding(self) -> u64 {
        self.calls_deferred.saturating_sub(self.deferred_settled)
    }
}

impl Stats {
    /// Every counter at zero.
    pub const fn new() -> Self {
        Stats {
            calls_accepted: AtomicU64::new(0),
            calls_answered: AtomicU64::new(0),
            handles_issued: AtomicU64::new(0),
            handles_released: AtomicU64::new(0),
            tokens_created: AtomicU64::new(0),
            tokens_freed_unsent: AtomicU64::new(0),
            calls_dropped_abandoned: AtomicU64::new(0),
            calls_dropped_expired: AtomicU64::new(0),
            calls_woken: AtomicU64::new(0),
            calls_deferred: AtomicU64::new(0),
            deferred_settled: AtomicU64::new(0),
            answers_late: AtomicU64::new(0),
            calls_unanswered: AtomicU64::new(0),
            calls_revoked: AtomicU64::new(0),
        }
    }

    /// Reads all counters (each exactly; together only a near-instant view).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            calls_accepted: self.calls_accepted.load(Ordering::SeqCst),
            calls_answered: self.calls_answered.load(Ordering::SeqCst),
            handles_issued: self.handles_issued.load(Ordering::SeqCst),
            handles_released: self.handles_released.load(Ordering::SeqCst),
            tokens_created: self.tokens_created.load(Ordering::SeqCst),
            tokens_freed_unsent: self.tokens_freed_unsent.load(Ordering::SeqCst),
            calls_dropped_abandoned: self.calls_dropped_abandoned.load(Ordering::SeqCst),
            calls_dropped_expired: self.calls_dropped_expired.load(Ordering::SeqCst),
            calls_woken: self.calls_woken.load(Ordering::SeqCst),
            calls_deferred: self.calls_deferred.load(Ordering::SeqCst),
            deferred_settled: self.deferred_settled.load(Ordering::SeqCst),
            answers_late: self.answers_late.load(Ordering::SeqCst),
            calls_unanswered: self.calls_unanswered.load(Ordering::SeqCst),
            calls_revoked: self.calls_revoked.load(Ordering::SeqCst),
        }
    }

    /// Accepted calls not settled yet (queued or running), less the deferred calls
    /// whose handles the engine holds (they keep no worker busy), from relaxed loads:
    /// a hint for a caller deciding whether to spin, not an exact count.
    pub fn calls_in_flight(&self) -> u64 {
        let deferred = self
            .calls_deferred
            .load(Ordering::Relaxed)
            .saturating_sub(self.deferred_settled.load(Ordering::Relaxed));
        self.calls_accepted
            .load(Ordering::Relaxed)
            .saturating_sub(self.calls_answered.load(Ordering::Relaxed))
            .saturating_sub(deferred)
    }

    /// Counts a call dropped unrun, by why (`Abandoned` or `Expired`).
    pub(crate) fn call_dropped(&self, why: Status) {
        let counter = match why {
            Status::Expired => &self.calls_dropped_expired,
            _ => &self.calls_dropped_abandoned,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Makes each `method` of `Stats` count one event: a relaxed add of one to `counter`.
macro_rules! counts {
    ($($method:ident => $counter:ident,)*) => {
        impl Stats {
            $(
                pub(crate) fn $method(&self) {
                    self.$counter.fetch_add(1, Ordering::Relaxed);
                }
            )*
        }
    };
}

counts! {
    call_accepted => calls_accepted,
    call_answered => calls_answered,
    call_woken => calls_woken,
    call_deferred => calls_deferred,
    deferred_settled => deferred_settled,
    answer_late => answers_late,
    call_unanswered => calls_unanswered,
    call_revoked => calls_revoked,
    handle_issued => handles_issued,
    handle_released => handles_released,
    token_created => tokens_created,
    token_freed_unsent => tokens_freed_unsent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_array_puts_each_value_back_in_its_field() {
        let values = std::array::from_fn(|at| at as u64 + 1);
        assert_eq!(Snapshot::from_array(values).to_array(), values);
    }
}
