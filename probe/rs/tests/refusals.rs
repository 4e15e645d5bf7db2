//! Bad input is refused with a status, takes nothing, and leaves the bridge working.
#![allow(unsafe_code)] // drives the C exports directly, as Haskell does

mod common;

use common::*;
use rs_in_hs::Status;
use rs_in_hs::stats::Snapshot;
use rs_in_hs::wire::encode;
use rs_in_hs_probe::protocol::{Cast, Echo, Note, Ping, Reply, Request, Sleep};

#[test]
fn too_long_is_refused_on_both_paths() {
    let _s = session();
    init(4).unwrap();
    let before = snapshot();
    let echo = encode(&Request::Echo(Echo(1))).unwrap();
    assert_eq!(
        call_bytes(&echo, 1, false).err(),
        Some(Status::MessageTooLong)
    );
    assert_eq!(
        cast(&Cast::Note(Note(1)), true),
        Err(Status::MessageTooLong)
    );
    assert!(no_wake_for(std::time::Duration::from_millis(20)));
    nothing_taken_since(&before);
    still_answers(77);
}

#[test]
fn undecodable_is_refused() {
    let _s = session();
    init(64).unwrap();
    // An unknown tag, a Sleep cut short, a Ping with a trailing byte, nothing at all,
    // the first tag past the calls, and an Echo one byte short.
    for bytes in [
        &[250u8][..],
        &[2, 1, 2],
        &[0, 0],
        &[],
        &[13],
        &[1, 0, 0, 0, 0, 0, 0, 0],
    ] {
        assert_eq!(call_bytes(bytes, 1, false).err(), Some(Status::Undecodable));
    }
    // The same for casts, with the first tag past the casts.
    for bytes in [&[250u8][..], &[0, 1, 2], &[1, 0], &[], &[3]] {
        assert_eq!(cast_bytes(bytes, false), Err(Status::Undecodable));
    }
    assert!(no_wake_for(std::time::Duration::from_millis(20)));
    still_answers(77);
}

#[test]
fn null_with_length_zero_is_an_empty_message() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    null_message_refused(0, Status::Undecodable);
    nothing_taken_since(&before);
    still_answers(77);
}

#[test]
fn null_with_length_is_invalid() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    null_message_refused(3, Status::InvalidArgument);
    // SAFETY: a null out-pointer is refused before anything is written; the token
    // is a plain number that only `record` sees.
    let code = unsafe {
        call_raw(
            rs_in_hs_probe::h2r_call,
            [0u8].as_ptr(),
            1,
            4,
            false,
            u64::MAX,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(code, Err(Status::InvalidArgument));
    // SAFETY: a null buffer with a non-zero length is refused before anything is
    // written.
    let code = unsafe { rs_in_hs_probe::h2r_stats(std::ptr::null_mut(), 3) };
    assert_eq!(status(code), Err(Status::InvalidArgument));
    assert!(
        no_wake_for(std::time::Duration::from_millis(20)),
        "no refused call's token reached notify"
    );
    nothing_taken_since(&before);
    still_answers(77);
}

/// Asserts that since `before` no call was accepted or answered, no handle issued
/// and no token woken: the refusals in between took nothing.
fn nothing_taken_since(before: &Snapshot) {
    let after = snapshot();
    assert_eq!(
        (
            after.calls_accepted - before.calls_accepted,
            after.calls_answered - before.calls_answered,
            after.handles_issued - before.handles_issued,
            after.calls_woken - before.calls_woken,
        ),
        (0, 0, 0, 0),
        "a refusal takes nothing: {before:?} then {after:?}"
    );
}

/// A message of `len` bytes at null, called (parked with token 3, without
/// blocking, with no deadline) and cast: both are refused with `expected`, the call
/// writes no handle, and its token is never woken.
fn null_message_refused(len: usize, expected: Status) {
    let mut out = 0u64;
    // SAFETY: the exports allow null with length 0 and check for null before reading
    // any other length; `out` is a local; the token is a plain number that only
    // `record` sees.
    let code = unsafe {
        call_raw(
            rs_in_hs_probe::h2r_call,
            std::ptr::null(),
            len,
            3,
            false,
            u64::MAX,
            &mut out,
        )
    };
    assert_eq!(code, Err(expected));
    // SAFETY: as above.
    let code = unsafe { rs_in_hs_probe::h2r_cast(std::ptr::null(), len, 0) };
    assert_eq!(status(code), Err(expected));
    assert_eq!(out, 0, "a refused call writes no handle");
    assert!(
        no_wake_for(std::time::Duration::from_millis(20)),
        "the refused call's token never reaches notify"
    );
}

#[test]
fn a_reply_read_before_delivery_is_pending() {
    let _s = session();
    init(64).unwrap();
    let slow = call(&Request::Sleep(Sleep(200)), 5).unwrap();
    assert_eq!(slow.read().0, Err(Status::Pending));
    assert_eq!(next_wake(), 5);
    assert_eq!(slow.reply(), Reply::Sleep(()));
}

#[test]
fn a_park_with_a_null_token_is_refused_and_leaves_the_cell_unparked() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    let slow = call(&Request::Sleep(Sleep(300)), 0).unwrap();
    // Token 0 is the null pointer: refused, so `notify` can never be given it.
    assert_eq!(slow.park(0), Err(Status::InvalidArgument));
    // The cell is as before: a real token parks it, and only that one comes back.
    assert_eq!(slow.park(41), Ok(()));
    assert_eq!(next_wake(), 41);
    assert!(no_wake_for(std::time::Duration::from_millis(50)));
    assert_eq!(slow.reply(), Reply::Sleep(()));
    let after = snapshot();
    assert_eq!(
        after.calls_woken - before.calls_woken,
        1,
        "one wake-up: token 41's"
    );
    // On a cell whose outcome is there, a null token is still refused (not
    // `AlreadyAnswered`), and nothing is woken.
    assert_eq!(slow.park(0), Err(Status::InvalidArgument));
    assert!(no_wake_for(std::time::Duration::from_millis(20)));
}

#[test]
fn misaligned_out_pointers_and_lengths_beyond_isize_are_refused_before_anything_happens() {
    let _s = session();
    init(64).unwrap();
    let ping = encode(&Request::Ping(Ping)).unwrap();
    let before = snapshot();
    let mut scratch = Scratch::new();
    // SAFETY: a misaligned `out_reply` is refused before the message is read or
    // anything is queued or written.
    let code = unsafe {
        call_raw(
            rs_in_hs_probe::h2r_call,
            ping.as_ptr(),
            ping.len(),
            9,
            false,
            u64::MAX,
            scratch.misaligned(),
        )
    };
    assert_eq!(code, Err(Status::InvalidArgument));
    let mut out = 0u64;
    // SAFETY: a length beyond isize::MAX is refused before the bytes are read.
    let code = unsafe {
        call_raw(
            rs_in_hs_probe::h2r_call,
            ping.as_ptr(),
            usize::MAX,
            0,
            false,
            u64::MAX,
            &mut out,
        )
    };
    assert_eq!(code, Err(Status::InvalidArgument));
    let codes = [
        // SAFETY: as above.
        unsafe { rs_in_hs_probe::h2r_cast(ping.as_ptr(), usize::MAX, 0) },
        // SAFETY: a misaligned `out` is refused before any write.
        unsafe { rs_in_hs_probe::h2r_stats(scratch.misaligned(), 2) },
    ];
    assert_eq!(codes.map(status), [Err(Status::InvalidArgument); 2]);
    assert_eq!(out, 0, "a refused call writes no handle");
    let handle = call(&Request::Sleep(Sleep(1)), 0).unwrap();
    assert_eq!(handle.poll().0, Ok(()));
    let (mut ptr, mut len) = (std::ptr::null(), 0usize);
    // `handle` is unreleased; each call gets one misaligned out-pointer, refused
    // before any write; the other is a local.
    let codes = [
        // SAFETY: as said above.
        unsafe { rs_in_hs_probe::h2r_reply(handle.raw(), scratch.misaligned(), &mut len) },
        // SAFETY: as said above.
        unsafe { rs_in_hs_probe::h2r_reply(handle.raw(), &mut ptr, scratch.misaligned()) },
    ];
    assert_eq!(codes.map(status), [Err(Status::InvalidArgument); 2]);
    assert!(scratch.untouched(), "a refused export writes nothing");
    assert_eq!((ptr, len), (std::ptr::null(), 0));
    assert_eq!(handle.reply(), Reply::Sleep(()));
    drop(handle);
    assert!(
        no_wake_for(std::time::Duration::from_millis(20)),
        "token 9 never reached notify"
    );
    let after = snapshot();
    assert_eq!(
        (
            after.calls_accepted - before.calls_accepted,
            after.handles_issued - before.handles_issued
        ),
        (1, 1),
        "only the good call was accepted"
    );
    still_answers(77);
}

/// Submits a call with a token (0: unparked), giving the raw handle, which the
/// test releases itself.
fn raw_call(request: &Request, token: usize) -> u64 {
    let bytes = encode(request).unwrap();
    let mut handle = 0u64;
    // SAFETY: `bytes` is live for the call, `handle` is a local; the token is a
    // plain number that only `record` sees.
    let code = unsafe {
        call_raw(
            rs_in_hs_probe::h2r_call,
            bytes.as_ptr(),
            bytes.len(),
            token,
            true,
            u64::MAX,
            &mut handle,
        )
    };
    assert_eq!(code, Ok(()));
    assert_ne!(handle, 0, "0 is never a handle");
    handle
}

/// Every use of `handle` that a caller can make, each of which must be refused
/// with `UnknownHandle` and do nothing: nothing written, parked or released.
fn refused_everywhere(handle: u64) {
    let sentinel = 0xBAD as *const u8;
    let (mut ptr, mut len) = (sentinel, 7usize);
    // SAFETY: the out-pointers are locals; a dead handle is refused before use.
    let code = unsafe { rs_in_hs_probe::h2r_reply(handle, &mut ptr, &mut len) };
    assert_eq!(
        status(code),
        Err(Status::UnknownHandle),
        "h2r_reply({handle:#x})"
    );
    assert_eq!((ptr, len), (sentinel, 7), "a refused read writes nothing");
    // SAFETY: the token is a plain number that only `record` sees; refused before
    // it is stored.
    let code = unsafe { rs_in_hs_probe::h2r_park(handle, std::ptr::without_provenance_mut(66), 0) };
    assert_eq!(
        status(code),
        Err(Status::UnknownHandle),
        "h2r_park({handle:#x})"
    );
    assert_eq!(
        status(rs_in_hs_probe::h2r_release(handle)),
        Err(Status::UnknownHandle),
        "h2r_release({handle:#x})"
    );
}

#[test]
fn a_handle_released_or_never_issued_is_refused_and_nothing_happens() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    let handle = raw_call(&Request::Ping(Ping), 21);
    assert_eq!(next_wake(), 21);
    // Handles that were never issued: 0, the live handle's neighbours, the live
    // handle with another generation, and numbers out of any range.
    for bogus in [
        0,
        handle + 1,
        handle - 1,
        handle ^ (1 << 40),
        handle ^ (1 << 63),
        u64::MAX,
        0xDEAD_BEEF,
    ] {
        if bogus != handle {
            refused_everywhere(bogus);
        }
    }
    // The live handle is untouched by all that.
    let (mut ptr, mut len) = (std::ptr::null(), 0usize);
    // SAFETY: the out-pointers are locals.
    let code = unsafe { rs_in_hs_probe::h2r_reply(handle, &mut ptr, &mut len) };
    assert_eq!(status(code), Ok(()));
    assert!(len > 0);
    assert_eq!(status(rs_in_hs_probe::h2r_release(handle)), Ok(()));
    // Released: a second release, a read and a park are refused.
    refused_everywhere(handle);
    // The emptied slot's next generation (the top 29 bits count a slot's reuses),
    // before anything reuses the slot: a handle never issued.
    refused_everywhere(handle + (1 << 35));
    assert!(
        no_wake_for(std::time::Duration::from_millis(50)),
        "no park was taken"
    );
    let after = snapshot();
    assert_eq!(after.handles_issued - before.handles_issued, 1);
    assert_eq!(
        after.handles_released - before.handles_released,
        1,
        "released once"
    );
    still_answers(77);
}

#[test]
fn a_pending_call_released_twice_is_dropped_once_and_wakes_its_token_once() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    let blocker = call(&Request::Sleep(Sleep(100)), 30).unwrap();
    let handle = raw_call(&Request::Ping(Ping), 31);
    assert_eq!(status(rs_in_hs_probe::h2r_release(handle)), Ok(()));
    refused_everywhere(handle);
    // The released call is dropped unrun and its token comes back once.
    let mut woken = vec![next_wake(), next_wake()];
    woken.sort_unstable();
    assert_eq!(woken, [30, 31]);
    assert!(no_wake_for(std::time::Duration::from_millis(50)));
    assert_eq!(blocker.reply(), Reply::Sleep(()));
    let after = snapshot();
    assert_eq!(
        after.calls_dropped_abandoned - before.calls_dropped_abandoned,
        1
    );
    assert_eq!(after.handles_released - before.handles_released, 1);
}

#[test]
fn releases_racing_on_one_handle_release_it_once() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    for round in 0..100 {
        let handle = raw_call(&Request::Ping(Ping), 100 + round);
        let released: usize = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(move || {
                        usize::from(status(rs_in_hs_probe::h2r_release(handle)) == Ok(()))
                    })
                })
                .collect();
            racers.into_iter().map(|racer| racer.join().unwrap()).sum()
        });
        assert_eq!(released, 1, "round {round}");
        assert_eq!(next_wake(), 100 + round);
    }
    let after = snapshot();
    assert_eq!(after.handles_released - before.handles_released, 100);
}

/// A counter export asked for no counters writes nothing and reads nothing through
/// `out`, whatever it points at: null, or misaligned.
#[test]
fn counters_with_length_zero_touch_nothing_at_any_pointer() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    let mut scratch = Scratch::new();
    let codes = [
        // SAFETY: a length of 0 asks for no write.
        unsafe { rs_in_hs_probe::h2r_stats(scratch.misaligned(), 0) },
        // SAFETY: as above.
        unsafe { rs_in_hs_probe::h2r_stats(std::ptr::null_mut(), 0) },
        // SAFETY: as above.
        unsafe { rs_in_hs_probe::h2r_events_stats(scratch.misaligned(), 0) },
        // SAFETY: as above.
        unsafe { rs_in_hs_probe::h2r_events_stats(std::ptr::null_mut(), 0) },
    ];
    assert_eq!(codes.map(status), [Ok(()); 4]);
    assert!(scratch.untouched(), "no counter is written");
    let after = snapshot();
    assert_eq!(
        (
            after.calls_accepted - before.calls_accepted,
            after.handles_issued - before.handles_issued
        ),
        (0, 0)
    );
    still_answers(77);
}
