//! The worker thread: it creates the engine and runs every call and cast.
//!
//! It never blocks on Haskell: replies go out through the reply cell, and through
//! `Notify` (`hs_try_putmvar`, which only queues a wake-up) when the caller parked.
//! The engine's construction, every call and cast, and its drop run under
//! `catch_unwind`, so a panicking engine answers its caller with `EnginePanicked` and
//! the worker goes on; a panic in construction or drop is reported to `init` or
//! `deinit`, and the worker still says goodbye to the RTS.
//! A call whose deadline has passed, or whose caller has given up, never reaches the
//! engine. A call declared `later` goes to the engine's `call_later` with its reply
//! handle; once that returns, a handle still unanswered is recorded with the gate,
//! which revokes it at deinit. After each job the worker polls the channel for the
//! spin window before it parks in `recv`, so a caller that sends again soon wakes no
//! OS thread; and it moves off a CPU it shares with a caller that polls alone
//! (`placement`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flume::{Receiver, TryRecvError};

use crate::engine::{Cast, Engine, Request, Start};
use crate::events::{Events, Hub};
use crate::later::{Gate, Responder, run_call_later};
use crate::panic_message;
use crate::placement::{self, StepAside};
use crate::protocol::Protocol;
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

/// What the worker tells `init` once the engine is built: `Err` with the panic's
/// message if its constructor panicked.
pub(crate) type Started = std::sync::mpsc::SyncSender<Result<(), String>>;

/// Builds the engine from the start-up message and the events handle, tells `init`
/// through `started`, then runs until every sender is gone and the queue is empty,
/// drops the engine, and says goodbye to the RTS through `thread_done`. Returns the
/// panic message if the constructor or the drop panicked (the goodbye is said
/// either way). `spin` is how long to poll for the next job, after a call whose
/// caller was polling, before parking (zero: park at once).
// The arguments are the worker's whole state, handed over once.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run<E: Engine>(
    jobs: Receiver<Job<E>>,
    start: Start<E>,
    started: Started,
    waker: Waker,
    events: Arc<Hub>,
    gate: Arc<Gate>,
    spin: Duration,
) -> Result<(), String> {
    let outcome = serve::<E>(jobs, start, started, events, gate, spin);
    if let Some(thread_done) = waker.thread_done {
        thread_done();
    }
    outcome
}

/// [`run`] up to the goodbye.
fn serve<E: Engine>(
    jobs: Receiver<Job<E>>,
    start: Start<E>,
    started: Started,
    events: Arc<Hub>,
    gate: Arc<Gate>,
    spin: Duration,
) -> Result<(), String> {
    // Whether the last job was a call whose caller was polling: its next call may be
    // near.
    let mut polled = false;
    let mut step_aside = StepAside::default();
    let next = |polled: bool| next_job(&jobs, if polled { spin } else { Duration::ZERO });
    // AssertUnwindSafe, here and below: after a panic the engine keeps whatever state
    // the handler left, which is the documented contract of `Engine`; a constructor
    // that panicked leaves no engine at all.
    let built = catch_unwind(AssertUnwindSafe(|| E::new(start, Events::new(events))));
    match built {
        Err(payload) => {
            let why = format!(
                "the engine panicked as it started: {}",
                panic_message(payload.as_ref())
            );
            eprintln!("rs-in-hs: {why}");
            // `init` waits for this and then joins: no job was ever queued.
            let _ = started.send(Err(why.clone()));
            Err(why)
        }
        Ok(mut engine) => {
            // `init` waits for this answer; if it is gone, so is every sender.
            let _ = started.send(Ok(()));
            while let Some(job) = next(polled) {
                polled = false;
                match job {
                    Job::Call(request, pending) => {
                        keep_apart(&pending, &mut step_aside);
                        let outcome = match pending.stale() {
                            Some(why) => {
                                pending.cell().stats().call_dropped(why);
                                Outcome::Failed(why, why.to_string())
                            }
                            None if E::Protocol::answers_later(&request) => {
                                call_later(&mut engine, request, pending, &gate);
                                continue;
                            }
                            None => call(&mut engine, request),
                        };
                        polled = !pending.answer(outcome);
                    }
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
            // The engine is dropped next, with any handles it holds.
            gate.stop();
            catch_unwind(AssertUnwindSafe(|| drop(engine))).map_err(|payload| {
                let why = format!(
                    "the engine panicked as it stopped: {}",
                    panic_message(payload.as_ref())
                );
                eprintln!("rs-in-hs: {why}");
                why
            })
        }
    }
}

/// Moves the worker off its CPU if the caller of the call it takes polls from that
/// same CPU and no other call is in flight (see `placement`; with others in flight
/// the worker is busy either way, and every CPU may be).
fn keep_apart(pending: &PendingCall, step_aside: &mut StepAside) {
    let cell = pending.cell();
    let Some(here) = placement::current() else {
        return;
    };
    if Some(here) == cell.caller_cpu() && cell.polled() && cell.stats().calls_in_flight() <= 1 {
        step_aside.leave(here);
    }
}

/// How many times the worker polls the channel with only a spin hint between polls
/// before it also yields the CPU between them (see [`next_job`]).
const POLLS_BEFORE_YIELD: u32 = 64;

/// The next job: polled for up to `spin`, then waited for. `None` once every sender
/// is gone and the queue is empty.
///
/// The polls come one spin hint apart, so a job is seen within a poll of its
/// arrival; after [`POLLS_BEFORE_YIELD`] of them each poll also yields the CPU, so
/// that a capability's thread sharing this CPU runs its callers. (An exponential
/// backoff, which spins twice as long between each of its first polls, measured a
/// higher p99 and, for the mixer, fewer calls a second at 1 to 1024 callers: see
/// docs/performance.md.)
fn next_job<E: Engine>(jobs: &Receiver<Job<E>>, spin: Duration) -> Option<Job<E>> {
    if !spin.is_zero() {
        let started = Instant::now();
        let mut polls = 0_u32;
        loop {
            match jobs.try_recv() {
                Ok(job) => return Some(job),
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) if started.elapsed() >= spin => break,
                Err(TryRecvError::Empty) if polls < POLLS_BEFORE_YIELD => {
                    polls += 1;
                    std::hint::spin_loop();
                }
                Err(TryRecvError::Empty) => std::thread::yield_now(),
            }
        }
    }
    jobs.recv().ok()
}

/// Hands a `later` call to the engine with its reply handle, then records the
/// handle with the gate if it is still unanswered.
fn call_later<E: Engine>(
    engine: &mut E,
    request: Request<E>,
    pending: PendingCall,
    gate: &Arc<Gate>,
) {
    let cell = Arc::clone(pending.cell());
    let call = E::Protocol::later(request, Responder::new(pending, Arc::clone(gate)));
    run_call_later(|| {
        catch_unwind(AssertUnwindSafe(|| engine.call_later(call)))
            .map_err(|payload| panic_message(payload.as_ref()).to_owned())
    });
    gate.escape(cell);
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
