#!/bin/bash
# Usage: within-time-limit.sh SECONDS COMMAND...
# Runs the test command with its output passed on line by line (a log cut short still ends at the last line printed,
# not a buffer's worth before it) and within SECONDS: past them, the command and what it started are stopped, and the
# tests that had started and not ended are named, so that a test that hangs fails the run with its name instead of
# holding it until CI's own limit.
set -o pipefail
limit=$1
shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
timeout --kill-after=30 "$limit" stdbuf -oL -eL "$@" 2>&1 | tee "$log"
status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "The tests did not end within $limit s. Started and not ended:"
  # swift-testing's lines: "◇ Test NAME started.", and at its end "✔ Test NAME ... passed after ...", "✘ ... failed
  # after ...", "━ ... passed after ... with 1 known issue" or "... skipped"; "✘ Test NAME recorded an issue" is no end.
  awk '$2 == "Test" && $3 != "case" && $3 != "run" {
         if ($1 == "◇" && $NF == "started.") running[$3] = 1
         else if (/ (passed|failed) after / || / skipped/) delete running[$3]
       }
       END { for (name in running) print "  " name }' "$log"
fi
exit "$status"
