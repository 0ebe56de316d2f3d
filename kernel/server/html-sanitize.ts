// An allow-list sanitiser for the HTML a cell displays (`display.html(...)`, text/html fallbacks),
// before it goes into a `receptive run --html` report: tables, text formatting, links, data: images
// and simple SVG drawings stay; everything that could act without a click goes (scripts, styles
// sheets, forms, <meta> refreshes, <base>, frames, event handlers, javascript: URLs).
//
// NOTE: this is not a full HTML parser, and need not be: the output is rebuilt from scratch and holds
// only escaped text, allowed tags with allowed attributes (values quoted and escaped) and their end
// tags, so a browser reads back exactly those elements whatever the input's tricks. Anything the
// tokenizer does not understand becomes text or is dropped.

/** HTML elements kept (with their content); others are dropped but their text is kept. */
const HTML_TAGS = new Set(
  (
    "a abbr b bdi bdo blockquote br caption center cite code col colgroup dd del details dfn div dl dt " +
    "em figcaption figure font h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre progress q s samp " +
    "small span strong sub summary sup table tbody td tfoot th thead tr tt u ul var"
  ).split(" "),
);
/** SVG elements kept: shapes and text (no links, scripts, animation, <use> or foreignObject). */
const SVG_TAGS = new Set("svg g path polyline polygon line rect circle ellipse text tspan".split(" "));
/** Elements dropped with everything inside them (their content is code, not text to show). */
const DROP_WITH_CONTENT = new Set(
  "script style template iframe object embed noscript noembed noframes textarea title xmp select math head".split(
    " ",
  ),
);
const VOID = new Set(["br", "col", "hr", "img", "wbr"]);

/** Attributes kept on any kept element; href and src are checked separately. */
const ATTRIBUTES = new Set(
  (
    "align alt border cellpadding cellspacing class color colspan dir height lang max open rowspan scope " +
    "span start style title valign value width " +
    // SVG presentation and geometry
    "cx cy d dominant-baseline fill fill-opacity font-family font-size font-style font-weight opacity " +
    "points preserveaspectratio r rx ry stroke stroke-dasharray stroke-linecap stroke-linejoin " +
    "stroke-opacity stroke-width text-anchor transform viewbox x x1 x2 y y1 y2 xmlns"
  ).split(" "),
);

/** Attribute names are compared in lower case; these SVG ones are written in their own case. */
const SVG_CASE: Record<string, string> = { viewbox: "viewBox", preserveaspectratio: "preserveAspectRatio" };

const LINK = /^(https?:|mailto:|#)/i;
const DATA_IMAGE = /^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/i;

const escapeText = (s: string) =>
  s
    .replace(/&(?![a-zA-Z][a-zA-Z0-9]*;|#[0-9]+;|#x[0-9a-fA-F]+;)/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
const escapeAttribute = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };
/** The value a browser would see for an attribute (numeric and the common named references). */
function decodeAttribute(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);?/gi, (whole, ref: string) => {
    if (ref[0] !== "#") return NAMED[ref.toLowerCase()] ?? whole;
    const code = ref[1] === "x" || ref[1] === "X" ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "";
  });
}

/** A URL as a browser reads it for its scheme: without whitespace and control characters. */
const schemeView = (url: string) => [...url].filter((c) => c > " " && c !== "\u007f").join("");

interface Tag {
  name: string;
  closing: boolean;
  selfClosing: boolean;
  attributes: [string, string][];
  end: number; // index just past the tag's ">"
}

/** Reads the tag starting at html[start] === "<"; null when it is not one (then "<" is text). */
function readTag(html: string, start: number): Tag | null {
  const head = /<(\/?)([a-zA-Z][^\s/>]*)/y;
  head.lastIndex = start;
  const m = head.exec(html);
  if (m === null) return null;
  const tag: Tag = {
    name: m[2].toLowerCase(),
    closing: m[1] === "/",
    selfClosing: false,
    attributes: [],
    end: html.length,
  };
  const attribute = /[\s/]*(?:(>)|([^\s/>][^\s/>=]*)(?:\s*=\s*(?:"([^"]*)"?|'([^']*)'?|([^\s>]*)))?)/y;
  attribute.lastIndex = head.lastIndex;
  while (attribute.lastIndex < html.length) {
    const before = attribute.lastIndex;
    const a = attribute.exec(html);
    if (a === null) break;
    if (a[1] !== undefined) {
      tag.selfClosing = html[attribute.lastIndex - 2] === "/";
      tag.end = attribute.lastIndex;
      return tag;
    }
    if (a[2] !== undefined) tag.attributes.push([a[2].toLowerCase(), a[3] ?? a[4] ?? a[5] ?? ""]);
    if (attribute.lastIndex === before) break;
  }
  return tag; // no ">": the tag runs to the end of the input
}

/** The kept attributes of `tag`, serialised (` name="value"`...). */
function attributesOf(tag: Tag): string {
  const out: string[] = [];
  for (const [name, raw] of tag.attributes) {
    const value = decodeAttribute(raw);
    if (name === "href") {
      if (tag.name === "a" && LINK.test(schemeView(value))) out.push(` href="${escapeAttribute(value)}"`);
    } else if (name === "src") {
      if (tag.name === "img" && DATA_IMAGE.test(schemeView(value)))
        out.push(` src="${escapeAttribute(value)}"`);
    } else if (ATTRIBUTES.has(name)) out.push(` ${SVG_CASE[name] ?? name}="${escapeAttribute(value)}"`);
  }
  // a link opens in a new tab, and the page it opens learns nothing about the report
  if (tag.name === "a") out.push(' target="_blank" rel="noopener noreferrer"');
  return out.join("");
}

/** `html` with only allowed elements and attributes, every element closed. */
export function sanitizeHtml(html: string): string {
  const out: string[] = [];
  const open: string[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf("<", i);
    if (lt === -1) {
      out.push(escapeText(html.slice(i)));
      break;
    }
    out.push(escapeText(html.slice(i, lt)));
    i = lt;
    if (html.startsWith("<!--", i)) {
      const end = html.indexOf("-->", i + 4);
      i = end === -1 ? html.length : end + 3;
      continue;
    }
    if (html[i + 1] === "!" || html[i + 1] === "?") {
      // <!DOCTYPE>, <![CDATA[...]]>, <?xml ...?>: dropped
      const end = html.indexOf(">", i);
      i = end === -1 ? html.length : end + 1;
      continue;
    }
    const tag = readTag(html, i);
    if (tag === null) {
      out.push("&lt;");
      i++;
      continue;
    }
    i = tag.end;
    if (tag.name === "plaintext" && !tag.closing) break; // everything after it would be raw text
    if (DROP_WITH_CONTENT.has(tag.name)) {
      if (tag.closing) continue;
      const close = html.toLowerCase().indexOf(`</${tag.name}`, i);
      const end = close === -1 ? -1 : html.indexOf(">", close);
      i = end === -1 ? html.length : end + 1;
      continue;
    }
    const svg = SVG_TAGS.has(tag.name);
    if (!svg && !HTML_TAGS.has(tag.name)) continue;
    if (tag.closing) {
      const at = open.lastIndexOf(tag.name);
      if (at === -1) continue;
      while (open.length > at) out.push(`</${open.pop()}>`);
      continue;
    }
    if (VOID.has(tag.name)) out.push(`<${tag.name}${attributesOf(tag)}>`);
    else if (svg && tag.selfClosing) out.push(`<${tag.name}${attributesOf(tag)}/>`);
    else {
      out.push(`<${tag.name}${attributesOf(tag)}>`);
      open.push(tag.name);
    }
  }
  while (open.length > 0) out.push(`</${open.pop()}>`);
  return out.join("");
}
