//! The probe engine: answers the probe protocol's calls and counts its casts.
//!
//! Plain safe Rust that knows nothing of Haskell. Its state is the number of casts
//! handled since the bridge started it, and the handle it emits events through.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rs_in_hs::Events;

use crate::protocol::{
    BurstDone, Cast, Echo, EmitTicks, GetCastCount, InjectPanic, Loopback, LoopbackFrame, Note,
    PanicNote, Ping, Pong, Probe, ProbeCalls, ProbeCasts, ProbeEvents, Reply, Request, Sleep, Tick,
};

/// Longest sleep a [`Sleep`] request may ask for, so no message parks the worker for
/// long.
pub const MAX_SLEEP_MS: u32 = 10_000;

/// Most ticks an [`EmitTicks`] may ask for, so no message parks the worker for long.
pub const MAX_TICKS: u32 = 1_000_000;

/// What every injected panic's message starts with, so a panic hook (the fuzz
/// targets') or a test can tell an injected panic from a bug.
pub const INJECTED_PANIC: &str = "injected panic";

/// Calls the engine has run, over the whole process (every probe engine counts here).
static CALLS_RUN: AtomicU64 = AtomicU64::new(0);

/// How many calls probe engines have run in this process: the tests compare it
/// before and after, to see which calls reached the engine.
pub fn calls_run() -> u64 {
    CALLS_RUN.load(Ordering::SeqCst)
}

/// The probe engine, created by the bridge's worker with [`Default`].
#[derive(Debug, Default)]
pub struct ProbeEngine {
    /// Casts handled since init, a [`PanicNote`] included.
    casts_handled: u64,
    /// Where its events go, once the bridge attached it.
    events: Option<Events<Probe>>,
}

/// How long a [`Sleep`] of `ms` milliseconds sleeps: `ms`, capped at
/// [`MAX_SLEEP_MS`].
pub fn sleep_duration(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms.min(MAX_SLEEP_MS)))
}

impl rs_in_hs::Engine for ProbeEngine {
    type Protocol = Probe;

    fn call(&mut self, request: Request) -> Reply {
        CALLS_RUN.fetch_add(1, Ordering::SeqCst);
        request.dispatch(self)
    }

    fn cast(&mut self, message: Cast) {
        message.dispatch(self)
    }

    fn attach(&mut self, events: Events<Probe>) {
        self.events = Some(events);
    }
}

impl ProbeCalls for ProbeEngine {
    fn ping(&mut self, _: Ping) -> Pong {
        Pong
    }

    fn echo(&mut self, Echo(number): Echo) -> u64 {
        number
    }

    fn sleep(&mut self, Sleep(ms): Sleep) {
        std::thread::sleep(sleep_duration(ms));
    }

    fn inject_panic(&mut self, _: InjectPanic) {
        // The literal starts with INJECTED_PANIC (a test checks it); a literal keeps
        // the payload a `&str`.
        panic!("injected panic: InjectPanic was called");
    }

    fn get_cast_count(&mut self, _: GetCastCount) -> u64 {
        self.casts_handled
    }

    fn loopback(&mut self, Loopback(frame): Loopback) -> LoopbackFrame {
        frame
    }

    fn emit_ticks(&mut self, EmitTicks(count): EmitTicks) {
        if let Some(events) = &self.events {
            for n in 0..count.min(MAX_TICKS) {
                events.ticked(Tick(u64::from(n)));
            }
            events.finished(BurstDone(count.min(MAX_TICKS)));
        }
    }
}

impl ProbeCasts for ProbeEngine {
    fn note(&mut self, _: Note) {
        self.casts_handled += 1;
    }

    fn panic_note(&mut self, _: PanicNote) {
        self.casts_handled += 1;
        panic!("injected panic: PanicNote was cast");
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use rs_in_hs::Engine;
    use rs_in_hs::wire::{Either, WireBool, WireChar, WireText, wire_string};

    use super::*;
    use crate::protocol::{Level, Shade};

    /// The message of the panic `body` raises, or `None` if it returns.
    fn panic_text(body: impl FnOnce()) -> Option<String> {
        catch_unwind(AssertUnwindSafe(body))
            .err()
            .map(|payload| match payload.downcast::<&str>() {
                Ok(text) => (*text).to_owned(),
                Err(_) => "a non-&str payload".to_owned(),
            })
    }

    #[test]
    fn answers_each_call_with_its_reply() {
        let mut engine = ProbeEngine::default();
        assert_eq!(engine.call(Request::Ping(Ping)), Reply::Ping(Pong));
        assert_eq!(engine.call(Request::Echo(Echo(7))), Reply::Echo(7));
        assert_eq!(engine.call(Request::Sleep(Sleep(1))), Reply::Sleep(()));
        assert_eq!(
            engine.call(Request::GetCastCount(GetCastCount)),
            Reply::GetCastCount(0)
        );
        let frame = LoopbackFrame {
            byte: 1,
            word16: 2,
            word32: 3,
            word64: 4,
            int8: -1,
            int16: -2,
            int32: -3,
            int64: -4,
            single: 0.5,
            double: -0.25,
            flag: WireBool(true),
            glyph: WireChar('♪'),
            text: WireText::from("Grüße"),
            string: wire_string("λ"),
            bytes: vec![0, 255],
            maybe: Some(9),
            either: Either::Left(Shade::Named(WireText::from("blue"))),
            levels: vec![Level {
                peak: 1.0,
                rms: 0.5,
            }],
            pair: (5, 6.5),
            shade: Shade::Tinted(0.75),
        };
        assert_eq!(
            engine.call(Request::Loopback(Loopback(frame.clone()))),
            Reply::Loopback(frame)
        );
    }

    #[test]
    fn counts_every_cast_a_panicking_one_included() {
        let mut engine = ProbeEngine::default();
        engine.cast(Cast::Note(Note(1)));
        engine.cast(Cast::Note(Note(2)));
        let text = panic_text(|| engine.cast(Cast::PanicNote(PanicNote)));
        assert!(text.is_some_and(|text| text.starts_with(INJECTED_PANIC)));
        assert_eq!(
            engine.call(Request::GetCastCount(GetCastCount)),
            Reply::GetCastCount(3)
        );
    }

    #[test]
    fn inject_panic_panics_with_a_recognisable_message() {
        let mut engine = ProbeEngine::default();
        let text = panic_text(|| {
            engine.call(Request::InjectPanic(InjectPanic));
        });
        assert!(
            text.as_deref()
                .is_some_and(|text| text.starts_with(INJECTED_PANIC)),
            "{text:?}"
        );
        assert_eq!(engine.call(Request::Echo(Echo(1))), Reply::Echo(1));
    }

    #[test]
    fn sleep_is_capped() {
        assert_eq!(sleep_duration(3), Duration::from_millis(3));
        assert_eq!(
            sleep_duration(MAX_SLEEP_MS),
            Duration::from_millis(u64::from(MAX_SLEEP_MS))
        );
        assert_eq!(
            sleep_duration(u32::MAX),
            Duration::from_millis(u64::from(MAX_SLEEP_MS))
        );
    }
}
