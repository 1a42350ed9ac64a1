"""The recency prior: fresher articles rise, undated ones and timeless questions are untouched,
refusals never change, and the fitted file round-trips."""

from __future__ import annotations

import json
from datetime import date

import pytest

from assistant.config import ConfigError, Settings
from assistant.retrieval.as_of import merged
from assistant.retrieval.recency import NO_PRIOR, PriorSetting, RecencyPrior, age_in_days, load_prior
from assistant.schema import Passage

AS_OF = date(2024, 3, 15)
PRIOR = RecencyPrior(
    plain=PriorSetting(half_life_days=30, retrieval_weight=0.04, answer_weight=0.05),
    cued=PriorSetting(half_life_days=7, retrieval_weight=0.2, answer_weight=0.3),
)


def passage(article: str, day: str | None, score: float) -> Passage:
    return Passage(article, 0, f"{article} says", 0, 10, article, day, "", "", "", score)


def test_freshness_term_is_positive_when_fresh_zero_at_half_life_and_negative_when_old() -> None:
    setting = PriorSetting(half_life_days=10, retrieval_weight=0.2)
    assert setting.term("2024-03-15", AS_OF, 0.2) == pytest.approx(0.1)
    assert setting.term("2024-03-05", AS_OF, 0.2) == pytest.approx(0.0)
    assert setting.term("2020-01-01", AS_OF, 0.2) == pytest.approx(-0.1, abs=1e-6)
    assert setting.term(None, AS_OF, 0.2) == 0.0
    assert setting.term("not a date", AS_OF, 0.2) == 0.0


def test_age_counts_whole_days_and_never_goes_negative() -> None:
    assert age_in_days("2024-03-01", AS_OF) == 14
    assert age_in_days("2024-03-15T23:00:00", AS_OF) == 0
    assert age_in_days("2024-04-01", AS_OF) == 0  # after as_of never reaches here; if it did, it is "now"
    assert age_in_days("", AS_OF) is None


def test_a_fresh_article_overtakes_a_slightly_better_old_one() -> None:
    old, fresh = passage("old", "2022-03-10", 0.60), passage("fresh", "2024-03-14", 0.58)
    ranked = PRIOR.rescore_retrieval([old, fresh], AS_OF, cued=False)
    assert [p.article_id for p in ranked] == ["fresh", "old"]
    assert ranked[0].scores["recency"] > 0 > ranked[1].scores["recency"]


def test_a_cued_question_weighs_time_more_than_a_plain_one() -> None:
    old, fresh = passage("old", "2023-12-01", 0.70), passage("fresh", "2024-03-14", 0.62)
    assert [p.article_id for p in PRIOR.rescore_retrieval([old, fresh], AS_OF, cued=False)] == ["old", "fresh"]
    assert [p.article_id for p in PRIOR.rescore_retrieval([old, fresh], AS_OF, cued=True)] == ["fresh", "old"]


def test_articles_inside_a_stated_window_gain_its_weight_but_others_stay_candidates() -> None:
    prior = RecencyPrior(cued=PriorSetting(half_life_days=7, window_weight=0.1))
    week = (date(2024, 3, 11), date(2024, 3, 15))
    last_week, this_week = passage("last", "2024-03-06", 0.62), passage("this", "2024-03-13", 0.55)
    undated = passage("undated", None, 0.50)
    ranked = prior.rescore_retrieval([last_week, this_week, undated], AS_OF, cued=True, window=week)
    assert [p.article_id for p in ranked] == ["this", "last", "undated"]
    assert ranked[0].score == pytest.approx(0.65) and ranked[0].scores["in_window"] == 0.1
    assert ranked[1].score == 0.62  # outside the window: still read, unchanged
    assert ranked[2].score == 0.50  # undated: nothing says it is inside
    assert prior.rescore_retrieval([last_week, this_week], AS_OF, cued=True) == [last_week, this_week]  # no window


def test_a_window_read_beside_the_as_of_search_keeps_each_sentence_once_best_first() -> None:
    inside = [passage("this", "2024-03-13", 0.55), passage("both", "2024-03-12", 0.7)]
    everywhere = [passage("both", "2024-03-12", 0.7), passage("last", "2024-03-06", 0.62)]
    assert [p.article_id for p in merged(inside, everywhere)] == ["both", "last", "this"]
    assert merged([], everywhere) == everywhere


def test_undated_articles_no_as_of_and_no_prior_rank_exactly_as_before() -> None:
    passages = [passage("a", None, 0.5), passage("b", None, 0.49), passage("c", "2024-03-15", 0.3)]
    assert PRIOR.rescore_retrieval(passages[:2], AS_OF, cued=True) == passages[:2]
    assert PRIOR.rescore_retrieval(passages, None, cued=True) == passages
    assert NO_PRIOR.rescore_retrieval(passages, AS_OF, cued=True) == passages
    assert PRIOR.reorder_answers(passages, None, cued=True, floor=0.1) == passages


def test_answers_are_reordered_among_strong_candidates_only_so_refusals_stay() -> None:
    floor = 0.3
    best_old = passage("old", "2021-01-01", 0.50)
    fresh_strong = passage("fresh", "2024-03-15", 0.40)
    fresh_weak = passage("weak", "2024-03-15", 0.20)
    ranked = PRIOR.reorder_answers([best_old, fresh_strong, fresh_weak], AS_OF, cued=True, floor=floor)
    assert [p.article_id for p in ranked] == ["fresh", "old", "weak"]
    # Below the threshold nothing is promoted: a refusal stays a refusal.
    weak_only = [passage("old", "2021-01-01", 0.25), fresh_weak]
    assert PRIOR.reorder_answers(weak_only, AS_OF, cued=True, floor=floor) == weak_only


def test_the_fitted_file_round_trips_with_a_prior_for_each_way_windows_act(tmp_path) -> None:
    path = tmp_path / "recency.json"
    weighing = RecencyPrior(cued=PriorSetting(half_life_days=30, answer_weight=0.5, window_weight=0.12))
    path.write_text(json.dumps({"filter": {"prior": PRIOR.to_dict()}, "weigh": {"prior": weighing.to_dict()}}))
    assert load_prior(path) == PRIOR
    assert load_prior(path, "weigh") == weighing
    assert load_prior(tmp_path / "absent.json") == NO_PRIOR
    only_filter = tmp_path / "only-filter.json"
    only_filter.write_text(json.dumps({"filter": {"prior": PRIOR.to_dict()}}))
    assert load_prior(only_filter, "weigh") == NO_PRIOR  # not fitted for that way: no prior


def test_the_shipped_file_has_a_prior_for_each_way_windows_act() -> None:
    assert load_prior(windows="filter").cued.window_weight == 0.0  # a filter leaves nothing to weigh
    assert load_prior(windows="weigh").cued.window_weight > 0.0
    assert Settings.from_env({}).stated_windows == "filter"
    assert Settings.from_env({"ASSISTANT_STATED_WINDOWS": "Weigh"}).stated_windows == "weigh"
    with pytest.raises(ConfigError, match="ASSISTANT_STATED_WINDOWS"):
        Settings.from_env({"ASSISTANT_STATED_WINDOWS": "soft"})


def test_the_prior_can_be_switched_off_from_the_environment() -> None:
    assert Settings.from_env({}).recency_prior is True
    assert Settings.from_env({"ASSISTANT_RECENCY_PRIOR": "off"}).recency_prior is False
    with pytest.raises(ConfigError, match="ASSISTANT_RECENCY_PRIOR"):
        Settings.from_env({"ASSISTANT_RECENCY_PRIOR": "sometimes"})
    assert Settings.from_env({}).article_evidence is True
    assert Settings.from_env({"ASSISTANT_ARTICLE_EVIDENCE": "off"}).article_evidence is False
