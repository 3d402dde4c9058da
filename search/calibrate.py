"""Fit the confidence of `ask` on questions the index has not seen.

    .venv/bin/python -m search.calibrate

Two folds over the FAQ: each entry's first variant is held out of the index and asked, then its
question is. An answer counts as right when its items intersect the held-out entry's items.
Out-of-domain questions (data/out_of_domain.txt) must never be answered. A logistic model over the
retrieval features is fitted to those outcomes and written to data/calibration.json together
with how well it separates them.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import replace
from pathlib import Path

from search.answers import CALIBRATION_FILE, DEFAULT_MODEL, FEATURE_NAMES, AnswerFeatures, ConfidenceModel
from search.catalogue import Catalogue
from search.documents import FaqRecord
from search.embedded import EmbeddedEngine
from search.factory import build_service
from search.faq import load_seed
from search.service import Answer

OUT_OF_DOMAIN_FILE = Path(__file__).resolve().parent / "data" / "out_of_domain.txt"
Sample = tuple[list[float], int]


def load_out_of_domain(path: Path = OUT_OF_DOMAIN_FILE) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def held_out(faqs: list[FaqRecord], fold: int) -> tuple[list[FaqRecord], list[tuple[str, FaqRecord]]]:
    """The FAQ without one phrasing per entry (fold 0: first variant, fold 1: the question)."""
    indexed: list[FaqRecord] = []
    asked: list[tuple[str, FaqRecord]] = []
    for faq in faqs:
        if not faq.variants:
            indexed.append(faq)
            continue
        if fold == 0:
            asked.append((faq.variants[0], faq))
            indexed.append(replace(faq, variants=faq.variants[1:]))
        else:
            asked.append((faq.question, faq))
            indexed.append(replace(faq, question=faq.variants[0], variants=faq.variants[1:]))
    return indexed, asked


def out_of_scope(answer: Answer) -> bool:
    return answer.features is None or (answer.handoff is not None and answer.handoff.reason == "OUT_OF_SCOPE")


async def collect(
    catalogue: Catalogue, faqs: list[FaqRecord], out_of_domain: list[str]
) -> tuple[list[Sample], dict[str, int]]:
    """Features and outcomes of answers the scope gate let through, and counts of what it stopped."""
    samples: list[Sample] = []
    stopped = {"in_domain_asked": 0, "in_domain_out_of_scope": 0, "out_of_domain_asked": 0, "out_of_domain_stopped": 0}
    for fold in (0, 1):
        indexed, asked = held_out(faqs, fold)
        # Answer everything: the outcome of the best guess is what the model learns to predict.
        service = build_service(EmbeddedEngine(), best_bets={})
        service.confidence = replace(DEFAULT_MODEL, threshold=0.0)
        await service.load(catalogue, indexed)
        for question, faq in asked:
            answer = await service.ask(question)
            stopped["in_domain_asked"] += 1
            if out_of_scope(answer) or answer.features is None:
                stopped["in_domain_out_of_scope"] += 1
                continue
            right = answer.faq is not None and bool(set(answer.faq.item_codes) & set(faq.item_codes))
            samples.append((answer.features.vector(), int(right)))
        for question in out_of_domain if fold == 0 else []:
            answer = await service.ask(question)
            stopped["out_of_domain_asked"] += 1
            if out_of_scope(answer) or answer.features is None:
                stopped["out_of_domain_stopped"] += 1
            else:
                samples.append((answer.features.vector(), 0))
        await service.engine.aclose()
    return samples, stopped


def fit(samples: list[Sample], *, l2: float = 0.01, steps: int = 4000, rate: float = 0.5) -> tuple[list[float], float]:
    """Logistic regression by gradient descent on standardised features (no numpy needed)."""
    width = len(samples[0][0])
    means = [sum(x[i] for x, _ in samples) / len(samples) for i in range(width)]
    spreads = [math.sqrt(sum((x[i] - means[i]) ** 2 for x, _ in samples) / len(samples)) or 1.0 for i in range(width)]
    rows = [([(x[i] - means[i]) / spreads[i] for i in range(width)], y) for x, y in samples]
    weights = [0.0] * width
    bias = 0.0
    for _ in range(steps):
        grad = [0.0] * width
        grad_bias = 0.0
        for x, y in rows:
            p = 1.0 / (1.0 + math.exp(-(bias + sum(w * v for w, v in zip(weights, x, strict=True)))))
            for i in range(width):
                grad[i] += (p - y) * x[i]
            grad_bias += p - y
        weights = [w - rate * (g / len(rows) + l2 * w) for w, g in zip(weights, grad, strict=True)]
        bias -= rate * grad_bias / len(rows)
    # Back to the raw feature scale so the service needs no scaler.
    raw = [w / s for w, s in zip(weights, spreads, strict=True)]
    raw_bias = bias - sum(w * m / s for w, m, s in zip(weights, means, spreads, strict=True))
    return raw, raw_bias


def report(model: ConfidenceModel, samples: list[Sample]) -> dict[str, object]:
    predictions = [(model.confidence(AnswerFeatures(math.expm1(x[0]), *x[1:])), y) for x, y in samples]
    brier = sum((p - y) ** 2 for p, y in predictions) / len(predictions)
    answered = [(p, y) for p, y in predictions if p >= model.threshold]
    bins = []
    for low in (0.0, 0.25, 0.5, 0.75):
        inside = [y for p, y in predictions if low <= p < low + 0.25 or (low == 0.75 and p == 1.0)]
        if inside:
            bins.append({"from": low, "to": low + 0.25, "n": len(inside), "right": round(sum(inside) / len(inside), 3)})
    return {
        "samples": len(samples),
        "right_share": round(sum(y for _, y in samples) / len(samples), 3),
        "brier": round(brier, 4),
        "answered_share": round(len(answered) / len(predictions), 3),
        "precision_when_answered": round(sum(y for _, y in answered) / len(answered), 3) if answered else None,
        "reliability": bins,
    }


async def main() -> None:
    from simulators.catalogue.data import catalogue_snapshot

    catalogue = Catalogue.from_snapshot(catalogue_snapshot())
    samples, stopped = await collect(catalogue, load_seed(), load_out_of_domain())
    weights, bias = fit(samples)
    model = replace(DEFAULT_MODEL, weights=tuple(round(w, 4) for w in weights), bias=round(bias, 4))
    summary = {**report(model, samples), "scope_gate": stopped}
    model.save(CALIBRATION_FILE, {"fit": summary})
    print(dict(zip(FEATURE_NAMES, model.weights, strict=True)), "bias", model.bias)
    print(summary)


if __name__ == "__main__":
    asyncio.run(main())
