-- | Reading a counter export (@h2r_stats@ or @h2r_events_stats@) by Rust's counter
-- names, the layouts in "RustBridge.Abi": the one idiom behind
-- 'RustBridge.bridgeStats' and 'RustBridge.Events.eventStats'. Internal.
module RustBridge.Counters
  ( readNamedCounters,
  )
where

import Control.Exception (throwIO)
import Data.Word (Word64)
import Foreign.C.Types (CInt, CSize)
import Foreign.Ptr (Ptr)
import RustBridge.Internal (readCounters)
import Types (BridgeError (..))

-- | Reads, in one call of the export named @export@, the counters @names@ lists in
-- its order, and gives the lookup of one counter by its name. Throws what
-- 'RustBridge.Internal.checkOk' throws; the lookup throws 'InternalError' for a name
-- that is not in @names@ (a bug in rs-in-hs).
readNamedCounters :: String -> [String] -> (Ptr Word64 -> CSize -> IO CInt) -> IO (String -> IO Word64)
readNamedCounters export names counters = do
  values <- readCounters export counters (length names)
  let named = zip names values
  pure $ \name ->
    maybe (throwIO (InternalError export (length values))) pure (lookup name named)
