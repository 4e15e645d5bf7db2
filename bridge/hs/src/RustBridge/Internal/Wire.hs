{-# LANGUAGE ScopedTypeVariables #-}

-- | How bytes cross the C ABI: the wire encoding of typed messages, lending a
-- 'ByteString' to a foreign call, reading a counter export, and the status context
-- of a message. Internal: "RustBridge.Internal" re-exports the encoding and
-- 'readCounters'; "RustBridge.Internal.Lifecycle" and "RustBridge.Internal.Call"
-- use the rest.
module RustBridge.Internal.Wire
  ( -- * Typed messages on the wire
    encodeCall,
    encodeCast,
    decodeReply,

    -- * Bytes across the ABI
    withBytes,
    readCounters,
    messageContext,
  )
where

import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import Data.ByteString.Unsafe (unsafeUseAsCStringLen)
import Data.Proxy (Proxy (..))
import Data.Store (PeekException (..), encode)
import qualified Data.Text as T
import Data.Word (Word64, Word8)
import Foreign.C.Types (CInt, CSize)
import Foreign.Marshal.Array (allocaArray, peekArray)
import Foreign.Ptr (Ptr, castPtr)
import RustBridge.Decode (decodeBytes)
import RustBridge.Internal.Env (Env (..))
import RustBridge.Protocol (CallOf, CastOf, Reply, callTag, castTag)
import RustBridge.Status
import Schema (WireSchema (..))
import Types

-- | A request's bytes on the wire: its tag ('callTag'), then the request.
encodeCall :: forall req. CallOf req => req -> ByteString
encodeCall request = encode (callTag (Proxy :: Proxy req), request)

-- | A cast's bytes on the wire: its tag ('castTag'), then the message.
encodeCast :: forall msg. CastOf msg => msg -> ByteString
encodeCast message = encode (castTag (Proxy :: Proxy msg), message)

-- | Decodes the reply bytes to a request. Rust tags a reply as its request, so the
-- tag must be the request's and the rest must decode exactly (every byte used) as
-- its 'Reply'. Anything else is 'UndecodableReply', naming the request's and the
-- reply's formats and what was wrong.
decodeReply :: forall req. CallOf req => Proxy req -> ByteString -> Either BridgeError (Reply req)
decodeReply request bytes = case B.uncons bytes of
  Nothing -> mismatch "it is empty, without a tag"
  Just (tag, rest)
    | tag /= expected -> mismatch ("its tag is " <> show tag)
    | otherwise -> either (mismatch . undecodable) Right (decodeBytes rest)
  where
    expected = callTag request
    mismatch why =
      Left . UndecodableReply $
        "the reply to "
          <> fieldFormat request
          <> " (tag "
          <> show expected
          <> ", expected as "
          <> fieldFormat (Proxy :: Proxy (Reply req))
          <> "): "
          <> why
    undecodable failure =
      "its bytes after the tag do not decode: "
        <> T.unpack (peekExMessage failure)
        <> " ("
        <> show (peekExBytesFromEnd failure)
        <> " bytes from the end)"

-- | Lends a ByteString's bytes to a foreign call without copying. Rust only borrows
-- them for the duration of the call (see "FFI").
withBytes :: ByteString -> (Ptr Word8 -> CSize -> IO a) -> IO a
withBytes bytes use =
  unsafeUseAsCStringLen bytes $ \(ptr, len) -> use (castPtr ptr) (fromIntegral len)

-- | Reads @n@ counters through a counter export (@h2r_stats@ or @h2r_events_stats@,
-- named for the error); throws what 'checkOk' throws.
readCounters :: String -> (Ptr Word64 -> CSize -> IO CInt) -> Int -> IO [Word64]
readCounters export counters n = allocaArray n $ \out -> do
  counters out (fromIntegral n) >>= checkOk export
  peekArray n out

-- | The context of a status from a submit of these bytes.
messageContext :: String -> Env -> ByteString -> StatusContext
messageContext export env bytes =
  (statusContext export) {contextMessage = Just (B.length bytes, maxMsgLen (envConfig env))}
