"""simple-salesforce's Metadata API client, built on one parsed WSDL per process and bound to the connection's
requests.Session.

simple-salesforce parses its 1.5 MB metadata.wsdl on every `sf.mdapi` (0.2-0.6 s each time), and zeep sends
through a session of its own. Here the parsed `zeep.wsdl.Document` is cached once per process (it is read-only
after parsing) and each connection gets its own zeep Client, Transport (over the connection's session, so TLS
trust, timeouts and request counting apply) and SessionHeader.
"""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path

import requests
import simple_salesforce.metadata
from simple_salesforce.metadata import SfdcMetadataApi
from zeep import Client, Settings
from zeep.transports import Transport
from zeep.wsdl import Document

_WSDL = Path(simple_salesforce.metadata.__file__).with_name("metadata.wsdl")
_SERVICE = "{http://soap.sforce.com/2006/04/metadata}MetadataBinding"
_LOCK = threading.Lock()


def _settings() -> Settings:
    return Settings(strict=False, xsd_ignore_sequence_order=True)  # what simple-salesforce uses


@functools.cache
def _document() -> Document:
    return Document(_WSDL.absolute().as_uri(), Transport(), settings=_settings())  # type: ignore[arg-type]  # zeep
    # annotates the class, but its code and documentation take a Transport instance


def metadata_document() -> Document:
    """The parsed Metadata API WSDL, parsed on first use (once, even when several threads ask at once)."""
    with _LOCK:
        return _document()


class SessionTransport(Transport):
    """A zeep Transport over an existing session, left as it is (zeep's own constructor would mount a file://
    adapter on it and replace its User-Agent)."""

    def __init__(self, session: requests.Session) -> None:
        self.cache = None
        self.load_timeout = None
        self.operation_timeout = None  # the session's adapter applies guestlist's default timeout
        self.logger = logging.getLogger("zeep.transports")
        self._close_session = False
        self.session = session


class MetadataApi(SfdcMetadataApi):
    """SfdcMetadataApi without re-parsing the WSDL; SOAP requests go through `session`."""

    def __init__(self, session: requests.Session, session_id: str, instance: str, metadata_url: str,
                 headers: dict[str, str], api_version: str | None) -> None:
        # The attributes SfdcMetadataApi.__init__ sets (simple-salesforce 1.12), with the shared document.
        self.session = session
        self._session_id = session_id
        self._instance = instance
        self.metadata_url = metadata_url
        self.headers = headers
        self._api_version = api_version
        self._deploy_zip = None
        self._client = Client(metadata_document(), transport=SessionTransport(session), settings=_settings())
        self._service = self._client.create_service(_SERVICE, metadata_url)
        self._session_header = self._client.get_element("ns0:SessionHeader")(sessionId=session_id)
