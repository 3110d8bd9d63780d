// SPDX-License-Identifier: MIT
#include "plots/trace_tree_model.h"

#include <utility>

namespace moe::plots {
namespace {

QString kindText(const io::Hdf5Node& node) {
    switch (node.kind) {
        case io::Hdf5NodeKind::Group:
            return QStringLiteral("group");
        case io::Hdf5NodeKind::Dataset:
            return QStringLiteral("dataset");
        case io::Hdf5NodeKind::NamedType:
            return QStringLiteral("named type");
        case io::Hdf5NodeKind::Link:
            return QStringLiteral("link");
        case io::Hdf5NodeKind::Other:
            break;
    }
    return QStringLiteral("other");
}

bool plottable(const io::Hdf5Node& node) {
    if (!io::isNumeric(node) || node.shape.empty() || node.shape.size() > 2) return false;
    for (const uint64_t extent : node.shape)
        if (extent == 0) return false;
    return true;
}

}  // namespace

QString shapeText(const std::vector<uint64_t>& shape) {
    if (shape.empty()) return QStringLiteral("scalar");
    QStringList parts;
    for (const uint64_t extent : shape)
        parts << (extent == io::Hdf5Node::kUnlimited ? QStringLiteral("∞")
                                                     : QString::number(extent));
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

TraceTreeModel::TraceTreeModel(QObject* parent) : QAbstractItemModel(parent) {}

void TraceTreeModel::setFile(io::Hdf5Node root) {
    beginResetModel();
    m_items.clear();
    m_root = std::move(root);
    addItems(m_root, -1, 0);
    endResetModel();
}

int TraceTreeModel::addItems(const io::Hdf5Node& node, int parent, int row) {
    const auto self = static_cast<int>(m_items.size());
    m_items.push_back({parent, row, &node, nullptr, {}});
    int childRow = 0;
    for (const io::Hdf5Attribute& attribute : node.attributes) {
        const auto index = static_cast<int>(m_items.size());
        m_items.push_back({self, childRow++, nullptr, &attribute, {}});
        m_items[static_cast<size_t>(self)].children.push_back(index);
    }
    for (const io::Hdf5Node& child : node.children) {
        const int index = addItems(child, self, childRow++);
        m_items[static_cast<size_t>(self)].children.push_back(index);
    }
    return self;
}

const TraceTreeModel::Item* TraceTreeModel::itemAt(const QModelIndex& index) const {
    if (!index.isValid() || index.model() != this) return nullptr;
    return &m_items[static_cast<size_t>(index.internalId())];
}

const io::Hdf5Node* TraceTreeModel::nodeAt(const QModelIndex& index) const {
    const Item* item = itemAt(index);
    return item != nullptr ? item->node : nullptr;
}

const io::Hdf5Attribute* TraceTreeModel::attributeAt(const QModelIndex& index) const {
    const Item* item = itemAt(index);
    return item != nullptr ? item->attribute : nullptr;
}

QModelIndex TraceTreeModel::indexOfPath(const QString& path) const {
    for (size_t i = 0; i < m_items.size(); ++i) {
        const Item& item = m_items[i];
        if (item.node != nullptr && QString::fromStdString(item.node->path) == path)
            return createIndex(item.row, 0, static_cast<quintptr>(i));
    }
    return {};
}

QModelIndex TraceTreeModel::index(int row, int column, const QModelIndex& parent) const {
    if (row < 0 || column < 0 || column >= ColumnCount) return {};
    if (!parent.isValid()) {
        if (m_items.empty() || row != 0) return {};
        return createIndex(0, column, quintptr{0});
    }
    const Item* item = itemAt(parent);
    if (item == nullptr || parent.column() != 0 || row >= static_cast<int>(item->children.size()))
        return {};
    return createIndex(row, column,
                       static_cast<quintptr>(item->children[static_cast<size_t>(row)]));
}

QModelIndex TraceTreeModel::parent(const QModelIndex& child) const {
    const Item* item = itemAt(child);
    if (item == nullptr || item->parent < 0) return {};
    const Item& parentItem = m_items[static_cast<size_t>(item->parent)];
    return createIndex(parentItem.row, 0, static_cast<quintptr>(item->parent));
}

int TraceTreeModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid()) return m_items.empty() ? 0 : 1;
    if (parent.column() != 0) return 0;
    const Item* item = itemAt(parent);
    return item != nullptr ? static_cast<int>(item->children.size()) : 0;
}

int TraceTreeModel::columnCount(const QModelIndex&) const {
    return ColumnCount;
}

QString TraceTreeModel::text(const Item& item, int column) const {
    if (item.attribute != nullptr) {
        const io::Hdf5Attribute& attribute = *item.attribute;
        switch (column) {
            case Name:
                return QLatin1Char('@') + QString::fromStdString(attribute.name);
            case Kind:
                return QStringLiteral("attribute");
            case Shape:
                return shapeText(attribute.shape);
            case Type:
                return QString::fromStdString(attribute.dtype);
            case Value:
                return QString::fromStdString(attribute.preview);
            default:
                return {};
        }
    }
    const io::Hdf5Node& node = *item.node;
    const bool dataset = node.kind == io::Hdf5NodeKind::Dataset;
    switch (column) {
        case Name:
            return QString::fromStdString(node.name);
        case Kind:
            return kindText(node);
        case Shape:
            return dataset ? shapeText(node.shape) : QString();
        case Type:
            return QString::fromStdString(node.dtype);
        case Chunks:
            return node.chunks.empty() ? QString() : shapeText(node.chunks);
        case Compression:
            return QString::fromStdString(node.compression);
        case Value:
            if (node.kind == io::Hdf5NodeKind::Link)
                return QStringLiteral("→ ") + QString::fromStdString(node.linkTarget);
            return QString::fromStdString(node.note);
        default:
            return {};
    }
}

QVariant TraceTreeModel::data(const QModelIndex& index, int role) const {
    const Item* item = itemAt(index);
    if (item == nullptr) return {};
    const io::Hdf5Node* owner =
        item->node != nullptr ? item->node : m_items[static_cast<size_t>(item->parent)].node;
    switch (role) {
        case Qt::DisplayRole:
            return text(*item, index.column());
        case Qt::ToolTipRole:
            if (item->attribute != nullptr && !item->attribute->text.empty())
                return QString::fromStdString(item->attribute->text);
            if (item->node != nullptr && !item->node->maxShape.empty())
                return QStringLiteral("%1\nshape %2, can grow to %3")
                    .arg(QString::fromStdString(item->node->path), shapeText(item->node->shape),
                         shapeText(item->node->maxShape));
            return QString::fromStdString(owner->path);
        case PathRole:
            return QString::fromStdString(owner->path);
        case PlottableRole:
            return item->node != nullptr && plottable(*item->node);
        case IsAttributeRole:
            return item->attribute != nullptr;
        default:
            return {};
    }
}

QVariant TraceTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Name:
            return QStringLiteral("Name");
        case Kind:
            return QStringLiteral("Kind");
        case Shape:
            return QStringLiteral("Shape");
        case Type:
            return QStringLiteral("Type");
        case Chunks:
            return QStringLiteral("Chunks");
        case Compression:
            return QStringLiteral("Compression");
        case Value:
            return QStringLiteral("Value");
        default:
            return {};
    }
}

Qt::ItemFlags TraceTreeModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    Qt::ItemFlags result = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (rowCount(index) == 0) result |= Qt::ItemNeverHasChildren;
    return result;
}

}  // namespace moe::plots
