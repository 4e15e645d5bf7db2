{-# LANGUAGE RankNTypes #-}

-- | The call path: raw-byte calls and casts, the length check, and how a caller
-- submits, waits for and reads its reply (the gate of guarantee 5, spinning,
-- parking, and the ownership of wake-up tokens and reply handles). Internal:
-- "RustBridge.Internal" re-exports its exports; the typed calls of "RustBridge"
-- are built on them.
module RustBridge.Internal.Call
  ( callRaw,
    callRawWithin,
    unexpired,
    castRaw,
    checkLength,
  )
where

import Control.Concurrent (myThreadId, threadCapability, yield)
import Control.Concurrent.MVar (MVar, newEmptyMVar, takeMVar)
import Control.Concurrent.QSem (signalQSem, waitQSem)
import Control.Exception (bracket_, finally, mask, onException, throwIO, uninterruptibleMask_)
import Control.Monad (unless)
import Control.Monad.IO.Class (MonadIO, liftIO)
import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import qualified Data.Text.Encoding.Error as TE
import Data.Word (Word64, Word8)
import FFI
import Foreign.C.Types (CInt, CSize)
import Foreign.Marshal.Alloc (alloca)
import Foreign.Marshal.Array (advancePtr, allocaArray)
import Foreign.Ptr (Ptr, castPtr, nullPtr)
import Foreign.StablePtr (StablePtr, castPtrToStablePtr, freeStablePtr)
import Foreign.Storable (peek, poke)
import GHC.Clock (getMonotonicTimeNSec)
import GHC.Conc (PrimMVar, newStablePtrPrimMVar)
import RustBridge.Internal.Counter (addToCounter)
import RustBridge.Internal.Env
import RustBridge.Internal.Wire (messageContext, withBytes)
import RustBridge.Status
import Types

-- | Throws 'MessageTooLong' if the bytes are longer than the configured
-- 'maxMsgLen': the check 'RustBridge.callRust' and 'RustBridge.castRust' make
-- before anything crosses.
checkLength :: MonadIO m => ByteString -> RustT p m ()
checkLength bytes = withEnv $ \env ->
  let limit = maxMsgLen (envConfig env)
   in unless (B.length bytes <= fromIntegral limit) $
        throwIO (MessageTooLong (B.length bytes) limit)

-- | Sends the bytes as a request and returns the reply's bytes, both as they are
-- (tags included), with no check in Haskell: Rust's own refusals are what a test
-- sees. Throws 'MessageTooLong' (from Rust's check), 'UndecodableRequest' if Rust
-- cannot decode them as one of the protocol's requests, 'EnginePanicked',
-- 'NotRunning' and 'ShuttingDown'. Cancellable (guarantee 6 of "RustBridge").
callRaw :: MonadIO m => ByteString -> RustT p m ByteString
callRaw bytes = callRawWithin maxBound bytes >>= liftIO . unexpired

-- | 'callRaw' for a call that must reach the engine within this many nanoseconds
-- ('maxBound': no deadline): 'Nothing' if Rust dropped it unrun because the
-- deadline passed first. Throws what 'callRaw' throws.
callRawWithin :: MonadIO m => Word64 -> ByteString -> RustT p m (Maybe ByteString)
callRawWithin budget bytes = withEnv (\env -> callBytes env budget bytes)

-- | The reply of a call with no deadline, which cannot expire: 'Nothing' is a bug
-- in rs-in-hs ('InternalError').
unexpired :: Maybe a -> IO a
unexpired = maybe (throwIO (statusError (statusContext "h2r_reply") (statusCode StatusExpired))) pure

-- | Sends the bytes as a cast, as they are, with no check in Haskell. Throws
-- 'MessageTooLong' (from Rust's check), 'UndecodableRequest', 'NotRunning' and
-- 'ShuttingDown'.
castRaw :: MonadIO m => ByteString -> RustT p m ()
castRaw bytes = withEnv $ \env -> do
  status <- withBytes bytes $ \ptr len -> submit env (h2rCastTry (envImports env) ptr len 0) (h2rCastWait (envImports env) ptr len 1)
  unless (statusFromCode status == Just StatusOk) $
    throwIO (statusError (messageContext "h2r_cast" env bytes) status)

-- | Tries the non-blocking import first. If the channel is full, waits its turn at
-- the gate as a Haskell thread, then makes the blocking call (guarantee 5).
--
-- The gate's slot is taken and given back with 'bracket_', so it comes back on every
-- path: 'castRaw' runs unmasked, and an asynchronous exception (a
-- 'Control.Concurrent.Async.cancel') can arrive the moment 'waitQSem' returns,
-- before a plain 'finally' would be in place; a slot lost that way would be lost
-- for good, and with both gone every later caller that met a full channel would
-- wait forever (the FaultSpec test on the wait gate). 'signalQSem' can block
-- briefly on the QSem's internal MVar. Uninterruptible, so that an asynchronous
-- exception cannot land after Rust accepted a call and before the caller has seen
-- the status that says Rust owns its token.
submit :: Env -> IO CInt -> IO CInt -> IO CInt
submit env tryIt waitIt = do
  status <- tryIt
  if statusFromCode status == Just StatusChannelFull
    then bracket_ (waitQSem (envWaitGate env)) (uninterruptibleMask_ (signalQSem (envWaitGate env))) waitIt
    else pure status

-- | Sends a call and waits for its outcome: the reply's bytes, or 'Nothing' if Rust
-- dropped it unrun because its budget (nanoseconds, 'maxBound' for none) ran out.
--
-- How it waits depends on the spin window ('envWaitWindow') and on how many calls
-- are in flight in Rust (@h2r_calls_in_flight@, a hint): a call spins only while
-- fewer than 'envSpinLimit' are, since with more the worker has a queue to work
-- through, and callers that held their capabilities while they spun would keep the
-- capabilities' other callers from submitting theirs. On one CPU ('envOneCpu') it
-- spins only while it is the bridge's only call in progress ('envInProgress'): its
-- polls yield the CPU, which the other callers would otherwise take turns with,
-- one round trip at a time.
--
-- Without spinning, the call carries its wake-up token and the caller blocks on
-- its 'MVar' at once. With spinning, the call goes without a token and the caller
-- waits on the reply cell in short @unsafe@ slices ('spinFor'), yielding between
-- them so other Haskell threads run, for up to the window; only if the reply is
-- not there by then does it make a token and park the call, and if the reply
-- arrived meanwhile the park is refused and the caller frees the token itself. A
-- reply found by polling costs Rust no wake-up.
callBytes :: Env -> Word64 -> ByteString -> IO (Maybe ByteString)
callBytes env budget bytes = mask $ \restore -> do
  (capability, _) <- threadCapability =<< myThreadId
  let within window = do
        ahead <- if window == 0 then pure maxBound else h2rCallsInFlight (envImports env)
        callWaiting restore env (fromIntegral capability) (if ahead < envSpinLimit env then window else 0) budget bytes
  if envOneCpu env
    then do
      others <- addToCounter (envInProgress env) 1
      within (if others == 0 then envWaitWindow env else 0)
        `finally` addToCounter (envInProgress env) (-1)
    else within (envWaitWindow env)

-- | 'callBytes' once the capability it runs on and the spin window (nanoseconds, 0
-- for none) are known.
callWaiting :: (forall a. IO a -> IO a) -> Env -> CInt -> Word64 -> Word64 -> ByteString -> IO (Maybe ByteString)
callWaiting restore env cap window budget bytes = do
  -- Owner of a token made here: Rust once h2r_call returns 0 (the worker hands it
  -- to hs_try_putmvar, which frees it, exactly once: on reply, drop, engine panic
  -- or deinit). On any other status, or an exception before the call returns (only
  -- the gate's wait is interruptible, and nothing was submitted then), it is ours
  -- and is freed right here. Nothing else ever frees it. A spinning call makes no
  -- token here (see 'park').
  let imports = envImports env
  early <- if window == 0 then Just <$> newToken imports else pure Nothing
  let token = maybe unparked fst early
      freeEarly = mapM_ (freeUnsent imports . fst) early
  accepted <- submitCall env bytes token cap budget `onException` freeEarly
  case accepted of
    Left status -> do
      freeEarly
      throwIO (statusError (messageContext "h2r_call" env bytes) status)
    Right reply ->
      -- The handle is ours to release exactly once, on every path: after reading
      -- the reply, or on an exception (cancel, timeout) while polling or waiting.
      -- A call released before the engine reaches it is dropped unrun; a reply that
      -- arrives after the release is dropped by Rust; a wake-up for a parked call
      -- lands on an MVar nobody reads, which the GC then collects (guarantee 6).
      (await restore imports early window cap reply >>= settle)
        `finally` h2rRelease imports reply

-- | Waits, under 'mask', until the outcome is there, and reads it: on the token's
-- 'MVar' if the call carried one, else by polling for the window and then parking.
await :: (forall a. IO a -> IO a) -> Imports -> Maybe (StablePtr PrimMVar, MVar ()) -> Word64 -> CInt -> ReplyHandle -> IO Outcome
await restore imports early window cap reply = case early of
  Just (_, wakeUp) -> restore (takeMVar wakeUp) >> readOutcome imports reply
  Nothing -> do
    polled <- restore (spinFor imports window reply)
    case polled of
      Just outcome -> pure outcome
      Nothing -> park restore imports cap reply >> readOutcome imports reply

-- | Waits for the reply cell to fill until the outcome is there (read by the same
-- foreign call that found it) or the window, in nanoseconds, has passed
-- ('Nothing'). Each wait is one @unsafe@ call in which Rust polls the cell for up
-- to 'waitSliceNs' (spinning, then also yielding the CPU, so that a worker sharing
-- its core is not starved); between waits the thread yields its capability, so
-- callers that share it take turns. A reply due within a slice costs one foreign
-- call and no trip through the scheduler, whose cost grows with the caller's stack.
--
-- The clock is read only once a wait has come back empty: the window counts from
-- then, one slice late, and a reply found by the first wait costs no clock read.
spinFor :: Imports -> Word64 -> ReplyHandle -> IO (Maybe Outcome)
spinFor imports window reply = poll >>= maybe (getMonotonicTimeNSec >>= \t -> missed t t) (pure . Just)
  where
    slice = min waitSliceNs window
    poll = outcomeWithin imports slice reply
    -- The first wait came back empty at @started@ (one slice into the window), the
    -- latest at @now@.
    missed started now
      | now - started + slice >= window = pure Nothing
      | otherwise = yield >> poll >>= maybe (getMonotonicTimeNSec >>= missed started) (pure . Just)

-- | The longest one wait for a reply holds its capability, in nanoseconds: a few
-- round trips on a free core (about 1 µs each), short enough that the capability's
-- other threads and a garbage collection waiting for it barely notice.
waitSliceNs :: Word64
waitSliceNs = 5000

-- | Parks a call that spun without its reply: makes a token and gives it to the
-- cell, then blocks on its 'MVar'. Runs under 'mask'; only the wait is
-- interruptible.
--
-- Owner of this token: Rust once h2r_park returns 0 (the worker hands it to
-- hs_try_putmvar, which frees it, exactly once, also if the caller gives up while
-- it waits). If h2r_park refuses it (the reply arrived while we made it, or a bug),
-- it is ours and is freed right here. Nothing else ever frees it.
park :: (forall a. IO a -> IO a) -> Imports -> CInt -> ReplyHandle -> IO ()
park restore imports cap reply = do
  (token, wakeUp) <- newToken imports
  status <- h2rPark imports reply token cap
  case statusFromCode status of
    Just StatusOk -> restore (takeMVar wakeUp)
    Just StatusAlreadyAnswered -> freeUnsent imports token
    _ -> freeUnsent imports token >> throwIO (statusError (statusContext "h2r_park") status)

-- | A new wake-up token and its 'MVar', counted in Rust's stats.
newToken :: Imports -> IO (StablePtr PrimMVar, MVar ())
newToken imports = do
  wakeUp <- newEmptyMVar
  token <- newStablePtrPrimMVar wakeUp
  h2rTokenCreated imports >>= checkOk "h2r_token_created"
  pure (token, wakeUp)

-- | The null token: a call submitted with it is not parked.
unparked :: StablePtr PrimMVar
unparked = castPtrToStablePtr nullPtr

-- | Frees a token that Rust never took, and counts it.
freeUnsent :: Imports -> StablePtr PrimMVar -> IO ()
freeUnsent imports token = do
  freeStablePtr token
  h2rTokenFreedUnsent imports >>= checkOk "h2r_token_freed_unsent"

-- | Submits a call: the reply handle, or the refusal's status.
submitCall :: Env -> ByteString -> StablePtr PrimMVar -> CInt -> Word64 -> IO (Either CInt ReplyHandle)
submitCall env bytes token cap budget = alloca $ \out -> withBytes bytes $ \ptr len -> do
  let imports = envImports env
  status <- submit env (h2rCallTry imports ptr len token cap 0 budget out) (h2rCallWait imports ptr len token cap 1 budget out)
  if statusFromCode status == Just StatusOk then Right <$> peek out else pure (Left status)

-- | What a reply cell held: the status Rust gave it and a copy of its bytes (the
-- reply, or the failure's message).
data Outcome = Outcome CInt ByteString

-- | Reads the handle's cell through @h2r_reply@ or @h2r_reply_wait@ (given the
-- out-parameters), which start empty so that a status that writes neither (a
-- refusal of the handle itself) reads no stray memory: 'Nothing' if the outcome
-- is not there yet.
peekOutcome :: (Ptr (Ptr Word8) -> Ptr CSize -> IO CInt) -> IO (Maybe Outcome)
peekOutcome export = allocaArray 2 $ \out -> do
  -- One allocation for both out-parameters, a pointer and a size, each one word.
  let outPtr = castPtr (out :: Ptr Word) :: Ptr (Ptr Word8)
      outLen = castPtr (advancePtr out 1) :: Ptr CSize
  poke outPtr nullPtr
  poke outLen 0
  status <- export outPtr outLen
  if statusFromCode status == Just StatusPending
    then pure Nothing
    else do
      ptr <- peek outPtr
      len <- peek outLen
      bytes <- if ptr == nullPtr || len == 0 then pure B.empty else B.packCStringLen (castPtr ptr, fromIntegral len)
      pure (Just (Outcome status bytes))

-- | The outcome in the handle's cell, waiting up to the given nanoseconds for it
-- (one @unsafe@ call); 'Nothing' if it is not there by then.
outcomeWithin :: Imports -> Word64 -> ReplyHandle -> IO (Maybe Outcome)
outcomeWithin imports waitNs reply = peekOutcome (h2rReplyWait imports reply waitNs)

-- | The outcome of a call whose caller was woken: it is in the cell.
readOutcome :: Imports -> ReplyHandle -> IO Outcome
readOutcome imports reply =
  peekOutcome (h2rReply imports reply)
    >>= maybe (throwIO (statusError (statusContext "h2r_reply") (statusCode StatusPending))) pure

-- | The reply's bytes; 'Nothing' if Rust dropped the call because its deadline
-- passed; or the exception for the failure Rust recorded (its text is the panic's
-- message for 'EnginePanicked').
settle :: Outcome -> IO (Maybe ByteString)
settle (Outcome status bytes) = case statusFromCode status of
  Just StatusOk -> pure (Just bytes)
  Just StatusExpired -> pure Nothing
  _ -> throwIO (statusError (statusContext "h2r_reply") {contextReplyText = Just (lenientUtf8 bytes)} status)

-- | UTF-8 text, with any invalid byte replaced rather than refused.
lenientUtf8 :: ByteString -> String
lenientUtf8 = T.unpack . TE.decodeUtf8With TE.lenientDecode
