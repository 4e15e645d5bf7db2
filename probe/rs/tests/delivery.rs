//! Replies reach the right caller, a full channel pushes back and drains, and a
//! panicking engine answers instead of leaving its caller waiting.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use rs_in_hs::wire::{Either, WireBool, WireChar, WireText, wire_string};
use rs_in_hs::{CHANNEL_CAPACITY, Status};
use rs_in_hs_probe::engine::INJECTED_PANIC;
use rs_in_hs_probe::protocol::{
    Cast, Echo, GetCastCount, InjectPanic, Level, Loopback, LoopbackFrame, Note, PanicNote, Ping,
    Pong, Reply, Request, Shade, Sleep,
};

#[test]
fn replies_carry_the_callers_token_back() {
    let _s = session();
    init(64).unwrap();
    let mut replies = Vec::new();
    for id in 1..=200u64 {
        replies.push((id, call(&Request::Echo(Echo(id)), id as usize * 8).unwrap()));
    }
    let woken: HashSet<usize> = (0..200).map(|_| next_wake()).collect();
    assert_eq!(woken, (1..=200).map(|id| id * 8).collect());
    for (id, reply) in replies {
        assert_eq!(reply.reply(), Reply::Echo(id));
    }
}

#[test]
fn a_full_channel_refuses_then_blocks_then_drains() {
    let _s = session();
    init(64).unwrap();
    // Park the worker, then fill the channel behind it.
    let parked = call(&Request::Sleep(Sleep(300)), 1).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    for n in 0..CHANNEL_CAPACITY as u64 {
        cast(&Cast::Note(Note(n)), false).unwrap();
    }
    assert_eq!(cast(&Cast::Note(Note(0)), false), Err(Status::ChannelFull));
    assert_eq!(
        call(&Request::Ping(Ping), 2).err(),
        Some(Status::ChannelFull)
    );
    // A blocking submit waits for room instead, and gets it once the worker wakes.
    let started = std::time::Instant::now();
    let blocked = call_bytes(&[0], 3, true).unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(100),
        "it waited for room"
    );
    assert_eq!(next_wake(), 1);
    assert_eq!(next_wake(), 3);
    assert_eq!(parked.reply(), Reply::Sleep(()));
    assert_eq!(blocked.reply(), Reply::Ping(Pong));
    let count = call(&Request::GetCastCount(GetCastCount), 4).unwrap();
    assert_eq!(next_wake(), 4);
    assert_eq!(count.reply(), Reply::GetCastCount(CHANNEL_CAPACITY as u64));
}

#[test]
fn a_panicking_engine_answers_with_an_error() {
    let _s = session();
    init(64).unwrap();
    let failed = call(&Request::InjectPanic(InjectPanic), 11).unwrap();
    assert_eq!(next_wake(), 11);
    let (status, message) = failed.read();
    assert_eq!(status, Err(Status::EnginePanicked));
    let message = String::from_utf8(message).unwrap();
    assert!(message.starts_with(INJECTED_PANIC), "{message}");
    cast(&Cast::PanicNote(PanicNote), true).unwrap();
    // The worker survived both panics, and the panicking cast was counted.
    let reply = call(&Request::GetCastCount(GetCastCount), 12).unwrap();
    assert_eq!(next_wake(), 12);
    assert_eq!(reply.reply(), Reply::GetCastCount(1));
}

#[test]
fn a_released_handle_absorbs_its_late_reply() {
    let _s = session();
    init(64).unwrap();
    drop(call(&Request::Sleep(Sleep(50)), 21).unwrap());
    assert_eq!(next_wake(), 21, "the token is still delivered exactly once");
    still_answers(22);
}

#[test]
fn a_loopback_frame_comes_back_unchanged() {
    let _s = session();
    init(4096).unwrap();
    let frame = LoopbackFrame {
        byte: u8::MAX,
        word16: u16::MAX,
        word32: u32::MAX,
        word64: u64::MAX,
        int8: i8::MIN,
        int16: i16::MIN,
        int32: i32::MIN,
        int64: i64::MIN,
        single: f32::MIN_POSITIVE,
        double: f64::NEG_INFINITY,
        flag: WireBool(true),
        glyph: WireChar('\u{10FFFF}'),
        text: WireText::from("Grüße, 世界"),
        string: wire_string("🎸 λ"),
        bytes: vec![0, 1, 254, 255],
        maybe: Some(7),
        either: Either::Right(Level {
            peak: -1.5,
            rms: 0.25,
        }),
        levels: vec![
            Level {
                peak: 0.0,
                rms: 1.0,
            };
            3
        ],
        pair: (42, -0.0),
        shade: Shade::Named(WireText::from("teal")),
    };
    let reply = call(&Request::Loopback(Loopback(frame.clone())), 31).unwrap();
    assert_eq!(next_wake(), 31);
    assert_eq!(reply.reply(), Reply::Loopback(frame));
}
