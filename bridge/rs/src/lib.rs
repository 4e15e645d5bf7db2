//! Rust side of rs-in-hs: a Haskell host drives this engine through a tiny C ABI.
//!
//! - `ffi`: the exports, and the only module with `unsafe` code.
//! - `bridge`: process-wide state, init/deinit, call/cast submission.
//! - `worker`: the thread that runs the engine and answers calls.
//! - `reply`: one call's reply cell and the wake-up that delivers it.
//! - `engine`, `wire`: the demo engine (a small mixer), its store-encoded messages
//!   and the wire schema's fingerprint.
//! - `floor`: the flume ping-pong the benchmark compares against.
//! - `status`: the status codes every export returns.
//! - `stats`: counters that prove nothing leaks.
//!
//! ARCHITECTURE.md at the repository root explains the design.

pub mod bridge;
pub mod engine;
pub mod ffi;
pub mod floor;
pub mod reply;
pub mod stats;
pub mod status;
pub mod wire;
pub mod worker;

use std::any::Any;

/// The text of a panic payload: the `&str` or `String` given to `panic!`, else a
/// fixed text.
pub fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "a panic with a non-string payload"
    }
}
