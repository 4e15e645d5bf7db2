-- | Bad input from Haskell, as QuickCheck properties: random requests (raw bytes, and
-- values of types that are not 'MessageBody') sent through 'callRust' and 'castRust'
-- under a random 'maxMsgLen', with the reply read back as a random, often mismatched,
-- type. Each case runs in its own bridge, checked for leaks. The oracle is Haskell's
-- own view of the wire: the bridge must answer exactly as the request's length, its
-- decoding as a 'MessageBody' and the demo engine's reply predict, with a typed
-- 'BridgeError' or the correct reply, and the process must never die.
module BadInputSpec (spec) where

import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import Data.Either (isRight)
import Data.Store (PeekException, Size (..), Store (..), decode, encode)
import Data.Word (Word16, Word32, Word64, Word8)
import RustBridge
import Support
import Test.Hspec
import Test.Hspec.QuickCheck (modifyMaxSuccess)
import Test.QuickCheck

-- | Bytes that go on the wire as themselves, with no length prefix, so a property
-- can send any byte string. Send-only: nothing here ever decodes one.
newtype RawBytes = RawBytes ByteString
  deriving (Show)

instance Store RawBytes where
  size = VarSize (\(RawBytes bytes) -> B.length bytes)
  poke (RawBytes bytes) = mapM_ poke (B.unpack bytes)
  peek = fail "RawBytes is only ever sent"

-- | A request of one of several types, most of which are not a 'MessageBody'.
data Request
  = Raw !RawBytes
  | Bytes !ByteString
  | Word !Word64
  | Pair !(Word8, Word32)
  | Words ![Word16]
  | Text !String
  | Message !MessageBody
  deriving (Show)

instance Arbitrary Request where
  arbitrary =
    oneof
      [ Raw . RawBytes . B.pack <$> frequency [(3, vectorOf 1 arbitrary), (3, vectorOf 5 arbitrary), (3, vectorOf 9 arbitrary), (2, arbitrary)],
        Bytes . B.pack <$> arbitrary,
        Word <$> arbitrary,
        Pair <$> arbitrary,
        Words <$> arbitrary,
        Text <$> arbitrary,
        -- Sleep and InjectPanic are not generated as messages: one would hold up the
        -- property, the other fill its output with the engine's panic messages.
        -- Other requests can still decode as either, and the oracle expects that.
        Message <$> oneof [elements [Ping, Pong, GetCastCount, Unsupported], Echo <$> arbitrary, CastCount <$> arbitrary]
      ]

-- | The request's bytes on the wire.
wire :: Request -> ByteString
wire request = case request of
  Raw raw -> encode raw
  Bytes bytes -> encode bytes
  Word w -> encode w
  Pair p -> encode p
  Words ws -> encode ws
  Text t -> encode t
  Message m -> encode m

-- | The type the reply is read as.
data ReplyType = AsMessage | AsWord | AsPair | AsBytes | AsUnit
  deriving (Show, Eq, Enum, Bounded)

instance Arbitrary ReplyType where
  arbitrary = arbitraryBoundedEnum

-- | Sends the request with 'callRust' and reads the reply as the given type, shown.
callAs :: ReplyType -> Request -> Rust String
callAs replyType request = case replyType of
  AsMessage -> show <$> (send :: Rust MessageBody)
  AsWord -> show <$> (send :: Rust Word64)
  AsPair -> show <$> (send :: Rust (Word64, Word64))
  AsBytes -> show <$> (send :: Rust ByteString)
  AsUnit -> show <$> (send :: Rust ())
  where
    send :: Store resp => Rust resp
    send = case request of
      Raw raw -> callRust raw
      Bytes bytes -> callRust bytes
      Word w -> callRust w
      Pair p -> callRust p
      Words ws -> callRust ws
      Text t -> callRust t
      Message m -> callRust m

castAny :: Request -> Rust ()
castAny request = case request of
  Raw raw -> castRust raw
  Bytes bytes -> castRust bytes
  Word w -> castRust w
  Pair p -> castRust p
  Words ws -> castRust ws
  Text t -> castRust t
  Message m -> castRust m

-- | What the bridge must answer: refused before it crosses, refused by Rust, or the
-- engine's reply to the request that the bytes decode to.
data Verdict = TooLong !Int !Word32 | Undecodable | Decodes !MessageBody

verdict :: Word32 -> ByteString -> Verdict
verdict limit bytes
  | B.length bytes > fromIntegral limit = TooLong (B.length bytes) limit
  | otherwise = either (const Undecodable) Decodes (decode bytes)

-- | A request the engine would sleep on for more than 50 ms.
longSleep :: Verdict -> Bool
longSleep v = case v of
  Decodes (Sleep ms) -> ms > 50
  _ -> False

-- | The verdict's name, for QuickCheck's table of how the cases were spread.
verdictLabel :: Verdict -> String
verdictLabel v = case v of
  TooLong _ _ -> "too long"
  Undecodable -> "undecodable"
  Decodes _ -> "decodes"

-- | The demo engine's reply, in a fresh bridge (no casts handled yet); 'Nothing' for
-- 'InjectPanic', which the engine answers by panicking.
engineReply :: MessageBody -> Maybe MessageBody
engineReply request = case request of
  Ping -> Just Pong
  Echo n -> Just (Echo n)
  GetCastCount -> Just (CastCount 0)
  Sleep _ -> Just Pong
  InjectPanic -> Nothing
  _ -> Just Unsupported

-- | The reply bytes read as the given type, shown as 'callAs' shows them.
readAs :: ReplyType -> ByteString -> Either () String
readAs replyType bytes = case replyType of
  AsMessage -> shown (decode bytes :: Either PeekException MessageBody)
  AsWord -> shown (decode bytes :: Either PeekException Word64)
  AsPair -> shown (decode bytes :: Either PeekException (Word64, Word64))
  AsBytes -> shown (decode bytes :: Either PeekException ByteString)
  AsUnit -> shown (decode bytes :: Either PeekException ())
  where
    shown :: Show a => Either e a -> Either () String
    shown = either (const (Left ())) (Right . show)

-- | A random 'maxMsgLen': mostly near the requests' sizes, sometimes anything.
limits :: Gen Word32
limits = frequency [(4, choose (0, 64)), (1, arbitrary)]

spec :: Spec
spec = modifyMaxSuccess (max 300) $ do
  it "callRust answers random requests with the predicted reply or a typed error" $
    property . forAll limits $ \limit request replyType ->
      -- Raw bytes and other types can decode as a Sleep: a long one would only slow
      -- the property down, so it is discarded before it is sent.
      not (longSleep (verdict limit (wire request))) ==> ioProperty $ do
        outcome <- withBridge (Config limit) (tryRust (callAs replyType request))
        let bytes = wire request
        pure . label (verdictLabel (verdict limit bytes)) . counterexample (show (B.unpack bytes) <> " -> " <> show outcome) $
          case (verdict limit bytes, outcome) of
            (TooLong len lim, Left err) -> err === MessageTooLong len lim
            (Undecodable, Left err) -> err === UndecodableRequest
            (Decodes m, _) -> case (readAs replyType . encode <$> engineReply m, outcome) of
              (Just (Right expected), Right actual) -> actual === expected
              (Just (Left ()), Left (UndecodableReply _)) -> property True
              (Nothing, Left (EnginePanicked _)) -> property True
              _ -> property False
            _ -> property False

  it "castRust delivers or refuses random messages, and the engine counts exactly those delivered" $
    property . forAll limits $ \limit request -> ioProperty $ do
      (outcome, counted) <- withBridge (Config limit) $ do
        outcome <- tryRust (castAny request)
        -- GetCastCount is one byte: a limit of 0 refuses it too.
        (,) outcome <$> if limit > 0 then Just <$> callRust GetCastCount else pure Nothing
      let bytes = wire request
          delivered = isRight outcome
      pure . label (verdictLabel (verdict limit bytes)) . counterexample (show (B.unpack bytes) <> " -> " <> show outcome) $
        counted === (CastCount (if delivered then 1 else 0) <$ counted)
          .&&. case (verdict limit bytes, outcome) of
            (TooLong len lim, Left err) -> err === MessageTooLong len lim
            (Undecodable, Left err) -> err === UndecodableRequest
            (Decodes _, Right ()) -> property True
            _ -> property False
