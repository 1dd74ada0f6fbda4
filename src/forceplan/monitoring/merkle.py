"""Merkle tree hashes and proofs in the manner of RFC 6962 (Certificate Transparency), section 2.1.

    leaf hash  = SHA-256(0x00 ‖ leaf data)
    node hash  = SHA-256(0x01 ‖ left ‖ right)
    MTH(D[n])  = SHA-256() for n = 0; the leaf hash for n = 1; otherwise, with k the largest power of two < n,
                 SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))

Inclusion (audit) paths and consistency proofs follow RFC 6962 §2.1.1–2.1.2; the verifiers follow RFC 9162
§2.1.3.2 and §2.1.4.2.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import overload


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n ≥ 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def root_from_leaves(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, computed bottom-up in O(n) (equal to the recursive definition)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    # RFC 6962's tree is left-complete: pairing adjacent nodes level by level and carrying an odd last node up
    # gives the same root as the recursive split at the largest power of two.
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def _mth(leaves: Sequence[bytes]) -> bytes:
    return root_from_leaves(leaves)


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf ``index`` in the tree of ``leaves``."""
    n = len(leaves)
    if not 0 <= index < n:
        raise IndexError(f"leaf {index} is not in a tree of {n}")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_path(index, leaves[:k]), _mth(leaves[k:])]
    return [*inclusion_path(index - k, leaves[k:]), _mth(leaves[:k])]


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``path`` prove leaf hash ``leaf`` at ``index`` in the tree of ``size`` with ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_proof(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): proof that the tree of the first ``m`` leaves is a prefix of the tree of all ``leaves``."""
    n = len(leaves)
    if not 0 < m <= n:
        raise ValueError(f"no consistency proof from size {m} to size {n}")

    def subproof(m: int, d: Sequence[bytes], complete: bool) -> list[bytes]:
        n = len(d)
        if m == n:
            return [] if complete else [_mth(d)]
        k = _split(n)
        if m <= k:
            return [*subproof(m, d[:k], complete), _mth(d[k:])]
        return [*subproof(m - k, d[k:], False), _mth(d[:k])]

    return subproof(m, leaves, True)


def verify_consistency(m: int, n: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: does ``proof`` show the tree of size m (``old_root``) is a prefix of size n?"""
    if m == n:
        return old_root == new_root and not proof
    if not 0 < m < n or not proof:
        return False
    path = list(proof)
    if m & (m - 1) == 0:  # m a power of two: the old root is the first node of the path
        path = [old_root, *path]
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class Frontier:
    """The roots of the perfect subtrees of a growing tree (sizes in decreasing powers of two): appending a leaf
    costs O(log n) and the RFC 6962 root is their right-to-left fold."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, bytes]] = []
        self.size = 0

    def add(self, leaf: bytes) -> None:
        self.stack.append((1, leaf))
        self.size += 1
        while len(self.stack) >= 2 and self.stack[-1][0] == self.stack[-2][0]:
            (n, right), (_, left) = self.stack.pop(), self.stack.pop()
            self.stack.append((2 * n, node_hash(left, right)))

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        r = self.stack[-1][1]
        for _, h in reversed(self.stack[:-1]):
            r = node_hash(h, r)
        return r


class LeafHashes(Sequence[bytes]):
    """Leaf hashes packed in one bytearray (32 bytes each): a million-record log holds 32 MB of hashes and no
    per-leaf Python object for the garbage collector to walk, so appends keep their rate as the log grows."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def __len__(self) -> int:
        return len(self._buf) // 32

    @overload
    def __getitem__(self, i: int) -> bytes: ...

    @overload
    def __getitem__(self, i: slice) -> list[bytes]: ...

    def __getitem__(self, i: int | slice) -> bytes | list[bytes]:
        n = len(self)
        if isinstance(i, slice):
            start, stop, step = i.indices(n)
            if step != 1:
                return [self[k] for k in range(start, stop, step)]
            b = bytes(self._buf[32 * start : 32 * stop])
            return [b[k : k + 32] for k in range(0, len(b), 32)]
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        return bytes(self._buf[32 * i : 32 * i + 32])

    def append(self, h: bytes) -> None:
        self._buf += h

    def extend(self, hs: Iterable[bytes]) -> None:
        for h in hs:
            self._buf += h
