-- | The two engines this program hosts, by their protocols: the probe engine and
-- the minimal example's counter. This library links them: it names the one static
-- library that bundles both (libduo_engines.a), so that the linker reads it after
-- the engines' Haskell packages, whose imports it resolves.
module Duo
  ( probe,
    counter,
  )
where

import Counter.Protocol (Counter)
import Data.Proxy (Proxy (..))
import Probe.Protocol (Probe)

-- | The probe engine's protocol.
probe :: Proxy Probe
probe = Proxy

-- | The counter engine's protocol.
counter :: Proxy Counter
counter = Proxy
