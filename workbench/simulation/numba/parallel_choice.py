"""Whether the parallel twins of ``'numba-parallel'`` run: measured, not assumed.

A parallel region waits at its end for every thread. On a quiet machine that
costs a microsecond or two; when other processes hold the cores, a thread may
wait for a time slice of the scheduler (milliseconds), and a network that
enters six regions per time step then runs several times slower than serially
(measured: 40,000-neuron COBA with another process busy on one of the 2 cores,
150 us per step serially against 230-11,000 us in parallel). So the executor
measures: before a chunk of steps it times :data:`PROBE_STEPS` steps serially
(the twins get one thread), one in parallel (which also wakes the threads: when
it is more than twice slower, parallel loses at once), then :data:`PROBE_STEPS`
more in parallel (both ways give the same numbers), and runs the rest of the
chunk the faster way (the chunk region of ``generator/chunk_region.py`` is timed
over more steps, its fixed cost spread over the chunk: ``CompiledExecutor._probe_region``).
A choice that holds is
probed again after 2, 4, ... up to :data:`MAX_INTERVAL` chunks; a changed one
after the next chunk.
"""

__all__ = ["ParallelChoice", "PROBE_STEPS", "MAX_INTERVAL", "ADAPTIVE"]

#: Steps run each way when probing.
PROBE_STEPS = 3
#: The most chunks between two probes.
MAX_INTERVAL = 32
#: Measure and choose (tests switch it off to run every step through the parallel twins).
ADAPTIVE = True


class ParallelChoice:
    """The choice of one executor, kept across its runs.

    Attributes
    ----------
    parallel : bool
        Whether chunks run their parallel twins with all threads now.
    steps : dict
        ``{True: steps run in parallel, False: steps run serially}``.
    """

    def __init__(self):
        self.parallel = True
        self.steps = {True: 0, False: 0}
        self._interval = 1
        self._until_probe = 0

    def probe_due(self, n_steps):
        """Whether the chunk of ``n_steps`` starts with a probe (counts the chunk otherwise).

        Parameters
        ----------
        n_steps : int

        Returns
        -------
        bool
        """
        if not ADAPTIVE:
            self.parallel = True
            return False
        if self._until_probe > 0 or n_steps < 4 * PROBE_STEPS + 1:
            self._until_probe -= 1
            return False
        return True

    def record(self, parallel_seconds, serial_seconds):
        """Choose after a probe.

        Parameters
        ----------
        parallel_seconds, serial_seconds : float
            Running times of the probe's steps in parallel and serially.
        """
        choice = parallel_seconds <= serial_seconds
        self._interval = min(2 * self._interval, MAX_INTERVAL) if choice == self.parallel else 1
        self.parallel = choice
        self._until_probe = self._interval
