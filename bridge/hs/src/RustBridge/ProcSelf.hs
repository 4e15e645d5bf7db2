-- | What the process uses, read from @/proc/self@: OS threads, resident memory, open
-- file descriptors. For the bridge's tests, its soak and the example benchmark, which
-- check that the bridge's footprint stays flat. __Not stable__, and Linux only, like
-- the rest of the project.
module RustBridge.ProcSelf
  ( procStatus,
    openFds,
  )
where

import Control.Exception (ErrorCall (..), throwIO)
import qualified Data.ByteString.Char8 as B8
import System.Directory (listDirectory)

-- | A numeric field of @/proc/self/status@ (for example @Threads@, or @VmRSS@ in kB).
procStatus :: String -> IO Int
procStatus field = do
  status <- B8.readFile "/proc/self/status"
  let key = B8.pack (field <> ":")
  case [B8.readInt (B8.dropWhile (`elem` " \t") rest) | line <- B8.lines status, Just rest <- [B8.stripPrefix key line]] of
    [Just (n, _)] -> pure n
    _ -> throwIO (ErrorCall ("no " <> field <> " in /proc/self/status"))

-- | How many file descriptors the process has open (the entries of @/proc/self/fd@,
-- less the one this reading opens).
openFds :: IO Int
openFds = subtract 1 . length <$> listDirectory "/proc/self/fd"
