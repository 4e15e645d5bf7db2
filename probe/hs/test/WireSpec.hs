{-# LANGUAGE ScopedTypeVariables #-}

-- | The wire format of the probe protocol: round trips of random values through
-- @store@, the bridge's leaf encodings, and the cross-language property (random
-- 'LoopbackFrame's through the Rust engine and back, compared by their bytes, so
-- floats are compared bit for bit). The golden vectors live with the mixer example.
module WireSpec (spec) where

import Control.Monad.IO.Unlift (withRunInIO)
import qualified Data.ByteString as B
import Data.Either (isLeft)
import Data.Proxy (Proxy (..))
import Data.Store (PeekException, Store, decode, encode)
import qualified Data.Text as T
import GHC.Float (castWord32ToFloat, castWord64ToDouble)
import Generators
import Probe.Protocol
import RustBridge
import Support
import Test.Hspec
import Test.Hspec.QuickCheck (modifyMaxSuccess, prop)
import Test.QuickCheck (Args (..), Gen, Property, counterexample, forAll, ioProperty, isSuccess, numTests, quickCheckWithResult, stdArgs, (.&&.), (===))

spec :: Spec
spec = do
  describe "store round trips (QuickCheck)" $
    modifyMaxSuccess (const 1000) $ do
      prop "Ping" (roundTrips (Proxy :: Proxy Ping))
      prop "Pong" (roundTrips (Proxy :: Proxy Pong))
      prop "Echo" (roundTrips (Proxy :: Proxy Echo))
      prop "Sleep" (roundTrips (Proxy :: Proxy Sleep))
      prop "InjectPanic" (roundTrips (Proxy :: Proxy InjectPanic))
      prop "GetCastCount" (roundTrips (Proxy :: Proxy GetCastCount))
      prop "Loopback" (roundTrips (Proxy :: Proxy Loopback))
      prop "LoopbackFrame" (roundTrips (Proxy :: Proxy LoopbackFrame))
      prop "Level" (roundTrips (Proxy :: Proxy Level))
      prop "Shade" (roundTrips (Proxy :: Proxy Shade))
      prop "Note" (roundTrips (Proxy :: Proxy Note))
      prop "PanicNote" (roundTrips (Proxy :: Proxy PanicNote))
      prop "WireText" (roundTrips (Proxy :: Proxy WireText))
      prop "String" (roundTrips (Proxy :: Proxy String))

  describe "leaves" $ do
    it "WireText is a 64-bit byte count and UTF-8" $
      encode (WireText (T.pack "hé€😀"))
        `shouldBe` B.pack [10, 0, 0, 0, 0, 0, 0, 0, 0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]
    it "WireText refuses invalid UTF-8" $
      (decode (B.pack [1, 0, 0, 0, 0, 0, 0, 0, 0xff]) :: Either PeekException WireText)
        `shouldSatisfy` isLeft
    it "Char is a 4-byte little-endian code point, String a count of them" $ do
      encode 'é' `shouldBe` B.pack [0xe9, 0, 0, 0]
      encode "h😀" `shouldBe` B.pack [2, 0, 0, 0, 0, 0, 0, 0, 0x68, 0, 0, 0, 0x00, 0xf6, 0x01, 0]

  describe "across the boundary" $ do
    it "Rust decodes and re-encodes random LoopbackFrames to the same bytes (300 cases)" $ do
      result <- withBridge defaultConfig {maxMsgLen = 1000000} $
        withRunInIO $ \run ->
          quickCheckWithResult stdArgs {maxSuccess = 300, chatty = False} $
            forAll gen $ \frame -> ioProperty $ do
              reply <- run (callRust (Loopback frame))
              pure (encode reply === encode frame)
      result `shouldSatisfy` isSuccess
      numTests result `shouldBe` 300

    it "keeps NaN payloads, infinities and negative zero bit for bit" $ do
      let floats = map castWord32ToFloat [0x7f800001, 0xffc00123, 0x7f800000, 0x80000000]
          doubles = map castWord64ToDouble [0x7ff0000000000001, 0xfff8000000000abc, 0xfff0000000000000, 0x8000000000000000]
          frames = zipWith (\f d -> (plainFrame f d) {loopbackFrameShade = Tinted d}) floats doubles
      replies <- withBridge defaultConfig (mapM (callRust . Loopback) frames)
      map encode replies `shouldBe` map encode frames

    it "Rust refuses a surrogate Char, which store would send" $ do
      outcome <- withBridge defaultConfig $ tryRust (callRust (Loopback (plainFrame 0 0) {loopbackFrameGlyph = '\xD800'}))
      outcome `shouldBe` Left UndecodableRequest

-- | A frame with the given floats wherever the frame has one, and plain values
-- elsewhere.
plainFrame :: Float -> Double -> LoopbackFrame
plainFrame f d =
  LoopbackFrame
    { loopbackFrameByte = 0,
      loopbackFrameWord16 = 0,
      loopbackFrameWord32 = 0,
      loopbackFrameWord64 = 0,
      loopbackFrameInt8 = 0,
      loopbackFrameInt16 = 0,
      loopbackFrameInt32 = 0,
      loopbackFrameInt64 = 0,
      loopbackFrameSingle = f,
      loopbackFrameDouble = d,
      loopbackFrameFlag = False,
      loopbackFrameGlyph = 'x',
      loopbackFrameText = WireText T.empty,
      loopbackFrameString = "",
      loopbackFrameBytes = B.empty,
      loopbackFrameMaybe = Nothing,
      loopbackFrameEither = Right (Level f d),
      loopbackFrameLevels = [Level f d],
      loopbackFramePair = (0, f),
      loopbackFrameShade = Plain
    }

-- | Encoding, decoding and encoding again gives the same bytes, and (for values
-- without a NaN, which is not equal to itself) the same value.
roundTrips :: forall a. (Wire a, Store a, Eq a, Show a) => Proxy a -> Property
roundTrips _ = forAll (gen :: Gen a) $ \x ->
  let bytes = encode x
   in case decode bytes of
        Left why -> counterexample (show why) False
        Right y -> encode (y :: a) === bytes .&&. (hasNaN x || y == x)
  where
    hasNaN x = x /= x
