#!/usr/bin/env bash
# Collation detection-latency benchmark (issue: collation at scale).
# 1,000 simulated recipes under Workato's real 60 reads/min, of which collation spends its shipped share of 40,
# 10 failures/min injected for 3 minutes once collation has seen every recipe; delta polling and naive per-recipe
# polling in the same run. Takes about 12 minutes. The figures are the table printed at the end.
#   benchmarks/collation-latency.sh
#   benchmarks/collation-latency.sh -Dbench.recipes=10000 -Dbench.modes=DELTA -Dbench.tail.seconds=420
#   (-Dbench.reads=60: the whole budget; -Dbench.instances=2: two collation instances on one schema)
set -euo pipefail
cd "$(dirname "$0")/.."
# the reactor builds what the benchmark needs (nothing installed into ~/.m2); only this class runs
./mvnw -q ${MVNW_FLAGS:-} -pl e2e-tests -am verify -Dtest=CollationLatencyBenchmark \
  -Dsurefire.failIfNoSpecifiedTests=false -DskipITs "$@"
grep -E "^(===|mode|DELTA|NAIVE|\(undetected)" \
  e2e-tests/target/surefire-reports/io.aof.e2e.CollationLatencyBenchmark-output.txt
