"""Deciding whether to answer: features of a retrieval and a calibrated confidence.

The confidence is a logistic model over a handful of retrieval features (how well the best FAQ
matched, by how much it beat the runner-up, whether item search agrees, how much of the question is
government-service language at all). Its coefficients are fitted by `python -m search.calibrate`
on questions the index has not seen (held-out FAQ phrasings and out-of-domain questions) and kept in
data/calibration.json, so 0.8 means "right about 8 times in 10".
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path

CALIBRATION_FILE = Path(__file__).resolve().parent / "data" / "calibration.json"
HOTLINE = "12345"


@dataclass(frozen=True)
class AnswerFeatures:
    top_score: float  # combined score of the best FAQ
    margin: float  # (best − runner-up) / best, over every other FAQ
    rival_margin: float  # the same against the best FAQ about other items
    item_agreement: float  # 1 when the best FAQ is about the best item search hit
    coverage: float  # share of the question's content words that are service language
    # Share of the best FAQ phrasing's words that the question (with its expansions) has: a lone
    # shared word ("名字" in "你叫什么名字") matches a FAQ without asking what it answers.
    overlap: float = 0.0

    def vector(self) -> list[float]:
        return [
            math.log1p(max(self.top_score, 0.0)),
            self.margin,
            self.rival_margin,
            self.item_agreement,
            self.coverage,
            self.overlap,
        ]


FEATURE_NAMES = ("log_top_score", "margin", "rival_margin", "item_agreement", "coverage", "overlap")


@dataclass(frozen=True)
class ConfidenceModel:
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5
    # Below this share of service language a question is out of scope, whatever the scores say.
    min_coverage: float = 0.5

    def confidence(self, features: AnswerFeatures) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features.vector(), strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def in_scope(self, features: AnswerFeatures) -> bool:
        return features.coverage >= self.min_coverage

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> ConfidenceModel:
        if not path.exists():
            return DEFAULT_MODEL
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            weights=tuple(float(w) for w in raw["weights"]),
            bias=float(raw["bias"]),
            threshold=float(raw.get("threshold", 0.5)),
            min_coverage=float(raw.get("min_coverage", 0.5)),
        )

    def save(self, path: Path, extra: dict[str, object]) -> None:
        body = {**asdict(self), "features": list(FEATURE_NAMES), **extra}
        path.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# Hand-set starting point, used until a calibration file exists.
DEFAULT_MODEL = ConfidenceModel(weights=(1.2, 2.0, 2.0, 1.0, 2.0, 3.0), bias=-7.5)

_BRACKETED = re.compile(r"（[^）]*）|\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[。！？；])")


def speakable(text: str, max_chars: int = 120) -> str:
    """Text for reading aloud: no bracketed asides, whole sentences, short."""
    plain = _BRACKETED.sub("", text).replace("“", "").replace("”", "").replace("、", "，")
    out = ""
    for sentence in _SENTENCE_END.split(plain):
        if not sentence:
            continue
        if out and len(out) + len(sentence) > max_chars:
            break
        out += sentence
    return out or plain[:max_chars]
