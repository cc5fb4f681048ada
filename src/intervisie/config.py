"""The operator's config file (TOML), strictly validated with pydantic.

Unknown keys are an error naming the key's path; every error reads
`section.key: what is wrong`. Secrets are never in the file: it names the
environment variable that holds them.
"""

from __future__ import annotations

import os
import tomllib
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkbookConfig(_Strict):
    path: Path | None = None
    google_sheet: str | None = None
    credentials: Path | None = None
    api_endpoint: str = "https://sheets.googleapis.com"
    max_tries: int = Field(6, ge=1, le=20, description="tries per Google API request (429/5xx)")
    backoff_seconds: float = Field(1.0, ge=0, le=60, description="first retry delay; doubles each try")

    @model_validator(mode="after")
    def _one_source(self) -> WorkbookConfig:
        if self.path and self.google_sheet:
            raise ValueError("give either path or google_sheet, not both")
        if self.google_sheet and not self.credentials:
            raise ValueError("google_sheet needs credentials (a service-account key file)")
        return self


class OutputConfig(_Strict):
    dir: Path = Path("output")
    state_dir: Path = Path(".intervisie")
    templates: Path | None = None  # a folder with custom agenda.docx etc.


class MailConfig(_Strict):
    transport: Literal["outbox", "smtp"] = "outbox"
    outbox: Path = Path("outbox")
    sender: str = "Intervisie <intervisie@example.org>"
    templates: Path | None = None  # a folder with your own uitnodiging.txt.j2 etc.
    timezone: str = "Europe/Amsterdam"
    notify: str | None = None  # who hears of a run that could not run (default: the coordinator)
    smtp_host: str | None = None
    smtp_port: int | None = Field(None, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password_env: str | None = "INTERVISIE_SMTP_PASSWORD"
    smtp_cafile: Path | None = None
    smtp_timeout: float = Field(30, gt=0, le=600)
    max_tries: int = Field(4, ge=1, le=10, description="tries per message on 4xx answers and dropped connections")
    backoff_seconds: float = Field(1.0, ge=0, le=60)

    @model_validator(mode="after")
    def _smtp_needs_host(self) -> MailConfig:
        if self.transport == "smtp" and not self.smtp_host:
            raise ValueError("transport 'smtp' needs smtp_host")
        if self.smtp_username and not self.smtp_password_env:
            raise ValueError("smtp_username needs smtp_password_env (the environment variable with the password)")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone: unknown time zone '{self.timezone}' (e.g. Europe/Amsterdam)") from None
        if "@" not in parseaddr(self.sender)[1]:
            raise ValueError(f"sender: '{self.sender}' is not an e-mail address like 'Intervisie <x@example.org>'")
        return self

    def smtp_password(self) -> str | None:
        return os.environ.get(self.smtp_password_env) if self.smtp_password_env else None

    @property
    def port(self) -> int:
        return self.smtp_port or {"ssl": 465, "starttls": 587, "none": 25}[self.smtp_security]


class PlanningConfig(_Strict):
    holidays: Literal["NL", "BE"] = "NL"
    methods: list[Path] = Field(default_factory=list, description="extra method files")
    horizon_weeks: int = Field(16, ge=1, le=104)


class Config(_Strict):
    workbook: WorkbookConfig = WorkbookConfig()
    output: OutputConfig = OutputConfig()
    mail: MailConfig = MailConfig()
    planning: PlanningConfig = PlanningConfig()
    base_dir: Path = Field(Path("."), exclude=True)

    def resolve(self, p: Path | None) -> Path | None:
        if p is None:
            return None
        return p if p.is_absolute() else (self.base_dir / p)


def _format(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        lines.append(f"{loc}: {msg}")
    return "; ".join(lines)


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Load and validate a config file; None gives the defaults (an Excel workbook)."""
    if path is None:
        return Config()
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {p}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc}") from None
    try:
        return Config(**data, base_dir=p.resolve().parent)
    except ValidationError as exc:
        raise ConfigError(f"{p}: {_format(exc)}") from None
