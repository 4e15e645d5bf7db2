{-# LANGUAGE DeriveGeneric #-}
{-# LANGUAGE ScopedTypeVariables #-}

-- | One long-lived GHC interpreter session (hint) that loads scripts: it copies a
-- script ("ScriptHost.Source"), checks the copy's pragmas ("ScriptHost.Pragmas"),
-- compiles the copy as Safe Haskell in Haskell 2010 against the application's API
-- package, with no folder of the user's on the module search path, and hands back
-- the script's entry point as a value.
-- Part of "ScriptHost", which runs what this module loads.
module ScriptHost.Session
  ( -- * Configuration
    SessionConfig (..),
    sessionConfig,

    -- * Sessions
    Session,
    withSession,
    loadScript,
    LoadError (..),
  )
where

import Control.Concurrent.Async (Async, race, waitCatch, withAsync)
import Control.Concurrent.MVar (MVar, newEmptyMVar, putMVar, takeMVar)
import Control.Exception (SomeException, displayException)
import Control.Monad (forever, join)
import Control.Monad.Catch (finally, try)
import Control.Monad.IO.Class (liftIO)
import Data.Binary (Binary)
import Data.IORef (IORef, newIORef, readIORef, writeIORef)
import Data.List (nub)
import Data.Typeable (Typeable)
import qualified GHC
import GHC.Generics (Generic)
import qualified GHC.Paths
import Language.Haskell.Interpreter
  ( Interpreter,
    InterpreterError (..),
    as,
    errMsg,
    getLoadedModules,
    interpret,
    loadModules,
    reset,
    runGhc,
    setImports,
    setTopLevelModules,
  )
import Language.Haskell.Interpreter.Unsafe (unsafeRunInterpreterWithArgsLibdir)
import ScriptHost.Ghc (adaptPackageFlags, collectErrors, pragmaOptions)
import ScriptHost.Pragmas (defaultExtensions, refusedOption)
import ScriptHost.Source (Source (..), copySource, ownPlaces)
import System.Directory (removeDirectoryRecursive)
import System.IO.Temp (withSystemTempDirectory)

-- | What a session needs to know about the application's scripts.
data SessionConfig = SessionConfig
  { -- | The package that holds the API, the only package besides @base@ that a
    -- script sees; it and @base@ are the trusted packages.
    apiPackage :: !String,
    -- | The module every script can use unqualified, which names the entry point's
    -- type.
    apiModule :: !String,
    -- | The name a script's entry point has.
    entryPoint :: !String,
    -- | The language extensions a script may switch on in its pragmas.
    allowedExtensions :: ![String],
    -- | Package databases to read besides GHC's global one (and the user's, and
    -- @GHC_PACKAGE_PATH@), in order: where the API package and its dependencies
    -- are registered, for example cabal's in-place database.
    packageDbs :: ![FilePath],
    -- | GHC's library directory, which the interpreter needs at run time.
    ghcLibdir :: !FilePath
  }
  deriving (Eq, Show, Generic)

-- | For the host's messages to its worker ("ScriptHost.Wire").
instance Binary SessionConfig

-- | A configuration for the given API package, API module and entry point, with
-- 'defaultExtensions', no extra package database and the library directory of the
-- GHC that built this program.
sessionConfig :: String -> String -> String -> SessionConfig
sessionConfig package moduleName entry =
  SessionConfig
    { apiPackage = package,
      apiModule = moduleName,
      entryPoint = entry,
      allowedExtensions = defaultExtensions,
      packageDbs = [],
      ghcLibdir = GHC.Paths.libdir
    }

-- | Why a script did not load.
data LoadError
  = -- | The script was not compiled: its file is not one a script may be (see
    -- "ScriptHost.Source"), or a pragma asked for something scripts may not have.
    -- The text names the file, or the pragma's place and the option.
    Refused !String
  | -- | GHC refused the script: GHC's messages (a Safe Haskell violation, a hidden
    -- package, a type error, a missing entry point, ...).
    DidNotCompile !String
  | -- | The interpreter session itself failed (for example, GHC's library directory
    -- is missing, or the worker process running it ended).
    SessionFailed !String
  | -- | The load ran over one of the host's bounds (its time or its memory), and
    -- was abandoned; the text says which.
    OverLimit !String
  deriving (Eq, Show, Generic)

-- | For the worker's messages to its host ("ScriptHost.Wire").
instance Binary LoadError

-- | A running interpreter session. Loads through it are serialised: the interpreter
-- handles one at a time.
data Session = Session
  { config :: !SessionConfig,
    -- | GHC's error messages of the current load, newest first.
    compileErrors :: !(IORef [String]),
    requests :: !(MVar (Interpreter ())),
    thread :: !(Async (Either InterpreterError ())),
    -- | The session's own folder, where each load's copy of its script is made.
    copies :: !FilePath
  }

-- | Starts an interpreter session on a thread of its own, runs the action with it,
-- and stops the session when the action ends. The interpreter compiles every
-- script in Haskell 2010 (@-XHaskell2010@, whatever GHC's default language) with
-- @-XSafe -XNoForeignFunctionInterface@, sees only @base@ and the API package
-- (@-hide-all-packages@, and no package environment file), trusts only those two
-- (@-fpackage-trust@), and reads no module from a folder of the user's: @-i@
-- empties the search path, and the one folder on it is hint's own temporary one,
-- where hint writes the helper modules it loads itself. Only one session can run
-- in a process at a time (a limit of hint); a second one fails its loads with
-- 'SessionFailed'.
withSession :: SessionConfig -> (Session -> IO a) -> IO a
withSession cfg inner = withSystemTempDirectory "rs-in-hs-script" $ \folder -> do
  errorsRef <- newIORef []
  queue <- newEmptyMVar
  let serve = do
        runGhc (adaptPackageFlags >> collectErrors errorsRef)
        forever (join (liftIO (takeMVar queue)))
  withAsync (unsafeRunInterpreterWithArgsLibdir (ghcArgs cfg) (ghcLibdir cfg) serve) $ \running ->
    inner (Session cfg errorsRef queue running folder)

-- | The interpreter's command line: the language pinned to Haskell 2010 (so a
-- script means the same on every GHC, whose default language differs: GHC2021
-- from 9.2 on), Safe Haskell with package trust, no FFI (off after the language,
-- which would switch it on), base and the API package only, no package
-- environment file, an empty module search path (@-i@, so neither the current
-- folder nor the script's is read; hint then adds its own temporary folder), and
-- a yield point in every loop of the script's code.
ghcArgs :: SessionConfig -> [String]
ghcArgs cfg =
  ["-package-env", "-"]
    <> concat [["-package-db", db] | db <- packageDbs cfg]
    <> ["-XHaskell2010", "-XSafe", "-XNoForeignFunctionInterface", "-fpackage-trust"]
    <> ["-hide-all-packages", "-package", "base", "-package", apiPackage cfg]
    <> ["-trust", "base", "-trust", apiPackage cfg]
    <> ["-i", "-fno-omit-yields"]

-- | Loads a script and returns its entry point, whose type must be @a@ (the API's
-- script type, for example). Unloads the previous script first. The file is
-- copied ("ScriptHost.Source") and the copy's pragmas checked before GHC reads it
-- ('Refused'); then GHC compiles the copy ('DidNotCompile', with GHC's messages,
-- which name the script's own file), and the script must be the one module
-- @Main@ ('Refused' otherwise: a module named like the API's would stand for it).
-- Nothing of the script runs here: the value is run by the caller. Waits while
-- another load is in progress.
loadScript :: forall a. Typeable a => Session -> FilePath -> IO (Either LoadError a)
loadScript session file = do
  reply <- newEmptyMVar
  outcome <- race (waitCatch (thread session)) $ do
    putMVar (requests session) (load >>= liftIO . putMVar reply)
    takeMVar reply
  pure (either (Left . SessionFailed . stopped) id outcome)
  where
    cfg = config session
    stopped = either displayException (either describe (const "the session ended"))
    load = do
      copied <- liftIO (copySource (copies session) file)
      case copied of
        Left why -> pure (Left (Refused why))
        Right source -> checked source `finally` liftIO (removeDirectoryRecursive (sourceFolder source))
    checked source = do
      dflags <- runGhc GHC.getSessionDynFlags
      options <- liftIO (try (pragmaOptions dflags (sourceCopy source)))
      case options of
        Left (problem :: SomeException) ->
          pure (Left (Refused (file <> ": the pragmas cannot be read: " <> ownPlaces source (displayException problem))))
        Right found -> case [ownPlaces source place <> ": " <> why | (place, option) <- found, Just why <- [refusedOption (allowedExtensions cfg) option]] of
          refusal : _ -> pure (Left (Refused refusal))
          [] -> compile source
    compile source = do
      liftIO (writeIORef (compileErrors session) [])
      compiled <- try $ do
        reset
        loadModules [sourceCopy source]
        modules <- getLoadedModules
        if modules /= ["Main"]
          then pure (Left (Refused (file <> ": the script is the module " <> unwords modules <> "; a script is the module Main (no module header, or module Main)")))
          else do
            setTopLevelModules modules
            setImports [apiModule cfg]
            Right <$> interpret (entryPoint cfg) (as :: a)
      case compiled of
        Right outcome -> pure outcome
        Left problem -> do
          logged <- liftIO (readIORef (compileErrors session))
          -- GHC reports some errors twice (the load, then the interpreter's scope).
          pure (Left (DidNotCompile (ownPlaces source (if null logged then describe problem else unlines (nub (reverse logged))))))

-- | An interpreter error as text.
describe :: InterpreterError -> String
describe problem = case problem of
  WontCompile errors -> unlines (map errMsg errors)
  UnknownError message -> message
  NotAllowed message -> message
  GhcException message -> message
