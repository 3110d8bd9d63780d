// SPDX-License-Identifier: MIT
#include <fmt/core.h>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "core/config/options.h"

namespace moe::app {

int helpCommand(const std::vector<std::string>& args) {
    if (!args.empty() && args[0] == "options") {
        fmt::print("{}", formatOptionsHelp());
        return kExitOk;
    }
    if (!args.empty()) {
        fmt::print(stderr, "moelab help: unknown topic '{}'; topics: options\n", args[0]);
        return kExitBadInput;
    }
    fmt::print(
        "moelab {}: Mixture-of-Experts routing simulator\n\n"
        "usage:\n"
        "  moelab run SCENARIO.ini [--section.key=value ...] [--out TRACE.h5] [--force] [--quiet]\n"
        "      train one scenario and write its trace (HDF5) as TRACE.h5.partial, renamed to\n"
        "      TRACE.h5 when every step has run; an existing TRACE.h5 or .partial is kept unless\n"
        "      --force; exit 0 ok, 1 runtime failure, 2 bad input or unwritable output,\n"
        "      130 interrupted (the partial trace is closed and keeps every step so far)\n"
        "  moelab sweep SCENARIO.ini --vary KEY=V1,V2,... [--vary ...] [--seeds N] [--jobs N]\n"
        "              --out DIR [--section.key=value ...] [--force] [--quiet]\n"
        "      run the cartesian product of the --vary values (the last --vary fastest), seeds\n"
        "      seed .. seed+N-1 each, --jobs at once (default: all cores; each run on one thread,\n"
        "      results do not depend on either); DIR/<key-value>_..._seed<S>.h5 per run and\n"
        "      DIR/summary.csv: final (last step) and worst (max over steps) drop fraction,\n"
        "      load CV, collapse, dead experts, final and best specialization, final task loss,\n"
        "      wall time; with N > 1 also summary_by_point.csv (mean and sample std, n-1, over\n"
        "      the seeds that ran ok). Rerunning skips complete runs and reruns unfinished\n"
        "      ones (.h5.partial); a trace without its .done record is kept unless --force,\n"
        "      which reruns all.\n"
        "      exit 0 ok, 1 a run failed (NaN: status column), 2 bad input (nothing runs),\n"
        "      130 interrupted (running traces closed, summary of what completed)\n"
        "  moelab route INPUT.h5 --out OUTPUT.h5 [--force] [SCENARIO.ini] [--section.key=value ...]\n"
        "      route one dumped batch (/logits [T, E], or /tokens [T, d] with /router_weight\n"
        "      [d, E]; optional /domain [T]) without training and write /combine, /dispatch,\n"
        "      /choice, /kept and the step metrics; router.kind token_choice | noisy_topk |\n"
        "      expert_choice, or soft_moe with /tokens and /phi (see docs/route.md);\n"
        "      E (and d) come from the data; seed sets second-expert sampling draws;\n"
        "      exit 0 ok, 1 I/O failure, 2 bad input; with --replay, a stream with /logits and\n"
        "      /step per row (moelab import megatron --dumped) is routed record by record and\n"
        "      written as a trace, one row per step, to compare with the imported one\n"
        "  moelab inspect TRACE.h5 [--step N] [--metric NAME] [--csv] [--scenario] [--layer L]\n"
        "      summary of a trace (scenario, schema, steps, first/final/worst of each metric),\n"
        "      or one metric per step, or every metric at one step; --csv for CSV on stdout;\n"
        "      reads a trace while its run is still writing it; exit 0 ok, 2 bad input\n"
        "  moelab inspect TRACE.h5 --experts | --text STEP [--tokens N] [--layer L]\n"
        "      from the per-token snapshots: each expert's top words and domains, or a\n"
        "      passage with every word tagged (coloured on a terminal) by its expert\n"
        "  moelab plot TRACE.h5 [MORE.h5 ...] --out FIG.png|FIG.svg|FIG.pdf\n"
        "              [--kind load|drops|collapse|loss|all]\n"
        "              [--width W --height H] [--layer L]\n"
        "      draw a trace's plots without a display: expert load heatmap, drops, collapse\n"
        "      indicators, losses, or all four (the default); with several traces, a comparison:\n"
        "      their curves overlaid (one colour per run) and their heatmaps side by side;\n"
        "      exit 0 ok, 2 bad input\n"
        "  moelab import megatron DIR|FILE.jsonl... --out TRACE.h5 [--experts E]\n"
        "              [--capacity-factor CF] [--priority position|token] [--dumped STREAM.h5]\n"
        "      Megatron-LM routing traces (router_trace_rank*.jsonl, all ranks) into a trace:\n"
        "      demand, load and drops per layer and step; sidecars into a dumped stream\n"
        "  moelab import npy [ROLE=]FILE.npy|FILE.npz[:ARRAY]... --out STREAM.h5 [--width D]\n"
        "              [--experts E]\n"
        "      NumPy arrays (float16/32/64, bfloat16 as 16-bit ints) into a dumped stream for\n"
        "      run and route (see docs/import.md); exit 0 ok, 1 write failure, 2 bad input\n"
        "  moelab help options\n"
        "      every scenario option with its default, accepted values and meaning\n",
        MOELAB_VERSION);
    return kExitOk;
}

}  // namespace moe::app
