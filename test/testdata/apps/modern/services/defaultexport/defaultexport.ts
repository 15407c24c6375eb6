// XP's TypeScript starters export the handlers as the default object.
export default {
  get(): { body: string } {
    return { body: 'from the default export' };
  },
};
