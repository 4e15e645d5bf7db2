//! `h2r_reply_wait`: a read of the reply that waits a bounded time for it, with the
//! same refusals as `h2r_reply`.
#![allow(unsafe_code)] // drives the C exports directly, as Haskell does

mod common;

use std::time::{Duration, Instant};

use common::*;
use rs_in_hs::Status;
use rs_in_hs::wire::decode_exact;
use rs_in_hs_probe::protocol::{Ping, Pong, Reply, Request, Sleep};

/// `h2r_reply_wait` on `handle`, waiting up to `spin_ns`: its status and bytes.
fn read_waiting(handle: u64, spin_ns: u64) -> (Result<(), Status>, Vec<u8>) {
    let mut ptr = std::ptr::null();
    let mut len = 0usize;
    // SAFETY: the out-pointers are locals; a handle that is not live is refused.
    let code = unsafe { rs_in_hs_probe::h2r_reply_wait(handle, spin_ns, &mut ptr, &mut len) };
    let bytes = if ptr.is_null() {
        Vec::new()
    } else {
        // SAFETY: the export set `ptr`/`len` to bytes that live until release.
        unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec()
    };
    (status(code), bytes)
}

#[test]
fn a_reply_is_read_by_the_waits_once_it_arrives() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    let handle = call(&Request::Ping(Ping), 0).unwrap();
    // Each wait ends at the 100 µs cap at the latest; the reply comes from the
    // worker after some of them (many, on a slow machine or under valgrind).
    let give_up = Instant::now() + Duration::from_secs(30);
    let bytes = loop {
        match read_waiting(handle.raw(), u64::MAX) {
            (Ok(()), bytes) => break bytes,
            (Err(Status::Pending), _) => assert!(Instant::now() < give_up, "no reply in 30 s"),
            (other, _) => panic!("h2r_reply_wait answered {other:?}"),
        }
    };
    assert_eq!(decode_exact::<Reply>(&bytes).unwrap(), Reply::Ping(Pong));
    let after = snapshot();
    assert_eq!(
        after.calls_woken, before.calls_woken,
        "no call was parked, so none was woken"
    );
}

#[test]
fn a_wait_for_a_slow_reply_returns_pending_after_the_cap() {
    let _s = session();
    init(64).unwrap();
    let slow = call(&Request::Sleep(Sleep(300)), 0).unwrap();
    let started = Instant::now();
    // Asked to wait forever, it waits at most the cap (100 µs) and answers Pending.
    let (status, bytes) = read_waiting(slow.raw(), u64::MAX);
    assert_eq!((status, bytes), (Err(Status::Pending), Vec::new()));
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "the wait returned before the reply, long before the 300 ms sleep ended"
    );
    assert_eq!(read_waiting(slow.raw(), 0).0, Err(Status::Pending));
    assert_eq!(slow.poll().0, Ok(()));
    assert_eq!(slow.reply(), Reply::Sleep(()));
}

#[test]
fn a_wait_refuses_what_a_read_refuses_and_writes_nothing() {
    let _s = session();
    init(64).unwrap();
    let handle = call(&Request::Ping(Ping), 0).unwrap();
    assert_eq!(handle.poll().0, Ok(()));
    let mut scratch = Scratch::new();
    let (mut ptr, mut len) = (std::ptr::null(), 0usize);
    let codes = [
        // SAFETY: a misaligned out-pointer is refused before any write.
        unsafe {
            rs_in_hs_probe::h2r_reply_wait(handle.raw(), 1000, scratch.misaligned(), &mut len)
        },
        // SAFETY: as above.
        unsafe {
            rs_in_hs_probe::h2r_reply_wait(handle.raw(), 1000, &mut ptr, scratch.misaligned())
        },
        // SAFETY: a null out-pointer is refused before any write.
        unsafe {
            rs_in_hs_probe::h2r_reply_wait(handle.raw(), 1000, std::ptr::null_mut(), &mut len)
        },
    ];
    assert_eq!(codes.map(status), [Err(Status::InvalidArgument); 3]);
    assert!(scratch.untouched(), "a refused export writes nothing");
    assert_eq!((ptr, len), (std::ptr::null(), 0));
    for unknown in [0, u64::MAX, handle.raw() ^ (1 << 40)] {
        assert_eq!(
            read_waiting(unknown, 1000),
            (Err(Status::UnknownHandle), Vec::new()),
            "handle {unknown:#x}"
        );
    }
    assert_eq!(handle.reply(), Reply::Ping(Pong));
    let released = handle.raw();
    drop(handle);
    assert_eq!(
        read_waiting(released, 1000),
        (Err(Status::UnknownHandle), Vec::new()),
        "a released handle is refused"
    );
}
