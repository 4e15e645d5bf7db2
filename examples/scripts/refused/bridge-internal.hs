-- Refused: the bridge's own modules. The rs-in-hs package is hidden from scripts
-- (only base and mixer-script are exposed), so neither RustBridge (which could
-- start a second bridge) nor RustBridge.Internal (raw calls) can be imported.
import RustBridge.Internal (callRaw)
import Script

script :: Script ()
script = pure ()
