//! The route: which path computes each (function, element type, precision, backend), and what
//! it hands a chunk to when it cannot take it. This is the only place that decides; the
//! dispatcher ([`crate::Kernels`]) executes what [`route`] returns.
//!
//! [`route`] is one `match` over [`Func`] with no wildcard arm, so a new function does not
//! compile until it is routed here. The crate docs show the same route as a table.
//!
//! ```
//! use relent_simd::route::{route, ElementType, Path};
//! use relent_simd::{Backend, Func, Precision};
//! let p = route(Func::Kl, ElementType::F32, Precision::Default, Backend::Avx2);
//! assert_eq!(p, Path::F32Ratio);
//! assert_eq!(p.fallback(), Some(Path::F64Term));
//! let p = route(Func::Kl, ElementType::F32, Precision::High, Backend::Avx2);
//! assert_eq!(p, Path::F64Term);
//! ```

use relent_scalar::Element;

use crate::{Backend, Func, Precision};

/// The element types the kernels read.
///
/// ```
/// use relent_simd::route::ElementType;
/// assert_eq!(ElementType::of::<f32>(), ElementType::F32);
/// assert_eq!(ElementType::F64.name(), "f64");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElementType {
    /// `half::f16` (with the `half` feature).
    F16,
    /// `half::bf16` (with the `half` feature).
    Bf16,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
}

impl ElementType {
    /// Every element type.
    pub const ALL: [ElementType; 4] = [
        ElementType::F16,
        ElementType::Bf16,
        ElementType::F32,
        ElementType::F64,
    ];

    /// The element type of `T`.
    ///
    /// ```
    /// assert_eq!(relent_simd::route::ElementType::of::<f64>().name(), "f64");
    /// ```
    pub fn of<T: Element>() -> ElementType {
        match T::NAME {
            "f64" => ElementType::F64,
            "f32" => ElementType::F32,
            "f16" => ElementType::F16,
            _ => ElementType::Bf16,
        }
    }

    /// `"f16"`, `"bf16"`, `"f32"` or `"f64"` (as [`Element::NAME`]).
    ///
    /// ```
    /// assert_eq!(relent_simd::route::ElementType::Bf16.name(), "bf16");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            ElementType::F16 => "f16",
            ElementType::Bf16 => "bf16",
            ElementType::F32 => "f32",
            ElementType::F64 => "f64",
        }
    }
}

/// A path: one kernel module and the lanes it computes in. Grouped by bound class: the `F64*`
/// paths compute in `f64` lanes and meet 2^-49; the `F32*` paths compute in `f32` lanes and
/// meet 2^-21 (they are routed only where that is the promise: `f32` inputs at
/// [`Precision::Default`]).
///
/// ```
/// use relent_simd::route::Path;
/// assert_eq!(Path::F32Ratio.file(), "f32lanes/ratio.rs");
/// assert_eq!(Path::F64Term.fallback(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Path {
    /// The generic kernel in `f64` lanes: one term per function over the chunk driver
    /// (`f64lanes/`, every backend). Never falls back.
    F64Term,
    /// KL from logits in `f64` lanes (`f64lanes/logits.rs`), recovering the rounding of the
    /// shifted logits (2^-49). Never falls back.
    F64Logits,
    /// KL from logits in `f64` lanes without that recovery: `f32`/`f16`/`bf16` at the default
    /// precision (its error, ≤ |α|·2^-53 of a term, is far inside 2^-21). Never falls back.
    F64LogitsShort,
    /// KL, generalised KL, normalised KL and Jensen–Shannon of `f64` inputs on AVX-512: one or
    /// two divisions and a degree-9 polynomial per vector (`f64lanes/divided.rs`); a chunk it
    /// cannot take goes to [`Path::F64Term`].
    F64Divided,
    /// The `g`-based functions (KL, generalised and normalised KL, Jeffreys, cross-entropy,
    /// entropy, Jensen–Shannon) in `f32` lanes (`f32lanes/ratio.rs`); falls back to
    /// [`Path::F64Term`] per chunk.
    F32Ratio,
    /// KL from log-probabilities and the Gaussian KL from log-variances in `f32` lanes, by a
    /// short exponential (`f32lanes/exp.rs`); falls back to [`Path::F64Term`] per chunk.
    F32Exp,
    /// KL from logits in `f32` lanes (`f32lanes/exp.rs`, beside the other exponential-based
    /// functions); falls back to
    /// [`Path::F64LogitsShort`] per chunk.
    F32Logits,
    /// The Gaussian KL with variances in `f32` lanes (`f32lanes/gaussian.rs`); falls back to
    /// [`Path::F64Term`] per chunk.
    F32Gaussian,
}

impl Path {
    /// Every path.
    pub const ALL: [Path; 8] = [
        Path::F64Term,
        Path::F64Logits,
        Path::F64LogitsShort,
        Path::F64Divided,
        Path::F32Ratio,
        Path::F32Exp,
        Path::F32Logits,
        Path::F32Gaussian,
    ];

    /// What computes a chunk this path cannot take (extreme or invalid values), deciding from
    /// the chunk's own values — or `None` for the paths that take every chunk.
    ///
    /// ```
    /// use relent_simd::route::Path;
    /// assert_eq!(Path::F32Logits.fallback(), Some(Path::F64LogitsShort));
    /// ```
    pub fn fallback(self) -> Option<Path> {
        match self {
            Path::F64Term | Path::F64Logits | Path::F64LogitsShort => None,
            Path::F64Divided | Path::F32Ratio | Path::F32Exp | Path::F32Gaussian => {
                Some(Path::F64Term)
            }
            Path::F32Logits => Some(Path::F64LogitsShort),
        }
    }

    /// The file (under `crates/relent-simd/src/`) that holds the path's kernel.
    ///
    /// ```
    /// assert_eq!(relent_simd::route::Path::F64Term.file(), "f64lanes/<function>.rs");
    /// ```
    pub fn file(self) -> &'static str {
        match self {
            Path::F64Term => "f64lanes/<function>.rs",
            Path::F64Logits | Path::F64LogitsShort => "f64lanes/logits.rs",
            Path::F64Divided => "f64lanes/divided.rs",
            Path::F32Ratio => "f32lanes/ratio.rs",
            Path::F32Exp | Path::F32Logits => "f32lanes/exp.rs",
            Path::F32Gaussian => "f32lanes/gaussian.rs",
        }
    }

    /// Whether the path computes in `f32` lanes (bound class 2^-21) rather than `f64` lanes
    /// (2^-49).
    ///
    /// ```
    /// assert!(relent_simd::route::Path::F32Exp.is_f32_lanes());
    /// ```
    pub fn is_f32_lanes(self) -> bool {
        match self {
            Path::F64Term | Path::F64Logits | Path::F64LogitsShort | Path::F64Divided => false,
            Path::F32Ratio | Path::F32Exp | Path::F32Logits | Path::F32Gaussian => true,
        }
    }
}

/// The path that computes `func` on inputs of type `element` at `precision` on `backend`.
///
/// The `f32`-lane paths exist on AVX-512 and AVX2 and are taken for `f32` inputs at the default
/// precision only; the `f64` division path on AVX-512 only. Everything else computes in `f64`
/// lanes. Results depend on the path (within the bound), never on anything else.
///
/// ```
/// use relent_simd::route::{route, ElementType, Path};
/// use relent_simd::{Backend, Func, Precision};
/// let r = |f, e, b| route(f, e, Precision::Default, b);
/// assert_eq!(r(Func::JsDivergence, ElementType::F64, Backend::Avx512), Path::F64Divided);
/// assert_eq!(r(Func::JsDivergence, ElementType::F64, Backend::Avx2), Path::F64Term);
/// assert_eq!(r(Func::KlLogits, ElementType::Bf16, Backend::Avx512), Path::F64LogitsShort);
/// assert_eq!(r(Func::KlLogits, ElementType::F32, Backend::Portable), Path::F64LogitsShort);
/// ```
pub fn route(func: Func, element: ElementType, precision: Precision, backend: Backend) -> Path {
    let f32_default = element == ElementType::F32 && precision == Precision::Default;
    let f32_lanes = f32_default && matches!(backend, Backend::Avx512 | Backend::Avx2);
    let f64_avx512 = element == ElementType::F64 && backend == Backend::Avx512;
    match func {
        Func::Kl | Func::KlNormalized | Func::GeneralizedKl | Func::JsDivergence => {
            if f32_lanes {
                Path::F32Ratio
            } else if f64_avx512 {
                Path::F64Divided
            } else {
                Path::F64Term
            }
        }
        Func::CrossEntropy | Func::Entropy | Func::Jeffreys => {
            if f32_lanes {
                Path::F32Ratio
            } else {
                Path::F64Term
            }
        }
        Func::KlLog | Func::GaussianKlDiagLogvar => {
            if f32_lanes {
                Path::F32Exp
            } else {
                Path::F64Term
            }
        }
        Func::GaussianKlDiag => {
            if f32_lanes {
                Path::F32Gaussian
            } else {
                Path::F64Term
            }
        }
        Func::KlLogits => {
            if f32_lanes {
                Path::F32Logits
            } else if element == ElementType::F64 || precision == Precision::High {
                Path::F64Logits
            } else {
                Path::F64LogitsShort
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (function, element type, precision, backend) is routed, and consistently: an
    /// `f32`-lane path only for `f32` inputs at the default precision on AVX-512 or AVX2 (the
    /// only backends with `f32` lanes, the only combination whose promise is 2^-21); the
    /// division path only for `f64` on AVX-512; each path only for the functions its kernel
    /// computes (so the dispatcher's `unreachable!` arms are unreachable); fallbacks compute in
    /// `f64` lanes and take every chunk.
    #[test]
    fn route_is_total_and_consistent() {
        let mut seen = std::collections::HashSet::new();
        for func in Func::ALL {
            for element in ElementType::ALL {
                for precision in [Precision::Default, Precision::High] {
                    for backend in Backend::ALL {
                        let path = route(func, element, precision, backend);
                        seen.insert(path);
                        let simd = matches!(backend, Backend::Avx512 | Backend::Avx2);
                        if path.is_f32_lanes() {
                            assert!(simd && element == ElementType::F32);
                            assert_eq!(precision, Precision::Default);
                        }
                        if path == Path::F64Divided {
                            assert_eq!((element, backend), (ElementType::F64, Backend::Avx512));
                        }
                        let logits = matches!(
                            path,
                            Path::F64Logits | Path::F64LogitsShort | Path::F32Logits
                        );
                        assert_eq!(logits, func == Func::KlLogits, "{func:?} → {path:?}");
                        let computes = match path {
                            Path::F64Term => func != Func::KlLogits,
                            Path::F64Logits | Path::F64LogitsShort | Path::F32Logits => true,
                            Path::F64Divided => matches!(
                                func,
                                Func::Kl
                                    | Func::KlNormalized
                                    | Func::GeneralizedKl
                                    | Func::JsDivergence
                            ),
                            Path::F32Ratio => matches!(
                                func,
                                Func::Kl
                                    | Func::KlNormalized
                                    | Func::GeneralizedKl
                                    | Func::Jeffreys
                                    | Func::CrossEntropy
                                    | Func::Entropy
                                    | Func::JsDivergence
                            ),
                            Path::F32Exp => {
                                matches!(func, Func::KlLog | Func::GaussianKlDiagLogvar)
                            }
                            Path::F32Gaussian => func == Func::GaussianKlDiag,
                        };
                        assert!(computes, "{func:?} routed to {path:?}");
                        // 2^-49 promised: f64 inputs, or the high precision.
                        if element == ElementType::F64 || precision == Precision::High {
                            assert!(!path.is_f32_lanes() && path != Path::F64LogitsShort);
                        }
                        if let Some(fb) = path.fallback() {
                            assert!(!fb.is_f32_lanes() && fb.fallback().is_none());
                        }
                    }
                }
            }
        }
        assert_eq!(seen.len(), Path::ALL.len(), "every path is used");
    }

    /// The crate docs' route table names every path and its file, and each file exists.
    #[test]
    fn docs_name_every_path() {
        let docs = include_str!("lib.rs");
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for path in Path::ALL {
            let name = format!("`{path:?}`");
            assert!(docs.contains(&name), "the route table lacks {name}");
            assert!(
                docs.contains(path.file()),
                "the route table lacks {}",
                path.file()
            );
            if !path.file().contains('<') {
                assert!(
                    src.join(path.file()).is_file(),
                    "{} does not exist",
                    path.file()
                );
            }
        }
    }
}
