{-# LANGUAGE RankNTypes #-}

-- | The mixer's script host setup, shared by the executable, its tests and its
-- figures: the session configuration for the "Script" API, the worker that runs
-- mixer scripts, and the relay that passes their requests to the running engine.
module MixerScript
  ( mixerSession,
    sessionFromEnv,
    mixerHost,
    serveIfWorker,
    relayTo,
    wholeLines,
  )
where

import Control.Concurrent.MVar (newMVar, withMVar)
import Control.Exception (displayException, try)
import Control.Monad ((>=>))
import Data.Maybe (fromMaybe, listToMaybe)
import Mixer.Protocol (Mixer)
import RustBridge (BridgeError, Rust)
import RustBridge.Internal (callRaw, castRaw)
import Script (Script)
import Script.Runner (Context (..), checkCall, checkCast, runScript)
import ScriptHost (HostConfig, Relay (..), SessionConfig (..), hostConfig, sessionConfig, workerFlag)
import ScriptHost.Worker (serveWorker)
import System.Environment (getArgs, lookupEnv)
import System.Exit (exitSuccess)
import System.IO (hFlush, hPutStrLn, stderr, stdout)

-- | The session for mixer scripts: the API package @mixer-script@, its module
-- "Script", the entry point @script :: Script ()@, no extra package database and
-- the library directory of the GHC that built the host.
mixerSession :: SessionConfig
mixerSession = sessionConfig "mixer-script" "Script" "script"

-- | 'mixerSession' with the package database named by @MIXER_SCRIPT_PACKAGE_DB@
-- and the GHC library directory named by @MIXER_SCRIPT_GHC_LIBDIR@, each if set:
-- how the tests and the figures find them (the justfile sets the first, the Nix
-- checks both).
sessionFromEnv :: IO SessionConfig
sessionFromEnv = do
  db <- lookupEnv "MIXER_SCRIPT_PACKAGE_DB"
  libdir <- lookupEnv "MIXER_SCRIPT_GHC_LIBDIR"
  pure mixerSession {packageDbs = maybe [] pure db, ghcLibdir = fromMaybe (ghcLibdir mixerSession) libdir}

-- | The host configuration for mixer scripts with the given session, whose
-- recordings go to the given folder (none if 'Nothing'). Its worker is this
-- program, which must call 'serveIfWorker' first thing in @main@.
mixerHost :: SessionConfig -> Maybe FilePath -> IO HostConfig
mixerHost session folder = hostConfig session (maybe [] pure folder)

-- | If this program was started as a script worker, serves its host and exits;
-- otherwise returns at once. Call it first thing in @main@ of every program that
-- runs mixer scripts.
serveIfWorker :: IO ()
serveIfWorker = do
  arguments <- getArgs
  case arguments of
    flag : rest | flag == workerFlag -> do
      serveWorker (\toHost entry -> runScript (Context toHost (listToMaybe rest)) (entry :: Script ()))
      exitSuccess
    _ -> pure ()

-- | The relay to the engine of the surrounding bridge, given the recordings folder
-- the workers were given ('mixerHost') and the bridge's unlift (from
-- 'Control.Monad.IO.Unlift.withRunInIO'), printing the scripts' lines with the
-- given action. Every call and cast a worker relays is checked here with the
-- policy the worker applies ('checkCall', 'checkCast'): a request a script may
-- not send, or bytes that do not decode as one, never reach the engine. A call's
-- refusal or error reaches the script as text; a cast the check or the bridge
-- refuses is reported on standard error.
relayTo :: Maybe FilePath -> (forall x. Rust Mixer x -> IO x) -> (String -> IO ()) -> Relay
relayTo folder unlift sayLine =
  Relay
    { relayCall = checkCall folder >=> either (pure . Left) toEngine,
      relayCast = \bytes -> case checkCast bytes of
        Left refusal -> castRefused refusal
        Right checked -> tryBridge (unlift (castRaw checked)) >>= either (castRefused . displayException) pure,
      relaySay = sayLine
    }
  where
    toEngine checked = either (Left . displayException) Right <$> tryBridge (unlift (callRaw checked))
    castRefused = hPutStrLn stderr . ("a script's cast was refused: " <>)
    tryBridge :: IO a -> IO (Either BridgeError a)
    tryBridge = try

-- | Prints lines to standard output, each whole even when several threads print.
wholeLines :: IO (String -> IO ())
wholeLines = do
  lock <- newMVar ()
  pure (\line -> withMVar lock (\() -> putStrLn line >> hFlush stdout))
