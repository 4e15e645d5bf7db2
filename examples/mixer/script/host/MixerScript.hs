{-# LANGUAGE RankNTypes #-}

-- | The mixer's script host setup, shared by the executable, its tests and its
-- figures: the session configuration for the "Script" API and the function that
-- runs a script's entry point inside the running bridge.
module MixerScript
  ( hostSession,
    scriptRunner,
    runInBridge,
    packageDbsFromEnv,
  )
where

import Mixer.Protocol (Mixer)
import RustBridge (Rust)
import Script (Script)
import Script.Runner (Context, runScript, stdoutContext)
import ScriptHost (Session, SessionConfig (..), sessionConfig, withSession)
import System.Environment (lookupEnv)

-- | Runs the action with an interpreter session for mixer scripts: the API package
-- @mixer-script@, its module "Script", the entry point @script :: Script ()@, and the given
-- package databases (where @mixer-script@ is registered) besides GHC's own.
hostSession :: [FilePath] -> (Session -> IO a) -> IO a
hostSession dbs = withSession (sessionConfig "mixer-script" "Script" "script") {packageDbs = dbs}

-- | The function the host runs entry points with, printing to standard output,
-- given the surrounding bridge's unlift (from 'Control.Monad.IO.Unlift.withRunInIO').
scriptRunner :: (forall x. Rust Mixer x -> IO x) -> IO (Script () -> IO ())
scriptRunner unlift = runInBridge unlift <$> stdoutContext

-- | Runs entry points with the given context, given the surrounding bridge's unlift.
runInBridge :: (forall x. Rust Mixer x -> IO x) -> Context -> Script () -> IO ()
runInBridge unlift context = unlift . runScript context

-- | The package database named by @MIXER_SCRIPT_PACKAGE_DB@, if set: how the tests
-- and the figures, which the justfile runs, find the dynamic build's in-place
-- database.
packageDbsFromEnv :: IO [FilePath]
packageDbsFromEnv = maybe [] pure <$> lookupEnv "MIXER_SCRIPT_PACKAGE_DB"
