{-# LANGUAGE GeneralizedNewtypeDeriving #-}

-- | The raw C ABI of the bridge, one import per export and blocking mode, and
-- nothing else. Internal: "RustBridge.Internal" and "RustBridge" use it and add
-- marshalling, lifetimes and errors. Mirrors @bridge/rs/src/ffi.rs@ (the status
-- codes are in "RustBridge.Status", the other shared constants in
-- "RustBridge.Abi"). Each engine's crate exports its own symbols through
-- @export_engine!(prefix, Engine)@ (@prefix_h2r_init@, ...), so this module imports
-- none by name: it types each import ('CallImport', ...) and gathers them in the
-- record 'Imports', and the module generated for an engine's protocol declares the
-- @foreign import@s of its prefix (@safe@ or @unsafe@ as each field below says) and
-- hands the record over through its 'RustBridge.Protocol.Linked' instance.
--
-- Ownership (the same rules as in @bridge/rs/src/ffi.rs@):
--
-- * A non-zero status means Rust took nothing. A refused 'h2rCallTry' or 'h2rPark'
--   leaves the 'StablePtr' with the caller, who must free it; no wake-up will ever
--   come for it.
-- * Status 0 from a call gives the caller a reply handle (a 'Word64', never 0)
--   that it must release with 'h2rRelease' exactly once, whatever happens. Rust
--   checks every handle it is given: one released or never issued is refused
--   ('RustBridge.Status.StatusUnknownHandle'), never a read of freed memory. A
--   'StablePtr' given with the call, or later to 'h2rPark' with status 0, is
--   Rust's: the worker passes it to @hs_try_putmvar@, which frees it, exactly once.
--   A call given a null 'StablePtr' is waited for with 'h2rReplyWait' and parked
--   only if the reply is slow.
-- * Message bytes are only borrowed for the duration of a call.
-- * What a caller can get wrong and an export can see is refused with
--   'RustBridge.Status.StatusInvalidArgument' before anything happens: a null
--   pointer with a non-zero length, a null or misaligned out-pointer, a length
--   beyond @isize::MAX@, a null 'StablePtr' given to 'h2rPark' or 'h2rEventsPark'.
--
-- Safety of each import: @unsafe@ only where Rust never blocks and never calls back
-- into Haskell; @safe@ everywhere else.
module FFI
  ( -- * One engine's imports
    Imports (..),
    InitImport,
    DeinitImport,
    CallImport,
    CastImport,
    ReplyImport,
    ReplyWaitImport,
    ParkImport,
    ReleaseImport,
    InFlightImport,
    ParallelismImport,
    FingerprintImport,
    CountersImport,
    CountImport,
    SubscribeImport,
    UnsubscribeImport,
    TakeImport,
    EventsParkImport,

    -- * Lifecycle
    hsTryPutMVarPtr,
    hsThreadDonePtr,

    -- * Calls and casts
    ReplyHandle (..),
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

-- | One engine's imports of the C ABI: what the generated module of its protocol
-- gives "RustBridge". Each field names its export (after the engine's prefix) and
-- says why its import is @safe@ or @unsafe@; the generated imports follow it.
data Imports = Imports
  { -- | @h2r_init(notify, thread_done, config, config_len)@. Safe: it starts a thread.
    h2rInit :: !InitImport,
    -- | @h2r_deinit()@. Safe: it waits for the worker to drain and exit.
    h2rDeinit :: !DeinitImport,
    -- | @h2r_call(msg, len, token, capability, block = 0, budget_ns, out_reply)@: a null
    -- token leaves the call unparked; @budget_ns@ is how long the call may wait for the
    -- engine before it is dropped as 'StatusExpired' ('maxBound': no deadline). Unsafe:
    -- with @block = 0@ it never blocks (a full channel is refused with
    -- 'StatusChannelFull'), never calls Haskell, and only decodes and enqueues.
    h2rCallTry :: !CallImport,
    -- | The same export, for @block = 1@. Safe: it may wait for room in the channel.
    h2rCallWait :: !CallImport,
    -- | @h2r_cast(msg, len, block = 0)@. Unsafe, for the same reasons as 'h2rCallTry'.
    h2rCastTry :: !CastImport,
    -- | @h2r_cast(msg, len, block = 1)@. Safe: it may wait for room.
    h2rCastWait :: !CastImport,
    -- | @h2r_reply(reply, out_ptr, out_len)@. Unsafe: looks the handle up (a few
    -- atomic operations) and reads its cell, never blocks.
    h2rReply :: !ReplyImport,
    -- | @h2r_reply_wait(reply, spin_ns, out_ptr, out_len)@: 'h2rReply', but polls the
    -- cell for up to @spin_ns@ (at most 100 µs) while nothing is there. Unsafe: it
    -- never calls Haskell, and it blocks its capability for at most the wait asked,
    -- which the caller keeps to a few microseconds.
    h2rReplyWait :: !ReplyWaitImport,
    -- | @h2r_park(reply, token, capability)@: 0 and the token is Rust's, or
    -- 'StatusAlreadyAnswered' and the reply is there to read. Unsafe: two atomic
    -- operations on the cell, never blocks.
    h2rPark :: !ParkImport,
    -- | @h2r_release(reply)@. Unsafe: takes the cell out of the handle table (waiting
    -- at most for another use of the same handle in progress, a few atomic
    -- operations), sets a flag and drops a reference; never blocks on anything else.
    h2rRelease :: !ReleaseImport,
    -- | @h2r_calls_in_flight()@: accepted calls not settled yet, less the deferred
    -- ones whose handles the engine holds. Unsafe: four atomic loads.
    h2rCallsInFlight :: !InFlightImport,
    -- | @h2r_parallelism()@: how many CPUs the process may run on (affinity and cgroup
    -- quota). Safe: its first call in a process reads files under @/proc@ and @/sys@.
    h2rParallelism :: !ParallelismImport,
    -- | @h2r_schema_fingerprint(out, len = 32)@. Safe: the first call in a process may
    -- compute the fingerprint (Rust traces its types: about 0.3 ms) or wait for another
    -- thread computing it. It is called rarely (on a mismatch, and by tests), so the
    -- safe call's cost does not matter.
    h2rSchemaFingerprint :: !FingerprintImport,
    -- | @h2r_stats(out, len)@. Unsafe: fourteen atomic loads.
    h2rStats :: !CountersImport,
    -- | @h2r_token_created()@. Unsafe: one atomic add.
    h2rTokenCreated :: !CountImport,
    -- | @h2r_token_freed_unsent()@. Unsafe: one atomic add.
    h2rTokenFreedUnsent :: !CountImport,
    -- | @h2r_events_subscribe(capacity)@. Safe: it waits for the emitters inside the
    -- subscription slot to leave it.
    h2rEventsSubscribe :: !SubscribeImport,
    -- | @h2r_events_unsubscribe()@. Safe: it waits for the emitters inside the
    -- subscription to leave it, and hands a parked token back through
    -- @hs_try_putmvar@.
    h2rEventsUnsubscribe :: !UnsubscribeImport,
    -- | @h2r_events_take(buf, len, out_used, out_missed)@. Unsafe: it copies queued
    -- events into the buffer and never blocks (emitters only ever @try_read@ the lock
    -- it reads, and the queue is lock-free) nor calls Haskell.
    h2rEventsTake :: !TakeImport,
    -- | @h2r_events_park(token, capability, out_parked)@. Unsafe: it stores the token
    -- and sets a flag, never blocks, and never calls Haskell (the wake-up comes later,
    -- from an emitter). Rust owns the 'StablePtr' only when @*out_parked@ is 1.
    h2rEventsPark :: !EventsParkImport,
    -- | @h2r_events_stats(out, len)@. Unsafe: six atomic loads.
    h2rEventsStats :: !CountersImport
  }

-- | @h2r_init@'s type.
type InitImport = FunPtr (CInt -> StablePtr PrimMVar -> IO ()) -> FunPtr (IO ()) -> Ptr Word8 -> CSize -> IO CInt

-- | @h2r_deinit@'s type.
type DeinitImport = IO CInt

-- | @h2r_call@'s type.
type CallImport = Ptr Word8 -> CSize -> StablePtr PrimMVar -> CInt -> CInt -> Word64 -> Ptr ReplyHandle -> IO CInt

-- | @h2r_cast@'s type.
type CastImport = Ptr Word8 -> CSize -> CInt -> IO CInt

-- | @h2r_reply@'s type.
type ReplyImport = ReplyHandle -> Ptr (Ptr Word8) -> Ptr CSize -> IO CInt

-- | @h2r_reply_wait@'s type.
type ReplyWaitImport = ReplyHandle -> Word64 -> Ptr (Ptr Word8) -> Ptr CSize -> IO CInt

-- | @h2r_park@'s type.
type ParkImport = ReplyHandle -> StablePtr PrimMVar -> CInt -> IO CInt

-- | @h2r_release@'s type.
type ReleaseImport = ReplyHandle -> IO CInt

-- | @h2r_calls_in_flight@'s type.
type InFlightImport = IO Word64

-- | @h2r_parallelism@'s type.
type ParallelismImport = IO CSize

-- | @h2r_schema_fingerprint@'s type.
type FingerprintImport = Ptr Word8 -> CSize -> IO CInt

-- | The type of the counter exports @h2r_stats@ and @h2r_events_stats@.
type CountersImport = Ptr Word64 -> CSize -> IO CInt

-- | The type of the token counts @h2r_token_created@ and @h2r_token_freed_unsent@.
type CountImport = IO CInt

-- | @h2r_events_subscribe@'s type.
type SubscribeImport = CSize -> IO CInt

-- | @h2r_events_unsubscribe@'s type.
type UnsubscribeImport = IO CInt

-- | @h2r_events_take@'s type.
type TakeImport = Ptr Word8 -> CSize -> Ptr CSize -> Ptr Word64 -> IO CInt

-- | @h2r_events_park@'s type.
type EventsParkImport = StablePtr PrimMVar -> CInt -> Ptr CInt -> IO CInt

-- | The RTS's @hs_try_putmvar@: Rust's @notify@. Callable from any OS thread; it frees
-- the 'StablePtr' it is given.
foreign import ccall "&hs_try_putmvar"
  hsTryPutMVarPtr :: FunPtr (CInt -> StablePtr PrimMVar -> IO ())

-- | The RTS's @hs_thread_done@: Rust's worker calls it as it exits, so the RTS frees
-- what it kept for that foreign thread.
foreign import ccall "&hs_thread_done"
  hsThreadDonePtr :: FunPtr (IO ())
