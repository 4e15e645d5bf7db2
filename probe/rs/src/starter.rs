//! The starter: a second engine in the probe's library, whose protocol declares a
//! start-up message. It answers with the settings it started with, and panics in
//! its constructor or its drop when they say so: what the tests of construction and
//! drop under the panic guard drive. Its exports carry the prefix `starter`, beside
//! the probe's.

use rs_in_hs::Events;
use rs_in_hs::wire::WireBool;
use serde::{Deserialize, Serialize};

/// What the starter starts with: `withRustStarting`'s argument.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StarterSettings {
    /// A number the engine keeps, to show the settings arrived.
    pub seed: u64,
    /// The constructor panics.
    pub panic_on_start: WireBool,
    /// The engine's drop panics.
    pub panic_on_drop: WireBool,
}

/// Asks for the settings the engine was built with; answered with them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GetSettings;

/// The engine was built: emitted by its constructor (a subscriber that starts
/// later never sees it; it is counted as dropped).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Built(pub u64);

rs_in_hs::protocol! {
    /// The starter's protocol.
    pub struct Starter(start: StarterSettings);
    /// What the starter answers.
    pub trait StarterCalls {
        /// Answers the settings the engine was built with.
        fn get_settings(GetSettings) -> StarterSettings;
    }
    /// No casts.
    pub trait StarterCasts {}
    /// What the starter emits.
    pub trait StarterEvents {
        /// Emitted once, as the engine is built.
        fn was_built(Built);
    }
}

/// The engine: its settings.
#[derive(Debug)]
pub struct StarterEngine {
    settings: StarterSettings,
}

impl StarterCalls for StarterEngine {
    fn get_settings(&mut self, _: GetSettings) -> StarterSettings {
        self.settings.clone()
    }
}

impl StarterCasts for StarterEngine {}

impl rs_in_hs::Engine for StarterEngine {
    type Protocol = Starter;

    fn new(settings: StarterSettings, events: Events<Starter>) -> Self {
        assert!(
            !settings.panic_on_start.0,
            "the starter panics as it starts (seed {})",
            settings.seed
        );
        events.was_built(Built(settings.seed));
        StarterEngine { settings }
    }

    fn call(&mut self, request: Request) -> Reply {
        request.dispatch(self)
    }

    fn cast(&mut self, message: Cast) {
        message.dispatch(self)
    }
}

impl Drop for StarterEngine {
    fn drop(&mut self) {
        assert!(
            !self.settings.panic_on_drop.0,
            "the starter panics as it stops (seed {})",
            self.settings.seed
        );
    }
}

rs_in_hs::export_engine!(starter, StarterEngine);
