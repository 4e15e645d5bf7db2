{-# LANGUAGE LambdaCase #-}
{-# LANGUAGE RankNTypes #-}
{-# LANGUAGE ScopedTypeVariables #-}

-- | The script host's tests, against the mixer engine and the "Script" API: each
-- refusal, scripts written to get past the sandbox (each checked for its side
-- effect on disk), scripts written to outlive a reload or to bring the host down,
-- one engine shared by host and script, reloads that end everything the old run
-- started, and the example scripts. One bridge serves every test, as in the host;
-- each run has a worker process of its own.
module Main (main) where

import Control.Concurrent (threadDelay)
import Control.Exception (IOException, try)
import Control.Monad (forM, forM_, replicateM, unless, when)
import Control.Monad.IO.Unlift (withRunInIO)
import Data.Bits (shiftR)
import qualified Data.ByteString as B
import Data.Char (isControl, isDigit)
import Data.IORef (IORef, atomicModifyIORef', newIORef, readIORef, writeIORef)
import Data.List (isInfixOf, isPrefixOf, sort)
import Data.Proxy (Proxy (..))
import qualified Data.Text as Text
import Data.Word (Word64, Word8)
import GHC.Clock (getMonotonicTimeNSec)
import Mixer.Protocol
import MixerScript (mixerHost, relayTo, serveIfWorker, sessionFromEnv)
import RustBridge (BridgeStats (..), Rust, WireText (..), bridgeStats, callRust, castRust, defaultConfig, tokensOutstanding, withRust)
import RustBridge.Internal (encodeCall, encodeCast)
import RustBridge.ProcSelf (procStatus)
import RustBridge.Protocol (callTag, castTag)
import Script.Runner (scriptCallTags, scriptCastTags)
import ScriptHost (HostConfig (..), LoadError (..), Outcome (..), Relay (..), reload, runFile, withRunner)
import System.Directory (createFileLink, doesFileExist, getTemporaryDirectory, listDirectory, withCurrentDirectory)
import System.Environment (getArgs, getExecutablePath, setEnv)
import System.Exit (exitSuccess)
import System.FilePath (takeDirectory, (</>))
import System.IO (hFlush, hSetBinaryMode, stdin, stdout)
import System.IO.Temp (withSystemTempDirectory)
import System.Posix.Files (createNamedPipe)
import System.Timeout (timeout)
import Test.Hspec
import Test.Hspec.Runner (evaluateSummary, hspecResult)

-- | What every test gets: the host configuration (its recordings folder is
-- 'recordingsDir'), the relay to the engine, the host's own way into the bridge,
-- and the lines the scripts said (newest first).
data Env = Env
  { host :: HostConfig,
    relay :: Relay,
    bridge :: forall x. Rust Mixer x -> IO x,
    output :: IORef [String],
    recordingsDir :: FilePath
  }

main :: IO ()
main = do
  serveIfFake
  serveIfWorker
  session <- sessionFromEnv
  -- A temporary folder of the suite's own, so that the workers' folders counted
  -- by 'workerFolders' are this suite's.
  summary <- withSystemTempDirectory "mixer-script-test" $ \own ->
    setEnv "TMPDIR" own
      >> withSystemTempDirectory
        "recordings"
        ( \folder -> do
            config <- mixerHost session (Just folder)
            withRust defaultConfig $
              withRunInIO $ \unlift -> do
                said <- newIORef []
                let capture line = atomicModifyIORef' said (\seen -> (line : seen, ()))
                hspecResult (spec (Env config (relayTo (Just folder) unlift capture) unlift said folder))
        )
  evaluateSummary summary

-- | The argument that makes this program a worker that breaks the protocol
-- ('serveIfFake').
duplicatingFlag :: String
duplicatingFlag = "--duplicate-call-numbers"

-- | The argument that makes this program a worker that relays the bytes of one
-- call, given as the next argument ('show' of its bytes), whatever the policy
-- says ('serveIfFake').
relayingFlag :: String
relayingFlag = "--relay-call"

-- | The argument that makes this program a worker that relays the bytes of one
-- cast, given as the next argument ('show' of its bytes), whatever the policy
-- says ('serveIfFake').
castingFlag :: String
castingFlag = "--relay-cast"

-- | If this program was started with 'duplicatingFlag', 'relayingFlag' or
-- 'castingFlag', acts as a fake worker, then waits (at most 60 s) for the host to
-- close its input, and exits; otherwise returns at once. With 'duplicatingFlag'
-- it sends two calls with the same number. With 'relayingFlag' it sends the
-- call's bytes and ends its run with the answer: returned if the host answered
-- with a reply, else thrown with the host's error text. With 'castingFlag' it
-- sends the cast's bytes and returns. It speaks the host's framing (an 8-byte
-- big-endian length, then @binary@'s encoding of the message) byte by byte:
-- 'Ready' and 'Loaded' are the tags 0 and 1, a call is the tag 3, its number and
-- its bytes (their length, then them), a cast the tag 4 and its bytes, 'Ended'
-- is the tag 7 and a 'Maybe'; the
-- host's answer is the tag 3, the number, and an 'Either' (the tag 0 and a
-- string, whose encoding is its length and then its characters, or the tag 1 and
-- the reply).
serveIfFake :: IO ()
serveIfFake = do
  arguments <- getArgs
  case arguments of
    [flag] | flag == duplicatingFlag -> fake $ \_ -> do
      let numbered = B.pack [3] <> bigEndian 1 <> bigEndian 1 <> B.pack [0]
      frame numbered
      frame numbered
    [flag, shown] | flag == relayingFlag -> fake $ \request -> do
      let bytes = B.pack (read shown)
      frame (B.pack [3] <> bigEndian 1 <> bigEndian (fromIntegral (B.length bytes)) <> bytes)
      answer <- request
      frame $ case B.index answer 9 of
        0 -> B.pack [7, 1] <> B.drop 10 answer
        _ -> B.pack [7, 0]
    [flag, shown] | flag == castingFlag -> fake $ \_ -> do
      let bytes = B.pack (read shown)
      frame (B.pack [4] <> bigEndian (fromIntegral (B.length bytes)) <> bytes)
      frame (B.pack [7, 0])
    _ -> pure ()
  where
    fake :: (IO B.ByteString -> IO ()) -> IO ()
    fake run = do
      hSetBinaryMode stdin True
      hSetBinaryMode stdout True
      let request = do
            header <- B.hGet stdin 8
            B.hGet stdin (fromIntegral (B.foldl' (\n b -> n * 256 + fromIntegral b) (0 :: Word64) header))
      _start <- request
      frame (B.pack [0])
      _load <- request
      frame (B.pack [1])
      _run <- request
      run request
      _ <- timeout 60000000 (B.hGetContents stdin)
      exitSuccess
    frame payload = B.hPut stdout (bigEndian (fromIntegral (B.length payload)) <> payload) >> hFlush stdout
    bigEndian :: Word64 -> B.ByteString
    bigEndian n = B.pack [fromIntegral (n `shiftR` (8 * k)) :: Word8 | k <- [7, 6 .. 0]]

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
    compileError "other-package.hs" "hidden package ‘containers",
    refused "shadow-api.hs" "a script is the module Main",
    refused "literate.lhs" "whose name ends in .hs",
    compileError "own-script-type.hs" "Ambiguous occurrence ‘Script’"
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

-- | A script written to get past the sandbox through files beside it: the files
-- to write in a fresh folder (@MARK@ in them stands for a marker file's path, and
-- @PGMF@ for a pre-processor that writes the marker), the name to load from that
-- folder, and what the outcome must be. The test also checks the marker was not
-- written.
data Escape = Escape String [(FilePath, String)] FilePath (Outcome -> Bool)

escapes :: [Escape]
escapes =
  [ Escape
      "an API module beside the script"
      [ ("Script.hs", "{-# OPTIONS_GHC -F -pgmF PGMF #-}\nmodule Script where\ntype Script = IO\n"),
        ("main.hs", "import Script\nscript :: Script ()\nscript = say \"the real API\"\n")
      ]
      "main.hs"
      (== Finished),
    Escape
      "a Prelude in the script's folder, which is also the current folder"
      [ ("Prelude.hs", "{-# OPTIONS_GHC -F -pgmF PGMF #-}\nmodule Prelude where\n"),
        ("main.hs", "import Script\nscript :: Script ()\nscript = say \"the real Prelude\"\n")
      ]
      "main.hs"
      (== Finished),
    Escape
      "a literate script with a pre-processor pragma"
      [("evil.lhs", "A literate script.\n\n> {-# OPTIONS_GHC -F -pgmF PGMF #-}\n> import Script\n> script :: Script ()\n> script = pure ()\n")]
      "evil.lhs"
      (refusedWith "whose name ends in .hs"),
    Escape
      "a name without its extension, beside a file that has one"
      [ ("evil", "import Script\nscript :: Script ()\nscript = pure ()\n"),
        ("evil.hs", "{-# OPTIONS_GHC -F -pgmF PGMF #-}\nimport Script\nscript :: Script ()\nscript = pure ()\n")
      ]
      "evil"
      (refusedWith "whose name ends in .hs"),
    Escape
      "a module named like the API's, with IO as its script type"
      [("evil.hs", "module Script where\ntype Script = IO\nscript :: Script ()\nscript = writeFile \"MARK\" \"escaped\"\n")]
      "evil.hs"
      (refusedWith "a script is the module Main"),
    Escape
      "a recording outside the recordings folder"
      [("evil.hs", "import Script\nscript :: Script ()\nscript = () <$ call (Record (wireText \"../MARKNAME\") 1)\n")]
      "evil.hs"
      (threwWith "not allowed"),
    Escape
      "a WAV import from outside the recordings folder"
      [("evil.hs", "import Script\nscript :: Script ()\nscript = () <$ call (ImportWav (ChannelId 0) (wireText \"/etc/MARKNAME\"))\n")]
      "evil.hs"
      (threwWith "not allowed"),
    Escape
      "a recording at an absolute path"
      [("evil.hs", "import Script\nscript :: Script ()\nscript = () <$ call (Record (wireText \"MARK\") 1)\n")]
      "evil.hs"
      (threwWith "not allowed")
  ]
  where
    refusedWith text = \case NotLoaded (Refused m) -> text `isInfixOf` m; _ -> False
    threwWith text = \case Threw m -> text `isInfixOf` m; _ -> False

-- | A shell script that writes the marker: what a pre-processor pragma would run.
writeMarker :: FilePath -> String
writeMarker marker = "#!/bin/sh\necho escaped > " <> marker <> "\ncp \"$2\" \"$3\"\n"

spec :: Env -> Spec
spec env = do
  describe "loading" $ do
    mapM_ refusalCase refusals
    it "reports GHC's message for a compile error, naming the script's own file" $ do
      outcome <- runFile (host env) (relay env) (scripts <> "type-error.hs")
      outcome `shouldSatisfy` didNotCompileWith "Couldn't match type ‘Int’ with ‘[Char]’"
      outcome `shouldSatisfy` didNotCompileWith "type-error.hs:5:"
    it "compiles a script in Haskell 2010 on every GHC (GHC2021's ExplicitForAll is off)" $ do
      (outcome, said) <- runScriptFile env (scripts <> "ghc2021.hs")
      outcome `shouldSatisfy` didNotCompileWith "forall"
      said `shouldBe` []
    it "refuses own-call-instance.hs (a script's own ScriptCall instance), and no call reaches the engine" $ do
      audio <- audioConfig
      before <- callsAccepted <$> mixerStats
      outcome <- bounded "own-call-instance.hs" (runFile (host env) (relay env) (examples <> "refused/own-call-instance.hs"))
      outcome `shouldSatisfy` didNotCompileWith "Listed"
      outcome `shouldSatisfy` didNotCompileWith "ScriptCall StartAudio"
      callsAccepted <$> mixerStats `shouldReturn` before
      audioConfig `shouldReturn` audio
    it "refuses a symbolic link to a script, and nothing of the linked file runs or is shown" $
      withSystemTempDirectory "linked" $ \folder -> do
        writeFile (folder </> "target.hs") (saying secret)
        createFileLink (folder </> "target.hs") (folder </> "link.hs")
        (outcome, said) <- runScriptFile env (folder </> "link.hs")
        outcome `shouldSatisfy` refusedWith "is a symbolic link"
        said `shouldBe` []
        loadMessage outcome `shouldNotContain` secret
    it "refuses a FIFO at once, without waiting for a writer" $
      withSystemTempDirectory "fifo" $ \folder -> do
        createNamedPipe (folder </> "fifo.hs") 0o600
        start <- getMonotonicTimeNSec
        (outcome, said) <- runScriptFile env (folder </> "fifo.hs")
        millis <- (`div` 1000000) . subtract start <$> getMonotonicTimeNSec
        outcome `shouldSatisfy` refusedWith "is not a regular file"
        said `shouldBe` []
        millis `shouldSatisfy` (< 20000)
    it "refuses a script over 1 MiB, and nothing of it runs or is shown" $
      withSystemTempDirectory "large" $ \folder -> do
        writeFile (folder </> "large.hs") (saying secret <> "-- " <> replicate (1024 * 1024) 'x' <> "\n")
        (outcome, said) <- runScriptFile env (folder </> "large.hs")
        outcome `shouldSatisfy` refusedWith "over the limit of 1048576 bytes"
        said `shouldBe` []
        loadMessage outcome `shouldNotContain` secret
    it "escapes the control characters of a refused pragma option it quotes" $
      withSystemTempDirectory "pragma" $ \folder -> do
        writeFile (folder </> "title.hs") ("{-# OPTIONS_GHC -fx\ESC]0;x\a #-}\n" <> saying secret)
        (outcome, said) <- runScriptFile env (folder </> "title.hs")
        -- GHC reads the BEL as a NUL; either is escaped.
        outcome `shouldSatisfy` refusedWith "the pragma option -fx\\ESC]0;x\\"
        said `shouldBe` []
        filter (\c -> isControl c && c /= '\n') (loadMessage outcome) `shouldBe` ""
  describe "escapes" $ do
    forM_ escapes escapeCase
    it "records into the recordings folder under a plain name" $ do
      (outcome, _) <- runScriptFile env (scripts <> "records.hs")
      outcome `shouldBe` Finished
      listDirectory (recordingsDir env) `shouldReturn` ["take.wav"]
  describe "the host's check of relayed requests" $ do
    it "lets a script send every call and cast of the protocol but StartAudio, and no other" $ do
      sort scriptCallTags `shouldBe` filter (/= callTag (Proxy :: Proxy StartAudio)) [0 .. callTag (Proxy :: Proxy AwaitFrame)]
      sort scriptCastTags `shouldBe` [0 .. castTag (Proxy :: Proxy Transport)]
    it "passes an allowed call from a worker to the engine" $ do
      before <- callsAccepted <$> mixerStats
      relayRaw relayingFlag env (encodeCall Ping) `shouldReturn` Finished
      callsAccepted <$> mixerStats `shouldReturn` before + 1
    it "passes a recording into the recordings folder from a worker to the engine" $ do
      -- The engine may answer that a recording is running: the call reached it.
      before <- callsAccepted <$> mixerStats
      relayRaw relayingFlag env (encodeCall (Record (WireText (Text.pack (recordingsDir env </> "take.wav"))) 1)) `shouldReturn` Finished
      callsAccepted <$> mixerStats `shouldReturn` before + 1
    it "drops a cast from a worker that does not decode, and the engine never sees it" $ do
      _ <- bridge env (callRust (Seek 0))
      relayRaw castingFlag env (encodeCast (Transport (Locate 9600)) <> B.pack [0]) `shouldReturn` Finished
      bridge env (callRust (Seek 0)) `shouldReturn` 0
      relayRaw castingFlag env (encodeCast (Transport (Locate 4800))) `shouldReturn` Finished
      waitFor "the allowed cast" ((/= 0) <$> bridge env (callRust (Seek 0)))
    forM_ refusedCalls $ \(what, bytes, text) ->
      it ("refuses " <> what <> " from a worker, and nothing reaches the engine or the disk") $
        withSystemTempDirectory "outside" $ \outside -> do
          audio <- audioConfig
          before <- callsAccepted <$> mixerStats
          recorded <- listDirectory (recordingsDir env)
          outcome <- relayRaw relayingFlag env (bytes audio outside)
          outcome `shouldSatisfy` \case Threw m -> "not allowed: " `isPrefixOf` m && text `isInfixOf` m; _ -> False
          callsAccepted <$> mixerStats `shouldReturn` before
          audioConfig `shouldReturn` audio
          listDirectory outside `shouldReturn` []
          listDirectory (recordingsDir env) `shouldReturn` recorded
          doesFileExist (takeDirectory (recordingsDir env) </> "escaped.wav") `shouldReturn` False
          doesFileExist "../escaped.wav" `shouldReturn` False
  describe "running" $ do
    it "runs a script to its end" $ do
      runScriptFile env (scripts <> "finishes.hs") `shouldReturn` (Finished, ["pinged"])
    it "reports a script's exception with its show" $ do
      runScriptFile env (scripts <> "throws.hs") `shouldReturn` (Threw "user error (boom)", ["about to throw"])
    it "reports a UserInterrupt from a script as the script's, and the host goes on" $
      runScriptFile env (scripts <> "user-interrupt.hs") `shouldReturn` (Threw "user interrupt", [])
    it "reports an ExitCode from a script as the script's" $
      runScriptFile env (scripts <> "exit.hs") `shouldReturn` (Threw "ExitFailure 7", [])
    it "reports an exception whose show throws, without running that show in the host" $ do
      (outcome, _) <- runScriptFile env (scripts <> "show-throws.hs")
      outcome `shouldBe` Threw "an exception of type Bad whose text threw"
    it "reports an exception whose show never ends, within a bound" $ do
      (outcome, _) <- runScriptFile env (scripts <> "show-never-ends.hs")
      outcome `shouldSatisfy` \case Threw m -> "did not come within" `isInfixOf` m; _ -> False
    it "cuts an endless exception text at 4000 characters" $ do
      (outcome, _) <- runScriptFile env (scripts <> "show-endless.hs")
      outcome `shouldSatisfy` \case Threw m -> length m == 4000; _ -> False
    it "reports a worker whose process dies, and the host goes on" $ do
      let dying = (host env) {workerCommand = ("/bin/sh", ["-c", "kill -SEGV $$"])}
      outcome <- bounded "a dying worker" (runFile dying (relay env) (scripts <> "finishes.hs"))
      outcome `shouldBe` NotLoaded (SessionFailed "the worker killed by signal 11 while loading")
      fst <$> runScriptFile env (scripts <> "finishes.hs") `shouldReturn` Finished
    it "escapes the control characters of a script's lines and exception texts" $ do
      (outcome, said) <- runScriptFile env (scripts <> "terminal-escapes.hs")
      said `shouldBe` ["\\ESC]0;x\\a"]
      outcome `shouldBe` Threw "user error (\\ESC[2J\\r)"
      filter isControl (concat said <> case outcome of Threw m -> m; _ -> "") `shouldBe` ""
    it "cuts an endless line at 16384 characters" $ do
      (outcome, said) <- runScriptFile env (scripts <> "say-endless.hs")
      outcome `shouldBe` Finished
      map length said `shouldBe` [16384]
    it "shares one engine with the host: each reads what the other set" $ do
      _ <- bridge env (callRust (SetGain (ChannelId 3) (-7)))
      _ <- bridge env (callRust (SetGain (ChannelId 5) 0))
      runScriptFile env (scripts <> "one-engine.hs") `shouldReturn` (Finished, ["channel 4 gain -7.0"])
      fmap channelInfoGainDb <$> bridge env (callRust (GetChannel (ChannelId 5))) `shouldReturn` Just (-13)
    it "survives 40 runs of a script that sends 3 MB of samples (refused as too long)" $ do
      -- The samples cross to the host, whose bridge refuses them.
      let roomy = (host env) {maxRequestBytes = 4 * 1024 * 1024}
      outcomes <- replicateM 40 (bounded "big-samples.hs" (runFile roomy (relay env) (scripts <> "big-samples.hs")))
      let refusedLong = \case Threw m -> "message of 3000011 bytes exceeds maxMsgLen" `isInfixOf` m; _ -> False
          tooLong = length (filter refusedLong outcomes)
      putStrLn ("      refused as too long: " <> show tooLong <> " of 40; other outcomes: " <> show (filter (not . refusedLong) outcomes))
      tooLong `shouldBe` 40
    it "kills a worker that reuses the number of a call in progress, and abandons that call" $ do
      self <- getExecutablePath
      entered <- newIORef (0 :: Int)
      reached <- newIORef (0 :: Int)
      let count ref = atomicModifyIORef' ref (\n -> (n + 1, ()))
          holding =
            Relay
              { relayCall = \_ -> count entered >> threadDelay 300000 >> count reached >> pure (Left "held"),
                relayCast = \_ -> pure (),
                relaySay = \_ -> pure ()
              }
          duplicating = (host env) {workerCommand = (self, [duplicatingFlag])}
      outcome <- bounded "a worker reusing a call number" (runFile duplicating holding (scripts <> "finishes.hs"))
      outcome `shouldSatisfy` \case Crashed m -> "reused call number 1 while that call was in progress" `isInfixOf` m; _ -> False
      threadDelay 600000
      readIORef entered >>= (`shouldSatisfy` (<= 1))
      readIORef reached `shouldReturn` 0
    it "ends the worker and removes its folder when a run is interrupted while it starts or loads" $
      forM_ [1, 2000, 10000, 50000, 200000, 500000, 1500000] $ \after -> do
        interrupted <- timeout after (runFile (host env) (relay env) (scripts <> "compile-bomb.hs"))
        (after, interrupted) `shouldBe` (after, Nothing)
        childProcesses `shouldReturn` []
        workerFolders `shouldReturn` []
  describe "bounds" $ do
    it "abandons a load that runs over its time, and loads the next script" $ do
      let quick = (host env) {loadTimeout = 3000000}
      outcome <- bounded "the compile bomb" (runFile quick (relay env) (scripts <> "compile-bomb.hs"))
      outcome `shouldSatisfy` \case NotLoaded (OverLimit m) -> "took over 3 s" `isInfixOf` m; _ -> False
      fst <$> runScriptFile env (scripts <> "finishes.hs") `shouldReturn` Finished
    it "ends a run that goes over its memory, and reports it" $ do
      let small = (host env) {memoryLimit = 600 * 1024 * 1024}
      outcome <- bounded "the memory hog" (runFile small (relay env) (scripts <> "memory-hog.hs"))
      outcome `shouldSatisfy` \case OverMemory bytes -> bytes > 600 * 1024 * 1024; _ -> False
  describe "reloading" $ do
    -- Each script with whether it calls the engine in its loop.
    forM_ [("catch-all.hs", True), ("catch-own-instance.hs", True), ("cyclic-loop.hs", False), ("memory-hog.hs", False)] $ \(file, calling) ->
      it ("replaces " <> file <> " within 5 s, ends its worker and removes its folder, and nothing of it reaches the engine after") $
        withRunner (host env) (relay env) (const (pure ())) $ \runner -> do
          writeIORef (output env) []
          before <- callsAccepted <$> mixerStats
          reload runner (scripts <> file) `shouldReturn` Nothing
          waitFor "the script to start" (elem "running" <$> readIORef (output env))
          when calling (waitForCalls (before + 100))
          workers <- childProcesses
          folders <- workerFolders
          when calling (length workers `shouldBe` 2)
          start <- getMonotonicTimeNSec
          bounded "the reload" (reload runner (scripts <> "waits.hs")) `shouldReturn` Nothing
          millis <- (`div` 1000000) . subtract start <$> getMonotonicTimeNSec
          atReload <- callsAccepted <$> mixerStats
          putStrLn ("      reload took " <> show millis <> " ms")
          millis `shouldSatisfy` (< 5000)
          -- Running now: the old spare, with waits.hs, and a new spare. Of the
          -- workers before the reload only the old spare is left: the one that ran
          -- the script is dead and waited for, and its folder removed.
          workersAfter <- childProcesses
          foldersAfter <- workerFolders
          (length workersAfter, length foldersAfter) `shouldBe` (2, 2)
          length (filter (`elem` workersAfter) workers) `shouldSatisfy` (<= 1)
          length (filter (`elem` foldersAfter) folders) `shouldSatisfy` (<= 1)
          threadDelay 100000
          callsAccepted <$> mixerStats `shouldReturn` atReload
    it "lets no call or cast of the old run reach the engine after a reload" $
      withRunner (host env) (relay env) (const (pure ())) $ \runner -> do
        start <- callsAccepted <$> mixerStats
        reload runner (scripts <> "callers.hs") `shouldReturn` Nothing
        waitForCalls (start + 10000)
        bounded "the reload" (reload runner (scripts <> "idle.hs")) `shouldReturn` Nothing
        atReload <- callsAccepted <$> mixerStats
        -- Every cast of the old run was queued before the reload returned, so the
        -- engine takes this one after all of them.
        bridge env (castRust (Transport (Locate 0)))
        positions <- replicateM 10 (threadDelay 20000 >> bridge env (callRust (Seek 0)))
        final <- mixerStats
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
    it "keeps the host's thread count and RSS bounded over 50 reloads of 100 callers" $
      withRunner (host env) (relay env) (const (pure ())) $ \runner -> do
        readings <- forM [1 .. 50 :: Int] $ \_ -> do
          start <- callsAccepted <$> mixerStats
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
      fmap channelInfoGainDb <$> bridge env (callRust (GetChannel (ChannelId 0))) `shouldReturn` Just 0
    it "engine-state.hs prints the engine state twenty times" $ do
      (outcome, said) <- runScriptFile env (examples <> "engine-state.hs")
      outcome `shouldBe` Finished
      map (takeWhile (/= ':')) said `shouldBe` ["tick " <> show n | n <- [1 .. 20 :: Int]]
  where
    refusalCase (Refusal file check text) =
      it ("refuses " <> file <> " (" <> text <> ")") $ do
        outcome <- runFile (host env) (relay env) (examples <> "refused/" <> file)
        outcome `shouldSatisfy` \case NotLoaded e -> check e; _ -> False
    escapeCase (Escape what files target check) =
      it ("holds against " <> what <> ", and the marker is not written") $
        withSystemTempDirectory "escape" $ \folder -> do
          let marker = folder </> "MARKER"
              pgmf = folder </> "write-marker.sh"
              fill = replace "MARK" marker . replace "MARKNAME" "escaped.wav" . replace "PGMF" pgmf
          writeFile pgmf (writeMarker marker)
          forM_ files $ \(name, text) -> writeFile (folder </> name) (fill text)
          outcome <- withCurrentDirectory folder (bounded what (runFile (host env) (relay env) (folder </> target)))
          outcome `shouldSatisfy` check
          doesFileExist marker `shouldReturn` False
          sort <$> listDirectory folder `shouldReturn` sort ("write-marker.sh" : map fst files)
          doesFileExist (takeDirectory (recordingsDir env) </> "escaped.wav") `shouldReturn` False
    audioConfig = audioFiguresConfig <$> bridge env (callRust QueryAudio)
    -- Each call a worker may not relay: what it is, its bytes given the engine's
    -- audio configuration and a folder outside the recordings folder, and the
    -- refusal's text.
    refusedCalls =
      [ ( "StartAudio",
          \audio _ -> encodeCall (StartAudio audio {audioConfigSampleRate = audioConfigSampleRate audio + 1}),
          "the call of tag " <> show (callTag (Proxy :: Proxy StartAudio)) <> " is not one a script may send"
        ),
        ( "a recording outside the recordings folder (../escaped.wav)",
          \_ _ -> encodeCall (Record (WireText (Text.pack "../escaped.wav")) 1),
          "the path \"../escaped.wav\" is not in the recordings folder"
        ),
        ( "a recording at an absolute path",
          \_ outside -> encodeCall (Record (WireText (Text.pack (outside </> "escaped.wav"))) 1),
          "is not in the recordings folder"
        ),
        ( "a recording that leaves the recordings folder by ..",
          \_ _ -> encodeCall (Record (WireText (Text.pack (recordingsDir env </> "../escaped.wav"))) 1),
          "names a folder"
        ),
        ( "a WAV import from outside the recordings folder",
          \_ outside -> encodeCall (ImportWav (ChannelId 0) (WireText (Text.pack (outside </> "escaped.wav")))),
          "is not in the recordings folder"
        ),
        ( "a call that does not decode (a Ping with a byte after it)",
          \_ _ -> encodeCall Ping <> B.pack [0],
          "tagged as Ping do not decode"
        ),
        ( "a call that does not decode (a Record cut short)",
          \_ _ -> B.take 5 (encodeCall (Record (WireText (Text.pack "take.wav")) 1)),
          "tagged as Record do not decode"
        ),
        ("a call with a tag no call has", \_ _ -> B.pack [200], "the call of tag 200 is not one"),
        ("an empty call", \_ _ -> B.empty, "an empty call")
      ]
    secret = "the refused file's own text"
    saying line = "import Script\nscript :: Script ()\nscript = say " <> show line <> "\n"
    refusedWith text = \case NotLoaded (Refused m) -> text `isInfixOf` m; _ -> False
    loadMessage = \case
      NotLoaded (Refused m) -> m
      NotLoaded (DidNotCompile m) -> m
      NotLoaded (SessionFailed m) -> m
      NotLoaded (OverLimit m) -> m
      _ -> ""
    waitForCalls target = waitFor "the callers' calls" ((>= target) . callsAccepted <$> mixerStats)

-- | The processes whose parent is this one (the workers it has not waited for).
childProcesses :: IO [String]
childProcesses = do
  self <- takeWhile (/= ' ') <$> readFile "/proc/self/stat"
  entries <- filter (all isDigit) <$> listDirectory "/proc"
  fmap concat . forM entries $ \pid -> do
    stat <- try (readFile ("/proc" </> pid </> "stat") >>= \text -> length text `seq` pure text)
    pure $ case stat of
      -- The fields after the command's closing parenthesis: state, parent, ...
      Right text | _ : parent : _ <- words (drop 1 (dropWhile (/= ')') text)), parent == self -> [pid]
      Right _ -> []
      Left (_ :: IOException) -> []

-- | The workers' temporary folders left in this suite's temporary folder.
workerFolders :: IO [FilePath]
workerFolders = filter ("rs-in-hs-worker" `isPrefixOf`) <$> (getTemporaryDirectory >>= listDirectory)

-- | The mixer engine's counters ('bridgeStats').
mixerStats :: IO BridgeStats
mixerStats = bridgeStats (Proxy :: Proxy Mixer)

-- | The text with each occurrence of the first string replaced by the second.
replace :: String -> String -> String -> String
replace from to = go
  where
    go text = case text of
      [] -> []
      c : rest
        | take (length from) text == from -> to <> go (drop (length from) text)
        | otherwise -> c : go rest

-- | Runs a fake worker that relays the call's or cast's bytes as they are, past
-- every check of the worker's ('relayingFlag', 'castingFlag'), and returns the
-- run's outcome.
relayRaw :: String -> Env -> B.ByteString -> IO Outcome
relayRaw flag env bytes = do
  self <- getExecutablePath
  let relaying = (host env) {workerCommand = (self, [flag, show (B.unpack bytes)])}
  bounded "a worker relaying a call" (runFile relaying (relay env) (scripts <> "finishes.hs"))

-- | Runs a script file once and returns its outcome and the lines it said, in order.
runScriptFile :: Env -> FilePath -> IO (Outcome, [String])
runScriptFile env file = do
  writeIORef (output env) []
  outcome <- bounded file (runFile (host env) (relay env) file)
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
