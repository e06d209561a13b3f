# How the executables users run are built: by scripts/package and the
# benchmarks that measure what the package installs. Source it; it defines
# release_build_flags, and launcher_build_flags for virt-agentx itself.
#   --static-swift-stdlib  no Swift runtime needed on the host
#   lld, pack-relative-relocs  the static binaries' 40,000 relative relocations
#     as a 7 KiB DT_RELR table instead of 950 KiB of RELA entries read and
#     applied at every start (glibc 2.36, Debian 12, applies RELR): inspect
#     starts about 0.7 ms sooner with 0.8 MB less resident
release_build_flags=(-c release --static-swift-stdlib --scratch-path .build/package
                     -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs)
# virt-agentx (inspect, and the hand-over to the others) links no C library but
# libc: released as a static executable, glibc included, no dynamic loader or
# symbol resolution runs at start (about 3 ms and 2 MB less than the same code
# linked to libc.so and libstdc++.so). In a scratch folder of its own: the flag
# changes every module's build.
launcher_build_flags=(-c release --static-swift-stdlib --scratch-path .build/package-launcher
                      -Xswiftc -static-executable -Xswiftc -use-ld=lld
                      -Xlinker -z -Xlinker pack-relative-relocs)

# release_flags PRODUCT: the flags PRODUCT is released with (into the array
# named by $2, default flags).
release_flags() {
  local -n into=${2:-flags}
  if [[ $1 == virt-agentx ]]; then into=("${launcher_build_flags[@]}"); else into=("${release_build_flags[@]}"); fi
}
# release_build PRODUCT: builds PRODUCT as it is released; release_binary PRODUCT
# prints the path of the built executable.
release_build() { local flags; release_flags "$1"; swift build "${flags[@]}" --product "$1"; }
release_binary() { local flags; release_flags "$1"; echo "$(swift build "${flags[@]}" --show-bin-path)/$1"; }
