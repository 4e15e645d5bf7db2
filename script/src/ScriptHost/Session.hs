{-# LANGUAGE ScopedTypeVariables #-}

-- | One long-lived GHC interpreter session (hint) that loads scripts: it checks a
-- script's pragmas ("ScriptHost.Pragmas"), compiles it as Safe Haskell against the
-- application's API package, and hands back the script's entry point as a value.
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
import Control.Monad.Catch (try)
import Control.Monad.IO.Class (liftIO)
import Data.IORef (IORef, modifyIORef', newIORef, readIORef, writeIORef)
import Data.List (nub)
import Data.Typeable (Typeable)
import qualified GHC
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
  deriving (Eq, Show)

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
  = -- | A pragma asked for something scripts may not have; the script was not
    -- compiled. The text names the pragma's place and the option.
    Refused !String
  | -- | GHC refused the script: GHC's messages (a Safe Haskell violation, a hidden
    -- package, a type error, a missing entry point, ...).
    DidNotCompile !String
  | -- | The interpreter session itself failed (for example, GHC's library directory
    -- is missing); no later load can succeed.
    SessionFailed !String
  deriving (Eq, Show)

-- | A running interpreter session. Loads through it are serialised: the interpreter
-- handles one at a time.
data Session = Session
  { config :: !SessionConfig,
    -- | GHC's error messages of the current load, newest first.
    compileErrors :: !(IORef [String]),
    requests :: !(MVar (Interpreter ())),
    thread :: !(Async (Either InterpreterError ()))
  }

-- | Starts an interpreter session on a thread of its own, runs the action with it,
-- and stops the session when the action ends. The interpreter compiles every
-- script with @-XSafe -XNoForeignFunctionInterface@, sees only @base@ and the API
-- package (@-hide-all-packages@), and trusts only those two (@-fpackage-trust@).
-- Only one session can run in a process at a time (a limit of hint); a second one
-- fails its loads with 'SessionFailed'.
withSession :: SessionConfig -> (Session -> IO a) -> IO a
withSession cfg inner = do
  errorsRef <- newIORef []
  queue <- newEmptyMVar
  let serve = do
        runGhc (adaptPackageFlags >> collectErrors errorsRef)
        forever (join (liftIO (takeMVar queue)))
  withAsync (unsafeRunInterpreterWithArgsLibdir (ghcArgs cfg) (ghcLibdir cfg) serve) $ \running ->
    inner (Session cfg errorsRef queue running)

-- | The interpreter's command line: Safe Haskell with package trust, no FFI, base
-- and the API package only.
ghcArgs :: SessionConfig -> [String]
ghcArgs cfg =
  concat [["-package-db", db] | db <- packageDbs cfg]
    <> ["-XSafe", "-XNoForeignFunctionInterface", "-fpackage-trust"]
    <> ["-hide-all-packages", "-package", "base", "-package", apiPackage cfg]
    <> ["-trust", "base", "-trust", apiPackage cfg]

-- | Loads a script and returns its entry point, whose type must be @a@ (the API's
-- script type, for example). Unloads the previous script first. The pragmas are
-- checked before GHC reads the file ('Refused'); then GHC compiles it
-- ('DidNotCompile', with GHC's messages). Nothing of the script runs here: the
-- value is run by the caller. Waits while another load is in progress.
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
      dflags <- runGhc GHC.getSessionDynFlags
      options <- liftIO (try (pragmaOptions dflags file))
      case options of
        Left (problem :: SomeException) ->
          pure (Left (Refused (file <> ": the pragmas cannot be read: " <> displayException problem)))
        Right found -> case [place <> ": " <> why | (place, option) <- found, Just why <- [refusedOption (allowedExtensions cfg) option]] of
          refusal : _ -> pure (Left (Refused refusal))
          [] -> compile
    compile = do
      liftIO (writeIORef (compileErrors session) [])
      compiled <- try $ do
        reset
        loadModules [file]
        getLoadedModules >>= setTopLevelModules
        setImports [apiModule cfg]
        interpret (entryPoint cfg) (as :: a)
      case compiled of
        Right entry -> pure (Right entry)
        Left problem -> do
          logged <- liftIO (readIORef (compileErrors session))
          -- GHC reports some errors twice (the load, then the interpreter's scope).
          pure (Left (DidNotCompile (if null logged then describe problem else unlines (nub (reverse logged)))))

-- | An interpreter error as text.
describe :: InterpreterError -> String
describe problem = case problem of
  WontCompile errors -> unlines (map errMsg errors)
  UnknownError message -> message
  NotAllowed message -> message
  GhcException message -> message
