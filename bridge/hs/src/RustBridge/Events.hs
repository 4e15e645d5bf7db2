{-# LANGUAGE ScopedTypeVariables #-}

-- | Events from the engine to Haskell: 'withEvents' subscribes a handler for the
-- scope of an action, and 'eventStats' reads the counters. Internal: "RustBridge"
-- re-exports everything here.
--
-- The engine emits into a bounded lock-free queue in Rust that never blocks it: an
-- event that does not fit is dropped and counted, and the subscriber is told
-- ('Missed') where the gap is. The subscriber thread drains the queue a batch at a
-- time through a non-blocking (@unsafe@) import, and only when the queue is empty
-- parks on an @MVar@, handing Rust a fresh wake-up token; Rust wakes it once, with
-- @hs_try_putmvar@, at the next event. So a burst of events costs one wake-up.
module RustBridge.Events
  ( Delivery (..),
    withEvents,
    maxEventCapacity,
    EventStats (..),
    eventStats,
  )
where

import Control.Concurrent (myThreadId, threadCapability)
import Control.Concurrent.Async (poll, withAsync)
import Control.Concurrent.MVar (newEmptyMVar, takeMVar)
import Control.Exception (bracket_, mask, throwIO)
import Control.Monad (forM_, unless, when)
import Control.Monad.Trans.Reader (ReaderT (..))
import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import Data.Proxy (Proxy (..))
import Data.Word (Word64)
import FFI
import Foreign.C.Types (CInt)
import Foreign.ForeignPtr (ForeignPtr, mallocForeignPtrBytes, withForeignPtr)
import Foreign.Marshal.Alloc (alloca)
import Foreign.Ptr (Ptr, castPtr, plusPtr)
import Foreign.StablePtr (freeStablePtr)
import Foreign.Storable (peek, peekByteOff, poke)
import GHC.Conc (newStablePtrPrimMVar)
import RustBridge.Abi (eventCounterNames, eventRecordAlign, eventRecordHeaderLen, eventRecordLenAt, eventRecordMissedAt, maxEventCapacity)
import RustBridge.Counters (readNamedCounters)
import RustBridge.Internal (Env (..), Rust, RustT (..), Status (..), checkOk, statusContext, statusError, statusFromCode)
import RustBridge.Protocol (Protocol (..), decodeEvent)
import Types (BridgeError (..))

-- | What the handler of 'withEvents' gets, in the order the engine emitted.
data Delivery e
  = -- | The next event.
    Delivered e
  | -- | @Missed n@: the @n@ events emitted here did not fit the queue and were
    -- dropped.
    Missed !Word64
  deriving (Eq, Show)

-- | Runs the action with a subscription to the engine's events: a queue in Rust
-- of the given capacity (in events), drained by one Haskell thread that calls the
-- handler for each 'Delivery', in emission order. The engine never waits for the
-- handler: while it is slow, the queue fills, and what does not fit is dropped and
-- reported as 'Missed' in its place. Events emitted while no subscription runs are
-- dropped (and counted, see 'eventStats').
--
-- When the action ends (returns, throws or is cancelled), the handler's thread is
-- cancelled and waited for, and then the subscription ends in Rust; events still
-- queued, and the rest of the batch the handler was working through, are dropped.
-- So no event is delivered after 'withEvents' returns (guarantee 9), and every
-- wake-up token goes back exactly once. A handler that masks asynchronous
-- exceptions delays that return until it unmasks.
--
-- If the handler throws, delivery stops (later events are dropped as the queue
-- fills), and 'withEvents' rethrows that exception when the action returns.
--
-- One subscription at a time: throws 'AlreadySubscribed' if one is running (it is
-- unharmed), 'BadEventCapacity' for a capacity outside 1 to 'maxEventCapacity',
-- 'NotRunning' and 'ShuttingDown'; the handler's thread throws 'UndecodableEvent'
-- on bytes that no event of the protocol has (a bug, since the schemas matched at
-- init), which is then rethrown here.
withEvents :: forall p a. Protocol p => Int -> (Delivery (ProtocolEvent p) -> IO ()) -> Rust p a -> Rust p a
withEvents capacity handler (RustT body) = RustT . ReaderT $ \env -> do
  unless (capacity >= 1 && capacity <= maxEventCapacity) $ throwIO (BadEventCapacity capacity)
  let imports = envImports env
      subscribe = h2rEventsSubscribe imports (fromIntegral capacity) >>= checkOk "h2r_events_subscribe"
      unsubscribe = h2rEventsUnsubscribe imports >>= checkOk "h2r_events_unsubscribe"
  bracket_ subscribe unsubscribe $
    withAsync (subscriber imports (Proxy :: Proxy p) handler) $ \running -> do
      result <- runReaderT body env
      stopped <- poll running
      case stopped of
        Just (Left failure) -> throwIO failure
        _ -> pure result

-- | Bytes of the first batch buffer; it grows when an event does not fit.
initialBufferLen :: Int
initialBufferLen = 65536

-- | The subscriber thread: drains a batch, hands each delivery to the handler, and
-- parks when the queue is empty. Runs until cancelled.
subscriber :: forall p. Protocol p => Imports -> Proxy p -> (Delivery (ProtocolEvent p) -> IO ()) -> IO ()
subscriber imports protocol handler = mallocForeignPtrBytes initialBufferLen >>= loop initialBufferLen
  where
    loop :: Int -> ForeignPtr a -> IO ()
    loop len buffer = do
      taken <- takeBatch imports buffer len
      case taken of
        Left needed -> do
          let bigger = max needed (2 * len)
          mallocForeignPtrBytes bigger >>= loop bigger
        Right (records, missedAfter) -> do
          forM_ records $ \(missed, bytes) -> do
            when (missed > 0) $ handler (Missed missed)
            either (throwIO . UndecodableEvent) (handler . Delivered) (decodeEvent protocol bytes)
          when (missedAfter > 0) $ handler (Missed missedAfter)
          when (null records && missedAfter == 0) (park imports)
          loop len buffer

-- | One batch: each event with the count missed just before it, then the count
-- missed after the last; or the buffer length the next event needs.
takeBatch :: Imports -> ForeignPtr a -> Int -> IO (Either Int ([(Word64, ByteString)], Word64))
takeBatch imports buffer len = withForeignPtr buffer $ \ptr -> alloca $ \outUsed -> alloca $ \outMissed -> do
  poke outUsed 0
  poke outMissed 0
  status <- h2rEventsTake imports (castPtr ptr) (fromIntegral len) outUsed outMissed
  used <- fromIntegral <$> peek outUsed
  case statusFromCode status of
    Just StatusOk -> do
      records <- readRecords (castPtr ptr) used
      missed <- peek outMissed
      pure (Right (records, missed))
    Just StatusBufferTooSmall -> pure (Left used)
    _ -> throwIO (statusError (statusContext "h2r_events_take") status)

-- | The records in the first @used@ bytes, laid out as "RustBridge.Abi" says:
-- each the events missed before it (a native 'Word64'), its length (the same),
-- then its bytes, padded to a multiple of 'eventRecordAlign'.
readRecords :: Ptr () -> Int -> IO [(Word64, ByteString)]
readRecords ptr used = go 0
  where
    go at
      | at >= used = pure []
      | otherwise = do
        missed <- peekByteOff ptr (at + eventRecordMissedAt)
        len <- fromIntegral <$> (peekByteOff ptr (at + eventRecordLenAt) :: IO Word64)
        bytes <- B.packCStringLen (castPtr (ptr `plusPtr` (at + eventRecordHeaderLen)), len)
        ((missed, bytes) :) <$> go (at + eventRecordHeaderLen + padded len)
    padded n = (n + eventRecordAlign - 1) `div` eventRecordAlign * eventRecordAlign

-- | Parks until the next event, unless one is already waiting.
park :: Imports -> IO ()
park imports = mask $ \restore -> do
  wakeUp <- newEmptyMVar
  (capability, _) <- threadCapability =<< myThreadId
  -- Owner of this StablePtr: Rust once h2r_events_park reports it parked (it hands
  -- it to hs_try_putmvar, which frees it, exactly once: at the next event, or when
  -- the subscription ends in h2r_events_unsubscribe or deinit, also if this thread
  -- was cancelled while waiting). Otherwise, an event was waiting or the call was
  -- refused, and it is freed right here. The park call is an unsafe import, so no
  -- asynchronous exception lands between it and this decision.
  token <- newStablePtrPrimMVar wakeUp
  (status, parked) <- alloca $ \out -> do
    poke out 0
    status <- h2rEventsPark imports token (fromIntegral capability) out
    parked <- peek out
    pure (status, parked :: CInt)
  if statusFromCode status == Just StatusOk && parked == 1
    then restore (takeMVar wakeUp)
    else do
      freeStablePtr token
      checkOk "h2r_events_park" status

-- | Counters of the running bridge's events, kept in Rust since it started. With
-- no subscription running, 'eventsEmitted' = 'eventsDelivered' + 'eventsDropped'
-- and 'eventTokensTaken' = 'eventTokensReturned'; 'eventsDelivered' over
-- 'eventWakeups' is how many events each wake-up carried.
data EventStats = EventStats
  { -- | Events the engine emitted.
    eventsEmitted :: !Word64,
    -- | Events handed to a subscriber, a batch at a time (the rest of a batch is
    -- discarded when its subscription ends before the handler reaches it).
    eventsDelivered :: !Word64,
    -- | Events dropped: no subscriber, a full queue (reported as 'Missed'), or
    -- still queued when the subscription ended.
    eventsDropped :: !Word64,
    -- | Wake-ups of the parked subscriber (@hs_try_putmvar@ calls for events).
    eventWakeups :: !Word64,
    -- | Wake-up tokens ('Foreign.StablePtr's) Rust took from the parking subscriber.
    eventTokensTaken :: !Word64,
    -- | Tokens Rust handed back through @hs_try_putmvar@ (which frees them): the
    -- wake-ups, and a token still parked when its subscription ended.
    eventTokensReturned :: !Word64
  }
  deriving (Eq, Show)

-- | Reads the event counters of the running bridge. Throws 'NotRunning' outside
-- 'RustBridge.withRust', and 'ShuttingDown'.
eventStats :: Rust p EventStats
eventStats = RustT . ReaderT $ \env -> do
  counter <- readNamedCounters "h2r_events_stats" eventCounterNames (h2rEventsStats (envImports env))
  EventStats
    <$> counter "emitted"
    <*> counter "delivered"
    <*> counter "dropped"
    <*> counter "wakeups"
    <*> counter "tokens_taken"
    <*> counter "tokens_returned"
