"""The Chinese text toolkit (renda.core.text): normalisation, stop words, jieba with the
congress's own words in its dictionary — domain terms always, names of regions,
departments and stations read from the database by every process itself."""

from __future__ import annotations

import pytest

from renda.core import text
from renda.core.models import Region, RegionLevel

VILLAGE = "梧桐坳村"  # jieba alone cuts it: 梧桐 / 坳 / 村


def _add_village(world, name: str = VILLAGE) -> Region:  # noqa: ANN001
    return Region.objects.add_child(
        Region.objects.get(pk=world.town_a.pk),
        create_kwargs={
            "code": "980102101099",
            "name": name,
            "level": RegionLevel.VILLAGE,
            "kind": "village",
        },
    )


def test_normalise_folds_full_width_and_whitespace():
    assert text.normalise("Ｇ３１８国道\u3000 路面\n\n破损（急）") == "G318国道 路面 破损(急)"
    assert text.normalise("") == ""


def test_domain_terms_are_single_tokens_without_a_database():
    words = text.tokens("落实小快灵项目和双联系制度，人大代表回选区开展述职评议")

    for term in ("小快灵", "双联系", "人大代表", "回选区", "述职评议"):
        assert term in words
    assert "小快" not in words and "灵" not in words


def test_stop_words_punctuation_and_case():
    assert text.tokens("我们的路灯，坏了！WIFI 和 a 3") == ["路灯", "坏", "wifi"]


def test_a_village_from_the_database_is_one_token(world):
    assert VILLAGE not in text.tokens(f"{VILLAGE}的水渠堵了")  # not a region yet
    _add_village(world)
    text.reset_dictionary()

    assert text.tokens(f"{VILLAGE}的水渠堵了") == [VILLAGE, "水渠", "堵"]
    assert text.tokens("东塘村村口的路灯坏了")[0] == "东塘村"  # the fixture's village


def test_departments_and_stations_come_from_their_apps(world):
    from renda.stations.models import Station, StationKind

    Station.objects.create(
        congress=world.c_a,
        kind=StationKind.CENTRAL,
        name="松风岭联络站",
        code="songfeng",
        address="松风岭",
    )
    text.reset_dictionary()

    words = text.tokens("城乡建设办公室到松风岭联络站接待")
    assert words == ["城乡建设办公室", "到", "松风岭联络站", "接待"]


def test_search_mode_keeps_the_sub_words_of_a_name(world):
    terms = text.tokens("城乡建设办公室", search=True)

    assert {"城乡", "建设", "办公室", "城乡建设", "城乡建设办公室"} <= set(terms)
    assert "人大" in text.tokens("人大代表", search=True)


def test_a_renamed_village_leaves_the_dictionary_as_jieba_had_it(world):
    before = text.tokens(f"{VILLAGE}的水渠堵了")
    village = _add_village(world)
    text.reset_dictionary()
    assert text.tokens(f"{VILLAGE}的水渠堵了")[0] == VILLAGE

    Region.objects.filter(pk=village.pk).update(name="松风岭村")
    text.reset_dictionary()
    assert text.tokens(f"{VILLAGE}的水渠堵了") == before


def test_every_process_reads_new_names_within_the_refresh_time(world, monkeypatch):
    text.tokens("预热")  # the dictionary is loaded, the names read
    _add_village(world)
    assert VILLAGE not in text.tokens(VILLAGE)  # within the refresh time: not yet

    monkeypatch.setattr(text, "NAMES_REFRESH_SECONDS", 0)
    assert text.tokens(VILLAGE) == [VILLAGE]


@pytest.mark.parametrize("name", ["", "村", "东塘 村", "东塘村（社区）", "长" * 31])
def test_names_that_cannot_be_a_word_are_left_out(name):
    assert text._dictionary_word(name) is None


def test_analysis_runs_skip_stop_words_and_end_at_latin():
    analysis = text.analyse("村口的路灯，G318国道")

    assert analysis.runs == ["村口路灯", "国道"]
    assert analysis.bigrams() == ["村口", "口路", "路灯", "国道"]
    assert text.analyse("人大代表", search=True).runs == []
