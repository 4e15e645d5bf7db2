-- | The named sample values of the golden vectors. @rs/tests/golden/samples.rs@
-- defines the same names with the same values; keep the two lists in step (the
-- golden tests on each side fail on a name the other side does not have).
module Samples
  ( Sample (..),
    samples,
    encodeSample,
    decodeLike,
  )
where

import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import Data.Store (PeekException, decode, encode)
import qualified Data.Text as T
import RustBridge
import RustBridge.Internal (InitMessage (..))

-- | A sample of one of the types that cross at init or afterwards.
data Sample
  = SampleMessage !MessageBody
  | SampleConfig !Config
  | SampleInit !InitMessage
  deriving (Eq, Show)

-- | The sample's bytes.
encodeSample :: Sample -> ByteString
encodeSample (SampleMessage m) = encode m
encodeSample (SampleConfig c) = encode c
encodeSample (SampleInit i) = encode i

-- | Decodes bytes as the same type as the given sample.
decodeLike :: Sample -> ByteString -> Either PeekException Sample
decodeLike (SampleMessage _) = fmap SampleMessage . decode
decodeLike (SampleConfig _) = fmap SampleConfig . decode
decodeLike (SampleInit _) = fmap SampleInit . decode

text :: String -> WireText
text = WireText . T.pack

meters :: [MeterReading]
meters =
  [ MeterReading (ChannelId 0) (Level (-1 / 0) (-1 / 0)) False,
    MeterReading (ChannelId 1) (Level 6.0 (-3.010299956639812)) True
  ]

-- | Every sample, by name. Each constructor of 'MessageBody' appears at least once,
-- and with it every shape the wire carries.
samples :: [(String, Sample)]
samples =
  [ ("config", SampleConfig (Config 4096)),
    ("init_message", SampleInit (InitMessage (B.pack [0 .. 31]) (Config 256))),
    m "ping" Ping,
    m "pong" Pong,
    m "echo_u64" (Echo 0x0102030405060708),
    m "get_cast_count" GetCastCount,
    m "cast_count" (CastCount maxBound),
    m "sleep_u32" (Sleep 250),
    m "inject_panic" InjectPanic,
    m "unsupported" Unsupported,
    m "set_gain_f32" (SetGain (ChannelId 3) (-6.5)),
    m "set_gain_negative_zero" (SetGain (ChannelId 0) (-0.0)),
    m "set_mute_bool" (SetMute (ChannelId 1) True),
    m "set_pan_i8" (SetPan (ChannelId 2) minBound),
    m "set_delay_i32" (SetDelay (ChannelId 7) (-48000)),
    m "set_label_string_and_char" (SetLabel (ChannelId 0) "Gitarre — Bühne ♪ 🎸" '🎸'),
    m "get_channel_newtype" (GetChannel (ChannelId maxBound)),
    m "channel_nothing" (Channel Nothing),
    m "channel_just_record" (Channel (Just (ChannelInfo (ChannelId 4) "Voix" 'é' 12.0 100 False maxBound))),
    m "write_samples_bytestring" (WriteSamples (ChannelId 1) (B.pack [0x00, 0x80, 0xff, 0x7f, 0x01])),
    m "write_samples_empty" (WriteSamples (ChannelId 1) B.empty),
    m "samples_written_i16" (SamplesWritten 2 minBound),
    m "query_meters" QueryMeters,
    m "meters_list_of_nested_records" (Meters meters),
    m "meters_empty" (Meters []),
    m "load_preset_text" (LoadPreset (text "Scène 1 — 日本語")),
    m "save_preset_empty_text" (SavePreset (text "")),
    m "preset_left_enum_with_payload" (Preset (Left (UnknownPreset (text "nope")))),
    m "preset_left_unit" (Preset (Left InvalidName)),
    m "preset_left_u8" (Preset (Left (PresetsFull 16))),
    m "preset_right" (Preset (Right (PresetSummary (text "Unity") 8))),
    m "automate_tuples_and_enum" (Automate (Automation (ChannelId 3) 1000 [(0, -6.0), (480, -3.0), (maxBound, 12.0)] (Exponential 2.5))),
    m "automated" (Automated (ChannelId 3) 3 1480),
    m "seek_i64" (Seek minBound),
    m "position_i64" (Position maxBound),
    m "loopback_every_shape" (Loopback everyShape),
    m "loopback_linear_left" (Loopback linearLeft)
  ]
  where
    m name message = (name, SampleMessage message)
    everyShape =
      LoopbackFrame
        { frameWord8 = maxBound,
          frameWord16 = 0x0102,
          frameWord32 = 0x01020304,
          frameWord64 = maxBound,
          frameInt8 = -1,
          frameInt16 = minBound,
          frameInt32 = -2,
          frameInt64 = minBound + 1,
          frameFloat = 1 / 0,
          frameDouble = pi,
          frameBool = False,
          frameChar = 'ß',
          frameText = text "naïve café",
          frameString = "Ωμέγα",
          frameBytes = B.pack [0, 255, 10],
          frameMaybe = Just (ChannelId 9),
          frameEither = Right (PresetSummary (text "Ω") 0),
          frameMeters = meters,
          framePair = (7, 0.25),
          frameCurve = Step
        }
    linearLeft =
      LoopbackFrame
        { frameWord8 = 0,
          frameWord16 = 0,
          frameWord32 = 0,
          frameWord64 = 0,
          frameInt8 = 0,
          frameInt16 = 0,
          frameInt32 = 0,
          frameInt64 = 0,
          frameFloat = 0,
          frameDouble = -0.0,
          frameBool = True,
          frameChar = '\0',
          frameText = text "",
          frameString = "",
          frameBytes = B.empty,
          frameMaybe = Nothing,
          frameEither = Left InvalidName,
          frameMeters = [],
          framePair = (0, -1.5),
          frameCurve = Linear
        }
