-- Refused: unsafeCoerce. Unsafe.Coerce is not safe, and scripts are Safe Haskell.
import Script
import Unsafe.Coerce (unsafeCoerce)

script :: Script ()
script = unsafeCoerce (pure () :: IO ())
