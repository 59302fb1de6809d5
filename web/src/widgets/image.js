export function imageSurface() { return { el: document.createElement('div'), get: () => ({}), set() {} }; }
