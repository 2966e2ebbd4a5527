#!/usr/bin/env bash
# Copies what a fuzzing run (mvn -B verify -Pfuzz) found into the committed corpora, so that every build replays it.
#
# Jazzer keeps the inputs that reached new code in <module>/.cifuzz-corpus/<package.Class>/<method>/ (git-ignored,
# named by the SHA-1 of their bytes) and writes an input that failed a target as crash-<sha1> straight into the
# target's committed directory, src/test/resources/<package>/<Class>Inputs/<method>/. This script copies the
# former into the latter, skipping inputs already there and inputs larger than MAX_BYTES (default 4096: a large
# input adds little that a small one does not, and slows every build's replay).
#
# Usage: scripts/merge-fuzz-corpus.sh [MAX_BYTES]     (from the project root; then review and commit)
set -euo pipefail
cd "$(dirname "$0")/.."
max_bytes=${1:-4096}
added=0
for generated in hftp-*/.cifuzz-corpus/*/*/; do
  [ -d "$generated" ] || continue
  module=${generated%%/*}
  class_dir=$(basename "$(dirname "$generated")")   # e.g. dev.hftp.codec.HftpDecoderFuzzTest
  method=$(basename "$generated")
  package=${class_dir%.*}
  class=${class_dir##*.}
  target="$module/src/test/resources/${package//.//}/${class}Inputs/$method"
  if [ ! -d "$target" ]; then
    echo "skipping $generated: no committed corpus at $target" >&2
    continue
  fi
  while IFS= read -r -d '' file; do
    name=$(basename "$file")
    if [ ! -e "$target/$name" ] && [ "$(stat -c %s "$file")" -le "$max_bytes" ]; then
      cp "$file" "$target/$name"
      added=$((added + 1))
    fi
  done < <(find "$generated" -maxdepth 1 -type f -print0)
done
echo "added $added input(s); new crash-* files, if any, are already in place: git status shows both"
