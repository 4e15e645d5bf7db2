{-# LANGUAGE ConstraintKinds #-}
{-# LANGUAGE DataKinds #-}
{-# LANGUAGE DefaultSignatures #-}
{-# LANGUAGE EmptyDataDeriving #-}
{-# LANGUAGE FlexibleContexts #-}
{-# LANGUAGE FlexibleInstances #-}
{-# LANGUAGE MultiParamTypeClasses #-}
{-# LANGUAGE ScopedTypeVariables #-}
{-# LANGUAGE TypeFamilies #-}
{-# LANGUAGE TypeOperators #-}
{-# LANGUAGE UndecidableInstances #-}
{-# LANGUAGE UndecidableSuperClasses #-}

-- | What a protocol is on the Haskell side: the classes that a generated protocol
-- module (written by @just gen@ from the Rust declaration) instantiates, and
-- everything that module needs in scope, so that it imports this module alone.
--
-- A protocol is a type @p@ with the list of its request types ('Calls') and of its
-- cast types ('Casts'), in wire-tag order. Each request names its protocol
-- ('CallProtocol') and its reply type ('Reply'), which is how
-- 'RustBridge.callRust' knows what it returns. The tags are the positions in those
-- lists ('CallTag', 'CastTag'), never written by hand or by the generator, and the
-- schema text that 'RustBridge.withRust' fingerprints ('protocolSchema') is derived
-- from the same lists and from each type's "GHC.Generics" representation, never
-- from the generator's output; so a generator bug or a stale module is refused at
-- init ('RustBridge.SchemaMismatch').
--
-- A generated module reads, for example:
--
-- > data Probe
-- >
-- > instance Protocol Probe where
-- >   type Calls Probe = '[Ping, Echo]
-- >   type Casts Probe = '[Note]
-- >
-- > data Echo = Echo !Word64
-- >   deriving (Eq, Show, Generic, Store, WireSchema)
-- >
-- > instance Call Echo where
-- >   type CallProtocol Echo = Probe
-- >   type Reply Echo = Word64
--
-- A protocol may also list the events its engine emits ('Events', each an 'Event'
-- with its constructor in the protocol's sum of events, 'ProtocolEvent'); a
-- protocol without events keeps the defaults, no events and 'NoEvents'. An event
-- crosses as its tag (its position in 'Events') and its payload, and
-- 'decodeEvent' turns those bytes into the sum.
--
-- A protocol has at most 256 calls, 256 casts and 256 events (a tag is one byte;
-- more is a compile error). From about 200 of either, GHC's default reduction depth no
-- longer suffices to check the 'Protocol' instance: the module that declares it
-- then needs @{-# OPTIONS_GHC -freduction-depth=0 #-}@.
module RustBridge.Protocol
  ( -- * Protocols
    Protocol (..),
    Call (..),
    Cast (..),
    CallOf,
    CastOf,
    Event (..),
    NoEvents,

    -- * The engine linked in
    Linked (..),
    StartMessage (..),

    -- * Tags
    CallTag,
    CastTag,
    EventTag,
    callTag,
    castTag,
    eventTag,

    -- * Events on the wire
    decodeEvent,

    -- * Schema
    protocolSchema,
    protocolFingerprint,
    CallList,
    CastList,
    EventList,

    -- * What generated modules use

    -- The types of one engine's imports: all that FFI exports but the RTS's
    -- function pointers, which only the lifecycle passes to Rust.
    module FFI,
    CInt (..),
    CSize (..),
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
import qualified Data.ByteString as B
import Data.Int (Int16, Int32, Int64, Int8)
import Data.Kind (Type)
import Data.Map.Strict (Map)
import qualified Data.Map.Strict as Map
import Data.Proxy (Proxy (..))
import Data.Store (PeekException (..), Store)
import Data.Text (Text)
import qualified Data.Text as T
import Data.Word (Word16, Word32, Word64, Word8)
import FFI hiding (hsThreadDonePtr, hsTryPutMVarPtr)
import Foreign.C.Types (CInt (..), CSize (..))
import GHC.Generics (Generic)
import GHC.TypeLits (ErrorMessage (..), KnownNat, Nat, Symbol, TypeError, natVal, type (+), type (<=?))
import RustBridge.Decode (decodeBytes)
import Schema (Fingerprint, WireSchema (..), definitions, fingerprintOf, schemaText)
import Types (InitMessage)
import WireText (WireText (..))

-- | A protocol: a type that stands for one engine's messages. A generated module
-- declares an empty data type for it and this instance. The superclasses hold as
-- soon as every listed request is a 'Call', every listed cast a 'Cast' and every
-- listed event an 'Event' of this protocol.
class (CallList (Calls p), CastList (Casts p), EventList p (Events p), StartMessage (Start p)) => Protocol p where
  -- | The request types, in wire-tag order (tag 0 first).
  type Calls p :: [Type]

  -- | The cast types, in wire-tag order (tag 0 first).
  type Casts p :: [Type]

  -- | The event payload types, in wire-tag order (tag 0 first); none by default.
  type Events p :: [Type]

  type Events p = '[]

  -- | The sum of the protocol's events, one constructor per event
  -- ('toProtocolEvent'): what 'RustBridge.withEvents' delivers. 'NoEvents' by
  -- default.
  type ProtocolEvent p :: Type

  type ProtocolEvent p = NoEvents

  -- | The start-up message that 'RustBridge.withRustStarting' sends and the
  -- engine's constructor receives; @()@ (none) by default, for which
  -- 'RustBridge.withRust' starts the engine.
  type Start p :: Type

  type Start p = ()

-- | The events of a protocol that emits none: a type with no values.
data NoEvents
  deriving (Eq, Show)

-- | A protocol's start-up message type: how it is encoded, and its place in the
-- schema. The generated module gives the instance of a protocol's declared one
-- (the defaults); @()@, for a protocol that declares none, is left out of the
-- schema and takes no bytes.
class Store s => StartMessage s where
  -- | The format of the message, or 'Nothing' for none.
  startFormat :: Proxy s -> Maybe String
  default startFormat :: WireSchema s => Proxy s -> Maybe String
  startFormat = Just . fieldFormat

  -- | The named types the message needs.
  startDefinitions :: Proxy s -> Map String String
  default startDefinitions :: WireSchema s => Proxy s -> Map String String
  startDefinitions = definitions

-- | No start-up message.
instance StartMessage () where
  startFormat _ = Nothing
  startDefinitions _ = Map.empty

-- | A protocol whose engine is linked into the program: its instance, in the
-- generated module, gives the imports of that engine's C symbols (each engine's
-- carry a prefix of their own, so several engines link side by side). This is what
-- makes the protocol type choose the engine: 'RustBridge.withRust' and everything
-- it runs reach the engine only through these imports.
class Protocol p => Linked p where
  -- | The engine's imports.
  linkedImports :: proxy p -> Imports

-- | A request type: the protocol it belongs to and the type of its reply. Its tag
-- ('CallTag') is its position in @'Calls' ('CallProtocol' req)@; the last
-- superclass makes GHC find it where the instance is declared, so an instance for
-- a request its protocol does not list is a compile error that names both.
class
  (Store req, WireSchema req, Store (Reply req), WireSchema (Reply req), KnownNat (CallTag req)) =>
  Call req
  where
  -- | The protocol whose 'Calls' list this request.
  type CallProtocol req :: Type

  -- | What the engine answers to this request.
  type Reply req :: Type

-- | A fire-and-forget message type, and the protocol it belongs to. Its tag
-- ('CastTag') is its position in @'Casts' ('CastProtocol' msg)@, checked where the
-- instance is declared (as for 'Call').
class (Store msg, WireSchema msg, KnownNat (CastTag msg)) => Cast msg where
  -- | The protocol whose 'Casts' list this message.
  type CastProtocol msg :: Type

-- | An event payload type, the protocol whose engine emits it, and its
-- constructor in that protocol's sum of events. Its tag ('EventTag') is its
-- position in @'Events' ('EventProtocol' e)@, checked where the instance is
-- declared (as for 'Call').
class (Store e, WireSchema e, KnownNat (EventTag e)) => Event e where
  -- | The protocol whose 'Events' list this payload.
  type EventProtocol e :: Type

  -- | The payload as the protocol's event (its constructor in 'ProtocolEvent').
  toProtocolEvent :: e -> ProtocolEvent (EventProtocol e)

-- | What sending a request takes: its 'Call' instance, which carries the request's
-- encoding, its reply's, and its tag. Write @CallOf req@ in the context of a
-- function that is generic over requests; no @KnownNat@ of your own is needed.
type CallOf req = Call req

-- | What sending a cast takes: its 'Cast' instance (as for 'CallOf').
type CastOf msg = Cast msg

-- | A request's wire tag: its position in its protocol's 'Calls'.
type CallTag req = Position "calls" 0 req (Calls (CallProtocol req)) (CallProtocol req)

-- | A cast's wire tag: its position in its protocol's 'Casts'.
type CastTag msg = Position "casts" 0 msg (Casts (CastProtocol msg)) (CastProtocol msg)

-- | An event's wire tag: its position in its protocol's 'Events'.
type EventTag e = Position "events" 0 e (Events (EventProtocol e)) (EventProtocol e)

-- | The position of @x@ in @xs@, counting from @n@, or a type error that names
-- @x@, the protocol @p@ and the list (@what@: "calls", "casts" or "events"). It walks eight
-- elements a step, so that even a list of 256 needs few reductions (GHC stops at a
-- depth of 200 by default); the last equation is reached when fewer than eight
-- remain and none of them is @x@.
type family Position (what :: Symbol) (n :: Nat) (x :: Type) (xs :: [Type]) (p :: Type) :: Nat where
  Position what n x (x ': _) p = Fits what n p (n <=? 255)
  Position what n x (_ ': x ': _) p = Fits what (n + 1) p ((n + 1) <=? 255)
  Position what n x (_ ': _ ': x ': _) p = Fits what (n + 2) p ((n + 2) <=? 255)
  Position what n x (_ ': _ ': _ ': x ': _) p = Fits what (n + 3) p ((n + 3) <=? 255)
  Position what n x (_ ': _ ': _ ': _ ': x ': _) p = Fits what (n + 4) p ((n + 4) <=? 255)
  Position what n x (_ ': _ ': _ ': _ ': _ ': x ': _) p = Fits what (n + 5) p ((n + 5) <=? 255)
  Position what n x (_ ': _ ': _ ': _ ': _ ': _ ': x ': _) p = Fits what (n + 6) p ((n + 6) <=? 255)
  Position what n x (_ ': _ ': _ ': _ ': _ ': _ ': _ ': x ': _) p = Fits what (n + 7) p ((n + 7) <=? 255)
  Position what n x (_ ': _ ': _ ': _ ': _ ': _ ': _ ': _ ': xs) p = Position what (n + 8) x xs p
  Position what _ x _ p =
    TypeError
      ( 'Text "rs-in-hs: "
          ':<>: 'ShowType x
          ':<>: 'Text " is not among the "
          ':<>: 'Text what
          ':<>: 'Text " of protocol "
          ':<>: 'ShowType p
          ':<>: 'Text ", which its instance names as its protocol."
          ':$$: 'Text "Add it to the protocol's list, or regenerate the protocol module (just gen)."
      )

-- | The tag @n@, if it fits the one byte the wire gives it.
type family Fits (what :: Symbol) (n :: Nat) (p :: Type) (fits :: Bool) :: Nat where
  Fits _ n _ 'True = n
  Fits what _ p 'False =
    TypeError
      ( 'Text "rs-in-hs: protocol "
          ':<>: 'ShowType p
          ':<>: 'Text " has more than 256 "
          ':<>: 'Text what
          ':<>: 'Text "; a tag is one byte."
      )

-- | A request's wire tag ('CallTag'): the first byte of its message and of its
-- reply.
callTag :: forall req. CallOf req => Proxy req -> Word8
callTag _ = fromInteger (natVal (Proxy :: Proxy (CallTag req)))

-- | A cast's wire tag ('CastTag'): the first byte of its message.
castTag :: forall msg. CastOf msg => Proxy msg -> Word8
castTag _ = fromInteger (natVal (Proxy :: Proxy (CastTag msg)))

-- | An event's wire tag ('EventTag'): the first byte of its bytes from Rust.
eventTag :: forall e. Event e => Proxy e -> Word8
eventTag _ = fromInteger (natVal (Proxy :: Proxy (EventTag e)))

-- | Decodes an event's bytes from Rust (its tag, then its payload, every byte
-- used) as the protocol's event; or says what was wrong.
decodeEvent :: forall p. Protocol p => Proxy p -> ByteString -> Either String (ProtocolEvent p)
decodeEvent protocol bytes = case B.uncons bytes of
  Nothing -> Left "an event with no tag"
  Just (tag, payload) -> decodeEventAt protocol (Proxy :: Proxy (Events p)) tag tag payload

-- | The schema of a list of request types: each request's and reply's format, and
-- the definitions they need. 'Protocol' needs it of its 'Calls'; it holds for any
-- list of 'Call's.
class CallList (calls :: [Type]) where
  -- | The formats of each request and its reply, in list order.
  callFormats :: Proxy calls -> [(String, String)]

  -- | The named types the requests and replies need.
  callDefinitions :: Proxy calls -> Map String String

instance CallList '[] where
  callFormats _ = []
  callDefinitions _ = Map.empty

instance (Call req, CallList reqs) => CallList (req ': reqs) where
  callFormats _ = (fieldFormat request, fieldFormat reply) : callFormats (Proxy :: Proxy reqs)
    where
      request = Proxy :: Proxy req
      reply = Proxy :: Proxy (Reply req)
  callDefinitions _ =
    Map.unions
      [ definitions (Proxy :: Proxy req),
        definitions (Proxy :: Proxy (Reply req)),
        callDefinitions (Proxy :: Proxy reqs)
      ]

-- | The schema of a list of cast types (as 'CallList').
class CastList (casts :: [Type]) where
  -- | The format of each cast, in list order.
  castFormats :: Proxy casts -> [String]

  -- | The named types the casts need.
  castDefinitions :: Proxy casts -> Map String String

instance CastList '[] where
  castFormats _ = []
  castDefinitions _ = Map.empty

instance (Cast msg, CastList msgs) => CastList (msg ': msgs) where
  castFormats _ = fieldFormat (Proxy :: Proxy msg) : castFormats (Proxy :: Proxy msgs)
  castDefinitions _ = definitions (Proxy :: Proxy msg) <> castDefinitions (Proxy :: Proxy msgs)

-- | The events of protocol @p@, a list of its 'Event's: their schema, and the
-- decoding of each tag. 'Protocol' needs it of its 'Events'.
class EventList p (events :: [Type]) where
  -- | The format of each event payload, in list order.
  eventFormats :: Proxy p -> Proxy events -> [String]

  -- | The named types the payloads need.
  eventDefinitions :: Proxy p -> Proxy events -> Map String String

  -- | Decodes the payload of the event at position @n@ of the list (the event's
  -- tag, counted down along it), given the whole tag for messages.
  decodeEventAt :: Proxy p -> Proxy events -> Word8 -> Word8 -> ByteString -> Either String (ProtocolEvent p)

instance EventList p '[] where
  eventFormats _ _ = []
  eventDefinitions _ _ = Map.empty
  decodeEventAt _ _ tag _ _ = Left ("no event has the tag " <> show tag)

-- An event's constructor builds its own protocol's sum, which must be @p@'s.
instance (Event e, ProtocolEvent (EventProtocol e) ~ ProtocolEvent p, EventList p es) => EventList p (e ': es) where
  eventFormats p _ = fieldFormat (Proxy :: Proxy e) : eventFormats p (Proxy :: Proxy es)
  eventDefinitions p _ = definitions (Proxy :: Proxy e) <> eventDefinitions p (Proxy :: Proxy es)
  decodeEventAt p _ tag n payload
    | n == 0 = either (Left . undecodable) (Right . toProtocolEvent) (decodeBytes payload :: Either PeekException e)
    | otherwise = decodeEventAt p (Proxy :: Proxy es) tag (n - 1) payload
    where
      undecodable failure =
        "the event with tag "
          <> show tag
          <> " does not decode as "
          <> fieldFormat (Proxy :: Proxy e)
          <> ": "
          <> T.unpack (peekExMessage failure)

-- | The canonical schema text of protocol @p@, which Rust renders from its own
-- trace of the protocol (@Schema::text@):
--
-- > rs-in-hs wire schema 2
-- > calls: Ping -> Pong, Echo -> U64
-- > casts: Note
-- > Config = {U32, U32}
-- > Echo = {U64}
-- > ...
--
-- the calls (@request -> reply@) and casts in tag order, the events in tag order
-- (a line @events: ...@ that a protocol without events leaves out), then one line
-- per named type, the bridge's own @Config@ and @InitMessage@ included, sorted by
-- name.
protocolSchema :: forall p. Protocol p => Proxy p -> Text
protocolSchema protocol =
  schemaText
    (callFormats calls)
    (castFormats casts)
    (startFormat start)
    (eventFormats protocol events)
    ( Map.unions
        [ callDefinitions calls,
          castDefinitions casts,
          startDefinitions start,
          eventDefinitions protocol events,
          definitions (Proxy :: Proxy InitMessage)
        ]
    )
  where
    calls = Proxy :: Proxy (Calls p)
    casts = Proxy :: Proxy (Casts p)
    events = Proxy :: Proxy (Events p)
    start = Proxy :: Proxy (Start p)

-- | The SHA-256 of 'protocolSchema': what 'RustBridge.withRust' sends to Rust,
-- which compares it with its own.
protocolFingerprint :: Protocol p => Proxy p -> Fingerprint
protocolFingerprint = fingerprintOf . protocolSchema
