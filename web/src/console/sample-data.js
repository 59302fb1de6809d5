// sample-data.js: made-up task data for the schema editor's live preview,
// one value per data key the schema reads (views' sources, fields'
// source/sources). Media are made in the page (a drawn PNG, a generated WAV
// as a blob: URL) so the preview fetches nothing and the region widgets
// have something real to draw on; the CSP allows data: images and blob: media.

const TEXT = 'Ada Lovelace wrote the first program for Charles Babbage\'s engine in London.';

let imageUrl = null;
function sampleImage() {
  if (imageUrl) return imageUrl;
  const c = document.createElement('canvas');
  c.width = 480; c.height = 270;
  const g = c.getContext('2d');
  g.fillStyle = '#cfd8e3'; g.fillRect(0, 0, 480, 270);
  g.fillStyle = '#8899aa'; g.fillRect(0, 190, 480, 80);
  g.fillStyle = '#2457d6'; g.fillRect(90, 150, 110, 60);
  g.fillStyle = '#1d2330'; g.font = '20px sans-serif'; g.fillText('sample image', 170, 60);
  imageUrl = c.toDataURL('image/png');
  return imageUrl;
}

let audioUrl = null;
/** One second of a 440 Hz tone as a 16-bit mono WAV, as a blob: URL (kept
 *  for the page's life: one small blob, shared by every preview). */
function sampleAudio() {
  if (audioUrl) return audioUrl;
  const rate = 8000, n = rate;
  const buf = new DataView(new ArrayBuffer(44 + n * 2));
  const str = (o, s) => { for (let i = 0; i < s.length; i++) buf.setUint8(o + i, s.charCodeAt(i)); };
  str(0, 'RIFF'); buf.setUint32(4, 36 + n * 2, true); str(8, 'WAVE'); str(12, 'fmt ');
  buf.setUint32(16, 16, true); buf.setUint16(20, 1, true); buf.setUint16(22, 1, true);
  buf.setUint32(24, rate, true); buf.setUint32(28, rate * 2, true); buf.setUint16(32, 2, true);
  buf.setUint16(34, 16, true); str(36, 'data'); buf.setUint32(40, n * 2, true);
  for (let i = 0; i < n; i++) buf.setInt16(44 + i * 2, Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), true);
  audioUrl = URL.createObjectURL(new Blob([buf], { type: 'audio/wav' }));
  return audioUrl;
}

function sampleFor(kind, key) {
  switch (kind) {
    case 'markdown': return `**Sample** markdown for \`${key}\`: *emphasis* and a list:\n\n- one\n- two`;
    case 'code': return 'def add(a, b):\n    return a + b\n';
    case 'chat': return [{ role: 'user', content: 'What is 2 + 2?' }, { role: 'assistant', content: '4.' }];
    case 'json': return { sample: true, key };
    case 'image': return sampleImage();
    case 'audio': case 'video': return sampleAudio();
    default: return TEXT;
  }
}

/** A schema → {source: sample value} for every key it reads. */
export function sampleTask(schema) {
  const data = {};
  for (const v of Array.isArray(schema.views) ? schema.views : []) {
    if (v && typeof v.source === 'string') data[v.source] = sampleFor(v.kind, v.source);
  }
  for (const f of Array.isArray(schema.fields) ? schema.fields : []) {
    const keys = [f && f.source, ...(f && Array.isArray(f.sources) ? f.sources : [])];
    keys.forEach((k, i) => {
      if (typeof k === 'string' && !(k in data)) data[k] = i ? `Sample response ${k}` : TEXT;
    });
  }
  if (!Object.keys(data).length) data.text = TEXT;
  return data;
}
