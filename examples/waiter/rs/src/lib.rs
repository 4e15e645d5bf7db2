//! An async engine: the calls declared `later` run as tasks on a tokio runtime the
//! engine owns, and answer through their reply handles; the worker goes on with the
//! next message at once. The README's "Answer later" walks through this file.

use std::time::Duration;

use rs_in_hs::Later;
use rs_in_hs::wire::WireText;
use serde::{Deserialize, Serialize};

/// Waits this many milliseconds (at most a minute) on a timer, then answers them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Wait(pub u32);

/// Reads the size of the file at this path; answered with its length in bytes, or
/// nothing if it cannot be read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileSize(pub WireText);

/// How many calls answered later the engine has started; answered at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Started;

rs_in_hs::protocol! {
    /// The waiter's protocol.
    pub struct Waiter;
    /// What the waiter answers: two calls later, one at once.
    pub trait WaiterCalls {
        /// Waits, then answers the milliseconds waited.
        fn wait(Wait) -> u32, later;
        /// Answers the file's size.
        fn file_size(FileSize) -> Option<u64>, later;
        /// Answers how many calls were started.
        fn started(Started) -> u64;
    }
    /// No casts.
    pub trait WaiterCasts {}
}

/// The longest [`Wait`].
pub const MAX_WAIT_MS: u32 = 60_000;

/// The engine: its runtime, and a count.
pub struct WaiterEngine {
    runtime: tokio::runtime::Runtime,
    started: u64,
}

impl Default for WaiterEngine {
    fn default() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("waiter-runtime")
            .enable_all()
            .build()
            .expect("the engine's runtime starts");
        WaiterEngine {
            runtime,
            started: 0,
        }
    }
}

impl WaiterCalls for WaiterEngine {
    fn wait(&mut self, Wait(ms): Wait, reply: Later<u32>) {
        self.started += 1;
        let ms = ms.min(MAX_WAIT_MS);
        reply.run_on(self.runtime.handle(), async move {
            tokio::time::sleep(Duration::from_millis(u64::from(ms))).await;
            ms
        });
    }

    fn file_size(&mut self, FileSize(WireText(path)): FileSize, reply: Later<Option<u64>>) {
        self.started += 1;
        reply.run_on(self.runtime.handle(), async move {
            tokio::fs::metadata(path).await.ok().map(|file| file.len())
        });
    }

    fn started(&mut self, _: Started) -> u64 {
        self.started
    }
}

impl WaiterCasts for WaiterEngine {}

impl rs_in_hs::Engine for WaiterEngine {
    type Protocol = Waiter;
    fn new((): (), _: rs_in_hs::Events<Waiter>) -> Self {
        Self::default()
    }
    fn call(&mut self, request: Request) -> Reply {
        request.dispatch(self)
    }
    fn call_later(&mut self, call: Call) {
        call.dispatch(self)
    }
    fn cast(&mut self, message: Cast) {
        message.dispatch(self)
    }
}

rs_in_hs::export_engine!(waiter, WaiterEngine);
