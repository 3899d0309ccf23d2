#!/usr/bin/env bash
# Recovery throughput benchmark (issue: batched, rate-limited repeats).
# 3,000 repeats due at once across 30 recipes against the simulator's real
# limits, batched and one-per-call in the same run; prints repeats/min.
# Takes about 5 minutes. The figures are the table printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -DskipTests install
./mvnw -q -pl e2e-tests verify -Dtest=RepeatThroughputBenchmark -Dsurefire.failIfNoSpecifiedTests=false "$@"
grep -E "^(===|mode|batched|one_per_call|ceiling)" \
  e2e-tests/target/surefire-reports/io.aof.e2e.RepeatThroughputBenchmark-output.txt
