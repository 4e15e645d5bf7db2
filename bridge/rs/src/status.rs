//! Status codes: the one error type of the C boundary.
//!
//! Every export returns one of these as a C `int`. Zero is success; every other value
//! is a refusal, and a refused call has taken ownership of nothing (see `ffi`). Each
//! status is declared once, in the table below, with its code, its meaning and its
//! message; the enum, [`Status::ALL`], [`Status::from_code`], [`Status::name`] and
//! the `Display` text are all expanded from that table. Each status has one meaning
//! for every export that returns it.
//!
//! The numbers are part of the ABI, so never renumber one; a new status takes the
//! next code. `bridge/fixtures/status.txt` lists every code and name, written from
//! this table by `probe/rs/tests/status_codes.rs` (which fails when the file is
//! stale), and the Haskell suite checks its own `Status` type against that file.

use std::ffi::c_int;
use std::fmt;

/// Expands the status table: the enum (each variant with its doc and code),
/// `ALL`, `from_code`, `name` and `message`.
macro_rules! statuses {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident = $code:literal => $message:literal;
    )*) => {
        /// Why the bridge refused (or failed) a request.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(i32)]
        pub enum Status {
            $(
                $(#[doc = $doc])*
                $name = $code,
            )*
        }

        impl Status {
            /// Every status, in code order.
            pub const ALL: [Status; [$($code),*].len()] = [$(Status::$name),*];

            /// The status with this C value, if there is one (for callers of the
            /// exports, such as the tests and the fuzz targets).
            pub fn from_code(code: c_int) -> Option<Status> {
                match code {
                    $($code => Some(Status::$name),)*
                    _ => None,
                }
            }

            /// The status's name, as the fixture and the Haskell side spell it
            /// (without Haskell's `Status` prefix).
            pub fn name(self) -> &'static str {
                match self {
                    $(Status::$name => stringify!($name),)*
                }
            }

            /// What the status means, in a few lower-case words (its `Display`).
            pub fn message(self) -> &'static str {
                match self {
                    $(Status::$name => $message,)*
                }
            }
        }
    };
}

statuses! {
    /// Success.
    Ok = 0 => "ok";
    /// `h2r_call`/`h2r_cast`/`h2r_deinit` or an events export before `h2r_init`,
    /// after `h2r_deinit`, or (for a call, cast or event export) while `h2r_init`
    /// runs.
    NotInitialised = 1 => "the bridge is not initialised";
    /// `h2r_init` while the bridge is already running.
    AlreadyInitialised = 2 => "the bridge is already initialised";
    /// The message is longer than the configured `max_msg_len`.
    MessageTooLong = 3 => "message longer than max_msg_len";
    /// The message bytes do not decode as a request.
    Undecodable = 4 => "message does not decode as a request";
    /// `h2r_deinit` is in progress, or the bridge stopped while the call waited:
    /// the bridge accepts nothing new, and a deferred call still held is revoked.
    ShuttingDown = 5 => "the bridge is shutting down";
    /// A non-blocking submit found the channel full; nothing was queued.
    ChannelFull = 6 => "the request channel is full";
    /// The config bytes given to `h2r_init` do not decode.
    BadConfig = 7 => "config does not decode";
    /// The engine panicked while handling this call; the reply carries the message.
    EnginePanicked = 8 => "the engine panicked while handling the call";
    /// An argument no correct caller passes: a null pointer where one is needed (with
    /// a non-zero length, an out-pointer, a wake-up token, a callback), an
    /// out-pointer not aligned for its type, a length beyond `isize::MAX`, a capacity
    /// out of range, or a second park.
    InvalidArgument = 9 => "invalid argument: a null or misaligned pointer, a length out of range, or a second park";
    /// The worker thread could not be started.
    SpawnFailed = 10 => "could not start the worker thread";
    /// The reply has not been delivered yet (`h2r_reply` before the outcome is there,
    /// or `h2r_reply_wait` whose wait ended first).
    Pending = 11 => "the reply has not arrived yet";
    /// The engine's reply could not be encoded.
    EncodeFailed = 12 => "the engine's reply could not be encoded";
    /// `h2r_init` was given a schema fingerprint that differs from Rust's: the two
    /// sides were built from different wire types (`h2r_schema_fingerprint` gives
    /// Rust's).
    SchemaMismatch = 13 => "the Haskell and Rust wire schemas differ";
    /// `h2r_events_subscribe` while a subscription is running: the bridge has one
    /// subscriber at a time.
    AlreadySubscribed = 14 => "an events subscription is already running";
    /// The caller released its reply handle before the engine ran the call, so the
    /// call was dropped unrun (nobody reads this outcome).
    Abandoned = 15 => "the caller gave up on the call before the engine ran it";
    /// The call's deadline (given to `h2r_call`) passed before the engine ran it, so
    /// the call was dropped unrun.
    Expired = 16 => "the call's deadline passed before the engine ran it";
    /// `h2r_park` found the outcome already there: the token stays with the caller,
    /// who reads the reply at once.
    AlreadyAnswered = 17 => "the reply is already there";
    /// The engine dropped the call's reply handle without answering (a call
    /// declared `later`): on purpose, by a bug, or in a panic on one of its threads.
    Unanswered = 18 => "the engine dropped the call's reply handle without answering";
    /// `h2r_events_take` or `h2r_events_park` on a running bridge with no events
    /// subscription.
    NotSubscribed = 19 => "no events subscription is running";
    /// `h2r_events_take` or `h2r_events_park` while the subscription is being started
    /// or ended by another thread: nothing was taken or parked.
    SubscriptionBusy = 20 => "the events subscription is being started or ended";
    /// `h2r_events_take` was given a buffer too small for the next event's record;
    /// `*out_used` holds the length it needs, and the event stays first in line.
    BufferTooSmall = 21 => "the buffer is too small for the next event";
    /// `h2r_reply`, `h2r_reply_wait`, `h2r_park` or `h2r_release` with a handle that
    /// is not a live one: 0, never issued, or released already. Nothing was read,
    /// parked or released.
    UnknownHandle = 22 => "not a live reply handle: never issued, or released already";
    /// `h2r_call` found no free slot for a reply handle: the caller's thread holds
    /// millions of handles it never released, or more OS threads than the handle
    /// table serves (4096) are alive and calling. Nothing was queued.
    HandleTableFull = 23 => "no free reply handle: too many handles held unreleased, or too many threads calling";
}

impl Status {
    /// The C value of this status.
    pub fn code(self) -> c_int {
        self as c_int
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Status {}

#[cfg(test)]
mod tests {
    use super::Status;

    /// The codes run from 0 with no gap, in `ALL`'s order, so the Haskell side can
    /// use them as its constructors' indices; each round-trips through `from_code`.
    #[test]
    fn codes_are_dense_and_round_trip() {
        for (index, status) in Status::ALL.into_iter().enumerate() {
            assert_eq!(usize::try_from(status.code()), Ok(index), "{status:?}");
            assert_eq!(Status::from_code(status.code()), Some(status));
            assert_eq!(status.name(), format!("{status:?}"));
            assert!(!status.message().is_empty());
        }
        let past = i32::try_from(Status::ALL.len()).unwrap();
        for code in [-1, past, past + 1, i32::MIN, i32::MAX] {
            assert_eq!(Status::from_code(code), None, "{code}");
        }
    }
}
