"""Discovering the variables of an OPC UA server, level by level in batched requests.

Browsing node by node costs one round trip per node, which is what makes large address spaces
slow in many tools. Here each level of the tree is browsed with one Browse request per
``batch`` nodes (continuation points followed with BrowseNext), and the data types of all the
variables found are read in batched Read requests at the end. Forward hierarchical references
are followed (Organizes, HasComponent, HasProperty, ...), each node once. Nodes of namespace 0
(the server's own diagnostics) are skipped unless ``include_standard``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from asyncua import ua
from asyncua.client.client import Client
from asyncua.ua.attribute_ids import AttributeIds
from asyncua.ua.object_ids import ObjectIdNames, ObjectIds

__all__ = ["FoundVariable", "browse_variables"]

_FORWARD_HIERARCHICAL = ua.NodeId(ua.Int32(ObjectIds.HierarchicalReferences))
_MASK = ua.NodeClass.Object | ua.NodeClass.Variable
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class FoundVariable:
    """A variable found by browsing: its node id, browse path from the root and data type."""

    node_id: str
    path: str
    data_type: str


def _chunks(items: Sequence[_T], size: int) -> list[Sequence[_T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def _browse_level(
    client: Client, nodes: Sequence[ua.NodeId], batch: int
) -> list[list[ua.ReferenceDescription]]:
    """The forward hierarchical references of each node, in order."""
    out: list[list[ua.ReferenceDescription]] = []
    for chunk in _chunks(nodes, batch):
        params = ua.BrowseParameters()
        params.View = ua.ViewDescription()
        params.RequestedMaxReferencesPerNode = 0
        for node in chunk:
            desc = ua.BrowseDescription()
            desc.NodeId = node
            desc.BrowseDirection = ua.BrowseDirection.Forward
            desc.ReferenceTypeId = _FORWARD_HIERARCHICAL
            desc.IncludeSubtypes = True
            desc.NodeClassMask = int(_MASK)
            desc.ResultMask = int(ua.BrowseResultMask.All)
            params.NodesToBrowse.append(desc)
        for result in await client.uaclient.browse(params):
            refs = list(result.References or [])
            point = result.ContinuationPoint
            while point:
                nxt = ua.BrowseNextParameters()
                nxt.ContinuationPoints = [point]
                (more,) = await client.uaclient.browse_next(nxt)
                refs.extend(more.References or [])
                point = more.ContinuationPoint
            out.append(refs if result.StatusCode is None or result.StatusCode.is_good() else [])
    return out


async def _read_attribute(
    client: Client, nodes: Sequence[ua.NodeId], attribute: AttributeIds, batch: int
) -> list[ua.DataValue]:
    out: list[ua.DataValue] = []
    for chunk in _chunks(nodes, batch):
        params = ua.ReadParameters()
        for node in chunk:
            rv = ua.ReadValueId()
            rv.NodeId = node
            rv.AttributeId = attribute
            params.NodesToRead.append(rv)
        out.extend(await client.uaclient.read(params))
    return out


async def _type_names(client: Client, types: set[ua.NodeId], batch: int) -> dict[ua.NodeId, str]:
    names: dict[ua.NodeId, str] = {}
    custom: list[ua.NodeId] = []
    for t in types:
        if t.NamespaceIndex == 0 and isinstance(t.Identifier, int):
            name = ObjectIdNames.get(t.Identifier)
            if name is not None:
                names[t] = name
                continue
        custom.append(t)
    type_names = await _read_attribute(client, custom, AttributeIds.BrowseName, batch)
    for t, dv in zip(custom, type_names, strict=True):
        value = dv.Value.Value if dv.Value is not None else None
        names[t] = value.Name if isinstance(value, ua.QualifiedName) else t.to_string()
    return names


async def browse_variables(
    client: Client,
    root: ua.NodeId,
    *,
    depth: int,
    include_standard: bool = False,
    batch: int = 500,
) -> list[FoundVariable]:
    """Every variable under ``root`` down to ``depth`` levels, sorted by browse path."""
    seen: set[ua.NodeId] = {root}
    level: list[tuple[ua.NodeId, str]] = [(root, "")]
    found: list[tuple[ua.NodeId, str]] = []
    for _ in range(depth):
        if not level:
            break
        refs_of = await _browse_level(client, [n for n, _ in level], batch)
        following: list[tuple[ua.NodeId, str]] = []
        for (_, parent), refs in zip(level, refs_of, strict=True):
            for ref in refs:
                node = ref.NodeId
                if node in seen or (node.NamespaceIndex == 0 and not include_standard):
                    continue
                seen.add(node)
                path = f"{parent}/{ref.BrowseName.Name}" if parent else str(ref.BrowseName.Name)
                if ref.NodeClass == ua.NodeClass.Variable:
                    found.append((node, path))
                following.append((node, path))
        level = following
    nodes = [n for n, _ in found]
    type_values = await _read_attribute(client, nodes, AttributeIds.DataType, batch)
    type_ids = [
        dv.Value.Value if dv.Value is not None and isinstance(dv.Value.Value, ua.NodeId) else None
        for dv in type_values
    ]
    names = await _type_names(client, {t for t in type_ids if t is not None}, batch)
    result = [
        FoundVariable(node.to_string(), path, names.get(t, "") if t is not None else "")
        for (node, path), t in zip(found, type_ids, strict=True)
    ]
    return sorted(result, key=lambda v: v.path)
