{-# LANGUAGE ScopedTypeVariables #-}
{-# LANGUAGE TypeFamilies #-}

-- | The public API of rs-in-hs: run a Rust engine inside 'withRust' and talk to it
-- with 'callRust' (request/response) and 'castRust' (fire-and-forget), and hear
-- from it with 'withEvents' (the events it emits). The engine's
-- protocol comes from a module generated from its Rust declaration (@just gen@),
-- which instantiates the classes of "RustBridge.Protocol".
--
-- Guarantees, referred to by number in the function docs:
--
-- 1. No Rust panic unwinds into Haskell, and none is skipped. An engine panic
--    becomes 'EnginePanicked' for its caller: a call's, or 'withRust''s when the
--    engine's constructor or drop panicked; a panic in the bridge itself aborts with
--    a message (a bug).
-- 2. No bridge thread outlives 'withRust': its deinit joins Rust's worker.
-- 3. No reply is delivered after 'withRust' returns: deinit first answers every
--    accepted call, then returns, and Rust never calls into Haskell again.
-- 4. Bad input raises a typed, catchable 'BridgeError' and harms nothing: the
--    process and the bridge go on.
-- 5. Callers that must wait for room (backpressure) wait as Haskell threads, not in
--    foreign calls, so 100k concurrent callers need only a few OS threads.
-- 6. 'callRust' and 'callRustTimeout' are safe against asynchronous exceptions: a
--    'Control.Concurrent.Async.cancel' or timeout anywhere in them leaks nothing,
--    frees nothing twice, and a reply that arrives later is dropped harmlessly.
-- 7. A Haskell program and a Rust library built from different revisions of a
--    protocol never exchange a message: 'withRust' sends the fingerprint of the
--    protocol's schema (its calls and casts in tag order and every type they carry,
--    derived from the Haskell types themselves; see
--    'RustBridge.Protocol.protocolSchema'), Rust compares it with its own at init,
--    and a difference raises 'SchemaMismatch' before any message crosses.
-- 8. Calls are typed: a request's reply type follows from the request ('Reply'),
--    so asking for another type, or sending a request or cast of another protocol,
--    does not compile. A reply whose tag is not its request's, or whose bytes do
--    not decode exactly as the request's 'Reply', raises 'UndecodableReply'; it is
--    never returned as a value.
-- 9. Events never hold up the engine, and none is delivered after 'withEvents'
--    returns: a slow handler costs dropped events, each gap reported in place as
--    'Missed'; a subscriber is woken once per burst, not once per event; and when
--    'withEvents' returns its thread has stopped and every wake-up token it gave
--    Rust has come back (see 'eventStats').
-- 10. A call the engine answers later (declared @later@ in the protocol) is called
--    like any other and never hangs: a reply handle the engine drops unanswered
--    raises 'Unanswered' at once, and one it still holds when 'withRust' returns
--    raises 'ShuttingDown' then (deinit revokes it without waiting for it). The
--    engine can tell when its caller stops waiting (a 'cancel', a
--    'callRustTimeout' running out, a killed thread, 'withRust' ending), and an
--    answer after that is dropped ('answersLate'). 'deferredOutstanding' is 0
--    after 'withRust' returns.
-- 11. Each engine linked into the program has a bridge of its own, chosen by the
--    protocol type ('Linked'): 'withRust's of different protocols run side by side
--    or nested, each starting and stopping only its engine, and each engine's
--    counters ('bridgeStats'), events and schema fingerprint are its own.
module RustBridge
  ( -- * Running the bridge
    RustT,
    Rust,
    withRust,
    withRustStarting,
    Config (..),
    defaultConfig,

    -- * Talking to the engine
    callRust,
    callRustTimeout,
    castRust,

    -- * Events from the engine
    withEvents,
    Delivery (..),
    maxEventCapacity,
    EventStats (..),
    eventStats,

    -- * Protocols
    Protocol,
    Start,
    Linked,
    Call (..),
    Cast (..),
    CallOf,
    CastOf,
    Event (..),
    ProtocolEvent,
    NoEvents,
    WireText (..),

    -- * Concurrency
    asyncRust,
    withAsyncRust,

    -- * Errors
    BridgeError (..),

    -- * Wire schema
    Fingerprint,
    fingerprintHex,

    -- * Observability
    BridgeStats (..),
    bridgeStats,
    tokensOutstanding,
    deferredOutstanding,
  )
where

import Control.Concurrent.Async (Async, async, withAsync)
import Control.Exception (throwIO)
import Control.Monad (join)
import Control.Monad.IO.Class (MonadIO, liftIO)
import Control.Monad.Trans.Reader (ReaderT (..))
import Data.Proxy (Proxy (..))
import Data.Word (Word64)
import FFI (Imports (h2rStats))
import RustBridge.Counters (readNamedCounters)
import RustBridge.Events
import RustBridge.Internal
import RustBridge.Protocol (Call (..), CallOf, Cast (..), CastOf, Event (..), Linked (..), NoEvents, Protocol (ProtocolEvent, Start), WireText (..), protocolFingerprint)
import Schema (fingerprintHex)
import System.Timeout (timeout)
import Types

-- | Starts the Rust engine, runs the action, and stops the engine, also when the
-- action throws (guarantees 2 and 3). The action's exception propagates unchanged.
-- The protocol @p@ is usually inferred from the messages the action sends.
--
-- Each engine linked into the program has a bridge of its own ('Linked'): a
-- 'withRust' for one protocol starts and stops only that protocol's engine, and runs
-- beside or inside a 'withRust' for another.
--
-- Throws 'AlreadyRunning' if the bridge of this protocol's engine is already running
-- (the running one is unharmed), 'SchemaMismatch' if this program and the Rust library
-- were built from different revisions of the protocol (guarantee 7), 'BadConfig',
-- 'WorkerSpawnFailed', and 'NotThreadedRuntime' if the program was not linked with
-- @-threaded@.
withRust :: forall p a. (Linked p, Start p ~ ()) => Config -> Rust p a -> IO a
withRust config = withRustStarting config ()

-- | 'withRust' for an engine whose protocol declares a start-up message: the engine's
-- constructor receives it (with its events handle), on the worker thread, before
-- the action runs. Throws what 'withRust' throws, and 'EnginePanicked' if the
-- engine's constructor panicked (the action does not run; the bridge is stopped and
-- can start again) or if its drop panicked (once the bridge has stopped all the
-- same; the action's result is lost). 'withRust' reports these too.
withRustStarting :: forall p a. Linked p => Config -> Start p -> Rust p a -> IO a
withRustStarting = withRustSchema (protocolFingerprint (Proxy :: Proxy p))

-- | Sends a request and waits for its reply, whose type follows from the request
-- (guarantee 8). On the wire the request is its tag then its @store@ encoding, and
-- the reply the same tag then the reply's.
--
-- Throws 'MessageTooLong' before anything crosses (the limit counts the tag),
-- 'UndecodableRequest' if Rust cannot decode it, 'UndecodableReply' if the reply's
-- tag or bytes are not the request's reply (guarantee 8), 'EnginePanicked'
-- (guarantee 1), 'Unanswered' (a call declared @later@ whose reply handle the
-- engine dropped, guarantee 10), 'TooManyThreads', 'NotRunning' and
-- 'ShuttingDown'. Blocks until the reply arrives;
-- see 'callRustTimeout' for a bounded wait. Cancellable (guarantee 6).
callRust :: (CallOf req, MonadIO m) => req -> RustT (CallProtocol req) m (Reply req)
callRust request = callWithin maxBound request >>= liftIO . unexpired

-- | 'callRust' with a deadline in microseconds: 'Nothing' if no reply came in time.
-- The deadline travels with the call: if the engine has not started it by then,
-- Rust drops it unrun (counted in 'callsDroppedExpired'); if the caller gives up
-- first, Rust drops it unrun as abandoned; a reply that comes late is dropped
-- harmlessly (guarantee 6). A negative deadline means none. Throws what 'callRust'
-- throws.
callRustTimeout ::
  (CallOf req, MonadIO m) => Int -> req -> RustT (CallProtocol req) m (Maybe (Reply req))
callRustTimeout micros request = RustT . ReaderT $ \env ->
  let RustT call = callWithin budget request
      budget = if micros < 0 then maxBound else 1000 * fromIntegral micros
   in liftIO (join <$> timeout micros (runReaderT call env))

-- | A typed call that Rust drops unrun ('Nothing') unless the engine starts it
-- within the budget, in nanoseconds ('maxBound': no deadline).
callWithin :: forall req m. (CallOf req, MonadIO m) => Word64 -> req -> RustT (CallProtocol req) m (Maybe (Reply req))
callWithin budget request = do
  let bytes = encodeCall request
  checkLength bytes
  reply <- callRawWithin budget bytes
  liftIO (traverse (either throwIO pure . decodeReply (Proxy :: Proxy req)) reply)

-- | Sends a message without waiting for an answer: its tag, then its @store@
-- encoding. Returns once the message is queued; waits (as a Haskell thread,
-- guarantee 5) while the channel is full. Messages from one thread reach the
-- engine in order, calls and casts alike.
--
-- Throws 'MessageTooLong' before anything crosses (the limit counts the tag),
-- 'UndecodableRequest' if Rust cannot decode it, 'NotRunning' and 'ShuttingDown'.
castRust :: (CastOf msg, MonadIO m) => msg -> RustT (CastProtocol msg) m ()
castRust message = do
  let bytes = encodeCast message
  checkLength bytes
  castRaw bytes

-- | Runs an action on a new Haskell thread that can talk to the same bridge. Prefer
-- 'withAsyncRust', which cancels the thread when its scope ends: a thread started
-- here that outlives 'withRust' gets 'NotRunning' from its next call.
asyncRust :: RustT p IO a -> RustT p IO (Async a)
asyncRust (RustT action) = RustT (ReaderT (async . runReaderT action))

-- | Runs an action on a new Haskell thread for the duration of the inner action, and
-- cancels it (and waits for it) when the inner action ends, before 'withRust' can
-- deinit. Note that 'Control.Concurrent.Async.cancel' cannot interrupt a thread
-- inside a @safe@ foreign call until that call returns; the bridge's only such
-- waits are bounded by the worker draining the channel.
withAsyncRust :: RustT p IO a -> (Async a -> RustT p IO b) -> RustT p IO b
withAsyncRust (RustT child) inner = RustT . ReaderT $ \env ->
  withAsync (runReaderT child env) $ \handle ->
    let RustT parent = inner handle in runReaderT parent env

-- | Counters of one engine's bridge over the whole process, across its 'withRust's,
-- all kept in Rust: the calls and
-- reply handles (counted by Rust itself) and the call path's 'Foreign.StablePtr'
-- tokens (reported by this package as it makes and frees them). After 'withRust'
-- returns, 'callsAccepted' equals 'callsAnswered', 'handlesIssued' equals
-- 'handlesReleased' and 'tokensOutstanding' is 0: that is how the tests and the soak
-- show nothing leaks.
data BridgeStats = BridgeStats
  { -- | Calls queued for the engine.
    callsAccepted :: !Word64,
    -- | Accepted calls that Rust settled, each exactly once: answered by the
    -- engine, failed, or dropped unrun (the two counters below).
    callsAnswered :: !Word64,
    -- | Reply handles handed out.
    handlesIssued :: !Word64,
    -- | Reply handles released.
    handlesReleased :: !Word64,
    -- | Tokens made by 'callRust': one per call that blocked (or, with spinning
    -- off, per call that reached the bridge).
    tokensCreated :: !Word64,
    -- | Tokens that Rust never took or never used (the call or park was refused,
    -- the submit was interrupted, or the reply came while the caller made its
    -- token) and that Haskell freed itself.
    tokensFreedUnsent :: !Word64,
    -- | Calls Rust dropped before the engine ran them because their caller had
    -- released its reply handle (cancelled, killed, or timed out).
    callsDroppedAbandoned :: !Word64,
    -- | Calls Rust dropped before the engine ran them because their
    -- 'callRustTimeout' deadline had passed.
    callsDroppedExpired :: !Word64,
    -- | Tokens Rust handed back through @hs_try_putmvar@ (which frees each): the
    -- calls whose caller blocked before the reply came. A reply found by polling
    -- costs no wake-up.
    callsWoken :: !Word64,
    -- | Calls the engine took to answer later (declared @later@ in the protocol)
    -- whose reply handle outlived the engine's @call_later@ unanswered.
    callsDeferred :: !Word64,
    -- | Deferred calls settled since: answered, dropped unanswered, or revoked
    -- when 'withRust' returned ('deferredOutstanding' is the difference).
    deferredSettled :: !Word64,
    -- | Answers the engine gave after the caller had given up (or the bridge had
    -- stopped), dropped by Rust.
    answersLate :: !Word64,
    -- | Reply handles the engine dropped unanswered: their callers got
    -- 'Unanswered'.
    callsUnanswered :: !Word64,
    -- | Reply handles the engine still held when 'withRust' returned: their
    -- callers got 'ShuttingDown'.
    callsRevoked :: !Word64
  }
  deriving (Eq, Show)

-- | Deferred calls whose reply handle the engine still holds unanswered. 0 after
-- 'withRust' returns (guarantee 10).
deferredOutstanding :: BridgeStats -> Integer
deferredOutstanding stats = toInteger (callsDeferred stats) - toInteger (deferredSettled stats)

-- | Tokens neither freed by Haskell nor handed back by Rust yet: the calls in flight.
-- 0 when no call is in flight, for example after 'withRust' returns; anything else
-- then is a leaked token. Negative would be a token freed twice.
tokensOutstanding :: BridgeStats -> Integer
tokensOutstanding stats =
  toInteger (tokensCreated stats) - toInteger (tokensFreedUnsent stats) - toInteger (callsWoken stats)

-- | Reads the counters of protocol @p@'s engine (each engine counts apart). Works with
-- or without a running bridge. They are read in one
-- call; the whole is a near-instant view, exact when no call is in flight. Throws
-- 'InternalError' only on a bug in rs-in-hs.
bridgeStats :: Linked p => proxy p -> IO BridgeStats
bridgeStats protocol = do
  counter <- readNamedCounters "h2r_stats" bridgeCounterNames (h2rStats (linkedImports protocol))
  BridgeStats
    <$> counter "calls_accepted"
    <*> counter "calls_answered"
    <*> counter "handles_issued"
    <*> counter "handles_released"
    <*> counter "tokens_created"
    <*> counter "tokens_freed_unsent"
    <*> counter "calls_dropped_abandoned"
    <*> counter "calls_dropped_expired"
    <*> counter "calls_woken"
    <*> counter "calls_deferred"
    <*> counter "deferred_settled"
    <*> counter "answers_late"
    <*> counter "calls_unanswered"
    <*> counter "calls_revoked"
