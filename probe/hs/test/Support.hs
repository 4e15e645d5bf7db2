-- | Helpers shared by the spec modules: bounded waits, a bridge wrapped in the leak
-- check, and readings of the process's own state.
module Support
  ( within,
    withBridge,
    assertNoLeaks,
    osThreads,
    tryRust,
    waitUntil,
    ping,
    probeStats,
  )
where

import Control.Concurrent (threadDelay)
import Control.Exception (ErrorCall (..), throwIO, try)
import Control.Monad.IO.Unlift (withRunInIO)
import Data.Proxy (Proxy (..))
import Probe.Protocol (Ping (..), Pong, Probe)
import RustBridge
import RustBridge.ProcSelf (procStatus)
import System.Timeout (timeout)
import Test.Hspec

-- | Fails the test if the action takes longer than the given number of seconds.
within :: Int -> IO a -> IO a
within seconds action =
  timeout (seconds * 1000000) action
    >>= maybe (throwIO (ErrorCall ("timed out after " <> show seconds <> " s"))) pure

-- | 'withRust' on the probe engine, bounded by 'within', then the leak check
-- ('assertNoLeaks').
withBridge :: Config -> Rust Probe a -> IO a
withBridge config body = do
  result <- within 60 (withRust config body)
  assertNoLeaks
  pure result

-- | Every accepted call was answered, every reply handle released, every
-- 'Foreign.StablePtr' token freed, and no deferred reply handle is still held.
assertNoLeaks :: IO ()
assertNoLeaks = do
  stats <- probeStats
  callsAnswered stats `shouldBe` callsAccepted stats
  handlesReleased stats `shouldBe` handlesIssued stats
  tokensOutstanding stats `shouldBe` 0
  deferredOutstanding stats `shouldBe` 0

-- | The probe engine's counters ('bridgeStats').
probeStats :: IO BridgeStats
probeStats = bridgeStats (Proxy :: Proxy Probe)

-- | The process's OS thread count, from @/proc/self/status@.
osThreads :: IO Int
osThreads = procStatus "Threads"

-- | 'try' for 'BridgeError' inside 'Rust', through its
-- 'Control.Monad.IO.Unlift.MonadUnliftIO' instance.
tryRust :: Rust p a -> Rust p (Either BridgeError a)
tryRust action = withRunInIO (\run -> try (run action))

-- | Polls the condition every millisecond until it holds (bound it with 'within').
waitUntil :: IO Bool -> IO ()
waitUntil check = do
  done <- check
  if done then pure () else threadDelay 1000 >> waitUntil check

-- | The simplest round trip.
ping :: Rust Probe Pong
ping = callRust Ping
