{-# LANGUAGE LambdaCase #-}

-- | Lifecycle faults: many init/deinit cycles, deinit while callers are blocked on a
-- full channel, while replies are being delivered, and racing hammering callers, and
-- an engine that panics in the middle of a stream. In every case: no hang (every wait
-- is bounded), every caller gets its own reply or a 'BridgeError', nothing leaks, and
-- the bridge can be started again.
module FaultSpec (spec) where

import Control.Concurrent (threadDelay)
import Control.Concurrent.Async (Async, cancel, forConcurrently, mapConcurrently_, wait, waitAny, waitCatch)
import Control.Exception (ErrorCall (..), SomeException, fromException, throwIO)
import Control.Monad (forM, forM_, replicateM, replicateM_, unless, void)
import Control.Monad.IO.Class (liftIO)
import Control.Monad.IO.Unlift (withRunInIO)
import Data.List (isInfixOf)
import Data.Word (Word64)
import Probe.Protocol
import RustBridge
import RustBridge.ProcSelf (openFds, procStatus)
import Support
import System.Mem (performMajorGC)
import Test.Hspec

spec :: Spec
spec = do
  it "runs 1000 init/deinit cycles without growth in OS threads, fds or memory" $ do
    let cycles n = forM_ [1 .. n :: Int] (const (withBridge defaultConfig ping `shouldReturn` Pong))
    cycles 100
    start <- footprint
    cycles 1000
    end <- footprint
    -- Threads: the RTS may keep a worker or two for the safe init/deinit calls.
    -- Memory: 4 MB over 1000 cycles would be 4 kB a cycle; GC noise stays well below.
    (threadsOf end, fdsOf end, rssOf end)
      `shouldSatisfy` \(t, f, r) -> t <= threadsOf start + 2 && f <= fdsOf start && r <= rssOf start + 4096

  it "deinits while callers are blocked on a full channel" $ do
    baseline <- probeStats
    (parked, callers) <- within 30 . withRust defaultConfig $ do
      -- Park the worker, then start more callers than the channel holds: they fill
      -- it and queue behind it, and deinit starts while they wait.
      parked <- asyncRust (callRust (Sleep 300))
      liftIO (threadDelay 20000)
      callers <- forM [1 .. 1000] (\i -> (,) i <$> asyncRust (callRust (Echo i)))
      liftIO (threadDelay 50000)
      pure (parked, callers)
    replied <- within 30 (settle parked callers)
    let refused = length callers + 1 - replied
    (replied, refused) `shouldSatisfy` \(r, n) -> r > 0 && n > 0
    answeredSince baseline `shouldReturn` fromIntegral replied
    withBridge defaultConfig ping `shouldReturn` Pong

  it "deinits while the worker is delivering replies" $ do
    baseline <- probeStats
    (parked, callers) <- within 30 . withRust defaultConfig $ do
      parked <- asyncRust (callRust (Sleep 50))
      callers <- forM [1 .. 255] (\i -> (,) i <$> asyncRust (callRust (Echo i)))
      -- The first reply has arrived: the worker is now delivering the rest.
      void (liftIO (waitAny (void parked : map (void . snd) callers)))
      pure (parked, callers)
    replied <- within 30 (settle parked callers)
    answeredSince baseline `shouldReturn` fromIntegral replied
    withBridge defaultConfig ping `shouldReturn` Pong

  it "deinits racing 16 hammering callers, 20 times" $ do
    forM_ [1 .. 20 :: Int] $ \r -> do
      hammerers <- within 30 . withRust defaultConfig $ do
        hammerers <- forM [1 .. 16] (asyncRust . hammer)
        -- Deinit lands at a different point of the hammering each round.
        liftIO (threadDelay (r * 500))
        pure hammerers
      outcomes <- within 30 (mapM waitCatch hammerers)
      forM_ outcomes $ \case
        Right err -> err `shouldSatisfy` isShutdown
        Left other -> expectationFailure ("a hammering caller failed: " <> show other)
    assertNoLeaks
    withBridge defaultConfig ping `shouldReturn` Pong

  it "gives the wait gate's slots back when cancelled casters were waiting for room (regression)" $
    withBridge defaultConfig $ do
      -- Each round parks the worker, makes 300 casters wait for room, and cancels
      -- them all, some just as the gate lets them through.
      forM_ [1 .. 20 :: Int] $ \r -> do
        parked <- asyncRust (callRust (Sleep 3))
        liftIO (threadDelay 200)
        casters <- replicateM 300 (asyncRust (castRust (Note 0)))
        liftIO $ do
          threadDelay (r `mod` 7 * 300)
          mapM_ cancel casters
          wait parked
      -- Fill the channel again: casters that must wait for room get through only if
      -- the gate still has its slots (if cancelled waiters lost them, these hang).
      parked <- asyncRust (callRust (Sleep 20))
      liftIO (threadDelay 200)
      withRunInIO (\run -> within 10 (mapConcurrently_ (const (replicateM_ 200 (run (castRust (Note 0))))) [1 .. 3 :: Int]))
      liftIO (wait parked)

  it "answers every caller when the engine panics in the middle of a stream" $ do
    let stream s = [(s * 1000 + k, k) | k <- [1 .. 100 :: Word64]]
    (sent, counted, later) <- withBridge defaultConfig $ do
      casts <- withRunInIO (\run -> forConcurrently [1 .. 4] (\s -> sum <$> mapM (run . uncurry step) (stream s)))
      counted <- callRust GetCastCount
      (,,) (sum casts) counted <$> ping
    (counted, later) `shouldBe` (fromIntegral sent, Pong)
    withBridge defaultConfig ping `shouldReturn` Pong
  where
    -- One message of a stream: a panicking call or cast at two points of every 50,
    -- else an Echo call or a Note cast. Returns the casts it sent (the engine counts
    -- a PanicNote before it panics).
    step :: Word64 -> Word64 -> Rust Probe Int
    step i k
      | k `mod` 50 == 25 = do
        outcome <- tryRust (callRust InjectPanic)
        case outcome of
          Left (EnginePanicked why) | "injected panic" `isInfixOf` why -> pure 0
          other -> liftIO (throwIO (ErrorCall ("InjectPanic call answered " <> show other)))
      | k `mod` 50 == 45 = castRust PanicNote >> pure 1
      | even k = do
        reply <- callRust (Echo i)
        unless (reply == i) (liftIO (throwIO (ErrorCall ("Echo " <> show i <> " answered " <> show reply))))
        pure 0
      | otherwise = castRust (Note i) >> pure 1

-- | OS threads, open file descriptors and resident kB, after a major GC.
data Footprint = Footprint {threadsOf :: !Int, fdsOf :: !Int, rssOf :: !Int}
  deriving (Show)

footprint :: IO Footprint
footprint = performMajorGC >> (Footprint <$> osThreads <*> openFds <*> procStatus "VmRSS")

-- | Calls, then casts, with ids no other caller uses, until the bridge refuses; every
-- call must get its own reply. Returns the refusal.
hammer :: Word64 -> Rust Probe BridgeError
hammer caller = go 0
  where
    go :: Word64 -> Rust Probe BridgeError
    go n = do
      let i = caller * 1000000000 + n
      outcome <- tryRust (if even n then callRust (Echo i) else i <$ castRust (Note i))
      case outcome of
        Left err -> pure err
        Right reply
          | reply == i -> go (n + 1)
          | otherwise -> liftIO (throwIO (ErrorCall ("Echo " <> show i <> " answered " <> show reply)))

-- | The refusals a caller may meet when the bridge stops under it.
isShutdown :: BridgeError -> Bool
isShutdown err = err == ShuttingDown || err == NotRunning

-- | Waits for the parked 'Sleep' caller and the 'Echo' callers (each with the number
-- it sent), checks that each got its own reply or was refused because the bridge
-- was stopping, and returns how many got a reply.
settle :: Async () -> [(Word64, Async Word64)] -> IO Int
settle parked callers = do
  parkedOutcome <- waitCatch parked
  outcomes <- forM callers (\(expected, call) -> (,) expected <$> waitCatch call)
  (+) <$> expectOwnReplyOrShutdown [((), parkedOutcome)] <*> expectOwnReplyOrShutdown outcomes

-- | Checks that every caller got its own reply or was refused because the bridge was
-- stopping, and returns how many got a reply.
expectOwnReplyOrShutdown :: (Eq a, Show a) => [(a, Either SomeException a)] -> IO Int
expectOwnReplyOrShutdown outcomes = do
  forM_ outcomes $ \(expected, outcome) -> case outcome of
    Right reply -> reply `shouldBe` expected
    Left err -> fromException err `shouldSatisfy` maybe False isShutdown
  pure (length [() | (_, Right _) <- outcomes])

-- | Calls answered by Rust since the given reading.
answeredSince :: BridgeStats -> IO Word64
answeredSince baseline = subtract (callsAnswered baseline) . callsAnswered <$> probeStats
