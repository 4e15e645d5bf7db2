{-# LANGUAGE DefaultSignatures #-}
{-# LANGUAGE FlexibleContexts #-}
{-# LANGUAGE ScopedTypeVariables #-}
{-# LANGUAGE TypeOperators #-}

-- | QuickCheck generators for every wire type of the mixer's protocol, derived
-- through "GHC.Generics" so a new constructor or field is generated without anyone
-- editing this module (a new type needs one line here). The class lives here (not
-- 'Test.QuickCheck.Arbitrary') so that its instances for the generated types are
-- not orphans.
module Generators
  ( Wire (..),
  )
where

import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import Data.Int (Int16, Int32, Int64, Int8)
import Data.Proxy (Proxy (..))
import qualified Data.Text as T
import Data.Word (Word16, Word32, Word64, Word8)
import GHC.Float (castWord32ToFloat, castWord64ToDouble)
import GHC.Generics
import Mixer.Protocol
import RustBridge.Protocol (WireText (..))
import Test.QuickCheck

-- | A generator for a wire type.
class Wire a where
  gen :: Gen a
  default gen :: (Generic a, GWire (Rep a)) => Gen a
  gen = to <$> gwire

class GWire f where
  gwire :: Gen (f p)

  -- | How many constructors: sums pick each constructor equally often.
  gcount :: Proxy f -> Int
  gcount _ = 1

instance GWire U1 where
  gwire = pure U1

instance (GWire f, GWire g) => GWire (f :*: g) where
  gwire = (:*:) <$> gwire <*> gwire

instance (GWire f, GWire g) => GWire (f :+: g) where
  gwire =
    frequency
      [ (gcount (Proxy :: Proxy f), L1 <$> gwire),
        (gcount (Proxy :: Proxy g), R1 <$> gwire)
      ]
  gcount _ = gcount (Proxy :: Proxy f) + gcount (Proxy :: Proxy g)

-- | A constructor counts as one (the default 'gcount'); a datatype's or field's
-- count is never asked for.
instance GWire f => GWire (M1 i c f) where
  gwire = M1 <$> gwire

instance Wire a => GWire (K1 i a) where
  gwire = K1 <$> gen

instance Wire Word8 where gen = arbitraryBoundedIntegral

instance Wire Word16 where gen = arbitraryBoundedIntegral

instance Wire Word32 where gen = arbitraryBoundedIntegral

instance Wire Word64 where gen = arbitraryBoundedIntegral

instance Wire Int8 where gen = arbitraryBoundedIntegral

instance Wire Int16 where gen = arbitraryBoundedIntegral

instance Wire Int32 where gen = arbitraryBoundedIntegral

instance Wire Int64 where gen = arbitraryBoundedIntegral

-- | Ordinary values, and any bit pattern (NaNs with payloads, infinities,
-- subnormals, negative zero) one time in four.
instance Wire Float where
  gen = frequency [(3, arbitrary), (1, castWord32ToFloat <$> arbitraryBoundedIntegral)]

instance Wire Double where
  gen = frequency [(3, arbitrary), (1, castWord64ToDouble <$> arbitraryBoundedIntegral)]

instance Wire Bool where gen = arbitrary

-- | QuickCheck's 'Char's are ASCII or valid, assigned Unicode: never a surrogate,
-- which Rust would refuse.
instance Wire Char where gen = arbitrary

instance Wire WireText where gen = WireText . T.pack <$> gen

instance Wire ByteString where gen = B.pack <$> listOf gen

instance Wire a => Wire [a] where gen = scale (`div` 2) (listOf gen)

instance Wire a => Wire (Maybe a) where gen = oneof [pure Nothing, Just <$> gen]

instance (Wire a, Wire b) => Wire (Either a b) where gen = oneof [Left <$> gen, Right <$> gen]

instance (Wire a, Wire b) => Wire (a, b) where gen = (,) <$> gen <*> gen

instance Wire ()

instance Wire AudioConfig

instance Wire AudioDevice

instance Wire AudioError

instance Wire AudioFigures

instance Wire AudioStarted

instance Wire Automate

instance Wire Automated

instance Wire Automation

instance Wire ChannelId

instance Wire ChannelInfo

instance Wire Curve

instance Wire GetChannel

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
