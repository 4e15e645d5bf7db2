{-# LANGUAGE DeriveAnyClass #-}
{-# LANGUAGE DeriveGeneric #-}

-- | The bridge's own wire types ('Config' and the 'InitMessage' that carries it to
-- @h2r_init@, twins of @bridge/rs/src/wire/mod.rs@) and its exception.
-- Internal: "RustBridge" re-exports everything here but 'InitMessage', which
-- "RustBridge.Internal" exports.
module Types
  ( Config (..),
    defaultConfig,
    InitMessage (..),
    BridgeError (..),
  )
where

import Control.Exception (Exception (..))
import Data.ByteString (ByteString)
import Data.Store (Store)
import Data.Word (Word32)
import GHC.Generics (Generic)
import RustBridge.Abi (maxEventCapacity)
import Schema (Fingerprint, WireSchema, fingerprintHex)

-- | Bridge configuration. Haskell is its single source of truth: 'RustBridge.withRust'
-- encodes it and Rust decodes it at init.
data Config = Config
  { -- | Longest message, in bytes and with its one-byte tag, that
    -- 'RustBridge.callRust' and 'RustBridge.castRust' send. Checked before
    -- crossing and again in Rust.
    maxMsgLen :: !Word32,
    -- | The spin window, in microseconds; 0 turns spinning off. A caller polls its
    -- reply for up to this long before it blocks on an 'Control.Concurrent.MVar',
    -- and Rust's worker, after a call whose caller got its reply by polling, polls
    -- for the next request for up to this long before it parks. Within the window
    -- a call wakes no OS thread, which on a machine with free cores cuts its
    -- latency from the OS's wake-up time (tens of microseconds) to about a
    -- microsecond; the price is CPU: up to one window of busy polling per call
    -- that takes longer, and per burst on the worker. A polling caller holds its
    -- capability for at most 5 µs at a time and yields it between polls, so it
    -- polls with one capability too. When the process may run on one CPU only
    -- (affinity or cgroup quota) the worker does not spin, and a caller polls only
    -- while its call is its bridge's only one in progress, yielding the CPU to the
    -- worker between polls rather than spinning.
    spinMicros :: !Word32
  }
  deriving (Eq, Show, Generic, Store, WireSchema)

-- | A 'Config' that accepts messages of up to 4 KiB and spins for up to 50 µs
-- (about one OS wake-up on a virtual machine, the cost the spin saves).
defaultConfig :: Config
defaultConfig = Config {maxMsgLen = 4096, spinMicros = 50}

-- | What 'RustBridge.withRust' gives @h2r_init@: the schema fingerprint first (its
-- layout, a 64-bit length and 32 bytes, never changes, so Rust can compare it
-- before decoding anything else), then the 'Config', then the engine's start-up
-- message.
data InitMessage = InitMessage
  { -- | The 32 bytes of the protocol's schema fingerprint.
    initFingerprint :: !ByteString,
    -- | The bridge's configuration.
    initConfig :: !Config,
    -- | The start-up message, encoded (empty for a protocol that declares none).
    initStart :: !ByteString
  }
  deriving (Eq, Show, Generic, Store, WireSchema)

-- | Everything the bridge throws. Catch it with 'Control.Exception.catch' or
-- 'Control.Exception.try'; each constructor's 'displayException' says what happened
-- and, where there is one, the limit.
data BridgeError
  = -- | A call or cast outside 'RustBridge.withRust' (for example from a thread
    -- that outlived it, or one that calls while another 'RustBridge.withRust' is
    -- still starting).
    NotRunning
  | -- | 'RustBridge.withRust' for a protocol whose engine's bridge is already
    -- running; the running bridge is unharmed. (Bridges of different protocols
    -- nest: guarantee 11 of "RustBridge".)
    AlreadyRunning
  | -- | The message's length (its tag included) and the configured limit, both in
    -- bytes.
    MessageTooLong !Int !Word32
  | -- | Rust could not decode the request as one of the protocol's messages: raw
    -- bytes from "RustBridge.Internal", or a value that Rust's twin type refuses
    -- (a surrogate 'Char', which Rust's @WireChar@ rejects).
    UndecodableRequest
  | -- | The reply's tag is not its request's, or its bytes do not decode exactly as
    -- the request's reply type; says which, with the formats involved.
    UndecodableReply !String
  | -- | 'RustBridge.withRust' is returning; nothing new is accepted.
    ShuttingDown
  | -- | The engine panicked: while handling the call (the panic's message), or as
    -- it started or stopped in 'RustBridge.withRust' (a text that says which; the
    -- panic's message is on stderr).
    EnginePanicked !String
  | -- | Rust could not decode the 'Config' given to 'RustBridge.withRust'.
    BadConfig
  | -- | Rust could not start its worker thread.
    WorkerSpawnFailed
  | -- | The program was not linked with @-threaded@, which the bridge needs because
    -- Rust wakes Haskell from its own thread.
    NotThreadedRuntime
  | -- | A status the bridge never expects: a bug in rs-in-hs. The export and code.
    InternalError !String !Int
  | -- | Rust refused 'RustBridge.withRust' because the two sides' protocol schemas
    -- differ: Haskell's fingerprint, then Rust's.
    SchemaMismatch !Fingerprint !Fingerprint
  | -- | 'RustBridge.withEvents' while another subscription runs: the bridge has one
    -- events subscriber at a time. The running one is unharmed.
    AlreadySubscribed
  | -- | 'RustBridge.withEvents' with a queue capacity outside 1 to
    -- 'RustBridge.maxEventCapacity' events: the capacity given.
    BadEventCapacity !Int
  | -- | An event from Rust whose tag or bytes do not decode as one of the
    -- protocol's events; says which.
    UndecodableEvent !String
  | -- | The engine dropped the call's reply handle without answering (a call its
    -- protocol declares @later@): on purpose, by a bug, or in a panic on one of
    -- its threads.
    Unanswered
  | -- | The call came from an OS thread beyond the 4096 that may hold the bridge's
    -- reply handles at once (counting the threads alive that have made calls: a
    -- program of many bound threads can pass it). Nothing was sent; calls from
    -- other threads work as before.
    TooManyThreads
  deriving (Eq, Show)

instance Exception BridgeError where
  displayException err =
    "rs-in-hs: " <> case err of
      NotRunning -> "the bridge is not running (called outside withRust, or after it returned)"
      AlreadyRunning -> "withRust called while this protocol's engine is already running"
      MessageTooLong len limit ->
        "message of " <> show len <> " bytes exceeds maxMsgLen of " <> show limit <> " bytes"
      UndecodableRequest -> "Rust could not decode the request as one of the protocol's messages"
      UndecodableReply why -> "the reply does not match its request: " <> why
      ShuttingDown -> "the bridge is shutting down"
      EnginePanicked why -> "the engine panicked: " <> why
      BadConfig -> "Rust could not decode the Config"
      WorkerSpawnFailed -> "Rust could not start its worker thread"
      NotThreadedRuntime -> "the program must be linked with -threaded (add it to ghc-options of the executable)"
      InternalError export code ->
        "internal error: " <> export <> " returned unexpected status " <> show code
      SchemaMismatch ours theirs ->
        "the Haskell and Rust protocol schemas differ (Haskell's fingerprint is "
          <> fingerprintHex ours
          <> ", Rust's is "
          <> fingerprintHex theirs
          <> "): the Haskell program and the Rust library were built from different"
          <> " revisions of the protocol. Regenerate the Haskell protocol module from the"
          <> " Rust one (just gen), then rebuild both sides from the same revision (just build);"
          <> " RustBridge.Protocol.protocolSchema renders the text whose SHA-256 Haskell sent"
      AlreadySubscribed -> "withEvents called while another events subscription is running; one at a time"
      BadEventCapacity capacity ->
        "an events queue of " <> show capacity <> " events; the capacity must be 1 to " <> show maxEventCapacity
      UndecodableEvent why -> "an event from Rust does not decode: " <> why
      Unanswered -> "the engine dropped the call's reply handle without answering"
      TooManyThreads -> "the calling OS thread is beyond the 4096 that may hold reply handles at once; make calls from fewer OS threads (fewer bound threads)"
