{-# LANGUAGE GeneralizedNewtypeDeriving #-}
{-# LANGUAGE ScopedTypeVariables #-}

-- | Internals of "RustBridge": the 'RustT' monad, the bridge's start-up with an
-- explicit wire schema, and the status-to-exception mapping. __Not stable__: this
-- module may change in any release. Use "RustBridge".
--
-- 'withRustSchema' exists so that tests can start the bridge exactly as
-- 'RustBridge.withRust' does, but with the fingerprint of another message type
-- (for example one with two constructors swapped) and see Rust refuse it.
module RustBridge.Internal
  ( -- * The bridge monad
    RustT (..),
    Rust,
    Env (..),

    -- * Starting with an explicit schema
    withRustSchema,
    InitMessage (..),
    WireSchema,
    schemaOf,
    schemaFingerprint,
    rustSchemaFingerprint,

    -- * Statuses
    checkOk,
    statusError,
  )
where

import Control.Concurrent (rtsSupportsBoundThreads)
import Control.Concurrent.QSem (QSem, newQSem)
import Control.Exception (bracket_, throwIO)
import Control.Monad (unless)
import Control.Monad.IO.Class (MonadIO)
import Control.Monad.IO.Unlift (MonadUnliftIO)
import Control.Monad.Reader (ReaderT (..))
import Control.Monad.Trans (MonadTrans)
import qualified Data.ByteString as B
import Data.ByteString.Unsafe (unsafeUseAsCStringLen)
import Data.Proxy (Proxy (..))
import Data.Store (encode)
import Data.Text (Text)
import Data.Word (Word32)
import FFI
import Foreign.C.Types (CInt)
import Foreign.Marshal.Array (allocaArray, peekArray)
import Foreign.Ptr (castPtr)
import Schema
import Types

-- | What every bridge action can see: the config it was started with, and the gate
-- for callers that wait for room in a full channel.
data Env = Env
  { envConfig :: !Config,
    envWaitGate :: !QSem
  }

-- | Actions that talk to a running bridge. Only 'RustBridge.withRust' runs them.
-- The 'MonadUnliftIO' instance lets them use @unliftio@'s exception and concurrency
-- helpers (for example 'UnliftIO.Exception.try').
newtype RustT m a = RustT (ReaderT Env m a)
  deriving (Functor, Applicative, Monad, MonadIO, MonadUnliftIO, MonadTrans)

-- | 'RustT' over 'IO'.
type Rust = RustT IO

-- | How many callers may wait inside a blocking foreign call for room in a full
-- channel at once. Each such caller pins an OS thread; everyone else queues on the
-- 'QSem' as a Haskell thread (guarantee 5). Two keep the channel topped up while
-- the worker drains it.
waitGateSize :: Int
waitGateSize = 2

-- | The canonical text of the wire schema whose message type is @msg@: @msg@'s
-- definitions plus 'InitMessage''s ('Config' included), as Rust traces them from
-- its @MessageBody@ and @InitMessage@ (@fixtures/wire/schema.txt@ for
-- 'MessageBody').
schemaOf :: forall msg. WireSchema msg => Proxy msg -> Text
schemaOf _ = schemaText (definitions (Proxy :: Proxy msg) <> definitions (Proxy :: Proxy InitMessage))

-- | The fingerprint of 'schemaOf': what 'withRustSchema' sends to Rust.
schemaFingerprint :: WireSchema msg => Proxy msg -> Fingerprint
schemaFingerprint = fingerprintOf . schemaOf

-- | 'RustBridge.withRust' with the schema of message type @msg@ (which
-- 'RustBridge.withRust' fixes to 'MessageBody'). Throws what
-- 'RustBridge.withRust' throws; 'SchemaMismatch' unless @msg@'s schema is Rust's.
withRustSchema :: WireSchema msg => Proxy msg -> Config -> RustT IO a -> IO a
withRustSchema proxy config (RustT body) = do
  unless rtsSupportsBoundThreads (throwIO NotThreadedRuntime)
  gate <- newQSem waitGateSize
  bracket_ (start (schemaFingerprint proxy) config) stop (runReaderT body (Env config gate))

start :: Fingerprint -> Config -> IO ()
start ours config =
  unsafeUseAsCStringLen (encode (InitMessage (fingerprintBytes ours) config)) $ \(ptr, len) -> do
    status <- h2rInit hsTryPutMVarPtr hsThreadDonePtr (castPtr ptr) (fromIntegral len)
    if statusFromCode status == Just StatusSchemaMismatch
      then rustSchemaFingerprint >>= throwIO . SchemaMismatch ours
      else checkOk "h2r_init" status

stop :: IO ()
stop = h2rDeinit >>= checkOk "h2r_deinit"

-- | Rust's wire-schema fingerprint (needs no running bridge). Throws
-- 'InternalError' if Rust cannot report one (a bug in rs-in-hs).
rustSchemaFingerprint :: IO Fingerprint
rustSchemaFingerprint = allocaArray 32 $ \out -> do
  h2rSchemaFingerprint out 32 >>= checkOk "h2r_schema_fingerprint"
  Fingerprint . B.pack <$> peekArray 32 out

-- | Throws unless the status is 'StatusOk'. For exports that take no message.
checkOk :: String -> CInt -> IO ()
checkOk export status =
  unless (statusFromCode status == Just StatusOk) $
    throwIO (statusError export Nothing status)

-- | The exception for a status other than 'StatusOk' from the named export.
statusError :: String -> Maybe (Int, Word32) -> CInt -> BridgeError
statusError export message code = case statusFromCode code of
  Just StatusNotInitialised -> NotRunning
  Just StatusAlreadyInitialised -> AlreadyRunning
  Just StatusMessageTooLong | Just (len, limit) <- message -> MessageTooLong len limit
  Just StatusUndecodable -> UndecodableRequest
  Just StatusShuttingDown -> ShuttingDown
  Just StatusBadConfig -> BadConfig
  Just StatusSpawnFailed -> WorkerSpawnFailed
  _ -> InternalError export (fromIntegral code)
