{-# LANGUAGE DataKinds #-}
{-# LANGUAGE DefaultSignatures #-}
{-# LANGUAGE FlexibleContexts #-}
{-# LANGUAGE FlexibleInstances #-}
{-# LANGUAGE KindSignatures #-}
{-# LANGUAGE PolyKinds #-}
{-# LANGUAGE ScopedTypeVariables #-}
{-# LANGUAGE TypeFamilies #-}
{-# LANGUAGE TypeOperators #-}
{-# LANGUAGE UndecidableInstances #-}

-- | What a protocol is on the Haskell side: the classes that a generated protocol
-- module (written by @just gen@ from the Rust declaration) instantiates, and
-- everything that module needs in scope, so that it imports this module alone.
--
-- A protocol is a type @p@ with the list of its request types ('Calls') and of its
-- cast types ('Casts'), in wire-tag order. Each request names its reply type
-- ('Reply'), which is how 'RustBridge.callRust' knows what it returns. The tags are
-- the positions in those lists, and the schema text that 'RustBridge.withRust'
-- fingerprints is derived from the same lists and from each type's
-- "GHC.Generics" representation, never from the generator's output, so a generator
-- bug or a stale module is refused at init ('RustBridge.SchemaMismatch').
module RustBridge.Protocol
  ( -- * Protocols
    Protocol (..),
    Call (CallProtocol, Reply),
    Cast (CastProtocol),
    CallList,
    CastList,

    -- * Tags and schema
    callTag,
    castTag,
    protocolSchema,
    protocolFingerprint,

    -- * What generated modules use
    WireSchema,
    WireText (..),
    Generic,
    Store,
    ByteString,
    Int8,
    Int16,
    Int32,
    Int64,
    Word8,
    Word16,
    Word32,
    Word64,
  )
where

import Data.ByteString (ByteString)
import Data.Int (Int16, Int32, Int64, Int8)
import Data.Kind (Type)
import Data.List (intercalate)
import Data.Map.Strict (Map)
import Data.Proxy (Proxy (..))
import Data.Store (Store)
import Data.Text (Text)
import Data.Word (Word16, Word32, Word64, Word8)
import GHC.Generics (Generic)
import GHC.TypeLits (ErrorMessage (..), KnownNat, Nat, Symbol, TypeError, natVal, type (+))
import Schema (Fingerprint, WireSchema (..), fingerprintOf, schemaText)
import Types (InitMessage)
import WireText (WireText (..))

-- | A protocol: a type that stands for one engine's messages. Generated modules
-- declare an empty data type for it and this instance.
class (CallList (Calls p), CastList (Casts p)) => Protocol p where
  -- | The request types, in wire-tag order.
  type Calls p :: [Type]

  -- | The cast types, in wire-tag order.
  type Casts p :: [Type]

-- | A request type: the protocol it belongs to and the type of its reply.
class (Store req, WireSchema req, Store (Reply req), WireSchema (Reply req)) => Call req where
  -- | The protocol whose 'Calls' list this request.
  type CallProtocol req :: Type

  -- | What the engine answers to this request.
  type Reply req :: Type

  -- | The request's wire tag: its position in its protocol's 'Calls'. Not exported,
  -- so no instance can write it by hand; the default is the only definition, and an
  -- instance for a request its protocol does not list fails to compile.
  tagOfCall :: Proxy req -> Word8
  default tagOfCall :: KnownNat (IndexIn "calls" req (Calls (CallProtocol req))) => Proxy req -> Word8
  tagOfCall _ = fromIntegral (natVal (Proxy :: Proxy (IndexIn "calls" req (Calls (CallProtocol req)))))

-- | A fire-and-forget message type, and the protocol it belongs to.
class (Store msg, WireSchema msg) => Cast msg where
  -- | The protocol whose 'Casts' list this message.
  type CastProtocol msg :: Type

  -- | The message's wire tag: its position in its protocol's 'Casts' (as for
  -- 'tagOfCall').
  tagOfCast :: Proxy msg -> Word8
  default tagOfCast :: KnownNat (IndexIn "casts" msg (Casts (CastProtocol msg))) => Proxy msg -> Word8
  tagOfCast _ = fromIntegral (natVal (Proxy :: Proxy (IndexIn "casts" msg (Casts (CastProtocol msg)))))

-- | The position of @x@ in @xs@, or a type error that names @x@ and the list's kind
-- (@what@: "calls" or "casts").
type family IndexIn (what :: Symbol) (x :: Type) (xs :: [Type]) :: Nat where
  IndexIn _ x (x ': _) = 0
  IndexIn what x (_ ': xs) = 1 + IndexIn what x xs
  IndexIn what x '[] =
    TypeError
      ( 'ShowType x ':<>: 'Text " is not listed in the " ':<>: 'Text what
          ':<>: 'Text " of its protocol (regenerate the protocol module: just gen)"
      )

-- | A request's wire tag: its position in its protocol's 'Calls'.
callTag :: Call req => Proxy req -> Word8
callTag = tagOfCall

-- | A cast's wire tag: its position in its protocol's 'Casts'.
castTag :: Cast msg => Proxy msg -> Word8
castTag = tagOfCast

-- | The schema lines of a list of request types: each request's and reply's format,
-- and the definitions they need.
class CallList (calls :: [Type]) where
  callEntries :: Proxy calls -> [(String, String, Map String String)]

instance CallList '[] where
  callEntries _ = []

instance (Call req, CallList reqs) => CallList (req ': reqs) where
  callEntries _ = entry : callEntries (Proxy :: Proxy reqs)
    where
      request = Proxy :: Proxy req
      reply = Proxy :: Proxy (Reply req)
      entry = (fieldFormat request, fieldFormat reply, definitions request <> definitions reply)

-- | The schema lines of a list of cast types.
class CastList (casts :: [Type]) where
  castEntries :: Proxy casts -> [(String, Map String String)]

instance CastList '[] where
  castEntries _ = []

instance (Cast msg, CastList msgs) => CastList (msg ': msgs) where
  castEntries _ = (fieldFormat message, definitions message) : castEntries (Proxy :: Proxy msgs)
    where
      message = Proxy :: Proxy msg

-- | The canonical schema text of protocol @p@, as Rust renders it from its own
-- trace: the header, @calls: Request -> Reply, ...@ and @casts: ...@ in tag order,
-- then one line per named type (the protocol's and the bridge's 'InitMessage' and
-- @Config@), sorted by name.
protocolSchema :: forall p. Protocol p => Proxy p -> Text
protocolSchema _ = schemaText [callsLine, castsLine] defs
  where
    calls = callEntries (Proxy :: Proxy (Calls p))
    casts = castEntries (Proxy :: Proxy (Casts p))
    callsLine = "calls: " <> intercalate ", " [request <> " -> " <> reply | (request, reply, _) <- calls]
    castsLine = "casts: " <> intercalate ", " (map fst casts)
    defs =
      mconcat [d | (_, _, d) <- calls]
        <> mconcat (map snd casts)
        <> definitions (Proxy :: Proxy InitMessage)

-- | The SHA-256 of 'protocolSchema': what 'RustBridge.withRust' sends to Rust.
protocolFingerprint :: Protocol p => Proxy p -> Fingerprint
protocolFingerprint = fingerprintOf . protocolSchema
