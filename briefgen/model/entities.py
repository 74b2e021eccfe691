"""The entity registry: names, aliases and slugs -> one entity per leader, treaty, issue."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Iterable, Mapping

from slugify import slugify

from briefgen import urls
from briefgen.config import SiteConfig
from briefgen.content.documents import Briefing, Profile
from briefgen.content.fields import NameRef
from briefgen.errors import Diagnostics
from briefgen.names import closest

EntityKey = tuple[str, str]  # (taxonomy, slug)

_ASCII_NOT_ALNUM = re.compile(r"[^0-9a-z]+")

# Letters NFKD leaves whole that readers take for a letter with an accent: "Wałęsa" is "Walesa", "Løkke"
# "Lokke", "Kılıçdaroğlu" "Kilicdaroglu" (python-slugify writes them so too).
_LETTER_FOLDS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ƀ": "b", "ɨ": "i",
                               "æ": "ae", "œ": "oe"})

# The marks that are accents: the generic combining diacritics NFKD takes off Latin, Greek and Cyrillic
# letters (é, ğ, ά, й), and the optional vowel points of Hebrew and Arabic. Other scripts' marks are
# parts of their letters (the voicing mark of ガ, a Devanagari vowel sign or virama): dropping them would
# make two different names one.
_ACCENT_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
                  (0x0591, 0x05C7), (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06ED))


def normalise_name(name: str) -> str:
    """The form names are compared in: its letters and digits alone, without case or accents.

    "Erdoğan", "erdogan" and "ERDOGAN" are one name, as are "vladimir-putin"
    and "Vladimir Putin", and "U.S.", "U. S." and "US": punctuation and spaces
    do not count. Names that differ in a letter stay apart ("US" and "USA",
    李强 and 黎强); non-Latin letters are kept as they are, transliteration
    is not comparison.
    """
    if name.isascii():  # nothing to decompose and no accents to drop: most names and titles
        return _ASCII_NOT_ALNUM.sub("", name.lower())
    decomposed = unicodedata.normalize("NFKD", name.casefold()).casefold().translate(_LETTER_FOLDS)
    kept = "".join(c for c in decomposed if c.isalnum() or (_is_mark(c) and not _is_accent(c)))
    return unicodedata.normalize("NFC", kept)


def _is_mark(char: str) -> bool:
    return unicodedata.category(char)[0] == "M"


def _is_accent(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _ACCENT_RANGES)


# An abbreviation as a name may hold it: two to four capitals ("US", "NATO"), or capitals each with a dot
# ("U.S.", "U. S.", "U.S.A.").
_ABBREVIATION = re.compile(r"(?<!\w)(?:(?:[^\W\d_]\. ?)+[^\W\d_]\.?|[^\W\d_]{2,4})(?!\w)")
_APOSTROPHES = re.compile("['\u2018\u2019\u02bc]")


def written_forms(name: str) -> tuple[str, ...]:
    """The ways a writer, or the typographer, may write `name` in running text, `name` first.

    Running text matches names as written (see markdown._text_forms), but
    for punctuation that a name is written with or without: straight and
    curly apostrophes ("O'Brien" is "O’Brien" once typeset) and the dots of
    an abbreviation ("US", "U.S." and "U. S.").
    """
    forms = [name]
    spans = [m for m in _ABBREVIATION.finditer(name) if _letters(m.group()).isupper() and len(_letters(m.group())) > 1]
    if spans:
        for render in (_letters, lambda s: ".".join(_letters(s)) + ".", lambda s: ". ".join(_letters(s)) + "."):
            forms.append(_replace_spans(name, spans, render))
    if _APOSTROPHES.search(name):
        forms += [_APOSTROPHES.sub(quote, form) for form in list(forms) for quote in ("\u2019", "'")]
    return tuple(dict.fromkeys(forms))


def _letters(text: str) -> str:
    return "".join(c for c in text if c.isalpha())


def _replace_spans(text: str, spans: list[re.Match], render) -> str:
    pieces, cursor = [], 0
    for match in spans:
        pieces += [text[cursor:match.start()], render(match.group())]
        cursor = match.end()
    return "".join(pieces) + text[cursor:]


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
        """Every way a writer may name it in running text: its names, each as written_forms gives it."""
        return tuple(dict.fromkeys(form for name in (self.name, *self.aliases) for form in written_forms(name)))


@dataclass(frozen=True, slots=True)
class Place:
    """Where a name was written, or what claimed a slug: both places of a collision are named."""

    path: PurePosixPath
    line: int | None
    name: str  # as written there
    what: str = "name"  # "name", "alias" or "slug"
    note: str = ""  # " (from its file name)", for a slug that no 'slug:' line gives

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else str(self.path)


@dataclass(frozen=True, slots=True)
class EntityRegistry:
    entities: Mapping[EntityKey, Entity]
    lookup: Mapping[tuple[str, str], EntityKey]  # (taxonomy, normalised name) -> key
    # What names in briefings are checked against (see check_names): the profiles' names, per taxonomy…
    profile_names: Mapping[str, list[str]] = field(default_factory=dict)
    display: Mapping[tuple[str, str], str] = field(default_factory=dict)  # … and as a profile writes them
    # Where each entity's page was first claimed: its profile, or the first briefing to give its name.
    claims: Mapping[EntityKey, Place] = field(default_factory=dict)

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


@dataclass(slots=True)
class _Registering:
    """The registry while it is made (or, in check_names, copies of a made one's parts)."""

    entities: dict[EntityKey, Entity]
    lookup: dict[tuple[str, str], EntityKey]
    claims: dict[EntityKey, Place]
    names: _NameForms
    display: Mapping[tuple[str, str], str]


def build_registry(
    profiles: Iterable[Profile],
    briefings: Iterable[Briefing | Naming],
    config: SiteConfig,
    diags: Diagnostics,
    drafts: bool = False,
) -> tuple[EntityRegistry, dict[PurePosixPath, dict[str, tuple[EntityKey, ...]]]]:
    """The registry, and for each briefing the entity keys it names per taxonomy.

    Two different names (different letters once case, accents and punctuation
    are left out) never share an entity: when their slugs are one (李强 and
    黎强 are both 'li-qiang'), the later is an error naming both places.

    A profile with 'draft: true' is left out but with `drafts` (a preview), as
    if its file did not exist: neither its name nor its aliases are known, so
    a briefing naming it gets an entity without a profile, and its text,
    facts and names are nowhere in the site.
    """
    entities: dict[EntityKey, Entity] = {}
    lookup: dict[tuple[str, str], EntityKey] = {}
    claims: dict[EntityKey, Place] = {}
    name_places: dict[tuple[str, str], Place] = {}  # (taxonomy, normalised name) -> the profile line claiming it

    for profile in sorted((p for p in profiles if drafts or not p.draft), key=lambda p: str(p.source_rel)):
        _register_profile(profile, entities, lookup, claims, name_places, diags)

    known_names = {
        tax: [n for (t, n) in lookup if t == tax] for tax in (spec.name for spec in config.taxonomies)
    }
    display = {(k[0], normalise_name(n)): n for k, e in entities.items() for n in reversed((e.name, *e.aliases))}

    resolved: dict[PurePosixPath, dict[str, tuple[EntityKey, ...]]] = {}
    state = _Registering(entities, lookup, claims, _NameForms(known_names), display)
    for briefing in sorted(briefings, key=lambda b: str(b.source_rel)):
        per_taxonomy: dict[str, tuple[EntityKey, ...]] = {}
        for taxonomy, refs in briefing.refs.items():
            keys: list[EntityKey] = []
            for ref in refs:
                key = _resolve_or_create(config.taxonomy(taxonomy).singular, taxonomy, ref, briefing.source_rel,
                                         state, diags)
                if key is not None and key not in keys:
                    keys.append(key)
            per_taxonomy[taxonomy] = tuple(keys)
        resolved[briefing.source_rel] = per_taxonomy

    registry = EntityRegistry(MappingProxyType(dict(sorted(entities.items()))), MappingProxyType(lookup),
                              known_names, display, MappingProxyType(claims))
    return registry, resolved


def _register_profile(profile: Profile, entities, lookup, claims, name_places, diags: Diagnostics) -> None:
    rel, taxonomy = profile.source_rel, profile.taxonomy
    key = (taxonomy, profile.slug)
    slug_place = (Place(rel, profile.slug_line, profile.slug, "slug") if profile.slug_line is not None
                  else Place(rel, profile.name_line, profile.slug, "slug", " (from its file name)"))
    if key in entities:
        other = claims[key]
        diags.error(
            rel, slug_place.line,
            f"this {taxonomy} profile has the slug '{profile.slug}'{slug_place.note}, as does "
            f"{other}{other.note}: both would be /{urls.entity_path(*key)}.",
            "Rename one of the files or give one a different 'slug:'.",
        )
        return
    claims[key] = slug_place
    places = [Place(rel, profile.name_line, profile.name, "name"),
              *(Place(rel, ref.line, ref.name, "alias") for ref in profile.aliases), slug_place]
    accepted_aliases: list[str] = []
    refused: set[tuple[str, str]] = set()
    for place in places:
        norm = (taxonomy, normalise_name(place.name))
        if not norm[1]:
            continue
        holder = lookup.get(norm)
        if holder is not None and holder != key:
            if norm not in refused:  # once: not again for the slug 'li-qiang' of the name 'Li Qiang'
                refused.add(norm)
                other = name_places[norm]
                written = "" if other.name == place.name else (
                    f", as its {other.what} '{other.name}'{other.note} (names are compared ignoring case, "
                    f"accents and punctuation)")
                diags.error(
                    rel, place.line,
                    f"the {place.what} '{place.name}'{place.note} is claimed by this profile and by {other}{written}.",
                    "A name or alias may belong to one entity only; remove it from one of the two.",
                )
            continue
        lookup[norm] = key
        name_places.setdefault(norm, place)
        if place.what == "alias" and place.name not in (profile.name, profile.slug):
            accepted_aliases.append(place.name)
    entities[key] = Entity(key, profile.name, tuple(dict.fromkeys(accepted_aliases)), profile)


def check_names(registry: EntityRegistry, briefing: Briefing, config: SiteConfig, diags: Diagnostics) -> None:
    """What build_registry says of the names `briefing` gives, when `registry` was made with these names
    (written on other lines, perhaps): the same checks, on copies, so the registry is left as it was."""
    state = _Registering(dict(registry.entities), dict(registry.lookup), dict(registry.claims),
                         _NameForms(registry.profile_names), registry.display)
    for taxonomy, refs in briefing.refs.items():
        for ref in refs:
            _resolve_or_create(config.taxonomy(taxonomy).singular, taxonomy, ref, briefing.source_rel, state, diags)


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


def _resolve_or_create(singular: str, taxonomy: str, ref: NameRef, rel: PurePosixPath, state: _Registering,
                       diags: Diagnostics) -> EntityKey | None:
    norm = state.names.normal(ref.name)
    if not norm:
        diags.error(rel, ref.line, f"'{ref.name}' is not a usable {singular} name: it has no letters or digits.")
        return None
    key = state.lookup.get((taxonomy, norm))
    if key is None:
        slug = state.names.slug(ref.name)
        if not slug:
            diags.error(rel, ref.line, f"'{ref.name}' gives an empty slug.", "Use a name with letters or digits.")
            return None
        key = (taxonomy, slug)
        if key in state.entities:  # another name, whose slug is the same: never one entity without being told
            _report_shared_slug(singular, ref, rel, state.entities[key], state.claims[key], diags)
            return None
        state.entities[key] = Entity(key, ref.name, (), None)
        state.lookup[(taxonomy, norm)] = key
        state.claims[key] = Place(rel, ref.line, ref.name)
    if state.entities[key].profile is None:
        # Each use of a near-miss spelling is reported where it is written.
        close = state.names.near_miss(norm, taxonomy)
        if close:
            suggestion = state.display.get((taxonomy, close), close)
            diags.warning(rel, ref.line, f"'{ref.name}' is not a known {singular} and gets a page of its own.",
                          f"Did you mean '{suggestion}'?")
    return key


def _report_shared_slug(singular: str, ref: NameRef, rel: PurePosixPath, holder: Entity, claim: Place,
                        diags: Diagnostics) -> None:
    """`ref` names no entity, but its slug is `holder`'s: an error at `ref`, naming where `holder` was named.

    Why not a page of its own with another slug (li-qiang-2)? Which name got
    which address would depend on which file sorts first, and a desk that
    writes 李强 in one briefing and 'Li Qiang' in another, meaning one man,
    would get two pages without a word. A profile settles it either way.
    """
    page = f"/{urls.entity_path(*holder.key)}"
    if holder.profile is not None:
        diags.error(
            rel, ref.line,
            f"'{ref.name}' is not a name of the {singular} profile {claim} ('{holder.name}'), "
            f"but would be its page, {page}.",
            f"If it is the same {singular}, add '{ref.name}' to that profile's aliases; if not, give "
            f"'{ref.name}' a profile of its own with another slug.",
        )
        return
    diags.error(
        rel, ref.line,
        f"'{ref.name}' and '{claim.name}' ({claim}) are different names, even ignoring case, accents and "
        f"punctuation, but both would be the page {page}.",
        f"If they are one {singular}, make a profile, content/{holder.taxonomy}/{holder.slug}.md with "
        f"'name: {claim.name}' and 'aliases: [{ref.name}]'; if not, give one of them a profile with another slug.",
    )


def near_miss(norm: str, known: list[str]) -> str | None:
    """The known name within a small edit distance of `norm`: a typo, not another name.

    One edit per eight characters, at most two: "vladimir puttin" is a typo of
    "vladimir putin", but "corruption" is not of "corruption 33".
    """
    allowed = min(2, len(norm) // 8)
    return closest(norm, known, max_edits=allowed) if allowed else None
