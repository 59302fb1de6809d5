// qutil.js: what the quality screens share (console Workers, Appeals and
// Quality tabs, the review queue, an annotator's own flags): number formats
// for scores that may be unknown (null), a flag's evidence drawn as text,
// and their stylesheet. Every value from the server goes in through h().
import './quality.css';
import { h } from '../lib/dom.js';

/** 0.8123 → "81.2%"; null/undefined → "–". */
export const fmtRate = (x) => (x == null || !isFinite(x) ? '–' : `${Math.round(Number(x) * 1000) / 10}%`);
/** A score with two decimals ("0.73"), "–" when unknown. */
export const fmtScore = (x) => (x == null || !isFinite(x) ? '–' : Number(x).toFixed(2));
/** Seconds as "42 s" / "3 min", "–" when unknown. */
export const fmtSecs = (s) => (s == null || !isFinite(s) ? '–' : s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);

/** A value of evidence as one line of text (objects as compact JSON). */
function evText(v) {
  if (v == null) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  const s = JSON.stringify(v);
  return s.length > 400 ? s.slice(0, 399) + '…' : s;
}

/** A flag's evidence (any JSON object) as a definition list; at most 40
 *  entries (evidence is the server's, but a page must stay readable). */
export function evidenceList(ev) {
  if (!ev || typeof ev !== 'object' || Array.isArray(ev)) {
    return h('p', { class: 'q-evidence' }, ev == null ? 'No evidence recorded.' : evText(ev));
  }
  const entries = Object.entries(ev).slice(0, 40);
  if (!entries.length) return h('p', { class: 'q-evidence muted' }, 'No evidence recorded.');
  return h('dl', { class: 'q-evidence' }, entries.map(([k, v]) => [h('dt', null, k.replace(/_/g, ' ')), h('dd', null, evText(v))]));
}

/** A flag's status as a badge: open, upheld or dismissed. */
export const flagBadge = (status) => h('span', { class: `q-flag-status q-${String(status).replace(/[^a-z]/g, '')}` }, String(status));

/** A rule name as words: "gold_accuracy" → "gold accuracy". */
export const ruleText = (r) => String(r ?? '').replace(/_/g, ' ');
