# U-Boot boot script for the Raspberry Pi 4 kiosk (compiled to boot.scr with mkimage).
# A/B with RAUC's uboot backend variables: BOOT_ORDER ("A B"), BOOT_A_LEFT/BOOT_B_LEFT
# (attempts left). Each boot spends one attempt; `rauc status mark-good` refills it once
# the kiosk reported READY. A slot without attempts left is skipped: that is the rollback.
# Not verified on Pi hardware from this build machine (see README, "What is not tested").
test -n "${BOOT_ORDER}" || setenv BOOT_ORDER "A B"
test -n "${BOOT_A_LEFT}" || setenv BOOT_A_LEFT 3
test -n "${BOOT_B_LEFT}" || setenv BOOT_B_LEFT 3

setenv bootpart
setenv raucslot
for BOOT_SLOT in ${BOOT_ORDER}; do
  if test -z "${bootpart}" && test "x${BOOT_SLOT}" = "xA" && test ${BOOT_A_LEFT} -gt 0; then
    setexpr BOOT_A_LEFT ${BOOT_A_LEFT} - 1
    setenv bootpart 2
    setenv raucslot A
  fi
  if test -z "${bootpart}" && test "x${BOOT_SLOT}" = "xB" && test ${BOOT_B_LEFT} -gt 0; then
    setexpr BOOT_B_LEFT ${BOOT_B_LEFT} - 1
    setenv bootpart 3
    setenv raucslot B
  fi
done

if test -z "${bootpart}"; then
  # Every slot spent its attempts: refill and start over rather than stop.
  setenv BOOT_A_LEFT 3
  setenv BOOT_B_LEFT 3
  setenv bootpart 2
  setenv raucslot A
fi
saveenv

setenv bootargs "console=tty3 root=PARTUUID=@PI_DISK_ID@-0${bootpart} rootfstype=ext4 ro rootwait quiet loglevel=3 consoleblank=0 vt.global_cursor_default=0 rauc.slot=${raucslot}"
if test -n "${MACHINE_ID}"; then
  setenv bootargs "${bootargs} systemd.machine_id=${MACHINE_ID}"
fi
load mmc 0:${bootpart} ${kernel_addr_r} /vmlinuz
load mmc 0:${bootpart} ${ramdisk_addr_r} /initrd.img
setenv initrd_size ${filesize}
booti ${kernel_addr_r} ${ramdisk_addr_r}:${initrd_size} ${fdt_addr}
