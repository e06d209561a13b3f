# How the executables users run are built: by scripts/package and the
# benchmarks that measure what the package installs. Source it; it defines
# release_build_flags.
#   --static-swift-stdlib  no Swift runtime needed on the host
#   lld, pack-relative-relocs  the static binaries' 40,000 relative relocations
#     as a 7 KiB DT_RELR table instead of 950 KiB of RELA entries read and
#     applied at every start (glibc 2.36, Debian 12, applies RELR): inspect
#     starts about 0.7 ms sooner with 0.8 MB less resident
release_build_flags=(-c release --static-swift-stdlib --scratch-path .build/package
                     -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs)
