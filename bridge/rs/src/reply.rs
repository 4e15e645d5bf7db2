//! One call's reply: the pending call the worker answers, and the cell the caller reads.
//!
//! The reply path (see ARCHITECTURE.md) is: the worker stores the outcome in a
//! [`ReplyCell`], then wakes the caller's `MVar` through the [`Waker`]. The cell is an
//! `Arc` shared by the worker and the caller, so either side may let go first: a caller
//! that timed out simply releases its handle, and the late reply is dropped with the
//! last reference.

use std::ffi::{c_int, c_void};
use std::sync::{Arc, OnceLock};

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
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The engine's encoded reply.
    Reply(Vec<u8>),
    /// No reply: why, and a message for the caller.
    Failed(Status, String),
}

/// Where the worker leaves a call's outcome for the caller to read.
#[derive(Debug, Default)]
pub(crate) struct ReplyCell {
    outcome: OnceLock<Outcome>,
}

impl ReplyCell {
    /// The outcome, once the worker has stored it.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.get()
    }
}

/// An accepted call that still owes its caller a wake-up.
///
/// Exactly one of [`PendingCall::answer`] or [`PendingCall::disarm`] consumes it. If it
/// is dropped any other way (a worker bug, an unwinding thread), `Drop` answers with
/// `ShuttingDown`, so no caller waits forever on a lost call.
#[derive(Debug)]
pub(crate) struct PendingCall {
    cell: Arc<ReplyCell>,
    wake: Option<(Waker, c_int, Token)>,
}

impl PendingCall {
    /// A new pending call and the caller's handle on its cell.
    pub fn new(waker: Waker, capability: c_int, token: Token) -> (Self, Arc<ReplyCell>) {
        let cell = Arc::new(ReplyCell::default());
        let call = PendingCall {
            cell: Arc::clone(&cell),
            wake: Some((waker, capability, token)),
        };
        (call, cell)
    }

    /// Stores the outcome, then wakes the caller (in that order: the caller reads the
    /// cell only after its wake-up).
    pub fn answer(mut self, outcome: Outcome) {
        self.finish(outcome);
    }

    /// Forgets the token without waking anyone: the call was refused, so the caller
    /// still owns the token and will free it itself.
    pub fn disarm(mut self) {
        self.wake = None;
    }

    fn finish(&mut self, outcome: Outcome) {
        if let Some((waker, capability, token)) = self.wake.take() {
            // The cell is filled only here, and `wake` is taken first, so it is empty.
            let _ = self.cell.outcome.set(outcome);
            crate::stats::call_answered();
            (waker.notify)(capability, token.into_handle());
        }
    }
}

impl Drop for PendingCall {
    fn drop(&mut self) {
        self.finish(Outcome::Failed(
            Status::ShuttingDown,
            "the call was dropped before it was answered".to_owned(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static WAKES: AtomicUsize = AtomicUsize::new(0);

    extern "C" fn count(_capability: c_int, _token: *mut c_void) {
        WAKES.fetch_add(1, Ordering::SeqCst);
    }

    fn waker() -> Waker {
        Waker {
            notify: count,
            thread_done: None,
        }
    }

    #[test]
    fn answer_disarm_and_drop_wake_exactly_as_promised() {
        let token = || Token::new(std::ptr::without_provenance_mut(8));
        let before = WAKES.load(Ordering::SeqCst);

        let (call, cell) = PendingCall::new(waker(), 0, token());
        call.answer(Outcome::Reply(vec![1]));
        assert_eq!(cell.outcome(), Some(&Outcome::Reply(vec![1])));

        let (call, cell) = PendingCall::new(waker(), 0, token());
        call.disarm();
        assert_eq!(cell.outcome(), None);

        let (call, cell) = PendingCall::new(waker(), 0, token());
        drop(call);
        assert!(matches!(
            cell.outcome(),
            Some(Outcome::Failed(Status::ShuttingDown, _))
        ));

        assert_eq!(WAKES.load(Ordering::SeqCst) - before, 2);
    }
}
