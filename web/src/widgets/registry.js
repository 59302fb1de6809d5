// registry.js: where the labeling form finds the widget for a field.
//
// Two kinds of widget:
// - a *field* widget answers one field on its own (choice, multichoice,
//   text, number, rating, rubric, pairwise, ranking): registerField(type, f);
// - a *surface* shows one data source and carries every region field drawn
//   on it (boxes, polygons and keypoints on an image; segments on audio or
//   video; spans, and relations between them, on text, markdown or code):
//   registerSurface(kind, f), kind 'image' | 'audio' | 'text'.
//
// Field factory:   f({field, schema, data, readOnly, initial, onChange})
// Surface factory: f({source, view, value: data[source], data, schema,
//                     fields: [region fields on this source, and relations
//                     fields over its spans fields], readOnly,
//                     initial: {fieldName: value}, onChange})
// Both return {el, get(), set(v), keys?: [{key, label, run}], focus?(),
// destroy?()}. A field widget's get() is the field's value or undefined
// (unanswered); a surface's get() is {fieldName: value} for its fields.
// `initial` is a start value (a model pre-label or an earlier answer); a
// read-only widget shows it and accepts no input. onChange() is called
// after every user edit.

const fields = new Map();
const surfaces = new Map();

export const registerField = (type, factory) => fields.set(type, factory);
export const registerSurface = (kind, factory) => surfaces.set(kind, factory);
export const fieldFactory = (type) => fields.get(type);
export const surfaceFactory = (kind) => surfaces.get(kind);

/** The surface kind a region field type is drawn on, or null. */
export function surfaceKindOf(type) {
  switch (type) {
    case 'boxes': case 'polygons': case 'keypoints': return 'image';
    case 'segments': return 'audio';
    case 'spans': case 'relations': return 'text';
    default: return null;
  }
}
