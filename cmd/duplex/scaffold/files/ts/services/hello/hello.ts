// A service: GET /_/service/<app>/hello?name=Ada answers {"message": "Hello, Ada!"}.

export function get(req: Duplex.Request): Duplex.Response {
  const name = typeof req.params.name === 'string' ? req.params.name : 'world';
  return { body: { message: `Hello, ${name}!` } };
}
