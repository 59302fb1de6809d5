// screens/util.js: small helpers the annotator's screens share.

/** A screen's async work may finish after the user has left it: alive()
 *  says whether it may still touch the page. */
export function liveness() {
  let on = true;
  return { alive: () => on, stop: () => { on = false; } };
}

/** 3725 → "1 h 2 min"; 42 → "42 s". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Milliseconds → "m:ss". */
export function clock(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
