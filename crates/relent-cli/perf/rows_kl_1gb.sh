#!/usr/bin/env bash
# Row-wise KL of two 1 GiB f32 .npy files (8192 x 32768) through `relent rows`, against the
# in-memory throughput of the same computation (`relent bench`, rows (batch) mode, same row
# length). Warm page cache: the files are read once before timing. Reports wall time, GB/s
# and max RSS (GNU time). Noisy on shared machines: run it on an idle one.
set -euo pipefail
BIN=${BIN:-target/release/relent}
DIR=${DIR:-/tmp/relent-perf}
ROWS=${ROWS:-8192}
COLS=${COLS:-32768}
mkdir -p "$DIR"
here=$(dirname "$0")
[ -f "$DIR/p.npy" ] || python3 "$here/gen_npy.py" "$DIR/p.npy" "$ROWS" "$COLS" 1
[ -f "$DIR/q.npy" ] || python3 "$here/gen_npy.py" "$DIR/q.npy" "$ROWS" "$COLS" 2
cat "$DIR/p.npy" "$DIR/q.npy" > /dev/null   # warm the page cache
bytes=$(( $(stat -c %s "$DIR/p.npy") + $(stat -c %s "$DIR/q.npy") ))
echo "== in memory (relent bench, f32, n = $COLS)"
"$BIN" bench --dtype f32 --sizes "$COLS" --seconds 2 "$@"
echo "== from files (relent rows), $bytes bytes"
for i in 1 2 3; do
  /usr/bin/time -f "%e s wall, %M KiB max RSS" "$BIN" rows "$DIR/p.npy" "$DIR/q.npy" -f csv "$@" > "$DIR/out.csv" 2> "$DIR/time.txt"
  t=$(awk '{print $1}' "$DIR/time.txt")
  echo "run $i: $(cat "$DIR/time.txt"); $(python3 -c "print(f'{$bytes/$t/1e9:.3f} GB/s')")"
done
