#!/bin/busybox sh
# /init of the real-stack VM's initramfs (busybox only).
#
# Mounts the host's / (9p tag "hostroot", read-only) under a tmpfs overlay so
# the guest can write anywhere while the host stays untouched, mounts the
# read-write results share (tag "results") at the same path the host uses,
# and hands over to the stage-2 script named on the kernel command line
# (vm.stage2=PATH vm.results=PATH). Any failure here powers the VM off at
# once: the host sees no status file and reports the boot as failed.
/bin/busybox --install -s /bin
export PATH=/bin

die() {
	echo "initramfs: $*"
	echo o >/proc/sysrq-trigger
	sleep 5
}

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

for m in $(cat /modules/order); do
	insmod "/modules/$m" || die "insmod $m failed"
done

stage2=
results=
for arg in $(cat /proc/cmdline); do
	case $arg in
	vm.stage2=*) stage2=${arg#vm.stage2=} ;;
	vm.results=*) results=${arg#vm.results=} ;;
	esac
done
[ -n "$stage2" ] && [ -n "$results" ] || die "vm.stage2= and vm.results= are required"

# cache=loose on the read-only root: nothing changes under it while the VM
# runs, and it spares a 9p round trip for every stat.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower ||
	die "mounting the host root over 9p failed"
mount -t tmpfs -o size=512m,mode=755 upper /upper || die "tmpfs failed"
mkdir -p /upper/data /upper/work
mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot ||
	die "overlay mount failed"
mkdir -p "/newroot$results"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results "/newroot$results" ||
	die "mounting the results share failed"

umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/bash "$stage2"
