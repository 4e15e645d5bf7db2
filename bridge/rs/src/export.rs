//! [`export_engine!`](crate::export_engine!): the C ABI for one engine type.

/// Emits the bridge's static state for one engine type and every export of the C
/// ABI, as `pub` functions `h2r_*` of the calling module whose C symbols carry the
/// engine's prefix: `export_engine!(counter, CounterEngine)` exports
/// `counter_h2r_init`, `counter_h2r_call`, ... and the constant `H2R_PREFIX`
/// (`"counter"`).
///
/// Call it once per engine, in the engine's crate, with a prefix of its own: each
/// call makes a bridge with its own worker, counters and lifecycle, so a program
/// links several engines as long as their prefixes differ (the same prefix twice is
/// a link error). Each export is a thin wrapper over the function of the same name
/// in the bridge's `ffi` module, which documents its statuses; the Haskell module
/// generated for the engine's protocol ([`crate::codegen`], given the same prefix)
/// imports them.
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// /// A liveness probe.
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// pub struct Ping;
///
/// rs_in_hs::protocol! {
///     /// The protocol.
///     pub struct Pinger;
///     /// Its one call.
///     pub trait PingerCalls {
///         /// Answers `()`.
///         fn ping(Ping) -> ();
///     }
///     /// No casts.
///     pub trait PingerCasts {}
/// }
///
/// pub struct PingerEngine;
///
/// impl PingerCalls for PingerEngine {
///     fn ping(&mut self, _: Ping) {}
/// }
///
/// impl PingerCasts for PingerEngine {}
///
/// impl rs_in_hs::Engine for PingerEngine {
///     type Protocol = Pinger;
///     fn new((): (), _: rs_in_hs::Events<Pinger>) -> Self {
///         PingerEngine
///     }
///     fn call(&mut self, request: Request) -> Reply {
///         request.dispatch(self)
///     }
///     fn cast(&mut self, message: Cast) {
///         message.dispatch(self)
///     }
/// }
///
/// rs_in_hs::export_engine!(pinger, PingerEngine);
/// # fn main() {
/// assert_eq!(H2R_PREFIX, "pinger");
/// # }
/// ```
#[macro_export]
macro_rules! export_engine {
    ($prefix:ident, $engine:ty) => {
        /// The bridge of this engine: every export below reaches it by name.
        #[doc(hidden)]
        static RS_IN_HS_BRIDGE: $crate::__private::Bridge<$engine> =
            $crate::__private::Bridge::new();

        /// The prefix of this engine's C symbols (`<prefix>_h2r_init`, ...), which
        /// the generated Haskell module's imports name.
        pub const H2R_PREFIX: &str = ::core::stringify!($prefix);

        /// Starts the bridge (C ABI: `<prefix>_h2r_init`).
        ///
        /// # Safety
        /// As for the bridge's `ffi::init`: `config` valid for `config_len` bytes and
        /// not written during the call, `notify`/`thread_done` callable from the
        /// bridge's threads, and neither calling `h2r_deinit`.
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_init"))]
        pub unsafe extern "C" fn h2r_init(
            notify: ::core::option::Option<$crate::__private::Notify>,
            thread_done: ::core::option::Option<$crate::__private::ThreadDone>,
            config: *const u8,
            config_len: usize,
        ) -> ::core::ffi::c_int {
            // SAFETY: this function's caller has the duties `ffi::init` lists.
            unsafe {
                $crate::__private::ffi::init(
                    &RS_IN_HS_BRIDGE,
                    notify,
                    thread_done,
                    config,
                    config_len,
                )
            }
        }

        /// Stops the bridge (C ABI: `<prefix>_h2r_deinit`).
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_deinit"))]
        pub extern "C" fn h2r_deinit() -> ::core::ffi::c_int {
            $crate::__private::ffi::deinit(&RS_IN_HS_BRIDGE)
        }

        /// Submits a call (C ABI: `<prefix>_h2r_call`).
        ///
        /// # Safety
        /// As for the bridge's `ffi::call`: `message` valid for `len` bytes and not
        /// written during the call, `out_reply` valid for one write, `token` null or
        /// a `StablePtr` that `notify` accepts.
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_call"))]
        pub unsafe extern "C" fn h2r_call(
            message: *const u8,
            len: usize,
            token: *mut ::core::ffi::c_void,
            capability: ::core::ffi::c_int,
            block: ::core::ffi::c_int,
            budget_ns: u64,
            out_reply: *mut u64,
        ) -> ::core::ffi::c_int {
            // SAFETY: this function's caller has the duties `ffi::call` lists.
            unsafe {
                $crate::__private::ffi::call(
                    &RS_IN_HS_BRIDGE,
                    message,
                    len,
                    token,
                    capability,
                    block,
                    budget_ns,
                    out_reply,
                )
            }
        }

        /// Gives a pending call the caller's wake-up token (C ABI: `<prefix>_h2r_park`).
        ///
        /// # Safety
        /// As for the bridge's `ffi::park`: `token` null or a `StablePtr` that
        /// `notify` accepts.
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_park"))]
        pub unsafe extern "C" fn h2r_park(
            reply: u64,
            token: *mut ::core::ffi::c_void,
            capability: ::core::ffi::c_int,
        ) -> ::core::ffi::c_int {
            // SAFETY: this function's caller has the duties `ffi::park` lists.
            unsafe { $crate::__private::ffi::park(reply, token, capability) }
        }

        /// Submits a fire-and-forget message (C ABI: `<prefix>_h2r_cast`).
        ///
        /// # Safety
        /// As for the bridge's `ffi::cast`: `message` valid for `len` bytes and not
        /// written during the call.
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_cast"))]
        pub unsafe extern "C" fn h2r_cast(
            message: *const u8,
            len: usize,
            block: ::core::ffi::c_int,
        ) -> ::core::ffi::c_int {
            // SAFETY: this function's caller has the duties `ffi::cast` lists.
            unsafe { $crate::__private::ffi::cast(&RS_IN_HS_BRIDGE, message, len, block) }
        }

        /// Reads a delivered reply (C ABI: `<prefix>_h2r_reply`).
        ///
        /// # Safety
        /// As for the bridge's `ffi::reply`: writable out-pointers.
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_reply"))]
        pub unsafe extern "C" fn h2r_reply(
            reply: u64,
            out_ptr: *mut *const u8,
            out_len: *mut usize,
        ) -> ::core::ffi::c_int {
            // SAFETY: this function's caller has the duties `ffi::reply` lists.
            unsafe { $crate::__private::ffi::reply(reply, out_ptr, out_len) }
        }

        /// Reads a reply, waiting a few microseconds for it if it is not there yet
        /// (C ABI: `<prefix>_h2r_reply_wait`).
        ///
        /// # Safety
        /// As for the bridge's `ffi::reply_wait`: writable out-pointers.
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_reply_wait"))]
        pub unsafe extern "C" fn h2r_reply_wait(
            reply: u64,
            spin_ns: u64,
            out_ptr: *mut *const u8,
            out_len: *mut usize,
        ) -> ::core::ffi::c_int {
            // SAFETY: this function's caller has the duties `ffi::reply_wait` lists.
            unsafe { $crate::__private::ffi::reply_wait(reply, spin_ns, out_ptr, out_len) }
        }

        /// Releases a reply handle (C ABI: `<prefix>_h2r_release`).
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_release"))]
        pub extern "C" fn h2r_release(reply: u64) -> ::core::ffi::c_int {
            $crate::__private::ffi::release(reply)
        }

        /// Writes the leak counters (C ABI: `<prefix>_h2r_stats`).
        ///
        /// # Safety
        /// As for the bridge's `ffi::stats`: `out` valid for `len` writes.
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_stats"))]
        pub unsafe extern "C" fn h2r_stats(out: *mut u64, len: usize) -> ::core::ffi::c_int {
            // SAFETY: this function's caller has the duties `ffi::stats` lists.
            unsafe { $crate::__private::ffi::stats(&RS_IN_HS_BRIDGE, out, len) }
        }

        /// Writes Rust's schema fingerprint (C ABI: `<prefix>_h2r_schema_fingerprint`).
        ///
        /// # Safety
        /// As for the bridge's `ffi::schema_fingerprint`: `out` valid for `len` writes.
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_schema_fingerprint"))]
        pub unsafe extern "C" fn h2r_schema_fingerprint(
            out: *mut u8,
            len: usize,
        ) -> ::core::ffi::c_int {
            // SAFETY: this function's caller has the duties `ffi::schema_fingerprint`
            // lists.
            unsafe { $crate::__private::ffi::schema_fingerprint(&RS_IN_HS_BRIDGE, out, len) }
        }

        /// Starts the events subscription (C ABI: `<prefix>_h2r_events_subscribe`).
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_events_subscribe"))]
        pub extern "C" fn h2r_events_subscribe(capacity: usize) -> ::core::ffi::c_int {
            $crate::__private::ffi::events::subscribe(&RS_IN_HS_BRIDGE, capacity)
        }

        /// Ends the events subscription (C ABI: `<prefix>_h2r_events_unsubscribe`).
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_events_unsubscribe"))]
        pub extern "C" fn h2r_events_unsubscribe() -> ::core::ffi::c_int {
            $crate::__private::ffi::events::unsubscribe(&RS_IN_HS_BRIDGE)
        }

        /// Takes a batch of queued events (C ABI: `<prefix>_h2r_events_take`).
        ///
        /// # Safety
        /// As for the bridge's `ffi::events::take`: `buf` valid for `len` writes and
        /// not otherwise used during the call, the out-pointers for one write each.
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_events_take"))]
        pub unsafe extern "C" fn h2r_events_take(
            buf: *mut u8,
            len: usize,
            out_used: *mut usize,
            out_missed: *mut u64,
        ) -> ::core::ffi::c_int {
            // SAFETY: this function's caller has the duties `ffi::events::take` lists.
            unsafe {
                $crate::__private::ffi::events::take(
                    &RS_IN_HS_BRIDGE,
                    buf,
                    len,
                    out_used,
                    out_missed,
                )
            }
        }

        /// Parks the events subscriber with a wake-up token (C ABI: `<prefix>_h2r_events_park`).
        ///
        /// # Safety
        /// As for the bridge's `ffi::events::park`: `out_parked` valid for one write,
        /// `token` a `StablePtr` that `notify` accepts.
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_events_park"))]
        pub unsafe extern "C" fn h2r_events_park(
            token: *mut ::core::ffi::c_void,
            capability: ::core::ffi::c_int,
            out_parked: *mut ::core::ffi::c_int,
        ) -> ::core::ffi::c_int {
            // SAFETY: this function's caller has the duties `ffi::events::park` lists.
            unsafe {
                $crate::__private::ffi::events::park(
                    &RS_IN_HS_BRIDGE,
                    token,
                    capability,
                    out_parked,
                )
            }
        }

        /// Writes the event counters (C ABI: `<prefix>_h2r_events_stats`).
        ///
        /// # Safety
        /// As for the bridge's `ffi::events::stats`: `out` valid for `len` writes.
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_events_stats"))]
        pub unsafe extern "C" fn h2r_events_stats(out: *mut u64, len: usize) -> ::core::ffi::c_int {
            // SAFETY: this function's caller has the duties `ffi::events::stats` lists.
            unsafe { $crate::__private::ffi::events::stats(&RS_IN_HS_BRIDGE, out, len) }
        }

        /// Accepted calls not settled yet (C ABI: `<prefix>_h2r_calls_in_flight`).
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_calls_in_flight"))]
        pub extern "C" fn h2r_calls_in_flight() -> u64 {
            $crate::__private::ffi::calls_in_flight(&RS_IN_HS_BRIDGE)
        }

        /// How many CPUs this process may run on (C ABI: `<prefix>_h2r_parallelism`).
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_parallelism"))]
        pub extern "C" fn h2r_parallelism() -> usize {
            $crate::__private::ffi::parallelism()
        }

        /// Counts a token the caller made (C ABI: `<prefix>_h2r_token_created`).
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_token_created"))]
        pub extern "C" fn h2r_token_created() -> ::core::ffi::c_int {
            $crate::__private::ffi::token_created(&RS_IN_HS_BRIDGE)
        }

        /// Counts a token the caller freed unsent (C ABI: `<prefix>_h2r_token_freed_unsent`).
        #[allow(unsafe_code)]
        #[unsafe(export_name = ::core::concat!(::core::stringify!($prefix), "_h2r_token_freed_unsent"))]
        pub extern "C" fn h2r_token_freed_unsent() -> ::core::ffi::c_int {
            $crate::__private::ffi::token_freed_unsent(&RS_IN_HS_BRIDGE)
        }
    };
}
