-- | Bad input from Haskell, as QuickCheck properties: random bytes sent as calls and
-- casts with 'callRaw' and 'castRaw' under a random 'maxMsgLen', each case in its own
-- bridge, checked for leaks. The bytes are raw, the encodings of types that are not
-- probe messages, the probe's own requests and casts, or those with one byte changed,
-- cut off or added. The oracle is Haskell's own view of the probe protocol: a request
-- decodes iff its first byte is a call's tag (0 to 12) and the rest decodes exactly as
-- that call's request (a cast likewise, with tags 0 to 2); the bridge must answer
-- exactly as the request's length, that decoding and the probe engine's reply predict,
-- with a typed 'BridgeError' or the reply's exact bytes, and the process must never die.
--
-- Then the C ABI itself, driven through imports of its own, with what a foreign
-- caller can get wrong: each is refused with a status, and the side effect a wrong
-- acceptance would have (a null token handed to @hs_try_putmvar@, which would crash
-- the process; a wake-up counted) does not happen.
module BadInputSpec (spec) where

import Control.Monad.IO.Class (liftIO)
import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import Data.ByteString.Unsafe (unsafeUseAsCStringLen)
import Data.Char (ord)
import Data.Either (isRight)
import Data.List (isInfixOf)
import Data.Proxy (Proxy (..))
import Data.Store (Store, decode, encode)
import Data.Word (Word16, Word32, Word64, Word8)
import Foreign.C.Types (CInt (..), CSize (..))
import Foreign.Marshal.Alloc (alloca, allocaBytes)
import Foreign.Marshal.Array (peekArray)
import Foreign.Marshal.Utils (fillBytes)
import Foreign.Ptr (Ptr, castPtr, nullPtr, plusPtr)
import Foreign.Storable (peek, poke)
import Generators
import Probe.Protocol
import RustBridge
import RustBridge.Internal (Status (..), callRaw, castRaw, decodeReply, encodeCall, encodeCast, statusFromCode)
import Support
import Test.Hspec
import Test.Hspec.QuickCheck (modifyMaxSuccess)
import Test.QuickCheck

-- | Bytes to send, and how they were made (for the counterexample and the label).
data Request = Request
  { requestKind :: !String,
    requestBytes :: !ByteString
  }

instance Show Request where
  show (Request kind bytes) = kind <> " " <> show (B.unpack bytes)

-- | Requests of every kind, for calls or casts: the given probe messages are mixed
-- with raw bytes, other types' encodings and damaged messages.
requests :: Gen ByteString -> Gen Request
requests messages =
  frequency
    [ (3, Request "raw" . B.pack <$> frequency [(3, vectorOf 1 arbitrary), (3, vectorOf 5 arbitrary), (3, vectorOf 9 arbitrary), (2, arbitrary)]),
      (1, Request "bytes" . encode . B.pack <$> arbitrary),
      (1, Request "word" . encode <$> (arbitrary :: Gen Word64)),
      (1, Request "pair" . encode <$> (arbitrary :: Gen (Word8, Word32))),
      (1, Request "words" . encode <$> (arbitrary :: Gen [Word16])),
      (1, Request "string" . encode <$> (arbitrary :: Gen String)),
      (3, Request "message" <$> messages),
      (3, Request "damaged message" <$> (messages >>= damage))
    ]

-- | One byte replaced, the last few cut off, or one byte added.
damage :: ByteString -> Gen ByteString
damage bytes =
  oneof
    [ if B.null bytes then B.singleton <$> arbitrary else replaceAt <$> choose (0, B.length bytes - 1) <*> arbitrary,
      (\n -> B.take (B.length bytes - n) bytes) <$> choose (1, 9),
      B.snoc bytes <$> arbitrary
    ]
  where
    replaceAt i byte = B.take i bytes <> B.singleton byte <> B.drop (i + 1) bytes

-- | The probe's calls, encoded by the bridge. Sleep and InjectPanic are not generated:
-- one would hold up the property, the other fill its output with the engine's panic
-- messages. Other bytes can still decode as either, and the oracle expects that.
calls :: Gen ByteString
calls =
  oneof
    [ pure (encodeCall Ping),
      encodeCall . Echo <$> gen,
      pure (encodeCall GetCastCount),
      encodeCall . Loopback <$> scale (`div` 4) gen
    ]

-- | The probe's casts, encoded by the bridge; PanicNote is left out, as InjectPanic
-- is from 'calls'.
casts :: Gen ByteString
casts = encodeCast . Note <$> gen

-- | What the bridge must answer: refused before it crosses, refused by Rust, or what
-- the engine does with the message that the bytes decode to.
data Verdict a = TooLong !Int !Word32 | Undecodable | Decodes !a

verdict :: (ByteString -> Maybe a) -> Word32 -> ByteString -> Verdict a
verdict decodes limit bytes
  | B.length bytes > fromIntegral limit = TooLong (B.length bytes) limit
  | otherwise = maybe Undecodable Decodes (decodes bytes)

-- | The verdict's name, for QuickCheck's table of how the cases were spread.
verdictLabel :: Verdict a -> String
verdictLabel v = case v of
  TooLong _ _ -> "too long"
  Undecodable -> "undecodable"
  Decodes _ -> "decodes"

-- | What the probe engine does with a call, in a fresh bridge (no casts handled yet).
data Answer
  = -- | Replies with these bytes: the request's tag, then the reply.
    Answers !ByteString
  | -- | Sleeps this many milliseconds, then replies @()@ with this tag (Sleep, or
    -- SleepLater on a thread of the engine's).
    Sleeps !Word8 !Word32
  | -- | Panics (InjectPanic, or PanicLater on the worker).
    Panics
  | -- | Drops the reply handle unanswered (DropLater, or PanicLater on a helper
    -- thread).
    Unanswers
  | -- | Holds the reply handle until an AnswerHeld cast (HoldLater), or waits
    -- longer than the property should (WaitAsync of more than 50 ms).
    Holds

-- | The call the bytes decode to, by tag, as the probe engine answers it.
decodeCall :: ByteString -> Maybe Answer
decodeCall bytes = case B.uncons bytes of
  Just (0, rest) -> exactly rest (\Ping -> Answers (B.singleton 0))
  Just (1, rest) -> exactly rest (\(Echo n) -> Answers (B.cons 1 (encode n)))
  Just (2, rest) -> exactly rest (\(Sleep ms) -> Sleeps 2 ms)
  Just (3, rest) -> exactly rest (\InjectPanic -> Panics)
  Just (4, rest) -> exactly rest (\GetCastCount -> Answers (B.cons 4 (encode (0 :: Word64))))
  Just (5, rest) -> exactly rest id >>= \(Loopback frame) -> if scalars frame then Just (Answers (B.cons 5 (encode frame))) else Nothing
  Just (6, rest) -> exactly rest (\(EmitTicks _) -> Answers (B.singleton 6))
  Just (7, rest) -> exactly rest (\(SleepLater ms) -> Sleeps 7 ms)
  Just (8, rest) -> exactly rest (\(EchoLater n) -> Answers (B.cons 8 (encode n)))
  Just (9, rest) -> exactly rest (\(HoldLater _) -> Holds)
  Just (10, rest) -> exactly rest (\DropLater -> Unanswers)
  Just (11, rest) -> exactly rest (\(PanicLater onHelper) -> if onHelper then Unanswers else Panics)
  Just (12, rest) -> exactly rest (\(WaitAsync ms) -> if ms > 50 then Holds else Answers (B.cons 12 (encode ms)))
  _ -> Nothing

-- | The cast the bytes decode to, by tag.
decodeCast :: ByteString -> Maybe ()
decodeCast bytes = case B.uncons bytes of
  Just (0, rest) -> exactly rest (\(Note _) -> ())
  Just (1, rest) -> exactly rest (\PanicNote -> ())
  Just (2, rest) -> exactly rest (\AnswerHeld -> ())
  _ -> Nothing

-- | The bytes as exactly one value, as Rust reads them: @store@ must consume them
-- all, and they must be the value's own encoding (@store@ reads a negative list
-- length as an empty list, where Rust refuses it).
exactly :: Store a => ByteString -> (a -> b) -> Maybe b
exactly bytes k = case decode bytes of
  Right x | encode x == bytes -> Just (k x)
  _ -> Nothing

-- | Every 'Char' of the frame is a Unicode scalar value: @store@ decodes surrogates
-- and code points past U+10FFFF, which Rust's @WireChar@ refuses.
scalars :: LoopbackFrame -> Bool
scalars frame = all scalar (loopbackFrameGlyph frame : loopbackFrameString frame)
  where
    scalar c = ord c <= 0x10FFFF && (ord c < 0xD800 || ord c > 0xDFFF)

-- | A call that the engine would sleep on for more than 50 ms, or hold until a cast
-- the property never sends.
longSleep :: Verdict Answer -> Bool
longSleep v = case v of
  Decodes (Sleeps _ ms) -> ms > 50
  Decodes Holds -> True
  _ -> False

-- | A request whose reply type the reply bytes are read as.
data Reader = AsPing | AsEcho | AsSleep | AsInjectPanic | AsGetCastCount | AsLoopback
  deriving (Show, Eq, Enum, Bounded)

-- | The reader's request's tag.
readerTag :: Reader -> Word8
readerTag = fromIntegral . fromEnum

-- | Decodes the reply as the reader's request's reply, as 'callRust' does, then
-- encodes it again with that request's tag.
reread :: Reader -> ByteString -> Either BridgeError ByteString
reread reader bytes = case reader of
  AsPing -> reencode <$> decodeReply (Proxy :: Proxy Ping) bytes
  AsEcho -> reencode <$> decodeReply (Proxy :: Proxy Echo) bytes
  AsSleep -> reencode <$> decodeReply (Proxy :: Proxy Sleep) bytes
  AsInjectPanic -> reencode <$> decodeReply (Proxy :: Proxy InjectPanic) bytes
  AsGetCastCount -> reencode <$> decodeReply (Proxy :: Proxy GetCastCount) bytes
  AsLoopback -> reencode <$> decodeReply (Proxy :: Proxy Loopback) bytes
  where
    reencode :: Store a => a -> ByteString
    reencode = B.cons (readerTag reader) . encode

-- | The reply, read as the reader's: it decodes exactly when its tag is the reader's
-- request's, and then encodes back to the same bytes; else it is 'UndecodableReply'.
readsAs :: Reader -> ByteString -> Property
readsAs reader reply = counterexample ("read as " <> show reader) $
  case reread reader reply of
    Right same -> B.take 1 reply === B.singleton (readerTag reader) .&&. same === reply
    Left (UndecodableReply _) -> B.take 1 reply =/= B.singleton (readerTag reader)
    Left other -> counterexample (show other) False

-- | A random 'maxMsgLen': mostly near the requests' sizes, sometimes anything.
limits :: Gen Word32
limits = frequency [(4, choose (0, 64)), (1, arbitrary)]

-- | @h2r_call@, as the bridge imports it: unsafe, since with @block = 0@ it never
-- blocks nor calls Haskell.
foreign import ccall unsafe "probe_h2r_call"
  rawCall :: Ptr Word8 -> CSize -> Ptr () -> CInt -> CInt -> Word64 -> Ptr Word64 -> IO CInt

-- | @h2r_reply@: unsafe, a handle lookup and a read.
foreign import ccall unsafe "probe_h2r_reply"
  rawReply :: Word64 -> Ptr (Ptr Word8) -> Ptr CSize -> IO CInt

-- | @h2r_park@: unsafe, a handle lookup and two atomic operations on a cell.
foreign import ccall unsafe "probe_h2r_park"
  rawPark :: Word64 -> Ptr () -> CInt -> IO CInt

-- | @h2r_release@: unsafe, takes a handle's cell out of the table.
foreign import ccall unsafe "probe_h2r_release"
  rawRelease :: Word64 -> IO CInt

-- | @h2r_events_subscribe@: safe, it waits for emitters to leave the slot.
foreign import ccall safe "probe_h2r_events_subscribe"
  rawSubscribe :: CSize -> IO CInt

-- | @h2r_events_unsubscribe@: safe, it waits for emitters and may call
-- @hs_try_putmvar@.
foreign import ccall safe "probe_h2r_events_unsubscribe"
  rawUnsubscribe :: IO CInt

-- | @h2r_events_park@: unsafe, it stores a token and sets a flag.
foreign import ccall unsafe "probe_h2r_events_park"
  rawEventsPark :: Ptr () -> CInt -> Ptr CInt -> IO CInt

-- | The status of a raw export's code.
statusOf :: IO CInt -> IO (Maybe Status)
statusOf = fmap statusFromCode

spec :: Spec
spec = do
  abiRefusals
  randomInput

-- | What a foreign caller can get wrong, refused without its side effect.
abiRefusals :: Spec
abiRefusals = describe "the C ABI, given what a foreign caller gets wrong" $ do
  it "refuses a null token to h2r_park, and never hands it to hs_try_putmvar" $ do
    statsBefore <- bridgeStats (Proxy :: Proxy Probe)
    withBridge defaultConfig . liftIO $ do
      handle <- submitRaw (encodeCall (Sleep 100))
      statusOf (rawPark handle nullPtr 0) `shouldReturn` Just StatusInvalidArgument
      statusOf (rawRelease handle) `shouldReturn` Just StatusOk
    -- Had Rust taken the null token, the worker would have passed it to
    -- hs_try_putmvar when the call ended, and the process would have crashed.
    statsAfter <- bridgeStats (Proxy :: Proxy Probe)
    callsWoken statsAfter `shouldBe` callsWoken statsBefore

  it "refuses a null token to h2r_events_park, and Rust takes nothing" $
    withBridge defaultConfig $ do
      liftIO $ statusOf (rawSubscribe 16) `shouldReturn` Just StatusOk
      liftIO . alloca $ \out -> do
        poke out (-1)
        statusOf (rawEventsPark nullPtr 0 out) `shouldReturn` Just StatusInvalidArgument
        peek out `shouldReturn` (-1)
      -- Had it parked, these events would hand the null token to hs_try_putmvar.
      _ <- callRust (EmitTicks 3)
      stats <- eventStats
      liftIO $ (eventTokensTaken stats, eventWakeups stats) `shouldBe` (0, 0)
      liftIO $ statusOf rawUnsubscribe `shouldReturn` Just StatusOk

  it "refuses a released handle and handles never issued, and releases nothing" $ do
    statsBefore <- bridgeStats (Proxy :: Proxy Probe)
    withBridge defaultConfig . liftIO $ do
      handle <- submitRaw (encodeCall Ping)
      let dead = [0, handle + 1, handle - 1, maxBound, 0xdeadbeef]
      mapM_ refusedEverywhere (filter (/= handle) dead)
      statusOf (rawRelease handle) `shouldReturn` Just StatusOk
      refusedEverywhere handle
    statsAfter <- bridgeStats (Proxy :: Proxy Probe)
    handlesReleased statsAfter - handlesReleased statsBefore `shouldBe` 1

  it "refuses misaligned out-pointers, and writes or queues nothing" $ do
    statsBefore <- bridgeStats (Proxy :: Proxy Probe)
    withBridge defaultConfig . liftIO $ do
      handle <- submitRaw (encodeCall Ping)
      allocaBytes 32 $ \scratch -> do
        fillBytes scratch 0xa5 32
        let misaligned = scratch `plusPtr` 1
        unsafeUseAsCStringLen (encodeCall Ping) $ \(ptr, len) ->
          statusOf (rawCall (castPtr ptr) (fromIntegral len) nullPtr 0 0 maxBound misaligned)
            `shouldReturn` Just StatusInvalidArgument
        alloca $ \outLen -> statusOf (rawReply handle misaligned outLen) `shouldReturn` Just StatusInvalidArgument
        alloca $ \outPtr -> statusOf (rawReply handle outPtr misaligned) `shouldReturn` Just StatusInvalidArgument
        peekArray 32 (castPtr scratch) `shouldReturn` replicate 32 (0xa5 :: Word8)
      statusOf (rawRelease handle) `shouldReturn` Just StatusOk
    statsAfter <- bridgeStats (Proxy :: Proxy Probe)
    callsAccepted statsAfter - callsAccepted statsBefore `shouldBe` 1

-- | Submits a call with no token and no deadline through the raw export; its
-- handle (never 0).
submitRaw :: ByteString -> IO Word64
submitRaw bytes = unsafeUseAsCStringLen bytes $ \(ptr, len) -> alloca $ \out -> do
  poke out 0
  statusOf (rawCall (castPtr ptr) (fromIntegral len) nullPtr 0 0 maxBound out) `shouldReturn` Just StatusOk
  handle <- peek out
  handle `shouldNotBe` 0
  pure handle

-- | Every export that takes a handle refuses this one with 'StatusUnknownHandle',
-- and the read writes nothing.
refusedEverywhere :: Word64 -> IO ()
refusedEverywhere handle = do
  alloca $ \outPtr -> alloca $ \outLen -> do
    poke outPtr nullPtr
    poke outLen 7
    statusOf (rawReply handle outPtr outLen) `shouldReturn` Just StatusUnknownHandle
    peek outLen `shouldReturn` 7
  statusOf (rawRelease handle) `shouldReturn` Just StatusUnknownHandle

randomInput :: Spec
randomInput = modifyMaxSuccess (max 300) $ do
  it "callRaw answers random requests with the predicted reply bytes or a typed error" $
    property . forAll limits $ \limit -> forAll (requests calls) $ \request -> forAll arbitraryBoundedEnum $ \reader ->
      let bytes = requestBytes request
          expected = verdict decodeCall limit bytes
       in -- Bytes can decode as a Sleep: a long one would only slow the property
          -- down, so it is discarded before it is sent.
          not (longSleep expected) ==> ioProperty $ do
            outcome <- withBridge defaultConfig {maxMsgLen = limit} (tryRust (callRaw bytes))
            pure . label (verdictLabel expected) . label (requestKind request) . counterexample (show outcome) $
              case (expected, outcome) of
                (TooLong len lim, Left err) -> err === MessageTooLong len lim
                (Undecodable, Left err) -> err === UndecodableRequest
                (Decodes (Answers reply), Right actual) -> actual === reply .&&. readsAs reader actual
                (Decodes (Sleeps tag _), Right actual) -> actual === B.singleton tag .&&. readsAs reader actual
                (Decodes Unanswers, Left err) -> err === Unanswered
                (Decodes Panics, Left (EnginePanicked why)) -> counterexample why ("injected panic" `isInfixOf` why)
                _ -> counterexample "not the predicted outcome" False

  it "castRaw delivers or refuses random messages, and the engine counts exactly those delivered" $
    property . forAll limits $ \limit -> forAll (requests casts) $ \request -> ioProperty $ do
      let bytes = requestBytes request
          expected = verdict decodeCast limit bytes
      (outcome, counted) <- withBridge defaultConfig {maxMsgLen = limit} $ do
        outcome <- tryRust (castRaw bytes)
        -- GetCastCount is one byte: a limit of 0 refuses it too.
        (,) outcome <$> if limit > 0 then Just <$> callRust GetCastCount else pure Nothing
      let delivered = isRight outcome
      pure . label (verdictLabel expected) . label (requestKind request) . counterexample (show outcome) $
        counted === ((if delivered then 1 else 0) <$ counted)
          .&&. case (expected, outcome) of
            (TooLong len lim, Left err) -> err === MessageTooLong len lim
            (Undecodable, Left err) -> err === UndecodableRequest
            (Decodes (), Right ()) -> property True
            _ -> counterexample "not the predicted outcome" False
