"""A page depends on the briefings' bodies it read while it was rendered, however its template read them."""

from __future__ import annotations

import inspect
from pathlib import PurePosixPath

import pytest

from conftest import run_cli
from test_incremental import assert_same_as_clean_build, briefing

# Ways a theme's year archive may show the bodies of the briefings it lists.
BODY_READS = {
    "read_html()": "{{ b.read_html() | safe }}",
    "html": "{{ b.html | safe }}",
    "digest": "{{ b.digest }}",
    "attr filter": "{{ b | attr('html') | safe }}",
    "map filter": "{{ [b] | map(attribute='html') | join | safe }}",
}


def _year_override(body_read: str) -> str:
    return ('{% extends "default/year.html" %}{% block content %}{{ super() }}'
            '{% for b in briefings %}<div class="full">' + body_read + '</div>{% endfor %}{% endblock %}')


def _site_of_four(make_site, year_template: str):
    files = {f"content/briefings/b{i}.md": briefing(f"B{i}", f"2021-01-0{i}", f"First paragraph {i}.\n\nMore {i}.")
             for i in range(1, 5)}
    files["templates/year.html"] = year_template
    return make_site(files)


@pytest.mark.parametrize("how", list(BODY_READS))
def test_a_body_edit_re_renders_a_year_archive_whose_theme_reads_bodies_however_it_reads_them(make_site, tmp_path, how):
    site = _site_of_four(make_site, _year_override(BODY_READS[how]))
    run_cli("build", cwd=site, check=True)
    # Past the summary (the first paragraph): the briefing's card, which the archive lists, is as it was.
    (site / "content/briefings/b3.md").write_text(briefing("B3", "2021-01-03", "First paragraph 3.\n\nRewritten."))
    assert_same_as_clean_build(site, tmp_path, f"a body edit under a year archive reading {how}")
    clean = (tmp_path / f"clean-a body edit under a year archive reading {how}" / "briefings/2021/index.html")
    assert (site / "_site/briefings/2021/index.html").read_bytes() == clean.read_bytes()
    if how != "digest":
        assert "Rewritten." in (site / "_site/briefings/2021/index.html").read_text()


def test_a_body_edit_re_renders_only_the_pages_that_read_that_body(make_site):
    """The year archive below shows one body: another briefing's body edit leaves it as it was (a listing of
    "templates that may read bodies" would render it again), that body's edit renders it again."""
    from test_incremental import InMemoryBuilds

    site = _site_of_four(make_site, _year_override("{% if b.slug == 'b1' %}{{ b.html | safe }}{% endif %}"))
    builds = InMemoryBuilds(site)  # each build is checked against a clean one
    year = ("year", 2021)

    def edit(name: str, text: str) -> tuple:
        (site / f"content/briefings/{name}.md").write_text(briefing(name.upper(), f"2021-01-0{name[1]}", text))
        result, remade = builds.rebuild()
        return remade, next(o for o in result.outputs if o.rel_path == "briefings/2021/index.html").read().decode()

    remade, page = edit("b3", "First paragraph 3.\n\nRewritten 3.")
    assert year not in remade and ("briefing", "b3") in remade
    assert builds.cache.jobs.records[year].bodies_read.keys() == {"b1"}
    remade, page = edit("b1", "First paragraph 1.\n\nRewritten 1.")
    assert year in remade and "Rewritten 1." in page


def test_a_body_edit_leaves_the_pages_showing_cards_alone(make_site, tmp_path):
    from briefgen.pipeline import build
    from briefgen.incremental.cache import BuildCache
    from briefgen.config import load_config

    files = {f"content/briefings/b{i}.md": briefing(f"B{i}", f"2021-01-0{i}", f"First paragraph {i}.\n\nMore.")
             for i in range(1, 5)}
    site = make_site(files)
    config = load_config(site)
    cache = BuildCache()
    first = build(config, cache=cache)
    cache.remember_outputs(first.outputs, first.keys)
    before = {o.rel_path: o for o in first.outputs}
    assert not cache.jobs.records[("year", 2021)].bodies_read  # the stock archive shows cards
    (site / "content/briefings/b2.md").write_text(briefing("B2", "2021-01-02", "First paragraph 2.\n\nRewritten."))
    second = build(config, cache=cache)
    after = {o.rel_path: o for o in second.outputs}
    assert after["briefings/2021/index.html"] is before["briefings/2021/index.html"]  # same summary: as it was
    assert after["briefings/index.html"] is before["briefings/index.html"]
    assert b"Rewritten." in after["briefings/b2/index.html"].read()
    assert second.rendered <= 4, second.rendered  # b2's page, the feeds showing its body, its entities' feeds
    assert_same_as_clean_build(site, tmp_path, "a body edit")


# -- the views record every read of a body, whatever reads it ------------------------------------------------


class CountingBodies:
    """A build's rendered bodies, noting every body read from them: the reader the views are given."""

    def __init__(self, bodies):
        self._bodies = bodies
        self.read: list = []

    def __getitem__(self, rel):
        self.read.append(rel)
        return self._bodies[rel]

    def summary(self, rel) -> str:  # kept beside the body's key: not a read of the body
        return self._bodies.summary(rel)


def _renderer_of(site, env=None):
    """A renderer of `site` (built once, into an in-memory cache) whose bodies note each read."""
    from briefgen.incremental.bodies import StoredBodies
    from briefgen.pipeline import build
    from briefgen.incremental.cache import BuildCache
    from briefgen.config import load_config
    from briefgen.errors import Diagnostics
    from briefgen.render.pages import PageRenderer
    from briefgen.render.theme import create_environment, resolve_theme

    config = load_config(site)
    cache = BuildCache()
    result = build(config, cache=cache)
    bodies = CountingBodies(StoredBodies(cache.bodies))
    env = env or create_environment(resolve_theme(config, Diagnostics()))
    return PageRenderer(result.site, bodies, env, "render digest"), bodies


# The dunder methods Jinja and its filters call on what a template is given ({{ x }}, pprint, unique, format, …).
TEMPLATE_DUNDERS = ("__str__", "__repr__", "__format__", "__html__", "__bool__", "__hash__", "__eq__", "__iter__",
                    "__len__", "__getitem__", "__contains__", "__html_format__")


def _touch(value, name: str) -> None:
    """Get `name` of `value` as a template would, and call it if it can be called without arguments."""
    member = getattr(value, name)
    if not callable(member):
        return
    if name == "__eq__":
        member(value)
    elif name == "__format__":
        member("")
    elif name in ("__getitem__", "__contains__"):
        for key in ("html", 0):
            try:
                member(key)
            except (KeyError, IndexError, TypeError):
                pass
    else:
        try:
            member()
        except TypeError:
            # A public method that needs arguments cannot be swept: give it a case of its own above.
            assert not inspect.signature(member).parameters or name.startswith("__"), f"{name} needs a case"


def _template_facing_names(value) -> list[str]:
    return [name for name in dir(value) if not name.startswith("_") or name in TEMPLATE_DUNDERS]


def test_every_public_name_of_a_briefing_view_that_reads_the_body_records_the_read(make_site):
    site = _site_of_four(make_site, _year_override(""))
    readers = set()
    for name in _template_facing_names(_renderer_of(site)[0].briefing_view("b2")):
        renderer, bodies = _renderer_of(site)  # a new view, whose body has not been read yet
        view, log = renderer.briefing_view("b2"), renderer.body_log
        first = log.recorded(lambda: _touch(view, name) or b"")
        if bodies.read:
            readers.add(name)
            assert first.bodies_read == {"b2": renderer.body_digest("b2")}, f"{name} read the body unrecorded"
        # The body is now held by the view: a second read takes it from there, and is recorded all the same.
        again = log.recorded(lambda: _touch(view, name) or b"")
        assert again.bodies_read == first.bodies_read, f"{name} read the body held by the view unrecorded"
    assert {"html", "read_html", "digest"} <= readers  # the sweep reached the roads to the body


def test_the_other_objects_templates_are_given_read_no_body(make_site):
    site = _site_of_four(make_site, _year_override(""))
    renderer, bodies = _renderer_of(site)
    view = renderer.briefing_view("b2")
    (taxonomy, refs), = view.entities[:1]
    key = refs[0].key
    for value in (refs[0], renderer.entity_link(key), taxonomy, renderer.dependencies.value(("entity", key))):
        for name in _template_facing_names(value):
            produced = renderer.body_log.recorded(lambda: _touch(value, name) or b"")
            assert not bodies.read and not produced.bodies_read, f"{type(value).__name__}.{name}"


def test_a_body_read_while_no_page_renders_is_refused(make_site):
    renderer, _ = _renderer_of(_site_of_four(make_site, _year_override("")))
    with pytest.raises(RuntimeError, match="while no page was rendering"):
        renderer.briefing_view("b1").html  # noqa: B018


@pytest.mark.parametrize("source, reads", [
    ("{{ b.title }} {{ b.summary }} {{ b.date.year }} {{ b }} {{ b | pprint }} {{ b | string }}", False),
    ("{% for b in items | sort(attribute='date', reverse=true) %}{{ b.url }}{% endfor %}", False),
    ("{% for y, xs in items | groupby('date.year') %}{{ y }}{% endfor %}", False),
    ("{{ items | join(', ') }} {{ items | unique | list | length }}", False),
    ("{{ b.html }}", True),
    ("{{ b.read_html() }}", True),
    ("{{ b.digest }}", True),
    ("{{ b['html'] | safe }}", True),
    ("{{ b[name] }}", True),
    ("{{ b | attr('html') }}", True),
    ("{{ b | attr(name) }}", True),
    ("{{ items | map(attribute='html') | join }}", True),
    ("{{ items | join(attribute='html') }}", True),
    ("{{ items | selectattr('html') | list | length }}", True),
    ("{% include 'reads.html' %}", True),
    ("{% extends 'plain.html' %}", False),
    ("{% from 'macros.html' import card %}{{ card(b) }}", True),
])
def test_what_counts_as_reading_a_body_is_what_the_template_did(make_site, source, reads):
    import jinja2

    env = jinja2.Environment(loader=jinja2.DictLoader({
        "page.html": source, "reads.html": "{{ b.html }}", "plain.html": "{{ b.title }}",
        "macros.html": "{% macro card(b) %}{{ b.html }}{% endmacro %}",
    }))
    renderer, _ = _renderer_of(_site_of_four(make_site, _year_override("")), env)
    views = [renderer.briefing_view(f"b{i}") for i in range(1, 5)]
    produced = renderer.body_log.recorded(
        lambda: env.get_template("page.html").render(b=views[1], items=views, name="html").encode())
    assert set(produced.bodies_read) == ({"b2"} if "items" not in source else {"b1", "b2", "b3", "b4"}) \
        if reads else not produced.bodies_read


def test_every_body_a_page_reads_while_it_renders_is_in_its_record(make_site):
    """Every page of a site whose theme reads bodies in many ways, rendered with bodies that note each read:
    whatever object of its context read a briefing's body, the page's record names it."""
    site = _site_of_four(make_site, _year_override(
        "{{ b.read_html() | safe }}{{ b.digest }}{{ [b] | map(attribute='html') | join | safe }}"))
    (site / "content/leaders").mkdir()
    (site / "content/leaders/vladimir-putin.md").write_text(
        "---\nname: Vladimir Putin\naliases: [Putin]\n---\nProfile.\n")
    renderer, bodies = _renderer_of(site)
    briefing_of = {PurePosixPath(renderer.site.briefing(slug).source_rel): slug for slug in renderer.dependencies.slugs()}
    kinds = set()
    for key in renderer.job_keys():
        job = renderer.make_job(key).job
        bodies.read.clear()
        produced = job.produce()
        read = {briefing_of[PurePosixPath(rel)] for rel in bodies.read if PurePosixPath(rel) in briefing_of}
        assert read <= set(produced.bodies_read), f"{job.rel_path} read {read} but recorded {produced.bodies_read}"
        if produced.bodies_read:
            kinds.add(key[0])
    assert {"year", "briefing", "feed", "entity-feed"} <= kinds
