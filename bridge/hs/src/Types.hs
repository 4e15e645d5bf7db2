{-# LANGUAGE DeriveAnyClass #-}
{-# LANGUAGE DeriveGeneric #-}

-- | The bridge's own wire types ('Config' and the 'InitMessage' that carries it to
-- @h2r_init@, twins of @bridge/rs/src/wire/mod.rs@) and its exception.
-- 'RustBridge' re-exports everything here but 'InitMessage'.
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
import Schema (Fingerprint, WireSchema, fingerprintHex)

-- | Bridge configuration. Haskell is its single source of truth: 'RustBridge.withRust'
-- encodes it and Rust decodes it at init.
newtype Config = Config
  { -- | Longest request, in bytes, that 'RustBridge.callRust' and
    -- 'RustBridge.castRust' accept. Checked before crossing and again in Rust.
    maxMsgLen :: Word32
  }
  deriving (Eq, Show, Generic, Store, WireSchema)

-- | A 'Config' that accepts requests of up to 4 KiB.
defaultConfig :: Config
defaultConfig = Config {maxMsgLen = 4096}

-- | What 'RustBridge.withRust' gives @h2r_init@: the schema fingerprint first (its
-- layout, a 64-bit length and 32 bytes, never changes, so Rust can compare it
-- before decoding anything else), then the 'Config'.
data InitMessage = InitMessage
  { initFingerprint :: !ByteString,
    initConfig :: !Config
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
  | -- | 'RustBridge.withRust' inside a running one; the running bridge is unharmed.
    AlreadyRunning
  | -- | The request's length and the configured limit, both in bytes.
    MessageTooLong !Int !Word32
  | -- | Rust could not decode the request as one of the protocol's messages (only
    -- raw bytes from "RustBridge.Internal" can cause it).
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
  | -- | Rust refused 'RustBridge.withRust' because the two sides' wire schemas
    -- differ: Haskell's fingerprint, then Rust's.
    SchemaMismatch !Fingerprint !Fingerprint
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
      SchemaMismatch ours theirs ->
        "the Haskell and Rust wire schemas differ (Haskell's fingerprint is "
          <> fingerprintHex ours
          <> ", Rust's is "
          <> fingerprintHex theirs
          <> "): the Haskell program and the Rust library were built from different"
          <> " revisions of the protocol. Regenerate the Haskell protocol module from the"
          <> " Rust one (just gen), then rebuild both sides from the same revision (just build)"
