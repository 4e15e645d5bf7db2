-- | The public API of rs-in-hs: run a Rust engine inside 'withRust' and talk to it
-- with 'callRust' (request/response) and 'castRust' (fire-and-forget).
--
-- Guarantees, referred to by number in the function docs:
--
-- 1. No Rust panic unwinds into Haskell. An engine panic becomes 'EnginePanicked'
--    for its caller; a panic in the bridge itself aborts with a message (a bug).
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
-- 7. A Haskell package and a Rust library built from different wire types never
--    exchange a message: 'withRust' compares the two schema fingerprints at init
--    and raises 'SchemaMismatch'.
module RustBridge
  ( -- * Running the bridge
    RustT,
    Rust,
    withRust,
    Config (..),
    defaultConfig,

    -- * Talking to the engine
    callRust,
    callRustTimeout,
    castRust,

    -- * Concurrency
    asyncRust,
    withAsyncRust,

    -- * Messages and errors
    MessageBody (..),
    BridgeError (..),

    -- * The demo engine's payloads
    module Audio,
    WireText (..),

    -- * Wire schema
    Fingerprint,
    fingerprintHex,

    -- * Observability
    BridgeStats (..),
    bridgeStats,
    tokensOutstanding,

    -- * Measuring the floor
    floorPingPong,
    noopSafe,
    noopUnsafe,
  )
where

import Audio
import Control.Concurrent (myThreadId, threadCapability)
import Control.Concurrent.Async (Async, async, withAsync)
import Control.Concurrent.MVar (newEmptyMVar, takeMVar)
import Control.Concurrent.QSem (signalQSem, waitQSem)
import Control.Exception (bracket_, finally, mask, onException, throwIO, uninterruptibleMask_)
import Control.Monad (unless)
import Control.Monad.IO.Class (MonadIO, liftIO)
import Control.Monad.Reader (ReaderT (..), ask)
import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import qualified Data.ByteString.Char8 as B8
import Data.ByteString.Unsafe (unsafeUseAsCStringLen)
import Data.Proxy (Proxy (..))
import Data.Store (Store, decode, encode)
import Data.Word (Word32, Word64, Word8)
import FFI
import Foreign.C.Types (CInt, CSize)
import Foreign.Marshal.Alloc (alloca)
import Foreign.Marshal.Array (allocaArray, peekArray)
import Foreign.Ptr (Ptr, castPtr)
import Foreign.StablePtr (StablePtr, freeStablePtr)
import Foreign.Storable (peek)
import GHC.Conc (PrimMVar, newStablePtrPrimMVar)
import RustBridge.Internal
import Schema (Fingerprint, fingerprintHex)
import System.Timeout (timeout)
import Types
import WireText (WireText (..))

-- | Starts the Rust engine, runs the action, and stops the engine, also when the
-- action throws (guarantees 2 and 3). The action's exception propagates unchanged.
--
-- Throws 'AlreadyRunning' if a bridge is already running in this process (the
-- running one is unharmed), 'SchemaMismatch' if this package and the Rust library
-- were built from different wire types (guarantee 7), 'BadConfig',
-- 'WorkerSpawnFailed', and 'NotThreadedRuntime' if the program was not linked with
-- @-threaded@ (the cabal file's @-threaded@ on a library does nothing: GHC applies
-- it when linking).
withRust :: Config -> RustT IO a -> IO a
withRust = withRustSchema (Proxy :: Proxy MessageBody)

-- | Sends a request and waits for its reply.
--
-- Throws 'MessageTooLong' before anything crosses, 'UndecodableRequest',
-- 'UndecodableReply' if the reply is not a @resp@, 'EnginePanicked' (guarantee 1),
-- 'NotRunning' and 'ShuttingDown'. Blocks until the reply arrives; see
-- 'callRustTimeout' for a bounded wait. Cancellable (guarantee 6).
callRust :: (Store req, Store resp, MonadIO m) => req -> RustT m resp
callRust request = RustT $ do
  env <- ask
  liftIO $ do
    bytes <- checkedEncode env request
    reply <- callBytes env bytes
    either (throwIO . UndecodableReply . show) pure (decode reply)

-- | 'callRust' with a deadline in microseconds: 'Nothing' if no reply came in time.
-- The late reply is dropped harmlessly when it arrives (guarantee 6). Throws what
-- 'callRust' throws.
callRustTimeout :: (Store req, Store resp, MonadIO m) => Int -> req -> RustT m (Maybe resp)
callRustTimeout micros request = RustT $ do
  env <- ask
  let RustT call = callRust request
  liftIO (timeout micros (runReaderT call env))

-- | Sends a message without waiting for an answer. Returns once the message is
-- queued; waits (as a Haskell thread, guarantee 5) while the channel is full.
-- Messages from one thread reach the engine in order, calls and casts alike.
--
-- Throws 'MessageTooLong' before anything crosses, 'UndecodableRequest',
-- 'NotRunning' and 'ShuttingDown'.
castRust :: (Store msg, MonadIO m) => msg -> RustT m ()
castRust message = RustT $ do
  env <- ask
  liftIO $ do
    bytes <- checkedEncode env message
    status <- withBytes bytes $ \ptr len -> submit env (h2rCastTry ptr len 0) (h2rCastWait ptr len 1)
    unless (statusFromCode status == Just StatusOk) $
      throwIO (statusError "h2r_cast" (messageInfo env bytes) status)

-- | Runs an action on a new Haskell thread that can talk to the same bridge. Prefer
-- 'withAsyncRust', which cancels the thread when its scope ends: a thread started
-- here that outlives 'withRust' gets 'NotRunning' from its next call.
asyncRust :: RustT IO a -> RustT IO (Async a)
asyncRust (RustT action) = RustT (ReaderT (async . runReaderT action))

-- | Runs an action on a new Haskell thread for the duration of the inner action, and
-- cancels it (and waits for it) when the inner action ends, before 'withRust' can
-- deinit. Note that 'Control.Concurrent.Async.cancel' cannot interrupt a thread
-- inside a @safe@ foreign call until that call returns; the bridge's only such
-- waits are bounded by the worker draining the channel.
withAsyncRust :: RustT IO a -> (Async a -> RustT IO b) -> RustT IO b
withAsyncRust (RustT child) inner = RustT . ReaderT $ \env ->
  withAsync (runReaderT child env) $ \handle ->
    let RustT parent = inner handle in runReaderT parent env

-- | Counters over the whole process, across bridges, all kept in Rust: the calls and
-- reply handles (counted by Rust itself) and the call path's 'StablePtr' tokens
-- (reported by this module as it makes and frees them). After 'withRust' returns, 'callsAccepted' equals 'callsAnswered',
-- 'handlesIssued' equals 'handlesReleased' and 'tokensOutstanding' is 0: that is how
-- the tests and the soak show nothing leaks.
data BridgeStats = BridgeStats
  { -- | Calls queued for the engine (their 'StablePtr's then belong to Rust).
    callsAccepted :: !Word64,
    -- | Calls whose caller was woken (each 'StablePtr' freed by @hs_try_putmvar@).
    callsAnswered :: !Word64,
    -- | Reply handles handed out.
    handlesIssued :: !Word64,
    -- | Reply handles released.
    handlesReleased :: !Word64,
    -- | 'StablePtr' tokens made by 'callRust', one per call that reached the bridge.
    tokensCreated :: !Word64,
    -- | Tokens that never went to Rust (the call was refused, or interrupted before
    -- Rust took it) and were freed by Haskell. Rust counts the others: every token
    -- it takes comes back through 'callsAnswered'.
    tokensFreedUnsent :: !Word64
  }
  deriving (Eq, Show)

-- | Tokens neither freed by Haskell nor handed back by Rust yet: the calls in flight.
-- 0 when no call is in flight, for example after 'withRust' returns; anything else
-- then is a leaked 'StablePtr'. Negative would be a token freed twice.
tokensOutstanding :: BridgeStats -> Integer
tokensOutstanding stats =
  toInteger (tokensCreated stats) - toInteger (tokensFreedUnsent stats) - toInteger (callsAnswered stats)

-- | Reads the counters. Works with or without a running bridge. They are read in one
-- call; the whole is a near-instant view, exact when no call is in flight.
bridgeStats :: IO BridgeStats
bridgeStats = allocaArray 6 $ \out -> do
  h2rStats out 6 >>= checkOk "h2r_stats"
  values <- peekArray 6 out
  case values of
    [accepted, answered, issued, released, created, freed] ->
      pure (BridgeStats accepted answered issued released created freed)
    _ -> throwIO (InternalError "h2r_stats" (length values))

-- | The latency floor: the given number of round trips between two Rust threads over
-- flume (two thread wake-ups each, the least any cross-thread request/reply costs),
-- in nanoseconds each. Needs no running bridge. Throws 'WorkerSpawnFailed' if Rust
-- could not start its helper thread.
floorPingPong :: Int -> IO [Word64]
floorPingPong rounds = allocaArray (max 1 rounds) $ \out -> do
  h2rFloorPingPong (fromIntegral rounds) out >>= checkOk "h2r_floor_ping_pong"
  peekArray rounds out

-- | One @safe@ foreign call that does nothing: the cost of crossing with the
-- capability released, as every blocking import does.
noopSafe :: IO ()
noopSafe = h2rNoopSafe >>= checkOk "h2r_noop"

-- | One @unsafe@ foreign call that does nothing.
noopUnsafe :: IO ()
noopUnsafe = h2rNoopUnsafe >>= checkOk "h2r_noop"

-- Internals -----------------------------------------------------------------------

checkedEncode :: Store a => Env -> a -> IO ByteString
checkedEncode env value = do
  let bytes = encode value
      limit = maxMsgLen (envConfig env)
  unless (B.length bytes <= fromIntegral limit) $
    throwIO (MessageTooLong (B.length bytes) limit)
  pure bytes

-- | Lends a ByteString's bytes to a foreign call without copying. Rust only borrows
-- them for the duration of the call (see "FFI").
withBytes :: ByteString -> (Ptr Word8 -> CSize -> IO a) -> IO a
withBytes bytes use =
  unsafeUseAsCStringLen bytes $ \(ptr, len) -> use (castPtr ptr) (fromIntegral len)

-- | Tries the non-blocking import first. If the channel is full, waits its turn at
-- the gate as a Haskell thread, then makes the blocking call (guarantee 5).
--
-- The gate's slot is taken and given back with 'bracket_', so it comes back on every
-- path: 'castRust' runs unmasked, and an asynchronous exception (a 'cancel') can
-- arrive the moment 'waitQSem' returns, before a plain 'finally' would be in place.
-- Each such slot was lost for good, and with both gone every later caller that met a
-- full channel waited forever (the FaultSpec regression test on the wait gate).
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
submitCall :: Env -> ByteString -> StablePtr PrimMVar -> CInt -> IO (Either CInt (Ptr Reply))
submitCall env bytes token cap = alloca $ \out -> withBytes bytes $ \ptr len -> do
  status <- submit env (h2rCallTry ptr len token cap 0 out) (h2rCallWait ptr len token cap 1 out)
  if statusFromCode status == Just StatusOk then Right <$> peek out else pure (Left status)

readReply :: Ptr Reply -> IO ByteString
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
