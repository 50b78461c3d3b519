"""Who is behind an IP address, and in which country: an offline lookup, never a network query.

The data is the ``geoip2fast`` package's own file (``geoip2fast-asn.dat.gz``: MaxMind GeoLite2
Country and ASN, IPv4, as built by the package on the date its source line names); an
administrator may point ``IP_OWNER_DATA_FILE`` (settings, from the environment) at another file of
the same format, for instance a newer one from the package's releases. Provenance, licences and how
to replace the file: ``data/README.md`` and ``FORMATS.md §4``.

The file is loaded once per process, lazily, on the first lookup (about 0.15 s and 70 MB), so
importing Django, the scanners or a rule never reads it, and a scan with no remote address never
does either. ``geoip2fast`` keeps what it loaded in module globals: one data file per process,
which is why this module holds the only instance.

What the package does besides looking up, and how it is contained here (read in its 1.2.2 source):
importing it writes ``PYTHONWARNINGS=ignore`` and ``PYTHONIOENCODING`` into ``os.environ`` (undone
right after the import, so child processes are not affected); loading runs ``ps`` twice to report
its own memory use (replaced by a no-op); the network is reached only by
``GeoIPDetail.get_hostname`` (reverse DNS) and ``UpdateGeoIP2Fast`` (downloads), neither of which
is called here. The data file is a pickle: only an administrator's setting chooses it, and it must
come from a trusted source.
"""

from __future__ import annotations

import ipaddress
import os
import re
import threading
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE = "geoip2fast"
PACKAGE_VERSION = "1.2.2"
DEFAULT_FILE_NAME = "geoip2fast-asn.dat.gz"
LICENCE = (
    "geoip2fast code: MIT; data: MaxMind GeoLite2 (GeoLite2 End User License Agreement, "
    "attribution 'This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com')"
)
# Countries and regions inside mainland China for PIPL arts. 38-40 (cross-border provision):
# Hong Kong (HK), Macao (MO) and Taiwan (TW) are outside the mainland for this purpose, as they are
# for the CAC's cross-border data rules.
MAINLAND = frozenset({"CN"})
_DATE_IN_SOURCE = re.compile(r"(\d{4})(\d{2})(\d{2})\s*$")


class OwnerDataError(Exception):
    """The IP owner data file cannot be used (missing, unreadable, not geoip2fast's format)."""


@dataclass(frozen=True, slots=True)
class Owner:
    """What the data says of one address: its country (ISO 3166 code, empty when unknown) and the
    name of the autonomous system announcing it (empty when the data has none)."""

    address: str
    country: str
    asn_name: str
    asn_network: str

    @property
    def outside_mainland(self) -> bool | None:
        """Whether the address is outside mainland China; None when the country is unknown."""
        if not self.country:
            return None
        return self.country not in MAINLAND


@dataclass(frozen=True, slots=True)
class DataInfo:
    """Which data answered: shown beside every conclusion drawn from it, since it ages."""

    source: str
    date: str
    file: str
    package: str = f"{PACKAGE} {PACKAGE_VERSION}"
    licence: str = LICENCE

    def as_evidence(self) -> dict[str, str]:
        return {
            "source": self.source,
            "date": self.date,
            "file": Path(self.file).name,
            "package": self.package,
            "licence": self.licence,
        }


_lock = threading.Lock()
_database: Any = None
_info: DataInfo | None = None
_configured_file: str | None = None


def default_file() -> str:
    """The data file shipped inside the package (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise OwnerDataError(f"the {PACKAGE} package is not installed")
    return str(Path(next(iter(spec.submodule_search_locations))) / DEFAULT_FILE_NAME)


def data_file() -> str:
    """The file to load: ``configure()``'s, else the ``IP_OWNER_DATA_FILE`` setting, else the package's."""
    if _configured_file:
        return _configured_file
    try:
        from django.conf import settings

        configured = getattr(settings, "IP_OWNER_DATA_FILE", "") if settings.configured else ""
    except ImportError:  # used outside Django (bench scripts)
        configured = ""
    return configured or os.environ.get("IP_OWNER_DATA_FILE", "") or default_file()


def configure(path: str | None) -> None:
    """Use another data file from the next lookup on (None: back to the setting); for tests and tools."""
    global _configured_file, _database, _info
    with _lock:
        _configured_file = path
        _database = None
        _info = None
        lookup.cache_clear()


def _import_package() -> Any:
    saved = {key: os.environ.get(key) for key in ("PYTHONWARNINGS", "PYTHONIOENCODING")}
    try:
        with warnings.catch_warnings():
            # Its command-line helpers hold regexes with invalid escapes (DeprecationWarning on compile).
            warnings.simplefilter("ignore", DeprecationWarning)
            from geoip2fast import geoip2fast as module
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    # The loader measures its own memory by running `ps` twice; a worker needs no child process for that.
    module.get_mem_usage = lambda: 0.0
    return module


def _load() -> tuple[Any, DataInfo]:
    global _database, _info
    if _database is not None and _info is not None:
        return _database, _info
    with _lock:
        if _database is None or _info is None:
            path = data_file()
            if not os.path.isfile(path):
                raise OwnerDataError(f"IP owner data file {path} does not exist")
            module = _import_package()
            try:
                database = module.GeoIP2Fast(geoip2fast_data_file=path)
            except Exception as exc:  # the package wraps every failure in its own GeoIPError
                raise OwnerDataError(f"IP owner data file {Path(path).name} cannot be read: {exc}") from None
            if not getattr(database, "asn", False):
                raise OwnerDataError(f"IP owner data file {Path(path).name} has no ASN (owner) data")
            source = str(getattr(database, "source_info", "") or "")
            match = _DATE_IN_SOURCE.search(source)
            date = f"{match[1]}-{match[2]}-{match[3]}" if match else ""
            _info = DataInfo(source=source, date=date, file=path)
            _database = database
    return _database, _info


def info() -> DataInfo:
    """The loaded data's source and date (loads it if needed)."""
    return _load()[1]


@lru_cache(maxsize=65536)
def lookup(address: str) -> Owner | None:
    """Country and AS name of a public address; None for a private, reserved or malformed one."""
    try:
        parsed = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    if not parsed.is_global:
        return None
    database, _ = _load()
    detail = database.lookup(str(parsed))
    code = detail.country_code or ""
    country = code if len(code) == 2 and code.isalpha() else ""
    asn_name, asn_network = detail.asn_name or "", detail.asn_cidr or ""
    if asn_name:
        # The package's ASN search can answer a neighbouring range (seen with its IPv6 file:
        # 13.32.0.1 -> a /18 of 13.21.x); trust a name only for a range that holds the address.
        try:
            if parsed not in ipaddress.ip_network(asn_network, strict=False):
                asn_name, asn_network = "", ""
        except ValueError:
            asn_name, asn_network = "", ""
    if detail.is_private:
        return None
    return Owner(address=str(parsed), country=country, asn_name=asn_name.strip(), asn_network=asn_network)
