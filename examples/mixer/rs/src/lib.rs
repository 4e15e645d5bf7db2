//! The demo mixer, hosted with rs-in-hs: the first application built on the bridge.
//!
//! - [`protocol`]: the mixer's calls and casts, declared once with
//!   [`rs_in_hs::protocol!`]; the Haskell package `mixer` generates `Mixer.Protocol`
//!   from it.
//! - [`engine`]: [`engine::MixerEngine`], which the bridge's worker thread runs.
//! - [`audio`]: the engine's render thread, its devices, the wait-free hand-off of
//!   settings to it and the allocation guard around its callback.
//! - [`bench`](mod@bench): two C exports that only the demo's benchmark uses (the latency floor
//!   and a no-op), not part of the bridge's ABI.
//!
//! The crate is built as the `staticlib` the Haskell package links, so it also holds
//! the bridge's `h2r_*` exports for [`engine::MixerEngine`], made by
//! [`rs_in_hs::export_engine!`].

pub mod audio;
#[allow(unsafe_code)]
pub mod bench;
pub mod engine;
#[cfg(test)]
mod properties;
pub mod protocol;

// The minimal example's counter engine, a plain engine with no threads of its own,
// is bundled into this library (its exports are `counter_h2r_*`) so that the
// benchmark measures it beside the mixer in one program; naming the crate is what
// makes cargo link it.
pub use minimal_engine;

rs_in_hs::export_engine!(mixer, engine::MixerEngine);
