{-# LANGUAGE DataKinds #-}
{-# LANGUAGE FlexibleContexts #-}
{-# LANGUAGE KindSignatures #-}
{-# LANGUAGE ScopedTypeVariables #-}
{-# LANGUAGE TypeOperators #-}
{-# LANGUAGE UndecidableInstances #-}

-- | The mixer's wire format from the Haskell side: the golden vectors in both
-- directions, the schema text both sides must render, store round trips of every
-- message of the protocol, and one round trip through the engine itself.
--
-- Fixtures are read from @RS_IN_HS_FIXTURES@ (the Nix check sets it), else from
-- @../golden@ (cabal runs the suite in @examples/mixer/hs@). With
-- @RS_IN_HS_GOLDEN=write@ the "is current" test writes @from-haskell.txt@ instead of
-- checking it.
module WireSpec (spec) where

import Control.Monad (forM_, unless)
import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import qualified Data.ByteString.Base16 as Base16
import qualified Data.ByteString.Char8 as B8
import Data.Kind (Type)
import Data.List (isPrefixOf, sort, stripPrefix)
import Data.Maybe (fromMaybe)
import Data.Proxy (Proxy (..))
import qualified Data.Text as T
import Data.Text.Encoding (decodeUtf8, encodeUtf8)
import Data.Typeable (Typeable, typeRep)
import Generators
import Mixer.Protocol
import RustBridge
import RustBridge.Protocol (Calls, Casts, protocolSchema)
import Samples
import System.Environment (lookupEnv)
import Test.Hspec
import Test.Hspec.QuickCheck (modifyMaxSuccess, prop)
import Test.QuickCheck (Gen, Property, counterexample, forAll, (.&&.), (===))

-- | The suite.
spec :: Spec
spec = do
  describe "golden vectors" $ do
    it "from-haskell.txt is current" $ do
      path <- fixture "from-haskell.txt"
      writing <- (== Just "write") <$> lookupEnv "RS_IN_HS_GOLDEN"
      if writing
        then B.writeFile path rendered
        else do
          committed <- B.readFile path
          unless (committed == rendered) $
            expectationFailure (path <> " is stale: run `just golden` and commit the result")

    it "Rust's vectors (from-rust.txt) decode to the samples and re-encode exactly" $ do
      theirs <- parseVectors <$> (B.readFile =<< fixture "from-rust.txt")
      sort (map fst theirs) `shouldBe` sort (map fst samples)
      forM_ samples $ \(name, sample) -> case lookup name theirs of
        Nothing -> expectationFailure ("no Rust vector named " <> name)
        Just (Left why) -> expectationFailure (name <> ": bad hex: " <> why)
        Just (Right bytes) -> case decodeLike sample bytes of
          Left why -> expectationFailure (name <> ": Rust's bytes do not decode: " <> why)
          Right decoded -> do
            (name, decoded) `shouldBe` (name, sample)
            (name, encodeSample decoded) `shouldBe` (name, bytes)

    it "the vector parser reads what the renderer writes" $
      [(name, bytes) | (name, Right bytes) <- parseVectors rendered]
        `shouldBe` [(name, encodeSample sample) | (name, sample) <- samples]

  describe "schema" $
    it "the Haskell derivation of the schema text is schema.txt, which Rust renders too" $ do
      committed <- B.readFile =<< fixture "schema.txt"
      protocolSchema (Proxy :: Proxy Mixer) `shouldBe` decodeUtf8 committed

  describe "store round trips (QuickCheck)" $
    modifyMaxSuccess (const 300) $ do
      describe "requests and their replies, tagged" $ callProps (Proxy :: Proxy (Calls Mixer))
      describe "casts, tagged" $ castProps (Proxy :: Proxy (Casts Mixer))

  describe "through the engine" $
    it "the engine accepts this package's schema and answers Ping with Pong" $ do
      reply <- withRust defaultConfig (callRustTimeout 5000000 Ping)
      reply `shouldBe` Just Pong
  where
    rendered = encodeUtf8 (T.pack renderVectors)

-- | One property per request and one per reply of a list of calls.
class CallProps (calls :: [Type]) where
  callProps :: Proxy calls -> Spec

instance CallProps '[] where
  callProps _ = pure ()

instance
  ( CallOf req,
    Typeable req,
    Wire req,
    Eq req,
    Show req,
    Wire (Reply req),
    Eq (Reply req),
    Show (Reply req),
    CallProps reqs
  ) =>
  CallProps (req ': reqs)
  where
  callProps _ = do
    prop (name <> " (request)") (roundTrips (RequestSample <$> (gen :: Gen req)))
    prop (name <> " (reply)") (roundTrips (ReplySample request <$> (gen :: Gen (Reply req))))
    callProps (Proxy :: Proxy reqs)
    where
      request = Proxy :: Proxy req
      name = show (typeRep request)

-- | One property per cast of a list of casts.
class CastProps (casts :: [Type]) where
  castProps :: Proxy casts -> Spec

instance CastProps '[] where
  castProps _ = pure ()

instance
  (CastOf msg, Typeable msg, Wire msg, Eq msg, Show msg, CastProps msgs) =>
  CastProps (msg ': msgs)
  where
  castProps _ = do
    prop (show (typeRep (Proxy :: Proxy msg))) (roundTrips (CastSample <$> (gen :: Gen msg)))
    castProps (Proxy :: Proxy msgs)

-- | Encoding, decoding and encoding again gives the same bytes, and (for values
-- without a NaN, which is not equal to itself) the same value.
roundTrips :: Gen Sample -> Property
roundTrips messages = forAll messages $ \sample ->
  let bytes = encodeSample sample
   in case decodeLike sample bytes of
        Left why -> counterexample why False
        Right decoded -> encodeSample decoded === bytes .&&. (hasNaN sample || decoded == sample)
  where
    hasNaN sample = sample /= sample

-- | The fixture file's path.
fixture :: FilePath -> IO FilePath
fixture name = do
  dir <- fromMaybe "../golden" <$> lookupEnv "RS_IN_HS_FIXTURES"
  pure (dir <> "/" <> name)

-- | This side's vectors: @## name@, the value, then the bytes in hex.
renderVectors :: String
renderVectors = unlines (header <> concatMap render samples)
  where
    header =
      [ "# Mixer wire golden vectors written by Haskell's store",
        "# (examples/mixer/hs/test/WireSpec.hs). Do not edit: `just golden` regenerates",
        "# this file. Each case is `## name`, the value (Haskell Show), then the encoded",
        "# message (its tag, then its value) in hex, 32 bytes per line."
      ]
    render (name, sample) = ["", "## " <> name, "# " <> show sample] <> map hex (chunks (encodeSample sample))
    hex = B8.unpack . Base16.encode
    chunks bytes
      | B.null bytes = []
      | otherwise = B.take 32 bytes : chunks (B.drop 32 bytes)

-- | Reads a vector file: @## name@ starts a case, other @#@ lines and blank lines
-- are skipped, the rest is hex. Names and hex are ASCII, so the bytes are read one
-- character each (the comments may hold UTF-8, which is never decoded).
parseVectors :: ByteString -> [(String, Either String ByteString)]
parseVectors = go . lines . B8.unpack
  where
    go [] = []
    go (line : rest)
      | Just name <- stripPrefix "## " line =
        let (body, more) = break ("## " `isPrefixOf`) rest
            hex = concatMap (filter (/= ' ')) (filter (not . ("#" `isPrefixOf`)) body)
         in (name, Base16.decode (B8.pack hex)) : go more
      | otherwise = go rest
