// SPDX-License-Identifier: MIT
#include "core/sim/simulation.h"

#include <cmath>

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
      m_routeRng(Rng::derive(config.seed, "route")) {
    setThreadCount(config.train.threads);
}

StepStats Simulation::step() {
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
