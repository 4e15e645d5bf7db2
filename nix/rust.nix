# The Rust half, built with crane: one derivation per crate (the bridge library and
# each engine's static library), plus one check per concern (tests, clippy,
# rustfmt, rustdoc) over the whole workspace.
{ pkgs, crane }:
let
  inherit (pkgs) lib;

  # crane's default toolchain is nixpkgs' cargo/rustc/clippy/rustfmt. At the pinned
  # nixpkgs these are far newer than the 1.85 that edition 2024 needs.
  craneLib = crane.mkLib pkgs;

  # What cargo reads (*.rs, *.toml, Cargo.lock), so editing Haskell, Nix or docs does
  # not rebuild Rust. The workspace lives at the repository root; probe/rs/fuzz has a
  # workspace of its own, which the root one excludes, so no command below builds it.
  cargoSrc = craneLib.cleanCargoSource ../.;

  # The tests also read files cargo does not: the golden vectors, the status-code
  # fixture, the generated Haskell modules that tests/generated.rs compares with
  # what the generator writes now, and the README whose "Answer later" code the
  # waiter example checks.
  testSrc = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      (craneLib.fileset.commonCargoSources ../.)
      ../bridge/fixtures
      ../examples/mixer/golden
      ../probe/hs/src/Probe/Protocol.hs
      ../probe/hs/src/Probe/Starter.hs
      ../examples/mixer/hs/src/Mixer/Protocol.hs
      ../examples/minimal/hs/src/Counter/Protocol.hs
      ../README.md
    ];
  };

  commonArgs = {
    src = cargoSrc;
    # The workspace root has no [package]; the derivations are named here.
    pname = "rs-in-hs-workspace";
    version = "0.1.0";
    strictDeps = true;
    # Nothing here sets doCheck: leaving it at crane's default keeps
    # buildDepsOnly compiling the dev-dependencies (proptest) into
    # cargoArtifacts and keeps cargoTest actually running the tests.
  };

  # Dependencies only, built once and reused by every derivation below.
  cargoArtifacts = craneLib.buildDepsOnly commonArgs;

  # One crate's release build. An engine crate's staticlib lands in $out/lib (crane's
  # install copies every staticlib, cdylib and dylib artifact); the guard turns a
  # change in that behaviour, or in the crate-type, into a failure here instead of a
  # link error in the Haskell build. A crate that is also a cdylib (sharedLib) gets
  # its .so moved to $out/shared: a linker that finds a .so beside the .a picks the
  # .so, and $out/lib is what the statically linked programs link. Either library is
  # named after the crate, as cargo names it (dashes become underscores).
  crate =
    {
      pname,
      staticLib ? false,
      sharedLib ? false,
    }:
    let
      libName = lib.replaceStrings [ "-" ] [ "_" ] pname;
    in
    craneLib.buildPackage (
      commonArgs
      // {
        inherit cargoArtifacts pname;
        inherit (craneLib.crateNameFromCargoToml { cargoToml = cargoTomlOf pname; }) version;
        cargoExtraArgs = "--locked --package ${pname}";
        # checks.rs-test runs every test with the same artifacts; running them again
        # per crate would prove nothing new. Never move this into commonArgs:
        # cargoTest inherits doCheck from there and would then run no tests.
        doCheck = false;
        postInstall =
          lib.optionalString staticLib ''
            if [ ! -f "$out/lib/lib${libName}.a" ]; then
              echo "${pname}: expected $out/lib/lib${libName}.a; is \"staticlib\" still in crate-type?" >&2
              exit 1
            fi
          ''
          + lib.optionalString sharedLib ''
            if [ ! -f "$out/lib/lib${libName}.so" ]; then
              echo "${pname}: expected $out/lib/lib${libName}.so; is \"cdylib\" still in crate-type?" >&2
              exit 1
            fi
            mkdir -p "$out/shared"
            mv "$out/lib/lib${libName}.so" "$out/shared/"
          '';
        meta.description = "rs-in-hs workspace crate ${pname}";
      }
    );

  cargoTomlOf =
    pname:
    {
      rs-in-hs = ../bridge/rs/Cargo.toml;
      rs-in-hs-probe = ../probe/rs/Cargo.toml;
      mixer-engine = ../examples/mixer/rs/Cargo.toml;
      minimal-engine = ../examples/minimal/rs/Cargo.toml;
      waiter-engine = ../examples/waiter/rs/Cargo.toml;
    }
    .${pname};

  # An engine crate: a staticlib, which the Haskell programs link.
  engine =
    pname:
    crate {
      inherit pname;
      staticLib = true;
    };

  bridge = crate { pname = "rs-in-hs"; };
  probeLib = engine "rs-in-hs-probe";
  mixerLib = crate {
    pname = "mixer-engine";
    staticLib = true;
    sharedLib = true;
  };
  # The mixer engine's shared library alone in lib/, for the dynamically linked
  # script host (haskell.nix turns each entry of a component's libs into
  # --extra-lib-dirs=<entry>/lib).
  mixerSharedLib = pkgs.runCommand "mixer-engine-shared" { } ''
    mkdir -p "$out/lib"
    ln -s ${mixerLib}/shared/libmixer_engine.so "$out/lib/"
  '';
  minimalLib = engine "minimal-engine";
  waiterLib = engine "waiter-engine";

  checks = {
    rs-bridge = bridge;
    rs-probe-lib = probeLib;
    rs-mixer-lib = mixerLib;
    rs-minimal-lib = minimalLib;
    rs-waiter-lib = waiterLib;

    # `cargo test --workspace` in release, reusing the dev-dependencies compiled above.
    rs-test = craneLib.cargoTest (
      commonArgs
      // {
        inherit cargoArtifacts;
        src = testSrc;
        cargoTestExtraArgs = "--workspace";
      }
    );

    rs-clippy = craneLib.cargoClippy (
      commonArgs
      // {
        inherit cargoArtifacts;
        cargoClippyExtraArgs = "--workspace --all-targets -- --deny warnings";
      }
    );

    # rustfmt needs no compiled dependencies, only the sources.
    rs-fmt = craneLib.cargoFmt { inherit (commonArgs) src pname version; };

    # `cargo doc` stays free of warnings too.
    rs-doc = craneLib.cargoDoc (
      commonArgs
      // {
        inherit cargoArtifacts;
        cargoDocExtraArgs = "--workspace --no-deps";
        env.RUSTDOCFLAGS = "--deny warnings";
      }
    );
  };
in
{
  inherit
    craneLib
    probeLib
    mixerLib
    mixerSharedLib
    minimalLib
    checks
    ;
}
