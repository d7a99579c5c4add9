"""The compiled passes of csweep.analysis.features: column statistics, and Welch's power
spectral density around NumPy's FFT.

Every sum runs down a column in row (time) order, as NumPy's reduction over the leading axis of
a block of several sets does, so a set's feature depends on nothing but its own samples: not on
the block, the chunk or the set's place in them. (NumPy sums a block of one set, a contiguous
column, pairwise instead: the last bit of its mean could differ from the same set's among
others.) Built once, with the baseline flags.

weighted_sum: a signal such as ``V_e - V_i`` from a block's records, NumPy's arithmetic in one
pass without temporaries.

columns_finite: whether each column of a block's records holds finite values only (the
divergence check of float32 records), in one pass at memory speed.

mean and std: column_moments, NumPy's arithmetic (the sum of the samples over their number; the
square root of the mean square deviation from that mean).

dominant_frequency and dominant_power take each set's spectrum from its recorded signal: the
signal cut into segments, each with its mean removed and a window applied, then NumPy's FFT of
every segment, then the mean of |X|^2 over segments, scaled to a one-sided density. Done in
NumPy on a whole block at once, these were passes over arrays of tens of MB, with the FFT along
a strided axis. Here the segments of a few sets at a time are laid out contiguous for the FFT
(windowed_segments), and each set's power is summed as its spectra come out (mean_power).
"""

from libc.math cimport sqrt

import numpy as np

ctypedef fused real_t:
    float
    double


def column_moments(const double[:, ::1] x, bint want_std):
    """Each column's mean and (want_std) standard deviation (ddof = 0): (mean, std or None).

    x  IN (n_samples >= 1, n_columns)
    """
    cdef Py_ssize_t n = x.shape[0], n_columns = x.shape[1], i, j
    if n < 1:
        raise ValueError("column_moments needs at least one sample")
    mean_out = np.empty(n_columns)
    std_out = np.empty(n_columns) if want_std else None
    cdef double[::1] mean = mean_out
    cdef double[::1] square
    cdef double deviation
    with nogil:
        for j in range(n_columns):
            mean[j] = x[0, j]
        for i in range(1, n):
            for j in range(n_columns):
                mean[j] += x[i, j]
        for j in range(n_columns):
            mean[j] = mean[j] / n
    if not want_std:
        return mean_out, None
    square = std_out
    with nogil:
        for j in range(n_columns):
            deviation = x[0, j] - mean[j]
            square[j] = deviation * deviation
        for i in range(1, n):
            for j in range(n_columns):
                deviation = x[i, j] - mean[j]
                square[j] += deviation * deviation
        for j in range(n_columns):
            square[j] = sqrt(square[j] / n)
    return mean_out, std_out


def weighted_sum(const real_t[:, :, :] values, const Py_ssize_t[::1] columns,
                 const double[::1] factors, double[:, ::1] out):
    """A signal from the records: NumPy's ``0.0 + f0 * values[:, c0, :] + f1 * values[:, c1, :]
    + ...`` term by term, without its temporaries.

    values   IN  (n_samples, n_outputs, n_sets) float32 or float64, any strides
    columns  IN  (n_terms,) the output of each term
    factors  IN  (n_terms,)
    out      OUT (n_samples, n_sets): each product in the values' precision (float32 values:
             float32(f) times the value, rounded to float32, as NumPy multiplies a float32 array
             by a Python float), each sum in double, the terms added in order
    """
    cdef Py_ssize_t n = values.shape[0], n_sets = values.shape[2], i, j, k
    cdef Py_ssize_t n_terms = columns.shape[0]
    cdef real_t f
    if out.shape[0] != n or out.shape[1] != n_sets or factors.shape[0] != n_terms:
        raise ValueError(f"weighted_sum: out of shape ({out.shape[0]}, {out.shape[1]}) and "
                         f"{factors.shape[0]} factors for {n_terms} terms of values of shape "
                         f"({n}, {values.shape[1]}, {n_sets})")
    for k in range(n_terms):
        if not 0 <= columns[k] < values.shape[1]:
            raise ValueError(f"weighted_sum: column {columns[k]} of {values.shape[1]} outputs")
    with nogil:
        for i in range(n):
            for j in range(n_sets):
                out[i, j] = 0.0
            for k in range(n_terms):
                f = <real_t>factors[k]
                for j in range(n_sets):
                    out[i, j] = out[i, j] + <double>(f * values[i, columns[k], j])


def columns_finite(const real_t[:, ::1] x):
    """Whether every value of each column of x is finite: (n_columns,) bool.

    x  IN (n_rows, n_columns), float32 or float64
    Each column sums x * 0 in double: 0 while every value is finite, NaN from the first
    infinite or NaN value on (a branch-free loop the compiler vectorises across the columns).
    """
    cdef Py_ssize_t n = x.shape[0], n_columns = x.shape[1], i, j
    total_out = np.zeros(n_columns)
    cdef double[::1] total = total_out
    with nogil:
        for i in range(n):
            for j in range(n_columns):
                total[j] += <double>x[i, j] * 0.0
    return total_out == 0.0


def windowed_segments(const double[:, ::1] x, Py_ssize_t first, Py_ssize_t hop,
                      const double[::1] window, double[:, :, ::1] out):
    """Cut columns first, first + 1, ... of x into segments, without their means, windowed.

    x       IN  (n_samples, n_columns) the signals, one per column
    first   the first column to cut; out.shape[0] columns are cut
    hop     samples from one segment's start to the next's
    window  IN  (length,)
    out     OUT (n_cut, n_segments, length):
            out[j, g, i] = (x[g*hop + i, first + j] - m) * window[i], m the mean of
            x[g*hop : g*hop + length, first + j] (summed in time order, then divided by length)
    """
    cdef Py_ssize_t n_cut = out.shape[0], n_segments = out.shape[1], length = out.shape[2]
    if window.shape[0] != length:
        raise ValueError(f"window has {window.shape[0]} values; expected {length}, a segment's "
                         "length")
    if first < 0 or first + n_cut > x.shape[1]:
        raise ValueError(f"columns {first} to {first + n_cut - 1} asked of a signal of "
                         f"{x.shape[1]} columns")
    if length < 1 or hop < 1 or (n_segments - 1) * hop + length > x.shape[0]:
        raise ValueError(f"{n_segments} segments of {length} samples, {hop} apart, do not fit "
                         f"in {x.shape[0]} samples")
    cdef double[::1] means = np.empty(n_cut)
    cdef Py_ssize_t g, i, j, start
    cdef double w
    with nogil:
        for g in range(n_segments):
            start = g * hop
            # rows of x are read whole (n_cut values side by side), as NumPy's reduction reads
            # them, so each column's sum adds its samples one after another, in time order
            for j in range(n_cut):
                means[j] = x[start, first + j]
            for i in range(1, length):
                for j in range(n_cut):
                    means[j] += x[start + i, first + j]
            for j in range(n_cut):
                means[j] = means[j] / length
            for i in range(length):
                w = window[i]
                for j in range(n_cut):
                    out[j, g, i] = (x[start + i, first + j] - means[j]) * w


def mean_power(const double complex[:, :, ::1] spectra, double denominator, bint even_length,
               double[:, :] psd, Py_ssize_t first):
    """The one-sided power spectral density of each cut column, from its segments' spectra.

    spectra      IN  (n_cut, n_segments, n_freq) the rfft of each segment of windowed_segments
    denominator  sampling frequency x sum of the window's squares
    even_length  whether the segments' length is even (then the last frequency is Nyquist's,
                 which, like frequency 0, has no negative twin and is not doubled)
    psd          OUT (n_freq, n_columns): column first + j is
                 psd[f, first + j] = (sum over g of |spectra[j, g, f]|^2) / n_segments
                                     / denominator, times 2 for the frequencies doubled
                 (|X|^2 as re*re + im*im, and the segments summed in order)
    """
    cdef Py_ssize_t n_cut = spectra.shape[0], n_segments = spectra.shape[1]
    cdef Py_ssize_t n_freq = spectra.shape[2]
    if psd.shape[0] != n_freq or first < 0 or first + n_cut > psd.shape[1]:
        raise ValueError(f"psd of shape ({psd.shape[0]}, {psd.shape[1]}) cannot take {n_freq} frequencies "
                         f"of columns {first} to {first + n_cut - 1}")
    if n_segments < 1:
        raise ValueError("spectra has no segments")
    # frequencies 1 .. last_doubled - 1 are doubled: every one but 0 and (even length) Nyquist
    cdef Py_ssize_t last_doubled = n_freq - 1 if even_length else n_freq
    cdef double[::1] total = np.empty(n_freq)
    cdef Py_ssize_t f, g, j
    cdef double re, im
    with nogil:
        for j in range(n_cut):
            # segment after segment, each one's spectrum read in order
            for f in range(n_freq):
                re = spectra[j, 0, f].real
                im = spectra[j, 0, f].imag
                total[f] = re * re + im * im
            for g in range(1, n_segments):
                for f in range(n_freq):
                    re = spectra[j, g, f].real
                    im = spectra[j, g, f].imag
                    total[f] = total[f] + (re * re + im * im)
            for f in range(n_freq):
                psd[f, first + j] = total[f] / n_segments / denominator
            for f in range(1, last_doubled):
                psd[f, first + j] = psd[f, first + j] * 2
