-- Does nothing: what a reload replaces a busy script with.
import Script

script :: Script ()
script = pure ()
