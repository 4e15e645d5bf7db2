//! The demo engine: what the worker thread runs for each message.
//!
//! A real embedding replaces this module; the bridge only needs `Engine::call` and
//! `Engine::cast`. It is plain safe Rust and knows nothing of Haskell.

use std::time::Duration;

use crate::wire::MessageBody;

/// Longest sleep a `Sleep` request may ask for, so no message can park the worker
/// for long.
pub const MAX_SLEEP_MS: u32 = 10_000;

/// Engine state, owned by the worker thread for one init/deinit cycle.
#[derive(Debug, Default)]
pub struct Engine {
    casts_handled: u64,
}

impl Engine {
    /// Handles a request and returns its reply.
    pub fn call(&mut self, request: MessageBody) -> MessageBody {
        match request {
            MessageBody::Ping => MessageBody::Pong,
            MessageBody::Echo(id) => MessageBody::Echo(id),
            MessageBody::GetCastCount => MessageBody::CastCount(self.casts_handled),
            MessageBody::Sleep(ms) => {
                std::thread::sleep(Duration::from_millis(u64::from(ms.min(MAX_SLEEP_MS))));
                MessageBody::Pong
            }
            MessageBody::InjectPanic => panic!("InjectPanic: fault injected by the caller"),
            MessageBody::Pong | MessageBody::CastCount(_) | MessageBody::Unsupported => {
                MessageBody::Unsupported
            }
        }
    }

    /// Handles a fire-and-forget message.
    pub fn cast(&mut self, message: MessageBody) {
        self.casts_handled += 1;
        if message == MessageBody::InjectPanic {
            panic!("InjectPanic: fault injected by a cast");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_each_request() {
        let mut engine = Engine::default();
        assert_eq!(engine.call(MessageBody::Ping), MessageBody::Pong);
        assert_eq!(engine.call(MessageBody::Echo(7)), MessageBody::Echo(7));
        assert_eq!(engine.call(MessageBody::Pong), MessageBody::Unsupported);
        engine.cast(MessageBody::Ping);
        engine.cast(MessageBody::Echo(1));
        assert_eq!(
            engine.call(MessageBody::GetCastCount),
            MessageBody::CastCount(2)
        );
    }
}
