//! Status codes: the one error type of the C boundary.
//!
//! Every export returns one of these as a C `int`. Zero is success; every other value
//! is a refusal, and a refused call has taken ownership of nothing (see `ffi`). The
//! numbers are part of the ABI, so never renumber one: `hs/src/FFI.hs` mirrors them
//! as its constructors' indices. `codes_are_stable` below pins Rust's side; on the
//! Haskell side the hspec refusal tests do, since each expects the `BridgeError`
//! that its status's code maps to (`NotRunning`, `AlreadyRunning`,
//! `UndecodableRequest`, `EnginePanicked`, `SchemaMismatch`).

use std::ffi::c_int;
use std::fmt;

/// Why the bridge refused (or failed) a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Status {
    /// Success.
    Ok = 0,
    /// `h2r_call`/`h2r_cast`/`h2r_deinit` before `h2r_init`, after `h2r_deinit`, or
    /// (for a call or cast) while `h2r_init` runs.
    NotInitialised = 1,
    /// `h2r_init` while the bridge is already running.
    AlreadyInitialised = 2,
    /// The message is longer than the configured `max_msg_len`.
    MessageTooLong = 3,
    /// The message bytes do not decode as a request.
    Undecodable = 4,
    /// `h2r_deinit` is in progress; the bridge accepts nothing new.
    ShuttingDown = 5,
    /// A non-blocking submit found the channel full; nothing was queued.
    ChannelFull = 6,
    /// The config bytes given to `h2r_init` do not decode.
    BadConfig = 7,
    /// The engine panicked while handling this call; the reply carries the message.
    EnginePanicked = 8,
    /// A null pointer with a non-zero length, or a missing callback.
    InvalidArgument = 9,
    /// The worker thread could not be started.
    SpawnFailed = 10,
    /// The reply has not been delivered yet (`h2r_reply` before the outcome is there).
    Pending = 11,
    /// The engine's reply could not be encoded.
    EncodeFailed = 12,
    /// `h2r_init` was given a schema fingerprint that differs from Rust's: the two
    /// sides were built from different wire types (`h2r_schema_fingerprint` gives
    /// Rust's).
    SchemaMismatch = 13,
    /// `h2r_events_subscribe` while a subscription is running: the bridge has one
    /// subscriber at a time.
    AlreadySubscribed = 14,
    /// The caller released its reply handle before the engine ran the call, so the
    /// call was dropped unrun (nobody reads this outcome).
    Abandoned = 15,
    /// The call's deadline (given to `h2r_call`) passed before the engine ran it, so
    /// the call was dropped unrun.
    Expired = 16,
    /// `h2r_park` found the outcome already there: the token stays with the caller,
    /// who reads the reply at once.
    AlreadyAnswered = 17,
    /// The engine dropped the call's reply handle without answering (a call
    /// declared `later`): on purpose, by a bug, or in a panic on one of its threads.
    Unanswered = 18,
}

impl Status {
    /// Every status, in code order.
    pub const ALL: [Status; 19] = [
        Status::Ok,
        Status::NotInitialised,
        Status::AlreadyInitialised,
        Status::MessageTooLong,
        Status::Undecodable,
        Status::ShuttingDown,
        Status::ChannelFull,
        Status::BadConfig,
        Status::EnginePanicked,
        Status::InvalidArgument,
        Status::SpawnFailed,
        Status::Pending,
        Status::EncodeFailed,
        Status::SchemaMismatch,
        Status::AlreadySubscribed,
        Status::Abandoned,
        Status::Expired,
        Status::AlreadyAnswered,
        Status::Unanswered,
    ];

    /// The C value of this status.
    pub fn code(self) -> c_int {
        self as c_int
    }

    /// The status with this C value, if there is one (for callers of the exports,
    /// such as the tests and the fuzz targets).
    pub fn from_code(code: c_int) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.code() == code)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Ok => "ok",
            Status::NotInitialised => "the bridge is not initialised",
            Status::AlreadyInitialised => "the bridge is already initialised",
            Status::MessageTooLong => "message longer than max_msg_len",
            Status::Undecodable => "message does not decode as a request",
            Status::ShuttingDown => "the bridge is shutting down",
            Status::ChannelFull => "the request channel is full",
            Status::BadConfig => "config does not decode",
            Status::EnginePanicked => "the engine panicked while handling the call",
            Status::InvalidArgument => "null pointer with a non-zero length, or no callback",
            Status::SpawnFailed => "could not start the worker thread",
            Status::Pending => "the reply has not arrived yet",
            Status::EncodeFailed => "the engine's reply could not be encoded",
            Status::SchemaMismatch => "the Haskell and Rust wire schemas differ",
            Status::AlreadySubscribed => "an events subscription is already running",
            Status::Abandoned => "the caller gave up on the call before the engine ran it",
            Status::Expired => "the call's deadline passed before the engine ran it",
            Status::AlreadyAnswered => "the reply is already there",
            Status::Unanswered => "the engine dropped the call's reply handle without answering",
        })
    }
}

impl std::error::Error for Status {}

#[cfg(test)]
mod tests {
    use super::Status;

    /// The numbers are ABI: `hs/src/FFI.hs` has the same table.
    #[test]
    fn codes_are_stable() {
        let table = [
            (Status::Ok, 0),
            (Status::NotInitialised, 1),
            (Status::AlreadyInitialised, 2),
            (Status::MessageTooLong, 3),
            (Status::Undecodable, 4),
            (Status::ShuttingDown, 5),
            (Status::ChannelFull, 6),
            (Status::BadConfig, 7),
            (Status::EnginePanicked, 8),
            (Status::InvalidArgument, 9),
            (Status::SpawnFailed, 10),
            (Status::Pending, 11),
            (Status::EncodeFailed, 12),
            (Status::SchemaMismatch, 13),
            (Status::AlreadySubscribed, 14),
            (Status::Abandoned, 15),
            (Status::Expired, 16),
            (Status::AlreadyAnswered, 17),
            (Status::Unanswered, 18),
        ];
        assert_eq!(
            table.map(|(status, _)| status),
            Status::ALL,
            "ALL is complete"
        );
        for (status, code) in table {
            assert_eq!(status.code(), code, "{status:?}");
        }
    }
}
