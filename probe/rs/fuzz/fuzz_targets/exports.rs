//! The exported entry points, driven as a C caller would drive them: arbitrary
//! sequences of `h2r_init` (a valid init message, arbitrary bytes, or no `notify`),
//! `h2r_deinit`, `h2r_call` and `h2r_cast` (arbitrary message bytes, blocking or not,
//! or a null pointer with a length), reads and early releases of the replies, and
//! the events exports
//! (subscribe with any capacity, unsubscribe, take into buffers of any size, park),
//! and the inputs a foreign caller can get wrong: a null wake-up token given to a
//! park, a misaligned out-pointer.
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
//! park comes back exactly once, by an event or at unsubscribe or deinit. A refused
//! input has no side effect: no null token ever reaches `notify` (it would be
//! woken as token 0, which no call or park is given), no refused call is queued
//! (its token would be woken unaccounted at deinit), and no refused export writes
//! through its misaligned pointer. Reply handles are checked: one released (early,
//! or at a previous deinit) or its slot's next generation, a live one's neighbour
//! or other generation, or an arbitrary number is refused (`UnknownHandle`) by
//! `h2r_reply`, `h2r_park` and `h2r_release`, and releases nothing.
#![no_main]
#![allow(unsafe_code)] // drives the C exports directly, as Haskell does

use std::collections::HashMap;
use std::ffi::{c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{LazyLock, Once};

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
    /// `h2r_park` on a pending call (picked by `index`) with a null token.
    ParkNull {
        index: u8,
    },
    /// `h2r_events_park` with a null token.
    EventsParkNull,
    /// An export given a misaligned out-pointer (picked by `export`), the message
    /// bytes for `h2r_call`.
    Misaligned {
        export: u8,
        message: Vec<u8>,
    },
    /// `h2r_release` of a pending call (picked by `index`) before its reply is read.
    Release {
        index: u8,
    },
    /// `h2r_reply`, `h2r_park` or `h2r_release` (picked by `export`) with a handle
    /// that is not live: one released before (picked by `index`) or its slot's
    /// next generation, or a live handle's neighbour or other generation, or an
    /// arbitrary number.
    DeadHandle {
        index: u8,
        export: u8,
        arbitrary: u64,
    },
}

/// Park tokens are numbered from here, apart from the calls' tokens.
const PARK_TOKENS: usize = 1 << 40;

/// The wake-up recorder the bridge's `notify` is, here: the tokens it was handed, in
/// order. The token is the caller's number.
#[path = "../../../../bridge/rs/testing/wakes.rs"]
mod wakes;

use wakes::record;

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
    handle: u64,
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
    /// Tokens of calls whose handles were released before deinit: each is still
    /// woken once (answered, or dropped unrun).
    released_early: Vec<usize>,
    /// The last handles released, which must stay refused.
    released: Vec<u64>,
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
        let mut handle = 0u64;
        // SAFETY: `message` is live for the call and `handle` is a local; the token
        // is a plain number that only `record` sees.
        let got = status(unsafe {
            rs_in_hs_probe::h2r_call(
                message.as_ptr(),
                message.len(),
                wakes::token(token),
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
            assert_eq!(handle, 0, "a refused call wrote a handle");
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
        let mut handle = 0u64;
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
            // SAFETY: the out-pointers are locals.
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
        for token in wakes::take_all() {
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
        if self.running.is_none() {
            assert_eq!(got, Status::NotInitialised, "h2r_events_take not running");
            return;
        }
        if !self.subscribed {
            assert_eq!(got, Status::NotSubscribed, "h2r_events_take unsubscribed");
            return;
        }
        if got == Status::BufferTooSmall {
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
        let got =
            status(unsafe { rs_in_hs_probe::h2r_events_park(wakes::token(token), 0, &mut parked) });
        if self.running.is_none() {
            assert_eq!(got, Status::NotInitialised, "h2r_events_park not running");
            return;
        }
        if !self.subscribed {
            assert_eq!(got, Status::NotSubscribed, "h2r_events_park unsubscribed");
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

    /// A null token given to `h2r_park` for a pending call is refused, and the call
    /// stays as it was (its own token still wakes it, checked at deinit).
    fn park_null(&mut self, index: u8) {
        let mut tokens: Vec<usize> = self.pending.keys().copied().collect();
        if tokens.is_empty() {
            return;
        }
        tokens.sort_unstable();
        let handle = self.pending[&tokens[usize::from(index) % tokens.len()]].handle;
        // SAFETY: `handle` is unreleased; a null token is refused before it is used.
        let got = status(unsafe { rs_in_hs_probe::h2r_park(handle, std::ptr::null_mut(), 0) });
        assert_eq!(got, Status::InvalidArgument, "h2r_park with a null token");
    }

    /// A null token given to `h2r_events_park` is refused whatever the state, and
    /// nothing is parked.
    fn events_park_null(&mut self) {
        let mut parked: c_int = -1;
        // SAFETY: a null token is refused before it is stored; `parked` is a local.
        let got = status(unsafe {
            rs_in_hs_probe::h2r_events_park(std::ptr::null_mut(), 0, &mut parked)
        });
        assert_eq!(
            got,
            Status::InvalidArgument,
            "h2r_events_park with a null token"
        );
        assert_eq!(parked, -1, "a refused park writes nothing");
    }

    /// One export given a misaligned out-pointer: refused whatever the state, with
    /// nothing written, queued, taken or parked.
    fn misaligned(&mut self, export: u8, message: &[u8]) {
        const FILL: u64 = 0xA5A5_A5A5_A5A5_A5A5;
        let mut scratch = [FILL; 4];
        let bad = scratch.as_mut_ptr().cast::<u8>().wrapping_add(1);
        let handle = self.pending.values().next().map(|pending| pending.handle);
        let mut buf = [0u8; 256];
        let (mut ptr, mut len, mut used, mut missed) = (std::ptr::null(), 0usize, 0usize, 0u64);
        let token = PARK_TOKENS - 1;
        let got = match (export % 8, handle) {
            // SAFETY: the misaligned out-pointer is refused before the message is
            // read; the token is a plain number that only `record` sees.
            (0, _) => unsafe {
                rs_in_hs_probe::h2r_call(
                    message.as_ptr(),
                    message.len(),
                    wakes::token(token),
                    0,
                    0,
                    u64::MAX,
                    bad.cast(),
                )
            },
            // SAFETY: the handle is unreleased; the misaligned pointer is refused
            // before any write.
            (1, Some(handle)) => unsafe { rs_in_hs_probe::h2r_reply(handle, bad.cast(), &mut len) },
            // SAFETY: as above.
            (2, Some(handle)) => unsafe { rs_in_hs_probe::h2r_reply(handle, &mut ptr, bad.cast()) },
            // SAFETY: the misaligned pointer is refused before any write.
            (3, _) => unsafe {
                rs_in_hs_probe::h2r_events_take(
                    buf.as_mut_ptr(),
                    buf.len(),
                    bad.cast(),
                    &mut missed,
                )
            },
            // SAFETY: as above.
            (4, _) => unsafe {
                rs_in_hs_probe::h2r_events_take(buf.as_mut_ptr(), buf.len(), &mut used, bad.cast())
            },
            // SAFETY: as above; the token is a plain number that only `record` sees.
            (5, _) => unsafe {
                rs_in_hs_probe::h2r_events_park(wakes::token(token), 0, bad.cast())
            },
            // SAFETY: as above.
            (6, _) => unsafe { rs_in_hs_probe::h2r_stats(bad.cast(), 3) },
            // SAFETY: as above.
            _ => unsafe { rs_in_hs_probe::h2r_events_stats(bad.cast(), 3) },
        };
        assert_eq!(
            status(got),
            Status::InvalidArgument,
            "misaligned out-pointer ({export})"
        );
        assert_eq!(scratch, [FILL; 4], "a refused export writes nothing");
        assert_eq!((ptr, len, used, missed), (std::ptr::null(), 0, 0, 0));
        assert!(
            buf.iter().all(|&byte| byte == 0),
            "a refused take takes nothing"
        );
        // Asked for no counters, the counter exports never use `out`, misaligned
        // or null.
        for out in [bad.cast::<u64>(), std::ptr::null_mut()] {
            // SAFETY: a length of 0 asks for no write.
            let got = unsafe { rs_in_hs_probe::h2r_stats(out, 0) };
            assert_eq!(status(got), Status::Ok, "h2r_stats with length 0");
            // SAFETY: as above.
            let got = unsafe { rs_in_hs_probe::h2r_events_stats(out, 0) };
            let expected = if self.running.is_some() {
                Status::Ok
            } else {
                Status::NotInitialised
            };
            assert_eq!(status(got), expected, "h2r_events_stats with length 0");
        }
        assert_eq!(
            scratch, [FILL; 4],
            "a counter export with length 0 writes nothing"
        );
    }

    /// Keeps the last handles released, for `dead_handle`.
    fn remember_released(&mut self, handle: u64) {
        if self.released.len() == 64 {
            self.released.remove(0);
        }
        self.released.push(handle);
    }

    /// Releases a pending call's handle before its reply is read; the call is
    /// answered or dropped unrun, and its token woken once either way.
    fn release_early(&mut self, index: u8) {
        let mut tokens: Vec<usize> = self.pending.keys().copied().collect();
        if tokens.is_empty() {
            return;
        }
        tokens.sort_unstable();
        let token = tokens[usize::from(index) % tokens.len()];
        let pending = self.pending.remove(&token).expect("a pending call");
        let got = status(rs_in_hs_probe::h2r_release(pending.handle));
        assert_eq!(got, Status::Ok, "h2r_release of a live handle");
        self.released_early.push(token);
        self.remember_released(pending.handle);
    }

    /// A handle that is not live is refused by every export that takes one, and
    /// nothing happens: nothing written, no token taken (it would be woken
    /// unaccounted at deinit), nothing released (the live calls' own releases
    /// at deinit must succeed).
    fn dead_handle(&mut self, index: u8, export: u8, arbitrary: u64) {
        let live = self.pending.values().next().map(|pending| pending.handle);
        let released = (!self.released.is_empty())
            .then(|| self.released[usize::from(index) % self.released.len()]);
        let candidate = match (index % 5, live, released) {
            (0, _, Some(released)) => released,
            // The released slot's next generation (the top 29 bits count a slot's
            // reuses): live only if the slot was taken again, checked below.
            (3, _, Some(released)) => released.wrapping_add(1 << 35),
            (1, Some(live), _) => live ^ (1 << 40),
            (2, Some(live), _) => live.wrapping_add(1),
            _ => arbitrary,
        };
        if self
            .pending
            .values()
            .any(|pending| pending.handle == candidate)
        {
            return;
        }
        let sentinel = 0xBAD as *const u8;
        let (mut ptr, mut len) = (sentinel, 7usize);
        let got = match export % 3 {
            // SAFETY: the out-pointers are locals.
            0 => unsafe { rs_in_hs_probe::h2r_reply(candidate, &mut ptr, &mut len) },
            // SAFETY: the token is a plain number that only `record` sees.
            1 => unsafe { rs_in_hs_probe::h2r_park(candidate, wakes::token(PARK_TOKENS - 2), 0) },
            _ => rs_in_hs_probe::h2r_release(candidate),
        };
        assert_eq!(
            status(got),
            Status::UnknownHandle,
            "a dead handle {candidate:#x}"
        );
        assert_eq!((ptr, len), (sentinel, 7), "a refused read writes nothing");
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
        accepted.append(&mut self.released_early);
        accepted.sort_unstable();
        assert_eq!(delivered, accepted, "tokens delivered by deinit");
        self.check_replies(true);
        let pending: Vec<Pending> = self.pending.drain().map(|(_, pending)| pending).collect();
        for pending in pending {
            let released = rs_in_hs_probe::h2r_release(pending.handle);
            assert_eq!(status(released), Status::Ok);
            self.remember_released(pending.handle);
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
            Action::ParkNull { index } => model.park_null(index),
            Action::EventsParkNull => model.events_park_null(),
            Action::Misaligned { export, message } => model.misaligned(export, &message),
            Action::Release { index } => model.release_early(index),
            Action::DeadHandle {
                index,
                export,
                arbitrary,
            } => model.dead_handle(index, export, arbitrary),
        }
    }
    // Every input ends stopped, so the next one starts from a clean bridge.
    model.deinit();
});
