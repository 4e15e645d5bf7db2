-- | The C ABI's status codes and the one mapping from a status to the exception a
-- caller sees. Internal: "RustBridge.Internal" re-exports it.
--
-- The codes are declared once, in Rust (@bridge/rs/src/status.rs@), which writes
-- them to @bridge/fixtures/status.txt@; the probe's @StatusSpec@ checks 'Status'
-- against that file (every code, name and the count), so the constructor list
-- below is the one place on this side that names them.
module RustBridge.Status
  ( -- * Status codes
    Status (..),
    statusFromCode,
    statusCode,

    -- * From status to exception
    StatusContext (..),
    statusContext,
    statusError,
    checkOk,
  )
where

import Control.Exception (throwIO)
import Control.Monad (unless)
import Data.Word (Word32)
import Foreign.C.Types (CInt)
import Schema (Fingerprint)
import Types (BridgeError (..))

-- | The status every export returns; each constructor's index is its code, and its
-- name without @Status@ is Rust's name for it.
data Status
  = StatusOk
  | StatusNotInitialised
  | StatusAlreadyInitialised
  | StatusMessageTooLong
  | StatusUndecodable
  | StatusShuttingDown
  | StatusChannelFull
  | StatusBadConfig
  | StatusEnginePanicked
  | StatusInvalidArgument
  | StatusSpawnFailed
  | StatusPending
  | StatusEncodeFailed
  | StatusSchemaMismatch
  | StatusAlreadySubscribed
  | StatusAbandoned
  | StatusExpired
  | StatusAlreadyAnswered
  | StatusUnanswered
  | StatusNotSubscribed
  | StatusSubscriptionBusy
  | StatusBufferTooSmall
  | StatusUnknownHandle
  | StatusHandleTableFull
  deriving (Eq, Show, Enum, Bounded)

-- | The status for a C code, if it is one.
statusFromCode :: CInt -> Maybe Status
statusFromCode code
  | code >= 0 && fromIntegral code <= fromEnum (maxBound :: Status) = Just (toEnum (fromIntegral code))
  | otherwise = Nothing

-- | The C code of a status.
statusCode :: Status -> CInt
statusCode = fromIntegral . fromEnum

-- | What the exception for a status may say beyond the status itself, filled in
-- by the caller from what it knows; 'statusError' uses each field only for the
-- status named beside it.
data StatusContext = StatusContext
  { -- | The export that returned the status (for 'InternalError').
    contextExport :: !String,
    -- | The message's length and the configured limit (for 'MessageTooLong').
    contextMessage :: !(Maybe (Int, Word32)),
    -- | The text Rust recorded with a failed reply (for 'EnginePanicked').
    contextReplyText :: !(Maybe String),
    -- | Haskell's fingerprint, then Rust's (for 'SchemaMismatch').
    contextFingerprints :: !(Maybe (Fingerprint, Fingerprint))
  }
  deriving (Eq, Show)

-- | The context of a status from the named export that knows nothing more.
statusContext :: String -> StatusContext
statusContext export = StatusContext export Nothing Nothing Nothing

-- | Throws unless the status is 'StatusOk'. For exports that take no message.
checkOk :: String -> CInt -> IO ()
checkOk export status =
  unless (statusFromCode status == Just StatusOk) $
    throwIO (statusError (statusContext export) status)

-- | The exception for a status: the one mapping from status code to exception.
-- Total: 'StatusOk', a status the export never returns, a status whose context
-- lacks what its exception needs, and a code that is no status at all are each
-- 'InternalError' (a bug in rs-in-hs). The statuses the bridge's own code handles
-- before they could reach a caller ('StatusChannelFull', 'StatusPending',
-- 'StatusExpired', 'StatusAlreadyAnswered', 'StatusBufferTooSmall') and those
-- only a wrong use of the C ABI produces ('StatusInvalidArgument',
-- 'StatusNotSubscribed', 'StatusSubscriptionBusy', which the subscriber thread
-- never meets inside 'RustBridge.withEvents'; 'StatusUnknownHandle', since the
-- bridge uses each reply handle only between its call and its one release) are
-- 'InternalError' too.
statusError :: StatusContext -> CInt -> BridgeError
statusError context code = case statusFromCode code of
  Just StatusNotInitialised -> NotRunning
  Just StatusAlreadyInitialised -> AlreadyRunning
  Just StatusMessageTooLong | Just (len, limit) <- contextMessage context -> MessageTooLong len limit
  Just StatusUndecodable -> UndecodableRequest
  Just StatusShuttingDown -> ShuttingDown
  Just StatusBadConfig -> BadConfig
  Just StatusEnginePanicked | Just why <- contextReplyText context -> EnginePanicked why
  Just StatusSpawnFailed -> WorkerSpawnFailed
  Just StatusSchemaMismatch | Just (ours, theirs) <- contextFingerprints context -> SchemaMismatch ours theirs
  Just StatusAlreadySubscribed -> AlreadySubscribed
  Just StatusUnanswered -> Unanswered
  Just StatusHandleTableFull -> TooManyThreads
  _ -> InternalError (contextExport context) (fromIntegral code)
