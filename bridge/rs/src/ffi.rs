//! The C ABI's bodies: generic over the engine, and the crate's `unsafe` code but
//! for `placement`'s OS calls and the one-line calls into these bodies that
//! [`crate::export_engine!`] expands to.
//!
//! [`crate::export_engine!`] emits one thin `extern "C"` function per export, under
//! the engine's prefix (`<prefix>_h2r_call`), each of which calls the function of the
//! same name here with the engine's static [`Bridge`]. Every export but
//! `h2r_parallelism`, `h2r_reply`, `h2r_reply_wait`, `h2r_park` and `h2r_release`
//! (which reach a call's cell, and through it the bridge that accepted it) acts on
//! that bridge alone: its lifecycle, its counters, its events. Every export returns
//! a `Status` as a C `int` and runs its body through `boundary`, the one place
//! where panics are trapped. A panic that reaches it is an internal bug (bad input is
//! refused with a status long before), so it is reported on stderr and the process
//! aborts rather than unwind into Haskell.
//!
//! Ownership rules, mirrored in the Haskell package's `FFI` module:
//! - A non-zero status means nothing was taken: a refused `h2r_call` or `h2r_park`
//!   leaves the token (a `StablePtr PrimMVar`) with the caller, who frees it; no
//!   wake-up will come for it.
//! - Status 0 from `h2r_call` gives the caller a reply handle (a `u64`, never 0)
//!   that it must pass to `h2r_release` exactly once. Handles are checked on every
//!   use (`handles`): one that is not live (never issued, or released) is
//!   `UnknownHandle`, never a read of freed memory. If the call carried a token, or
//!   once `h2r_park` returns 0 for the handle, the token is Rust's, which passes it
//!   to `notify` (`hs_try_putmvar`, which frees it) exactly once. A caller that never parks (it
//!   found the reply with `h2r_reply` or `h2r_reply_wait`, or gave up) gives Rust no token at all.
//! - Message bytes are only borrowed for the duration of the call.
//!
//! What a foreign caller can get wrong and an export can see is refused with a
//! status before anything happens: a null pointer with a non-zero length, a null or
//! misaligned out-pointer, a length beyond `isize::MAX`, a null wake-up token given
//! to a park (`InvalidArgument`, nothing parked and nothing woken).
//!
//! The reply cell's state machine, which settles who wakes whom, is in `reply`.
#![allow(unsafe_code)]

pub mod events;

use std::ffi::{c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::bridge::{Bridge, Wait};
use crate::engine::Engine;
use crate::handles;
use crate::panic_message;
use crate::reply::{Notify, Outcome, ThreadDone, Token};
use crate::schema::FINGERPRINT_LEN;
use crate::status::Status;

/// Runs an export's body: catches any panic, and turns the result into a status.
fn boundary(export: &str, body: impl FnOnce() -> Result<(), Status>) -> c_int {
    // AssertUnwindSafe: a panic here aborts the process, so no broken state is observed.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => Status::Ok.code(),
        Ok(Err(status)) => status.code(),
        Err(payload) => {
            eprintln!(
                "rs-in-hs: internal bug: panic in {export}: {}; aborting",
                panic_message(payload.as_ref())
            );
            std::process::abort()
        }
    }
}

/// Refuses an out-pointer that is null or not aligned for `T` (`InvalidArgument`):
/// what a foreign caller can get wrong that the export can see, checked before
/// anything happens.
fn writable<T>(ptr: *mut T) -> Result<(), Status> {
    if ptr.is_null() || !ptr.is_aligned() {
        return Err(Status::InvalidArgument);
    }
    Ok(())
}

/// Refuses a null wake-up token (`InvalidArgument`): `notify` would be given it,
/// and `hs_try_putmvar` dereferences it.
fn token(token: *mut c_void) -> Result<Token, Status> {
    if token.is_null() {
        return Err(Status::InvalidArgument);
    }
    Ok(Token::new(token))
}

/// Borrows `len` bytes at `ptr`; a null `ptr` is accepted only with `len == 0`.
///
/// # Safety
/// If `len > 0`, `ptr` must be valid for reads of `len` bytes, and the memory must not
/// be written for the returned lifetime (the duration of the export call).
unsafe fn borrow_bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], Status> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() || isize::try_from(len).is_err() {
        return Err(Status::InvalidArgument);
    }
    // SAFETY: non-null and len <= isize::MAX were checked above; validity for `len`
    // bytes and no concurrent writes are the caller's duties (this fn's # Safety).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// `h2r_init`: starts the bridge, and returns once the worker has built the engine.
///
/// `notify` wakes a caller (`hs_try_putmvar`); `thread_done` (nullable) runs on the
/// worker thread as it exits (`hs_thread_done`). `config` holds a store-encoded
/// `InitMessage` (the schema fingerprint, the `Config`, then the engine's start-up
/// message, encoded). Returns `AlreadyInitialised` if running, `SchemaMismatch`,
/// `BadConfig` (also for a start-up message that does not decode),
/// `InvalidArgument` (null `notify`), `SpawnFailed`, or `EnginePanicked` if the
/// engine's constructor panicked (its message is on stderr; the worker has exited,
/// after `thread_done`, and the bridge is stopped).
///
/// # Safety
/// `config` must be valid for reads of `config_len` bytes (or `config_len == 0`), and
/// not written during the call. `notify` must be safe to call from any thread with
/// a token the bridge took (from `h2r_call`, `h2r_park` or `h2r_events_park`) until
/// `h2r_deinit` returns. `thread_done`, if given, must be safe to call once from the
/// worker thread as it exits. Neither may call `h2r_deinit`: deinit joins the worker
/// and waits for the exports under way, which call them, so such a call deadlocks
/// or aborts the process.
pub unsafe fn init<E: Engine>(
    bridge: &'static Bridge<E>,
    notify: Option<Notify>,
    thread_done: Option<ThreadDone>,
    config: *const u8,
    config_len: usize,
) -> c_int {
    boundary("h2r_init", || {
        let notify = notify.ok_or(Status::InvalidArgument)?;
        // SAFETY: the caller guarantees `config` is valid for `config_len` bytes and
        // not written during the call.
        let config = unsafe { borrow_bytes(config, config_len) }?;
        bridge.init(notify, thread_done, config)
    })
}

/// `h2r_deinit`: stops the bridge, answers every accepted call, joins the worker,
/// then returns. After it returns Rust never calls `notify` again. `NotInitialised`
/// if not running; `EnginePanicked` if the engine's drop panicked (its message is on
/// stderr), once the bridge has stopped all the same.
pub fn deinit<E: Engine>(bridge: &Bridge<E>) -> c_int {
    boundary("h2r_deinit", || bridge.deinit())
}

/// `h2r_call`: submits a call. `block != 0` waits for room in the channel; `block ==
/// 0` returns `ChannelFull` instead and never blocks. A non-null `token` parks the
/// call at once (the worker wakes `capability` with it); a null one leaves the caller
/// to read the reply with `h2r_reply` or wait for it with `h2r_reply_wait`, and
/// perhaps `h2r_park` later. `budget_ns`: nanoseconds from now
/// within which the engine must start the call, or it is dropped unrun and answered
/// `Expired`; `u64::MAX` for no deadline.
///
/// On 0: a non-null `token` now belongs to Rust (see the module's ownership rules)
/// and `*out_reply` holds a reply handle (never 0) for
/// `h2r_reply`/`h2r_park`/`h2r_release`. On any other status nothing was taken and
/// `*out_reply` is untouched; `HandleTableFull` if no handle is free.
///
/// # Safety
/// `message` must be valid for reads of `len` bytes (or `len == 0`), and not written
/// during the call; `out_reply` must be valid for one `u64` write. `token` must be
/// null or a `StablePtr` that `notify` accepts.
// The arguments are the C export's, one to one.
#[allow(clippy::too_many_arguments)]
pub unsafe fn call<E: Engine>(
    bridge: &Bridge<E>,
    message: *const u8,
    len: usize,
    token: *mut c_void,
    capability: c_int,
    block: c_int,
    budget_ns: u64,
    out_reply: *mut u64,
) -> c_int {
    boundary("h2r_call", || {
        writable(out_reply)?;
        // SAFETY: the caller guarantees `message` is valid for `len` bytes and not
        // written during the call.
        let message = unsafe { borrow_bytes(message, len) }?;
        let parked = (!token.is_null()).then(|| (capability, Token::new(token)));
        let deadline = (budget_ns != u64::MAX)
            .then(|| Instant::now().checked_add(Duration::from_nanos(budget_ns)))
            .flatten();
        // The handle's slot is taken first, so that a call once queued always has
        // its handle; a refused call frees it.
        let slot = handles::reserve()?;
        let cell = bridge.call(message, parked, deadline, wait(block))?;
        let handle = slot.issue(cell);
        // SAFETY: `out_reply` is non-null and aligned (checked above) and the caller
        // guarantees it is valid for a write.
        unsafe { out_reply.write(handle) };
        bridge.stats().handle_issued();
        Ok(())
    })
}

/// `h2r_cast`: submits a fire-and-forget message; `block` as for [`call`].
///
/// # Safety
/// `message` must be valid for reads of `len` bytes (or `len == 0`), and not written
/// during the call.
pub unsafe fn cast<E: Engine>(
    bridge: &Bridge<E>,
    message: *const u8,
    len: usize,
    block: c_int,
) -> c_int {
    boundary("h2r_cast", || {
        // SAFETY: the caller guarantees `message` is valid for `len` bytes and not
        // written during the call.
        let message = unsafe { borrow_bytes(message, len) }?;
        bridge.cast(message, wait(block))
    })
}

/// `h2r_reply`: reads a delivered reply: 0 with the reply's bytes, or the failure's
/// status (`EnginePanicked`, `ShuttingDown`, …) with its message's UTF-8 bytes, or
/// `Pending` if nothing was delivered yet. The bytes stay valid until
/// `h2r_release(reply)`. `UnknownHandle` for a handle that is not live (0, never
/// issued, or released), with nothing written.
///
/// # Safety
/// `out_ptr` and `out_len` must be valid for one write each.
pub unsafe fn reply(reply: u64, out_ptr: *mut *const u8, out_len: *mut usize) -> c_int {
    // SAFETY: the caller has the duties this function lists, which are `read_reply`'s.
    unsafe { read_reply("h2r_reply", reply, Duration::ZERO, out_ptr, out_len) }
}

/// The longest `h2r_reply_wait` polls, whatever it is asked: a caller that blocks
/// its thread longer should park instead.
pub const MAX_REPLY_WAIT: Duration = Duration::from_micros(100);

/// `h2r_reply_wait`: [`reply`], but if nothing was delivered yet, polls the cell
/// for up to `spin_ns` nanoseconds (at most [`MAX_REPLY_WAIT`]) before it answers
/// `Pending`. One handle lookup for the whole wait: the cheap way to wait for a reply
/// that is due within microseconds. The first polls only spin; later ones also
/// yield the CPU, so a worker that shares it is not starved.
///
/// # Safety
/// `out_ptr` and `out_len` must be valid for one write each.
pub unsafe fn reply_wait(
    reply: u64,
    spin_ns: u64,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> c_int {
    let spin = Duration::from_nanos(spin_ns).min(MAX_REPLY_WAIT);
    // SAFETY: the caller has the duties this function lists, which are `read_reply`'s.
    unsafe { read_reply("h2r_reply_wait", reply, spin, out_ptr, out_len) }
}

/// The reply exports' body: the outcome, polled for up to `spin`, written out.
///
/// # Safety
/// `out_ptr` and `out_len` must be valid for one write each.
unsafe fn read_reply(
    export: &str,
    reply: u64,
    spin: Duration,
    out_ptr: *mut *const u8,
    out_len: *mut usize,
) -> c_int {
    boundary(export, || {
        writable(out_ptr)?;
        writable(out_len)?;
        let (status, ptr, len) = handles::with_cell(reply, |cell| {
            let (status, bytes) = match cell.outcome_within(spin, parallelism() == 1) {
                None => return Err(Status::Pending),
                Some(Outcome::Reply(bytes)) => (Status::Ok, bytes.as_slice()),
                Some(Outcome::Failed(status, message)) => (*status, message.as_bytes()),
            };
            Ok((status, bytes.as_ptr(), bytes.len()))
        })??;
        // SAFETY: `out_ptr` is non-null and aligned (checked above) and valid for a
        // write (caller's duty). The bytes live in the cell, which the handle table
        // keeps alive until `h2r_release`.
        unsafe { out_ptr.write(ptr) };
        // SAFETY: as for `out_ptr`.
        unsafe { out_len.write(len) };
        if status == Status::Ok {
            Ok(())
        } else {
            Err(status)
        }
    })
}

/// `h2r_park`: gives a call's reply cell the caller's token, so that the worker wakes
/// `capability` with it when the outcome is there. 0: the token is Rust's (see the
/// module's ownership rules). `AlreadyAnswered`: the outcome is already there, read
/// it with `h2r_reply`; the token stays with the caller. `InvalidArgument`: a null
/// token, or a handle that was parked (or given a token at submit) before;
/// `UnknownHandle`: a handle that is not live. On each refusal the token stays with
/// the caller and the cell is unchanged.
///
/// # Safety
/// `token` must be null (refused) or a `StablePtr` that `notify` accepts.
pub unsafe fn park(reply: u64, token: *mut c_void, capability: c_int) -> c_int {
    boundary("h2r_park", || {
        let token = self::token(token)?;
        handles::with_cell(reply, |cell| cell.park(capability, token))?
    })
}

/// `h2r_release`: releases a reply handle. Call it exactly once per handle, whether
/// or not the reply arrived: a call the engine has not started is then dropped unrun
/// (`Abandoned`), and a late reply is dropped by the worker's side. A handle that
/// is not live (0, never issued, or released already) is `UnknownHandle`, and
/// nothing is released.
pub fn release(reply: u64) -> c_int {
    boundary("h2r_release", || {
        let cell = handles::release(reply)?;
        cell.release();
        cell.stats().handle_released();
        drop(cell);
        Ok(())
    })
}

/// `h2r_stats`: writes up to `len` counters to `out`, in this order: calls
/// accepted, calls answered, reply handles issued, reply handles released, tokens
/// created, tokens freed unsent, calls dropped abandoned, calls dropped expired,
/// calls woken, calls deferred, deferred calls settled, answers late, calls
/// unanswered, calls revoked (see [`crate::stats`]), of this bridge only.
///
/// # Safety
/// `out` must be valid for writes of `len` `u64`s (or `len == 0`).
pub unsafe fn stats<E: Engine>(bridge: &Bridge<E>, out: *mut u64, len: usize) -> c_int {
    boundary("h2r_stats", || {
        // SAFETY: the caller guarantees `out` is valid for `len` writes.
        unsafe { write_counters(out, len, || Ok(bridge.stats().snapshot().to_array())) }
    })
}

/// Writes the first `len` (at most `N`) of the counters that `values` reads to `out`,
/// for the counter exports. A null or misaligned `out` with a non-zero `len` is
/// `InvalidArgument`, refused before `values` runs; `values`' own refusal is returned as it is.
/// With `len == 0`, `out` is never used, whatever it is.
///
/// # Safety
/// `out` must be valid for writes of `len` `u64`s (or `len == 0`).
unsafe fn write_counters<const N: usize>(
    out: *mut u64,
    len: usize,
    values: impl FnOnce() -> Result<[u64; N], Status>,
) -> Result<(), Status> {
    if len > 0 {
        writable(out)?;
    }
    let values = values()?;
    if len == 0 {
        return Ok(());
    }
    // SAFETY: `len > 0` here, so `out` is non-null and aligned (checked above); it is
    // valid for `len >= len.min(N)` writes (caller's duty), and cannot overlap the
    // local array.
    unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), out, len.min(N)) };
    Ok(())
}

/// `h2r_schema_fingerprint`: writes Rust's wire-schema fingerprint (the SHA-256 that
/// `h2r_init` compares, see [`crate::schema`]) to `out`. `InvalidArgument` if `len` is
/// not 32, and `SchemaMismatch` if Rust cannot render its own schema.
///
/// # Safety
/// `out` must be valid for writes of `len` bytes.
pub unsafe fn schema_fingerprint<E: Engine>(bridge: &Bridge<E>, out: *mut u8, len: usize) -> c_int {
    boundary("h2r_schema_fingerprint", || {
        if out.is_null() || len != FINGERPRINT_LEN {
            return Err(Status::InvalidArgument);
        }
        let fingerprint = bridge.fingerprint().map_err(|_| Status::SchemaMismatch)?;
        // SAFETY: `out` is non-null and valid for `len` (= 32) writes (caller's duty),
        // and cannot overlap the local array.
        unsafe { std::ptr::copy_nonoverlapping(fingerprint.as_ptr(), out, len) };
        Ok(())
    })
}

/// `h2r_token_created`: counts one wake-up token made by the caller for a call to
/// this bridge. The counter lives with the bridge's own, so that one atomic add is all
/// a call pays for it.
pub fn token_created<E: Engine>(bridge: &Bridge<E>) -> c_int {
    boundary("h2r_token_created", || {
        bridge.stats().token_created();
        Ok(())
    })
}

/// `h2r_token_freed_unsent`: counts one token the caller freed itself because Rust
/// never took it.
pub fn token_freed_unsent<E: Engine>(bridge: &Bridge<E>) -> c_int {
    boundary("h2r_token_freed_unsent", || {
        bridge.stats().token_freed_unsent();
        Ok(())
    })
}

/// `h2r_calls_in_flight`: how many accepted calls are not settled yet, less the
/// deferred ones whose handles the engine holds (they keep no worker busy), on this
/// bridge (a hint read with relaxed loads: the Haskell caller spins only when few
/// are, since with a queue the worker is busy anyway).
pub fn calls_in_flight<E: Engine>(bridge: &Bridge<E>) -> u64 {
    bridge.stats().calls_in_flight()
}

/// `h2r_parallelism`: how many CPUs this process may run on (its affinity mask and
/// cgroup quota, as `std::thread::available_parallelism` reads them; 1 if unknown).
/// Read once per process. When it is 1, the Haskell side turns the worker's spinning
/// off, and a caller's polls yield the CPU at once (see `ReplyCell::outcome_within`).
pub fn parallelism() -> usize {
    static CPUS: OnceLock<usize> = OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

fn wait(block: c_int) -> Wait {
    if block == 0 { Wait::No } else { Wait::Yes }
}
