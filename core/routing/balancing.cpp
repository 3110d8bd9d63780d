// SPDX-License-Identifier: MIT
#include "core/routing/balancing.h"

#include <cmath>

#include "core/math/functions.h"
#include "core/util/assert.h"

namespace moe {

double switchAuxLoss(const Matrix& probs, const IndexMatrix& selected, bool firstChoiceOnly,
                     double coef, Matrix* dProbs) {
    const auto nTokens = probs.rows();
    const auto nExperts = probs.cols();
    const auto nChoices = firstChoiceOnly ? 1 : selected.cols();
    Eigen::VectorXd f = Eigen::VectorXd::Zero(nExperts);
    for (Eigen::Index t = 0; t < nTokens; ++t)
        for (Eigen::Index j = 0; j < nChoices; ++j) f(selected(t, j)) += 1.0;
    f /= static_cast<double>(nTokens * nChoices);  // sum_i f_i = 1
    const Eigen::VectorXd meanProb = probs.cast<double>().colwise().mean().transpose();
    const double value = static_cast<double>(nExperts) * f.dot(meanProb);
    if (dProbs && !isExactlyZero(coef)) {
        // dP_i/dp_{t,i} = 1/T, so every token's row gets coef * E * f / T.
        const RowVector row =
            (f * (coef * static_cast<double>(nExperts) / static_cast<double>(nTokens)))
                .cast<Scalar>()
                .transpose();
        dProbs->rowwise() += row;
    }
    return value;
}

double routerZLoss(const Matrix& logits, double coef, Matrix* dLogits) {
    const Vector lse = logSumExpRows(logits);
    const auto nTokens = static_cast<double>(logits.rows());
    const double value = lse.cast<double>().squaredNorm() / nTokens;
    if (dLogits && !isExactlyZero(coef)) {
        // d/dL_{t,i} lse_t^2 = 2 lse_t softmax(L_t)_i
        const Matrix p = softmaxRows(logits);
        const Vector scale = lse * static_cast<Scalar>(2.0 * coef / nTokens);
        dLogits->noalias() += (p.array().colwise() * scale.array()).matrix();
    }
    return value;
}

double sequenceAuxLoss(const Matrix& scores, const IndexMatrix& selected, int seqLen, double coef,
                       Matrix* dScores) {
    const auto nTokens = static_cast<int>(scores.rows());
    const auto nExperts = static_cast<int>(scores.cols());
    const auto k = static_cast<int>(selected.cols());
    MOELAB_ASSERT(seqLen > 0 && nTokens % seqLen == 0, "tokens must split into sequences");
    const int nSeq = nTokens / seqLen;
    double total = 0;
    Eigen::VectorXd f(nExperts);
    for (int q = 0; q < nSeq; ++q) {
        const int begin = q * seqLen;
        f.setZero();
        for (int t = begin; t < begin + seqLen; ++t)
            for (int j = 0; j < k; ++j) f(selected(t, j)) += 1.0;
        f *= static_cast<double>(nExperts) / (static_cast<double>(k) * seqLen);
        double lossSeq = 0;
        for (int t = begin; t < begin + seqLen; ++t) {
            const double rowSum = scores.row(t).cast<double>().sum();
            const double denom = std::max(rowSum, 1e-30);
            // sum_i f_i s'_{t,i}, s' = s / sum_j s_j
            const double fs = scores.row(t).cast<double>().dot(f.transpose()) / denom;
            lossSeq += fs / seqLen;
            if (dScores && !isExactlyZero(coef)) {
                // d/ds_j (f.s / S) = (f_j - f.s/S) / S, scaled by coef / (nSeq * seqLen).
                const double scale = coef / (static_cast<double>(nSeq) * seqLen * denom);
                for (int e = 0; e < nExperts; ++e)
                    (*dScores)(t, e) += static_cast<Scalar>(scale * (f(e) - fs));
            }
        }
        total += lossSeq;
    }
    return total / nSeq;
}

double cvSquared(const std::vector<double>& v, std::vector<double>* grad) {
    const auto n = static_cast<double>(v.size());
    double mean = 0;
    for (double x : v) mean += x;
    mean /= n;
    double var = 0;
    for (double x : v) var += (x - mean) * (x - mean);
    var /= n;
    if (grad) grad->assign(v.size(), 0.0);
    if (isExactlyZero(mean)) return 0.0;
    if (grad) {
        // CV^2 = V / M^2; dV/dv_i = 2 (v_i - M) / n, dM/dv_i = 1 / n.
        for (size_t i = 0; i < v.size(); ++i)
            (*grad)[i] = 2.0 * (v[i] - mean) / (n * mean * mean) - 2.0 * var / (n * mean * mean * mean);
    }
    return var / (mean * mean);
}

void addSoftmaxBackward(const Matrix& p, const Matrix& dp, Matrix& dLogits) {
    const Vector inner = (p.array() * dp.array()).rowwise().sum();
    dLogits.array() += p.array() * (dp.array().colwise() - inner.array());
}

void addSigmoidBackward(const Matrix& s, const Matrix& ds, Matrix& dLogits) {
    dLogits.array() += ds.array() * s.array() * (Scalar(1) - s.array());
}

}  // namespace moe
