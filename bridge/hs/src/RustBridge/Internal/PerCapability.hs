{-# LANGUAGE BangPatterns #-}
{-# LANGUAGE MagicHash #-}
{-# LANGUAGE UnboxedTuples #-}

-- | Counters, one per capability, each on a cache line of its own so that
-- capabilities never contend for one. Internal: "RustBridge.Internal.Env" holds
-- one, "RustBridge.Internal.Call" counts the calls in progress on each capability.
module RustBridge.Internal.PerCapability
  ( PerCapability,
    newPerCapability,
    addOnCapability,
    sumOverCapabilities,
  )
where

import GHC.Exts (Int (I#), MutableByteArray#, RealWorld, atomicReadIntArray#, fetchAddIntArray#, newByteArray#, setByteArray#)
import GHC.IO (IO (..))

-- | As many counters as there were capabilities when it was made, all starting at
-- 0. A capability numbered beyond them shares the counter of its number modulo
-- their count.
data PerCapability = PerCapability !Int (MutableByteArray# RealWorld)

-- | The 'Int's between two counters: one cache line (64 bytes).
stride :: Int
stride = 8

-- | Counters for this many capabilities (at least one).
newPerCapability :: Int -> IO PerCapability
newPerCapability wanted = IO $ \s0 ->
  case newByteArray# bytes s0 of
    (# s1, counters #) -> case setByteArray# counters 0# bytes 0# s1 of
      s2 -> (# s2, PerCapability count counters #)
  where
    count = max 1 wanted
    !(I# bytes) = count * stride * 8

-- | Adds to the capability's counter atomically; gives its value before.
addOnCapability :: PerCapability -> Int -> Int -> IO Int
addOnCapability (PerCapability count counters) capability (I# delta) = IO $ \s0 ->
  case fetchAddIntArray# counters at delta s0 of
    (# s1, before #) -> (# s1, I# before #)
  where
    !(I# at) = (capability `mod` count) * stride

-- | The sum of all the counters, each read atomically (but not all at one instant:
-- a hint, exact only while they do not change).
sumOverCapabilities :: PerCapability -> IO Int
sumOverCapabilities (PerCapability count counters) = go 0 0
  where
    go !acc capability
      | capability >= count = pure acc
      | otherwise = do
        value <- readAt (capability * stride)
        go (acc + value) (capability + 1)
    readAt (I# at) = IO $ \s0 -> case atomicReadIntArray# counters at s0 of
      (# s1, value #) -> (# s1, I# value #)
