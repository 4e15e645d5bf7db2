{-# OPTIONS_GHC -Wno-orphans #-}

-- | QuickCheck generators for every wire type of the mixer's protocol: one empty
-- 'Wire' instance per type, each derived through "GHC.Generics" by
-- "RustBridge.QuickCheck" (a new type needs one line here; a new constructor or
-- field none).
module Generators
  ( Wire (..),
  )
where

import Mixer.Protocol
import RustBridge.QuickCheck (Wire (..))

instance Wire AudioConfig

instance Wire AudioDevice

instance Wire AudioError

instance Wire AudioFigures

instance Wire AudioStarted

instance Wire Automate

instance Wire Automated

instance Wire Automation

instance Wire AwaitFrame

instance Wire ChannelId

instance Wire ChannelInfo

instance Wire Curve

instance Wire GetChannel

instance Wire ImportOutcome

instance Wire ImportWav

instance Wire Imported

instance Wire LateBlock

instance Wire Level

instance Wire LoadPreset

instance Wire MeterFrame

instance Wire MeterReading

instance Wire Ping

instance Wire Pong

instance Wire PresetError

instance Wire PresetSummary

instance Wire QueryAudio

instance Wire QueryMeters

instance Wire Record

instance Wire RecordError

instance Wire RecordOutcome

instance Wire Reset

instance Wire ResetMeters

instance Wire SamplesWritten

instance Wire SavePreset

instance Wire Seek

instance Wire SetDelay

instance Wire SetGain

instance Wire SetLabel

instance Wire SetMaster

instance Wire SetMute

instance Wire SetPan

instance Wire StartAudio

instance Wire Transport

instance Wire TransportCommand

instance Wire WriteSamples
