#!/usr/bin/env bash
# Outage awareness OFF vs ON in one run (issue 17): NetSuite down for 20 (scaled) minutes under 9 recipes with
# 300 failed jobs, while 3 recipes on other connectors fail once and recover. For each mode a fresh suite as
# separate processes, as ./aof up runs them, in .aof-bench/outage-off and .aof-bench/outage-on on ports 28100+
# and 28150+; time scaled (1 minute = 2 s). Prints, side by side: repeats spent against NetSuite during its
# outage, Slack posts per channel, incidents exhausted, NetSuite jobs recovered within 10 minutes of the end,
# Workato calls by endpoint, jobs repeated twice; the table also goes to .aof-bench/outage-comparison.md.
# Figures, not assertions. About 10 minutes on 2 cores.
#   benchmarks/outage-comparison.sh
#   MVNW_FLAGS=-o benchmarks/outage-comparison.sh   # e.g. build offline
set -euo pipefail
cd "$(dirname "$0")/.."
# the reactor builds every jar the run needs in this checkout (package, not install: nothing shared is replaced)
./mvnw -q ${MVNW_FLAGS:-} -DskipTests package
java -Xmx512m -cp "launcher/target/aof-launcher.jar:launcher/target/lib/*" io.aof.launcher.Launcher \
  bench-outage "$PWD"
