-- Refused: the host's side of the API. Script.Runner is marked Unsafe, so a Safe
-- script cannot import it.
import Script
import Script.Runner (runScript)

script :: Script ()
script = pure ()
