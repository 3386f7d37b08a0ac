"""Formatter functions (manual ch. 16.1) on the tables of manual ch. 6.2."""

import numpy as np
import pytest

import workbench as bp
from workbench.errors import ConnectorError

# Manual ch. 6.2.1: the synapses of the example connection matrix.
PRE_IDS = [0, 0, 0, 1, 1, 1, 1, 2]
POST_IDS = [3, 5, 7, 0, 2, 4, 6, 1]


def _lists(rows):
    return [row.tolist() for row in rows]


def test_tables_of_manual_chapter_6_2():
    assert _lists(bp.connect.pre2syn(PRE_IDS)) == [[0, 1, 2], [3, 4, 5, 6], [7]]
    assert _lists(bp.connect.post2syn(POST_IDS)) == [[3], [7], [4], [0], [5], [1], [6], [2]]
    assert _lists(bp.connect.pre2post(PRE_IDS, POST_IDS)) == [[3, 5, 7], [0, 2, 4, 6], [1]]
    assert _lists(bp.connect.post2pre(PRE_IDS, POST_IDS)) == [[1], [2], [1], [0], [1], [0], [1], [0]]
    mat = bp.connect.ij2mat(PRE_IDS, POST_IDS)
    assert mat[:3].tolist() == [[0, 0, 0, 1, 0, 1, 0, 1], [1, 0, 1, 0, 1, 0, 1, 0], [0, 1, 0, 0, 0, 0, 0, 0]]


def test_ij2mat_and_mat2ij_round_trip():
    mat = bp.connect.ij2mat([2, 0], [1, 3], num_pre=4, num_post=5)
    assert mat.shape == (4, 5) and mat.dtype == np.float64 and mat.sum() == 2
    pre_ids, post_ids = bp.connect.mat2ij(mat)
    assert pre_ids.tolist() == [0, 2] and post_ids.tolist() == [3, 1]
    assert pre_ids.dtype == np.int32


def test_rows_keep_input_order_and_sizes_pad_empty_rows():
    rows = bp.connect.pre2post([1, 0, 1], [4, 2, 0], num_pre=3)
    assert _lists(rows) == [[2], [4, 0], []]
    assert rows[2].dtype == np.int32
    assert _lists(bp.connect.pre2syn([1, 0, 1], num_pre=3)) == [[1], [0, 2], []]


def test_slices_come_with_reordered_ids():
    pre_ids, post_ids, slices = bp.connect.pre_slice([2, 0, 2, 1], [0, 1, 2, 3], num_pre=4)
    assert pre_ids.tolist() == [0, 1, 2, 2] and post_ids.tolist() == [1, 3, 0, 2]
    assert slices.tolist() == [[0, 1], [1, 2], [2, 4], [4, 4]]
    pre_ids, post_ids, slices = bp.connect.post_slice([2, 0, 2, 1], [1, 1, 0, 1])
    assert post_ids.tolist() == [0, 1, 1, 1] and pre_ids.tolist() == [2, 2, 0, 1]
    assert slices.tolist() == [[0, 1], [1, 4]]


def test_formatter_errors():
    with pytest.raises(ConnectorError, match="`i` and `j` must have the same length; got 2 and 1"):
        bp.connect.pre2post([0, 1], [0])
    with pytest.raises(ConnectorError, match=r"`i` contains index 5, outside the 3 neurons of `num_pre`=3"):
        bp.connect.ij2mat([5], [0], num_pre=3)
    with pytest.raises(ConnectorError, match=r"`j` contains index -1"):
        bp.connect.post2syn([-1, 0])
    with pytest.raises(ConnectorError, match=r"`conn_mat` must be a 2-D"):
        bp.connect.mat2ij(np.ones(3))
    with pytest.raises(ConnectorError, match=r"`num_post`=-2 must be a non-negative int"):
        bp.connect.post2pre([0], [0], num_post=-2)
