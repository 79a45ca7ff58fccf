"""Choosing the data directory: the command line, the study, or the environment.

``--data-dir`` wins over the study's ``data: {dir: ...}``, which wins over
``$EVENTSTUDY_DATA`` (:data:`DATA_DIR_ENV`). :func:`resolve_data_dir` insists on one;
:func:`find_data_dir` allows none (the download cache then serves the study).
"""

from __future__ import annotations

import os
from pathlib import Path

from eventstudy.errors import DataError, Location

__all__ = ["DATA_DIR_ENV", "check_dir", "find_data_dir", "resolve_data_dir"]

DATA_DIR_ENV = "EVENTSTUDY_DATA"
"""Environment variable naming the data directory when neither the CLI nor the study does."""


def find_data_dir(cli_value: str | None, study_value: str | None, study_path: Path | None) -> Path | None:
    """Like :func:`resolve_data_dir`, but ``None`` when no directory is named anywhere.

    A named directory that does not exist is still an error; with none named, the
    cache serves (see :func:`eventstudy.data.load_prices_any`).
    """
    given = [v for v in (cli_value, study_value, os.environ.get(DATA_DIR_ENV)) if v and v.strip()]
    return resolve_data_dir(cli_value, study_value, study_path) if given else None


def resolve_data_dir(cli_value: str | None, study_value: str | None, study_path: Path | None) -> Path:
    """Pick the data directory: ``--data-dir`` > the study's ``data.dir`` > ``$EVENTSTUDY_DATA``.

    ``--data-dir`` and the environment variable are taken relative to the current
    directory, ``data.dir`` relative to the study file's folder (so a study and its data
    can move together). Empty values count as not given.

    Raises
    ------
    DataError
        None of the three is given, or the chosen directory does not exist (the message
        says which source named it).

    Examples
    --------
    >>> resolve_data_dir("data", None, None)  # doctest: +SKIP
    PosixPath('data')
    """
    env_value = os.environ.get(DATA_DIR_ENV)
    if cli_value and cli_value.strip():
        path = Path(cli_value).expanduser()
        relative = "" if path.is_absolute() else f" (relative to the current directory {str(Path.cwd())!r})"  # an absolute path is its own
        source = f"--data-dir {cli_value!r}{relative}"
        location = None
    elif study_value and study_value.strip():
        base = study_path.parent if study_path is not None else Path.cwd()
        path = base / Path(study_value).expanduser()
        where = f"the study file {str(study_path)!r}" if study_path is not None else "the study"
        base_named = "the study file's folder" if study_path is not None else f"the current directory {str(base)!r}: a study given as text has no file"
        source = f"data.dir {study_value!r} in {where}" + ("" if Path(study_value).expanduser().is_absolute() else f" (relative to {base_named})")
        location = Location(path=str(study_path)) if study_path is not None else None
    elif env_value and env_value.strip():
        path = Path(env_value).expanduser()
        source = f"the {DATA_DIR_ENV} environment variable ({env_value!r})"
        location = None
    else:
        raise DataError(
            "no data directory given",
            hint=(
                "pass --data-dir DIR on the command line, set 'data: {dir: DIR}' in the study "
                f"file (relative to the study file's folder), or set the {DATA_DIR_ENV} "
                "environment variable"
            ),
        )
    check_dir(path, source, location)
    return path


def check_dir(path: Path, source: str | None, location: Location | None = None) -> None:
    """Raise a DataError unless ``path`` is an existing directory."""
    named = f", named by {source}" if source else ""
    if not path.exists():
        raise DataError(
            f"data directory {str(path)!r} does not exist{named}",
            location=location,
            hint="create it or point to the folder that holds the SYMBOL.csv / SYMBOL.parquet files",
        )
    if not path.is_dir():
        raise DataError(f"data directory {str(path)!r} is not a directory{named}", location=location)

