"""The entity registry: names, aliases and slugs -> one entity per leader, treaty, issue."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Iterable, Mapping

from rapidfuzz import process as fuzzy
from rapidfuzz.distance import Levenshtein
from slugify import slugify

from briefgen.config import SiteConfig
from briefgen.documents import Briefing, NameRef, Profile
from briefgen.errors import Diagnostics

EntityKey = tuple[str, str]  # (taxonomy, slug)

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_name(name: str) -> str:
    """The form names are compared in: case, accents and punctuation do not count.

    "Erdoğan", "erdogan" and "ERDOGAN" are one name, as are "vladimir-putin"
    and "Vladimir Putin". Non-Latin letters are kept as they are.
    """
    if name.isascii():  # nothing to decompose and no accents to drop: most names and titles
        return _NON_WORD.sub(" ", name.casefold()).strip()
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", stripped.casefold()).strip()


@dataclass(frozen=True, slots=True)
class Entity:
    key: EntityKey
    name: str
    aliases: tuple[str, ...]
    profile: Profile | None

    @property
    def taxonomy(self) -> str:
        return self.key[0]

    @property
    def slug(self) -> str:
        return self.key[1]

    @property
    def surface_names(self) -> tuple[str, ...]:
        """Every way a writer may name it in running text."""
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class EntityRegistry:
    entities: Mapping[EntityKey, Entity]
    lookup: Mapping[tuple[str, str], EntityKey]  # (taxonomy, normalised name) -> key
    # What names in briefings are checked against (see check_names): the profiles' names, per taxonomy…
    profile_names: Mapping[str, list[str]] = field(default_factory=dict)
    display: Mapping[tuple[str, str], str] = field(default_factory=dict)  # … and as a profile writes them

    def resolve(self, taxonomy: str, name: str) -> EntityKey | None:
        return self.lookup.get((taxonomy, normalise_name(name)))

    def of_taxonomy(self, taxonomy: str) -> list[Entity]:
        return [e for k, e in self.entities.items() if k[0] == taxonomy]

    def profiles(self) -> list[Profile]:
        """The profiles it was made from (but those refused: two of one slug, an error)."""
        return [e.profile for e in self.entities.values() if e.profile is not None]


@dataclass(frozen=True, slots=True)
class Naming:
    """What the registry reads of a briefing: its path and the names it gives, per taxonomy."""

    source_rel: PurePosixPath
    refs: Mapping[str, tuple[NameRef, ...]]


def build_registry(
    profiles: Iterable[Profile],
    briefings: Iterable[Briefing | Naming],
    config: SiteConfig,
    diags: Diagnostics,
) -> tuple[EntityRegistry, dict[PurePosixPath, dict[str, tuple[EntityKey, ...]]]]:
    """The registry, and for each briefing the entity keys it names per taxonomy."""
    entities: dict[EntityKey, Entity] = {}
    lookup: dict[tuple[str, str], EntityKey] = {}
    claimed_by: dict[tuple[str, str], PurePosixPath] = {}

    for profile in sorted(profiles, key=lambda p: str(p.source_rel)):
        key = (profile.taxonomy, profile.slug)
        if key in entities:
            other = entities[key].profile
            diags.error(
                profile.source_rel, None,
                f"this {profile.taxonomy} profile has the slug '{profile.slug}', as does {other.source_rel}.",
                "Rename one of the files or give one a different 'slug:'.",
            )
            continue
        names = [NameRef(profile.name, None), *profile.aliases]
        accepted_aliases: list[str] = []
        for ref in [*names, NameRef(profile.slug, None)]:
            norm = (profile.taxonomy, normalise_name(ref.name))
            if not norm[1]:
                continue
            holder = lookup.get(norm)
            if holder is not None and holder != key:
                diags.error(
                    profile.source_rel, ref.line,
                    f"the name '{ref.name}' is claimed by this profile and by {claimed_by[norm]}.",
                    "A name or alias may belong to one entity only; remove it from one of the two.",
                )
                continue
            lookup[norm] = key
            claimed_by[norm] = profile.source_rel
            if ref.name != profile.name and ref.name != profile.slug:
                accepted_aliases.append(ref.name)
        entities[key] = Entity(key, profile.name, tuple(dict.fromkeys(accepted_aliases)), profile)

    known_names = {
        tax: [n for (t, n) in lookup if t == tax] for tax in (spec.name for spec in config.taxonomies)
    }
    display = {(k[0], normalise_name(n)): n for k, e in entities.items() for n in e.surface_names}

    resolved: dict[PurePosixPath, dict[str, tuple[EntityKey, ...]]] = {}
    names = _NameForms(known_names)
    for briefing in sorted(briefings, key=lambda b: str(b.source_rel)):
        per_taxonomy: dict[str, tuple[EntityKey, ...]] = {}
        for taxonomy, refs in briefing.refs.items():
            keys: list[EntityKey] = []
            for ref in refs:
                key = _resolve_or_create(config.taxonomy(taxonomy).singular, taxonomy, ref, briefing.source_rel,
                                         entities, lookup, names, display, diags)
                if key is not None and key not in keys:
                    keys.append(key)
            per_taxonomy[taxonomy] = tuple(keys)
        resolved[briefing.source_rel] = per_taxonomy

    registry = EntityRegistry(MappingProxyType(dict(sorted(entities.items()))), MappingProxyType(lookup),
                              known_names, display)
    return registry, resolved


def check_names(registry: EntityRegistry, briefing: Briefing, config: SiteConfig, diags: Diagnostics) -> None:
    """What build_registry says of the names `briefing` gives, when `registry` was made with these names
    (written on other lines, perhaps): the same checks, on copies, so the registry is left as it was."""
    entities, lookup = dict(registry.entities), dict(registry.lookup)
    names = _NameForms(registry.profile_names)
    for taxonomy, refs in briefing.refs.items():
        for ref in refs:
            _resolve_or_create(config.taxonomy(taxonomy).singular, taxonomy, ref, briefing.source_rel, entities,
                               lookup, names, registry.display, diags)


class _NameForms:
    """A name's normal form, slug and near miss among the profiles' names, each worked out once per name:
    10,000 briefings give some 50,000 names, but only a few hundred different ones."""

    def __init__(self, profile_names: Mapping[str, list[str]]):
        self.profile_names = profile_names
        self._normal: dict[str, str] = {}
        self._slug: dict[str, str] = {}
        self._near: dict[tuple[str, str], str | None] = {}

    def normal(self, name: str) -> str:
        found = self._normal.get(name)
        if found is None:
            found = self._normal[name] = normalise_name(name)
        return found

    def slug(self, name: str) -> str:
        found = self._slug.get(name)
        if found is None:
            found = self._slug[name] = slugify(name)
        return found

    def near_miss(self, norm: str, taxonomy: str) -> str | None:
        key = (taxonomy, norm)
        if key not in self._near:
            self._near[key] = near_miss(norm, self.profile_names[taxonomy])
        return self._near[key]


def _resolve_or_create(singular, taxonomy, ref: NameRef, rel, entities, lookup, names: _NameForms, display, diags):
    norm = names.normal(ref.name)
    if not norm:
        diags.error(rel, ref.line, f"'{ref.name}' is not a usable {singular} name: it has no letters or digits.")
        return None
    key = lookup.get((taxonomy, norm))
    if key is None:
        slug = names.slug(ref.name)
        if not slug:
            diags.error(rel, ref.line, f"'{ref.name}' gives an empty slug.", "Use a name with letters or digits.")
            return None
        key = (taxonomy, slug)
        entities.setdefault(key, Entity(key, ref.name, (), None))
        lookup[(taxonomy, norm)] = key
    if entities[key].profile is None:
        # Each use of a near-miss spelling is reported where it is written.
        close = names.near_miss(norm, taxonomy)
        if close:
            suggestion = display.get((taxonomy, close), close)
            diags.warning(rel, ref.line, f"'{ref.name}' is not a known {singular} and gets a page of its own.",
                          f"Did you mean '{suggestion}'?")
    return key


def near_miss(norm: str, known: list[str]) -> str | None:
    """The known name within a small edit distance of `norm`: a typo, not another name.

    One edit per eight characters, at most two: "vladimir puttin" is a typo of
    "vladimir putin", but "corruption" is not of "corruption 33".
    """
    allowed = min(2, len(norm) // 8)
    if allowed == 0 or not known:
        return None
    match = fuzzy.extractOne(norm, known, scorer=Levenshtein.distance, score_cutoff=allowed)
    return match[0] if match and match[0] != norm else None
