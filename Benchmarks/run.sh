#!/usr/bin/env bash
# ocspd at scale, against the responder's own capacity and the cron-script baseline.
#   Benchmarks/run.sh [N ...]        default: 1000 10000
# For each N: a PKI of N certificates under one intermediate with an ECDSA P-256 delegated
# responder; two responders (`openssl ocsp -multi`, HTTP/1.0, one connection per request;
# nginx serving pre-signed responses at their RFC 5019 GET paths, keep-alive); their
# capacity measured with ab; `ocspd refresh --config` for all N from empty, then again with
# everything fresh; the baseline (a shell loop of `openssl ocsp`) over 300 certificates; and
# an idle `ocspd run` for 60 s. Prints a table and appends it to Benchmarks/results.md.
# The work folder (Benchmarks/work) is removed at the end; KEEP_WORK=1 keeps it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages libssl-dev libcurl4-openssl-dev pkg-config openssl nginx-light apache2-utils time python3
ensure_swift
sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(1000 10000)
swift build -c release --product ocspd >/dev/null
ocspd="$(swift build -c release --show-bin-path)/ocspd"
root_dir="$(pwd)"
work="$root_dir/Benchmarks/work"
# An earlier run's files are deleted only after this run has measured: on ext4 without a
# journal, inodes freed minutes before make every new file (each staple, each state file)
# slower to create, which would be charged to ocspd.
old_work=""
if [ -e "$work" ]; then old_work="$work.old.$$"; mv "$work" "$old_work"; fi
mkdir -p "$work"
pids=()
# `openssl ocsp -multi` does not always exit on SIGTERM: its workers and it are killed outright.
cleanup() {
    for pid in "${pids[@]}"; do pkill -9 -P "$pid" 2>/dev/null || true; kill -9 "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
# On exit, the responders go and the script's own status stays (not the killed ones').
finish() { local status=$?; cleanup; exit "$status"; }
trap finish EXIT

wait_port() { for _ in $(seq 200); do port_listening "$1" && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; exit 1; }
# /usr/bin/time -v fields: wall seconds, cpu seconds, max RSS in MB.
timed() {
    /usr/bin/time -v "$@" 2> "$work/time.txt" >/dev/null || true
    awk -F': ' '/Elapsed \(wall/ { n = split($2, t, ":"); w = (n == 3) ? t[1]*3600 + t[2]*60 + t[3] : t[1]*60 + t[2] }
                /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 / 1024 }
                END { printf "%.2f %.2f %.1f\n", w, u + s, r }' "$work/time.txt"
}
# Requests per second, counting only complete 2xx answers: a failed or non-2xx request is
# not capacity. ab also counts as "failed" every answer whose length differs from the first
# one's, which signed OCSP responses do (ECDSA signatures vary in length): only connect,
# receive and exception failures count. Prints "rate failed non2xx".
ab_rate() {
    ab "$@" 2>/dev/null | awk '/Complete requests/ { c = $3 } /Non-2xx responses/ { x = $3 } /Time taken for tests/ { t = $5 }
        /\(Connect: / { gsub(/[(),]/, " "); for (i = 1; i <= NF; i++) if ($i == "Connect:" || $i == "Receive:" || $i == "Exceptions:") f += $(i + 1) }
        END { printf "%.0f %d %d\n", (c - f - x) / t, f, x }'
}
# Requests ocspd has sent, by its own count in the state folder (the counter behind
# ocspd_requests_total), so the timed runs need no --metrics-file.
requests_sent() {
    python3 - "$1" <<'PY'
import glob, json, sys
total = 0
for path in glob.glob(sys.argv[1] + "/*.json"):
    try:
        total += sum(json.load(open(path)).get("requests", {}).values())
    except ValueError:
        pass
print(total)
PY
}

rows=()
for n in "${sizes[@]}"; do
    dir="$work/n$n"; mkdir -p "$dir/chains" "$dir/resp"
    cd "$dir"
    echo "==> N=$n: generating the PKI"
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    key root.key; key int.key; key resp.key; key leaf.key
    openssl req -x509 -new -key root.key -subj /CN=Bench-Root -days 3 -out root.pem -addext basicConstraints=critical,CA:TRUE 2>/dev/null
    printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' > ca.ext
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\n' > resp.ext
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' > leaf.ext
    openssl req -new -key int.key -subj /CN=Bench-Intermediate 2>/dev/null | openssl x509 -req -CA root.pem -CAkey root.key -set_serial 2 -days 3 -extfile ca.ext -out int.pem 2>/dev/null
    openssl req -new -key resp.key -subj /CN=Bench-OCSP 2>/dev/null | openssl x509 -req -CA int.pem -CAkey int.key -set_serial 3 -days 3 -extfile resp.ext -out resp.pem 2>/dev/null
    openssl req -new -key leaf.key -subj /CN=bench.example.test -out leaf.csr 2>/dev/null
    expiry=$(date -u -d '+2 days' +%y%m%d%H%M%SZ)
    : > index.txt
    echo "unique_subject = no" > index.txt.attr
    # One openssl process per certificate, on every core.
    seq 0 $((n - 1)) | xargs -P "$(nproc)" -I{} sh -c '
        serial=$(printf "%08X" $((0x10000000 + {})))
        openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -set_serial "0x$serial" -days 2 -extfile leaf.ext -out "chains/leaf-{}.pem" 2>/dev/null
        cat int.pem >> "chains/leaf-{}.pem"'
    for i in $(seq 0 $((n - 1))); do
        printf 'V\t%s\t\t%08X\tunknown\t/CN=bench.example.test\n' "$expiry" $((0x10000000 + i)) >> index.txt
    done

    p1=$(free_port); p2=$(free_port)
    start_openssl() {
        openssl ocsp -index index.txt -port "$p1" -rsigner resp.pem -rkey resp.key -CA int.pem -ndays 1 -multi 2 -ignore_err >> openssl-ocsp.log 2>&1 &
        openssl_pid=$!; pids+=($openssl_pid); wait_port "$p1"
    }
    start_openssl

    cat > config-openssl.yaml <<YAML
state-dir: $dir/state-openssl
defaults: { target: generic, responder: "http://127.0.0.1:$p1" }
directories: [ { path: $dir/chains, output-dir: $dir/out-openssl } ]
YAML
    sed "s#state-openssl#state-nginx#; s#:$p1#:$p2#; s#out-openssl#out-nginx#" config-openssl.yaml > config-nginx.yaml
    mkdir -p out-openssl out-nginx

    echo "==> N=$n: ocspd against openssl ocsp -multi 2"
    read -r o_wall o_cpu o_rss < <(timed "$ocspd" refresh --config config-openssl.yaml --quiet)
    requests_before=$(requests_sent "$dir/state-openssl")
    o_written=$(ls out-openssl | wc -l)
    read -r of_wall _ _ < <(timed "$ocspd" refresh --config config-openssl.yaml --quiet)
    of_requests=$(( $(requests_sent "$dir/state-openssl") - requests_before ))
    # The same fresh run writing the Prometheus metrics file, which assesses every staple.
    read -r om_wall _ om_rss < <(timed "$ocspd" refresh --config config-openssl.yaml --quiet --metrics-file metrics-openssl.prom)

    # nginx: the proofs just fetched, served at their GET paths (the request DER differs only in the serial).
    openssl ocsp -issuer int.pem -cert chains/leaf-0.pem -reqout template.der -no_nonce 2>/dev/null
    # nginx decodes the path (%2F becomes a folder separator), and its map{} keys ignore case,
    # so each proof is stored at its decoded base64 path, folders and all.
    first_path=$(python3 - "$n" "$dir" <<'PY'
import base64, os, sys, urllib.parse
n, folder = int(sys.argv[1]), sys.argv[2]
template = open("template.der", "rb").read()
for i in range(n):
    der = template[:-4] + (0x10000000 + i).to_bytes(4, "big")
    encoded = base64.b64encode(der).decode()
    target = os.path.join(folder, "resp", encoded)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.lexists(target):
        os.remove(target)
    os.symlink(f"{folder}/out-openssl/leaf-{i}.pem.ocsp", target)
    if i == 0:
        print("/" + urllib.parse.quote(encoded, safe=""))
PY
)
    cat > nginx.conf <<NGINX
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
daemon off;
events { worker_connections 4096; }
http {
    access_log $dir/nginx-access.log;
    keepalive_requests 1000000;
    merge_slashes off;
    server {
        listen 127.0.0.1:$p2;
        location / {
            root $dir/resp;
            default_type application/ocsp-response;
        }
    }
}
NGINX
    nginx -c "$dir/nginx.conf" -p "$dir" &
    pids+=($!); wait_port "$p2"

    echo "==> N=$n: responder capacity (ab)"
    read -r cap_openssl fail_openssl non2xx_openssl < <(ab_rate -n 3000 -c 4 "http://127.0.0.1:$p1$first_path")
    echo "    openssl ocsp: $cap_openssl/s, $fail_openssl failed, $non2xx_openssl non-2xx"
    # ab may close a connection it opened without sending a request, after which an
    # `openssl ocsp` worker spins and never answers again: start a fresh responder.
    pkill -9 -P "$openssl_pid" 2>/dev/null || true; kill -9 "$openssl_pid" 2>/dev/null || true; wait "$openssl_pid" 2>/dev/null || true
    while port_listening "$p1"; do sleep 0.1; done
    start_openssl
    read -r cap_nginx fail_nginx non2xx_nginx < <(ab_rate -k -n 50000 -c 8 "http://127.0.0.1:$p2$first_path")
    echo "    nginx: $cap_nginx/s, $fail_nginx failed, $non2xx_nginx non-2xx"

    echo "==> N=$n: ocspd against nginx (keep-alive)"
    : > nginx-access.log
    read -r k_wall k_cpu k_rss < <(timed "$ocspd" refresh --config config-nginx.yaml --quiet)
    k_written=$(ls out-nginx | wc -l)
    before=$(wc -l < nginx-access.log)
    read -r kf_wall _ _ < <(timed "$ocspd" refresh --config config-nginx.yaml --quiet)
    kf_requests=$(( $(wc -l < nginx-access.log) - before ))

    echo "==> N=$n: baseline, a shell loop of openssl ocsp over 300 certificates"
    sample=$(( n < 300 ? n : 300 ))
    start=$(date +%s.%N)
    for i in $(seq 0 $((sample - 1))); do
        openssl ocsp -issuer int.pem -cert "chains/leaf-$i.pem" -url "http://127.0.0.1:$p1" -respout /dev/null -noverify -no_nonce >/dev/null 2>&1
    done
    baseline=$(awk -v a="$start" -v b="$(date +%s.%N)" -v n="$sample" 'BEGIN { printf "%.6f", (b - a) / n }')

    echo "==> N=$n: idle daemon for ${IDLE_SECONDS:-60} s"
    # The daemon's first round checks every staple; once its CPU time stops moving, the idle
    # window starts. Wake-ups are context switches summed over all its threads (from
    # /proc/PID/task/*/status), before and after the window; CPU from /proc/PID/stat.
    "$ocspd" run --config config-nginx.yaml --quiet > "$work/idle.log" 2>&1 &
    daemon=$!; pids+=($daemon)
    cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$daemon/stat"; }
    # "tid switches" per thread: a thread that ends inside the window (a Dispatch worker
    # retiring) must not make the sum go down, so only threads alive at both ends count.
    switches() { for t in /proc/$daemon/task/*; do echo "${t##*/} $(awk '/ctxt_switches/ { s += $2 } END { print s + 0 }' "$t/status" 2>/dev/null)"; done; }
    sleep 2; last=-1
    for _ in $(seq 120); do now=$(cpu_ticks); [ "$now" = "$last" ] && break; last=$now; sleep 1; done
    switches > "$work/switches0"; c0=$(cpu_ticks)
    sleep "${IDLE_SECONDS:-60}"
    switches > "$work/switches1"; c1=$(cpu_ticks)
    idle_switches=$(awk 'NR == FNR { before[$1] = $2; next } ($1 in before) { s += $2 - before[$1] } END { print s + 0 }' "$work/switches0" "$work/switches1")
    idle_rss=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$daemon/status")
    idle_threads=$(ls "/proc/$daemon/task" | wc -l)
    idle_cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / hz }')
    kill -TERM "$daemon"; wait "$daemon" 2>/dev/null || true
    row=$(python3 - <<PY
n=$n; ow=$o_wall; kw=$k_wall
co=float("$cap_openssl" or 0); ck=float("$cap_nginx" or 0)
so=n/ow if ow else 0; sk=n/kw if kw else 0
print(f"| {n} | openssl -multi 2 | {co:.0f}/s | {ow:.1f} s | {float('$o_cpu'):.1f} s | {float('$o_rss'):.0f} MB | {so:.0f}/s | {100*so/co if co else 0:.0f}% | {float('$of_wall'):.2f} s, {$of_requests} req | {float('$baseline')/(ow/n):.0f}× |")
print(f"| {n} | openssl, all fresh, writing --metrics-file | | | | {float('$om_rss'):.0f} MB | | | {float('$om_wall'):.2f} s | |")
print(f"| {n} | nginx keep-alive | {ck:.0f}/s | {kw:.1f} s | {float('$k_cpu'):.1f} s | {float('$k_rss'):.0f} MB | {sk:.0f}/s | {100*sk/ck if ck else 0:.0f}% | {float('$kf_wall'):.2f} s, {$kf_requests} req | |")
print(f"| {n} | idle daemon, ${IDLE_SECONDS:-60} s after its first round | | | $idle_cpu s | {float('$idle_rss'):.0f} MB (now) | | | $idle_switches context switches in {$idle_threads} threads | |")
PY
)
    rows+=("$row")
    echo "    written: $o_written (openssl), $k_written (nginx); baseline $(awk -v b="$baseline" 'BEGIN { printf "%.1f", b * 1000 }') ms per certificate"
    cleanup; pids=()
    cd "$root_dir"
done

header="| N | responder | its capacity (ab) | ocspd wall | CPU | peak RSS | staples/s | % of capacity | all fresh | vs openssl loop |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
table="$header"
for row in "${rows[@]}"; do table="$table
$row"; done
echo
echo "$table"
{
    echo
    echo "## $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
    echo
    echo "$table"
} >> Benchmarks/results.md
[ -n "$old_work" ] && rm -rf "$old_work"
[ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$work"
