export function audioSurface() { return { el: document.createElement('div'), get: () => ({}), set() {} }; }
