#!/usr/bin/env bash
# A development signing key and certificate for RAUC bundles (self-signed, 10 years).
# Release images must be built with KEYRING= pointing at the province's release CA
# and bundles signed with a key that never leaves its offline machine (README, "Keys").
set -euo pipefail
DIR=${1:?usage: dev-keys.sh DIR}
mkdir -p "$DIR"
if [ -s "$DIR/dev-ca.cert.pem" ] && [ -s "$DIR/dev-ca.key.pem" ]; then
  exit 0
fi
umask 077
openssl req -x509 -newkey rsa:3072 -nodes -days 3650 \
  -keyout "$DIR/dev-ca.key.pem" -out "$DIR/dev-ca.cert.pem" \
  -subj "/O=JHCIS kiosk development/CN=JHCIS kiosk DEVELOPMENT bundle signer (not for clinics)" \
  -addext "keyUsage=critical,digitalSignature,keyCertSign" 2>/dev/null
chmod 0644 "$DIR/dev-ca.cert.pem"
echo "development signing key in $DIR (do not ship to clinics)"
