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
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key root.key; key intermediate.key; key responder.key; key server.key
openssl req -x509 -new -key root.key -subj "/O=ocspd example/CN=Example Root" -days 30 -out root.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
issue() { # issue CSR-SUBJECT KEY ISSUER-CERT ISSUER-KEY OUT EXTENSIONS
    openssl req -new -key "$2" -subj "$1" -out "$5.csr" 2>/dev/null
    printf '%b' "$6" > "$5.ext"
    openssl x509 -req -in "$5.csr" -CA "$3" -CAkey "$4" -CAcreateserial -days 30 -extfile "$5.ext" -out "$5" 2>/dev/null
}
issue "/O=ocspd example/CN=Example Intermediate" intermediate.key root.pem root.key intermediate.pem \
    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
issue "/O=ocspd example/CN=Example OCSP Responder" responder.key intermediate.pem intermediate.key responder.pem \
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\n"
issue "/CN=mail.example.test" server.key intermediate.pem intermediate.key server.pem \
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:mail.example.test\nauthorityInfoAccess=OCSP;URI:$url\n"
# As Exim's tls_certificate holds it: the server certificate, then the intermediate.
cat server.pem intermediate.pem > chain.pem
serial=$(openssl x509 -in server.pem -noout -serial | cut -d= -f2)
expiry=$(date -u -d '+30 days' +%y%m%d%H%M%SZ)
printf 'V\t%s\t\t%s\tunknown\t/CN=mail.example.test\n' "$expiry" "$serial" > index.txt

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
