// SPDX-License-Identifier: MIT
#pragma once

#include <tl/expected.hpp>

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

namespace moe::io {

/// One attribute of an HDF5 object, described for a browser.
struct Hdf5Attribute {
    std::string name;
    std::string dtype;             ///< as Hdf5Node::dtype
    std::vector<uint64_t> shape;   ///< empty for a scalar
    std::string preview;           ///< the value(s) on one short line, "..." where cut
    std::string text;              ///< a string attribute's whole value (the scenario); else ""
};

enum class Hdf5NodeKind {
    Group,
    Dataset,
    NamedType,  ///< a committed datatype
    Link,       ///< a soft or external link, shown but not followed
    Other,      ///< an object this reader does not describe
};

/// One object of an HDF5 file and, for a group, everything below it.
struct Hdf5Node {
    std::string name;  ///< the link name; "/" for the root
    std::string path;  ///< absolute, "/layer_0/demand"
    Hdf5NodeKind kind = Hdf5NodeKind::Other;
    // Datasets:
    std::vector<uint64_t> shape;     ///< current extent; empty for a scalar dataspace
    std::vector<uint64_t> maxShape;  ///< kUnlimited where the dataset can grow without bound
    std::string dtype;               ///< "float64", "int32", "uint8", "float16", "string", ...
    std::vector<uint64_t> chunks;    ///< chunk shape; empty when not chunked
    std::string compression;         ///< filters in order, "shuffle, gzip 4"; "" for none
    std::string linkTarget;          ///< Link: where it points ("/x", "file.h5:/x")
    std::string note;                ///< why an object was not described further, if it was not
    std::vector<Hdf5Attribute> attributes;
    std::vector<Hdf5Node> children;  ///< Group: its links in name order

    static constexpr uint64_t kUnlimited = UINT64_MAX;
};

/// Describes every group, dataset and attribute of `path` (no dataset values are read, only
/// attribute values), opened read-only in SWMR read mode so a trace a run is still writing
/// can be browsed. Works on any HDF5 file: soft and external links are listed, not followed;
/// an object reached twice (hard links, cycles) is described once and noted where it recurs;
/// objects HDF5 cannot open are listed with a note. The error names the file (no such file,
/// not HDF5, cannot open).
tl::expected<Hdf5Node, std::string> describeHdf5File(const std::string& path);

/// One line saying what the file is: "moelab trace (schema 1.1, 2 layers, 16 experts, 1000
/// steps)", "dumped token stream (10000 tokens of width 32, with domain labels)" or
/// "HDF5 file" for anything else.
std::string hdf5FileSummary(const Hdf5Node& root);

/// The node at absolute `path` below `root`, or nullptr.
const Hdf5Node* findHdf5Node(const Hdf5Node& root, const std::string& path);

/// Whether a dataset holds numbers a plot can show (integers or floating point).
bool isNumeric(const Hdf5Node& node);

/// Reads the 1-D numeric dataset `dataset` (absolute path) of `path` as doubles. Refuses other
/// ranks and types, and datasets of more than `maxElements` values, naming the dataset.
tl::expected<std::vector<double>, std::string> readNumericVector(const std::string& path,
                                                                 const std::string& dataset,
                                                                 uint64_t maxElements = 50000000);

/// Reads the 2-D numeric dataset `dataset` of `path` as a matrix [rows, columns], with the
/// refusals of readNumericVector.
tl::expected<Eigen::MatrixXd, std::string> readNumericMatrix(const std::string& path,
                                                             const std::string& dataset,
                                                             uint64_t maxElements = 50000000);

}  // namespace moe::io
