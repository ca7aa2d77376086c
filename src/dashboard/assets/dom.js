/* global document, Node */
// DOM helpers. Every piece of data becomes a text node (textContent): never HTML, and passes
// through displayText (control characters and bidi controls made visible, see text.js).
import { displayBlock, displayText } from './text.js';

/** Creates an element with properties (class, title, data-*, on<event>) and children (text or nodes). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'checked' || key === 'disabled' || key === 'value') node[key] = value;
    else if (key === 'title' || key.startsWith('aria-')) node.setAttribute(key, displayText(String(value)));
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(displayText(String(child))));
  }
  return node;
}

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Sets an element's text (textContent: data is never parsed as HTML), control and bidi characters made visible. */
export function setText(node, text) {
  node.textContent = text === undefined || text === null ? '' : displayText(String(text));
}

/** Sets a multi-line block's text (the message viewer): like setText, keeping line feeds. */
export function setBlockText(node, text) {
  node.textContent = text === undefined || text === null ? '' : displayBlock(String(text));
}

/**
 * Fills a <table> with a header row and rows. A cell is a value (shown as text), a Node, or
 * { value, class, title }. `onRow(row, index)` makes rows clickable.
 */
export function fillTable(table, headers, rows, options = {}) {
  const head = el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h))));
  const body = el('tbody');
  if (rows.length === 0) {
    body.append(el('tr', {}, el('td', { class: 'empty', colspan: headers.length }, options.empty ?? 'none')));
  }
  rows.forEach((cells, index) => {
    const tr = el('tr', { class: options.onRow ? 'clickable' : undefined });
    if (options.selected !== undefined && options.selected === index) tr.classList.add('selected');
    if (options.onRow) tr.addEventListener('click', () => options.onRow(index, tr));
    for (const cell of cells) tr.append(cellNode(cell));
    body.append(tr);
  });
  table.replaceChildren(head, body);
}

function cellNode(cell) {
  if (cell instanceof Node) return el('td', {}, cell);
  if (cell !== null && typeof cell === 'object') return el('td', { class: cell.class, title: cell.title }, cell.value ?? '-');
  if (typeof cell === 'number') return el('td', { class: 'num' }, cell.toLocaleString());
  return el('td', {}, cell === undefined || cell === null || cell === '' ? '-' : cell);
}

/** A short human duration: 850ms, 12.3s, 4m 05s, 3h 07m, 2d 04h. */
export function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  const two = (n) => String(Math.floor(n)).padStart(2, '0');
  if (s < 60) return `${s.toFixed(1)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${two((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${two((s % 86400) / 3600)}h`;
}

/** Compact JSON of a value, cut to `max` characters. */
export function preview(value, max = 120) {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
