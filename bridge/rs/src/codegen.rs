//! Haskell code generation (in progress).
