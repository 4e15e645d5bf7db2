{-# LANGUAGE ScopedTypeVariables #-}

-- | The wire format: golden vectors in both directions, the schema text both sides
-- must render, round trips of random values through @store@, and through Rust.
--
-- Fixtures are read from @RS_IN_HS_FIXTURES@ (the Nix check sets it), else from
-- @../fixtures/wire@ (cabal runs the suite in @hs/@). With @RS_IN_HS_GOLDEN=write@
-- the "is current" test writes @from-haskell.txt@ instead of checking it.
module WireSpec (spec) where

import Control.Monad (forM_, unless)
import Control.Monad.IO.Unlift (withRunInIO)
import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import qualified Data.ByteString.Base16 as Base16
import qualified Data.ByteString.Char8 as B8
import Data.Either (isLeft)
import Data.List (isPrefixOf, sort, stripPrefix)
import Data.Maybe (fromMaybe)
import Data.Proxy (Proxy (..))
import Data.Store (PeekException, Store, decode, encode)
import qualified Data.Text as T
import qualified Data.Text.IO as TIO
import GHC.Float (castWord32ToFloat, castWord64ToDouble)
import Generators
import RustBridge
import RustBridge.Internal (InitMessage (..), schemaOf)
import Samples
import Support
import System.Environment (lookupEnv)
import Test.Hspec
import Test.Hspec.QuickCheck (modifyMaxSuccess, prop)
import Test.QuickCheck (Args (..), Gen, Property, counterexample, forAll, ioProperty, isSuccess, numTests, quickCheckWithResult, stdArgs, vector, (.&&.), (===))

spec :: Spec
spec = do
  describe "golden vectors" $ do
    it "from-haskell.txt is current" $ do
      path <- fixture "from-haskell.txt"
      writing <- (== Just "write") <$> lookupEnv "RS_IN_HS_GOLDEN"
      if writing
        then writeFile path rendered
        else do
          committed <- readFile path
          unless (committed == rendered) $
            expectationFailure (path <> " is stale: run `just golden` and commit the result")

    it "the schema text is the committed one, which Rust renders too" $ do
      committed <- TIO.readFile =<< fixture "schema.txt"
      protocolSchema `shouldBe` committed

    it "Rust's vectors decode to the samples and re-encode exactly" $ do
      theirs <- parseVectors <$> (readFile =<< fixture "from-rust.txt")
      sort (map fst theirs) `shouldBe` sort (map fst samples)
      forM_ samples $ \(name, sample) -> case lookup name theirs of
        Nothing -> expectationFailure ("no Rust vector named " <> name)
        Just (Left why) -> expectationFailure (name <> ": bad hex: " <> why)
        Just (Right bytes) -> case decodeLike sample bytes of
          Left why -> expectationFailure (name <> ": Rust's bytes do not decode: " <> show why)
          Right decoded -> do
            (name, decoded) `shouldBe` (name, sample)
            (name, encodeSample decoded) `shouldBe` (name, bytes)

    it "the vector parser reads what the renderer writes" $
      [(name, bytes) | (name, Right bytes) <- parseVectors rendered]
        `shouldBe` [(name, encodeSample sample) | (name, sample) <- samples]

  describe "store round trips (QuickCheck)" $
    modifyMaxSuccess (const 1000) $ do
      prop "MessageBody" (roundTrips (Proxy :: Proxy MessageBody))
      prop "LoopbackFrame" (roundTrips (Proxy :: Proxy LoopbackFrame))
      prop "Config" (roundTrips (Proxy :: Proxy Config))
      prop "InitMessage" $
        forAll (InitMessage <$> (B.pack <$> vector 32) <*> gen) $ \(message :: InitMessage) ->
          decode (encode message) === Right message
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
      result <- withBridge (Config 1000000) $
        withRunInIO $ \run ->
          quickCheckWithResult stdArgs {maxSuccess = 300, chatty = False} $
            forAll gen $ \frame -> ioProperty $ do
              reply <- run (callRust (Loopback frame))
              pure (encode (reply :: MessageBody) === encode (Loopback frame))
      result `shouldSatisfy` isSuccess
      numTests result `shouldBe` 300

    it "keeps NaN payloads, infinities and negative zero bit for bit" $ do
      let floats = map castWord32ToFloat [0x7f800001, 0xffc00123, 0x7f800000, 0x80000000]
          doubles = map castWord64ToDouble [0x7ff0000000000001, 0xfff8000000000abc, 0xfff0000000000000, 0x8000000000000000]
          frame f d = Loopback (LoopbackFrame 0 0 0 0 0 0 0 0 f d False 'x' (WireText T.empty) "" B.empty Nothing (Left InvalidName) [MeterReading (ChannelId 0) (Level f d) True] (0, f) (Exponential d))
          requests = zipWith frame floats doubles
      replies <- withBridge defaultConfig (mapM callRust requests)
      map encode (replies :: [MessageBody]) `shouldBe` map encode requests

    it "Rust refuses a surrogate Char, which store would send" $ do
      outcome <- withBridge defaultConfig $ tryRust (callRust (SetLabel (ChannelId 0) "a" '\xD800') :: Rust MessageBody)
      outcome `shouldBe` Left UndecodableRequest
  where
    rendered = renderVectors

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

-- | The fixture file's path.
fixture :: FilePath -> IO FilePath
fixture name = do
  dir <- fromMaybe "../fixtures/wire" <$> lookupEnv "RS_IN_HS_FIXTURES"
  pure (dir <> "/" <> name)

-- | The schema text of the protocol.
protocolSchema :: T.Text
protocolSchema = schemaOf (Proxy :: Proxy MessageBody)

-- | This side's vectors: @## name@, the value, then the bytes in hex.
renderVectors :: String
renderVectors = unlines (header <> concatMap render samples)
  where
    header =
      [ "# Wire golden vectors written by Haskell's store (hs/test/WireSpec.hs).",
        "# Do not edit: `just golden` regenerates this file. Each case is `## name`,",
        "# the value (Haskell Show), then the encoded bytes in hex, 32 bytes per line."
      ]
    render (name, sample) = ["", "## " <> name, "# " <> show sample] <> map hex (chunks (encodeSample sample))
    hex = B8.unpack . Base16.encode
    chunks bytes
      | B.null bytes = []
      | otherwise = B.take 32 bytes : chunks (B.drop 32 bytes)

-- | Reads a vector file: @## name@ starts a case, other @#@ lines and blank lines
-- are skipped, the rest is hex.
parseVectors :: String -> [(String, Either String ByteString)]
parseVectors = go . lines
  where
    go [] = []
    go (line : rest)
      | Just name <- stripPrefix "## " line =
        let (body, more) = break ("## " `isPrefixOf`) rest
            hex = concatMap (filter (/= ' ')) (filter (not . ("#" `isPrefixOf`)) body)
         in (name, Base16.decode (B8.pack hex)) : go more
      | otherwise = go rest
