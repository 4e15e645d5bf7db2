{-# LANGUAGE GeneralizedNewtypeDeriving #-}

-- | The raw C ABI of the bridge, one import per export and blocking mode, and
-- nothing else. Internal: "RustBridge.Internal" and "RustBridge" use it and add
-- marshalling, lifetimes and errors. Mirrors @bridge/rs/src/ffi.rs@ (the status
-- codes are in "RustBridge.Status", the other shared constants in
-- "RustBridge.Abi"); every engine's crate exports the same symbols through
-- @export_engine!@, and they resolve when the program links that crate's static
-- library.
--
-- Ownership (the same rules as in @bridge/rs/src/ffi.rs@):
--
-- * A non-zero status means Rust took nothing. A refused 'h2rCallTry' or 'h2rPark'
--   leaves the 'StablePtr' with the caller, who must free it; no wake-up will ever
--   come for it.
-- * Status 0 from a call gives the caller a reply handle (a 'Word64', never 0)
--   that it must release with 'h2rRelease' exactly once, whatever happens. Rust
--   checks every handle it is given: one released or never issued is refused
--   ('RustBridge.Status.StatusUnknownHandle'), never a read of freed memory. A 'StablePtr' given with the call,
--   or later to 'h2rPark' with status 0, is Rust's: the worker passes it to
--   @hs_try_putmvar@, which frees it, exactly once. A call given a null 'StablePtr'
--   is polled with 'h2rReply' and parked only if the reply is slow.
-- * Message bytes are only borrowed for the duration of a call.
-- * What a caller can get wrong and an export can see is refused with
--   'RustBridge.Status.StatusInvalidArgument' before anything happens: a null
--   pointer with a non-zero length, a null or misaligned out-pointer, a length
--   beyond @isize::MAX@, a null 'StablePtr' given to 'h2rPark' or 'h2rEventsPark'.
--
-- Safety of each import: @unsafe@ only where Rust never blocks and never calls back
-- into Haskell; @safe@ everywhere else.
module FFI
  ( -- * Lifecycle
    h2rInit,
    h2rDeinit,
    hsTryPutMVarPtr,
    hsThreadDonePtr,

    -- * Calls and casts
    ReplyHandle (..),
    h2rCallTry,
    h2rCallWait,
    h2rCastTry,
    h2rCastWait,
    h2rReply,
    h2rPark,
    h2rRelease,
    h2rCallsInFlight,
    h2rParallelism,

    -- * Schema
    h2rSchemaFingerprint,

    -- * Spinning
    schedYield,

    -- * Observability
    h2rStats,
    h2rTokenCreated,
    h2rTokenFreedUnsent,

    -- * Events
    h2rEventsSubscribe,
    h2rEventsUnsubscribe,
    h2rEventsTake,
    h2rEventsPark,
    h2rEventsStats,
  )
where

import Data.Word (Word64, Word8)
import Foreign.C.Types (CInt (..), CSize (..))
import Foreign.Ptr (FunPtr, Ptr)
import Foreign.StablePtr (StablePtr)
import Foreign.Storable (Storable)
import GHC.Conc (PrimMVar)

-- | A reply handle from a successful call: a number Rust checks on every use
-- (never 0; one released or never issued is refused with
-- 'RustBridge.Status.StatusUnknownHandle').
newtype ReplyHandle = ReplyHandle Word64
  deriving (Eq, Show, Storable)

-- | @h2r_init(notify, thread_done, config, config_len)@. Safe: it starts a thread.
foreign import ccall safe "h2r_init"
  h2rInit :: FunPtr (CInt -> StablePtr PrimMVar -> IO ()) -> FunPtr (IO ()) -> Ptr Word8 -> CSize -> IO CInt

-- | @h2r_deinit()@. Safe: it waits for the worker to drain and exit.
foreign import ccall safe "h2r_deinit"
  h2rDeinit :: IO CInt

-- | The RTS's @hs_try_putmvar@: Rust's @notify@. Callable from any OS thread; it frees
-- the 'StablePtr' it is given.
foreign import ccall "&hs_try_putmvar"
  hsTryPutMVarPtr :: FunPtr (CInt -> StablePtr PrimMVar -> IO ())

-- | The RTS's @hs_thread_done@: Rust's worker calls it as it exits, so the RTS frees
-- what it kept for that foreign thread.
foreign import ccall "&hs_thread_done"
  hsThreadDonePtr :: FunPtr (IO ())

-- | @h2r_call(msg, len, token, capability, block = 0, budget_ns, out_reply)@: a null
-- token leaves the call unparked; @budget_ns@ is how long the call may wait for the
-- engine before it is dropped as 'StatusExpired' ('maxBound': no deadline). Unsafe:
-- with @block = 0@ it never blocks (a full channel is refused with
-- 'StatusChannelFull'), never calls Haskell, and only decodes and enqueues.
foreign import ccall unsafe "h2r_call"
  h2rCallTry :: Ptr Word8 -> CSize -> StablePtr PrimMVar -> CInt -> CInt -> Word64 -> Ptr ReplyHandle -> IO CInt

-- | The same export, for @block = 1@. Safe: it may wait for room in the channel.
foreign import ccall safe "h2r_call"
  h2rCallWait :: Ptr Word8 -> CSize -> StablePtr PrimMVar -> CInt -> CInt -> Word64 -> Ptr ReplyHandle -> IO CInt

-- | @h2r_cast(msg, len, block = 0)@. Unsafe, for the same reasons as 'h2rCallTry'.
foreign import ccall unsafe "h2r_cast"
  h2rCastTry :: Ptr Word8 -> CSize -> CInt -> IO CInt

-- | @h2r_cast(msg, len, block = 1)@. Safe: it may wait for room.
foreign import ccall safe "h2r_cast"
  h2rCastWait :: Ptr Word8 -> CSize -> CInt -> IO CInt

-- | @h2r_reply(reply, out_ptr, out_len)@. Unsafe: looks the handle up (a few atomic
-- operations) and reads its cell, never blocks.
foreign import ccall unsafe "h2r_reply"
  h2rReply :: ReplyHandle -> Ptr (Ptr Word8) -> Ptr CSize -> IO CInt

-- | @h2r_park(reply, token, capability)@: 0 and the token is Rust's, or
-- 'StatusAlreadyAnswered' and the reply is there to read. Unsafe: two atomic
-- operations on the cell, never blocks.
foreign import ccall unsafe "h2r_park"
  h2rPark :: ReplyHandle -> StablePtr PrimMVar -> CInt -> IO CInt

-- | @h2r_release(reply)@. Unsafe: takes the cell out of the handle table (waiting
-- at most for another use of the same handle in progress, a few atomic operations),
-- sets a flag and drops a reference; never blocks on anything else.
foreign import ccall unsafe "h2r_release"
  h2rRelease :: ReplyHandle -> IO CInt

-- | @h2r_schema_fingerprint(out, len = 32)@. Safe: the first call in a process may
-- compute the fingerprint (Rust traces its types: about 0.3 ms) or wait for another
-- thread computing it. It is called rarely (on a mismatch, and by tests), so the
-- safe call's cost does not matter.
foreign import ccall safe "h2r_schema_fingerprint"
  h2rSchemaFingerprint :: Ptr Word8 -> CSize -> IO CInt

-- | @h2r_calls_in_flight()@: accepted calls not settled yet, less the deferred
-- ones whose handles the engine holds. Unsafe: four atomic loads.
foreign import ccall unsafe "h2r_calls_in_flight"
  h2rCallsInFlight :: IO Word64

-- | @h2r_parallelism()@: how many CPUs the process may run on (affinity and cgroup
-- quota). Safe: its first call in a process reads files under @/proc@ and @/sys@.
foreign import ccall safe "h2r_parallelism"
  h2rParallelism :: IO CSize

-- | libc's @sched_yield()@: offers this OS thread's CPU to another runnable thread
-- (such as Rust's worker, when both share a core). Unsafe: one short system call
-- that never blocks and never calls back into Haskell.
foreign import ccall unsafe "sched_yield"
  schedYield :: IO CInt

-- | @h2r_stats(out, len)@. Unsafe: nine atomic loads.
foreign import ccall unsafe "h2r_stats"
  h2rStats :: Ptr Word64 -> CSize -> IO CInt

-- | @h2r_token_created()@. Unsafe: one atomic add.
foreign import ccall unsafe "h2r_token_created"
  h2rTokenCreated :: IO CInt

-- | @h2r_token_freed_unsent()@. Unsafe: one atomic add.
foreign import ccall unsafe "h2r_token_freed_unsent"
  h2rTokenFreedUnsent :: IO CInt

-- | @h2r_events_subscribe(capacity)@. Safe: it waits for the emitters inside the
-- subscription slot to leave it.
foreign import ccall safe "h2r_events_subscribe"
  h2rEventsSubscribe :: CSize -> IO CInt

-- | @h2r_events_unsubscribe()@. Safe: it waits for the emitters inside the
-- subscription to leave it, and hands a parked token back through
-- @hs_try_putmvar@.
foreign import ccall safe "h2r_events_unsubscribe"
  h2rEventsUnsubscribe :: IO CInt

-- | @h2r_events_take(buf, len, out_used, out_missed)@. Unsafe: it copies queued
-- events into the buffer and never blocks (emitters only ever @try_read@ the lock
-- it reads, and the queue is lock-free) nor calls Haskell.
foreign import ccall unsafe "h2r_events_take"
  h2rEventsTake :: Ptr Word8 -> CSize -> Ptr CSize -> Ptr Word64 -> IO CInt

-- | @h2r_events_park(token, capability, out_parked)@. Unsafe: it stores the token
-- and sets a flag, never blocks, and never calls Haskell (the wake-up comes later,
-- from an emitter). Rust owns the 'StablePtr' only when @*out_parked@ is 1.
foreign import ccall unsafe "h2r_events_park"
  h2rEventsPark :: StablePtr PrimMVar -> CInt -> Ptr CInt -> IO CInt

-- | @h2r_events_stats(out, len)@. Unsafe: six atomic loads.
foreign import ccall unsafe "h2r_events_stats"
  h2rEventsStats :: Ptr Word64 -> CSize -> IO CInt
