// Render the book's math at build time: node scripts/mathjax/prerender.mjs <built html folder>
//
// Jupyter Book 1 (Sphinx's mathjax extension) writes TeX into the pages and a script that typesets it in
// the reader's browser. This step, run over the built HTML (make site), replaces the TeX of every math
// element by MathJax's CommonHTML output with its assistive MathML (what a screen reader reads), and
// removes the MathJax scripts, so the math is there when the page is and nothing typesets in the browser.
//
// Math elements are the ones the page's MathJax configuration processes and the book produces: Sphinx's
// span.math / div.math (\(..\), \[..\], amsmath environments; a numbered equation keeps Sphinx's
// span.eqno and its anchor) and the span.mathjax_process of HTML outputs (the identity atlas). Only the TeX
// text inside them is replaced; every other byte of a page stays as Sphinx wrote it.
//
// One shared style sheet, _static/vendor/mathjax/chtml.css (the CSS of every character and construct the
// book uses), and MathJax's fonts next to it; each page preloads the fonts its math uses, so they
// arrive with the page's CSS. The math is scaled with the surrounding text (CSS ex units), as MathJax
// scales it in a browser. A TeX error (an unknown macro, a missing brace) fails the step, naming the page
// and the formula; the pages are written anyway, for inspection.
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';

import {mathjax} from 'mathjax-full/js/mathjax.js';
import {TeX} from 'mathjax-full/js/input/tex.js';
import {CHTML} from 'mathjax-full/js/output/chtml.js';
import {liteAdaptor} from 'mathjax-full/js/adaptors/liteAdaptor.js';
import {RegisterHTMLHandler} from 'mathjax-full/js/handlers/html.js';
import {AssistiveMmlHandler} from 'mathjax-full/js/a11y/assistive-mml.js';
import {translate as decodeEntities} from 'mathjax-full/js/util/Entities.js';
import 'mathjax-full/js/input/tex/AllPackages.js'; // registers the packages named below
import 'mathjax-full/js/util/entities/all.js'; // named HTML entities, for decodeEntities

// What MathJax's tex-mml-chtml component uses in a browser, with the packages it would autoload, but no
// `noundefined`: an unknown macro is an error here, not red text on the page.
const TEX_PACKAGES = ['base', 'ams', 'newcommand', 'configmacros', 'action', 'amscd', 'bbox', 'boldsymbol',
  'braket', 'bussproofs', 'cancel', 'color', 'enclose', 'extpfeil', 'html', 'mhchem', 'unicode', 'verb'];
// Classes whose elements hold TeX (the page's MathJax configuration lists them in processHtmlClass).
const MATH_CLASSES = new Set(['math', 'mathjax_process', 'tex2jax_process']);
const ASSETS = '_static/vendor/mathjax'; // in the built site: chtml.css and the fonts
const FONT_DIR = 'woff-v2';
// MathJax's TeX fonts have an x-height of 0.442 em; in a browser MathJax scales each formula so that it
// matches the x-height of the text around it. font-size in ex units does the same in CSS.
const MATCH_FONT_HEIGHT_CSS = 'mjx-container[jax="CHTML"] {font-size: calc(1ex / 0.442);}';

const require = createRequire(import.meta.url);
const FONTS = path.join(path.dirname(require.resolve('mathjax-full/package.json')),
  'es5/output/chtml/fonts', FONT_DIR);

const errors = [];
let where = '';
const adaptor = liteAdaptor();
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
const tex = new TeX({
  packages: TEX_PACKAGES,
  formatError(jax, err) {
    errors.push(`${where}: ${err.message.replace(/\n.*/s, '')} in ${JSON.stringify(jax.latex)}`);
    return jax.formatError(err);
  },
});
const chtml = new CHTML({fontURL: FONT_DIR});
const doc = mathjax.document('', {InputJax: tex, OutputJax: chtml});

const cache = new Map();
function render(texSource, display) {
  const key = (display ? 'D' : 'I') + texSource;
  if (!cache.has(key)) {
    // scale 1: the size follows the surrounding text through MATCH_FONT_HEIGHT_CSS
    const node = doc.convert(texSource, {display, scale: 1});
    cache.set(key, adaptor.outerHTML(node));
  }
  return cache.get(key);
}

const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// Replace the TeX in one text run (HTML-escaped, as in the page) by rendered math.
function renderText(escaped) {
  const text = decodeEntities(escaped);
  const found = tex.findMath([text]);
  if (!found.length) return [escaped, 0];
  let out = '';
  let at = 0;
  for (const item of found) {
    out += escapeHtml(text.slice(at, item.start.n));
    // display === null: an escaped delimiter (\$), shown as the character itself
    out += item.display === null ? escapeHtml(item.math) : render(item.math, item.display);
    at = item.end.n;
  }
  return [out + escapeHtml(text.slice(at)), found.length];
}

const OPEN_TAG = /<(span|div)\b[^>]*?\bclass="([^"]*)"[^>]*>/g;

// The page with the TeX of every math element rendered; counts what it found.
function renderPage(html, stats) {
  let out = '';
  let at = 0;
  OPEN_TAG.lastIndex = 0;
  for (let m; (m = OPEN_TAG.exec(html));) {
    const [open, kind, classes] = m;
    if (!classes.split(/\s+/).some((c) => MATH_CLASSES.has(c))) continue;
    const start = m.index + open.length;
    const close = html.indexOf(`</${kind}>`, start);
    const inner = html.slice(start, close);
    // the element ends at the first closing tag of its kind: none may be nested in it (a div.math holds
    // text and Sphinx's span.eqno; a span.math or span.mathjax_process only text)
    if (close < 0 || new RegExp(`<${kind}\\b`).test(inner)) {
      errors.push(`${where}: a math element with nested <${kind}> elements: ${html.slice(m.index, m.index + 200)}`);
      continue;
    }
    let rendered = 0;
    const parts = inner.split(/(<[^>]*>)/);
    for (let i = 0; i < parts.length; i += 2) {
      let n;
      [parts[i], n] = renderText(parts[i]);
      rendered += n;
    }
    if (!rendered) {
      errors.push(`${where}: a math element without TeX: ${html.slice(m.index, Math.min(close, m.index + 300))}`);
    }
    stats.elements += 1;
    stats.formulas += rendered;
    out += html.slice(at, start) + parts.join('');
    at = close;
    OPEN_TAG.lastIndex = close;
  }
  return out + html.slice(at);
}

// window.MathJax = {...} (Sphinx's mathjax3_config) and the script that loads MathJax.
const MATHJAX_SCRIPTS = [
  /[ \t]*<script>window\.MathJax = [^<]*<\/script>\n?/g,
  /[ \t]*<script\b[^>]*\bsrc="[^"]*mathjax[^"]*"[^>]*>\s*<\/script>\n?/gi,
];

// Whether a page's rendered math can match a selector of MathJax's style sheet (elements and classes;
// attribute conditions are ignored): decides which fonts the page preloads.
function usesSelector(html, selector) {
  return selector.trim().split(/\s+/).every((part) => {
    const [element, ...classes] = part.replace(/\[[^\]]*\]/g, '').split('.');
    return (!element || html.includes(`<${element}`)) &&
      classes.every((c) => new RegExp(`<mjx-[\\w-]+ class="(?:[^"]* )?${c}[ "]`).test(html));
  });
}

function htmlFiles(root) {
  const out = [];
  for (const entry of fs.readdirSync(root, {withFileTypes: true, recursive: true})) {
    const full = path.join(entry.parentPath ?? entry.path, entry.name);
    const rel = path.relative(root, full).split(path.sep);
    if (entry.isFile() && entry.name.endsWith('.html') && !['_static', '_sources'].includes(rel[0])) {
      out.push(full);
    }
  }
  return out.sort();
}

function main(root) {
  if (!root || !fs.existsSync(path.join(root, 'index.html'))) {
    console.error('usage: node scripts/mathjax/prerender.mjs <built html folder, e.g. _build/html>');
    process.exit(2);
  }
  if (fs.existsSync(path.join(root, ASSETS, 'chtml.css'))) {
    console.log(`prerender: ${root} was rendered already (${ASSETS}/chtml.css exists); nothing to do`);
    return;
  }
  const started = Date.now();
  const pages = [];
  const total = {pages: 0, elements: 0, formulas: 0};
  for (const file of htmlFiles(root)) {
    where = path.relative(root, file);
    const original = fs.readFileSync(file, 'utf8');
    let html = original;
    for (const pattern of MATHJAX_SCRIPTS) html = html.replace(pattern, '');
    const stats = {elements: 0, formulas: 0};
    html = renderPage(html, stats);
    if (stats.elements) pages.push({file, html});
    else if (html !== original) fs.writeFileSync(file, html);
    total.pages += stats.elements ? 1 : 0;
    total.elements += stats.elements;
    total.formulas += stats.formulas;
  }
  // The style sheet of everything rendered, and where each font family comes from.
  const css = adaptor.textContent(chtml.styleSheet(doc)) + '\n' + MATCH_FONT_HEIGHT_CSS + '\n';
  // CSS rules as [selectors, declarations]; a declaration may hold a quoted "}" (the brace's glyph)
  const rules = [...css.matchAll(/([^{}"]+)\{((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\}/g)]
    .map(([, selectors, body]) => [selectors.trim(), body]);
  const family = (body) => (body.match(/font-family: ([^;]+)/) || [, ''])[1].replace(/\s*!\s*important/, '');
  const fontFile = new Map(rules.filter(([sel]) => sel.startsWith('@font-face'))
    .map(([, body]) => [family(body), body.match(/url\("[^"]*\/([^"/]+)"\)/)[1]]));
  const familyRules = rules.filter(([sel, body]) => !sel.startsWith('@') && family(body))
    .map(([sel, body]) => [sel.split(/,\s*/), family(body).split(/,\s*/)]);
  const assets = path.join(root, ASSETS);
  fs.mkdirSync(path.join(assets, FONT_DIR), {recursive: true});
  fs.writeFileSync(path.join(assets, 'chtml.css'), css);
  for (const file of new Set(fontFile.values())) {
    fs.copyFileSync(path.join(FONTS, file), path.join(assets, FONT_DIR, file));
  }
  for (const {file, html} of pages) {
    const base = path.relative(path.dirname(file), path.join(root, ASSETS)).split(path.sep).join('/');
    const families = new Set();
    for (const [selectors, fams] of familyRules) {
      if (selectors.some((sel) => usesSelector(html, sel))) fams.forEach((f) => families.add(f));
    }
    const preload = [...families].filter((f) => fontFile.has(f)).sort().map((f) =>
      `<link rel="preload" href="${base}/${FONT_DIR}/${fontFile.get(f)}" as="font" type="font/woff" crossorigin>`);
    const links = [...preload, `<link rel="stylesheet" type="text/css" href="${base}/chtml.css">`]
      .map((l) => `    ${l}`).join('\n');
    fs.writeFileSync(file, html.replace(/([ \t]*)<\/head>/, `${links}\n$1</head>`));
  }
  console.log(`prerender: ${total.formulas} formulas in ${total.elements} math elements on ` +
    `${total.pages} pages, ${cache.size} distinct, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (errors.length) {
    console.error(`prerender: ${errors.length} error(s):\n  ` + errors.join('\n  '));
    process.exit(1);
  }
}

main(process.argv[2]);
