"""The operator's config: strict, with errors as `section.key: what is wrong`."""

from __future__ import annotations

import pytest
from helpers import cli

from intervisie.config import load_config
from intervisie.errors import ConfigError


def test_example_config_is_valid():
    cfg = load_config("config/example.toml")
    assert cfg.workbook.path.name == "intervisie.xlsx"
    assert cfg.mail.transport == "outbox"


@pytest.mark.parametrize(
    "text,message",
    [
        ("[mail]\nsmtp_hots = 'x'\n", "mail.smtp_hots: unknown key"),
        (
            "[workbook]\npath = 'a.xlsx'\ngoogle_sheet = 'k'\ncredentials = 'c.json'\n",
            "workbook: give either path or google_sheet, not both",
        ),
        ("[mail]\ntransport = 'smtp'\n", "mail: transport 'smtp' needs smtp_host"),
        ("[mail]\nsmtp_port = 'vijf'\n", "mail.smtp_port:"),
        ("[mail]\ntransport = 'pigeon'\n", "mail.transport: Input should be 'outbox' or 'smtp'"),
        ("[extra]\n", "extra: unknown key"),
        ("[workbook\n", "not valid TOML"),
    ],
)
def test_config_errors_name_the_key(tmp_path, text, message):
    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert message in str(exc.value)


def test_config_error_is_exit_2_one_line(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[mail]\nsmtp_hots = 'x'\n")
    result = cli("check", "--config", str(p))
    assert result.exit_code == 2
    assert "mail.smtp_hots: unknown key" in result.output


def test_secret_comes_from_the_environment(tmp_path, monkeypatch):
    p = tmp_path / "c.toml"
    p.write_text("[mail]\nsmtp_password_env = 'MY_PW'\n")
    monkeypatch.setenv("MY_PW", "geheim")
    assert load_config(p).mail.smtp_password() == "geheim"


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    p = tmp_path / "sub" / "c.toml"
    p.parent.mkdir()
    p.write_text("[workbook]\npath = 'wb.xlsx'\n")
    cfg = load_config(p)
    assert cfg.resolve(cfg.workbook.path) == tmp_path / "sub" / "wb.xlsx"


def test_bad_today_is_exit_2(demo_xlsx):
    result = cli("check", "--workbook", str(demo_xlsx), "--today", "22-11-2026")
    assert result.exit_code == 2 and "--today" in result.output


def test_init_needs_a_path_or_google(tmp_path):
    r = cli("init")
    assert r.exit_code == 2 and "give a PATH" in r.output


def test_init_google_without_credentials_names_the_key(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[workbook]\n")
    r = cli("init", "--google", "1AbCdEfGhIjKlMnOpQrSt", "--config", str(p))
    assert r.exit_code == 2 and "workbook.credentials" in r.output
