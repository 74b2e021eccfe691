"""Which templates may read a briefing's body: list pages that never do are not re-rendered by a body edit."""

from __future__ import annotations

import jinja2
import pytest

from briefgen.template_reads import BodyReads

from conftest import run_cli
from test_incremental import assert_same_as_clean_build, briefing


@pytest.mark.parametrize("source, reads", [
    ("{{ b.title }} {{ b.summary }} {{ b.date.year }}", False),
    ("{% for b in items | sort(attribute='date', reverse=true) %}{{ b.url }}{% endfor %}", False),
    ("{% for y, xs in items | groupby('date.year') %}{{ y }}{% endfor %}", False),
    ("{{ items | join(', ') }} {{ [1, 2] | max }}", False),
    ("{{ b.html }}", True),
    ("{{ b['html'] | safe }}", True),
    ("{{ b[name] }}", True),
    ("{{ b | attr('html') }}", True),
    ("{{ b | attr(name) }}", True),
    ("{{ items | map(attribute='html') | join }}", True),
    ("{{ items | join(attribute='html') }}", True),
    ("{{ b | tojson }}", True),
    ("{{ b | pprint }}", True),
    ("{% include name %}", True),
    ("{% include 'reads.html' %}", True),
    ("{% extends 'plain.html' %}", False),
    ("{% from 'macros.html' import card %}{{ card(b) }}", True),
    ("{% include 'missing.html' %}", True),
    ("{{ b.title", True),  # does not parse: rendering will say so
])
def test_what_counts_as_reading_a_body(source, reads):
    env = jinja2.Environment(loader=jinja2.DictLoader({
        "page.html": source, "reads.html": "{{ b.html }}", "plain.html": "{{ b.title }}",
        "macros.html": "{% macro card(b) %}{{ b.html }}{% endmacro %}",
    }))
    assert BodyReads(env).may_read("page.html") is reads


def test_a_body_edit_does_not_re_render_the_year_archive_but_a_theme_showing_bodies_gets_them(make_site, tmp_path):
    from briefgen.build import build
    from briefgen.cache import BuildCache
    from briefgen.config import load_config

    files = {f"content/briefings/b{i}.md": briefing(f"B{i}", f"2021-01-0{i}", f"First paragraph {i}.\n\nMore.")
             for i in range(1, 5)}
    site = make_site(files)
    config = load_config(site)
    cache = BuildCache()
    first = build(config, cache=cache)
    cache.remember_outputs(first.outputs, first.keys)
    before = {o.rel_path: o for o in first.outputs}
    (site / "content/briefings/b2.md").write_text(briefing("B2", "2021-01-02", "First paragraph 2.\n\nRewritten."))
    second = build(config, cache=cache)
    after = {o.rel_path: o for o in second.outputs}
    assert after["briefings/2021/index.html"] is before["briefings/2021/index.html"]  # same summary: the archive is as it was
    assert b"Rewritten." in after["briefings/b2/index.html"].read()
    assert_same_as_clean_build(site, tmp_path, "a body edit")

    (site / "templates").mkdir()  # a theme whose archive shows whole bodies
    (site / "templates/year.html").write_text(
        '{% extends "default/year.html" %}{% block content %}{{ super() }}'
        '{% for b in briefings %}<div class="full">{{ b.html | safe }}</div>{% endfor %}{% endblock %}')
    run_cli("build", cwd=site, check=True)
    (site / "content/briefings/b3.md").write_text(briefing("B3", "2021-01-03", "First paragraph 3.\n\nAlso new."))
    assert_same_as_clean_build(site, tmp_path, "a body edit under a theme showing bodies")
    assert "Also new." in (site / "_site/briefings/2021/index.html").read_text()
