{-# LANGUAGE ScopedTypeVariables #-}

-- | The bridge's behaviour: calls, timeouts, bad input, lifecycle, structured
-- concurrency and cancellation. Every wait is bounded ('within', 'withBridge'), and
-- every bridge is checked for leaks on the way out.
module BridgeSpec (spec) where

import Control.Concurrent (threadDelay)
import Control.Concurrent.Async (AsyncCancelled (..), cancel, mapConcurrently_, poll, wait, waitCatch)
import Control.Concurrent.MVar (newEmptyMVar, putMVar, readMVar)
import Control.Exception (ErrorCall (..), fromException, throwIO, try)
import Control.Monad (forM_, forever, replicateM_, void)
import Control.Monad.IO.Class (liftIO)
import qualified Data.ByteString.Char8 as B8
import Data.IORef (atomicModifyIORef', newIORef, readIORef)
import Data.Word (Word64)
import RustBridge
import Support
import Test.Hspec

spec :: Spec
spec = do
  describe "calls" $ do
    it "round-trips a Ping" $
      withBridge defaultConfig ping `shouldReturn` Pong

    it "answers 2000 concurrent callers, each with its own reply (backpressure past 256)" $ do
      replies <- withBridge defaultConfig $ do
        callers <- mapM (asyncRust . callRust . Echo) [1 .. 2000 :: Word64]
        liftIO (mapM wait callers)
      replies `shouldBe` map Echo [1 .. 2000]

    it "delivers casts in order before a later call from the same thread" $
      withBridge defaultConfig (replicateM_ 1000 (castRust Ping) >> callRust GetCastCount)
        `shouldReturn` CastCount 1000

  describe "timeouts" $
    it "times out, absorbs the late reply, and keeps working" $ do
      outcome <- withBridge defaultConfig $ do
        late <- callRustTimeout 50000 (Sleep 300) :: Rust (Maybe MessageBody)
        meanwhile <- ping
        liftIO (threadDelay 400000)
        (,,) late meanwhile <$> ping
      outcome `shouldBe` (Nothing, Pong, Pong)

  describe "bad input" $ do
    it "refuses an oversize message before it crosses" $ do
      baseline <- callsAccepted <$> bridgeStats
      withBridge (Config 4) (callRust (Echo 1) :: Rust MessageBody)
        `shouldThrow` (== MessageTooLong 9 4)
      withBridge (Config 4) (castRust (Echo 1))
        `shouldThrow` (== MessageTooLong 9 4)
      (callsAccepted <$> bridgeStats) `shouldReturn` baseline

    it "raises UndecodableReply when the reply is not the expected type" $
      withBridge defaultConfig (callRust Ping :: Rust (Word64, Word64))
        `shouldThrow` isUndecodableReply

    it "refuses an undecodable request and goes on working" $ do
      result <- withBridge defaultConfig $ do
        let garbage = maxBound :: Word64
        r1 <- tryRust (callRust garbage :: Rust MessageBody)
        r2 <- tryRust (castRust (B8.pack "not a message"))
        r3 <- ping
        pure (r1, r2, r3)
      result `shouldBe` (Left UndecodableRequest, Left UndecodableRequest, Pong)

    it "turns an engine panic into EnginePanicked and keeps working" $ do
      (failed, later) <-
        withBridge defaultConfig $
          (,) <$> tryRust (callRust InjectPanic :: Rust MessageBody) <*> ping
      later `shouldBe` Pong
      case failed of
        Left (EnginePanicked why) -> why `shouldContain` "InjectPanic"
        other -> expectationFailure ("expected EnginePanicked, got " <> show other)

  describe "lifecycle" $ do
    it "re-inits 100 times without leaking OS threads" $ do
      void (withBridge defaultConfig ping)
      baseline <- osThreads
      forM_ [1 .. 100 :: Int] $ \_ -> withBridge defaultConfig ping `shouldReturn` Pong
      later <- osThreads
      later `shouldSatisfy` (<= baseline + 2)

    it "propagates an exception from the body and still deinits" $ do
      withBridge defaultConfig (ping >> liftIO (throwIO (ErrorCall "boom")))
        `shouldThrow` (== ErrorCall "boom")
      -- A bridge that was not deinit'ed would refuse this with AlreadyRunning.
      withBridge defaultConfig ping `shouldReturn` Pong

    it "refuses a nested withRust and leaves the outer bridge working" $ do
      (nested, later) <- withBridge defaultConfig $ do
        nested <- liftIO (try (withRust defaultConfig (pure ())))
        (,) nested <$> ping
      nested `shouldBe` Left AlreadyRunning
      later `shouldBe` Pong

    it "raises NotRunning for a leaked asyncRust caller that calls after deinit" $ do
      go <- newEmptyMVar
      leaked <- withBridge defaultConfig $ asyncRust (liftIO (readMVar go) >> ping)
      putMVar go ()
      result <- within 10 (waitCatch leaked)
      either (Just . show) (const Nothing) result `shouldBe` Just (show NotRunning)

  describe "structured concurrency" $
    it "withAsyncRust cancels the child when its scope ends, before deinit" $ do
      calls <- newIORef (0 :: Int)
      child <- withBridge defaultConfig $
        withAsyncRust (forever (ping >> liftIO (atomicModifyIORef' calls (\n -> (n + 1, ()))))) $ \child -> do
          liftIO (within 10 (waitUntil ((> 10) <$> readIORef calls)))
          pure child
      outcome <- poll child
      fmap (either fromException (const Nothing)) outcome
        `shouldBe` Just (Just AsyncCancelled)

  describe "cancellation" $
    it "leaks nothing when callers are cancelled mid-call" $ do
      withBridge defaultConfig $ do
        callers <- mapM (\n -> asyncRust (callRust (if even n then Sleep 1 else Echo n) :: Rust MessageBody)) [1 .. 500 :: Word64]
        liftIO $ do
          threadDelay 2000
          mapConcurrently_ cancel callers
      assertNoLeaks

isUndecodableReply :: BridgeError -> Bool
isUndecodableReply (UndecodableReply _) = True
isUndecodableReply _ = False
