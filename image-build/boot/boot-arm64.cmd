# U-Boot boot script for the Raspberry Pi 4 kiosk (compiled to boot.scr with mkimage).
# A/B with RAUC's uboot backend variables: BOOT_ORDER ("A B"), BOOT_A_LEFT/BOOT_B_LEFT
# (attempts left). Each boot spends one attempt; `rauc status mark-good` refills it once
# the kiosk reported READY. A slot without attempts left is skipped: that is the rollback.
# Run on Debian's U-Boot in QEMU by tests/image/test_pi_uboot_ab.py (raspi3b: no
# emulator runs the Pi 4 or its firmware); not yet on a Pi (README, "What is not tested").
test -n "${BOOT_ORDER}" || setenv BOOT_ORDER "A B"
test -n "${BOOT_A_LEFT}" || setenv BOOT_A_LEFT 3
test -n "${BOOT_B_LEFT}" || setenv BOOT_B_LEFT 3

setenv bootpart
setenv raucslot
setenv firstslot
for BOOT_SLOT in ${BOOT_ORDER}; do
  test -n "${firstslot}" || setenv firstslot ${BOOT_SLOT}
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
  # Every slot spent its attempts (say, power cuts before each confirmation). Rather than
  # stop, give new attempts to the first slot of the order only: the one RAUC activated
  # last or the one this script fell back to, never a slot that failed after it.
  if test "x${firstslot}" = "xB"; then
    setenv BOOT_B_LEFT 2
    setenv bootpart 3
    setenv raucslot B
  else
    # A first, or an order this script does not know: start over from "A B".
    setenv BOOT_ORDER "A B"
    setenv BOOT_A_LEFT 2
    setenv bootpart 2
    setenv raucslot A
  fi
elif test "x${raucslot}" != "x${firstslot}"; then
  # Falling back: the slot that failed goes last, so that running out of attempts later
  # on this one cannot lead back into it (the grub.cfg of the x86 image does the same).
  setenv BOOT_ORDER "${raucslot} ${firstslot}"
fi
# On the serial console and the screen: which slot, and the attempts left after this one.
echo "jhcis-kiosk: booting slot ${raucslot} (attempts left: A ${BOOT_A_LEFT}, B ${BOOT_B_LEFT})"
setenv firstslot
saveenv

setenv bootargs "console=tty3 root=PARTUUID=@PI_DISK_ID@-0${bootpart} rootfstype=ext4 ro rootwait quiet loglevel=3 consoleblank=0 vt.global_cursor_default=0 rauc.slot=${raucslot}"
if test -n "${MACHINE_ID}"; then
  setenv bootargs "${bootargs} systemd.machine_id=${MACHINE_ID}"
fi
load mmc 0:${bootpart} ${kernel_addr_r} /vmlinuz
load mmc 0:${bootpart} ${ramdisk_addr_r} /initrd.img
setenv initrd_size ${filesize}
booti ${kernel_addr_r} ${ramdisk_addr_r}:${initrd_size} ${fdt_addr}
