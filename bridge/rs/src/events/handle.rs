//! [`Events`], the engine's handle for emitting its protocol's events.

use std::ffi::{c_int, c_void};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::EventStats;
use super::hub::Hub;
use crate::protocol::Protocol;
use crate::wire::encode;

/// The engine's handle for emitting the events of protocol `P`.
///
/// The bridge gives one to the engine's constructor, [`Engine::new`](crate::Engine::new).
/// Clone it freely and send it to other threads; every
/// clone reaches the same subscriber. [`Events::emit`] never blocks and never calls
/// into Haskell while holding anything the engine needs, but it encodes (and so
/// allocates): an audio callback must not call it, and should hand its data to a
/// thread that does.
pub struct Events<P: Protocol> {
    hub: Arc<Hub>,
    protocol: PhantomData<fn() -> P>,
}

impl<P: Protocol> Clone for Events<P> {
    fn clone(&self) -> Self {
        Events {
            hub: Arc::clone(&self.hub),
            protocol: PhantomData,
        }
    }
}

impl<P: Protocol> fmt::Debug for Events<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events")
            .field("protocol", &P::NAME)
            .field("stats", &self.stats())
            .finish()
    }
}

impl<P: Protocol> Events<P> {
    pub(crate) fn new(hub: Arc<Hub>) -> Self {
        Events {
            hub,
            protocol: PhantomData,
        }
    }

    /// A handle that reaches no bridge, for an engine built outside one (its unit
    /// tests): no one can subscribe, so every emit is dropped, and counted in
    /// [`Events::stats`].
    pub fn detached() -> Self {
        extern "C" fn never(_capability: c_int, _token: *mut c_void) {}
        Events::new(Arc::new(Hub::new(never)))
    }

    /// Emits one event to the subscriber, if there is one and its queue has room;
    /// otherwise drops it and counts it ([`EventStats::dropped`]). Never blocks.
    /// The protocol's events trait, implemented for `Events<P>` by
    /// [`protocol!`](crate::protocol!), has one method per event that calls this.
    pub fn emit(&self, event: P::Event) {
        self.hub.emit(encode(&event).ok());
    }

    /// The counters of this bridge's events so far.
    pub fn stats(&self) -> EventStats {
        self.hub.stats()
    }
}
