//! rs-in-hs: host a Rust engine in a Haskell program.
//!
//! A Haskell host drives one or more engines through a small C ABI, each engine's
//! under a prefix of its own (several engines link into one program). Requests
//! cross as `store`-encoded bytes, are decoded on the caller's thread and queued on a
//! bounded channel; one worker thread runs the engine and wakes each caller through
//! the GHC runtime's `hs_try_putmvar`.
//!
//! To host an engine:
//! 1. declare the protocol once with [`protocol!`]: its calls (each request type with
//!    its reply type), its casts and, if it emits any, its events;
//! 2. implement [`Engine`] for your engine type (usually `request.dispatch(self)`);
//!    a protocol with calls declared `later` also implements [`Engine::call_later`]
//!    (`call.dispatch(self)`), whose methods answer through a [`Later`]; an engine
//!    that emits events keeps the [`Events`] handle its constructor [`Engine::new`]
//!    receives, with the protocol's start-up message;
//! 3. call [`export_engine!`] once in the engine's crate, with the engine's prefix;
//! 4. generate the Haskell side with [`codegen::check_generated`] (`just gen`),
//!    given the same prefix (`H2R_PREFIX`).
//!
//! The wire format is described in the repository's docs/wire-format.md, and the C
//! ABI's ownership rules in its ARCHITECTURE.md ("Boundaries") and, in full, at the
//! top of bridge/rs/src/ffi.rs.

mod bridge;
pub mod codegen;
mod engine;
pub mod events;
mod export;
mod ffi;
mod handles;
mod later;
mod placement;
mod protocol;
mod reply;
pub mod schema;
// The counters behind `h2r_stats`: public for the bridge's own tests, not part of
// the stable API.
#[doc(hidden)]
pub mod stats;
mod status;
pub mod wire;
mod worker;

/// The wake-up recorder the unit tests give the bridge as its `notify`; the probe's
/// and the waiter's tests and the `exports` fuzz target include the same file.
#[cfg(test)]
#[path = "../testing/wakes.rs"]
mod wakes;

pub use bridge::CHANNEL_CAPACITY;
pub use engine::{Call, Cast, Engine, Event, Reply, Request, Start};
pub use events::{EventStats, Events};
pub use later::{Cancelled, Later};
pub use protocol::{Describer, Protocol};
pub use status::Status;

/// What the macros expand to. Not part of the stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::bridge::Bridge;
    /// The exports' bodies, which [`export_engine!`](crate::export_engine!) calls.
    pub mod ffi {
        pub use crate::ffi::*;
    }
    pub use crate::later::Responder;
    pub use crate::reply::{Notify, ThreadDone};
}

use std::any::Any;

/// The text of a panic payload: the `&str` or `String` given to `panic!`, else a
/// fixed text.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "a panic with a non-string payload"
    }
}
