-- | The reply cell's paths as a Haskell caller walks them: replies found by polling
-- wake nobody, a call that outlasts its spin parks, cancellation and timeouts while
-- spinning or parked leak nothing, and calls that expired or were abandoned behind a
-- stalled engine are answered without reaching it. Every test ends with the leak
-- check of 'withBridge'.
module StaleSpec (spec) where

import Control.Concurrent (threadDelay)
import Control.Concurrent.Async (Async, cancel, forConcurrently, wait)
import Control.Monad (forM, replicateM_)
import Control.Monad.IO.Class (liftIO)
import Control.Monad.IO.Unlift (withRunInIO)
import Data.Word (Word32, Word64)
import Probe.Protocol
import RustBridge
import Support
import Test.Hspec

-- | @probe_calls_run()@: how many calls probe engines have run in this process.
-- Unsafe: one atomic load.
foreign import ccall unsafe "probe_calls_run"
  probeCallsRun :: IO Word64

-- | How a counter moved between two readings.
moved :: (BridgeStats -> Word64) -> BridgeStats -> BridgeStats -> Word64
moved field old new = field new - field old

-- | A config whose callers spin for a whole second: long enough that a test can
-- cancel or time out a call while it spins.
longSpin :: Config
longSpin = defaultConfig {spinMicros = 1000000}

-- | Starts a call that stalls the engine for this many milliseconds, and returns it
-- once the engine runs it.
stall :: Word32 -> Rust Probe (Async ())
stall ms = do
  ran <- liftIO probeCallsRun
  sleeper <- asyncRust (callRust (Sleep ms))
  liftIO (within 10 (waitUntil ((> ran) <$> probeCallsRun)))
  pure sleeper

spec :: Spec
spec = do
  it "answers sequential calls by polling, with fewer wake-ups than calls, or parks each at submit with spinning off" $ do
    old <- probeStats
    withBridge defaultConfig (replicateM_ 1000 ping)
    middle <- probeStats
    withBridge defaultConfig {spinMicros = 0} (replicateM_ 1000 ping)
    new <- probeStats
    moved callsWoken old middle `shouldSatisfy` (< 1000)
    (moved tokensCreated middle new, moved callsWoken middle new) `shouldBe` (1000, 1000)

  it "parks a call that outlasts its spin, and wakes it once" $ do
    old <- probeStats
    withBridge defaultConfig {spinMicros = 1000} (callRust (Sleep 50)) `shouldReturn` ()
    new <- probeStats
    (moved tokensCreated old new, moved callsWoken old new) `shouldBe` (1, 1)

  it "leaks nothing when a call is cancelled while it spins, and makes it no token" $ do
    old <- probeStats
    -- The reading after the cancel: the ping after it may park, since the engine
    -- still runs the cancelled call.
    new <- withBridge longSpin $ do
      caller <- asyncRust (callRust (Sleep 100))
      new <- liftIO (threadDelay 20000 >> cancel caller >> probeStats)
      ping `shouldReturnIn` Pong
      pure new
    moved tokensCreated old new `shouldBe` 0

  it "leaks nothing when a call times out while it spins, and makes it no token" $ do
    old <- probeStats
    new <- withBridge longSpin $ do
      callRustTimeout 20000 (Sleep 100) `shouldReturnIn` Nothing
      new <- liftIO probeStats
      ping `shouldReturnIn` Pong
      pure new
    moved tokensCreated old new `shouldBe` 0

  it "drops 256 calls that expired behind a stalled engine; the engine runs none of them" $ do
    old <- probeStats
    (replies, ran) <- withBridge defaultConfig $ do
      sleeper <- stall 800
      ran <- liftIO probeCallsRun
      replies <- withRunInIO $ \run ->
        forConcurrently [1 .. 256] (run . callRustTimeout 100000 . Echo)
      liftIO (wait sleeper)
      -- The one call that runs after the stall.
      ping `shouldReturnIn` Pong
      ranAfter <- liftIO probeCallsRun
      pure (replies, ranAfter - ran)
    new <- probeStats
    replies `shouldBe` replicate 256 Nothing
    ran `shouldBe` 1
    moved callsDroppedExpired old new `shouldBe` 256
    moved callsDroppedAbandoned old new `shouldBe` 0

  it "drops 100 calls cancelled behind a stalled engine; the engine runs none of them" $ do
    old <- probeStats
    ran <- withBridge defaultConfig $ do
      -- Long enough for 100 submissions and cancels on a loaded machine.
      sleeper <- stall 2000
      ran <- liftIO probeCallsRun
      accepted <- callsAccepted <$> liftIO probeStats
      callers <- forM [1 .. 100] (asyncRust . callRust . Echo)
      liftIO (within 10 (waitUntil ((>= accepted + 100) . callsAccepted <$> probeStats)))
      liftIO (mapM_ cancel callers >> wait sleeper)
      -- The one call that runs after the stall.
      ping `shouldReturnIn` Pong
      subtract ran <$> liftIO probeCallsRun
    new <- probeStats
    ran `shouldBe` 1
    moved callsDroppedAbandoned old new `shouldBe` 100
    moved callsDroppedExpired old new `shouldBe` 0
  where
    shouldReturnIn action expected = action >>= liftIO . (`shouldBe` expected)
