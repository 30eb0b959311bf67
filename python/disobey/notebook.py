"""The explorer inside a Jupyter or VS Code notebook: `show` starts the app's web mode on a
database through the installed CLI (`disobey serve`, which prints its URL with the per-launch
token) and displays it in an IFrame; `stop` ends it. Web mode writes no URL or port file, so a
server is attached to only by the process that started it: `show` on the same database again
reuses the server this kernel started, and `url=` attaches to one started by hand.
"""
import atexit
import os
import re
import subprocess
import threading
import time

from . import _cli

#: who may frame web mode: notebook front ends on this machine (Jupyter on any local port, VS Code's webviews)
DEFAULT_FRAME_ANCESTORS = ("http://localhost:*", "http://127.0.0.1:*", "https://localhost:*", "https://127.0.0.1:*", "vscode-webview:")
_PAGES = ("explore", "findings", "compare", "dynamics", "gradients")
_URL_LINE = re.compile(r"^open (http://127\.0\.0\.1:\d+/\?token=\S+)\s*$")

_servers = {}
_lock = threading.Lock()


class _Server:
    def __init__(self, process, url, db_path):
        self.process = process
        self.url = url
        self.db_path = db_path

    def alive(self):
        return self.process.poll() is None


def _start(db_path, cli, port, frame_ancestors, timeout):
    command = _cli.command(cli) + ["serve", "--db", db_path, "--port", str(int(port)), "--no-sample",
                                   "--frame-ancestors", " ".join(frame_ancestors)]
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, bufsize=1, start_new_session=True)
    except OSError as err:
        raise RuntimeError("cannot start the Disobey CLI (%s): %s" % (" ".join(command[:2]), err)) from err
    lines = []
    found = {}
    ready = threading.Event()

    def read_stdout():
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            m = _URL_LINE.match(line)
            if m and "url" not in found:
                found["url"] = m.group(1)
                ready.set()
        ready.set()

    errors = []

    def read_stderr():
        for line in process.stderr:
            errors.append(line.rstrip("\n"))

    # Both pipes are drained for the server's whole life, so it never blocks on a full pipe.
    threading.Thread(target=read_stdout, daemon=True).start()
    threading.Thread(target=read_stderr, daemon=True).start()
    ready.wait(timeout)
    if "url" not in found:
        _terminate(process)
        time.sleep(0.05)
        said = "; ".join(errors[-3:] or lines[-3:]) or "no output"
        raise RuntimeError("disobey serve did not start on %s within %g s: %s" % (db_path, timeout, said))
    return _Server(process, found["url"], db_path)


def _terminate(process, wait=10):
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(wait)


def page_url(base_url, experiment_id=None, page="explore"):
    """The app's URL (with its token) opened on an experiment's page."""
    if page not in _PAGES:
        raise ValueError("page must be one of %s, got %r" % (", ".join(_PAGES), page))
    if experiment_id is None:
        return base_url
    return "%s#/experiments/%d/%s" % (base_url, int(experiment_id), page)


def server(db_path, cli=None, port=0, frame_ancestors=DEFAULT_FRAME_ANCESTORS, timeout=60):
    """The web-mode server this process runs on `db_path`: the one already running, else a new one. Returns its URL."""
    path = os.path.abspath(os.fspath(db_path))
    if not os.path.isfile(path):
        raise FileNotFoundError("no Disobey database at %s" % path)
    with _lock:
        running = _servers.get(path)
        if running is None or not running.alive():
            running = _servers[path] = _start(path, cli, port, frame_ancestors, timeout)
        return running.url


def show(db_path=None, experiment_id=None, page="explore", width="100%", height=720, url=None, cli=None, port=0,
         frame_ancestors=DEFAULT_FRAME_ANCESTORS, display=True):
    """Shows the explorer for `db_path` (an experiment's page when `experiment_id` is given) in the notebook.

    Starts `disobey serve` on the database (or reuses the one this kernel started; `url=` attaches
    to a server started by hand and needs no db_path). In a notebook the page is displayed in an
    IFrame and None returned; elsewhere (or display=False) the URL is returned to open in a browser.
    frame_ancestors: the origins allowed to frame the page (default: notebooks on this machine).
    """
    if url is None:
        if db_path is None:
            raise ValueError("show needs db_path (or url= of a running `disobey serve`)")
        url = server(db_path, cli=cli, port=port, frame_ancestors=frame_ancestors)
    target = page_url(url, experiment_id, page)
    if not display:
        return target
    try:
        from IPython import get_ipython
        from IPython.display import IFrame, display as ipython_display
    except ImportError:
        get_ipython = None
    if get_ipython is None or get_ipython() is None:  # not in a notebook: say where to look
        print("Disobey explorer: %s" % target)
        return target
    ipython_display(IFrame(target, width=width, height=height))
    return None


def stop(db_path=None):
    """Ends the web-mode server started for `db_path` (default: every one this process started). Returns how many stopped."""
    with _lock:
        paths = list(_servers) if db_path is None else [os.path.abspath(os.fspath(db_path))]
        stopped = 0
        for path in paths:
            running = _servers.pop(path, None)
            if running is not None:
                if running.alive():
                    stopped += 1
                _terminate(running.process)
        return stopped


def running():
    """{database path: URL} of the servers this process started that are still running."""
    with _lock:
        return {path: s.url for path, s in _servers.items() if s.alive()}


atexit.register(stop)
