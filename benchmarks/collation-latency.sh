#!/usr/bin/env bash
# Collation detection-latency benchmark (issue: collation at scale).
# 1,000 simulated recipes under Workato's real 60 reads/min, 10 failures/min
# injected for 3 minutes; delta polling and naive per-recipe polling in the same
# run. Takes about 12 minutes. The figures are the table printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -DskipTests install
./mvnw -q -pl e2e-tests verify -Dtest=CollationLatencyBenchmark -Dsurefire.failIfNoSpecifiedTests=false "$@"
grep -E "^(===|mode|DELTA|NAIVE|\(undetected)" \
  e2e-tests/target/surefire-reports/io.aof.e2e.CollationLatencyBenchmark-output.txt
