{-# LANGUAGE ForeignFunctionInterface #-}
{-# LANGUAGE ScopedTypeVariables #-}

-- | The worker process's side of the script host: a worker loads one script with
-- an interpreter session of its own ("ScriptHost.Session"), runs its entry point
-- when the host says so, and passes the script's calls, casts and lines to the
-- host ("ScriptHost.Wire"). A worker is the host's own program started again with
-- 'workerFlag'; the host ends it (@SIGKILL@) when the run ends or is replaced, so
-- nothing a script does outlives its run, holds memory after it, or can stop the
-- host from replacing it.
module ScriptHost.Worker
  ( Link (..),
    RemoteError (..),
    workerFlag,
    serveWorker,
  )
where

import Control.Concurrent (forkIO)
import Control.Concurrent.MVar (MVar, modifyMVar, modifyMVar_, newEmptyMVar, newMVar, putMVar, takeMVar)
import Control.DeepSeq (force)
import Control.Exception (Exception, SomeException (..), evaluate, onException, throwIO, try)
import Control.Monad (void, when)
import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import qualified Data.Map.Strict as Map
import Data.Typeable (Typeable, typeOf)
import Data.Word (Word64)
import GHC.IO.Handle (hDuplicate, hDuplicateTo)
import ScriptHost.Session (LoadError (..), SessionConfig (..), loadScript, withSession)
import ScriptHost.Wire
import System.Directory (getTemporaryDirectory)
import System.FilePath ((</>))
import System.IO (stderr, stdin, stdout)
import System.Timeout (timeout)

-- | How a running script reaches its host; the API package's functions use it.
data Link = Link
  { -- | Sends a call's bytes to the host, which passes them to the engine, and
    -- waits for the reply's bytes. Throws 'RemoteError' with the host's error.
    linkCall :: !(ByteString -> IO ByteString),
    -- | Sends a cast's bytes to the host, which passes them to the engine in the
    -- order they were sent.
    linkCast :: !(ByteString -> IO ()),
    -- | Sends a line of the script's output to the host, which prints it whole.
    linkSay :: !(String -> IO ())
  }

-- | The host could not pass a call on: its error, as text (a
-- @RustBridge.BridgeError@ shown, for example).
newtype RemoteError = RemoteError String

instance Show RemoteError where
  show (RemoteError why) = why

instance Exception RemoteError

-- | The first argument that makes a program a worker (see 'serveWorker').
workerFlag :: String
workerFlag = "--rs-in-hs-script-worker"

-- | How much of an exception's text a worker sends (characters), and how long it
-- waits for the text (microseconds).
shownLimit, shownWithin :: Int
shownLimit = 4000
shownWithin = 1000000

-- | Serves the host over standard input and output until the host closes them:
-- starts the session the host asks for and readies it (a first load, of a script
-- of its own, so that the host's script loads warm), loads the script the host
-- names, and runs its entry point, whose type must be @a@, with the given function
-- when the host says so. The program's own standard output goes to standard
-- error, so that nothing but messages reaches the host. Call it from the
-- program's @main@ when its first argument is 'workerFlag'.
serveWorker :: forall a. Typeable a => (Link -> a -> IO ()) -> IO ()
serveWorker run = do
  _ <- forkIO exitOnHangup
  out <- hDuplicate stdout
  hDuplicateTo stderr stdout
  toHost <- channel out
  fromHost <- channel stdin
  let next = receive maxFrameBytes fromHost
  first <- next
  case first of
    Just (Start config limit) -> withSession config $ \session -> do
      warmUp <- (</> "warm-up.hs") <$> getTemporaryDirectory
      writeFile warmUp ("import " <> apiModule config <> " ()\n" <> entryPoint config <> " = " <> entryPoint config <> "\n")
      _ <- loadScript session warmUp :: IO (Either LoadError a)
      send toHost Ready
      request <- next
      case request of
        Just (Load file) -> do
          loaded <- loadScript session file
          case loaded of
            Left problem -> send toHost (LoadFailed (capLoadError problem)) >> drain next
            Right entry -> do
              send toHost Loaded
              calls <- newMVar (0, Map.empty)
              let link = Link (callHost toHost calls limit) (castHost toHost limit) (sayHost toHost)
              serve next calls (void (forkIO (runEntry toHost (run link entry))))
        _ -> pure ()
    _ -> pure ()

-- | How many characters of a load error's text, and of a line a script says, a
-- worker sends.
loadErrorLimit, lineLimit :: Int
loadErrorLimit = 65536
lineLimit = 16384

-- | The load error with its text cut at 'loadErrorLimit' characters.
capLoadError :: LoadError -> LoadError
capLoadError problem = case problem of
  Refused text -> Refused (take loadErrorLimit text)
  DidNotCompile text -> DidNotCompile (take loadErrorLimit text)
  SessionFailed text -> SessionFailed (take loadErrorLimit text)
  OverLimit text -> OverLimit (take loadErrorLimit text)

-- | Waits until the host's end of standard input is closed, then ends the process
-- at once, whatever its Haskell threads are doing: a worker never outlives its
-- host, even when a script's loop holds up the runtime. A @safe@ call: it blocks
-- forever, outside the runtime.
foreign import ccall safe "rs_in_hs_script_exit_on_hangup"
  exitOnHangup :: IO ()

-- | Reads the host's messages until the end of the stream: 'Run' starts the entry
-- point (once), 'Answer' wakes the call it answers.
serve :: IO (Maybe ToWorker) -> MVar (Word64, Map.Map Word64 (MVar (Either String ByteString))) -> IO () -> IO ()
serve next calls start = loop True
  where
    loop fresh = do
      message <- next
      case message of
        Nothing -> pure ()
        Just Run | fresh -> start >> loop False
        Just (Answer number answer) -> do
          waiting <- modifyMVar calls (\(counter, pending) -> pure ((counter, Map.delete number pending), Map.lookup number pending))
          mapM_ (`putMVar` answer) waiting
          loop fresh
        Just _ -> loop fresh

-- | Reads and drops the host's messages until the end of the stream.
drain :: IO (Maybe ToWorker) -> IO ()
drain next = next >>= mapM_ (const (drain next))

-- | Sends a call to the host and waits for its answer. A call over the host's
-- limit is refused here, with 'RemoteError'.
callHost :: Channel -> MVar (Word64, Map.Map Word64 (MVar (Either String ByteString))) -> Int -> ByteString -> IO ByteString
callHost toHost calls limit bytes = do
  withinLimit limit bytes
  answer <- newEmptyMVar
  number <- modifyMVar calls (\(next, pending) -> pure ((next + 1, Map.insert next answer pending), next))
  send toHost (Call number bytes)
  result <- takeMVar answer `onException` modifyMVar_ calls (\(next, pending) -> pure (next, Map.delete number pending))
  either (throwIO . RemoteError) pure result

-- | Sends a cast to the host; a cast over the host's limit is refused here, with
-- 'RemoteError'.
castHost :: Channel -> Int -> ByteString -> IO ()
castHost toHost limit bytes = withinLimit limit bytes >> send toHost (Cast bytes)

-- | Sends a line to the host, cut at 'lineLimit' characters. The line is the
-- script's own code, computed here, before the channel is locked.
sayHost :: Channel -> String -> IO ()
sayHost toHost line = evaluate (force (take lineLimit line)) >>= send toHost . Say

-- | Throws 'RemoteError' if the message is over the host's limit of bytes.
withinLimit :: Int -> ByteString -> IO ()
withinLimit limit bytes =
  when (B.length bytes > limit) $
    throwIO (RemoteError ("a message of " <> show (B.length bytes) <> " bytes is over the script host's limit of " <> show limit <> " bytes"))

-- | Runs the entry point and tells the host how it ended. An exception's text is
-- the script's own code (its @Show@ instance), so it is computed under a bound of
-- time and length, after 'Ending' has told the host to expect it.
runEntry :: Channel -> IO () -> IO ()
runEntry toHost entry = do
  outcome <- try entry
  case outcome of
    Right () -> send toHost (Ended Nothing)
    Left (problem :: SomeException) -> do
      send toHost Ending
      shown <- try (timeout shownWithin (evaluate (force (take shownLimit (show problem)))))
      send toHost . Ended . Just $ case shown of
        Right (Just text) -> text
        Right Nothing -> "an exception of type " <> typeName problem <> " whose text did not come within a second"
        Left (_ :: SomeException) -> "an exception of type " <> typeName problem <> " whose text threw"
  where
    typeName (SomeException inner) = show (typeOf inner)
