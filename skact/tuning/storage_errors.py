"""Storage failures in words: URLs with their secrets hidden, and one line per failure.

:func:`mask_url` hides every secret a URL can carry (user name and password, secret query
parameters, a raw ``@`` inside a password) in messages and files; :func:`scrub` takes them
out of a driver's message. :func:`storage_failure` tells a failure of the storage (a full
disk, a database that went away, and what Optuna raises after one) from a failure of a
trial, and :func:`storage_error` turns it into one :class:`~skact.exceptions.StudyError`
line that says what happened and what was kept.
"""

from __future__ import annotations

import errno
import re

from skact.exceptions import StudyError

#: Query parameters whose values may be shown; every other value is hidden.
_HARMLESS_QUERY_KEYS = frozenset({
    "sslmode", "connect_timeout", "application_name", "charset", "target_session_attrs",
    "timeout", "driver", "options",
})

_DRIVERS = {  # the module a URL scheme needs -> what to install
    "psycopg": "pip install 'skact[postgres]' (psycopg 3)",
    "psycopg2": "pip install psycopg2-binary",
    "pymysql": "pip install pymysql",
    "MySQLdb": "pip install mysqlclient",
}


def mask_url(url: str | None) -> str | None:
    """Hide the secrets of a database URL: its user-info and its query values.

    Everything between ``://`` and the last ``@`` is hidden (a password holding a raw ``@``
    too); so is every query value but a few harmless ones such as ``sslmode``. A journal
    path is returned as it is.

    Examples
    --------
    >>> mask_url("postgresql://me:secret@db.example.org/optuna")
    'postgresql://***@db.example.org/optuna'
    >>> mask_url("postgresql+psycopg2://me@db/optuna?password=secret&sslmode=require")
    'postgresql+psycopg2://***@db/optuna?password=***&sslmode=require'
    >>> mask_url("postgresql://me:p@ss@db/optuna")
    'postgresql://***@db/optuna'
    """
    if url is None:
        return None
    url = str(url)
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url

    def hide_value(match):
        key = match.group(2)
        shown = key.lower() in _HARMLESS_QUERY_KEYS
        return f"{match.group(1)}{key}={match.group(3) if shown else '***'}"

    # query values first: one holding an '@' must not be taken for the end of the user-info
    rest = re.sub(r"([?&])([^=&?]*)=([^&]*)", hide_value, rest)
    if "@" in rest:
        rest = "***" + rest[rest.rfind("@"):]
    return f"{scheme}://{rest}"


def url_secrets(url: str) -> list[str]:
    """The secrets of a URL as they may appear in a driver's message (password, user-info,
    secret query values), longest first, for :func:`scrub`."""
    from urllib.parse import unquote

    found = set()
    rest = url.partition("://")[2]
    authority = rest.split("/", 1)[0]
    if "@" in rest:
        userinfo = rest[: rest.rfind("@")]
        user, _, password = userinfo.partition(":")
        found.update({userinfo, password})
        if len(user) >= 3:  # a driver's "authentication failed for user ..." names it
            found.add(user)
    if "@" in authority:
        found.add(authority[: authority.rfind("@")].partition(":")[2])
    for key, value in re.findall(r"[?&]([^=&?]*)=([^&]*)", rest):
        if key.lower() not in _HARMLESS_QUERY_KEYS:
            found.add(value)
    found |= {unquote(s) for s in found}
    return sorted((s for s in found if len(s) >= 2), key=len, reverse=True)


def scrub(text: str, url: str | None) -> str:
    """``text`` (a driver's error message) with the URL and its secrets replaced by ``***``."""
    if not url or "://" not in str(url):
        return text
    text = text.replace(str(url), mask_url(url))
    for secret in url_secrets(str(url)):
        text = text.replace(secret, "***")
    return text


def storage_failure(exc: BaseException | None) -> BaseException | None:
    """The failure of the storage behind ``exc``, or ``None`` when ``exc`` is not one.

    A storage failure is an OSError (disk full, I/O), an error of the database or its driver,
    or what Optuna raises after one: its ``StorageInternalError`` (a failed commit, which
    Optuna blames on "invalid data"), the assertion its journal storage fails after a lost
    write, or the ``UnboundLocalError`` its trial runner raises when recording a trial's
    end failed and reading the trial back failed too (the database went away). For those,
    the error underneath is returned, so that the message can name what happened.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) or _is_database_error(exc):
            return exc
        name = type(exc).__name__
        if name == "StorageInternalError" and type(exc).__module__.startswith("optuna"):
            return exc.__cause__ or exc
        optuna_after_failure = (
            (isinstance(exc, AssertionError) and "Should not reach" in str(exc))
            or (isinstance(exc, UnboundLocalError) and "updated_state" in str(exc))
        )
        if not optuna_after_failure:
            return None
        exc = exc.__context__
    return None


def _is_database_error(exc: BaseException) -> bool:
    module = type(exc).__module__.split(".")[0]
    return module in ("sqlalchemy", "psycopg", "psycopg2", "pymysql", "MySQLdb", "sqlite3")


def is_storage_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure of the storage rather than of a trial
    (:func:`storage_failure`)."""
    return storage_failure(exc) is not None


#: How a failure during a run ends its message: nothing that finished is lost.
KEPT = "the trials that finished are kept"


def storage_error(url: str | None, doing: str, exc: BaseException) -> StudyError:
    """One line for a storage failure: what was being done, where, and the cause, with no
    secret from the URL; a missing driver module or a full disk is named with its fix, a
    database server that went away while a study ran with the news that the trials that
    finished are kept (they are: each one is committed when it ends)."""
    where = mask_url(url) if url else "memory"
    exc = storage_failure(exc) or exc
    missing = _missing_module(exc)
    if missing is not None:
        exc = missing
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        fix = _DRIVERS.get(exc.name.split(".")[0], f"pip install {exc.name.split('.')[0]}")
        return StudyError(
            f"storage {where} needs the database driver module {exc.name!r}, which is not "
            f"installed: {fix}"
        )
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StudyError(
            f"no space left on the device of storage {where} (trying to {doing}); free some "
            f"space and run again: {KEPT}"
        )
    if type(exc).__name__ == "NoSuchModuleError":  # sqlalchemy: no dialect for the scheme
        return StudyError(
            f"storage {where}: no database driver is known for "
            f"{str(url).split('://')[0]!r}; use a URL such as postgresql://..., "
            "mysql+pymysql://... or sqlite:///file.db, or a journal file path"
        )
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    # sqlalchemy repeats the driver's exception name: "(psycopg.OperationalError) ..."
    first = re.sub(r"^\([\w.]+\) ", "", first)
    detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    on_server = url is not None and "://" in str(url) and not str(url).startswith("sqlite")
    if on_server and doing != "open the storage" and _is_database_error(exc):
        return StudyError(scrub(
            f"the database {where} stopped answering while this worker tried to {doing} "
            f"({detail}); {KEPT} in it: run the same command again once the server is back "
            "to go on with the study", url))
    hint = ""
    if type(exc).__name__ == "OperationalError" and on_server:
        hint = ("; check that the database server is running and reachable, and the host, "
                "port, user, password and database name in the URL")
        if re.search(r"time(out|d out)", first, re.I):
            hint = ("; the server took the connection but did not answer in time (add "
                    "connect_timeout=SECONDS to the URL to wait longer)")
    return StudyError(scrub(f"cannot {doing} in {where}: {detail}{hint}", url))


def _missing_module(exc: BaseException | None) -> ModuleNotFoundError | None:
    """The ModuleNotFoundError behind ``exc`` (Optuna hides it behind its own ImportError)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ModuleNotFoundError) and exc.name:
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
