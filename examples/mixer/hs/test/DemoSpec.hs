-- | The demo through the bridge: the WAV file it writes, read back, follows the
-- gain ramp Haskell automated.
module DemoSpec
  ( spec,
  )
where

import Data.Bits (shiftL, (.|.))
import qualified Data.ByteString as B
import Data.Int (Int16)
import Mixer.Demo (demo, demoLevelDb)
import Mixer.Protocol
import System.Directory (getTemporaryDirectory, removeFile)
import System.Timeout (timeout)
import Test.Hspec

-- | The left channel of a 16-bit stereo WAV file, full scale 1: the samples after
-- the @data@ chunk's header.
leftChannel :: B.ByteString -> [Double]
leftChannel file = every2 (samples (B.drop 8 chunk))
  where
    (_, chunk) = B.breakSubstring (B.pack [0x64, 0x61, 0x74, 0x61]) file
    samples bytes
      | B.length bytes < 2 = []
      | otherwise =
        let word = fromIntegral (B.index bytes 0) .|. (fromIntegral (B.index bytes 1) `shiftL` 8)
         in fromIntegral (word :: Int16) / 32767 : samples (B.drop 2 bytes)
    every2 (x : _ : rest) = x : every2 rest
    every2 xs = xs

spec :: Spec
spec = describe "the demo" $
  it "writes a WAV file whose RMS follows the gain ramp Haskell automated" $ do
    path <- (<> "/mixer-demo-spec.wav") <$> getTemporaryDirectory
    done <- timeout 120000000 (demo path seconds)
    fmap audioFiguresFramesRecorded done `shouldBe` Just (fromIntegral seconds * 48000)
    fmap audioFiguresCallbackAllocations done `shouldBe` Just 0
    file <- B.readFile path
    removeFile path
    B.take 4 file `shouldBe` B.pack [0x52, 0x49, 0x46, 0x46]
    let left = leftChannel file
        width = 4800
        windows = length left `div` width
        rmsDb window = 10 * logBase 10 (sum (map (^ (2 :: Int)) window) / fromIntegral width)
        misses =
          [ (i, got, expected)
            | i <- [0 .. windows - 1],
              let got = rmsDb (take width (drop (i * width) left)),
              let expected = demoLevelDb seconds ((fromIntegral i + 0.5) * 0.1),
              abs (got - expected) >= 1
          ]
    length left `shouldBe` seconds * 48000
    misses `shouldBe` []
  where
    seconds = 2
