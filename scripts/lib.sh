# Shared by scripts/example.sh and scripts/test.sh. Sourced, not run.

# Installs what ocspd builds and runs with, only when missing (Debian/Ubuntu).
ensure_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "==> installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Puts Prometheus's promtool (the tests check the metrics file with it) at
# /usr/local/bin/promtool, only when missing. It is taken out of Debian's prometheus package,
# which is downloaded to .build/tools but NOT installed: the package's postinst would start a
# Prometheus server on port 9090 as a service.
ensure_promtool() {
    command -v promtool >/dev/null 2>&1 && return 0
    [ -x /usr/local/bin/promtool ] && return 0
    echo "==> extracting promtool from Debian's prometheus package (the package is not installed)"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    local cache=.build/tools
    mkdir -p "$cache"
    local deb
    deb=$(find "$cache" -maxdepth 1 -name 'prometheus_*.deb' | head -n 1)
    if [ -z "$deb" ]; then
        # Quiet unless it fails (as root, apt warns that its _apt user cannot write the folder).
        if ! (cd "$cache" && apt-get download prometheus) >"$cache/download.log" 2>&1; then
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
            (cd "$cache" && apt-get download prometheus) >"$cache/download.log" 2>&1 || { cat "$cache/download.log" >&2; return 1; }
        fi
        deb=$(find "$cache" -maxdepth 1 -name 'prometheus_*.deb' | head -n 1)
    fi
    local unpacked="$cache/promtool-unpacked"
    rm -rf "$unpacked" && mkdir -p "$unpacked"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$unpacked" ./usr/bin/promtool
    $sudo install -m 0755 "$unpacked/usr/bin/promtool" /usr/local/bin/promtool
    rm -rf "$unpacked"
}

# Finds swift on PATH or in /opt/swift.
ensure_swift() {
    command -v swift >/dev/null 2>&1 && return 0
    for candidate in /opt/swift/usr/bin /opt/swift/bin; do
        if [ -x "$candidate/swift" ]; then PATH="$candidate:$PATH"; export PATH; return 0; fi
    done
    echo "swift is not installed: install a Swift 6 toolchain (swift.org) and retry" >&2
    exit 1
}

# Whether something listens on TCP port $1 (read from /proc: connecting to `openssl ocsp`
# to probe it would make it spin forever).
port_listening() {
    local hex
    hex=$(printf ':%04X' "$1")
    awk -v p="$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

free_port() {
    local port
    while :; do
        port=$(( 20000 + RANDOM % 40000 ))
        port_listening "$port" || { echo "$port"; return; }
    done
}

# A throwaway PKI in the current folder for a responder at URL $2 (organisation $1): root,
# intermediate, delegated OCSP responder (OCSPSigning) and a server certificate for
# mail.example.test whose AIA names $2; chain.pem as Exim's tls_certificate holds it (server,
# then intermediate), and an `openssl ocsp` index.txt marking the server certificate valid.
make_test_pki() {
    local org=$1 url=$2
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    key root.key; key intermediate.key; key responder.key; key server.key
    openssl req -x509 -new -key root.key -subj "/O=$org/CN=Test Root" -days 30 -out root.pem \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    issue() { # issue CSR-SUBJECT KEY ISSUER-CERT ISSUER-KEY OUT EXTENSIONS
        openssl req -new -key "$2" -subj "$1" -out "$5.csr" 2>/dev/null
        printf '%b' "$6" > "$5.ext"
        openssl x509 -req -in "$5.csr" -CA "$3" -CAkey "$4" -CAcreateserial -days 30 -extfile "$5.ext" -out "$5" 2>/dev/null
    }
    issue "/O=$org/CN=Test Intermediate" intermediate.key root.pem root.key intermediate.pem \
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
    issue "/O=$org/CN=Test OCSP Responder" responder.key intermediate.pem intermediate.key responder.pem \
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\n"
    issue "/CN=mail.example.test" server.key intermediate.pem intermediate.key server.pem \
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:mail.example.test\nauthorityInfoAccess=OCSP;URI:$url\n"
    cat server.pem intermediate.pem > chain.pem
    local serial
    serial=$(openssl x509 -in server.pem -noout -serial | cut -d= -f2)
    printf 'V\t%s\t\t%s\tunknown\t/CN=mail.example.test\n' "$(date -u -d '+30 days' +%y%m%d%H%M%SZ)" "$serial" > index.txt
}
