"""Word documents: render docxtpl templates, fast.

The templates in ``templates/`` (built by ``scripts/build_templates.py``, restylable in
Word) use docxtpl syntax: ``{{ field }}``, ``{%p if ... %}`` / ``{%tr for ... %}`` etc.
docxtpl's own ``DocxTemplate`` re-opens the .docx, re-runs its XML preprocessing and
re-compiles the Jinja template for every document.  :class:`CompiledTemplate` does that
work once:

* the template zip is read once; every part we do not render is kept (uncompressed bytes
  identical, compressed once) and copied into each output;
* the main document body, the headers/footers and the footnotes go through docxtpl's
  own ``patch_xml`` (so the template syntax is exactly docxtpl's) and are compiled once
  with Jinja *autoescape*;
* per document we only run the compiled Jinja code, the same post-processing docxtpl
  does (``fix_tables``, ``{_{`` unescaping, listing characters) and assemble a zip.

Values are escaped for XML (``Jansen & Zn <B.V.>`` comes out as typed) and a newline in
a value becomes a Word line break (``<w:br/>``), a tab a ``<w:tab/>``; this is done in a
Jinja ``finalize`` hook *before* autoescaping, on the already escaped text, so a value
can never inject markup.  Objects with ``__html__`` (docxtpl ``RichText``/``Listing``)
are inserted as the XML they carry, as in docxtpl.  ``None`` renders as an empty string
(docxtpl would print ``None``).  docxtpl ``InlineImage``/``Subdoc`` values need a live
python-docx document and are not supported here.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from lxml import etree
from markupsafe import Markup, escape

from intervisie.errors import IntervisieError, TemplateError
from intervisie.files import atomic_write
from intervisie.resources import data_path
from intervisie.zipparts import ZipMember, assemble_zip

__all__ = [
    "KINDS",
    "ALLOWED_FIELDS",
    "CompiledTemplate",
    "Renderer",
    "default_template_dir",
    "EVALUATION_CONTROLS",
    "PLACEHOLDER_TEXTS",
]

KINDS: tuple[str, ...] = (
    "agenda",
    "presentielijst",
    "evaluatieformulier",
    "casusvoorbereiding",
    "certificaat",
    "jaarverslag",
)

_COMMON = {"org", "group", "meeting_nr", "date_long"}

#: Top-level context keys the renderer passes per kind; ``CompiledTemplate.check`` rejects
#: any other variable a (custom) template uses, so a typo fails loudly before rendering.
ALLOWED_FIELDS: dict[str, set[str]] = {
    "agenda": _COMMON
    | {
        "start",
        "end",
        "location",
        "chair",
        "minute_taker",
        "timekeeper",
        "theme",
        "method_name",
        "method_description",
        "cases",
        "timetable",
        "code_of_conduct",
        "next_date_long",
    },
    "presentielijst": _COMMON
    | {
        "start",
        "end",
        "location",
        "accreditation_body",
        "accreditation_nr",
        "points",
        "people",
        "blank_rows",
    },
    "evaluatieformulier": _COMMON | {"chair", "cycle"},
    "casusvoorbereiding": _COMMON | {"presenter", "case_title", "question", "explanation"},
    "certificaat": {
        "org",
        "group",
        "year",
        "name",
        "profession",
        "registration",
        "registration_number",
        "attended",
        "held",
        "percent",
        "hours",
        "points",
        "points_per_hour",
        "accreditation_body",
        "accreditation_nr",
        "visits",
        "coordinator",
        "place_date",
        "remark",
    },
    "jaarverslag": {
        "org",
        "group",
        "year",
        "held",
        "cancelled",
        "members",
        "attendance_avg",
        "grade_avg",
        "methods",
        "accreditation",
        "coordinator",
        "meetings",
        "chart",
        "evaluations",
    },
}

#: The evaluation form's content controls: tag -> (title shown in Word, drop-down values).
#: ``scripts/build_templates.py`` builds the form from this; ``read_evaluation_form``
#: uses the titles and the drop-down values to recognise controls whose tag was lost
#: (LibreOffice 7.4 drops ``w:tag`` when it saves a .docx).
EVALUATION_CONTROLS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "bijeenkomst": ("Bijeenkomst", None),
    "naam": ("Naam", None),
    "cijfer": ("Cijfer", tuple(str(i) for i in range(1, 11))),
    "goed": ("Wat ging goed", None),
    "beter": ("Wat kan beter", None),
    "meenemen": ("Wat neem je mee", None),
    "leerdoelen": ("Leerdoelen", None),
    "veiligheid": ("Veiligheid", None),
    "doorgaan": ("Doorgaan", ("doorgaan", "stoppen", "twijfel")),
}
#: Placeholder texts of the form (and Word's Dutch default); read back as "".
PLACEHOLDER_TEXTS = frozenset(
    {
        "Klik hier om je naam te typen.",
        "Klik hier om je antwoord te typen.",
        "Kies een cijfer",
        "Kies een antwoord",
        "Klik of tik om tekst in te voeren.",
        "Kies een item.",
    }
)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{%s}" % W_NS
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_HEADER_RT = _RT + "header"
_FOOTER_RT = _RT + "footer"
_OFFICE_DOC_RT = _RT + "officeDocument"
_CORE_RT = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
_FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_XML_DECL = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"

# Core properties docxtpl renders (DocxTemplate.render_properties), as XML element names.
_CORE_PROPS = {
    "author": "{http://purl.org/dc/elements/1.1/}creator",
    "comments": "{http://purl.org/dc/elements/1.1/}description",
    "identifier": "{http://purl.org/dc/elements/1.1/}identifier",
    "language": "{http://purl.org/dc/elements/1.1/}language",
    "subject": "{http://purl.org/dc/elements/1.1/}subject",
    "title": "{http://purl.org/dc/elements/1.1/}title",
}


def default_template_dir() -> Path:
    """The standard Word templates shipped in the package."""
    return data_path("templates")


# --------------------------------------------------------------------------- docxtpl glue


def _docxtpl() -> Any:
    """A bare DocxTemplate: its ``patch_xml``/``fix_tables``/``resolve_listing`` don't
    touch instance state, so we reuse them and stay byte-compatible with docxtpl's
    template syntax."""
    global _DOCXTPL
    if _DOCXTPL is None:
        from docxtpl import DocxTemplate

        _DOCXTPL = DocxTemplate.__new__(DocxTemplate)
    return _DOCXTPL


_DOCXTPL = None

# Characters XML 1.0 cannot carry.  \a and \f are docxtpl "listing" characters (new
# paragraph, page break) and are kept for its resolve_listing.
_XML_INVALID = re.compile("[\x00-\x06\x08\x0b\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BR = '</w:t><w:br/><w:t xml:space="preserve">'
_TAB = '</w:t><w:tab/><w:t xml:space="preserve">'


def _finalize(value: Any) -> Any:
    """Jinja finalize: escape for XML, then turn newlines/tabs into Word breaks.

    Jinja applies autoescape *after* finalize; returning Markup makes it a no-op, so the
    break markup survives while everything the value contains is escaped exactly once.
    """
    if value is None or isinstance(value, jinja2.Undefined):
        return Markup("")
    if hasattr(value, "__html__"):
        text = str(value.__html__())  # RichText / Listing / Markup: already XML
    else:
        text = str(escape(value))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _XML_INVALID.sub("", text)
    if "\n" in text:
        text = text.replace("\n", _BR)
    if "\t" in text:
        text = text.replace("\t", _TAB)
    return Markup(text)


def _make_env() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, finalize=_finalize)


def _plain_env() -> jinja2.Environment:
    return jinja2.Environment(autoescape=False)


# Dutch words a coordinator may type for a field, for the "bedoelde u ...?" hint.
_DUTCH_HINTS = {
    "organisatie": "org",
    "groep": "group",
    "bijeenkomst": "meeting_nr",
    "nummer": "meeting_nr",
    "datum": "date_long",
    "begin": "start",
    "starttijd": "start",
    "eind": "end",
    "eindtijd": "end",
    "locatie": "location",
    "plaats": "location",
    "voorzitter": "chair",
    "notulist": "minute_taker",
    "tijdbewaker": "timekeeper",
    "thema": "theme",
    "werkvorm": "method_name",
    "methode": "method_name",
    "casussen": "cases",
    "tijdschema": "timetable",
    "gedragscode": "code_of_conduct",
    "volgende_datum": "next_date_long",
    "deelnemers": "people",
    "punten": "points",
    "inbrenger": "presenter",
    "casus": "case_title",
    "titel": "case_title",
    "hulpvraag": "question",
    "vraag": "question",
    "toelichting": "explanation",
    "cyclus": "cycle",
}

_PARA_MARK = re.compile(r"\n<w:p([ >])")
_TAG_IN_LINE = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.DOTALL)
_XML_TAG = re.compile(r"<[^>]+>")


def _strip_xml(s: str) -> str:
    return _XML_TAG.sub("", s)


def _short(s: str, n: int = 90) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _postprocess(xml: str) -> str:
    """What docxtpl's render_xml_part does after Jinja ran."""
    xml = _PARA_MARK.sub(r"<w:p\1", xml)
    if "{_" in xml or "_}" in xml:
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    if "\a" in xml or "\f" in xml or "\t" in xml:
        # Rare: docxtpl Listing semantics for \a (new paragraph) and \f (page break).
        xml = _docxtpl().resolve_listing(xml)
        xml = xml.replace("\a", "").replace("\f", "")
    return xml


# --------------------------------------------------------------------------- zip writing


def write_document(out_path: Path, data: bytes) -> None:
    """A rendered document to its place, atomically (temporary file + rename)."""
    try:
        atomic_write(out_path, data)
    except OSError as exc:
        raise IntervisieError(
            f"Kan {out_path} niet schrijven ({exc.strerror or exc}); is het bestand misschien geopend in Word?"
        ) from exc


# --------------------------------------------------------------------------- templates


@dataclass
class _XmlPart:
    """One rendered XML part: name in the zip, compiled template, source for messages."""

    name: str
    label: str  # Dutch, for messages: "hoofdtekst", "voettekst (word/footer1.xml)"
    source: str
    template: jinja2.Template
    is_body: bool
    head: str = ""
    tail: str = ""
    has_docpr: bool = False


class CompiledTemplate:
    """A .docx template parsed, preprocessed and compiled once; render many."""

    def __init__(self) -> None:  # use load()
        self.path: Path
        self.name: str
        self.undeclared: frozenset[str] = frozenset()
        self.sha256 = ""
        self._env: jinja2.Environment
        self._parts: list[_XmlPart] = []
        self._members: list[tuple[str, ZipMember | None]] = []
        self._core: tuple[str, bytes, dict[str, jinja2.Template]] | None = None

    # ---------------------------------------------------------------- loading
    @classmethod
    def load(cls, path: Path) -> CompiledTemplate:
        self = cls()
        self.path = Path(path)
        self.name = self.path.name
        self._env = _make_env()
        try:
            data = self.path.read_bytes()
            self.sha256 = hashlib.sha256(data).hexdigest()  # part of a document's content hash
            zf = zipfile.ZipFile(io.BytesIO(data))
        except FileNotFoundError:
            raise TemplateError(f"Sjabloon {self.path} bestaat niet.") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise TemplateError(f"Sjabloon {self.name}: geen geldig Word-bestand (.docx) ({exc}).") from exc
        with zf:
            try:
                blobs = {info.filename: zf.read(info) for info in zf.infolist()}
            except (zipfile.BadZipFile, OSError, RuntimeError, zlib.error) as exc:
                raise TemplateError(f"Sjabloon {self.name}: beschadigd zip-bestand ({exc}).") from exc
            order = [info.filename for info in zf.infolist()]
        self._compile(blobs, order)
        return self

    def _err(self, msg: str) -> TemplateError:
        return TemplateError(f"Sjabloon {self.name}: {msg}")

    def _compile(self, blobs: dict[str, bytes], order: list[str]) -> None:
        parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False)

        def parse(name: str) -> etree._Element:
            try:
                return etree.fromstring(blobs[name], parser)
            except etree.XMLSyntaxError as exc:
                raise self._err(f"onleesbaar onderdeel {name} ({exc}).") from exc

        pkg_rels = parse("_rels/.rels") if "_rels/.rels" in blobs else None
        main = core_name = None
        if pkg_rels is not None:
            for rel in pkg_rels.iter("{%s}Relationship" % _REL_NS):
                target = rel.get("Target", "").lstrip("/")
                if rel.get("Type") == _OFFICE_DOC_RT and rel.get("TargetMode") != "External":
                    main = target
                elif rel.get("Type") == _CORE_RT:
                    core_name = target
        main = main or "word/document.xml"
        if main not in blobs:
            raise self._err("geen Word-document gevonden (word/document.xml ontbreekt).")

        rendered: dict[str, _XmlPart] = {}
        rendered[main] = self._compile_body(main, parse(main))

        # headers and footers referenced by the main document (as docxtpl does)
        base = posixpath.dirname(main)
        rels_name = posixpath.join(base, "_rels", posixpath.basename(main) + ".rels")
        if rels_name in blobs:
            for rel in parse(rels_name).iter("{%s}Relationship" % _REL_NS):
                rtype = rel.get("Type")
                if rtype not in (_HEADER_RT, _FOOTER_RT) or rel.get("TargetMode") == "External":
                    continue
                target = rel.get("Target", "")
                name = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
                )
                if name in rendered or not blobs.get(name):
                    continue
                label = "koptekst" if rtype == _HEADER_RT else "voettekst"
                src = etree.tostring(parse(name), encoding="unicode")
                rendered[name] = self._compile_part(name, f"{label} ({name})", src)

        # footnotes (docxtpl: every part with the footnotes content type)
        if "[Content_Types].xml" in blobs:
            for ov in parse("[Content_Types].xml").iter("{%s}Override" % _CT_NS):
                if ov.get("ContentType") == _FOOTNOTES_CT:
                    name = ov.get("PartName", "").lstrip("/")
                    if name in blobs and name not in rendered:
                        src = blobs[name].decode("utf-8")
                        rendered[name] = self._compile_part(name, f"voetnoten ({name})", src)

        undeclared: set[str] = set()
        for part in rendered.values():
            undeclared |= self._undeclared(part)

        # core properties with template tags (title, subject, ...)
        if core_name and core_name in blobs:
            core_root = parse(core_name)
            tpls: dict[str, jinja2.Template] = {}
            plain = _plain_env()
            for tag in _CORE_PROPS.values():
                el = core_root.find(tag)
                if el is not None and el.text and ("{{" in el.text or "{%" in el.text):
                    try:
                        ast = plain.parse(el.text)
                        tpls[tag] = plain.from_string(el.text)
                    except jinja2.TemplateSyntaxError as exc:
                        raise self._err(f"fout in documenteigenschap '{_short(el.text)}': {exc.message}.") from exc
                    undeclared |= meta.find_undeclared_variables(ast)
            if tpls:
                self._core = (core_name, blobs[core_name], tpls)

        self.undeclared = frozenset(undeclared - set(self._env.globals))
        self._parts = list(rendered.values())
        self._members = [
            (
                name,
                None
                if name in rendered or (self._core and name == self._core[0])
                else ZipMember.build(name, blobs[name]),
            )
            for name in order
        ]

    def _compile_body(self, name: str, root: etree._Element) -> _XmlPart:
        full = etree.tostring(root, encoding="unicode")
        start = full.find("<w:body")
        end = full.rfind("</w:body>")
        if start < 0 or end < 0:
            raise self._err("het document heeft geen inhoud (w:body ontbreekt).")
        end += len("</w:body>")
        part = self._compile_part(name, "hoofdtekst", full[start:end], is_body=True)
        part.head, part.tail = full[:start], full[end:]
        part.has_docpr = "docPr" in full
        return part

    def _compile_part(self, name: str, label: str, src: str, is_body: bool = False) -> _XmlPart:
        patched = _docxtpl().patch_xml(src)
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
        try:
            template = self._env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise self._syntax_error(label, source, exc) from exc
        return _XmlPart(name, label, source, template, is_body)

    def _undeclared(self, part: _XmlPart) -> set[str]:
        return set(meta.find_undeclared_variables(self._env.parse(part.source)))

    # ------------------------------------------------------------- messages
    def _syntax_error(self, label: str, source: str, exc: jinja2.TemplateSyntaxError) -> TemplateError:
        lines = source.split("\n")
        where = ""
        unclosed = self._unclosed_block(source)
        if unclosed is not None and "end of template" in (exc.message or ""):
            tag, lineno = unclosed
            return self._err(
                f"'{tag}' in de {label} wordt nergens afgesloten "
                f"(bij '{_short(_strip_xml(lines[lineno - 1]))}'); "
                f"voeg '{{% end{tag.split()[1]} %}}' toe ({exc.message})."
            )
        if exc.lineno and 0 < exc.lineno <= len(lines):
            line = lines[exc.lineno - 1]
            tags = [_strip_xml(t) for t in _TAG_IN_LINE.findall(line)]
            text = _strip_xml(line).strip()
            if not text and exc.lineno < len(lines):
                text = _strip_xml(lines[exc.lineno]).strip()
            if tags:
                where = f" bij '{_short(tags[-1], 60)}'"
            if text:
                where += f" (tekst: '{_short(text)}')"
        return self._err(
            f"fout in de sjablooncode in de {label}{where}: {exc.message} (controleer de {{{{ }}}} en {{% %}} codes)."
        )

    def _unclosed_block(self, source: str) -> tuple[str, int] | None:
        """Find the innermost block tag that is never closed, with its line."""
        stack: list[tuple[str, int]] = []
        closers = {"if", "for", "macro", "call", "filter", "set", "with", "block", "raw", "autoescape"}
        try:
            tokens = [t for t in self._env.lex(source) if t[1] != "whitespace"]
        except jinja2.TemplateSyntaxError:
            return None
        i = 0
        while i < len(tokens):
            lineno, ttype, value = tokens[i]
            if ttype == "block_begin" and i + 1 < len(tokens):
                _, _, word = tokens[i + 1]
                j = i + 1
                parts = []
                while j < len(tokens) and tokens[j][1] != "block_end":
                    parts.append(tokens[j][2])
                    j += 1
                if word in closers and not (word == "set" and "=" in parts):
                    stack.append((("{% " + " ".join(parts) + " %}"), lineno))
                elif word.startswith("end") and stack:
                    stack.pop()
                i = j
            i += 1
        return stack[-1] if stack else None

    def _where_used(self, var: str) -> str:
        pat = re.compile(r"(?<![\w.])%s(?!\w)" % re.escape(var))
        for part in self._parts:
            for line in part.source.split("\n"):
                for tag in _TAG_IN_LINE.findall(line):
                    if pat.search(_strip_xml(tag)):
                        text = _strip_xml(line).strip()
                        return f" in de {part.label} bij '{_short(text)}'"
        return ""

    def check(self, allowed: set[str]) -> None:
        """Raise TemplateError for variables the template uses that are not in *allowed*."""
        unknown = sorted(self.undeclared - set(allowed))
        if not unknown:
            return
        var = unknown[0]
        msg = f"onbekend veld '{{{{ {var} }}}}'{self._where_used(var)}"
        guess = _DUTCH_HINTS.get(var.lower())
        if guess not in allowed:
            close = difflib.get_close_matches(var, sorted(allowed), n=1)
            guess = close[0] if close else None
        if guess:
            msg += f"; bedoelde u '{{{{ {guess} }}}}'?"
        else:
            msg += "."
        if len(unknown) > 1:
            msg += " Ook onbekend: " + ", ".join(f"'{{{{ {u} }}}}'" for u in unknown[1:]) + "."
        msg += " Beschikbare velden: " + ", ".join(sorted(allowed)) + "."
        raise self._err(msg)

    # ------------------------------------------------------------- rendering
    def render_bytes(self, context: dict[str, Any]) -> bytes:
        ctx = dict(context)
        out: dict[str, bytes] = {}
        for part in self._parts:
            try:
                xml = part.template.render(ctx)
            except jinja2.TemplateError as exc:
                raise self._err(f"fout bij het invullen van de {part.label}: {exc}") from exc
            except (TypeError, ValueError, AttributeError, KeyError) as exc:
                raise self._err(f"fout bij het invullen van de {part.label}: {type(exc).__name__}: {exc}") from exc
            xml = _postprocess(xml)
            if part.is_body:
                out[part.name] = self._finish_body(part, xml)
            else:
                out[part.name] = self._finish_part(part, xml)
        if self._core is not None:
            out[self._core[0]] = self._render_core(ctx)
        members = (m if m is not None else ZipMember.build(name, out[name]) for name, m in self._members)
        return assemble_zip(members)

    def _finish_body(self, part: _XmlPart, xml: str) -> bytes:
        # docxtpl: fix_tables() (parses with recover=True) and fix_docpr_ids()
        try:
            tree = _docxtpl().fix_tables(part.head + xml + part.tail)
        except (etree.XMLSyntaxError, AttributeError, TypeError, ValueError) as exc:
            raise self._err(f"de ingevulde {part.label} is geen geldige XML ({exc}).") from exc
        if tree is None:
            raise self._err(f"de ingevulde {part.label} is geen geldige XML.")
        if part.has_docpr:
            nsmap = {"wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"}
            for i, elt in enumerate(tree.xpath("//wp:docPr", namespaces=nsmap), start=1001):
                elt.attrib["id"] = str(i)
        return bytes(etree.tostring(tree, encoding="UTF-8", xml_declaration=True, standalone=True))

    def _finish_part(self, part: _XmlPart, xml: str) -> bytes:
        if xml.startswith("<?xml"):
            xml = xml[xml.index("?>") + 2 :].lstrip()
        data = xml.encode("utf-8")
        try:
            etree.fromstring(data)
        except etree.XMLSyntaxError as exc:
            raise self._err(f"de ingevulde {part.label} is geen geldige XML ({exc}).") from exc
        return _XML_DECL + data

    def _render_core(self, ctx: dict[str, Any]) -> bytes:
        name, blob, tpls = self._core  # type: ignore[misc]
        root = etree.fromstring(blob)
        for tag, tpl in tpls.items():
            el = root.find(tag)
            try:
                el.text = _XML_INVALID.sub("", tpl.render(ctx).replace("\a", "").replace("\f", ""))
            except jinja2.TemplateError as exc:
                raise self._err(f"fout bij het invullen van de documenteigenschappen: {exc}") from exc
        return bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=True, standalone=True))

    def render(self, context: dict[str, Any], out_path: Path) -> None:
        """Render to *out_path*, atomically (temporary file + rename)."""
        write_document(Path(out_path), self.render_bytes(context))

    def __repr__(self) -> str:
        return f"CompiledTemplate({str(self.path)!r})"


class Renderer:
    """Loads each template once per run and caches it by path."""

    def __init__(self, template_dir: Path | None = None, overrides: dict[str, Path] | None = None) -> None:
        self.template_dir = Path(template_dir) if template_dir is not None else default_template_dir()
        self.overrides = {k: Path(v) for k, v in (overrides or {}).items()}
        unknown = set(self.overrides) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown document kind(s): {sorted(unknown)}")
        self._cache: dict[Path, tuple[tuple[int, int], CompiledTemplate]] = {}

    def path_for(self, kind: str) -> Path:
        if kind not in KINDS:
            raise ValueError(f"unknown document kind {kind!r}; expected one of {KINDS}")
        if kind in self.overrides:
            return self.overrides[kind]
        path = self.template_dir / f"{kind}.docx"
        if path.exists() or not self.template_dir.is_dir():
            return path  # a folder that does not exist is reported, not silently replaced
        # a custom folder may hold only some kinds; the others come from the standard set
        return default_template_dir() / f"{kind}.docx"

    def get(self, kind: str, path: Path | None = None) -> CompiledTemplate:
        """The compiled template for *kind* (checked against ALLOWED_FIELDS[kind])."""
        p = Path(path) if path is not None else self.path_for(kind)
        if kind not in KINDS:
            raise ValueError(f"unknown document kind {kind!r}; expected one of {KINDS}")
        key = p.resolve()
        try:
            st = key.stat()
        except FileNotFoundError:
            raise TemplateError(f"Sjabloon {p} bestaat niet.") from None
        except OSError as exc:
            raise TemplateError(f"Sjabloon {p} is niet te lezen ({exc}).") from exc
        sig = (st.st_mtime_ns, st.st_size)
        hit = self._cache.get(key)
        if hit is not None and hit[0] == sig:
            return hit[1]
        tpl = CompiledTemplate.load(key)
        tpl.name = p.name
        tpl.check(ALLOWED_FIELDS[kind])
        self._cache[key] = (sig, tpl)
        return tpl

    def render(self, kind: str, context: dict[str, Any], out_path: Path, path: Path | None = None) -> None:
        self.get(kind, path).render(context, out_path)

    def render_bytes(self, kind: str, context: dict[str, Any], path: Path | None = None) -> bytes:
        return self.get(kind, path).render_bytes(context)
