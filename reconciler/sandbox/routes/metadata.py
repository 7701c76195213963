"""Metadata API SOAP (`POST /services/Soap/m/{version}`): readMetadata and updateMetadata for ChatterSettings.

The operation is the Body's element (zeep sends SOAPAction ""). The caller was authenticated and counted before
this runs; `session` is the request's transaction. Per-component failures of updateMetadata stay HTTP 200 with
success=false in their SaveResult; anything the sandbox does not implement is a SOAP fault (HTTP 500).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.routes.http import SessionLike
from reconciler.sandbox.soap import (
    METADATA,
    SoapCall,
    SoapFault,
    child_text,
    children_text,
    element,
    envelope,
    local_name,
    xsi_type,
)

SETTINGS_TYPE = "ChatterSettings"
SETTINGS_NAME = "Chatter"
MAX_COMPONENTS = 10
ROLLED_BACK = ApiError(
    400,
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
)


class _RollBack(Exception):
    pass


def handle(session: SessionLike, call: SoapCall) -> bytes:
    """Answer one Metadata API call inside the request's transaction."""
    assumed("metadata-faults")
    if call.operation == "readMetadata":
        return _read(session, call.element)
    if call.operation == "updateMetadata":
        all_or_none = (call.header_value("AllOrNoneHeader", "allOrNone") or "").strip().lower() == "true"
        return _update(session, call.element, all_or_none)
    raise SoapFault(
        "INVALID_OPERATION",
        f"The sandbox's Metadata API implements readMetadata and updateMetadata "
        f"(for {SETTINGS_TYPE}) only, not {call.operation}",
    )


def _read(session: SessionLike, request: ET.Element) -> bytes:
    metadata_type = child_text(request, "type") or ""
    names = children_text(request, "fullNames")
    _check_type(metadata_type, "reading")
    _check_count(len(names), "readMetadata")
    records = ""
    for name in names:
        if name == SETTINGS_NAME:
            values = session.chatter_settings()
            fields = element("fullName", SETTINGS_NAME) + "".join(
                element(k, v) for k, v in values.items() if v is not None
            )
            records += f'<records xsi:type="{SETTINGS_TYPE}">{fields}</records>'
    return envelope(
        f"<readMetadataResponse><result>{records}</result></readMetadataResponse>", default_namespace=METADATA
    )


def _update(session: SessionLike, request: ET.Element, all_or_none: bool) -> bytes:
    components = [child for child in request if local_name(child.tag) == "metadata"]
    _check_count(len(components), "updateMetadata")
    results: list[tuple[str, ApiError | None]] = []
    try:
        with session.savepoint():
            for component in components:
                full_name = child_text(component, "fullName") or ""
                try:
                    with session.savepoint():
                        _update_one(session, component, full_name)
                    results.append((full_name, None))
                except ApiError as exc:
                    results.append((full_name, exc))
            if all_or_none and any(error for _, error in results):
                raise _RollBack
    except _RollBack:
        results = [(name, error or ROLLED_BACK) for name, error in results]
    body = "".join(_save_result(name, error) for name, error in results)
    return envelope(f"<updateMetadataResponse>{body}</updateMetadataResponse>", default_namespace=METADATA)


def _update_one(session: SessionLike, component: ET.Element, full_name: str) -> None:
    metadata_type = xsi_type(component)
    if metadata_type != SETTINGS_TYPE:
        raise ApiError(400, "INVALID_TYPE", f"The sandbox can update {SETTINGS_TYPE} only, not {metadata_type}")
    if full_name != SETTINGS_NAME:
        raise ApiError(
            400, "INVALID_CROSS_REFERENCE_KEY", f"In field: fullName - no {SETTINGS_TYPE} named {full_name} found"
        )
    values: dict[str, Any] = {}
    for child in component:
        name = local_name(child.tag)
        if name != "fullName":
            text = (child.text or "").strip()
            values[name] = {"true": True, "false": False}.get(text, text)
    session.update_chatter_settings(values)


def _save_result(full_name: str, error: ApiError | None) -> str:
    errors = ""
    if error is not None:
        fields = "".join(element("fields", f) for f in error.fields)
        errors = f"<errors>{fields}{element('message', error.message)}{element('statusCode', error.code)}</errors>"
    return f"<result>{errors}{element('fullName', full_name)}{element('success', error is None)}</result>"


def _check_type(metadata_type: str, doing: str) -> None:
    if metadata_type != SETTINGS_TYPE:
        raise SoapFault(
            "INVALID_TYPE",
            f"The sandbox's Metadata API supports {SETTINGS_TYPE} only; "
            f"{metadata_type or 'no type'} is not a valid metadata type for {doing}",
        )


def _check_count(count: int, operation: str) -> None:
    if count > MAX_COMPONENTS:
        raise SoapFault("LIMIT_EXCEEDED", f"{operation} takes at most {MAX_COMPONENTS} components, got {count}")
