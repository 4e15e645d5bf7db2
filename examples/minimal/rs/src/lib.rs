//! The smallest engine hosted with rs-in-hs: a running total that Haskell adds to.

use serde::{Deserialize, Serialize};

/// Adds a number to the total; answered with the new total.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Add(pub u64);

/// Sets the total back to zero.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reset;

rs_in_hs::protocol! {
    /// The counter's protocol.
    pub struct Counter;
    /// What the counter answers.
    pub trait CounterCalls {
        /// Adds, and answers with the new total.
        fn add(Add) -> u64;
    }
    /// What the counter takes without answering.
    pub trait CounterCasts {
        /// Starts again from zero.
        fn reset(Reset);
    }
}

/// The engine: one running total.
#[derive(Default)]
pub struct CounterEngine {
    total: u64,
}

impl CounterCalls for CounterEngine {
    fn add(&mut self, Add(n): Add) -> u64 {
        self.total = self.total.saturating_add(n);
        self.total
    }
}

impl CounterCasts for CounterEngine {
    fn reset(&mut self, _: Reset) {
        self.total = 0;
    }
}

impl rs_in_hs::Engine for CounterEngine {
    type Protocol = Counter;

    fn new((): (), _: rs_in_hs::Events<Counter>) -> Self {
        Self::default()
    }

    fn call(&mut self, request: Request) -> Reply {
        request.dispatch(self)
    }

    fn cast(&mut self, message: Cast) {
        message.dispatch(self)
    }
}

rs_in_hs::export_engine!(counter, CounterEngine);
