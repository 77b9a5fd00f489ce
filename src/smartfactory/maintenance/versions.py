"""Versioned, trained model artefacts: files under the plant's data folder, indexed in the store.

A trained model is saved as one version of a *kind* (``rul``, ``health``, ``failure``) and a
*scope* (a data-set subset such as ``FD001``, or a machine id)::

    <root>/<kind>/<scope>/v<N>/model.pkl        the fitted object (pickle)
    <root>/<kind>/<scope>/v<N>/reference.npz    training distributions for drift (no pickle)
    <root>/<kind>/<scope>/v<N>/meta.json        the row below, for people reading the folder

``root`` is ``<folder of the store file>/models`` by default (:func:`default_root`). The row in
the ``model_versions`` record table holds the data range, feature names, parameters, metrics,
the code version (``smartfactory.__version__`` plus the git commit when one can be read; never
required) and the artefact path followed by ``@sha256:<hex digest of model.pkl>``.

Safety. Unpickling runs code, so :meth:`ModelRegistry.load` reads the file's bytes, compares
their SHA-256 with the digest recorded in the store *before* unpickling, and refuses a
mismatch with :class:`ArtifactIntegrityError`. Only objects this package trained (LightGBM
boosters, our estimators) are ever written. ``reference.npz`` is read with
``allow_pickle=False``.

Status. A version is ``candidate`` when saved, ``promoted`` by :meth:`ModelRegistry.promote`
(which archives the previously promoted version of the same kind and scope in the same
transaction: exactly one promoted per kind and scope), or ``archived``.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

import smartfactory
from smartfactory.errors import DataError, NotFoundError
from smartfactory.store.base import Store

__all__ = [
    "STATUSES",
    "ArtifactIntegrityError",
    "ModelRegistry",
    "ModelVersion",
    "code_version",
    "default_root",
]

STATUSES = ("candidate", "promoted", "archived")
_COLUMNS = (
    "id, kind, scope, version, created, status, data_start, data_end, features, params, "
    "metrics, code_version, artifact"
)
_SHA = "@sha256:"
_GIT_TIMEOUT_S = 2.0


class ArtifactIntegrityError(DataError):
    """A model file does not match the SHA-256 recorded for it; it is not loaded."""


def code_version() -> str:
    """``smartfactory.__version__``, plus ``+g<commit>`` when the source is a git checkout."""
    version = smartfactory.__version__
    here = Path(smartfactory.__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607 - git from PATH is fine
            cwd=here,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return version
    commit = out.stdout.strip()
    return f"{version}+g{commit}" if out.returncode == 0 and commit else version


def default_root(store_path: Path | str) -> Path:
    """The models folder beside a store file (``<folder>/models``); a URL uses ``./models``."""
    text = str(store_path)
    if "://" in text or text == ":memory:":
        return Path("models")
    return Path(store_path).parent / "models"


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """One row of ``model_versions``."""

    id: str
    kind: str
    scope: str
    version: int
    created: datetime
    status: str
    data_start: datetime | None
    data_end: datetime | None
    features: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    code_version: str = ""
    artifact: str = ""

    @property
    def path(self) -> str:
        """The artefact file, relative to the registry root."""
        return self.artifact.split(_SHA, 1)[0]

    @property
    def sha256(self) -> str:
        """The recorded SHA-256 of the artefact file."""
        parts = self.artifact.split(_SHA, 1)
        return parts[1] if len(parts) == 2 else ""

    def public(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        return {
            "id": self.id,
            "kind": self.kind,
            "scope": self.scope,
            "version": self.version,
            "created": self.created.isoformat(),
            "status": self.status,
            "data_start": self.data_start.isoformat() if self.data_start else None,
            "data_end": self.data_end.isoformat() if self.data_end else None,
            "features": list(self.features),
            "params": self.params,
            "metrics": self.metrics,
            "code_version": self.code_version,
            "artifact": self.path,
            "sha256": self.sha256,
        }


def _utc(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise DataError(f"expected a timestamp, got {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _row(row: Sequence[Any]) -> ModelVersion:
    created = _utc(row[4])
    assert created is not None  # noqa: S101 - NOT NULL column
    return ModelVersion(
        id=str(row[0]),
        kind=str(row[1]),
        scope=str(row[2]),
        version=int(row[3]),
        created=created,
        status=str(row[5]),
        data_start=_utc(row[6]),
        data_end=_utc(row[7]),
        features=tuple(json.loads(row[8])),
        params=dict(json.loads(row[9])),
        metrics=dict(json.loads(row[10])),
        code_version=str(row[11]),
        artifact=str(row[12]),
    )


def _jsonable(value: object) -> Any:  # noqa: ANN401 - any JSON value
    """``value`` with NumPy scalars/arrays and tuples turned into JSON types."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return repr(value)


class ModelRegistry:
    """Save, list, load and promote model versions (see the module docstring)."""

    def __init__(self, store: Store, root: Path | str) -> None:
        self.store = store
        self.root = Path(root)

    # -- writing ------------------------------------------------------------------------------
    def save(
        self,
        kind: str,
        scope: str,
        model: object,
        *,
        features: Sequence[str],
        params: Mapping[str, object],
        metrics: Mapping[str, object],
        data_start: datetime | None = None,
        data_end: datetime | None = None,
        reference: Mapping[str, np.ndarray] | None = None,
        now: datetime | None = None,
    ) -> ModelVersion:
        """Write ``model`` as the next version of ``kind``/``scope`` (status ``candidate``)."""
        for name, text in (("kind", kind), ("scope", scope)):
            if not text or any(c in text for c in "/\\") or text in (".", ".."):
                raise DataError(f"bad model {name} {text!r}")
        rows = self.store.query(
            "SELECT MAX(version) FROM model_versions WHERE kind = ? AND scope = ?", (kind, scope)
        )
        version = int(rows[0][0] or 0) + 1 if rows else 1
        rel = Path(kind) / scope / f"v{version}"
        folder = self.root / rel
        folder.mkdir(parents=True, exist_ok=True)
        blob = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
        (folder / "model.pkl").write_bytes(blob)
        if reference is not None:
            with (folder / "reference.npz").open("wb") as fh:
                arrays: dict[str, Any] = {k: np.asarray(v) for k, v in reference.items()}
                np.savez(fh, **arrays)
        digest = hashlib.sha256(blob).hexdigest()
        mv = ModelVersion(
            id=uuid.uuid4().hex,
            kind=kind,
            scope=scope,
            version=version,
            created=(now or datetime.now(UTC)).astimezone(UTC),
            status="candidate",
            data_start=data_start,
            data_end=data_end,
            features=tuple(features),
            params=_jsonable(dict(params)),
            metrics=_jsonable(dict(metrics)),
            code_version=code_version(),
            artifact=f"{(rel / 'model.pkl').as_posix()}{_SHA}{digest}",
        )
        (folder / "meta.json").write_text(json.dumps(mv.public(), indent=2), encoding="utf-8")
        self.store.execute(
            f"INSERT INTO model_versions ({_COLUMNS}) VALUES ({', '.join('?' * 13)})",
            (
                mv.id,
                kind,
                scope,
                version,
                mv.created,
                mv.status,
                data_start,
                data_end,
                json.dumps(list(mv.features)),
                json.dumps(mv.params),
                json.dumps(mv.metrics),
                mv.code_version,
                mv.artifact,
            ),
        )
        return mv

    def promote(self, version_id: str) -> ModelVersion:
        """Make ``version_id`` the one promoted version of its kind and scope; archive the old."""
        mv = self.get(version_id)
        self.store.execute_all(
            [
                (
                    "UPDATE model_versions SET status = 'archived' "
                    "WHERE kind = ? AND scope = ? AND status = 'promoted' AND id <> ?",
                    (mv.kind, mv.scope, mv.id),
                ),
                ("UPDATE model_versions SET status = 'promoted' WHERE id = ?", (mv.id,)),
            ]
        )
        return self.get(version_id)

    def archive(self, version_id: str) -> ModelVersion:
        """Set ``version_id`` to ``archived``."""
        self.get(version_id)
        self.store.execute(
            "UPDATE model_versions SET status = 'archived' WHERE id = ?", (version_id,)
        )
        return self.get(version_id)

    # -- reading ------------------------------------------------------------------------------
    def list(
        self, kind: str | None = None, scope: str | None = None, status: str | None = None
    ) -> list[ModelVersion]:
        """Versions, optionally filtered, ordered by kind, scope and version."""
        where, params = [], []
        for column, value in (("kind", kind), ("scope", scope), ("status", status)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM model_versions{clause} ORDER BY kind, scope, version",
            params,
        )
        return [_row(r) for r in rows]

    def get(self, ref: str) -> ModelVersion:
        """A version by id, or by ``kind/scope/vN``; NotFoundError if there is none."""
        parts = ref.split("/")
        if len(parts) == 3 and parts[2].startswith("v") and parts[2][1:].isdigit():
            rows = self.store.query(
                f"SELECT {_COLUMNS} FROM model_versions "
                "WHERE kind = ? AND scope = ? AND version = ?",
                (parts[0], parts[1], int(parts[2][1:])),
            )
        else:
            rows = self.store.query(
                f"SELECT {_COLUMNS} FROM model_versions WHERE id = ?",
                (ref,),
            )
        if not rows:
            raise NotFoundError(f"no model version {ref!r}")
        return _row(rows[0])

    def promoted(self, kind: str, scope: str) -> ModelVersion | None:
        """The promoted version of ``kind``/``scope``, or None."""
        found = self.list(kind, scope, "promoted")
        return found[-1] if found else None

    def load(self, mv: ModelVersion) -> object:
        """The fitted object of ``mv``, after checking its SHA-256 (ArtifactIntegrityError)."""
        path = self.root / mv.path
        try:
            blob = path.read_bytes()
        except OSError as err:
            raise NotFoundError(f"model file {path} cannot be read: {err}") from err
        digest = hashlib.sha256(blob).hexdigest()
        if not mv.sha256 or digest != mv.sha256:
            raise ArtifactIntegrityError(
                f"{path} has SHA-256 {digest[:16]}..., the store records "
                f"{mv.sha256[:16] or 'none'}...: refusing to load it"
            )
        return pickle.loads(blob)  # noqa: S301 - digest checked against the store above

    def reference(self, mv: ModelVersion) -> dict[str, np.ndarray]:
        """The training distributions saved with ``mv`` (empty if none were)."""
        path = self.root / mv.path
        ref = path.parent / "reference.npz"
        if not ref.is_file():
            return {}
        with np.load(ref, allow_pickle=False) as data:
            return {k: np.asarray(data[k]) for k in data.files}
