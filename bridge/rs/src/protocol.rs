//! A protocol: the calls (each request type with its reply type) and the casts one
//! engine understands, declared once with [`protocol!`](crate::protocol!).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_reflection::{Format, Samples, Tracer};

/// The messages of one engine. Implemented by [`protocol!`](crate::protocol!); the
/// three enums it generates carry each message behind a one-byte tag, its position
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

    /// Lists the calls and casts, in tag order, for the schema tracer.
    fn describe(describer: &mut Describer);
}

/// Traces one type with serde-reflection and returns its format.
pub(crate) type TraceFn = fn(&mut Tracer, &Samples) -> serde_reflection::Result<Format>;

/// Collects a protocol's calls and casts; [`Protocol::describe`] fills it.
#[derive(Default)]
pub struct Describer {
    pub(crate) calls: Vec<(TraceFn, TraceFn)>,
    pub(crate) casts: Vec<TraceFn>,
    pub(crate) enums: Vec<TraceFn>,
}

impl Describer {
    /// Declares the next call: its request type and its reply type.
    pub fn call<Req: DeserializeOwned, Rep: DeserializeOwned>(&mut self) {
        self.calls.push((trace::<Req>, trace::<Rep>));
    }

    /// Declares the next cast.
    pub fn cast<Msg: DeserializeOwned>(&mut self) {
        self.casts.push(trace::<Msg>);
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

/// Declares a protocol: the calls an engine answers and the casts it takes.
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
/// }
/// ```
///
/// Every request and cast is a named type (a struct) whose name is also its
/// variant's; replies may be any wire type. Enums used inside the messages (not as a
/// request, reply or cast of their own) are listed in an optional last block,
/// `enums { Curve, Either<Miss, Hit> }`, because the schema tracer finds every
/// variant only of a type it visits on its own; a missing one is refused by name. The macro generates, in the calling
/// module, the marker type with its [`Protocol`] impl, the two traits, and three
/// enums: `Request` (one variant per call, holding the request), `Reply` (one
/// variant per call, in the same order, holding the reply) and `Cast`. A message's
/// wire tag is its position in the declaration, so new messages go at the end.
/// `Request::dispatch` and `Cast::dispatch` hand each message to the trait method
/// of its name, so an engine can only answer a request with that request's reply
/// type. Wire types derive `Clone, Debug, PartialEq, Serialize, Deserialize`; the
/// calling crate depends on `serde`.
#[macro_export]
macro_rules! protocol {
    (
        $(#[$protocol_meta:meta])*
        $vis:vis struct $protocol:ident;
        $(#[$calls_meta:meta])*
        $calls_vis:vis trait $calls:ident {
            $( $(#[$call_meta:meta])* fn $call:ident($request:ident) -> $reply:ty; )*
        }
        $(#[$casts_meta:meta])*
        $casts_vis:vis trait $casts:ident {
            $( $(#[$cast_meta:meta])* fn $cast:ident($message:ident); )*
        }
        $( $(#[$enums_meta:meta])* enums { $($nested:ty),* $(,)? } )?
    ) => {
        $(#[$protocol_meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        $vis struct $protocol;

        $(#[$calls_meta])*
        $calls_vis trait $calls {
            $( $(#[$call_meta])* fn $call(&mut self, request: $request) -> $reply; )*
        }

        $(#[$casts_meta])*
        $casts_vis trait $casts {
            $( $(#[$cast_meta])* fn $cast(&mut self, message: $message); )*
        }

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

        /// A fire-and-forget message of the protocol; its wire tag is its position
        /// in the casts.
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        $vis enum Cast {
            $(
                #[doc = concat!("A `", stringify!($message), "` cast.")]
                $message($message),
            )*
        }

        impl Request {
            /// Hands the request to the engine's method of the same name and tags
            /// its answer as this request's reply.
            #[allow(unused_variables)] // with no calls, there is nothing to hand over
            pub fn dispatch<E: $calls + ?Sized>(self, engine: &mut E) -> Reply {
                match self {
                    $( Request::$request(request) => Reply::$request(engine.$call(request)), )*
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

            fn describe(describer: &mut $crate::Describer) {
                $( describer.call::<$request, $reply>(); )*
                $( describer.cast::<$message>(); )*
                $( $( describer.nested_enum::<$nested>(); )* )?
            }
        }
    };
}
