#!/usr/bin/env python3
"""Writes a large row-stochastic f32 .npy without numpy: ROWS x COLS, 64 distinct random rows
repeated. Usage: gen_npy.py OUT.npy ROWS COLS SEED"""
import array, random, sys

out, rows, cols, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
distinct = []
for _ in range(min(64, rows)):
    v = [rng.random() + 1e-3 for _ in range(cols)]
    s = sum(v)
    distinct.append(array.array("f", [x / s for x in v]).tobytes())
d = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
d += " " * ((64 - (10 + len(d) + 1) % 64) % 64) + "\n"
with open(out, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + len(d).to_bytes(2, "little") + d.encode())
    for r in range(rows):
        f.write(distinct[r % len(distinct)])
