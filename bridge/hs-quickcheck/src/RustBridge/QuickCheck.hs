{-# LANGUAGE DefaultSignatures #-}
{-# LANGUAGE FlexibleContexts #-}
{-# LANGUAGE ScopedTypeVariables #-}
{-# LANGUAGE TypeOperators #-}

-- | QuickCheck generators of wire values: values of a protocol's message types that
-- both sides can encode, for round-trip and golden tests of your own protocol.
--
-- 'Wire' has an instance for every leaf type the wire format carries, and its
-- default method derives a generator for any type with a 'Generic' instance, so a
-- new constructor or field is generated without anyone editing the instances. A
-- protocol's test suite gives each message type an empty instance:
--
-- > {-# OPTIONS_GHC -Wno-orphans #-}
-- > import RustBridge.QuickCheck (Wire (..))
-- >
-- > instance Wire SetGain
--
-- (Orphans, since neither the class nor the generated types are the test's; that is
-- harmless in a test suite, which no one imports.)
module RustBridge.QuickCheck
  ( Wire (..),
  )
where

import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import Data.Int (Int16, Int32, Int64, Int8)
import Data.Proxy (Proxy (..))
import qualified Data.Text as T
import Data.Word (Word16, Word32, Word64, Word8)
import GHC.Float (castWord32ToFloat, castWord64ToDouble)
import GHC.Generics
import RustBridge.Protocol (WireText (..))
import Test.QuickCheck

-- | A generator for a wire type.
class Wire a where
  gen :: Gen a
  default gen :: (Generic a, GWire (Rep a)) => Gen a
  gen = to <$> gwire

-- | Generators for a generic representation: what the default 'gen' is made of.
class GWire f where
  gwire :: Gen (f p)

  -- | How many constructors: sums pick each constructor equally often.
  gcount :: Proxy f -> Int
  gcount _ = 1

instance GWire U1 where
  gwire = pure U1

instance (GWire f, GWire g) => GWire (f :*: g) where
  gwire = (:*:) <$> gwire <*> gwire

instance (GWire f, GWire g) => GWire (f :+: g) where
  gwire =
    frequency
      [ (gcount (Proxy :: Proxy f), L1 <$> gwire),
        (gcount (Proxy :: Proxy g), R1 <$> gwire)
      ]
  gcount _ = gcount (Proxy :: Proxy f) + gcount (Proxy :: Proxy g)

-- | A constructor counts as one (the default 'gcount'); a datatype's or field's
-- count is never asked for.
instance GWire f => GWire (M1 i c f) where
  gwire = M1 <$> gwire

instance Wire a => GWire (K1 i a) where
  gwire = K1 <$> gen

instance Wire Word8 where gen = arbitraryBoundedIntegral

instance Wire Word16 where gen = arbitraryBoundedIntegral

instance Wire Word32 where gen = arbitraryBoundedIntegral

instance Wire Word64 where gen = arbitraryBoundedIntegral

instance Wire Int8 where gen = arbitraryBoundedIntegral

instance Wire Int16 where gen = arbitraryBoundedIntegral

instance Wire Int32 where gen = arbitraryBoundedIntegral

instance Wire Int64 where gen = arbitraryBoundedIntegral

-- | Ordinary values, and any bit pattern (NaNs with payloads, infinities,
-- subnormals, negative zero) one time in four.
instance Wire Float where
  gen = frequency [(3, arbitrary), (1, castWord32ToFloat <$> arbitraryBoundedIntegral)]

instance Wire Double where
  gen = frequency [(3, arbitrary), (1, castWord64ToDouble <$> arbitraryBoundedIntegral)]

instance Wire Bool where gen = arbitrary

-- | QuickCheck's 'Char's are ASCII or valid, assigned Unicode: never a surrogate,
-- which Rust refuses.
instance Wire Char where gen = arbitrary

instance Wire () where gen = pure ()

instance Wire WireText where gen = WireText . T.pack <$> gen

instance Wire ByteString where gen = B.pack <$> listOf gen

instance Wire a => Wire [a] where gen = scale (`div` 2) (listOf gen)

instance Wire a => Wire (Maybe a) where gen = oneof [pure Nothing, Just <$> gen]

instance (Wire a, Wire b) => Wire (Either a b) where gen = oneof [Left <$> gen, Right <$> gen]

instance (Wire a, Wire b) => Wire (a, b) where gen = (,) <$> gen <*> gen
