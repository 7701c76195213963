"""jsforce (Node) against a served sandbox, when it is at hand (GUESTLIST_JSFORCE=<a node_modules holding jsforce>,
with `node` on PATH; the project does not install it): its SOAP login() and OAuth username-password login are
refused as a new org refuses them (real-orgs.md §5.3) and work once the sandbox allows them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.sandbox.auth import NEW_ORG_LOGINS
from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import PASSWORD_LOGINS, connect

JSFORCE = os.environ.get("GUESTLIST_JSFORCE")
pytestmark = pytest.mark.skipif(not (JSFORCE and shutil.which("node")),
                                reason="set GUESTLIST_JSFORCE to a node_modules directory holding jsforce")
SCRIPT = """
const jsforce = require('jsforce');
const [url, mode] = process.argv.slice(2);
(async () => {
  const options = { loginUrl: url, version: '59.0' };
  if (mode === 'oauth') options.oauth2 = { loginUrl: url, clientId: 'guestlist-sandbox',
                                           clientSecret: 'guestlist-sandbox-secret' };
  const conn = new jsforce.Connection(options);
  try {
    await conn.login('admin@acme.com', 'sandbox');
    console.log('OK ' + (await conn.query('SELECT Name FROM Organization')).records[0].Name);
  } catch (e) { console.log('ERR ' + e.message); }
})();
"""


def jsforce_login(sandbox: RunningSandbox, mode: str, tmp_path: Path) -> str:
    script = tmp_path / "login.js"
    script.write_text(SCRIPT)
    env = {"PATH": os.environ["PATH"], "NODE_PATH": str(JSFORCE), "NODE_EXTRA_CA_CERTS": sandbox.info.ca_file}
    done = subprocess.run(["node", str(script), sandbox.info.instance_url, mode], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_jsforce_logins_as_a_new_org_allows_them(tmp_path: Path, start: Callable[..., RunningSandbox]) -> None:
    with start(tmp_path / "new", logins=NEW_ORG_LOGINS) as new_org:
        assert jsforce_login(new_org, "soap", tmp_path) == (
            "ERR INVALID_OPERATION: SOAP API login() is disabled by default in this org. Contact the org "
            "administrator to enable SOAP API login().")
        assert jsforce_login(new_org, "oauth", tmp_path) == "ERR authentication failure"
    with start(tmp_path / "allowed", logins=PASSWORD_LOGINS) as allowed:
        assert jsforce_login(allowed, "soap", tmp_path) == "OK Acme"
        assert jsforce_login(allowed, "oauth", tmp_path) == "OK Acme"


BULK2_SCRIPT = """
const jsforce = require('jsforce');
const [url, token, soql] = process.argv.slice(2);
(async () => {
  const conn = new jsforce.Connection({ instanceUrl: url, accessToken: token, version: '59.0' });
  conn.bulk2.pollInterval = 50;
  try {
    const records = await (await conn.bulk2.query(soql)).toArray();
    console.log(JSON.stringify(records));
  } catch (e) { console.log('ERR ' + e.message); }
})();
"""


def test_jsforce_bulk2_query_returns_the_rows_of_a_rest_query(sandbox: RunningSandbox, tmp_path: Path) -> None:
    """jsforce's Bulk API 2.0 client (create, poll, results by locator) reads what a REST query reads."""
    soql = "SELECT Id, Username, Email FROM User ORDER BY Username"
    script = tmp_path / "bulk2.js"
    script.write_text(BULK2_SCRIPT)
    env = {"PATH": os.environ["PATH"], "NODE_PATH": str(JSFORCE), "NODE_EXTRA_CA_CERTS": sandbox.info.ca_file}
    done = subprocess.run(["node", str(script), sandbox.info.instance_url, sandbox.info.access_token, soql], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert not done.stdout.startswith("ERR"), done.stdout
    rest = connect(sandbox.info).query_all(soql)["records"]
    expected = [{k: r[k] for k in ("Id", "Username", "Email")} for r in rest]
    assert json.loads(done.stdout) == expected
