//! The hub's unit tests, through its own calls and an `Events` handle.

use std::sync::{Arc, mpsc};
use std::time::Duration;

use super::*;
use crate::status::Status;

/// Every wait in these tests is bounded by this.
const WAIT: Duration = Duration::from_secs(10);

/// The crate's wake-up recorder; each test parks with tokens of its own (apart from
/// the reply cell's tests' too), so tests may run in parallel.
use crate::wakes::{self, record, token};

/// The events in `out`, as (missed before, bytes).
fn records(out: &[u8]) -> Vec<(u64, Vec<u8>)> {
    let mut records = Vec::new();
    let mut at = 0;
    while at < out.len() {
        let word = |from: usize| u64::from_ne_bytes(out[from..from + 8].try_into().unwrap());
        let len = usize::try_from(word(at + 8)).unwrap();
        records.push((word(at), out[at + 16..at + 16 + len].to_vec()));
        at += RECORD_HEADER_LEN + len.next_multiple_of(8);
    }
    records
}

fn take_all(hub: &Hub) -> (Vec<(u64, Vec<u8>)>, u64) {
    let mut out = vec![0; 1 << 16];
    let taken = hub.take(&mut out).unwrap();
    (records(&out[..taken.used]), taken.missed_after)
}

#[test]
fn events_arrive_in_order_and_drops_are_reported_where_they_happened() {
    let hub = Hub::new(record);
    hub.subscribe(3).unwrap();
    for n in 0..5u8 {
        hub.emit(Some(vec![n]));
    }
    // 0, 1, 2 fit; 3 and 4 are dropped and reported after 2.
    assert_eq!(
        take_all(&hub),
        (vec![(0, vec![0]), (0, vec![1]), (0, vec![2])], 2)
    );
    for n in 5..10u8 {
        hub.emit(Some(vec![n]));
    }
    // 5, 6, 7 fit; 8, 9 dropped; then 10 comes after the gap.
    assert_eq!(
        take_all(&hub),
        (vec![(0, vec![5]), (0, vec![6]), (0, vec![7])], 2)
    );
    // A gap followed by an event: the count comes with the event.
    for n in 20..24u8 {
        hub.emit(Some(vec![n]));
    }
    let mut one = [0; RECORD_HEADER_LEN + 8];
    let taken = hub.take(&mut one).unwrap();
    assert_eq!(records(&one[..taken.used]), vec![(0, vec![20])]);
    hub.emit(Some(vec![24]));
    let (records, missed) = take_all(&hub);
    assert_eq!(records, vec![(0, vec![21]), (0, vec![22]), (1, vec![24])]);
    assert_eq!(missed, 0);
    let stats = hub.stats();
    assert_eq!(stats.emitted, stats.delivered + stats.dropped);
    assert_eq!(stats.emitted, 15);
}

#[test]
fn a_record_that_does_not_fit_waits_for_a_bigger_buffer() {
    let hub = Hub::new(record);
    hub.subscribe(4).unwrap();
    hub.emit(Some(vec![7; 20]));
    hub.emit(Some(vec![8]));
    let mut small = [0; 16];
    assert_eq!(hub.take(&mut small), Err(TakeError::TooSmall(40)));
    // Not parked while it waits, and it is the first in line.
    assert_eq!(hub.park(0, token(1)), Ok(false));
    let (records, _) = take_all(&hub);
    assert_eq!(records, vec![(0, vec![7; 20]), (0, vec![8])]);
    assert_eq!(hub.stats().delivered, 2);
}

#[test]
fn one_wake_up_per_park_however_many_events() {
    const TOKEN: usize = 0x1000;
    let hub = Hub::new(record);
    hub.subscribe(1024).unwrap();
    assert_eq!(hub.park(3, token(TOKEN)), Ok(true));
    assert_eq!(hub.park(3, token(TOKEN)), Err(Status::InvalidArgument));
    for n in 0..1000u16 {
        hub.emit(Some(n.to_le_bytes().to_vec()));
    }
    assert_eq!(wakes::count(TOKEN), 1);
    let (records, _) = take_all(&hub);
    assert_eq!(records.len(), 1000);
    let stats = hub.stats();
    assert_eq!(
        (stats.wakeups, stats.tokens_taken, stats.tokens_returned),
        (1, 1, 1)
    );
}

#[test]
fn a_subscriber_with_work_waiting_is_not_parked() {
    let hub = Hub::new(record);
    hub.subscribe(2).unwrap();
    hub.emit(Some(vec![1]));
    assert_eq!(hub.park(0, token(2)), Ok(false));
    assert_eq!(hub.stats().tokens_taken, 0);
}

#[test]
fn no_notify_after_unsubscribe_and_a_parked_token_comes_back_once() {
    const TOKEN: usize = 0x2000;
    let hub = Hub::new(record);
    hub.subscribe(8).unwrap();
    assert_eq!(hub.park(0, token(TOKEN)), Ok(true));
    hub.unsubscribe();
    assert_eq!(wakes::count(TOKEN), 1, "the parked token is handed back");
    for _ in 0..100 {
        hub.emit(Some(vec![1]));
    }
    assert_eq!(wakes::count(TOKEN), 1);
    assert_eq!(
        hub.take(&mut [0; 64]),
        Err(TakeError::Refused(Status::NotSubscribed))
    );
    let stats = hub.stats();
    assert_eq!(stats.tokens_taken, stats.tokens_returned);
    assert_eq!((stats.emitted, stats.dropped, stats.wakeups), (100, 100, 0));
    // A second unsubscribe is harmless; a new subscription starts afresh.
    hub.unsubscribe();
    hub.subscribe(8).unwrap();
    assert_eq!(hub.subscribe(8), Err(Status::AlreadySubscribed));
}

#[test]
fn queued_events_are_counted_as_dropped_when_the_subscription_ends() {
    let hub = Hub::new(record);
    hub.subscribe(8).unwrap();
    for _ in 0..5 {
        hub.emit(Some(vec![0]));
    }
    hub.unsubscribe();
    let stats = hub.stats();
    assert_eq!((stats.emitted, stats.delivered, stats.dropped), (5, 0, 5));
}

/// A protocol with one event and nothing else; only its events are used.
mod lone {
    #![allow(dead_code)]

    /// A tick.
    #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct Tick(pub u8);

    crate::protocol! {
        /// One event.
        pub struct Lone;
        /// No calls.
        pub trait LoneCalls {}
        /// No casts.
        pub trait LoneCasts {}
        /// Its event.
        pub trait LoneEvents {
            /// A tick.
            fn ticked(Tick);
        }
    }
}

#[test]
fn a_detached_handle_counts_what_it_drops() {
    use lone::{Event, Lone, LoneEvents, Tick};
    let events = Events::<Lone>::detached();
    events.ticked(Tick(1));
    events.clone().emit(Event::Tick(Tick(2)));
    let stats = events.stats();
    assert_eq!((stats.emitted, stats.dropped, stats.wakeups), (2, 2, 0));
}

#[test]
fn bad_capacities_and_undecodable_events_are_refused() {
    let hub = Hub::new(record);
    assert_eq!(hub.subscribe(0), Err(Status::InvalidArgument));
    assert_eq!(
        hub.subscribe(MAX_EVENT_CAPACITY + 1),
        Err(Status::InvalidArgument)
    );
    hub.subscribe(MAX_EVENT_CAPACITY).unwrap();
    hub.emit(None);
    assert_eq!(hub.stats().dropped, 1);
}

/// Emitters on several threads against a subscriber that never takes: every
/// emit returns, and every event is either queued or counted as dropped.
#[test]
fn emit_never_blocks_on_a_stalled_subscriber() {
    let hub = Arc::new(Hub::new(record));
    hub.subscribe(16).unwrap();
    let (done, finished) = mpsc::channel();
    for _ in 0..4 {
        let hub = Arc::clone(&hub);
        let done = done.clone();
        std::thread::spawn(move || {
            for _ in 0..10_000 {
                hub.emit(Some(vec![0; 8]));
            }
            done.send(()).unwrap();
        });
    }
    for _ in 0..4 {
        finished.recv_timeout(WAIT).expect("emit returned");
    }
    let stats = hub.stats();
    assert_eq!(stats.emitted, 40_000);
    assert_eq!(stats.dropped, 40_000 - 16);
    let (records, missed) = take_all(&hub);
    assert_eq!(records.len(), 16);
    let reported: u64 = records.iter().map(|(missed, _)| missed).sum::<u64>() + missed;
    assert_eq!(reported, 40_000 - 16);
}

/// A subscriber that parks whenever its queue is empty, against an emitter
/// thread: no event is lost, none arrives twice or out of order, and there are
/// never more wake-ups than parks.
#[test]
fn a_parking_subscriber_gets_every_event_in_order() {
    const EVENTS: u32 = 20_000;
    const TOKEN: usize = 0x3000;
    let hub = Arc::new(Hub::new(record));
    hub.subscribe(EVENTS as usize).unwrap();
    let emitter = {
        let hub = Arc::clone(&hub);
        std::thread::spawn(move || {
            for n in 0..EVENTS {
                hub.emit(Some(n.to_le_bytes().to_vec()));
            }
        })
    };
    let mut next = 0u32;
    let mut out = vec![0; 4096];
    let mut parks = 0u64;
    while next < EVENTS {
        let taken = hub.take(&mut out).unwrap();
        assert_eq!(taken.missed_after, 0);
        let batch = records(&out[..taken.used]);
        for (missed, bytes) in &batch {
            assert_eq!(*missed, 0);
            assert_eq!(u32::from_le_bytes(bytes[..].try_into().unwrap()), next);
            next += 1;
        }
        if batch.is_empty() && hub.park(0, token(TOKEN)).unwrap() {
            parks += 1;
            assert!(
                wakes::wait_for(TOKEN, usize::try_from(parks).unwrap(), WAIT),
                "a parked subscriber was woken ({parks} parks)"
            );
        }
    }
    emitter.join().unwrap();
    let stats = hub.stats();
    assert_eq!((stats.delivered, stats.dropped), (u64::from(EVENTS), 0));
    assert_eq!(stats.tokens_taken, parks);
    assert!(stats.wakeups <= parks, "{stats:?}");
    hub.unsubscribe();
    assert_eq!(hub.stats().tokens_returned, hub.stats().tokens_taken);
}

/// Parkers on several threads, each parking with tokens of its own while emitters
/// wake them: every token Rust took (`Ok(true)`) is handed to `notify` exactly once,
/// and every token it refused or gave back (`Ok(false)`) never is. Run a few
/// times, each with tokens of its own, as the threads may not overlap in one.
#[test]
fn concurrent_parks_each_token_woken_once_or_left_with_its_caller() {
    for run in 0..20 {
        parks_race(0x100_0000 * (run + 1));
    }
}

/// One run of the test above, with the tokens from `base` on.
fn parks_race(base: usize) {
    const PARKERS: usize = 4;
    const ROUNDS: usize = 100_000;
    const EMITTERS: usize = 2;
    let hub = Arc::new(Hub::new(record));
    hub.subscribe(4).unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let start = Arc::new(std::sync::Barrier::new(PARKERS + EMITTERS));
    let (emitted, emitters_done) = mpsc::channel();
    for _ in 0..EMITTERS {
        let (hub, stop, emitted) = (Arc::clone(&hub), Arc::clone(&stop), emitted.clone());
        let start = Arc::clone(&start);
        std::thread::spawn(move || {
            start.wait();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                hub.emit(Some(vec![0]));
                std::thread::yield_now();
            }
            emitted.send(()).unwrap();
        });
    }
    let (parked, parkers_done) = mpsc::channel();
    for parker in 0..PARKERS {
        let (hub, parked, start) = (Arc::clone(&hub), parked.clone(), Arc::clone(&start));
        std::thread::spawn(move || {
            start.wait();
            let mut out = vec![0; 256];
            let mut outcomes = Vec::with_capacity(ROUNDS);
            for round in 0..ROUNDS {
                if round % 8 == 0 {
                    let _ = hub.take(&mut out);
                }
                let token = base + parker * ROUNDS + round;
                outcomes.push((token, hub.park(0, self::token(token))));
            }
            parked.send(outcomes).unwrap();
        });
    }
    let mut outcomes = Vec::new();
    for _ in 0..PARKERS {
        outcomes.extend(parkers_done.recv_timeout(WAIT).expect("a parker finished"));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for _ in 0..EMITTERS {
        emitters_done
            .recv_timeout(WAIT)
            .expect("an emitter finished");
    }
    // Hands back the token still parked, if any.
    hub.unsubscribe();
    let counts = wakes::counts(base..base + PARKERS * ROUNDS);
    let mut taken = 0u64;
    for (token, outcome) in outcomes {
        let woken = counts[token - base];
        match outcome {
            Ok(true) => {
                taken += 1;
                assert_eq!(woken, 1, "token {token:#x} was taken, woken {woken} times");
            }
            Ok(false) | Err(Status::InvalidArgument) => {
                assert_eq!(woken, 0, "token {token:#x} ({outcome:?}) was woken");
            }
            Err(other) => panic!("token {token:#x}: unexpected {other:?}"),
        }
    }
    let stats = hub.stats();
    assert_eq!(stats.tokens_taken, taken, "{stats:?}");
    assert_eq!(stats.tokens_returned, taken, "{stats:?}");
}
