//! Answering later: the typed reply handle an engine takes for a call declared
//! `later`, and the bridge's side of it (the gate that revokes handles at deinit).
//!
//! Rules, each held by a test in `probe/rs/tests/later.rs`:
//! 1. A [`Later`] answers once, with its request's reply type; the worker goes on
//!    with the next message as soon as `call_later` returns.
//! 2. A handle dropped unanswered answers its caller `Unanswered` at once (and is
//!    counted, unless the caller had already given up; `Expired` once the call's
//!    deadline has passed, which `callRustTimeout` reads as no reply), on any
//!    thread, a panicking one included. A panic on the worker inside `call_later`
//!    answers `EnginePanicked` with the panic's message, as for any call. A handle
//!    dropped while the bridge stops (with the engine, once the queue is drained)
//!    answers `ShuttingDown`.
//! 3. An answer after the caller gave up (it released its handle: a cancel, a
//!    timeout, a killed thread) is dropped unencoded and counted.
//! 4. Deinit is a barrier for handles too: once the worker has exited, the gate
//!    closes (waiting only for answers already being delivered), every handle still
//!    held is revoked (its caller gets `ShuttingDown`), and a later answer or drop
//!    does nothing. Deinit never waits for a handle to be answered.
//! 5. A handle tells whether its caller still waits ([`Later::is_cancelled`]), gives
//!    a future that resolves when it stops ([`Later::cancelled`]), and gives the
//!    call's deadline ([`Later::deadline`]).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::task::{Context, Poll, Wake};
use std::thread::Thread;
use std::time::{Duration, Instant};

use crate::reply::{Outcome, PendingCall, ReplyCell, Waker, deliver};
use crate::status::Status;

thread_local! {
    /// Set on the worker thread while the engine's `call_later` runs.
    static IN_CALL: Cell<bool> = const { Cell::new(false) };
    /// Calls whose handles a panic dropped on the worker inside `call_later`: the
    /// worker answers them with the panic's message once it has caught it.
    static DROPPED_IN_PANIC: RefCell<Vec<PendingCall>> = const { RefCell::new(Vec::new()) };
}

/// A call's reply handle, for a call its protocol declares `later`: the engine keeps
/// it, moves it to any thread, and answers through it once, with the reply type `R`
/// its request pairs with.
///
/// Dropped unanswered (on any thread, in a panic too), it answers its caller with an
/// `Unanswered` error at once. After the bridge stops, it is revoked: its caller got
/// `ShuttingDown`, and answering does nothing.
pub struct Later<R> {
    responder: Responder,
    encode: fn(R) -> Result<Vec<u8>, Status>,
}

impl<R> Later<R> {
    /// A handle that answers through `responder`, encoding the reply with `encode`
    /// (which tags it as its request's). Used by the code [`crate::protocol!`]
    /// generates.
    #[doc(hidden)]
    pub fn new(responder: Responder, encode: fn(R) -> Result<Vec<u8>, Status>) -> Self {
        Later { responder, encode }
    }

    /// Answers the call. If the caller has given up meanwhile, the reply is dropped
    /// unencoded and counted (`answers_late` in the bridge's stats).
    pub fn answer(mut self, reply: R) {
        let outcome = if self.responder.cell().caller_gone() {
            self.responder.cell().stats().answer_late();
            Outcome::Failed(Status::Abandoned, Status::Abandoned.to_string())
        } else {
            match (self.encode)(reply) {
                Ok(bytes) => Outcome::Reply(bytes),
                Err(status) => Outcome::Failed(status, status.to_string()),
            }
        };
        self.responder.settle(outcome);
    }

    /// Whether the caller no longer waits for the answer: it released its handle
    /// (cancelled, timed out or killed), the bridge was stopped, or the call's
    /// deadline has passed. An engine polls this between steps of long work.
    pub fn is_cancelled(&self) -> bool {
        self.responder.cell().caller_gone()
            || self
                .deadline()
                .is_some_and(|deadline| Instant::now() >= deadline)
    }

    /// The deadline `callRustTimeout` gave the call, if any: by then its caller
    /// stops waiting.
    pub fn deadline(&self) -> Option<Instant> {
        self.responder
            .pending
            .as_ref()
            .and_then(PendingCall::deadline)
    }

    /// A future that resolves when the caller stops waiting: it released its
    /// handle, or the bridge was stopped. It does not watch the clock: a task that
    /// also stops at the [`deadline`](Self::deadline) selects on a timer too (the
    /// `tokio` feature's `Later::run_on` does both). It owns what it watches, so it
    /// lives apart from the handle.
    pub fn cancelled(&self) -> Cancelled {
        Cancelled {
            cell: Arc::clone(self.responder.cell()),
        }
    }
}

#[cfg(feature = "tokio")]
impl<R: Send + 'static> Later<R> {
    /// Runs `work` as a task on `runtime` and answers with its output. The task
    /// stops, dropping `work` unfinished, as soon as the caller stops waiting or the
    /// call's deadline passes (the caller then reads `Nothing` from
    /// `callRustTimeout`).
    pub fn run_on<F>(self, runtime: &tokio::runtime::Handle, work: F) -> tokio::task::JoinHandle<()>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cancelled = self.cancelled();
        let deadline = self.deadline();
        runtime.spawn(async move {
            let expired = async move {
                match deadline {
                    Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                reply = work => self.answer(reply),
                () = cancelled => {}
                () = expired => {}
            }
        })
    }
}

impl<R> fmt::Debug for Later<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Later")
            .field("cancelled", &self.is_cancelled())
            .field("deadline", &self.deadline())
            .finish()
    }
}

/// The future of [`Later::cancelled`]: ready once the caller stops waiting.
#[derive(Debug)]
#[must_use = "a future does nothing unless polled"]
pub struct Cancelled {
    cell: Arc<ReplyCell>,
}

impl Cancelled {
    /// Blocks the calling thread until the caller stops waiting (`true`) or
    /// `timeout` passes (`false`): for an engine's own threads.
    pub fn wait_timeout(mut self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            if Pin::new(&mut self).poll(&mut cx).is_ready() {
                return true;
            }
            let left = match deadline {
                Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                None => Duration::MAX,
            };
            if left.is_zero() {
                return false;
            }
            std::thread::park_timeout(left);
        }
    }
}

/// Wakes a thread parked in [`Cancelled::wait_timeout`].
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

impl Future for Cancelled {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.cell.watch(cx.waker()) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// The untyped side of a [`Later`]: the pending call and the gate that may revoke
/// it. Made by the worker; not part of the stable API.
#[doc(hidden)]
pub struct Responder {
    /// `None` once settled.
    pending: Option<PendingCall>,
    gate: Arc<Gate>,
}

impl Responder {
    pub(crate) fn new(pending: PendingCall, gate: Arc<Gate>) -> Self {
        Responder {
            pending: Some(pending),
            gate,
        }
    }

    fn cell(&self) -> &Arc<ReplyCell> {
        match &self.pending {
            Some(pending) => pending.cell(),
            // Settling consumes the handle that owns the responder, so no method
            // runs after it.
            None => unreachable!("a settled responder is never read"),
        }
    }

    /// Answers through the gate: a revoked call's outcome is dropped.
    fn settle(&mut self, outcome: Outcome) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let open = self
            .gate
            .open
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        if *open {
            pending.answer(outcome);
        } else {
            // The revocation settled the call and woke its caller; this one must
            // wake nobody after deinit.
            pending.disarm();
        }
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if self.pending.is_none() {
            return;
        }
        if std::thread::panicking() && IN_CALL.with(Cell::get) {
            if let Some(pending) = self.pending.take() {
                DROPPED_IN_PANIC.with(|dropped| dropped.borrow_mut().push(pending));
            }
            return;
        }
        let expired = self
            .pending
            .as_ref()
            .and_then(PendingCall::deadline)
            .is_some_and(|deadline| Instant::now() >= deadline);
        let why = if self.gate.stopping.load(Ordering::Acquire) {
            Status::ShuttingDown
        } else if expired {
            Status::Expired
        } else {
            Status::Unanswered
        };
        // A handle dropped after its caller gave up answers nobody: not counted.
        if !self.cell().caller_gone() {
            match why {
                Status::ShuttingDown => self.cell().stats().call_revoked(),
                Status::Unanswered => self.cell().stats().call_unanswered(),
                _ => {}
            }
        }
        self.settle(Outcome::Failed(why, why.to_string()));
    }
}

/// Runs the engine's `call_later` on the worker: a handle dropped by a panic there
/// is answered `EnginePanicked` with the panic's message once `run` has returned.
pub(crate) fn run_call_later(run: impl FnOnce() -> Result<(), String>) {
    IN_CALL.with(|in_call| in_call.set(true));
    let result = run();
    IN_CALL.with(|in_call| in_call.set(false));
    let dropped = DROPPED_IN_PANIC.with(|dropped| std::mem::take(&mut *dropped.borrow_mut()));
    for pending in dropped {
        let outcome = match &result {
            Err(why) => Outcome::Failed(Status::EnginePanicked, why.clone()),
            // The engine caught the panic itself: the handle was still dropped.
            Ok(()) => {
                pending.cell().stats().call_unanswered();
                Outcome::Failed(Status::Unanswered, Status::Unanswered.to_string())
            }
        };
        pending.answer(outcome);
    }
}

/// The running bridge's record of the handles that outlived `call_later`, and the
/// gate every deferred answer passes.
pub(crate) struct Gate {
    waker: Waker,
    /// `true` while the bridge runs. An answer holds the read side while it settles,
    /// so the revocation (the write side) waits only for answers being delivered.
    open: RwLock<bool>,
    /// Set by the worker once the queue is drained, before it drops the engine: a
    /// handle dropped from then on answers `ShuttingDown`.
    stopping: AtomicBool,
    escaped: Mutex<Escaped>,
}

/// Cells of calls whose handles outlived `call_later`, settled ones pruned now and
/// then.
#[derive(Default)]
struct Escaped {
    cells: Vec<Arc<ReplyCell>>,
    /// Prune when `cells` grows to this length.
    prune_at: usize,
}

/// The least length at which the escaped cells are pruned.
const PRUNE_FLOOR: usize = 64;

impl Gate {
    pub(crate) fn new(waker: Waker) -> Self {
        Gate {
            waker,
            open: RwLock::new(true),
            stopping: AtomicBool::new(false),
            escaped: Mutex::new(Escaped {
                cells: Vec::new(),
                prune_at: PRUNE_FLOOR,
            }),
        }
    }

    /// Called by the worker once the queue is drained, before it drops the engine.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
    }

    /// Called by the worker once `call_later` has returned: records the call's cell
    /// if its handle is still held somewhere.
    pub(crate) fn escape(&self, cell: Arc<ReplyCell>) {
        if !cell.escape() {
            return;
        }
        let mut escaped = self.escaped.lock().unwrap_or_else(PoisonError::into_inner);
        if escaped.cells.len() >= escaped.prune_at {
            escaped.cells.retain(|cell| !cell.settled());
            escaped.prune_at = (escaped.cells.len() * 2).max(PRUNE_FLOOR);
        }
        escaped.cells.push(cell);
    }

    /// Closes the gate and answers every call whose handle is still held with
    /// `ShuttingDown`. Called by deinit once the worker has exited.
    pub(crate) fn revoke(&self) {
        *self.open.write().unwrap_or_else(PoisonError::into_inner) = false;
        let cells = std::mem::take(
            &mut self
                .escaped
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .cells,
        );
        for cell in cells {
            let outcome = Outcome::Failed(
                Status::ShuttingDown,
                "the bridge stopped before the engine answered".to_owned(),
            );
            if deliver(&cell, self.waker, outcome).is_some() {
                cell.stats().call_revoked();
            }
            cell.wake_watcher();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::{c_int, c_void};

    use super::*;

    extern "C" fn ignore(_capability: c_int, _token: *mut c_void) {}

    static STATS: crate::stats::Stats = crate::stats::Stats::new();
    const WAKER: Waker = Waker {
        notify: ignore,
        thread_done: None,
        stats: &STATS,
    };

    /// A handle for a call with `deadline`, its caller's cell, and its gate.
    fn later(deadline: Option<Instant>) -> (Later<u64>, Arc<ReplyCell>, Arc<Gate>) {
        let (pending, cell) = PendingCall::new(WAKER, None, deadline);
        let gate = Arc::new(Gate::new(WAKER));
        let responder = Responder::new(pending, Arc::clone(&gate));
        let later = Later::new(responder, |n: u64| crate::wire::encode(&n));
        (later, cell, gate)
    }

    fn failed(cell: &ReplyCell) -> Option<Status> {
        match cell.outcome() {
            Some(Outcome::Failed(status, _)) => Some(*status),
            _ => None,
        }
    }

    #[test]
    fn an_answer_is_encoded_with_the_handles_reply_type() {
        let (later, cell, _gate) = later(None);
        later.answer(5);
        assert_eq!(
            cell.outcome(),
            Some(&Outcome::Reply(crate::wire::encode(&5u64).unwrap()))
        );
    }

    #[test]
    fn the_deadline_is_exposed_and_a_passed_one_cancels() {
        let now = Instant::now();
        let (passed, _cell, _gate) = later(Some(now));
        assert_eq!(passed.deadline(), Some(now));
        assert!(passed.is_cancelled());
        let hour = now.checked_add(Duration::from_secs(3600));
        let (ahead, _cell, _gate) = later(hour);
        assert_eq!(ahead.deadline(), hour);
        assert!(!ahead.is_cancelled());
    }

    #[test]
    fn a_release_on_another_thread_wakes_a_thread_waiting_for_it() {
        let (later, cell, _gate) = later(None);
        assert!(!later.cancelled().wait_timeout(Duration::from_millis(10)));
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            cell.release();
        });
        assert!(later.cancelled().wait_timeout(Duration::from_secs(10)));
        assert!(later.is_cancelled());
        releaser.join().unwrap();
    }

    #[test]
    fn a_revoked_handle_is_cancelled_and_its_answer_does_nothing() {
        let (later, cell, gate) = later(None);
        gate.escape(Arc::clone(&cell));
        gate.revoke();
        assert_eq!(failed(&cell), Some(Status::ShuttingDown));
        assert!(later.is_cancelled());
        assert!(later.cancelled().wait_timeout(Duration::ZERO));
        later.answer(5);
        assert_eq!(failed(&cell), Some(Status::ShuttingDown));
    }

    #[test]
    fn a_handle_dropped_while_the_bridge_stops_answers_shutting_down() {
        let (dropped, cell, _gate) = later(None);
        drop(dropped);
        assert_eq!(failed(&cell), Some(Status::Unanswered));
        let (dropped, cell, gate) = later(None);
        gate.stop();
        drop(dropped);
        assert_eq!(failed(&cell), Some(Status::ShuttingDown));
    }

    #[test]
    fn a_handle_dropped_after_its_deadline_answers_expired() {
        let (dropped, cell, _gate) = later(Some(Instant::now()));
        drop(dropped);
        assert_eq!(failed(&cell), Some(Status::Expired));
    }
}
