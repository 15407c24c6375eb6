// An ES module library that CommonJS requires.
export function triple(n) { return n * 3; }
export default 'esm default';
