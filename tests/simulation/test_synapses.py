"""A synapse refuses a connector built for other group sizes (it would index past the groups' arrays)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import workbench as bp
from workbench.errors import ConnectorError

MODELS = textwrap.dedent("""
    import numpy as np
    import workbench as bp

    class Counter(bp.NeuGroup):
        def __init__(self, size, **kwargs):
            self.V = np.zeros(size)
            super().__init__(size=size, **kwargs)

        def update(self, _t):
            self.V += 1.0

    class Hits(bp.TwoEndConn):
        # Stores the connector before super().__init__ (the manual's order).
        def __init__(self, pre, post, conn, **kwargs):
            self.conn = conn
            self.pre_ids, self.post_ids = conn.requires('pre_ids', 'post_ids')
            super().__init__(pre=pre, post=post, **kwargs)

        def update(self, _t):
            for i in range(self.pre_ids.size):
                self.post.V[self.post_ids[i]] += self.pre.V[self.pre_ids[i]]

    class LateHits(Hits):
        # Calls super().__init__ first and sets the connector afterwards.
        def __init__(self, pre, post, conn, **kwargs):
            bp.TwoEndConn.__init__(self, pre=pre, post=post, **kwargs)
            self.conn = conn
            self.pre_ids, self.post_ids = conn.requires('pre_ids', 'post_ids')
""")

namespace = {}
exec(compile(MODELS, "<synapse test models>", "exec"), namespace)
Counter, Hits, LateHits = namespace["Counter"], namespace["Hits"], namespace["LateHits"]

MESSAGE = r"was built for 50 pre- and 50 post-synaptic neurons, but the groups have 5 and 5"


def test_connector_for_larger_groups_is_refused_at_construction():
    pre, post = Counter(5), Counter(5)
    with pytest.raises(ConnectorError, match=r"Hits '.*' \(Counter\d+ -> Counter\d+\), `conn`: All2All"):
        Hits(pre, post, bp.connect.All2All()(50, 50))
    with pytest.raises(ValueError, match=MESSAGE):
        Hits(pre, post, bp.connect.All2All()(50, 50))


def test_connector_set_after_super_init_is_refused_when_the_model_is_built(backend):
    syn = LateHits(Counter(5), Counter(5), bp.connect.All2All()(50, 50))
    with pytest.raises(ConnectorError, match=MESSAGE):
        bp.Network(syn.pre, syn.post, syn).run(1.0)
    with pytest.raises(ConnectorError, match=MESSAGE):
        syn.run(1.0)


def test_connector_of_the_groups_sizes_runs(backend):
    pre, post = Counter(5), Counter(5)
    syn = Hits(pre, post, bp.connect.One2One()(5, 5))
    bp.Network(pre, post, syn).run(0.3)
    # Three steps; the pre group counts 1, 2, 3 and the synapse adds it to the post group.
    np.testing.assert_allclose(post.V, 3.0 + 1.0 + 2.0 + 3.0)


@pytest.mark.parametrize("sizes", ["(5, 50_000)", "(50, 50)"])
def test_wrong_sizes_in_a_compiled_run_are_a_clear_error_not_a_signal(sizes, tmp_path):
    # The reports: FixedProb(...)(5, 50_000_000) between groups of 5 crashed the process.
    script = MODELS + textwrap.dedent(f"""
        bp.backend.set('numba', dt=0.1)
        pre, post = Counter(5), Counter(5)
        syn = Hits(pre, post, bp.connect.FixedProb(0.5, seed=1){sizes})
        bp.Network(pre, post, syn).run(1.0)
    """)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([repo, os.environ.get("PYTHONPATH", "")]))
    # From a file, so the steps' source is available and the run would be compiled.
    path = tmp_path / "wrong_sizes.py"
    path.write_text(script)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env,
                          cwd=repo, timeout=120)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "workbench.errors.ConnectorError" in done.stderr
    assert "but the groups have 5 and 5" in done.stderr
