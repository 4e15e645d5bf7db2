-- | The hspec suite of the bridge, run against the probe engine: one spec module per
-- concern, all run by @just test@.
module Main (main) where

import qualified BadInputSpec
import qualified BridgeSpec
import qualified EventsSpec
import qualified FaultSpec
import qualified LaterSpec
import qualified SchemaSpec
import qualified StaleSpec
import qualified StartSpec
import qualified StatusSpec
import Test.Hspec
import qualified TypeErrorSpec
import qualified WireSpec

main :: IO ()
main =
  hspec $ do
    describe "bridge" BridgeSpec.spec
    describe "events" EventsSpec.spec
    describe "typed calls (compile errors)" TypeErrorSpec.spec
    describe "wire" WireSpec.spec
    describe "schema" SchemaSpec.spec
    describe "status codes" StatusSpec.spec
    describe "faults" FaultSpec.spec
    describe "reply cell: polling, parking, dropped calls" StaleSpec.spec
    describe "bad input (QuickCheck)" BadInputSpec.spec
    describe "answer later" LaterSpec.spec
    describe "start-up parameters" StartSpec.spec
