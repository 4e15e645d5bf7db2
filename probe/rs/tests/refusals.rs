//! Bad input is refused with a status, takes nothing, and leaves the bridge working.
#![allow(unsafe_code)] // drives the C exports directly, as Haskell does

mod common;

use common::*;
use rs_in_hs::Status;
use rs_in_hs::wire::encode;
use rs_in_hs_probe::protocol::{Cast, Echo, Note, Ping, Pong, Reply, Request, Sleep};

fn still_works() {
    let reply = call(&Request::Ping(Ping), 77).unwrap();
    assert_eq!(next_wake(), 77);
    assert_eq!(reply.reply(), Reply::Ping(Pong));
}

#[test]
fn too_long_is_refused_on_both_paths() {
    let _s = session();
    init(4).unwrap();
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
    still_works();
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
    still_works();
}

#[test]
fn null_with_length_zero_is_an_empty_message() {
    let _s = session();
    init(64).unwrap();
    let mut out = std::ptr::null();
    // SAFETY: null with len 0 is allowed; `out` is a local.
    let code = unsafe {
        rs_in_hs_probe::h2r_call(
            std::ptr::null(),
            0,
            std::ptr::null_mut(),
            0,
            0,
            u64::MAX,
            &mut out,
        )
    };
    assert_eq!(status(code), Err(Status::Undecodable));
    // SAFETY: as above.
    let code = unsafe { rs_in_hs_probe::h2r_cast(std::ptr::null(), 0, 0) };
    assert_eq!(status(code), Err(Status::Undecodable));
    assert!(out.is_null(), "a refused call writes no handle");
    still_works();
}

#[test]
fn null_with_length_is_invalid() {
    let _s = session();
    init(64).unwrap();
    let mut out = std::ptr::null();
    // SAFETY: the export checks for null before reading.
    let code = unsafe {
        rs_in_hs_probe::h2r_call(
            std::ptr::null(),
            3,
            std::ptr::null_mut(),
            0,
            0,
            u64::MAX,
            &mut out,
        )
    };
    assert_eq!(status(code), Err(Status::InvalidArgument));
    // SAFETY: as above; a null out-pointer is refused before anything is written.
    let code = unsafe {
        rs_in_hs_probe::h2r_call(
            [0u8].as_ptr(),
            1,
            std::ptr::null_mut(),
            0,
            0,
            u64::MAX,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(status(code), Err(Status::InvalidArgument));
    // SAFETY: the export checks for null before reading.
    let code = unsafe { rs_in_hs_probe::h2r_cast(std::ptr::null(), 3, 0) };
    assert_eq!(status(code), Err(Status::InvalidArgument));
    // SAFETY: a null handle is refused before it is used.
    let code = unsafe { rs_in_hs_probe::h2r_release(std::ptr::null()) };
    assert_eq!(status(code), Err(Status::InvalidArgument));
    let (mut ptr, mut len) = (std::ptr::null(), 0usize);
    // SAFETY: a null handle is refused before it is used; the out-pointers are locals.
    let code = unsafe { rs_in_hs_probe::h2r_reply(std::ptr::null(), &mut ptr, &mut len) };
    assert_eq!(status(code), Err(Status::InvalidArgument));
    // SAFETY: a null buffer with a non-zero length is refused before anything is
    // written.
    let code = unsafe { rs_in_hs_probe::h2r_stats(std::ptr::null_mut(), 3) };
    assert_eq!(status(code), Err(Status::InvalidArgument));
    assert!(no_wake_for(std::time::Duration::from_millis(20)));
    still_works();
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
