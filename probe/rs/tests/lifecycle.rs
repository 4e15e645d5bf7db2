//! Init, deinit and re-init through the exports, and every lifecycle refusal.
#![allow(unsafe_code)] // drives the C exports directly, as Haskell does

mod common;

use common::*;
use rs_in_hs::Status;
use rs_in_hs_probe::protocol::{Cast, Echo, Note, Ping, Pong, Reply, Request};

#[test]
fn init_deinit_reinit() {
    let _s = session();
    for round in 0..20 {
        init(64).unwrap();
        let reply = call(&Request::Echo(Echo(round)), round as usize + 1).unwrap();
        assert_eq!(next_wake(), round as usize + 1);
        assert_eq!(reply.reply(), Reply::Echo(round));
        assert_eq!(status(rs_in_hs_probe::h2r_deinit()), Ok(()));
    }
}

#[test]
fn refusals_before_init_and_after_deinit() {
    let _s = session();
    assert_eq!(
        call(&Request::Ping(Ping), 1).err(),
        Some(Status::NotInitialised)
    );
    assert_eq!(
        cast(&Cast::Note(Note(0)), false),
        Err(Status::NotInitialised)
    );
    assert_eq!(
        status(rs_in_hs_probe::h2r_deinit()),
        Err(Status::NotInitialised)
    );
    init(64).unwrap();
    assert_eq!(status(rs_in_hs_probe::h2r_deinit()), Ok(()));
    assert_eq!(
        call(&Request::Ping(Ping), 1).err(),
        Some(Status::NotInitialised)
    );
    assert_eq!(
        cast(&Cast::Note(Note(0)), true),
        Err(Status::NotInitialised)
    );
    assert!(no_wake_for(std::time::Duration::from_millis(50)));
}

#[test]
fn double_init_is_refused_and_leaves_the_bridge_running() {
    let _s = session();
    init(64).unwrap();
    assert_eq!(init(1), Err(Status::AlreadyInitialised));
    // The first config still holds: a 9-byte Echo fits 64 but not 1.
    let reply = call(&Request::Echo(Echo(9)), 3).unwrap();
    assert_eq!(next_wake(), 3);
    assert_eq!(reply.reply(), Reply::Echo(9));
}

#[test]
fn bad_config_is_refused() {
    let _s = session();
    assert_eq!(init_raw(&[1, 2, 3]), Err(Status::BadConfig));
    assert_eq!(init_raw(&[0, 1, 0, 0, 9]), Err(Status::BadConfig));
    // SAFETY: a null pointer with length 0 is allowed by h2r_init's contract.
    let code = unsafe { rs_in_hs_probe::h2r_init(None, None, std::ptr::null(), 0) };
    assert_eq!(status(code), Err(Status::InvalidArgument));
    // Nothing was started by the refusals.
    assert_eq!(
        status(rs_in_hs_probe::h2r_deinit()),
        Err(Status::NotInitialised)
    );
}

#[test]
fn accepted_calls_are_all_answered_by_deinit() {
    let _s = session();
    init(64).unwrap();
    let replies: Vec<_> = (1..=100)
        .map(|token| call_bytes(&[0], token, true).unwrap())
        .collect();
    assert_eq!(status(rs_in_hs_probe::h2r_deinit()), Ok(()));
    let mut woken: Vec<usize> = (0..100).map(|_| next_wake()).collect();
    woken.sort_unstable();
    assert_eq!(woken, (1..=100).collect::<Vec<_>>());
    assert!(replies.iter().all(|r| r.reply() == Reply::Ping(Pong)));
}

#[test]
fn token_counters_count_what_the_caller_reports() {
    let _s = session();
    let before = snapshot();
    assert_eq!(status(rs_in_hs_probe::h2r_token_created()), Ok(()));
    assert_eq!(status(rs_in_hs_probe::h2r_token_created()), Ok(()));
    assert_eq!(status(rs_in_hs_probe::h2r_token_freed_unsent()), Ok(()));
    let after = snapshot();
    assert_eq!(after.tokens_created - before.tokens_created, 2);
    assert_eq!(after.tokens_freed_unsent - before.tokens_freed_unsent, 1);
    let mut out = [0u64; 6];
    // SAFETY: `out` is a local array of 6 u64s.
    let code = unsafe { rs_in_hs_probe::h2r_stats(out.as_mut_ptr(), out.len()) };
    assert_eq!(status(code), Ok(()));
    assert_eq!(out[4..], [after.tokens_created, after.tokens_freed_unsent]);
}
