export function get(): { body: string } {
  const body: string = 'x'
  return { body: body ;
}
