"""How tests log in to a served sandbox as one of its users: the JWT bearer flow (the usual CI choice), which a new
org allows, unlike SOAP login() and the OAuth username-password flow (real-orgs.md §5.3). The sandbox checks the
assertion's claims, not its signature, so one key made per test run serves every user."""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from reconciler.sandbox.runner import SandboxInfo

SANDBOX_CONSUMER_KEY = "guestlist-sandbox"  # the sandbox's connected app (README "guestlist sandbox")


@functools.cache
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def jwt_env(info: SandboxInfo, username: str = "admin@acme.com") -> dict[str, str]:
    """`--org env` variables that log in to the sandbox at `info` as `username` (JWT bearer, its CA trusted)."""
    return {"SF_USERNAME": username, "SF_CONSUMER_KEY": SANDBOX_CONSUMER_KEY, "SF_PRIVATE_KEY": private_key_pem(),
            "SF_LOGIN_URL": info.instance_url, "SF_CA_FILE": info.ca_file}
