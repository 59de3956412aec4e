//! Conversions to and from `ndarray` (feature `ndarray`).
//!
//! Only standard-layout (row-major, contiguous) views convert to [`MatRef`]: this crate has no
//! `unsafe`, and a strided `ArrayView2` exposes its memory as a slice only when contiguous.
//! Other layouts give [`Error::NonStandardLayout`]; `.as_standard_layout()` copies them.

use ndarray::{Array2, ArrayView2, ShapeBuilder};
use relent_scalar::Element;

use crate::{Error, MatRef, Matrix};

impl<'a, T: Element> TryFrom<ArrayView2<'a, T>> for MatRef<'a, T> {
    type Error = Error;

    /// ```
    /// use relent_batch::MatRef;
    /// let a = ndarray::array![[0.5f32, 0.5], [0.1, 0.9]];
    /// let m = MatRef::try_from(a.view())?;
    /// assert_eq!(m.row(1), &[0.1, 0.9]);
    /// let t = a.t();
    /// assert!(MatRef::try_from(t).is_err()); // column-major
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    fn try_from(a: ArrayView2<'a, T>) -> Result<Self, Error> {
        let (rows, cols) = a.dim();
        let data = a.to_slice().ok_or(Error::NonStandardLayout)?;
        MatRef::new(data, rows, cols)
    }
}

impl<'a, T: Element> MatRef<'a, T> {
    /// The view as an `ndarray::ArrayView2` (row stride kept).
    ///
    /// ```
    /// let data = [1.0f64, 2.0, 0.0, 3.0, 4.0];
    /// let m = relent_batch::MatRef::with_stride(&data, 2, 2, 3)?;
    /// assert_eq!(m.to_ndarray(), ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    pub fn to_ndarray(&self) -> ArrayView2<'a, T> {
        let len = if self.rows() == 0 {
            0
        } else {
            (self.rows() - 1) * self.stride() + self.cols()
        };
        let full = self.raw_data();
        ArrayView2::from_shape(
            (self.rows(), self.cols()).strides((self.stride(), 1)),
            &full[..len],
        )
        .expect("a checked MatRef is a valid strided shape")
    }
}

impl Matrix {
    /// The matrix as an `ndarray::Array2` (no copy).
    ///
    /// ```
    /// let m = relent_batch::Matrix::from_vec(vec![1.0, 2.0, 3.0, 4.0], 2, 2);
    /// assert_eq!(m.into_ndarray()[[1, 0]], 3.0);
    /// ```
    pub fn into_ndarray(self) -> Array2<f64> {
        let (r, c) = (self.rows(), self.cols());
        Array2::from_shape_vec((r, c), self.into_vec()).expect("rows * cols elements")
    }
}
