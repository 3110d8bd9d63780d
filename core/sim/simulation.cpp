// SPDX-License-Identifier: MIT
#include "core/sim/simulation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/metrics/step_metrics.h"
#include "core/stream/stream_factory.h"
#include "core/util/parallel.h"

namespace moe {
namespace {

/// One teacher per domain label the stream produces: stream.domains for the synthetic streams,
/// the labels of its file for a dumped one (a single teacher when there are none).
Teacher makeTeacher(const ScenarioConfig& c, const TokenStream& stream) {
    Rng rng = Rng::derive(c.seed, "teacher");
    return Teacher(stream.nDomains(), c.model.width, c.model.teacherHidden, c.model.outWidth(), rng);
}

}  // namespace

NonFiniteError::NonFiniteError(int64_t step, const std::string& tensor)
    : std::runtime_error(tensor + " became non-finite (NaN or Inf) at step " + std::to_string(step)),
      m_step(step),
      m_tensor(tensor) {}

Simulation::Simulation(const ScenarioConfig& config)
    : m_config(config),
      m_initRng(Rng::derive(config.seed, "init")),
      m_stream(makeStream(config.stream, config.model.width, config.train.tokens, config.seed)),
      m_teacher(makeTeacher(config, *m_stream)),
      m_layer(makeLayer(config, m_initRng)),
      m_optimizer(config.train, m_layer->parameters()),
      m_routeRng(Rng::derive(config.seed, "route")),
      m_nRouted(config.model.experts),
      m_probeDomains(std::max(1, m_stream->nDomains())) {
    setThreadCount(config.train.threads);
    const int routed = maxExperts(config.events, config.model.experts);
    m_states.assign(static_cast<size_t>(routed + config.model.nullExperts), ExpertState::Live);
    std::fill(m_states.begin() + config.model.experts, m_states.begin() + routed,
              ExpertState::Absent);
    if (config.metrics.probeEvery > 0) {
        // Drawn once, domain by domain, from their own stream: the training data never sees
        // these tokens and the training streams never advance for them.
        Rng probeRng = Rng::derive(config.seed, "probe");
        for (int d = 0; d < m_stream->nDomains(); ++d) {
            m_probes.push_back(m_stream->domainBatch(d, config.metrics.probeTokens, probeRng));
            m_probeTargets.push_back(m_teacher.target(m_probes.back()));
        }
    }
}

void Simulation::applyEvent(const EventConfig& e) {
    Rng rng = Rng::derive(m_config.seed, "event." + e.name);
    const int before = m_nRouted;
    if (e.addExperts > 0) {
        m_layer->addExperts(e.addExperts, e.init, rng);
        m_nRouted += e.addExperts;
        for (int i = before; i < m_nRouted; ++i) m_states[static_cast<size_t>(i)] = ExpertState::Live;
        m_optimizer.setParameters(m_layer->parameters());
    }
    std::vector<int> freeze = e.freeze;
    if (e.freezeOld)
        for (int i = 0; i < before; ++i) freeze.push_back(i);
    for (const int id : freeze)
        if (m_states[static_cast<size_t>(id)] == ExpertState::Live)
            m_states[static_cast<size_t>(id)] = ExpertState::Frozen;
    for (const int id : e.remove) m_states[static_cast<size_t>(id)] = ExpertState::Removed;
    if (e.addExperts > 0 || !freeze.empty() || !e.remove.empty())
        m_layer->setExpertStates(ExpertStates(m_states.begin(), m_states.begin() + m_nRouted));
    if (!e.mixture.empty()) m_stream->setMixture(e.mixture);
    if (e.lr) m_optimizer.setLearningRate(*e.lr);
}

std::vector<double> Simulation::probeLosses() {
    std::vector<double> loss(static_cast<size_t>(m_probeDomains),
                             std::numeric_limits<double>::quiet_NaN());
    // A fresh copy per evaluation: a probe's result depends only on the parameters.
    Rng rng = Rng::derive(m_config.seed, "probe.route");
    for (size_t d = 0; d < m_probes.size(); ++d) {
        const TokenBatch& batch = m_probes[d];
        RouteContext ctx;
        ctx.training = false;
        ctx.rng = &rng;
        ctx.seqLen = batch.seqLen;
        ctx.domain = &batch.domain;
        m_layer->forward(batch.x, ctx);
        loss[d] = m_layer->taskLoss(m_probeTargets[d]);
    }
    return loss;
}

void Simulation::fitExpertColumns(StepStats& s) const {
    const size_t columns = m_states.size();
    s.expertState.resize(columns);
    for (size_t e = 0; e < columns; ++e) s.expertState[e] = static_cast<double>(m_states[e]);
    // With every column routable the layer's own statistics already are the right ones (soft
    // MoE computes its own, so they are left alone whenever nothing was added or removed).
    if (std::all_of(m_states.begin(), m_states.end(), moe::routable)) return;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::vector<double>* v : {&s.demand, &s.load, &s.dropped, &s.importance, &s.meanScore}) {
        if (v->size() == columns) continue;
        // Routed experts come first and null experts last (events need no null experts).
        v->resize(columns, nan);
    }
    StepStats routable;
    for (size_t e = 0; e < columns; ++e)
        if (moe::routable(m_states[e])) routable.demand.push_back(s.demand[e]);
    fillDemandStatistics(routable);
    s.loadCv = routable.loadCv;
    s.maxOverMean = routable.maxOverMean;
    s.deadExperts = routable.deadExperts;
    s.loadEntropy = routable.loadEntropy;
    s.collapse = routable.collapse;
    // Removed experts have p = 0 and add nothing to H(p_t); only the normalisation changes.
    const auto existing = static_cast<double>(m_nRouted + m_config.model.nullExperts);
    const auto nRoutable = static_cast<double>(routable.demand.size());
    if (nRoutable < existing)
        s.routerEntropy = nRoutable > 1 ? s.routerEntropy * std::log(existing) / std::log(nRoutable) : 0.0;
}

StepStats Simulation::step() {
    while (m_nextEvent < m_config.events.size() && m_config.events[m_nextEvent].at <= m_step)
        applyEvent(m_config.events[m_nextEvent++]);
    const int probeEvery = m_config.metrics.probeEvery;
    std::vector<double> probe =
        probeEvery > 0 && m_step % probeEvery == 0
            ? probeLosses()
            : std::vector<double>(static_cast<size_t>(m_probeDomains),
                                  std::numeric_limits<double>::quiet_NaN());

    m_batch = m_stream->next(m_step);
    const TokenBatch& batch = m_batch;
    const Matrix target = m_teacher.target(batch);

    RouteContext ctx;
    ctx.training = true;
    ctx.rng = &m_routeRng;
    ctx.seqLen = batch.seqLen;
    ctx.tokenId = batch.tokenId.empty() ? nullptr : &batch.tokenId;
    ctx.domain = batch.domain.empty() ? nullptr : &batch.domain;
    m_layer->forward(batch.x, ctx);

    m_optimizer.zeroGrad();
    const double taskLoss = m_layer->backward(batch.x, target);
    StepStats stats = m_layer->routingStats(batch.domain);
    stats.step = m_step;
    if (const RoutingDecision* d = m_layer->lastDecision(); d != nullptr && !batch.tokenId.empty())
        stats.vocabSpecialization =
            vocabularySpecialization(batch.tokenId, firstChoices(*d), kVocabSpecializationMinCount);
    const BalanceLosses losses = m_layer->losses();
    const LossConfig& c = m_config.loss;
    stats.taskLoss = taskLoss;
    stats.auxLoss = losses.aux;
    stats.zLoss = losses.z;
    stats.importanceLoss = losses.importance;
    stats.loadLoss = losses.load;
    stats.seqAuxLoss = losses.seqAux;
    stats.totalLoss = taskLoss + c.aux * losses.aux + c.z * losses.z +
                      c.importance * losses.importance + c.load * losses.load +
                      c.seqAux * losses.seqAux;
    stats.probeLoss = std::move(probe);
    fitExpertColumns(stats);
    m_optimizer.step();
    m_layer->afterStep();
    checkFinite(stats);
    ++m_step;
    return stats;
}

void Simulation::checkFinite(const StepStats& s) {
    const std::pair<const char*, double> losses[] = {
        {"task_loss", s.taskLoss},       {"aux_loss", s.auxLoss},   {"z_loss", s.zLoss},
        {"importance_loss", s.importanceLoss}, {"load_loss", s.loadLoss},
        {"seq_aux_loss", s.seqAuxLoss}};
    for (const auto& [name, value] : losses)
        if (!std::isfinite(value)) throw NonFiniteError(m_step, name);
    for (const Parameter* p : m_layer->parameters())
        if (!p->value.allFinite()) throw NonFiniteError(m_step, "parameter " + p->name);
}

}  // namespace moe
