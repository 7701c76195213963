"""What a refused token request most likely means, and what fixes it: one sentence per OAuth error of the login
server, per flow (real-orgs.md §5.2, real-orgs.md §5.3). The server's own words stay in the message; this adds the
cause and the fix."""

from __future__ import annotations

from enum import StrEnum


class Flow(StrEnum):
    JWT = "JWT bearer"
    PASSWORD = "username-password"
    CLIENT_CREDENTIALS = "client credentials"
    REFRESH_TOKEN = "refresh token"


ALLOW_PASSWORD_FLOW = "Setup > OAuth and OpenID Connect Settings > Allow OAuth Username-Password Flows"


def refusal_hint(flow: Flow, error: str, description: str, audiences: tuple[str, ...] = ()) -> str:
    """"Likely cause: ...; fix: ..." for an OAuth error answer (`error`, `error_description`) to `flow`."""
    text = description.lower()
    if error == "invalid_client_id":
        return ("Likely cause: SF_CONSUMER_KEY is not the consumer key of a connected app (or external client app) "
                "of this org; fix: copy the key from the app's settings")
    if error == "invalid_client":
        return ("Likely cause: SF_CONSUMER_SECRET is not the app's consumer secret; fix: copy the secret from the "
                "app's settings")
    if error == "unsupported_grant_type":
        return (f"Likely cause: the app does not offer the {flow} flow; fix: enable it in the app's OAuth "
                "settings")
    if error != "invalid_grant":
        return ""
    if flow is Flow.JWT:
        return _jwt_hint(text, audiences)
    if flow is Flow.PASSWORD:
        return ("Likely causes: a wrong SF_PASSWORD or SF_SECURITY_TOKEN (empty only from a trusted IP range), or "
                "the org blocks the OAuth username-password flow, as orgs created since Summer '23 do by default; "
                f"fix: check both, or have an administrator turn on {ALLOW_PASSWORD_FLOW}. JWT bearer or client "
                "credentials are safer, and Salesforce is retiring this flow")
    if flow is Flow.CLIENT_CREDENTIALS:
        return ("Likely cause: the app's client credentials flow is off or has no Run As user; fix: enable "
                "\"Enable Client Credentials Flow\" in the app and choose the integration user to run as")
    return ("Likely cause: the refresh token expired or was revoked; fix: log in again (`sf org login web`) and "
            "export a new auth URL (`sf org display --verbose`)")


def _jwt_hint(text: str, audiences: tuple[str, ...]) -> str:
    tried = f" (sent: {', '.join(audiences)})" if audiences else ""
    if "audience" in text:
        return (f"Likely cause: the org accepts none of the JWT audiences sent{tried}; fix: set SF_JWT_AUDIENCE "
                "to https://login.salesforce.com for a production org or https://test.salesforce.com for a sandbox")
    if "approved" in text:
        return ("Likely cause: the user is not pre-authorised for the connected app; fix: set the app's Permitted "
                "Users to \"Admin approved users are pre-authorized\" and give the user's profile or a permission "
                f"set access to the app{tried}")
    return ("Likely cause: SF_USERNAME, SF_CONSUMER_KEY or the private key does not match the connected app (its "
            "uploaded certificate) and user; fix: check the three, and SF_LOGIN_URL")
