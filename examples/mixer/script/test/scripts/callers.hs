-- 100 threads calling in a loop, beside 4 threads casting in a loop. Each cast
-- moves the transport to frame 777777, so a cast that arrives after the host moved
-- it back shows.
import Control.Monad (forever)
import Script

script :: Script ()
script =
  concurrently_
    (replicateConcurrently_ 100 (forever (call Ping)))
    (replicateConcurrently_ 4 (forever (cast (Transport (Locate 777777)))))
