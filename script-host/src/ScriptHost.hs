{-# LANGUAGE ScopedTypeVariables #-}

-- | A host for user scripts beside a running rs-in-hs engine. An application gives
-- it an API package (a Trustworthy module that scripts import, whose script type
-- reaches the engine only through the application's protocol) and a 'Relay' that
-- passes a script's requests to the engine; the host loads and runs each script in
-- a worker process of its own ("ScriptHost.Worker"), the application's program
-- started again, and ends that process when the run ends or is replaced.
--
-- Guarantees, referred to by number below:
--
-- 1. A script sees only @base@ and the API package, compiled as Safe Haskell
--    without the foreign function interface; what is compiled is exactly the one
--    file that was checked ("ScriptHost.Source"), whose pragmas pass an allow-list
--    before GHC reads it, and no other module is read from disk.
-- 2. A script's errors do not stop the host: a refusal or a compile error is a
--    'LoadError' with GHC's message, and whatever ends a run (any exception the
--    script throws, @UserInterrupt@ and @ExitCode@ among them, a crash of its
--    runtime) is an 'Outcome' of the run. A script's exception is shown by the
--    worker, under a bound of time and length; the host runs no script code.
-- 3. A load is bounded in time ('loadTimeout') and memory ('memoryLimit'); a run
--    is bounded in memory. Going over ends the worker and is reported.
-- 4. A reload or a stop ends the running script within a bound, whatever it does:
--    its worker is killed, the calls it had in flight are abandoned, and nothing
--    it started reaches the engine after 'reload' or 'stop' returns. The memory
--    it held goes back to the system with its process.
-- 5. No text of a script's reaches the application with a control character in it
--    but newline and tab: its lines, its exceptions' texts and its load errors
--    (which can quote it) have the others escaped ("ScriptHost.Printable"), so
--    printing them cannot send the terminal a command.
--
-- The host never runs script code, so its program can be linked statically or
-- dynamically; the worker, which is the same program, loads the API package's
-- shared libraries (see "ScriptHost.Session" for the package database).
module ScriptHost
  ( -- * Configuration
    HostConfig (..),
    hostConfig,
    SessionConfig (..),
    sessionConfig,
    defaultExtensions,
    LoadError (..),

    -- * What scripts reach
    Relay (..),

    -- * Running once
    Outcome (..),
    runFile,

    -- * Reloading
    Runner,
    withRunner,
    reload,
    stop,
    watchFile,

    -- * The worker process
    workerFlag,
  )
where

import Control.Concurrent (threadDelay)
import Control.Concurrent.Async (Async, asyncWithUnmask, cancel)
import Control.Concurrent.MVar (MVar, modifyMVar, modifyMVar_, newEmptyMVar, newMVar, swapMVar, takeMVar, tryPutMVar, tryTakeMVar)
import Control.Exception (bracket, finally, mask, onException)
import Control.Monad (forever, void)
import Data.Foldable (traverse_)
import Data.Maybe (fromMaybe)
import Data.Word (Word64)
import ScriptHost.Pragmas (defaultExtensions)
import ScriptHost.Process (Event (..), Relay (..), Worker, killWorker, nextEvent, nextEventWithin, sendToWorker, startWorker, workerAlive)
import ScriptHost.Session (LoadError (..), SessionConfig (..), sessionConfig)
import ScriptHost.Wire (FromWorker (..), ToWorker (..))
import ScriptHost.Worker (workerFlag)
import System.Directory (makeAbsolute)
import System.Environment (getExecutablePath)
import System.FSNotify (eventPath, watchDir, withManager)
import System.FilePath (equalFilePath, takeDirectory)
import System.Timeout (timeout)

-- | How the host runs scripts.
data HostConfig = HostConfig
  { -- | The interpreter session each worker starts.
    hostSession :: !SessionConfig,
    -- | The worker's program and its arguments, 'workerFlag' first.
    workerCommand :: !(FilePath, [String]),
    -- | How long a load may take, in microseconds, from the worker's start until
    -- the script is compiled.
    loadTimeout :: !Int,
    -- | How much resident memory a worker may use, in bytes, while it loads and
    -- while it runs.
    memoryLimit :: !Word64,
    -- | How long a script's call or cast may be, in bytes; a longer one is refused
    -- in the worker (the engine's own limit may be lower).
    maxRequestBytes :: !Int
  }
  deriving (Eq, Show)

-- | A configuration whose worker is this program, started with 'workerFlag' and
-- then the given arguments (the application's own, for its worker), a load
-- bound of 20 s, a memory bound of 2 GiB and requests of at most 1 MiB.
hostConfig :: SessionConfig -> [String] -> IO HostConfig
hostConfig session arguments = do
  self <- getExecutablePath
  pure
    HostConfig
      { hostSession = session,
        workerCommand = (self, workerFlag : arguments),
        loadTimeout = 20000000,
        memoryLimit = 2 * 1024 * 1024 * 1024,
        maxRequestBytes = 1024 * 1024
      }

-- | How one run of a script ended.
data Outcome
  = -- | The entry point returned.
    Finished
  | -- | The entry point threw an exception, shown here by the worker (guarantee
    -- 2), its control characters escaped (guarantee 5).
    Threw !String
  | -- | The script did not load, so nothing of it ran.
    NotLoaded !LoadError
  | -- | The run went over the memory bound, at this many bytes, and was ended.
    OverMemory !Word64
  | -- | The worker's process ended before its run did: how it ended.
    Crashed !String
  deriving (Eq, Show)

-- | How long the host waits for a thrown exception's text, in microseconds, after
-- the worker says one is coming (the worker's own bound is one second).
textWithin :: Int
textWithin = 2000000

-- | Starts a worker, which starts its session at once.
newWorker :: HostConfig -> Relay -> IO Worker
newWorker config = startWorker (workerCommand config) (memoryLimit config) (maxRequestBytes config) (hostSession config)

-- | Loads the file in the worker (guarantees 1 and 3). On a load error, or an
-- exception (an asynchronous one among them), the worker has been ended.
loadIn :: HostConfig -> Worker -> FilePath -> IO (Either LoadError ())
loadIn config worker file = do
  loaded <- (sendToWorker worker (Load file) >> timeout (loadTimeout config) awaitLoad) `onException` killWorker worker
  case fromMaybe (Left (OverLimit ("the load took over " <> show (loadTimeout config `div` 1000000) <> " s"))) loaded of
    Right () -> pure (Right ())
    Left problem -> Left problem <$ killWorker worker
  where
    awaitLoad = do
      event <- nextEvent worker
      case event of
        Message Ready -> awaitLoad
        Message Loaded -> pure (Right ())
        Message (LoadFailed problem) -> pure (Left problem)
        Exited how -> pure (Left (SessionFailed ("the worker " <> how <> " while loading")))
        MemoryOver bytes -> pure (Left (OverLimit ("the load went over the memory bound of " <> megabytes (memoryLimit config) <> " (" <> megabytes bytes <> ")")))
        Message _ -> pure (Left (SessionFailed "the worker answered out of turn"))

-- | Runs the loaded script to its end and returns how it ended.
runIn :: Worker -> IO Outcome
runIn worker = sendToWorker worker Run >> loop
  where
    loop = do
      event <- nextEvent worker
      case event of
        Message (Ended Nothing) -> pure Finished
        Message (Ended (Just text)) -> pure (Threw text)
        Message Ending -> do
          text <- nextEventWithin worker textWithin
          pure . Threw $ case text of
            Just (Message (Ended (Just shown))) -> shown
            _ -> "an exception whose text did not come within " <> show (textWithin `div` 1000000) <> " s"
        MemoryOver bytes -> pure (OverMemory bytes)
        Exited how -> pure (Crashed how)
        Message _ -> loop

-- | Megabytes, as text.
megabytes :: Word64 -> String
megabytes bytes = show (bytes `div` (1024 * 1024)) <> " MB"

-- | Loads a script in a new worker and runs its entry point until it ends, then
-- ends the worker (guarantees 1 to 3). An asynchronous exception to the calling
-- thread (a 'cancel', Ctrl-C), while the worker starts, loads or runs, ends the
-- worker and propagates.
runFile :: HostConfig -> Relay -> FilePath -> IO Outcome
runFile config relay file =
  bracket (newWorker config relay) killWorker $ \worker ->
    loadIn config worker file >>= either (pure . NotLoaded) (\() -> runIn worker)

-- | Runs one script at a time, each in a worker of its own, and replaces it on
-- 'reload'. It keeps one more worker ready (its session started), so that a
-- reload does not wait for a worker to start.
data Runner = Runner
  { runnerConfig :: !HostConfig,
    runnerRelay :: !Relay,
    report :: !(Outcome -> IO ()),
    current :: !(MVar (Maybe (Async ()))),
    spare :: !(MVar (Maybe Worker))
  }

-- | Makes a runner: it runs scripts with the given configuration and relay, and
-- reports each run that ends by itself (any 'Outcome' but 'NotLoaded') to the
-- given action, on a thread of the runner's; a run ended by a reload or by 'stop'
-- is not reported. The running script, if any, and the spare worker are ended
-- when the action ends.
withRunner :: HostConfig -> Relay -> (Outcome -> IO ()) -> (Runner -> IO b) -> IO b
withRunner config relay reported inner = do
  running <- newMVar Nothing
  ready <- newMVar Nothing
  let runner = Runner config relay reported running ready
      release = stop runner >> swapMVar ready Nothing >>= traverse_ killWorker
  mask $ \restore -> ((newWorker config relay >>= void . swapMVar ready . Just) >> restore (inner runner)) `finally` release

-- | The spare worker, replaced by a new one; a fresh worker if there was none or
-- it has ended. Call it with asynchronous exceptions masked: if it throws, no
-- worker it started is left running, and the one it returns is the caller's to
-- end.
takeSpare :: Runner -> IO Worker
takeSpare runner = modifyMVar (spare runner) $ \kept -> do
  taken <- case kept of
    Just worker -> do
      alive <- workerAlive worker
      if alive then pure worker else killWorker worker >> fresh
    Nothing -> fresh
  next <- fresh `onException` killWorker taken
  pure (Just next, taken)
  where
    fresh = newWorker (runnerConfig runner) (runnerRelay runner)

-- | Ends the running script, if any: its worker is killed and its calls in flight
-- abandoned before this returns (guarantee 4).
stop :: Runner -> IO ()
stop runner = modifyMVar_ (current runner) (\running -> Nothing <$ traverse_ cancel running)

-- | Ends the running script as 'stop' does (guarantee 4), then loads the file in a
-- new worker and starts its entry point. Returns the 'LoadError' if the file did
-- not load (nothing runs then), and 'Nothing' once the new run has started.
-- Reloads are serialised.
reload :: Runner -> FilePath -> IO (Maybe LoadError)
reload runner file = modifyMVar (current runner) $ \running -> mask $ \restore -> do
  traverse_ cancel running
  worker <- takeSpare runner
  loaded <- restore (loadIn (runnerConfig runner) worker file)
  case loaded of
    Left problem -> pure (Nothing, Just problem)
    Right () -> do
      started <- asyncWithUnmask $ \unmask ->
        unmask (runIn worker >>= report runner) `finally` killWorker worker
      pure (Just started, Nothing)

-- | Runs the file and reloads it each time it changes on disk (written, replaced or
-- created again), until the calling thread is cancelled. A file that does not load
-- is passed to the given action, and the next change is waited for. Changes that
-- come within 100 ms of each other (an editor saving in several steps) make one
-- reload.
watchFile :: Runner -> (LoadError -> IO ()) -> FilePath -> IO b
watchFile runner notLoaded file = do
  path <- makeAbsolute file
  changed <- newEmptyMVar
  withManager $ \manager -> do
    _ <- watchDir manager (takeDirectory path) (equalFilePath path . eventPath) (\_ -> void (tryPutMVar changed ()))
    forever $ do
      reload runner file >>= traverse_ notLoaded
      takeMVar changed
      threadDelay 100000
      void (tryTakeMVar changed)
