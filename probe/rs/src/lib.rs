//! rs-in-hs-probe: the bridge's own test protocol and engine.
//!
//! [`protocol`] declares the probe's messages, [`engine::ProbeEngine`] answers them,
//! and the crate root exports the bridge's C ABI (`probe_h2r_init`,
//! `probe_h2r_call`, ...) for that engine; [`starter`] is a second engine beside it,
//! with a start-up message, exported as `starter_h2r_*`. Built as a `staticlib`, it is what the Haskell test suites in
//! probe/hs link; as an `rlib`, it is what the Rust behaviour tests in tests/ and the
//! fuzz targets in fuzz/ call.

pub mod engine;
pub mod protocol;
pub mod starter;

rs_in_hs::export_engine!(probe, engine::ProbeEngine);

/// [`engine::cancels_noticed`], for the Haskell suites (C ABI:
/// `probe_cancels_noticed`).
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn probe_cancels_noticed() -> u64 {
    engine::cancels_noticed()
}

/// [`engine::calls_run`], for the Haskell suites (C ABI: `probe_calls_run`).
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn probe_calls_run() -> u64 {
    engine::calls_run()
}
