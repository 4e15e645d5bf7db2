-- | Two engines in one Haskell program: the probe engine ("Probe.Protocol") and the
-- minimal example's counter ("Counter.Protocol"), each through its own package,
-- linked from the one library that bundles both. Each 'withRust' starts and stops
-- its own engine; calls, counters, fingerprints and events stay with their engine.
module Main (main) where

import Control.Concurrent (threadDelay)
import Control.Concurrent.Async (concurrently, forConcurrently_)
import Control.Exception (ErrorCall (..), throwIO, try)
import Control.Monad (forM_, replicateM_)
import Control.Monad.IO.Class (liftIO)
import Control.Monad.IO.Unlift (withRunInIO)
import Counter.Protocol (Add (..), Reset (..))
import Data.IORef (atomicModifyIORef', newIORef, readIORef)
import Data.Word (Word64)
import Duo (counter, probe)
import Probe.Protocol (BurstDone (..), Echo (..), EmitTicks (..), ProbeEvent (..))
import RustBridge
import RustBridge.Internal (rustSchemaFingerprint)
import RustBridge.Protocol (protocolFingerprint)
import System.Timeout (timeout)
import Test.Hspec

-- | Fails the test if the action takes longer than the given number of seconds.
within :: Int -> IO a -> IO a
within seconds action =
  timeout (seconds * 1000000) action
    >>= maybe (throwIO (ErrorCall ("timed out after " <> show seconds <> " s"))) pure

-- | Every accepted call of the engine was answered, every handle released, every
-- token freed.
settled :: BridgeStats -> Expectation
settled stats = do
  callsAnswered stats `shouldBe` callsAccepted stats
  handlesReleased stats `shouldBe` handlesIssued stats
  tokensOutstanding stats `shouldBe` 0

main :: IO ()
main = hspec $ do
  it "gives each engine its own schema fingerprint" $ do
    rustSchemaFingerprint probe `shouldReturn` protocolFingerprint probe
    rustSchemaFingerprint counter `shouldReturn` protocolFingerprint counter
    protocolFingerprint probe `shouldNotBe` protocolFingerprint counter

  it "runs both engines nested, with calls to both from 64 threads, each counted by its own engine" $ do
    probeBefore <- bridgeStats probe
    counterBefore <- bridgeStats counter
    total <- within 60 . withRust defaultConfig $ do
      withRunInIO $ \inProbe -> withRust defaultConfig $
        withRunInIO $ \inCounter -> do
          forConcurrently_ [1 .. 64 :: Word64] $ \thread ->
            forM_ [1 .. 100] $ \i -> do
              let n = thread * 1000 + i
              inProbe (callRust (Echo n)) >>= (`shouldBe` n)
              _ <- inCounter (callRust (Add 1))
              pure ()
          inCounter (callRust (Add 0))
    total `shouldBe` 6400
    probeAfter <- bridgeStats probe
    counterAfter <- bridgeStats counter
    callsAccepted probeAfter - callsAccepted probeBefore `shouldBe` 6400
    callsAccepted counterAfter - callsAccepted counterBefore `shouldBe` 6401
    settled probeAfter
    settled counterAfter

  it "stops one engine while the other answers calls, and starts it again" $ do
    answered <- newIORef (0 :: Int)
    within 60 . withRust defaultConfig $
      withRunInIO $ \inProbe -> do
        let probeCalls = forM_ [1 .. 2000] $ \i -> do
              inProbe (callRust (Echo i)) >>= (`shouldBe` i)
              atomicModifyIORef' answered (\n -> (n + 1, ()))
            counterCycles = forM_ [1 .. 20 :: Int] $ \_ -> do
              total <- withRust defaultConfig $ do
                _ <- callRust (Add 2)
                callRust (Add 3)
              total `shouldBe` 5
        _ <- concurrently probeCalls counterCycles
        -- The counter is stopped; the probe still runs.
        inProbe (callRust (Echo 7)) `shouldReturn` 7
    readIORef answered `shouldReturn` 2000
    bridgeStats probe >>= settled
    bridgeStats counter >>= settled

  it "runs both side by side in two threads, each with its own lifecycle" $ do
    (echoes, totals) <-
      within 60 $
        concurrently
          (withRust defaultConfig (mapM (callRust . Echo) [1 .. 500]))
          (mapM (const (withRust defaultConfig (callRust (Add 1) <* castRust Reset))) [1 .. 10 :: Int])
    echoes `shouldBe` [1 .. 500]
    totals `shouldBe` replicate 10 1

  it "refuses a second withRust of the same engine, and not the other engine's" $ do
    outcome <- within 60 . withRust defaultConfig $
      withRunInIO $ \inProbe -> do
        again <- try (withRust defaultConfig (callRust (Echo 1)) :: IO Word64)
        total <- withRust defaultConfig (callRust (Add 9))
        echoed <- inProbe (callRust (Echo 2))
        pure (again, total, echoed)
    outcome `shouldBe` (Left AlreadyRunning, 9, 2)

  it "delivers the probe's events to its own subscriber while the counter runs" $ do
    seen <- newIORef (0 :: Int)
    let handler delivery = case delivery of
          Delivered (Finished (BurstDone n)) -> atomicModifyIORef' seen (\k -> (k + fromIntegral n, ()))
          _ -> pure ()
    within 60 . withRust defaultConfig $
      withEvents 1024 handler $
        withRunInIO $ \inProbe ->
          withRust defaultConfig $ do
            replicateM_ 10 (callRust (Add 1))
            liftIO (inProbe (callRust (EmitTicks 100)))
            liftIO (within 10 (waitFor ((== 100) <$> readIORef seen)))
    readIORef seen `shouldReturn` 100
  where
    waitFor check = do
      done <- check
      if done then pure () else threadDelay 1000 >> waitFor check
