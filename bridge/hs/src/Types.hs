{-# LANGUAGE DeriveAnyClass #-}
{-# LANGUAGE DeriveGeneric #-}

-- | Wire types and the bridge's exception. Each wire type has a twin in
-- @rs/src/wire/messages.rs@ with the same constructor order and field types, so
-- @store@'s Generic encoding and Rust's @serde_store@ agree on the bytes: a 'Word8'
-- tag for sums, fields back to back for products, little-endian numbers, a 64-bit
-- length before lists and strings. "Schema" fingerprints them; ARCHITECTURE.md
-- ("Wire format") lists the shapes that needed care. 'RustBridge' re-exports
-- everything here but 'InitMessage'.
module Types
  ( Config (..),
    defaultConfig,
    InitMessage (..),
    MessageBody (..),
    BridgeError (..),
  )
where

import Audio
import Control.Exception (Exception (..))
import Data.ByteString (ByteString)
import Data.Int (Int16, Int32, Int64, Int8)
import Data.Store (Store)
import Data.Word (Word32, Word64)
import GHC.Generics (Generic)
import Schema (Fingerprint, WireSchema, fingerprintHex)
import WireText (WireText)

-- | Bridge configuration. Haskell is its single source of truth: 'RustBridge.withRust'
-- encodes it and Rust decodes it at init.
newtype Config = Config
  { -- | Longest request, in bytes, that 'RustBridge.callRust' and
    -- 'RustBridge.castRust' accept. Checked before crossing and again in Rust.
    maxMsgLen :: Word32
  }
  deriving (Eq, Show, Generic, Store, WireSchema)

-- | A 'Config' with room for every 'MessageBody' and then some (4 KiB).
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

-- | The demo engine's messages, used both as requests and as replies. New
-- constructors go at the end, so that existing tags never move.
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
  | -- | Sets a channel's gain in dB (clamped to -96..12; NaN or an infinity changes
    -- nothing). Answered by 'Channel'.
    SetGain !ChannelId !Float
  | -- | Mutes or unmutes a channel. Answered by 'Channel'.
    SetMute !ChannelId !Bool
  | -- | Sets a channel's pan (clamped to -100..100). Answered by 'Channel'.
    SetPan !ChannelId !Int8
  | -- | Sets a channel's delay in samples (clamped). Answered by 'Channel'.
    SetDelay !ChannelId !Int32
  | -- | Sets a channel's label (truncated to 32 characters) and glyph. Answered by
    -- 'Channel'.
    SetLabel !ChannelId !String !Char
  | -- | Asks for a channel's settings. Answered by 'Channel'.
    GetChannel !ChannelId
  | -- | A channel's settings, or 'Nothing' for a channel that does not exist.
    Channel !(Maybe ChannelInfo)
  | -- | Writes 16-bit little-endian mono samples to a channel's input (a trailing
    -- odd byte is ignored). Answered by 'SamplesWritten', or @Channel Nothing@.
    WriteSamples !ChannelId !ByteString
  | -- | Frames written and their peak sample.
    SamplesWritten !Word32 !Int16
  | -- | Asks for every channel's meter. Answered by 'Meters'.
    QueryMeters
  | -- | One reading per channel.
    Meters ![MeterReading]
  | -- | Recalls a preset by name (@"Unity"@ is built in). Answered by 'Preset'.
    LoadPreset !WireText
  | -- | Saves the current settings under a name. Answered by 'Preset'.
    SavePreset !WireText
  | -- | The outcome of a preset request.
    Preset !PresetOutcome
  | -- | Schedules gain automation; the channel ends at the last kept point's gain.
    -- Answered by 'Automated', or @Channel Nothing@.
    Automate !Automation
  | -- | The channel, how many points were kept, and the frame of the last one.
    Automated !ChannelId !Word32 !Word64
  | -- | Moves the transport by this many frames (never before frame 0). Answered by
    -- 'Position'.
    Seek !Int64
  | -- | The transport's frame.
    Position !Int64
  | -- | Answered by itself, after Rust has decoded and re-encoded it.
    Loopback !LoopbackFrame
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
          <> "): the Haskell package and the Rust library were built from different"
          <> " revisions of the wire types. Rebuild both from the same revision (just build);"
          <> " fixtures/wire/schema.txt is the schema both must render"
