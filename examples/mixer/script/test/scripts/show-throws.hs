-- Throws an exception whose show throws.
import Control.Exception (Exception)
import Script

data Bad = Bad

instance Show Bad where
  show _ = error "the show of Bad"

instance Exception Bad

script :: Script ()
script = throw Bad
