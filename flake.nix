{
  description = "rs-in-hs: host a Rust engine in a Haskell program (a generic bridge, its test engine, and example apps)";

  # This block is exactly the one shared/nix/flake.lock was made for (see
  # shared/nix/README.md): GitHub is unreachable from the project's machines, so the
  # lock cannot be regenerated here, and any other input name or URL makes it stale.
  # scripts/check-nix verifies the block and the lock's root inputs offline.
  # nixpkgs follows haskell.nix's own pin: cache.iog.io only holds GHCs built
  # against the nixpkgs revisions haskell.nix ships, so a separate nixpkgs would
  # mean building GHC from source.
  inputs = {
    haskellNix.url = "github:input-output-hk/haskell.nix";
    nixpkgs.follows = "haskellNix/nixpkgs-unstable";
    crane.url = "github:ipetkov/crane";
  };

  # No `nixConfig` substituters here on purpose: Nix ignores them for untrusted
  # users (the normal case on CI runners and shared machines) and prompts
  # everyone else. The cache.iog.io substituter belongs in the Nix installation's
  # own config; .github/workflows/ci.yml does that through the installer.

  outputs =
    {
      nixpkgs,
      haskellNix,
      crane,
      ...
    }:
    let
      # Only x86_64-linux: it is the one system the project builds and tests on.
      # Other systems would be untested claims.
      system = "x86_64-linux";

      pkgs = import nixpkgs {
        inherit system;
        overlays = [ haskellNix.overlay ];
        # haskell.nix's own nixpkgs config, as its docs require: the derivations
        # then match the ones its CI built and pushed to cache.iog.io.
        inherit (haskellNix) config;
      };

      rust = import ./nix/rust.nix { inherit pkgs crane; };

      haskell = import ./nix/haskell.nix {
        inherit pkgs;
        # The crane-built engine libraries are handed to haskell.nix here; see
        # nix/haskell.nix for how each replaces its package's `extra-libraries`.
        inherit (rust)
          probeLib
          mixerLib
          mixerSharedLib
          minimalLib
          ;
      };
    in
    {
      packages.${system} = {
        # The engines' static libraries (lib/lib<engine>.a)
        probe-lib = rust.probeLib;
        mixer-lib = rust.mixerLib;
        minimal-lib = rust.minimalLib;
        # The bridge's Haskell library component
        hs-lib = haskell.library;
        # The mixer demo's benchmark executable
        bench = haskell.bench;
        # The mixer's script host (bin/rs-in-hs-script FILE)
        script-host = haskell.scriptHost;
        default = haskell.bench;
      };

      apps.${system}.default = {
        type = "app";
        program = "${haskell.bench}/bin/mixer-bench";
        meta.description = "Run the mixer demo's benchmark of rs-in-hs";
      };

      # One derivation per concern, as in crane's quick-start: each one fails on its
      # own so CI says which concern broke. The Rust ones share one buildDepsOnly.
      checks.${system} = rust.checks // haskell.checks;

      devShells.${system}.default = rust.craneLib.devShell {
        # crane's devShell adds cargo, rustc, clippy and rustfmt and takes the
        # inputs of the Rust checks. The Haskell side (GHC with every dependency
        # of every component, cabal, hlint, ormolu) comes from haskell.nix's
        # shellFor. The Haskell checks are not listed: their derivations only
        # wrap built components, which shellFor already covers.
        checks = rust.checks;
        inputsFrom = [ haskell.shell ];
        packages = [ pkgs.just ];
      };
    };
}
