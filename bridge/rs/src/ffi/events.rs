//! The event exports' bodies (`h2r_events_*`), beside the other exports and under
//! the same rules: each runs through `boundary` and returns a status.
//!
//! Ownership: a wake-up token given to `h2r_events_park` belongs to Rust only when
//! `*out_parked` is 1; Rust then passes it to `notify` exactly once (at the next
//! event, or when the subscription ends). When it is 0 the caller keeps the token
//! and frees it. `h2r_events_take` only writes into the caller's buffer.
//!
//! Each export acts on the hub while the bridge is held running, so a deinit
//! waits for it: a subscription or a park that succeeds is ended by the deinit
//! (the token handed back before it returns), and one that comes after is refused.

use std::ffi::{c_int, c_void};

use super::{boundary, writable, write_counters};
use crate::bridge::Bridge;
use crate::engine::Engine;
use crate::events::TakeError;
use crate::status::Status;

/// `h2r_events_subscribe`: starts the bridge's one events subscription, with a queue
/// of `capacity` events (1 to [`crate::events::MAX_EVENT_CAPACITY`], else
/// `InvalidArgument`). `AlreadySubscribed` if one is running; `NotInitialised` or
/// `ShuttingDown` without a running bridge.
pub fn subscribe<E: Engine>(bridge: &Bridge<E>, capacity: usize) -> c_int {
    boundary("h2r_events_subscribe", || {
        bridge.with_events(|hub| hub.subscribe(capacity))
    })
}

/// `h2r_events_unsubscribe`: ends the subscription, if there is one. A barrier:
/// when it returns, Rust never calls `notify` for it again, and a token still
/// parked has been handed back through `notify`. `NotInitialised` or `ShuttingDown`
/// without a running bridge (whose deinit ends any subscription itself).
pub fn unsubscribe<E: Engine>(bridge: &Bridge<E>) -> c_int {
    boundary("h2r_events_unsubscribe", || {
        bridge.with_events(|hub| {
            hub.unsubscribe();
            Ok(())
        })
    })
}

/// `h2r_events_take`: writes as many queued events as fit into `buf` (`len` bytes),
/// in emission order, as records (`crate::events::RECORD_HEADER_LEN`), and sets
/// `*out_used` to the bytes written and `*out_missed` to the events missed after the
/// last record. If not even the next record fits, answers `BufferTooSmall` with
/// `*out_used` set to the length it needs. `NotSubscribed` without a subscription,
/// `SubscriptionBusy` while one is being started or ended, `NotInitialised` or
/// `ShuttingDown` without a running bridge.
///
/// # Safety
/// `buf` must be valid for writes of `len` bytes (or `len == 0`), and not read or
/// written by anything else during the call; `out_used` and `out_missed` must be
/// valid for one write each.
pub unsafe fn take<E: Engine>(
    bridge: &Bridge<E>,
    buf: *mut u8,
    len: usize,
    out_used: *mut usize,
    out_missed: *mut u64,
) -> c_int {
    boundary("h2r_events_take", || {
        writable(out_used)?;
        writable(out_missed)?;
        if (len > 0 && buf.is_null()) || isize::try_from(len).is_err() {
            return Err(Status::InvalidArgument);
        }
        let out: &mut [u8] = if len == 0 {
            &mut []
        } else {
            // SAFETY: non-null and len <= isize::MAX were checked above; validity for
            // `len` writes, and no other access to the buffer during this call, are
            // the caller's duties (this fn's # Safety).
            unsafe { std::slice::from_raw_parts_mut(buf, len) }
        };
        let (status, used, missed) = match bridge.with_events(|hub| Ok(hub.take(out)))? {
            Ok(taken) => (Ok(()), taken.used, taken.missed_after),
            Err(TakeError::TooSmall(needed)) => (Err(Status::BufferTooSmall), needed, 0),
            Err(TakeError::Refused(status)) => return Err(status),
        };
        // SAFETY: both are non-null and aligned (checked above) and valid for one
        // write (caller's duty).
        unsafe { out_used.write(used) };
        // SAFETY: as for `out_used`.
        unsafe { out_missed.write(missed) };
        status
    })
}

/// `h2r_events_park`: offers the wake-up `token` (a `StablePtr PrimMVar`) for
/// `capability`. Sets `*out_parked` to 1 if Rust took it (see the module docs),
/// or to 0 if an event is waiting (take again; the caller keeps the token).
/// `InvalidArgument` for a null token, a null or misaligned `out_parked`, or a
/// token parked already or another park under way on another thread (nothing is
/// parked then, and the caller keeps the token); `NotSubscribed` without a
/// subscription, `SubscriptionBusy` while one is being started or ended.
///
/// # Safety
/// `out_parked` must be valid for one write; `token` must be null (refused) or a
/// token that `notify` accepts.
pub unsafe fn park<E: Engine>(
    bridge: &Bridge<E>,
    token: *mut c_void,
    capability: c_int,
    out_parked: *mut c_int,
) -> c_int {
    boundary("h2r_events_park", || {
        writable(out_parked)?;
        if token.is_null() {
            return Err(Status::InvalidArgument);
        }
        let parked = bridge.with_events(|hub| hub.park(capability, token))?;
        // SAFETY: non-null and aligned (checked above) and valid for one write
        // (caller's duty).
        unsafe { out_parked.write(c_int::from(parked)) };
        Ok(())
    })
}

/// `h2r_events_stats`: writes up to `len` of the running bridge's event counters to
/// `out`, in [`crate::events::EventStats::to_array`]'s order. `NotInitialised`
/// without a running bridge.
///
/// # Safety
/// `out` must be valid for writes of `len` `u64`s (or `len == 0`).
pub unsafe fn stats<E: Engine>(bridge: &Bridge<E>, out: *mut u64, len: usize) -> c_int {
    boundary("h2r_events_stats", || {
        // SAFETY: the caller guarantees `out` is valid for `len` writes.
        unsafe {
            write_counters(out, len, || {
                bridge.with_events(|hub| Ok(hub.stats().to_array()))
            })
        }
    })
}
