"""The only way a notice PDF may load anything: data: URLs and the PDF's own static files.

WeasyPrint's default fetcher reads any local file and makes HTTP requests: a ``<link
rel="attachment" href="file:///etc/hostname">`` reaching the renderer embeds that file into the PDF,
and ``<img>`` or ``url()`` make requests from the server (STACK.md). User text is autoescaped, so
such markup should never reach WeasyPrint; this fetcher is the second wall in case it does.
"""

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .errors import FetchRefusedError


def pdf_static_dir() -> Path:
    """The folder of the PDF's stylesheets (and any image or font it may one day reference)."""
    return Path(settings.BASE_DIR) / "static" / "notices" / "pdf"


class NoticeURLFetcher(URLFetcher):
    """Allow ``data:`` URLs and regular files under ``roots``; refuse everything else.

    ``fail_on_errors`` makes WeasyPrint stop the render on a refusal instead of logging it and
    printing the notice without the resource.
    """

    def __init__(self, *, roots: Iterable[Path] | None = None) -> None:
        # data: is the only protocol the parent class may ever open; files are read here.
        super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=True)
        chosen = (pdf_static_dir(),) if roots is None else tuple(roots)
        self._roots = tuple(Path(root).resolve() for root in chosen)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            return self._fetch_file(url)
        raise FetchRefusedError(url=url)

    def _fetch_file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise FetchRefusedError(url=url)
        try:
            # resolve() follows symlinks and "..", so the check below sees the real location.
            path = Path(url2pathname(parts.path)).resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise FetchRefusedError(url=url) from exc
        if not path.is_file() or not any(path.is_relative_to(root) for root in self._roots):
            raise FetchRefusedError(url=url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type})
