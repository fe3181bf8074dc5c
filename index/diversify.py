"""Result-list shaping after ranking: collapse copies, then interleave groups.

multilingual-e5 ranks passages in the query's language above translations of the right
answer, so an English query fills the page with English. Interleaving by language or
jurisdiction (round robin, groups ordered by their best score) shows the best of each."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")


def interleave(items: Sequence[T], group: Callable[[T], Hashable]) -> list[T]:
    """Round robin over groups in order of first appearance; each group keeps its own order."""
    queues: OrderedDict[Hashable, list[T]] = OrderedDict()
    for item in items:
        queues.setdefault(group(item), []).append(item)
    out: list[T] = []
    while queues:
        for key in list(queues):
            out.append(queues[key].pop(0))
            if not queues[key]:
                del queues[key]
    return out


def collapse(items: Sequence[T], key: Callable[[T], Hashable]) -> list[tuple[T, list[T]]]:
    """Keep the first item of each key; the later ones are listed under it."""
    kept: OrderedDict[Hashable, tuple[T, list[T]]] = OrderedDict()
    for item in items:
        k = key(item)
        if k in kept:
            kept[k][1].append(item)
        else:
            kept[k] = (item, [])
    return list(kept.values())
