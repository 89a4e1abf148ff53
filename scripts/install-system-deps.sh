#!/usr/bin/env bash
# Installs the Debian 12 packages that the demo and the test suite need.
# Run as root (CI does); as another user it only reports what is missing.
set -euo pipefail

PACKAGES=(
  # build and run the Python environment
  python3 python3-venv python3-dev build-essential pkg-config
  # card reader stack: pcscd, the virtual reader driver, pyscard's build deps
  pcscd vsmartcard-vpcd libpcsclite-dev swig
  # clinic database for integration tests
  mariadb-server mariadb-client
  # Thai fonts for the ticket and the kiosk screens
  fonts-thai-tlwg
  # ICU for Thai line breaks between words: PyICU compiles against it in the venv
  libicu-dev
  # pdftoppm/pdftotext: the tests look at the reminder PDFs as pages and as text
  poppler-utils
  # systemd notify/watchdog and journal logging (systemd-python)
  libsystemd-dev
  # Kivy offscreen rendering (EGL + llvmpipe) and input
  libgl1 libegl1 libgles2 libmtdev1 libgl1-mesa-dri xvfb
  # web tests: Debian's Chromium driven by Playwright
  chromium
  # QR decoding checks and image inspection
  libzbar0
  # image-build checks (systemd-analyze verify, loadkeys --parse, grub-script-check)
  systemd kbd grub-common
  # the ci image `make test` builds and boots (image-build/Makefile: ci-image, ci-boot):
  # mmdebstrap, genimage (mke2fs, mtools, FAT), the RAUC bundle check, QEMU with OVMF, ssh
  mmdebstrap genimage dosfstools mtools e2fsprogs fdisk rauc squashfs-tools
  grub-efi-amd64-bin qemu-system-x86 ovmf openssh-client
  # the Pi image's A/B boot on Debian's U-Boot in QEMU (tests/image/test_pi_uboot_ab.py):
  # raspi3b emulation, mkimage for boot.scr, fw_printenv/fw_setenv, RAUC's private D-Bus
  qemu-system-arm u-boot-tools libubootenv-tool dbus-daemon
  # a throwaway CA for the NHSO clients' TLS (custom CA bundle) tests
  openssl
  # the kiosk's voice prompts: espeak-ng (Thai voice) renders them, aplay plays them
  # (kiosk/README.md, "Voice"; the image renders at build time and ships only aplay)
  espeak-ng alsa-utils
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "system packages missing (run as root or install them): ${missing[*]}" >&2
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "system packages: installing ${missing[*]}"
apt-get update -q
# Services must not start on install: the test scripts start private instances.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -q --no-install-recommends "${missing[@]}"
