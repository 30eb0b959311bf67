"""Finding the Disobey app's command line, which `show` (web mode) and `findings` run.

In order: the `cli` argument, $DISOBEY_CLI (a command line, e.g. "node /opt/disobey/bin/disobey.js"),
then `disobey` on PATH (npm link, a packaged install).
"""
import os
import shlex
import shutil


def command(cli=None):
    """The CLI as an argument list."""
    if cli is not None:
        return list(cli) if isinstance(cli, (list, tuple)) else shlex.split(cli)
    env = os.environ.get("DISOBEY_CLI")
    if env:
        return shlex.split(env)
    found = shutil.which("disobey")
    if found:
        return [found]
    raise RuntimeError("the Disobey app's CLI was not found: install the app (`npm install` in its folder, then `npm link`, "
                       "puts `disobey` on PATH), or set DISOBEY_CLI, e.g. DISOBEY_CLI=\"node /path/to/disobey/bin/disobey.js\"")
