#!/usr/bin/env bash
# Fuzzes the OCSP response decoder and the chain reader with libFuzzer (and AddressSanitizer).
#   scripts/fuzz.sh [SECONDS]      default 1800
# Seeds: Fuzz/corpus (committed) plus fresh ones from a throwaway PKI; findings land in Fuzz/work/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages libssl-dev libcurl4-openssl-dev pkg-config openssl
ensure_swift
seconds=${1:-1800}
work=Fuzz/work
mkdir -p "$work/corpus" "$work/crashes" "$work/seeds"

# Seeds: real responses, chains with keys, PEM, DER; prefixed with the decoder selector byte.
seeds=$(mktemp -d); trap 'rm -rf "$seeds"' EXIT
(
    cd "$seeds"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -subj /CN=Fuzz-CA -days 2 -out ca.pem 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -subj /CN=leaf -out leaf.csr 2>/dev/null
    printf 'authorityInfoAccess=OCSP;URI:http://127.0.0.1:1/,caIssuers;URI:http://127.0.0.1:1/ca\ntlsfeature=status_request\n' > ext
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile ext -out leaf.pem 2>/dev/null
    serial=$(openssl x509 -in leaf.pem -noout -serial | cut -d= -f2)
    printf 'R\t301231000000Z\t260101000000Z,keyCompromise\t%s\tunknown\t/CN=leaf\n' "$serial" > index.txt
    openssl ocsp -issuer ca.pem -cert leaf.pem -reqout req.der -no_nonce 2>/dev/null
    openssl ocsp -index index.txt -rsigner ca.pem -rkey ca.key -CA ca.pem -reqin req.der -respout resp.der -nmin 5 2>/dev/null
    openssl ocsp -index index.txt -rsigner ca.pem -rkey ca.key -CA ca.pem -reqin req.der -respout resp-nocerts.der -resp_no_certs -ndays 1 2>/dev/null
    { printf '\0'; cat resp.der; } > s1; { printf '\0'; cat resp-nocerts.der; } > s2
    { printf '\1'; cat leaf.key leaf.pem ca.pem; } > s3
    { printf '\1'; openssl x509 -in leaf.pem -outform DER; } > s4
)
cp "$seeds"/s? "$work/seeds/"

echo "==> building the fuzzer"
OCSPD_FUZZ=1 swift build -c release --scratch-path .build-fuzz --product OCSPFuzz >/dev/null
binary="$(OCSPD_FUZZ=1 swift build -c release --scratch-path .build-fuzz --show-bin-path)/OCSPFuzz"
echo "==> fuzzing for $seconds s"
"$binary" "$work/corpus" "$work/seeds" Fuzz/corpus -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=2048 \
    -artifact_prefix="$work/crashes/" -print_final_stats=1 2>&1 | tee "$work/last-run.log" | grep -E "^#|Done|stat::|ERROR|SUMMARY" | tail -20
