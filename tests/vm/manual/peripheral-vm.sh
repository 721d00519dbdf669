#!/usr/bin/env bash
# A hand runner for the peripheral real-stack tests, used while the real-stack
# harness (tests/vm/, issue 7 item 1) was not in main. Not part of ctest.
#
#   tests/vm/manual/peripheral-vm.sh BUILD_DIR [GATT_CHANNELS]
#
# Boots Debian's kernel under QEMU/TCG on the host's / (read-only 9p + tmpfs
# overlay), starts a system dbus-daemon, `btvirt -L -l2` (hci0, hci1) and
# bluetoothd with [GATT] Channels = GATT_CHANNELS (default 1), runs
# tests/vm/tests/test-peripheral-*.sh inside and prints their output.
# Facts from shared/real-stack.md, plus one seen here: on a loaded host the
# kernel's 2 s HCI command timeout can hit a btvirt controller's first Reset
# ("hci0: Opcode 0x0c03 failed: -110"); the controller is then dead, so btvirt
# is started again until both come up.
set -euo pipefail
src=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(cd "${1:?usage: peripheral-vm.sh BUILD_DIR [GATT_CHANNELS]}" && pwd)
channels=${2:-1}
work=$(mktemp -d /tmp/peripheral-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
kver=$(ls /lib/modules | sort -V | tail -1)

python3 - "/boot/vmlinuz-$kver" "$work/vmlinux" <<'PY'
import lzma, sys
d = open(sys.argv[1], 'rb').read()
i = d.find(b'\xfd7zXZ\x00')
open(sys.argv[2], 'wb').write(lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(d[i:]))
PY

mods="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"
ird=$work/initrd
mkdir -p "$ird"/{bin,dev,proc,sys,mnt/lower,mnt/rw,newroot,mods} "$work/out"
cp /bin/busybox "$ird/bin/"
for m in $mods; do cp "$(modinfo -k "$kver" -n "$m")" "$ird/mods/"; done
cat >"$ird/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $mods; do insmod /mods/\$m.ko; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /mnt/lower || poweroff -f
mount -t tmpfs tmpfs /mnt/rw; mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work /newroot || poweroff -f
mkdir -p /newroot/mnt/out
mount -t 9p -o trans=virtio,version=9p2000.L out /newroot/mnt/out
mount --move /dev /newroot/dev; umount /proc /sys
exec switch_root /newroot /bin/sh /mnt/out/inner.sh
INIT
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initrd.gz")

cat >"$work/out/inner.sh" <<INNER
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /tmp
exec >/mnt/out/console.log 2>&1
modprobe bluetooth; modprobe hci_vhci
mkdir -p /run/dbus; dbus-daemon --system --fork --nopidfile
for attempt in 1 2 3 4; do
  dmesg -c >/dev/null
  btvirt -L -l2 >/tmp/btvirt.log 2>&1 & btv=\$!
  for i in \$(seq 30); do [ -e /sys/class/bluetooth/hci1 ] && break; sleep 0.1; done
  sleep 2.5
  dmesg | grep -q "Bluetooth: hci.*failed" || break
  echo "btvirt attempt \$attempt: a controller failed to initialise; again"; kill \$btv; wait \$btv; sleep 0.5
done
mkdir -p /tmp/bt; printf '[GATT]\nChannels = $channels\n' >/tmp/bt/main.conf
/usr/libexec/bluetooth/bluetoothd -n -f /tmp/bt/main.conf >/mnt/out/bluetoothd.log 2>&1 &
for i in \$(seq 100); do case "\$(busctl --system --list tree org.bluez 2>/dev/null)" in *hci0*hci1*) break;; esac; sleep 0.1; done
export BUILD_DIR=$build SOURCE_DIR=$src RESULT_DIR=/mnt/out ASAN_OPTIONS=detect_leaks=0
rc=0
for t in $src/tests/vm/tests/test-peripheral-*.sh; do echo "=== \$t"; bash "\$t" || rc=1; done
echo \$rc >/mnt/out/rc; sync; poweroff -f
INNER

timeout 900 qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 2 -nodefaults -display none \
	-no-reboot -kernel "$work/vmlinux" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 cryptomgr.notests mitigations=off panic=-1 quiet" \
	-serial "file:$work/serial.log" \
	-fsdev local,id=r,path=/,readonly=on,security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=r,mount_tag=hostroot \
	-fsdev "local,id=o,path=$work/out,security_model=none" -device virtio-9p-pci,fsdev=o,mount_tag=out
cat "$work/out/console.log" 2>/dev/null || { echo "the VM did not run the tests:"; cat "$work/serial.log"; }
exit "$(cat "$work/out/rc" 2>/dev/null || echo 1)"
