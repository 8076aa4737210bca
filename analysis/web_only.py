"""yt-dlp held to the web: nothing but http(s) is fetched, whatever a server or a site's page points to.

Checking the URL the user gives is not enough: a server can answer it with a redirect to ``ftp://`` (which
urllib follows), and a site's page can list formats at ``ftp://``, ``rtmp://`` or ``file://`` addresses.
:class:`WebOnlyYoutubeDL` is yt-dlp with one request handler, urllib's limited to http(s): a redirect to
any other scheme is refused before it is followed (no connection to its host is ever made), and so is any
request for one. :func:`web_formats` sets aside the formats a site offers at other addresses. Either raises
:class:`NotWebError`, whose message names the host.
"""

from __future__ import annotations

import functools
import urllib.request
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

import yt_dlp
from yt_dlp.networking._urllib import UrllibRH
from yt_dlp.networking.exceptions import RequestError

from analysis.urls import redact_url

WEB_SCHEMES = frozenset({"http", "https"})


class NotWebError(RequestError):
    """A redirect or a site's link to an address that is not http(s), refused before anything connects to it.

    A yt-dlp RequestError, so that every layer of yt-dlp passes it on unchanged; its message is for the user.
    """


def is_web(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) address."""
    try:
        return urlsplit(url).scheme.lower() in WEB_SCHEMES
    except ValueError:
        return False


def host_of(url: str) -> str:
    """The host (and port) ``url`` names, without a user name or password; the URL itself when it has none."""
    try:
        return urlsplit(url).netloc.rpartition("@")[2] or redact_url(url)
    except ValueError:
        return redact_url(url)


class _WebOnlyGuard(urllib.request.BaseHandler):
    """Part of urllib's opener, ahead of yt-dlp's own handlers: refuses a redirect whose target is not
    http(s), and opens nothing that is not (should anything still ask for ``ftp:``, ``data:`` or ``file:``)."""

    handler_order = 50  # urllib asks handlers in this order: before yt-dlp's proxy (100) and redirect (500)

    def _check_redirect(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any) -> None:
        location = headers.get("location") or headers.get("uri")
        if location is None:
            return  # not a redirect urllib would follow; the next handler decides
        target = urljoin(req.full_url, location)
        if not is_web(target):
            fp.close()
            raise NotWebError(
                f"{host_of(req.full_url)} redirected the download to {redact_url(target)}, which is not an "
                "http(s) address: refused"
            )

    http_error_301 = http_error_302 = http_error_303 = http_error_307 = http_error_308 = _check_redirect

    def _refuse(self, req: urllib.request.Request) -> None:
        raise NotWebError(f"{redact_url(req.full_url)} is not an http(s) address: refused")

    ftp_open = data_open = file_open = unknown_open = _refuse


class WebOnlyUrllibRH(UrllibRH):
    """yt-dlp's urllib request handler for http(s) only, with :class:`_WebOnlyGuard` in its opener."""

    _SUPPORTED_URL_SCHEMES = tuple(sorted(WEB_SCHEMES))

    def validate(self, request: Any) -> None:
        """Refuse a request for anything but http(s) (a page's link an extractor follows) with our message."""
        if not is_web(request.url):
            raise NotWebError(
                f"the download led to {redact_url(request.url)} ({host_of(request.url)}), which is not an http(s) "
                "address: refused"
            )
        super().validate(request)

    def _create_instance(self, *args: Any, **kwargs: Any) -> urllib.request.OpenerDirector:
        opener = super()._create_instance(*args, **kwargs)
        opener.add_handler(_WebOnlyGuard())
        return opener


class WebOnlyYoutubeDL(yt_dlp.YoutubeDL):
    """yt-dlp whose every request (pages, manifests, media, redirects) goes through :class:`WebOnlyUrllibRH`."""

    @functools.cached_property
    def _request_director(self) -> Any:
        return self.build_request_director([WebOnlyUrllibRH])


def _format_urls(fmt: dict[str, Any]) -> Iterable[str]:
    """The absolute addresses a format would be fetched from (relative fragment paths join a base URL)."""
    for key in ("url", "manifest_url", "fragment_base_url"):
        if fmt.get(key):
            yield str(fmt[key])
    fragments = fmt.get("fragments")
    if isinstance(fragments, list):
        for fragment in fragments:
            if isinstance(fragment, dict) and fragment.get("url") and urlsplit(fragment["url"]).scheme:
                yield str(fragment["url"])


def web_formats(formats: list[dict[str, Any]], page_url: str) -> list[dict[str, Any]]:
    """The formats fetched over http(s) only; NotWebError when the site offers formats but none of them is."""
    kept = [fmt for fmt in formats if all(is_web(url) for url in _format_urls(fmt))]
    if formats and not kept:
        other = next(url for fmt in formats for url in _format_urls(fmt) if not is_web(url))
        raise NotWebError(
            f"{host_of(page_url)} offers this video only at {redact_url(other)} ({host_of(other)}), which is not "
            "an http(s) address: refused"
        )
    return kept
