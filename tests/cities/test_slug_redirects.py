"""City slugs transliterate their names (Łódź → ``lodz-pl``); the slugs the loader gave before
(Django's ``slugify`` alone: ``odz-pl``) redirect permanently to the new ones, in every language."""

from __future__ import annotations

import pytest
from django.test import Client

from cityweave.catalogue.models import Instrument
from cityweave.catalogue.services.editing import unique_slug
from cityweave.cities.models import City
from cityweave.core.models import SlugRedirect
from cityweave.core.selectors import slug_moved_to
from cityweave.core.services import slug_redirects_sync
from cityweave.data.loaders import load_all
from cityweave.data.loaders.cities import merged_city_rows, moved_city_slugs

pytestmark = pytest.mark.django_db

# Every seeded city whose slug changed: previous slug → slug.
MOVED = {
    "odz-pl": "lodz-pl",
    "wrocaw-pl": "wroclaw-pl",
    "snderborg-dk": "sonderborg-dk",
}


def city_redirects() -> dict[str, str]:
    return dict(
        SlugRedirect.objects.filter(content_type__model="city").values_list("old_slug", "new_slug")
    )


def test_seeded_city_slugs_are_transliterated() -> None:
    names = dict(City.objects.values_list("slug", "name"))
    assert names["lodz-pl"] == "Łódź"
    assert names["krakow-pl"] == "Kraków"
    assert names["gdansk-pl"] == "Gdansk"  # the Urban Nature Atlas's spelling
    assert names["wroclaw-pl"] == "Wrocław"
    assert not set(MOVED) & set(names)
    assert all(slug.isascii() for slug in names)


def test_seeding_records_every_slug_that_changed() -> None:
    rows, _una = merged_city_rows()
    assert moved_city_slugs(rows) == MOVED
    assert city_redirects() == MOVED


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/cities/odz-pl/", "/cities/lodz-pl/"),
        ("/pl/cities/odz-pl/", "/pl/cities/lodz-pl/"),
        ("/es/cities/wrocaw-pl/", "/es/cities/wroclaw-pl/"),
        ("/pt/cities/snderborg-dk/", "/pt/cities/sonderborg-dk/"),
        ("/de/cities/odz-pl/", "/de/cities/lodz-pl/"),
    ],
)
def test_old_city_addresses_redirect_permanently(client: Client, old: str, new: str) -> None:
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new
    assert client.get(new).status_code == 200


def test_a_redirect_keeps_the_query_and_unknown_slugs_stay_404(client: Client) -> None:
    response = client.get("/cities/odz-pl/?tier=local")
    assert (response.status_code, response["Location"]) == (301, "/cities/lodz-pl/?tier=local")
    assert client.get("/cities/no-such-city-pl/").status_code == 404
    # A redirect of cities leads nowhere for another kind of item.
    assert client.get("/networks/odz-pl/").status_code == 404


def test_a_database_seeded_with_the_previous_slugs_moves_its_cities() -> None:
    lodz = City.objects.get(slug="lodz-pl")
    members = lodz.memberships.count()
    for old, new in MOVED.items():
        City.objects.filter(slug=new).update(slug=old)
    SlugRedirect.objects.all().delete()

    report = load_all()

    moved = City.objects.get(slug="lodz-pl")
    assert moved.pk == lodz.pk and moved.memberships.count() == members
    assert not City.objects.filter(slug__in=MOVED).exists()
    assert report["cities"]["created"] == 0 and report["cities"]["updated"] >= len(MOVED)
    assert report["city_slug_redirects"]["created"] == len(MOVED)
    assert city_redirects() == MOVED
    again = load_all()
    assert again["cities"] == {"created": 0, "updated": 0, "unchanged": City.objects.count()}
    assert again["city_slug_redirects"] == {
        "created": 0,
        "updated": 0,
        "unchanged": len(MOVED),
        "deleted": 0,
    }


def test_redirects_never_take_two_hops_and_a_live_slug_is_not_redirected() -> None:
    first = slug_redirects_sync(model=Instrument, moved={"a-law": "b-law"})
    assert first == {"created": 1, "updated": 0, "unchanged": 0, "deleted": 0}
    slug_redirects_sync(model=Instrument, moved={"b-law": "c-law"})
    assert slug_moved_to(model=Instrument, slug="a-law") == "c-law"
    assert slug_moved_to(model=Instrument, slug="b-law") == "c-law"
    # Back to "b-law": that address is live again, the others lead to it.
    back = slug_redirects_sync(model=Instrument, moved={"c-law": "b-law"})
    assert back["deleted"] == 1
    assert slug_moved_to(model=Instrument, slug="b-law") is None
    assert slug_moved_to(model=Instrument, slug="a-law") == "b-law"
    assert slug_moved_to(model=Instrument, slug="c-law") == "b-law"
    assert slug_moved_to(model=City, slug="a-law") is None


def test_slugs_made_on_the_site_transliterate() -> None:
    assert unique_slug(Instrument, "Łódź Green Deal") == "lodz-green-deal"
    assert unique_slug(Instrument, "Tempelhofer Feld Law") == "tempelhofer-feld-law-2"
    assert unique_slug(Instrument, "ŁŁŁ") == "lll"
    assert unique_slug(Instrument, "—") == "item"
