-- | @rs-in-hs-script FILE@: starts the mixer engine once, then loads the mixer
-- script FILE with the GHC interpreter and runs its entry point @script@. With
-- @--watch@ it reloads the script each time the file changes, cancelling the
-- running one first, until interrupted.
--
-- Exit status without @--watch@: 0 when the script finished, 2 when it did not load
-- (a refused pragma or a compile error, with GHC's message on stderr), 3 when it
-- threw an exception (shown on stderr); 1 for a usage error.
module Main (main) where

import Control.Monad.IO.Unlift (withRunInIO)
import Data.Maybe (fromMaybe)
import MixerScript (mixerSession, scriptRunner)
import Options.Applicative
import RustBridge (defaultConfig, withRust)
import ScriptHost (LoadError (..), Outcome (..), SessionConfig (..), runFile, watchFile, withRunner, withSession)
import System.Exit (ExitCode (..), exitWith)
import System.IO (hPutStrLn, stderr)

-- | The command line.
data Options = Options
  { watch :: !Bool,
    databases :: ![FilePath],
    libdir :: !(Maybe FilePath),
    file :: !FilePath
  }

options :: ParserInfo Options
options =
  info
    ( helper
        <*> ( Options
                <$> switch (long "watch" <> help "Reload the script each time the file changes")
                <*> many
                  ( strOption
                      ( long "package-db"
                          <> metavar "DIR"
                          <> help "A package database that holds the mixer-script package (repeatable)"
                      )
                  )
                <*> optional
                  ( strOption
                      ( long "ghc-libdir"
                          <> metavar "DIR"
                          <> help "GHC's library directory (default: that of the GHC that built this program)"
                      )
                  )
                <*> strArgument (metavar "FILE" <> help "The script to run")
            )
    )
    (fullDesc <> progDesc "Run a mixer script against the mixer engine")

main :: IO ()
main = do
  opts <- execParser options
  code <- withRust defaultConfig $
    withRunInIO $ \unlift -> do
      run <- scriptRunner unlift
      let config = mixerSession {packageDbs = databases opts, ghcLibdir = fromMaybe (ghcLibdir mixerSession) (libdir opts)}
      withSession config $ \session ->
        if watch opts
          then withRunner session run (hPutStrLn stderr . describe) $ \runner ->
            watchFile runner (hPutStrLn stderr . describe . NotLoaded) (file opts)
          else do
            outcome <- runFile session run (file opts)
            case outcome of
              Finished -> pure ExitSuccess
              NotLoaded _ -> ExitFailure 2 <$ hPutStrLn stderr (describe outcome)
              Threw _ -> ExitFailure 3 <$ hPutStrLn stderr (describe outcome)
  exitWith code

-- | An outcome as the host reports it.
describe :: Outcome -> String
describe outcome = case outcome of
  Finished -> "script finished"
  Threw problem -> "script threw: " <> problem
  NotLoaded (Refused why) -> "script refused: " <> why
  NotLoaded (DidNotCompile messages) -> "script did not compile:\n" <> messages
  NotLoaded (SessionFailed why) -> "script host failed: " <> why
