"""What the command modules share: the ``--config`` option, enum choices, and building the
service. The service modules are imported inside the builders so that importing the CLI stays
cheap; building the service is cheap too (its parts load on first use)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import click

if TYPE_CHECKING:
    from paperwire.service import Service

E = TypeVar("E", bound=enum.StrEnum)
FC = TypeVar("FC", bound=Callable[..., Any])

config_option = click.option(
    "--config",
    "-c",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML settings file (else $PAPERWIRE_CONFIG).",
)


def json_option(help: str = "Print as JSON.") -> Callable[[FC], FC]:
    return click.option("--json", "as_json", is_flag=True, help=help)


class EnumChoice(click.Choice[str], Generic[E]):
    """A choice among an enum's values (its spellings on the command line), converted to the
    member; a wrong value is a usage error (exit code 2) that lists the valid ones."""

    def __init__(self, enum_type: type[E], noun: str) -> None:
        super().__init__([member.value for member in enum_type])
        self.enum_type = enum_type
        self.noun = noun

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> E:
        if isinstance(value, self.enum_type):
            return value
        return self.enum_type(super().convert(value, param, ctx))

    def get_invalid_choice_message(self, value: Any, ctx: click.Context | None) -> str:
        return f"unknown {self.noun} {value!r}; choose one of: {', '.join(self.choices)}"


def build_service(config: Path | None, *, migrate: bool = False, check: bool = True) -> Service:
    """The service, over a store whose schema is this paperwire's: ``migrate`` brings it up
    to date (`init`, `serve --migrate`); otherwise a store that is behind is refused with a
    message saying to run `paperwire init`. ``check`` False: for `show`, whose stdlib-sqlite
    fast path must not load SQLAlchemy (it reads only the papers table, and says to run
    `paperwire init` when there is no store), and for `eval`, which works in a scratch store."""
    from paperwire.service import make_service
    from paperwire.settings import load_settings

    service = make_service(load_settings(config_file=config))
    if migrate:
        service.init()
    elif check:
        service.check_schema()
    return service
