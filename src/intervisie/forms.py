"""Reading a filled-in evaluation form back (a .docx as Word or LibreOffice saves it):
by its content controls, or, when a re-save turned those into plain text or form fields,
by the controls' titles and the labels the form prints."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from .documents import _W, EVALUATION_CONTROLS, PLACEHOLDER_TEXTS
from .errors import IntervisieError

__all__ = ["read_evaluation_form"]


def _sdt_text(content: etree._Element) -> str:
    paras: list[str] = []
    buf: list[str] = []
    for el in content.iter():
        tag = el.tag
        if tag == _W + "t" and el.text:
            buf.append(el.text)
        elif tag in (_W + "br", _W + "cr"):
            buf.append("\n")
        elif tag == _W + "tab":
            buf.append("\t")
        elif tag == _W + "p" and buf:
            paras.append("".join(buf))
            buf = []
    # a paragraph's own text is collected before the next <w:p> starts; flush the rest
    if buf:
        paras.append("".join(buf))
    return "\n".join(paras)


def _control_tag(pr: etree._Element) -> str | None:
    tag_el = pr.find(_W + "tag")
    if tag_el is not None and tag_el.get(_W + "val"):
        return str(tag_el.get(_W + "val"))
    alias_el = pr.find(_W + "alias")
    if alias_el is not None and alias_el.get(_W + "val"):
        alias = alias_el.get(_W + "val").strip().lower()
        for tag, (title, _values) in EVALUATION_CONTROLS.items():
            if title.lower() == alias:
                return tag
    lst = pr.find(_W + "dropDownList")
    if lst is None:
        lst = pr.find(_W + "comboBox")
    if lst is not None:
        values = {i.get(_W + "value") for i in lst.findall(_W + "listItem")} - {"", None}
        for tag, (_title, options) in EVALUATION_CONTROLS.items():
            if options and values == set(options):
                return tag
    return None


def read_evaluation_form(path: Path) -> dict[str, str]:
    """Read the content controls of a filled-in evaluation form: ``{tag: text}``.

    Controls still showing their placeholder read as ``""``; for drop-down lists the
    chosen item's value is returned.  When a tag occurs more than once the first
    non-empty answer wins.  Controls without a tag are recognised by their title or
    their drop-down values (see EVALUATION_CONTROLS).
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            blob = zf.read("word/document.xml")
        root = etree.fromstring(blob, etree.XMLParser(resolve_entities=False, huge_tree=True))
    except FileNotFoundError:
        raise IntervisieError(f"Evaluatieformulier {path} bestaat niet.") from None
    except (zipfile.BadZipFile, KeyError, OSError, etree.XMLSyntaxError) as exc:
        raise IntervisieError(f"Evaluatieformulier {path.name} is geen leesbaar Word-bestand ({exc}).") from exc
    result: dict[str, str] = {}
    for sdt in root.iter(_W + "sdt"):
        pr = sdt.find(_W + "sdtPr")
        content = sdt.find(_W + "sdtContent")
        if pr is None:
            continue
        tag = _control_tag(pr)
        if tag is None:
            continue
        if pr.find(_W + "showingPlcHdr") is not None or content is None:
            text = ""
        else:
            text = _sdt_text(content).strip()
            lst = pr.find(_W + "dropDownList")
            if lst is None:
                lst = pr.find(_W + "comboBox")
            if lst is not None:
                for item in lst.findall(_W + "listItem"):
                    shown = item.get(_W + "displayText") or item.get(_W + "value") or ""
                    if shown.strip() == text:
                        text = item.get(_W + "value", shown)
                        break
            if text in PLACEHOLDER_TEXTS:
                text = ""
        if not result.get(tag):
            result[tag] = text
    for tag, text in _read_by_title(root).items():
        if not result.get(tag):
            result[tag] = text
    return result


#: How the form's labels and questions read (normalised, prefix match) -> control tag:
#: the controls' own titles (EVALUATION_CONTROLS), and the two labels the form prints
#: differently. Used when the controls themselves are gone: LibreOffice, going through
#: .odt, turns text controls into plain text or input fields.
_TITLES = {
    **{title.casefold(): tag for tag, (title, _values) in EVALUATION_CONTROLS.items()},
    "je naam": "naam",
    "welk cijfer": "cijfer",
}


def _plain(el: etree._Element) -> str:
    out: list[str] = []
    for node in el.iter(_W + "t", _W + "br", _W + "cr", _W + "p", _W + "tab"):
        if node.tag == _W + "t" and node.text:
            out.append(node.text)
        elif node.tag == _W + "tab":
            out.append("\t")
        elif node.tag != _W + "t" and out and not out[-1].endswith("\n"):
            out.append("\n")
    return "".join(out).strip()


def _title_tag(text: str) -> str | None:
    t = re.sub(r"^\d+\.\s*", "", text.strip()).casefold().rstrip("?:").strip()
    for title, tag in _TITLES.items():
        if t == title or t.startswith(title + " ") or (len(title) > 6 and t.startswith(title)):
            return tag
    return None


def _read_by_title(root: etree._Element) -> dict[str, str]:
    """The answers found by the labels and questions next to them: a label cell and its
    value cell, or a question paragraph and the paragraph or box that follows it."""
    body = root.find(_W + "body")
    if body is None:
        return {}
    found: dict[str, str] = {}
    blocks = [b for b in body if b.tag in (_W + "p", _W + "tbl")]
    for i, block in enumerate(blocks):
        if block.tag == _W + "tbl":
            for tr in block.iter(_W + "tr"):
                cells = tr.findall(_W + "tc")
                if len(cells) == 2:
                    tag = _title_tag(_plain(cells[0]))
                    if tag in ("bijeenkomst", "naam") and tag not in found:
                        value = _plain(cells[1])
                        found[tag] = "" if value in PLACEHOLDER_TEXTS else value
            continue
        tag = _title_tag(_plain(block))
        if tag is None or tag in ("bijeenkomst", "naam") or i + 1 >= len(blocks) or tag in found:
            continue
        answer = _plain(blocks[i + 1])
        if tag == "cijfer":
            m = re.match(r"\s*(\d+(?:[.,]\d+)?)", answer)
            answer = m.group(1) if m else ""
        if answer in PLACEHOLDER_TEXTS:
            answer = ""
        found[tag] = answer
    return found
