// SPDX-License-Identifier: MIT
#include "core/model/teacher.h"
#include "core/stream/clusters_stream.h"
#include "core/stream/normal_fill.h"
#include "core/stream/stream_factory.h"
#include "core/stream/zipf_stream.h"
#include "core/util/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace moe {
namespace {

// Statistical checks use fixed seeds and bands of 5 standard deviations of the estimator, so
// they are deterministic and would only fail on a real deviation from the stated law.

StreamConfig clustersConfig(int domains, double zipf) {
    StreamConfig c{};
    c.kind = StreamKind::Clusters;
    c.domains = domains;
    c.zipf = zipf;
    c.vocab = 0;
    c.separation = 10.0;
    c.spread = 1.0;
    c.seqLen = 0;
    return c;
}

StreamConfig zipfConfig(int vocab, double zipf, int domains) {
    StreamConfig c{};
    c.kind = StreamKind::Zipf;
    c.domains = domains;
    c.zipf = zipf;
    c.vocab = vocab;
    c.separation = 4.0;
    c.spread = 0.0;
    c.seqLen = 0;
    return c;
}

bool sameBatch(const TokenBatch& a, const TokenBatch& b) {
    return a.x.rows() == b.x.rows() && a.x.cols() == b.x.cols() && a.x == b.x &&
           a.domain == b.domain && a.tokenId == b.tokenId && a.seqLen == b.seqLen;
}

std::vector<int64_t> countLabels(const std::vector<int32_t>& labels, int n) {
    std::vector<int64_t> counts(static_cast<std::size_t>(n), 0);
    for (const int32_t l : labels) {
        EXPECT_GE(l, 0);
        EXPECT_LT(l, n);
        if (l >= 0 && l < n) ++counts[static_cast<std::size_t>(l)];
    }
    return counts;
}

/// |count - N p| within 5 binomial standard deviations.
void expectBinomialBand(int64_t count, int64_t n, double p, const std::string& what) {
    const double mean = static_cast<double>(n) * p;
    const double sd = std::sqrt(static_cast<double>(n) * p * (1.0 - p));
    EXPECT_NEAR(static_cast<double>(count), mean, 5.0 * sd + 1.0) << what;
}

int argmax(const std::vector<int64_t>& v) {
    return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

// ---- normal draws ----

TEST(StreamNormal, MomentsTailsAndHistogramMatchTheStandardNormal) {
    Rng rng(12345);
    const Eigen::Index n = 2'000'000;
    std::vector<Scalar> z(static_cast<std::size_t>(n));
    fillStandardNormal(rng, z.data(), n);
    double s1 = 0, s2 = 0, s4 = 0;
    int64_t beyondR = 0, beyond45 = 0;
    const int nBins = 64;
    std::vector<int64_t> bins(nBins, 0);
    for (const Scalar v : z) {
        const double x = static_cast<double>(v);
        s1 += x;
        s2 += x * x;
        s4 += x * x * x * x;
        if (std::abs(x) > 3.6541528853610088) ++beyondR;  // the ziggurat's tail start
        if (std::abs(x) > 4.5) ++beyond45;
        // Equiprobable bins through the CDF: a chi-square test of the whole shape.
        const double u = 0.5 * std::erfc(-x / std::sqrt(2.0));
        ++bins[static_cast<std::size_t>(std::min(nBins - 1, static_cast<int>(u * nBins)))];
    }
    const auto dn = static_cast<double>(n);
    EXPECT_NEAR(s1 / dn, 0.0, 5.0 / std::sqrt(dn));
    EXPECT_NEAR(s2 / dn, 1.0, 5.0 * std::sqrt(2.0 / dn));
    EXPECT_NEAR(s4 / dn, 3.0, 5.0 * std::sqrt(96.0 / dn));
    expectBinomialBand(beyondR, n, std::erfc(3.6541528853610088 / std::sqrt(2.0)), "|z| > r");
    expectBinomialBand(beyond45, n, std::erfc(4.5 / std::sqrt(2.0)), "|z| > 4.5");
    double chi2 = 0;
    for (const int64_t c : bins) {
        const double e = dn / nBins;
        chi2 += (static_cast<double>(c) - e) * (static_cast<double>(c) - e) / e;
    }
    EXPECT_LT(chi2, 63.0 + 5.0 * std::sqrt(2.0 * 63.0));  // chi-square(63): mean 63, sd 11.2

    // The single-draw and bulk paths are the same sequence.
    Rng a(77);
    Rng b(77);
    std::vector<Scalar> bulk(1000);
    fillStandardNormal(a, bulk.data(), 1000);
    for (const Scalar v : bulk) EXPECT_EQ(v, static_cast<Scalar>(zigguratNormal(b)));
}

// ---- clusters stream ----

TEST(ClustersStream, SameSeedSameBatchesDifferentSeedDifferent) {
    StreamConfig cfg = clustersConfig(5, 1.0);
    cfg.driftAt = {3};
    auto a = makeStream(cfg, 16, 64, 7);
    auto b = makeStream(cfg, 16, 64, 7);
    auto c = makeStream(cfg, 16, 64, 8);
    for (int64_t step = 0; step < 6; ++step) {
        const TokenBatch ba = a->next(step);
        const TokenBatch bb = b->next(step);
        const TokenBatch bc = c->next(step);
        EXPECT_TRUE(sameBatch(ba, bb)) << "step " << step;
        EXPECT_FALSE(ba.x == bc.x) << "step " << step;
    }
}

TEST(ClustersStream, ShapesAndLabels) {
    StreamConfig cfg = clustersConfig(5, 0.5);
    auto s = makeStream(cfg, 12, 100, 1);
    EXPECT_EQ(s->width(), 12);
    EXPECT_EQ(s->nDomains(), 5);
    const TokenBatch b = s->next(0);
    EXPECT_EQ(b.x.rows(), 100);
    EXPECT_EQ(b.x.cols(), 12);
    EXPECT_EQ(b.nTokens(), 100);
    ASSERT_EQ(b.domain.size(), 100u);
    EXPECT_TRUE(b.tokenId.empty());
    EXPECT_EQ(b.seqLen, 100);  // stream.seqLen = 0: the whole batch is one sequence
    EXPECT_TRUE(b.x.allFinite());
    countLabels(b.domain, 5);

    cfg.seqLen = 25;
    EXPECT_EQ(makeStream(cfg, 12, 100, 1)->next(0).seqLen, 25);
}

TEST(ClustersStream, DomainFrequenciesFollowZipf) {
    const int k = 6;
    const double a = 1.2;
    auto s = makeStream(clustersConfig(k, a), 4, 25'000, 2024);
    std::vector<int64_t> counts(k, 0);
    const int steps = 4;
    for (int step = 0; step < steps; ++step) {
        const std::vector<int64_t> c = countLabels(s->next(step).domain, k);
        for (int i = 0; i < k; ++i)
            counts[static_cast<std::size_t>(i)] += c[static_cast<std::size_t>(i)];
    }
    double norm = 0;
    for (int i = 0; i < k; ++i) norm += std::pow(i + 1.0, -a);
    const auto* clusters = dynamic_cast<const ClustersStream*>(s.get());
    ASSERT_NE(clusters, nullptr);
    for (int i = 0; i < k; ++i) {
        // No drift configured: rank i is domain i.
        const double p = std::pow(i + 1.0, -a) / norm;
        EXPECT_NEAR(clusters->rankProbabilities()[static_cast<std::size_t>(i)], p, 1e-15);
        EXPECT_EQ(clusters->rankToDomain()[static_cast<std::size_t>(i)], i);
        expectBinomialBand(counts[static_cast<std::size_t>(i)], 25'000 * steps, p,
                           "domain " + std::to_string(i));
    }
}

TEST(ClustersStream, UniformWhenZipfIsZero) {
    const int k = 7;
    auto s = makeStream(clustersConfig(k, 0.0), 4, 70'000, 99);
    const std::vector<int64_t> counts = countLabels(s->next(0).domain, k);
    for (int i = 0; i < k; ++i)
        expectBinomialBand(counts[static_cast<std::size_t>(i)], 70'000, 1.0 / k,
                           "domain " + std::to_string(i));
}

TEST(ClustersStream, TokensAreClosestToTheirOwnCentre) {
    const int k = 8;
    const int d = 32;
    StreamConfig cfg = clustersConfig(k, 0.3);  // separation 10, spread 1
    auto s = makeStream(cfg, d, 4000, 5);
    const auto* clusters = dynamic_cast<const ClustersStream*>(s.get());
    ASSERT_NE(clusters, nullptr);
    const Matrix& centres = clusters->centres();
    ASSERT_EQ(centres.rows(), k);
    ASSERT_EQ(centres.cols(), d);
    for (Eigen::Index c = 0; c < k; ++c) EXPECT_NEAR(centres.row(c).norm(), 10.0, 1e-4);

    const TokenBatch b = s->next(0);
    double offsetNorm = 0;
    int misassigned = 0;
    for (Eigen::Index t = 0; t < b.x.rows(); ++t) {
        const auto own = b.domain[static_cast<std::size_t>(t)];
        Eigen::Index nearest = 0;
        (centres.rowwise() - b.x.row(t)).rowwise().squaredNorm().minCoeff(&nearest);
        if (nearest != own) ++misassigned;
        offsetNorm += static_cast<double>((b.x.row(t) - centres.row(own)).norm());
    }
    EXPECT_EQ(misassigned, 0);
    // E||z|| / sqrt(d) = sqrt(2) Gamma((d+1)/2) / Gamma(d/2) / sqrt(d) ~ 0.992 for d = 32; the
    // mean of 4000 norms has sd ~ 0.002.
    EXPECT_NEAR(offsetNorm / static_cast<double>(b.x.rows()), 1.0, 0.03);
}

TEST(ClustersStream, DriftChangesTheMostFrequentDomainAtTheListedSteps) {
    const int k = 5;
    StreamConfig cfg = clustersConfig(k, 2.0);  // P(rank 0) ~ 0.68: the top domain is obvious
    cfg.driftAt = {4, 9};
    auto s = makeStream(cfg, 4, 4000, 31);
    const auto* clusters = dynamic_cast<const ClustersStream*>(s.get());
    ASSERT_NE(clusters, nullptr);
    std::vector<int> top;
    for (int64_t step = 0; step < 14; ++step) {
        const TokenBatch b = s->next(step);
        top.push_back(argmax(countLabels(b.domain, k)));
        EXPECT_EQ(top.back(), clusters->rankToDomain().front()) << "step " << step;
        std::vector<int32_t> sorted = clusters->rankToDomain();
        std::sort(sorted.begin(), sorted.end());
        for (int i = 0; i < k; ++i) EXPECT_EQ(sorted[static_cast<std::size_t>(i)], i);
    }
    for (std::size_t step = 1; step < top.size(); ++step) {
        if (step == 4 || step == 9)
            EXPECT_NE(top[step], top[step - 1]) << "drift at step " << step;
        else
            EXPECT_EQ(top[step], top[step - 1]) << "no drift at step " << step;
    }
    EXPECT_EQ(top[0], 0);  // before any drift, rank r is domain r
}

TEST(ClustersStream, DriftAppliesAtTheFirstStepAtOrAfterTheListedOne) {
    StreamConfig cfg = clustersConfig(4, 2.0);
    cfg.driftAt = {5};
    auto s = makeStream(cfg, 4, 10, 3);
    const auto* clusters = dynamic_cast<const ClustersStream*>(s.get());
    ASSERT_NE(clusters, nullptr);
    const std::vector<int32_t> initial = clusters->rankToDomain();
    s->next(0);
    s->next(3);
    EXPECT_EQ(clusters->rankToDomain(), initial);
    s->next(7);  // step 5 was skipped: the drift happens here
    const std::vector<int32_t> drifted = clusters->rankToDomain();
    EXPECT_NE(drifted.front(), initial.front());
    s->next(8);
    s->next(100);
    EXPECT_EQ(clusters->rankToDomain(), drifted);

    // The drift list is a set of steps: order and duplicates do not matter.
    StreamConfig messy = cfg;
    messy.driftAt = {9, 4, 4};
    StreamConfig tidy = cfg;
    tidy.driftAt = {4, 9};
    auto a = makeStream(messy, 4, 50, 3);
    auto b = makeStream(tidy, 4, 50, 3);
    for (int64_t step = 0; step < 12; ++step) EXPECT_TRUE(sameBatch(a->next(step), b->next(step)));
}

TEST(ClustersStream, ConstructionDrawsDoNotDependOnBatchSize) {
    const StreamConfig cfg = clustersConfig(6, 1.0);
    auto small = makeStream(cfg, 8, 10, 42);
    auto large = makeStream(cfg, 8, 1000, 42);
    const auto* a = dynamic_cast<const ClustersStream*>(small.get());
    const auto* b = dynamic_cast<const ClustersStream*>(large.get());
    ASSERT_TRUE(a != nullptr && b != nullptr);
    EXPECT_TRUE(a->centres() == b->centres());
}

// ---- zipf stream ----

TEST(ZipfStream, IdFrequenciesFollowThePowerLaw) {
    const int v = 40;
    const double a = 1.1;
    auto s = makeStream(zipfConfig(v, a, 4), 8, 20'000, 11);
    const auto* zipf = dynamic_cast<const ZipfStream*>(s.get());
    ASSERT_NE(zipf, nullptr);
    std::vector<int64_t> counts(v, 0);
    const int steps = 10;
    for (int step = 0; step < steps; ++step) {
        const TokenBatch b = s->next(step);
        const std::vector<int64_t> c = countLabels(b.tokenId, v);
        for (int i = 0; i < v; ++i)
            counts[static_cast<std::size_t>(i)] += c[static_cast<std::size_t>(i)];
    }
    const std::vector<int32_t>& idOfRank = zipf->idOfRank();
    ASSERT_EQ(idOfRank.size(), static_cast<std::size_t>(v));
    EXPECT_EQ(std::set<int32_t>(idOfRank.begin(), idOfRank.end()).size(),
              static_cast<std::size_t>(v));
    std::vector<int32_t> identity(static_cast<std::size_t>(v));
    std::iota(identity.begin(), identity.end(), 0);
    EXPECT_NE(idOfRank, identity);  // frequent ids are not simply 0, 1, 2, ...

    double norm = 0;
    for (int r = 1; r <= v; ++r) norm += std::pow(r, -a);
    for (int r = 1; r <= v; ++r) {
        const double p = std::pow(r, -a) / norm;
        const int32_t id = idOfRank[static_cast<std::size_t>(r - 1)];
        expectBinomialBand(counts[static_cast<std::size_t>(id)], 20'000 * steps, p,
                           "rank " + std::to_string(r) + " (id " + std::to_string(id) + ")");
    }
}

TEST(ZipfStream, LabelsEmbeddingsAndShapes) {
    StreamConfig cfg = zipfConfig(2000, 1.0, 4);
    cfg.seqLen = 16;
    auto s = makeStream(cfg, 64, 512, 5);
    const auto* zipf = dynamic_cast<const ZipfStream*>(s.get());
    ASSERT_NE(zipf, nullptr);
    EXPECT_EQ(s->width(), 64);
    EXPECT_EQ(s->nDomains(), 4);
    const TokenBatch b = s->next(0);
    ASSERT_EQ(b.x.rows(), 512);
    ASSERT_EQ(b.x.cols(), 64);
    ASSERT_EQ(b.tokenId.size(), 512u);
    ASSERT_EQ(b.domain.size(), 512u);
    EXPECT_EQ(b.seqLen, 16);
    for (std::size_t t = 0; t < b.tokenId.size(); ++t) {
        ASSERT_GE(b.tokenId[t], 0);
        ASSERT_LT(b.tokenId[t], 2000);
        EXPECT_EQ(b.domain[t], b.tokenId[t] % 4);
        // spread = 0: a token is exactly its embedding.
        EXPECT_TRUE(b.x.row(static_cast<Eigen::Index>(t)) == zipf->embeddings().row(b.tokenId[t]));
    }
    // Embeddings have expected norm ~ separation (4): mean of chi_64 / 8 is 0.996.
    const Matrix& e = zipf->embeddings();
    ASSERT_EQ(e.rows(), 2000);
    EXPECT_NEAR(e.rowwise().norm().mean(), 4.0, 0.05);

    cfg.domains = 0;  // no teacher buckets: no labels
    auto unlabelled = makeStream(cfg, 64, 32, 5);
    EXPECT_EQ(unlabelled->nDomains(), 0);
    const TokenBatch u = unlabelled->next(0);
    EXPECT_TRUE(u.domain.empty());
    EXPECT_FALSE(u.hasDomains());
    EXPECT_EQ(u.tokenId.size(), 32u);
}

TEST(ZipfStream, NoiseHasTheConfiguredSpreadAndSeedsAreReproducible) {
    StreamConfig cfg = zipfConfig(100, 1.0, 3);
    cfg.spread = 0.5;
    auto s = makeStream(cfg, 32, 4000, 8);
    auto same = makeStream(cfg, 32, 4000, 8);
    auto other = makeStream(cfg, 32, 4000, 9);
    const auto* zipf = dynamic_cast<const ZipfStream*>(s.get());
    ASSERT_NE(zipf, nullptr);
    const TokenBatch b = s->next(0);
    double offset = 0;
    for (Eigen::Index t = 0; t < b.x.rows(); ++t)
        offset += static_cast<double>(
            (b.x.row(t) - zipf->embeddings().row(b.tokenId[static_cast<std::size_t>(t)])).norm());
    EXPECT_NEAR(offset / static_cast<double>(b.x.rows()), 0.5, 0.02);
    EXPECT_TRUE(sameBatch(b, same->next(0)));
    EXPECT_TRUE(sameBatch(s->next(1), same->next(1)));
    EXPECT_FALSE(b.tokenId == other->next(0).tokenId);
}

TEST(ZipfStream, SamplerEdgeCases) {
    const ZipfSampler one(1, 2.0);
    EXPECT_EQ(one.rankOf(0.0), 0);
    EXPECT_EQ(one.rankOf(0.9999999999), 0);
    const ZipfSampler uniform(4, 0.0);
    EXPECT_EQ(uniform.rankOf(0.0), 0);
    EXPECT_EQ(uniform.rankOf(0.2499), 0);
    EXPECT_EQ(uniform.rankOf(0.25), 1);
    EXPECT_EQ(uniform.rankOf(0.7501), 3);
    EXPECT_EQ(uniform.rankOf(std::nextafter(1.0, 0.0)), 3);
    Rng rng(4);
    const std::vector<int32_t> perm = randomPermutation(50, rng);
    std::vector<int32_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < 50; ++i) EXPECT_EQ(sorted[static_cast<std::size_t>(i)], i);
    EXPECT_TRUE(randomPermutation(0, rng).empty());
}

// ---- factory ----

TEST(StreamFactory, DumpedStreamWithoutItsFileIsRefused) {
    StreamConfig cfg = clustersConfig(3, 0.0);
    cfg.kind = StreamKind::Dumped;
    cfg.path = "no_such_tokens.h5";
    try {
        makeStream(cfg, 8, 16, 1);
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "no_such_tokens.h5: no such file");
    }
}

TEST(StreamFactory, UsesTheDocumentedDerivedRngs) {
    const StreamConfig cfg = clustersConfig(4, 1.0);
    auto viaFactory = makeStream(cfg, 8, 32, 1234);
    ClustersStream direct(cfg, 8, 32, Rng::derive(1234, "stream.init"),
                          Rng::derive(1234, "stream"));
    for (int64_t step = 0; step < 3; ++step)
        EXPECT_TRUE(sameBatch(viaFactory->next(step), direct.next(step)));

    const StreamConfig zcfg = zipfConfig(30, 1.0, 2);
    auto zipfViaFactory = makeStream(zcfg, 8, 32, 1234);
    ZipfStream zipfDirect(zcfg, 8, 32, Rng::derive(1234, "stream.init"),
                          Rng::derive(1234, "stream"));
    EXPECT_TRUE(sameBatch(zipfViaFactory->next(0), zipfDirect.next(0)));
}

// ---- teacher ----

/// Plain-loop teacher in long double: y = tanh(x W1 + b1) W2 for one token.
std::vector<long double> referenceTeacher(const Teacher& teacher, int domain, const Matrix& x,
                                          Eigen::Index t) {
    const Matrix& w1 = teacher.w1(domain);
    const RowVector& b1 = teacher.b1(domain);
    const Matrix& w2 = teacher.w2(domain);
    std::vector<long double> y(static_cast<std::size_t>(teacher.out()), 0.0L);
    for (Eigen::Index j = 0; j < w1.cols(); ++j) {
        long double pre = static_cast<long double>(b1[j]);
        for (Eigen::Index i = 0; i < w1.rows(); ++i)
            pre += static_cast<long double>(x(t, i)) * static_cast<long double>(w1(i, j));
        const long double h = std::tanh(pre);
        for (Eigen::Index o = 0; o < w2.cols(); ++o)
            y[static_cast<std::size_t>(o)] += h * static_cast<long double>(w2(j, o));
    }
    return y;
}

void expectMatchesReference(const Teacher& teacher, const TokenBatch& b, const Matrix& y) {
    ASSERT_EQ(y.rows(), b.x.rows());
    ASSERT_EQ(y.cols(), teacher.out());
    for (Eigen::Index t = 0; t < b.x.rows(); ++t) {
        const int domain = b.hasDomains() ? b.domain[static_cast<std::size_t>(t)] : 0;
        const std::vector<long double> ref = referenceTeacher(teacher, domain, b.x, t);
        for (Eigen::Index o = 0; o < y.cols(); ++o)
            ASSERT_NEAR(y(t, o), ref[static_cast<std::size_t>(o)], 2e-5)
                << "token " << t << " out " << o;
    }
}

TEST(Teacher, EqualsPlainLoopComputation) {
    // T > 2048 so the grouped path gathers several chunks per domain.
    StreamConfig cfg = clustersConfig(3, 0.7);
    cfg.separation = 3.0;
    auto s = makeStream(cfg, 7, 5000, 21);
    Rng rng(55);
    const Teacher teacher(3, 7, 5, 4, rng);
    EXPECT_EQ(teacher.nDomains(), 3);
    EXPECT_EQ(teacher.out(), 4);
    const TokenBatch b = s->next(0);
    expectMatchesReference(teacher, b, teacher.target(b));

    // All tokens in one domain (the no-gather path) and no labels at all (domain 0).
    TokenBatch one = b;
    std::fill(one.domain.begin(), one.domain.end(), 2);
    expectMatchesReference(teacher, one, teacher.target(one));
    TokenBatch unlabelled = b;
    unlabelled.domain.clear();
    const Matrix y0 = teacher.target(unlabelled);
    expectMatchesReference(teacher, unlabelled, y0);
    TokenBatch zeros = b;
    std::fill(zeros.domain.begin(), zeros.domain.end(), 0);
    EXPECT_TRUE(teacher.target(zeros) == y0);
}

TEST(Teacher, IsDeterministicAndDiffersBetweenDomains) {
    Rng rngA(9);
    Rng rngB(9);
    const Teacher a(4, 16, 32, 0, rngA);
    const Teacher b(4, 16, 32, 0, rngB);
    EXPECT_EQ(a.out(), 16);  // out = 0 means width
    auto s = makeStream(clustersConfig(4, 0.0), 16, 300, 3);
    const TokenBatch batch = s->next(0);
    EXPECT_TRUE(a.target(batch) == b.target(batch));
    EXPECT_TRUE(a.target(batch) == a.target(batch));

    TokenBatch d0 = batch;
    TokenBatch d1 = batch;
    std::fill(d0.domain.begin(), d0.domain.end(), 0);
    std::fill(d1.domain.begin(), d1.domain.end(), 1);
    const Matrix y0 = a.target(d0);
    const Matrix y1 = a.target(d1);
    EXPECT_GT((y0 - y1).cwiseAbs().maxCoeff(), Scalar(0.1));
    EXPECT_GT((y0 - y1).norm() / y0.norm(), Scalar(0.5));  // independent nets: not a small change
}

TEST(Teacher, ParameterScales) {
    Rng rng(17);
    const int d = 64;
    const int h = 256;
    const Teacher t(1, d, h, 32, rng);
    const auto variance = [](const auto& m) {
        const double mean = static_cast<double>(m.mean());
        return static_cast<double>((m.array() - static_cast<Scalar>(mean)).square().mean());
    };
    // Sample variances of n normals have relative sd sqrt(2 / n): bands of 5 sd.
    EXPECT_NEAR(variance(t.w1(0)) * d, 1.0, 5.0 * std::sqrt(2.0 / (d * h)));
    EXPECT_NEAR(variance(t.w2(0)) * h, 1.0, 5.0 * std::sqrt(2.0 / (h * 32)));
    EXPECT_NEAR(variance(t.b1(0)) / 0.01, 1.0, 5.0 * std::sqrt(2.0 / h));
}

}  // namespace
}  // namespace moe
