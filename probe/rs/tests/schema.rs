//! The schema fingerprint: `h2r_init` refuses a Haskell side built from other wire
//! types, and `h2r_schema_fingerprint` reports Rust's.
#![allow(unsafe_code)] // drives the C exports directly, as Haskell does

mod common;

use common::*;
use rs_in_hs::Status;
use rs_in_hs::wire::{Config, encode};
use rs_in_hs_probe::protocol::{Ping, Probe, Request};

fn exported_fingerprint(len: usize) -> (Result<(), Status>, Vec<u8>) {
    let mut out = vec![0u8; len];
    // SAFETY: `out` is a live buffer of `len` bytes.
    let code = unsafe { rs_in_hs_probe::h2r_schema_fingerprint(out.as_mut_ptr(), len) };
    (status(code), out)
}

#[test]
fn a_mismatched_fingerprint_is_refused_at_init() {
    let _s = session();
    let mut theirs = fingerprint();
    theirs[0] ^= 1;
    assert_eq!(
        init_raw(&init_bytes(&theirs, 64)),
        Err(Status::SchemaMismatch)
    );
    // Refused at init, so nothing runs.
    assert_eq!(
        call(&Request::Ping(Ping), 1).err(),
        Some(Status::NotInitialised)
    );
    // A bare Config, as an older Haskell side would send, does not decode.
    assert_eq!(
        init_raw(
            &encode(&Config {
                max_msg_len: 64,
                spin_micros: 0,
            })
            .unwrap()
        ),
        Err(Status::BadConfig)
    );
    init(64).unwrap();
    still_answers(2);
}

#[test]
fn the_export_reports_rusts_fingerprint() {
    let (ok, bytes) = exported_fingerprint(32);
    assert_eq!(ok, Ok(()));
    assert_eq!(bytes, fingerprint());
    assert_eq!(exported_fingerprint(31).0, Err(Status::InvalidArgument));
    // SAFETY: a null buffer is refused before anything is written.
    let code = unsafe { rs_in_hs_probe::h2r_schema_fingerprint(std::ptr::null_mut(), 32) };
    assert_eq!(status(code), Err(Status::InvalidArgument));
}

/// The probe's calls and casts render in tag order, as the spec lists them, and the
/// nested enums are traced with every variant.
#[test]
fn the_probe_schema_lists_its_messages_in_tag_order() {
    let text = rs_in_hs::schema::schema::<Probe>()
        .and_then(|schema| schema.text())
        .expect("the probe's schema renders");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "rs-in-hs wire schema 2");
    assert_eq!(
        lines[1],
        "calls: Ping -> Pong, Echo -> U64, Sleep -> UNIT, InjectPanic -> UNIT, \
         GetCastCount -> U64, Loopback -> LoopbackFrame, EmitTicks -> UNIT, \
         SleepLater -> UNIT, EchoLater -> U64, HoldLater -> U64, DropLater -> UNIT, \
         PanicLater -> UNIT, WaitAsync -> U32"
    );
    assert_eq!(lines[2], "casts: Note, PanicNote, AnswerHeld");
    assert_eq!(lines[3], "events: Tick, BurstDone");
    assert!(
        lines.contains(&"Shade = Plain {} | Tinted {F64} | Named {TEXT}"),
        "{text}"
    );
    assert!(lines.contains(&"Level = {F32, F64}"), "{text}");
    assert!(
        lines.contains(
            &"LoopbackFrame = {U8, U16, U32, U64, I8, I16, I32, I64, F32, F64, BOOL, CHAR, \
              TEXT, SEQ(CHAR), SEQ(U8), OPTION(U16), EITHER(Shade, Level), SEQ(Level), \
              TUPLE(U32, F32), Shade}"
        ),
        "{text}"
    );
}
