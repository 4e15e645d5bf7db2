//! The schema fingerprint: `h2r_init` refuses a Haskell side built from other wire
//! types, and `h2r_schema_fingerprint` reports Rust's.
#![allow(unsafe_code)] // drives the C exports directly, as Haskell does

mod common;

use common::*;
use rs_in_hs::ffi;
use rs_in_hs::status::Status;
use rs_in_hs::wire::{MessageBody, schema};

fn exported_fingerprint(len: usize) -> (Result<(), Status>, Vec<u8>) {
    let mut out = vec![0u8; len];
    // SAFETY: `out` is a live buffer of `len` bytes.
    let code = unsafe { ffi::h2r_schema_fingerprint(out.as_mut_ptr(), len) };
    (status(code), out)
}

#[test]
fn a_mismatched_fingerprint_is_refused_at_init() {
    let _s = session();
    let mut theirs = schema::fingerprint().unwrap();
    theirs[0] ^= 1;
    assert_eq!(
        init_raw(&init_bytes(&theirs, 64)),
        Err(Status::SchemaMismatch)
    );
    // Refused at init, so nothing runs.
    assert_eq!(
        call(&MessageBody::Ping, 1).err(),
        Some(Status::NotInitialised)
    );
    // A bare Config, as an older Haskell side would send, does not decode.
    assert_eq!(
        init_raw(&rs_in_hs::wire::encode(&rs_in_hs::wire::Config { max_msg_len: 64 }).unwrap()),
        Err(Status::BadConfig)
    );
    init(64).unwrap();
    let reply = call(&MessageBody::Ping, 2).unwrap();
    assert_eq!(next_wake(), 2);
    assert_eq!(reply.message(), MessageBody::Pong);
}

#[test]
fn the_export_reports_rusts_fingerprint() {
    let (ok, bytes) = exported_fingerprint(32);
    assert_eq!(ok, Ok(()));
    assert_eq!(bytes, schema::fingerprint().unwrap());
    assert_eq!(exported_fingerprint(31).0, Err(Status::InvalidArgument));
    // SAFETY: a null buffer is refused before anything is written.
    let code = unsafe { ffi::h2r_schema_fingerprint(std::ptr::null_mut(), 32) };
    assert_eq!(status(code), Err(Status::InvalidArgument));
}
