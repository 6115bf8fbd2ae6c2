#!/usr/bin/env bash
# Runs ocspd end to end on a throwaway example: a private PKI (root, intermediate, delegated
# OCSP responder, server certificate), a local `openssl ocsp` responder on 127.0.0.1, then
# `ocspd refresh` and `ocspd inspect`, then cleans up. Installs missing packages itself.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_packages libssl-dev libcurl4-openssl-dev pkg-config openssl
ensure_swift
echo "==> building ocspd"
swift build -c release --product ocspd >/dev/null
ocspd="$(swift build -c release --show-bin-path)/ocspd"

work=$(mktemp -d)
responder_pid=""
# Keeps the script's own exit status: under `set -e`, the killed responder's 143 from
# `wait` used to become the script's, after a successful run.
cleanup() {
    local status=$?
    if [ -n "$responder_pid" ]; then
        kill "$responder_pid" 2>/dev/null || true
        wait "$responder_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
port=$(free_port)
url="http://127.0.0.1:$port"

echo "==> making a throwaway PKI in $work"
cd "$work"
make_test_pki "ocspd example" "$url"

echo "==> starting openssl ocsp on $url"
openssl ocsp -index index.txt -port "$port" -rsigner responder.pem -rkey responder.key -CA intermediate.pem \
    -nmin 60 -ignore_err >responder.log 2>&1 &
responder_pid=$!
for _ in $(seq 100); do port_listening "$port" && break; sleep 0.1; done

echo "==> ocspd refresh --chain chain.pem --output mail.example.test.ocsp --state-dir state"
"$ocspd" refresh --chain chain.pem --output mail.example.test.ocsp --state-dir state
echo "==> ocspd inspect mail.example.test.ocsp --chain chain.pem"
"$ocspd" inspect mail.example.test.ocsp --chain chain.pem
echo "==> cross-check: openssl ocsp -respin with only the root CA and the server chain"
openssl ocsp -respin mail.example.test.ocsp -CAfile root.pem -issuer intermediate.pem -cert server.pem -no_nonce 2>&1 | sed 's/^/    /'
echo "==> done; the example PKI and responder are removed"
