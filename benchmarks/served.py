"""A benchmark worker in its own process that runs on request, so two simulators can alternate.

The worker prints ``READY <json>`` when set up, then answers every ``run`` line on
its stdin with ``RUN <json>``, and ``quit`` with ``RESULT <json>``; any other output
is ignored. Alternating the runs of two workers lets a slow phase of a shared
machine hit both sides alike.
"""

import json
import subprocess
import tempfile


class WorkerFailed(RuntimeError):
    """The worker ended or printed no answer; the message holds the end of its stderr."""


class Served:
    """One worker process (see the module docs).

    Parameters
    ----------
    command : list of str
        The worker's command line.
    **popen
        Passed to :class:`subprocess.Popen` (``env``, ``cwd``).
    """

    def __init__(self, command, **popen):
        self._stderr = tempfile.TemporaryFile("w+")
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self._stderr, text=True, bufsize=1, **popen)

    def _answer(self, prefix):
        for line in self._process.stdout:
            if line.startswith(prefix + " "):
                return json.loads(line[len(prefix) + 1:])
        self._process.wait()
        self._stderr.seek(0)
        tail = self._stderr.read().strip().splitlines()[-3:]
        raise WorkerFailed(" | ".join(tail) or f"exit status {self._process.returncode}")

    def ready(self):
        """Wait for the worker to be set up; return its ``READY`` answer."""
        return self._answer("READY")

    def run(self):
        """Ask for one run; return its ``RUN`` answer."""
        self._process.stdin.write("run\n")
        self._process.stdin.flush()
        return self._answer("RUN")

    def finish(self):
        """End the worker; return its ``RESULT`` answer."""
        self._process.stdin.write("quit\n")
        self._process.stdin.flush()
        try:
            return self._answer("RESULT")
        finally:
            self.close()

    def close(self):
        """Stop the worker if it still runs and release its files."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._stderr.close()


def serve(setup, run, finish):
    """The worker's side: print ``setup()``, then answer ``run``/``quit`` lines from stdin.

    Parameters
    ----------
    setup, run, finish : callable
        Each returns a JSON-serializable answer.
    """
    import sys
    print("READY " + json.dumps(setup()), flush=True)
    for line in sys.stdin:
        if line.strip() == "run":
            print("RUN " + json.dumps(run()), flush=True)
        elif line.strip() == "quit":
            break
    print("RESULT " + json.dumps(finish()), flush=True)


def result_of(done):
    """A finished process's last ``RESULT <json>`` line, or ``{"error": ...}`` from its output.

    Parameters
    ----------
    done : subprocess.CompletedProcess
        Run with ``capture_output=True, text=True``.
    """
    for line in done.stdout.splitlines()[::-1]:
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return {"error": " | ".join(tail) or f"exit status {done.returncode}"}
