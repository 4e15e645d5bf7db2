-- | The render thread through the bridge: its meter events reach a Haskell
-- subscriber and follow what Haskell does to a channel.
module AudioSpec
  ( spec,
  )
where

import Control.Concurrent.Chan (newChan, readChan, writeChan)
import Control.Monad.IO.Class (liftIO)
import Mixer.Protocol
import Mixer.Tone (sine)
import RustBridge
import System.Timeout (timeout)
import Test.Hspec

-- | The RMS level of a sine of amplitude 0.5, in dBFS.
sineRmsDb :: Double
sineRmsDb = 20 * logBase 10 (0.5 / sqrt 2)

spec :: Spec
spec = describe "the render thread's meter events" $
  it "follow a channel's gain and mute, and the others stay silent" $ do
    outcome <- timeout 60000000 . withRust defaultConfig $ do
      started <- callRust (StartAudio (AudioConfig 48000 128 100 Null))
      liftIO (started `shouldBe` Started Null)
      frames <- liftIO newChan
      withEvents 1024 (writeChan frames) $ do
        let channel = ChannelId 2
            -- Waits for a meter frame whose channel 2 level passes the test.
            awaitLevel ok = do
              delivery <- readChan frames
              case delivery of
                Delivered (Meters frame)
                  | (lower, level : higher) <- splitAt 2 (meterFrameLevels frame),
                    ok (levelRmsDb level) -> do
                    length (meterFrameLevels frame) `shouldBe` 8
                    all (isInfinite . levelRmsDb) (lower <> higher) `shouldBe` True
                _ -> awaitLevel ok
            near expected db = abs (db - expected) < 0.5
        _ <- callRust (WriteSamples channel (sine 120 0.5))
        liftIO (awaitLevel (near sineRmsDb))
        _ <- callRust (SetGain channel (-20))
        liftIO (awaitLevel (near (sineRmsDb - 20)))
        _ <- callRust (SetMute channel True)
        liftIO (awaitLevel (\db -> isInfinite db && db < 0))
    outcome `shouldBe` Just ()
