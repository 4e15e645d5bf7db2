{-# LANGUAGE LambdaCase #-}
{-# LANGUAGE RankNTypes #-}

-- | The script host's tests, against the mixer engine and the "Script" API: each
-- refusal, one engine shared by host and script, reloads that cancel everything
-- the old run started, and the example scripts. One bridge and one interpreter
-- session serve every test, as in the host.
module Main (main) where

import Control.Concurrent (threadDelay)
import Control.Monad (forM, replicateM, unless)
import Control.Monad.IO.Unlift (withRunInIO)
import Data.IORef (IORef, atomicModifyIORef', newIORef, readIORef, writeIORef)
import Data.List (isInfixOf)
import Mixer.Protocol
import MixerScript (runInBridge, sessionFromEnv)
import RustBridge (BridgeStats (..), Rust, bridgeStats, callRust, castRust, defaultConfig, tokensOutstanding, withRust)
import RustBridge.ProcSelf (procStatus)
import Script (Script)
import Script.Runner (Context (..))
import ScriptHost (LoadError (..), Outcome (..), Session, reload, runFile, withRunner, withSession)
import System.Timeout (timeout)
import Test.Hspec
import Test.Hspec.Runner (evaluateSummary, hspecResult)

-- | What every test gets: the session, the host's own way into the bridge, the
-- runner of entry points, and the lines the scripts said (newest first).
data Env = Env
  { session :: Session,
    host :: forall x. Rust Mixer x -> IO x,
    run :: Script () -> IO (),
    output :: IORef [String]
  }

main :: IO ()
main = do
  config <- sessionFromEnv
  summary <- withRust defaultConfig $
    withRunInIO $ \unlift -> do
      said <- newIORef []
      let capture = Context (\line -> atomicModifyIORef' said (\seen -> (line : seen, ())))
      withSession config $ \s -> hspecResult (spec (Env s unlift (runInBridge unlift capture) said))
  evaluateSummary summary

-- | A refused example script and what its refusal must say.
data Refusal = Refusal FilePath (LoadError -> Bool) String

refusals :: [Refusal]
refusals =
  [ compileError "foreign-import.hs" "parse error on input ‘import’",
    refused "ffi-pragma.hs" "-XForeignFunctionInterface is not allowed",
    compileError "unsafe-perform-io.hs" "System.IO.Unsafe: Can't be safely imported",
    compileError "unsafe-coerce.hs" "Unsafe.Coerce: Can't be safely imported",
    compileError "bridge-internal.hs" "hidden package ‘rs-in-hs",
    compileError "host-internal.hs" "Script.Runner: Can't be safely imported",
    refused "options-no-safe.hs" "-fno-safe-haskell is not allowed",
    refused "options-pgmf.hs" "-F is not allowed",
    compileError "other-package.hs" "hidden package ‘containers"
  ]
  where
    compileError file text = Refusal file (\case DidNotCompile m -> text `isInfixOf` m; _ -> False) text
    refused file text = Refusal file (\case Refused m -> text `isInfixOf` m; _ -> False) text

-- | Where the example scripts are, from the package's folder (where cabal runs tests).
examples :: FilePath
examples = "../../scripts/"

-- | Where this suite's own scripts are.
scripts :: FilePath
scripts = "test/scripts/"

spec :: Env -> Spec
spec env = do
  describe "loading" $ do
    mapM_ refusalCase refusals
    it "reports GHC's message for a compile error" $ do
      outcome <- runFile (session env) (run env) (scripts <> "type-error.hs")
      outcome `shouldSatisfy` didNotCompileWith "Couldn't match type ‘Int’ with ‘[Char]’"
  describe "running" $ do
    it "runs a script to its end" $ do
      runScriptFile env (scripts <> "finishes.hs") `shouldReturn` (Finished, ["pinged"])
    it "reports a script's exception with its show" $ do
      runScriptFile env (scripts <> "throws.hs") `shouldReturn` (Threw "user error (boom)", ["about to throw"])
    it "shares one engine with the host: each reads what the other set" $ do
      _ <- host env (callRust (SetGain (ChannelId 3) (-7)))
      _ <- host env (callRust (SetGain (ChannelId 5) 0))
      runScriptFile env (scripts <> "one-engine.hs") `shouldReturn` (Finished, ["channel 4 gain -7.0"])
      fmap channelInfoGainDb <$> host env (callRust (GetChannel (ChannelId 5))) `shouldReturn` Just (-13)
  describe "reloading" $ do
    it "cancels a script whose handler catches every exception" $
      withRunner (session env) (run env) (const (pure ())) $ \runner -> do
        writeIORef (output env) []
        reload runner (scripts <> "catch-all.hs") `shouldReturn` Nothing
        waitFor "the script to start" (elem "running" <$> readIORef (output env))
        bounded "the reload" (reload runner (scripts <> "idle.hs")) `shouldReturn` Nothing
        readIORef (output env) `shouldReturn` ["running"]
    it "lets no call or cast of the old run reach the engine after a reload" $
      withRunner (session env) (run env) (const (pure ())) $ \runner -> do
        start <- callsAccepted <$> bridgeStats
        reload runner (scripts <> "callers.hs") `shouldReturn` Nothing
        waitForCalls (start + 10000)
        bounded "the reload" (reload runner (scripts <> "idle.hs")) `shouldReturn` Nothing
        atReload <- callsAccepted <$> bridgeStats
        -- Every cast of the old run was queued before the reload returned, so the
        -- engine takes this one after all of them.
        host env (castRust (Transport (Locate 0)))
        positions <- replicateM 10 (threadDelay 20000 >> host env (callRust (Seek 0)))
        final <- bridgeStats
        let lateCalls = callsAccepted final - atReload - 10
            lateCasts = length (filter (/= 0) positions)
        putStrLn
          ( "      old run: "
              <> show (atReload - start)
              <> " calls accepted; after the reload: "
              <> show lateCalls
              <> " calls, "
              <> show lateCasts
              <> " casts"
          )
        (lateCalls, lateCasts) `shouldBe` (0, 0)
        tokensOutstanding final `shouldBe` 0
    it "keeps the thread count and RSS bounded over 50 reloads of 100 callers" $
      withRunner (session env) (run env) (const (pure ())) $ \runner -> do
        readings <- forM [1 .. 50 :: Int] $ \_ -> do
          start <- callsAccepted <$> bridgeStats
          reload runner (scripts <> "callers.hs") `shouldReturn` Nothing
          waitForCalls (start + 1000)
          (,) <$> procStatus "Threads" <*> procStatus "VmRSS"
        _ <- reload runner (scripts <> "idle.hs")
        let threads = map fst readings
            rss = map snd readings
        putStrLn ("      threads after reloads 1, 10, 50: " <> show (map (threads !!) [0, 9, 49]) <> ", max " <> show (maximum threads))
        putStrLn ("      RSS after reloads 1, 10, 50: " <> show (map ((`div` 1024) . (rss !!)) [0, 9, 49]) <> " MB, max " <> show (maximum rss `div` 1024) <> " MB")
        maximum (drop 9 threads) `shouldSatisfy` (<= threads !! 9 + 4)
        last rss `shouldSatisfy` (<= rss !! 9 + 65536)
  describe "the example scripts" $ do
    it "gain-ramp.hs ramps channel 1 up to 0 dB" $ do
      (outcome, said) <- runScriptFile env (examples <> "gain-ramp.hs")
      outcome `shouldBe` Finished
      take 2 said `shouldBe` ["channel 1 at -48.0 dB", "channel 1 at -45.0 dB"]
      drop 16 said `shouldBe` ["channel 1 at 0.0 dB", "ramp done"]
      fmap channelInfoGainDb <$> host env (callRust (GetChannel (ChannelId 0))) `shouldReturn` Just 0
    it "engine-state.hs prints the engine state twenty times" $ do
      (outcome, said) <- runScriptFile env (examples <> "engine-state.hs")
      outcome `shouldBe` Finished
      map (takeWhile (/= ':')) said `shouldBe` ["tick " <> show n | n <- [1 .. 20 :: Int]]
  where
    refusalCase (Refusal file check text) =
      it ("refuses " <> file <> " (" <> text <> ")") $ do
        outcome <- runFile (session env) (run env) (examples <> "refused/" <> file)
        outcome `shouldSatisfy` \case NotLoaded e -> check e; _ -> False
    waitForCalls target = waitFor "the callers' calls" ((>= target) . callsAccepted <$> bridgeStats)

-- | Runs a script file once and returns its outcome and the lines it said, in order.
runScriptFile :: Env -> FilePath -> IO (Outcome, [String])
runScriptFile env file = do
  writeIORef (output env) []
  outcome <- bounded file (runFile (session env) (run env) file)
  (,) outcome . reverse <$> readIORef (output env)

-- | Whether the outcome is a compile error whose message has the text.
didNotCompileWith :: String -> Outcome -> Bool
didNotCompileWith text outcome = case outcome of
  NotLoaded (DidNotCompile messages) -> text `isInfixOf` messages
  _ -> False

-- | Runs the action, failing the test if it takes more than 60 s (a hang).
bounded :: String -> IO a -> IO a
bounded what action = timeout 60000000 action >>= maybe (fail (what <> " took over 60 s")) pure

-- | Waits until the condition holds, checking every 10 ms, for at most 60 s.
waitFor :: String -> IO Bool -> IO ()
waitFor what condition = bounded ("waiting for " <> what) loop
  where
    loop = do
      done <- condition
      unless done (threadDelay 10000 >> loop)
