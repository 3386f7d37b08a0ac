"""Run a pure-Python computation (a SymPy solve) with a deadline that really holds.

SymPy's solvers cannot be cancelled from another thread, so a thread with a
timeout would leave the work running. Two mechanisms that do stop it:

* in the main thread on POSIX, a ``SIGALRM`` interval timer raises inside the
  computation (cheap: no new process); an interval timer set by someone else
  (pytest-timeout, for instance) is kept and re-armed afterwards;
* elsewhere (a worker thread, or when an outer timer would fire first), the
  computation runs in a forked child process that is killed at the deadline.
"""

import multiprocessing
import signal
import threading
import time

__all__ = ["SolverTimeout", "call_with_timeout"]


class SolverTimeout(BaseException):
    """The computation did not finish before its deadline.

    A ``BaseException`` so that ``except Exception`` clauses inside the
    interrupted library (SymPy has some) cannot swallow it.
    """


def _raise_timeout(signum, frame):
    raise SolverTimeout()


def _can_use_alarm():
    return (hasattr(signal, "setitimer") and
            threading.current_thread() is threading.main_thread())


def _call_with_alarm(func, args, timeout):
    outer_remaining, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return func(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)
        if outer_remaining > 0.0:
            left = max(outer_remaining - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)


def _child(conn, func, args):
    try:
        conn.send(("ok", func(*args)))
    except BaseException as exc:  # report any failure to the parent
        conn.send(("error", repr(exc)))
    finally:
        conn.close()


def _call_in_child(func, args, timeout):
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: run without a deadline
        return func(*args)
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child, func, args), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise SolverTimeout()
        status, value = parent.recv()
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        parent.close()
    if status == "error":
        raise RuntimeError(value)
    return value


def call_with_timeout(func, args=(), timeout=None):
    """Call ``func(*args)`` and give up after ``timeout`` seconds.

    Parameters
    ----------
    func : callable
        A pure computation; in the child-process path its result must be
        picklable (SymPy expressions are).
    args : tuple, optional
        Positional arguments.
    timeout : float or None
        Seconds allowed; None or a non-positive value means no limit.

    Returns
    -------
    object
        What ``func`` returned.

    Raises
    ------
    SolverTimeout
        When the deadline passed; the computation has been stopped.
    """
    if timeout is None or timeout <= 0:
        return func(*args)
    if _can_use_alarm():
        outer_remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        if outer_remaining == 0.0 or outer_remaining > timeout:
            return _call_with_alarm(func, args, timeout)
    return _call_in_child(func, args, timeout)
