-- Says an endless line.
import Script

script :: Script ()
script = say (cycle "endless ")
