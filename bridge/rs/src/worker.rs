//! The worker thread: it creates the engine and runs every call and cast.
//!
//! It never blocks on Haskell: replies go out through `Notify` (`hs_try_putmvar`),
//! which only queues a wake-up. The engine's construction and every call and cast
//! run under `catch_unwind`, so a panicking engine answers its caller with
//! `EnginePanicked` and the worker goes on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use flume::Receiver;

use crate::engine::{Cast, Engine, Request};
use crate::events::{Events, Hub};
use crate::panic_message;
use crate::reply::{Outcome, PendingCall, Waker};
use crate::status::Status;
use crate::wire::encode;

/// One unit of work for the worker.
pub(crate) enum Job<E: Engine> {
    /// A request and the caller waiting for its reply.
    Call(Request<E>, PendingCall),
    /// A fire-and-forget message.
    Cast(Cast<E>),
}

impl<E: Engine> Job<E> {
    /// A refused job: release the caller's token without waking it.
    pub(crate) fn disarm(self) {
        if let Job::Call(_, pending) = self {
            pending.disarm();
        }
    }
}

/// Creates the engine and gives it the events handle, then runs until every sender
/// is gone and the queue is empty, then says goodbye to the RTS through `thread_done`.
pub(crate) fn run<E: Engine>(jobs: Receiver<Job<E>>, waker: Waker, events: Arc<Hub>) {
    // AssertUnwindSafe, here and below: after a panic the engine keeps whatever state
    // the handler left, which is the documented contract of `Engine`.
    let start = AssertUnwindSafe(|| {
        let mut engine = E::default();
        engine.attach(Events::new(events));
        engine
    });
    match catch_unwind(start) {
        Ok(mut engine) => {
            for job in jobs.iter() {
                match job {
                    Job::Call(request, pending) => pending.answer(call(&mut engine, request)),
                    Job::Cast(message) => {
                        if let Err(payload) =
                            catch_unwind(AssertUnwindSafe(|| engine.cast(message)))
                        {
                            eprintln!(
                                "rs-in-hs: engine panicked on a cast: {}",
                                panic_message(payload.as_ref())
                            );
                        }
                    }
                }
            }
        }
        Err(payload) => {
            // No engine: every call is answered with the reason, every cast dropped.
            let why = format!(
                "the engine panicked as it started: {}",
                panic_message(payload.as_ref())
            );
            eprintln!("rs-in-hs: {why}");
            for job in jobs.iter() {
                if let Job::Call(_, pending) = job {
                    pending.answer(Outcome::Failed(Status::EnginePanicked, why.clone()));
                }
            }
        }
    }
    if let Some(thread_done) = waker.thread_done {
        thread_done();
    }
}

fn call<E: Engine>(engine: &mut E, request: Request<E>) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| engine.call(request))) {
        Ok(reply) => match encode(&reply) {
            Ok(bytes) => Outcome::Reply(bytes),
            Err(status) => Outcome::Failed(status, status.to_string()),
        },
        Err(payload) => Outcome::Failed(
            Status::EnginePanicked,
            panic_message(payload.as_ref()).to_owned(),
        ),
    }
}
