"""What of a student's notebook may reach the staff's browser: `inert` makes an autograded
notebook safe to show (formgrader shows it, `nbgrader generate_feedback` turns it into an
HTML page). Markdown stays as written where nothing of it can become HTML, else it is
replaced by its HTML cleaned by nh3; outputs keep only text, raster images and cleaned HTML.
nh3, mistune, nbconvert and pygments are imported when first needed.
"""
import base64
import functools

# nbconvert (generate_feedback, formgrader) renders a markdown cell with raw HTML passed
# through and link URLs unchecked, and writes outputs' HTML, JavaScript and SVG into the
# page. So staff would run whatever a student typed. nh3 (ammonia, an allowlist over a real
# HTML5 parser) removes that, but it cleans HTML, not markdown: on markdown source it would
# escape `<`, `>` and `&`, so that `$a < b$`, a `<` in a code span and a `> quote` would be
# shown as `&lt;` or lose their meaning. Hence a markdown cell is either kept as written,
# where nbconvert's renderer lets nothing of it through as HTML (`passes_html`), or replaced
# by its HTML as that renderer writes it, cleaned by nh3 (`rendered_safely`): the same page
# to the reader, with the active parts removed.

RASTER = ("image/png", "image/jpeg", "image/gif")   # never SVG, which can hold scripts
GRADE_ID = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def joined(value):
    """A notebook string (a string or a list of lines), as one string; '' if it is neither."""
    if isinstance(value, list):
        return "".join(part for part in value if isinstance(part, str))
    return value if isinstance(value, str) else ""


def url_filter(tag, attribute, value):
    """nh3's attribute filter: a data: URL only as an image's source, and only of a raster
    image. Judged as browsers read a URL: without the spaces, tabs, newlines and control
    characters they drop, whatever its case."""
    squeezed = "".join(char for char in value if char > " ").lower()
    if not squeezed.startswith("data:"):
        return value
    raster = squeezed.startswith(tuple(f"data:{kind};base64," for kind in RASTER))
    return value if raster and (tag, attribute) == ("img", "src") else None


@functools.lru_cache(maxsize=None)
def clean_html():
    """nh3.clean with ammonia's allowlist (no script, style, iframe, object, embed, form or
    SVG, no event handler, no id to clobber the page's), URLs of http(s), mailto and raster
    data: only, plus what nbconvert's markdown renderer writes: a table column's alignment
    (the text-align property only) and pygments' short class names in highlighted code."""
    import nh3
    from pygments.token import STANDARD_TYPES
    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    for tag in ("th", "td"):
        attributes[tag] = attributes.get(tag, set()) | {"style"}
    classes = {"span": set(STANDARD_TYPES.values()) - {""}, "div": {"highlight"}}
    return functools.partial(nh3.clean, attributes=attributes, attribute_filter=url_filter,
                             url_schemes={"http", "https", "mailto", "data"},
                             filter_style_properties={"text-align"}, allowed_classes=classes)


def render(source, attachments=None):
    """Markdown as nbconvert's HTML exporter renders it for generate_feedback and
    formgrader (the same renderer, without the headings' anchor links)."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    renderer = IPythonRenderer(escape=False, attachments=attachments or {},
                               exclude_anchor_links=True)
    return MarkdownWithMath(renderer=renderer).render(source)


@functools.lru_cache(maxsize=None)
def markdown_tree():
    """nbconvert's markdown parser (mistune with its math and plugins), giving the syntax
    tree instead of HTML."""
    import mistune
    from nbconvert.filters.markdown_mistune import (MarkdownWithMath, MathBlockParser,
                                                    MathInlineParser, import_plugin)
    return mistune.Markdown(None, MathBlockParser(), MathInlineParser(hard_wrap=False),
                            [import_plugin(name) for name in MarkdownWithMath.DEFAULT_PLUGINS])


def passes_html(source):
    """Whether nbconvert's renderer may let something of `source` through as HTML: raw HTML
    (any `<`), a link or image (their URLs go out unchecked, javascript: too) or a mermaid
    block (written out unescaped). Without them it writes only its own tags around escaped
    text. What cannot be parsed counts as yes."""
    if "<" in source:
        return True
    try:
        tokens = list(markdown_tree()(source))
        while tokens:
            token = tokens.pop()
            info = str((token.get("attrs") or {}).get("info") or "")
            if token["type"] in ("block_html", "inline_html", "link", "image") or \
                    (token["type"] == "block_code" and "mermaid" in info):
                return True
            tokens += token.get("children") or []
    except Exception:  # another mistune's tree: render it safely instead
        return True
    return False


def rendered_safely(source, attachments):
    """The cell's HTML as nbconvert renders it, cleaned by nh3, as one line in a <div>: a
    markdown HTML block, which markdown renderers pass through as it is (checked here with
    nbconvert's), so nothing in it is read as markdown again. Its newlines are written
    &#10;, the same character to a browser, so that no blank line ends the block."""
    html = clean_html()(render(source, attachments))
    block = "<div>" + html.replace("\r", "&#13;").replace("\n", "&#10;") + "</div>"
    if render(block).strip() != block:
        raise ValueError("nbconvert does not pass the cleaned HTML through")
    return block


def safe_markdown(source, attachments=None):
    """A student's markdown cell as it may reach the staff: kept where nothing of it can
    become HTML, else its cleaned HTML; its text in a code block where even that fails."""
    from ..pages.feedback import code_block
    if not passes_html(source):
        return source
    try:
        return rendered_safely(source, attachments)
    except Exception:  # a missing attachment, a renderer that does not pass it through
        return "\n".join(["*(This cell is shown as text: it could not be rendered safely.)*",
                          "", *code_block(source)])


def raster(value):
    """A base64 image, or None if it is not strictly base64 (nbconvert writes it into an
    attribute)."""
    value = joined(value)
    try:
        base64.b64decode("".join(value.split()), validate=True)
    except ValueError:
        return None
    return value


def safe_output(output):
    """An output as the staff may see it, or None: text, tracebacks and raster images kept,
    HTML cleaned by nh3. Every other type (JavaScript, SVG, markdown, LaTeX, widgets, ...)
    is dropped, and so is all output metadata: nbconvert writes an image's width and height
    into its tag unquoted."""
    kind = output.get("output_type") if isinstance(output, dict) else None
    if kind == "stream":
        return {"output_type": kind, "text": joined(output.get("text")),
                "name": "stderr" if output.get("name") == "stderr" else "stdout"}
    if kind == "error":
        return {"output_type": kind, "ename": joined(output.get("ename")),
                "evalue": joined(output.get("evalue")),
                "traceback": [joined(line) for line in output.get("traceback") or []
                              if isinstance(line, str)]}
    if kind not in ("display_data", "execute_result"):
        return None
    data = output.get("data") if isinstance(output.get("data"), dict) else {}
    kept = {"text/plain": joined(data.get("text/plain"))} if "text/plain" in data else {}
    if "text/html" in data:
        kept["text/html"] = clean_html()(joined(data["text/html"]))
    kept.update({image: raster(data[image]) for image in RASTER if image in data})
    kept = {mime: value for mime, value in kept.items() if value is not None}
    if not kept:
        return None
    count = output.get("execution_count")
    return {"output_type": kind, "data": kept, "metadata": {},
            **({"execution_count": count if type(count) is int else None}
               if kind == "execute_result" else {})}


def inert_cell(cell):
    """One cell made inert in place: markdown (`safe_markdown`), raw HTML cleaned, outputs
    (`safe_output`), attachments dropped (a markdown cell's images are in its HTML), and
    nbgrader metadata whose grade_id nbgrader itself would refuse, which its templates write
    into the page unescaped."""
    kind, source = cell.get("cell_type"), joined(cell.get("source"))
    attachments = cell.pop("attachments", None)
    if kind == "markdown":
        cell["source"] = safe_markdown(source, attachments if isinstance(attachments, dict)
                                       else None)
    elif kind == "raw" and "<" in source:
        cell["source"] = clean_html()(source)
    if isinstance(cell.get("outputs"), list):
        cell["outputs"] = [kept for kept in map(safe_output, cell["outputs"]) if kept]
    meta = cell.get("metadata")
    grading = meta.get("nbgrader") if isinstance(meta, dict) else None
    if grading is not None and not (isinstance(grading, dict) and
                                    set(str(grading.get("grade_id", ""))) <= GRADE_ID):
        del meta["nbgrader"]


def inert(notebook):
    """The notebook (changed in place) with nothing a browser would run: each cell made inert
    (`inert_cell`), and of the notebook's metadata only the kernel and language, without the
    widget state nbconvert would hand to the widgets' JavaScript."""
    metadata = notebook.get("metadata") if isinstance(notebook.get("metadata"), dict) else {}
    notebook["metadata"] = {key: metadata[key] for key in ("kernelspec", "language_info")
                            if isinstance(metadata.get(key), dict)}
    for cell in notebook["cells"]:
        if isinstance(cell, dict):
            inert_cell(cell)
    return notebook
