"""SOAP partner login (`POST /services/Soap/u/{version}`): sessionId, serverUrl, userId and userInfo.

simple-salesforce reads sessionId and serverUrl (and takes the instance from serverUrl's host); jsforce also needs
userId and userInfo/organizationId (clients.md §4.3). A refused login is the LoginFault INVALID_LOGIN, HTTP 500.
Like a new real org, the sandbox has `login()` disabled unless started with `--soap-login` (real-orgs.md §5.3).
"""

from __future__ import annotations

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.auth import NEW_ORG_LOGINS, LoginPolicy
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.soap import PARTNER, PARTNER_FAULT, SoapFault, child_text, element, envelope, parse_call
from reconciler.sandbox.store import Store

SESSION_SECONDS = 7200
DISABLED = ("SOAP API login() is disabled by default in this org. Contact the org administrator to enable SOAP API "
            "login().")  # real-orgs.md §5.3


def login(store: Store, body: bytes, version: str, instance_url: str,
          logins: LoginPolicy = NEW_ORG_LOGINS) -> bytes:
    call = parse_call(body, namespace=PARTNER_FAULT)
    if not logins.soap_login:
        assumed("soap-login-disabled")
        raise SoapFault("INVALID_OPERATION", DISABLED, namespace=PARTNER_FAULT)
    if call.operation != "login":
        raise SoapFault(
            "INVALID_OPERATION",
            f"The sandbox's partner API implements login only, not {call.operation}",
            namespace=PARTNER_FAULT,
        )
    username = child_text(call.element, "username") or ""
    password = child_text(call.element, "password") or ""
    with store.session() as session:
        try:
            user_id = session.authenticate(username, password)
        except ApiError as exc:
            raise SoapFault(exc.code, exc.message, fault_type="LoginFault", namespace=PARTNER_FAULT) from None
        token = session.issue_token(user_id)
        user = session.query(
            "SELECT Username, Email, Name, ProfileId, Profile.UserLicense.Name, UserRoleId, TimeZoneSidKey, "
            f"LocaleSidKey, LanguageLocaleKey, UserType FROM User WHERE Id = '{user_id}'"
        ).records[0]
        organization = session.query("SELECT Name FROM Organization").records
        org_id = store.org_id
    org_name = organization[0]["Name"] if organization else ""
    licence = ((user.get("Profile") or {}).get("UserLicense") or {}).get("Name")  # not the profile's label
    user_info = "".join(
        [
            element("accessibilityMode", False),
            element("chatterExternal", licence == "Chatter External"),
            element("organizationId", org_id),
            element("organizationMultiCurrency", False),
            element("organizationName", org_name),
            element("profileId", user["ProfileId"]),
            element("roleId", user["UserRoleId"]),
            element("sessionSecondsValid", SESSION_SECONDS),
            element("userEmail", user["Email"]),
            element("userFullName", user["Name"]),
            element("userId", user_id),
            element("userLanguage", user["LanguageLocaleKey"]),
            element("userLocale", user["LocaleSidKey"]),
            element("userName", user["Username"]),
            element("userTimeZone", user["TimeZoneSidKey"]),
            element("userType", user["UserType"]),
        ]
    )
    result = "".join(
        [
            element("metadataServerUrl", f"{instance_url}/services/Soap/m/{version}/{org_id[:15]}"),
            element("passwordExpired", False),
            element("sandbox", False),
            element("serverUrl", f"{instance_url}/services/Soap/u/{version}/{org_id[:15]}"),
            element("sessionId", token),
            element("userId", user_id),
            f"<userInfo>{user_info}</userInfo>",
        ]
    )
    return envelope(f"<loginResponse><result>{result}</result></loginResponse>", default_namespace=PARTNER)
