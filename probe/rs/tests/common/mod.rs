//! Shared harness for the behaviour tests: drives the probe's C exports as Haskell
//! would, with a Rust `notify` that records tokens instead of `hs_try_putmvar`.
#![allow(dead_code, unsafe_code)] // each test binary uses a different subset

use std::ffi::{c_int, c_void};
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use flume::{Receiver, Sender};
use rs_in_hs::Status;
use rs_in_hs::stats::{COUNTERS, Snapshot};
use rs_in_hs::wire::{Config, InitMessage, decode_exact, encode};
use rs_in_hs_probe::protocol::{Cast, Probe, Reply, Request};

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

/// The bridge is process-wide, so tests in one binary take turns.
static SERIAL: Mutex<()> = Mutex::new(());

/// Tokens handed to `record`, in delivery order.
static WAKES: LazyLock<(Sender<usize>, Receiver<usize>)> = LazyLock::new(flume::unbounded);

extern "C" fn record(_capability: c_int, token: *mut c_void) {
    let _ = WAKES.0.send(token.addr());
}

/// Exclusive use of the bridge for one test; deinits on drop if still running.
pub struct Session(#[allow(dead_code)] MutexGuard<'static, ()>);

impl Drop for Session {
    /// Deinits, then checks the leak counters: after deinit every accepted call was
    /// answered, and every handle the test took was released (handles are declared
    /// after the session, so they are dropped before it).
    fn drop(&mut self) {
        let _ = rs_in_hs_probe::h2r_deinit();
        while WAKES.1.try_recv().is_ok() {}
        if !std::thread::panicking() {
            let stats = snapshot();
            assert_eq!(stats.calls_accepted, stats.calls_answered, "{stats:?}");
            assert_eq!(stats.handles_issued, stats.handles_released, "{stats:?}");
            assert_eq!(stats.deferred_outstanding(), 0, "{stats:?}");
        }
    }
}

pub fn session() -> Session {
    let guard = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = rs_in_hs_probe::h2r_deinit();
    while WAKES.1.try_recv().is_ok() {}
    Session(guard)
}

/// The probe bridge's counters, read through its `h2r_stats` as Haskell reads them.
pub fn snapshot() -> Snapshot {
    let mut values = [0; COUNTERS];
    // SAFETY: `values` is a live array of `values.len()` counters.
    let code = unsafe { rs_in_hs_probe::h2r_stats(values.as_mut_ptr(), values.len()) };
    assert_eq!(status(code), Ok(()));
    Snapshot::from_array(values)
}

/// Rust's schema fingerprint for the probe protocol.
pub fn fingerprint() -> [u8; 32] {
    rs_in_hs::schema::schema::<Probe>()
        .and_then(|schema| schema.fingerprint())
        .expect("the probe's schema renders")
}

/// What Haskell gives `h2r_init`: Rust's own schema fingerprint and the config.
pub fn config_bytes(max_msg_len: u32) -> Vec<u8> {
    init_bytes(&fingerprint(), max_msg_len)
}

/// The worker's spin window in these tests: the default's, so that every behaviour
/// test also runs the worker's polling path.
pub const SPIN_MICROS: u32 = 50;

/// An init message with the given fingerprint.
pub fn init_bytes(fingerprint: &[u8], max_msg_len: u32) -> Vec<u8> {
    encode(&InitMessage {
        schema_fingerprint: fingerprint.to_vec(),
        config: Config {
            max_msg_len,
            spin_micros: SPIN_MICROS,
        },
        start: Vec::new(),
    })
    .unwrap()
}

pub fn init_raw(config: &[u8]) -> Result<(), Status> {
    // SAFETY: `config` is a live slice for the duration of the call; `record` is
    // callable from any thread.
    status(unsafe { rs_in_hs_probe::h2r_init(Some(record), None, config.as_ptr(), config.len()) })
}

pub fn init(max_msg_len: u32) -> Result<(), Status> {
    init_raw(&config_bytes(max_msg_len))
}

pub fn status(code: c_int) -> Result<(), Status> {
    match Status::from_code(code) {
        Some(Status::Ok) => Ok(()),
        Some(status) => Err(status),
        None => panic!("unknown status {code}"),
    }
}

/// A reply handle owned by a test.
pub struct Handle(u64);

impl Handle {
    /// The raw handle, for a test that calls an export with it directly.
    pub fn raw(&self) -> u64 {
        self.0
    }

    /// The reply's status and bytes (reply or failure message).
    pub fn read(&self) -> (Result<(), Status>, Vec<u8>) {
        let mut ptr = std::ptr::null();
        let mut len = 0usize;
        // SAFETY: the out-pointers are locals.
        let code = unsafe { rs_in_hs_probe::h2r_reply(self.0, &mut ptr, &mut len) };
        let bytes = if ptr.is_null() {
            Vec::new()
        } else {
            // SAFETY: h2r_reply set `ptr`/`len` to bytes that live until release.
            unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec()
        };
        (status(code), bytes)
    }

    /// Parks the call with `token` (`h2r_park`).
    pub fn park(&self, token: usize) -> Result<(), Status> {
        // SAFETY: the token is a plain number that only `record` sees.
        status(unsafe {
            rs_in_hs_probe::h2r_park(self.0, std::ptr::without_provenance_mut(token), 0)
        })
    }

    /// Polls `h2r_reply` until the outcome is there, for at most `WAIT`.
    pub fn poll(&self) -> (Result<(), Status>, Vec<u8>) {
        let started = std::time::Instant::now();
        loop {
            let read = self.read();
            if read.0 != Err(Status::Pending) || started.elapsed() > WAIT {
                return read;
            }
            std::thread::yield_now();
        }
    }

    /// The delivered reply, decoded; panics on a failure or undecodable bytes.
    pub fn reply(&self) -> Reply {
        let (status, bytes) = self.read();
        status.expect("reply status");
        decode_exact(&bytes).expect("reply decodes")
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        assert_eq!(
            rs_in_hs_probe::h2r_release(self.0),
            0,
            "released once, here"
        );
    }
}

/// Submits a call parked at once with `token` (0: unparked), within `budget_ns`.
pub fn submit(bytes: &[u8], token: usize, block: bool, budget_ns: u64) -> Result<Handle, Status> {
    let mut out = 0u64;
    // SAFETY: `bytes` is live for the call; `out` is a local. The token is a plain
    // number that only `record` sees.
    let code = unsafe {
        rs_in_hs_probe::h2r_call(
            bytes.as_ptr(),
            bytes.len(),
            std::ptr::without_provenance_mut(token),
            0,
            c_int::from(block),
            budget_ns,
            &mut out,
        )
    };
    status(code).map(|()| Handle(out))
}

/// Submits a call parked at once with `token`, with no deadline.
pub fn call_bytes(bytes: &[u8], token: usize, block: bool) -> Result<Handle, Status> {
    submit(bytes, token, block, u64::MAX)
}

/// Submits a call without blocking.
pub fn call(request: &Request, token: usize) -> Result<Handle, Status> {
    call_bytes(&encode(request).unwrap(), token, false)
}

pub fn cast_bytes(bytes: &[u8], block: bool) -> Result<(), Status> {
    // SAFETY: `bytes` is live for the call.
    status(unsafe { rs_in_hs_probe::h2r_cast(bytes.as_ptr(), bytes.len(), c_int::from(block)) })
}

pub fn cast(message: &Cast, block: bool) -> Result<(), Status> {
    cast_bytes(&encode(message).unwrap(), block)
}

/// The next delivered token, waiting at most `WAIT`.
pub fn next_wake() -> usize {
    WAKES
        .1
        .recv_timeout(WAIT)
        .expect("a wake-up within the bound")
}

pub fn no_wake_for(duration: Duration) -> bool {
    WAKES.1.recv_timeout(duration).is_err()
}

/// Whether `condition` holds within `WAIT`, checked every millisecond.
pub fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < WAIT {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    condition()
}
