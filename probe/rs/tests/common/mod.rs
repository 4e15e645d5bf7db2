//! Shared harness for the behaviour tests: drives the probe's C exports as Haskell
//! would, with a Rust `notify` that records tokens instead of `hs_try_putmvar`.
#![allow(dead_code, unsafe_code)] // each test binary uses a different subset

use std::ffi::{c_int, c_void};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rs_in_hs::Status;
use rs_in_hs::stats::{COUNTERS, Snapshot};
use rs_in_hs::wire::{Config, InitMessage, decode_exact, encode};
use rs_in_hs_probe::protocol::{Cast, Ping, Pong, Probe, Reply, Request};

/// Every wait in these tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

/// The bridge is process-wide, so tests in one binary take turns.
static SERIAL: Mutex<()> = Mutex::new(());

/// The wake-up recorder the bridge's `notify` is, here.
#[path = "../../../../bridge/rs/testing/wakes.rs"]
pub mod wakes;

use wakes::record;

/// Exclusive use of the bridge for one test; deinits on drop if still running.
pub struct Session(#[allow(dead_code)] MutexGuard<'static, ()>);

impl Drop for Session {
    /// Deinits, then checks the leak counters: after deinit every accepted call was
    /// answered, and every handle the test took was released (handles are declared
    /// after the session, so they are dropped before it).
    fn drop(&mut self) {
        let _ = rs_in_hs_probe::h2r_deinit();
        wakes::take_all();
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
    wakes::take_all();
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
        read_raw(rs_in_hs_probe::h2r_reply, self.0)
    }

    /// Parks the call with `token` (`h2r_park`).
    pub fn park(&self, token: usize) -> Result<(), Status> {
        // SAFETY: the token is a plain number that only `record` sees.
        status(unsafe { rs_in_hs_probe::h2r_park(self.0, wakes::token(token), 0) })
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

/// One engine's `h2r_call` export, as `export_engine!` makes it.
pub type CallExport =
    unsafe extern "C" fn(*const u8, usize, *mut c_void, c_int, c_int, u64, *mut u64) -> c_int;

/// One engine's `h2r_reply` export, as `export_engine!` makes it.
pub type ReplyExport = unsafe extern "C" fn(u64, *mut *const u8, *mut usize) -> c_int;

/// Calls `export` (an engine's `h2r_call`) with exactly these arguments, as a
/// foreign caller would: `len` bytes at `message`, parked at once with `token` (0:
/// unparked), blocking or not, within `budget_ns`, the handle written to `out`.
///
/// # Safety
///
/// As for the export: `message` readable for `len` bytes and `out` writable for one
/// `u64`, unless the export refuses them before use (null with a length, a length
/// beyond `isize::MAX`, a null or misaligned `out`). The token is a plain number
/// that only the recorder sees.
pub unsafe fn call_raw(
    export: CallExport,
    message: *const u8,
    len: usize,
    token: usize,
    block: bool,
    budget_ns: u64,
    out: *mut u64,
) -> Result<(), Status> {
    // SAFETY: this function's caller has the export's duties for `message`, `len`
    // and `out`; the token is never dereferenced.
    status(unsafe {
        export(
            message,
            len,
            wakes::token(token),
            0,
            c_int::from(block),
            budget_ns,
            out,
        )
    })
}

/// Reads the outcome behind an unreleased `handle` through `export` (an engine's
/// `h2r_reply`): its status and bytes (the reply, a failure message, or none).
pub fn read_raw(export: ReplyExport, handle: u64) -> (Result<(), Status>, Vec<u8>) {
    let mut ptr = std::ptr::null();
    let mut len = 0usize;
    // SAFETY: the out-pointers are locals; a handle that is not live is refused.
    let code = unsafe { export(handle, &mut ptr, &mut len) };
    let bytes = if ptr.is_null() {
        Vec::new()
    } else {
        // SAFETY: the export set `ptr`/`len` to bytes that live until release.
        unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec()
    };
    (status(code), bytes)
}

/// Submits a call parked at once with `token` (0: unparked), within `budget_ns`.
pub fn submit(bytes: &[u8], token: usize, block: bool, budget_ns: u64) -> Result<Handle, Status> {
    let mut out = 0u64;
    // SAFETY: `bytes` is live for the call; `out` is a local.
    unsafe {
        call_raw(
            rs_in_hs_probe::h2r_call,
            bytes.as_ptr(),
            bytes.len(),
            token,
            block,
            budget_ns,
            &mut out,
        )
    }
    .map(|()| Handle(out))
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

/// Asserts that the bridge still answers: a `Ping` submitted with `token` wakes that
/// token, and its reply is `Pong`.
pub fn still_answers(token: usize) {
    let reply = call(&Request::Ping(Ping), token).unwrap();
    assert_eq!(next_wake(), token);
    assert_eq!(reply.reply(), Reply::Ping(Pong));
}

/// The next delivered token, waiting at most `WAIT`.
pub fn next_wake() -> usize {
    wakes::next_within(WAIT).expect("a wake-up within the bound")
}

/// Whether no token is delivered within `duration`.
pub fn no_wake_for(duration: Duration) -> bool {
    wakes::next_within(duration).is_none()
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

/// Memory for misaligned out-pointers: writable, so a write the export should not
/// make would show as a changed word rather than a crash.
pub struct Scratch([u64; 4]);

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

impl Scratch {
    const FILL: u64 = 0xA5A5_A5A5_A5A5_A5A5;

    pub fn new() -> Self {
        Scratch([Self::FILL; 4])
    }

    /// A pointer one byte past an 8-aligned address: misaligned for any `T` with an
    /// alignment above 1.
    pub fn misaligned<T>(&mut self) -> *mut T {
        self.0.as_mut_ptr().cast::<u8>().wrapping_add(1).cast()
    }

    /// Whether no word was written.
    pub fn untouched(&self) -> bool {
        self.0 == [Self::FILL; 4]
    }
}
