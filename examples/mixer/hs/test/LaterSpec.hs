-- | The mixer's calls answered later: 'AwaitFrame', answered by the service thread
-- once the render clock reaches a frame while the control path goes on answering
-- (and the render thread still never allocates), and 'ImportWav', answered by the
-- service thread after it has read the file.
module LaterSpec
  ( spec,
  )
where

import Control.Concurrent.Async (wait)
import Control.Monad.IO.Class (liftIO)
import qualified Data.Text as T
import Data.Word (Word64)
import Mixer.Protocol
import RustBridge
import System.Directory (getTemporaryDirectory, removeFile)
import System.Timeout (timeout)
import Test.Hspec

-- | A tenth of a second at the render thread's rate.
tenth :: Word64
tenth = 4800

spec :: Spec
spec = describe "calls answered later" $ do
  it "answers AwaitFrame once the render clock reaches the frame, while the control path answers, and the render thread never allocates" $ do
    outcome <- timeout 60000000 . withRust defaultConfig $ do
      _ <- callRust (StartAudio (AudioConfig 48000 128 30 Null))
      now <- audioFiguresFrame <$> callRust QueryAudio
      let target = now + 5 * tenth
      waiter <- asyncRust (callRust (AwaitFrame target))
      -- The control path answers while the wait is in flight.
      pongs <- mapM (const (callRust Ping)) [1 .. 100 :: Int]
      reached <- liftIO (wait waiter)
      figures <- callRust QueryAudio
      liftIO $ do
        length pongs `shouldBe` 100
        reached `shouldSatisfy` (>= target)
        audioFiguresFrame figures `shouldSatisfy` (>= reached)
        (audioFiguresCallbackAllocations figures, audioFiguresCallbackFrees figures) `shouldBe` (0, 0)
    outcome `shouldBe` Just ()

  it "imports a WAV file it recorded as a channel's source, and refuses what it cannot read" $ do
    path <- (<> "/mixer-later-spec.wav") <$> getTemporaryDirectory
    outcome <- timeout 60000000 . withRust defaultConfig $ do
      _ <- callRust (StartAudio (AudioConfig 48000 128 30 Null))
      recording <- callRust (Record (WireText (T.pack path)) tenth)
      start <- case recording of
        Recording start -> pure start
        refused -> liftIO (fail ("the recording was refused: " <> show refused))
      -- The service thread closes the file a round after the clock passes its end.
      _ <- callRust (AwaitFrame (start + 2 * tenth))
      imported <- callRust (ImportWav (ChannelId 1) (WireText (T.pack path)))
      missing <- callRust (ImportWav (ChannelId 1) (WireText (T.pack "/no/such/file.wav")))
      noChannel <- callRust (ImportWav (ChannelId 99) (WireText (T.pack path)))
      liftIO $ do
        imported `shouldBe` Just (WavImported (Imported tenth 48000 2))
        case missing of
          Just (ImportFailed _) -> pure ()
          other -> expectationFailure ("expected ImportFailed, got " <> show other)
        noChannel `shouldBe` Nothing
    removeFile path
    outcome `shouldBe` Just ()
