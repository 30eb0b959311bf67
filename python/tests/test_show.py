"""disobey.show starts the app's web mode on a database (or attaches to the one it started), frames
it in a notebook, and disobey.stop ends it."""
import json
import sys
import types
import urllib.error
import urllib.request

import pytest

import disobey
from disobey import notebook
from conftest import disobey as run_cli, needs_cli

pytestmark = needs_cli


@pytest.fixture(autouse=True)
def no_servers_left():
    yield
    disobey.stop()


def get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def test_show_starts_web_mode_attaches_to_it_and_stop_ends_it(trained_db):
    url = disobey.show(trained_db, experiment_id=2, display=False)
    base, _, fragment = url.partition("#")
    assert fragment == "/experiments/2/explore"
    assert base.startswith("http://127.0.0.1:") and "/?token=" in base
    status, headers, body = get(base)
    assert status == 200 and b'id="app"' in body
    # framable by notebooks on this machine, and by nothing else
    assert "frame-ancestors 'self' http://localhost:* http://127.0.0.1:* https://localhost:* https://127.0.0.1:* vscode-webview:" in headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in headers
    token = base.split("token=")[1]
    origin = base.split("/?")[0]
    # framed on another site no cookie comes along: the renderer's files load without the token, calls never do
    assert get(origin + "/")[0] == 200
    with pytest.raises(urllib.error.HTTPError, match="401"):
        urllib.request.urlopen(urllib.request.Request(origin + "/api/call/listExperiments", data=b"{}", method="POST", headers={"content-type": "application/json"}), timeout=30)
    request = urllib.request.Request(base.split("/?")[0] + "/api/call/listExperiments", data=b"{}", method="POST",
                                     headers={"content-type": "application/json", "x-disobey-token": token})
    with urllib.request.urlopen(request, timeout=60) as response:
        experiments = json.loads(response.read())["result"]
    assert [e["id"] for e in experiments] == [1, 2]

    process = notebook._servers[notebook.os.path.abspath(trained_db)].process
    again = disobey.show(trained_db, experiment_id=1, page="findings", display=False)
    assert again.partition("#")[0] == base and again.endswith("#/experiments/1/findings")
    assert notebook._servers[notebook.os.path.abspath(trained_db)].process is process
    assert notebook.running() == {notebook.os.path.abspath(trained_db): base}

    assert disobey.stop() == 1
    assert process.poll() is not None
    with pytest.raises(urllib.error.URLError):
        get(base)
    assert disobey.stop() == 0 and notebook.running() == {}


def test_show_displays_an_iframe_in_a_notebook(trained_db, monkeypatch):
    shown = []

    class IFrame:
        def __init__(self, src, width, height):
            self.src, self.width, self.height = src, width, height

    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: object()
    display_module = types.ModuleType("IPython.display")
    display_module.IFrame = IFrame
    display_module.display = shown.append
    ipython.display = display_module
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    assert disobey.show(trained_db, experiment_id=1, height=500) is None
    assert len(shown) == 1 and shown[0].src.endswith("#/experiments/1/explore") and shown[0].height == 500 and shown[0].width == "100%"
    status, _, _ = get(shown[0].src.partition("#")[0])
    assert status == 200


def test_outside_a_notebook_show_prints_the_url(trained_db, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "IPython", None)
    url = disobey.show(trained_db)
    assert url.startswith("http://127.0.0.1:") and "#" not in url
    assert capsys.readouterr().out == "Disobey explorer: %s\n" % url


def test_show_attaches_to_a_server_started_by_hand_and_refuses_what_cannot_start(trained_db, tmp_path):
    assert disobey.show(url="http://127.0.0.1:1/?token=x", experiment_id=3, page="compare", display=False) == "http://127.0.0.1:1/?token=x#/experiments/3/compare"
    with pytest.raises(FileNotFoundError, match=r"no Disobey database at .*nothing\.db"):
        disobey.show(tmp_path / "nothing.db", display=False)
    with pytest.raises(RuntimeError, match=r"disobey serve did not start on .*: .*--frame-ancestors: \"http:\" is not an origin"):
        disobey.show(trained_db, frame_ancestors=["http:"], display=False)
    with pytest.raises(ValueError, match=r"page must be one of"):
        disobey.show(url="http://127.0.0.1:1/?token=x", experiment_id=1, page="settings", display=False)
    with pytest.raises(RuntimeError, match=r"cannot start the Disobey CLI"):
        disobey.show(trained_db, cli=[str(tmp_path / "no-such-disobey")], display=False)


def test_web_mode_refuses_every_frame_unless_asked_and_refuses_a_bad_origin(trained_db, trained_app):
    _, headers, _ = get(trained_app.url)
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    done = run_cli("serve", "--db", trained_db, "--frame-ancestors", "*", check=False)
    assert done.returncode == 2 and '"*" is not an origin' in done.stderr
