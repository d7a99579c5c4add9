"""The compiled passes of csweep.analysis.features: column statistics, and Welch's power
spectral density.

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

spectrum, dominant_frequency and dominant_power take each set's spectrum from its recorded
signal (welch_psd): the signal cut into segments, each with its mean removed and a window
applied, then the real FFT of every segment, then the mean of |X|^2 over segments, scaled to a
one-sided density. The FFT is pocketfft's (BSD-3-Clause, vendored in csweep/src/pocketfft: the
one NumPy 2 and SciPy use) through csweep/src/spectra.cpp, called without the GIL, so a block's
sets are shared among threads: a fit's generation, one block, has its spectra computed on the
kernel's threads as soon as the kernel is done (NumPy's FFT, called from Python, took one
thread: 2.6 ms of a 32-set generation's 20, against 1.3 ms now; benchmarks/fit.py).
"""

from cython.parallel cimport prange
from libc.math cimport sqrt
from libc.stdlib cimport calloc, free, malloc

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


cdef extern from "csweep/src/spectra.h" nogil:
    enum: CSWEEP_FFT_LANES

    void* csweep_rfft_plan(size_t length)
    void csweep_rfft_free(void* plan)
    int csweep_rfft_lanes(const void* plan, double* data)


#: columns one task of welch_psd takes: a cache line of each row of the signal, transformed
#: CSWEEP_FFT_LANES at a time
cdef enum:
    COLUMNS_PER_TASK = 8


def welch_psd(const double[:, ::1] x, Py_ssize_t length, Py_ssize_t hop,
              const double[::1] window, double denominator, double[:, ::1] psd, int n_threads):
    """The one-sided power spectral density of each column of x, by Welch's method.

    x            IN  (n_samples, n_columns) the signals, one per column
    length, hop  each segment's samples, and the samples from one segment's start to the next's
                 (segments that do not fit whole are left out)
    window       IN  (length,)
    denominator  sampling frequency x sum of the window's squares
    psd          OUT (length // 2 + 1, n_columns)
    n_threads    threads (each takes COLUMNS_PER_TASK columns at a time)

    Column j's segment g, x[g*hop : g*hop + length, j], has its mean removed (summed in time
    order, then divided by length) and is multiplied by the window; X is its FFT (pocketfft's
    real transform, NumPy's rfft up to rounding). Then psd[f, j] = (sum over g, in order, of
    re*re + im*im of X[f]) / n_segments / denominator, doubled for every frequency but 0 and
    (even length) Nyquist's. A column's numbers depend on its own samples only: not on the
    columns beside it, nor on the number of threads.
    """
    cdef Py_ssize_t n = x.shape[0], n_columns = x.shape[1]
    cdef Py_ssize_t n_freq = length // 2 + 1
    if window.shape[0] != length:
        raise ValueError(f"window has {window.shape[0]} values; expected {length}, a segment's "
                         "length")
    if length < 1 or hop < 1 or length > n:
        raise ValueError(f"segments of {length} samples, {hop} apart, do not fit in {n} samples")
    if psd.shape[0] != n_freq or psd.shape[1] != n_columns:
        raise ValueError(f"psd of shape ({psd.shape[0]}, {psd.shape[1]}) cannot take {n_freq} "
                         f"frequencies of {n_columns} columns")
    if n_threads < 1:
        raise ValueError(f"n_threads must be at least 1; received {n_threads}")
    if n_columns == 0:
        return
    cdef Py_ssize_t n_tasks = (n_columns + COLUMNS_PER_TASK - 1) // COLUMNS_PER_TASK, task
    cdef int failed = 0
    cdef void* plan = csweep_rfft_plan(length)
    if plan == NULL:
        raise MemoryError("welch_psd: no memory for the FFT's plan")
    try:
        for task in prange(n_tasks, nogil=True, schedule="static", num_threads=n_threads):
            failed += _welch_lanes(&x[0, 0], n, n_columns, task * COLUMNS_PER_TASK,
                                   min(COLUMNS_PER_TASK, n_columns - task * COLUMNS_PER_TASK),
                                   length, hop, &window[0], denominator, plan, &psd[0, 0])
    finally:
        csweep_rfft_free(plan)
    if failed:
        raise MemoryError("welch_psd: no memory for a segment's FFT")


cdef int _welch_lanes(const double* x, Py_ssize_t n, Py_ssize_t n_columns, Py_ssize_t first,
                      Py_ssize_t n_cut, Py_ssize_t length, Py_ssize_t hop,
                      const double* window, double denominator, const void* plan,
                      double* psd) noexcept nogil:
    """welch_psd of columns first .. first + n_cut - 1 (n_cut <= COLUMNS_PER_TASK; x and psd
    row-major, n_columns wide). Column j is lane j % lanes of transform j // lanes (a segment
    of length x lanes values, interleaved; lanes past n_cut hold zeros); 1 when memory ran out,
    else 0."""
    cdef Py_ssize_t lanes = CSWEEP_FFT_LANES, width = COLUMNS_PER_TASK
    cdef Py_ssize_t n_segments = (n - length) // hop + 1, n_freq = length // 2 + 1
    # frequencies 1 .. last_doubled - 1 are doubled: every one but 0 and (even length) Nyquist
    cdef Py_ssize_t last_doubled = n_freq - 1 if length % 2 == 0 else n_freq
    cdef Py_ssize_t n_transforms = (n_cut + lanes - 1) // lanes
    cdef double* segments = <double*>calloc(n_transforms * length * lanes, sizeof(double))
    cdef double* total = <double*>malloc(n_freq * width * sizeof(double))
    cdef double means[COLUMNS_PER_TASK]
    cdef double* segment
    cdef Py_ssize_t g, i, j, f, k, start
    cdef double w, power, re, im
    if segments == NULL or total == NULL:
        free(segments)
        free(total)
        return 1
    for g in range(n_segments):
        start = g * hop
        # a row's n_cut values side by side, so each column's sum adds its samples one after
        # another, in time order
        for j in range(n_cut):
            means[j] = x[start * n_columns + first + j]
        for i in range(1, length):
            for j in range(n_cut):
                means[j] += x[(start + i) * n_columns + first + j]
        for j in range(n_cut):
            means[j] = means[j] / length
        for i in range(length):
            w = window[i]
            for j in range(n_cut):
                segments[((j // lanes) * length + i) * lanes + j % lanes] = (
                    x[(start + i) * n_columns + first + j] - means[j]) * w
        for k in range(n_transforms):
            if csweep_rfft_lanes(plan, segments + k * length * lanes) != 0:
                free(segments)
                free(total)
                return 1
        # X[0].re, X[1].re, X[1].im, X[2].re, ..., for an even length X[length / 2].re last
        # (the imaginary parts of 0 and Nyquist's are 0)
        for j in range(n_cut):
            segment = segments + (j // lanes) * length * lanes + j % lanes
            for f in range(n_freq):
                if f == 0:
                    re, im = segment[0], 0.0
                elif 2 * f == length:
                    re, im = segment[(length - 1) * lanes], 0.0
                else:
                    re = segment[(2 * f - 1) * lanes]
                    im = segment[2 * f * lanes]
                power = re * re + im * im
                if g == 0:
                    total[f * width + j] = power
                else:
                    total[f * width + j] = total[f * width + j] + power
    for f in range(n_freq):
        for j in range(n_cut):
            psd[f * n_columns + first + j] = total[f * width + j] / n_segments / denominator
            if 1 <= f < last_doubled:
                psd[f * n_columns + first + j] = psd[f * n_columns + first + j] * 2
    free(segments)
    free(total)
    return 0
