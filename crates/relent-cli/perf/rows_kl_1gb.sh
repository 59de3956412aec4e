#!/usr/bin/env bash
# Row-wise KL of two f32 .npy files of SIZE_MB MiB each (default 1024: 8192 rows x 32768)
# through `relent rows`, against the in-memory throughput of the same computation
# (`relent bench`: relent::batch::row_paired_into, f32, the same row length, operands of about
# 64 MiB in memory). Warm page cache: the files are read once before timing, so this measures
# the CLI's reading, validation and streaming against the library alone, not the disk.
#
# Prints: CLI GB/s (best of RUNS), in-memory GB/s, their ratio, and the CLI's peak RSS and
# minor page faults per run (GNU time -v; the fault count repeats from run to run where timings
# on a shared machine do not), and for one more run the largest anonymous and file-backed
# resident sizes (/proc/PID/status, sampled: memory-mapped input blocks are file-backed). GB/s counts the bytes of both operands (10^9 bytes per GB), as `relent bench`.
# Noisy on shared machines: run the full size on an idle one.
#
#   cargo build --release -p relent-cli
#   crates/relent-cli/perf/rows_kl_1gb.sh              # 1 GiB per file
#   SIZE_MB=64 crates/relent-cli/perf/rows_kl_1gb.sh   # a quick check that it works
#   crates/relent-cli/perf/rows_kl_1gb.sh -j 1         # extra arguments go to both commands
#
# Environment: BIN (default ${CARGO_TARGET_DIR:-target}/release/relent), DIR (data and
# outputs, default /tmp/relent-perf), SIZE_MB (per file, default 1024), COLS (default 32768),
# RUNS (default 3), BENCH_SECONDS (default 2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/relent}
DIR=${DIR:-/tmp/relent-perf}
SIZE_MB=${SIZE_MB:-1024}
COLS=${COLS:-32768}
RUNS=${RUNS:-3}
BENCH_SECONDS=${BENCH_SECONDS:-2}
ROWS=$(( SIZE_MB * 1024 * 1024 / (4 * COLS) ))
if [ ! -x "$BIN" ]; then
  echo "error: no relent binary at $BIN (cargo build --release -p relent-cli, or set BIN)" >&2
  exit 1
fi
if [ ! -x /usr/bin/time ]; then
  echo "error: /usr/bin/time (GNU time) is needed for the peak RSS" >&2
  exit 1
fi
if [ "$ROWS" -lt 1 ]; then
  echo "error: SIZE_MB=$SIZE_MB is smaller than one row of $COLS f32" >&2
  exit 1
fi
mkdir -p "$DIR"
p="$DIR/p-${ROWS}x${COLS}.npy"
q="$DIR/q-${ROWS}x${COLS}.npy"
[ -f "$p" ] || python3 "$here/gen_npy.py" "$p" "$ROWS" "$COLS" 1
[ -f "$q" ] || python3 "$here/gen_npy.py" "$q" "$ROWS" "$COLS" 2
cat "$p" "$q" > /dev/null   # warm the page cache
bytes=$(( $(stat -c %s "$p") + $(stat -c %s "$q") ))
echo "relent: $("$BIN" --version); $ROWS rows x $COLS f32 per file, $bytes bytes in all"

echo "== in memory: relent bench --dtype f32 --sizes $COLS $*"
bench=$("$BIN" bench --dtype f32 --sizes "$COLS" --seconds "$BENCH_SECONDS" "$@")
echo "$bench"
# The GB/s column of the "rows (batch)" line.
mem_gbs=$(echo "$bench" | awk '$1 == "f32" && /rows \(batch\)/ { print $(NF-1) }')
if [ -z "$mem_gbs" ]; then
  echo "error: no 'rows (batch)' line in the bench output" >&2
  exit 1
fi

echo "== from files: relent rows $p $q -o $DIR/out.npy $*"
best=""
rss_kib=0
for i in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$DIR/time.txt" "$BIN" rows "$p" "$q" -o "$DIR/out.npy" "$@"
  end=$(date +%s.%N)
  t=$(python3 -c "print(f'{$end - $start:.3f}')")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$DIR/time.txt")
  faults=$(awk -F': ' '/Minor \(reclaiming a frame\) page faults/ { print $2 }' "$DIR/time.txt")
  if [ "$rss" -gt "$rss_kib" ]; then rss_kib=$rss; fi
  echo "run $i: $t s, $(python3 -c "print(f'{$bytes / $t / 1e9:.3f}')") GB/s, peak RSS $(( rss / 1024 )) MiB, $faults minor faults"
  if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then
    best=$t
  fi
done
# Where the peak resident set is: one more run, its /proc/PID/status polled every 5 ms for
# the largest RssAnon (heap, stacks) and RssFile (mapped file pages: the binary, and the
# memory-mapped input blocks — page cache, reclaimable) seen, and its VmHWM.
"$BIN" rows "$p" "$q" -o "$DIR/out.npy" "$@" &
pid=$!
max_anon=0; max_file=0; hwm=0
while kill -0 "$pid" 2>/dev/null; do
  read -r a f h < <(awk '/^RssAnon/ {a=$2} /^RssFile/ {f=$2} /^VmHWM/ {h=$2} END {print a+0, f+0, h+0}' \
    "/proc/$pid/status" 2>/dev/null || echo "0 0 0")
  if [ "${a:-0}" -gt "$max_anon" ]; then max_anon=$a; fi
  if [ "${f:-0}" -gt "$max_file" ]; then max_file=$f; fi
  if [ "${h:-0}" -gt "$hwm" ]; then hwm=$h; fi
  sleep 0.005
done
wait "$pid"
echo "sampled run: VmHWM $(( hwm / 1024 )) MiB, largest RssAnon ${max_anon} KiB, largest RssFile $(( max_file / 1024 )) MiB"

# The result: ROWS float64 values after a header padded to a multiple of 64 bytes.
header=$(( $(stat -c %s "$DIR/out.npy") - 8 * ROWS ))
if [ "$header" -le 0 ] || [ $(( header % 64 )) -ne 0 ]; then
  echo "error: $DIR/out.npy does not hold $ROWS float64 values" >&2
  exit 1
fi

python3 - "$bytes" "$best" "$mem_gbs" "$rss_kib" <<'EOF'
import sys
nbytes, best, mem, rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
cli = nbytes / best / 1e9
print("== summary")
print(f"CLI GB/s:        {cli:.3f}  (relent rows, best of the runs: {best:.3f} s for {nbytes} bytes)")
print(f"in-memory GB/s:  {mem:.3f}  (relent bench, rows (batch))")
print(f"ratio CLI / in-memory: {cli / mem:.2f}")
print(f"peak RSS:        {rss / 1024:.1f} MiB  (largest of the runs; the inputs are {nbytes / 2**20:.0f} MiB)")
EOF
