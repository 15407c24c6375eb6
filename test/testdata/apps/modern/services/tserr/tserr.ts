interface Answer {
  body: string;
}

export function get(): Answer {
  const n: number = 2;
  return { body: String(n + notDeclared) };
}
