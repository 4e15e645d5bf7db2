-- | A script's source as the host checks and compiles it. A script is one file
-- whose name ends in @.hs@; its bytes are read once and written to a fresh folder
-- of the session's own, and that copy is what the pragma check reads and what GHC
-- compiles. So the checked file is the compiled file: a script cannot be changed
-- between the two, name another file through a missing extension, be read as a
-- literate file, or bring modules from its own folder. Part of "ScriptHost";
-- "ScriptHost.Session" uses it.
module ScriptHost.Source
  ( Source (..),
    copySource,
    maxSourceBytes,
    ownPlaces,
  )
where

import Control.Exception (IOException, try)
import qualified Data.ByteString as B
import Data.List (isPrefixOf)
import System.Directory (canonicalizePath, doesFileExist)
import System.FilePath (takeExtension, takeFileName, (</>))
import System.IO.Temp (createTempDirectory)

-- | A script, copied for one load.
data Source = Source
  { -- | The file as the host was given it, resolved (symbolic links followed).
    sourceFile :: !FilePath,
    -- | The copy GHC reads: the script's own name, which ends in @.hs@, in a
    -- folder made for this load.
    sourceCopy :: !FilePath,
    -- | The folder made for this load, which the session removes after it.
    sourceFolder :: !FilePath
  }

-- | The largest script a session reads, in bytes (1 MiB).
maxSourceBytes :: Int
maxSourceBytes = 1024 * 1024

-- | Copies the script into a new folder under the given one, or says why it is
-- refused: a name that does not end in @.hs@ (a literate @.lhs@ file, a name
-- without its extension), a file that cannot be read, or one over
-- 'maxSourceBytes'.
copySource :: FilePath -> FilePath -> IO (Either String Source)
copySource under file
  | takeExtension file /= ".hs" =
    pure (Left (file <> ": a script is one Haskell source file whose name ends in .hs; literate files and other names are refused"))
  | otherwise = do
    found <- try (canonicalizePath file >>= \path -> (,) path <$> doesFileExist path)
    case found of
      Left problem -> pure (Left (file <> ": cannot be read: " <> show (problem :: IOException)))
      Right (_, False) -> pure (Left (file <> ": no such file"))
      Right (path, True) -> do
        bytes <- try (B.readFile path)
        case bytes of
          Left problem -> pure (Left (file <> ": cannot be read: " <> show (problem :: IOException)))
          Right text
            | B.length text > maxSourceBytes ->
              pure (Left (file <> ": " <> show (B.length text) <> " bytes, over the limit of " <> show maxSourceBytes))
            | otherwise -> do
              folder <- createTempDirectory under "load"
              let copy = folder </> takeFileName file
              B.writeFile copy text
              pure (Right (Source path copy folder))

-- | The text with each mention of the copy replaced by the script's own name, so
-- that GHC's messages name the file the user wrote.
ownPlaces :: Source -> String -> String
ownPlaces source = go
  where
    copy = sourceCopy source
    go text = case text of
      [] -> []
      c : rest
        | copy `isPrefixOf` text -> sourceFile source <> go (drop (length copy) text)
        | otherwise -> c : go rest
