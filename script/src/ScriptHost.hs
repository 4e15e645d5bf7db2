{-# LANGUAGE ScopedTypeVariables #-}

-- | A host for user scripts beside a running rs-in-hs engine. An application gives
-- it an API package (a Trustworthy module that scripts import, whose script type
-- can reach the engine only through the application's protocol) and a function that
-- runs a script's entry point; the host loads scripts with the GHC interpreter and
-- runs them.
--
-- Guarantees, referred to by number below:
--
-- 1. A script sees only @base@ and the API package, compiled as Safe Haskell
--    without the foreign function interface; its pragmas are checked against an
--    allow-list before GHC reads the file, so it cannot switch these off, name
--    another package or run a program during its load.
-- 2. A script's errors do not stop the host: a refusal or a compile error is a
--    'LoadError' with GHC's message, and a synchronous exception thrown by a
--    running script is its 'Threw' outcome.
-- 3. A reload first cancels the running script and waits until its thread has
--    ended, then loads and starts the new one. If the API gives scripts only scoped
--    concurrency (threads that end with the scope that started them), nothing the
--    old run started outlives the reload.
--
-- The program must be linked with @-dynamic@ (and @-threaded@), and the engine's
-- crate built as a @cdylib@ as well as a @staticlib@: the interpreter then loads
-- the same shared libraries the program runs on, so a script and the program
-- share one engine and one copy of each Haskell module.
module ScriptHost
  ( -- * Sessions
    SessionConfig (..),
    sessionConfig,
    defaultExtensions,
    Session,
    withSession,
    loadScript,
    LoadError (..),

    -- * Running once
    Outcome (..),
    runFile,

    -- * Reloading
    Runner,
    withRunner,
    reload,
    stop,
    watchFile,
  )
where

import Control.Concurrent (threadDelay)
import Control.Concurrent.Async (Async, async, cancel)
import Control.Concurrent.MVar (MVar, modifyMVar, modifyMVar_, newEmptyMVar, newMVar, takeMVar, tryPutMVar, tryTakeMVar)
import Control.Exception (SomeAsyncException, SomeException, finally, fromException, throwIO, try)
import Control.Monad (forever, void)
import Data.Foldable (traverse_)
import Data.Typeable (Typeable)
import ScriptHost.Pragmas (defaultExtensions)
import ScriptHost.Session
import System.Directory (makeAbsolute)
import System.FSNotify (eventPath, watchDir, withManager)
import System.FilePath (equalFilePath, takeDirectory)

-- | How one run of a script ended.
data Outcome
  = -- | The entry point returned.
    Finished
  | -- | The entry point threw a synchronous exception, shown here.
    Threw !String
  | -- | The script did not load, so nothing of it ran.
    NotLoaded !LoadError
  deriving (Eq, Show)

-- | Loads a script and runs its entry point with the given function, in the calling
-- thread, until it ends (guarantee 2). Asynchronous exceptions, such as a
-- 'cancel' of the calling thread, are not caught: they end the run and propagate.
runFile :: Typeable a => Session -> (a -> IO ()) -> FilePath -> IO Outcome
runFile session run file = do
  loaded <- loadScript session file
  case loaded of
    Left problem -> pure (NotLoaded problem)
    Right entry -> either (Threw . show) (const Finished) <$> trySync (run entry)

-- | 'try' for synchronous exceptions only: an asynchronous one is rethrown.
trySync :: IO a -> IO (Either SomeException a)
trySync action = do
  result <- try action
  case result of
    Left problem | Just (_ :: SomeAsyncException) <- fromException problem -> throwIO problem
    _ -> pure result

-- | Runs one script at a time, each on a thread of its own, and replaces it on
-- 'reload'.
data Runner a = Runner
  { runnerSession :: !Session,
    runEntry :: !(a -> IO ()),
    report :: !(Outcome -> IO ()),
    current :: !(MVar (Maybe (Async ())))
  }

-- | Makes a runner for the session: it runs entry points with the given function
-- and reports each run that ends by itself ('Finished' or 'Threw') to the given
-- action, on the run's thread; a run ended by a reload or by 'stop' is not
-- reported. The running script, if any, is cancelled when the action ends.
withRunner :: Session -> (a -> IO ()) -> (Outcome -> IO ()) -> (Runner a -> IO b) -> IO b
withRunner session run reported inner = do
  running <- newMVar Nothing
  let runner = Runner session run reported running
  inner runner `finally` stop runner

-- | Cancels the running script, if any, and waits until its thread has ended
-- (guarantee 3).
stop :: Runner a -> IO ()
stop runner = modifyMVar_ (current runner) (\running -> Nothing <$ traverse_ cancel running)

-- | Cancels the running script and waits until its thread has ended (guarantee 3),
-- then loads the file and starts its entry point on a new thread. Returns the
-- 'LoadError' if the file did not load (nothing runs then), and 'Nothing' once the
-- new run has started. Reloads are serialised.
reload :: Typeable a => Runner a -> FilePath -> IO (Maybe LoadError)
reload runner file = modifyMVar (current runner) $ \running -> do
  traverse_ cancel running
  loaded <- loadScript (runnerSession runner) file
  case loaded of
    Left problem -> pure (Nothing, Just problem)
    Right entry -> do
      started <- async (trySync (runEntry runner entry) >>= report runner . either (Threw . show) (const Finished))
      pure (Just started, Nothing)

-- | Runs the file and reloads it each time it changes on disk (written, replaced or
-- created again), until the calling thread is cancelled. A file that does not load
-- is passed to the given action, and the next change is waited for. Changes that
-- come within 100 ms of each other (an editor saving in several steps) make one
-- reload.
watchFile :: Typeable a => Runner a -> (LoadError -> IO ()) -> FilePath -> IO b
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
