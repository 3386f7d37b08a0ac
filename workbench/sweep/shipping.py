"""Shipping a sweep to worker processes: pickled functions, their source text, global settings.

Workers need three things besides the pickled builder and measure:

* **The global settings** of the driver: backend, default ``dt``, default ODE
  method and numba profile (``bp.backend.set('numba', dt=0.04)``,
  ``bp.integrators.set_default_odeint(...)``, ``bp.backend.set_numba_profile(...)``).
  A fresh worker process starts on the numpy backend with ``dt=0.1``; it switches
  to the driver's settings before it unpickles anything.
* **Functions defined in a notebook or a script** travel *by value*
  (cloudpickle). Their code arrives, but not their source text -- and workbench
  reads source: the simulation compiler rewrites step methods from it, and the
  exponential Euler integrator derives its linear part from it. So the pickler
  ships code objects with their file names and records those files; the source
  lines of the files (from :mod:`linecache`, where Jupyter keeps its cells)
  travel along, and the worker puts them into its own :mod:`linecache` before
  unpickling.
* **Functions from importable modules** travel *by reference* (module and name):
  the module must be importable on the workers (installed, or on their path).

:func:`ship` is the driver's side, :meth:`ShippedSpec.load` the worker's.
"""

import hashlib
import io
import linecache
import marshal
import pickle
import types
import uuid

from ..backend import settings
from ..backend.numba_profile import get_numba_profile
from .errors import SweepError

__all__ = ["ShippedSpec", "ship", "capture_settings", "apply_settings", "pickle_with_sources"]

try:                                   # a dependency of dask.distributed
    import cloudpickle
except ImportError:                    # pragma: no cover - exercised only without dask
    cloudpickle = None


def capture_settings():
    """The driver's global settings a worker must reproduce.

    Returns
    -------
    dict
        ``{'backend': str, 'dt': float, 'odeint': str, 'fastmath': bool}``.
    """
    from ..integrators import get_default_odeint
    return {"backend": settings.get_backend(), "dt": settings.get_dt(),
            "odeint": get_default_odeint(), "fastmath": get_numba_profile()["fastmath"]}


def apply_settings(wanted):
    """Switch this process to the given settings (only what differs).

    Parameters
    ----------
    wanted : dict
        As returned by :func:`capture_settings`.
    """
    from .. import backend
    from ..integrators import get_default_odeint, set_default_odeint
    if settings.get_backend() != wanted["backend"] or settings.get_dt() != wanted["dt"]:
        backend.set(wanted["backend"], dt=wanted["dt"])
    if get_default_odeint() != wanted["odeint"]:
        set_default_odeint(wanted["odeint"])
    backend.set_numba_profile(fastmath=wanted.get("fastmath", False))


if cloudpickle is not None:
    class _SourceRecordingPickler(cloudpickle.Pickler):
        """cloudpickle, but code objects keep their file name; the files are noted.

        cloudpickle (>= 3.1) renames the file of every code object it ships to
        ``'<dynamic-code>'``, so a worker could not find the source of a notebook
        function even with the lines at hand. Code objects go through
        :mod:`marshal` here instead, which keeps ``co_filename`` and
        ``co_firstlineno`` (it needs the same Python version on the workers,
        as cloudpickle's own code reducer does).
        """

        def __init__(self, file, files):
            super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
            self._files = files

        def reducer_override(self, obj):
            if isinstance(obj, types.CodeType):
                self._files.add(obj.co_filename)
                return marshal.loads, (marshal.dumps(obj),)
            return super().reducer_override(obj)


def pickle_with_sources(obj, what):
    """Pickle ``obj`` with cloudpickle; return the bytes and the source lines it needs.

    Parameters
    ----------
    obj : object
    what : str
        What ``obj`` is (``'`build`'``), for the error message.

    Returns
    -------
    payload : bytes
    sources : dict
        ``{filename: lines}`` of the files of functions pickled by value.

    Raises
    ------
    SweepError
        When ``obj`` cannot be pickled (a lock, an open file, a live model...).
    """
    files = set()
    buffer = io.BytesIO()
    try:
        if cloudpickle is None:
            pickle.dump(obj, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        else:
            _SourceRecordingPickler(buffer, files).dump(obj)
    except Exception as exc:
        hint = "" if cloudpickle is not None else \
            " (install cloudpickle -- it comes with dask -- to ship notebook functions)"
        raise SweepError(f"{what} cannot be sent to worker processes: {type(exc).__name__}: "
                         f"{exc}{hint}. Build everything the sweep needs inside the function "
                         f"(models, connectors, open files) instead of capturing it from the "
                         f"notebook, or run with the in-process executor.") from exc
    sources = {}
    for filename in sorted(files):
        lines = linecache.getlines(filename)
        if lines:
            sources[filename] = list(lines)
    return buffer.getvalue(), sources


def install_sources(sources):
    """Make shipped source lines visible to :mod:`inspect` in this process.

    Parameters
    ----------
    sources : dict
        ``{filename: lines}``.
    """
    for filename, lines in sources.items():
        # mtime None: linecache.checkcache() keeps the entry (as for Jupyter cells)
        linecache.cache[filename] = (sum(len(line) for line in lines), None, list(lines), filename)


class ShippedSpec:
    """A sweep specification as workers receive it.

    Parameters
    ----------
    spec : SweepSpec
        The live specification (kept only in the driver's process).
    settings : dict
        :func:`capture_settings` of the driver.
    local : bool, optional
        The spec will only run in this process: when something cannot be
        pickled, key the caches by object identity instead of raising.

    Attributes
    ----------
    key : str
        Hash of everything shipped: workers cache the unpickled spec under it.
    model_key : str
        Hash of the builder and the settings: workers cache built models under
        it, so sweeps with another measure reuse the compiled model.
    run_id : str
        Unique per run: a worker restores a cached model's built state when it
        starts on a new run (so even ``reset=False`` does not continue from
        another run).
    """

    def __init__(self, spec, settings_, local=False):
        settings_text = repr(sorted(settings_.items())).encode()
        try:
            build_payload, build_sources = pickle_with_sources(spec.build, "`build`")
            payload, sources = pickle_with_sources(spec, "The sweep (`measure`, `apply`, "
                                                         "`inputs`)")
        except SweepError:
            if not local:
                raise
            build_payload = f"id:{id(spec.build)}".encode()
            payload, sources = f"id:{id(spec)}".encode(), {}
        else:
            sources.update(build_sources)
        self.model_key = hashlib.sha1(build_payload + b"\0" + settings_text).hexdigest()
        self.key = hashlib.sha1(payload + b"\0" + settings_text).hexdigest()
        self.settings = dict(settings_)
        self.run_id = uuid.uuid4().hex
        self.sources = sources
        self.payload = payload
        self._spec = spec

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_spec"] = None
        return state

    def load(self, cache):
        """The live spec: the driver's object, or unpickled once per worker process.

        Parameters
        ----------
        cache : dict
            The worker's ``{key: spec}`` cache.

        Returns
        -------
        SweepSpec
        """
        apply_settings(self.settings)
        if self._spec is not None:
            return self._spec
        spec = cache.get(self.key)
        if spec is None:
            install_sources(self.sources)
            spec = pickle.loads(self.payload)
            cache.clear()               # one sweep at a time per process: drop older specs
            cache[self.key] = spec
        return spec


def ship(spec, local=False):
    """Prepare a spec for workers (raises early when something cannot be pickled).

    Parameters
    ----------
    spec : SweepSpec
    local : bool, optional
        Only this process will run it (see :class:`ShippedSpec`).

    Returns
    -------
    ShippedSpec
    """
    return ShippedSpec(spec, capture_settings(), local=local)
