# The Rust half, built with crane: the static library the Haskell package links,
# plus one check derivation per concern (tests, clippy, rustfmt, rustdoc).
{ pkgs, crane }:
let
  # crane's default toolchain is nixpkgs' cargo/rustc/clippy/rustfmt. At the pinned
  # nixpkgs these are far newer than the 1.85 that edition 2024 needs.
  craneLib = crane.mkLib pkgs;

  # The crate lives in rs/, not at the flake root. cleanCargoSource keeps only what
  # cargo reads (*.rs, *.toml, Cargo.lock, .cargo/config*), so editing hs/, nix/ or
  # docs does not rebuild Rust. If rs/fuzz/ (a cargo-fuzz crate with a workspace
  # of its own) exists, it survives the filter, harmlessly: buildDepsOnly only
  # stubs its sources, dependencies are vendored from rs/Cargo.lock alone, and
  # every cargo command below runs in rs/'s workspace, which excludes fuzz/.
  src = craneLib.cleanCargoSource ../rs;

  commonArgs = {
    inherit src;
    # Read from rs/Cargo.toml directly: with the crate in a subdirectory, naming
    # the file explicitly says where pname and version come from.
    inherit (craneLib.crateNameFromCargoToml { cargoToml = ../rs/Cargo.toml; }) pname version;
    strictDeps = true;
    # Nothing here sets doCheck: leaving it at crane's default keeps
    # buildDepsOnly compiling the dev-dependencies (proptest) into
    # cargoArtifacts and keeps cargoTest actually running the tests.
  };

  # Dependencies only, built once and reused by every derivation below.
  cargoArtifacts = craneLib.buildDepsOnly commonArgs;

  staticLib = craneLib.buildPackage (
    commonArgs
    // {
      inherit cargoArtifacts;
      # Only this derivation skips the tests, and only because checks.rs-test
      # already runs them with the same artifacts; running them again here would
      # double the test time and prove nothing new. Never move this into commonArgs:
      # cargoTest inherits doCheck from there and would then run no tests.
      doCheck = false;
      # crane's default install reads cargo's JSON build log and copies every
      # artifact of a `staticlib`, `cdylib` or `dylib` target (rlibs excluded) to
      # $out/lib, so librs_in_hs.a lands in $out/lib without a custom installPhase.
      # This guard turns any change in that behaviour (or in the crate-type) into
      # a build failure here instead of a link error in the Haskell build.
      postInstall = ''
        if [ ! -f "$out/lib/librs_in_hs.a" ]; then
          echo "rs-lib: expected $out/lib/librs_in_hs.a; is crate-type still [\"staticlib\", \"rlib\"]?" >&2
          exit 1
        fi
      '';
      meta.description = "Rust static library of rs-in-hs (lib/librs_in_hs.a)";
    }
  );

  checks = {
    # The static library builds (and contains lib/librs_in_hs.a).
    rs-build = staticLib;

    # `cargo test` in release, reusing the dev-dependencies compiled above.
    # The golden tests read fixtures/wire, which cleanCargoSource leaves out of
    # `src`; a store copy of that directory is handed to them instead.
    rs-test = craneLib.cargoTest (
      commonArgs
      // {
        inherit cargoArtifacts;
        RS_IN_HS_FIXTURES = "${../fixtures/wire}";
      }
    );

    rs-clippy = craneLib.cargoClippy (
      commonArgs
      // {
        inherit cargoArtifacts;
        cargoClippyExtraArgs = "--all-targets -- --deny warnings";
      }
    );

    # rustfmt needs no compiled dependencies, only the sources.
    rs-fmt = craneLib.cargoFmt { inherit (commonArgs) src pname version; };

    # STYLE.md keeps `cargo doc` free of warnings too.
    rs-doc = craneLib.cargoDoc (
      commonArgs
      // {
        inherit cargoArtifacts;
        env.RUSTDOCFLAGS = "--deny warnings";
      }
    );
  };
in
{
  inherit craneLib staticLib checks;
}
