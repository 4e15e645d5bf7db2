-- | Calls the engine answers later (declared @later@ in the probe's protocol): answered
-- from the engine's own threads while other calls go on, 'Unanswered' for a reply
-- handle dropped unanswered, cancels and timeouts that reach the running work, and
-- handles revoked when 'withRust' returns (guarantee 10 of "RustBridge"). Every
-- test ends with the leak check of 'withBridge', which includes
-- 'deferredOutstanding'.
module LaterSpec (spec) where

import Control.Concurrent.Async (cancel, forConcurrently, wait)
import Control.Monad.IO.Class (liftIO)
import Control.Monad.IO.Unlift (withRunInIO)
import Data.Word (Word64)
import GHC.Clock (getMonotonicTimeNSec)
import Probe.Protocol
import RustBridge
import Support
import Test.Hspec

-- | @probe_cancels_noticed()@: how many 'SleepLater' calls of this process learnt
-- that their caller gave up. Unsafe: one atomic load.
foreign import ccall unsafe "probe_cancels_noticed"
  probeCancelsNoticed :: IO Word64

-- | Waits (at most 10 s) until the engine holds this many deferred reply handles.
outstanding :: Integer -> Rust Probe ()
outstanding n = liftIO (within 10 (waitUntil ((== n) . deferredOutstanding <$> probeStats)))

-- | Waits (at most 10 s) until the engine has noticed one more cancel than before.
noticedSince :: Word64 -> IO ()
noticedSince seen = within 10 (waitUntil ((> seen) <$> probeCancelsNoticed))

spec :: Spec
spec = do
  it "answers 1,000 concurrent calls from the engine's four helper threads, each to its own caller" $ do
    replies <- withBridge defaultConfig (withRunInIO (\run -> forConcurrently [1 .. 1000] (run . callRust . EchoLater)))
    replies `shouldBe` [1 .. 1000]

  it "answers 1,000 concurrent calls that each wait 10 ms in an async task, all at once" $ do
    (replies, took) <- withBridge defaultConfig $
      withRunInIO $ \run -> do
        started <- getMonotonicTimeNSec
        replies <- forConcurrently [1 .. 1000 :: Int] (const (run (callRust (WaitAsync 10))))
        finished <- getMonotonicTimeNSec
        pure (replies, finished - started)
    replies `shouldBe` replicate 1000 10
    -- One after another they would take 10 s.
    took `shouldSatisfy` (< 5000000000)

  it "stops an async task whose callRustTimeout runs out" $
    withBridge defaultConfig $ do
      callRustTimeout 20000 (WaitAsync 10000) >>= liftIO . (`shouldBe` Nothing)
      outstanding 0

  it "answers other calls while a handle is held, then the held call once it is answered" $ do
    withBridge defaultConfig $ do
      held <- asyncRust (callRust (HoldLater 7))
      outstanding 1
      ping >>= liftIO . (`shouldBe` Pong)
      castRust AnswerHeld
      liftIO (within 10 (wait held)) >>= liftIO . (`shouldBe` 7)

  it "raises Unanswered at once for a handle dropped unanswered, or dropped by a panic on another thread" $ do
    old <- probeStats
    withBridge defaultConfig $ do
      tryRust (callRust DropLater) >>= liftIO . (`shouldBe` Left Unanswered)
      tryRust (callRust (PanicLater True)) >>= liftIO . (`shouldBe` Left Unanswered)
      ping >>= liftIO . (`shouldBe` Pong)
    new <- probeStats
    callsUnanswered new - callsUnanswered old `shouldBe` 2

  it "raises EnginePanicked for a panic on the worker holding the handle" $
    withBridge defaultConfig $ do
      result <- tryRust (callRust (PanicLater False))
      liftIO $ case result of
        Left (EnginePanicked why) -> why `shouldContain` "PanicLater on the worker"
        other -> expectationFailure ("expected EnginePanicked, got " <> show other)

  it "tells the running work when callRustTimeout runs out" $ do
    seen <- probeCancelsNoticed
    withBridge defaultConfig $ do
      callRustTimeout 50000 (SleepLater 10000) >>= liftIO . (`shouldBe` Nothing)
      liftIO (noticedSince seen)

  it "tells the running work when its caller is cancelled" $ do
    seen <- probeCancelsNoticed
    withBridge defaultConfig $ do
      caller <- asyncRust (callRust (SleepLater 10000))
      outstanding 1
      liftIO (cancel caller >> noticedSince seen)

  it "revokes the handles the engine holds when withRust returns: their callers get ShuttingDown at once" $ do
    old <- probeStats
    -- Not withBridge: its leak check would run before the callers have read their
    -- outcome and released their handles.
    callers <- within 60 . withRust defaultConfig $ do
      callers <- mapM (asyncRust . tryRust . callRust . HoldLater) [1 .. 100]
      outstanding 100
      pure callers
    results <- within 10 (mapM wait callers)
    results `shouldBe` replicate 100 (Left ShuttingDown)
    assertNoLeaks
    new <- probeStats
    callsRevoked new - callsRevoked old `shouldBe` 100
