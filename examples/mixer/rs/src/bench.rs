//! The demo benchmark's helpers: what it compares the bridge against.
//!
//! Neither belongs to the bridge's ABI; the benchmark (`examples/mixer/hs/app`)
//! imports them from this crate's static library:
//! - [`mixer_floor_ping_pong`]: two Rust threads ping-pong one message over flume,
//!   two thread wake-ups per round trip, the least any cross-thread request and
//!   reply can cost on this machine when both sides sleep (the OS floor);
//! - [`mixer_floor_spin`]: two Rust threads ping-pong on one atomic, both spinning,
//!   no wake-up at all: the least a round trip can cost when both sides spin (the
//!   spin floor);
//! - [`mixer_noop`]: returns at once, to time a bare foreign call;
//! - [`mixer_cancel_noticed_unix_ns`]: when the engine last learnt that a caller of
//!   `AwaitFrame` gave up, for the time a cancel takes to reach running work.
//!
//! This is the crate's only module with `unsafe` code.

use std::ffi::c_int;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rs_in_hs::Status;

/// Runs `rounds` round trips between the calling thread and a helper thread and
/// returns each one's duration in nanoseconds. An empty result means the helper
/// thread could not be started.
pub fn ping_pong(rounds: usize) -> Vec<u64> {
    let (to_echo, echo_in) = flume::bounded::<u64>(1);
    let (echo_out, from_echo) = flume::bounded::<u64>(1);
    let spawned = std::thread::Builder::new()
        .name("mixer-floor".to_owned())
        .spawn(move || {
            for value in echo_in.iter() {
                if echo_out.send(value).is_err() {
                    break;
                }
            }
        });
    let Ok(echo) = spawned else {
        return Vec::new();
    };
    let mut nanos = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let started = Instant::now();
        let sent = to_echo.send(round as u64).is_ok();
        let back = from_echo.recv().ok();
        nanos.push(u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX));
        if !sent || back != Some(round as u64) {
            break;
        }
    }
    // Dropping the only sender ends the helper's loop.
    drop(to_echo);
    let _ = echo.join();
    nanos
}

/// The spin floor: `rounds` round trips between the calling thread and a helper
/// thread through one atomic, each side spinning until the other has written, and
/// each one's duration in nanoseconds. The caller writes an odd number, the helper
/// answers with the next even one. A side that has spun for long yields its CPU,
/// so the floor also finishes on a single core (where it is no floor at all). An
/// empty result means the helper thread could not be started.
pub fn spin_ping_pong(rounds: usize) -> Vec<u64> {
    const DONE: u64 = u64::MAX;
    let cell = Arc::new(AtomicU64::new(0));
    let helper_cell = Arc::clone(&cell);
    let spawned = std::thread::Builder::new()
        .name("mixer-spin-floor".to_owned())
        .spawn(move || {
            let mut seen = 0;
            loop {
                let value = spin_until(&helper_cell, |value| value != seen);
                if value == DONE {
                    break;
                }
                seen = value + 1;
                helper_cell.store(seen, Ordering::Release);
            }
        });
    let Ok(helper) = spawned else {
        return Vec::new();
    };
    let mut nanos = Vec::with_capacity(rounds);
    for round in 0..rounds as u64 {
        let started = Instant::now();
        cell.store(2 * round + 1, Ordering::Release);
        spin_until(&cell, |value| value == 2 * round + 2);
        nanos.push(u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX));
    }
    cell.store(DONE, Ordering::Release);
    let _ = helper.join();
    nanos
}

/// Spins until `ready` holds for the cell's value, and returns that value; yields
/// the CPU between polls once it has spun for a while.
fn spin_until(cell: &AtomicU64, ready: impl Fn(u64) -> bool) -> u64 {
    let mut spins = 0u32;
    loop {
        let value = cell.load(Ordering::Acquire);
        if ready(value) {
            return value;
        }
        if spins < 1 << 12 {
            spins += 1;
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}

/// Runs an export's body and turns its result into a status code. A panic here is a
/// bug in this module: it is reported on stderr and aborts the process, so no panic
/// unwinds into the foreign caller.
fn boundary(export: &str, body: impl FnOnce() -> Result<(), Status>) -> c_int {
    // AssertUnwindSafe: a panic aborts the process, so no broken state is observed.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => Status::Ok.code(),
        Ok(Err(status)) => status.code(),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("a panic with a non-string payload");
            eprintln!("mixer-engine: internal bug: panic in {export}: {message}; aborting");
            std::process::abort()
        }
    }
}

/// Measures the OS floor: [`ping_pong`] for `rounds` round trips, each one's
/// nanoseconds written to `out_nanos[0..rounds]`.
///
/// Returns `Status::Ok`; `InvalidArgument` if `out_nanos` is null while `rounds > 0`
/// or `rounds` `u64`s would not fit in one allocation; `SpawnFailed` if the helper
/// thread could not start (nothing is written then).
///
/// # Safety
/// If `rounds > 0`, `out_nanos` must be valid for writes of `rounds` `u64`s, aligned,
/// and not read or written by anyone else until this function returns. The caller
/// keeps ownership of that memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mixer_floor_ping_pong(rounds: usize, out_nanos: *mut u64) -> c_int {
    // SAFETY: this function's caller has the duties `write_rounds` lists.
    unsafe { write_rounds("mixer_floor_ping_pong", rounds, out_nanos, ping_pong) }
}

/// Measures the spin floor: [`spin_ping_pong`], with the statuses and duties of
/// [`mixer_floor_ping_pong`].
///
/// # Safety
/// As for [`mixer_floor_ping_pong`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mixer_floor_spin(rounds: usize, out_nanos: *mut u64) -> c_int {
    // SAFETY: this function's caller has the duties `write_rounds` lists.
    unsafe { write_rounds("mixer_floor_spin", rounds, out_nanos, spin_ping_pong) }
}

/// Runs `measure` for `rounds` round trips and writes each one's nanoseconds to
/// `out_nanos[0..rounds]`, with the statuses of [`mixer_floor_ping_pong`].
///
/// # Safety
/// If `rounds > 0`, `out_nanos` must be valid for writes of `rounds` `u64`s, aligned,
/// and not read or written by anyone else until this function returns.
unsafe fn write_rounds(
    export: &str,
    rounds: usize,
    out_nanos: *mut u64,
    measure: fn(usize) -> Vec<u64>,
) -> c_int {
    boundary(export, || {
        if rounds == 0 {
            return Ok(());
        }
        let fits = rounds
            .checked_mul(size_of::<u64>())
            .is_some_and(|bytes| isize::try_from(bytes).is_ok());
        if out_nanos.is_null() || !fits {
            return Err(Status::InvalidArgument);
        }
        let nanos = measure(rounds);
        if nanos.len() != rounds {
            return Err(Status::SpawnFailed);
        }
        // SAFETY: `out_nanos` is non-null (checked above) and valid, aligned and
        // unaliased for `rounds` writes (this function's # Safety); `nanos` holds
        // exactly `rounds` elements in memory of its own, so the two never overlap.
        unsafe { std::ptr::copy_nonoverlapping(nanos.as_ptr(), out_nanos, rounds) };
        Ok(())
    })
}

/// When the mixer's service thread last dropped an `AwaitFrame` whose caller gave
/// up, in nanoseconds since the Unix epoch (0 before the first).
#[unsafe(no_mangle)]
pub extern "C" fn mixer_cancel_noticed_unix_ns() -> u64 {
    crate::audio::cancel_noticed_unix_ns()
}

/// Does nothing and returns `Status::Ok`: the benchmark times a bare foreign call
/// with it.
#[unsafe(no_mangle)]
pub extern "C" fn mixer_noop() -> c_int {
    boundary("mixer_noop", || Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_pong_measures_every_round() {
        let nanos = ping_pong(100);
        assert_eq!(nanos.len(), 100);
        assert!(nanos.iter().all(|&n| n > 0));
    }

    #[test]
    fn spin_ping_pong_measures_every_round() {
        let nanos = spin_ping_pong(100);
        assert_eq!(nanos.len(), 100);
    }

    #[test]
    fn the_spin_floor_export_writes_every_round() {
        let mut out = [u64::MAX; 16];
        // SAFETY: `out` is a live local array of 16 u64s, borrowed only here.
        let status = unsafe { mixer_floor_spin(out.len(), out.as_mut_ptr()) };
        assert_eq!(status, Status::Ok.code());
        assert!(out.iter().all(|&n| n < u64::MAX));
    }

    #[test]
    fn the_floor_export_writes_every_round() {
        let mut out = [0u64; 16];
        // SAFETY: `out` is a live local array of 16 u64s, borrowed only here.
        let status = unsafe { mixer_floor_ping_pong(out.len(), out.as_mut_ptr()) };
        assert_eq!(status, Status::Ok.code());
        assert!(out.iter().all(|&n| n > 0));
    }

    #[test]
    fn the_floor_export_refuses_a_null_buffer_and_accepts_no_rounds() {
        // SAFETY: a null pointer with rounds > 0 is refused before any write.
        let refused = unsafe { mixer_floor_ping_pong(4, std::ptr::null_mut()) };
        assert_eq!(refused, Status::InvalidArgument.code());
        // SAFETY: with rounds == 0 nothing is written, so any pointer will do.
        let empty = unsafe { mixer_floor_ping_pong(0, std::ptr::null_mut()) };
        assert_eq!(empty, Status::Ok.code());
        // SAFETY: a length whose byte size overflows is refused before any write.
        let huge = unsafe { mixer_floor_ping_pong(usize::MAX, std::ptr::dangling_mut()) };
        assert_eq!(huge, Status::InvalidArgument.code());
    }

    #[test]
    fn noop_succeeds() {
        assert_eq!(mixer_noop(), Status::Ok.code());
    }
}
