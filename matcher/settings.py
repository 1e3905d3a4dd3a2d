"""Settings: one table of names, defaults and help, read from MUSUBI_* variables and options."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One setting: the CLI option is ``--name-with-dashes``, the variable ``MUSUBI_NAME``."""

    name: str
    default: Any
    help: str
    type: type = str

    @property
    def env(self) -> str:
        return "MUSUBI_" + self.name.upper()

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


def _default_home() -> str:
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(data) / "musubi")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "home",
        _default_home(),
        "Directory holding the SQLite database, the embedding cache and the index files.",
    ),
    Setting(
        "database_url",
        None,
        "SQLAlchemy URL of the store (e.g. postgresql+psycopg://user@host/musubi); "
        "default: sqlite:///HOME/musubi.db.",
    ),
    Setting(
        "encoder",
        "hybrid",
        "Text encoder: hybrid (Japanese word vectors + character n-grams + MiniLM for English), "
        "ginza, lexical, minilm, hashing, or st:<sentence-transformers model name or path>.",
    ),
    Setting(
        "index_kind",
        "auto",
        "FAISS index: auto (exact up to ann_threshold vectors, then approximate), flat, ivf, hnsw.",
    ),
    Setting(
        "ann_threshold",
        4_096,
        "Vector count of one graph (the texts of one role and sector) above which "
        "index_kind=auto switches from exact to approximate search.",
        int,
    ),
    Setting(
        "dask_scheduler",
        None,
        "Encode an index run's texts on this Dask cluster: local (a cluster on 127.0.0.1), "
        "local:N (N workers), tls://HOST:PORT, or tcp:// to a loopback address only; unset: "
        "in this process. Needs the dask extra.",
    ),
    Setting(
        "candidate_pool",
        200,
        "Texts fetched from the index per query before features, scoring and diversification.",
        int,
    ),
    Setting(
        "joint_threshold",
        0.6,
        "Similarity above which another municipality's need counts as the same challenge.",
        float,
    ),
    Setting(
        "stated_needs",
        5,
        "Similar needs of other municipalities (at least joint_threshold close) whose words a "
        "procurement challenge is also read in; 0 turns it off (advised for encoders blind to "
        "Japanese, such as minilm).",
        int,
    ),
    Setting(
        "alliances",
        None,
        "TOML file declaring alliances of public bodies that buy each other's certified new "
        "products, for the 随意契約 route hint; default: none (a certification counts only for "
        "its issuer and, when a prefecture issued it, that prefecture's municipalities).",
    ),
    Setting(
        "consortium_pool",
        30,
        "Candidates kept per consortium role (best fit to the theme first) for team assembly.",
        int,
    ),
    Setting(
        "max_import_errors",
        50,
        "How many import errors are listed before the rest are summarised as a count.",
        int,
    ),
    # Matching is CPU-bound Python: on 2 cores more threads add no throughput, only queueing
    # inside the process. 50 users on the demo corpus (benchmarks/bench_load.py, 2 runs each):
    # p95 95 / 104 / 137 / 128 ms and back-to-back 68 / 70 / 72 / 67 req/s at 2 / 4 / 8 / 16
    # threads. Four keeps p95 near the best while a slow request or a reload holds a thread.
    Setting(
        "web_threads",
        4,
        "Worker threads of `musubi serve` (waitress): requests answered at the same time.",
        int,
    ),
    Setting(
        "secure_cookies",
        False,
        "Mark the session cookie Secure (sent over HTTPS only): turn on when the web is served "
        "behind TLS; off for http://127.0.0.1.",
        bool,
    ),
    Setting(
        "trusted_proxies",
        0,
        "Reverse proxies in front of `musubi serve` whose X-Forwarded-For and -Proto headers are "
        "believed (the client's address for per-address limits); 0: the connection's address.",
        int,
    ),
    Setting(
        "login_lockout_attempts",
        5,
        "Wrong passwords in a row after which a coordinator's account is locked; 0 never locks.",
        int,
    ),
    Setting(
        "login_lockout_minutes",
        1.0,
        "How long the first lock lasts; every further wrong password after it doubles the lock, "
        "up to login_lockout_max_minutes. A right password resets the count.",
        float,
    ),
    Setting(
        "login_lockout_max_minutes",
        60.0,
        "The longest lock.",
        float,
    ),
    Setting(
        "login_address_limit",
        "10 per minute;50 per hour",
        "Failed or refused logins from one client address (a Flask-Limiter rate limit; several "
        "joined by ;) before the login page answers 429.",
    ),
    Setting(
        "token_address_limit",
        "10 per minute;50 per hour",
        "Failed API-token checks from one client address before the API answers 429.",
    ),
    Setting(
        "rate_limit_storage",
        "memory://",
        "Where the per-address limits are counted (a Flask-Limiter storage URI): memory:// for "
        "one process; replicas of `musubi serve` share one redis:// or memcached:// server.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Effective settings: CLI options override MUSUBI_* variables, which override defaults."""

    values: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def home_path(self) -> Path:
        return Path(self.values["home"]).expanduser()

    @property
    def url(self) -> str:
        """The database URL, derived from ``home`` unless given."""
        if self.values.get("database_url"):
            return self.values["database_url"]
        return f"sqlite:///{self.home_path / 'musubi.db'}"


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build settings from defaults, then ``environ`` (MUSUBI_*), then non-None ``overrides``."""
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(_BY_NAME))
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r}; known: {', '.join(_BY_NAME)}")
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = overrides.get(setting.name)
        source = setting.option
        if raw is None and environ.get(setting.env, "") != "":
            raw, source = environ[setting.env], setting.env
        values[setting.name] = setting.default if raw is None else _coerce(setting, raw, source)
    return Settings(values)


_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True}
_BOOLEANS |= {"0": False, "false": False, "no": False, "off": False}


def _coerce(setting: Setting, raw: Any, source: str) -> Any:
    if setting.type is str or isinstance(raw, setting.type):
        return raw
    try:
        if setting.type is bool:  # bool("false") is True: read the word instead
            return _BOOLEANS[str(raw).strip().lower()]
        return setting.type(raw)
    except (TypeError, ValueError, KeyError):
        raise ValueError(
            f"{source}: {raw!r} is not a valid {setting.type.__name__} ({setting.help})"
        ) from None
