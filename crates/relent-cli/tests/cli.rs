//! End-to-end tests: the built `relent` binary on files written here (npy C/Fortran order,
//! f16/f32/f64, big-endian, safetensors bf16, CSV/TSV with and without header, stdin),
//! including corrupt, truncated and hostile files; outputs checked against relent-scalar (the
//! exact reference) and against the relent functions called directly.
//!
//! Tolerances: against relent-scalar, the kernels' documented bound for the default precision,
//! 2^-21 relative (`relent_simd::bounds::DEFAULT_NARROW`; exactly for 0 and ±inf). Against relent,
//! bit for bit where the CLI calls one relent function on the rows as read, and the bound
//! derived in compute.rs (`# Accuracy`) where it transforms the rows first.
//!
//! Golden `--help` files live in tests/golden/; regenerate with `UPDATE_GOLDEN=1 cargo test`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use half::{bf16, f16};
use relent_scalar as rs;

const BIN: &str = env!("CARGO_BIN_EXE_relent");
/// Relative error bound of the default-precision kernels (see the module docs).
const TOL: f64 = relent_simd::bounds::DEFAULT_NARROW;

fn relent(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run relent")
}

fn relent_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn relent");
    // relent may exit before reading stdin (an argument error): a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

fn ok(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "relent failed: {err}");
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Asserts failure without a panic and returns stderr.
fn fails(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        !o.status.success(),
        "relent unexpectedly succeeded: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(o.status.code(), Some(1), "exit code (stderr: {err})");
    assert!(!err.contains("panicked"), "relent panicked: {err}");
    err
}

fn close(got: f64, want: f64) -> bool {
    got == want || (got - want).abs() <= TOL * want.abs()
}

fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            close(*g, *w),
            "row {i}: got {g}, want {w} (tolerance {TOL} relative)"
        );
    }
}

/// Deterministic xorshift source.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    /// `rows` probability rows of `cols`, some entries exactly 0.
    fn probs(&mut self, rows: usize, cols: usize) -> Vec<Vec<f64>> {
        (0..rows)
            .map(|_| {
                let v: Vec<f64> = (0..cols)
                    .map(|_| {
                        if self.next() < 0.15 {
                            0.0
                        } else {
                            self.next() + 0.01
                        }
                    })
                    .collect();
                let s: f64 = v.iter().sum::<f64>().max(1e-9);
                v.iter().map(|x| x / s).collect()
            })
            .collect()
    }
}

fn npy_bytes(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
    let mut dict = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
        if fortran { "True" } else { "False" }
    );
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.extend_from_slice(data);
    out
}

/// Writes rows as a 2-D .npy of the given type (`f2`, `f4`, `f8`; `>` for big-endian).
fn write_npy(path: &Path, rows: &[Vec<f64>], kind: &str, fortran: bool) {
    let (r, c) = (rows.len(), rows[0].len());
    let order: Vec<f64> = if fortran {
        (0..c)
            .flat_map(|j| rows.iter().map(move |row| row[j]))
            .collect()
    } else {
        rows.iter().flatten().copied().collect()
    };
    let big = kind.starts_with('>');
    let mut data = Vec::new();
    for v in order {
        let bytes: Vec<u8> = match &kind[1..] {
            "f2" => {
                let h = f16::from_f64(v);
                if big {
                    h.to_be_bytes().to_vec()
                } else {
                    h.to_le_bytes().to_vec()
                }
            }
            "f4" => {
                let h = v as f32;
                if big {
                    h.to_be_bytes().to_vec()
                } else {
                    h.to_le_bytes().to_vec()
                }
            }
            "f8" => {
                if big {
                    v.to_be_bytes().to_vec()
                } else {
                    v.to_le_bytes().to_vec()
                }
            }
            k => panic!("kind {k}"),
        };
        data.extend(bytes);
    }
    std::fs::write(
        path,
        npy_bytes(kind, fortran, &format!("({r}, {c})"), &data),
    )
    .unwrap();
}

fn write_csv(path: &Path, rows: &[Vec<f64>], header: bool, delim: &str) {
    let mut s = String::new();
    if header {
        let names: Vec<String> = (0..rows[0].len()).map(|j| format!("c{j}")).collect();
        s += &names.join(delim);
        s += "\n";
    }
    for r in rows {
        let v: Vec<String> = r.iter().map(|x| format!("{x:?}")).collect();
        s += &v.join(delim);
        s += "\n";
    }
    std::fs::write(path, s).unwrap();
}

/// The values column of `row,<name>` CSV output.
fn csv_column(out: &str) -> Vec<f64> {
    out.lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect()
}

fn round<T: rs::Element>(rows: &[Vec<f64>]) -> Vec<Vec<T>> {
    rows.iter()
        .map(|r| r.iter().map(|&x| T::from_f64(x)).collect())
        .collect()
}

fn per_row<T: rs::Element>(p: &[Vec<T>], q: &[Vec<T>], f: impl Fn(&[T], &[T]) -> f64) -> Vec<f64> {
    p.iter().zip(q).map(|(a, b)| f(a, b)).collect()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Reads a little-endian f64 or i64 .npy written by relent: (shape, raw 8-byte words).
fn read_npy8(path: &Path) -> (Vec<usize>, String, Vec<[u8; 8]>) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..8], b"\x93NUMPY\x01\x00");
    let hl = u16::from_le_bytes([b[8], b[9]]) as usize;
    assert_eq!((10 + hl) % 64, 0, "header padded to 64 bytes");
    let h = std::str::from_utf8(&b[10..10 + hl]).unwrap();
    let descr = h.split('\'').nth(3).unwrap().to_string();
    let shape_s = &h[h.find("'shape': (").unwrap() + 10..];
    let shape_s = &shape_s[..shape_s.find(')').unwrap()];
    let shape = shape_s
        .split(',')
        .filter(|t| !t.trim().is_empty())
        .map(|t| t.trim().parse().unwrap())
        .collect();
    let words = b[10 + hl..]
        .chunks_exact(8)
        .map(|c| c.try_into().unwrap())
        .collect();
    (shape, descr, words)
}

#[test]
fn rows_npy_f32_c_order_matches_reference() {
    let d = tmp();
    let mut g = Rng(1);
    let (p, q) = (g.probs(9, 17), g.probs(9, 17));
    write_npy(&d.path().join("p.npy"), &p, "<f4", false);
    write_npy(&d.path().join("q.npy"), &q, "<f4", false);
    let out = ok(&relent(&[
        "rows",
        s(&d.path().join("p.npy")),
        s(&d.path().join("q.npy")),
        "--block-rows",
        "4",
    ]));
    assert!(out.starts_with("row,kl\n"));
    let want = per_row(&round::<f32>(&p), &round::<f32>(&q), rs::kl);
    assert_close(&csv_column(&out), &want);
    // Thread count does not change a bit.
    let one = ok(&relent(&[
        "rows",
        s(&d.path().join("p.npy")),
        s(&d.path().join("q.npy")),
        "-j",
        "1",
    ]));
    assert_eq!(one, out);
}

#[test]
fn rows_fortran_f64_against_c_order_and_big_endian() {
    let d = tmp();
    let mut g = Rng(2);
    let (p, q) = (g.probs(7, 5), g.probs(7, 5));
    write_npy(&d.path().join("p.npy"), &p, "<f8", true);
    write_npy(&d.path().join("q.npy"), &q, ">f8", false);
    let out = ok(&relent(&[
        "rows",
        s(&d.path().join("p.npy")),
        s(&d.path().join("q.npy")),
        "-d",
        "jeffreys",
        "--block-rows",
        "3",
    ]));
    assert_close(&csv_column(&out), &per_row(&p, &q, rs::jeffreys));
    // Mixed types (f32 big-endian vs f64) are computed in f64 exactly.
    write_npy(&d.path().join("q4.npy"), &q, ">f4", true);
    let out = ok(&relent(&[
        "rows",
        s(&d.path().join("p.npy")),
        s(&d.path().join("q4.npy")),
    ]));
    let q32: Vec<Vec<f64>> = round::<f32>(&q)
        .iter()
        .map(|r| r.iter().map(|&x| x as f64).collect())
        .collect();
    assert_close(&csv_column(&out), &per_row(&p, &q32, rs::kl));
}

#[test]
fn rows_f16_npy_and_1d_vectors() {
    let d = tmp();
    let mut g = Rng(3);
    let (p, q) = (g.probs(4, 33), g.probs(4, 33));
    write_npy(&d.path().join("p.npy"), &p, "<f2", false);
    write_npy(&d.path().join("q.npy"), &q, "<f2", true);
    let out = ok(&relent(&[
        "rows",
        s(&d.path().join("p.npy")),
        s(&d.path().join("q.npy")),
        "-d",
        "js",
        "--bits",
    ]));
    let want = per_row(&round::<f16>(&p), &round::<f16>(&q), rs::js_divergence_bits);
    assert_close(&csv_column(&out), &want);
    // A 1-D array is one row.
    let data: Vec<u8> = p[0].iter().flat_map(|&x| x.to_le_bytes()).collect();
    std::fs::write(
        d.path().join("v.npy"),
        npy_bytes("<f8", false, "(33,)", &data),
    )
    .unwrap();
    let out = ok(&relent(&[
        "rows",
        s(&d.path().join("v.npy")),
        s(&d.path().join("v.npy")),
    ]));
    assert_eq!(csv_column(&out), vec![0.0]);
}

fn write_safetensors(path: &Path, tensors: &[(&str, safetensors::Dtype, Vec<usize>, Vec<u8>)]) {
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .map(|(n, dt, shape, data)| {
            (
                n.to_string(),
                safetensors::tensor::TensorView::new(*dt, shape.clone(), data).unwrap(),
            )
        })
        .collect();
    std::fs::write(path, safetensors::serialize(views, None).unwrap()).unwrap();
}

#[test]
fn safetensors_bf16_logits_by_name() {
    let d = tmp();
    let mut g = Rng(4);
    let logits = |g: &mut Rng| -> Vec<Vec<f64>> {
        (0..6)
            .map(|_| {
                (0..11)
                    .map(|j| {
                        if j == 3 {
                            f64::NEG_INFINITY
                        } else {
                            8.0 * g.next() - 4.0
                        }
                    })
                    .collect()
            })
            .collect()
    };
    let (a, b) = (logits(&mut g), logits(&mut g));
    let bytes = |m: &[Vec<f64>]| -> Vec<u8> {
        m.iter()
            .flatten()
            .flat_map(|&x| bf16::from_f64(x).to_le_bytes())
            .collect()
    };
    let f = d.path().join("m.safetensors");
    write_safetensors(
        &f,
        &[
            (
                "model.logits",
                safetensors::Dtype::BF16,
                vec![2, 3, 11],
                bytes(&a),
            ),
            (
                "ref.logits",
                safetensors::Dtype::BF16,
                vec![6, 11],
                bytes(&b),
            ),
        ],
    );
    let (pa, pb) = (
        format!("{}:model.logits", s(&f)),
        format!("{}:ref.logits", s(&f)),
    );
    let out = ok(&relent(&[
        "rows", &pa, &pb, "--input", "logits", "-t", "1.5",
    ]));
    let want = per_row(&round::<bf16>(&a), &round::<bf16>(&b), |x, y| {
        rs::kl_logits(x, y, 1.5)
    });
    assert_close(&csv_column(&out), &want);
    // --tensor names the default; several tensors and no choice is an error listing them.
    let out2 = ok(&relent(&[
        "rows",
        s(&f),
        &pb,
        "--input",
        "logits",
        "-t",
        "1.5",
        "--tensor",
        "model.logits",
    ]));
    assert_eq!(out, out2);
    let err = fails(&relent(&["rows", s(&f), &pb, "--input", "logits"]));
    assert!(err.contains("model.logits, ref.logits"), "{err}");
    let err = fails(&relent(&["rows", &format!("{}:nope", s(&f)), &pb]));
    assert!(err.contains("no tensor named \"nope\""), "{err}");
}

#[test]
fn csv_header_detection_tsv_and_stdin() {
    let d = tmp();
    let mut g = Rng(5);
    let (p, q) = (g.probs(5, 4), g.probs(5, 4));
    write_csv(&d.path().join("p.csv"), &p, true, ",");
    write_csv(&d.path().join("q.tsv"), &q, false, "\t");
    let want = per_row(&p, &q, rs::cross_entropy);
    let out = ok(&relent(&[
        "rows",
        s(&d.path().join("p.csv")),
        s(&d.path().join("q.tsv")),
        "-d",
        "ce",
    ]));
    assert_close(&csv_column(&out), &want);
    let text = std::fs::read(d.path().join("p.csv")).unwrap();
    let out = ok(&relent_stdin(
        &["rows", "-", s(&d.path().join("q.tsv")), "-d", "ce"],
        &text,
    ));
    assert_close(&csv_column(&out), &want);
    // A header-less first row of numbers is data, not a header.
    write_csv(&d.path().join("p2.csv"), &p, false, ",");
    let out = ok(&relent(&[
        "rows",
        s(&d.path().join("p2.csv")),
        s(&d.path().join("q.tsv")),
        "-d",
        "ce",
    ]));
    assert_close(&csv_column(&out), &want);
    // --header / --no-header force the choice.
    let err = fails(&relent(&[
        "rows",
        s(&d.path().join("p.csv")),
        s(&d.path().join("q.tsv")),
        "--no-header",
    ]));
    assert!(
        err.contains("line 1, column 1") && err.contains("\"c0\" is not a number"),
        "{err}"
    );
    // Two stdin inputs are refused.
    fails(&relent_stdin(&["rows", "-", "-"], b"1,2\n"));
}

#[test]
fn normalize_and_js_distance() {
    let d = tmp();
    let counts = vec![vec![3.0, 0.0, 5.0, 2.0], vec![1.0, 1.0, 1.0, 1.0]];
    let other = vec![vec![1.0, 4.0, 4.0, 1.0], vec![0.0, 2.0, 2.0, 6.0]];
    write_csv(&d.path().join("a.csv"), &counts, false, ",");
    write_csv(&d.path().join("b.csv"), &other, false, ",");
    let (a, b) = (
        s(&d.path().join("a.csv")).to_string(),
        s(&d.path().join("b.csv")).to_string(),
    );
    let out = ok(&relent(&["rows", &a, &b, "--normalize"]));
    assert_close(
        &csv_column(&out),
        &per_row(&counts, &other, rs::kl_normalized),
    );
    let norm = |m: &[Vec<f64>]| -> Vec<Vec<f64>> {
        m.iter()
            .map(|r| {
                let t: f64 = r.iter().sum();
                r.iter().map(|x| x / t).collect()
            })
            .collect()
    };
    let out = ok(&relent(&[
        "rows",
        &a,
        &b,
        "--normalize",
        "-d",
        "js-distance",
    ]));
    assert_close(
        &csv_column(&out),
        &per_row(&norm(&counts), &norm(&other), rs::js_distance),
    );
    // p > 0 where q = 0: +inf is an answer, not an error.
    let out = ok(&relent(&["rows", &b, &a, "--normalize", "-f", "jsonl"]));
    assert!(
        out.lines().next().unwrap().contains("\"kl\":\"inf\""),
        "{out}"
    );
}

#[test]
fn one_vs_many_all_pairs_top_k() {
    let d = tmp();
    let mut g = Rng(6);
    let (p, q) = (g.probs(5, 6), g.probs(8, 6));
    write_npy(&d.path().join("p.npy"), &p, "<f8", false);
    write_npy(&d.path().join("q.npy"), &q, "<f8", true);
    let (pp, qp) = (
        s(&d.path().join("p.npy")).to_string(),
        s(&d.path().join("q.npy")).to_string(),
    );

    let out = ok(&relent(&[
        "one-vs-many",
        &pp,
        &qp,
        "--row",
        "2",
        "--block-rows",
        "3",
    ]));
    let want: Vec<f64> = q.iter().map(|r| rs::kl(&p[2], r)).collect();
    assert_close(&csv_column(&out), &want);
    let out = ok(&relent(&[
        "one-vs-many",
        &pp,
        &qp,
        "--row",
        "2",
        "--reverse",
    ]));
    let want: Vec<f64> = q.iter().map(|r| rs::kl(r, &p[2])).collect();
    assert_close(&csv_column(&out), &want);
    assert!(fails(&relent(&["one-vs-many", &pp, &qp])).contains("--row"));

    let o = d.path().join("all.npy");
    ok(&relent(&[
        "all-pairs",
        &pp,
        &qp,
        "-o",
        s(&o),
        "--block-rows",
        "2",
    ]));
    let (shape, descr, words) = read_npy8(&o);
    assert_eq!((shape, descr.as_str()), (vec![5, 8], "<f8"));
    let got: Vec<f64> = words.iter().map(|w| f64::from_le_bytes(*w)).collect();
    let want: Vec<f64> = p
        .iter()
        .flat_map(|a| q.iter().map(|b| rs::kl(a, b)))
        .collect();
    assert_close(&got, &want);

    let o = d.path().join("nn.npy");
    ok(&relent(&[
        "top-k",
        &pp,
        &qp,
        "-k",
        "3",
        "-o",
        s(&o),
        "--block-rows",
        "3",
    ]));
    let (shape, _, vals) = read_npy8(&o);
    let (ishape, idescr, idx) = read_npy8(&d.path().join("nn.indices.npy"));
    assert_eq!(
        (shape.clone(), ishape, idescr.as_str()),
        (vec![5, 3], vec![5, 3], "<i8")
    );
    for (i, a) in p.iter().enumerate() {
        let mut all: Vec<(f64, usize)> = q
            .iter()
            .enumerate()
            .map(|(j, b)| (rs::kl(a, b), j))
            .collect();
        all.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        for r in 0..3 {
            assert_eq!(
                i64::from_le_bytes(idx[i * 3 + r]) as usize,
                all[r].1,
                "row {i} rank {r}"
            );
            assert!(close(f64::from_le_bytes(vals[i * 3 + r]), all[r].0));
        }
    }

    // Within one set, excluding self; JSON lines.
    let out = ok(&relent(&[
        "top-k",
        &qp,
        "-k",
        "2",
        "--exclude-self",
        "-f",
        "jsonl",
        "-d",
        "js",
    ]));
    for (i, line) in out.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["row"], i);
        let idx: Vec<u64> = v["index"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        assert!(!idx.contains(&(i as u64)));
        let mut all: Vec<(f64, usize)> = q
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(j, b)| (rs::js_divergence(&q[i], b), j))
            .collect();
        all.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        assert_eq!(idx, vec![all[0].1 as u64, all[1].1 as u64]);
    }
}

#[test]
fn summary_from_rows_and_file() {
    let d = tmp();
    let mut g = Rng(7);
    // q without zeros, so that every KL is finite.
    let (p, q) = (g.probs(101, 9), g.probs(101, 9));
    let q: Vec<Vec<f64>> = q
        .iter()
        .map(|r| r.iter().map(|x| (x + 0.01) / 1.09).collect())
        .collect();
    write_npy(&d.path().join("p.npy"), &p, "<f8", false);
    write_npy(&d.path().join("q.npy"), &q, "<f8", false);
    let (pp, qp) = (
        s(&d.path().join("p.npy")).to_string(),
        s(&d.path().join("q.npy")).to_string(),
    );
    let mut kl = per_row(&p, &q, rs::kl);
    let out = ok(&relent(&["rows", &pp, &qp, "--summary", "-f", "jsonl"]));
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let (imax, max) = kl
        .iter()
        .enumerate()
        .fold((0, f64::MIN), |a, (i, &x)| if x > a.1 { (i, x) } else { a });
    assert_eq!(v["count"], 101);
    assert_eq!(v["max_row"], imax);
    assert!(close(v["max"].as_f64().unwrap(), max));
    kl.sort_by(f64::total_cmp);
    assert!(close(v["median"].as_f64().unwrap(), kl[50]));
    assert!(close(v["p90"].as_f64().unwrap(), kl[90]));
    let mean = kl.iter().sum::<f64>() / 101.0;
    assert!((v["mean"].as_f64().unwrap() - mean).abs() <= 1e-12 * mean);

    // rows -o file --summary: rows to the file, summary to stdout; summary of that file agrees.
    let o = d.path().join("kl.csv");
    let table = ok(&relent(&[
        "rows",
        &pp,
        &qp,
        "-o",
        s(&o),
        "--summary",
        "-f",
        "table",
    ]));
    assert!(
        table.contains("median") && table.contains(&format!("(row {imax})")),
        "{table}"
    );
    let again = ok(&relent(&["summary", s(&o), "-f", "jsonl"]));
    let w: serde_json::Value = serde_json::from_str(again.trim()).unwrap();
    assert_eq!(w["median"], v["median"]);
    assert_eq!(w["name"], "kl");
}

#[test]
fn invalid_values_are_reported_with_row_and_column() {
    let d = tmp();
    let mut p = Rng(8).probs(4, 5);
    let q = Rng(9).probs(4, 5);
    p[2][3] = -0.25;
    write_npy(&d.path().join("p.npy"), &p, "<f4", false);
    write_npy(&d.path().join("q.npy"), &q, "<f4", false);
    let o = d.path().join("out.npy");
    let err = fails(&relent(&[
        "rows",
        s(&d.path().join("p.npy")),
        s(&d.path().join("q.npy")),
        "-o",
        s(&o),
    ]));
    assert!(
        err.contains("p.npy") && err.contains("row 2, column 3") && err.contains("negative"),
        "{err}"
    );
    // No partial output, no temporary left behind.
    assert!(!o.exists());
    let names: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    let mut q2 = q.clone();
    q2[1][0] = f64::NAN;
    write_csv(&d.path().join("q.csv"), &q2, false, ",");
    let err = fails(&relent(&[
        "rows",
        s(&d.path().join("q.npy")),
        s(&d.path().join("q.csv")),
    ]));
    assert!(
        err.contains("q.csv") && err.contains("row 1, column 0") && err.contains("NaN"),
        "{err}"
    );
    // +inf logit.
    std::fs::write(d.path().join("l.csv"), "1,inf\n").unwrap();
    std::fs::write(d.path().join("m.csv"), "1,2\n").unwrap();
    let err = fails(&relent(&[
        "rows",
        s(&d.path().join("l.csv")),
        s(&d.path().join("m.csv")),
        "--input",
        "logits",
    ]));
    assert!(err.contains("row 0, column 1"), "{err}");
    // Option misuse.
    let err = fails(&relent(&[
        "rows",
        s(&d.path().join("l.csv")),
        s(&d.path().join("m.csv")),
        "-t",
        "2",
    ]));
    assert!(err.contains("--temperature"), "{err}");
}

#[test]
fn shape_mismatches() {
    let d = tmp();
    write_npy(&d.path().join("a.npy"), &Rng(1).probs(3, 4), "<f4", false);
    write_npy(&d.path().join("b.npy"), &Rng(1).probs(3, 5), "<f4", false);
    write_npy(&d.path().join("c.npy"), &Rng(1).probs(2, 4), "<f4", false);
    let err = fails(&relent(&[
        "rows",
        s(&d.path().join("a.npy")),
        s(&d.path().join("b.npy")),
    ]));
    assert!(
        err.contains("shape mismatch") && err.contains("4") && err.contains("5"),
        "{err}"
    );
    let err = fails(&relent(&[
        "rows",
        s(&d.path().join("a.npy")),
        s(&d.path().join("c.npy")),
    ]));
    assert!(err.contains("3 rows") && err.contains("c.npy"), "{err}");
    std::fs::write(d.path().join("r.csv"), "1,2\n3\n").unwrap();
    let err = fails(&relent(&[
        "rows",
        s(&d.path().join("r.csv")),
        s(&d.path().join("r.csv")),
    ]));
    assert!(err.contains("line 2 has 1 fields"), "{err}");
}

#[test]
fn corrupt_truncated_and_hostile_files() {
    let d = tmp();
    let good = d.path().join("good.npy");
    write_npy(&good, &Rng(1).probs(3, 4), "<f4", false);
    let g = s(&good).to_string();
    let bytes = std::fs::read(&good).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("trunc.npy", bytes[..bytes.len() - 3].to_vec(), "truncated"),
        ("hdr.npy", bytes[..40].to_vec(), "truncated"),
        (
            "magic.npy",
            b"PK\x03\x04 not numpy at all".to_vec(),
            "not a .npy",
        ),
        ("empty.npy", Vec::new(), "not a .npy"),
        (
            "big.npy",
            npy_bytes("<f4", false, "(1000000, 1000000)", &[0; 48]),
            "truncated",
        ),
        (
            "overflow.npy",
            npy_bytes("<f4", false, "(4611686018427387904, 8)", &[0; 48]),
            "absurd",
        ),
        (
            "huge.npy",
            npy_bytes("<f4", false, "(99999999999999999999999, 4)", &[0; 48]),
            "absurd",
        ),
        (
            "int.npy",
            npy_bytes("<i4", false, "(3, 4)", &[0; 48]),
            "unsupported dtype",
        ),
        (
            "trail.npy",
            npy_bytes("<f4", false, "(3, 3)", &[0; 48]),
            "trailing",
        ),
        (
            "scalar.npy",
            npy_bytes("<f4", false, "()", &[0; 4]),
            "scalar",
        ),
        (
            "garbage.npy",
            npy_bytes("<f4", false, "(3, 4)) + os.system('x'", &[0; 48]),
            "corrupt .npy header",
        ),
        (
            "ver.npy",
            [&b"\x93NUMPY\x09\x00"[..], &[0; 60]].concat(),
            "version 9",
        ),
        (
            "zero.npy",
            npy_bytes("<f4", false, "(5, 0)", &[]),
            "rows of 0 values",
        ),
    ];
    for (name, data, want) in cases {
        let f = d.path().join(name);
        std::fs::write(&f, data).unwrap();
        let err = fails(&relent(&["rows", s(&f), &g]));
        assert!(err.contains(name) && err.contains(want), "{name}: {err}");
    }
    let zero = d.path().join("zero.npy");
    assert!(fails(&relent(&["summary", s(&zero)])).contains("0 columns"));
    // Non-ASCII header in a v1 file.
    let mut bad = bytes.clone();
    bad[20] = 0xff;
    std::fs::write(d.path().join("utf.npy"), bad).unwrap();
    assert!(fails(&relent(&["rows", s(&d.path().join("utf.npy")), &g])).contains("ASCII"));

    // safetensors: lying header length, non-JSON, offsets past the end, wrong dtype.
    let st = |name: &str, header: &str, data: &[u8]| {
        let mut b = (header.len() as u64).to_le_bytes().to_vec();
        b.extend_from_slice(header.as_bytes());
        b.extend_from_slice(data);
        let f = d.path().join(name);
        std::fs::write(&f, b).unwrap();
        f
    };
    let cases = vec![
        (
            st(
                "a.safetensors",
                "{\"t\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,48]}}",
                &[0; 40],
            ),
            "outside",
        ),
        (st("b.safetensors", "{not json", &[]), "not valid JSON"),
        (
            st(
                "c.safetensors",
                "{\"t\":{\"dtype\":\"I64\",\"shape\":[3,2],\"data_offsets\":[0,48]}}",
                &[0; 48],
            ),
            "unsupported dtype I64",
        ),
        (
            st(
                "d.safetensors",
                "{\"t\":{\"dtype\":\"F32\",\"shape\":[3,5],\"data_offsets\":[0,48]}}",
                &[0; 48],
            ),
            "truncated",
        ),
        (
            st(
                "e.safetensors",
                "{\"t\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,48]}}",
                &[0; 48],
            ),
            "absurd",
        ),
    ];
    for (f, want) in cases {
        let err = fails(&relent(&["rows", s(&f), &g]));
        assert!(
            err.contains(f.file_name().unwrap().to_str().unwrap()) && err.contains(want),
            "{want}: {err}"
        );
    }
    let f = d.path().join("len.safetensors");
    std::fs::write(&f, [0x10, 0x27, 0, 0, 0, 0, 0, 0, b'{']).unwrap();
    assert!(fails(&relent(&["rows", s(&f), &g])).contains("runs past the end"));
    let f = d.path().join("tiny.safetensors");
    std::fs::write(&f, [1, 2]).unwrap();
    assert!(fails(&relent(&["rows", s(&f), &g])).contains("truncated"));
    // Missing file, unknown extension.
    assert!(fails(&relent(&["rows", "/nonexistent/x.npy", &g])).contains("/nonexistent/x.npy"));
    assert!(
        fails(&relent(&["rows", s(&d.path().join("x.parquet")), &g]))
            .contains("unknown input format")
    );
}

#[test]
fn random_header_corruption_never_panics() {
    let d = tmp();
    let good = d.path().join("good.npy");
    write_npy(&good, &Rng(1).probs(3, 4), "<f4", false);
    let bytes = std::fs::read(&good).unwrap();
    let mut g = Rng(42);
    for i in 0..24 {
        let mut b = bytes.clone();
        for _ in 0..3 {
            let pos = (g.next() * 80.0) as usize;
            b[pos] = (g.next() * 256.0) as u8;
        }
        let f = d.path().join(format!("fuzz{i}.npy"));
        std::fs::write(&f, &b).unwrap();
        let o = relent(&["rows", s(&f), s(&good)]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "case {i}: {err}");
        assert!(
            o.status.code() == Some(0) || o.status.code() == Some(1),
            "case {i}: {err}"
        );
    }
}

#[test]
#[cfg(unix)]
fn non_utf8_file_names() {
    use std::os::unix::ffi::OsStrExt;
    let d = tmp();
    let name = std::ffi::OsStr::from_bytes(b"bad\xffname.npy");
    let path: PathBuf = d.path().join(name);
    write_npy(&path, &Rng(1).probs(2, 3), "<f8", false);
    let o = Command::new(BIN)
        .arg("rows")
        .arg(&path)
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(csv_column(&ok(&o)), vec![0.0, 0.0]);
    std::fs::write(&path, b"junk").unwrap();
    let o = Command::new(BIN)
        .arg("rows")
        .arg(&path)
        .arg(&path)
        .output()
        .unwrap();
    assert!(fails(&o).contains("name.npy"));
}

#[test]
fn bench_runs() {
    let out = ok(&relent(&[
        "bench",
        "--sizes",
        "64",
        "--dtype",
        "f32,bf16",
        "--seconds",
        "0.01",
    ]));
    // The kernels' backend, as the library names it (the same process environment).
    assert!(
        out.starts_with(&format!("backend: {}\n", relent::backend())),
        "{out}"
    );
    assert!(!out.contains("relent-scalar"), "{out}");
    assert!(out.contains("relent::batch::row_paired_into"), "{out}");
    assert!(
        out.contains("bf16") && out.contains("rows (batch)"),
        "{out}"
    );
}

#[test]
fn help_is_golden() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for cmd in [
        "",
        "rows",
        "one-vs-many",
        "all-pairs",
        "top-k",
        "summary",
        "bench",
    ] {
        let mut args: Vec<&str> = cmd.split_whitespace().collect();
        args.push("--help");
        let out = ok(&relent(&args));
        let file = golden.join(format!(
            "{}.txt",
            if cmd.is_empty() { "relent" } else { cmd }
        ));
        if update {
            std::fs::write(&file, &out).unwrap();
        } else {
            let want = std::fs::read_to_string(&file)
                .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", file.display()));
            assert_eq!(
                out, want,
                "`relent {cmd} --help` changed; rerun with UPDATE_GOLDEN=1 if intended"
            );
        }
        if !cmd.is_empty() {
            assert!(out.contains("Examples:"), "{cmd} --help has no examples");
        }
    }
}

#[test]
#[cfg(target_os = "linux")]
fn enormous_row_fails_cleanly() {
    // A sparse 1 TiB file whose header is honest: one row of 2^38 f32. Allocating the row must
    // fail with an error, not abort. Only meaningful under heuristic/strict overcommit.
    let mode = std::fs::read_to_string("/proc/sys/vm/overcommit_memory").unwrap_or_default();
    if !matches!(mode.trim(), "0" | "2") {
        eprintln!("skipped: vm.overcommit_memory = {}", mode.trim());
        return;
    }
    let d = tmp();
    let f = d.path().join("huge.npy");
    let header = npy_bytes("<f4", false, "(1, 274877906944)", &[]);
    std::fs::write(&f, &header).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&f).unwrap();
    if file.set_len(header.len() as u64 + (1u64 << 40)).is_err() {
        eprintln!("skipped: no sparse files here");
        return;
    }
    let err = fails(&relent(&["rows", s(&f), s(&f)]));
    assert!(
        err.contains("huge.npy") && err.contains("cannot allocate"),
        "{err}"
    );
}

#[test]
fn every_divergence_and_input_kind_matches_reference() {
    let d = tmp();
    let mut g = Rng(11);
    let (p, q) = (g.probs(6, 10), g.probs(6, 10));
    write_npy(&d.path().join("p.npy"), &p, "<f8", false);
    write_npy(&d.path().join("q.npy"), &q, "<f8", false);
    let (pp, qp) = (
        s(&d.path().join("p.npy")).to_string(),
        s(&d.path().join("q.npy")).to_string(),
    );
    type F = fn(&[f64], &[f64]) -> f64;
    let cases: [(&str, F, F); 6] = [
        ("kl", rs::kl, rs::kl_bits),
        ("ce", rs::cross_entropy, rs::cross_entropy_bits),
        ("gkl", rs::generalized_kl, rs::generalized_kl_bits),
        ("jeffreys", rs::jeffreys, rs::jeffreys_bits),
        ("js", rs::js_divergence, rs::js_divergence_bits),
        ("js-distance", rs::js_distance, rs::js_distance_bits),
    ];
    for (name, nats, bits) in cases {
        let out = ok(&relent(&["rows", &pp, &qp, "-d", name]));
        assert_close(&csv_column(&out), &per_row(&p, &q, nats));
        let out = ok(&relent(&["rows", &pp, &qp, "-d", name, "--bits"]));
        assert!(
            out.starts_with(&format!("row,{}_bits", name.replace('-', "_"))),
            "{out}"
        );
        assert_close(&csv_column(&out), &per_row(&p, &q, bits));
    }
    // Log-probabilities: KL through kl_log; −inf is probability 0.
    let ln = |m: &[Vec<f64>]| -> Vec<Vec<f64>> {
        m.iter()
            .map(|r| r.iter().map(|x| x.ln()).collect())
            .collect()
    };
    let (lp, lq) = (ln(&p), ln(&q));
    write_csv(&d.path().join("lp.csv"), &lp, false, ",");
    write_csv(&d.path().join("lq.csv"), &lq, false, ",");
    let (lpp, lqp) = (
        s(&d.path().join("lp.csv")).to_string(),
        s(&d.path().join("lq.csv")).to_string(),
    );
    let out = ok(&relent(&["rows", &lpp, &lqp, "--input", "logprobs"]));
    assert_close(&csv_column(&out), &per_row(&lp, &lq, rs::kl_log));
}

#[test]
fn non_utf8_safetensors_header() {
    let d = tmp();
    let header = b"{\"t\xff\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]}}";
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(header);
    b.extend_from_slice(&[0; 8]);
    let f = d.path().join("u.safetensors");
    std::fs::write(&f, b).unwrap();
    let err = fails(&relent(&["rows", s(&f), s(&f)]));
    assert!(
        err.contains("u.safetensors") && err.contains("not UTF-8"),
        "{err}"
    );
}

#[test]
fn table_tsv_and_stdin_summary_formats() {
    let d = tmp();
    let (p, q) = (Rng(12).probs(3, 4), Rng(13).probs(4, 4));
    write_csv(&d.path().join("p.csv"), &p, false, ",");
    write_csv(&d.path().join("q.csv"), &q, false, ",");
    let (pp, qp) = (
        s(&d.path().join("p.csv")).to_string(),
        s(&d.path().join("q.csv")).to_string(),
    );
    let t = ok(&relent(&["all-pairs", &pp, &qp, "-f", "table", "-d", "js"]));
    assert_eq!(t.lines().count(), 4, "{t}");
    let t = ok(&relent(&["all-pairs", &pp, &qp, "-f", "tsv", "-d", "js"]));
    let first: Vec<f64> = t
        .lines()
        .next()
        .unwrap()
        .split('\t')
        .map(|x| x.parse().unwrap())
        .collect();
    assert_close(
        &first,
        &q.iter()
            .map(|b| rs::js_divergence(&p[0], b))
            .collect::<Vec<_>>(),
    );
    let t = ok(&relent(&[
        "top-k", &pp, &qp, "-k", "2", "-f", "table", "-d", "js",
    ]));
    assert_eq!(t.lines().count(), 1 + 3 * 2, "{t}");
    let t = ok(&relent(&[
        "rows",
        &pp,
        &pp,
        "-o",
        s(&d.path().join("r.tsv")),
    ]));
    assert!(t.is_empty());
    let r = std::fs::read_to_string(d.path().join("r.tsv")).unwrap();
    assert_eq!(r, "row\tkl\n0\t0.0\n1\t0.0\n2\t0.0\n");
    let sm = ok(&relent_stdin(
        &["summary", "-", "-f", "jsonl"],
        b"x\n1\n2\n3\n4\n",
    ));
    let v: serde_json::Value = serde_json::from_str(sm.trim()).unwrap();
    assert_eq!(
        (v["median"].as_f64(), v["max_row"].as_u64()),
        (Some(2.5), Some(3))
    );
    // Unknown output extension, .npy summary.
    assert!(fails(&relent(&["rows", &pp, &pp, "-o", "x.parquet"])).contains("extension"));
    assert!(fails(&relent(&["summary", &pp, "-f", "npy"])).contains(".npy"));
    // Fortran order beyond 2-D is refused.
    std::fs::write(
        d.path().join("f3.npy"),
        npy_bytes("<f8", true, "(2, 2, 2)", &[0; 64]),
    )
    .unwrap();
    let err = fails(&relent(&["rows", s(&d.path().join("f3.npy")), &pp]));
    assert!(err.contains("Fortran"), "{err}");
}

/// Data for the library comparisons: probability rows with zeros, strictly positive rows and
/// near-identical pairs (where cancellation matters), `rows` × `cols` each.
fn library_rows(seed: u64, rows: usize, cols: usize) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut g = Rng(seed);
    let mut p = g.probs(rows, cols);
    let mut q = g.probs(rows, cols);
    for i in (0..rows).step_by(3) {
        // Strictly positive.
        p[i] = (0..cols).map(|_| g.next() + 0.05).collect();
        q[i] = (0..cols).map(|_| g.next() + 0.05).collect();
    }
    for i in (1..rows).step_by(3) {
        // Near-identical: q = p·(1 + 1e-6·noise), zeros kept.
        q[i] = p[i].iter().map(|x| x * (1.0 + 1e-6 * g.next())).collect();
    }
    (p, q)
}

/// Runs `relent rows` on two files with `args`, with 1 and with 3 threads (which must give
/// the same bytes), and returns the parsed column.
fn rows_column(p: &Path, q: &Path, args: &[&str]) -> Vec<f64> {
    let run = |threads: &str| {
        let mut a = vec!["rows", s(p), s(q), "-j", threads];
        a.extend_from_slice(args);
        ok(&relent(&a))
    };
    let one = run("1");
    assert_eq!(one, run("3"), "{args:?}: thread count changed the output");
    csv_column(&one)
}

/// Asserts bit-for-bit equality (NaN never expected).
fn assert_same_bits(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(
            g.to_bits(),
            w.to_bits(),
            "{what}, row {i}: got {g}, want {w}"
        );
    }
}

#[test]
fn direct_combinations_are_the_library_functions_bit_for_bit() {
    // Each combination the CLI maps to one relent function gives exactly that function's
    // value (CSV output round-trips f64 exactly), for f32 and f64 files.
    let d = tmp();
    let (p, q) = library_rows(21, 9, 7);
    let counts = |m: &[Vec<f64>]| -> Vec<Vec<f64>> {
        m.iter()
            .map(|r| r.iter().map(|x| (x * 1000.0).round()).collect())
            .collect()
    };
    let (cp, cq) = (counts(&p), counts(&q));
    let ln = |m: &[Vec<f64>]| -> Vec<Vec<f64>> {
        m.iter()
            .map(|r| r.iter().map(|x| x.ln()).collect())
            .collect()
    };
    let (mut lp, lq) = (ln(&p), ln(&q));
    // Beyond e^709: only kl_log (no transformation) takes it.
    lp[0][0] = 709.9;
    let logits = |m: &[Vec<f64>]| -> Vec<Vec<f64>> {
        m.iter()
            .map(|r| r.iter().map(|x| 3.0 * x.ln() + 1.5).collect())
            .collect()
    };
    let (ap, aq) = (logits(&p), logits(&q));
    type F<T> = fn(&[T], &[T]) -> Result<f64, relent::Error>;
    fn check<T: rs::Element>(d: &Path, kind: &str, files: [&[Vec<f64>]; 8]) {
        let [p, q, cp, cq, lp, lq, ap, aq] = files;
        let write = |name: &str, m: &[Vec<f64>]| {
            let f = d.join(format!("{name}-{kind}.npy"));
            write_npy(&f, m, kind, false);
            f
        };
        let (fp, fq) = (write("p", p), write("q", q));
        let (fcp, fcq) = (write("cp", cp), write("cq", cq));
        let (flp, flq) = (write("lp", lp), write("lq", lq));
        let (fap, faq) = (write("ap", ap), write("aq", aq));
        type Lib<'a, T> = &'a dyn Fn(&[T], &[T]) -> Result<f64, relent::Error>;
        let lib = |a: &[Vec<f64>], b: &[Vec<f64>], f: Lib<'_, T>| {
            per_row(&round::<T>(a), &round::<T>(b), |x, y| f(x, y).unwrap())
        };
        let probs: [(&str, F<T>, F<T>); 6] = [
            ("kl", relent::kl, relent::kl_bits),
            ("ce", relent::cross_entropy, relent::cross_entropy_bits),
            ("gkl", relent::generalized_kl, relent::generalized_kl_bits),
            ("jeffreys", relent::jeffreys, relent::jeffreys_bits),
            ("js", relent::js_divergence, relent::js_divergence_bits),
            ("js-distance", relent::js_distance, relent::js_distance_bits),
        ];
        for (name, nats, bits) in probs {
            let what = format!("{kind} probs {name}");
            assert_same_bits(
                &rows_column(&fp, &fq, &["-d", name]),
                &lib(p, q, &nats),
                &what,
            );
            let got = rows_column(&fp, &fq, &["-d", name, "--bits"]);
            assert_same_bits(&got, &lib(p, q, &bits), &what);
        }
        // --normalize: KL and generalised KL (equal for normalised rows) are kl_normalized.
        for name in ["kl", "gkl"] {
            let what = format!("{kind} --normalize {name}");
            let got = rows_column(&fcp, &fcq, &["-d", name, "--normalize"]);
            assert_same_bits(&got, &lib(cp, cq, &relent::kl_normalized), &what);
            let got = rows_column(&fcp, &fcq, &["-d", name, "--normalize", "--bits"]);
            assert_same_bits(&got, &lib(cp, cq, &relent::kl_normalized_bits), &what);
        }
        // Log-probabilities: kl_log.
        let got = rows_column(&flp, &flq, &["--input", "logprobs"]);
        assert_same_bits(&got, &lib(lp, lq, &relent::kl_log), "logprobs kl");
        let got = rows_column(&flp, &flq, &["--input", "logprobs", "--bits"]);
        assert_same_bits(&got, &lib(lp, lq, &relent::kl_log_bits), "logprobs kl bits");
        // Logits at a temperature: kl_logits, also for generalised KL.
        for name in ["kl", "gkl"] {
            let what = format!("{kind} logits {name}");
            let args = ["--input", "logits", "-t", "1.7", "-d", name];
            let got = rows_column(&fap, &faq, &args);
            let want = lib(ap, aq, &|a, b| relent::kl_logits(a, b, 1.7));
            assert_same_bits(&got, &want, &what);
            let got = rows_column(&fap, &faq, &[&args[..], &["--bits"]].concat());
            let want = lib(ap, aq, &|a, b| relent::kl_logits_bits(a, b, 1.7));
            assert_same_bits(&got, &want, &what);
        }
    }
    let files = [&p[..], &q, &cp, &cq, &lp, &lq, &ap, &aq];
    check::<f64>(d.path(), "<f8", files);
    check::<f32>(d.path(), "<f4", files);
}

/// Unit roundoff of f64.
const U: f64 = f64::EPSILON / 2.0;

/// C = Σ |p·∂D/∂p| + |q·∂D/∂q| of divergence `name` at (p, q): the factor by which relative
/// errors in the probabilities move D (compute.rs, `# Accuracy`), in nats.
fn sensitivity(name: &str, p: &[f64], q: &[f64]) -> f64 {
    // x·ln(x/y) with 0·ln(0/y) = 0.
    let xl = |x: f64, y: f64| {
        if x == 0.0 {
            0.0
        } else {
            x * (x / y).ln().abs()
        }
    };
    p.iter()
        .zip(q)
        .map(|(&p, &q)| match name {
            "ce" => {
                if p == 0.0 {
                    0.0
                } else {
                    p * q.ln().abs() + p
                }
            }
            "gkl" => xl(p, q) + (p - q).abs(),
            "jeffreys" => xl(p, q) + xl(q, p) + 2.0 * (p - q).abs(),
            "js" | "js-distance" => {
                let m = 0.5 * (p + q);
                0.5 * (xl(p, m) + xl(q, m))
            }
            n => panic!("{n}"),
        })
        .sum()
}

#[test]
fn transformed_combinations_within_the_documented_bound() {
    // The combinations the library has no function for (normalised rows, log-probabilities,
    // logits with a divergence other than KL) transform each row and call the f64 probability
    // function. The reference here: this test's own (naive) transformation and the same relent
    // function called directly. Tolerance, from compute.rs's `# Accuracy`: both values carry
    // the f64 function's 2^-49·S (S = the value, every term ≥ 0) on slightly different
    // rows, which differ by the two transformations' relative errors η (the CLI's as
    // documented, this test's: n·u for a naive sum of n terms) times the sensitivity C.
    let d = tmp();
    let (n, rows, t) = (8usize, 12usize, 0.6);
    let (p, q) = library_rows(31, rows, n);
    let counts = |m: &[Vec<f64>], scale: f64| -> Vec<Vec<f64>> {
        m.iter()
            .map(|r| r.iter().map(|x| x * scale).collect())
            .collect()
    };
    let ln = |m: &[Vec<f64>]| -> Vec<Vec<f64>> {
        m.iter()
            .map(|r| r.iter().map(|x| x.ln()).collect())
            .collect()
    };
    let logits = |m: &[Vec<f64>]| -> Vec<Vec<f64>> {
        m.iter()
            .map(|r| r.iter().map(|x| 2.0 * x.ln() - 4.0).collect())
            .collect()
    };
    let naive_sum = |r: &[f64]| r.iter().sum::<f64>();
    let normalise = |r: &[f64]| -> Vec<f64> {
        let s = naive_sum(r);
        r.iter().map(|x| x / s).collect()
    };
    let exp = |r: &[f64]| -> Vec<f64> { r.iter().map(|x| x.exp()).collect() };
    let softmax = |r: &[f64]| -> Vec<f64> {
        let m = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        normalise(&r.iter().map(|x| ((x - m) / t).exp()).collect::<Vec<_>>())
    };
    // Largest |α| = |x − max x|/t over the entries of a logit row with non-zero probability.
    let max_alpha = |r: &[f64]| {
        let m = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        r.iter()
            .filter(|x| x.is_finite())
            .map(|x| ((x - m) / t).abs())
            .fold(0.0, f64::max)
    };
    type F = fn(&[f64], &[f64]) -> Result<f64, relent::Error>;
    let funcs: [(&str, F, F); 5] = [
        ("ce", relent::cross_entropy, relent::cross_entropy_bits),
        ("gkl", relent::generalized_kl, relent::generalized_kl_bits),
        ("jeffreys", relent::jeffreys, relent::jeffreys_bits),
        ("js", relent::js_divergence, relent::js_divergence_bits),
        ("js-distance", relent::js_distance, relent::js_distance_bits),
    ];
    for (kind, elem) in [("<f8", 0u8), ("<f4", 1)] {
        // Inputs as the CLI reads them (f4 files hold f32-rounded numbers).
        let stored = |m: Vec<Vec<f64>>| -> Vec<Vec<f64>> {
            if elem == 0 {
                m
            } else {
                m.iter()
                    .map(|r| r.iter().map(|&x| x as f32 as f64).collect())
                    .collect()
            }
        };
        type Tr<'a> = &'a dyn Fn(&[f64]) -> Vec<f64>;
        /// (name, P, Q, flags, the test's transformation, η of both transformations / u;
        /// for logits it depends on the row and is computed below).
        type Input<'a> = (
            &'a str,
            Vec<Vec<f64>>,
            Vec<Vec<f64>>,
            &'a [&'a str],
            Tr<'a>,
            f64,
        );
        let inputs: [Input<'_>; 3] = [
            (
                "normalize",
                stored(counts(&p, 37.5)),
                stored(counts(&q, 0.02)),
                &["--normalize"],
                &normalise,
                (3 + n) as f64,
            ),
            (
                "logprobs",
                stored(ln(&p)),
                stored(ln(&q)),
                &["--input", "logprobs"],
                &exp,
                4.0,
            ),
            (
                "logits",
                stored(logits(&p)),
                stored(logits(&q)),
                &["--input", "logits", "-t", "0.6"],
                &softmax,
                f64::NAN,
            ),
        ];
        for (input, a, b, flags, transform, eta) in inputs {
            let fa = d.path().join(format!("a-{input}-{elem}.npy"));
            let fb = d.path().join(format!("b-{input}-{elem}.npy"));
            write_npy(&fa, &a, kind, false);
            write_npy(&fb, &b, kind, false);
            for (name, nats, bits) in funcs {
                if name == "gkl" && input != "logprobs" {
                    continue; // the library's kl_normalized / kl_logits: tested bit for bit
                }
                for in_bits in [false, true] {
                    let mut args = vec!["-d", name];
                    args.extend_from_slice(flags);
                    if in_bits {
                        args.push("--bits");
                    }
                    let got = rows_column(&fa, &fb, &args);
                    for (i, (ra, rb)) in a.iter().zip(&b).enumerate() {
                        let (ta, tb) = (transform(ra), transform(rb));
                        let f = if in_bits { bits } else { nats };
                        let want = f(&ta, &tb).unwrap();
                        let what = format!("{kind} {input} {name} bits={in_bits} row {i}");
                        if !want.is_finite() || want == 0.0 {
                            assert_eq!(got[i].to_bits(), want.to_bits(), "{what}: got {}", got[i]);
                            continue;
                        }
                        // η of both transformations together.
                        let eta = if input == "logits" {
                            // CLI: (2|α| + 2ᾱ + 7)·u ≤ (4A + 7)·u; this test's: (4A + n + 5)·u.
                            let big_a = max_alpha(ra).max(max_alpha(rb));
                            (8.0 * big_a + n as f64 + 12.0) * U
                        } else {
                            eta * U
                        };
                        let unit = if in_bits { std::f64::consts::LN_2 } else { 1.0 };
                        let delta = eta * sensitivity(name, &ta, &tb) / unit;
                        let moved = if name == "js-distance" {
                            // √ moves by at most δ/(2√JS) when JS moves by δ.
                            delta / (2.0 * want)
                        } else {
                            delta
                        };
                        let tol = 1.01 * (moved + 2.0 * relent_simd::bounds::HIGH * want.abs());
                        let err = (got[i] - want).abs();
                        assert!(
                            err <= tol,
                            "{what}: got {}, want {want}, error {err:e} > bound {tol:e}",
                            got[i]
                        );
                    }
                }
            }
        }
    }
}

/// The names in a directory, sorted.
fn dir_names(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn output_format_by_extension_and_unwritable_targets() {
    let d = tmp();
    let (p, q) = (Rng(41).probs(3, 4), Rng(42).probs(3, 4));
    write_npy(&d.path().join("p.npy"), &p, "<f8", false);
    write_npy(&d.path().join("q.npy"), &q, "<f8", false);
    let (pp, qp) = (
        s(&d.path().join("p.npy")).to_string(),
        s(&d.path().join("q.npy")).to_string(),
    );
    let want = per_row(&p, &q, rs::kl);
    // -o picks the format from the extension: .jsonl, .txt (table), .csv, .npy.
    let o = d.path().join("kl.jsonl");
    assert!(ok(&relent(&["rows", &pp, &qp, "-o", s(&o)])).is_empty());
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&o)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<f64> = lines.iter().map(|v| v["kl"].as_f64().unwrap()).collect();
    assert_close(&got, &want);
    assert_eq!(lines[2]["row"], 2);
    let o = d.path().join("kl.txt");
    ok(&relent(&["rows", &pp, &qp, "-o", s(&o)]));
    let table = std::fs::read_to_string(&o).unwrap();
    assert!(table.starts_with("row  kl\n  0  "), "{table}");
    assert_eq!(table.lines().count(), 4, "{table}");
    let o = d.path().join("kl.csv");
    ok(&relent(&["rows", &pp, &qp, "-o", s(&o)]));
    assert_close(&csv_column(&std::fs::read_to_string(&o).unwrap()), &want);
    let o = d.path().join("kl.npy");
    ok(&relent(&["rows", &pp, &qp, "-o", s(&o)]));
    let (shape, descr, words) = read_npy8(&o);
    assert_eq!((shape, descr.as_str()), (vec![3], "<f8"));
    let got: Vec<f64> = words.iter().map(|w| f64::from_le_bytes(*w)).collect();
    assert_close(&got, &want);
    let before = dir_names(d.path());

    // Unwritable targets: a directory that does not exist, a "directory" that is a file, a
    // target that is a directory. Each fails with the path, leaves no temporary file, and a
    // file that was there before is untouched.
    let missing = d.path().join("no/such/dir/kl.csv");
    let err = fails(&relent(&["rows", &pp, &qp, "-o", s(&missing)]));
    assert!(err.contains("no/such/dir"), "{err}");
    let err = fails(&relent(&["rows", &pp, &qp, "-o", &format!("{pp}/kl.csv")]));
    assert!(
        err.contains("p.npy") && err.contains("Not a directory"),
        "{err}"
    );
    let dir = d.path().join("taken.csv");
    std::fs::create_dir(&dir).unwrap();
    let err = fails(&relent(&["rows", &pp, &qp, "-o", s(&dir)]));
    assert!(err.contains("taken.csv"), "{err}");
    std::fs::remove_dir(&dir).unwrap();
    assert_eq!(dir_names(d.path()), before);
    // A failing computation does not replace an existing output.
    let mut bad = q.clone();
    bad[1][2] = -1.0;
    write_npy(&d.path().join("bad.npy"), &bad, "<f8", false);
    let o = d.path().join("kl.csv");
    let old = std::fs::read(&o).unwrap();
    let err = fails(&relent(&[
        "rows",
        &pp,
        s(&d.path().join("bad.npy")),
        "-o",
        s(&o),
    ]));
    assert!(
        err.contains("bad.npy") && err.contains("row 1, column 2"),
        "{err}"
    );
    assert_eq!(std::fs::read(&o).unwrap(), old);
    assert_eq!(
        dir_names(d.path()).len(),
        before.len() + 1,
        "only bad.npy is new"
    );
    // --threads 0 is refused.
    assert!(fails(&relent(&["rows", &pp, &qp, "-j", "0"])).contains("--threads"));
}

#[test]
#[cfg(unix)]
fn read_only_output_directory() {
    use std::os::unix::fs::PermissionsExt;
    let d = tmp();
    let p = d.path().join("p.npy");
    write_npy(&p, &Rng(43).probs(2, 3), "<f8", false);
    let ro = d.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(ro.join("probe"), b"").is_ok() {
        // root (or a file system without permissions) writes anyway.
        eprintln!("skipped: a read-only directory is writable here (running as root?)");
        let _ = std::fs::remove_file(ro.join("probe"));
        return;
    }
    let err = fails(&relent(&[
        "rows",
        s(&p),
        s(&p),
        "-o",
        s(&ro.join("kl.npy")),
    ]));
    assert!(
        err.contains("ro") && err.contains("temporary file"),
        "{err}"
    );
    assert!(dir_names(&ro).is_empty());
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
#[cfg(target_os = "linux")]
fn progress_bar_only_on_a_terminal() {
    // A job of 2048 × 2048 pairs of 64 values (2^28 element pairs, the bar's threshold),
    // with stderr on a pseudo-terminal (util-linux `script`) and then on a pipe.
    let d = tmp();
    let p = d.path().join("p.npy");
    write_npy(&p, &Rng(44).probs(2048, 64), "<f4", false);
    let o = d.path().join("nn.csv");
    let cmd = format!(
        "'{BIN}' top-k '{}' -k 1 --block-rows 64 -o '{}'",
        s(&p),
        s(&o)
    );
    let Ok(tty) = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
    else {
        eprintln!("skipped: no `script` to run relent on a terminal");
        return;
    };
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert!(tty.status.success(), "{shown}");
    assert!(
        shown.contains("/2048 rows"),
        "no progress bar on a terminal: {shown}"
    );
    let piped = relent(&["top-k", s(&p), "-k", "1", "--block-rows", "64", "-o", s(&o)]);
    ok(&piped);
    assert!(
        piped.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
}

#[test]
fn safetensors_errors_name_file_and_tensor() {
    let d = tmp();
    let f32s = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
    let f = d.path().join("run.safetensors");
    write_safetensors(
        &f,
        &[
            (
                "probs",
                safetensors::Dtype::F32,
                vec![2, 3],
                f32s(&[0.2, 0.3, 0.5, 0.1, -0.4, 0.5]),
            ),
            (
                "wide",
                safetensors::Dtype::F32,
                vec![1, 4],
                f32s(&[0.25; 4]),
            ),
            (
                "ids",
                safetensors::Dtype::I32,
                vec![2, 3],
                [1i32, 2, 3, 4, 5, 6]
                    .iter()
                    .flat_map(|x| x.to_le_bytes())
                    .collect(),
            ),
        ],
    );
    let t = |name: &str| format!("{}:{name}", s(&f));
    // A negative value: file, tensor, row, column and the value.
    let err = fails(&relent(&["rows", &t("probs"), &t("probs")]));
    assert!(
        err.contains("run.safetensors:probs")
            && err.contains("row 1, column 1")
            && err.contains("negative value -0.4"),
        "{err}"
    );
    // Wrong dtype.
    let err = fails(&relent(&["rows", &t("ids"), &t("probs")]));
    assert!(
        err.contains("run.safetensors:ids") && err.contains("unsupported dtype I32"),
        "{err}"
    );
    // Shape mismatch, both tensors named.
    let err = fails(&relent(&["rows", &t("probs"), &t("wide")]));
    assert!(
        err.contains("shape mismatch")
            && err.contains("run.safetensors:probs")
            && err.contains("run.safetensors:wide"),
        "{err}"
    );
    // Truncated data: the chosen tensor "a" is intact, the file ends inside "b": the file is
    // refused all the same.
    let header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]},\
                  \"b\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[8,16]}}";
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(&f32s(&[0.5, 0.5, 0.5]));
    let cut = d.path().join("cut.safetensors");
    std::fs::write(&cut, &bytes).unwrap();
    let err = fails(&relent(&["rows", &format!("{}:a", s(&cut)), &t("probs")]));
    assert!(
        err.contains("cut.safetensors") && err.contains("truncated") && err.contains("16 bytes"),
        "{err}"
    );
    // Complete, the same file is fine.
    bytes.extend_from_slice(&f32s(&[0.5]));
    std::fs::write(&cut, &bytes).unwrap();
    let a = format!("{}:a", s(&cut));
    assert_eq!(csv_column(&ok(&relent(&["rows", &a, &a]))), vec![0.0]);
}

#[test]
fn every_command_computes_the_same_pair_values() {
    // rows, one-vs-many (both directions) and all-pairs share one pair function: for a
    // transformed combination (JS of logits) and a direct one (KL of normalised counts) their
    // values agree bit for bit, and match the relent function called directly.
    let d = tmp();
    let (p, q) = library_rows(51, 4, 6);
    let logits = |m: &[Vec<f64>]| -> Vec<Vec<f64>> {
        m.iter()
            .map(|r| r.iter().map(|x| x.ln() + 2.0).collect())
            .collect()
    };
    let counts = |m: &[Vec<f64>]| -> Vec<Vec<f64>> {
        m.iter()
            .map(|r| r.iter().map(|x| (x * 500.0).round()).collect())
            .collect()
    };
    type Case<'a> = (&'a str, Vec<Vec<f64>>, Vec<Vec<f64>>, &'a [&'a str]);
    let cases: [Case<'_>; 2] = [
        (
            "logits",
            logits(&p),
            logits(&q),
            &["--input", "logits", "-d", "js"],
        ),
        ("counts", counts(&p), counts(&q), &["--normalize"]),
    ];
    for (name, a, b, flags) in cases {
        let fa = d.path().join(format!("{name}-a.npy"));
        let fb = d.path().join(format!("{name}-b.npy"));
        write_npy(&fa, &a, "<f4", false);
        write_npy(&fb, &b, "<f4", false);
        let run = |cmd: &[&str]| ok(&relent(&[cmd, flags].concat()));
        let rows = csv_column(&run(&["rows", s(&fa), s(&fb)]));
        let all: Vec<Vec<f64>> = run(&["all-pairs", s(&fa), s(&fb), "-f", "csv"])
            .lines()
            .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
            .collect();
        for i in 0..a.len() {
            assert_same_bits(
                &[all[i][i]],
                &[rows[i]],
                &format!("{name} all-pairs[{i}][{i}]"),
            );
            let r = i.to_string();
            let one = csv_column(&run(&["one-vs-many", s(&fa), s(&fb), "--row", &r]));
            assert_same_bits(&one, &all[i], &format!("{name} one-vs-many row {i}"));
            let rev = csv_column(&run(&[
                "one-vs-many",
                s(&fb),
                s(&fa),
                "--row",
                &r,
                "--reverse",
            ]));
            let col: Vec<f64> = all.iter().map(|row| row[i]).collect();
            assert_same_bits(&rev, &col, &format!("{name} one-vs-many --reverse row {i}"));
        }
        // The direct combination is relent::kl_normalized itself.
        if name == "counts" {
            let want = per_row(&round::<f32>(&a), &round::<f32>(&b), |x, y| {
                relent::kl_normalized(x, y).unwrap()
            });
            assert_same_bits(&rows, &want, "counts rows");
        }
    }
}

/// The output file `-o` writes for `args`, as bytes (the command must succeed).
fn output_bytes(d: &Path, name: &str, args: &[&str]) -> Vec<u8> {
    let o = d.join(name);
    let mut all = args.to_vec();
    all.extend(["-o", s(&o)]);
    ok(&relent(&all));
    std::fs::read(&o).unwrap()
}

/// A 2-D little-endian f32 .npy whose data starts `skew` bytes (mod 4) off an f32 boundary:
/// not mappable as f32 unless `skew == 0` (the header's padding is legal, just unusual).
fn write_npy_f32_skewed(path: &Path, rows: &[Vec<f64>], skew: usize) {
    let (r, c) = (rows.len(), rows[0].len());
    let mut dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({r}, {c}), }}");
    while (10 + dict.len() + 1) % 4 != skew {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    assert_eq!(out.len() % 4, skew);
    for v in rows.iter().flatten() {
        out.extend_from_slice(&(*v as f32).to_le_bytes());
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn memory_mapped_and_read_blocks_give_identical_outputs() {
    let d = tmp();
    let mut g = Rng(31);
    let (p, q) = (g.probs(23, 19), g.probs(23, 19));
    let f32s = |rows: &[Vec<f64>]| -> Vec<u8> {
        rows.iter()
            .flatten()
            .flat_map(|v| (*v as f32).to_le_bytes())
            .collect()
    };
    for kind in ["<f4", "<f8", "<f2"] {
        write_npy(&d.path().join(format!("p{kind}.npy")), &p, kind, false);
        write_npy(&d.path().join(format!("q{kind}.npy")), &q, kind, false);
    }
    // Misaligned data: the read path, with the same numbers as the mapped f32 files.
    write_npy_f32_skewed(&d.path().join("p-skew.npy"), &p, 2);
    write_npy_f32_skewed(&d.path().join("q-skew.npy"), &q, 1);
    let st = d.path().join("pq.safetensors");
    write_safetensors(
        &st,
        &[
            ("p", safetensors::Dtype::F32, vec![23, 19], f32s(&p)),
            ("q", safetensors::Dtype::F32, vec![23, 19], f32s(&q)),
        ],
    );
    let (sp, sq) = (format!("{}:p", s(&st)), format!("{}:q", s(&st)));
    let f = |n: &str| d.path().join(n).to_str().unwrap().to_string();
    let cases: Vec<Vec<String>> = vec![
        vec!["rows".into(), f("p<f4.npy"), f("q<f4.npy")],
        vec![
            "rows".into(),
            f("p<f8.npy"),
            f("q<f8.npy"),
            "-d".into(),
            "js".into(),
        ],
        vec!["rows".into(), f("p<f2.npy"), f("q<f2.npy"), "--bits".into()],
        vec!["rows".into(), sp.clone(), sq.clone()],
        vec![
            "rows".into(),
            sp.clone(),
            f("q<f4.npy"),
            "-d".into(),
            "jeffreys".into(),
        ],
        vec![
            "rows".into(),
            f("p<f4.npy"),
            f("q<f4.npy"),
            "--normalize".into(),
            "-d".into(),
            "ce".into(),
        ],
        vec![
            "rows".into(),
            f("p<f4.npy"),
            f("q<f4.npy"),
            "--input".into(),
            "logits".into(),
        ],
        vec![
            "one-vs-many".into(),
            sp.clone(),
            f("q<f4.npy"),
            "--row".into(),
            "5".into(),
        ],
    ];
    for case in &cases {
        let args: Vec<&str> = case.iter().map(String::as_str).collect();
        let mut blocks = args.clone();
        blocks.extend(["--block-rows", "4"]);
        let mapped = output_bytes(d.path(), "mapped.npy", &blocks);
        let mut read = blocks.clone();
        read.push("--no-mmap");
        assert_eq!(
            mapped,
            output_bytes(d.path(), "read.npy", &read),
            "{args:?}"
        );
        // One block, the default size.
        assert_eq!(
            mapped,
            output_bytes(d.path(), "whole.npy", &args),
            "{args:?}"
        );
    }
    // The skewed (read) files give the bytes of the aligned (mapped) ones.
    let aligned = output_bytes(d.path(), "a.npy", &["rows", &f("p<f4.npy"), &f("q<f4.npy")]);
    let skewed = output_bytes(
        d.path(),
        "s.npy",
        &["rows", &f("p-skew.npy"), &f("q-skew.npy")],
    );
    assert_eq!(aligned, skewed);
    // And they are the library's values.
    let want: Vec<f64> = round::<f32>(&p)
        .iter()
        .zip(&round::<f32>(&q))
        .map(|(a, b)| relent::kl(a, b).unwrap())
        .collect();
    let (_, _, got) = read_npy8(&d.path().join("a.npy"));
    let got: Vec<f64> = got.into_iter().map(f64::from_le_bytes).collect();
    assert_same_bits(&got, &want, "mapped rows vs relent::kl");
}

#[test]
fn invalid_values_in_mapped_files_name_file_row_and_column() {
    let d = tmp();
    let mut g = Rng(32);
    let (mut p, mut q) = (g.probs(40, 8), g.probs(40, 8));
    p[29][6] = f64::NAN;
    q[33][1] = -2.0;
    let (pf, qf) = (d.path().join("p.npy"), d.path().join("q.npy"));
    write_npy(&pf, &p, "<f4", false);
    write_npy(&qf, &q, "<f4", false);
    for extra in [
        &[][..],
        &["--block-rows", "7"],
        &["--no-mmap"],
        &["-j", "1"],
    ] {
        let mut args = vec!["rows", s(&pf), s(&qf)];
        args.extend_from_slice(extra);
        let err = fails(&relent(&args));
        assert!(
            err.contains("p.npy") && err.contains("row 29, column 6") && err.contains("NaN"),
            "{extra:?}: {err}"
        );
    }
    // Q's problem in an earlier row wins over P's, though the library checks P first.
    q[12][5] = f64::INFINITY;
    write_npy(&qf, &q, "<f4", false);
    for extra in [&[][..], &["--block-rows", "7"], &["--no-mmap"]] {
        let mut args = vec!["rows", s(&pf), s(&qf)];
        args.extend_from_slice(extra);
        let err = fails(&relent(&args));
        assert!(
            err.contains("q.npy") && err.contains("row 12, column 5") && err.contains("inf"),
            "{extra:?}: {err}"
        );
    }
    // A memory-mapped safetensors tensor: file and tensor named.
    let f32s = |rows: &[Vec<f64>]| -> Vec<u8> {
        rows.iter()
            .flatten()
            .flat_map(|v| (*v as f32).to_le_bytes())
            .collect()
    };
    let st = d.path().join("m.safetensors");
    write_safetensors(
        &st,
        &[
            (
                "a",
                safetensors::Dtype::F32,
                vec![40, 8],
                f32s(&g.probs(40, 8)),
            ),
            ("b", safetensors::Dtype::F32, vec![40, 8], f32s(&p)),
        ],
    );
    let (a, b) = (format!("{}:a", s(&st)), format!("{}:b", s(&st)));
    let err = fails(&relent(&["rows", &a, &b, "--block-rows", "16"]));
    assert!(
        err.contains("m.safetensors:b") && err.contains("row 29, column 6") && err.contains("NaN"),
        "{err}"
    );
}

/// `relent <args>` with `RELENT_BACKEND` set to `backend`, or removed (`None`).
fn relent_backend(args: &[&str], backend: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    match backend {
        Some(v) => cmd.env("RELENT_BACKEND", v),
        None => cmd.env_remove("RELENT_BACKEND"),
    };
    cmd.output().expect("run relent")
}

/// An invalid `RELENT_BACKEND` (a name that is no backend; a backend this CPU lacks, if any)
/// is a warning, not an error: exit status 0, the values of a run without the variable (the
/// fastest backend's) on stdout, and one line on stderr naming the variable and the backend
/// used instead. (It once ended with a panic in relent-batch, exit status 101.)
#[test]
fn invalid_relent_backend_warns_once_and_computes_on_the_fastest_backend() {
    let d = tmp();
    let mut g = Rng(15);
    let (p, q) = (g.probs(6, 37), g.probs(6, 37));
    let (a, b) = (d.path().join("a.csv"), d.path().join("b.csv"));
    write_csv(&a, &p, false, ",");
    write_csv(&b, &q, false, ",");
    let fastest = relent::available_backends()[0];
    let mut invalid = vec!["bogus"];
    match relent::Backend::ALL.into_iter().find(|b| !b.is_available()) {
        Some(b) => invalid.push(b.name()),
        None => println!(
            "SKIPPED: RELENT_BACKEND=<a backend this CPU lacks>: this CPU runs every backend"
        ),
    }
    for (x, y) in [(&a, &a), (&a, &b)] {
        let args = ["rows", s(x), s(y)];
        let plain = relent_backend(&args, None);
        let want = ok(&plain);
        assert!(
            plain.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&plain.stderr)
        );
        if x == y {
            assert!(csv_column(&want).iter().all(|&v| v == 0.0), "{want}");
        } else {
            assert_close(&csv_column(&want), &per_row(&p, &q, rs::kl));
        }
        for value in &invalid {
            let o = relent_backend(&args, Some(value));
            assert_eq!(o.status.code(), Some(0), "RELENT_BACKEND={value}");
            assert_eq!(
                String::from_utf8(o.stdout).unwrap(),
                want,
                "RELENT_BACKEND={value}"
            );
            let err = String::from_utf8(o.stderr).unwrap();
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.ends_with('\n'), "{err:?}");
            let line = err.trim_end();
            assert!(
                line.starts_with("relent: warning: RELENT_BACKEND")
                    && line.contains(value)
                    && line.ends_with(&format!("; using {fastest}")),
                "{line}"
            );
            if *value == "bogus" {
                assert_eq!(
                    line,
                    format!(
                        "relent: warning: RELENT_BACKEND=\"bogus\" names no backend \
                         (expected avx512, avx2, portable or scalar); using {fastest}"
                    )
                );
            }
        }
    }
}
