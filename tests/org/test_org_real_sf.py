"""The real Salesforce CLI against a served sandbox, when one is at hand (GUESTLIST_REAL_SF=/path/to/sf, with a Node
it runs on first on PATH; it is not installed by the project): `sf org login access-token` and
`sf org login sfdx-url` store logins, and guestlist plans through them with `--target-org`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.sandbox.runner import start_sandbox

REAL_SF = os.environ.get("GUESTLIST_REAL_SF")
REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not REAL_SF, reason="set GUESTLIST_REAL_SF to the real sf executable")


def test_plan_through_logins_the_real_cli_made(tmp_path: Path) -> None:
    assert REAL_SF is not None
    with start_sandbox(tmp_path / "org.sqlite3", seed="demo") as served:
        info = served.info
        env = {**os.environ, "HOME": str(tmp_path / "home"), "NODE_EXTRA_CA_CERTS": info.ca_file,
               "SF_CA_FILE": info.ca_file, "SF_AUTOUPDATE_DISABLE": "true", "SF_DISABLE_TELEMETRY": "true",
               "PATH": f"{Path(REAL_SF).parent}{os.pathsep}{os.environ['PATH']}"}
        (tmp_path / "home").mkdir()
        login = [REAL_SF, "org", "login", "access-token", "--instance-url", info.instance_url, "--no-prompt",
                 "--alias", "sbx", "--json"]
        done = subprocess.run(login, env={**env, "SF_ACCESS_TOKEN": info.access_token}, capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        auth_url = subprocess.run([sys.executable, "-m", "reconciler", "sandbox", "auth-url", "--db",
                                   str(tmp_path / "org.sqlite3"), "--instance-url", info.instance_url,
                                   "--client-id", "PlatformCLI"], capture_output=True, text=True, check=True)
        (tmp_path / "auth.txt").write_text(auth_url.stdout)
        done = subprocess.run([REAL_SF, "org", "login", "sfdx-url", "--sfdx-url-file", str(tmp_path / "auth.txt"),
                               "--alias", "viaurl", "--json"], env=env, capture_output=True, text=True, timeout=300,
                              check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        for alias in ("sbx", "viaurl"):
            planned = subprocess.run([sys.executable, "-m", "reconciler", "plan", str(REPO / "desired"), "-o", alias,
                                      "--today", "2026-11-22", "--format", "json"], env=env, capture_output=True,
                                     text=True, timeout=300, check=False)
            assert planned.returncode == 0, planned.stderr
            assert f"via sf CLI alias '{alias}'" in planned.stderr
            assert served.store.org_id in planned.stdout
