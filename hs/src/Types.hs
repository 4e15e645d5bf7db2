{-# LANGUAGE DeriveAnyClass #-}
{-# LANGUAGE DeriveGeneric #-}

-- | Wire types and the bridge's exception. Each wire type has a twin in
-- @rs/src/wire.rs@ with the same constructor order and field types, so @store@'s
-- Generic encoding and Rust's @serde_store@ agree on the bytes: a 'Word8' tag for
-- sums, fields back to back for products, little-endian numbers. 'RustBridge'
-- re-exports everything here.
module Types
  ( Config (..),
    defaultConfig,
    MessageBody (..),
    BridgeError (..),
  )
where

import Control.Exception (Exception (..))
import Data.Store (Store)
import Data.Word (Word32, Word64)
import GHC.Generics (Generic)

-- | Bridge configuration. Haskell is its single source of truth: 'RustBridge.withRust'
-- encodes it and Rust decodes it at init.
newtype Config = Config
  { -- | Longest request, in bytes, that 'RustBridge.callRust' and
    -- 'RustBridge.castRust' accept. Checked before crossing and again in Rust.
    maxMsgLen :: Word32
  }
  deriving (Eq, Show, Generic, Store)

-- | A 'Config' with room for every 'MessageBody' and then some (4 KiB).
defaultConfig :: Config
defaultConfig = Config {maxMsgLen = 4096}

-- | The demo engine's messages, used both as requests and as replies.
data MessageBody
  = -- | Liveness probe; answered by 'Pong'.
    Ping
  | -- | The reply to 'Ping'.
    Pong
  | -- | Answered by itself, so callers can match replies to requests.
    Echo !Word64
  | -- | Asks how many casts the engine has handled since init.
    GetCastCount
  | -- | The reply to 'GetCastCount'.
    CastCount !Word64
  | -- | The engine sleeps this many milliseconds (at most 10 000), then answers
    -- 'Pong'. Holds the worker busy in tests.
    Sleep !Word32
  | -- | Fault injection: the engine panics while handling it, and the caller gets
    -- 'EnginePanicked'.
    InjectPanic
  | -- | The reply to a message that is not a request (for example 'Pong').
    Unsupported
  deriving (Eq, Show, Generic, Store)

-- | Everything the bridge throws. Catch it with 'Control.Exception.catch' or
-- 'Control.Exception.try'; each constructor's 'displayException' says what happened
-- and, where there is one, the limit.
data BridgeError
  = -- | A call or cast outside 'RustBridge.withRust' (for example from a thread
    -- that outlived it).
    NotRunning
  | -- | 'RustBridge.withRust' inside a running one; the running bridge is unharmed.
    AlreadyRunning
  | -- | The request's length and the configured limit, both in bytes.
    MessageTooLong !Int !Word32
  | -- | Rust could not decode the request as a 'MessageBody'.
    UndecodableRequest
  | -- | The reply did not decode as the expected type; store's message.
    UndecodableReply !String
  | -- | 'RustBridge.withRust' is returning; nothing new is accepted.
    ShuttingDown
  | -- | The engine panicked while handling the call; the panic's message.
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
  deriving (Eq, Show)

instance Exception BridgeError where
  displayException err =
    "rs-in-hs: " <> case err of
      NotRunning -> "the bridge is not running (called outside withRust, or after it returned)"
      AlreadyRunning -> "withRust called while a bridge is already running; nested bridges are refused"
      MessageTooLong len limit ->
        "message of " <> show len <> " bytes exceeds maxMsgLen of " <> show limit <> " bytes"
      UndecodableRequest -> "Rust could not decode the request"
      UndecodableReply why -> "the reply did not decode as the expected type: " <> why
      ShuttingDown -> "the bridge is shutting down"
      EnginePanicked why -> "the engine panicked while handling the call: " <> why
      BadConfig -> "Rust could not decode the Config"
      WorkerSpawnFailed -> "Rust could not start its worker thread"
      NotThreadedRuntime -> "the program must be linked with -threaded (add it to ghc-options of the executable)"
      InternalError export code ->
        "internal error: " <> export <> " returned unexpected status " <> show code
