{-# LANGUAGE MagicHash #-}
{-# LANGUAGE UnboxedTuples #-}

-- | A counter that threads add to atomically, without allocating. Internal:
-- "RustBridge.Internal.Env" holds one, "RustBridge.Internal.Call" counts the calls
-- in progress with it.
module RustBridge.Internal.Counter
  ( Counter,
    newCounter,
    addToCounter,
  )
where

import GHC.Exts (Int (I#), MutableByteArray#, RealWorld, fetchAddIntArray#, newByteArray#, writeIntArray#)
import GHC.IO (IO (..))

-- | One 'Int' in a byte array of its own.
data Counter = Counter (MutableByteArray# RealWorld)

-- | A counter at 0.
newCounter :: IO Counter
newCounter = IO $ \s0 -> case newByteArray# 8# s0 of
  (# s1, cell #) -> case writeIntArray# cell 0# 0# s1 of
    s2 -> (# s2, Counter cell #)

-- | Adds to the counter atomically; gives its value before.
addToCounter :: Counter -> Int -> IO Int
addToCounter (Counter cell) (I# delta) = IO $ \s0 -> case fetchAddIntArray# cell 0# delta s0 of
  (# s1, before #) -> (# s1, I# before #)
