//! One engine's bridge state and its safe entry points, generic over the engine.
//!
//! No context pointer crosses the FFI: [`crate::export_engine!`] makes one static
//! [`Bridge`] for the engine type, and every export of that engine reaches it by
//! name. Each bridge has its own worker, counters and lifecycle, so several engines
//! in one program start and stop apart. Init writes
//! `Some`, deinit writes `None`, so init → deinit → init works. Everything here is
//! safe Rust; `ffi` only turns C arguments into these calls.

use std::ffi::c_int;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock, TryLockError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use flume::{Sender, TrySendError};

use crate::engine::{Cast, Engine, Request, Start};
use crate::events::Hub;
use crate::later::Gate;
use crate::reply::{Notify, PendingCall, ReplyCell, ThreadDone, Token, Waker};
use crate::schema::{self, SchemaError};
use crate::stats::Stats;
use crate::status::Status;
use crate::wire::{Config, decode_exact, decode_init};
use crate::worker::{self, Job};

/// Capacity of the request channel (calls and casts share it, so their order holds).
///
/// Large enough that a burst of callers rarely meets a full channel, small enough
/// that a stalled engine holds at most this many decoded requests. A full channel is
/// backpressure: non-blocking submits are refused with `ChannelFull` and the Haskell
/// side waits as a green thread, so no OS thread is parked per waiting caller.
pub const CHANNEL_CAPACITY: usize = 256;

/// What call and cast need from a running bridge.
struct Running<E: Engine> {
    config: Config,
    jobs: Sender<Job<E>>,
    waker: Waker,
    /// The engine's events and their subscription.
    events: Arc<Hub>,
    /// The handles of calls answered later, revoked at deinit.
    gate: Arc<Gate>,
}

/// The state of the one bridge for engine `E`: a static made by
/// [`crate::export_engine!`].
pub struct Bridge<E: Engine> {
    /// The running bridge, read by every call and cast.
    running: RwLock<Option<Running<E>>>,
    /// The worker's handle (its result: the panic message if the engine's drop
    /// panicked). Its mutex is also the lifecycle lock: init and deinit hold it for
    /// their whole run, so they never interleave.
    worker: Mutex<Option<JoinHandle<Result<(), String>>>>,
    /// Set while deinit runs: new requests are refused before they touch the lock,
    /// and a submit that finds the lock taken answers `ShuttingDown` rather than
    /// `NotInitialised`.
    shutting_down: AtomicBool,
    /// The protocol's schema fingerprint, computed on first use.
    fingerprint: OnceLock<Result<[u8; 32], SchemaError>>,
    /// This bridge's counters, kept across init/deinit cycles.
    stats: Stats,
}

/// Whether a submit may wait for room in the channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Refuse with `ChannelFull` instead of waiting. Never blocks.
    No,
    /// Wait until there is room (or the bridge shuts down).
    Yes,
}

impl<E: Engine> Default for Bridge<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Engine> Bridge<E> {
    /// A bridge that is not running.
    pub const fn new() -> Self {
        Bridge {
            running: RwLock::new(None),
            worker: Mutex::new(None),
            shutting_down: AtomicBool::new(false),
            fingerprint: OnceLock::new(),
            stats: Stats::new(),
        }
    }

    /// This bridge's counters.
    pub(crate) fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The SHA-256 of the protocol's canonical schema text.
    pub(crate) fn fingerprint(&self) -> Result<[u8; 32], SchemaError> {
        self.fingerprint
            .get_or_init(|| schema::schema::<E::Protocol>().and_then(|schema| schema.fingerprint()))
            .clone()
    }

    /// Starts the worker and waits until it has built the engine from the start-up
    /// message. Refuses a second init, a schema fingerprint that is not Rust's
    /// (`SchemaMismatch`), a config or start-up message that does not decode
    /// (`BadConfig`), and an engine whose constructor panicked (`EnginePanicked`,
    /// after the worker has exited: the bridge stays stopped).
    pub(crate) fn init(
        &'static self,
        notify: Notify,
        thread_done: Option<ThreadDone>,
        config_bytes: &[u8],
    ) -> Result<(), Status> {
        let mut worker = self.worker.lock().unwrap_or_else(PoisonError::into_inner);
        let mut running = self.running.write().unwrap_or_else(PoisonError::into_inner);
        if running.is_some() {
            return Err(Status::AlreadyInitialised);
        }
        // A schema Rust cannot render is refused by the protocol crate's generated-
        // module test; at run time it can only mean that no Haskell side can match.
        let ours = self.fingerprint().map_err(|_| Status::SchemaMismatch)?;
        let (config, start) = decode_init(config_bytes, &ours)?;
        let start: Start<E> = decode_exact(&start).map_err(|_| Status::BadConfig)?;
        let spin = Duration::from_micros(u64::from(config.spin_micros));
        let waker = Waker {
            notify,
            thread_done,
            stats: &self.stats,
        };
        let (jobs, queue) = flume::bounded(CHANNEL_CAPACITY);
        let events = Arc::new(Hub::new(waker.notify));
        let engine_events = Arc::clone(&events);
        let gate = Arc::new(Gate::new(waker));
        let worker_gate = Arc::clone(&gate);
        let (started, built) = std::sync::mpsc::sync_channel(1);
        let handle = std::thread::Builder::new()
            .name("rs-in-hs-worker".to_owned())
            .spawn(move || {
                worker::run::<E>(
                    queue,
                    start,
                    started,
                    waker,
                    engine_events,
                    worker_gate,
                    spin,
                )
            })
            .map_err(|_| Status::SpawnFailed)?;
        // The worker answers once it has built the engine (or failed to); a worker
        // gone without an answer can only have panicked outside the engine's code.
        if !matches!(built.recv(), Ok(Ok(()))) {
            let _ = handle.join();
            return Err(Status::EnginePanicked);
        }
        *worker = Some(handle);
        *running = Some(Running {
            config,
            jobs,
            waker,
            events,
            gate,
        });
        Ok(())
    }

    /// Stops the bridge: a barrier. Requests already accepted are answered (those
    /// whose handles the engine still holds with `ShuttingDown`, without waiting for
    /// them); when this returns the worker has exited and the handles are revoked, so
    /// Rust never calls into Haskell again. `EnginePanicked` if the engine's drop
    /// panicked, once all that is done.
    pub(crate) fn deinit(&self) -> Result<(), Status> {
        let mut worker = self.worker.lock().unwrap_or_else(PoisonError::into_inner);
        self.shutting_down.store(true, Ordering::SeqCst);
        // Dropping the only sender is the stop signal: the worker drains what is
        // queued, sees `Disconnected` and exits. Submitters that are blocked on a full
        // channel hold the read lock, so this write waits for them; they progress
        // because the worker keeps draining.
        // The statement ends with the events hub and the gate kept, so the sender is
        // dropped here, before the join.
        let kept = self
            .running
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .map(|running| (running.events, running.gate));
        let was_running = kept.is_some();
        // Everything the worker runs is under catch_unwind, so it cannot die with
        // work left; what it returns says whether the engine's drop panicked.
        let dropped = worker
            .take()
            .map_or(Ok(()), |handle| handle.join().unwrap_or(Ok(())));
        if let Some((events, gate)) = kept {
            // The worker has recorded every handle that outlived `call_later`: those
            // still held are answered now, and their later answers do nothing.
            gate.revoke();
            // A barrier for events too: a subscription still running ends here, and
            // the engine's threads that outlive it only drop what they emit.
            events.unsubscribe();
        }
        self.shutting_down.store(false, Ordering::SeqCst);
        if !was_running {
            Err(Status::NotInitialised)
        } else if dropped.is_err() {
            Err(Status::EnginePanicked)
        } else {
            Ok(())
        }
    }

    /// Submits a call that must reach the engine by `deadline`, if given, or is
    /// dropped unrun. With `parked`, on `Ok` the
    /// worker owns the token and will pass it to `notify` exactly once; without, the
    /// caller may park later (`ReplyCell::park`). On `Err` nothing was queued and the
    /// caller still owns its token.
    pub(crate) fn call(
        &self,
        message: &[u8],
        parked: Option<(c_int, Token)>,
        deadline: Option<Instant>,
        wait: Wait,
    ) -> Result<Arc<ReplyCell>, Status> {
        self.with_running(message, |running, request: Request<E>| {
            let (pending, cell) = PendingCall::new(running.waker, parked, deadline);
            running.submit(Job::Call(request, pending), wait)?;
            self.stats.call_accepted();
            Ok(cell)
        })
    }

    /// Submits a fire-and-forget message.
    pub(crate) fn cast(&self, message: &[u8], wait: Wait) -> Result<(), Status> {
        self.with_running(message, |running, message: Cast<E>| {
            running.submit(Job::Cast(message), wait)
        })
    }

    /// Runs `use_hub` on the running bridge's events hub, while the bridge is held
    /// running: a deinit waits for it, so whatever it starts (a subscription, a
    /// parked token) is there for that deinit to end and hand back. Never waits
    /// for the lock (as for submits).
    pub(crate) fn with_events<T>(
        &self,
        use_hub: impl FnOnce(&Hub) -> Result<T, Status>,
    ) -> Result<T, Status> {
        self.with_running_state(|running| use_hub(&running.events))
    }

    /// Checks state, length and encoding (in that order), then runs `submit`.
    fn with_running<M: serde::de::DeserializeOwned, T>(
        &self,
        message: &[u8],
        submit: impl FnOnce(&Running<E>, M) -> Result<T, Status>,
    ) -> Result<T, Status> {
        self.with_running_state(|running| {
            let max = usize::try_from(running.config.max_msg_len).unwrap_or(usize::MAX);
            if message.len() > max {
                return Err(Status::MessageTooLong);
            }
            let decoded = decode_exact(message)?;
            submit(running, decoded)
        })
    }

    /// Runs `use_running` with the running bridge, or refuses without waiting.
    fn with_running_state<T>(
        &self,
        use_running: impl FnOnce(&Running<E>) -> Result<T, Status>,
    ) -> Result<T, Status> {
        if self.shutting_down.load(Ordering::SeqCst) {
            return Err(Status::ShuttingDown);
        }
        // `try_read`, never `read`: the non-blocking submits are `unsafe` imports,
        // which hold their capability for the whole call, so they must not wait. The
        // lock is unavailable only while init or deinit holds or waits for it
        // (readers never exclude each other), and a deinit may wait there for the
        // queue to drain. A submit that lost the race with the flag above is
        // refused, not parked.
        let guard = match self.running.try_read() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => {
                return Err(if self.shutting_down.load(Ordering::SeqCst) {
                    Status::ShuttingDown
                } else {
                    Status::NotInitialised
                });
            }
        };
        let running = guard.as_ref().ok_or(Status::NotInitialised)?;
        use_running(running)
    }
}

impl<E: Engine> Running<E> {
    /// Queues `job`; a refused job is disarmed so it wakes nobody.
    fn submit(&self, job: Job<E>, wait: Wait) -> Result<(), Status> {
        let refused = match wait {
            Wait::No => match self.jobs.try_send(job) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Full(job)) => (job, Status::ChannelFull),
                Err(TrySendError::Disconnected(job)) => (job, Status::ShuttingDown),
            },
            Wait::Yes => match self.jobs.send(job) {
                Ok(()) => return Ok(()),
                Err(error) => (error.into_inner(), Status::ShuttingDown),
            },
        };
        let (job, status) = refused;
        job.disarm();
        Err(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A unit struct, the smallest request there is.
    #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct Nothing;

    crate::protocol! {
        /// A protocol with one call and one cast.
        pub struct Tiny;
        /// Its call.
        pub trait TinyCalls {
            /// Answers `()`.
            fn nothing(Nothing) -> ();
        }
        /// Its cast.
        pub trait TinyCasts {
            /// Does nothing.
            fn ignore(Nothing);
        }
    }

    struct TinyEngine;

    impl TinyCalls for TinyEngine {
        fn nothing(&mut self, _: Nothing) {}
    }

    impl TinyCasts for TinyEngine {
        fn ignore(&mut self, _: Nothing) {}
    }

    impl Engine for TinyEngine {
        type Protocol = Tiny;
        fn new((): (), _: crate::Events<Tiny>) -> Self {
            TinyEngine
        }
        fn call(&mut self, request: Request) -> Reply {
            request.dispatch(self)
        }
        fn cast(&mut self, message: Cast) {
            message.dispatch(self)
        }
    }

    static BRIDGE: Bridge<TinyEngine> = Bridge::new();

    /// A submit that meets init or deinit holding the lock is refused at once; with
    /// a blocking `read` it would wait for the guard below.
    #[test]
    fn a_submit_never_waits_for_the_lifecycle_lock() {
        let held = BRIDGE
            .running
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let (sender, receiver) = std::sync::mpsc::channel();
        let submitter = std::thread::spawn(move || sender.send(BRIDGE.cast(&[0], Wait::No)));
        let got = receiver.recv_timeout(Duration::from_secs(5));
        drop(held);
        submitter
            .join()
            .expect("the submitter does not panic")
            .expect("the receiver is alive");
        assert_eq!(got, Ok(Err(Status::NotInitialised)));
    }
}
