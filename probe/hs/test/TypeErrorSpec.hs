{-# LANGUAGE DataKinds #-}
{-# LANGUAGE DeriveAnyClass #-}
{-# LANGUAGE DeriveGeneric #-}
{-# LANGUAGE TypeFamilies #-}
{-# OPTIONS_GHC -fdefer-type-errors -Wno-deferred-type-errors #-}

-- | Typed calls as compile errors: asking for another reply type than the request's,
-- calling a request of another protocol, casting a request and calling a cast do not
-- compile. This module is compiled with @-fdefer-type-errors@, so each ill-typed
-- expression becomes a runtime error that 'shouldNotTypecheck' expects. A type error
-- anywhere else in the module is deferred too, and fails the test that evaluates it;
-- the control test shows that a well-typed call passes through the same helper.
module TypeErrorSpec (spec) where

import Probe.Protocol
import RustBridge
import RustBridge.Protocol (Generic, Protocol (..), Store, WireSchema, Word64)
import Test.Hspec
import Test.ShouldNotTypecheck (shouldNotTypecheck)

-- | A second protocol with one call, so that a test can send its request inside
-- @'Rust' 'Probe'@.
data Other

instance Protocol Other where
  type Calls Other = '[OtherCall]
  type Casts Other = '[]

-- | The one call of 'Other'.
data OtherCall = OtherCall
  deriving (Generic, Store, WireSchema)

instance Call OtherCall where
  type CallProtocol OtherCall = Other
  type Reply OtherCall = ()

-- | Forces the action to weak head normal form, where a deferred type error fires;
-- the action itself never runs.
evaluated :: Rust p a -> ()
evaluated action = action `seq` ()

spec :: Spec
spec = do
  it "accepts the request's own reply type (the control)" $
    evaluated (callRust Ping :: Rust Probe Pong) `shouldBe` ()
  it "refuses another reply type than the request's" $
    shouldNotTypecheck (evaluated (callRust Ping :: Rust Probe Word64))
  it "refuses a request of another protocol" $
    shouldNotTypecheck (evaluated (callRust OtherCall :: Rust Probe ()))
  it "refuses a request sent as a cast" $
    shouldNotTypecheck (evaluated (castRust Ping :: Rust Probe ()))
  it "refuses a cast sent as a call" $
    shouldNotTypecheck (evaluated (callRust (Note 1) :: Rust Probe ()))
