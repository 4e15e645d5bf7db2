{-# LANGUAGE ScopedTypeVariables #-}

-- | The host's side of a worker process: starting it, passing its calls, casts and
-- lines to the application ('Relay'), watching its memory, and ending it. Part of
-- "ScriptHost", which runs scripts with it.
module ScriptHost.Process
  ( Relay (..),
    Worker,
    Event (..),
    startWorker,
    sendToWorker,
    nextEvent,
    nextEventWithin,
    workerAlive,
    killWorker,
  )
where

import Control.Concurrent (threadDelay)
import Control.Concurrent.Async (Async, async, asyncWithUnmask, cancel)
import Control.Concurrent.MVar (MVar, modifyMVar, modifyMVar_, newMVar, swapMVar)
import Control.Concurrent.QSem (QSem, newQSem, signalQSem, waitQSem)
import Control.Concurrent.STM (TQueue, atomically, newTQueueIO, readTQueue, writeTQueue)
import Control.Exception (IOException, SomeAsyncException, SomeException, catch, finally, fromException, onException, throwIO, try)
import Control.Monad (unless, void)
import Data.ByteString (ByteString)
import Data.Foldable (traverse_)
import qualified Data.Map.Strict as Map
import Data.Maybe (isNothing)
import Data.Word (Word64)
import ScriptHost.Printable (printable)
import ScriptHost.Session (LoadError (..), SessionConfig)
import ScriptHost.Wire
import System.Directory (getTemporaryDirectory, removeDirectoryRecursive)
import System.Environment (getEnvironment)
import System.Exit (ExitCode (..))
import System.IO (Handle, hClose)
import System.IO.Temp (createTempDirectory)
import System.Posix.Signals (sigKILL, signalProcess)
import System.Posix.Types (ProcessID)
import System.Process (CreateProcess (..), ProcessHandle, StdStream (..), createProcess, getPid, getProcessExitCode, proc, waitForProcess)
import System.Timeout (timeout)

-- | What the host does with a running script's requests: the application's way
-- to its engine. Each function reports an error as a value; an exception from one
-- fails that request only.
data Relay = Relay
  { -- | Passes a call's bytes to the engine and returns the reply's bytes, or the
    -- error as text.
    relayCall :: !(ByteString -> IO (Either String ByteString)),
    -- | Passes a cast's bytes to the engine. The casts of one worker are passed
    -- one at a time, in the order the worker sent them.
    relayCast :: !(ByteString -> IO ()),
    -- | Prints a line of the script's output, whose control characters but tab
    -- are escaped ("ScriptHost.Printable").
    relaySay :: !(String -> IO ())
  }

-- | What happens to a worker, in order.
data Event
  = -- | A message from the worker (its calls, casts and lines go to the 'Relay').
    Message !FromWorker
  | -- | The worker's process ended; how, as text.
    Exited !String
  | -- | The worker went over its memory bound, at this many resident bytes, and
    -- was killed.
    MemoryOver !Word64

-- | What the threads serving a worker share.
data Peer = Peer
  { process :: !ProcessHandle,
    toWorker :: !Channel,
    events :: !(TQueue Event),
    -- | The calls being passed to the engine, by the worker's number.
    inFlight :: !(MVar (Map.Map Word64 (Async ()))),
    -- | Room for more calls in flight ('maxInFlight' in all).
    room :: !QSem
  }

-- | A running worker process.
data Worker = Worker
  { peer :: !Peer,
    pipes :: ![Handle],
    reader :: !(Async ()),
    watchdog :: !(Async ()),
    -- | The worker's temporary folder (its @TMPDIR@), removed with it.
    scratch :: !FilePath
  }

-- | How often the watchdog reads a worker's resident memory, in microseconds.
watchEvery :: Int
watchEvery = 20000

-- | How many of a worker's calls the host passes on at once; the worker's next
-- calls wait in its pipe, so a script's many threads cost the host no more.
maxInFlight :: Int
maxInFlight = 256

-- | How many bytes a worker's message may have besides a call's or a cast's (a
-- line, a load error, an exception's text, all cut short by the worker).
messageRoom :: Int
messageRoom = 262144

-- | Starts the program with the arguments as a worker whose resident memory may
-- not go over the given number of bytes, whose calls and casts may not be longer
-- than the given number of bytes, and asks it to start the session. Its standard
-- input and output are the host's pipes; its standard error is the host's; its
-- @TMPDIR@ is a new folder that 'killWorker' removes, so that a killed worker
-- leaves no files behind. If it throws (an asynchronous exception among them), the
-- process it started is killed and waited for, and the folder removed. Call it
-- with asynchronous exceptions masked, and end the worker it returns with
-- 'killWorker'.
startWorker :: (FilePath, [String]) -> Word64 -> Int -> SessionConfig -> Relay -> IO Worker
startWorker (program, arguments) limit requestLimit session relay = do
  scratchDir <- getTemporaryDirectory >>= (`createTempDirectory` "rs-in-hs-worker")
  environment <- getEnvironment
  let spec =
        (proc program arguments)
          { std_in = CreatePipe,
            std_out = CreatePipe,
            close_fds = True,
            env = Just (("TMPDIR", scratchDir) : filter ((/= "TMPDIR") . fst) environment)
          }
      abandon handle = do
        killProcess handle
        _ <- waitForProcess handle
        removeDirectoryRecursive scratchDir `catch` \(_ :: IOException) -> pure ()
  started <- createProcess spec `onException` removeDirectoryRecursive scratchDir
  case started of
    (Just input, Just output, _, handle) -> (`onException` abandon handle) $ do
      shared <- Peer handle <$> channel input <*> newTQueueIO <*> newMVar Map.empty <*> newQSem maxInFlight
      fromW <- channel output
      pid <- getPid handle
      sendTo shared (Start session requestLimit)
      readerThread <- async (readWorker shared (receive (fromIntegral (requestLimit + messageRoom)) fromW) relay)
      watchThread <- async (traverse_ (watch (events shared) limit) pid)
      pure (Worker shared [input, output] readerThread watchThread scratchDir)
    _ -> throwIO (userError "the worker's pipes were not made")

-- | Sends a message to the worker; a worker that has ended is ignored (its end is
-- an 'Exited' event).
sendToWorker :: Worker -> ToWorker -> IO ()
sendToWorker = sendTo . peer

-- | 'sendToWorker', from the threads that serve the worker.
sendTo :: Peer -> ToWorker -> IO ()
sendTo shared message = send (toWorker shared) message `catch` \(_ :: IOException) -> pure ()

-- | The worker's next event, waiting as long as it takes.
nextEvent :: Worker -> IO Event
nextEvent = atomically . readTQueue . events . peer

-- | The worker's next event, or 'Nothing' if none comes within the given number
-- of microseconds.
nextEventWithin :: Worker -> Int -> IO (Maybe Event)
nextEventWithin worker within = timeout within (nextEvent worker)

-- | Reads the worker's messages until its output ends or breaks the protocol:
-- calls are passed on, each on a thread of its own, at most 'maxInFlight' at
-- once; casts and lines in order, on this thread; the rest are events. Every text
-- from the worker is made 'printable' here. A call
-- whose number is that of a call still in progress breaks the protocol (each call
-- in flight is known by its number, which is how 'killWorker' abandons it). At the
-- end, kills the process (a worker that broke the protocol may still run), waits
-- for it and reports how it ended.
readWorker :: Peer -> IO (Maybe FromWorker) -> Relay -> IO ()
readWorker shared next relay = loop
  where
    loop = do
      message <- next
      case message of
        Nothing -> end ""
        Just (Call number bytes) -> do
          fresh <- passCall number bytes
          if fresh then loop else end ("broke the protocol (it reused call number " <> show number <> " while that call was in progress) and was ")
        Just (Cast bytes) -> syncOnly (relayCast relay bytes) >> loop
        Just (Say line) -> syncOnly (relaySay relay (printable line)) >> loop
        Just other -> atomically (writeTQueue (events shared) (Message (printableTexts other))) >> loop
    end why = do
      killProcess (process shared)
      how <- waitForProcess (process shared)
      atomically (writeTQueue (events shared) (Exited (why <> describeExit how)))
    passCall number bytes = do
      waitQSem (room shared)
      fresh <- modifyMVar (inFlight shared) $ \calls ->
        if Map.member number calls
          then pure (calls, False)
          else do
            -- The new thread removes itself when it ends, after this update: the
            -- lock is held until its entry is in.
            thread <- asyncWithUnmask $ \unmask ->
              unmask (syncResult (relayCall relay bytes) >>= sendTo shared . Answer number)
                `finally` (modifyMVar_ (inFlight shared) (pure . Map.delete number) >> signalQSem (room shared))
            pure (Map.insert number thread calls, True)
      unless fresh (signalQSem (room shared))
      pure fresh
    syncResult action = either (Left . show) id <$> syncTry action
    syncOnly action = void (syncTry action)

-- | The message with its texts made 'printable': a load error's, and an ended
-- script's exception's.
printableTexts :: FromWorker -> FromWorker
printableTexts message = case message of
  LoadFailed problem -> LoadFailed $ case problem of
    Refused text -> Refused (printable text)
    DidNotCompile text -> DidNotCompile (printable text)
    SessionFailed text -> SessionFailed (printable text)
    OverLimit text -> OverLimit (printable text)
  Ended text -> Ended (printable <$> text)
  other -> other

-- | 'try' for synchronous exceptions only: an asynchronous one is rethrown.
syncTry :: IO a -> IO (Either SomeException a)
syncTry action = do
  result <- try action
  case result of
    Left problem | Just (_ :: SomeAsyncException) <- fromException problem -> throwIO problem
    _ -> pure result

-- | How a process ended, as text.
describeExit :: ExitCode -> String
describeExit how = case how of
  ExitSuccess -> "exited with status 0"
  ExitFailure code
    | code < 0 -> "killed by signal " <> show (negate code)
    | otherwise -> "exited with status " <> show code

-- | Reads the process's resident memory every 'watchEvery'; kills it and reports
-- the reading once it goes over the limit.
watch :: TQueue Event -> Word64 -> ProcessID -> IO ()
watch queue limit pid = loop
  where
    loop = do
      threadDelay watchEvery
      resident <- residentBytes pid
      case resident of
        Just bytes | bytes > limit -> do
          signalProcess sigKILL pid `catch` \(_ :: IOException) -> pure ()
          atomically (writeTQueue queue (MemoryOver bytes))
        Just _ -> loop
        Nothing -> pure ()

-- | The process's resident memory in bytes (@VmRSS@ of @/proc/PID/status@), or
-- 'Nothing' once it has ended.
residentBytes :: ProcessID -> IO (Maybe Word64)
residentBytes pid = do
  status <- try (readFile ("/proc/" <> show pid <> "/status") >>= \text -> length text `seq` pure text)
  pure $ case status of
    Left (_ :: IOException) -> Nothing
    Right text -> case [rest | line <- lines text, ("VmRSS:", rest) <- [splitAt 6 line]] of
      rest : _ | [(kb, _)] <- reads rest -> Just (kb * 1024)
      _ -> Nothing

-- | Whether the worker's process is still running.
workerAlive :: Worker -> IO Bool
workerAlive worker = isNothing <$> getProcessExitCode (process (peer worker))

-- | Ends the worker: kills its process, abandons the calls it had in flight (each
-- call's thread is cancelled and waited for, so none reaches the engine after
-- this returns), waits for the process and removes its folder.
killWorker :: Worker -> IO ()
killWorker worker = do
  killProcess (process shared)
  cancel (watchdog worker)
  cancel (reader worker)
  calls <- swapMVar (inFlight shared) Map.empty
  mapM_ cancel calls
  _ <- waitForProcess (process shared)
  mapM_ (\handle -> hClose handle `catch` \(_ :: IOException) -> pure ()) (pipes worker)
  removeDirectoryRecursive (scratch worker) `catch` \(_ :: IOException) -> pure ()
  where
    shared = peer worker

-- | Sends @SIGKILL@ to the process, unless it has already been waited for.
killProcess :: ProcessHandle -> IO ()
killProcess handle = getPid handle >>= traverse_ (\pid -> signalProcess sigKILL pid `catch` \(_ :: IOException) -> pure ())
