// SPDX-License-Identifier: MIT
#include "core/sim/simulation.h"

#include <cmath>

#include "core/metrics/step_metrics.h"
#include "core/stream/stream_factory.h"
#include "core/util/parallel.h"

namespace moe {
namespace {

int outWidth(const ModelConfig& m) { return m.out > 0 ? m.out : m.width; }

Teacher makeTeacher(const ScenarioConfig& c) {
    Rng rng = Rng::derive(c.seed, "teacher");
    return Teacher(c.stream.domains, c.model.width, c.model.teacherHidden, outWidth(c.model), rng);
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
      m_teacher(makeTeacher(config)),
      m_layer(config, m_initRng),
      m_optimizer(config.train, m_layer.parameters()),
      m_routeRng(Rng::derive(config.seed, "route")) {
    setThreadCount(config.train.threads);
}

StepStats Simulation::step() {
    const TokenBatch batch = m_stream->next(m_step);
    const Matrix target = m_teacher.target(batch);

    RouteContext ctx;
    ctx.training = true;
    ctx.rng = &m_routeRng;
    ctx.seqLen = batch.seqLen;
    const Matrix& y = m_layer.forward(batch.x, ctx);

    // Cooperative objective (ROUTING.md §5) as a mean squared error over tokens and output
    // dimensions: (1 / (T d_out)) sum_t ||y_t - target_t||^2, i.e. the spec's per-token
    // 0.5 ||y - target||^2 scaled by 2 / d_out, so that the balancing-loss coefficients of the
    // papers (1e-2 for Switch aux) weigh the same against a task loss of order 1 whatever d_out.
    const Matrix diff = y - target;
    const auto nValues = static_cast<double>(diff.size());
    const double taskLoss = diff.cast<double>().squaredNorm() / nValues;

    StepStats stats = routingMetrics(m_layer.decision(), batch.domain);
    stats.step = m_step;
    const BalanceLosses losses = m_layer.router().losses();
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

    m_optimizer.zeroGrad();
    m_layer.backward(batch.x, diff * static_cast<Scalar>(2.0 / nValues));
    m_optimizer.step();
    m_layer.router().afterStep();
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
    for (const Parameter* p : m_layer.parameters())
        if (!p->value.allFinite()) throw NonFiniteError(m_step, "parameter " + p->name);
}

}  // namespace moe
