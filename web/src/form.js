// form.js: PLACEHOLDER until the labeling form lands (screens helper).
// renderForm(container, {schema, data, readOnly, initial, onChange}) →
// {get() → result object, validate() → null | message, set(result), keys, destroy()}
import { h, mount } from './lib/dom.js';

export function renderForm(container, { data }) {
  mount(container, Object.entries(data || {}).map(([k, v]) =>
    h('div', null, h('strong', null, k + ': '), typeof v === 'string' ? v : JSON.stringify(v))));
  return { get: () => ({}), validate: () => null, set() {}, keys: [], destroy() {} };
}
