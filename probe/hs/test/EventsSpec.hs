-- | Events from the probe engine ('EmitTicks' makes it emit 'Tick's, then a
-- 'BurstDone'): order, drops and their 'Missed' counts under a stalled subscriber,
-- batched wake-ups, one subscriber at a time, and the end of a subscription as a
-- barrier that leaks nothing. Every wait is bounded ('within', 'withBridge').
module EventsSpec (spec) where

import Control.Concurrent (threadDelay)
import Control.Concurrent.Async (cancel, waitCatch)
import Control.Concurrent.MVar (newEmptyMVar, putMVar, readMVar, tryPutMVar)
import Control.Exception (ErrorCall (..), fromException, throwIO, try)
import Control.Monad (forever, unless, void, when)
import Control.Monad.IO.Class (liftIO)
import Data.IORef (IORef, atomicModifyIORef', newIORef, readIORef, writeIORef)
import Probe.Protocol
import RustBridge
import Support
import Test.Hspec
import Text.Printf (printf)

-- | A handler that appends every delivery to the list (newest first).
recorder :: IO (IORef [Delivery ProbeEvent], Delivery ProbeEvent -> IO ())
recorder = do
  seen <- newIORef []
  pure (seen, \delivery -> atomicModifyIORef' seen (\old -> (delivery : old, ())))

-- | The deliveries so far, oldest first.
deliveries :: IORef [Delivery ProbeEvent] -> IO [Delivery ProbeEvent]
deliveries seen = reverse <$> readIORef seen

-- | How many events the deliveries account for: each delivered, and each missed.
accounted :: [Delivery ProbeEvent] -> Integer
accounted = sum . map count
  where
    count (Delivered _) = 1
    count (Missed n) = toInteger n

-- | Whether the ticks sit where the gaps say: tick @k@ comes after exactly @k@
-- events, delivered or missed, and the end of the burst after all the ticks.
inPlace :: [Delivery ProbeEvent] -> Bool
inPlace = go 0
  where
    go :: Integer -> [Delivery ProbeEvent] -> Bool
    go _ [] = True
    go at (Missed n : rest) = n > 0 && go (at + toInteger n) rest
    go at (Delivered (Ticked (Tick k)) : rest) = toInteger k == at && go (at + 1) rest
    go at (Delivered (Finished (BurstDone n)) : rest) = toInteger n == at && go (at + 1) rest

-- | Waits (bounded) until the deliveries account for @n@ events.
awaitAccounted :: IORef [Delivery ProbeEvent] -> Integer -> IO ()
awaitAccounted seen n = within 20 (waitUntil ((>= n) . accounted <$> deliveries seen))

-- | Polls the event counters every millisecond until they satisfy the condition;
-- fails after 10 s.
awaitStats :: (EventStats -> Bool) -> Rust Probe ()
awaitStats ok = go (10000 :: Int)
  where
    go left = do
      stats <- eventStats
      unless (ok stats) $
        if left == 0
          then liftIO (throwIO (ErrorCall ("the event counters never got there: " <> show stats)))
          else liftIO (threadDelay 1000) >> go (left - 1)

-- | After a subscription ended: every event emitted was delivered or dropped, and
-- every wake-up token Rust took came back.
assertSettled :: EventStats -> IO ()
assertSettled stats = do
  eventsEmitted stats `shouldBe` eventsDelivered stats + eventsDropped stats
  eventTokensReturned stats `shouldBe` eventTokensTaken stats

spec :: Spec
spec = do
  it "delivers every event in the order the engine emitted it" $ do
    (seen, handler) <- recorder
    stats <- withBridge defaultConfig $ do
      withEvents 1024 handler $ do
        callRust (EmitTicks 500)
        liftIO (awaitAccounted seen 501)
      eventStats
    got <- deliveries seen
    got `shouldBe` map (Delivered . Ticked . Tick) [0 .. 499] <> [Delivered (Finished (BurstDone 500))]
    (eventsEmitted stats, eventsDelivered stats, eventsDropped stats) `shouldBe` (501, 501, 0)
    assertSettled stats

  it "never holds up the engine: a stalled subscriber misses what does not fit, and is told how many, in place" $ do
    (seen, record) <- recorder
    release <- newEmptyMVar
    stalled <- newEmptyMVar
    let handler delivery = do
          void (tryPutMVar stalled ())
          readMVar release
          record delivery
    (got, stats) <- withBridge defaultConfig $ do
      withEvents 8 handler $ do
        -- The first tick stalls the handler; the others and the end are emitted
        -- against a full queue, and the call returns all the same.
        callRust (EmitTicks 1000)
        liftIO $ do
          within 10 (readMVar stalled)
          putMVar release ()
          awaitAccounted seen 1001
      (,) <$> liftIO (deliveries seen) <*> eventStats
    accounted got `shouldBe` 1001
    got `shouldSatisfy` inPlace
    let missed = sum [n | Missed n <- got]
    missed `shouldSatisfy` (> 0)
    missed `shouldBe` eventsDropped stats
    eventsDelivered stats `shouldBe` fromIntegral (length [() | Delivered _ <- got])
    assertSettled stats

  it "wakes the subscriber once per burst, not once per event" $ do
    (seen, handler) <- recorder
    stats <- withBridge defaultConfig $ do
      withEvents maxEventCapacity handler $ do
        callRust (EmitTicks 20000)
        liftIO (awaitAccounted seen 20001)
      eventStats
    eventsDelivered stats `shouldBe` 20001
    let perWakeUp = fromIntegral (eventsDelivered stats) / max 1 (fromIntegral (eventWakeups stats)) :: Double
    printf "      (%d events, %d wake-ups: %.1f events per wake-up)\n" (eventsDelivered stats) (eventWakeups stats) perWakeUp
    eventWakeups stats `shouldSatisfy` (<= eventTokensTaken stats)
    (eventWakeups stats * 10) `shouldSatisfy` (<= eventsDelivered stats)
    assertSettled stats

  it "drops and counts events emitted while no one subscribes" $ do
    stats <- withBridge defaultConfig (callRust (EmitTicks 10) >> eventStats)
    (eventsEmitted stats, eventsDelivered stats, eventsDropped stats) `shouldBe` (11, 0, 11)

  it "delivers nothing after withEvents and withRust return, though events were still queued" $ do
    returned <- newIORef False
    late <- newIORef (0 :: Int)
    calls <- newIORef (0 :: Int)
    let handler _ = do
          done <- readIORef returned
          when done (atomicModifyIORef' late (\n -> (n + 1, ())))
          atomicModifyIORef' calls (\n -> (n + 1, ()))
          threadDelay 10
    withBridge defaultConfig $ do
      withEvents 4096 handler (callRust (EmitTicks 4000))
      stats <- eventStats
      liftIO (assertSettled stats)
    writeIORef returned True
    delivered <- readIORef calls
    threadDelay 50000
    readIORef calls `shouldReturn` delivered
    readIORef late `shouldReturn` 0

  it "leaks nothing when the subscription is cancelled while its handler runs or while it is parked" $ do
    entered <- newEmptyMVar
    let stuck _ = void (tryPutMVar entered ()) >> forever (threadDelay 1000000)
    withBridge defaultConfig $ do
      -- Cancelled inside the handler.
      inHandler <- asyncRust . withEvents 16 stuck $ do
        callRust (EmitTicks 100)
        liftIO (forever (threadDelay 1000000))
      liftIO $ do
        within 10 (readMVar entered)
        cancel inHandler
      -- Cancelled while parked: no events, so it parks at once.
      taken <- eventTokensTaken <$> eventStats
      parked <- asyncRust (withEvents 16 (const (pure ())) (liftIO (forever (threadDelay 1000000))))
      awaitStats ((> taken) . eventTokensTaken)
      liftIO (cancel parked)
      stats <- eventStats
      liftIO $ do
        assertSettled stats
        eventTokensTaken stats `shouldSatisfy` (>= 1)
      -- The slot is free again, and the cancelled handler never ran again.
      (seen, handler) <- liftIO recorder
      withEvents 16 handler $ do
        callRust (EmitTicks 3)
        liftIO (awaitAccounted seen 4)
      liftIO (void (waitCatch inHandler))
      settled <- eventStats
      liftIO (assertSettled settled)

  it "refuses a second subscription with AlreadySubscribed, and a bad capacity with BadEventCapacity" $ do
    (seen, handler) <- recorder
    (nested, got) <- withBridge defaultConfig $
      withEvents 16 handler $ do
        nested <- tryRust (withEvents 16 (const (pure ())) (pure ()))
        callRust (EmitTicks 2)
        liftIO (awaitAccounted seen 3)
        (,) nested <$> liftIO (deliveries seen)
    nested `shouldBe` Left AlreadySubscribed
    -- The running subscription was unharmed.
    got `shouldBe` map (Delivered . Ticked . Tick) [0, 1] <> [Delivered (Finished (BurstDone 2))]
    capacity <- try (withBridge defaultConfig (withEvents 0 handler (pure ())))
    capacity `shouldBe` Left (BadEventCapacity 0)
    tooBig <- try (withBridge defaultConfig (withEvents (maxEventCapacity + 1) handler (pure ())))
    tooBig `shouldBe` Left (BadEventCapacity (maxEventCapacity + 1))

  it "rethrows the handler's exception when the action returns" $ do
    failed <- newEmptyMVar
    let handler _ = tryPutMVar failed () >> throwIO (ErrorCall "handler failed")
    outcome <- try . withBridge defaultConfig . withEvents 16 handler $ do
      callRust (EmitTicks 3)
      liftIO (within 10 (readMVar failed) >> threadDelay 20000)
    case outcome of
      Left err -> fromException err `shouldBe` Just (ErrorCall "handler failed")
      Right () -> expectationFailure "withEvents returned normally"
