{-# LANGUAGE FlexibleContexts #-}
{-# LANGUAGE GADTs #-}
{-# LANGUAGE ScopedTypeVariables #-}
{-# LANGUAGE TypeOperators #-}

-- | The named sample values of the golden vectors. @examples/mixer/rs/tests/golden/samples.rs@
-- defines the same names with the same values; keep the two lists in step (the
-- golden tests on each side fail on a name the other side does not have).
--
-- A sample is a whole wire message of the mixer's protocol: a request, a reply or a
-- cast, each encoded as its one-byte tag (the call's or cast's position in the
-- protocol) then its value, through @store@. Requests and casts are encoded, and
-- replies decoded, by the bridge's own functions ("RustBridge.Internal"), so the
-- vectors check the bytes the bridge really sends and reads.
module Samples
  ( Sample (..),
    samples,
    encodeSample,
    decodeLike,
  )
where

import Data.Bifunctor (first)
import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import Data.Proxy (Proxy (..))
import Data.Store (Store, decode, encode)
import qualified Data.Text as T
import Data.Typeable (Typeable, cast, eqT, typeRep, (:~:) (..))
import Data.Word (Word8)
import Mixer.Protocol
import RustBridge.Internal (decodeReply, encodeCall, encodeCast)
import RustBridge.Protocol (CallOf, CastOf, Reply, WireText (..), callTag, castTag)

-- | One wire message of the mixer's protocol.
data Sample where
  -- | A call's request, as Haskell sends it.
  RequestSample :: (CallOf req, Typeable req, Eq req, Show req) => !req -> Sample
  -- | The reply to a call of the given request type, as Rust sends it.
  ReplySample :: (CallOf req, Typeable req, Eq (Reply req), Show (Reply req)) => !(Proxy req) -> !(Reply req) -> Sample
  -- | A cast, as Haskell sends it.
  CastSample :: (CastOf msg, Typeable msg, Eq msg, Show msg) => !msg -> Sample

-- | The same kind of message, of the same type, with an equal value.
instance Eq Sample where
  RequestSample a == RequestSample b = Just a == cast b
  ReplySample (_ :: Proxy a) x == ReplySample (_ :: Proxy b) y = case eqT :: Maybe (a :~: b) of
    Just Refl -> x == y
    Nothing -> False
  CastSample a == CastSample b = Just a == cast b
  _ == _ = False

-- | @Request@, @Reply@ (with the request's type) or @Cast@, then the value.
instance Show Sample where
  showsPrec d sample = showParen (d > 10) $ case sample of
    RequestSample request -> showString "Request " . showsPrec 11 request
    ReplySample proxy reply -> showString "Reply " . showsPrec 11 (typeRep proxy) . showString " " . showsPrec 11 reply
    CastSample message -> showString "Cast " . showsPrec 11 message

-- | The sample's bytes on the wire.
encodeSample :: Sample -> ByteString
encodeSample (RequestSample request) = encodeCall request
encodeSample (ReplySample proxy reply) = B.cons (callTag proxy) (encode reply)
encodeSample (CastSample message) = encodeCast message

-- | Decodes bytes as a message of the same kind and type as the given sample: the
-- tag must be that message's and the rest must decode exactly. 'Left' says why not.
decodeLike :: Sample -> ByteString -> Either String Sample
decodeLike (RequestSample (_ :: req)) bytes =
  RequestSample <$> (tagged (callTag (Proxy :: Proxy req)) bytes :: Either String req)
decodeLike (ReplySample proxy _) bytes = ReplySample proxy <$> first show (decodeReply proxy bytes)
decodeLike (CastSample (_ :: msg)) bytes =
  CastSample <$> (tagged (castTag (Proxy :: Proxy msg)) bytes :: Either String msg)

-- | The value after the expected tag, which must use every byte.
tagged :: Store a => Word8 -> ByteString -> Either String a
tagged expected bytes = case B.uncons bytes of
  Nothing -> Left "no tag"
  Just (tag, rest)
    | tag /= expected -> Left ("the tag is " <> show tag <> ", expected " <> show expected)
    | otherwise -> first show (decode rest)

text :: String -> WireText
text = WireText . T.pack

-- | Two meter readings: a silent channel and a clipping one.
meters :: [MeterReading]
meters =
  [ MeterReading (ChannelId 0) (Level (-1 / 0) (-1 / 0)) False,
    MeterReading (ChannelId 1) (Level 6.0 (-3.010299956639812)) True
  ]

-- | Every sample, by name, in the order of @samples.rs@. Each name starts with its
-- kind (@request_@, @reply_@, @cast_@) and then the call or cast. Every call's
-- request and reply and every cast appears at least once, and with them every shape
-- the wire carries.
samples :: [(String, Sample)]
samples =
  [ -- Requests, in tag order.
    request "request_ping" Ping,
    request "request_set_gain_f32" (SetGain (ChannelId 3) (-6.5)),
    request "request_set_gain_negative_zero" (SetGain (ChannelId 0) (-0.0)),
    request "request_set_mute_bool" (SetMute (ChannelId 1) True),
    request "request_set_pan_i8" (SetPan (ChannelId 2) minBound),
    request "request_set_delay_i32" (SetDelay (ChannelId 7) (-48000)),
    request "request_set_label_string_and_char" (SetLabel (ChannelId 0) "Gitarre — Bühne ♪ 🎸" '🎸'),
    request "request_get_channel_newtype" (GetChannel (ChannelId maxBound)),
    request "request_write_samples_bytestring" (WriteSamples (ChannelId 1) (B.pack [0x00, 0x80, 0xff, 0x7f, 0x01])),
    request "request_write_samples_empty" (WriteSamples (ChannelId 1) B.empty),
    request "request_query_meters" QueryMeters,
    request "request_load_preset_text" (LoadPreset (text "Scène 1 — 日本語")),
    request "request_save_preset_empty_text" (SavePreset (text "")),
    request
      "request_automate_tuples_and_enum"
      (Automate (Automation (ChannelId 3) 1000 [(0, -6.0), (480, -3.0), (maxBound, 12.0)] (Exponential 2.5))),
    request "request_automate_linear_no_points" (Automate (Automation (ChannelId 0) 0 [] Linear)),
    request "request_automate_step_u64" (Automate (Automation (ChannelId 7) maxBound [(1, 1 / 0)] Step)),
    request "request_seek_i64" (Seek minBound),
    request "request_reset" Reset,
    request "request_start_audio_record" (StartAudio (AudioConfig 48000 128 30 System)),
    request "request_record_text" (Record (text "/tmp/mixdown.wav") 96000),
    request "request_query_audio" QueryAudio,
    request "request_import_wav_text" (ImportWav (ChannelId 5) (text "/tmp/Klänge.wav")),
    request "request_await_frame_u64" (AwaitFrame maxBound),
    -- Replies, in tag order.
    reply "reply_ping_pong" (Proxy :: Proxy Ping) Pong,
    reply
      "reply_set_gain_record"
      (Proxy :: Proxy SetGain)
      (Just (ChannelInfo (ChannelId 4) "Voix" 'é' 12.0 100 False maxBound)),
    reply "reply_set_mute_nothing" (Proxy :: Proxy SetMute) Nothing,
    reply
      "reply_set_pan_record"
      (Proxy :: Proxy SetPan)
      (Just (ChannelInfo (ChannelId 2) "Ch 3" '♪' (-96.0) (-100) True (-48000))),
    reply "reply_set_delay_nothing" (Proxy :: Proxy SetDelay) Nothing,
    reply
      "reply_set_label_record"
      (Proxy :: Proxy SetLabel)
      (Just (ChannelInfo (ChannelId 0) "Gitarre — Bühne ♪ 🎸" '🎸' 0.0 0 False 0)),
    reply "reply_get_channel_nothing" (Proxy :: Proxy GetChannel) Nothing,
    reply "reply_write_samples_i16" (Proxy :: Proxy WriteSamples) (Just (SamplesWritten 2 minBound)),
    reply "reply_write_samples_nothing" (Proxy :: Proxy WriteSamples) Nothing,
    reply "reply_query_meters_nested_records" (Proxy :: Proxy QueryMeters) meters,
    reply "reply_query_meters_empty" (Proxy :: Proxy QueryMeters) [],
    reply "reply_load_preset_left_payload" (Proxy :: Proxy LoadPreset) (Left (UnknownPreset (text "nope"))),
    reply "reply_load_preset_right" (Proxy :: Proxy LoadPreset) (Right (PresetSummary (text "Unity") 8)),
    reply "reply_save_preset_left_unit_variant" (Proxy :: Proxy SavePreset) (Left InvalidName),
    reply "reply_save_preset_left_u8" (Proxy :: Proxy SavePreset) (Left (PresetsFull 16)),
    reply "reply_automate_record" (Proxy :: Proxy Automate) (Just (Automated (ChannelId 3) 3 1480)),
    reply "reply_automate_nothing" (Proxy :: Proxy Automate) Nothing,
    reply "reply_seek_i64" (Proxy :: Proxy Seek) maxBound,
    reply "reply_reset_unit" (Proxy :: Proxy Reset) (),
    reply "reply_start_audio_started" (Proxy :: Proxy StartAudio) (Started Null),
    reply "reply_start_audio_refused" (Proxy :: Proxy StartAudio) (AudioRefused (BlockFrames 0)),
    reply "reply_record_recording" (Proxy :: Proxy Record) (Recording 48000),
    reply "reply_record_refused" (Proxy :: Proxy Record) (RecordRefused (CannotCreate (text "no such directory"))),
    reply
      "reply_query_audio_record"
      (Proxy :: Proxy QueryAudio)
      (AudioFigures (AudioConfig 44100 256 0 Null) 5804988 1000 1 4096 12288 6000001 0 0 2 256000 True 44100 0 False),
    reply "reply_import_wav_imported" (Proxy :: Proxy ImportWav) (Just (WavImported (Imported 48000 44100 2))),
    reply "reply_import_wav_failed" (Proxy :: Proxy ImportWav) (Just (ImportFailed (text "No such file or directory (os error 2)"))),
    reply "reply_import_wav_nothing" (Proxy :: Proxy ImportWav) Nothing,
    reply "reply_await_frame_u64" (Proxy :: Proxy AwaitFrame) 96000,
    -- Casts, in tag order.
    castOf "cast_set_master_f32" (SetMaster (-3.5)),
    castOf "cast_reset_meters" ResetMeters,
    castOf "cast_transport_rewind" (Transport Rewind),
    castOf "cast_transport_locate_u64" (Transport (Locate maxBound))
  ]
  where
    request name value = (name, RequestSample value)
    reply name proxy value = (name, ReplySample proxy value)
    castOf name value = (name, CastSample value)
