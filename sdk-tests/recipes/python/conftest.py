"""pytest fixtures for testing an integration against a local revdir emulator.

One `revdir serve --emulator` per test session (over a throwaway file, so nothing outlives
the run); one org per test module, deleted at the end; the org's state snapshotted after its
setup and restored before every test, so tests never see each other's writes. The orgs have
no time-to-live: a TTL runs on the org's own clock, which these tests move years ahead.

    REVDIR_BIN=/path/to/revdir pytest        # or have `revdir` on PATH
"""

import os
import secrets
import subprocess
import tempfile

import pytest
import requests

REVDIR = os.environ.get("REVDIR_BIN", "revdir")


@pytest.fixture(scope="session")
def revdir_server():
    """A revdir emulator on a free loopback port, over a throwaway SQLite file."""
    data = tempfile.mkdtemp(prefix="revdir-")
    key = secrets.token_hex(16)
    proc = subprocess.Popen(
        [REVDIR, "serve", "--emulator", "--listen", "127.0.0.1:0",
         "--db", os.path.join(data, "revdir.db"), "--operator-key", key],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    url = None
    for line in proc.stdout:  # the server prints its address once it listens
        if line.startswith("revdir listening on "):
            url = line.split()[-1]
            break
    assert url, "revdir did not start"
    yield {"url": url, "operator_key": key}
    proc.terminate()
    proc.wait(timeout=10)


def _post(url, token, path, body=None):
    r = requests.post(url + path, json=body or {}, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    r.raise_for_status()
    return r.json() if r.content else {}


@pytest.fixture(scope="module")
def devrev_org(revdir_server):
    """A fresh dev org for this test module: its base URL and admin token (which never
    expires, whatever the org's clock says), deleted afterwards."""
    url, key = revdir_server["url"], revdir_server["operator_key"]
    created = _post(url, key, "/_revdir/orgs.create", {"display_name": "pytest"})
    org = {"url": url, "token": created["admin_token"], "id": created["dev_org"]["id"]}
    yield org
    _post(url, key, "/_revdir/orgs.delete", {"id": org["id"]})


@pytest.fixture
def devrev(devrev_org):
    """A callable `devrev(path, body)` against the module's org, restored to the module's
    baseline snapshot before each test (the first test takes the baseline)."""
    url, token = devrev_org["url"], devrev_org["token"]
    call = lambda path, body=None: _post(url, token, path, body)  # noqa: E731
    names = [s["name"] for s in call("/_revdir/snapshots.list")["snapshots"]]
    if "baseline" in names:
        call("/_revdir/snapshots.restore", {"name": "baseline"})
    else:
        call("/_revdir/snapshots.create", {"name": "baseline"})
    call("/_revdir/clock.set", {"mode": "system"})
    call("/_revdir/faults.clear")
    return call
