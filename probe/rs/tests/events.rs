//! Events through the exports, as Haskell drives them: order, drops counted in
//! place under a stalled subscriber, emits that never wait, one wake-up per park,
//! and unsubscribe and deinit as barriers after which `notify` is never called.
#![allow(unsafe_code)] // drives the C exports directly, as Haskell does

mod common;

use std::ffi::c_int;
use std::time::Duration;

use common::*;
use rs_in_hs::Status;
use rs_in_hs::events::{EventStats, RECORD_HEADER_LEN};
use rs_in_hs::wire::decode_exact;
use rs_in_hs_probe::protocol::{BurstDone, EmitTicks, Event, Request, Tick};

/// The token the event tests park with; calls use small ones.
const PARKED: usize = 0xE000;

fn subscribe(capacity: usize) -> Result<(), Status> {
    status(rs_in_hs_probe::h2r_events_subscribe(capacity))
}

fn unsubscribe() -> Result<(), Status> {
    status(rs_in_hs_probe::h2r_events_unsubscribe())
}

/// The events of one take, each with the count missed before it, and the count
/// missed after the last.
type Batch = (Vec<(u64, Event)>, u64);

/// One `h2r_events_take` into a buffer of `len` bytes: the events, each with the
/// count missed before it, and the count missed after the last; or the status with
/// the length written to `out_used`.
fn take_into(len: usize) -> Result<Batch, (Status, usize)> {
    let mut buf = vec![0u8; len];
    let mut used = 0usize;
    let mut missed = 0u64;
    // SAFETY: `buf` is valid for `len` writes, the out-pointers are locals.
    let code =
        unsafe { rs_in_hs_probe::h2r_events_take(buf.as_mut_ptr(), len, &mut used, &mut missed) };
    status(code).map_err(|status| (status, used))?;
    let mut events = Vec::new();
    let mut at = 0;
    while at < used {
        let word = |from: usize| u64::from_ne_bytes(buf[from..from + 8].try_into().unwrap());
        let len = usize::try_from(word(at + 8)).unwrap();
        let start = at + RECORD_HEADER_LEN;
        events.push((word(at), decode_exact(&buf[start..start + len]).unwrap()));
        at = start + len.next_multiple_of(8);
    }
    Ok((events, missed))
}

fn take() -> Batch {
    take_into(1 << 20).expect("take succeeds")
}

/// Offers `token`; whether Rust took it.
fn park(token: usize) -> Result<bool, Status> {
    let mut parked: c_int = -1;
    // SAFETY: the token is a plain number that only `record` sees; `parked` is a local.
    let code = unsafe {
        rs_in_hs_probe::h2r_events_park(std::ptr::without_provenance_mut(token), 0, &mut parked)
    };
    status(code).map(|()| parked == 1)
}

fn stats() -> EventStats {
    let mut out = [0u64; 6];
    // SAFETY: `out` is valid for 6 writes.
    status(unsafe { rs_in_hs_probe::h2r_events_stats(out.as_mut_ptr(), out.len()) })
        .expect("stats of a running bridge");
    EventStats {
        emitted: out[0],
        delivered: out[1],
        dropped: out[2],
        wakeups: out[3],
        tokens_taken: out[4],
        tokens_returned: out[5],
    }
}

/// Makes the engine emit `count` ticks and the end of the burst, and waits for the
/// call's reply; returns the other tokens woken meanwhile.
fn emit_ticks(count: u32) -> Vec<usize> {
    const CALL: usize = 8;
    let handle = call(&Request::EmitTicks(EmitTicks(count)), CALL).unwrap();
    let mut others = Vec::new();
    loop {
        match next_wake() {
            CALL => break,
            other => others.push(other),
        }
    }
    handle.read().0.expect("the call was answered");
    others
}

/// A session with a running bridge and a subscription of `capacity` events.
fn subscribed(capacity: usize) -> Session {
    let session = session();
    init(64).unwrap();
    subscribe(capacity).unwrap();
    session
}

/// A whole burst of `count` ticks, as delivered with no gap.
fn burst(count: u32) -> Vec<(u64, Event)> {
    let mut events = ticks(0..u64::from(count));
    events.push((0, Event::BurstDone(BurstDone(count))));
    events
}

fn ticks(range: std::ops::Range<u64>) -> Vec<(u64, Event)> {
    range.map(|n| (0, Event::Tick(Tick(n)))).collect()
}

#[test]
fn events_arrive_in_order_and_drops_are_counted_where_they_happened() {
    let _s = subscribed(8);
    emit_ticks(100);
    // Ticks 0 to 7 fit; 8 to 99 and the end are missed, after them.
    assert_eq!(take(), (ticks(0..8), 93));
    emit_ticks(2);
    assert_eq!(take(), (burst(2), 0));
    let stats = stats();
    assert_eq!(
        (stats.emitted, stats.delivered, stats.dropped),
        (104, 11, 93)
    );
}

#[test]
fn emit_never_blocks_on_a_stalled_subscriber() {
    let _s = subscribed(1);
    // The subscriber never takes: the call still returns (within the harness's
    // bound), having dropped all but one event.
    emit_ticks(100_000);
    let stats = stats();
    assert_eq!((stats.emitted, stats.dropped), (100_001, 100_000));
    let (events, missed) = take();
    assert_eq!((events, missed), (ticks(0..1), 100_000));
}

#[test]
fn a_parked_subscriber_is_woken_once_per_burst() {
    let _s = subscribed(4096);
    assert_eq!(park(PARKED), Ok(true));
    assert_eq!(park(PARKED + 1), Err(Status::InvalidArgument));
    assert_eq!(emit_ticks(1000), vec![PARKED]);
    assert_eq!(take().0.len(), 1001);
    let stats = stats();
    assert_eq!(
        (stats.wakeups, stats.tokens_taken, stats.tokens_returned),
        (1, 1, 1)
    );
    // With an event waiting, parking is refused and the caller keeps its token.
    emit_ticks(0);
    assert_eq!(park(PARKED + 2), Ok(false));
    assert_eq!(self::stats().tokens_taken, 1);
}

#[test]
fn no_notify_after_unsubscribe_and_a_parked_token_comes_back_once() {
    let _s = subscribed(16);
    assert_eq!(park(PARKED), Ok(true));
    unsubscribe().unwrap();
    assert_eq!(next_wake(), PARKED, "the parked token is handed back");
    assert_eq!(emit_ticks(50), Vec::<usize>::new());
    assert!(no_wake_for(Duration::from_millis(50)));
    assert_eq!(take_into(64), Err((Status::NotSubscribed, 0)));
    assert_eq!(park(PARKED + 1), Err(Status::NotSubscribed));
    let stats = stats();
    assert_eq!(stats.tokens_taken, stats.tokens_returned);
    assert_eq!(stats.emitted, stats.delivered + stats.dropped);
    // Unsubscribing again is harmless, and a new subscription starts afresh.
    unsubscribe().unwrap();
    subscribe(16).unwrap();
}

#[test]
fn deinit_ends_the_subscription_before_it_returns() {
    let _s = subscribed(16);
    assert_eq!(park(PARKED), Ok(true));
    status(rs_in_hs_probe::h2r_deinit()).unwrap();
    // The token came back during deinit, and nothing is called after it.
    assert_eq!(next_wake(), PARKED);
    assert!(no_wake_for(Duration::from_millis(50)));
    assert_eq!(subscribe(16), Err(Status::NotInitialised));
    assert_eq!(take_into(64), Err((Status::NotInitialised, 0)));
    assert_eq!(park(PARKED), Err(Status::NotInitialised));
    assert!(
        no_wake_for(Duration::from_millis(20)),
        "a park refused after deinit leaves its token with the caller"
    );
}

/// A subscribe and a park on another thread, racing a deinit, round after round:
/// a park that took its token got it back before deinit returned, one refused
/// never reaches `notify`, and nothing is called after deinit.
#[test]
fn a_subscribe_and_park_racing_deinit_are_ended_by_it_or_refused() {
    const ROUNDS: usize = 200;
    const BASE: usize = 0xF_0000;
    let _s = session();
    for round in 0..ROUNDS {
        init(64).unwrap();
        let token = BASE + round;
        let (done, finished) = std::sync::mpsc::channel();
        let racer = std::thread::spawn(move || {
            let subscribed = subscribe(16);
            done.send((subscribed, park(token))).unwrap();
        });
        if round % 2 == 1 {
            std::thread::yield_now();
        }
        status(rs_in_hs_probe::h2r_deinit()).unwrap();
        let woken_by_deinit = wakes::count(token);
        let (subscribed, parked) = finished.recv_timeout(WAIT).expect("the racer finished");
        racer.join().unwrap();
        match parked {
            Ok(true) => {
                assert_eq!(subscribed, Ok(()), "round {round}");
                assert_eq!(woken_by_deinit, 1, "round {round}: handed back by deinit");
            }
            Ok(false) => panic!("round {round}: nothing was waiting"),
            Err(status) => {
                assert!(
                    [
                        Status::NotInitialised,
                        Status::ShuttingDown,
                        Status::NotSubscribed
                    ]
                    .contains(&status),
                    "round {round}: {status:?}"
                );
                assert_eq!(woken_by_deinit, 0, "round {round}: a refused token");
            }
        }
        assert_eq!(
            wakes::count(token),
            woken_by_deinit,
            "round {round}: notify after deinit"
        );
    }
    // The tokens deinit handed back are checked; none may come later.
    wakes::take_all();
    assert!(no_wake_for(Duration::from_millis(20)));
}

#[test]
fn one_subscription_at_a_time_with_a_sane_capacity() {
    let _s = session();
    assert_eq!(subscribe(16), Err(Status::NotInitialised));
    init(64).unwrap();
    assert_eq!(subscribe(0), Err(Status::InvalidArgument));
    assert_eq!(
        subscribe(rs_in_hs::events::MAX_EVENT_CAPACITY + 1),
        Err(Status::InvalidArgument)
    );
    subscribe(16).unwrap();
    assert_eq!(subscribe(16), Err(Status::AlreadySubscribed));
}

#[test]
fn a_buffer_too_small_is_told_the_length_it_needs() {
    let _s = subscribed(16);
    emit_ticks(1);
    // A tick is 9 bytes (tag and u64): a record of 16 + 16.
    assert_eq!(take_into(8), Err((Status::BufferTooSmall, 32)));
    assert!(!park(PARKED).unwrap(), "the waiting event keeps it awake");
    assert_eq!(take(), (burst(1), 0));
}

#[test]
fn a_park_with_a_null_token_is_refused_and_never_reaches_notify() {
    let _s = subscribed(16);
    let before = stats();
    let mut parked: c_int = -1;
    // SAFETY: a null token is refused before it is stored; `parked` is a local.
    let code = unsafe { rs_in_hs_probe::h2r_events_park(std::ptr::null_mut(), 0, &mut parked) };
    assert_eq!(status(code), Err(Status::InvalidArgument));
    assert_eq!(parked, -1, "a refused park writes nothing");
    // Had it parked, the next event would hand the null token to `notify`.
    assert_eq!(
        emit_ticks(3),
        Vec::<usize>::new(),
        "no wake-up for a refused park"
    );
    assert!(no_wake_for(Duration::from_millis(50)));
    let after = stats();
    assert_eq!(after.tokens_taken, before.tokens_taken);
    assert_eq!(after.wakeups, before.wakeups);
    assert_eq!(after.tokens_returned, before.tokens_returned);
    // The subscriber is not parked: it takes the events and parks with a real token.
    assert_eq!(take().0.len(), 4);
    assert_eq!(park(PARKED), Ok(true));
    assert_eq!(emit_ticks(1), vec![PARKED]);
}

#[test]
fn misaligned_out_pointers_and_lengths_beyond_isize_are_refused_and_nothing_is_taken_or_parked() {
    let _s = subscribed(16);
    emit_ticks(2);
    let before = stats();
    let mut scratch = Scratch::new();
    let mut buf = vec![0u8; 4096];
    let (mut used, mut missed) = (0usize, 0u64);
    let (ptr, len) = (buf.as_mut_ptr(), buf.len());
    // Each call gets one misaligned out-pointer into `scratch`, refused before any
    // write; every other pointer is a valid local.
    let codes = [
        // SAFETY: as said above.
        unsafe { rs_in_hs_probe::h2r_events_take(ptr, len, scratch.misaligned(), &mut missed) },
        // SAFETY: as said above.
        unsafe { rs_in_hs_probe::h2r_events_take(ptr, len, &mut used, scratch.misaligned()) },
        // SAFETY: as said above; the token is a plain number that only `record` sees.
        unsafe {
            rs_in_hs_probe::h2r_events_park(
                std::ptr::without_provenance_mut(PARKED),
                0,
                scratch.misaligned(),
            )
        },
        // SAFETY: as said above.
        unsafe { rs_in_hs_probe::h2r_events_stats(scratch.misaligned(), 2) },
        // SAFETY: a length beyond isize::MAX is refused before the buffer is used;
        // the out-pointers are locals.
        unsafe { rs_in_hs_probe::h2r_events_take(ptr, usize::MAX, &mut used, &mut missed) },
    ];
    assert_eq!(codes.map(status), [Err(Status::InvalidArgument); 5]);
    assert!(scratch.untouched(), "a refused export writes nothing");
    assert!(buf.iter().all(|&byte| byte == 0), "nothing was taken");
    assert_eq!((used, missed), (0, 0));
    assert!(no_wake_for(Duration::from_millis(20)));
    assert_eq!(stats(), before, "nothing delivered, parked or woken");
    // The events are all still there.
    assert_eq!(take().0.len(), 3);
}
