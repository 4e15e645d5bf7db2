-- 20000 pings, one after the other: the script side of the call latency figure.
import Control.Monad (replicateM_)
import Script

script :: Script ()
script = replicateM_ 20000 (call Ping)
