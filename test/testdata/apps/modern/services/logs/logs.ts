// Logs from a TypeScript controller, at a known line.
export function get(): { body: string } {
  const n: number = 1;
  log.info('logged from line %s', String(n + 3));
  return { body: 'logged' };
}
