-- | What the benchmark compares the bridge against, and what it reads from the
-- engine beside the bridge: the helpers that the mixer engine's static library
-- exports for it (@examples/mixer/rs/src/bench.rs@), not part of the bridge's ABI,
-- and a request/reply between Haskell threads alone. This is the benchmark's only
-- module with foreign imports; each says why it is @safe@ or @unsafe@.
module Floor
  ( floorPingPong,
    floorSpin,
    withHaskellServer,
    noopSafe,
    noopUnsafe,
    cancelNoticedUnixNs,
    contextSwitches,
  )
where

import Control.Concurrent.Async (withAsync)
import Control.Concurrent.Chan (newChan, readChan, writeChan)
import Control.Concurrent.MVar (newEmptyMVar, putMVar, takeMVar)
import Control.Monad (forever, unless)
import Data.Word (Word64)
import Foreign.C.Types (CInt (..), CSize (..))
import Foreign.Marshal.Array (allocaArray, peekArray)
import Foreign.Ptr (Ptr)
import Foreign.Storable (peekByteOff)
import RustBridge.Internal (checkOk)

-- | @mixer_floor_ping_pong(rounds, out_nanos)@. Safe: it runs two Rust threads for
-- as long as the rounds take and blocks on them, so it must not hold the capability.
-- It never calls back into Haskell.
foreign import ccall safe "mixer_floor_ping_pong"
  mixerFloorPingPong :: CSize -> Ptr Word64 -> IO CInt

-- | @mixer_floor_spin(rounds, out_nanos)@. Safe, for the reasons of
-- 'mixerFloorPingPong'.
foreign import ccall safe "mixer_floor_spin"
  mixerFloorSpin :: CSize -> Ptr Word64 -> IO CInt

-- | @mixer_noop()@ through a safe call: the cost of crossing with the capability
-- released, as every blocking import of the bridge does.
foreign import ccall safe "mixer_noop"
  mixerNoopSafe :: IO CInt

-- | @mixer_noop()@ through an unsafe call: it returns at once, never blocks and
-- never calls back into Haskell, which is what @unsafe@ requires.
foreign import ccall unsafe "mixer_noop"
  mixerNoopUnsafe :: IO CInt

-- | @mixer_cancel_noticed_unix_ns()@. Unsafe: one atomic load, no blocking, no
-- call back into Haskell.
foreign import ccall unsafe "mixer_cancel_noticed_unix_ns"
  mixerCancelNoticedUnixNs :: IO Word64

-- | libc's @getrusage(who, usage)@. Unsafe: it copies the kernel's counters and
-- returns, never blocks and never calls back into Haskell.
foreign import ccall unsafe "getrusage"
  cGetrusage :: CInt -> Ptr Word64 -> IO CInt

-- | The whole process's context switches so far, every thread's: voluntary (a
-- thread slept) and involuntary (a thread was preempted, or gave its CPU up with
-- @sched_yield@ while another thread was waiting for it). Linux's @struct rusage@
-- on a 64-bit target: two @timeval@s (32 bytes), then 14 longs, of which
-- @ru_nvcsw@ and @ru_nivcsw@ are the last two. Throws an 'IOError' if
-- @getrusage@ fails.
contextSwitches :: IO (Word64, Word64)
contextSwitches = allocaArray 18 $ \usage -> do
  -- getrusage writes 144 bytes, the 18 Word64s allocated, and keeps nothing.
  status <- cGetrusage 0 usage
  unless (status == 0) (ioError (userError "getrusage failed"))
  (,) <$> peekByteOff usage 128 <*> peekByteOff usage 136

-- | When the mixer engine last learnt that a caller of 'Mixer.Protocol.AwaitFrame'
-- gave up, in nanoseconds since the Unix epoch (0 before the first).
cancelNoticedUnixNs :: IO Word64
cancelNoticedUnixNs = mixerCancelNoticedUnixNs

-- | The floor: this many round trips of one message between two Rust threads over
-- flume (two thread wake-ups each, the least any cross-thread request and reply can
-- cost on this machine), each one's duration in nanoseconds. Needs no running
-- bridge. Throws the bridge's 'RustBridge.BridgeError' for the status (through the
-- bridge's one status-to-exception mapping) if Rust could not start its helper
-- thread.
floorPingPong :: Int -> IO [Word64]
floorPingPong = rounds "mixer_floor_ping_pong" mixerFloorPingPong

-- | The spin floor: this many round trips between two Rust threads that spin on one
-- atomic (no wake-up at all, the least a round trip costs when both sides spin),
-- each one's duration in nanoseconds. Throws as 'floorPingPong' does.
floorSpin :: Int -> IO [Word64]
floorSpin = rounds "mixer_floor_spin" mixerFloorSpin

-- | Runs the action with a round trip to one Haskell server thread: a fresh 'MVar'
-- sent over a 'Chan', which the server fills and the caller takes. No foreign call
-- and no Rust: the least GHC's own threads pay for a request and its reply through
-- one server, the throughput floor for the bridge's one worker. The server is
-- cancelled when the action returns.
withHaskellServer :: (IO () -> IO a) -> IO a
withHaskellServer use = do
  requests <- newChan
  withAsync (forever (readChan requests >>= (`putMVar` ()))) $ \_ ->
    use $ do
      reply <- newEmptyMVar
      writeChan requests reply
      takeMVar reply

-- | Runs one of the floor exports for this many rounds and reads its durations.
rounds :: String -> (CSize -> Ptr Word64 -> IO CInt) -> Int -> IO [Word64]
rounds export measure count = allocaArray (max 1 count) $ \out -> do
  -- The export's # Safety: out is aligned and has room for every round's Word64
  -- (at least one, so it is never null), nobody else touches it during the call,
  -- and this side keeps it: allocaArray frees it after peekArray has copied it.
  measure (fromIntegral (max 0 count)) out >>= checkOk export
  peekArray count out

-- | One @safe@ foreign call that does nothing. Throws a 'RustBridge.BridgeError' if it fails.
noopSafe :: IO ()
noopSafe = mixerNoopSafe >>= checkOk "mixer_noop"

-- | One @unsafe@ foreign call that does nothing. Throws a 'RustBridge.BridgeError' if it fails.
noopUnsafe :: IO ()
noopUnsafe = mixerNoopUnsafe >>= checkOk "mixer_noop"
