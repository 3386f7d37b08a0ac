"""Slow, obviously correct references for the connectivity tests (pure Python loops)."""

import numpy as np


def structures_from_pairs(pairs, num_pre, num_post):
    """Every order-independent structure from a set of (pre, post) pairs, by loops."""
    mat = np.zeros((num_pre, num_post))
    pre2post = [[] for _ in range(num_pre)]
    post2pre = [[] for _ in range(num_post)]
    for i, j in sorted(pairs):
        mat[i, j] = 1.0
        pre2post[i].append(j)
    for i, j in sorted(pairs, key=lambda p: (p[1], p[0])):
        post2pre[j].append(i)
    return mat, pre2post, post2pre


def grid_positions(shape, normalize):
    """(row, col) coordinates of every neuron of a 1-D or 2-D geometry."""
    height, width = (1, shape[0]) if len(shape) == 1 else shape
    out = []
    for r in range(height):
        for c in range(width):
            if normalize:
                out.append((r / (height - 1) if height > 1 else 0.0, c / (width - 1) if width > 1 else 0.0))
            else:
                out.append((float(r), float(c)))
    return out


def grid_neighbours(shape, reach, metric, include_self):
    """Pairs of a grid within ``reach`` (metric 'manhattan' or 'chebyshev'), by loops."""
    height, width = (1, shape[0]) if len(shape) == 1 else shape
    pairs = set()
    for a in range(height * width):
        for b in range(height * width):
            dr, dc = abs(a // width - b // width), abs(a % width - b % width)
            dist = dr + dc if metric == "manhattan" else max(dr, dc)
            if (a == b and include_self) or (a != b and dist <= reach):
                pairs.add((a, b))
    return pairs


def clustering(pre2post):
    """Average local clustering coefficient of an undirected graph given as neighbour lists."""
    neighbours = [set(int(x) for x in row) for row in pre2post]
    values = []
    for i, nbrs in enumerate(neighbours):
        nbrs = nbrs - {i}
        k = len(nbrs)
        if k < 2:
            values.append(0.0)
            continue
        links = sum(1 for a in nbrs for b in nbrs if a < b and b in neighbours[a])
        values.append(2.0 * links / (k * (k - 1)))
    return float(np.mean(values))
