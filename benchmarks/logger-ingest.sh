#!/usr/bin/env bash
# Logger ingest and query benchmark (issue: global log and report).
# 500,000 events through Kafka into the logger, against a bare JDBC batch insert
# of the same rows into the same table in the same run; then p50/p95 of the
# timeline and filtered-page queries over those rows. Takes about 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -DskipTests install
./mvnw -q -pl e2e-tests verify -Dtest=LoggerIngestBenchmark -Dsurefire.failIfNoSpecifiedTests=false
grep -E "^(===|ingest|bare_jdbc|logger_|query|timeline|page|job history)" \
  e2e-tests/target/surefire-reports/io.aof.e2e.LoggerIngestBenchmark-output.txt
