#!/bin/bash
# make fuzz: builds otpkit-fuzz with libFuzzer and AddressSanitizer (release, its own scratch path .build-fuzz, so
# the ordinary build never sees it), then runs each target for FUZZ_SECONDS (or FUZZ_RUNS executions) from its
# committed seed corpus Fuzz/corpus/TARGET plus the inputs earlier runs found (.build-fuzz/corpus/TARGET).
# A crash is copied to Fuzz/regressions/TARGET/, which `make test` replays (FuzzRegressionTests): fix it, commit it.
# Prints one summary line per target (executions, coverage, features, crashes) and a total.
#   FUZZ_SECONDS=60 FUZZ_RUNS= FUZZ_TARGETS="pskc journal" Fuzz/run-fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
seconds=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-}
scratch=.build-fuzz

OTPKIT_FUZZ=1 $SWIFT build -c release --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld \
    --product otpkit-fuzz 2>&1 | grep -v "Cannot export local symbol" | tail -3
fuzzer=$scratch/release/otpkit-fuzz
targets=${FUZZ_TARGETS:-$($fuzzer list)}

# Leak checks are off: the Swift runtime's caches (metadata, interned strings) live for the whole process and would
# be reported as leaks of the first input that touched them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
limit=(-max_total_time="$seconds")
[ -n "$runs" ] && limit=(-runs="$runs")

total_runs=0; total_crashes=0; summary=()
for target in $targets; do
    work=$scratch/corpus/$target; crashes=$scratch/crashes/$target; log=$scratch/logs/$target.log
    mkdir -p "$work" "$crashes" "$(dirname "$log")"
    echo "fuzzing $target (log: $log)"
    set +e
    "$fuzzer" "$target" "${limit[@]}" -timeout=10 -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$work" "Fuzz/corpus/$target" > "$log" 2>&1
    status=$?
    set -e
    executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last"); ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
    found=0
    for artifact in "$crashes"/crash-* "$crashes"/leak-* "$crashes"/timeout-* "$crashes"/oom-*; do
        [ -e "$artifact" ] || continue
        mkdir -p "Fuzz/regressions/$target"
        cp "$artifact" "Fuzz/regressions/$target/"
        rm "$artifact"
        found=$((found + 1))
    done
    if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; echo "  $target exited with $status: see $log"; fi
    total_runs=$((total_runs + ${executed:-0})); total_crashes=$((total_crashes + found))
    summary+=("$(printf '%-18s executions %10s  cov %6s  ft %6s  crashes %s' "$target" "${executed:-0}" "${cov:-?}" "${ft:-?}" "$found")")
done
echo
printf '%s\n' "${summary[@]}"
printf '%-18s executions %10s  crashes %s\n' "total" "$total_runs" "$total_crashes"
[ "$total_crashes" -eq 0 ] || { echo "crash inputs were copied to Fuzz/regressions/TARGET/: fix them, then commit them"; exit 1; }
