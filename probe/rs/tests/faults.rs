//! Lifecycle faults through the exports: deinit while the worker is delivering
//! replies, and deinit racing 16 threads that submit as fast as they can. Deinit is a
//! barrier: every accepted call is answered exactly once, with its own reply, before
//! it returns, and nothing is delivered after.
#![allow(unsafe_code)] // drives the C exports directly, as Haskell does

mod common;

use std::collections::HashSet;
use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use rs_in_hs::Status;
use rs_in_hs::wire::encode;
use rs_in_hs_probe::protocol::{Cast, Echo, Note, Reply, Request};

/// Wake-ups delivered to `slow_notify`.
static SLOW_WAKES: AtomicUsize = AtomicUsize::new(0);

/// A `notify` that takes its time, so that deinit lands while the worker delivers.
extern "C" fn slow_notify(_capability: c_int, _token: *mut c_void) {
    std::thread::sleep(Duration::from_micros(300));
    SLOW_WAKES.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn deinit_while_delivering_answers_everything_then_nothing_more() {
    let _s = session();
    let config = config_bytes(64);
    // SAFETY: `config` is live for the call; `slow_notify` is callable from any thread.
    let code =
        unsafe { rs_in_hs_probe::h2r_init(Some(slow_notify), None, config.as_ptr(), config.len()) };
    assert_eq!(status(code), Ok(()));
    let before = SLOW_WAKES.load(Ordering::SeqCst);
    let replies: Vec<_> = (1..=200u64)
        .map(|id| {
            let bytes = encode(&Request::Echo(Echo(id))).unwrap();
            (id, call_bytes(&bytes, id as usize, true).unwrap())
        })
        .collect();
    let started = Instant::now();
    while SLOW_WAKES.load(Ordering::SeqCst) == before {
        assert!(
            started.elapsed() < WAIT,
            "the worker never started delivering"
        );
        std::thread::yield_now();
    }
    assert_eq!(status(rs_in_hs_probe::h2r_deinit()), Ok(()));
    assert_eq!(SLOW_WAKES.load(Ordering::SeqCst) - before, 200);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(
        SLOW_WAKES.load(Ordering::SeqCst) - before,
        200,
        "a wake-up after deinit"
    );
    for (id, reply) in replies {
        assert_eq!(reply.reply(), Reply::Echo(id));
    }
}

/// What one hammering thread saw: the ids of its accepted calls and the refusal that
/// stopped it.
struct Hammered {
    accepted: Vec<u64>,
    stopped_by: Status,
}

/// Calls (blocking and not, in turn) and casts with unique ids until the bridge
/// refuses; then waits for deinit to finish and checks each accepted call's reply.
fn hammer(thread: u64, deinit_done: &flume::Receiver<()>) -> Hammered {
    let mut replies = Vec::new();
    let mut n = 0u64;
    let stopped_by = loop {
        n += 1;
        let id = thread * 1_000_000_000 + n;
        let outcome = match n % 3 {
            0 => cast(&Cast::Note(Note(id)), n % 2 == 0),
            _ => {
                let bytes = encode(&Request::Echo(Echo(id))).unwrap();
                call_bytes(&bytes, id as usize, n % 2 == 0).map(|reply| replies.push((id, reply)))
            }
        };
        match outcome {
            Ok(()) | Err(Status::ChannelFull) => {}
            Err(refusal) => break refusal,
        }
    };
    // Disconnection is the signal: deinit has returned.
    let _ = deinit_done.recv_timeout(WAIT);
    for (id, reply) in &replies {
        assert_eq!(reply.reply(), Reply::Echo(*id), "own reply");
    }
    Hammered {
        accepted: replies.iter().map(|(id, _)| *id).collect(),
        stopped_by,
    }
}

#[test]
fn deinit_racing_16_submitters_answers_every_accepted_call_once() {
    let _s = session();
    let mut total_accepted = 0;
    for round in 0..20u64 {
        init(64).unwrap();
        let (done_tx, done_rx) = flume::bounded::<()>(0);
        let (results_tx, results_rx) = flume::unbounded();
        let threads: Vec<_> = (1..=16u64)
            .map(|thread| {
                let done = done_rx.clone();
                let results = results_tx.clone();
                std::thread::spawn(move || {
                    let _ = results.send(hammer(thread, &done));
                })
            })
            .collect();
        std::thread::sleep(Duration::from_micros(200 * round));
        assert_eq!(status(rs_in_hs_probe::h2r_deinit()), Ok(()));
        drop(done_tx);
        let hammered: Vec<Hammered> = (0..16)
            .map(|_| {
                results_rx
                    .recv_timeout(WAIT)
                    .expect("a hammering thread finished")
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let mut accepted = HashSet::new();
        for h in &hammered {
            assert!(
                matches!(h.stopped_by, Status::ShuttingDown | Status::NotInitialised),
                "stopped by {:?}",
                h.stopped_by
            );
            accepted.extend(h.accepted.iter().map(|&id| id as usize));
        }
        let woken: Vec<usize> = (0..accepted.len()).map(|_| next_wake()).collect();
        assert_eq!(woken.iter().copied().collect::<HashSet<_>>(), accepted);
        assert!(no_wake_for(Duration::from_millis(5)), "a token woken twice");
        total_accepted += accepted.len();
    }
    assert!(total_accepted > 0, "deinit always came before any call");
}
