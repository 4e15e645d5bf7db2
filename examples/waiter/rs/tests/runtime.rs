//! The waiter engine driven through its C exports, as a Haskell host drives them:
//! calls answered later run concurrently on the engine's runtime, read files, stop
//! when their caller gives up, and answer `Expired` when their deadline passes.
#![allow(unsafe_code)] // drives the C exports directly

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rs_in_hs::Status;
use rs_in_hs::stats::{COUNTERS, Snapshot};
use rs_in_hs::wire::{Config, InitMessage, WireText, decode_exact, encode};
use waiter_engine::{FileSize, Reply, Request, Started, Wait, Waiter};

/// Every wait in these tests is bounded by this.
const WAIT: Duration = Duration::from_secs(10);

/// The wake-up recorder the bridge's `notify` is, here.
#[path = "../../../../bridge/rs/testing/wakes.rs"]
mod wakes;

use wakes::record;

/// The bridge is process-wide, so the tests take turns; each runs in its own bridge.
static SERIAL: Mutex<()> = Mutex::new(());

struct Bridge(#[allow(dead_code)] MutexGuard<'static, ()>);

impl Bridge {
    fn start() -> Bridge {
        let guard = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let fingerprint = rs_in_hs::schema::schema::<Waiter>()
            .and_then(|schema| schema.fingerprint())
            .expect("the protocol renders");
        let init = encode(&InitMessage {
            schema_fingerprint: fingerprint.to_vec(),
            config: Config {
                max_msg_len: 4096,
                spin_micros: 0,
            },
            start: Vec::new(),
        })
        .unwrap();
        // SAFETY: `init` is live for the call; `record` is callable from any thread.
        let code =
            unsafe { waiter_engine::h2r_init(Some(record), None, init.as_ptr(), init.len()) };
        assert_eq!(code, 0);
        Bridge(guard)
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        assert_eq!(waiter_engine::h2r_deinit(), 0);
        wakes::take_all();
        let stats = snapshot();
        assert_eq!(stats.calls_accepted, stats.calls_answered, "{stats:?}");
        assert_eq!(stats.deferred_outstanding(), 0, "{stats:?}");
    }
}

/// A reply handle, released on drop.
struct Handle(u64);

impl Handle {
    /// Submits `request` (waiting for room), parked with `token` (0: unparked), to
    /// be started within `budget` if given.
    fn call(request: &Request, token: usize, budget: Option<Duration>) -> Handle {
        let bytes = encode(request).unwrap();
        let budget_ns = budget.map_or(u64::MAX, |budget| budget.as_nanos() as u64);
        let mut out = 0u64;
        // SAFETY: `bytes` is live for the call, `out` is a local, and the token is a
        // plain number that only `record` sees.
        let code = unsafe {
            waiter_engine::h2r_call(
                bytes.as_ptr(),
                bytes.len(),
                wakes::token(token),
                0,
                1,
                budget_ns,
                &mut out,
            )
        };
        assert_eq!(code, 0);
        Handle(out)
    }

    /// The reply, or the failure's status.
    fn read(&self) -> Result<Reply, Status> {
        let mut ptr = std::ptr::null();
        let mut len = 0usize;
        // SAFETY: the out-pointers are locals.
        let code = unsafe { waiter_engine::h2r_reply(self.0, &mut ptr, &mut len) };
        match Status::from_code(code) {
            Some(Status::Ok) => {
                // SAFETY: h2r_reply set `ptr`/`len` to bytes that live until release.
                let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
                Ok(decode_exact(bytes).expect("the reply decodes"))
            }
            status => Err(status.expect("a known status")),
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        assert_eq!(waiter_engine::h2r_release(self.0), 0, "released once, here");
    }
}

/// The waiter bridge's counters, read through its `h2r_stats`.
fn snapshot() -> Snapshot {
    let mut values = [0; COUNTERS];
    // SAFETY: `values` is a live array of `values.len()` counters.
    let code = unsafe { waiter_engine::h2r_stats(values.as_mut_ptr(), values.len()) };
    assert_eq!(code, 0);
    Snapshot::from_array(values)
}

fn next_wake() -> usize {
    wakes::next_within(WAIT).expect("a wake-up within the bound")
}

#[test]
fn a_thousand_calls_that_each_wait_10_ms_run_together() {
    let _bridge = Bridge::start();
    let started = Instant::now();
    let calls: Vec<Handle> = (1..=1000)
        .map(|token| Handle::call(&Request::Wait(Wait(10)), token, None))
        .collect();
    for _ in 0..1000 {
        next_wake();
    }
    let took = started.elapsed();
    for call in &calls {
        assert_eq!(call.read(), Ok(Reply::Wait(10)));
    }
    // One after another they would take 10 s.
    assert!(took < Duration::from_secs(5), "{took:?}");
    println!("1,000 calls of 10 ms each, all in flight at once: {took:?}");
}

#[test]
fn a_call_reads_a_file_on_the_runtime() {
    let _bridge = Bridge::start();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let size = std::fs::metadata(path).unwrap().len();
    let here = Handle::call(&Request::FileSize(FileSize(WireText::from(path))), 1, None);
    let missing = Handle::call(
        &Request::FileSize(FileSize(WireText::from("/no/such/file"))),
        2,
        None,
    );
    next_wake();
    next_wake();
    assert_eq!(here.read(), Ok(Reply::FileSize(Some(size))));
    assert_eq!(missing.read(), Ok(Reply::FileSize(None)));
}

#[test]
fn a_task_whose_caller_gives_up_stops_and_answers_nothing() {
    let _bridge = Bridge::start();
    let before = snapshot();
    let gone = Handle::call(&Request::Wait(Wait(60_000)), 0, None);
    let count = Handle::call(&Request::Started(Started), 1, None);
    assert_eq!(next_wake(), 1);
    assert_eq!(count.read(), Ok(Reply::Started(1)));
    let deferred = Instant::now();
    while snapshot().deferred_outstanding() != 1 {
        assert!(deferred.elapsed() < WAIT, "the wait was deferred");
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(gone);
    // The task stops: its handle is dropped unanswered, with nobody to tell.
    while snapshot().deferred_outstanding() != 0 {
        assert!(deferred.elapsed() < WAIT, "the task stopped");
        std::thread::sleep(Duration::from_millis(1));
    }
    let after = snapshot();
    assert_eq!(after.answers_late, before.answers_late);
    assert_eq!(after.calls_unanswered, before.calls_unanswered);
}

#[test]
fn a_task_past_its_deadline_answers_expired() {
    let _bridge = Bridge::start();
    let late = Handle::call(
        &Request::Wait(Wait(60_000)),
        1,
        Some(Duration::from_millis(20)),
    );
    assert_eq!(next_wake(), 1);
    assert_eq!(late.read(), Err(Status::Expired));
}
