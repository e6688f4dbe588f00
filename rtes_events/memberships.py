"""Creating, changing and ending member authorities, from the import file, the workspace or a CSV;
listing the current ones.

One set of rules for the three: a kind and region from the lists, a SIREN of 9 digits, e-mail
domains that are neither public webmail nor another member's. A member is matched by its SIREN,
else by its name. ``describe`` gives what the audit log records and ``save`` returns what changed.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from slugify import slugify
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from .extensions import db
from .formatting import one_line
from .members import current_clause, is_public_webmail
from .models import MemberDomain, MemberOrganisation, Region
from .models.members import KINDS

FIELDS = ("name", "kind", "region_code", "siren", "website", "since", "until", "domains")
FIELD_LABELS = {
    "name": "nom",
    "kind": "type",
    "region_code": "région",
    "siren": "SIREN",
    "website": "site web",
    "since": "adhérent depuis",
    "until": "adhésion terminée en",
    "domains": "domaines",
    "example": "exemple",
}
DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
FIRST_YEAR, LAST_YEAR = 1980, 2100


class MemberError(ValueError):
    """A member's data break a rule; the message says which, in French; ``field`` names the value."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def kind_of(text) -> str:
    """A kind from its key or its label, accents and case aside (« Intercommunalité »)."""
    value = slugify(one_line(text), separator="")
    for key, label in KINDS.items():
        if value in (key, slugify(label, separator="")):
            return key
    raise MemberError(f"type inconnu : {one_line(text)!r} (attendu : {', '.join(KINDS)}).")


def region_of(text, regions: list | None = None) -> str:
    """A region code of the database (or of ``regions``, its (code, name) pairs), from its code or name."""
    value = one_line(text)
    if regions is None:
        regions = db.session.execute(select(Region.code, Region.name)).all()
    for code, name in regions:
        if value.upper() == code.upper() or slugify(value) == slugify(name):
            return code
    raise MemberError(
        f"région inconnue : {value!r} (attendu un code : {', '.join(sorted(c for c, _ in regions))})."
    )


def year_of(value, label: str) -> int | None:
    text = one_line(str(value)) if value is not None else ""
    if not text:
        return None
    if not re.fullmatch(r"\d{4}", text) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise MemberError(f"« {label} » doit être une année (par exemple 2019), pas {text[:40]!r}.")
    return int(text)


def siren_of(value) -> str | None:
    text = re.sub(r"[\s.]", "", one_line(str(value)) if value is not None else "")
    if not text:
        return None
    if not re.fullmatch(r"\d{9}", text):
        raise MemberError(f"le SIREN doit compter 9 chiffres, pas {one_line(str(value))!r}.")
    return text


def website_of(value) -> str | None:
    text = one_line(value)
    if not text:
        return None
    if not re.match(r"https?://", text, re.IGNORECASE):
        text = "https://" + text
    if not DOMAIN.fullmatch(re.sub(r"^https?://([^/:?#]+).*$", r"\1", text, flags=re.IGNORECASE).lower()):
        raise MemberError(f"site web invalide : {one_line(value)!r}.")
    if len(text) > 300:
        raise MemberError("l'adresse du site web dépasse 300 caractères.")
    return text


def domains_of(value) -> list[str]:
    """E-mail domains from a list or a text separated by spaces, commas or semicolons."""
    items = value if isinstance(value, list | tuple) else re.split(r"[\s,;]+", one_line(value))
    domains = []
    for item in items:
        domain = one_line(str(item)).lower().lstrip("@").rstrip(".")
        if not domain:
            continue
        if not DOMAIN.fullmatch(domain):
            raise MemberError(f"domaine invalide : {domain!r} (attendu par exemple ville-exemple.fr).")
        if is_public_webmail(domain):
            raise MemberError(
                f"le domaine {domain} est une messagerie publique : il ne peut pas être celui d'un adhérent."
            )
        if domain not in domains:
            domains.append(domain)
    return sorted(domains)


def parse(item: dict, regions: list | None = None) -> dict:
    """The values of a member described in the import schema (``name``, ``kind``, ``region``,
    optional ``domains``, ``since``, ``until``, ``siren``, ``website``, ``example``). Optional keys
    that are absent are left out: saving keeps what is stored for them."""
    if not isinstance(item, dict):
        raise MemberError("chaque adhérent doit être un objet JSON.")
    for name in ("name", "kind", "region"):
        if not one_line(item.get(name)):
            raise MemberError(f"le champ « {name} » est obligatoire.")
    name = one_line(item["name"])
    if len(name) > 200:
        raise MemberError("le nom dépasse 200 caractères.")
    values = {"name": name, "kind": kind_of(item["kind"]), "region_code": region_of(item["region"], regions)}
    readers = {"siren": siren_of, "website": website_of, "domains": domains_of}
    for key, read in readers.items():
        if key in item:
            values[key] = read(item[key])
    for key in ("since", "until"):
        if key in item:
            values[key] = year_of(item[key], key)
    if "example" in item:
        values["example"] = bool(item["example"])
    since, until = values.get("since"), values.get("until")
    if since and until and until < since:
        raise MemberError(f"l'adhésion ne peut pas finir ({until}) avant de commencer ({since}).")
    return values


class Directory:
    """The stored members by name (case aside), SIREN and domain, and the regions: read once for a
    batch (an import file, a CSV), then kept up to date by ``save``, so that checking and saving a
    line asks the database nothing."""

    def __init__(self):
        members = db.session.scalars(
            select(MemberOrganisation).options(selectinload(MemberOrganisation.domains))
        ).all()
        self.by_name = {member.name.lower(): member for member in members}
        self.by_siren = {member.siren: member for member in members if member.siren}
        self.by_domain = {row.domain: member for member in members for row in member.domains}
        self.regions = db.session.execute(select(Region.code, Region.name)).all()

    def find(self, values: dict) -> MemberOrganisation | None:
        """The stored member these values describe: same SIREN, else same name (case aside)."""
        return self.by_siren.get(values.get("siren") or "") or self.by_name.get(values["name"].lower())

    def check(self, values: dict, member: MemberOrganisation | None) -> None:
        """Refuse what another member already holds: its name, SIREN or one of its domains."""
        other = self.by_name.get(values["name"].lower())
        if other is not None and other is not member:
            raise MemberError(f"le nom « {values['name']} » est déjà celui d'un autre adhérent.", "name")
        other = self.by_siren.get(values.get("siren") or "")
        if other is not None and other is not member:
            raise MemberError(f"le SIREN {values['siren']} est déjà celui de « {other.name} ».", "siren")
        for domain in values.get("domains") or ():
            owner = self.by_domain.get(domain)
            if owner is not None and owner is not member:
                raise MemberError(f"le domaine {domain} est déjà celui de « {owner.name} ».", "domains")

    def forget(self, member: MemberOrganisation) -> None:
        for index in (self.by_name, self.by_siren, self.by_domain):
            for key in [key for key, value in index.items() if value is member]:
                del index[key]

    def remember(self, member: MemberOrganisation) -> None:
        self.by_name[member.name.lower()] = member
        if member.siren:
            self.by_siren[member.siren] = member
        for domain in member.domain_names:
            self.by_domain[domain] = member


def find(values: dict) -> MemberOrganisation | None:
    """The stored member these values describe: same SIREN, else same name (case aside)."""
    return Directory().find(values)


def describe(member: MemberOrganisation) -> dict:
    """What a member is, as the audit log records it."""
    return {
        "name": member.name,
        "kind": member.kind,
        "region_code": member.region_code,
        "siren": member.siren,
        "website": member.website,
        "since": member.since,
        "until": member.until,
        "domains": member.domain_names,
    }


def save(
    values: dict, member: MemberOrganisation | None = None, directory: Directory | None = None
) -> tuple[MemberOrganisation, dict | None]:
    """Create (``member`` None and none found) or update a member with ``values``; returns it and
    what changed (``{"field": [before, after]}``), None when it was created. A batch passes its
    ``directory`` and flushes once at its end; alone, ``save`` flushes. The caller commits."""
    alone = directory is None
    directory = directory or Directory()
    member = member if member is not None else directory.find(values)
    directory.check(values, member)
    created = member is None
    if created:
        member = MemberOrganisation(name=values["name"])
        db.session.add(member)
    else:
        directory.forget(member)
    before = {} if created else describe(member)
    for key, value in values.items():
        if key == "domains":
            if value != member.domain_names:
                member.domains = [_domain(domain, member) for domain in value]
        elif getattr(member, key) != value:
            setattr(member, key, value)
    directory.remember(member)
    if alone:
        db.session.flush()
    if created:
        return member, None
    after = describe(member)
    return member, {key: [before[key], after[key]] for key in after if before[key] != after[key]}


def _domain(domain: str, member: MemberOrganisation) -> MemberDomain:
    """The row of ``domain``: the member's own when it has it (a primary key is not inserted twice)."""
    for row in member.domains:
        if row.domain == domain:
            return row
    return MemberDomain(domain=domain)


def end(member: MemberOrganisation, year: int) -> None:
    """End the membership in ``year``: from then on (this year included) its agents are no members."""
    if member.since and year < member.since:
        raise MemberError(
            f"l'adhésion ne peut pas finir ({year}) avant de commencer ({member.since}).", "until"
        )
    member.until = year
    db.session.flush()


def changes_text(changes: dict) -> str:
    """« type, domaines » — the labels of the fields that changed."""
    return ", ".join(FIELD_LABELS.get(key, key) for key in changes)


# CSV ---------------------------------------------------------------------------------------------

# Column headings a spreadsheet may use, normalised by ``slugify``, for each key of the import schema.
COLUMNS = {
    "name": ("name", "nom", "collectivite", "adherent", "raison-sociale"),
    "kind": ("kind", "type", "categorie", "nature"),
    "region": ("region", "code-region"),
    "domains": ("domains", "domaines", "domaine", "domaines-e-mail", "domaines-mail", "domaine-e-mail"),
    "since": ("since", "depuis", "adherent-depuis", "debut", "annee-d-adhesion", "adhesion"),
    "until": ("until", "fin", "jusqu-a", "fin-d-adhesion", "annee-de-fin"),
    "siren": ("siren", "numero-siren"),
    "website": ("website", "site", "site-web", "site-internet"),
}
MAX_CSV_BYTES = 512 * 1024  # with its copy in the confirmation form, within MAX_CONTENT_LENGTH
MAX_CSV_ROWS = 2000


@dataclass
class CsvLine:
    number: int  # the line in the file, the header being line 1
    item: dict
    values: dict | None = None
    error: str | None = None
    action: str = ""  # « création », « modification » or « inchangé »
    changes: dict = field(default_factory=dict)


def decode(data: bytes) -> str:
    """The text of a spreadsheet's export: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_csv(data: bytes) -> list[CsvLine]:
    """Parse a CSV export (``;`` or ``,``), check every line against the rules and the database,
    and say for each what saving it would do; nothing is written."""
    if len(data) > MAX_CSV_BYTES:
        raise MemberError(f"le fichier dépasse {MAX_CSV_BYTES // 1024} Ko.")
    text = decode(data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        raise MemberError(
            "le fichier n'est pas un CSV lisible (une cellule est trop longue ou mal fermée)."
        ) from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise MemberError("le fichier est vide.")
    keys = _columns(rows[0])
    if len(rows) - 1 > MAX_CSV_ROWS:
        raise MemberError(f"le fichier compte plus de {MAX_CSV_ROWS} lignes.")
    lines, seen, directory = [], {}, Directory()
    for number, row in enumerate(rows[1:], start=2):
        item = {key: (row[index] if index < len(row) else "") for index, key in keys.items()}
        line = CsvLine(number, item)
        lines.append(line)
        try:
            line.values = parse(item, directory.regions)
            _check_batch(line.values, number, seen)
            member = directory.find(line.values)
            directory.check(line.values, member)
        except MemberError as exc:
            line.error = _sentence(str(exc))
            continue
        if member is None:
            line.action = "création"
        else:
            current = describe(member)
            line.changes = {
                k: [current[k], v] for k, v in line.values.items() if k in current and current[k] != v
            }
            line.action = "modification" if line.changes else "inchangé"
    return lines


def _columns(header: list[str]) -> dict[int, str]:
    """The import key of each column index; unknown columns are ignored, required ones checked."""
    names = {heading: key for key, headings in COLUMNS.items() for heading in headings}
    keys = {}
    for index, heading in enumerate(header):
        key = names.get(slugify(heading))
        if key and key not in keys.values():
            keys[index] = key
    missing = [name for name in ("name", "kind", "region") if name not in keys.values()]
    if missing:
        wanted = ", ".join(COLUMNS[name][1] for name in missing)
        raise MemberError(
            f"colonnes manquantes dans la première ligne : {wanted} "
            "(attendu : nom ; type ; région ; domaines ; depuis ; fin ; siren ; site web)."
        )
    return keys


def _check_batch(values: dict, number: int, seen: dict) -> None:
    """Two lines of one file cannot name the same member, SIREN or domain."""
    keys = [("nom", values["name"].lower())]
    keys += [("SIREN", values["siren"])] if values.get("siren") else []
    keys += [("domaine", domain) for domain in values.get("domains") or ()]
    for what, key in keys:
        if (what, key) in seen:
            raise MemberError(f"{what} {key} déjà présent à la ligne {seen[what, key]}.")
    for what, key in keys:
        seen[what, key] = number


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def apply_csv(lines: list[CsvLine]) -> list[tuple[MemberOrganisation, dict | None]]:
    """Save every line of a file checked by ``read_csv`` (none with an error); flushes only."""
    if any(line.error for line in lines):
        raise MemberError("le fichier contient des erreurs : rien n'a été enregistré.")
    saved, directory = [], Directory()
    for line in lines:
        if line.action != "inchangé":
            saved.append(save(line.values, directory=directory))
    db.session.flush()
    return saved


# Who the members are (the public page) ----------------------------------------------------------


def current_members(kind: str | None = None) -> list[MemberOrganisation]:
    """Current members, of ``kind`` when given, by region then name."""
    statement = (
        select(MemberOrganisation)
        .join(MemberOrganisation.region)
        .options(contains_eager(MemberOrganisation.region))
        .where(current_clause())
        .order_by(Region.name, MemberOrganisation.name)
    )
    if kind:
        statement = statement.where(MemberOrganisation.kind == kind)
    return db.session.scalars(statement).all()


def kind_counts() -> dict[str, int]:
    """How many current members of each kind."""
    rows = db.session.execute(
        select(MemberOrganisation.kind, func.count())
        .where(current_clause())
        .group_by(MemberOrganisation.kind)
    ).all()
    return dict(rows)
