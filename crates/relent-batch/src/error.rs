//! The crate's error type.
//!
//! Every batch function checks its input and returns [`Error`] instead of panicking: views with
//! inconsistent shapes, operands whose shapes do not match, invalid elements (with the matrix,
//! row, column and value), invalid parameters, and method/divergence combinations that do not
//! exist.

use crate::{Divergence, Method};

/// Which operand of a batch call an error refers to.
///
/// `P` is the left argument (the query vector or matrix, `p` in KL(p‖q)); `Q` the right one
/// (the corpus or reference).
///
/// ```
/// use relent_batch::Operand;
/// assert_eq!(Operand::P.to_string(), "P");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// The left operand (`p`, the query).
    P,
    /// The right operand (`q`, the corpus or reference).
    Q,
}

impl core::fmt::Display for Operand {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Operand::P => "P",
            Operand::Q => "Q",
        })
    }
}

/// Why an element is invalid.
///
/// Probability-like inputs (every divergence but [`Divergence::KlLog`] and
/// [`Divergence::KlLogits`]) must be finite and non-negative. Log-probabilities and logits must
/// not be NaN or +∞; −∞ is allowed and means "zero probability" (masked).
///
/// ```
/// use relent_batch::InvalidKind;
/// assert_eq!(InvalidKind::NaN.to_string(), "NaN");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InvalidKind {
    /// A negative probability.
    Negative,
    /// Not a number.
    NaN,
    /// An infinite probability, or +∞ as a log-probability or logit.
    Infinite,
}

impl core::fmt::Display for InvalidKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            InvalidKind::Negative => "negative",
            InvalidKind::NaN => "NaN",
            InvalidKind::Infinite => "infinite",
        })
    }
}

/// Everything that can go wrong in a batch call.
///
/// ```
/// use relent_batch::{Error, MatRef};
/// let data = [0.5f32, 0.5, 0.25];
/// let err = MatRef::new(&data, 2, 2).unwrap_err();
/// assert_eq!(err, Error::DataTooShort { needed: 4, len: 3 });
/// ```
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A matrix view's data slice is shorter than `(rows − 1)·stride + cols`.
    #[error("matrix data too short: {needed} elements needed for the shape, {len} given")]
    DataTooShort {
        /// Elements the shape needs.
        needed: usize,
        /// Elements the slice has.
        len: usize,
    },
    /// A matrix view with zero columns (every divergence needs at least one element per row).
    #[error("matrix has zero columns")]
    ZeroColumns,
    /// A row stride smaller than the number of columns (rows would overlap).
    #[error("row stride {stride} is smaller than the number of columns {cols}")]
    StrideTooSmall {
        /// The stride given.
        stride: usize,
        /// The number of columns.
        cols: usize,
    },
    /// An `ndarray` view that is not row-major with unit column stride and contiguous.
    #[error("ndarray view is not in standard (C, contiguous) layout; use `.as_standard_layout()`")]
    NonStandardLayout,
    /// The operands have different numbers of columns (or the query's length differs from the
    /// corpus's number of columns).
    #[error("column count mismatch: P has {p_cols} columns, Q has {q_cols}")]
    ColumnMismatch {
        /// Columns (or length) of P.
        p_cols: usize,
        /// Columns (or length) of Q.
        q_cols: usize,
    },
    /// Row-paired operands with different numbers of rows.
    #[error("row count mismatch: P has {p_rows} rows, Q has {q_rows}")]
    RowMismatch {
        /// Rows of P.
        p_rows: usize,
        /// Rows of Q.
        q_rows: usize,
    },
    /// An output slice whose length differs from the number of results.
    #[error("output has length {len}, {needed} results to write")]
    OutputLength {
        /// Results to write.
        needed: usize,
        /// Length of the output slice.
        len: usize,
    },
    /// An empty vector where at least one element is needed.
    #[error("empty input")]
    Empty,
    /// An invalid element: negative, NaN or infinite (see [`InvalidKind`]).
    #[error("invalid element in {operand}[{row}, {col}] = {value}: {kind}")]
    InvalidElement {
        /// The matrix it is in.
        operand: Operand,
        /// Its row (0 for a vector).
        row: usize,
        /// Its column (the index, for a vector).
        col: usize,
        /// The value, widened to `f64`.
        value: f64,
        /// What is wrong with it.
        kind: InvalidKind,
    },
    /// A row of logits that are all masked (−∞), for [`Divergence::KlLogits`]: its softmax
    /// does not exist (the checked `relent::kl_logits` reports the same as its `ZeroTotal`).
    /// Reported after invalid elements: the first such row of P, else of Q.
    #[error("every logit of {operand}[{row}] is masked (-inf): its softmax does not exist")]
    ZeroTotal {
        /// The matrix it is in.
        operand: Operand,
        /// The row (0 for a vector).
        row: usize,
    },
    /// An invalid parameter, such as a temperature that is not finite and positive.
    #[error("invalid parameter {name} = {value}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// A method that does not exist for this divergence (e.g. [`Method::Gemm`] for
    /// Jensen–Shannon, which is not a matrix product).
    #[error("method {method:?} is not available for {divergence:?}")]
    Unsupported {
        /// The divergence asked for.
        divergence: Divergence,
        /// The method asked for.
        method: Method,
    },
}
