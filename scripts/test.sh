#!/usr/bin/env bash
# Runs the whole test suite: installs missing packages, builds, and runs every test
# (generated PKI, real `openssl ocsp` responders and private Exim daemons on 127.0.0.1;
# no internet). Exim: Debian's exim4-daemon-heavy, run with its own configuration only.
# promtool (checks the metrics file): taken out of Debian's prometheus package, which is not
# installed (it would start a Prometheus server).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_packages libssl-dev libcurl4-openssl-dev pkg-config openssl ca-certificates exim4-daemon-heavy mount systemd rsync
ensure_promtool
ensure_swift
# The formatting rules are .swift-format's; a change that breaks them fails here, first.
swift format lint --strict --parallel --recursive Sources Tests Fuzz Package.swift
swift build --build-tests
swift test
