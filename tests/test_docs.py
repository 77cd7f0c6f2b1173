"""Every setting and every CLI command is documented; a missing entry fails the build."""

from __future__ import annotations

from pathlib import Path

from paperwire.settings import setting_fields

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    missing = [
        f.name
        for f in setting_fields()
        if f"`{f.name}`" not in text or f"`PAPERWIRE_{f.name.upper()}`" not in text
    ]
    assert missing == []


def test_every_cli_command_is_documented() -> None:
    import click

    from paperwire.cli import app

    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    missing = []

    def check(prefix: str, group: click.Group) -> None:
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                check(f"{prefix}{name} ", command)
                continue
            if f"## `paperwire {prefix}{name}" not in text:
                missing.append(prefix + name)
            for param in command.params:
                for opt in param.opts:
                    if opt.startswith("--") and f"`{opt}" not in text:
                        missing.append(f"{prefix}{name} {opt}")

    check("", app)
    assert missing == []
