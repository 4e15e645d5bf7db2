//! The probe engine: answers the probe protocol's calls and counts its casts.
//!
//! Plain safe Rust that knows nothing of Haskell. Its state is the number of casts
//! handled since the bridge started it, and the handle it emits events through.
//! The calls answered later go to four helper threads shared by the process (they
//! outlive any one bridge, as an engine's threads may), to a thread of their
//! own ([`SleepLater`]), or to a task on the engine's tokio runtime ([`WaitAsync`]),
//! started with the first such call and stopped with the engine.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use rs_in_hs::{Events, Later};

use crate::protocol::{
    AnswerHeld, BurstDone, Call, Cast, DropLater, Echo, EchoLater, EmitTicks, GetCastCount,
    HoldLater, InjectPanic, Loopback, LoopbackFrame, Note, PanicLater, PanicNote, Ping, Pong,
    Probe, ProbeCalls, ProbeCasts, ProbeEvents, Reply, Request, Sleep, SleepLater, Tick, WaitAsync,
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

/// [`SleepLater`] calls whose caller gave up before the sleep ended.
static CANCELS_NOTICED: AtomicU64 = AtomicU64::new(0);

/// How many [`SleepLater`] calls learnt that their caller gave up, in this process.
pub fn cancels_noticed() -> u64 {
    CANCELS_NOTICED.load(Ordering::SeqCst)
}

/// How many helper threads answer the calls answered later.
pub const HELPERS: usize = 4;

/// What a helper thread does.
enum Work {
    /// Answer at once.
    Echo(Later<u64>, u64),
    /// Hold until [`Work::AnswerHeld`].
    Hold(Later<u64>, u64),
    /// Answer every handle held.
    AnswerHeld,
    /// Panic holding the handle.
    Panic(Later<()>),
}

/// The helper threads' queues, started on first use.
fn helpers() -> &'static [Sender<Work>] {
    static HELPERS_QUEUES: OnceLock<Vec<Sender<Work>>> = OnceLock::new();
    HELPERS_QUEUES.get_or_init(|| {
        (0..HELPERS)
            .map(|n| {
                let (sender, receiver) = channel();
                std::thread::Builder::new()
                    .name(format!("probe-helper-{n}"))
                    .spawn(move || helper(receiver))
                    .expect("a helper thread starts");
                sender
            })
            .collect()
    })
}

/// Gives `work` to the next helper thread, in turn.
fn to_helper(work: Work) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let queues = helpers();
    let n = NEXT.fetch_add(1, Ordering::Relaxed) % queues.len();
    // The helpers never exit, so their queues never close.
    let _ = queues[n].send(work);
}

/// Has every helper thread answer the [`HoldLater`] handles it holds.
pub fn answer_held() {
    for queue in helpers() {
        let _ = queue.send(Work::AnswerHeld);
    }
}

fn helper(work: Receiver<Work>) {
    let mut held = Vec::new();
    for work in work {
        match work {
            Work::Echo(reply, number) => reply.answer(number),
            Work::Hold(reply, number) => held.push((reply, number)),
            Work::AnswerHeld => {
                for (reply, number) in held.drain(..) {
                    reply.answer(number);
                }
            }
            Work::Panic(reply) => {
                // The thread catches its own panic so that it goes on helping; the
                // handle is dropped as the panic unwinds.
                let _ = catch_unwind(AssertUnwindSafe(move || {
                    let _held = reply;
                    panic!("injected panic: PanicLater on a helper thread");
                }));
            }
        }
    }
}

/// The probe engine, created by the bridge's worker ([`rs_in_hs::Engine::new`]).
#[derive(Debug, Default)]
pub struct ProbeEngine {
    /// Casts handled since init, a [`PanicNote`] included.
    casts_handled: u64,
    /// Where its events go.
    events: Option<Events<Probe>>,
    /// The runtime of the [`WaitAsync`] tasks, once one came.
    runtime: Option<tokio::runtime::Runtime>,
}

/// How long a [`Sleep`] of `ms` milliseconds sleeps: `ms`, capped at
/// [`MAX_SLEEP_MS`].
pub fn sleep_duration(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms.min(MAX_SLEEP_MS)))
}

impl rs_in_hs::Engine for ProbeEngine {
    type Protocol = Probe;

    fn new((): (), events: Events<Probe>) -> Self {
        ProbeEngine {
            events: Some(events),
            ..ProbeEngine::default()
        }
    }

    fn call(&mut self, request: Request) -> Reply {
        CALLS_RUN.fetch_add(1, Ordering::SeqCst);
        request.dispatch(self)
    }

    fn cast(&mut self, message: Cast) {
        message.dispatch(self)
    }

    fn call_later(&mut self, call: Call) {
        CALLS_RUN.fetch_add(1, Ordering::SeqCst);
        call.dispatch(self)
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

    fn sleep_later(&mut self, SleepLater(ms): SleepLater, reply: Later<()>) {
        std::thread::spawn(move || {
            if reply.cancelled().wait_timeout(sleep_duration(ms)) {
                CANCELS_NOTICED.fetch_add(1, Ordering::SeqCst);
            } else {
                reply.answer(());
            }
        });
    }

    fn echo_later(&mut self, EchoLater(number): EchoLater, reply: Later<u64>) {
        to_helper(Work::Echo(reply, number));
    }

    fn hold_later(&mut self, HoldLater(number): HoldLater, reply: Later<u64>) {
        to_helper(Work::Hold(reply, number));
    }

    fn drop_later(&mut self, _: DropLater, reply: Later<()>) {
        drop(reply);
    }

    fn wait_async(&mut self, WaitAsync(ms): WaitAsync, reply: Later<u32>) {
        let runtime = self.runtime.get_or_insert_with(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("probe-runtime")
                .enable_time()
                .build()
                .expect("the probe's runtime starts")
        });
        let ms = ms.min(MAX_SLEEP_MS);
        reply.run_on(runtime.handle(), async move {
            tokio::time::sleep(Duration::from_millis(u64::from(ms))).await;
            ms
        });
    }

    fn panic_later(&mut self, PanicLater(on_helper): PanicLater, reply: Later<()>) {
        if on_helper.0 {
            to_helper(Work::Panic(reply));
        } else {
            let _held = reply;
            panic!("injected panic: PanicLater on the worker");
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

    fn answer_held(&mut self, _: AnswerHeld) {
        self.casts_handled += 1;
        answer_held();
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
