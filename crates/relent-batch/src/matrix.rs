//! Matrix views in and result matrices out.
//!
//! [`MatRef`] borrows row-major data with a row stride (rows may be padded, or be every other
//! row of a larger buffer); it is checked once when built, so the batch functions can index it
//! without further checks. [`Matrix`] owns the `f64` results of an all-pairs call.

use relent_scalar::Element;

use crate::Error;

/// A borrowed row-major matrix: `rows` rows of `cols` elements, row `i` starting at
/// `data[i * stride]`.
///
/// Built by [`MatRef::new`] (packed rows) or [`MatRef::with_stride`]; the data must hold at
/// least `(rows − 1)·stride + cols` elements (the last row needs no padding). Zero rows are
/// allowed (the batch functions then return empty results); zero columns are not.
///
/// ```
/// use relent_batch::MatRef;
/// let data = [0.1f32, 0.9, 0.5, 0.5, 0.7, 0.3];
/// let m = MatRef::new(&data, 3, 2)?;
/// assert_eq!(m.row(1), &[0.5, 0.5]);
/// // Every other row of the same buffer:
/// let every_other = MatRef::with_stride(&data, 2, 2, 4)?;
/// assert_eq!(every_other.row(1), &[0.7, 0.3]);
/// # Ok::<(), relent_batch::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    stride: usize,
}

impl<'a, T: Element> MatRef<'a, T> {
    /// A view of `rows × cols` packed rows (stride = `cols`).
    ///
    /// # Errors
    /// [`Error::ZeroColumns`], [`Error::DataTooShort`].
    ///
    /// ```
    /// let data = vec![0.25f64; 8];
    /// let m = relent_batch::MatRef::new(&data, 2, 4)?;
    /// assert_eq!((m.rows(), m.cols(), m.stride()), (2, 4, 4));
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Result<Self, Error> {
        Self::with_stride(data, rows, cols, cols)
    }

    /// A view of `rows × cols` with row `i` at `data[i * stride..][..cols]`.
    ///
    /// # Errors
    /// [`Error::ZeroColumns`], [`Error::StrideTooSmall`], [`Error::DataTooShort`].
    ///
    /// ```
    /// use relent_batch::{Error, MatRef};
    /// let data = [1.0f32; 10];
    /// assert_eq!(MatRef::with_stride(&data, 2, 4, 3).unwrap_err(),
    ///            Error::StrideTooSmall { stride: 3, cols: 4 });
    /// assert!(MatRef::with_stride(&data, 2, 4, 6).is_ok());
    /// ```
    pub fn with_stride(
        data: &'a [T],
        rows: usize,
        cols: usize,
        stride: usize,
    ) -> Result<Self, Error> {
        if cols == 0 {
            return Err(Error::ZeroColumns);
        }
        if stride < cols {
            return Err(Error::StrideTooSmall { stride, cols });
        }
        let needed = match rows {
            0 => 0,
            r => (r - 1)
                .checked_mul(stride)
                .and_then(|x| x.checked_add(cols))
                .unwrap_or(usize::MAX),
        };
        if data.len() < needed {
            return Err(Error::DataTooShort {
                needed,
                len: data.len(),
            });
        }
        Ok(Self {
            data,
            rows,
            cols,
            stride,
        })
    }

    /// A one-row view of a vector.
    ///
    /// # Errors
    /// [`Error::ZeroColumns`] for an empty vector.
    ///
    /// ```
    /// let v = [0.5f32, 0.5];
    /// assert_eq!(relent_batch::MatRef::from_row(&v)?.rows(), 1);
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    pub fn from_row(v: &'a [T]) -> Result<Self, Error> {
        Self::new(v, 1, v.len())
    }

    /// Number of rows.
    ///
    /// ```
    /// assert_eq!(relent_batch::MatRef::new(&[0.0f32; 6], 3, 2)?.rows(), 3);
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (elements per row).
    ///
    /// ```
    /// assert_eq!(relent_batch::MatRef::new(&[0.0f32; 6], 3, 2)?.cols(), 2);
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Distance in elements between the starts of consecutive rows.
    ///
    /// ```
    /// assert_eq!(relent_batch::MatRef::with_stride(&[0.0f32; 7], 2, 2, 5)?.stride(), 5);
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Row `i` (`cols` elements).
    ///
    /// # Panics
    /// If `i >= rows`.
    ///
    /// ```
    /// let m = relent_batch::MatRef::new(&[1.0f64, 2.0, 3.0, 4.0], 2, 2)?;
    /// assert_eq!(m.row(0), &[1.0, 2.0]);
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    #[inline]
    pub fn row(&self, i: usize) -> &'a [T] {
        assert!(
            i < self.rows,
            "row {i} out of bounds for {} rows",
            self.rows
        );
        &self.data[i * self.stride..][..self.cols]
    }

    /// The rows `range` as a view.
    ///
    /// # Panics
    /// If the range is out of bounds.
    ///
    /// ```
    /// let m = relent_batch::MatRef::new(&[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0], 3, 2)?;
    /// assert_eq!(m.slice_rows(1..3).row(0), &[3.0, 4.0]);
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    pub fn slice_rows(&self, range: core::ops::Range<usize>) -> MatRef<'a, T> {
        assert!(
            range.start <= range.end && range.end <= self.rows,
            "row range out of bounds"
        );
        let rows = range.end - range.start;
        let data = if rows == 0 {
            &self.data[..0]
        } else {
            &self.data[range.start * self.stride..]
        };
        MatRef {
            data,
            rows,
            cols: self.cols,
            stride: self.stride,
        }
    }

    /// The underlying data slice (as given).
    #[cfg_attr(not(feature = "ndarray"), allow(dead_code))]
    pub(crate) fn raw_data(&self) -> &'a [T] {
        self.data
    }

    /// An iterator over the rows.
    ///
    /// ```
    /// let m = relent_batch::MatRef::new(&[1.0f32, 2.0, 3.0, 4.0], 2, 2)?;
    /// let sums: Vec<f32> = m.iter_rows().map(|r| r.iter().sum()).collect();
    /// assert_eq!(sums, [3.0, 7.0]);
    /// # Ok::<(), relent_batch::Error>(())
    /// ```
    pub fn iter_rows(&self) -> impl ExactSizeIterator<Item = &'a [T]> + '_ {
        (0..self.rows).map(move |i| self.row(i))
    }
}

/// An owned row-major `f64` matrix: the result of [`all_pairs`](crate::all_pairs), entry
/// `(i, j)` for the pair (row i of P, row j of Q).
///
/// ```
/// use relent_batch::Matrix;
/// let m = Matrix::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3);
/// assert_eq!(m[(1, 0)], 4.0);
/// assert_eq!(m.row(0), &[1.0, 2.0, 3.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    data: Vec<f64>,
    rows: usize,
    cols: usize,
}

impl Matrix {
    /// A matrix filled with zeros.
    ///
    /// ```
    /// assert_eq!(relent_batch::Matrix::zeros(2, 3).as_slice(), &[0.0; 6]);
    /// ```
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            data: vec![0.0; rows * cols],
            rows,
            cols,
        }
    }

    /// Wraps row-major data.
    ///
    /// # Panics
    /// If `data.len() != rows * cols`.
    ///
    /// ```
    /// let m = relent_batch::Matrix::from_vec(vec![0.0; 4], 2, 2);
    /// assert_eq!(m.rows(), 2);
    /// ```
    pub fn from_vec(data: Vec<f64>, rows: usize, cols: usize) -> Self {
        assert_eq!(data.len(), rows * cols, "data length must be rows * cols");
        Self { data, rows, cols }
    }

    /// Number of rows (rows of P).
    ///
    /// ```
    /// assert_eq!(relent_batch::Matrix::zeros(2, 3).rows(), 2);
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (rows of Q).
    ///
    /// ```
    /// assert_eq!(relent_batch::Matrix::zeros(2, 3).cols(), 3);
    /// ```
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `i`.
    ///
    /// ```
    /// assert_eq!(relent_batch::Matrix::zeros(2, 3).row(1).len(), 3);
    /// ```
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..][..self.cols]
    }

    /// The entries, row-major.
    ///
    /// ```
    /// assert_eq!(relent_batch::Matrix::zeros(1, 2).as_slice().len(), 2);
    /// ```
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// Mutable entries, row-major.
    ///
    /// ```
    /// let mut m = relent_batch::Matrix::zeros(1, 2);
    /// m.as_mut_slice()[1] = 3.0;
    /// assert_eq!(m[(0, 1)], 3.0);
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// The entries, row-major, by value.
    ///
    /// ```
    /// assert_eq!(relent_batch::Matrix::zeros(1, 2).into_vec(), vec![0.0, 0.0]);
    /// ```
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// A view of the matrix (for instance to feed it back into a batch call).
    ///
    /// ```
    /// let m = relent_batch::Matrix::zeros(2, 2);
    /// assert_eq!(m.view().unwrap().rows(), 2);
    /// ```
    ///
    /// # Errors
    /// [`Error::ZeroColumns`] when the matrix has no columns.
    pub fn view(&self) -> Result<MatRef<'_, f64>, Error> {
        MatRef::new(&self.data, self.rows, self.cols)
    }
}

impl core::ops::Index<(usize, usize)> for Matrix {
    type Output = f64;
    fn index(&self, (i, j): (usize, usize)) -> &f64 {
        assert!(
            i < self.rows && j < self.cols,
            "index ({i}, {j}) out of bounds"
        );
        &self.data[i * self.cols + j]
    }
}
