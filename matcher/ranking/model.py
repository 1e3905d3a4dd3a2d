"""Ranking models: the weights `musubi train` learned for each mode, saved with what they were
learned from, and the choice of which model ranks a query.

A model is a JSON file (weights are a handful of numbers: readable, diffable, never code):

    {"format": 1, "encoder": FINGERPRINT, "modes": {MODE: {"features": {NAME: WEIGHT}, …}},
     "manifest": {"command": …, "files": {PATH: SHA-256}, "trained_at": …, …}}

The home's model (HOME/ranking-model.json, written by `musubi train --save`) ranks a mode when
it fits the encoder and was trained on that mode's features; else the model shipped with Musubi
(matcher/ranking/model.json) when it does; else the mode's documented unlearned weights. Results
say which, and name a model passed over for another feature set (`ranked_by.passed_over`).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matcher.ranking.calibration import DEFAULTS, Calibration
from matcher.ranking.scorer import LinearScorer

FORMAT = 1
HOME_MODEL = "ranking-model.json"
SHIPPED_MODEL = Path(__file__).with_name("model.json")
# Package versions inside an encoder fingerprint (st-6.3.0, ja_ginza-5.3.0) do not change the
# vectors a model was trained on; the weights' digests beside them do.
_VERSION = re.compile(r"-\d+(\.\d+)+")


class ModelError(ValueError):
    """A model file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class RankingModel:
    """Learned weights per mode, with the encoder they were learned for and their manifest."""

    encoder: str
    modes: dict[str, dict[str, Any]]
    manifest: dict[str, Any] = field(default_factory=dict)
    source: str = ""  # where it was read from (for messages)

    def calibration(self, mode: str) -> Calibration | None:
        entry = self.modes.get(mode, {}).get("calibration")
        return None if entry is None else Calibration.from_json(entry, mode)

    def weights(self, mode: str) -> dict[str, float] | None:
        entry = self.modes.get(mode)
        return None if entry is None else dict(entry["features"])

    def fits(self, fingerprint: str) -> bool:
        return same_encoder(self.encoder, fingerprint)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "encoder": self.encoder,
            "modes": self.modes,
            "manifest": self.manifest,
        }


def same_encoder(a: str, b: str) -> bool:
    return _VERSION.sub("", a) == _VERSION.sub("", b)


def load_model(path: str | os.PathLike[str]) -> RankingModel:
    """The model in ``path``; ModelError when it is not a ranking model this version reads."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"{path}: not a readable ranking model ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelError(f"{path}: not a ranking model of format {FORMAT}")
    modes = data.get("modes")
    if not isinstance(modes, dict) or not isinstance(data.get("encoder"), str):
        raise ModelError(f'{path}: a ranking model needs "encoder" and "modes"')
    for mode, entry in modes.items():
        features = entry.get("features") if isinstance(entry, dict) else None
        if not isinstance(features, dict) or not all(
            isinstance(w, (int, float)) and not isinstance(w, bool) for w in features.values()
        ):
            raise ModelError(f"{path}: mode {mode!r} has no feature weights")
        if "calibration" in entry:
            try:
                Calibration.from_json(entry["calibration"], mode)
            except (KeyError, TypeError, ValueError) as error:
                raise ModelError(
                    f"{path}: mode {mode!r} has an unusable calibration ({error})"
                ) from None
    return RankingModel(data["encoder"], modes, data.get("manifest") or {}, str(path))


def save_model(model: RankingModel, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` atomically: a reader sees the old model or the new one."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(model.to_json(), handle, ensure_ascii=False, indent=1)
            handle.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class ModelChoice:
    """The models that fit the encoder, the home's first (none: unlearned weights), and why
    others were passed over."""

    models: tuple[RankingModel, ...] = ()
    passed_over: tuple[str, ...] = ()

    @property
    def model(self) -> RankingModel | None:
        """The first model that fits the encoder: the home's, else the shipped one."""
        return self.models[0] if self.models else None

    def ranking(
        self, mode: str, features: Mapping[str, float]
    ) -> tuple[RankingModel | None, tuple[str, ...]]:
        """The first model with weights for exactly these ``features`` of ``mode`` (None: the
        unlearned weights rank), and why the models before it that have the mode were passed
        over."""
        stale: list[str] = []
        for model in self.models:
            weights = model.weights(mode)
            if weights is None:
                continue
            if set(weights) == set(features):
                return model, tuple(stale)
            stale.append(
                f"{model.source}: its {mode} weights are for {', '.join(sorted(weights))}, "
                f"not {', '.join(sorted(features))}; run `musubi train` again"
            )
        return None, tuple(stale)

    def calibration(self, mode: str, features: Mapping[str, float]) -> Calibration:
        """The mode's calibration of match strength in the model that ranks it, else the
        default reading."""
        model, _ = self.ranking(mode, features)
        found = model.calibration(mode) if model else None
        return found or DEFAULTS[mode]

    def scorer(self, mode: str, unlearned: Mapping[str, float]) -> LinearScorer:
        """The mode's learned scorer from the model that ranks it (``ranking``), else the
        unlearned weights; either way naming the models passed over for their features."""
        model, stale = self.ranking(mode, unlearned)
        if model is None:
            return LinearScorer(unlearned, passed_over=stale)
        weights = model.weights(mode) or {}
        return LinearScorer(
            {name: weights[name] for name in unlearned},
            learned=True,
            source=model.source,
            passed_over=stale,
        )


def choose_model(home: Path, fingerprint: str) -> ModelChoice:
    """The home's model and the shipped one, those trained with this encoder (see
    ``ModelChoice.scorer`` for which ranks a mode)."""
    passed: list[str] = []
    fitting: list[RankingModel] = []
    for path in (home / HOME_MODEL, SHIPPED_MODEL):
        if not path.exists():
            continue
        try:
            model = load_model(path)
        except ModelError as error:
            passed.append(str(error))
            continue
        if model.fits(fingerprint):
            fitting.append(model)
        else:
            passed.append(f"{path}: trained for encoder {model.encoder!r}, not {fingerprint!r}")
    return ModelChoice(tuple(fitting), tuple(passed))
