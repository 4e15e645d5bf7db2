-- | Decoding wire bytes without the cost that "Data.Store"'s 'Data.Store.decode'
-- carries on a deep stack.
module RustBridge.Decode (decodeBytes) where

import Control.Exception (try)
import Data.ByteString (ByteString)
import Data.Store (PeekException, Store, decodeIO)
import System.IO.Unsafe (unsafeDupablePerformIO)

-- | Decodes the bytes exactly (every byte used), as 'Data.Store.decode' does.
--
-- 'Data.Store.decode' runs its decoder under 'System.IO.Unsafe.unsafePerformIO',
-- whose guard against two threads evaluating the same thunk walks the caller's
-- whole stack chunk: microseconds on every call from a caller deep in a
-- recursion (a @forM@ that collects its results). Decoding only reads immutable
-- bytes and allocates its result, so running it twice is harmless, and the
-- duplicable form, which walks nothing, is safe here.
decodeBytes :: Store a => ByteString -> Either PeekException a
decodeBytes bytes = unsafeDupablePerformIO (try (decodeIO bytes))
