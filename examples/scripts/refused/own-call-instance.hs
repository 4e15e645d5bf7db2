-- Refused: an instance of ScriptCall for a request the API withholds. StartAudio
-- would restart the engine's render thread on the system sound device; the class
-- has a superclass scripts cannot name, so this instance does not compile.
import Script

instance ScriptCall StartAudio

script :: Script ()
script = do
  Started _ <- call (StartAudio (AudioConfig 48000 256 30 System))
  say "the render thread restarted on the system sound device"
