//! The engine trait: what the worker thread runs for each message.

use crate::events::Events;
use crate::protocol::Protocol;

/// An engine the bridge can host: it answers the calls and handles the casts of its
/// protocol.
///
/// The worker thread creates the engine with [`Engine::new`] when the bridge starts
/// and drops it when the bridge stops, so the engine lives on that one thread and
/// needs not be `Send`. Construction, every call and cast, and the drop run under
/// `catch_unwind`: a panic in a call becomes an `EnginePanicked` error for its caller
/// (casts are logged on stderr), and the engine keeps whatever state the panicking
/// handler left; a panic in construction fails the start (`withRust` throws
/// `EnginePanicked`, and no engine runs), and a panic in the drop fails the stop
/// (after the bridge has stopped as usual).
pub trait Engine: Sized + 'static {
    /// The messages this engine understands, declared with [`crate::protocol!`].
    type Protocol: Protocol;

    /// Builds the engine from its protocol's start-up message (`()` for a protocol
    /// that declares none) and the handle for emitting its events, in one step, on
    /// the worker thread. An engine that emits keeps the handle (or clones of it, for
    /// its own threads); one that needs nothing writes
    /// `fn new((): (), _: Events<P>) -> Self { Self::default() }`.
    fn new(start: Start<Self>, events: Events<Self::Protocol>) -> Self;

    /// Answers one request. The reply must be the one the protocol pairs with the
    /// request, which the `dispatch` method that [`crate::protocol!`] generates
    /// guarantees.
    fn call(&mut self, request: Request<Self>) -> Reply<Self>;

    /// Takes one call that its protocol declares `later`, with its typed reply
    /// handle: the engine answers through the handle, at once or later from any
    /// thread, and the worker goes on with the next message as soon as this
    /// returns. An engine whose protocol declares such calls implements it as
    /// `call.dispatch(self)`; the default drops the handle, so the caller gets
    /// `Unanswered`. Calls not declared `later` never come here.
    fn call_later(&mut self, call: Call<Self>) {
        drop(call);
    }

    /// Handles one fire-and-forget message.
    fn cast(&mut self, message: Cast<Self>);
}

/// The start-up message type of engine `E`'s protocol.
pub type Start<E> = <<E as Engine>::Protocol as Protocol>::Start;

/// The request type of engine `E`'s protocol.
pub type Request<E> = <<E as Engine>::Protocol as Protocol>::Request;

/// The reply type of engine `E`'s protocol.
pub type Reply<E> = <<E as Engine>::Protocol as Protocol>::Reply;

/// The deferred-call type of engine `E`'s protocol: each `later` request with its
/// reply handle.
pub type Call<E> = <<E as Engine>::Protocol as Protocol>::Call;

/// The cast type of engine `E`'s protocol.
pub type Cast<E> = <<E as Engine>::Protocol as Protocol>::Cast;

/// The event type of engine `E`'s protocol.
pub type Event<E> = <<E as Engine>::Protocol as Protocol>::Event;
