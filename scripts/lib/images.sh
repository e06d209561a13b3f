# The image recipes of the test worlds (scripts/make-world, scripts/with-libvirtd):
# real images made with qemu-img, each a case the tests assert on. Source it;
# it defines functions only. Every function takes the folder to make the
# images in; names inside an image are relative, as libvirt's snapshots write them.

# qemu-img, quiet.
image_q() { qemu-img "$@" >/dev/null; }

# image_chain DIR: a healthy three-layer chain, base.qcow2 <- mid.qcow2 <- top.qcow2
# (1 GiB, backing formats recorded).
image_chain() {
  image_q create -f qcow2 "$1/base.qcow2" 1G
  image_q create -f qcow2 -F qcow2 -b base.qcow2 "$1/mid.qcow2"
  image_q create -f qcow2 -F qcow2 -b mid.qcow2 "$1/top.qcow2"
}

# image_overlay DIR NAME BACKING FORMAT: NAME, a qcow2 overlay on BACKING (of FORMAT).
image_overlay() { image_q create -f qcow2 -F "$4" -b "$3" "$1/$2"; }

# image_raw DIR NAME SIZE: a raw image.
image_raw() { image_q create -f raw "$1/$2" "$3"; }

# image_protocol_seed DIR NAME: libvirt's seed image qcow2-protocol-backing-file:
# NAME, a qcow2 whose recorded backing format is the protocol "file", over the
# 10 MiB raw image "raw".
image_protocol_seed() {
  image_q create -f raw "$1/raw" 10M
  (cd "$1" && image_q create -f qcow2 -F file -b raw "$2")
}

# image_nbd_seed DIR NAME: libvirt's seed image qcow2-protocol-backing-nbd: NAME,
# a 10 MiB qcow2 whose backing is an NBD URL with the protocol "nbd" as its format.
image_nbd_seed() {
  image_q create -f qcow2 -F nbd -b nbd+tcp://example.org:6000/blah -u "$1/$2" 10M
}

# image_missing_backing DIR: missing-backing.qcow2, whose backing file gone.qcow2 has gone away.
image_missing_backing() {
  image_q create -f qcow2 "$1/gone.qcow2" 1G
  image_q create -f qcow2 -F qcow2 -b gone.qcow2 "$1/missing-backing.qcow2"
  rm "$1/gone.qcow2"
}

# image_loop DIR: a loop, loop-a.qcow2 -> loop-b.qcow2 -> loop-a.qcow2.
image_loop() {
  image_q create -f qcow2 "$1/loop-a.qcow2" 1G
  image_q create -f qcow2 -F qcow2 -b loop-a.qcow2 "$1/loop-b.qcow2"
  image_q rebase -u -F qcow2 -b loop-b.qcow2 "$1/loop-a.qcow2"
}

# image_corrupt DIR: corrupt.qcow2 with the corrupt bit set
# (incompatible_features, a big-endian u64 at offset 72: bit 1 is byte 79's 0x02).
image_corrupt() {
  image_q create -f qcow2 "$1/corrupt.qcow2" 1G
  printf '\x02' | dd of="$1/corrupt.qcow2" bs=1 seek=79 conv=notrunc status=none
}

# image_boot_disk DIR: boot.raw, 16 MiB, whose boot sector reads sector 1 of the
# boot disk about 20 times a second (int 13h AH=02, then int 15h AH=86h waits
# 50 ms, so TCG does not burn a core), so a running domain's block counters move:
#   xor ax,ax; mov ds,ax; mov es,ax; sti
#   L: mov ah,2; mov al,1; mov ch,0; mov cl,1; mov dh,0; mov bx,0x8000; int 0x13
#      push dx; mov ah,0x86; mov cx,0; mov dx,50000; int 0x15; pop dx; jmp L
image_boot_disk() {
  image_q create -f raw "$1/boot.raw" 16M
  printf '\x31\xc0\x8e\xd8\x8e\xc0\xfb\xb4\x02\xb0\x01\xb5\x00\xb1\x01\xb6\x00\xbb\x00\x80\xcd\x13\x52\xb4\x86\xb9\x00\x00\xba\x50\xc3\xcd\x15\x5a\xeb\xe3' |
    dd of="$1/boot.raw" conv=notrunc status=none
  printf '\x55\xaa' | dd of="$1/boot.raw" bs=1 seek=510 conv=notrunc status=none
}
