{-# OPTIONS_GHC -Wno-orphans #-}

-- | QuickCheck generators for the probe protocol's wire types: one empty 'Wire'
-- instance per type, each derived through "GHC.Generics" by "RustBridge.QuickCheck"
-- (a new type needs one line here; a new constructor or field none).
module Generators
  ( Wire (..),
  )
where

import Probe.Protocol
import RustBridge.QuickCheck (Wire (..))

instance Wire Ping

instance Wire Pong

instance Wire Echo

instance Wire Sleep

instance Wire InjectPanic

instance Wire GetCastCount

instance Wire Loopback

instance Wire LoopbackFrame

instance Wire Level

instance Wire Shade

instance Wire Note

instance Wire PanicNote
