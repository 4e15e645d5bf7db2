//! Replies reach the right caller, a full channel pushes back and drains, and a
//! panicking engine answers instead of leaving its caller waiting.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use rs_in_hs::bridge::CHANNEL_CAPACITY;
use rs_in_hs::status::Status;
use rs_in_hs::wire::MessageBody;

#[test]
fn replies_carry_the_callers_token_back() {
    let _s = session();
    init(64).unwrap();
    let mut replies = Vec::new();
    for id in 1..=200u64 {
        replies.push((id, call(&MessageBody::Echo(id), id as usize * 8).unwrap()));
    }
    let woken: HashSet<usize> = (0..200).map(|_| next_wake()).collect();
    assert_eq!(woken, (1..=200).map(|id| id * 8).collect());
    for (id, reply) in replies {
        assert_eq!(reply.message(), MessageBody::Echo(id));
    }
}

#[test]
fn a_full_channel_refuses_then_blocks_then_drains() {
    let _s = session();
    init(64).unwrap();
    // Park the worker, then fill the channel behind it.
    let parked = call(&MessageBody::Sleep(300), 1).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    for _ in 0..CHANNEL_CAPACITY {
        cast(&MessageBody::Ping, false).unwrap();
    }
    assert_eq!(cast(&MessageBody::Ping, false), Err(Status::ChannelFull));
    assert_eq!(call(&MessageBody::Ping, 2).err(), Some(Status::ChannelFull));
    // A blocking submit waits for room instead, and gets it once the worker wakes.
    let started = std::time::Instant::now();
    let blocked = call_bytes(&[0], 3, true).unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(100),
        "it waited for room"
    );
    assert_eq!(next_wake(), 1);
    assert_eq!(next_wake(), 3);
    assert_eq!(parked.message(), MessageBody::Pong);
    assert_eq!(blocked.message(), MessageBody::Pong);
    let count = call(&MessageBody::GetCastCount, 4).unwrap();
    assert_eq!(next_wake(), 4);
    assert_eq!(
        count.message(),
        MessageBody::CastCount(CHANNEL_CAPACITY as u64)
    );
}

#[test]
fn a_panicking_engine_answers_with_an_error() {
    let _s = session();
    init(64).unwrap();
    let failed = call(&MessageBody::InjectPanic, 11).unwrap();
    assert_eq!(next_wake(), 11);
    let (status, message) = failed.read();
    assert_eq!(status, Err(Status::EnginePanicked));
    assert!(String::from_utf8(message).unwrap().contains("InjectPanic"));
    cast(&MessageBody::InjectPanic, true).unwrap();
    // The worker survived both panics.
    let reply = call(&MessageBody::GetCastCount, 12).unwrap();
    assert_eq!(next_wake(), 12);
    assert_eq!(reply.message(), MessageBody::CastCount(1));
}

#[test]
fn a_released_handle_absorbs_its_late_reply() {
    let _s = session();
    init(64).unwrap();
    drop(call(&MessageBody::Sleep(50), 21).unwrap());
    assert_eq!(next_wake(), 21, "the token is still delivered exactly once");
    let reply = call(&MessageBody::Ping, 22).unwrap();
    assert_eq!(next_wake(), 22);
    assert_eq!(reply.message(), MessageBody::Pong);
}
