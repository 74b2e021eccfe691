"""Which templates may read a briefing's body (`view.html`), found by reading their syntax tree.

A list page shows titles, dates and summaries; its template never touches a
briefing's body. Knowing that, a page's fingerprint can leave the bodies of
the briefings it lists out, so editing a body does not re-render the year
archive listing it. The analysis is conservative: anything it cannot be sure
of (an attribute named at run time, an include whose name is computed, a
template that does not parse) counts as reading the body.
"""

from __future__ import annotations

import jinja2
from jinja2 import nodes

BODIES = ("html", "digest")  # the attributes of a BriefingView that read its body
# Filters that read attributes named by a string argument ("date.year", attribute='date').
_ATTRIBUTE_FILTERS = {"attr", "map", "selectattr", "rejectattr", "groupby", "sort", "sum", "unique", "min", "max",
                      "join"}
# Filters that show an object's repr or every field.
_WHOLE_OBJECT_FILTERS = {"pprint", "tojson", "dictsort", "items", "xmlattr"}


class BodyReads:
    """Answers, once per template name, whether rendering it may read a view's body."""

    def __init__(self, env: jinja2.Environment):
        self._env = env
        self._known: dict[str, bool] = {}

    def may_read(self, name: str) -> bool:
        if name not in self._known:
            self._known[name] = self._closure_reads(name)
        return self._known[name]

    def _closure_reads(self, name: str) -> bool:
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            try:
                source, _, _ = self._env.loader.get_source(self._env, current)
                tree = self._env.parse(source)
            except (jinja2.TemplateError, OSError):
                return True  # rendering will report it; until then assume the worst
            if _reads_body(tree):
                return True
            for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
                if not isinstance(node.template, nodes.Const) or not isinstance(node.template.value, str):
                    return True  # a template chosen at run time
                todo.append(node.template.value)
        return False


def _reads_body(tree: nodes.Template) -> bool:
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Getattr) and node.attr in BODIES:
            return True
        if isinstance(node, nodes.Getitem):
            if not isinstance(node.arg, nodes.Const) or node.arg.value in BODIES:
                return True  # x[name]: could be anything
        if isinstance(node, nodes.Filter):
            if node.name in _WHOLE_OBJECT_FILTERS:
                return True
            if node.name in _ATTRIBUTE_FILTERS and any(_may_name_body(arg) for arg in _arguments(node)):
                return True
    return False


def _arguments(node: nodes.Filter) -> list[nodes.Node]:
    return [*node.args, *(keyword.value for keyword in node.kwargs), *[n for n in (node.dyn_args, node.dyn_kwargs) if n]]


def _may_name_body(arg: nodes.Node) -> bool:
    """A filter argument that is, or could be at run time, the name of the body attribute."""
    if not isinstance(arg, nodes.Const):
        return True
    return isinstance(arg.value, str) and arg.value.split(".")[0] in BODIES
