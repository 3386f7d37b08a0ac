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

The disk cache never stops a run: an unreadable or corrupt entry (a truncated
file, garbage in numba's index) is compiled again with a :class:`CacheWarning`,
and an unusable cache directory (read-only, not a directory) switches this
process to compiling in memory, with one warning.
"""

import hashlib
import importlib.util
import linecache
import os
import sys
import tempfile
import threading
import types
import warnings
import weakref

import llvmlite.binding as _llvm
import llvmlite.ir as llvmir
import numba
from numba.core import codegen as _codegen
from numba.core import compiler as _compiler
from numba.core import compiler_machinery as _machinery
from numba.core import cpu as _numba_cpu
from numba.core import event as _numba_event
from numba.core import typed_passes as _typed_passes
from numba.core.caching import FunctionCache

__all__ = ["JIT_OPTIONS", "FAST_MATH_FLAGS", "options_key", "PARALLEL_OPTIONS", "INNER_OPTIONS",
           "LinkOnlyCompiler", "jit", "jit_compilations", "jit_stats", "cache_dir",
           "load_generated_module", "is_jit_disabled", "register_compilation_counter",
           "register_module_maker", "CacheWarning"]


class CacheWarning(RuntimeWarning):
    """The disk cache of compiled code could not be used; the code is compiled again."""

#: Default options of every workbench kernel. ``cache`` keeps compiled machine
#: code on disk so a second process starts fast; ``nogil`` lets widget threads
#: and Dask workers run kernels concurrently. ``fastmath`` stays off: results
#: must match the numpy backend bit-for-bit where the operations are the same.
JIT_OPTIONS = {"cache": True, "nogil": True, "fastmath": False}

#: What ``bp.backend.set_numba_profile(fastmath=True)`` puts in ``JIT_OPTIONS["fastmath"]``:
#: divisions by a loop-invariant value become multiplications by its reciprocal
#: (``arcp``), products and sums fuse into FMAs (``contract``), libm calls may approximate
#: (``afn``). Left out: ``nnan``/``ninf`` let LLVM assume that no value is NaN or inf, and
#: ``reassoc`` with ``nsz`` folds ``x - x`` to 0 even for inf; both would hide NaNs that the
#: simulation loop must report. (On the ch. 6 COBA network these two gained nothing
#: measurable over the three kept.)
FAST_MATH_FLAGS = frozenset({"arcp", "contract", "afn"})


def options_key():
    """The compilation options as canonical text (sets sorted): part of every cache key.

    numba's cache index does not tell code compiled with other flags apart, and the
    in-process caches of generated modules and integrator steps must not either hand
    code compiled under one profile to another.

    Returns
    -------
    str
    """
    return repr(sorted((name, sorted(value) if isinstance(value, (set, frozenset)) else value)
                       for name, value in JIT_OPTIONS.items()))


#: Extra options of the parallel regions of ``'numba-parallel'``
#: (``workbench/simulation/numba/generator/partition.py``). Only the generator's ``prange``
#: becomes parallel: numba's own conversions of array expressions stay off, since a parallel
#: ``np.sum`` would add in another order than the serial backend.
PARALLEL_OPTIONS = {"parallel": {"prange": True, "fusion": False, "comprehension": False,
                                 "reduction": False, "inplace_binop": False, "setitem": False,
                                 "numpy": False, "stencil": False}}

_lock = threading.Lock()
_owned = weakref.WeakSet()      # dispatchers created through jit()
_compile_events = [0]           # fresh compilations of owned dispatchers
# Loads from the disk cache, counted when they happen: a sum over live dispatchers would
# drop when one is garbage collected, and a repeat run could then seem to compile nothing.
_cache_load_events = [0]
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
        Overrides of :data:`JIT_OPTIONS` (for example ``parallel=True``). ``inner=True``
        compiles a function that only compiled code calls: without numba's CPython and C
        wrappers and without machine code of its own (LLVM optimizes and compiles it only
        inside its callers, :class:`LinkOnlyCompiler`), so it has no disk-cache entry of
        its own either (its callers' entries hold it); calling it from Python raises
        ``TypeError``.

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
    if isinstance(opts.get("fastmath"), frozenset):
        opts["fastmath"] = set(opts["fastmath"])     # numba takes a bool or a set
    if isinstance(opts.get("parallel"), dict):
        # numba's ParallelOptions pops the keys of a dict it is given: PARALLEL_OPTIONS would
        # lose them, and every later region would compile with numba's defaults (all array
        # conversions on) under another cache key, so a network built again compiled anew
        opts["parallel"] = _numba_cpu.ParallelOptions(dict(opts["parallel"]))
    cache = opts.pop("cache", False)
    inner = opts.pop("inner", False)

    def decorate(f):
        if inner and not is_jit_disabled():
            targetoptions = dict(opts, nopython=True, **INNER_OPTIONS)
            pipeline = targetoptions.pop("pipeline_class")
            dispatcher = _InnerDispatcher(f, targetoptions=targetoptions, pipeline_class=pipeline)
        else:
            dispatcher = numba.njit(**opts)(f)
        if isinstance(dispatcher, numba.core.dispatcher.Dispatcher):
            _owned.add(dispatcher)
            # an inner function has no machine code of its own: it is cached inside its callers
            if cache and not inner:
                _attach_cache(dispatcher)
        return dispatcher

    if func is None:
        return decorate
    return decorate(func)


class _LinkOnlyLibrary(_codegen.JITCodeLibrary):
    """A code library that LLVM optimizes and turns into machine code only inside its callers.

    numba finalizes the library of every function it compiles: LLVM's module passes
    and machine-code generation for the function alone, and then again, inlined,
    in every library that links it (the run loop links each step and kernel). For
    functions that only compiled code calls, the first round is wasted: this
    library is "finalized" by linking its own callees into its module, optimized
    only by numba's per-function passes, and the caller optimizes and compiles it
    once with everything else. (Skipping the per-function passes too saved another
    0.1-0.2 s, but LLVM then inlined differently and an unchanged run time could not
    be shown.)
    """

    def finalize(self):
        _codegen.require_global_compiler_lock()
        self._raise_if_finalized()
        seen = set()
        for library in self._linking_libraries:
            if library not in seen:
                seen.add(library)
                self._reload_init.update(library._reload_init)
                self._final_module.link_in(library._get_module_for_linking(), preserve=True)
        self._final_module.verify()
        self._finalized = True

    def get_pointer_to_function(self, name):
        # no machine code of its own: nothing to point to (the CPython wrapper, which numba
        # asks for, does not exist either)
        return 0

    @property
    def codegen(self):
        return _EnvlessCodegen(self._codegen)

    def serialize_using_object_code(self):
        raise RuntimeError(f"{self.name} has no machine code of its own to cache")


class _EnvlessCodegen:
    """numba's code generator as a :class:`_LinkOnlyLibrary` sees it: environments get a home.

    numba stores the address of a function's Python environment (which, among other
    things, turns the arguments of a raised exception into Python objects) in a global
    of the function's own machine code right after compiling it, and the copies linked
    into callers use that global. A link-only function has no machine code of its own,
    so its global is defined alone in a tiny module of the JIT engine first: the callers'
    copies then resolve to it, as they did to the function's own.
    """

    def __init__(self, codegen):
        self._codegen = codegen

    def set_env(self, env_name, env):
        codegen = self._codegen
        if not codegen._engine.is_symbol_defined(env_name):
            module = codegen._create_empty_module(env_name)
            cell = llvmir.GlobalVariable(module, llvmir.IntType(8).as_pointer(), name=env_name)
            cell.initializer = llvmir.Constant(cell.type.pointee, None)
            codegen._add_module(_llvm.parse_assembly(str(module)))
            codegen._engine.finalize_object()
        codegen.set_env(env_name, env)

    def __getattr__(self, name):
        return getattr(self._codegen, name)


@_machinery.register_pass(mutates_CFG=False, analysis_only=True)
class _UseLinkOnlyLibrary(_machinery.LoweringPass):
    """Compile into a :class:`_LinkOnlyLibrary` (a pass placed before numba's lowering)."""

    _name = "workbench_link_only_library"

    def __init__(self):
        _machinery.LoweringPass.__init__(self)

    def run_pass(self, state):
        if state.library is None:
            state.library = _LinkOnlyLibrary(state.targetctx.codegen(), state.func_id.func_qualname)
        return False


class LinkOnlyCompiler(_compiler.CompilerBase):
    """numba's nopython pipeline, compiling into a :class:`_LinkOnlyLibrary`.

    Give it as ``pipeline_class`` to functions that only compiled code calls
    (``jit(inner=True)``, the engine's kernels).
    """

    def define_pipelines(self):
        pm = _compiler.DefaultPassBuilder.define_nopython_pipeline(self.state)
        pm.add_pass_after(_UseLinkOnlyLibrary, _typed_passes.AnnotateTypes)
        pm.finalize()
        return [pm]


#: numba options of functions that only compiled code calls: no CPython or C wrapper,
#: machine code generated only inside the callers (:class:`LinkOnlyCompiler`).
INNER_OPTIONS = {"no_cpython_wrapper": True, "no_cfunc_wrapper": True,
                 "pipeline_class": LinkOnlyCompiler}


class _InnerDispatcher(numba.core.registry.CPUDispatcher):
    """A dispatcher compiled without numba's CPython and C wrappers (``jit(..., inner=True)``).

    Only compiled code calls it (the steps of a run loop): the wrappers, which
    convert every argument from and to Python objects, cost about 0.2 s of the
    ch. 6 network's first compilation, and its machine code is generated only
    inside its callers (:class:`LinkOnlyCompiler`). A call from Python would
    jump to machine code that does not exist, so it raises instead.
    """

    def __call__(self, *args, **kwargs):
        raise TypeError(f"{self.py_func.__qualname__} is compiled to be called from compiled "
                        f"code only (it has no Python entry point)")


class _CheckedFunctionCache(FunctionCache):
    """numba's per-function disk cache, which recompiles instead of failing.

    numba raises the raw ``UnpicklingError``/``EOFError`` of a damaged entry on
    every later call and a raw ``OSError`` when the cache cannot be written.
    """

    def load_overload(self, sig, target_context):
        try:
            loaded = super().load_overload(sig, target_context)
        except Exception as exc:    # any damage: pickle, EOF, I/O, or data numba cannot rebuild
            _warn(f"The compiled-code cache entry of {self._py_func.__qualname__} in {self._cache_path} is "
                  f"unreadable ({type(exc).__name__}: {exc}); compiling it again.")
            self._discard()
            return None
        if loaded is not None:
            with _lock:
                _cache_load_events[0] += 1
        return loaded

    def save_overload(self, sig, data):
        try:
            super().save_overload(sig, data)
        except OSError as exc:
            _warn_once(("save", self._cache_path),
                       f"Compiled code cannot be saved in {self._cache_path} ({exc}); it is kept "
                       f"in memory for this process only.")
            self.disable()

    def _discard(self):
        # A fresh index lets the next save overwrite the damaged files.
        try:
            os.remove(self._cache_file._index_path)
        except FileNotFoundError:
            pass
        except OSError:
            self.disable()


def _attach_cache(dispatcher):
    """Give a dispatcher a checked disk cache, if its function lives in a file numba can cache beside."""
    try:
        dispatcher._cache = _CheckedFunctionCache(dispatcher.py_func)
    except RuntimeError:
        # numba found no file or no writable place for this function (typed at a prompt,
        # generated in memory): it runs without a disk cache, as numba's cache=False.
        pass


_warned = set()


def _warn(message):
    warnings.warn(message, CacheWarning, stacklevel=4)


def _warn_once(key, message):
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    _warn(message)


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
        cache_loads = _cache_load_events[0]
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
        The directory's path. It may be unusable (read-only, a file in the way):
        :func:`load_generated_module` then compiles in memory.
    """
    path = os.environ.get("WORKBENCH_CACHE_DIR")
    if not path:
        tag = f"py{sys.version_info[0]}{sys.version_info[1]}-numba{numba.__version__}"
        path = os.path.join(os.path.expanduser("~"), ".cache", "workbench", tag)
    return path


_usable = {}        # cache directory -> whether files can be created in it


def _usable_cache_dir():
    """The cache directory, or None (after one warning) when files cannot be written there."""
    path = cache_dir()
    if path not in _usable:
        try:
            os.makedirs(path, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path, prefix=".probe"):
                pass
            _usable[path] = True
        except OSError as exc:
            _usable[path] = False
            _warn_once(("dir", path),
                       f"The compiled-code cache directory {path!r} is unusable ({exc}); compiled "
                       f"code is kept in memory for this process only. Set WORKBENCH_CACHE_DIR to "
                       f"a writable directory to cache it on disk.")
    return path if _usable[path] else None


# Objects that load generated modules on demand (weak references to bound methods): numba's
# disk cache imports the module of every function a cached function calls, also one this
# process has not made yet (a user's ``@numba.njit(cache=True)`` loop calling an integrator,
# whose module is made on first use). The finder below makes the pending ones until it exists.
_module_makers = []


def register_module_maker(method):
    """Let imports of not-yet-made generated modules (``wb_*``) call ``method`` to make them.

    Parameters
    ----------
    method : bound method
        Makes (loads) the current generated modules of its object (cheap when they
        exist); exceptions are ignored. Held weakly: the object may be collected.
        Register each object once.
    """
    with _lock:
        _module_makers.append(weakref.WeakMethod(method))


class _MadeModule:
    """Import loader of a module already in ``sys.modules``."""

    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        pass


def _run_makers(name, makers):
    for ref in makers:
        if name in sys.modules:
            break
        maker = ref()
        if maker is not None:
            try:
                maker()
            except Exception:      # the maker's own use will raise it where it belongs
                pass


class _GeneratedModuleFinder:
    """Meta-path finder of ``wb_*`` modules: runs the registered makers until one exists."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if not name.startswith("wb_") or "." in name:
            return None
        with _lock:
            _module_makers[:] = [ref for ref in _module_makers if ref() is not None]
            makers = list(_module_makers)
        _run_makers(name, makers)
        current = JIT_OPTIONS["fastmath"]
        for other in (False, FAST_MATH_FLAGS):
            if name in sys.modules or other == current:
                continue
            # A user's cached loop compiled in a process of the other numba profile imports
            # that profile's module (numba's index of the loop does not know the profile):
            # it runs the machine code it was cached with, so make the module it names.
            JIT_OPTIONS["fastmath"] = other
            try:
                _run_makers(name, makers)
            finally:
                JIT_OPTIONS["fastmath"] = current
        if name not in sys.modules:
            return None
        return importlib.util.spec_from_loader(name, _MadeModule(sys.modules[name]))


if not any(isinstance(f, _GeneratedModuleFinder) for f in sys.meta_path):
    sys.meta_path.append(_GeneratedModuleFinder())


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

    Warns
    -----
    CacheWarning
        When the cached file holds other text than ``source`` (it is written
        again), or once per process when the cache directory is unusable (the
        module is then executed from memory and compiled without disk cache).
    """
    digest = hashlib.sha1()
    digest.update(source.encode())
    # numba's cache index does not tell code compiled with other flags apart
    digest.update(options_key().encode())
    for part in key_parts:
        digest.update(b"\0")
        digest.update(str(part).encode())
    safe = "".join(c if c.isalnum() else "_" for c in name)[:40]
    mod_name = f"wb_{safe}_{digest.hexdigest()[:16]}"
    existing = sys.modules.get(mod_name)
    if existing is not None and not namespace:
        return existing
    folder = _usable_cache_dir()
    if folder is None:
        return _module_in_memory(source, mod_name, namespace)
    path = os.path.join(folder, mod_name + ".py")
    if not _holds(path, source):
        try:
            tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
            with open(tmp, "w") as fh:
                fh.write(source)
            os.replace(tmp, path)   # atomic: concurrent workers never see half a file
        except OSError as exc:
            _warn_once(("write", folder), f"Generated code cannot be written to {folder!r} "
                                          f"({exc}); compiling in memory.")
            return _module_in_memory(source, mod_name, namespace)
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    if namespace:
        module.__dict__.update(namespace)
    # numba's cache pickles references to the defining module by name; it must
    # be importable from sys.modules while functions are compiled or loaded.
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    return module


def _holds(path, source):
    """Whether the file at ``path`` holds exactly ``source`` (warn when it holds something else)."""
    try:
        with open(path) as fh:
            text = fh.read()
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError) as exc:
        text = f"<unreadable: {exc}>"
    if text == source:
        return True
    _warn(f"The cached generated code {path} is damaged (it differs from the code it must hold); "
          f"writing and compiling it again.")
    return False


def _module_in_memory(source, mod_name, namespace):
    # linecache lets numba and inspect show the source of errors in the generated code.
    filename = f"<workbench generated {mod_name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType(mod_name)
    if namespace:
        module.__dict__.update(namespace)
    sys.modules[mod_name] = module
    exec(compile(source, filename, "exec"), module.__dict__)
    return module
