-- Refused: a package other than base and mixer-script. Every other package is
-- hidden (-hide-all-packages), containers among them.
import qualified Data.Map as Map
import Script

script :: Script ()
script = say (show (Map.fromList [(1 :: Int, "one")]))
