{-# LANGUAGE RankNTypes #-}

-- | The mixer's script host setup, shared by the executable, its tests and its
-- figures: the session configuration for the "Script" API and the function that
-- runs a script's entry point inside the running bridge.
module MixerScript
  ( mixerSession,
    sessionFromEnv,
    scriptRunner,
    runInBridge,
  )
where

import Data.Maybe (fromMaybe)
import Mixer.Protocol (Mixer)
import RustBridge (Rust)
import Script (Script)
import Script.Runner (Context, runScript, stdoutContext)
import ScriptHost (SessionConfig (..), sessionConfig)
import System.Environment (lookupEnv)

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

-- | The function the host runs entry points with, printing to standard output,
-- given the surrounding bridge's unlift (from 'Control.Monad.IO.Unlift.withRunInIO').
scriptRunner :: (forall x. Rust Mixer x -> IO x) -> IO (Script () -> IO ())
scriptRunner unlift = runInBridge unlift <$> stdoutContext

-- | Runs entry points with the given context, given the surrounding bridge's unlift.
runInBridge :: (forall x. Rust Mixer x -> IO x) -> Context -> Script () -> IO ()
runInBridge unlift context = unlift . runScript context
