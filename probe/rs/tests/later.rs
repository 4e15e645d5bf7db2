//! Calls answered later: the engine takes the typed reply handle, answers from its
//! own threads (or drops the handle, or panics holding it), learns when its caller
//! gives up, and deinit revokes what it still holds without waiting for it.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;
use rs_in_hs::Status;
use rs_in_hs::wire::{WireBool, encode};
use rs_in_hs_probe::engine::{answer_held, cancels_noticed};
use rs_in_hs_probe::protocol::{
    DropLater, EchoLater, HoldLater, PanicLater, Ping, Pong, Reply, Request, SleepLater,
};

fn bytes(request: &Request) -> Vec<u8> {
    encode(request).unwrap()
}

/// The failure a handle reads, with its message.
fn failure(handle: &Handle) -> (Status, String) {
    let (status, bytes) = handle.read();
    (
        status.expect_err("a failure"),
        String::from_utf8(bytes).unwrap(),
    )
}

#[test]
fn calls_answered_from_helper_threads_reach_their_own_callers() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    let handles: Vec<Handle> = (0..500u64)
        .map(|n| {
            call_bytes(
                &bytes(&Request::EchoLater(EchoLater(n))),
                1 + n as usize,
                true,
            )
            .unwrap()
        })
        .collect();
    let woken: HashSet<usize> = (0..500).map(|_| next_wake()).collect();
    assert_eq!(woken, (1..=500).collect());
    for (n, handle) in handles.iter().enumerate() {
        assert_eq!(handle.reply(), Reply::EchoLater(n as u64));
    }
    let after = snapshot();
    assert_eq!(after.answers_late, before.answers_late);
    assert_eq!(after.calls_unanswered, before.calls_unanswered);
}

#[test]
fn the_worker_goes_on_while_a_handle_is_held_and_the_answer_comes_later() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    let held = call(&Request::HoldLater(HoldLater(41)), 1).unwrap();
    let ping = call(&Request::Ping(Ping), 2).unwrap();
    assert_eq!(next_wake(), 2, "the ping is answered while the hold waits");
    assert_eq!(ping.reply(), Reply::Ping(Pong));
    assert_eq!(held.read().0, Err(Status::Pending));
    assert!(eventually(|| snapshot().deferred_outstanding() == 1));
    assert_eq!(snapshot().calls_deferred - before.calls_deferred, 1);
    assert_eq!(
        rs_in_hs_probe::h2r_calls_in_flight(),
        0,
        "a held handle keeps no worker busy, so callers may spin"
    );
    answer_held();
    assert_eq!(next_wake(), 1);
    assert_eq!(held.reply(), Reply::HoldLater(41));
    assert_eq!(snapshot().deferred_outstanding(), 0);
}

#[test]
fn a_handle_dropped_unanswered_answers_unanswered_at_once() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    let dropped = call(&Request::DropLater(DropLater), 1).unwrap();
    assert_eq!(next_wake(), 1);
    assert_eq!(failure(&dropped).0, Status::Unanswered);
    assert_eq!(snapshot().calls_unanswered - before.calls_unanswered, 1);
}

#[test]
fn a_panic_on_another_thread_that_drops_the_handle_answers_unanswered() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    let panicked = call(&Request::PanicLater(PanicLater(WireBool(true))), 1).unwrap();
    assert_eq!(next_wake(), 1);
    assert_eq!(failure(&panicked).0, Status::Unanswered);
    assert_eq!(snapshot().calls_unanswered - before.calls_unanswered, 1);
    still_answers(2);
}

#[test]
fn a_panic_on_the_worker_holding_the_handle_answers_engine_panicked() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    let panicked = call(&Request::PanicLater(PanicLater(WireBool(false))), 1).unwrap();
    assert_eq!(next_wake(), 1);
    let (status, message) = failure(&panicked);
    assert_eq!(status, Status::EnginePanicked);
    assert!(message.contains("PanicLater on the worker"), "{message}");
    assert_eq!(snapshot().calls_unanswered, before.calls_unanswered);
}

#[test]
fn an_answer_after_the_caller_gave_up_is_dropped_and_counted() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    // One caller that parked and one that polled, both gone before the answer.
    let parked = call(&Request::HoldLater(HoldLater(1)), 7).unwrap();
    let polled = submit(
        &bytes(&Request::HoldLater(HoldLater(2))),
        0,
        false,
        u64::MAX,
    )
    .unwrap();
    assert!(eventually(|| snapshot().deferred_outstanding() == 2));
    drop(parked);
    drop(polled);
    answer_held();
    assert!(eventually(
        || snapshot().answers_late - before.answers_late == 2
    ));
    assert_eq!(next_wake(), 7, "the parked caller's token comes back once");
    assert!(no_wake_for(Duration::from_millis(50)));
    assert_eq!(snapshot().deferred_outstanding(), 0);
}

#[test]
fn the_engine_learns_that_its_caller_gave_up() {
    let _s = session();
    init(64).unwrap();
    let noticed = cancels_noticed();
    let sleeping = submit(
        &bytes(&Request::SleepLater(SleepLater(10_000))),
        0,
        false,
        u64::MAX,
    )
    .unwrap();
    assert!(eventually(|| snapshot().deferred_outstanding() == 1));
    let gave_up = Instant::now();
    drop(sleeping);
    assert!(eventually(|| cancels_noticed() == noticed + 1));
    assert!(
        gave_up.elapsed() < Duration::from_secs(5),
        "not the 10 s sleep"
    );
}

#[test]
fn deinit_revokes_10_000_handles_held_on_four_threads_without_waiting_for_them() {
    let _s = session();
    init(64).unwrap();
    let before = snapshot();
    let handles: Vec<Handle> = (0..10_000u64)
        .map(|n| {
            let request = bytes(&Request::HoldLater(HoldLater(n)));
            call_bytes(&request, 1 + n as usize, true).unwrap()
        })
        .collect();
    assert!(eventually(|| snapshot().deferred_outstanding() == 10_000));
    let started = Instant::now();
    status(rs_in_hs_probe::h2r_deinit()).unwrap();
    let took = started.elapsed();
    let woken: HashSet<usize> = (0..10_000).map(|_| next_wake()).collect();
    assert_eq!(woken.len(), 10_000, "every token comes back once");
    assert!(
        no_wake_for(Duration::from_millis(50)),
        "and none after deinit"
    );
    for handle in &handles {
        assert_eq!(failure(handle).0, Status::ShuttingDown);
    }
    let revoked = snapshot();
    assert_eq!(revoked.calls_revoked - before.calls_revoked, 10_000);
    assert_eq!(revoked.deferred_outstanding(), 0);
    // The helper threads answer after deinit: nothing reaches the callers.
    answer_held();
    assert!(eventually(|| {
        snapshot().answers_late - before.answers_late == 10_000
    }));
    assert!(no_wake_for(Duration::from_millis(50)));
    assert_eq!(failure(&handles[0]).0, Status::ShuttingDown);
    println!("deinit revoked 10,000 held handles in {took:?}");
}

#[test]
fn deinit_tells_a_waiting_engine_thread_that_its_caller_is_gone() {
    let _s = session();
    init(64).unwrap();
    let noticed = cancels_noticed();
    let sleeping = call(&Request::SleepLater(SleepLater(10_000)), 3).unwrap();
    assert!(eventually(|| snapshot().deferred_outstanding() == 1));
    status(rs_in_hs_probe::h2r_deinit()).unwrap();
    assert_eq!(next_wake(), 3);
    assert_eq!(failure(&sleeping).0, Status::ShuttingDown);
    assert!(eventually(|| cancels_noticed() == noticed + 1));
}
