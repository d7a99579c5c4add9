// csweep/src/spectra.h's functions: pocketfft's real transform on vectors of lanes.
#define POCKETFFT_NO_MULTITHREADING
#include "pocketfft/pocketfft_hdronly.h"
#include "spectra.h"

namespace {

using Plan = pocketfft::detail::pocketfft_r<double>;
#if CSWEEP_FFT_LANES > 1
// CSWEEP_FFT_LANES doubles as one GCC/Clang vector (aligned as a double: the caller's memory
// need not be aligned to the vector's size)
typedef double Lanes __attribute__((vector_size(CSWEEP_FFT_LANES * sizeof(double)), aligned(8)));
#else
typedef double Lanes;
#endif

}  // namespace

extern "C" void *csweep_rfft_plan(size_t length) {
  try {
    return new Plan(length);
  } catch (...) {
    return nullptr;
  }
}

extern "C" void csweep_rfft_free(void *plan) { delete static_cast<Plan *>(plan); }

extern "C" int csweep_rfft_lanes(const void *plan, double *data) {
  try {
    static_cast<const Plan *>(plan)->exec(reinterpret_cast<Lanes *>(data), 1.0, true);
    return 0;
  } catch (...) {
    return 1;
  }
}
