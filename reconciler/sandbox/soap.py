"""SOAP 1.1 plumbing for the two SOAP endpoints (partner login, Metadata API): parse a request, build answers.

Requests are dispatched on the first element of the Body, never on SOAPAction (zeep and jsforce send "").
Faults are HTTP 500 with a `soapenv:Fault` whose faultcode is `sf:<CODE>` (salesforce-api.md §13 item 9).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
PARTNER = "urn:partner.soap.sforce.com"
PARTNER_FAULT = "urn:fault.partner.soap.sforce.com"
METADATA = "http://soap.sforce.com/2006/04/metadata"
CONTENT_TYPE = "text/xml; charset=utf-8"


class SoapFault(Exception):
    """A fault to answer with: `sf:<code>` and `<code>: <message>`, detailed as `<fault_type>`."""

    def __init__(
        self, code: str, message: str, *, fault_type: str = "UnexpectedErrorFault", namespace: str = METADATA
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fault_type = fault_type
        self.namespace = namespace

    def to_xml(self) -> bytes:
        detail = (
            f'<sf:{self.fault_type} xsi:type="sf:{self.fault_type}">'
            f"<sf:exceptionCode>{escape(self.code)}</sf:exceptionCode>"
            f"<sf:exceptionMessage>{escape(self.message)}</sf:exceptionMessage>"
            f"</sf:{self.fault_type}>"
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:sf={quoteattr(self.namespace)} '
            f'xmlns:xsi="{XSI}"><soapenv:Body><soapenv:Fault>'
            f"<faultcode>sf:{escape(self.code)}</faultcode>"
            f"<faultstring>{escape(self.code)}: {escape(self.message)}</faultstring>"
            f"<detail>{detail}</detail>"
            "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
        ).encode()


@dataclass(frozen=True)
class SoapCall:
    """One parsed request: the operation element of the Body, and the Header (if any)."""

    operation: str  # local name, e.g. "login", "readMetadata"
    namespace: str
    element: ET.Element
    header: ET.Element | None

    def header_value(self, header: str, child: str) -> str | None:
        """Text of `<header><child>` in the SOAP Header, matched by local names (e.g. SessionHeader/sessionId)."""
        if self.header is None:
            return None
        for block in self.header:
            if local_name(block.tag) == header:
                return child_text(block, child)
        return None


def parse_call(body: bytes, *, namespace: str) -> SoapCall:
    """Parse a SOAP request; a Client fault when it is not an envelope with one operation in `namespace`."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise SoapFault("INVALID_XML", f"The request is not well-formed XML: {exc}", namespace=namespace) from None
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault("INVALID_XML", "The request is not a SOAP 1.1 Envelope", namespace=namespace)
    header = root.find(f"{{{SOAP_ENV}}}Header")
    body_element = root.find(f"{{{SOAP_ENV}}}Body")
    operations = list(body_element) if body_element is not None else []
    if len(operations) != 1:
        raise SoapFault("INVALID_XML", "The SOAP Body must hold exactly one operation", namespace=namespace)
    operation = operations[0]
    return SoapCall(local_name(operation.tag), _namespace(operation.tag), operation, header)


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def _namespace(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def child_text(element: ET.Element, name: str) -> str | None:
    for child in element:
        if local_name(child.tag) == name:
            return child.text or ""
    return None


def children_text(element: ET.Element, name: str) -> list[str]:
    return [child.text or "" for child in element if local_name(child.tag) == name]


def xsi_type(element: ET.Element) -> str | None:
    """The local part of an element's xsi:type ("ns0:ChatterSettings" -> "ChatterSettings")."""
    value = element.get(f"{{{XSI}}}type")
    return None if value is None else value.rpartition(":")[2]


def envelope(body_xml: str, *, default_namespace: str) -> bytes:
    """A response envelope whose Body holds `body_xml`, unprefixed elements in `default_namespace`."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns={quoteattr(default_namespace)} xmlns:xsi="{XSI}">'
        f"<soapenv:Body>{body_xml}</soapenv:Body></soapenv:Envelope>"
    ).encode()


def element(name: str, value: object) -> str:
    """`<name>value</name>`; booleans as true/false; None as xsi:nil."""
    if value is None:
        return f'<{name} xsi:nil="true"/>'
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f"<{name}>{escape(text)}</{name}>"
