//! # relent — relative entropy, exactly and fast
//!
//! relent computes the Kullback–Leibler divergence and its family (cross-entropy, entropy,
//! Jeffreys, Jensen–Shannon, KL from log-probabilities or logits, Gaussian KL) for `f32` and
//! `f64` slices (and `f16` / `bf16` with the `half` feature), with SIMD kernels chosen at run
//! time for the CPU (see [Backends](#backends)). Every function at the crate root is
//! *checked*: it validates its input, returns a typed [`Error`] that names the offending
//! argument and index, and never panics. Results are `f64`, in nats; each function has a
//! `_bits` twin that reports bits.
//!
//! ```
//! let p = [0.5f64, 0.5];
//! let q = [0.25f64, 0.75];
//! let nats = relent::kl(&p, &q)?;
//! assert!((nats - 0.5 * (4.0f64 / 3.0).ln()).abs() < 1e-15);
//!
//! // Errors name what and where.
//! let err = relent::kl(&p, &[0.25f64, f64::NAN]).unwrap_err();
//! assert_eq!(err.to_string(), "invalid element: `q[1]` = NaN is NaN");
//! # Ok::<(), relent::Error>(())
//! ```
//!
//! Three flavours of every function:
//!
//! | module | precision (`f32`/`f16`/`bf16` inputs) | input | returns |
//! |---|---|---|---|
//! | the crate root ([`kl`], …) | [`Precision::Default`]: ≤ 2^-21 | checked | `Result<f64, Error>` |
//! | [`precise`] ([`precise::kl`], …) | [`Precision::High`]: ≤ 2^-49 | checked | `Result<f64, Error>` |
//! | [`unchecked`] ([`unchecked::kl`], …) | [`Precision::Default`] | assumed valid | `f64` |
//!
//! `f64` inputs are always computed to ≤ 2^-49 (see [Accuracy](#accuracy)). Many pairs at
//! once — row-paired, one-vs-many, all-pairs, top-k — are in [`batch`].
//!
//! ## The contract
//!
//! | function | definition (natural log; `_bits` twins divide by ln 2) |
//! |---|---|
//! | [`kl`]`(p, q)` | Σ p·ln(p/q) over the numbers as given (SciPy `rel_entr(p, q).sum()`) |
//! | [`kl_normalized`]`(p, q)` | KL(p/Σp ‖ q/Σq) without materialising (SciPy `entropy(p, q)`) |
//! | [`cross_entropy`]`(p, q)` | −Σ p·ln q |
//! | [`entropy`]`(p)` | −Σ p·ln p |
//! | [`generalized_kl`]`(p, q)` | Σ p·ln(p/q) − p + q (SciPy `kl_div` summed) |
//! | [`jeffreys`]`(p, q)` | KL(p‖q) + KL(q‖p) = Σ (p−q)·ln(p/q) (population stability index) |
//! | [`js_divergence`]`(p, q)` | ½KL(p‖m) + ½KL(q‖m), m = (p+q)/2 |
//! | [`js_distance`]`(p, q)` | √JS |
//! | [`kl_log`]`(lp, lq)` | Σ e^lp·(lp − lq) from natural-log probabilities |
//! | [`kl_logits`]`(logits_a, logits_b, t)` | KL(softmax(a/t) ‖ softmax(b/t)), fused and stable |
//! | [`gaussian::kl_diag`] | ½ Σ [ln(σq²/σp²) + (σp² + (μp−μq)²)/σq² − 1] |
//! | [`gaussian::kl_diag_logvar`] | the same with log-variances ln σ² as inputs |
//!
//! ## Domains
//!
//! | argument | allowed |
//! |---|---|
//! | probabilities `p`, `q` | finite and ≥ 0 (`-0.0` is fine); not necessarily normalised |
//! | log-probabilities `lp`, `lq` | anything but NaN and +∞; −∞ is probability 0 |
//! | logits `logits_a`, `logits_b` | anything but NaN and +∞; −∞ is a masked entry |
//! | `temperature` | finite and > 0 |
//! | Gaussian means, log-variances | finite |
//! | Gaussian variances | finite and > 0 |
//!
//! ## Special values
//!
//! The same for every function, every element type, every precision and every backend:
//!
//! - a term with p = 0 is 0, also when q = 0 (0·ln 0 = 0);
//! - p > 0 with q = 0 gives +∞ — a correct answer, not an error;
//! - masked logits (−∞) and log-probabilities of −∞ are probability zero, never NaN;
//! - no ε is ever added;
//! - KL of probability vectors, Jeffreys and JS are never negative, identical inputs give
//!   exactly 0, and JS ≤ ln 2 for probability vectors (up to the accuracy bound);
//! - an exact value beyond the `f64` range (inputs near `f64::MAX`, huge logits over a tiny
//!   temperature, a value in bits above `f64::MAX`) is returned as +∞ (−∞ below −`f64::MAX`),
//!   its correct rounding; a finite exact value is never returned as ±∞ or NaN because an
//!   intermediate of the fast kernel overflowed — such inputs are computed by the exact
//!   reference instead (the JS distance, √JS, stays finite even where JS is +∞). One known
//!   exception, documented in [`kl_logits`]: a logit whose scaled shift (b − max b)/t is
//!   below −`f64::MAX`.
//!
//! ## Errors
//!
//! Every checked function returns `Result<f64, Error>`. The first problem is reported, in this
//! order, whatever the input and whatever the backend:
//!
//! 1. [`Error::LengthMismatch`]: a slice's length differs from the first slice's;
//! 2. [`Error::Empty`]: the slices are empty;
//! 3. [`Error::InvalidParameter`]: the temperature is not finite and > 0;
//! 4. [`Error::InvalidElement`]: the first element outside its domain, scanning the
//!    arguments in signature order and each from index 0;
//! 5. [`Error::ZeroTotal`]: a function that normalises ([`kl_normalized`], [`kl_logits`])
//!    got an all-zero (or all-masked) slice.
//!
//! Validation rides along in the kernel: it notes, in lane masks, whether it saw an element
//! outside the domain, and only then is the input scanned again to find the first one. A
//! checked call therefore reads its input once, like an [`unchecked`] one.
//!
//! ## Accuracy
//!
//! Every result is within **ε·S** of the exact value of the definition evaluated on the
//! numbers as stored (the inputs widened exactly to `f64`, no rounding of the inputs counted),
//! where
//!
//! | inputs | crate root (Default) | [`precise`] (High) |
//! |---|---|---|
//! | `f64` | ε = 2^-49 | ε = 2^-49 (the same computation) |
//! | `f32`, `f16`, `bf16` | ε = 2^-21 | ε = 2^-49 |
//!
//! and S is the function's *scale*, stated in each function's `# Accuracy` section. For the
//! functions whose terms are all ≥ 0 — generalised KL, Jeffreys, JS and its distance, the
//! Gaussian KLs, cross-entropy and entropy of probabilities — S is the value itself, so ε is
//! a relative error bound. Where terms of both signs can cancel (KL of unnormalised inputs,
//! cross-entropy and entropy of masses above 1, `kl_log`, `kl_logits`), S is the sum of the
//! magnitudes involved, and the relative error is ε times the cancellation ratio. The
//! `_bits` twins add one rounding (2^-53) for the division by ln 2.
//!
//! Results are +∞, 0 or finite exactly as the special values say. A term that underflows
//! below 2^-1022 (only `f64` probabilities under about 1e-300 can make one, or — in
//! [`kl_log`] and [`kl_logits`], from any element type — log-probabilities or scaled logits
//! below about −700) may add up to 8·2^-1074 of absolute error; [`kl_normalized`] divides
//! such errors by Σp, so for `f64` inputs that all lie below about 1e-290 it keeps no
//! relative bound (a known limitation). Results depend only on
//! the values, never on alignment or the number of threads; two backends may differ within
//! the bound. The test suite checks these bounds against the exact reference
//! (`relent-scalar`, double-double) on every backend and prints the largest errors seen.
//!
//! ## Backends
//!
//! The kernels (`relent-simd`) are written once and compiled for several instruction sets;
//! the fastest one this CPU supports is chosen on the first call and cached: AVX-512
//! (`avx512`), AVX2 + FMA (`avx2`), the portable `wide` lanes (`portable`: SSE2 on baseline
//! x86-64, NEON on aarch64), and a one-lane `scalar` path. [`backend`] names the one in use.
//! The environment variable `RELENT_BACKEND=avx512|avx2|portable|scalar` forces one (read
//! once, on the first call); [`try_backend`] reports an unknown or unsupported name as a
//! [`BackendError`]. The computing functions — single calls and [`batch`] alike — never
//! panic over it: with an invalid `RELENT_BACKEND` they use the fastest available backend,
//! and [`backend`] names that one (relent-simd resolves the choice once for every crate).
//!
//! ```
//! let b = relent::backend();
//! println!("relent computes with the {b} kernels");
//! assert!(relent::available_backends().contains(&b));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
pub mod gaussian;
mod kernel;
mod validate;

pub use error::{Error, InvalidKind};

/// The examples of the repository's README, run as doc tests so that they stay correct.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
pub use relent_scalar::Element;

pub use kernel::{available_backends, backend, try_backend};
/// A kernel set (instruction set): `Avx512`, `Avx2`, `Portable` or `Scalar`, named by
/// [`Backend::name`] and `Display` as in `RELENT_BACKEND`.
///
/// ```
/// let b = relent::backend();
/// assert_eq!(relent::Backend::from_name(b.name()), Some(b));
/// ```
pub use relent_simd::Backend;
/// Why `RELENT_BACKEND` could not be honoured (returned by [`try_backend`]).
///
/// ```
/// let e = relent::BackendError::Unknown("sse9".into());
/// assert!(e.to_string().contains("sse9"));
/// ```
pub use relent_simd::BackendError;
/// The accuracy requested for `f32`, `f16` and `bf16` inputs: [`Precision::Default`]
/// (≤ 2^-21, the crate root's functions) or [`Precision::High`] (≤ 2^-49, the [`precise`]
/// module's). `f64` inputs are always computed to ≤ 2^-49.
///
/// ```
/// use relent::Precision;
/// assert_eq!(Precision::default(), Precision::Default);
/// let p = [0.5f32, 0.5];
/// let q = [0.25f32, 0.75];
/// let (d, h) = (relent::kl(&p, &q)?, relent::precise::kl(&p, &q)?);
/// assert!((d - h).abs() <= 2f64.powi(-20) * h);
/// # Ok::<(), relent::Error>(())
/// ```
pub use relent_simd::Precision;
/// The documented error bounds (ε by element type and precision, the scales, the underflow
/// allowance): the table every crate's tests use, re-exported from relent-simd.
pub use relent_simd::bounds;

/// Many pairs at once, on every core: row-paired, one-vs-many, all-pairs (exact or by a
/// matrix product), top-k nearest, and one very long pair split across threads.
///
/// This is the `relent-batch` crate. Its inputs are checked like the single-pair API's
/// (shapes, and every element against the divergence's domain, reported by matrix, row and
/// column in [`batch::Error`]), and its results are bit-identical for any number of threads.
///
/// ```
/// use relent::batch::{Divergence, MatRef, Options};
/// let p = [0.5f32, 0.5, 0.9, 0.1];
/// let q = [0.25f32, 0.75, 0.5, 0.5];
/// let (p, q) = (MatRef::new(&p, 2, 2)?, MatRef::new(&q, 2, 2)?);
/// let kl = relent::batch::row_paired(Divergence::Kl, p, q, &Options::new())?;
/// assert!((kl[1] - relent::kl(&[0.9f32, 0.1], &[0.5, 0.5]).unwrap()).abs() < 1e-15);
/// # Ok::<(), relent::batch::Error>(())
/// ```
pub use relent_batch as batch;

/// The `half` crate, whose `f16` and `bf16` are accepted as [`Element`]s.
#[cfg(feature = "half")]
pub use half;

use validate::{Arg, Domain, Totals};

/// The range a function's exact value lies in, whatever the (valid) input.
pub(crate) mod range {
    /// Any sign: the value is returned as computed.
    #[inline]
    pub(crate) fn any(v: f64) -> f64 {
        v
    }
    /// The exact value is ≥ 0 for every valid input (each term is ≥ 0, or the inputs are
    /// normalised): a computed value below 0 can only be rounding, and 0 is closer to the
    /// exact value, so it is returned instead. The contract's "never negative".
    #[inline]
    pub(crate) fn non_negative(v: f64) -> f64 {
        if v < 0.0 { 0.0 } else { v }
    }
}

/// The unit of a result, applied after [`range`]: nats as computed, bits (÷ ln 2), and the
/// square root of a divergence (the JS distance) in nats or bits. Each takes the call's slice
/// arguments too, for the one case where the unit needs them: a Jensen–Shannon divergence
/// beyond `f64::MAX` (+∞, correctly rounded) whose square root is finite.
mod unit {
    use core::f64::consts::LN_2;

    use crate::Element;

    #[inline]
    pub(crate) fn nats<T: Element>(v: f64, _args: &[&[T]]) -> f64 {
        v
    }
    /// ÷ ln 2. A finite value whose quotient exceeds `f64::MAX` becomes +∞ (−∞): the value in
    /// bits is beyond the `f64` range then (up to the accuracy bound), so that is its rounding.
    #[inline]
    pub(crate) fn nats_bits<T: Element>(v: f64, _args: &[&[T]]) -> f64 {
        v / LN_2
    }
    /// √JS. JS is +∞ only when it exceeds `f64::MAX` (it is finite for finite input), while
    /// √JS ≤ √(n·MAX·ln 2) is finite: then the exact reference's square root, taken in its
    /// double-double form.
    #[inline]
    pub(crate) fn sqrt<T: Element>(v: f64, args: &[&[T]]) -> f64 {
        if v == f64::INFINITY {
            relent_scalar::js_distance(args[0], args[1])
        } else {
            v.sqrt()
        }
    }
    /// √(JS / ln 2): where JS / ln 2 exceeds `f64::MAX` (JS above 0.69·MAX, or +∞) the exact
    /// reference's `js_distance_bits`, whose square root is taken before rounding.
    #[inline]
    pub(crate) fn sqrt_bits<T: Element>(v: f64, args: &[&[T]]) -> f64 {
        let bits = v / LN_2;
        if bits == f64::INFINITY {
            relent_scalar::js_distance_bits(args[0], args[1])
        } else {
            bits.sqrt()
        }
    }
}

/// The `# Accuracy` section of a function at a precision, given its scale S.
macro_rules! accuracy_doc {
    (Default, $scale:literal) => {
        concat!(
            "Within ε·S of the exact value of the definition on the numbers as stored, with \
             ε = 2^-49 for `f64` inputs and ε = 2^-21 for `f32`, `f16` and `bf16` inputs (the \
             [`precise`](crate::precise) twin gives 2^-49 for every type), and ",
            $scale,
            ". See the crate-level [Accuracy](crate#accuracy) section."
        )
    };
    (High, $scale:literal) => {
        concat!(
            "Within ε·S of the exact value of the definition on the numbers as stored, with \
             ε = 2^-49 for every element type, and ",
            $scale,
            ". See the crate-level [Accuracy](crate#accuracy) section."
        )
    };
}

/// What a domain allows, for the `# Errors` sections.
macro_rules! invalid_doc {
    (Probability) => {
        "negative, NaN or ±∞"
    };
    (Log) => {
        "NaN or +∞ (−∞ is allowed: probability zero)"
    };
}

/// The zero-total line of an `# Errors` section (by the totals rule and the first argument's
/// domain).
macro_rules! totals_doc {
    (Any $(, $dom:ident)*) => {
        ""
    };
    (NonZero, Probability $(, $dom:ident)*) => {
        "- [`Error::ZeroTotal`] if a slice is all zeros: it cannot be normalised."
    };
    (NonZero, Log $(, $dom:ident)*) => {
        "- [`Error::ZeroTotal`] if every logit of a row is masked (−∞): its softmax does not \
         exist."
    };
}

/// What an unchecked function assumes of its inputs, for its docs.
macro_rules! assumes_doc {
    (Probability) => {
        "finite and ≥ 0"
    };
    (Log) => {
        "not NaN and not +∞"
    };
}

/// Generates the functions of one flavour — `checked` (the crate root, Precision::Default),
/// `precise` (checked, Precision::High) or `unchecked` — from the one list of functions in
/// [`functions`]: each computes with the kernel named by `kernel:` (relent-simd), maps the
/// value through `range::$range` (the clamp where the exact value is ≥ 0) and `unit::$post`
/// (nats, bits, square root). The checked ones validate through [`validate::run`]; the docs
/// are generated from the entry's summary, scale, example and the domains.
macro_rules! define {
    (checked; $(
        $(#[doc = $doc:literal])*
        fn $name:ident, $bits:ident ( $($arg:ident : $dom:ident),+ $(; $par:ident)? ) $tot:ident $range:ident;
        kernel: $kernel:ident, $post:ident, $post_bits:ident;
        scale: $scale:literal;
        example: $setup:literal, $call:literal, $check:literal;
        bits: $unit:literal, $factor:literal;
    )*) => {$(
        $(#[doc = $doc])*
        ///
        /// # Accuracy
        ///
        #[doc = accuracy_doc!(Default, $scale)]
        ///
        /// # Errors
        ///
        #[doc = concat!("- [`Error::LengthMismatch`] if the slices (`", stringify!($($arg),+),
            "`) differ in length; [`Error::Empty`] if they are empty.")]
        $(
        #[doc = concat!("- [`Error::InvalidParameter`] if `", stringify!($par),
            "` is not finite and > 0.")]
        )?
        $(
        #[doc = concat!("- [`Error::InvalidElement`] if an element of `", stringify!($arg),
            "` is ", invalid_doc!($dom), ".")]
        )+
        #[doc = totals_doc!($tot $(, $dom)+)]
        ///
        /// # Example
        ///
        #[doc = concat!("```\n", $setup, "\nlet v = relent::", stringify!($name), "(", $call,
            ")?;\n", $check, "\n# Ok::<(), relent::Error>(())\n```")]
        pub fn $name<T: Element>($($arg: &[T]),+ $(, $par: f64)?) -> Result<f64, Error> {
            define!(@checked Default, $kernel, $post, $range, $tot; $($arg: $dom),+ $(; $par)?)
        }

        #[doc = concat!("[`", stringify!($name), "`] in bits: the value ", $unit, ".")]
        ///
        #[doc = concat!("Same domain, special values and errors as [`", stringify!($name),
            "`]; +∞ stays +∞ and 0 stays 0.")]
        ///
        /// # Accuracy
        ///
        #[doc = concat!("As [`", stringify!($name), "`], plus one rounding (2^-53 relative).")]
        ///
        /// # Errors
        ///
        #[doc = concat!("As [`", stringify!($name), "`].")]
        ///
        /// # Example
        ///
        #[doc = concat!("```\n", $setup, "\nlet bits = relent::", stringify!($bits), "(", $call,
            ")?;\nlet nats = relent::", stringify!($name), "(", $call, ")?;\n",
            "assert!((bits - nats / ", $factor, ").abs() <= 1e-15 * bits.abs());",
            "\n# Ok::<(), relent::Error>(())\n```")]
        pub fn $bits<T: Element>($($arg: &[T]),+ $(, $par: f64)?) -> Result<f64, Error> {
            define!(@checked_bits Default, $kernel, $post_bits, $range, $tot, $bits; $($arg: $dom),+ $(; $par)?)
        }
    )*};

    (precise; $(
        $(#[doc = $doc:literal])*
        fn $name:ident, $bits:ident ( $($arg:ident : $dom:ident),+ $(; $par:ident)? ) $tot:ident $range:ident;
        kernel: $kernel:ident, $post:ident, $post_bits:ident;
        scale: $scale:literal;
        example: $setup:literal, $call:literal, $check:literal;
        bits: $unit:literal, $factor:literal;
    )*) => {$(
        #[doc = concat!("[`crate::", stringify!($name), "`] at \
            [`Precision::High`](crate::Precision::High): ≤ 2^-49 for every element type.")]
        ///
        #[doc = concat!("Same definition, domain, special values and errors as [`crate::",
            stringify!($name), "`]; for `f64` inputs it is the same computation, bit for bit.")]
        ///
        /// # Accuracy
        ///
        #[doc = accuracy_doc!(High, $scale)]
        ///
        /// # Errors
        ///
        #[doc = concat!("As [`crate::", stringify!($name), "`].")]
        ///
        /// # Example
        ///
        #[doc = concat!("```\n", $setup, "\nlet v = relent::precise::", stringify!($name), "(",
            $call, ")?;\n", $check, "\n# Ok::<(), relent::Error>(())\n```")]
        pub fn $name<T: Element>($($arg: &[T]),+ $(, $par: f64)?) -> Result<f64, Error> {
            define!(@checked High, $kernel, $post, $range, $tot; $($arg: $dom),+ $(; $par)?)
        }

        #[doc = concat!("[`", stringify!($name), "`] in bits: the value ", $unit, ".")]
        ///
        #[doc = concat!("Same domain, special values and errors as [`crate::", stringify!($bits),
            "`].")]
        ///
        /// # Accuracy
        ///
        #[doc = concat!("As [`", stringify!($name), "`], plus one rounding (2^-53 relative).")]
        ///
        /// # Errors
        ///
        #[doc = concat!("As [`crate::", stringify!($name), "`].")]
        ///
        /// # Example
        ///
        #[doc = concat!("```\n", $setup, "\nlet bits = relent::precise::", stringify!($bits),
            "(", $call, ")?;\nlet nats = relent::precise::", stringify!($name), "(", $call,
            ")?;\nassert!((bits - nats / ", $factor, ").abs() <= 1e-15 * bits.abs());",
            "\n# Ok::<(), relent::Error>(())\n```")]
        pub fn $bits<T: Element>($($arg: &[T]),+ $(, $par: f64)?) -> Result<f64, Error> {
            define!(@checked_bits High, $kernel, $post_bits, $range, $tot, $bits; $($arg: $dom),+ $(; $par)?)
        }
    )*};

    (unchecked; $(
        $(#[doc = $doc:literal])*
        fn $name:ident, $bits:ident ( $($arg:ident : $dom:ident),+ $(; $par:ident)? ) $tot:ident $range:ident;
        kernel: $kernel:ident, $post:ident, $post_bits:ident;
        scale: $scale:literal;
        example: $setup:literal, $call:literal, $check:literal;
        bits: $unit:literal, $factor:literal;
    )*) => {$(
        #[doc = concat!("[`crate::", stringify!($name), "`] without validation: the value \
            directly, for input known to be valid.")]
        ///
        #[doc = concat!("On valid input the result is bit-identical to [`crate::",
            stringify!($name), "`]'s `Ok` value (same kernel, same precision, same clamp).")]
        ///
        /// # Assumes
        ///
        #[doc = concat!("- the slices (`", stringify!($($arg),+), "`) have equal lengths \
            (otherwise it **panics**) and are not empty;")]
        $(
        #[doc = concat!("- every element of `", stringify!($arg), "` is ", assumes_doc!($dom), ";")]
        )+
        $(
        #[doc = concat!("- `", stringify!($par), "` is finite and > 0;")]
        )?
        #[doc = define!(@assume_totals $tot $(, $dom)+)]
        ///
        /// On input that breaks an assumption other than the lengths, the result is an
        /// unspecified `f64` (NaN, ±∞ or any number) — never a panic, never undefined
        /// behaviour.
        ///
        /// # Accuracy
        ///
        #[doc = concat!("As [`crate::", stringify!($name), "`].")]
        ///
        /// # Panics
        ///
        /// If the slices differ in length.
        ///
        /// # Example
        ///
        #[doc = concat!("```\n", $setup, "\nlet v = relent::unchecked::", stringify!($name), "(",
            $call, ");\n", $check, "\nassert_eq!(v.to_bits(), relent::", stringify!($name), "(",
            $call, ")?.to_bits());\n# Ok::<(), relent::Error>(())\n```")]
        pub fn $name<T: Element>($($arg: &[T]),+ $(, $par: f64)?) -> f64 {
            define!(@unchecked $kernel, $post, $range; $($arg),+ $(; $par)?)
        }

        #[doc = concat!("[`", stringify!($name), "`] in bits: the value ", $unit, ".")]
        ///
        #[doc = concat!("Same assumptions as [`", stringify!($name), "`]; bit-identical to \
            [`crate::", stringify!($bits), "`]'s `Ok` value on valid input.")]
        ///
        /// # Accuracy
        ///
        #[doc = concat!("As [`crate::", stringify!($bits), "`].")]
        ///
        /// # Panics
        ///
        /// If the slices differ in length.
        ///
        /// # Example
        ///
        #[doc = concat!("```\n", $setup, "\nlet bits = relent::unchecked::", stringify!($bits),
            "(", $call, ");\nassert_eq!(bits.to_bits(), relent::", stringify!($bits), "(", $call,
            ")?.to_bits());\n# Ok::<(), relent::Error>(())\n```")]
        pub fn $bits<T: Element>($($arg: &[T]),+ $(, $par: f64)?) -> f64 {
            define!(@unchecked_bits $kernel, $post_bits, $range, $bits; $($arg),+ $(; $par)?)
        }
    )*};

    (@checked $prec:ident, $kernel:ident, $post:ident, $range:ident, $tot:ident;
        $($arg:ident : $dom:ident),+ $(; $par:ident)?) => {
        $crate::validate::run(
            &[$($crate::Arg::new(stringify!($arg), $arg, $crate::Domain::$dom)),+],
            &[$((stringify!($par), $par))?],
            $crate::Totals::$tot,
            || define!(@kernel $kernel, $crate::Precision::$prec; $($arg),+ $(; $par)?),
        )
        .map(|v| $crate::unit::$post($crate::range::$range(v), &[$($arg),+]))
    };
    (@checked_bits $prec:ident, $kernel:ident, $post:ident, $range:ident, $tot:ident, $bits:ident;
        $($arg:ident : $dom:ident),+ $(; $par:ident)?) => {
        $crate::validate::run(
            &[$($crate::Arg::new(stringify!($arg), $arg, $crate::Domain::$dom)),+],
            &[$((stringify!($par), $par))?],
            $crate::Totals::$tot,
            || define!(@kernel $kernel, $crate::Precision::$prec; $($arg),+ $(; $par)?),
        )
        .map(|v| define!(@to_bits v, $post, $range, $bits; $($arg),+ $(; $par)?))
    };
    (@unchecked_bits $kernel:ident, $post:ident, $range:ident, $bits:ident;
        $($arg:ident),+ $(; $par:ident)?) => {{
        let out = define!(@kernel $kernel, $crate::Precision::Default; $($arg),+ $(; $par)?);
        let v = out.value;
        define!(@to_bits v, $post, $range, $bits; $($arg),+ $(; $par)?)
    }};
    // The value in bits of the nats value `v`: the unit's, unless a finite `v` overflows in
    // bits — `v` carries the kernel's error, and near the top of the range (v ≈ 0.69·MAX)
    // only the exact value decides between `f64::MAX` and +∞ — then the reference's `_bits`.
    (@to_bits $v:ident, $post:ident, $range:ident, $bits:ident; $($arg:ident),+ $(; $par:ident)?) => {{
        let v = $crate::range::$range($v);
        let b = $crate::unit::$post(v, &[$($arg),+]);
        if b.is_infinite() && v.is_finite() {
            $crate::range::$range(relent_scalar::$bits($($arg),+ $(, $par)?))
        } else {
            b
        }
    }};
    (@unchecked $kernel:ident, $post:ident, $range:ident; $($arg:ident),+ $(; $par:ident)?) => {{
        let out = define!(@kernel $kernel, $crate::Precision::Default; $($arg),+ $(; $par)?);
        $crate::unit::$post($crate::range::$range(out.value), &[$($arg),+])
    }};
    // The kernel of `relent_simd::Func::$kernel` on the resolved backend, its non-finite
    // values settled (`relent_simd::Kernels::exact`); `$par` is the temperature of `KlLogits`.
    (@kernel $kernel:ident, $prec:expr; $($arg:ident),+ ; $par:ident) => {
        $crate::kernel::kernels().exact(relent_simd::Func::$kernel, &[$($arg),+], $par, $prec)
    };
    (@kernel $kernel:ident, $prec:expr; $($arg:ident),+) => {
        $crate::kernel::kernels().exact(relent_simd::Func::$kernel, &[$($arg),+], 1.0, $prec)
    };
    (@assume_totals Any $(, $dom:ident)*) => { "" };
    (@assume_totals NonZero, Probability $(, $dom:ident)*) => {
        "- neither slice is all zeros (it could not be normalised);"
    };
    (@assume_totals NonZero, Log $(, $dom:ident)*) => {
        "- neither row is entirely masked (−∞);"
    };
}

/// The one list of pairwise functions, handed to [`define`] for each flavour: summary and
/// special values (the crate root's docs), signature (arguments with their domains, the
/// scalar parameter, the totals rule, the range clamp), the kernel and unit, the scale S of
/// the accuracy bound, and the example.
macro_rules! functions {
    ($flavour:ident) => {
        define! { $flavour;
    /// Kullback–Leibler divergence KL(p ‖ q) = Σ p·ln(p/q), over the numbers as given
    /// (SciPy's `rel_entr(p, q).sum()`).
    ///
    /// The inputs are not normalised: for probability vectors the result is ≥ 0; for
    /// arbitrary non-negative masses it can be negative (use [`kl_normalized`] or
    /// [`generalized_kl`] for those).
    ///
    /// # Special values
    ///
    /// - a term with `p[i] = 0` is 0, also when `q[i] = 0`;
    /// - `p[i] > 0` with `q[i] = 0` gives +∞;
    /// - `kl(p, p)` is exactly 0.
    fn kl, kl_bits(p: Probability, q: Probability) Any any;
    kernel: Kl, nats, nats_bits;
    scale: "S = Σ gᵢ + |KL|, with gᵢ = pᵢ·ln(pᵢ/qᵢ) − pᵢ + qᵢ ≥ 0 the generalised-KL terms (KL = Σ gᵢ + Σ(pᵢ − qᵢ), the last sum exact), plus an absolute 2^-90·Σ(pᵢ + qᵢ). Inputs with equal totals — probability vectors — have Σ gᵢ = KL, so S = 2·KL: at most 2ε relative, even for near-identical inputs (down to KL ≈ 2^-40). For unnormalised inputs whose terms cancel it is relative to Σ gᵢ";
    example: "let p = [0.5f64, 0.5];\nlet q = [0.25f64, 0.75];",
        "&p, &q",
        "assert!((v - 0.5 * (4.0f64 / 3.0).ln()).abs() < 1e-15);\n\
         // Mass where q has none: +∞, not an error.\n\
         assert_eq!(relent::kl(&[0.5f32, 0.5], &[1.0f32, 0.0])?, f64::INFINITY);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// KL divergence of the normalised inputs, KL(p/Σp ‖ q/Σq), computed without
    /// materialising the normalised vectors (SciPy's `entropy(p, q)`).
    ///
    /// Use it for histograms and counts. The result is ≥ 0 and does not change when `p` or
    /// `q` is scaled by a positive constant.
    ///
    /// # Special values
    ///
    /// - a term with `p[i] = 0` is 0, also when `q[i] = 0`;
    /// - `p[i] > 0` with `q[i] = 0` gives +∞;
    /// - `kl_normalized(p, p)` is exactly 0.
    fn kl_normalized, kl_normalized_bits(p: Probability, q: Probability) NonZero non_negative;
    kernel: KlNormalized, nats, nats_bits;
    scale: "S = Σ gᵢ/Σp + KLₙ + |ln(Σq/Σp)| (gᵢ the generalised-KL terms), plus an absolute 2^-90·Σ(p + q)/Σp: at most 3ε relative for equal totals (Σ gᵢ/Σp = KLₙ then), and relative to |ln(Σq/Σp)| when the result is much smaller than that";
    example: "let counts_p = [2.0f64, 2.0];\nlet counts_q = [1.0f64, 3.0];",
        "&counts_p, &counts_q",
        "assert!((v - 0.5 * (4.0f64 / 3.0).ln()).abs() < 1e-15);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// Cross-entropy H(p, q) = −Σ p·ln q.
    ///
    /// Equals [`entropy`]`(p) + `[`kl`]`(p, q)`.
    ///
    /// # Special values
    ///
    /// - a term with `p[i] = 0` is 0, also when `q[i] = 0`;
    /// - `p[i] > 0` with `q[i] = 0` gives +∞.
    fn cross_entropy, cross_entropy_bits(p: Probability, q: Probability) Any any;
    kernel: CrossEntropy, nats, nats_bits;
    scale: "S = Σ |pᵢ·ln qᵢ|, which is the value itself when every qᵢ ≤ 1 (probabilities)";
    example: "let p = [0.5f64, 0.5];\nlet q = [0.25f64, 0.75];",
        "&p, &q",
        "assert!((v - 0.5 * (16.0f64 / 3.0).ln()).abs() < 1e-15);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// Shannon entropy H(p) = −Σ p·ln p.
    ///
    /// # Special values
    ///
    /// - a term with `p[i] = 0` is 0;
    /// - a one-hot vector has entropy exactly 0; the uniform distribution over n outcomes
    ///   has ln n.
    fn entropy, entropy_bits(p: Probability) Any any;
    kernel: Entropy, nats, nats_bits;
    scale: "S = Σ |pᵢ·ln pᵢ|, which is the value itself when every pᵢ ≤ 1 (probabilities)";
    example: "let p = [0.25f32; 4];",
        "&p",
        "assert!((v - 4.0f64.ln()).abs() <= relent::bounds::DEFAULT_NARROW * 4.0f64.ln()); // f32: 2^-21";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// Generalised KL divergence Σ [p·ln(p/q) − p + q] (SciPy's `kl_div(p, q).sum()`), the
    /// divergence for unnormalised non-negative measures.
    ///
    /// Every term is ≥ 0, so the result is ≥ 0 whatever the totals.
    ///
    /// # Special values
    ///
    /// - a term with `p[i] = 0` is `q[i]`;
    /// - `p[i] > 0` with `q[i] = 0` gives +∞;
    /// - `generalized_kl(p, p)` is exactly 0.
    fn generalized_kl, generalized_kl_bits(p: Probability, q: Probability) Any non_negative;
    kernel: GeneralizedKl, nats, nats_bits;
    scale: "S = the value itself (every term is ≥ 0): ε relative, whatever the totals";
    example: "let p = [1.0f64, 2.0];\nlet q = [2.0f64, 2.0];",
        "&p, &q",
        "assert!((v - (1.0 - 2.0f64.ln())).abs() < 1e-15);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// Jeffreys divergence KL(p‖q) + KL(q‖p) = Σ (p−q)·ln(p/q), the symmetric KL (also known
    /// as the population stability index).
    ///
    /// Every term is ≥ 0, so the result is ≥ 0 whatever the totals.
    ///
    /// # Special values
    ///
    /// - a term with `p[i] = q[i]` (including both 0) is 0;
    /// - one side 0 and the other > 0 gives +∞;
    /// - `jeffreys(p, q) == jeffreys(q, p)`, and `jeffreys(p, p)` is exactly 0.
    fn jeffreys, jeffreys_bits(p: Probability, q: Probability) Any non_negative;
    kernel: Jeffreys, nats, nats_bits;
    scale: "S = the value itself (every term is ≥ 0): ε relative";
    example: "let p = [0.5f64, 0.5];\nlet q = [0.25f64, 0.75];",
        "&p, &q",
        "assert!((v - 0.25 * 3.0f64.ln()).abs() < 1e-15);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// Jensen–Shannon divergence ½KL(p‖m) + ½KL(q‖m) with m = (p+q)/2.
    ///
    /// Symmetric and always finite. For probability vectors 0 ≤ JS ≤ ln 2.
    ///
    /// # Special values
    ///
    /// - zeros need no care: a term with `p[i] = 0` (or `q[i] = 0`) contributes only the
    ///   other side's part, finite;
    /// - `js_divergence(p, p)` is exactly 0; disjoint supports give ln 2.
    fn js_divergence, js_divergence_bits(p: Probability, q: Probability) Any non_negative;
    kernel: JsDivergence, nats, nats_bits;
    scale: "S = the value itself (every term is ≥ 0): ε relative, including near-identical inputs";
    example: "let p = [1.0f64, 0.0];\nlet q = [0.0f64, 1.0];",
        "&p, &q",
        "assert!((v - std::f64::consts::LN_2).abs() < 1e-15);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// Jensen–Shannon distance √JS, a metric on probability vectors.
    ///
    /// For probability vectors 0 ≤ distance ≤ √(ln 2).
    ///
    /// # Special values
    ///
    /// - as [`js_divergence`]: always finite, 0 for identical inputs, √(ln 2) for
    ///   disjoint supports.
    fn js_distance, js_distance_bits(p: Probability, q: Probability) Any non_negative;
    kernel: JsDivergence, sqrt, sqrt_bits;
    scale: "S = the value itself: ε relative (the square root halves the divergence's relative error and adds one rounding)";
    example: "let p = [1.0f64, 0.0];\nlet q = [0.0f64, 1.0];",
        "&p, &q",
        "assert!((v - std::f64::consts::LN_2.sqrt()).abs() < 1e-15);";
    bits: "√(JS in bits), i.e. divided by √(ln 2)", "std::f64::consts::LN_2.sqrt()";

    /// KL divergence from natural-log probabilities: Σ e^lp·(lp − lq).
    ///
    /// Use it when the model already produces log-probabilities (log-softmax outputs).
    ///
    /// # Special values
    ///
    /// - `lp[i] = −∞` (probability 0) contributes 0, also when `lq[i] = −∞`;
    /// - `lq[i] = −∞` with `lp[i]` finite gives +∞;
    /// - `kl_log(lp, lp)` is exactly 0.
    fn kl_log, kl_log_bits(lp: Log, lq: Log) Any any;
    kernel: KlLog, nats, nats_bits;
    scale: "S = Σ e^lpᵢ·|lpᵢ − lqᵢ| (terms of both signs)";
    example: "let lp = [0.5f64.ln(), 0.5f64.ln(), f64::NEG_INFINITY];\n\
              let lq = [0.25f64.ln(), 0.75f64.ln(), f64::NEG_INFINITY];",
        "&lp, &lq",
        "assert!((v - 0.5 * (4.0f64 / 3.0).ln()).abs() < 1e-14);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";

    /// KL divergence between the softmax distributions of two logit rows at a temperature:
    /// KL(softmax(a/t) ‖ softmax(b/t)), fused and numerically stable (no softmax is
    /// materialised, no overflow for large logits).
    ///
    /// The result is ≥ 0 and does not change when a constant is added to a row.
    ///
    /// # Special values
    ///
    /// - a masked logit (−∞) is probability 0: masked in `logits_a` contributes 0, also when
    ///   masked in `logits_b` too;
    /// - masked in `logits_b` but not in `logits_a` gives +∞;
    /// - `kl_logits(a, a, t)` is exactly 0;
    /// - known limitation: an unmasked logit of `logits_b` whose shifted, scaled value
    ///   (b − max b)/t is below −`f64::MAX` (e.g. −1e308 at t = 0.5) is taken as probability
    ///   0 — +∞ against an unmasked `logits_a` — although the exact KL can be finite there
    ///   (up to `f64::MAX`). (In `logits_a` such an entry's probability is below e^-MAX and
    ///   counting it as 0 changes nothing.)
    fn kl_logits, kl_logits_bits(logits_a: Log, logits_b: Log; temperature) NonZero non_negative;
    kernel: KlLogits, nats, nats_bits;
    scale: "S = Σ pᵢ·|ln pᵢ − ln qᵢ| + |lse(a/t)| + |lse(b/t)|, with p = softmax(a/t), q = softmax(b/t) and lse the log-sum-exp of a row: the fused, streaming form cancels the log-sum-exp shifts, so for near-identical rows the error is relative to the shifts, not to the (tiny) KL";
    example: "let logits_a = [0.0f32, 0.0, f32::NEG_INFINITY];\n\
              let logits_b = [0.0f32, 3.0f32.ln(), f32::NEG_INFINITY];\n\
              // softmax(a) = [1/2, 1/2, 0], softmax(b) = [1/4, 3/4, 0]",
        "&logits_a, &logits_b, 1.0",
        "assert!((v - 0.5 * (4.0f64 / 3.0).ln()).abs() < 1e-7);";
    bits: "divided by ln 2", "std::f64::consts::LN_2";
        }
    };
}

functions!(checked);

/// The checked functions at [`Precision::High`]: ≤ 2^-49 relative error (to each function's
/// scale S) for every element type.
///
/// Use it for `f32`, `f16` or `bf16` inputs when the default 2^-21 is not enough — e.g. for
/// near-identical distributions whose KL is compared against a threshold. For `f64` inputs
/// every function here is the crate root's, bit for bit. Same definitions, domains, special
/// values and errors as the crate root; the Gaussian KLs are in [`precise::gaussian`].
///
/// ```
/// let p = [0.25f32, 0.25, 0.5];
/// let q = [0.25f32, 0.5, 0.25];
/// let precise = relent::precise::kl(&p, &q)?;
/// let exact = 0.25 * (0.5f64).ln() + 0.5 * 2f64.ln();
/// assert!((precise - exact).abs() <= relent::bounds::HIGH * exact); // 2^-49
/// // f64 inputs: the same computation either way.
/// let (p, q) = ([0.1f64, 0.9], [0.3f64, 0.7]);
/// assert_eq!(relent::precise::kl(&p, &q)?, relent::kl(&p, &q)?);
/// # Ok::<(), relent::Error>(())
/// ```
pub mod precise {
    use crate::{Element, Error};

    functions!(precise);

    /// [`crate::gaussian`] at [`Precision::High`](crate::Precision::High).
    ///
    /// ```
    /// let v = relent::precise::gaussian::kl_diag(&[0.0f32], &[1.0], &[1.0], &[1.0])?;
    /// assert_eq!(v, 0.5);
    /// # Ok::<(), relent::Error>(())
    /// ```
    pub mod gaussian {
        use crate::{Element, Error, Precision};

        /// [`crate::gaussian::kl_diag`] at [`Precision::High`]: ≤ 2^-49 relative error for
        /// every element type.
        ///
        /// Same definition, domain, special values and errors as
        /// [`crate::gaussian::kl_diag`].
        ///
        /// # Accuracy
        ///
        /// Within 2^-49 relative of the exact value on the numbers as stored (every term is
        /// ≥ 0).
        ///
        /// # Errors
        ///
        /// As [`crate::gaussian::kl_diag`].
        ///
        /// # Example
        ///
        /// ```
        /// use relent::precise::gaussian::kl_diag;
        /// let v = kl_diag(&[0.0f32], &[1.0], &[0.0], &[4.0])?;
        /// assert!((v - 0.5 * (4.0f64.ln() + 0.25 - 1.0)).abs() < 1e-15);
        /// # Ok::<(), relent::Error>(())
        /// ```
        pub fn kl_diag<T: Element>(
            mu_p: &[T],
            var_p: &[T],
            mu_q: &[T],
            var_q: &[T],
        ) -> Result<f64, Error> {
            crate::gaussian::checked(Precision::High, false, [mu_p, var_p, mu_q, var_q])
        }

        /// [`crate::gaussian::kl_diag_logvar`] at [`Precision::High`]: ≤ 2^-49 relative error
        /// for every element type.
        ///
        /// Same definition, domain, special values and errors as
        /// [`crate::gaussian::kl_diag_logvar`].
        ///
        /// # Accuracy
        ///
        /// Within 2^-49 relative of the exact value on the numbers as stored (every term is
        /// ≥ 0).
        ///
        /// # Errors
        ///
        /// As [`crate::gaussian::kl_diag_logvar`].
        ///
        /// # Example
        ///
        /// ```
        /// use relent::precise::gaussian::kl_diag_logvar;
        /// let v = kl_diag_logvar(&[0.0f32], &[0.0], &[1.0], &[0.0])?;
        /// assert_eq!(v, 0.5);
        /// # Ok::<(), relent::Error>(())
        /// ```
        pub fn kl_diag_logvar<T: Element>(
            mu_p: &[T],
            logvar_p: &[T],
            mu_q: &[T],
            logvar_q: &[T],
        ) -> Result<f64, Error> {
            crate::gaussian::checked(Precision::High, true, [mu_p, logvar_p, mu_q, logvar_q])
        }
    }
}

/// The functions without validation, for input known to be valid: the value as a plain
/// `f64`, at [`Precision::Default`].
///
/// Each function states what it assumes. In short: the slices have equal lengths (otherwise
/// the function **panics** — the one panic in this crate), are not empty, and hold only
/// values of the function's domain (probabilities finite and ≥ 0; log-probabilities and
/// logits not NaN and not +∞; a finite, positive temperature; finite Gaussian parameters,
/// positive variances); the normalising functions need a non-zero slice. On input that breaks these
/// assumptions (other than the lengths) the result is an unspecified `f64` — NaN, ±∞ or any
/// number — but never a panic and never undefined behaviour (this crate has no `unsafe`).
///
/// On valid input every function returns exactly the bits of its checked twin's `Ok` value:
/// the checked functions validate inside the same kernel pass, so skipping validation saves
/// only a few comparisons per call, not a pass over the data.
///
/// ```
/// let p = [0.5f64, 0.5];
/// let q = [0.25f64, 0.75];
/// assert_eq!(relent::unchecked::kl(&p, &q), relent::kl(&p, &q)?);
/// // Outside the domain: some f64, no error, no panic.
/// let _unspecified = relent::unchecked::kl(&[-1.0f64, 2.0], &q);
/// # Ok::<(), relent::Error>(())
/// ```
pub mod unchecked {
    use crate::Element;

    functions!(unchecked);

    /// [`crate::gaussian`] without validation.
    ///
    /// ```
    /// let v = relent::unchecked::gaussian::kl_diag(&[0.0f64], &[1.0], &[1.0], &[1.0]);
    /// assert_eq!(v, 0.5);
    /// ```
    pub mod gaussian {
        use crate::Element;

        /// [`crate::gaussian::kl_diag`] without validation.
        ///
        /// On valid input the result is bit-identical to [`crate::gaussian::kl_diag`]'s `Ok`
        /// value.
        ///
        /// # Assumes
        ///
        /// - the four slices have equal lengths (otherwise it **panics**) and are not empty;
        /// - every mean is finite, every variance finite and > 0.
        ///
        /// Otherwise (but for the lengths) the result is an unspecified `f64`, never a panic
        /// and never undefined behaviour.
        ///
        /// # Accuracy
        ///
        /// As [`crate::gaussian::kl_diag`].
        ///
        /// # Panics
        ///
        /// If the slices differ in length.
        ///
        /// # Example
        ///
        /// ```
        /// use relent::unchecked::gaussian::kl_diag;
        /// let v = kl_diag(&[0.0f64], &[1.0], &[0.0], &[4.0]);
        /// assert_eq!(v, relent::gaussian::kl_diag(&[0.0f64], &[1.0], &[0.0], &[4.0])?);
        /// # Ok::<(), relent::Error>(())
        /// ```
        pub fn kl_diag<T: Element>(mu_p: &[T], var_p: &[T], mu_q: &[T], var_q: &[T]) -> f64 {
            crate::gaussian::unchecked(false, [mu_p, var_p, mu_q, var_q])
        }

        /// [`crate::gaussian::kl_diag_logvar`] without validation.
        ///
        /// On valid input the result is bit-identical to
        /// [`crate::gaussian::kl_diag_logvar`]'s `Ok` value.
        ///
        /// # Assumes
        ///
        /// - the four slices have equal lengths (otherwise it **panics**) and are not empty;
        /// - every element is finite.
        ///
        /// Otherwise (but for the lengths) the result is an unspecified `f64`, never a panic
        /// and never undefined behaviour.
        ///
        /// # Accuracy
        ///
        /// As [`crate::gaussian::kl_diag_logvar`].
        ///
        /// # Panics
        ///
        /// If the slices differ in length.
        ///
        /// # Example
        ///
        /// ```
        /// use relent::unchecked::gaussian::kl_diag_logvar;
        /// let v = kl_diag_logvar(&[0.0f64], &[0.0], &[1.0], &[0.0]);
        /// assert_eq!(v, 0.5);
        /// ```
        pub fn kl_diag_logvar<T: Element>(
            mu_p: &[T],
            logvar_p: &[T],
            mu_q: &[T],
            logvar_q: &[T],
        ) -> f64 {
            crate::gaussian::unchecked(true, [mu_p, logvar_p, mu_q, logvar_q])
        }
    }
}
