#!/usr/bin/env bash
# prepare-boot.sh CACHE_DIR [KERNEL_RELEASE]
#
# Makes the two files the real-stack VM boots, in CACHE_DIR, and reuses them
# while the kernel and this script are unchanged:
#   vmlinux-<release>    the uncompressed ELF kernel: qemu boots it through PVH,
#                        which saves the ~4 s an xz bzImage costs to unpack
#                        under TCG.
#   initramfs-<release>  static busybox + the virtio/9p/overlay modules, just
#                        enough to mount the host's / over 9p with a tmpfs
#                        overlay and hand over to tests/vm/guest-run.sh.
# Prints the two paths, one a line. Exit 77 (and says why) when something it
# needs is missing, so the caller can report a skip.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: prepare-boot.sh CACHE_DIR [KERNEL_RELEASE]}
skip() { printf 'prepare-boot: %s\n' "$*" >&2; exit 77; }

release=${2:-}
if [ -z "$release" ]; then
	# The newest Debian kernel whose modules are installed.
	for img in $(ls -1v /boot/vmlinuz-* 2>/dev/null | tac); do
		r=${img#/boot/vmlinuz-}
		[ -d "/lib/modules/$r/kernel" ] && { release=$r; break; }
	done
fi
[ -n "$release" ] || skip "no /boot/vmlinuz-* with modules in /lib/modules (install linux-image-amd64)"
[ -r "/boot/vmlinuz-$release" ] || skip "/boot/vmlinuz-$release is not readable"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	{ [ -x /bin/busybox ] && busybox=/bin/busybox; }
[ -n "$busybox" ] || skip "no busybox (install busybox-static)"
command -v cpio >/dev/null || skip "no cpio"

mkdir -p "$cache"
vmlinux=$cache/vmlinux-$release
initramfs=$cache/initramfs-$release.cpio.gz

# --- vmlinux: find the compressed payload inside the bzImage and unpack it ---
is_elf() { [ "$(head -c4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }
if [ ! -s "$vmlinux" ] || [ "/boot/vmlinuz-$release" -nt "$vmlinux" ]; then
	tmp=$(mktemp "$vmlinux.XXXXXX")
	found=0
	# Magic numbers of the compressors a Debian kernel may use (xz, zstd, gzip).
	for spec in 'fd377a585a00:xz -dc' '28b52ffd:zstd -dc' '1f8b0800:gzip -dc'; do
		magic=${spec%%:*}
		unpack=${spec#*:}
		tool=${unpack%% *}
		command -v "$tool" >/dev/null || continue
		for off in $(LC_ALL=C grep -obUaP "$(sed 's/../\\x&/g' <<<"$magic")" \
			"/boot/vmlinuz-$release" | cut -d: -f1); do
			tail -c+$((off + 1)) "/boot/vmlinuz-$release" | $unpack >"$tmp" 2>/dev/null || true
			if is_elf "$tmp"; then found=1; break 2; fi
		done
	done
	[ "$found" = 1 ] || { rm -f "$tmp"; skip "could not extract an ELF vmlinux from /boot/vmlinuz-$release"; }
	mv "$tmp" "$vmlinux"
fi

# --- initramfs ---
modules=(virtio_pci 9pnet_virtio 9p overlay)
if [ ! -s "$initramfs" ] || [ "$here/prepare-boot.sh" -nt "$initramfs" ] ||
	[ "$here/initramfs-init.sh" -nt "$initramfs" ] || [ "$busybox" -nt "$initramfs" ]; then
	root=$(mktemp -d "$cache/initramfs-root.XXXXXX")
	trap 'rm -rf "$root"' EXIT
	mkdir -p "$root"/{bin,dev,proc,sys,lower,upper,newroot,modules}
	cp "$busybox" "$root/bin/busybox"
	cp "$here/initramfs-init.sh" "$root/init"
	chmod 755 "$root/init"
	# Load order from modprobe itself, duplicates dropped (virtio is in
	# several chains); modules built into the kernel print "builtin" and are skipped.
	: >"$root/modules/order"
	for m in "${modules[@]}"; do
		modprobe -S "$release" --show-depends "$m" || skip "modprobe cannot resolve $m for $release"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
		base=$(basename "$ko")
		case $base in
		*.ko) cp "$ko" "$root/modules/$base" ;;
		*.ko.xz) xz -dc "$ko" >"$root/modules/${base%.xz}"; base=${base%.xz} ;;
		*.ko.zst) zstd -qdc "$ko" >"$root/modules/${base%.zst}"; base=${base%.zst} ;;
		*) skip "unknown module format: $ko" ;;
		esac
		echo "$base" >>"$root/modules/order"
	done
	tmp=$(mktemp "$initramfs.XXXXXX")
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$tmp"
	mv "$tmp" "$initramfs"
fi
printf '%s\n%s\n' "$vmlinux" "$initramfs"
