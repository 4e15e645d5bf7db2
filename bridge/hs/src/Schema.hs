{-# LANGUAGE DataKinds #-}
{-# LANGUAGE DefaultSignatures #-}
{-# LANGUAGE FlexibleContexts #-}
{-# LANGUAGE FlexibleInstances #-}
{-# LANGUAGE KindSignatures #-}
{-# LANGUAGE ScopedTypeVariables #-}
{-# LANGUAGE TypeOperators #-}
{-# LANGUAGE UndecidableInstances #-}

-- | The wire schema: canonical text derived from the wire types themselves, and its
-- SHA-256 fingerprint, which 'RustBridge.withRust' sends to @h2r_init@. Internal:
-- "RustBridge.Protocol" assembles a protocol's text from it.
--
-- 'WireSchema' is derived through "GHC.Generics" for the protocol's own types (one
-- line per named type: constructor names and order, field types in order; field
-- names are not on the wire and are left out), and written by hand for the leaf
-- types. Rust renders the same text from @serde-reflection@
-- (@bridge/rs/src/schema.rs@), never from the generated module; the mixer example's
-- @golden/schema.txt@ holds its text and both of its test suites check it. The leaf
-- instances are also the list of what may cross: types whose encodings disagree
-- between @store@ and @serde_store@ have an instance that fails to compile with the
-- reason ('Int', 'Word', 'Data.Text.Text', 'Integer', 'Natural').
module Schema
  ( WireSchema (..),
    definitions,
    schemaText,
    Fingerprint (..),
    fingerprintOf,
    fingerprintHex,
  )
where

import qualified Crypto.Hash.SHA256 as SHA256
import Data.ByteString (ByteString)
import qualified Data.ByteString.Builder as Builder
import qualified Data.ByteString.Lazy.Char8 as BL8
import Data.Int (Int16, Int32, Int64, Int8)
import Data.Kind (Type)
import Data.List (intercalate)
import Data.Map.Strict (Map)
import qualified Data.Map.Strict as Map
import Data.Proxy (Proxy (..))
import Data.Text (Text)
import qualified Data.Text as T
import qualified Data.Text.Encoding as TE
import Data.Word (Word16, Word32, Word64, Word8)
import GHC.Generics
import GHC.TypeLits (ErrorMessage (..), TypeError)
import Numeric.Natural (Natural)
import WireText (WireText)

-- | The first line of the canonical text (Rust's @schema::HEADER@).
header :: String
header = "rs-in-hs wire schema 2"

-- | How a type appears in the canonical schema text. Derive it (@DeriveAnyClass@)
-- for a protocol type with a 'Generic' instance; the leaf instances are below.
class WireSchema a where
  -- | The type as a field: a leaf such as @U8@ or @SEQ(CHAR)@, or a named type.
  fieldFormat :: Proxy a -> String
  default fieldFormat :: GDatatype (Rep a) => Proxy a -> String
  fieldFormat _ = gName (Proxy :: Proxy (Rep a))

  -- | Adds the definitions of the named types this one needs (itself included) to
  -- those already collected, by name. A named type already there is not visited
  -- again, so a recursive type's definitions are finite.
  addDefinitions :: Proxy a -> Map String String -> Map String String
  default addDefinitions :: GDatatype (Rep a) => Proxy a -> Map String String -> Map String String
  addDefinitions _ = gAddDefinitions (Proxy :: Proxy (Rep a))

-- | The definitions of the named types a type needs (itself included), by name.
definitions :: WireSchema a => Proxy a -> Map String String
definitions proxy = addDefinitions proxy Map.empty

-- | The canonical text: the header; the calls (request and reply formats) and the
-- casts, in tag order; the start-up message, a line left out when there is none;
-- the events in tag order, a line left out when there are none; then one line per named type, sorted by name. Every line ends in a
-- newline, the last one too, as in Rust's @Schema::text@.
schemaText :: [(String, String)] -> [String] -> Maybe String -> [String] -> Map String String -> Text
schemaText calls casts start events defs =
  T.pack . unlines $
    header :
    ("calls: " <> intercalate ", " [request <> " -> " <> reply | (request, reply) <- calls]) :
    ("casts: " <> intercalate ", " casts) :
    ["start: " <> format | Just format <- [start]]
      <> ["events: " <> intercalate ", " events | not (null events)]
      <> [name <> " = " <> body | (name, body) <- Map.toAscList defs]

-- | A schema fingerprint: the SHA-256 of its canonical text (32 bytes).
newtype Fingerprint = Fingerprint {fingerprintBytes :: ByteString}
  deriving (Eq)

-- | Shows the hexadecimal form.
instance Show Fingerprint where
  showsPrec d fp = showParen (d > 10) (showString "Fingerprint " . shows (fingerprintHex fp))

-- | The fingerprint of a canonical schema text.
fingerprintOf :: Text -> Fingerprint
fingerprintOf = Fingerprint . SHA256.hash . TE.encodeUtf8

-- | Lower-case hexadecimal, as in the error messages.
fingerprintHex :: Fingerprint -> String
fingerprintHex (Fingerprint bytes) = BL8.unpack (Builder.toLazyByteString (Builder.byteStringHex bytes))

-- Generic derivation ------------------------------------------------------------

-- | A data type's name and definition.
class GDatatype (f :: Type -> Type) where
  gName :: Proxy f -> String
  gAddDefinitions :: Proxy f -> Map String String -> Map String String

-- | One constructor: its name, and its fields' formats and definitions.
data Constructor' = Constructor' String [Field]

-- | One field: its format, and what adds its definitions.
data Field = Field String (Map String String -> Map String String)

instance (Datatype d, GConstructors f) => GDatatype (D1 d f) where
  -- datatypeName only reads the type; the value is never forced.
  gName _ = datatypeName (undefined :: D1 d f ())
  gAddDefinitions p known
    | Map.member name known = known
    | otherwise = foldr (\(Field _ add) -> add) (Map.insert name body known) fields
    where
      name = gName p
      constructors = gConstructors (Proxy :: Proxy f)
      fields = concat [fs | Constructor' _ fs <- constructors]
      product' fs = "{" <> intercalate ", " [format | Field format _ <- fs] <> "}"
      -- One constructor is a product: store writes no tag, and Rust's twin is a
      -- struct. Several are a sum with a Word8 tag, Rust's twin an enum.
      body = case constructors of
        [Constructor' _ fs] -> product' fs
        _ -> intercalate " | " [constructor <> " " <> product' fs | Constructor' constructor fs <- constructors]

class GConstructors (f :: Type -> Type) where
  gConstructors :: Proxy f -> [Constructor']

instance (GConstructors f, GConstructors g) => GConstructors (f :+: g) where
  gConstructors _ = gConstructors (Proxy :: Proxy f) <> gConstructors (Proxy :: Proxy g)

instance (Constructor c, GFields f) => GConstructors (C1 c f) where
  gConstructors _ = [Constructor' (conName (undefined :: C1 c f ())) (gFields (Proxy :: Proxy f))]

class GFields (f :: Type -> Type) where
  gFields :: Proxy f -> [Field]

instance GFields U1 where
  gFields _ = []

instance (GFields f, GFields g) => GFields (f :*: g) where
  gFields _ = gFields (Proxy :: Proxy f) <> gFields (Proxy :: Proxy g)

instance WireSchema a => GFields (S1 s (K1 i a)) where
  gFields _ = [Field (fieldFormat (Proxy :: Proxy a)) (addDefinitions (Proxy :: Proxy a))]

-- Leaf types --------------------------------------------------------------------

-- | A leaf with no definitions of its own.
leaf :: String -> Proxy a -> String
leaf name _ = name

instance WireSchema Word8 where fieldFormat = leaf "U8"; addDefinitions _ = id

instance WireSchema Word16 where fieldFormat = leaf "U16"; addDefinitions _ = id

instance WireSchema Word32 where fieldFormat = leaf "U32"; addDefinitions _ = id

instance WireSchema Word64 where fieldFormat = leaf "U64"; addDefinitions _ = id

instance WireSchema Int8 where fieldFormat = leaf "I8"; addDefinitions _ = id

instance WireSchema Int16 where fieldFormat = leaf "I16"; addDefinitions _ = id

instance WireSchema Int32 where fieldFormat = leaf "I32"; addDefinitions _ = id

instance WireSchema Int64 where fieldFormat = leaf "I64"; addDefinitions _ = id

instance WireSchema Float where fieldFormat = leaf "F32"; addDefinitions _ = id

instance WireSchema Double where fieldFormat = leaf "F64"; addDefinitions _ = id

-- | One byte, 0 or 1 (Rust refuses other bytes, as store does).
instance WireSchema Bool where fieldFormat = leaf "BOOL"; addDefinitions _ = id

-- | store writes a 'Char' as its code point in four bytes; Rust's twin is
-- @WireChar@, which also refuses surrogates (store would accept them).
instance WireSchema Char where fieldFormat = leaf "CHAR"; addDefinitions _ = id

instance WireSchema () where fieldFormat = leaf "UNIT"; addDefinitions _ = id

instance WireSchema WireText where fieldFormat = leaf "TEXT"; addDefinitions _ = id

-- | A 64-bit length and the bytes: the same as a list of 'Word8', and as Rust's
-- @Vec<u8>@.
instance WireSchema ByteString where fieldFormat = leaf "SEQ(U8)"; addDefinitions _ = id

-- | A 64-bit length and the elements. 'String' is @[Char]@: a count of characters,
-- then four bytes each (Rust: @Vec<WireChar>@).
instance WireSchema a => WireSchema [a] where
  fieldFormat _ = "SEQ(" <> fieldFormat (Proxy :: Proxy a) <> ")"
  addDefinitions _ = addDefinitions (Proxy :: Proxy a)

-- | A tag byte, 0 for 'Nothing', as serde's @Option@.
instance WireSchema a => WireSchema (Maybe a) where
  fieldFormat _ = "OPTION(" <> fieldFormat (Proxy :: Proxy a) <> ")"
  addDefinitions _ = addDefinitions (Proxy :: Proxy a)

-- | A tag byte, 0 for 'Left': Rust's @either::Either@ (not @Result@, whose tag 0 is
-- @Ok@).
instance (WireSchema a, WireSchema b) => WireSchema (Either a b) where
  fieldFormat _ = "EITHER(" <> fieldFormat (Proxy :: Proxy a) <> ", " <> fieldFormat (Proxy :: Proxy b) <> ")"
  addDefinitions _ = addDefinitions (Proxy :: Proxy a) . addDefinitions (Proxy :: Proxy b)

-- | A pair: the fields back to back, as serde's tuples. Pairs only: the Rust side refuses other tuples (use a
-- record), so a larger tuple has no twin to agree with.
instance (WireSchema a, WireSchema b) => WireSchema (a, b) where
  fieldFormat _ = "TUPLE(" <> fieldFormat (Proxy :: Proxy a) <> ", " <> fieldFormat (Proxy :: Proxy b) <> ")"
  addDefinitions _ = addDefinitions (Proxy :: Proxy a) . addDefinitions (Proxy :: Proxy b)

-- The refused types. Their methods can never run: the instance context is a type
-- error, reported wherever the instance is needed.

instance TypeError ('Text "Int is refused on the wire: its width depends on the platform; use Int64 (Rust i64)") => WireSchema Int where
  fieldFormat = refused
  addDefinitions = refused

instance TypeError ('Text "Word is refused on the wire: its width depends on the platform; use Word64 (Rust u64)") => WireSchema Word where
  fieldFormat = refused
  addDefinitions = refused

instance TypeError ('Text "Text is refused on the wire: store's encoding of it depends on the text version; use WireText") => WireSchema Text where
  fieldFormat = refused
  addDefinitions = refused

instance TypeError ('Text "Integer is refused on the wire: serde_store has no arbitrary-precision integers") => WireSchema Integer where
  fieldFormat = refused
  addDefinitions = refused

instance TypeError ('Text "Natural is refused on the wire: serde_store has no arbitrary-precision integers") => WireSchema Natural where
  fieldFormat = refused
  addDefinitions = refused

-- | The body of a refused instance's methods, which the type checker never lets run.
refused :: Proxy a -> b
refused _ = error "unreachable: a refused wire type was accepted by the type checker"
