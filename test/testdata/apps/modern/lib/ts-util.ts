export function shout(text: string): string {
  return text.toUpperCase() + '!';
}

export enum Colour { Red = 'red', Blue = 'blue' }
