// SPDX-License-Identifier: MIT
#include "core/model/teacher.h"

#include "core/stream/normal_fill.h"
#include "core/util/assert.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>

namespace moe {
namespace {

// Rows per GEMM: big enough for Eigen's blocking to reach full speed, small enough that the
// gathered inputs and the hidden activations of a chunk stay in L2/L3 instead of doubling the
// memory of a 65536 x 1024 batch.
constexpr Eigen::Index kChunkRows = 2048;

/// y [n, d_out] = tanh(x [n, d] W1 + b1) W2, using hidden [>= n, h_t] as scratch.
void forwardChunk(const Matrix& w1, const RowVector& b1, const Matrix& w2,
                  const Eigen::Ref<const Matrix>& x, Eigen::Ref<Matrix> y, Matrix& hidden) {
    auto h = hidden.topRows(x.rows());  // [n, h_t]
    h.noalias() = x * w1;
    h.rowwise() += b1;
    h.array() = h.array().tanh();
    y.noalias() = h * w2;
}

}  // namespace

Teacher::Teacher(int nDomains, int width, int teacherHidden, int out, Rng& rng)
    : m_width(width), m_hidden(teacherHidden), m_out(out > 0 ? out : width) {
    MOELAB_ASSERT(width >= 1 && teacherHidden >= 1, "Teacher needs width >= 1 and hidden >= 1");
    const auto inScale = static_cast<Scalar>(1.0 / std::sqrt(static_cast<double>(m_width)));
    const auto hiddenScale = static_cast<Scalar>(1.0 / std::sqrt(static_cast<double>(m_hidden)));
    m_nets.resize(static_cast<std::size_t>(std::max(nDomains, 1)));
    for (Net& net : m_nets) {
        net.w1.resize(m_width, m_hidden);
        fillNormal(rng, net.w1, inScale);  // N(0, 1/d)
        net.b1.resize(m_hidden);
        fillStandardNormal(rng, net.b1.data(), net.b1.size());
        net.b1 *= Scalar(0.1);  // N(0, 0.1^2)
        net.w2.resize(m_hidden, m_out);
        fillNormal(rng, net.w2, hiddenScale);  // N(0, 1/h_t)
    }
}

const Teacher::Net& Teacher::net(int domain) const {
    MOELAB_ASSERT(domain >= 0 && domain < nDomains(), "teacher domain out of range");
    return m_nets[static_cast<std::size_t>(domain)];
}

Matrix Teacher::target(const TokenBatch& batch) const {
    MOELAB_ASSERT(batch.x.cols() == m_width, "teacher input width differs from model width");
    const Eigen::Index nTokens = batch.x.rows();
    Matrix y(nTokens, m_out);                                // [T, d_out]
    Matrix hidden(std::min(nTokens, kChunkRows), m_hidden);  // scratch [chunk, h_t]

    // One teacher for all tokens: stream the rows through in place, no gather needed.
    const auto direct = [&](const Net& n) {
        for (Eigen::Index c0 = 0; c0 < nTokens; c0 += kChunkRows) {
            const Eigen::Index rows = std::min(kChunkRows, nTokens - c0);
            forwardChunk(n.w1, n.b1, n.w2, batch.x.middleRows(c0, rows), y.middleRows(c0, rows),
                         hidden);
        }
    };
    if (!batch.hasDomains()) {
        direct(m_nets.front());
        return y;
    }

    MOELAB_ASSERT(static_cast<Eigen::Index>(batch.domain.size()) == nTokens,
                  "batch.domain must have one label per token");
    // Counting sort of the token indices by domain (stable: token order within a domain).
    const std::size_t nNets = m_nets.size();
    std::vector<Eigen::Index> start(nNets + 1, 0);  // [K + 1] first sorted position of each domain
    for (const int32_t d : batch.domain) {
        MOELAB_ASSERT(d >= 0 && static_cast<std::size_t>(d) < nNets, "domain label out of range");
        ++start[static_cast<std::size_t>(d) + 1];
    }
    for (std::size_t k = 0; k < nNets; ++k) {
        if (start[k + 1] == nTokens) {
            direct(m_nets[k]);
            return y;
        }
    }
    std::partial_sum(start.begin(), start.end(), start.begin());
    std::vector<Eigen::Index> order(static_cast<std::size_t>(nTokens));  // [T] tokens by domain
    std::vector<Eigen::Index> cursor(start.begin(), start.end() - 1);
    for (Eigen::Index t = 0; t < nTokens; ++t) {
        const auto d = static_cast<std::size_t>(batch.domain[static_cast<std::size_t>(t)]);
        order[static_cast<std::size_t>(cursor[d]++)] = t;
    }

    // Gather a chunk of one domain's tokens, one GEMM pair, scatter the outputs back.
    const Eigen::Index chunkRows = std::min(nTokens, kChunkRows);
    Matrix xc(chunkRows, m_width);  // [chunk, d]
    Matrix yc(chunkRows, m_out);    // [chunk, d_out]
    for (std::size_t k = 0; k < nNets; ++k) {
        const Net& n = m_nets[k];
        for (Eigen::Index c0 = start[k]; c0 < start[k + 1]; c0 += kChunkRows) {
            const Eigen::Index rows = std::min(kChunkRows, start[k + 1] - c0);
            for (Eigen::Index i = 0; i < rows; ++i)
                xc.row(i) = batch.x.row(order[static_cast<std::size_t>(c0 + i)]);
            forwardChunk(n.w1, n.b1, n.w2, xc.topRows(rows), yc.topRows(rows), hidden);
            for (Eigen::Index i = 0; i < rows; ++i)
                y.row(order[static_cast<std::size_t>(c0 + i)]) = yc.row(i);
        }
    }
    return y;
}

}  // namespace moe
