-- | What the process uses, read from @/proc/self@: OS threads, resident memory, open
-- file descriptors, each thread's CPU time. For the bridge's tests, its soak and the
-- examples' benchmarks and figures, which check that the bridge's footprint stays
-- flat; in the package rs-in-hs-testing, not in the bridge's. Linux only, like the
-- rest of the project.
module RustBridge.ProcSelf
  ( procStatus,
    openFds,
    ThreadCpu (..),
    threadCpu,
  )
where

import Control.Exception (ErrorCall (..), IOException, throwIO, try)
import qualified Data.ByteString.Char8 as B8
import Data.Maybe (catMaybes)
import Data.Word (Word64)
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

-- | One OS thread of the process and the CPU time it has used so far.
data ThreadCpu = ThreadCpu
  { -- | The thread's id (its entry in @/proc/self/task@).
    threadTid :: !Int,
    -- | The thread's name (its @comm@, at most 15 bytes, for example @ghc_ticker@).
    threadName :: !String,
    -- | Nanoseconds the thread has run on a CPU (the first field of its @schedstat@,
    -- counted by the scheduler, so finer than the clock ticks of @stat@).
    threadCpuNs :: !Word64
  }

-- | Every OS thread of the process, read from @/proc/self/task/\<tid\>/comm@ and
-- @schedstat@. A thread that ends between the listing and its reading is left out.
-- Throws 'ErrorCall' if a @schedstat@ does not start with a number.
threadCpu :: IO [ThreadCpu]
threadCpu = do
  tids <- listDirectory "/proc/self/task"
  catMaybes <$> traverse readThread tids
  where
    readThread tid = do
      let dir = "/proc/self/task/" <> tid <> "/"
      found <- try ((,) <$> B8.readFile (dir <> "comm") <*> B8.readFile (dir <> "schedstat"))
      case found :: Either IOException (B8.ByteString, B8.ByteString) of
        Left _ -> pure Nothing
        Right (comm, schedstat) -> case B8.readInt schedstat of
          Just (ns, _) -> pure (Just (ThreadCpu (read tid) (B8.unpack (B8.takeWhile (/= '\n') comm)) (fromIntegral ns)))
          Nothing -> throwIO (ErrorCall ("no CPU time in " <> dir <> "schedstat"))
