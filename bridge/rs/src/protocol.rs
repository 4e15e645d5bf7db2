//! A protocol: the calls (each request type with its reply type) and the casts one
//! engine understands, and the events it emits, declared once with
//! [`protocol!`](crate::protocol!).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_reflection::{Format, Samples, Tracer};

/// The messages of one engine. Implemented by [`protocol!`](crate::protocol!); the
/// four enums it generates carry each message behind a one-byte tag, its position
/// in the declaration.
pub trait Protocol: 'static {
    /// The protocol's name, which is also the Haskell type that stands for it.
    const NAME: &'static str;
    /// Every request, one variant per call.
    type Request: Serialize + DeserializeOwned + Send + std::fmt::Debug;
    /// Every reply, one variant per call, in the same order as the requests.
    type Reply: Serialize + DeserializeOwned + std::fmt::Debug;
    /// Every fire-and-forget message.
    type Cast: Serialize + DeserializeOwned + Send + std::fmt::Debug;
    /// Every event the engine emits (an empty enum for a protocol without events).
    type Event: Serialize + DeserializeOwned + Send + std::fmt::Debug;
    /// Every call declared `later`, with its typed reply handle (an empty enum for a
    /// protocol that answers every call at once).
    type Call: Send + std::fmt::Debug;
    /// The start-up message that `withRust` sends and the engine's constructor
    /// receives (`()` for a protocol that declares none).
    type Start: Serialize + DeserializeOwned + Send + std::fmt::Debug;

    /// Whether the request's call is declared `later`.
    #[doc(hidden)]
    fn answers_later(request: &Self::Request) -> bool;

    /// The request of a call declared `later`, with its reply handle.
    #[doc(hidden)]
    fn later(request: Self::Request, responder: crate::later::Responder) -> Self::Call;

    /// Lists the calls, casts and events, in tag order, for the schema tracer.
    fn describe(describer: &mut Describer);
}

/// Traces one type with serde-reflection and returns its format.
pub(crate) type TraceFn = fn(&mut Tracer, &Samples) -> serde_reflection::Result<Format>;

/// Collects a protocol's calls, casts and events; [`Protocol::describe`] fills it.
#[derive(Default)]
pub struct Describer {
    pub(crate) calls: Vec<(TraceFn, TraceFn)>,
    pub(crate) start: Option<TraceFn>,
    pub(crate) casts: Vec<TraceFn>,
    pub(crate) events_trait: Option<&'static str>,
    pub(crate) events: Vec<(&'static str, TraceFn)>,
    pub(crate) enums: Vec<TraceFn>,
}

impl Describer {
    /// Declares the next call: its request type and its reply type.
    pub fn call<Req: DeserializeOwned, Rep: DeserializeOwned>(&mut self) {
        self.calls.push((trace::<Req>, trace::<Rep>));
    }

    /// Declares the start-up message's type.
    pub fn start<Start: DeserializeOwned>(&mut self) {
        self.start = Some(trace::<Start>);
    }

    /// Declares the next cast.
    pub fn cast<Msg: DeserializeOwned>(&mut self) {
        self.casts.push(trace::<Msg>);
    }

    /// Names the protocol's events trait (the generated Haskell sum of the events is
    /// named after it, without a trailing `s`).
    pub fn events_trait(&mut self, name: &'static str) {
        self.events_trait = Some(name);
    }

    /// Declares the next event: the events trait's method that emits it (the
    /// Haskell constructor is named after it) and its payload type.
    pub fn event<Payload: DeserializeOwned>(&mut self, method: &'static str) {
        self.events.push((method, trace::<Payload>));
    }

    /// Declares an enum nested in the messages, so that all its variants are traced.
    pub fn nested_enum<T: DeserializeOwned>(&mut self) {
        self.enums.push(trace::<T>);
    }
}

fn trace<T: DeserializeOwned>(
    tracer: &mut Tracer,
    samples: &Samples,
) -> serde_reflection::Result<Format> {
    tracer.trace_type::<T>(samples).map(|(format, _)| format)
}

/// Declares a protocol: the calls an engine answers, the casts it takes and,
/// optionally, the events it emits.
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// /// Asks for the sum of two numbers.
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// pub struct Add(pub u32, pub u32);
///
/// /// Resets the counter.
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// pub struct Reset;
///
/// /// The counter overflowed.
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// pub struct Overflow(pub u64);
///
/// rs_in_hs::protocol! {
///     /// A calculator.
///     pub struct Calculator;
///     /// What it answers.
///     pub trait CalculatorCalls {
///         /// Adds.
///         fn add(Add) -> u64;
///     }
///     /// What it takes without answering.
///     pub trait CalculatorCasts {
///         /// Resets.
///         fn reset(Reset);
///     }
///     /// What it emits.
///     pub trait CalculatorEvents {
///         /// The counter overflowed.
///         fn overflowed(Overflow);
///     }
/// }
/// ```
///
/// A protocol may declare a start-up message with its marker struct
/// (`pub struct Counter(start: Settings);`, a named type; the marker stays a unit
/// struct): the engine's constructor
/// ([`Engine::new`](crate::Engine::new)) receives it, and Haskell gives it to
/// `withRustStarting`. Without one, the start-up message is `()` and Haskell keeps
/// `withRust`.
///
/// A call may be declared `later` (`fn load(Load) -> Loaded, later;`): its method
/// then takes the call's reply handle, a [`Later`](crate::Later) of its reply type,
/// instead of returning the reply, and answers through it at once or later from any
/// thread. Such calls reach the engine through
/// [`Engine::call_later`](crate::Engine::call_later) as a generated `Call` (each
/// `later` request with its handle), which `Call::dispatch` hands to the method.
/// Nothing changes on the wire or in Haskell.
///
/// Every request, cast and event payload is a named type (a struct) whose name is
/// also its variant's; replies may be any wire type. Enums used inside the messages
/// (not as a request, reply, cast or event of their own) are listed in an optional
/// last block, `enums { Curve, Either<Miss, Hit> }`, because the schema tracer finds
/// every variant only of a type it visits on its own; a missing one is refused by
/// name.
///
/// The macro generates, in the calling module, the marker type with its
/// [`Protocol`] impl, the traits, and four enums: `Request` (one variant per call,
/// holding the request), `Reply` (one variant per call, in the same order, holding
/// the reply), `Cast` and `Event` (empty when there is no events trait), and `Call`
/// (the `later` calls with their handles, empty when there is none). A message's
/// wire tag is its position in the declaration, so new messages go at the end.
/// `Request::dispatch` and `Cast::dispatch` hand each message to the trait method
/// of its name, so an engine can only answer a request with that request's reply
/// type. The events trait is implemented for [`Events`](crate::Events) of the
/// protocol: `events.overflowed(Overflow(n))` emits `Event::Overflow(Overflow(n))`.
/// In Haskell the events are one sum type named after the trait without its
/// trailing `s` (`CalculatorEvent`), with a constructor per event named after its
/// method (`Overflowed`). Wire types derive `Clone, Debug, PartialEq, Serialize,
/// Deserialize`; the calling crate depends on `serde`.
#[macro_export]
macro_rules! protocol {
    (
        @expand
        $(#[$protocol_meta:meta])*
        $vis:vis struct $protocol:ident;
        start { $($start:ty)? }
        $(#[$calls_meta:meta])*
        $calls_vis:vis trait $calls:ident {
            $( $(#[$call_meta:meta])* fn $call:ident($request:ident) -> $reply:ty $(, $later:ident)?; )*
        }
        $(#[$casts_meta:meta])*
        $casts_vis:vis trait $casts:ident {
            $( $(#[$cast_meta:meta])* fn $cast:ident($message:ident); )*
        }
        events {
            $(
                $(#[$events_meta:meta])*
                $events_vis:vis trait $events:ident {
                    $( $(#[$event_meta:meta])* fn $event:ident($payload:ident); )*
                }
            )?
        }
        $( $(#[$enums_meta:meta])* enums { $($nested:ty),* $(,)? } )?
    ) => {
        $(#[$protocol_meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        $vis struct $protocol;

        $(#[$calls_meta])*
        $calls_vis trait $calls {
            $( $crate::protocol! { @method [$(#[$call_meta])*] $call $request [$reply] $($later)? } )*
        }

        $(#[$casts_meta])*
        $casts_vis trait $casts {
            $( $(#[$cast_meta])* fn $cast(&mut self, message: $message); )*
        }

        $(
            $(#[$events_meta])*
            $events_vis trait $events {
                $( $(#[$event_meta])* fn $event(&self, event: $payload); )*
            }

            impl $events for $crate::Events<$protocol> {
                $(
                    fn $event(&self, event: $payload) {
                        self.emit(Event::$payload(event));
                    }
                )*
            }
        )?

        /// A request of the protocol; its wire tag is its position in the calls.
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        $vis enum Request {
            $(
                #[doc = concat!("A `", stringify!($request), "` request.")]
                $request($request),
            )*
        }

        /// A reply of the protocol, tagged as its request.
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        $vis enum Reply {
            $(
                #[doc = concat!("The reply to a `", stringify!($request), "`.")]
                $request($reply),
            )*
        }

        /// A call the protocol declares `later`, with its typed reply handle.
        #[derive(Debug)]
        $vis enum Call {
            $( $(
                #[doc = concat!("A `", stringify!($request), "` call, answered ", stringify!($later), " through its handle.")]
                $request($request, $crate::Later<$reply>),
            )? )*
        }

        /// A fire-and-forget message of the protocol; its wire tag is its position
        /// in the casts.
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        $vis enum Cast {
            $(
                #[doc = concat!("A `", stringify!($message), "` cast.")]
                $message($message),
            )*
        }

        /// An event the engine emits; its wire tag is its position in the events.
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        $vis enum Event {
            $( $(
                #[doc = concat!("A `", stringify!($payload), "` event.")]
                $payload($payload),
            )* )?
        }

        impl Request {
            /// Hands the request to the engine's method of the same name and tags
            /// its answer as this request's reply.
            #[allow(unused_variables)] // with no calls, there is nothing to hand over
            pub fn dispatch<E: $calls + ?Sized>(self, engine: &mut E) -> Reply {
                match self {
                    $(
                        Request::$request(request) => $crate::protocol!(
                            @now [$($later)?] engine.$call(request) => $request
                        ),
                    )*
                }
            }
        }

        impl Call {
            /// Hands the call and its reply handle to the engine's method of the
            /// same name.
            // With no `later` calls there is nothing to hand over, and an engine
            // without them never dispatches one.
            #[allow(unused_variables, dead_code)]
            pub fn dispatch<E: $calls + ?Sized>(self, engine: &mut E) {
                match self {
                    $( $(
                        Call::$request(request, reply) => {
                            $crate::protocol!(@later $later);
                            engine.$call(request, reply)
                        }
                    )? )*
                }
            }
        }

        impl Cast {
            /// Hands the message to the engine's method of the same name.
            #[allow(unused_variables)] // with no casts, there is nothing to hand over
            pub fn dispatch<E: $casts + ?Sized>(self, engine: &mut E) {
                match self {
                    $( Cast::$message(message) => engine.$cast(message), )*
                }
            }
        }

        impl $crate::Protocol for $protocol {
            const NAME: &'static str = stringify!($protocol);
            type Request = Request;
            type Reply = Reply;
            type Cast = Cast;
            type Event = Event;
            type Call = Call;
            type Start = $crate::protocol!(@start $($start)?);

            #[allow(unreachable_patterns)] // when every call is declared `later`
            fn answers_later(request: &Request) -> bool {
                match request {
                    $( $(
                        Request::$request(_) => {
                            $crate::protocol!(@later $later);
                            true
                        }
                    )? )*
                    _ => false,
                }
            }

            // unreachable_patterns: when every call is declared `later`;
            // unused_variables: when none is.
            #[allow(unreachable_patterns, unused_variables)]
            fn later(request: Request, responder: $crate::__private::Responder) -> Call {
                match request {
                    $( $(
                        Request::$request(request) => {
                            $crate::protocol!(@later $later);
                            Call::$request(
                                request,
                                $crate::Later::new(responder, |reply| {
                                    $crate::wire::encode(&Reply::$request(reply))
                                }),
                            )
                        }
                    )? )*
                    _ => ::core::unreachable!("the worker defers only the calls declared `later`"),
                }
            }

            fn describe(describer: &mut $crate::Describer) {
                $( describer.start::<$start>(); )?
                $( describer.call::<$request, $reply>(); )*
                $( describer.cast::<$message>(); )*
                $(
                    describer.events_trait(stringify!($events));
                    $( describer.event::<$payload>(stringify!($event)); )*
                )?
                $( $( describer.nested_enum::<$nested>(); )* )?
            }
        }
    };
    // A call's method: it returns the reply, or (declared `later`) takes its handle.
    (@method [$($meta:tt)*] $call:ident $request:ident [$reply:ty]) => {
        $($meta)* fn $call(&mut self, request: $request) -> $reply;
    };
    (@method [$($meta:tt)*] $call:ident $request:ident [$reply:ty] later) => {
        $($meta)* fn $call(&mut self, request: $request, reply: $crate::Later<$reply>);
    };
    (@method [$($meta:tt)*] $call:ident $request:ident [$reply:ty] $other:ident) => {
        ::core::compile_error!(concat!(
            "expected `later` after the reply type of `", stringify!($call),
            "`, found `", stringify!($other), "`"
        ));
    };
    // The start-up message's type: `()` when none is declared.
    (@start) => { () };
    (@start $start:ty) => { $start };
    // Marks a call declared `later` (refused above when it is another word).
    (@later later) => {};
    // `Request::dispatch` for one call: a `later` call never comes there.
    (@now [] $engine:ident . $call:ident ($request:ident) => $variant:ident) => {
        Reply::$variant($engine.$call($request))
    };
    (@now [later] $engine:ident . $call:ident ($request:ident) => $variant:ident) => {
        ::core::unreachable!(concat!(
            "`", stringify!($variant), "` is declared `later`: the bridge hands it to Engine::call_later"
        ))
    };
    // An events trait follows the casts trait: carry it over in braces.
    (
        @tail [$($head:tt)*]
        $(#[$events_meta:meta])*
        $events_vis:vis trait $events:ident { $($events_body:tt)* }
        $($enums:tt)*
    ) => {
        $crate::protocol! {
            @expand $($head)*
            events { $(#[$events_meta])* $events_vis trait $events { $($events_body)* } }
            $($enums)*
        }
    };
    // No events trait: what follows, if anything, is the enums block.
    (@tail [$($head:tt)*] $($enums:tt)*) => {
        $crate::protocol! { @expand $($head)* events {} $($enums)* }
    };
    (
        $(#[$protocol_meta:meta])*
        $vis:vis struct $protocol:ident $((start: $start:ty))?;
        $(#[$calls_meta:meta])*
        $calls_vis:vis trait $calls:ident { $($calls_body:tt)* }
        $(#[$casts_meta:meta])*
        $casts_vis:vis trait $casts:ident { $($casts_body:tt)* }
        $($rest:tt)*
    ) => {
        $crate::protocol! {
            @tail [
                $(#[$protocol_meta])*
                $vis struct $protocol;
                start { $($start)? }
                $(#[$calls_meta])*
                $calls_vis trait $calls { $($calls_body)* }
                $(#[$casts_meta])*
                $casts_vis trait $casts { $($casts_body)* }
            ]
            $($rest)*
        }
    };
}
