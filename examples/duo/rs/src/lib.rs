//! duo-engines: one static library that bundles two engines, for a program that
//! hosts both.
//!
//! Each engine crate exports its C ABI under a prefix of its own
//! (`rs_in_hs::export_engine!(probe, ...)`, `rs_in_hs::export_engine!(counter, ...)`),
//! so their symbols never clash. Linking the engines' own static libraries side by
//! side would put two copies of `std` and of the bridge into one program; this crate
//! links the engine crates as rlibs instead, so the library holds one of each, and
//! the program links this library alone.

// The engine crates are linked for their exports; naming them here is what makes
// cargo link them.
pub use minimal_engine;
pub use rs_in_hs_probe;
