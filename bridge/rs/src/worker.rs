//! The worker thread: the audio-thread stand-in that runs the engine.
//!
//! It never blocks on Haskell: replies go out through `Notify` (`hs_try_putmvar`),
//! which only queues a wake-up. Every engine call runs under `catch_unwind`, so a
//! panicking engine answers its caller with `EnginePanicked` and the worker goes on.

use std::panic::{AssertUnwindSafe, catch_unwind};

use flume::Receiver;

use crate::engine::Engine;
use crate::panic_message;
use crate::reply::{Outcome, PendingCall, Waker};
use crate::status::Status;
use crate::wire::{MessageBody, encode};

/// One unit of work for the worker.
#[derive(Debug)]
pub enum Job {
    /// A request and the caller waiting for its reply.
    Call(MessageBody, PendingCall),
    /// A fire-and-forget message.
    Cast(MessageBody),
}

impl Job {
    /// A refused job: release the caller's token without waking it.
    pub fn disarm(self) {
        if let Job::Call(_, pending) = self {
            pending.disarm();
        }
    }
}

/// Runs until every sender is gone and the queue is empty, then says goodbye to the
/// RTS through `thread_done`.
pub fn run(jobs: Receiver<Job>, waker: Waker) {
    let mut engine = Engine::default();
    for job in jobs.iter() {
        match job {
            Job::Call(request, pending) => pending.answer(call(&mut engine, request)),
            Job::Cast(message) => {
                // AssertUnwindSafe: after a panic the engine keeps whatever state the
                // handler left; the demo engine's only state is a counter.
                if let Err(payload) = catch_unwind(AssertUnwindSafe(|| engine.cast(message))) {
                    eprintln!(
                        "rs-in-hs: engine panicked on a cast: {}",
                        panic_message(payload.as_ref())
                    );
                }
            }
        }
    }
    if let Some(thread_done) = waker.thread_done {
        thread_done();
    }
}

fn call(engine: &mut Engine, request: MessageBody) -> Outcome {
    // AssertUnwindSafe: as for casts above.
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
