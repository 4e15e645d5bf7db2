//! The reply cell's paths other than "parked at submit": replies found by polling
//! wake nobody, a late park is woken once, and calls that expired or were abandoned
//! while queued are answered without reaching the engine.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use rs_in_hs::Status;
use rs_in_hs::wire::encode;
use rs_in_hs_probe::engine::calls_run;
use rs_in_hs_probe::protocol::{Echo, Ping, Pong, Reply, Request, Sleep};

fn bytes(request: &Request) -> Vec<u8> {
    encode(request).unwrap()
}

#[test]
fn a_reply_found_by_polling_wakes_nobody_and_refuses_a_park() {
    let _s = session();
    init(64).unwrap();
    let woken = snapshot().calls_woken;
    let reply = submit(&bytes(&Request::Ping(Ping)), 0, false, u64::MAX).unwrap();
    let (status, _) = reply.poll();
    assert_eq!(status, Ok(()));
    assert_eq!(reply.reply(), Reply::Ping(Pong));
    assert_eq!(reply.park(5), Err(Status::AlreadyAnswered));
    assert!(no_wake_for(Duration::from_millis(50)));
    assert_eq!(snapshot().calls_woken, woken);
}

#[test]
fn a_call_parked_after_submit_is_woken_once() {
    let _s = session();
    init(64).unwrap();
    let reply = submit(&bytes(&Request::Sleep(Sleep(100))), 0, false, u64::MAX).unwrap();
    assert_eq!(reply.read().0, Err(Status::Pending));
    assert_eq!(reply.park(6), Ok(()));
    assert_eq!(reply.park(7), Err(Status::InvalidArgument));
    assert_eq!(next_wake(), 6);
    assert_eq!(reply.reply(), Reply::Sleep(()));
    assert!(no_wake_for(Duration::from_millis(50)));
}

#[test]
fn a_call_parked_at_submit_refuses_a_second_park() {
    let _s = session();
    init(64).unwrap();
    let reply = submit(&bytes(&Request::Sleep(Sleep(50))), 8, false, u64::MAX).unwrap();
    assert_eq!(reply.park(9), Err(Status::InvalidArgument));
    assert_eq!(next_wake(), 8);
    assert!(no_wake_for(Duration::from_millis(50)));
}

#[test]
fn expired_calls_are_answered_expired_and_never_reach_the_engine() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    let ran = calls_run();
    // The worker sleeps while 200 calls with a 1 ms budget wait behind it.
    let stall = call(&Request::Sleep(Sleep(200)), 1).unwrap();
    let queued: Vec<Handle> = (0..200u64)
        .map(|n| {
            let request = bytes(&Request::Echo(Echo(n)));
            submit(&request, 100 + n as usize, false, 1_000_000).unwrap()
        })
        .collect();
    let woken: HashSet<usize> = (0..201).map(|_| next_wake()).collect();
    assert_eq!(
        woken,
        (0..201)
            .map(|n| if n == 200 { 1 } else { 100 + n })
            .collect()
    );
    assert_eq!(stall.reply(), Reply::Sleep(()));
    for reply in &queued {
        assert_eq!(reply.read().0, Err(Status::Expired));
    }
    assert_eq!(calls_run() - ran, 1, "only the stalling call ran");
    let after = snapshot();
    assert_eq!(
        after.calls_dropped_expired - before.calls_dropped_expired,
        200
    );
    assert_eq!(
        after.calls_dropped_abandoned,
        before.calls_dropped_abandoned
    );
}

#[test]
fn abandoned_calls_never_reach_the_engine_and_parked_ones_are_woken_once() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    let ran = calls_run();
    let stall = call(&Request::Sleep(Sleep(200)), 1).unwrap();
    // 100 calls that never parked and 100 that did, all released while queued.
    for n in 0..200u64 {
        let token = if n % 2 == 0 { 0 } else { 1000 + n as usize };
        drop(submit(&bytes(&Request::Echo(Echo(n))), token, false, u64::MAX).unwrap());
    }
    let last = call(&Request::Ping(Ping), 2).unwrap();
    let woken: HashSet<usize> = (0..102).map(|_| next_wake()).collect();
    let parked = (0..200).filter(|n| n % 2 == 1).map(|n| 1000 + n);
    assert_eq!(woken, parked.chain([1, 2]).collect());
    assert!(no_wake_for(Duration::from_millis(50)));
    assert_eq!(stall.reply(), Reply::Sleep(()));
    assert_eq!(last.reply(), Reply::Ping(Pong));
    assert_eq!(
        calls_run() - ran,
        2,
        "only the stalling call and the last ran"
    );
    let after = snapshot();
    assert_eq!(
        after.calls_dropped_abandoned - before.calls_dropped_abandoned,
        200
    );
    assert_eq!(after.calls_dropped_expired, before.calls_dropped_expired);
}

#[test]
fn a_deadline_that_has_not_passed_changes_nothing() {
    let _s = session();
    init(64).unwrap();
    let reply = submit(&bytes(&Request::Echo(Echo(3))), 4, false, 10_000_000_000).unwrap();
    assert_eq!(next_wake(), 4);
    assert_eq!(reply.reply(), Reply::Echo(3));
}
