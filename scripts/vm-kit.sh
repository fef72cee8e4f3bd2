#!/usr/bin/env bash
# Builds the kit the VM tests boot: a Debian kernel, its virtio modules, busybox-static and an
# initramfs holding our guest program (scripts/vm-guest/init). Everything lands in .cache/vm/
# (git-ignored):
#   vmlinuz        the kernel of the linux-image package that linux-image-amd64 depends on
#   initrd.gz      init + bin/busybox + lib/modules/*.ko, packed with busybox cpio and gzip
#   modules/       the virtio modules, kept so the initrd can be rebuilt without downloading
#   busybox        the static busybox
#   kernel-version the package version the kernel came from
# Idempotent: only the first run downloads (~71 MB of .deb, removed afterwards); a later run
# only repacks the initrd when the guest program changed. Usage: scripts/vm-kit.sh [--force]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KIT="${SANPOOL_VM_KIT:-$ROOT/.cache/vm}"
GUEST_INIT="$ROOT/scripts/vm-guest/init"

# Load order matters: busybox insmod does not resolve dependencies (the .deb has no
# modules.dep), so each module comes after the ones its depends= line names.
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk)

kit_log() { printf '==> vm-kit: %s\n' "$*" >&2; }
kit_die() { printf 'error: vm-kit: %s\n' "$*" >&2; exit 1; }

# Scratch directories (the unpacked .deb files are ~400 MB) go whatever happens.
CLEANUP=()
cleanup() { [[ ${#CLEANUP[@]} -eq 0 ]] || rm -rf "${CLEANUP[@]}"; }
trap cleanup EXIT

[[ "${1:-}" == "--force" ]] && rm -rf "$KIT"
mkdir -p "$KIT"

# The concrete kernel package, e.g. linux-image-6.1.0-56-amd64 (the meta package only depends).
kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null \
        | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

# Downloads and unpacks the kernel, the modules and busybox into $KIT (first run only).
fetch_parts() {
    command -v apt-get >/dev/null || kit_die "apt-get is needed to download the kernel and busybox"
    local pkg work
    pkg="$(kernel_package)"
    if [[ -z "$pkg" ]]; then
        kit_log "no linux-image-amd64 in the package lists; running apt-get update"
        apt-get update >&2
        pkg="$(kernel_package)"
    fi
    [[ -n "$pkg" ]] || kit_die "cannot tell which kernel package linux-image-amd64 depends on"

    work="$(mktemp -d "$KIT/.fetch.XXXXXX")"
    CLEANUP+=("$work")
    kit_log "downloading $pkg and busybox-static"
    # apt's _apt sandbox user cannot write here; the download then runs as the caller (harmless warning).
    (cd "$work" && apt-get download "$pkg" busybox-static 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) \
        || kit_die "apt-get download $pkg busybox-static failed"
    dpkg -x "$work"/linux-image-*.deb "$work/kernel"
    dpkg -x "$work"/busybox-static_*.deb "$work/busybox"

    local vmlinuz mod file
    vmlinuz="$(find "$work/kernel/boot" -name 'vmlinuz-*' | head -n 1)"
    [[ -n "$vmlinuz" ]] || kit_die "$pkg has no /boot/vmlinuz-*"
    mkdir -p "$work/modules"
    for mod in "${MODULES[@]}"; do
        file="$(find "$work/kernel/lib/modules" -name "$mod.ko" | head -n 1)"
        [[ -n "$file" ]] || kit_die "$pkg has no $mod.ko (compressed modules are not supported)"
        cp "$file" "$work/modules/"
    done

    # Move into place last, vmlinuz at the very end: its presence means the parts are complete.
    rm -rf "$KIT/modules"
    mv "$work/modules" "$KIT/modules"
    cp "$work/busybox/bin/busybox" "$KIT/busybox"
    local deb
    deb="$(echo "$work"/linux-image-*.deb)"
    echo "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" > "$KIT/kernel-version"
    cp "$vmlinuz" "$KIT/vmlinuz.new"
    mv "$KIT/vmlinuz.new" "$KIT/vmlinuz"
}

# Packs init, busybox and the modules into initrd.gz (newc cpio, as the kernel wants it).
pack_initrd() {
    local stage
    stage="$(mktemp -d "$KIT/.initrd.XXXXXX")"
    CLEANUP+=("$stage")
    mkdir -p "$stage"/{bin,dev,proc,sys,tmp,lib/modules}
    cp "$KIT/busybox" "$stage/bin/busybox"
    cp "$GUEST_INIT" "$stage/init"
    chmod 755 "$stage/init" "$stage/bin/busybox"
    local mod
    for mod in "${MODULES[@]}"; do
        cp "$KIT/modules/$mod.ko" "$stage/lib/modules/"
    done
    printf '%s\n' "${MODULES[@]}" > "$stage/lib/modules/load-order"
    (cd "$stage" && find . | LC_ALL=C sort | "$KIT/busybox" cpio -o -H newc 2>/dev/null | "$KIT/busybox" gzip -9) \
        > "$KIT/initrd.gz.new"
    mv "$KIT/initrd.gz.new" "$KIT/initrd.gz"
    kit_log "packed $KIT/initrd.gz ($(stat -c %s "$KIT/initrd.gz") bytes)"
}

[[ -f "$GUEST_INIT" ]] || kit_die "missing guest program $GUEST_INIT"

if [[ ! -f "$KIT/vmlinuz" || ! -x "$KIT/busybox" ]]; then
    fetch_parts
fi

# Repack when the guest program (or this script) is newer than the initrd.
if [[ ! -f "$KIT/initrd.gz" || "$GUEST_INIT" -nt "$KIT/initrd.gz" || "${BASH_SOURCE[0]}" -nt "$KIT/initrd.gz" ]]; then
    pack_initrd
fi

kit_log "ready in $KIT ($(cat "$KIT/kernel-version"))"
