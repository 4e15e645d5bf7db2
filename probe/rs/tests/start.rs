//! Construction and drop: the starter engine (the probe library's second engine)
//! gets its start-up message in its constructor, and a panic in the constructor or
//! the drop is reported by init or deinit, with the worker's goodbye said each time.
#![allow(unsafe_code)]

mod common;

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use common::{call_raw, read_raw, status};
use rs_in_hs::Status;
use rs_in_hs::wire::{Config, InitMessage, WireBool, decode_exact, encode};
use rs_in_hs_probe::starter::{self, GetSettings, Reply, Request, Starter, StarterSettings};

/// The starter's bridge is process-wide, so the tests take turns.
static SERIAL: Mutex<()> = Mutex::new(());

/// How many times a worker said goodbye (`thread_done`).
static GOODBYES: AtomicU64 = AtomicU64::new(0);

extern "C" fn never(_capability: c_int, _token: *mut c_void) {}

extern "C" fn goodbye() {
    GOODBYES.fetch_add(1, Ordering::SeqCst);
}

fn turn() -> MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = starter::h2r_deinit();
    guard
}

fn settings(seed: u64, panic_on_start: bool, panic_on_drop: bool) -> StarterSettings {
    StarterSettings {
        seed,
        panic_on_start: WireBool(panic_on_start),
        panic_on_drop: WireBool(panic_on_drop),
    }
}

/// Starts the starter with these start-up bytes.
fn init_with(start: Vec<u8>) -> Result<(), Status> {
    let fingerprint = rs_in_hs::schema::schema::<Starter>()
        .and_then(|schema| schema.fingerprint())
        .expect("the starter's schema renders");
    let init = encode(&InitMessage {
        schema_fingerprint: fingerprint.to_vec(),
        config: Config {
            max_msg_len: 4096,
            spin_micros: 0,
        },
        start,
    })
    .unwrap();
    // SAFETY: `init` is live for the call; `never` and `goodbye` are callable from
    // any thread.
    status(unsafe { starter::h2r_init(Some(never), Some(goodbye), init.as_ptr(), init.len()) })
}

fn init(settings: &StarterSettings) -> Result<(), Status> {
    init_with(encode(settings).unwrap())
}

/// Asks for the settings, polling the reply for at most 10 s.
fn get_settings() -> StarterSettings {
    let message = encode(&Request::GetSettings(GetSettings)).unwrap();
    let mut reply = 0u64;
    // SAFETY: `message` is live for the call; `reply` is a local to write.
    let code = unsafe {
        call_raw(
            starter::h2r_call,
            message.as_ptr(),
            message.len(),
            0,
            true,
            u64::MAX,
            &mut reply,
        )
    };
    assert_eq!(code, Ok(()));
    let started = Instant::now();
    let bytes = loop {
        let (code, bytes) = read_raw(starter::h2r_reply, reply);
        if code != Err(Status::Pending) {
            assert_eq!(code, Ok(()));
            break bytes;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no reply");
        std::thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(status(starter::h2r_release(reply)), Ok(()));
    match decode_exact(&bytes).unwrap() {
        Reply::GetSettings(settings) => settings,
    }
}

#[test]
fn the_constructor_gets_the_start_up_message() {
    let _turn = turn();
    let before = GOODBYES.load(Ordering::SeqCst);
    assert_eq!(init(&settings(7, false, false)), Ok(()));
    assert_eq!(get_settings(), settings(7, false, false));
    assert_eq!(status(starter::h2r_deinit()), Ok(()));
    assert_eq!(init(&settings(8, false, false)), Ok(()));
    assert_eq!(get_settings().seed, 8);
    assert_eq!(status(starter::h2r_deinit()), Ok(()));
    assert_eq!(GOODBYES.load(Ordering::SeqCst) - before, 2);
}

#[test]
fn a_panicking_constructor_fails_init_and_leaves_the_bridge_stopped() {
    let _turn = turn();
    let before = GOODBYES.load(Ordering::SeqCst);
    assert_eq!(init(&settings(1, true, false)), Err(Status::EnginePanicked));
    // The worker has gone, with its goodbye, before init returned.
    assert_eq!(GOODBYES.load(Ordering::SeqCst) - before, 1);
    assert_eq!(status(starter::h2r_deinit()), Err(Status::NotInitialised));
    assert_eq!(init(&settings(2, false, false)), Ok(()));
    assert_eq!(get_settings().seed, 2);
    assert_eq!(status(starter::h2r_deinit()), Ok(()));
}

#[test]
fn a_panicking_drop_fails_deinit_after_the_bridge_stopped() {
    let _turn = turn();
    let before = GOODBYES.load(Ordering::SeqCst);
    assert_eq!(init(&settings(3, false, true)), Ok(()));
    assert_eq!(get_settings().seed, 3);
    assert_eq!(status(starter::h2r_deinit()), Err(Status::EnginePanicked));
    assert_eq!(GOODBYES.load(Ordering::SeqCst) - before, 1);
    // Stopped all the same: a second deinit finds nothing, and a new start works.
    assert_eq!(status(starter::h2r_deinit()), Err(Status::NotInitialised));
    assert_eq!(init(&settings(4, false, false)), Ok(()));
    assert_eq!(get_settings().seed, 4);
    assert_eq!(status(starter::h2r_deinit()), Ok(()));
}

#[test]
fn a_start_up_message_that_does_not_decode_is_a_bad_config() {
    let _turn = turn();
    assert_eq!(init_with(vec![1, 2, 3]), Err(Status::BadConfig));
    assert_eq!(init_with(Vec::new()), Err(Status::BadConfig));
    assert_eq!(status(starter::h2r_deinit()), Err(Status::NotInitialised));
}
