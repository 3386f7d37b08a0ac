"""The one place where numba is configured, and the compilation counter.

Every compiled function of workbench goes through :func:`jit`, so that

* compilation flags (cache, fastmath, parallel, nogil) come from one place
  (:data:`JIT_OPTIONS`);
* :func:`jit_compilations` can report how many functions the engine has
  compiled (or loaded from numba's disk cache) in this process. Tests and the
  widget panels use it to prove that a repeat run or a slider move compiled
  nothing.

Generated source code is executed through :func:`load_generated_module`, which
writes it to a file in :func:`cache_dir` first: numba can only cache functions
that live in a file, and a file named by the hash of everything that shapes
the compiled code cannot serve a stale result.
"""

import hashlib
import importlib.util
import os
import sys
import threading
import weakref

import numba
from numba.core import event as _numba_event

__all__ = ["JIT_OPTIONS", "jit", "jit_compilations", "jit_stats", "cache_dir",
           "load_generated_module", "is_jit_disabled", "register_compilation_counter"]

#: Default options of every workbench kernel. ``cache`` keeps compiled machine
#: code on disk so a second process starts fast; ``nogil`` lets widget threads
#: and Dask workers run kernels concurrently. ``fastmath`` stays off: results
#: must match the numpy backend bit-for-bit where the operations are the same.
JIT_OPTIONS = {"cache": True, "nogil": True, "fastmath": False}

_lock = threading.Lock()
_owned = weakref.WeakSet()      # dispatchers created through jit()
_compile_events = [0]           # fresh compilations of owned dispatchers
_other_counters = {}            # name -> callable: compilations by other compilers (JAX)


class _CompileListener(_numba_event.Listener):
    """Counts numba:compile events that belong to workbench dispatchers."""

    def on_start(self, ev):
        pass

    def on_end(self, ev):
        dispatcher = (ev.data or {}).get("dispatcher")
        if dispatcher is not None and dispatcher in _owned:
            with _lock:
                _compile_events[0] += 1


_numba_event.register("numba:compile", _CompileListener())


def is_jit_disabled():
    """Return True when numba is switched off (``NUMBA_DISABLE_JIT=1``).

    Returns
    -------
    bool
        Whether :func:`jit` returns plain Python functions.
    """
    return bool(numba.config.DISABLE_JIT)


def jit(func=None, **options):
    """Compile ``func`` with numba in nopython mode using :data:`JIT_OPTIONS`.

    Parameters
    ----------
    func : callable, optional
        The function to compile. When omitted, a decorator is returned.
    **options
        Overrides of :data:`JIT_OPTIONS` (for example ``parallel=True``).

    Returns
    -------
    numba.core.registry.CPUDispatcher or callable
        The dispatcher (or the function itself when numba is disabled), which
        is counted by :func:`jit_compilations`.

    Examples
    --------
    >>> from workbench.backend.jit import jit
    >>> def add(a, b):
    ...     return a + b
    >>> add = jit(add, cache=False)    # a function typed at a prompt has no file to cache in
    >>> add(1.0, 2.0)
    3.0
    """
    opts = dict(JIT_OPTIONS)
    opts.update(options)

    def decorate(f):
        dispatcher = numba.njit(**opts)(f)
        if isinstance(dispatcher, numba.core.dispatcher.Dispatcher):
            _owned.add(dispatcher)
        return dispatcher

    if func is None:
        return decorate
    return decorate(func)


def register_compilation_counter(name, counter):
    """Count another compiler's compilations in :func:`jit_compilations`.

    Parameters
    ----------
    name : str
        The key under which :func:`jit_stats` reports the count (e.g. ``'jax'``).
    counter : callable
        Returns the number of compilations so far in this process.
    """
    _other_counters[name] = counter


def jit_stats():
    """Compilation statistics of workbench's compiled functions in this process.

    Returns
    -------
    dict
        ``{'compiled': n, 'cache_loads': m, 'total': ...}`` where ``compiled``
        counts fresh numba compilations and ``cache_loads`` counts machine code
        loaded from numba's disk cache; compilers registered with
        :func:`register_compilation_counter` add their own key (``'jax'``:
        traces of workbench's ``jax.jit`` functions), and ``total`` sums all.
    """
    with _lock:
        compiled = _compile_events[0]
        cache_loads = sum(sum(d._cache_hits.values()) for d in list(_owned))
    stats = {"compiled": compiled, "cache_loads": cache_loads}
    for name, counter in _other_counters.items():
        stats[name] = int(counter())
    stats["total"] = sum(stats.values())
    return stats


def jit_compilations():
    """Number of functions the engine has compiled in this process.

    Both fresh compilations and loads from numba's disk cache are counted: each
    is a new specialization made ready to run. A repeat run, a parameter change
    or a slider move must leave this number unchanged.

    Returns
    -------
    int
        The running total, see :func:`jit_stats` for the breakdown.
    """
    return jit_stats()["total"]


def cache_dir():
    """Directory for generated source files (and numba's cache beside them).

    Taken from the ``WORKBENCH_CACHE_DIR`` environment variable, else
    ``~/.cache/workbench/py<major><minor>-numba<version>``.

    Returns
    -------
    str
        An existing, writable directory.
    """
    path = os.environ.get("WORKBENCH_CACHE_DIR")
    if not path:
        tag = f"py{sys.version_info[0]}{sys.version_info[1]}-numba{numba.__version__}"
        path = os.path.join(os.path.expanduser("~"), ".cache", "workbench", tag)
    os.makedirs(path, exist_ok=True)
    return path


def load_generated_module(source, name, key_parts=(), namespace=None):
    """Execute generated source as a module that lives in a real file.

    The file name carries a hash of ``source`` and ``key_parts``; callers must
    put into ``key_parts`` everything injected through ``namespace`` that numba
    would freeze into the machine code (the source of called functions, the
    values of global constants they read), so that the disk cache can never
    return code compiled for something else.

    Parameters
    ----------
    source : str
        Python source code; it may use ``@jit`` from this module.
    name : str
        A short readable prefix for the file and module name.
    key_parts : iterable of str, optional
        Extra text that identifies what the source depends on.
    namespace : dict, optional
        Globals placed in the module before its code runs.

    Returns
    -------
    types.ModuleType
        The executed module.
    """
    digest = hashlib.sha1()
    digest.update(source.encode())
    # numba's cache index does not tell code compiled with other flags apart
    digest.update(repr(sorted(JIT_OPTIONS.items())).encode())
    for part in key_parts:
        digest.update(b"\0")
        digest.update(str(part).encode())
    safe = "".join(c if c.isalnum() else "_" for c in name)[:40]
    mod_name = f"wb_{safe}_{digest.hexdigest()[:16]}"
    path = os.path.join(cache_dir(), mod_name + ".py")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "w") as fh:
            fh.write(source)
        os.replace(tmp, path)   # atomic: concurrent workers never see half a file
    existing = sys.modules.get(mod_name)
    if existing is not None and not namespace:
        return existing
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    if namespace:
        module.__dict__.update(namespace)
    # numba's cache pickles references to the defining module by name; it must
    # be importable from sys.modules while functions are compiled or loaded.
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    return module
