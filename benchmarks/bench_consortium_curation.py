"""Does learning from coordinators' decisions help consortia? Decisions simulated from labels.

On one half of the labelled consortium themes (by author: qids ca… and cb…), a simulated
coordinator curates the first three proposals: every member the labels do not list is swapped
for the first shown alternative they do list, or removed when none is. The team weights are
learned from those decisions (`musubi train --from-curation`), and the other half is scored
with the unlearned and the learned weights; then the halves swap. Prints role precision.

    python benchmarks/bench_consortium_curation.py --home EVAL_DEV_HOME --queries queries.jsonl

The home (eval-dev imported and indexed) is copied: the original is left as it was.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from matcher.curation.learning import decisions, differences, learn_weights
from matcher.curation.proposals import remove_member, save_proposal, swap_member
from matcher.evaluation.teams import query_fields, team_labels
from matcher.modes.consortium.assembly import alternatives, consortium
from matcher.modes.queries import build_query
from matcher.ranking.model import HOME_MODEL, RankingModel, save_model
from matcher.retrieval.matcher import Matcher
from matcher.settings import load_settings
from matcher.store.accounts import create_coordinator
from matcher.store.session import open_store

ACTOR = "simulated"


def curate(m: Matcher, store, lines: list[dict]) -> int:  # noqa: ANN001
    """Save and curate the first three proposals of each theme; the number of changes."""
    changes = 0
    for line in lines:
        labels = team_labels(line)
        query = build_query("consortium", query_fields(line))
        for proposal in consortium(m, query).proposals[:3]:
            view = save_proposal(store, query, proposal, actor=ACTOR)
            version = view.version
            team = [(mb.id, mb.role) for mb in proposal.members]
            for ext, role in list(team):
                if labels.get(ext, 0) >= 1:
                    continue
                shown = alternatives(m, query.theme, team, role, replacing=ext, query=query)
                good = next((a.member for a in shown if labels.get(a.member.id, 0) >= 1), None)
                if good is not None:
                    view = swap_member(
                        store, view.id, ext, good, version=version, actor=ACTOR, reason="合う"
                    )
                    team = [(good.id, role) if x == ext else (x, r) for x, r in team]
                elif len(team) > 1:
                    view = remove_member(
                        store, view.id, ext, version=version, actor=ACTOR, reason="合わない"
                    )
                    team = [(x, r) for x, r in team if x != ext]
                else:
                    continue
                version = view.version
                changes += 1
    return changes


def precision(m: Matcher, lines: list[dict]) -> tuple[float, float]:
    at1, at3 = [], []
    for line in lines:
        labels = team_labels(line)
        result = consortium(m, build_query("consortium", query_fields(line)))
        shares = [
            float(np.mean([labels.get(mb.id, 0) >= 1 for mb in p.members]))
            for p in result.proposals
        ]
        at1.append(shares[0] if shares else 0.0)
        at3.append(float(np.mean(shares[:3])) if shares else 0.0)
    return float(np.mean(at1)), float(np.mean(at3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--queries", required=True, type=Path)
    args = parser.parse_args()
    lines = [json.loads(x) for x in args.queries.read_text("utf-8").splitlines() if x.strip()]
    lines = [x for x in lines if x.get("mode") == "consortium"]
    halves = {p: [x for x in lines if x["qid"].startswith(p)] for p in ("ca", "cb")}
    for train, test in (("ca", "cb"), ("cb", "ca")):
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "home"
            shutil.copytree(args.home, home)
            (home / HOME_MODEL).unlink(missing_ok=True)
            settings = load_settings({"home": str(home)})
            store = open_store(settings)
            create_coordinator(store, ACTOR, "simulated-pass-1")
            m = Matcher(store, settings)
            before = precision(m, halves[test])
            changes = curate(m, store, halves[train])
            found, _ = decisions(store)
            weights = learn_weights(differences(m, found))
            line = f"train on {train}… ({changes} decisions), score {test}…: "
            line += f"unlearned P@1 {before[0]:.3f} P@3 {before[1]:.3f}"
            if weights is None:
                print(line + "; nothing learned")
                continue
            current = m.model.model
            modes = {**(current.modes if current else {}), "consortium": {"features": weights}}
            encoder = current.encoder if current else m.search.encoder.fingerprint
            save_model(RankingModel(encoder, modes), home / HOME_MODEL)
            after = precision(Matcher(store, settings), halves[test])
            print(line + f"; learned P@1 {after[0]:.3f} P@3 {after[1]:.3f}; weights {weights}")


if __name__ == "__main__":
    main()
