-- | 'WireText': text that crosses the boundary as UTF-8, whatever the @text@
-- package's version. @store@'s own 'Data.Text.Text' instance copies the text's
-- internal array: UTF-16 with text-1.2 (Debian's GHC 9.0.2), UTF-8 with text-2 (the
-- Nix build's GHC 9.8), so the two builds would disagree with each other and the
-- first with Rust. This type's instance always writes a 64-bit length and the UTF-8
-- bytes, as Rust's @WireText@ does (@bridge/rs/src/wire/leaves.rs@).
module WireText
  ( WireText (..),
  )
where

import Data.Store (Size (..), Store (..))
import Data.Store.Internal (getSize)
import Data.Text (Text)
import Data.Text.Encoding (decodeUtf8', encodeUtf8)

-- | Text on the wire: a @Word64@ byte count, then UTF-8.
newtype WireText = WireText {fromWireText :: Text}
  deriving (Eq, Ord, Show)

-- | Encodes through a 'Data.ByteString.ByteString' (length then bytes); decoding
-- refuses invalid UTF-8 with a 'Data.Store.PeekException'.
instance Store WireText where
  size = VarSize (getSize . encodeUtf8 . fromWireText)
  poke = poke . encodeUtf8 . fromWireText
  peek = peek >>= either (fail . ("invalid UTF-8 in WireText: " <>) . show) (pure . WireText) . decodeUtf8'
