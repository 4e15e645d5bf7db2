{-# LANGUAGE DeriveGeneric #-}
{-# LANGUAGE ScopedTypeVariables #-}

-- | The messages between the script host and its worker process, and their
-- framing on the worker's standard input and output: an 8-byte big-endian length,
-- then the message in @binary@'s encoding. Part of "ScriptHost"; the host side is
-- "ScriptHost", the worker side "ScriptHost.Worker".
module ScriptHost.Wire
  ( ToWorker (..),
    FromWorker (..),
    Channel,
    channel,
    send,
    receive,
    maxFrameBytes,
  )
where

import Control.Concurrent.MVar (MVar, newMVar, withMVar)
import Control.Exception (evaluate)
import Data.Binary (Binary, decodeOrFail, encode)
import qualified Data.ByteString as B
import qualified Data.ByteString.Lazy as BL
import Data.Word (Word64)
import GHC.Generics (Generic)
import ScriptHost.Session (LoadError, SessionConfig)
import System.IO (BufferMode (..), Handle, hFlush, hSetBinaryMode, hSetBuffering)

-- | What the host asks of a worker, in this order: 'Start', 'Load', 'Run'.
data ToWorker
  = -- | Start an interpreter session of this configuration and ready it for a
    -- load; a worker's calls and casts may be at most this many bytes.
    Start !SessionConfig !Int
  | -- | Load the script.
    Load !FilePath
  | -- | Run the loaded script's entry point.
    Run
  | -- | The answer to the worker's call of this number: the reply's bytes, or the
    -- host's error as text.
    Answer !Word64 !(Either String B.ByteString)
  deriving (Generic)

instance Binary ToWorker

-- | What a worker tells the host.
data FromWorker
  = -- | The session started and is ready for 'Load'.
    Ready
  | -- | The script loaded; its entry point waits for 'Run'.
    Loaded
  | -- | The script did not load.
    LoadFailed !LoadError
  | -- | A call of the script's, numbered, as the engine's bytes. No two calls in
    -- progress have the same number: a worker that reuses one is killed
    -- ("ScriptHost.Process").
    Call !Word64 !B.ByteString
  | -- | A cast of the script's, as the engine's bytes.
    Cast !B.ByteString
  | -- | A line the script printed.
    Say !String
  | -- | The entry point threw; its text follows in 'Ended'.
    Ending
  | -- | The entry point ended: 'Nothing' if it returned, else its exception's text.
    Ended !(Maybe String)
  deriving (Generic)

instance Binary FromWorker

-- | The largest frame a worker accepts from its host, in bytes (64 MiB). The host
-- accepts from a worker no more than its request limit and some room
-- ("ScriptHost.Process").
maxFrameBytes :: Word64
maxFrameBytes = 64 * 1024 * 1024

-- | One direction of a worker's pipes: a handle and the lock that keeps each
-- frame whole when several threads send.
data Channel = Channel !Handle !(MVar ())

-- | A channel over the handle, which it sets to binary mode and block buffering.
channel :: Handle -> IO Channel
channel handle = do
  hSetBinaryMode handle True
  hSetBuffering handle (BlockBuffering Nothing)
  Channel handle <$> newMVar ()

-- | Sends one message, whole, and flushes it. The message is encoded before the
-- channel is locked, so a message that is slow to compute holds up no other.
send :: Binary a => Channel -> a -> IO ()
send (Channel handle lock) message = do
  payload <- evaluate (BL.toStrict (encode message))
  withMVar lock $ \() -> do
    B.hPut handle (BL.toStrict (encode (fromIntegral (B.length payload) :: Word64)) <> payload)
    hFlush handle

-- | Receives one message: 'Nothing' at the end of the stream, or when the peer
-- sends a frame longer than the given number of bytes, cut short, or one that
-- does not decode (each ends the conversation).
receive :: Binary a => Word64 -> Channel -> IO (Maybe a)
receive limit (Channel handle lock) = withMVar lock $ \() -> do
  header <- B.hGet handle 8
  case decodeOrFail (BL.fromStrict header) of
    Right (_, _, size :: Word64)
      | B.length header == 8 && size <= limit -> do
        payload <- B.hGet handle (fromIntegral size)
        pure $ case decodeOrFail (BL.fromStrict payload) of
          Right (rest, _, message) | BL.null rest && B.length payload == fromIntegral size -> Just message
          _ -> Nothing
    _ -> pure Nothing
