{-# LANGUAGE ScopedTypeVariables #-}

-- | The bridge's behaviour: calls, timeouts, bad input, typed replies, lifecycle,
-- structured concurrency and cancellation. Every wait is bounded ('within',
-- 'withBridge'), and every bridge is checked for leaks on the way out.
module BridgeSpec (spec) where

import Control.Concurrent (threadDelay)
import Control.Concurrent.Async (AsyncCancelled (..), cancel, mapConcurrently_, poll, wait, waitCatch)
import Control.Concurrent.MVar (newEmptyMVar, putMVar, readMVar)
import Control.Exception (ErrorCall (..), fromException, throwIO, try)
import Control.Monad (forM_, forever, replicateM_, void)
import Control.Monad.IO.Class (liftIO)
import qualified Data.ByteString as B
import qualified Data.ByteString.Char8 as B8
import Data.IORef (atomicModifyIORef', newIORef, readIORef)
import Data.List (isInfixOf)
import Data.Proxy (Proxy (..))
import Data.Store (encode)
import Data.Word (Word64)
import Probe.Protocol
import RustBridge
import RustBridge.Internal (callRaw, castRaw, decodeReply, encodeCall)
import Support
import Test.Hspec

spec :: Spec
spec = do
  describe "calls" $ do
    it "round-trips a Ping" $
      withBridge defaultConfig ping `shouldReturn` Pong

    it "answers 2000 concurrent callers, each with its own reply, on a few OS threads (backpressure past 256)" $ do
      threadsBefore <- osThreads
      (replies, waiting) <- withBridge defaultConfig $ do
        -- Park the worker so that the callers fill the channel and wait for room.
        parked <- asyncRust (callRust (Sleep 200))
        liftIO (threadDelay 10000)
        callers <- mapM (asyncRust . callRust . Echo) [1 .. 2000 :: Word64]
        liftIO $ do
          threadDelay 100000
          waiting <- osThreads
          wait parked
          (,) <$> mapM wait callers <*> pure waiting
      replies `shouldBe` [1 .. 2000]
      -- Rust's worker, the two callers the wait gate lets into a blocking submit, and
      -- the RTS's own: never one per waiting caller.
      waiting `shouldSatisfy` (<= threadsBefore + 8)

    it "delivers casts in order before a later call from the same thread" $
      withBridge defaultConfig (replicateM_ 1000 (castRust (Note 1)) >> callRust GetCastCount)
        `shouldReturn` 1000

    it "counts a cast the engine panics on, and goes on working" $
      withBridge defaultConfig (castRust (Note 1) >> castRust PanicNote >> castRust (Note 2) >> callRust GetCastCount)
        `shouldReturn` 3

  describe "timeouts" $
    it "times out, absorbs the late reply, and keeps working" $ do
      outcome <- withBridge defaultConfig $ do
        late <- callRustTimeout 50000 (Sleep 300)
        meanwhile <- ping
        liftIO (threadDelay 400000)
        (,,) late meanwhile <$> ping
      outcome `shouldBe` (Nothing, Pong, Pong)

  describe "bad input" $ do
    it "refuses an oversize message before it crosses" $ do
      baseline <- callsAccepted <$> probeStats
      -- Both are 9 bytes: a tag and a Word64.
      withBridge defaultConfig {maxMsgLen = 4} (callRust (Echo 1))
        `shouldThrow` (== MessageTooLong 9 4)
      withBridge defaultConfig {maxMsgLen = 4} (castRust (Note 1))
        `shouldThrow` (== MessageTooLong 9 4)
      (callsAccepted <$> probeStats) `shouldReturn` baseline

    it "refuses an undecodable request and goes on working" $ do
      result <- withBridge defaultConfig $ do
        -- 0xff is no call's tag; "n" (110) is no cast's.
        r1 <- tryRust (callRaw (encode (maxBound :: Word64)))
        r2 <- tryRust (castRaw (B8.pack "not a message"))
        -- A valid tag with one byte too many.
        r3 <- tryRust (callRaw (encodeCall Ping <> B.singleton 0))
        r4 <- ping
        pure (r1, r2, r3, r4)
      result `shouldBe` (Left UndecodableRequest, Left UndecodableRequest, Left UndecodableRequest, Pong)

    it "turns an engine panic into EnginePanicked and keeps working" $ do
      (failed, later) <-
        withBridge defaultConfig $
          (,) <$> tryRust (callRust InjectPanic) <*> ping
      later `shouldBe` Pong
      case failed of
        Left (EnginePanicked why) -> why `shouldSatisfy` ("injected panic" `isInfixOf`)
        other -> expectationFailure ("expected EnginePanicked, got " <> show other)

  describe "typed replies" $ do
    it "Rust tags each reply as its request, and it decodes as that request's reply" $ do
      replies <- withBridge defaultConfig $ (,,) <$> callRaw (encodeCall Ping) <*> callRaw (encodeCall (Echo 7)) <*> callRaw (encodeCall (Sleep 0))
      replies `shouldBe` (B.singleton 0, B.cons 1 (encode (7 :: Word64)), B.singleton 2)
      let (pong, echo, slept) = replies
      (decodeReply (Proxy :: Proxy Ping) pong, decodeReply (Proxy :: Proxy Echo) echo, decodeReply (Proxy :: Proxy Sleep) slept)
        `shouldBe` (Right Pong, Right 7, Right ())

    it "raises UndecodableReply for a reply whose tag is another request's" $ do
      -- Echo's reply (tag 1, a Word64) read as GetCastCount's (tag 4, a Word64): the
      -- same shape, so only the tag tells them apart.
      echoed <- withBridge defaultConfig (callRaw (encodeCall (Echo 7)))
      decodeReply (Proxy :: Proxy GetCastCount) echoed `shouldSatisfy` isUndecodableReply
      decodeReply (Proxy :: Proxy Ping) echoed `shouldSatisfy` isUndecodableReply

    it "raises UndecodableReply for corrupted reply bytes" $ do
      echoed <- withBridge defaultConfig (callRaw (encodeCall (Echo 7)))
      let decodeEcho = decodeReply (Proxy :: Proxy Echo)
      decodeEcho echoed `shouldBe` Right 7
      forM_ [B.empty, B.take 5 echoed, echoed <> B.singleton 0, B.drop 1 echoed] $ \corrupted ->
        decodeEcho corrupted `shouldSatisfy` isUndecodableReply

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
        nested <- liftIO (try (withRust defaultConfig (pure () :: Rust Probe ())))
        (,) nested <$> ping
      nested `shouldBe` Left AlreadyRunning
      later `shouldBe` Pong

    it "raises NotRunning for a leaked asyncRust caller that calls after deinit" $ do
      go <- newEmptyMVar
      leaked <- withBridge defaultConfig $ asyncRust (liftIO (readMVar go) >> ping)
      putMVar go ()
      result <- within 10 (waitCatch leaked)
      either fromException (const Nothing) result `shouldBe` Just NotRunning

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
        callers <- mapM (\n -> asyncRust (if even n then callRust (Sleep 1) else void (callRust (Echo n)))) [1 .. 500 :: Word64]
        liftIO $ do
          threadDelay 2000
          mapConcurrently_ cancel callers
      assertNoLeaks

isUndecodableReply :: Either BridgeError a -> Bool
isUndecodableReply (Left (UndecodableReply _)) = True
isUndecodableReply _ = False
