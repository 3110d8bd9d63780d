// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moe::import {

/// One array to import: a .npy file, or one array of a .npz archive, in a dumped-stream role.
struct ArrayInput {
    std::string role;    ///< tokens | logits | router_weight | domain | token_id
    std::string path;    ///< the .npy or .npz file
    std::string member;  ///< the array inside a .npz; empty for a .npy
};

/// The dumped-stream role an array name stands for ("hidden_states" -> "tokens"), or "" if the
/// name is none of the roles or their usual aliases (docs/import.md lists them).
std::string roleForName(const std::string& name);

/// Turns command-line arguments `[ROLE=]FILE.npy` and `[ROLE=]FILE.npz[:ARRAY]` into inputs:
/// a .npy without ROLE takes the role of its file name (logits.npy); a .npz without ARRAY gives
/// every array whose name is a role (others are listed in `skipped`). Throws BadInput for an
/// unknown role, a file that is neither .npy nor .npz, or a role given twice.
std::vector<ArrayInput> resolveArrayInputs(const std::vector<std::string>& arguments,
                                           std::vector<std::string>& skipped);

struct ArrayImportOptions {
    std::vector<ArrayInput> inputs;
    std::string out;           ///< the dumped-stream file to write
    bool overwrite = false;
    int64_t width = 0;         ///< expected d, or 0 to take it from the arrays
    int64_t experts = 0;       ///< expected E, or 0 to take it from the arrays
    std::string sourceModel;   ///< written as @source_model when not empty
    int64_t layer = -1;        ///< written as @layer when >= 0
};

struct ArrayImportResult {
    int64_t rows = 0;     ///< N
    int64_t width = 0;    ///< d, or 0 without tokens and router weight
    int64_t experts = 0;  ///< E, or 0 without logits and router weight
    std::vector<std::string> notes;  ///< what was converted or inferred, one line each
};

/// Writes the arrays into a dumped-stream file (docs/dumped-stream.md): float arrays (float16,
/// float32, float64, or bfloat16 stored as 16-bit integers) as float32, labels as int32.
/// Arrays with more than two axes ([batch, seq, d]) are flattened to rows; a router weight
/// saved as PyTorch's [E, d] is transposed to [d, E]. Checks that every array has the same N,
/// that d and E agree between arrays and with the expected values, that labels are in range
/// and floats finite. Throws BadInput for inputs that fail a check (the output is then not
/// created), std::runtime_error when the output cannot be written.
ArrayImportResult importArrays(const ArrayImportOptions& options);

}  // namespace moe::import
