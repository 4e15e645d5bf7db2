-- | A script's source as the host checks and compiles it. A script is one regular
-- file (not a symbolic link, a FIFO or a device) whose name ends in @.hs@; at most
-- 'maxSourceBytes' of it are read, once, and written to a fresh folder of the
-- session's own, and that copy is what the pragma check reads and what GHC
-- compiles. So the checked file is the compiled file: a script cannot be changed
-- between the two, name another file through a missing extension or a link, be
-- read as a literate file, hold up the load by never ending, or bring modules
-- from its own folder. Part of "ScriptHost"; "ScriptHost.Session" uses it.
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
import GHC.IO.FD (fdFD)
import GHC.IO.Handle.FD (handleToFd)
import System.Directory (canonicalizePath)
import System.FilePath (takeExtension, takeFileName, (</>))
import System.IO (Handle, IOMode (ReadMode), withBinaryFile)
import System.IO.Temp (createTempDirectory)
import System.Posix.Files (FileStatus, deviceID, fileID, getFdStatus, getSymbolicLinkStatus, isRegularFile, isSymbolicLink)
import System.Posix.Types (Fd (..))

-- | A script, copied for one load.
data Source = Source
  { -- | The file as the host was given it, resolved (symbolic links in the
    -- folders above it followed; the file itself is none).
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
-- without its extension), a symbolic link, a file that is not a regular one (a
-- FIFO, a device, a folder), a file that cannot be read, or one over
-- 'maxSourceBytes' (of which no more than one byte over is read). The file is
-- opened without waiting for a writer (a FIFO put in its place after the check
-- does not block the load) and must be the very file that was checked (the same
-- device and inode).
copySource :: FilePath -> FilePath -> IO (Either String Source)
copySource under file
  | takeExtension file /= ".hs" =
    pure (Left (file <> ": a script is one Haskell source file whose name ends in .hs; literate files and other names are refused"))
  | otherwise = do
    found <- try (getSymbolicLinkStatus file)
    case found of
      Left problem -> pure (Left (file <> ": cannot be read: " <> show (problem :: IOException)))
      Right status
        | isSymbolicLink status -> pure (Left (file <> ": is a symbolic link; a script is a regular file"))
        | not (isRegularFile status) -> pure (Left (file <> ": is not a regular file (a FIFO, a device or a folder); a script is a regular file"))
        | otherwise -> do
          bytes <- try (withBinaryFile file ReadMode (readChecked status))
          case bytes of
            Left problem -> pure (Left (file <> ": cannot be read: " <> show (problem :: IOException)))
            Right (Left why) -> pure (Left (file <> ": " <> why))
            Right (Right text) -> do
              path <- canonicalizePath file
              folder <- createTempDirectory under "load"
              let copy = folder </> takeFileName file
              B.writeFile copy text
              pure (Right (Source path copy folder))
  where
    -- System.IO's openFile opens without blocking (O_NONBLOCK), so a FIFO in the
    -- file's place opens at once, and is refused here before anything is read.
    readChecked :: FileStatus -> Handle -> IO (Either String B.ByteString)
    readChecked checked handle = do
      opened <- handleToFd handle >>= getFdStatus . Fd . fdFD
      if not (isRegularFile opened) || deviceID opened /= deviceID checked || fileID opened /= fileID checked
        then pure (Left "changed while it was opened; a script is a regular file")
        else do
          text <- B.hGet handle (maxSourceBytes + 1)
          pure $
            if B.length text > maxSourceBytes
              then Left ("over the limit of " <> show maxSourceBytes <> " bytes")
              else Right text

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
