"""Pytrees of the Python front end: tuples, lists, dicts (sorted keys) and None, flattened the way _core.Jit does."""

from .. import _core

__all__ = ['flatten', 'unflatten', 'LEAF', 'leaves_of']

LEAF = '*'
_ArrayBase = _core.ArrayBase


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), '_fields')


def flatten(tree, is_leaf=None):
    """(leaves, treedef): containers are tuple, list, dict (keys sorted, as the C hot path orders them) and None
    (no leaves); everything else is a leaf. treedef is a hashable nested tuple, so two trees have the same
    structure exactly when their treedefs are equal."""
    leaves = []
    return leaves, _flatten(tree, leaves, is_leaf)


def _flatten(x, leaves, is_leaf):
    if x is None:
        return ('N',)
    if isinstance(x, _ArrayBase) or (is_leaf is not None and is_leaf(x)):
        leaves.append(x)
        return LEAF
    if isinstance(x, tuple):
        kind = type(x) if _is_namedtuple(x) else None
        return ('T', kind, tuple(_flatten(c, leaves, is_leaf) for c in x))
    if isinstance(x, list):
        return ('L', tuple(_flatten(c, leaves, is_leaf) for c in x))
    if isinstance(x, dict):
        keys = tuple(sorted(x.keys()))
        return ('D', keys, tuple(_flatten(x[k], leaves, is_leaf) for k in keys))
    leaves.append(x)
    return LEAF


def unflatten(treedef, leaves):
    """The tree of treedef with the given leaves (a sequence, consumed in order)."""
    it = iter(leaves)
    out = _unflatten(treedef, it)
    for _ in it:
        raise ValueError('unflatten: more leaves than the structure holds')
    return out


def _unflatten(d, it):
    if d == LEAF:
        try:
            return next(it)
        except StopIteration:
            raise ValueError('unflatten: fewer leaves than the structure holds') from None
    tag = d[0]
    if tag == 'N':
        return None
    if tag == 'T':
        children = [_unflatten(c, it) for c in d[2]]
        return d[1](*children) if d[1] is not None else tuple(children)
    if tag == 'L':
        return [_unflatten(c, it) for c in d[1]]
    if tag == 'D':
        return {k: _unflatten(c, it) for k, c in zip(d[1], d[2])}
    raise ValueError(f'unflatten: bad structure {d!r}')


def leaves_of(tree):
    return flatten(tree)[0]
