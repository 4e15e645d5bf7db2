{-# LANGUAGE DeriveAnyClass #-}
{-# LANGUAGE DeriveGeneric #-}

-- | The demo engine's records and enums: the payloads of the mixer messages in
-- 'Types.MessageBody'. Each type has a twin of the same name in
-- @rs/src/wire/messages.rs@, with the same constructor order and field types in the
-- same order (field names are not on the wire). 'RustBridge' re-exports everything.
module Audio
  ( ChannelId (..),
    ChannelInfo (..),
    Level (..),
    MeterReading (..),
    Curve (..),
    Automation (..),
    PresetError (..),
    PresetSummary (..),
    PresetOutcome,
    LoopbackFrame (..),
  )
where

import Data.ByteString (ByteString)
import Data.Int (Int16, Int32, Int64, Int8)
import Data.Store (Store)
import Data.Word (Word16, Word32, Word64, Word8)
import GHC.Generics (Generic)
import Schema (WireSchema)
import WireText (WireText)

-- | A mixer channel's number (0 to 7 in the demo engine).
newtype ChannelId = ChannelId Word16
  deriving (Eq, Ord, Show, Generic, Store, WireSchema)

-- | A channel's settings, as the engine reports them.
data ChannelInfo = ChannelInfo
  { infoChannel :: !ChannelId,
    -- | At most 32 characters; longer labels are truncated.
    infoLabel :: !String,
    -- | A symbol shown on the channel strip.
    infoGlyph :: !Char,
    -- | Gain in dB, from -96 to 12.
    infoGainDb :: !Float,
    -- | From -100 (left) to 100 (right).
    infoPan :: !Int8,
    infoMuted :: !Bool,
    -- | Delay in samples (at most 48 000 either way); negative advances the channel.
    infoDelaySamples :: !Int32
  }
  deriving (Eq, Show, Generic, Store, WireSchema)

-- | Peak and RMS level in dBFS; negative infinity for silence or a muted channel.
data Level = Level
  { peakDb :: !Float,
    rmsDb :: !Double
  }
  deriving (Eq, Show, Generic, Store, WireSchema)

-- | One channel's meter.
data MeterReading = MeterReading
  { meterChannel :: !ChannelId,
    -- | After gain and mute.
    meterLevel :: !Level,
    -- | The peak is above 0 dBFS.
    meterClipped :: !Bool
  }
  deriving (Eq, Show, Generic, Store, WireSchema)

-- | The shape of an automation ramp.
data Curve
  = -- | Jump to each point's value.
    Step
  | -- | Straight lines between points.
    Linear
  | -- | Exponential segments with this (finite) steepness.
    Exponential !Double
  deriving (Eq, Show, Generic, Store, WireSchema)

-- | A gain automation lane for one channel.
data Automation = Automation
  { automationChannel :: !ChannelId,
    -- | The transport frame the offsets count from.
    automationStart :: !Word64,
    -- | @(frame offset, gain in dB)@; offsets must increase strictly (the engine
    -- drops the others).
    automationPoints :: ![(Word32, Float)],
    automationCurve :: !Curve
  }
  deriving (Eq, Show, Generic, Store, WireSchema)

-- | Why a preset could not be loaded or saved.
data PresetError
  = -- | No preset has this name.
    UnknownPreset !WireText
  | -- | Empty, or longer than 64 UTF-8 bytes.
    InvalidName
  | -- | The engine already holds this many presets.
    PresetsFull !Word8
  deriving (Eq, Show, Generic, Store, WireSchema)

-- | A preset that was loaded or saved.
data PresetSummary = PresetSummary
  { presetName :: !WireText,
    -- | How many channels it sets.
    presetChannels :: !Word8
  }
  deriving (Eq, Show, Generic, Store, WireSchema)

-- | The outcome of a preset request.
type PresetOutcome = Either PresetError PresetSummary

-- | One field of every shape the wire carries. 'Types.Loopback' sends it to Rust,
-- which decodes it, re-encodes it and sends it back: the tests' cross-language
-- round trip.
data LoopbackFrame = LoopbackFrame
  { frameWord8 :: !Word8,
    frameWord16 :: !Word16,
    frameWord32 :: !Word32,
    frameWord64 :: !Word64,
    frameInt8 :: !Int8,
    frameInt16 :: !Int16,
    frameInt32 :: !Int32,
    frameInt64 :: !Int64,
    frameFloat :: !Float,
    frameDouble :: !Double,
    frameBool :: !Bool,
    frameChar :: !Char,
    frameText :: !WireText,
    frameString :: !String,
    frameBytes :: !ByteString,
    frameMaybe :: !(Maybe ChannelId),
    frameEither :: !PresetOutcome,
    frameMeters :: ![MeterReading],
    framePair :: !(Word32, Float),
    frameCurve :: !Curve
  }
  deriving (Eq, Show, Generic, Store, WireSchema)
