//! One call's reply: the pending call the worker answers, and the cell the caller reads.
//!
//! The cell is an `Arc` shared by the worker and the caller, so either side may let go
//! first. Who wakes whom is settled by a small state machine on the cell, three flags
//! in one atomic byte, each set once and never cleared:
//!
//! - `PARKED`: the caller gave the cell its wake-up token (at submit, or later with
//!   [`ReplyCell::park`]). From then on Rust owns the token and passes it to
//!   [`Notify`] exactly once, when the call is settled.
//! - `READY`: the worker stored the outcome. Set once, by [`PendingCall::answer`] (or
//!   its `Drop`), with one `fetch_or` that also tells the worker whether the caller
//!   parked first.
//! - `RELEASED`: the caller released its handle. A call that is `RELEASED` before the
//!   worker reaches it is dropped unrun (`Abandoned`).
//!
//! A fourth flag, `PARKING`, makes [`ReplyCell::park`] two steps (claim the cell, then
//! publish the token), so that a second park can never overwrite a token Rust owns.
//!
//! Transitions (every other combination is unreachable):
//!
//! | from | event | to | the token |
//! | --- | --- | --- | --- |
//! | (none) | worker settles | `READY` | none was given: no wake-up; the caller sees the reply by polling |
//! | (none) | caller parks, wins | `PARKED` | now Rust's |
//! | `PARKING` | worker settles first | `PARKING`+`READY` | the park fails with `AlreadyAnswered`: it stays the caller's |
//! | `PARKED` | worker settles | `PARKED`+`READY` | passed to `notify` (which frees it) |
//! | (none) | caller releases | `RELEASED` | none was given |
//! | `PARKED` | caller releases | `PARKED`+`RELEASED` | still Rust's: the worker drops the call and passes it to `notify` |
//! | `READY` (any) | caller releases | +`RELEASED` | as before; the outcome is dropped with the last `Arc` |
//! | `RELEASED` (any) | worker settles | +`READY` | passed to `notify` if `PARKED`; the outcome is never read |
//!
//! Settling is claimed once, by whoever stores the outcome first: the reply handle
//! of a call answered later (see `later`) and the bridge's revocation at deinit may
//! race, and the loser does nothing. A second byte, `deferral`, records whether the
//! call's handle outlived the engine's `call_later` (`ESCAPED`, set by the worker)
//! and whether it is settled (`SETTLED`), so that exactly one of the two counts it.

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicI32, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::Waker as TaskWaker;
use std::time::{Duration, Instant};

use atomic_waker::AtomicWaker;
use crossbeam_utils::Backoff;

use crate::placement;
use crate::stats::Stats;
use crate::status::Status;

/// How the worker wakes a caller: `hs_try_putmvar` in production, a recorder in tests.
///
/// It must be callable from any thread, must not block on Haskell code, and takes
/// ownership of the token (`hs_try_putmvar` frees the `StablePtr`).
pub type Notify = extern "C" fn(capability: c_int, token: *mut c_void);

/// Called once by the worker thread just before it exits (`hs_thread_done`, which
/// frees the RTS's bookkeeping for a foreign thread that called into it).
pub type ThreadDone = extern "C" fn();

/// The callbacks given to `h2r_init`. Plain function pointers, so `Copy` and `Send`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Waker {
    /// Wakes one caller.
    pub notify: Notify,
    /// Runs on the worker thread as it exits, if given.
    pub thread_done: Option<ThreadDone>,
    /// The counters of the bridge these callbacks were given to.
    pub stats: &'static Stats,
}

/// The caller's opaque wake-up handle: the address of a `StablePtr PrimMVar`.
///
/// Rust never dereferences it; it only hands it back to [`Notify`], exactly once.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Token(usize);

impl Token {
    /// Wraps the handle's address.
    pub fn new(handle: *mut c_void) -> Self {
        Token(handle.addr())
    }

    fn into_handle(self) -> *mut c_void {
        std::ptr::without_provenance_mut(self.0)
    }
}

/// What a call produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The engine's encoded reply.
    Reply(Vec<u8>),
    /// No reply: why, and a message for the caller.
    Failed(Status, String),
}

/// The caller gave a token; Rust owes it one `notify`.
const PARKED: u8 = 1;
/// The outcome is stored.
const READY: u8 = 2;
/// The caller released its handle.
const RELEASED: u8 = 4;
/// A park has claimed the cell and is publishing its token.
const PARKING: u8 = 8;

/// `deferral`: the call's handle outlived the engine's `call_later`.
const ESCAPED: u8 = 1;
/// `deferral`: the call is settled, by an answer, a drop or the revocation.
const SETTLED: u8 = 2;

/// What [`ReplyCell::settle`] did.
#[derive(Debug, PartialEq, Eq)]
enum Settled {
    /// Another settle stored its outcome first: nothing was done.
    Lost,
    /// Stored; the caller had not parked.
    Stored,
    /// Stored; the caller had parked with this token, which must be woken.
    Wake(c_int, Token),
}

/// Where the worker leaves a call's outcome for the caller to read; see the module's
/// state machine.
#[derive(Debug)]
pub(crate) struct ReplyCell {
    state: AtomicU8,
    /// The parked caller's token and capability: written before `PARKED` is set
    /// (release), read only after `PARKED` is seen (acquire).
    token: AtomicUsize,
    capability: AtomicI32,
    outcome: OnceLock<Outcome>,
    /// `ESCAPED` and `SETTLED`, for the deferred calls' counters.
    deferral: AtomicU8,
    /// Woken when the caller stops waiting (a release, or the revocation at deinit),
    /// for [`crate::Cancelled`].
    cancel: AtomicWaker,
    /// The counters of the bridge that accepted the call.
    stats: &'static Stats,
    /// The CPU the caller submitted from, if known (`new` runs on the submitting
    /// thread).
    caller_cpu: Option<u32>,
}

impl ReplyCell {
    pub(crate) fn new(parked: Option<(c_int, Token)>, stats: &'static Stats) -> Self {
        let (state, capability, token) = match parked {
            Some((capability, Token(token))) => (PARKED, capability, token),
            None => (0, 0, 0),
        };
        ReplyCell {
            state: AtomicU8::new(state),
            token: AtomicUsize::new(token),
            capability: AtomicI32::new(capability),
            outcome: OnceLock::new(),
            deferral: AtomicU8::new(0),
            cancel: AtomicWaker::new(),
            stats,
            caller_cpu: placement::current(),
        }
    }

    /// The CPU the caller submitted from, if known.
    pub(crate) fn caller_cpu(&self) -> Option<u32> {
        self.caller_cpu
    }

    /// Whether the caller polls for the outcome: it gave no token yet.
    pub(crate) fn polled(&self) -> bool {
        self.state.load(Ordering::Acquire) & (PARKED | PARKING) == 0
    }

    /// The counters of the bridge that accepted the call.
    pub(crate) fn stats(&self) -> &'static Stats {
        self.stats
    }

    /// The outcome, once the worker has stored it. Never blocks: the caller polls it.
    pub fn outcome(&self) -> Option<&Outcome> {
        if self.state.load(Ordering::Acquire) & READY == 0 {
            return None;
        }
        self.outcome.get()
    }

    /// The outcome, polled for until it is there or `spin` has passed. The first
    /// polls only spin the CPU; later ones also yield it (see [`Backoff::snooze`]),
    /// so that a worker sharing this core gets to run. With `one_cpu` (the process
    /// may run on one CPU only) every poll after the first yields the CPU at once,
    /// since the worker can answer only while this thread is off it. The clock is
    /// read only after the first poll misses: an outcome already there costs no
    /// clock read.
    pub fn outcome_within(&self, spin: Duration, one_cpu: bool) -> Option<&Outcome> {
        let outcome = self.outcome();
        if outcome.is_some() || spin.is_zero() {
            return outcome;
        }
        let started = Instant::now();
        let backoff = Backoff::new();
        loop {
            if one_cpu {
                std::thread::yield_now();
            } else {
                backoff.snooze();
            }
            let outcome = self.outcome();
            if outcome.is_some() || started.elapsed() >= spin {
                return outcome;
            }
        }
    }

    /// Gives the cell the caller's token, so that the worker wakes the caller when it
    /// settles the call. `Ok`: Rust owns the token. `AlreadyAnswered`: the outcome is
    /// already there and the token stays with the caller. `InvalidArgument`: the
    /// cell was parked before (or the handle released), and the token stays with the
    /// caller.
    pub fn park(&self, capability: c_int, token: Token) -> Result<(), Status> {
        let refused = |state: u8| {
            if state & READY != 0 {
                Status::AlreadyAnswered
            } else {
                Status::InvalidArgument
            }
        };
        self.state
            .compare_exchange(0, PARKING, Ordering::Acquire, Ordering::Acquire)
            .map_err(refused)?;
        // Only this park got past the claim, so nobody else writes these, and the
        // worker reads them only after it sees `PARKED` below.
        self.token.store(token.0, Ordering::Relaxed);
        self.capability.store(capability, Ordering::Relaxed);
        self.state
            .compare_exchange(PARKING, PARKED, Ordering::Release, Ordering::Acquire)
            .map(|_| ())
            .map_err(refused)
    }

    /// Marks the caller's handle released: a call not yet run is then dropped unrun,
    /// and a deferred call's handle learns that its caller gave up.
    pub fn release(&self) {
        self.state.fetch_or(RELEASED, Ordering::Release);
        self.cancel.wake();
    }

    /// Whether the caller has released its handle.
    pub(crate) fn released(&self) -> bool {
        self.state.load(Ordering::Acquire) & RELEASED != 0
    }

    /// Whether the outcome is stored.
    pub(crate) fn settled(&self) -> bool {
        self.state.load(Ordering::Acquire) & READY != 0
    }

    /// Whether the caller no longer waits for an answer through this cell: it
    /// released its handle, or the cell is settled (for a handle still held, that
    /// means the bridge revoked it).
    pub(crate) fn caller_gone(&self) -> bool {
        self.state.load(Ordering::Acquire) & (RELEASED | READY) != 0
    }

    /// Registers `waker` to be woken when the caller stops waiting; then says whether
    /// it already has (checked after registering, so no wake-up is missed).
    pub(crate) fn watch(&self, waker: &TaskWaker) -> bool {
        self.cancel.register(waker);
        self.caller_gone()
    }

    /// Wakes whoever watches for the caller to stop waiting.
    pub(crate) fn wake_watcher(&self) {
        self.cancel.wake();
    }

    /// Marks the call's handle as having outlived the engine's `call_later`. `true`
    /// if it is not settled yet: the call is deferred, counted here, and its later
    /// settle counts it settled.
    pub(crate) fn escape(&self) -> bool {
        let deferred = self.deferral.fetch_or(ESCAPED, Ordering::AcqRel) & SETTLED == 0;
        if deferred {
            self.stats.call_deferred();
        }
        deferred
    }

    /// Stores the outcome and marks it `READY`, unless another settle stored one
    /// first. Returns the token to wake if the caller had parked, which only the one
    /// settle that stored can take (`READY` is set once).
    fn settle(&self, outcome: Outcome) -> Settled {
        if self.outcome.set(outcome).is_err() {
            return Settled::Lost;
        }
        if self.deferral.fetch_or(SETTLED, Ordering::AcqRel) & ESCAPED != 0 {
            self.stats.deferred_settled();
        }
        let before = self.state.fetch_or(READY, Ordering::AcqRel);
        if before & PARKED == 0 {
            return Settled::Stored;
        }
        Settled::Wake(
            self.capability.load(Ordering::Relaxed),
            Token(self.token.load(Ordering::Relaxed)),
        )
    }
}

/// Settles `cell` with `outcome` and wakes its caller through `waker` if it parked
/// (in that order: the caller reads the cell only after its wake-up). `None` if
/// another settle came first; else whether it woke the caller (`false`: the caller
/// was polling, or had gone).
pub(crate) fn deliver(cell: &ReplyCell, waker: Waker, outcome: Outcome) -> Option<bool> {
    let (capability, token) = match cell.settle(outcome) {
        Settled::Lost => return None,
        Settled::Stored => {
            cell.stats.call_answered();
            return Some(false);
        }
        Settled::Wake(capability, token) => (capability, token),
    };
    cell.stats.call_answered();
    cell.stats.call_woken();
    (waker.notify)(capability, token.into_handle());
    Some(true)
}

/// An accepted call that the worker still owes an outcome.
///
/// Exactly one of [`PendingCall::answer`] or [`PendingCall::disarm`] consumes it. If it
/// is dropped any other way (a worker bug, an unwinding thread), `Drop` answers with
/// `ShuttingDown`, so no caller waits forever on a lost call.
#[derive(Debug)]
pub(crate) struct PendingCall {
    cell: Arc<ReplyCell>,
    deadline: Option<Instant>,
    /// `None` once answered or disarmed.
    waker: Option<Waker>,
}

impl PendingCall {
    /// A new pending call and the caller's handle on its cell. With `parked`, the
    /// caller gave its token at submit (the cell starts `PARKED`); without, it polls
    /// and may park later. A call still queued at `deadline` is dropped unrun.
    pub fn new(
        waker: Waker,
        parked: Option<(c_int, Token)>,
        deadline: Option<Instant>,
    ) -> (Self, Arc<ReplyCell>) {
        let cell = Arc::new(ReplyCell::new(parked, waker.stats));
        let call = PendingCall {
            cell: Arc::clone(&cell),
            deadline,
            waker: Some(waker),
        };
        (call, cell)
    }

    /// Why the call must not reach the engine, if it must not: its deadline has
    /// passed (`Expired`, checked first), or its caller released its handle
    /// (`Abandoned`).
    pub fn stale(&self) -> Option<Status> {
        if self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            Some(Status::Expired)
        } else if self.cell.released() {
            Some(Status::Abandoned)
        } else {
            None
        }
    }

    /// Stores the outcome, then wakes the caller if it parked (in that order: the
    /// caller reads the cell only after its wake-up). Returns whether it woke the
    /// caller: `false` means the caller was polling (or had gone), or the bridge
    /// had revoked the call.
    pub fn answer(mut self, outcome: Outcome) -> bool {
        self.finish(outcome)
    }

    /// The caller's cell.
    pub fn cell(&self) -> &Arc<ReplyCell> {
        &self.cell
    }

    /// The deadline the caller gave, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Forgets the call without settling it: it was refused, so the caller still owns
    /// its token (if it gave one) and will free it itself.
    pub fn disarm(mut self) {
        self.waker = None;
    }

    fn finish(&mut self, outcome: Outcome) -> bool {
        self.waker
            .take()
            .and_then(|waker| deliver(&self.cell, waker, outcome))
            .unwrap_or(false)
    }
}

impl Drop for PendingCall {
    fn drop(&mut self) {
        let _ = self.finish(Outcome::Failed(
            Status::ShuttingDown,
            "the call was dropped before it was answered".to_owned(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The crate's wake-up recorder; each test uses tokens of its own (apart from the
    /// events tests' too), so tests may run in parallel.
    use crate::wakes::{self, record};

    fn waker() -> Waker {
        static STATS: crate::stats::Stats = crate::stats::Stats::new();
        Waker {
            notify: record,
            thread_done: None,
            stats: &STATS,
        }
    }

    fn token(n: usize) -> Token {
        Token::new(wakes::token(n))
    }

    fn reply() -> Outcome {
        Outcome::Reply(vec![1])
    }

    #[test]
    fn a_token_given_at_submit_is_woken_once_when_answered() {
        let (call, cell) = PendingCall::new(waker(), Some((0, token(101))), None);
        assert_eq!(cell.outcome(), None);
        assert!(call.answer(reply()));
        assert_eq!(cell.outcome(), Some(&reply()));
        assert_eq!(wakes::count(101), 1);
    }

    /// A caller polls until it gives a token, at submit or by parking; the cell
    /// knows the CPU it was made on.
    #[test]
    fn a_cell_knows_whether_its_caller_polls() {
        let (_call, given) = PendingCall::new(waker(), Some((0, token(110))), None);
        assert!(!given.polled());
        let (_call, cell) = PendingCall::new(waker(), None, None);
        assert!(cell.polled());
        assert_eq!(cell.park(0, token(111)), Ok(()));
        assert!(!cell.polled());
        assert_eq!(cell.caller_cpu().is_some(), cfg!(target_os = "linux"));
    }

    #[test]
    fn a_reply_taken_by_polling_wakes_nobody_and_refuses_a_later_park() {
        let (call, cell) = PendingCall::new(waker(), None, None);
        assert!(!call.answer(reply()));
        assert_eq!(cell.outcome(), Some(&reply()));
        assert_eq!(cell.park(0, token(102)), Err(Status::AlreadyAnswered));
        assert_eq!(wakes::count(102), 0);
    }

    #[test]
    fn an_answer_given_while_the_caller_polls_is_found_within_the_window() {
        for one_cpu in [false, true] {
            let (call, cell) = PendingCall::new(waker(), None, None);
            assert_eq!(cell.outcome_within(Duration::ZERO, one_cpu), None);
            let answering = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(5));
                call.answer(reply())
            });
            // The window bounds the wait; the answer comes long before it ends.
            assert_eq!(
                cell.outcome_within(Duration::from_secs(10), one_cpu),
                Some(&reply())
            );
            assert!(!answering.join().unwrap(), "a polled reply wakes nobody");
        }
    }

    #[test]
    fn polling_for_an_answer_that_never_comes_gives_up_after_the_window() {
        for one_cpu in [false, true] {
            let (_call, cell) = PendingCall::new(waker(), None, None);
            let window = Duration::from_millis(20);
            let started = Instant::now();
            assert_eq!(cell.outcome_within(window, one_cpu), None);
            assert!(started.elapsed() >= window);
        }
    }

    #[test]
    fn a_park_before_the_answer_is_woken_once() {
        let (call, cell) = PendingCall::new(waker(), None, None);
        assert_eq!(cell.park(3, token(103)), Ok(()));
        assert_eq!(wakes::count(103), 0);
        call.answer(reply());
        assert_eq!(cell.outcome(), Some(&reply()));
        assert_eq!(wakes::count(103), 1);
    }

    #[test]
    fn a_second_park_is_refused_and_keeps_the_first_token() {
        let (call, cell) = PendingCall::new(waker(), None, None);
        assert_eq!(cell.park(0, token(104)), Ok(()));
        assert_eq!(cell.park(0, token(105)), Err(Status::InvalidArgument));
        call.answer(reply());
        assert_eq!((wakes::count(104), wakes::count(105)), (1, 0));
    }

    #[test]
    fn an_answer_during_a_park_leaves_the_token_with_the_caller() {
        // The worker's `fetch_or` lands between the park's claim and its publish.
        let (call, cell) = PendingCall::new(waker(), None, None);
        cell.state.store(PARKING, Ordering::SeqCst);
        call.answer(reply());
        assert_eq!(
            cell.state
                .compare_exchange(PARKING, PARKED, Ordering::Release, Ordering::Acquire),
            Err(PARKING | READY)
        );
        assert_eq!(cell.outcome(), Some(&reply()));
        assert_eq!(wakes::count(0), 0);
    }

    #[test]
    fn a_call_released_unparked_is_abandoned_and_wakes_nobody() {
        let (call, cell) = PendingCall::new(waker(), None, None);
        cell.release();
        drop(cell);
        assert_eq!(call.stale(), Some(Status::Abandoned));
        call.answer(Outcome::Failed(Status::Abandoned, String::new()));
    }

    #[test]
    fn a_call_released_while_parked_is_abandoned_and_its_token_woken_once() {
        let (call, cell) = PendingCall::new(waker(), None, None);
        assert_eq!(cell.park(0, token(106)), Ok(()));
        cell.release();
        drop(cell);
        assert_eq!(call.stale(), Some(Status::Abandoned));
        call.answer(Outcome::Failed(Status::Abandoned, String::new()));
        assert_eq!(wakes::count(106), 1);
    }

    #[test]
    fn a_release_after_the_answer_changes_nothing() {
        let (call, cell) = PendingCall::new(waker(), Some((0, token(107))), None);
        call.answer(reply());
        cell.release();
        assert_eq!(cell.outcome(), Some(&reply()));
        assert_eq!(wakes::count(107), 1);
    }

    #[test]
    fn a_passed_deadline_expires_the_call_before_a_release_abandons_it() {
        let now = Instant::now();
        let (call, cell) = PendingCall::new(waker(), None, Some(now));
        assert_eq!(call.stale(), Some(Status::Expired));
        cell.release();
        assert_eq!(call.stale(), Some(Status::Expired));
        drop(call);

        let later = now.checked_add(Duration::from_secs(3600));
        let (call, cell) = PendingCall::new(waker(), None, later);
        assert_eq!(call.stale(), None);
        cell.release();
        assert_eq!(call.stale(), Some(Status::Abandoned));
    }

    #[test]
    fn disarm_wakes_nobody_and_drop_answers_shutting_down() {
        let (call, cell) = PendingCall::new(waker(), Some((0, token(108))), None);
        call.disarm();
        assert_eq!(cell.outcome(), None);
        assert_eq!(wakes::count(108), 0);

        let (call, cell) = PendingCall::new(waker(), Some((0, token(109))), None);
        drop(call);
        assert!(matches!(
            cell.outcome(),
            Some(Outcome::Failed(Status::ShuttingDown, _))
        ));
        assert_eq!(wakes::count(109), 1);
    }

    #[test]
    fn a_park_racing_the_answer_is_woken_exactly_when_it_won() {
        for round in 0..2000 {
            let n = 1_000_000 + round;
            let (call, cell) = PendingCall::new(waker(), None, None);
            let worker = std::thread::spawn(move || call.answer(reply()));
            let parked = cell.park(0, token(n));
            worker.join().unwrap();
            assert_eq!(cell.outcome(), Some(&reply()));
            match parked {
                Ok(()) => assert_eq!(wakes::count(n), 1, "round {round}"),
                Err(status) => {
                    assert_eq!(status, Status::AlreadyAnswered);
                    assert_eq!(wakes::count(n), 0, "round {round}");
                }
            }
        }
    }
}
