//! The exported entry points, driven as a C caller would drive them: arbitrary
//! sequences of `h2r_init` (a valid init message, arbitrary bytes, or no `notify`),
//! `h2r_deinit`, `h2r_call` and `h2r_cast` (arbitrary message bytes, blocking or not,
//! or a null pointer with a length), reads of the replies, and the events exports
//! (subscribe with any capacity, unsubscribe, take into buffers of any size, park).
//!
//! Invariant: every export returns exactly the status a model of the bridge predicts,
//! and every reply is the one a shadow `ProbeEngine`, fed the same decoded requests
//! and casts in the same order, gives; nothing panics (but the probe's injected
//! panics, which the worker catches), aborts or touches memory it was not given (the
//! build uses AddressSanitizer). After deinit every accepted call has woken its caller
//! exactly once with the engine's correct reply, and the leak counters balance. A
//! call answered later from another thread may instead be revoked by deinit
//! (`ShuttingDown`), and no deferred reply handle is outstanding after it.
//! Events decode as the protocol's, in emission order (each tick follows the one
//! before it unless a gap is reported), and every wake-up token Rust took from a
//! park comes back exactly once, by an event or at unsubscribe or deinit.
#![no_main]
#![allow(unsafe_code)] // drives the C exports directly, as Haskell does

use std::collections::HashMap;
use std::ffi::{c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{LazyLock, Mutex, Once, PoisonError};

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use rs_in_hs::events::{MAX_EVENT_CAPACITY, RECORD_HEADER_LEN};
use rs_in_hs::wire::{Config, InitMessage, decode_exact, encode};
use rs_in_hs::{Engine, Status};
use rs_in_hs_probe::engine::{INJECTED_PANIC, ProbeEngine, answer_held};
use rs_in_hs_probe::protocol::{
    BurstDone, Cast, EchoLater, EmitTicks, Event, HoldLater, PanicLater, Probe, Reply, Request,
    Sleep, SleepLater, Tick, WaitAsync,
};

/// One step of a fuzz input.
#[derive(Arbitrary, Debug)]
enum Action {
    /// A well-formed init message with Rust's own fingerprint.
    Init {
        max_msg_len: u32,
    },
    /// Arbitrary init bytes: almost always refused.
    InitRaw(Vec<u8>),
    InitWithoutNotify(Vec<u8>),
    Deinit,
    Call {
        message: Vec<u8>,
        block: bool,
    },
    Cast {
        message: Vec<u8>,
        block: bool,
    },
    CallNull {
        len: u8,
    },
    CastNull {
        len: u8,
    },
    ReadReplies,
    Subscribe {
        capacity: u32,
    },
    Unsubscribe,
    TakeEvents {
        len: u16,
    },
    Park,
}

/// Park tokens are numbered from here, apart from the calls' tokens.
const PARK_TOKENS: usize = 1 << 40;

/// Tokens delivered to `record`, in order. The token is the caller's number.
static WOKEN: Mutex<Vec<usize>> = Mutex::new(Vec::new());

extern "C" fn record(_capability: c_int, token: *mut c_void) {
    WOKEN
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(token.addr());
}

fn woken() -> Vec<usize> {
    std::mem::take(&mut *WOKEN.lock().unwrap_or_else(PoisonError::into_inner))
}

/// Panics are bugs, with one exception: the probe engine's injected ones
/// (`InjectPanic`, `PanicNote`), which the worker catches by design. libFuzzer's hook
/// aborts on every panic, even a caught one, so this hook lets the injected ones
/// through and hands the rest to it.
fn quiet_injected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let injected = info
                .payload()
                .downcast_ref::<&str>()
                .is_some_and(|text| text.starts_with(INJECTED_PANIC));
            if !injected {
                fuzzer_hook(info);
            }
        }));
    });
}

fn status(code: c_int) -> Status {
    Status::from_code(code)
        .unwrap_or_else(|| panic!("h2r_* returned {code}, which is not a status"))
}

/// What a call must be answered with.
#[derive(Debug)]
enum Expected {
    Reply(Vec<u8>),
    Panicked,
    /// The engine dropped the reply handle on the worker.
    Unanswered,
    /// Answered from another thread: what it answers, or `ShuttingDown` if deinit
    /// revoked the handle first.
    Later(Box<Expected>),
}

/// An accepted call: its reply handle and what the reply must be.
struct Pending {
    handle: *const c_void,
    expected: Expected,
}

/// The model of the running bridge.
#[derive(Default)]
struct Model {
    /// `Some(max_msg_len)` while running.
    running: Option<u32>,
    /// The shadow engine: fed every accepted call and cast in submission order, which
    /// is the worker's order (calls and casts share one FIFO channel), so its
    /// answers are the ones the bridge must deliver.
    engine: ProbeEngine,
    /// The last token given; each call gets the next, so none is 0 (a null token
    /// would leave the call unparked, and nobody would be woken for it).
    last_token: usize,
    pending: HashMap<usize, Pending>,
    /// Whether an events subscription runs.
    subscribed: bool,
    /// The tick the next event continues with, if no gap is reported before it;
    /// `None` when any event may come next (a new subscription, after a gap, after
    /// the end of a burst only a first tick or an empty burst's end).
    next_tick: Option<u64>,
    /// Whether the stream of events of this subscription has started.
    started: bool,
    /// Park tokens Rust took, and those it handed back, so far.
    parks_taken: Vec<usize>,
    parks_returned: Vec<usize>,
    /// Call tokens woken, not yet checked at deinit.
    calls_woken: Vec<usize>,
    next_park: usize,
}

/// The longest `Sleep` a fuzz input may ask for: enough to fill the channel behind a
/// busy worker, short enough to keep the executions fast.
const MAX_SLEEP_MS: u32 = 2;

impl Model {
    /// The status a call or cast must meet before it is queued, or `Ok(())` if it
    /// will be queued (or refused for a full channel) once it decodes.
    fn admitted(&self, message: &[u8]) -> Result<(), Status> {
        let max = self.running.ok_or(Status::NotInitialised)?;
        if message.len() > usize::try_from(max).unwrap_or(usize::MAX) {
            return Err(Status::MessageTooLong);
        }
        Ok(())
    }

    /// As [`Model::admitted`], then the decoded request.
    fn request(&self, message: &[u8]) -> Result<Request, Status> {
        self.admitted(message)?;
        decode_exact(message)
    }

    /// As [`Model::admitted`], then the decoded cast.
    fn cast_message(&self, message: &[u8]) -> Result<Cast, Status> {
        self.admitted(message)?;
        decode_exact(message)
    }

    /// Runs an accepted call through the shadow engine, as the worker does; a call
    /// answered later is predicted from the probe engine's rules instead.
    fn engine_reply(&mut self, request: Request) -> Expected {
        let later = |reply: Reply| {
            Expected::Later(Box::new(Expected::Reply(
                encode(&reply).expect("a reply encodes"),
            )))
        };
        match request {
            Request::SleepLater(_) => return later(Reply::SleepLater(())),
            Request::EchoLater(EchoLater(n)) => return later(Reply::EchoLater(n)),
            Request::WaitAsync(WaitAsync(ms)) => return later(Reply::WaitAsync(ms)),
            Request::HoldLater(HoldLater(n)) => return later(Reply::HoldLater(n)),
            Request::DropLater(_) => return Expected::Unanswered,
            Request::PanicLater(PanicLater(on_helper)) if on_helper.0 => {
                return Expected::Later(Box::new(Expected::Unanswered));
            }
            Request::PanicLater(_) => return Expected::Panicked,
            _ => {}
        }
        // AssertUnwindSafe: as in the worker, the engine keeps whatever state a
        // panicking handler left.
        match catch_unwind(AssertUnwindSafe(|| self.engine.call(request))) {
            Ok(reply) => Expected::Reply(encode(&reply).expect("a reply encodes")),
            Err(_) => Expected::Panicked,
        }
    }

    /// Runs an accepted cast through the shadow engine, as the worker does.
    fn engine_cast(&mut self, message: Cast) {
        // AssertUnwindSafe: as for calls.
        let _ = catch_unwind(AssertUnwindSafe(|| self.engine.cast(message)));
    }

    fn init(&mut self, config: &[u8], with_notify: bool) {
        let notify = with_notify.then_some(record as extern "C" fn(c_int, *mut c_void));
        // SAFETY: `config` is a live slice for the duration of the call.
        let got = status(unsafe {
            rs_in_hs_probe::h2r_init(notify, None, config.as_ptr(), config.len())
        });
        let expected = if !with_notify {
            Status::InvalidArgument
        } else if self.running.is_some() {
            Status::AlreadyInitialised
        } else {
            match expected_init(config) {
                Ok(max_msg_len) => {
                    self.running = Some(max_msg_len);
                    self.engine = ProbeEngine::default();
                    Status::Ok
                }
                Err(refusal) => refusal,
            }
        };
        assert_eq!(got, expected, "h2r_init({config:?})");
    }

    fn call(&mut self, message: &[u8], block: bool) {
        if is_long_sleep(message) {
            return;
        }
        self.last_token += 1;
        let token = self.last_token;
        let mut handle = std::ptr::null();
        // SAFETY: `message` is live for the call and `handle` is a local; the token
        // is a plain number that only `record` sees.
        let got = status(unsafe {
            rs_in_hs_probe::h2r_call(
                message.as_ptr(),
                message.len(),
                std::ptr::without_provenance_mut(token),
                0,
                c_int::from(block),
                u64::MAX,
                &mut handle,
            )
        });
        match self.request(message) {
            Err(expected) => assert_eq!(got, expected, "h2r_call({message:?})"),
            Ok(_) if got == Status::ChannelFull && !block => {}
            Ok(request) => {
                assert_eq!(got, Status::Ok, "h2r_call({message:?})");
                let expected = self.engine_reply(request);
                self.pending.insert(token, Pending { handle, expected });
            }
        }
        if got != Status::Ok {
            assert!(handle.is_null(), "a refused call wrote a handle");
        }
    }

    fn cast(&mut self, message: &[u8], block: bool) {
        // SAFETY: `message` is live for the call.
        let got = status(unsafe {
            rs_in_hs_probe::h2r_cast(message.as_ptr(), message.len(), c_int::from(block))
        });
        match self.cast_message(message) {
            Err(expected) => assert_eq!(got, expected, "h2r_cast({message:?})"),
            Ok(_) if got == Status::ChannelFull && !block => {}
            Ok(cast) => {
                assert_eq!(got, Status::Ok, "h2r_cast({message:?})");
                self.engine_cast(cast);
            }
        }
    }

    fn null_message(&mut self, len: u8, call: bool) {
        let len = usize::from(len);
        let mut handle = std::ptr::null();
        let got = if call {
            // SAFETY: a null message is checked before it is read; `handle` is a local.
            status(unsafe {
                rs_in_hs_probe::h2r_call(
                    std::ptr::null(),
                    len,
                    std::ptr::null_mut(),
                    0,
                    0,
                    u64::MAX,
                    &mut handle,
                )
            })
        } else {
            // SAFETY: a null message is checked before it is read.
            status(unsafe { rs_in_hs_probe::h2r_cast(std::ptr::null(), len, 0) })
        };
        let expected = if len > 0 {
            Status::InvalidArgument
        } else {
            let refusal = if call {
                self.request(&[]).err()
            } else {
                self.cast_message(&[]).err()
            };
            refusal.unwrap_or(Status::Ok)
        };
        assert_eq!(got, expected, "null message of length {len}");
    }

    /// Every accepted call's reply is pending or correct; with `all_delivered`, it
    /// must be there.
    fn check_replies(&self, all_delivered: bool) {
        for pending in self.pending.values() {
            let mut ptr = std::ptr::null();
            let mut len = 0usize;
            // SAFETY: `handle` is unreleased; the out-pointers are locals.
            let got =
                status(unsafe { rs_in_hs_probe::h2r_reply(pending.handle, &mut ptr, &mut len) });
            if got == Status::Pending && !all_delivered {
                continue;
            }
            // SAFETY: h2r_reply set `ptr`/`len` to bytes that live until release.
            let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
            check_reply(&pending.expected, got, bytes);
        }
    }

    /// Sorts the woken tokens into calls' and parks'.
    fn collect_wakes(&mut self) {
        for token in woken() {
            if token >= PARK_TOKENS {
                self.parks_returned.push(token);
            } else {
                self.calls_woken.push(token);
            }
        }
    }

    fn subscribe(&mut self, capacity: u32) {
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX) % (MAX_EVENT_CAPACITY + 2);
        let got = status(rs_in_hs_probe::h2r_events_subscribe(capacity));
        let expected = if self.running.is_none() {
            Status::NotInitialised
        } else if capacity == 0 || capacity > MAX_EVENT_CAPACITY {
            Status::InvalidArgument
        } else if self.subscribed {
            Status::AlreadySubscribed
        } else {
            self.subscribed = true;
            self.started = false;
            Status::Ok
        };
        assert_eq!(got, expected, "h2r_events_subscribe({capacity})");
    }

    fn unsubscribe(&mut self) {
        let got = status(rs_in_hs_probe::h2r_events_unsubscribe());
        let expected = if self.running.is_some() {
            self.subscribed = false;
            Status::Ok
        } else {
            Status::NotInitialised
        };
        assert_eq!(got, expected, "h2r_events_unsubscribe");
        if got == Status::Ok {
            self.check_parks_returned();
        }
    }

    /// With no subscription, every token Rust took is back, once.
    fn check_parks_returned(&mut self) {
        self.collect_wakes();
        let mut taken = self.parks_taken.clone();
        let mut returned = self.parks_returned.clone();
        taken.sort_unstable();
        returned.sort_unstable();
        assert_eq!(taken, returned, "park tokens taken and handed back");
    }

    fn take_events(&mut self, len: u16) {
        let len = usize::from(len);
        let mut buf = vec![0u8; len];
        let (mut used, mut missed) = (0usize, 0u64);
        // SAFETY: `buf` is valid for `len` writes; the out-pointers are locals.
        let got = status(unsafe {
            rs_in_hs_probe::h2r_events_take(buf.as_mut_ptr(), len, &mut used, &mut missed)
        });
        if self.running.is_none() || !self.subscribed {
            assert_eq!(got, Status::NotInitialised, "h2r_events_take unsubscribed");
            return;
        }
        if got == Status::MessageTooLong {
            assert!(
                used > len,
                "a refused take names a longer record ({used} > {len})"
            );
            return;
        }
        assert_eq!(got, Status::Ok, "h2r_events_take({len})");
        assert!(used <= len);
        let mut at = 0;
        while at < used {
            let word = |from: usize| u64::from_ne_bytes(buf[from..from + 8].try_into().unwrap());
            let size = usize::try_from(word(at + 8)).unwrap();
            let start = at + RECORD_HEADER_LEN;
            let event: Event = decode_exact(&buf[start..start + size]).expect("an event decodes");
            self.follow(word(at), &event);
            at = start + size.next_multiple_of(8);
        }
        assert_eq!(at, used, "records fill what take reports");
        if missed > 0 {
            self.next_tick = None;
        }
    }

    /// Checks that `event` may follow the events before it, `missed` after them.
    fn follow(&mut self, missed: u64, event: &Event) {
        let free = !self.started || missed > 0;
        self.started = true;
        match (event, free, self.next_tick) {
            (Event::Tick(Tick(n)), false, Some(next)) => assert_eq!(*n, next, "ticks in order"),
            (Event::Tick(Tick(n)), false, None) => assert_eq!(*n, 0, "a burst starts at 0"),
            (Event::BurstDone(BurstDone(n)), false, next) => {
                assert_eq!(
                    u64::from(*n),
                    next.unwrap_or(0),
                    "a burst ends after its ticks"
                );
            }
            _ => {}
        }
        self.next_tick = match event {
            Event::Tick(Tick(n)) => Some(n + 1),
            Event::BurstDone(_) => None,
        };
    }

    fn park(&mut self) {
        let token = PARK_TOKENS + self.next_park;
        self.next_park += 1;
        let mut parked: c_int = -1;
        // SAFETY: the token is a plain number that only `record` sees; `parked` is a
        // local.
        let got = status(unsafe {
            rs_in_hs_probe::h2r_events_park(std::ptr::without_provenance_mut(token), 0, &mut parked)
        });
        if self.running.is_none() || !self.subscribed {
            assert_eq!(got, Status::NotInitialised, "h2r_events_park unsubscribed");
            return;
        }
        // Parked already (no event came since) is refused; otherwise it parks or
        // says an event waits.
        if got == Status::InvalidArgument {
            self.collect_wakes();
            assert!(
                self.parks_taken.len() > self.parks_returned.len(),
                "refused as parked, with every token back"
            );
            return;
        }
        assert_eq!(got, Status::Ok, "h2r_events_park");
        if parked == 1 {
            self.parks_taken.push(token);
        } else {
            assert_eq!(parked, 0);
        }
    }

    fn deinit(&mut self) {
        let got = status(rs_in_hs_probe::h2r_deinit());
        let expected = if self.running.take().is_some() {
            Status::Ok
        } else {
            Status::NotInitialised
        };
        assert_eq!(got, expected, "h2r_deinit");
        self.subscribed = false;
        // Deinit is a barrier: every accepted call has woken its caller, once, and
        // every park token is back.
        self.check_parks_returned();
        let mut delivered = std::mem::take(&mut self.calls_woken);
        delivered.sort_unstable();
        let mut accepted: Vec<usize> = self.pending.keys().copied().collect();
        accepted.sort_unstable();
        assert_eq!(delivered, accepted, "tokens delivered by deinit");
        self.check_replies(true);
        for (_, pending) in self.pending.drain() {
            // SAFETY: each handle is released exactly once, here.
            let released = unsafe { rs_in_hs_probe::h2r_release(pending.handle) };
            assert_eq!(status(released), Status::Ok);
        }
        let mut values = [0; rs_in_hs::stats::COUNTERS];
        // SAFETY: `values` is a live array of `values.len()` counters.
        let code = unsafe { rs_in_hs_probe::h2r_stats(values.as_mut_ptr(), values.len()) };
        assert_eq!(status(code), Status::Ok);
        let stats = rs_in_hs::stats::Snapshot::from_array(values);
        assert_eq!(stats.calls_accepted, stats.calls_answered, "{stats:?}");
        assert_eq!(stats.handles_issued, stats.handles_released, "{stats:?}");
        assert_eq!(stats.deferred_outstanding(), 0, "{stats:?}");
        // The handles revoked are still held by the probe's helper threads: their
        // answers now do nothing, and free them.
        answer_held();
    }
}

/// A delivered reply (status and bytes) is the one expected.
fn check_reply(expected: &Expected, got: Status, bytes: &[u8]) {
    match expected {
        Expected::Reply(reply) => {
            assert_eq!(got, Status::Ok);
            assert_eq!(bytes, reply.as_slice(), "reply to a call");
        }
        Expected::Panicked => {
            assert_eq!(got, Status::EnginePanicked);
            assert!(
                bytes.starts_with(INJECTED_PANIC.as_bytes()),
                "the failure carries the panic's message"
            );
        }
        Expected::Unanswered => assert_eq!(got, Status::Unanswered),
        Expected::Later(_) if got == Status::ShuttingDown => {}
        Expected::Later(answer) => check_reply(answer, got, bytes),
    }
}

/// Rust's schema fingerprint for the probe protocol, traced once.
fn fingerprint() -> [u8; 32] {
    static FINGERPRINT: LazyLock<[u8; 32]> = LazyLock::new(|| {
        rs_in_hs::schema::schema::<Probe>()
            .and_then(|schema| schema.fingerprint())
            .expect("Rust's schema renders")
    });
    *FINGERPRINT
}

/// An init message that Rust accepts: its own fingerprint and the given limit, with
/// a short spin window so that the worker's polling path is fuzzed too.
fn valid_init(max_msg_len: u32) -> Vec<u8> {
    encode(&InitMessage {
        schema_fingerprint: fingerprint().to_vec(),
        config: Config {
            max_msg_len,
            spin_micros: 10,
        },
        start: Vec::new(),
    })
    .expect("an init message encodes")
}

/// What `h2r_init` must answer for these bytes (with a `notify`, on a stopped
/// bridge): the fingerprint at the front is compared first (`SchemaMismatch` if it
/// is there and not Rust's), then the whole message must decode, its start-up
/// message as the probe's `()` (`BadConfig` otherwise). `Ok` carries the config's `max_msg_len`.
fn expected_init(bytes: &[u8]) -> Result<u32, Status> {
    let theirs = fingerprint_prefix(bytes).ok_or(Status::BadConfig)?;
    if theirs != fingerprint() {
        return Err(Status::SchemaMismatch);
    }
    // The probe declares no start-up message: its `()` takes no bytes.
    decode_exact::<InitMessage>(bytes)
        .ok()
        .filter(|init| init.start.is_empty())
        .map(|init| init.config.max_msg_len)
        .ok_or(Status::BadConfig)
}

/// The fingerprint at the front of an init message, by its frozen layout (a
/// little-endian `u64` length, then that many bytes); `None` if the bytes are too
/// short for it.
fn fingerprint_prefix(bytes: &[u8]) -> Option<&[u8]> {
    let (len, rest) = bytes.split_first_chunk::<8>()?;
    rest.get(..usize::try_from(u64::from_le_bytes(*len)).ok()?)
}

/// Most ticks a fuzz input may ask for in one burst.
const MAX_TICKS: u32 = 64;

/// A `Sleep` longer than `MAX_SLEEP_MS`, or a burst of more than `MAX_TICKS`, is
/// skipped, not sent: the engine would honour it (up to 10 s, or a million ticks)
/// and the fuzzer would crawl.
fn is_long_sleep(message: &[u8]) -> bool {
    match decode_exact(message) {
        Ok(
            Request::Sleep(Sleep(ms))
            | Request::SleepLater(SleepLater(ms))
            | Request::WaitAsync(WaitAsync(ms)),
        ) => ms > MAX_SLEEP_MS,
        Ok(Request::EmitTicks(EmitTicks(count))) => count > MAX_TICKS,
        _ => false,
    }
}

fuzz_target!(|actions: Vec<Action>| {
    quiet_injected_panics();
    let mut model = Model::default();
    for action in actions {
        match action {
            Action::Init { max_msg_len } => model.init(&valid_init(max_msg_len), true),
            Action::InitRaw(config) => model.init(&config, true),
            Action::InitWithoutNotify(config) => model.init(&config, false),
            Action::Deinit => model.deinit(),
            Action::Call { message, block } => model.call(&message, block),
            Action::Cast { message, block } => model.cast(&message, block),
            Action::CallNull { len } => model.null_message(len, true),
            Action::CastNull { len } => model.null_message(len, false),
            Action::ReadReplies => model.check_replies(false),
            Action::Subscribe { capacity } => model.subscribe(capacity),
            Action::Unsubscribe => model.unsubscribe(),
            Action::TakeEvents { len } => model.take_events(len),
            Action::Park => model.park(),
        }
    }
    // Every input ends stopped, so the next one starts from a clean bridge.
    model.deinit();
});
