#!/usr/bin/env bash
# Builds the request parser with libFuzzer (swiftc -sanitize=fuzzer, plus AddressSanitizer) and
# fuzzes it for a bounded time. Usage: Fuzz/run.sh [seconds, default 60] [extra libFuzzer flags]
# New inputs go to .build/fuzz/corpus (seeded from Fuzz/corpus); a crash leaves its input in
# .build/fuzz/ as crash-<hash>, which `.build/fuzz/fuzz-parser <file>` replays.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
shift || true
OUT=.build/fuzz
mkdir -p "$OUT/corpus"
cp -n Fuzz/corpus/* "$OUT/corpus/" 2>/dev/null || true

# The parser's sources are plain Swift with no dependencies: compile them with the target
# into one module.
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name HTTPCore \
  Sources/HTTPCore/Parser/*.swift Fuzz/FuzzRequestParser.swift -o "$OUT/fuzz-parser"

cd "$OUT"
./fuzz-parser -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=10 -dict=../../Fuzz/http.dict \
  -print_final_stats=1 "$@" corpus
