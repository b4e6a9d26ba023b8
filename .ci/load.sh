#!/usr/bin/env bash
# CI: the scan load test of benches/load_scan.sh at a small size (20,000
# stamps, 10 s of wrk with 32 connections, stamp runs issued meanwhile),
# against the debug binary the test steps built: it checks correctness
# (no error, every served scan stored, every run whole), not speed. The
# README's figures come from the full-size release run of the same script.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${OCOP_BIN:-}" ]]; then
    cargo build --locked --quiet
    OCOP_BIN=target/debug/ocop
fi

OCOP_BIN=$OCOP_BIN \
    RUNS=${RUNS:-2} PER_RUN=${PER_RUN:-10000} \
    DURATION=${DURATION:-10s} REFERENCE_DURATION=${REFERENCE_DURATION:-3s} \
    THREADS=${THREADS:-2} CONNECTIONS=${CONNECTIONS:-32} ISSUE_COUNT=${ISSUE_COUNT:-2000} \
    benches/load_scan.sh
