#!/usr/bin/env bash
# JMH microbenchmarks of the parsers (issue 5): SMTP command lines, the DATA / BDAT decoder and the header
# section. Builds and installs the main project into the local Maven repository (tests skipped), builds the
# benchmarks jar of bench/jmh (a Maven project of its own, outside the main build and CI), runs it, prints JMH's
# table and writes it with the date, commit and machine to bench/results/jmh-<date>.txt.
#
#   bench/jmh.sh                                   # all benchmarks, JMH_ARGS="-f 1 -wi 3 -i 5 -w 2s -r 2s"
#   bench/jmh.sh DataDecoder                       # only those matching a regex (any JMH arguments pass through)
#   JMH_ARGS="-f 3 -wi 5 -i 10" bench/jmh.sh       # longer, steadier runs
#   SKIP_BUILD=1 bench/jmh.sh -prof gc             # reuse the jar, add JMH's allocation profiler
#
# No server and no network: the only processes are JMH's own JVMs, which end with it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JMH_ARGS="${JMH_ARGS:--f 1 -wi 3 -i 5 -w 2s -r 2s}"
jar="$here/jmh/target/benchmarks.jar"

# Offline first (the usual case: everything is in ~/.m2); online once when something is missing.
mvn() { "$root/mvnw" -q -o "$@" || "$root/mvnw" -q "$@"; }

if [ -z "${SKIP_BUILD:-}" ]; then
  version="$(awk '/<artifactId>mailroom<\/artifactId>/ { getline; if (match($0, /<version>[^<]+/)) { print substr($0, RSTART + 9, RLENGTH - 9); exit } }' "$root/pom.xml")"
  echo "jmh.sh: installing Mailroom $version (tests skipped) and building the benchmarks" >&2
  (cd "$root" && mvn -DskipTests install)
  mvn -f "$here/jmh/pom.xml" -Dmailroom.version="$version" package
fi
[ -f "$jar" ] || { echo "jmh.sh: $jar missing (run without SKIP_BUILD)" >&2; exit 1; }

mkdir -p "$here/results"
out="$here/results/jmh-$(date -u +%Y%m%d-%H%M%S).txt"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git -C "$root" status --porcelain 2>/dev/null | grep -qv '^??' && echo ' (uncommitted changes)' || true)"
{
  echo "# Mailroom JMH microbenchmarks"
  echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit:  $commit$dirty"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/^Mem:/ { print $2 " GiB" }'), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java:    $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
  echo "args:    $JMH_ARGS $*"
  echo
} | tee "$out"
# shellcheck disable=SC2086 # JMH_ARGS is a list of arguments
"$JAVA_HOME/bin/java" -jar "$jar" $JMH_ARGS "$@" 2>&1 | tee -a "$out"
echo "jmh.sh: results in ${out#"$root"/}" >&2
