"""Aliases that catch too much: a warning at the profile's line, naming a few of the briefings it links.

An alias is found in running text by the autolinker, so one made only of
common words ("the treaty", "the president") links every briefing that
says those words to one entity's page; and an alias whose first mentions
are mostly in briefings that do not name the entity is probably matching
something else. Both are judged from the mentions the autolink scan
recorded (model/mentions.py).
"""

from __future__ import annotations

from briefgen.errors import Diagnostic, Severity
from briefgen.model.mentions import MentionIndex
from briefgen.wording import counted

# Words that, alone or together, name no one in particular (articles, titles, kinds of agreement: not the
# words of an issue, which may well be its name); by the site's language (its primary subtag).
COMMON_WORDS = {
    "en": frozenset("""a an the this that these those his her its their our my your new old
        treaty agreement accord deal pact convention protocol talks summit meeting
        president prime minister chancellor premier leader government administration state country nation
        secretary foreign affairs official officials king queen party army military""".split()),
    "fr": frozenset("""le la les l un une des du de ce cette ces son sa ses leur nouveau nouvelle
        traité accord pacte convention sommet président premier ministre chef gouvernement état pays
        roi reine parti armée""".split()),
    "de": frozenset("""der die das den dem des ein eine einen dieser diese dieses sein seine ihr ihre neue neuer
        vertrag abkommen pakt gipfel präsident kanzler kanzlerin minister regierung staat land
        könig königin partei armee""".split()),
}
# An alias whose first mentions are in at least this many briefings not naming the entity, more than name it.
MANY_BRIEFINGS = 3
SHOWN = 3  # briefings named in a warning


def over_eager_aliases(site, index: MentionIndex) -> list[Diagnostic]:
    """A warning for each profile alias made only of common words, or found mostly in briefings that do not
    name the entity."""
    words = COMMON_WORDS.get(site.config.language.split("-")[0].lower(), COMMON_WORDS["en"])
    warnings = []
    for profile in site.registry.profiles():
        if not profile.aliases:
            continue
        key = (profile.taxonomy, profile.slug)
        found: dict[str, list[str]] = {}  # alias, folded -> briefings not naming the entity whose text has it
        for slug, mention in index.entity_mentions(key):
            found.setdefault(mention.surface.casefold(), []).append(slug)
        named = len(site.mentions.get(key, ()))
        for alias in profile.aliases:
            linked = found.get(alias.name.casefold(), [])
            common = all(word in words for word in alias.name.casefold().replace("'", " ").split())
            if not common and not (len(linked) >= MANY_BRIEFINGS and len(linked) > named):
                continue
            warnings.append(_warning(site, profile, alias, linked, common, named))
    return warnings


def _warning(site, profile, alias, linked: list[str], common: bool, named: int) -> Diagnostic:
    examples = ", ".join(str(site.by_slug[slug].source_rel) for slug in linked[:SHOWN])
    more = f" and {len(linked) - SHOWN} more" if len(linked) > SHOWN else ""
    where = f" It links {examples}{more} to this page." if linked else ""
    if common:
        why = f"the alias '{alias.name}' is made only of common words: every briefing whose text says it is " \
              f"linked to {profile.name}.{where}"
    else:
        why = f"the alias '{alias.name}' is the first mention of {profile.name} in {counted(len(linked), 'briefing')} that " \
              f"do not name {profile.name} in front matter, more than the {named} that do.{where}"
    return Diagnostic(profile.source_rel, alias.line or profile.name_line, why,
                      "Use a name only this entity has; if the briefings are about it, name it in their front "
                      "matter (briefgen tag).", Severity.WARNING)
