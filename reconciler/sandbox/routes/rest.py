"""The REST API's own resources: the versions list, the resources of a version, and /limits."""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.routes.http import RestContext, RestRequest, RestResponse

MIN_VERSION = 20
MAX_VERSION = 64  # the newest describe data the sandbox holds (describe/derived-v64)
_SEASONS = ("Winter", "Spring", "Summer")


def supported(version: str) -> bool:
    """True for the versions the sandbox answers, "20.0" to "64.0"."""
    major, _, minor = version.partition(".")
    return major.isdigit() and minor == "0" and MIN_VERSION <= int(major) <= MAX_VERSION


def versions() -> list[dict[str, Any]]:
    """`GET /services/data`: every version with its release label (v20.0 was Winter '11, three releases a year)."""
    entries = []
    for number in range(MIN_VERSION, MAX_VERSION + 1):
        step = number - MIN_VERSION
        label = f"{_SEASONS[step % 3]} '{11 + step // 3:02d}"
        entries.append({"label": label, "url": f"/services/data/v{number}.0", "version": f"{number}.0"})
    return entries


def resources(ctx: RestContext, request: RestRequest) -> RestResponse:
    base = f"/services/data/v{ctx.version}"
    names = ("sobjects", "query", "queryAll", "composite", "limits")
    return RestResponse(200, {name: f"{base}/{name}" for name in names})


def limits(ctx: RestContext, request: RestRequest) -> RestResponse:
    used, maximum = ctx.session.api_usage()
    return RestResponse(200, {"DailyApiRequests": {"Max": maximum, "Remaining": max(0, maximum - used)}})
