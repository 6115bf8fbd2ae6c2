#!/usr/bin/env bash
# ocspd at scale, in the shapes operators configure, against the responder's own capacity
# and the cron-script baselines.
#   Benchmarks/run.sh [N ...]        default: 1000 10000
# Environment: IDLE_SECONDS (60), LOOP_SAMPLE (300 certificates per baseline loop),
# CALLGRIND_N (1000: the N whose runs are also counted with callgrind; 0 for none),
# KEEP_WORK=1 (keep Benchmarks/work), OCSPD (a binary to measure instead of building one).
# For each N: N certificates under one intermediate whose AIA names the local responder,
# `openssl ocsp -multi 2` answering with a delegated ECDSA P-256 signer, its capacity
# measured with ab; two shapes of configuration, each timed with /usr/bin/time -v:
#   staples      a `staples:` list of N entries written one by one, default target (exim),
#                the responder from each certificate's AIA;
#   directories  one `directories:` folder of N chains, target generic, responder from AIA;
# for each: `ocspd run --check-config`, `ocspd refresh --config` from empty (the first
# run), again with everything fresh (the cron case), and fresh writing --metrics-file;
# at N = CALLGRIND_N the same three counted with callgrind in a separate folder
# (instructions per staple, user space only); the baselines, a shell loop of `openssl ocsp`
# per certificate verifying against the system trust store (as a cron script for a public CA
# does), against the root alone, and not at all (-noverify); a fresh `ocspd run` on the staples shape: its first round and then 60 s idle.
# Prints a table (with the issue's targets, met or not) and appends it to
# Benchmarks/results.md. The work folder (Benchmarks/work) is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages libssl-dev libcurl4-openssl-dev pkg-config openssl ca-certificates apache2-utils time python3 valgrind gcc libc6-dev binutils
ensure_swift
sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(1000 10000)
IDLE_SECONDS=${IDLE_SECONDS:-60}
LOOP_SAMPLE=${LOOP_SAMPLE:-300}
CALLGRIND_N=${CALLGRIND_N:-1000}
# OCSPD=/path/to/ocspd measures that binary instead of building this tree's. The binary is
# built as the package's is (scripts/package.sh): the Swift runtime linked in. With it as
# shared libraries, every start spends ~17 M more instructions binding their symbols, which
# operators never pay (about 8% of a 1,000-entry check-config).
if [ -n "${OCSPD:-}" ]; then ocspd=$(realpath "$OCSPD"); else
    swift build -c release --static-swift-stdlib --product ocspd >/dev/null
    ocspd="$(swift build -c release --static-swift-stdlib --show-bin-path)/ocspd"
fi
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
    for pid in "${pids[@]}"; do { wait "$pid"; } 2>/dev/null || true; done
}
# On exit, the responders go and the script's own status stays (not the killed ones').
finish() { local status=$?; cleanup; exit "$status"; }
trap finish EXIT

# Each measurement is one "key value" line in $figures (one file per N); report() reads them.
record() { echo "$1 $2" >> "$figures"; }
wait_port() { for _ in $(seq 200); do port_listening "$1" && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; exit 1; }
# Runs a command under /usr/bin/time -v and records PREFIX.wall, .user, .sys (seconds) and
# .rss (peak, MB). The file system's dirty data is written out first (sync): the kernel's
# writeback of the previous step (10,000 chains generated, 20,000 files of a first run)
# would otherwise run beside the measured command and be charged to it, as it never is
# in the cases measured (a cron run 15 minutes after the last).
timed() {
    local prefix=$1; shift
    sync
    /usr/bin/time -v "$@" 2> "$work/time.txt" >/dev/null || true
    awk -F': ' -v p="$prefix" '/Elapsed \(wall/ { n = split($2, t, ":"); w = (n == 3) ? t[1]*3600 + t[2]*60 + t[3] : t[1]*60 + t[2] }
                /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 / 1024 }
                END { printf "%s.wall %.3f\n%s.user %.3f\n%s.sys %.3f\n%s.rss %.1f\n", p, w, p, u, p, s, p, r }' "$work/time.txt" >> "$figures"
}
# Requests ocspd has sent, by its own count in the state folder (the counter behind
# ocspd_requests_total), so the timed runs need no --metrics-file. "?" when the state
# holds no such count.
requests_sent() {
    python3 - "$1" <<'PY'
import glob, json, sys
total, found = 0, False
for path in glob.glob(sys.argv[1] + "/**/*.json", recursive=True):
    try:
        requests = json.load(open(path)).get("requests")
    except (ValueError, OSError, AttributeError):
        continue
    if isinstance(requests, dict):
        total += sum(requests.values()); found = True
print(total if found else "?")
PY
}

# The PKI in the current folder: root, intermediate, delegated OCSP signer (ECDSA P-256) and
# N leaves sharing one key, whose AIA names URL; chains/leaf-I.pem holds leaf I and the
# intermediate; index.txt lists every leaf as valid for `openssl ocsp`. All leaves are signed
# by ONE `openssl ca` process (about 1 ms each; one `openssl x509` process per leaf costs
# ~20 ms of start-up).
make_pki() {
    local n=$1 url=$2
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    key root.key; key int.key; key resp.key; key leaf.key
    openssl req -x509 -new -key root.key -subj /CN=Bench-Root -days 3 -out root.pem -addext basicConstraints=critical,CA:TRUE 2>/dev/null
    printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' > ca.ext
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\n' > resp.ext
    openssl req -new -key int.key -subj /CN=Bench-Intermediate 2>/dev/null | openssl x509 -req -CA root.pem -CAkey root.key -set_serial 2 -days 3 -extfile ca.ext -out int.pem 2>/dev/null
    openssl req -new -key resp.key -subj /CN=Bench-OCSP 2>/dev/null | openssl x509 -req -CA int.pem -CAkey int.key -set_serial 3 -days 3 -extfile resp.ext -out resp.pem 2>/dev/null
    openssl req -new -key leaf.key -subj /CN=bench.example.test -out leaf.csr 2>/dev/null
    cat > ca.cnf <<CNF
[ca]
default_ca = bench
[bench]
database = index.txt
new_certs_dir = issued
serial = serial
certificate = int.pem
private_key = int.key
default_md = sha256
default_days = 2
policy = anything
x509_extensions = leaf
unique_subject = no
[anything]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityInfoAccess = OCSP;URI:$url
CNF
    mkdir -p issued chains
    : > index.txt; echo "unique_subject = no" > index.txt.attr; echo 10000000 > serial
    # shellcheck disable=SC2046 # one argument per leaf, by design
    openssl ca -batch -notext -config ca.cnf -infiles $(awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) print "leaf.csr" }') >/dev/null 2>ca.log
    python3 - "$n" <<'PY'
import os, sys
intermediate = open("int.pem").read()
for i in range(int(sys.argv[1])):
    issued = f"issued/{0x10000000 + i:08X}.pem"
    with open(f"chains/leaf-{i}.pem", "w") as chain:
        chain.write(open(issued).read() + intermediate)
    os.remove(issued)
PY
    rmdir issued
    [ "$(ls chains | wc -l)" -eq "$n" ] || { echo "PKI: $(ls chains | wc -l) chains, not $n" >&2; exit 1; }
}

# The two shapes' configuration files: config-staples.yaml lists every chain one by one
# (no target, no responder: exim and AIA), config-directories.yaml names the folder.
write_configs() {
    local n=$1 dir=$2
    { echo "state-dir: $dir/state-staples"; echo "staples:"
      for ((i = 0; i < n; i++)); do
          printf '  - chain: %s/chains/leaf-%d.pem\n    output: %s/out-staples/leaf-%d.der\n' "$dir" "$i" "$dir" "$i"
      done; } > config-staples.yaml
    cat > config-directories.yaml <<YAML
state-dir: $dir/state-directories
defaults: { target: generic }
directories: [ { path: $dir/chains, output-dir: $dir/out-directories } ]
YAML
    mkdir -p out-staples out-directories
}

start_responder() {
    openssl ocsp -index index.txt -port "$port" -rsigner resp.pem -rkey resp.key -CA int.pem -ndays 1 -multi 2 -ignore_err >> openssl-ocsp.log 2>&1 &
    responder_pid=$!; pids+=($responder_pid); disown "$responder_pid"; wait_port "$port"
}
stop_responder() {
    { pkill -9 -P "$responder_pid"; kill -9 "$responder_pid"; wait "$responder_pid"; } 2>/dev/null || true
    while port_listening "$port"; do sleep 0.1; done
}

# Requests per second, counting only complete 2xx answers: a failed or non-2xx request is
# not capacity. ab also counts as "failed" every answer whose length differs from the first
# one's, which signed OCSP responses do (ECDSA signatures vary in length): only connect,
# receive and exception failures count. ab may close a connection it opened without sending
# a request, after which an `openssl ocsp` worker spins and never answers again: the
# responder is restarted afterwards.
measure_capacity() {
    openssl ocsp -issuer int.pem -cert chains/leaf-0.pem -reqout request.der -no_nonce 2>/dev/null
    local path
    path=$(python3 -c 'import base64, urllib.parse; print("/" + urllib.parse.quote(base64.b64encode(open("request.der", "rb").read()).decode(), safe=""))')
    ab -n 3000 -c 4 "http://127.0.0.1:$port$path" 2>/dev/null | awk '/Complete requests/ { c = $3 } /Non-2xx responses/ { x = $3 } /Time taken for tests/ { t = $5 }
        /\(Connect: / { gsub(/[(),]/, " "); for (i = 1; i <= NF; i++) if ($i == "Connect:" || $i == "Receive:" || $i == "Exceptions:") f += $(i + 1) }
        END { printf "capacity %.0f\ncapacity.failed %d\n", (c - f - x) / t, f + x }' >> "$figures"
    stop_responder; start_responder
}

# One shape: check-config, the first run, everything fresh, fresh with --metrics-file.
measure_shape() {
    local shape=$1 config=config-$1.yaml
    echo "==> N=$n, $shape: check-config, first run, all fresh, fresh with --metrics-file"
    timed "$shape.check" "$ocspd" run --config "$config" --check-config --quiet
    timed "$shape.first" "$ocspd" refresh --config "$config" --quiet
    record "$shape.first.written" "$(ls "out-$shape" | wc -l)"
    local before; before=$(requests_sent "state-$shape")
    touch fresh.marker
    timed "$shape.fresh" "$ocspd" refresh --config "$config" --quiet
    record "$shape.fresh.rewritten" "$(find "out-$shape" -type f -newer fresh.marker | wc -l)"
    if [ "$before" = "?" ]; then record "$shape.fresh.requests" "?"
    else record "$shape.fresh.requests" "$(( $(requests_sent "state-$shape") - before ))"; fi
    # The same fresh run writing the Prometheus metrics file, which assesses every staple.
    timed "$shape.metrics" "$ocspd" refresh --config "$config" --quiet --metrics-file "metrics-$shape.prom"
}

# The same three runs under callgrind, in a folder of their own (its own state and outputs):
# total instructions (Ir, user space only: callgrind does not see the kernel) per run.
# Valgrind 3.19 cannot read the DWARF 5 of a Swift 6 build ("unhandled dwarf2 abbrev form"):
# it runs a copy without debug information (symbols stay), with sigsuspend-shim.c preloaded.
prepare_callgrind() {
    objcopy --strip-debug "$ocspd" "$work/ocspd-nodebug"
    cc -shared -fPIC -O2 -o "$work/sigsuspend-shim.so" "$root_dir/Benchmarks/sigsuspend-shim.c"
}
callgrind() {
    LD_PRELOAD="$work/sigsuspend-shim.so" valgrind --tool=callgrind --callgrind-out-file="$1" "$work/ocspd-nodebug" "${@:2}"
}
measure_callgrind() {
    local shape=$1 cg="$dir/callgrind-$1"
    echo "==> N=$n, $shape: callgrind of check-config, first run, all fresh (~50× slower)"
    mkdir -p "$cg/out-$shape"
    sed "s#$dir/state-$shape#$cg/state-$shape#; s#$dir/out-$shape#$cg/out-$shape#g" "config-$shape.yaml" > "$cg/config.yaml"
    local run
    for run in check first fresh; do
        local args=(refresh --config "$cg/config.yaml" --quiet)
        [ "$run" = check ] && args=(run --config "$cg/config.yaml" --check-config --quiet)
        callgrind "$cg/$run.out" "${args[@]}" >/dev/null 2>"$cg/$run.log" || true
        record "$shape.$run.ir" "$(awk '/^summary:/ { print $2 }' "$cg/$run.out")"
    done
    record "$shape.callgrind.written" "$(ls "$cg/out-$shape" | wc -l)"
}

# The cron-script baselines: one `openssl ocsp` process, connection (and verification) per
# certificate, over LOOP_SAMPLE certificates, three ways, alternating certificate by
# certificate so that the load of a shared machine falls on all alike:
#   store     verifying against the system trust store, as a cron script for a public CA
#             does (`openssl ocsp` loads the default bundle, /etc/ssl/certs/ca-certificates.crt
#             on Debian, unless told otherwise): here `-CAfile` that bundle with the
#             benchmark's root appended, the root standing in for a public one in the store;
#   root      verifying against the benchmark's root alone (-CAfile root.pem): the cheapest
#             verifying loop, one no cron script for a public CA runs;
#   noverify  -noverify (openssl still loads the default bundle).
# Records store.ms, verify.ms and noverify.ms (per certificate) and .ok (answered "good",
# and for the verifying loops "Response verify OK").
measure_loops() {
    local sample=$(( n < LOOP_SAMPLE ? n : LOOP_SAMPLE )) store_us=0 verify_us=0 noverify_us=0 store_ok=0 verify_ok=0 noverify_ok=0 t0 t1 t2 t3
    echo "==> N=$n: baselines, openssl ocsp over $sample certificates: verifying (system store, root alone) and -noverify"
    cat /etc/ssl/certs/ca-certificates.crt root.pem > store.pem
    for ((i = 0; i < sample; i++)); do
        local request=(openssl ocsp -issuer int.pem -cert "chains/leaf-$i.pem" -url "http://127.0.0.1:$port" -respout loop.der)
        t0=${EPOCHREALTIME/./}
        "${request[@]}" -CAfile store.pem > store.out 2>&1 || true
        t1=${EPOCHREALTIME/./}
        "${request[@]}" -CAfile root.pem > verify.out 2>&1 || true
        t2=${EPOCHREALTIME/./}
        "${request[@]}" -noverify > noverify.out 2>&1 || true
        t3=${EPOCHREALTIME/./}
        store_us=$((store_us + t1 - t0)); verify_us=$((verify_us + t2 - t1)); noverify_us=$((noverify_us + t3 - t2))
        grep -q ': good' store.out && grep -q 'Response verify OK' store.out && store_ok=$((store_ok + 1))
        grep -q ': good' verify.out && grep -q 'Response verify OK' verify.out && verify_ok=$((verify_ok + 1))
        grep -q ': good' noverify.out && noverify_ok=$((noverify_ok + 1))
    done
    per_certificate() { awk -v t="$1" -v n="$sample" 'BEGIN { printf "%.3f", t / 1000 / n }'; }
    record store.ms "$(per_certificate "$store_us")"; record verify.ms "$(per_certificate "$verify_us")"
    record noverify.ms "$(per_certificate "$noverify_us")"
    record store.ok "$store_ok/$sample"; record verify.ok "$verify_ok/$sample"; record noverify.ok "$noverify_ok/$sample"
}

# A fresh `ocspd run` on the staples shape: the CPU time of its first round (until its CPU
# time stops moving, checked each second), then IDLE_SECONDS idle. Wake-ups are context
# switches summed over all its threads (from /proc/PID/task/*/status), before and after the
# window; CPU from /proc/PID/stat.
measure_daemon() {
    echo "==> N=$n: a fresh daemon's first round, then idle for $IDLE_SECONDS s"
    sync
    "$ocspd" run --config config-staples.yaml --quiet > daemon.log 2>&1 &
    local daemon=$!; pids+=($daemon)
    local hz; hz=$(getconf CLK_TCK)
    cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$daemon/stat"; }
    # "tid switches" per thread: a thread that ends inside the window (a Dispatch worker
    # retiring) must not make the sum go down, so only threads alive at both ends count.
    switches() { for t in /proc/$daemon/task/*; do echo "${t##*/} $(awk '/ctxt_switches/ { s += $2 } END { print s + 0 }' "$t/status" 2>/dev/null)"; done; }
    local last=-1 now seconds=0
    sleep 1
    for _ in $(seq 300); do now=$(cpu_ticks); [ "$now" = "$last" ] && break; last=$now; sleep 1; seconds=$((seconds + 1)); done
    record daemon.first.cpu "$(awk -v t="$now" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')"
    record daemon.first.settled "$seconds"
    record daemon.first.rss "$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$daemon/status")"
    switches > "$work/switches0"; local c0; c0=$(cpu_ticks)
    sleep "$IDLE_SECONDS"
    switches > "$work/switches1"; local c1; c1=$(cpu_ticks)
    record idle.switches "$(awk 'NR == FNR { before[$1] = $2; next } ($1 in before) { s += $2 - before[$1] } END { print s + 0 }' "$work/switches0" "$work/switches1")"
    record idle.rss "$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$daemon/status")"
    record idle.threads "$(ls "/proc/$daemon/task" | wc -l)"
    record idle.cpu "$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }')"
    kill -TERM "$daemon"; wait "$daemon" 2>/dev/null || true
}

# The table's rows for one N, from its figures file, with the issue's targets (stated for
# N = 10,000; the per-staple ones hold at any N).
report() {
    python3 - "$1" "$2" "$IDLE_SECONDS" <<'PY'
import sys
n, path, idle = int(sys.argv[1]), sys.argv[2], sys.argv[3]
f = {}
for line in open(path):
    key, _, value = line.strip().partition(" ")
    f[key] = value
def num(key):
    try: return float(f[key])
    except (KeyError, ValueError): return None
def met(ok): return "met" if ok else "**not met**"
def cpu(p): return num(p + ".user") + num(p + ".sys")
def times(p): return f"{num(p + '.wall'):.2f} s", f"{cpu(p):.2f} s ({num(p + '.sys'):.2f} s sys)", f"{num(p + '.rss'):.0f} MB"
def ir(p):
    v = num(p + ".ir")
    return f"{v / n:,.0f}" if v else ""
rows = []
def row(shape, what, wall="", cpu_="", rss="", per="", ir_="", target="", ok=""):
    rows.append(f"| {n} | {shape} | {what} | {wall} | {cpu_} | {rss} | {per} | {ir_} | {target} | {ok} |")
capacity = num("capacity") or 0
store, verify, noverify = num("store.ms"), num("verify.ms"), num("noverify.ms")
row("", "responder: `openssl ocsp -multi 2`, capacity (ab -c 4)", per=f"{capacity:.0f} answers/s ({f.get('capacity.failed', '?')} failed)")
row("", "baseline: `openssl ocsp` loop, verifying against the system trust store (+ the root)", per=f"{store:.1f} ms per certificate ({f.get('store.ok')} verified good)")
row("", "baseline: `openssl ocsp` loop, verifying against the root alone (-CAfile root.pem)", per=f"{verify:.1f} ms per certificate ({f.get('verify.ok')} verified good)")
row("", "baseline: `openssl ocsp` loop, -noverify", per=f"{noverify:.1f} ms per certificate ({f.get('noverify.ok')} good)")
labels = {"staples": "`staples:` list, exim, AIA", "directories": "`directories:` folder, generic, AIA"}
for shape in ("staples", "directories"):
    label = labels[shape]
    if num(shape + ".first.wall") is None: continue
    wall = num(f"{shape}.check.wall")
    row(label, "`run --check-config`", *times(shape + ".check"), f"{1e6 * cpu(shape + '.check') / n:.0f} µs CPU", ir(shape + ".check"), "< 0.2 s", met(wall < 0.2))
    w = num(f"{shape}.first.wall"); c = cpu(shape + ".first"); rate = n / w; per_ms = 1000 * c / n
    rss = num(f"{shape}.first.rss")
    per = (f"{rate:.0f} staples/s, {per_ms:.2f} ms CPU; {100 * rate / capacity if capacity else 0:.0f}% of capacity; "
           f"{store / (1000 * w / n):.1f}× the verifying loop (system store), {verify / (1000 * w / n):.1f}× (root alone), "
           f"{noverify / (1000 * w / n):.1f}× -noverify; "
           f"{f.get(shape + '.first.written')} written" + (f" ({f.get(shape + '.callgrind.written')} under callgrind)" if shape + ".callgrind.written" in f else ""))
    ok = f"CPU {met(per_ms <= 1)}; {met(store / (1000 * w / n) >= 20)} (20×); RSS {met(rss < 100)}"
    row(label, "first run, all fetched", *times(shape + ".first"), per, ir(shape + ".first"),
        "≤ 1 ms CPU/staple; ≥ 20× verifying loop (system store); RSS < 100 MB", ok)
    wall = num(f"{shape}.fresh.wall")
    row(label, "all fresh (cron)", *times(shape + ".fresh"),
        f"{f.get(shape + '.fresh.requests')} requests, {f.get(shape + '.fresh.rewritten')} rewritten", ir(shape + ".fresh"), "< 0.3 s", met(wall < 0.3))
    rss = num(f"{shape}.metrics.rss")
    row(label, "all fresh, --metrics-file", *times(shape + ".metrics"), "", "", "RSS < 100 MB", met(rss < 100))
if num("daemon.first.cpu") is not None:
    row(labels["staples"], "fresh daemon, first round", "", f"{num('daemon.first.cpu'):.2f} s", f"{num('daemon.first.rss'):.0f} MB",
        f"settled within {f.get('daemon.first.settled')} s", "", "as today", "")
    row(labels["staples"], f"idle daemon, {idle} s after its first round", "", f"{num('idle.cpu'):.2f} s", f"{num('idle.rss'):.0f} MB (now)",
        f"{f.get('idle.switches')} context switches in {f.get('idle.threads')} threads", "", "as today", "")
print("\n".join(rows))
PY
}

rows=()
for n in "${sizes[@]}"; do
    dir="$work/n$n"; mkdir -p "$dir"; figures="$dir/figures"; : > "$figures"
    cd "$dir"
    port=$(free_port)
    echo "==> N=$n: generating the PKI"
    start=$(date +%s); make_pki "$n" "http://127.0.0.1:$port"; echo "    $(( $(date +%s) - start )) s"
    write_configs "$n" "$dir"
    start_responder
    echo "==> N=$n: responder capacity (ab)"
    measure_capacity
    measure_shape staples
    measure_shape directories
    if [ "$n" = "$CALLGRIND_N" ]; then prepare_callgrind; measure_callgrind staples; measure_callgrind directories; fi
    measure_loops
    measure_daemon
    rows+=("$(report "$n" "$figures")")
    cleanup; pids=()
    cd "$root_dir"
done

header="| N | shape | measurement | wall | CPU user+sys (sys) | peak RSS | per staple | instructions per staple (callgrind, user space) | target (for N = 10,000) | |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
table="$header"
for row in "${rows[@]}"; do table="$table
$row"; done
echo
echo "$table"
{
    echo
    echo "## $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo): \`Benchmarks/run.sh ${sizes[*]}\`, $(git rev-parse --short HEAD)"
    echo
    echo "$table"
} >> Benchmarks/results.md
[ -n "$old_work" ] && rm -rf "$old_work"
[ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$work"
