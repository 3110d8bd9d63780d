// SPDX-License-Identifier: MIT
#include "core/util/parallel.h"

#include <thread>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace moe {

void setThreadCount(int threads) {
#ifdef _OPENMP
    const int n = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
    omp_set_num_threads(n > 0 ? n : 1);
#else
    (void)threads;
#endif
}

int threadCount() {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

}  // namespace moe
