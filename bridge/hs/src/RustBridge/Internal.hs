{-# LANGUAGE GeneralizedNewtypeDeriving #-}
{-# LANGUAGE KindSignatures #-}
{-# LANGUAGE ScopedTypeVariables #-}

-- | Internals of "RustBridge": the 'RustT' monad, start-up with an explicit schema
-- fingerprint, the raw byte-level calls and casts that the typed API is built on,
-- and the status-to-exception mapping. __Not stable__: this module may change in any
-- release. Use "RustBridge".
--
-- It exists for tests: 'withRustSchema' starts the bridge exactly as
-- 'RustBridge.withRust' does, but with the fingerprint of another protocol (for
-- example one with two calls swapped) so that Rust refuses it, and 'callRaw' and
-- 'castRaw' send bytes that no typed call could produce.
module RustBridge.Internal
  ( -- * The bridge monad
    RustT (..),
    Rust,
    Env (..),

    -- * Starting with an explicit schema
    withRustSchema,
    rustSchemaFingerprint,
    InitMessage (..),

    -- * Raw bytes
    callRaw,
    castRaw,
    encodeCall,
    encodeCast,
    decodeReply,

    -- * Statuses
    Status (..),
    statusFromCode,
    checkOk,
    statusError,
  )
where

import Control.Concurrent (myThreadId, rtsSupportsBoundThreads, threadCapability)
import Control.Concurrent.MVar (newEmptyMVar, takeMVar)
import Control.Concurrent.QSem (QSem, newQSem, signalQSem, waitQSem)
import Control.Exception (bracket_, finally, mask, onException, throwIO, uninterruptibleMask_)
import Control.Monad (unless)
import Control.Monad.IO.Class (MonadIO, liftIO)
import Control.Monad.IO.Unlift (MonadUnliftIO)
import Control.Monad.Reader (ReaderT (..), ask)
import Control.Monad.Trans (MonadTrans)
import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import qualified Data.ByteString.Char8 as B8
import Data.ByteString.Unsafe (unsafeUseAsCStringLen)
import Data.Kind (Type)
import Data.Proxy (Proxy (..))
import Data.Store (decode, encode)
import Data.Word (Word32, Word8)
import FFI
import Foreign.C.Types (CInt, CSize)
import Foreign.Marshal.Alloc (alloca)
import Foreign.Marshal.Array (allocaArray, peekArray)
import Foreign.Ptr (Ptr, castPtr)
import Foreign.StablePtr (StablePtr, freeStablePtr)
import Foreign.Storable (peek)
import GHC.Conc (PrimMVar, newStablePtrPrimMVar)
import RustBridge.Protocol (Call, Cast, Reply, callTag, castTag)
import Schema (Fingerprint (..))
import Types

-- | What every bridge action can see: the config it was started with, and the gate
-- for callers that wait for room in a full channel.
data Env = Env
  { envConfig :: !Config,
    envWaitGate :: !QSem
  }

-- | Actions that talk to a running bridge whose engine speaks protocol @p@. Only
-- 'RustBridge.withRust' runs them. The 'MonadUnliftIO' instance lets them use
-- @unliftio@'s exception and concurrency helpers (for example
-- 'UnliftIO.Exception.try').
newtype RustT (p :: Type) m a = RustT (ReaderT Env m a)
  deriving (Functor, Applicative, Monad, MonadIO, MonadUnliftIO, MonadTrans)

-- | 'RustT' over 'IO'.
type Rust p = RustT p IO

-- | How many callers may wait inside a blocking foreign call for room in a full
-- channel at once. Each such caller pins an OS thread; everyone else queues on the
-- 'QSem' as a Haskell thread (guarantee 5). Two keep the channel topped up while
-- the worker drains it.
waitGateSize :: Int
waitGateSize = 2

-- | 'RustBridge.withRust' with an explicit schema fingerprint (which
-- 'RustBridge.withRust' derives from the protocol). Throws what
-- 'RustBridge.withRust' throws; 'SchemaMismatch' unless the fingerprint is Rust's.
withRustSchema :: Fingerprint -> Config -> RustT p IO a -> IO a
withRustSchema fingerprint config (RustT body) = do
  unless rtsSupportsBoundThreads (throwIO NotThreadedRuntime)
  gate <- newQSem waitGateSize
  bracket_ (start fingerprint config) stop (runReaderT body (Env config gate))

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
-- 'InternalError' if Rust cannot report one.
rustSchemaFingerprint :: IO Fingerprint
rustSchemaFingerprint = allocaArray 32 $ \out -> do
  h2rSchemaFingerprint out 32 >>= checkOk "h2r_schema_fingerprint"
  Fingerprint . B.pack <$> peekArray 32 out

-- Raw bytes -----------------------------------------------------------------------

-- | A request's bytes on the wire: its tag, then the request.
encodeCall :: forall req. Call req => req -> ByteString
encodeCall request = B.cons (callTag (Proxy :: Proxy req)) (encode request)

-- | A cast's bytes on the wire: its tag, then the message.
encodeCast :: forall msg. Cast msg => msg -> ByteString
encodeCast message = B.cons (castTag (Proxy :: Proxy msg)) (encode message)

-- | Decodes the reply bytes to a request: Rust tags a reply as its request, so the
-- tag must be the request's and the rest must decode exactly as its 'Reply'.
-- Anything else is 'UndecodableReply'.
decodeReply :: forall req. Call req => Proxy req -> ByteString -> Either BridgeError (Reply req)
decodeReply request bytes = case B.uncons bytes of
  Nothing -> Left (UndecodableReply "the reply is empty")
  Just (tag, rest)
    | tag /= expected ->
        Left (UndecodableReply ("the reply's tag is " <> show tag <> ", the request's " <> show expected))
    | otherwise -> either (Left . UndecodableReply . show) Right (decode rest)
  where
    expected = callTag request

-- | Sends the bytes as a request and returns the reply's bytes, both as they are.
-- Throws 'MessageTooLong' before anything crosses, 'UndecodableRequest' if Rust
-- cannot decode them, 'EnginePanicked', 'NotRunning' and 'ShuttingDown'.
-- Cancellable (guarantee 6 of "RustBridge").
callRaw :: MonadIO m => ByteString -> RustT p m ByteString
callRaw bytes = RustT $ do
  env <- ask
  liftIO $ do
    checkLength env bytes
    callBytes env bytes

-- | Sends the bytes as a cast, as they are. Throws what 'RustBridge.castRust' throws.
castRaw :: MonadIO m => ByteString -> RustT p m ()
castRaw bytes = RustT $ do
  env <- ask
  liftIO $ do
    checkLength env bytes
    status <- withBytes bytes $ \ptr len -> submit env (h2rCastTry ptr len 0) (h2rCastWait ptr len 1)
    unless (statusFromCode status == Just StatusOk) $
      throwIO (statusError "h2r_cast" (messageInfo env bytes) status)

checkLength :: Env -> ByteString -> IO ()
checkLength env bytes =
  unless (B.length bytes <= fromIntegral limit) $
    throwIO (MessageTooLong (B.length bytes) limit)
  where
    limit = maxMsgLen (envConfig env)

-- | Lends a ByteString's bytes to a foreign call without copying. Rust only borrows
-- them for the duration of the call (see "FFI").
withBytes :: ByteString -> (Ptr Word8 -> CSize -> IO a) -> IO a
withBytes bytes use =
  unsafeUseAsCStringLen bytes $ \(ptr, len) -> use (castPtr ptr) (fromIntegral len)

-- | Tries the non-blocking import first. If the channel is full, waits its turn at
-- the gate as a Haskell thread, then makes the blocking call (guarantee 5).
--
-- The gate's slot is taken and given back with 'bracket_', so it comes back on every
-- path: 'castRaw' runs unmasked, and an asynchronous exception (a 'cancel') can
-- arrive the moment 'waitQSem' returns, before a plain 'finally' would be in place;
-- a slot lost that way would be lost for good, and with both gone every later caller
-- that met a full channel would wait forever (the FaultSpec test on the wait gate).
-- 'signalQSem' can block briefly on the QSem's internal MVar. Uninterruptible, so
-- that an asynchronous exception cannot land after Rust accepted a call and before
-- the caller has seen the status that says Rust owns its token.
submit :: Env -> IO CInt -> IO CInt -> IO CInt
submit env tryIt waitIt = do
  status <- tryIt
  if statusFromCode status == Just StatusChannelFull
    then bracket_ (waitQSem (envWaitGate env)) (uninterruptibleMask_ (signalQSem (envWaitGate env))) waitIt
    else pure status

callBytes :: Env -> ByteString -> IO ByteString
callBytes env bytes = mask $ \restore -> do
  wakeUp <- newEmptyMVar
  (capability, _) <- threadCapability =<< myThreadId
  -- Owner of this StablePtr: Rust once h2r_call returns 0 (the worker hands it to
  -- hs_try_putmvar, which frees it, exactly once: on reply, engine panic or deinit).
  -- On any other status, or an exception before the call returns (only the gate's
  -- wait is interruptible, and nothing was submitted then), it is ours and is freed
  -- right here. Nothing else ever frees it.
  token <- newStablePtrPrimMVar wakeUp
  h2rTokenCreated >>= checkOk "h2r_token_created"
  accepted <- submitCall env bytes token (fromIntegral capability) `onException` freeUnsent token
  case accepted of
    Left status -> do
      freeUnsent token
      throwIO (statusError "h2r_call" (messageInfo env bytes) status)
    Right reply ->
      -- The handle is ours to release exactly once, on every path: after reading
      -- the reply, or on an exception (cancel, timeout) while waiting. A reply that
      -- arrives after the release is dropped by Rust; its wake-up lands on an MVar
      -- nobody reads, which the GC then collects (guarantee 6).
      (restore (takeMVar wakeUp) >> readReply reply)
        `finally` h2rRelease reply

-- | Frees a token that Rust never took, and counts it.
freeUnsent :: StablePtr PrimMVar -> IO ()
freeUnsent token = do
  freeStablePtr token
  h2rTokenFreedUnsent >>= checkOk "h2r_token_freed_unsent"

-- | Submits a call: the reply handle, or the refusal's status.
submitCall :: Env -> ByteString -> StablePtr PrimMVar -> CInt -> IO (Either CInt (Ptr ReplyHandle))
submitCall env bytes token cap = alloca $ \out -> withBytes bytes $ \ptr len -> do
  status <- submit env (h2rCallTry ptr len token cap 0 out) (h2rCallWait ptr len token cap 1 out)
  if statusFromCode status == Just StatusOk then Right <$> peek out else pure (Left status)

readReply :: Ptr ReplyHandle -> IO ByteString
readReply reply = alloca $ \outPtr -> alloca $ \outLen -> do
  status <- h2rReply reply outPtr outLen
  bytes <- case statusFromCode status of
    Just StatusPending -> pure B.empty
    _ -> do
      ptr <- peek outPtr
      len <- peek outLen
      B.packCStringLen (castPtr ptr, fromIntegral len)
  case statusFromCode status of
    Just StatusOk -> pure bytes
    Just StatusEnginePanicked -> throwIO (EnginePanicked (B8.unpack bytes))
    Just StatusShuttingDown -> throwIO ShuttingDown
    _ -> throwIO (InternalError "h2r_reply" (fromIntegral status))

-- | A message's length and the configured limit, for 'MessageTooLong'.
messageInfo :: Env -> ByteString -> Maybe (Int, Word32)
messageInfo env bytes = Just (B.length bytes, maxMsgLen (envConfig env))

-- Statuses ------------------------------------------------------------------------

-- | Throws unless the status is 'StatusOk'. For exports that take no message.
checkOk :: String -> CInt -> IO ()
checkOk export status =
  unless (statusFromCode status == Just StatusOk) $
    throwIO (statusError export Nothing status)

-- | The exception for a status other than 'StatusOk' from the named export: the one
-- mapping from status code to exception.
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
