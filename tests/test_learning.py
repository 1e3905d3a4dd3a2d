"""Learning to rank: the pairwise ranker, theme groups, `musubi train` and `evaluate --cv`.

Labels come from the seed builder's own theme of each organisation (never from Musubi's output):
a challenge of one theme is answered by the suppliers whose main theme it is.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import seeds
from embeddings import load_encoder
from matcher.evaluation.dataset import theme_groups
from matcher.evaluation.runner import bootstrap_interval
from matcher.modes.partners import FEATURES as PARTNER_FEATURES
from matcher.modes.procurement import FEATURES
from matcher.modes.queries import RANKED
from matcher.ranking.calibration import Calibration
from matcher.ranking.learning import (
    PairwiseRanker,
    fit_calibration,
    flagged_rates,
    pair_index,
)
from matcher.ranking.model import (
    HOME_MODEL,
    SHIPPED_MODEL,
    RankingModel,
    choose_model,
    load_model,
    save_model,
)
from support import Musubi, json_of, seeded, write_jsonl

PLACEHOLDERS = dict(city="当市", pref="当県", n=5, big=300, pct=30, rate=20, months=6, years=3)
THEMES = ("snow_removal", "agri_drone", "aquaculture", "infra_inspection", "tourism_dx", "gov_dx")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Musubi:
    return seeded(tmp_path_factory.mktemp("learning"))


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two procurement challenges per theme, relevant: that theme's startups and companies."""
    records, labels = seeds.build_labelled_corpus(400)
    lines = []
    for key in THEMES:
        theme = seeds.THEME_BY_KEY[key]
        relevant = {
            r["id"]: 2
            for r in records
            if r["kind"] in ("startup", "company") and labels[r["id"]]["themes"][0] == key
        }
        for k, (title, problem) in enumerate(theme.needs[:2]):
            lines.append(
                {
                    "qid": f"{key}-{k}",
                    "mode": "procurement",
                    "text": f"{title}。{problem.format(**PLACEHOLDERS)}",
                    "relevant": relevant,
                }
            )
    return write_jsonl(tmp_path_factory.mktemp("labels") / "labelled.jsonl", lines)


def test_the_ranker_learns_which_feature_orders_the_grades() -> None:
    rng = np.random.default_rng(0)
    signal, noise = rng.random(600), rng.random(600)
    grades = np.digitize(signal, [0.7, 0.9]).astype(float)  # 0, 1 or 2 by the signal alone
    groups = np.repeat(np.arange(30), 20)
    ranker = PairwiseRanker(C=1.0).fit(np.column_stack([signal, noise]), grades, groups)
    assert ranker.coef_[0] > 5 * abs(ranker.coef_[1])
    assert ranker.get_params() == {"C": 1.0}
    scores = ranker.decision_function(np.column_stack([signal, noise]))
    assert np.corrcoef(scores, signal)[0, 1] > 0.99
    with pytest.raises(ValueError, match="no pair"):
        PairwiseRanker().fit(np.ones((4, 2)), np.zeros(4), np.zeros(4))


def test_each_query_weighs_the_same_however_many_pairs_it_has() -> None:
    grades = np.array([2, 0, 0, 0, 1, 0, 2, 1, 0])
    groups = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2])
    better, worse, weights = pair_index(grades, groups)
    assert all(
        groups[b] == groups[w] and grades[b] > grades[w] for b, w in zip(better, worse, strict=True)
    )
    for g in range(3):
        assert weights[groups[better] == g].sum() == pytest.approx(1.0)


def test_queries_that_share_their_best_answers_are_one_theme() -> None:
    lines = [
        (1, {"mode": "procurement", "relevant": {"st-1": 2, "co-9": 1}}),
        (2, {"mode": "procurement", "relevant": {"st-1": 2}}),
        (3, {"mode": "procurement", "relevant": {"st-2": 2, "co-9": 1}}),  # grade 1 joins nothing
        (4, {"mode": "partners", "org": "st-2", "relevant": {"mu-1": 2}}),
        (5, {"mode": "procurement", "group": "g", "relevant": {"st-3": 2}}),
        (6, {"mode": "joint", "group": "g", "relevant": {"mu-7": 2}}),
    ]
    groups = theme_groups(lines)
    assert groups[1] == groups[2] != groups[3]
    assert groups[3] == groups[4]  # the partners query starts from st-2
    assert groups[5] == groups[6] != groups[1]


def test_bootstrap_interval_brackets_the_mean() -> None:
    low, high = bootstrap_interval([0.1, 0.2, 0.0, 0.3, 0.1, 0.2])
    assert low < 0.15 < high
    assert bootstrap_interval([0.05] * 8) == pytest.approx((0.05, 0.05))


def test_evaluate_cv_reports_ablations_and_the_difference(corpus: Musubi, labelled: Path) -> None:
    report = json_of(corpus, "evaluate", str(labelled), "--cv", "3")
    scores = report["modes"]["procurement"]
    assert scores["queries"] == 2 * len(THEMES)
    assert set(scores["without"]) == {"words", "meaning", "word_fit", "rank"}
    difference = scores["difference"]
    low, high = difference["interval95"]
    assert difference["baseline"] in ("bm25", "dense") and low <= difference["ndcg@10"] <= high
    assert set(scores["weights"]) == set(FEATURES)
    assert "cross-validation" in report["ranked_by"]
    text = corpus("evaluate", str(labelled), "--cv", "3").stdout
    assert "musubi (cv 3)" in text and "without words" in text and "95% interval" in text


def test_train_saves_a_model_that_then_ranks(corpus: Musubi, labelled: Path) -> None:
    before = json_of(corpus, "match", "procurement", "--text", "除雪", "--top", "3")
    assert before["ranked_by"] == {"learned": False, "model": None}
    out = json_of(corpus, "train", str(labelled), "--cv", "3")
    model = load_model(corpus.home / HOME_MODEL)
    assert out["model"] == str(corpus.home / HOME_MODEL)
    assert set(model.modes) == {"procurement"}
    assert list(model.weights("procurement")) == list(FEATURES)
    assert model.manifest["files"] == {
        str(labelled): hashlib.sha256(labelled.read_bytes()).hexdigest()
    }
    assert "musubi train" in model.manifest["command"] and model.manifest["encoder"] == "hashing"
    assert 0.0 <= out["modes"]["procurement"]["cv3"]["ndcg@10"] <= 1.0
    after = json_of(corpus, "match", "procurement", "--text", "除雪", "--top", "3")
    assert after["ranked_by"] == {"learned": True, "model": str(corpus.home / HOME_MODEL)}
    partners = json_of(corpus, "match", "partners", "--org", "un-00001", "--top", "3")
    assert partners["ranked_by"]["learned"] is False  # no partners labels: unlearned weights
    (corpus.home / HOME_MODEL).unlink()


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        ([], "no labelled procurement, partners or joint query"),
        (
            [{"qid": "x", "mode": "procurement", "text": "除雪", "relevant": {"st-99999": 2}}],
            "this store does not have: st-99999",
        ),
        ([{"qid": "x", "mode": "partners", "org": "un-00001"}], 'without "relevant" labels'),
        ([{"qid": "x", "mode": "cartel", "relevant": {"st-1": 1}}], "unknown mode 'cartel'"),
    ],
)
def test_train_refuses_what_cannot_teach_and_keeps_the_model(
    corpus: Musubi, tmp_path: Path, lines: list, said: str
) -> None:
    kept = RankingModel("hashing", {"procurement": {"features": dict(FEATURES)}})
    save_model(kept, corpus.home / HOME_MODEL)
    before = (corpus.home / HOME_MODEL).read_bytes()
    result = corpus("train", str(write_jsonl(tmp_path / "q.jsonl", lines)))
    assert result.exit_code == 2 and said in result.stderr
    assert "Traceback" not in result.output
    assert (corpus.home / HOME_MODEL).read_bytes() == before
    (corpus.home / HOME_MODEL).unlink()


def test_train_refuses_more_folds_than_themes(corpus: Musubi, labelled: Path) -> None:
    result = corpus("train", str(labelled), "--cv", "20")
    assert result.exit_code == 2 and "fewer than the 20 folds asked" in result.stderr
    assert not (corpus.home / HOME_MODEL).exists()


def test_a_model_for_another_encoder_or_feature_set_is_passed_over(tmp_path: Path) -> None:
    other = RankingModel("ginza:v1:x", {"procurement": {"features": dict(FEATURES)}})
    save_model(other, tmp_path / HOME_MODEL)
    choice = choose_model(tmp_path, "hashing:v1:y")
    assert any("trained for encoder" in why for why in choice.passed_over)
    assert not choice.scorer("procurement", FEATURES).learned
    stale = RankingModel("hashing:v1:y", {"partners": {"features": {"reciprocal_fit": 1.0}}})
    save_model(stale, tmp_path / HOME_MODEL)
    choice = choose_model(tmp_path, "hashing:v1:y")
    assert choice.model is not None
    scorer = choice.scorer("partners", PARTNER_FEATURES)
    assert not scorer.learned  # another feature set, and no other model fits the encoder
    (why,) = scorer.provenance()["passed_over"]
    assert str(tmp_path / HOME_MODEL) in why and "reciprocal_fit" in why
    assert "musubi train" in why
    (tmp_path / HOME_MODEL).write_text("{not json", "utf-8")
    assert "not a readable ranking model" in choose_model(tmp_path, "x").passed_over[0]


def test_a_home_model_of_other_features_gives_way_to_the_shipped_model(tmp_path: Path) -> None:
    shipped = load_model(SHIPPED_MODEL)
    old = {"bm25": 1.0, "dense_best": 1.0}  # procurement's features before fits were centred
    home = RankingModel(
        shipped.encoder,
        {"procurement": {"features": old}, "joint": shipped.modes["joint"]},
    )
    save_model(home, tmp_path / HOME_MODEL)
    choice = choose_model(tmp_path, shipped.encoder)
    procurement = choice.scorer("procurement", FEATURES)
    assert procurement.learned and procurement.source == str(SHIPPED_MODEL)
    assert procurement.weights == shipped.weights("procurement")
    (why,) = procurement.provenance()["passed_over"]
    assert "dense_best" in why and "dense_centred" in why
    assert choice.calibration("procurement", FEATURES) == shipped.calibration("procurement")
    # A mode the home model was trained on, with today's features, is ranked by it.
    joint = choice.scorer("joint", RANKED["joint"].features)
    assert joint.source == str(tmp_path / HOME_MODEL) and "passed_over" not in joint.provenance()


def test_package_versions_in_a_fingerprint_do_not_make_another_encoder(tmp_path: Path) -> None:
    model = RankingModel("st:v1:minilm:53aa:st-6.3.0:maxlen=256", {})
    assert model.fits("st:v1:minilm:53aa:st-6.4.1:maxlen=256")
    assert not model.fits("st:v1:minilm:99ff:st-6.3.0:maxlen=256")


def test_the_shipped_model_names_what_it_was_trained_on() -> None:
    model = load_model(SHIPPED_MODEL)
    assert model.encoder.startswith("hybrid:")
    # Trained on how the default encoder reads queries, which a model for its documents alone
    # (before queries were read by their content characters) is not.
    hybrid = load_encoder("hybrid")
    assert model.fits(hybrid.query_fingerprint)
    assert not RankingModel(hybrid.fingerprint, {}).fits(hybrid.query_fingerprint)
    manifest = model.manifest
    assert manifest["command"].startswith("musubi train") and manifest["files"]
    assert all(len(digest) == 64 for digest in manifest["files"].values())
    for mode, entry in model.modes.items():
        assert list(entry["features"]) == list(RANKED[mode].features), mode
    assert model.calibration("procurement") is not None
    assert model.calibration("joint") is not None and model.calibration("partners") is not None
    json.dumps(model.to_json())


def test_train_calibrates_joint_strength(corpus: Musubi, labelled: Path, tmp_path: Path) -> None:
    records, labels = seeds.build_labelled_corpus(400)
    lines = []
    for key in THEMES:
        towns = [
            r
            for r in records
            if r["kind"] == "municipality" and labels[r["id"]]["themes"][0] == key and r["needs"]
        ]
        if len(towns) < 3:
            continue
        origin, others = towns[0], towns[1:]
        relevant = {r["id"]: 2 for r in others if r["prefecture"] != origin["prefecture"]}
        if relevant:
            lines.append({"qid": key, "mode": "joint", "org": origin["id"], "relevant": relevant})
    assert len(lines) >= 3
    joint = write_jsonl(tmp_path / "joint.jsonl", lines)
    out = json_of(corpus, "train", str(labelled), str(joint))
    assert set(out["modes"]["joint"]["calibration"]) >= {"answered_flagged", "relevant_weak"}
    calibration = load_model(corpus.home / HOME_MODEL).calibration("joint")
    assert calibration.inputs == ("relative_fit", "term_coverage")
    with pytest.raises(ValueError, match="procurement calibration reads"):
        Calibration.from_json(calibration.to_json(), "procurement")
    found = json_of(corpus, "match", "joint", "--org", lines[0]["org"])["results"]
    assert found
    for r in found:
        facts = r["explanation"]["facts"]
        assert facts["strength_label"] == calibration.label(facts["strength"])
        assert ("weak_fit" in r["explanation"]["flags"]) == (facts["strength"] < calibration.weak)
    (corpus.home / HOME_MODEL).unlink()


def test_calibration_reads_strength_and_says_when_nothing_fits() -> None:
    rng = np.random.default_rng(1)
    lists = []
    for k in range(40):  # answered: a few strong results among weak ones
        inputs = rng.random((10, 3)) * 0.3
        relevant = np.zeros(10, int)
        relevant[: 1 + k % 3] = 1
        inputs[relevant == 1] += 0.4
        lists.append((inputs, relevant, True))
    for _ in range(20):  # nobody answers: every result is weak
        lists.append((rng.random((10, 3)) * 0.3, np.zeros(10, int), False))
    calibration = fit_calibration(lists)
    assert calibration.weak < calibration.strong
    assert calibration.coef[0] > 0
    rates = flagged_rates(calibration, lists)
    assert rates["no_answer_flagged"] >= 0.9 and rates["answered_flagged"] <= 0.1
    assert rates["relevant_weak"] <= 0.1
    again = Calibration.from_json(json.loads(json.dumps(calibration.to_json())))
    assert again == calibration
    assert calibration.label(0.99) == "strong" and calibration.label(0.0) == "weak"
    with pytest.raises(ValueError, match="relevant and irrelevant"):
        fit_calibration([(np.ones((3, 3)), np.zeros(3, int), False)])


def test_train_calibrates_on_challenges_nobody_answers(
    corpus: Musubi, labelled: Path, tmp_path: Path
) -> None:
    nobody = write_jsonl(
        tmp_path / "none.jsonl",
        [
            {"qid": f"n{k}", "mode": "procurement", "text": text, "no_answer": True}
            for k, text in enumerate(["職員食堂のカレーを美味しくしたい", "庁舎の時計を直したい"])
        ],
    )
    out = json_of(corpus, "train", str(labelled), str(nobody))
    rates = out["modes"]["procurement"]["calibration"]
    assert rates["no_answer_queries"] == 2
    assert set(rates) >= {"no_answer_flagged", "answered_flagged", "relevant_weak"}
    model = load_model(corpus.home / HOME_MODEL)
    calibration = model.calibration("procurement")
    found = json_of(corpus, "match", "procurement", "--text", "除雪", "--top", "3")["results"]
    for r in found:
        facts = r["explanation"]["facts"]
        assert facts["strength_label"] == calibration.label(facts["strength"])
        assert ("weak_fit" in r["explanation"]["flags"]) == (facts["strength"] < calibration.weak)
    (corpus.home / HOME_MODEL).unlink()
    wrong = write_jsonl(
        tmp_path / "wrong.jsonl",
        [{"qid": "x", "mode": "partners", "org": "un-00001", "no_answer": True}],
    )
    result = corpus("train", str(labelled), str(wrong))
    assert result.exit_code == 2 and '"no_answer" marks a procurement challenge' in result.stderr


def test_the_expansion_by_other_municipalities_words_can_be_switched_off(corpus: Musubi) -> None:
    args = ("match", "procurement", "--org", "mu-00002", "--need", "1")
    on = json_of(corpus, *args)
    off = json_of(corpus, *args, "--no-expand")
    assert on["query"]["expand"] is True and off["query"]["expand"] is False
    assert "stated_as" not in off["query"]
    assert on["query"]["stated_as"]  # other towns of the demo state the need in their words
