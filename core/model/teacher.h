// SPDX-License-Identifier: MIT
#pragma once

#include "core/math/types.h"
#include "core/stream/token_batch.h"
#include "core/util/rng.h"

#include <vector>

namespace moe {

/// The regression targets: one fixed random MLP per domain, y = tanh(x W1 + b1) W2, so that
/// experts that specialise on domains can fit their teacher better than a generalist.
/// Per domain: W1 [d, h_t] ~ N(0, 1/d), b1 [h_t] ~ N(0, 0.1^2), W2 [h_t, d_out] ~ N(0, 1/h_t)
/// (variance 1/fan_in keeps the pre-activations and outputs O(1) for inputs of norm ~ sqrt(d)).
class Teacher {
public:
    /// nDomains teachers (nDomains <= 0 means one, for streams without labels); width = d >= 1,
    /// teacherHidden = h_t >= 1, out = d_out (0 = width). Draws W1, b1, W2 of domain 0, then of
    /// domain 1, ..., from rng, each in row-major order.
    Teacher(int nDomains, int width, int teacherHidden, int out, Rng& rng);

    /// Targets [T, d_out] for batch.x [T, d]: each token through its domain's teacher (domain 0
    /// for every token when the batch has no domain labels). Labels must lie in [0, nDomains())
    /// and batch.x must have d columns (asserted). Tokens are grouped by domain and sent through
    /// one GEMM per domain and chunk of rows.
    Matrix target(const TokenBatch& batch) const;

    int nDomains() const { return static_cast<int>(m_nets.size()); }
    int width() const { return m_width; }
    int hidden() const { return m_hidden; }
    int out() const { return m_out; }

    /// Parameters of one domain's teacher: W1 [d, h_t], b1 [h_t], W2 [h_t, d_out].
    const Matrix& w1(int domain) const { return net(domain).w1; }
    const RowVector& b1(int domain) const { return net(domain).b1; }
    const Matrix& w2(int domain) const { return net(domain).w2; }

private:
    struct Net {
        Matrix w1;     ///< [d, h_t]
        RowVector b1;  ///< [h_t]
        Matrix w2;     ///< [h_t, d_out]
    };

    const Net& net(int domain) const;

    int m_width;
    int m_hidden;
    int m_out;
    std::vector<Net> m_nets;  ///< [nDomains]
};

}  // namespace moe
