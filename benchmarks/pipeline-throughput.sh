#!/usr/bin/env bash
# End-to-end pipeline throughput benchmark (issue 16).
# The suite as separate processes, as ./aof up runs them (same JVM options and heap caps), in .aof-bench/ on
# ports 28000+; N failures (default 100,000) fed at full speed (a) through collation's webhook by 8 keep-alive
# clients and (b) by polling the simulator; then raw Kafka produce/consume on the same broker with records of
# the same size. Prints intake and end-to-end rates, p50/p95 failure -> incident latency, consumer lag and
# outbox peaks, CPU, heap and RSS per process. Figures, not assertions.
#   benchmarks/pipeline-throughput.sh [N]
#   BENCH_JFR=collation benchmarks/pipeline-throughput.sh 20000   # a flight recording of that service
#   MVNW_FLAGS=-o ...                                            # e.g. build offline
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
# the reactor builds every jar the run needs in this checkout (package, not install: nothing shared is replaced)
./mvnw -q ${MVNW_FLAGS:-} -DskipTests package
java -Xmx512m -cp "launcher/target/aof-launcher.jar:launcher/target/lib/*" io.aof.launcher.Launcher \
  bench-pipeline "$N" "$PWD"
