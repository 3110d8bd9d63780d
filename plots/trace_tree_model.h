// SPDX-License-Identifier: MIT
#pragma once

#include "core/io/hdf5_catalog.h"

#include <QAbstractItemModel>

#include <vector>

namespace moe::plots {

/// The groups, datasets and attributes of one HDF5 file (io::describeHdf5File) as a tree for a
/// QTreeView: one top-level row for the root "/", under every object first its attributes (rows
/// named "@name"), then its links in name order. Read-only.
class TraceTreeModel : public QAbstractItemModel {
    Q_OBJECT

public:
    enum Column { Name, Kind, Shape, Type, Chunks, Compression, Value, ColumnCount };
    enum Role {
        /// The absolute path of the object (of the owner, for an attribute row): QString.
        PathRole = Qt::UserRole + 1,
        /// True for a numeric dataset of rank 1 or 2 with values: one a double-click can plot.
        PlottableRole,
        /// True for an attribute row.
        IsAttributeRole,
    };

    explicit TraceTreeModel(QObject* parent = nullptr);

    /// Shows `root` (a copy is kept); an empty model before the first call.
    void setFile(io::Hdf5Node root);
    const io::Hdf5Node& root() const { return m_root; }

    /// The object of a row, or nullptr for an attribute row or an invalid index.
    const io::Hdf5Node* nodeAt(const QModelIndex& index) const;
    /// The attribute of an attribute row, or nullptr.
    const io::Hdf5Attribute* attributeAt(const QModelIndex& index) const;
    /// The row of the object at absolute `path` ("/layer_0/demand"), or an invalid index.
    QModelIndex indexOfPath(const QString& path) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;

private:
    /// One row: an object or an attribute, with its place in the tree.
    struct Item {
        int parent = -1;  ///< item index; -1 for the root row
        int row = 0;      ///< position under its parent
        const io::Hdf5Node* node = nullptr;
        const io::Hdf5Attribute* attribute = nullptr;
        std::vector<int> children;
    };

    int addItems(const io::Hdf5Node& node, int parent, int row);
    const Item* itemAt(const QModelIndex& index) const;
    QString text(const Item& item, int column) const;

    io::Hdf5Node m_root;
    std::vector<Item> m_items;  ///< m_items[0] is the root row once a file is set
};

/// "[25, 4]", "scalar" for an empty shape; "∞" for an unlimited extent.
QString shapeText(const std::vector<uint64_t>& shape);

}  // namespace moe::plots
